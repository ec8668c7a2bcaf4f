"""In-app notifications and each user's choice of how to be told by e-mail.

A notification is personal: it belongs to its recipient only (no agency scope opens it to
anyone else). Its title and body are stored as written when it was created, so the inbox shows
what was said at the time even after the object it links to changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resmon.core.access import Role


class Kind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("Task assigned")
    EXTENSION_REQUESTED = "extension_requested", _("Deadline extension requested")
    EXTENSION_DECIDED = "extension_decided", _("Deadline extension decided")
    PROGRAM_ISSUED = "program_issued", _("Programme issued")
    REPORT_SUBMITTED = "report_submitted", _("Report submitted")
    REPORT_RETURNED = "report_returned", _("Report returned")
    REPORT_ACCEPTED = "report_accepted", _("Report accepted")
    EXPLANATION_REQUESTED = "explanation_requested", _("Explanation requested")
    EXPLANATION_ANSWERED = "explanation_answered", _("Explanation answered")
    PROPOSAL_RECEIVED = "proposal_received", _("Proposal received")
    PROPOSAL_ANSWERED = "proposal_answered", _("Proposal answered")
    # directives and reminders (monitoring.directives)
    DIRECTIVE_ISSUED = "directive_issued", _("Directive received")
    DIRECTIVE_UPDATED = "directive_updated", _("Directive acknowledged, reported on, closed or withdrawn")
    REMINDER = "reminder", _("Reminder")
    # a coordinating agency's part of a task (planning.services.coordination)
    COORDINATION_DELIVERED = "coordination_delivered", _("Coordinating agency's part delivered")
    # early warnings (monitoring.alerts)
    ALERT_RAISED = "alert_raised", _("Early warning raised")
    # evaluation of agencies (monitoring.evaluation): a step awaits the next actor, or was decided
    EVALUATION = "evaluation", _("Evaluation of agencies")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    digest_pending = models.BooleanField(_("waiting for the daily digest"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # the inbox and the header's unread count
            models.Index(fields=["recipient", "read_at", "created_at"], name="notif_inbox"),
            # the daily digest: only the rows still waiting
            models.Index(fields=["recipient"], condition=Q(digest_pending=True), name="notif_digest_pending"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", _("E-mail each notification immediately")
    DAILY_DIGEST = "daily_digest", _("One e-mail a day with everything new")


# Leaders receive a daily digest unless they choose otherwise, so they are not flooded.
DIGEST_BY_DEFAULT = {Role.LEADER}


def default_mode(user) -> str:
    return Mode.DAILY_DIGEST if getattr(user, "role", "") in DIGEST_BY_DEFAULT else Mode.IMMEDIATE


class NotificationPreference(models.Model):
    """A user's choice; without a row the default for the user's role applies."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        primary_key=True,
    )
    mode = models.CharField(_("e-mail delivery"), max_length=20, choices=Mode.choices)
    email_enabled = models.BooleanField(_("send e-mail"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.mode}"
