"""Alerts: raised and cleared by the daily job from the warning rules (``rules.py``); each carries
the numbers of the sentence that explains it, rendered in the reader's language."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.core.models import TimeStamped, Versioned

RULE_SINGLETON_ID = 1


class AlertKind(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")
    DUE_SOON_BEHIND = "due_soon_behind", _("Due soon, behind plan")
    STALLED = "stalled", _("Stalled")
    FORECAST_LATE = "forecast_late", _("Forecast to miss the deadline")
    KPI_OFF_TRACK = "kpi_off_track", _("KPI off its trajectory")
    REPORT_MISSING = "report_missing", _("Report missing")
    REPORT_LATE = "report_late", _("Report sent late")
    MILESTONE_MISSED = "milestone_missed", _("Milestone missed")
    COORDINATION_LATE = "coordination_late", _("Coordinating agency not delivering its part")


# Warnings raised before a deadline about a task that may end late (what the backtest scores).
LATE_RISK_KINDS = frozenset({AlertKind.DUE_SOON_BEHIND, AlertKind.STALLED, AlertKind.FORECAST_LATE})


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Alert(TimeStamped):
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    key = models.CharField(
        max_length=120, help_text="kind:object – at most one open alert per key (the job's idempotence)."
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="alerts", verbose_name=_("agency concerned")
    )
    supervisor = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="supervised_alerts",
        verbose_name=_("supervising agency"),
        help_text=_("The agency that assigned the task or accepts the report."),
    )
    resolution = models.ForeignKey(
        "planning.Resolution", on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    task = models.ForeignKey(
        "planning.Task", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    kpi = models.ForeignKey(
        "planning.TaskIndicator", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    milestone = models.ForeignKey(
        "planning.Milestone", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    coordination = models.ForeignKey(
        "planning.TaskCoordination", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    period = models.ForeignKey(
        "catalogue.ReportingPeriod", on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    program = models.ForeignKey(
        "planning.ActionProgram", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    report = models.ForeignKey(
        "reporting.PeriodReport", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    # copies of the two agencies' paths, kept by the daily job: the scope of a list is then two
    # indexed prefix matches on this table instead of an OR across two joins (a province's list
    # at national scale: ~1 s -> a few ms)
    agency_path = models.CharField(max_length=255, editable=False, default="")
    supervisor_path = models.CharField(max_length=255, editable=False, default="")
    params = models.JSONField(default=dict, blank=True)
    raised_on = models.DateField(_("raised on"))
    last_seen_on = models.DateField(_("last confirmed on"))
    cleared_on = models.DateField(_("cleared on"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    ack_comment = models.TextField(_("comment"), blank=True)

    scope_paths = ("agency_path", "supervisor_path")
    scope_resolution = "resolution_id"

    class Meta:
        ordering = ["-raised_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(cleared_on__isnull=True), name="uniq_open_alert_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["agency_path"],
                condition=models.Q(cleared_on__isnull=True),
                opclasses=["varchar_pattern_ops"],
                name="alert_open_agency_path",
            ),
            models.Index(
                fields=["supervisor_path"],
                condition=models.Q(cleared_on__isnull=True),
                opclasses=["varchar_pattern_ops"],
                name="alert_open_supervisor_path",
            ),
            models.Index(fields=["resolution", "cleared_on"]),
            models.Index(fields=["agency", "cleared_on"]),
            models.Index(fields=["supervisor", "cleared_on"]),
            models.Index(fields=["task", "cleared_on"]),
            models.Index(fields=["kind", "cleared_on"]),
            # the counts per kind of the open alerts (the list's tabs): an index-only scan
            models.Index(
                fields=["kind"], condition=models.Q(cleared_on__isnull=True), name="alert_open_kind"
            ),
            # the open alerts newest first (every list's order): a partial index read backwards
            models.Index(
                fields=["-raised_on", "-id"],
                condition=models.Q(cleared_on__isnull=True),
                name="alert_open_newest",
            ),
        ]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return self.key

    @property
    def sentence(self) -> str:
        """What the alert says, in the reader's language, from its stored numbers."""
        from .rules import sentence

        return sentence(self.kind, self.params)

    @property
    def is_open(self) -> bool:
        return self.cleared_on is None


class WarningRule(Versioned):
    """The thresholds of the warning rules: one row (id 1) set by system administrators; without it
    the defaults of ``rules.RuleConfig`` apply. Read by everyone signed in ("the rule written on
    the page"); the daily job reads it through ``selectors.current_rule``."""

    enabled_kinds = models.JSONField(_("rules in force"), default=list, blank=True)
    due_soon_days = models.PositiveSmallIntegerField(_("due-soon window (days)"))
    behind_points = models.PositiveSmallIntegerField(_("behind tolerance (percentage points)"))
    stalled_days = models.PositiveSmallIntegerField(_("stalled after (days without progress)"))
    forecast_p_miss = models.DecimalField(_("forecast probability threshold"), max_digits=3, decimal_places=2)
    report_grace_days = models.PositiveSmallIntegerField(_("report missing after (days past due)"))
    milestone_grace_days = models.PositiveSmallIntegerField(_("milestone missed after (days past due)"))
    coordination_grace_days = models.PositiveSmallIntegerField(_("coordination late after (days past due)"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by_name = models.CharField(max_length=150, blank=True)

    scope_public = True  # the rule is written on the alert pages for everyone

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=RULE_SINGLETON_ID), name="warning_rule_singleton")
        ]
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rule")

    def __str__(self) -> str:
        return f"warning rule v{self.version}"
