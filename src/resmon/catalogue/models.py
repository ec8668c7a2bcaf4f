"""The common language: one indicator catalogue.

An ``Indicator`` is the stable identity (its code); each change of definition creates a new
``IndicatorVersion``, so values reported against an older version keep their meaning. Targets
and observations point at the version they were defined against.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.core.access import Role
from resmon.core.models import TimeStamped


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    AVERAGE = "avg", _("Average")
    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")
    LAST = "last", _("Last value")
    RATIO = "ratio", _("Ratio of two indicators")


class Frequency(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    HALF_YEAR = "half_year", _("Half-yearly")
    YEAR = "year", _("Yearly")


class Indicator(TimeStamped):
    code = models.CharField(_("code"), max_length=40, unique=True, help_text=_("e.g. NQ57-DVC-01"))
    is_active = models.BooleanField(_("in use"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    current = models.ForeignKey(
        "IndicatorVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )

    # The catalogue is the common language: every signed-in user reads it; system administrators edit it.
    scope_public = True
    scope_actions = {"change": {Role.SYSTEM_ADMIN}}

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.current.name if self.current_id else ''}".strip()

    def owner_paths(self) -> tuple[str, ...]:
        return ()


class IndicatorVersion(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=300)
    definition = models.TextField(
        _("definition"), help_text=_("What is counted, how, and from which source.")
    )
    unit = models.CharField(_("unit"), max_length=40, help_text=_("e.g. %, VND billion, persons"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    aggregation = models.CharField(_("aggregation up the tree"), max_length=10, choices=Aggregation.choices)
    numerator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("numerator (for a ratio)"),
    )
    denominator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("denominator (for a ratio)"),
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    min_value = models.DecimalField(
        _("lowest valid value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("highest valid value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    decimal_places = models.PositiveSmallIntegerField(
        _("decimal places allowed"), default=2, help_text=_("0 for counts such as persons or documents.")
    )
    part_of = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("part of (its value cannot exceed this indicator's)"),
    )
    owner_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="owned_indicators",
        verbose_name=_("owner agency"),
    )
    resolution_hint = models.CharField(
        _("resolutions it serves"), max_length=100, blank=True, help_text=_("e.g. 57-NQ/TW")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)

    scope_public = True

    class Meta:
        ordering = ["indicator__code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "version"], name="uniq_indicator_version")
        ]
        verbose_name = _("indicator version")
        verbose_name_plural = _("indicator versions")

    def __str__(self) -> str:
        return f"{self.indicator.code} v{self.version} {self.name}"


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF_YEAR = "half_year", _("Half-year")
    YEAR = "year", _("Year")


class Cutoff(models.TextChoices):
    CALENDAR = "calendar", _("Calendar (1st to last day of the month)")
    DECREE09 = "decree09", _("Decree 09/2019/NĐ-CP (15th of the previous month to the 14th)")


class ReportingPeriod(TimeStamped):
    """One period of the national calendar (see ``catalogue.periods`` for the dates).

    A closed period refuses new data; only a system administrator closes or reopens one, with a reason.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    cutoff = models.CharField(_("data cut-off"), max_length=10, choices=Cutoff.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    index = models.PositiveSmallIntegerField(_("number in the year"))
    code = models.CharField(_("code"), max_length=10, help_text=_("e.g. 2026-M11, 2026-Q4, 2026-H2, 2026"))
    label = models.CharField(_("name"), max_length=60)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    is_closed = models.BooleanField(_("closed"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_reason = models.CharField(_("reason for closing"), max_length=500, blank=True)

    # The calendar is the common language: every signed-in user reads it; system administrators close periods.
    scope_public = True
    scope_actions = {"change": {Role.SYSTEM_ADMIN}}

    class Meta:
        ordering = ["start", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "cutoff", "code"], name="uniq_period_code"),
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="period_start_le_end"
            ),
        ]
        indexes = [models.Index(fields=["cutoff", "kind", "start"], name="period_lookup")]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")

    def __str__(self) -> str:
        return self.label

    def owner_paths(self) -> tuple[str, ...]:
        return ()
