"""The evaluation rule (one row, versioned) and the evaluations of agencies, one per agency and
quarter or year, with the computed proposal and the three steps people take on it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resmon.core.models import Versioned

SINGLETON_ID = 1

# The five criteria, in the order they are shown; the rule's weight field of each.
CRITERIA = ("on_time", "progress", "kpi", "reporting", "directives")
WEIGHT_FIELDS = {key: f"weight_{key}" for key in CRITERIA}

DEFAULT_WEIGHTS = {"on_time": 30, "progress": 25, "kpi": 20, "reporting": 15, "directives": 10}
DEFAULT_EXCELLENT_FROM = Decimal(90)  # Decree 335/2025/NĐ-CP style bands: >= 90, 70–89, 50–69, < 50
DEFAULT_GOOD_FROM = Decimal(70)
DEFAULT_PASS_FROM = Decimal(50)
DEFAULT_CAP_PERCENT = Decimal(20)  # excellent at most 20% of those rated at least good


class Level(models.TextChoices):
    """The four levels of Quy định 124-QĐ/TW, best first."""

    EXCELLENT = "excellent", _("Excellently completed duties")
    GOOD = "good", _("Well completed duties")
    DONE = "done", _("Completed duties")
    NOT_DONE = "not_done", _("Did not complete duties")


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class State(models.TextChoices):
    COMPUTED = "computed", _("Computed, awaiting the self-assessment")
    SELF_ASSESSED = "self_assessed", _("Self-assessed, awaiting the appraisal")
    APPRAISED = "appraised", _("Appraised, awaiting the decision")
    DECIDED = "decided", _("Decided")


# States in which the computed part may still be refreshed (nobody above has judged it yet).
RECOMPUTABLE = (State.COMPUTED, State.SELF_ASSESSED)


class EvaluationRule(Versioned):
    """One row (id 1) set by system administrators; without it the defaults apply. Weights are
    whole points summing to 100; thresholds are scores out of 100 with one decimal."""

    weight_on_time = models.PositiveSmallIntegerField(
        _("weight: on-time completion"), default=DEFAULT_WEIGHTS["on_time"]
    )
    weight_progress = models.PositiveSmallIntegerField(
        _("weight: progress against plan"), default=DEFAULT_WEIGHTS["progress"]
    )
    weight_kpi = models.PositiveSmallIntegerField(_("weight: KPI attainment"), default=DEFAULT_WEIGHTS["kpi"])
    weight_reporting = models.PositiveSmallIntegerField(
        _("weight: reporting on time and complete"), default=DEFAULT_WEIGHTS["reporting"]
    )
    weight_directives = models.PositiveSmallIntegerField(
        _("weight: response to directives"), default=DEFAULT_WEIGHTS["directives"]
    )
    excellent_from = models.DecimalField(
        _("excellent from (points)"), max_digits=4, decimal_places=1, default=DEFAULT_EXCELLENT_FROM
    )
    good_from = models.DecimalField(
        _("good from (points)"), max_digits=4, decimal_places=1, default=DEFAULT_GOOD_FROM
    )
    pass_from = models.DecimalField(
        _("completed from (points)"), max_digits=4, decimal_places=1, default=DEFAULT_PASS_FROM
    )
    cap_percent = models.DecimalField(
        _("excellent at most (percent of those rated at least good)"),
        max_digits=4,
        decimal_places=1,
        default=DEFAULT_CAP_PERCENT,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by_name = models.CharField(max_length=150, blank=True)

    scope_public = True  # the rule is published: every signed-in user reads it

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=SINGLETON_ID), name="evaluation_rule_singleton"),
        ]
        verbose_name = _("evaluation rule")
        verbose_name_plural = _("evaluation rule")

    def __str__(self) -> str:
        return f"evaluation rule v{self.version}"


class Evaluation(Versioned):
    """One agency's evaluation for one quarter (a catalogue period) or one year."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("agency")
    )
    kind = models.CharField(_("period kind"), max_length=8, choices=PeriodKind.choices)
    period = models.ForeignKey(
        "catalogue.ReportingPeriod",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("quarter"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    window_start = models.DateField(_("first day"))
    window_end = models.DateField(_("last day"))

    # what the system computed (refreshed while nobody above has judged it)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)
    proposed_level = models.CharField(_("proposed level"), max_length=10, choices=Level.choices, blank=True)
    inputs = models.JSONField(_("inputs behind the score"), default=dict)
    rule_version = models.PositiveIntegerField(_("rule version"), default=0)
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(_("state"), max_length=14, choices=State.choices, default=State.COMPUTED)

    # 1. the agency's self-assessment
    self_level = models.CharField(_("self-assessed level"), max_length=10, choices=Level.choices, blank=True)
    self_comment = models.TextField(_("self-assessment"), blank=True)
    self_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    self_at = models.DateTimeField(_("self-assessed at"), null=True, blank=True)

    # 2. the supervising agency's appraisal and proposal
    appraisal_level = models.CharField(_("appraised level"), max_length=10, choices=Level.choices, blank=True)
    appraisal_comment = models.TextField(_("appraisal"), blank=True)
    appraisal_proposal = models.TextField(_("proposal to the competent body"), blank=True)
    appraising_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appraised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appraised_at = models.DateTimeField(_("appraised at"), null=True, blank=True)

    # 3. the competent body's decision
    decision_level = models.CharField(_("decided level"), max_length=10, choices=Level.choices, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    deciding_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    updated_by_name = models.CharField(max_length=150, blank=True)

    scope_paths = ("agency__path",)

    class Meta:
        ordering = ["-window_end", "agency__path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "period"], condition=Q(kind="quarter"), name="uniq_evaluation_quarter"
            ),
            models.UniqueConstraint(
                fields=["agency", "year"], condition=Q(kind="year"), name="uniq_evaluation_year"
            ),
            models.CheckConstraint(
                condition=(Q(kind="quarter", period__isnull=False) | Q(kind="year", period__isnull=True)),
                name="evaluation_period_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "state"], name="evaluation_period_state"),
            models.Index(fields=["kind", "year", "state"], name="evaluation_year_state"),
        ]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return f"{self.agency} – {self.period_label}"

    @property
    def period_label(self) -> str:
        if self.kind == PeriodKind.QUARTER and self.period is not None:
            return self.period.label
        return f"Năm {self.year}"

    @property
    def supervisor(self):
        """The supervising agency: the evaluated agency's parent in the tree (None for the root)."""
        if not hasattr(self, "_supervisor"):
            path = self.agency.path[: -self.agency.steplen]
            self._supervisor = type(self.agency).objects.filter(path=path).first() if path else None
        return self._supervisor

    @property
    def final_level(self) -> str:
        """The level that counts for the cap: the decision, else the appraisal (blank before)."""
        return self.decision_level or self.appraisal_level
