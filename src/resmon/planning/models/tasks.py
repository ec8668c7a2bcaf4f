"""The task tree: tasks, coordination, milestones, dependencies, deadline extensions and KPIs."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.catalogue.models import Frequency
from resmon.core.access import Role
from resmon.core.models import TimeStamped, Versioned

from ..status import TaskState
from .programs import ActionProgram, Clause, Resolution


class DeliverableType(models.TextChoices):
    PROJECT = "de_an", _("Scheme submitted for approval")
    LEGAL_DOC = "van_ban", _("Legal or normative document")
    REPORT = "bao_cao", _("Report")
    PLAN = "ke_hoach", _("Plan or programme")
    SYSTEM = "he_thong", _("Information system or platform")
    CONSTRUCTION = "cong_trinh", _("Facility or construction")
    OTHER = "khac", _("Other")


# A task's review period uses the one period vocabulary of the catalogue.
ReviewPeriod = Frequency


class Task(Versioned):
    program = models.ForeignKey(ActionProgram, on_delete=models.PROTECT, related_name="tasks")
    resolution = models.ForeignKey(
        Resolution,
        on_delete=models.PROTECT,
        related_name="tasks",
        help_text=_("Always the programme's resolution."),
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.CharField(_("code"), max_length=40, blank=True, help_text=_("e.g. 1.2.3"))
    position = models.PositiveIntegerField(_("position among its siblings"), default=0)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    source_clause = models.CharField(_("source clause of the resolution"), max_length=300, blank=True)
    clauses = models.ManyToManyField(
        Clause, related_name="tasks", blank=True, verbose_name=_("clauses it implements")
    )
    lead_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("lead agency")
    )
    responsible_officer = models.CharField(_("responsible officer"), max_length=150, blank=True)
    assigned_by = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="assigned_tasks",
        verbose_name=_("assigned by"),
    )
    coordinating_agencies = models.ManyToManyField(
        "agencies.Agency",
        through="TaskCoordination",
        related_name="coordinated_tasks",
        verbose_name=_("coordinating agencies"),
        blank=True,
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    original_due_date = models.DateField(_("original due date"), null=True, blank=True)
    ongoing = models.BooleanField(_("ongoing"), default=False)
    review_period = models.CharField(
        _("review period"), max_length=10, choices=ReviewPeriod.choices, blank=True
    )
    deliverable_type = models.CharField(
        _("deliverable type"), max_length=12, choices=DeliverableType.choices, blank=True
    )
    deliverable = models.CharField(_("deliverable"), max_length=500, blank=True)
    authority = models.CharField(
        _("competent authority"),
        max_length=300,
        blank=True,
        help_text=_("Who issues or accepts the deliverable, e.g. Ban Thường vụ Tỉnh ủy, Chính phủ."),
    )
    deadline_justification = models.TextField(
        _("why the deadline is later than the parent task's"),
        blank=True,
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=7,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
    )
    percent_done = models.DecimalField(
        _("percent done"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    first_progress_on = models.DateField(_("first progress reported on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=TaskState.choices, default=TaskState.ACTIVE)
    state_reason = models.TextField(_("reason for pausing or cancelling"), blank=True)
    updated_by_name = models.CharField(max_length=150, blank=True)

    scope_paths = ("lead_agency__path", "assigned_by__path")
    scope_paths_many = ("coordinations__agency__path",)
    scope_resolution = "resolution_id"
    scope_actions = {
        "change": {Role.FOCAL_OFFICER, Role.LEADER},
        "report_progress": {Role.FOCAL_OFFICER, Role.LEADER},
    }

    class Meta:
        ordering = ["resolution_id", "program_id", "code", "position", "id"]
        indexes = [
            models.Index(fields=["resolution", "lead_agency"]),
            models.Index(fields=["due_date"]),
            models.Index(fields=["program", "code"]),
            models.Index(fields=["parent", "position"]),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    def owner_paths(self) -> tuple[str, ...]:
        return (self.lead_agency.path, self.assigned_by.path)

    def status_on(self, today):
        from ..status import derive_status

        return derive_status(
            first_progress_on=self.first_progress_on,
            completed_on=self.completed_on,
            due_date=self.due_date,
            today=today,
            ongoing=self.ongoing,
            state=self.state,
        )


class TaskCoordination(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="coordinations")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="coordinations")
    sub_deliverable = models.CharField(_("its part of the deliverable"), max_length=300, blank=True)
    due_date = models.DateField(_("its part due on"), null=True, blank=True)
    delivered_on = models.DateField(_("its part delivered on"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "agency"], name="uniq_coordination")]

    def __str__(self) -> str:
        return f"{self.agency_id} → {self.task_id}"


class Milestone(TimeStamped):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("name"), max_length=300)
    due_date = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["task_id", "due_date", "position", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.name


class TaskDependency(TimeStamped):
    """Finish-to-start: ``task`` can finish only after ``depends_on`` has finished."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="dependents")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "depends_on"], name="uniq_task_dependency"),
            models.CheckConstraint(
                condition=~models.Q(task=models.F("depends_on")), name="dependency_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} ← {self.depends_on_id}"


class DeadlineExtension(TimeStamped):
    """Requested by the lead agency, granted or refused by the assigning level; the original
    deadline stays on the task (``original_due_date``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    current_due_date = models.DateField(_("due date when requested"))
    proposed_due_date = models.DateField(_("proposed due date"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    scope_paths = ("task__lead_agency__path", "task__assigned_by__path")
    scope_resolution = "task__resolution_id"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")

    def __str__(self) -> str:
        return f"{self.task_id}: {self.current_due_date} → {self.proposed_due_date}"
