"""The agency tree: party and state bodies from the centre down to the communes.

A materialised path (django-treebeard MP_Node) makes a subtree one indexed prefix query on
SQLite and PostgreSQL alike. Agencies are never deleted: a merged or split agency gets a
``valid_to`` and its successors list it among their ``predecessors``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from resmon.core.access import Role
from resmon.core.models import TimeStamped


class AgencyKind(models.TextChoices):
    CENTRAL_COMMITTEE = "central_committee", _("Central Committee")
    PARTY_CENTRAL = "party_central", _("Central party body")
    PARTY_COMMITTEE = "party_committee", _("Party committee directly under the Central Committee")
    MINISTRY = "ministry", _("Ministry")
    MINISTERIAL_AGENCY = "ministerial_agency", _("Ministerial-level agency")
    MINISTRY_UNIT = "ministry_unit", _("Department of a ministry")
    PROVINCIAL_PARTY = "provincial_party", _("Provincial party committee")
    PROVINCIAL_PEOPLES_COMMITTEE = "provincial_ubnd", _("Provincial People's Committee")
    PROVINCIAL_DEPARTMENT = "provincial_department", _("Provincial department")
    COMMUNE_PARTY = "commune_party", _("Commune party committee")
    COMMUNE_PEOPLES_COMMITTEE = "commune_ubnd", _("Commune People's Committee")


PARTY_KINDS = {
    AgencyKind.CENTRAL_COMMITTEE,
    AgencyKind.PARTY_CENTRAL,
    AgencyKind.PARTY_COMMITTEE,
    AgencyKind.PROVINCIAL_PARTY,
    AgencyKind.COMMUNE_PARTY,
}


PROVINCIAL_COMMITTEE_PREFIXES = ("Thành ủy ", "Tỉnh ủy ", "Thành uỷ ", "Tỉnh uỷ ")


class Level(models.TextChoices):
    CENTRAL = "central", _("Central")
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")


class Agency(MP_Node, TimeStamped):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    admin_type = models.CharField(
        _("administrative unit type"),
        max_length=32,
        blank=True,
        help_text=_("city, province, commune, ward or special zone"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    predecessors = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="successors",
        blank=True,
        verbose_name=_("predecessors"),
    )
    is_synthetic = models.BooleanField(
        _("synthetic demo data"),
        default=False,
        help_text=_("Generated name for demonstration; not a real administrative unit."),
    )

    steplen = 4
    scope_paths = ("path",)
    scope_actions = {"manage_accounts": {Role.AGENCY_ADMIN}, "change": {Role.AGENCY_ADMIN}}

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        indexes = [models.Index(fields=["kind"]), models.Index(fields=["level", "kind"])]

    def __str__(self) -> str:
        return self.name

    def owner_paths(self) -> tuple[str, ...]:
        return (self.path,)

    @property
    def is_party(self) -> bool:
        return self.kind in PARTY_KINDS

    @property
    def ancestor_paths(self) -> list[str]:
        return [self.path[:i] for i in range(self.steplen, len(self.path), self.steplen)]

    @property
    def province_name(self) -> str:
        """The province a provincial party committee stands for: "Hà Nội" for "Thành ủy Hà Nội",
        "Thành phố Hồ Chí Minh" for "Thành ủy Thành phố Hồ Chí Minh" (other names unchanged)."""
        for prefix in PROVINCIAL_COMMITTEE_PREFIXES:
            if self.name.startswith(prefix):
                return self.name.removeprefix(prefix).strip()
        return self.name

    def is_active_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )
