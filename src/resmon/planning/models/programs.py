"""Resolutions, their clauses, steering committees and action programmes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.catalogue.models import PeriodKind
from resmon.core.access import Role
from resmon.core.models import TimeStamped, Versioned


class Resolution(TimeStamped):
    number = models.CharField(_("number"), max_length=40, unique=True, help_text=_("e.g. 57-NQ/TW"))
    title = models.CharField(_("title"), max_length=500)
    issued_on = models.DateField(_("issued on"))
    issuer = models.CharField(_("issuer"), max_length=200, default="Bộ Chính trị")
    summary = models.TextField(_("summary"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    # Politburo resolutions are published documents: every signed-in user sees the list;
    # tasks and programs under them are scoped.
    scope_public = True

    class Meta:
        ordering = ["issued_on", "number"]
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")

    def __str__(self) -> str:
        return f"{self.number}"


class Clause(models.Model):
    """A numbered piece of a resolution's text (part, section, point), corrected by hand if needed."""

    class Kind(models.TextChoices):
        PART = "part", _("Part")
        SECTION = "section", _("Section")
        POINT = "point", _("Point")
        PARAGRAPH = "paragraph", _("Paragraph")

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="clauses")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    label = models.CharField(_("number"), max_length=20, help_text=_("e.g. II, 3, a"))
    reference = models.CharField(_("reference"), max_length=60, help_text=_("e.g. II.3.a"))
    text = models.TextField(_("text"))
    order = models.PositiveIntegerField(_("order"), default=0)

    scope_public = True

    class Meta:
        ordering = ["resolution_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["resolution", "reference"], name="uniq_clause_reference")
        ]
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")

    def __str__(self) -> str:
        return f"{self.reference} {self.text[:60]}"


class SteeringCommittee(TimeStamped):
    resolution = models.OneToOneField(Resolution, on_delete=models.CASCADE, related_name="steering_committee")
    name = models.CharField(_("name"), max_length=300)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="SteeringMember", related_name="+")

    scope_public = True

    def __str__(self) -> str:
        return self.name


class SteeringMember(TimeStamped):
    committee = models.ForeignKey(SteeringCommittee, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="steering_memberships"
    )
    position = models.CharField(_("position"), max_length=150, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["committee", "user"], name="uniq_steering_member")]


class ActionProgram(Versioned):
    class DocType(models.TextChoices):
        ACTION_PROGRAM = "ctht", _("Action programme")
        PLAN = "kh", _("Plan")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="programs")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="programs")
    doc_type = models.CharField(
        _("document type"), max_length=10, choices=DocType.choices, default=DocType.ACTION_PROGRAM
    )
    number = models.CharField(
        _("number"), max_length=60, blank=True, help_text=_("e.g. 12-CTr/TU or 45/KH-UBND")
    )
    title = models.CharField(_("title"), max_length=500)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    signer = models.CharField(_("signer"), max_length=150, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    override_reason = models.TextField(
        _("reason for issuing with open six-clears flags"),
        blank=True,
        help_text=_("Given by a leader who issues the programme although some tasks are flagged."),
    )
    updated_by_name = models.CharField(max_length=150, blank=True)

    scope_paths = ("agency__path",)
    # an agency that leads a task of the programme (a department in its city's programme) sees it too
    scope_paths_many = ("tasks__lead_agency__path",)
    scope_resolution = "resolution_id"
    scope_actions = {"change": {Role.FOCAL_OFFICER, Role.LEADER}}

    class Meta:
        ordering = ["resolution__issued_on", "agency__path"]
        constraints = [
            models.UniqueConstraint(fields=["resolution", "agency"], name="uniq_program_per_agency")
        ]
        verbose_name = _("action programme")
        verbose_name_plural = _("action programmes")

    def __str__(self) -> str:
        return self.title

    def owner_paths(self) -> tuple[str, ...]:
        return (self.agency.path,)


class ProgramAmendment(TimeStamped):
    """An issued programme changes only through a recorded amendment."""

    program = models.ForeignKey(ActionProgram, on_delete=models.CASCADE, related_name="amendments")
    number = models.CharField(_("number"), max_length=60, blank=True)
    decided_on = models.DateField(_("date"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_open = models.BooleanField(_("open for changes"), default=True)

    scope_paths = ("program__agency__path",)
    scope_resolution = "program__resolution_id"

    class Meta:
        ordering = ["program_id", "decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.program} – {self.number or self.decided_on}"


class ProgramSchedule(TimeStamped):
    """One kind of period a programme reports on, and when its reports are due.

    A programme without rows reports quarterly, due 5 days after the period ends, no grace days
    (``planning.services.schedule.schedule_of``).
    """

    program = models.ForeignKey(ActionProgram, on_delete=models.CASCADE, related_name="schedule")
    kind = models.CharField(_("period kind"), max_length=10, choices=PeriodKind.choices)
    due_days = models.PositiveSmallIntegerField(
        _("due days after the period ends"), help_text=_("e.g. 5: a quarter ending 14/12 is due 19/12")
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace days"), default=0, help_text=_("Reports in the grace days are accepted but marked late.")
    )

    scope_paths = ("program__agency__path",)
    scope_resolution = "program__resolution_id"

    class Meta:
        ordering = ["program_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["program", "kind"], name="uniq_program_schedule_kind")]
        verbose_name = _("reporting schedule")
        verbose_name_plural = _("reporting schedules")

    def __str__(self) -> str:
        return f"{self.program} – {self.get_kind_display()}"
