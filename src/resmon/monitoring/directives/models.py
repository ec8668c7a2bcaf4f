"""Directives (ý kiến chỉ đạo) and reminders (đôn đốc).

A leader issues a directive on a task or an agency with a deadline; each recipient agency
acknowledges it and reports back. Reminders are sent automatically before a due date, on
overdue, escalated to the next level up after some days, or by hand; each is kept as history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.core.models import TimeStamped, Versioned


class DirectiveStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Directive(Versioned):
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issuing_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="issued_directives",
        verbose_name=_("issued by"),
    )
    task = models.ForeignKey(
        "planning.Task", on_delete=models.PROTECT, null=True, blank=True, related_name="directives"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="directives_about",
        verbose_name=_("agency it concerns"),
    )
    resolution = models.ForeignKey(
        "planning.Resolution", on_delete=models.PROTECT, null=True, blank=True, related_name="directives"
    )
    alert = models.ForeignKey(
        "alerts.Alert", on_delete=models.SET_NULL, null=True, blank=True, related_name="directives"
    )
    text = models.TextField(_("directive"))
    due_date = models.DateField(_("report back by"))
    status = models.CharField(
        _("status"), max_length=10, choices=DirectiveStatus.choices, default=DirectiveStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.TextField(_("note on closing"), blank=True)
    updated_by_name = models.CharField(max_length=150, blank=True)

    # seen by the issuing agency's side, the recipients' side, and the resolution's steering committee
    scope_paths = ("issuing_agency__path",)
    scope_paths_many = ("recipients__agency__path",)
    scope_resolution = "resolution_id"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["issuing_agency", "status"], name="directive_issuer_status"),
            models.Index(fields=["status", "due_date"], name="directive_status_due"),
        ]
        verbose_name = _("directive")
        verbose_name_plural = _("directives")

    def __str__(self) -> str:
        return self.text[:60]


class DirectiveRecipient(models.Model):
    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="recipients")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="received_directives"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report = models.TextField(_("report back"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_paths = ("agency__path", "directive__issuing_agency__path")
    scope_resolution = "directive__resolution_id"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["directive", "agency"], name="uniq_directive_recipient")
        ]
        indexes = [models.Index(fields=["agency", "reported_at"], name="recipient_agency_reported")]
        verbose_name = _("recipient of a directive")
        verbose_name_plural = _("recipients of directives")

    def __str__(self) -> str:
        return f"{self.directive_id} → {self.agency_id}"


class ReminderKind(models.TextChoices):
    BEFORE_DUE = "before_due", _("Before the due date")
    OVERDUE = "overdue", _("Overdue")
    ESCALATION = "escalation", _("Escalated to the level above")
    MANUAL = "manual", _("Sent by hand")


class Reminder(TimeStamped):
    kind = models.CharField(_("kind"), max_length=12, choices=ReminderKind.choices)
    key = models.CharField(
        max_length=120, unique=True, help_text="Makes the daily job send each reminder once."
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="reminders",
        verbose_name=_("reminded agency"),
    )
    escalated_to = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="escalations"
    )
    task = models.ForeignKey(
        "planning.Task", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    directive = models.ForeignKey(
        Directive, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    report = models.ForeignKey(
        "reporting.PeriodReport", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField(_("message"))

    scope_paths = ("agency__path", "escalated_to__path")
    scope_resolution = "task__resolution_id"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "created_at"], name="reminder_agency_created"),
            models.Index(fields=["escalated_to", "created_at"], name="reminder_escalated_created"),
        ]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return self.key
