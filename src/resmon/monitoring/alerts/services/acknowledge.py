"""Acknowledging an alert: the agency concerned or the supervising agency (or a level above
either) says it has seen it and what it does about it. The alert stays open until the daily job
finds its condition gone."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record
from resmon.core import classified, clock
from resmon.core.access import Role, visible_to
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed

from ..models import Alert

ACK_ROLES = frozenset({Role.LEADER, Role.FOCAL_OFFICER})
COMMENT_MIN = 5
COMMENT_MAX = 2000


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", True)


def may_acknowledge(actor: Any, alert: Alert) -> bool:
    """A leader or focal officer of the agency concerned or of the supervising agency (or of a
    level above either), while the alert is open."""
    if not _signed_in(actor) or alert.cleared_on is not None:
        return False
    scope = actor.scope
    if scope.role not in ACK_ROLES:
        return False
    return scope.writes(alert.agency.path) or scope.writes(alert.supervisor.path)


def acknowledge(actor: Any, alert_id: Any, comment: Any) -> Alert:
    """Record that ``actor`` has seen the alert, with a comment (required). Refused for a cleared
    alert and for anyone outside the two agencies; audited."""
    with transaction.atomic():
        try:
            alert = (
                visible_to(actor, Alert.objects.all())
                .select_for_update(of=("self",))
                .select_related("agency", "supervisor")
                .get(pk=getattr(alert_id, "pk", alert_id))
            )
        except (Alert.DoesNotExist, ValueError, TypeError):
            raise NotFound(_("Not found, or you do not have access to it.")) from None
        if alert.cleared_on is not None:
            raise Conflict(
                _("This alert was cleared on %(day)s: its condition no longer holds, nothing to acknowledge.")
                % {"day": alert.cleared_on.strftime("%d/%m/%Y")},
                code="alert_cleared",
            )
        if not may_acknowledge(actor, alert):
            raise PermissionRefused(
                _(
                    "Only the leaders and focal officers of %(agency)s or %(supervisor)s (or of a level "
                    "above them) may acknowledge this alert."
                )
                % {"agency": alert.agency.name, "supervisor": alert.supervisor.name}
            )
        text = str(comment or "").replace("\x00", "").strip()
        if len(text) < COMMENT_MIN:
            raise ValidationFailed(
                _("Write a comment (at least %(n)s characters): what is being done about it.")
                % {"n": COMMENT_MIN},
                field="comment",
            )
        if len(text) > COMMENT_MAX:
            raise ValidationFailed(
                _("The comment is too long: at most %(n)s characters (you wrote %(count)s).")
                % {"n": COMMENT_MAX, "count": len(text)},
                field="comment",
            )
        classified.refuse_marked(comment=text)
        before = {
            "acknowledged_by": alert.acknowledged_by_id,
            "acknowledged_at": alert.acknowledged_at,
            "ack_comment": alert.ack_comment,
        }
        alert.acknowledged_by = actor
        alert.acknowledged_at = clock.now()
        alert.ack_comment = text
        alert.save(update_fields=["acknowledged_by", "acknowledged_at", "ack_comment", "updated_at"])
        record(
            actor,
            "alerts.acknowledged",
            alert,
            before=before,
            after={
                "acknowledged_by": actor.pk,
                "acknowledged_at": alert.acknowledged_at,
                "ack_comment": text,
            },
            agency_path=alert.agency.path,
        )
    return alert
