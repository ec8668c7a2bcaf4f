"""Pre-aggregated figures per (agency subtree, resolution): caches of planning's one roll-up
function and status rule, kept current by the fold (decision 014), rebuilt by `rebuild_rollups`.

They are derived data written by the system, never by a user: no version, no audit row (the
audit rows they are folded from are the record)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.planning.status import TaskStatus

STATUS_FIELDS = tuple(s.value for s in TaskStatus)


class ProgressRollup(models.Model):
    """One agency subtree on one resolution: the progress (the weighted mean of the top-most tasks
    led inside it, rounded as shown) and how many of the tasks led inside it are in each status."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    agency_path = models.CharField(_("agency path"), max_length=255, db_index=True)
    resolution = models.ForeignKey("planning.Resolution", on_delete=models.CASCADE, related_name="+")
    progress = models.DecimalField(_("progress"), max_digits=5, decimal_places=2, null=True, blank=True)
    tasks = models.PositiveIntegerField(_("tasks"), default=0)
    not_started = models.PositiveIntegerField(default=0)
    in_progress = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    done_on_time = models.PositiveIntegerField(default=0)
    done_late = models.PositiveIntegerField(default=0)
    paused = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    as_of = models.DateField(_("statuses as of"))
    computed_at = models.DateTimeField(_("computed at"))

    scope_paths = ("agency_path",)
    scope_resolution = "resolution_id"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "resolution"], name="uniq_progress_rollup"),
        ]
        indexes = [models.Index(fields=["resolution", "agency_path"])]

    def __str__(self) -> str:
        return f"{self.agency_path} / {self.resolution_id}: {self.progress}"

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in STATUS_FIELDS}


class CompletenessRollup(models.Model):
    """One agency subtree on one resolution in one reporting period: the period's expected reports
    owed inside the subtree and what became of them (``reporting.selectors_completeness.Counts``).
    Kept for the periods of the recent window (``rollups.completeness.kept_periods``); an older
    period is counted live."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    agency_path = models.CharField(_("agency path"), max_length=255)
    resolution = models.ForeignKey("planning.Resolution", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey("catalogue.ReportingPeriod", on_delete=models.CASCADE, related_name="+")
    expected = models.PositiveIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    awaiting = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(_("computed at"))

    scope_paths = ("agency_path",)
    scope_resolution = "resolution_id"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "resolution", "period"], name="uniq_completeness_rollup"
            ),
        ]
        indexes = [models.Index(fields=["period", "agency_path"])]

    def __str__(self) -> str:
        return (
            f"{self.agency_path} / {self.resolution_id} / {self.period_id}: {self.received}/{self.expected}"
        )


class KpiRollup(models.Model):
    """One agency subtree on one resolution in one reporting period: how many KPIs of the tasks led
    inside it (cancelled tasks left out) are in each band under the rule in force — what
    ``dashboards.kpis.kpi_bands`` counts for a user who reads the whole subtree. Kept for the periods
    of the recent window (``rollups.kpis.kept_periods``); an older period is scored live."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    agency_path = models.CharField(_("agency path"), max_length=255)
    resolution = models.ForeignKey("planning.Resolution", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey("catalogue.ReportingPeriod", on_delete=models.CASCADE, related_name="+")
    at_risk = models.PositiveIntegerField(default=0)
    behind = models.PositiveIntegerField(default=0)
    on_track = models.PositiveIntegerField(default=0)
    not_assessable = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(_("computed at"))

    scope_paths = ("agency_path",)
    scope_resolution = "resolution_id"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "resolution", "period"], name="uniq_kpi_rollup"),
        ]
        indexes = [models.Index(fields=["period", "agency_path"])]

    def __str__(self) -> str:
        return f"{self.agency_path} / {self.resolution_id} / {self.period_id}"


class KpiScore(models.Model):
    """One KPI in one kept period, as the KPI page lists it: the planned value on the period's last
    day, the accepted value, the attainment and the band (so a page of the list is one indexed
    query, in the same transaction as the counts of :class:`KpiRollup`)."""

    kpi = models.ForeignKey("planning.TaskIndicator", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey("catalogue.ReportingPeriod", on_delete=models.CASCADE, related_name="+")
    resolution = models.ForeignKey("planning.Resolution", on_delete=models.CASCADE, related_name="+")
    agency_path = models.CharField(_("lead agency path"), max_length=255)
    expected = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    actual = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    attainment = models.DecimalField(max_digits=30, decimal_places=2, null=True, blank=True)
    band = models.CharField(max_length=16)
    computed_at = models.DateTimeField(_("computed at"))

    scope_paths = ("agency_path",)
    scope_resolution = "resolution_id"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kpi", "period"], name="uniq_kpi_score")]
        indexes = [models.Index(fields=["period", "agency_path"])]

    def __str__(self) -> str:
        return f"{self.kpi_id} / {self.period_id}: {self.band}"


class FoldState(models.Model):
    """The one row (pk=1): the last sealed audit row folded into the roll-ups, and the day the
    statuses were last counted for (a new day re-counts them: due dates pass without a write)."""

    last_seq = models.BigIntegerField(default=0)
    as_of = models.DateField(null=True, blank=True)
    completeness_from = models.DateField(
        null=True,
        blank=True,
        help_text="Completeness is kept for the periods ending on or after this day (None: not built).",
    )
    kpis_from = models.DateField(
        null=True,
        blank=True,
        help_text="KPI bands are kept for the periods ending on or after this day (None: not built).",
    )
    kpi_on_track_from = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    kpi_at_risk_below = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The band rule the KPI rows were scored under (another rule in force: not covered).",
    )
    folded_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    generation = models.BigIntegerField(
        default=0, help_text="Counts the folds that changed something and the rebuilds (caches key on it)."
    )

    scope_public = True

    def __str__(self) -> str:
        return f"folded up to audit row {self.last_seq}"
