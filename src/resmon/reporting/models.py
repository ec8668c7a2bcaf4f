"""Period reports and what they carry: progress per task, evidence, KPI values (observations),
proposals; the review chain (prepare → head approves for sending → assigning level accepts or
returns); explanation requests.

A ``PeriodReport`` is the unit of review: one reporting agency's report on one programme for one
period of the national calendar. Its ``lines`` are the progress reports of the tasks the agency
leads in that programme. Accepted data is locked until the accepting level reopens it with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resmon.core.access import Role
from resmon.core.models import TimeStamped, Versioned


class Classification(models.TextChoices):
    """Độ mật. Only ``NORMAL`` content may be stored; the others are recorded by number and date."""

    NORMAL = "thuong", _("Normal (Thường)")
    CONFIDENTIAL = "mat", _("Confidential (Mật)")
    SECRET = "toi_mat", _("Secret (Tối mật)")
    TOP_SECRET = "tuyet_mat", _("Top secret (Tuyệt mật)")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_HEAD = "awaiting_head", _("Awaiting the head's approval")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


# States in which the reporting agency may still edit the report's content.
EDITABLE_STATES = (ReportState.DRAFT, ReportState.RETURNED)


class PeriodReport(Versioned):
    program = models.ForeignKey(
        "planning.ActionProgram", on_delete=models.PROTECT, related_name="period_reports"
    )
    resolution = models.ForeignKey(
        "planning.Resolution", on_delete=models.PROTECT, related_name="+", help_text=_("The programme's.")
    )
    period = models.ForeignKey("catalogue.ReportingPeriod", on_delete=models.PROTECT, related_name="reports")
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="period_reports",
        verbose_name=_("reporting agency"),
    )
    accepting_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="reports_to_accept",
        verbose_name=_("accepting level"),
        help_text=_("The level that assigned the tasks; it accepts or returns the report."),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ReportState.choices, default=ReportState.DRAFT
    )
    due_date = models.DateField(_("due date"))
    grace_until = models.DateField(_("last day with the grace days"))
    results = models.TextField(_("overall results"), blank=True)
    obstacles = models.TextField(_("difficulties and obstacles"), blank=True)
    next_steps = models.TextField(_("tasks for the next period"), blank=True)

    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_to_head_at = models.DateTimeField(_("sent to the head at"), null=True, blank=True)
    head_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    first_sent_at = models.DateTimeField(
        _("first sent at"), null=True, blank=True, help_text=_("Timeliness is judged on this moment.")
    )
    sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    updated_by_name = models.CharField(max_length=150, blank=True)

    scope_paths = ("agency__path", "accepting_agency__path")
    scope_resolution = "resolution_id"
    scope_actions = {
        "prepare": {Role.FOCAL_OFFICER, Role.LEADER},
        "approve": {Role.LEADER},
    }

    class Meta:
        ordering = ["-period__start", "agency__path", "program_id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "period", "agency"], name="uniq_period_report")
        ]
        indexes = [
            models.Index(fields=["period", "state"], name="report_period_state"),
            models.Index(fields=["accepting_agency", "state"], name="report_accepting_state"),
            models.Index(fields=["agency", "period"], name="report_agency_period"),
        ]
        verbose_name = _("period report")
        verbose_name_plural = _("period reports")

    def __str__(self) -> str:
        return f"{self.agency} – {self.program} – {self.period}"

    def owner_paths(self) -> tuple[str, ...]:
        return (self.agency.path,)

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class ReportLine(TimeStamped):
    """Báo cáo tiến độ: one task's progress in a period report."""

    report = models.ForeignKey(PeriodReport, on_delete=models.CASCADE, related_name="lines")
    task = models.ForeignKey("planning.Task", on_delete=models.PROTECT, related_name="report_lines")
    position = models.PositiveIntegerField(default=0)
    results = models.TextField(_("results"), blank=True)
    obstacles = models.TextField(_("difficulties and obstacles"), blank=True)
    percent_done = models.DecimalField(
        _("percent done"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Entered on the lowest-level tasks only; a parent task's progress is calculated."),
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    milestones_reached = models.ManyToManyField(
        "planning.Milestone", blank=True, related_name="+", verbose_name=_("milestones reached")
    )
    sources = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="consolidated_into",
        verbose_name=_("consolidated from"),
        help_text=_("The accepted lines of the agencies below that this line was drafted from."),
    )

    scope_paths = ("report__agency__path", "report__accepting_agency__path")
    scope_resolution = "report__resolution_id"

    class Meta:
        ordering = ["report_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "task"], name="uniq_report_line")]
        indexes = [models.Index(fields=["task", "report"], name="line_task")]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        return f"{self.report_id}: {self.task_id}"


class Evidence(TimeStamped):
    """Minh chứng: a file, a link, or (for classified documents) only the document's number and date."""

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        LINK = "link", _("Link")
        DOCUMENT = "document", _("Document number and date only")

    line = models.ForeignKey(ReportLine, on_delete=models.CASCADE, related_name="evidence")
    classification = models.CharField(
        _("classification"), max_length=10, choices=Classification.choices, default=Classification.NORMAL
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", blank=True, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    doc_date = models.DateField(_("document date"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    scope_paths = ("line__report__agency__path", "line__report__accepting_agency__path")
    scope_resolution = "line__report__resolution_id"

    class Meta:
        ordering = ["line_id", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.title


class Proposal(TimeStamped):
    """Kiến nghị, đề xuất: raised in a report, routed to the competent level, answered, closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting an answer")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    report = models.ForeignKey(PeriodReport, on_delete=models.PROTECT, related_name="proposals")
    line = models.ForeignKey(
        ReportLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    text = models.TextField(_("proposal"))
    raised_by_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="proposals_raised",
        verbose_name=_("raised by"),
    )
    addressed_to = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="proposals_received",
        verbose_name=_("competent level"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.TextField(_("note on closing"), blank=True)

    scope_paths = ("raised_by_agency__path", "addressed_to__path")
    scope_resolution = "report__resolution_id"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["addressed_to", "status"], name="proposal_inbox")]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return self.text[:80]


class Observation(TimeStamped):
    """Giá trị chỉ tiêu: one indicator's value for one agency and period, entered in a report."""

    indicator = models.ForeignKey(
        "catalogue.Indicator", on_delete=models.PROTECT, related_name="observations"
    )
    indicator_version = models.ForeignKey(
        "catalogue.IndicatorVersion", on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="observations")
    period = models.ForeignKey(
        "catalogue.ReportingPeriod", on_delete=models.PROTECT, related_name="observations"
    )
    report = models.ForeignKey(PeriodReport, on_delete=models.CASCADE, related_name="observations")
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    is_outlier = models.BooleanField(_("unusual against the agency's history"), default=False)
    explanation = models.TextField(_("explanation of an unusual value"), blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    scope_paths = ("agency__path", "report__accepting_agency__path")
    scope_resolution = "report__resolution_id"

    class Meta:
        ordering = ["indicator_id", "agency_id", "period_id"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "agency", "period"], name="uniq_observation")
        ]
        indexes = [models.Index(fields=["report"], name="observation_report")]
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")

    def __str__(self) -> str:
        return f"{self.indicator_id}@{self.agency_id}/{self.period_id} = {self.value}"


class ExplanationRequest(TimeStamped):
    """Yêu cầu giải trình: a supervisor asks an agency to explain a late or off-track item."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting the explanation")
        ANSWERED = "answered", _("Explained")
        CLOSED = "closed", _("Closed")

    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="explanation_requests",
        verbose_name=_("agency asked to explain"),
    )
    requesting_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by (agency)")
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(
        "planning.Task", on_delete=models.PROTECT, null=True, blank=True, related_name="explanation_requests"
    )
    report = models.ForeignKey(
        PeriodReport, on_delete=models.PROTECT, null=True, blank=True, related_name="explanation_requests"
    )
    question = models.TextField(_("what needs explaining"))
    due_date = models.DateField(_("answer by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("explanation"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.TextField(_("note on closing"), blank=True)

    scope_paths = ("agency__path", "requesting_agency__path")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "status"], name="explanation_inbox")]
        constraints = [
            models.CheckConstraint(
                condition=Q(task__isnull=False) | Q(report__isnull=False), name="explanation_has_subject"
            )
        ]
        verbose_name = _("explanation request")
        verbose_name_plural = _("explanation requests")

    def __str__(self) -> str:
        return self.question[:80]


class ReviewRule(TimeStamped):
    """How an accepting level reviews: optionally only after every agency under it has sent its report."""

    agency = models.OneToOneField("agencies.Agency", on_delete=models.CASCADE, related_name="review_rule")
    wait_for_all = models.BooleanField(
        _("accept only after all agencies under this level have sent their reports"), default=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_paths = ("agency__path",)

    def __str__(self) -> str:
        return f"{self.agency_id}: wait_for_all={self.wait_for_all}"


class IdempotencyKey(models.Model):
    """A write request the client may retry (double click, lost answer): the first result is kept
    and returned again for the same key, so a retry never creates a second object."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    action = models.CharField(max_length=60)
    request_hash = models.CharField(max_length=64)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="uniq_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
