"""Resolutions, steering committees, action programs and the task tree (basic model; the
planning issue extends it with clauses, milestones, KPIs and the six clears)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.core.access import Role
from resmon.core.models import TimeStamped, Versioned

from .status import TaskState


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
    updated_by_name = models.CharField(max_length=150, blank=True)

    scope_paths = ("agency__path",)
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


class DeliverableType(models.TextChoices):
    PROJECT = "de_an", _("Scheme submitted for approval")
    LEGAL_DOC = "van_ban", _("Legal or normative document")
    REPORT = "bao_cao", _("Report")
    PLAN = "ke_hoach", _("Plan or programme")
    SYSTEM = "he_thong", _("Information system or platform")
    CONSTRUCTION = "cong_trinh", _("Facility or construction")
    OTHER = "khac", _("Other")


class ReviewPeriod(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    HALF_YEAR = "half_year", _("Half-yearly")
    YEAR = "year", _("Yearly")


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
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    source_clause = models.CharField(_("source clause of the resolution"), max_length=300, blank=True)
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
        ordering = ["resolution_id", "program_id", "code", "id"]
        indexes = [
            models.Index(fields=["resolution", "lead_agency"]),
            models.Index(fields=["due_date"]),
            models.Index(fields=["program", "code"]),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    def owner_paths(self) -> tuple[str, ...]:
        return (self.lead_agency.path, self.assigned_by.path)

    def status_on(self, today):
        from .status import derive_status

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

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "agency"], name="uniq_coordination")]

    def __str__(self) -> str:
        return f"{self.agency_id} → {self.task_id}"
