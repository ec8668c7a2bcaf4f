"""Directives and reminders for the permission matrix (tests/test_permission_matrix.py): open
directives in three scopes whose recipients have already acknowledged and reported (so every write
the matrix sends is refused, invalid, a conflict or against a stale version: nothing changes), and
reminders in two scopes. Made with the ORM (no clock, no services), once per world."""

from __future__ import annotations

import datetime as dt

from resmon.core.access import visible_to
from resmon.monitoring.directives import selectors
from resmon.monitoring.directives.models import Directive, DirectiveRecipient, Reminder, ReminderKind

KINDS = ("directive", "directive_recipient", "reminder")


def _make(world) -> None:
    at = dt.datetime(2026, 3, 17, 3, 0, tzinfo=dt.UTC)
    # (issuing agency, issuer, about the task / agency, recipient, its user)
    cases = (
        (world.hni, "hni_officer", world.tasks["hni_xa"], None, world.hni_xa_ubnd, "xa_officer"),
        (world.hcm, "hcm_officer", None, world.hcm, world.hcm_xa, "hcm_officer"),
        (world.root, "national_leader", world.tasks["ministry"], None, world.bo_khcn, "ministry_officer"),
    )
    for issuing, issuer, task, agency, recipient, responder in cases:
        d = Directive.objects.create(
            issued_by=world.users[issuer],
            issuing_agency=issuing,
            task=task,
            agency=agency,
            resolution=task.resolution if task is not None else None,
            text="Chỉ đạo kiểm thử ma trận quyền",
            due_date=dt.date(2026, 4, 30),
        )
        DirectiveRecipient.objects.create(
            directive=d,
            agency=recipient,
            acknowledged_at=at,
            acknowledged_by=world.users[responder],
            report="Đã thực hiện",
            reported_at=at,
            reported_by=world.users[responder],
        )
    Reminder.objects.create(
        kind=ReminderKind.OVERDUE,
        key="matrix:overdue:hni_xa",
        agency=world.hni_xa_ubnd,
        task=world.tasks["hni_xa"],
        message="Nhiệm vụ quá hạn",
    )
    Reminder.objects.create(
        kind=ReminderKind.ESCALATION,
        key="matrix:escalation:hcm_xa",
        agency=world.hcm_xa,
        escalated_to=world.hcm,
        task=world.tasks["hcm_xa"],
        message="Nhiệm vụ quá hạn 14 ngày",
    )


def matrix_objects(world, kind: str) -> list:
    if not Directive.objects.exists():
        _make(world)
    model = {"directive": Directive, "directive_recipient": DirectiveRecipient, "reminder": Reminder}[kind]
    return list(model.objects.order_by("pk"))


def matrix_visible_ids(user, kind: str) -> set[int]:
    if kind == "directive":
        qs = selectors.directives_for(user, box="all")
    elif kind == "directive_recipient":
        qs = visible_to(user, DirectiveRecipient.objects.all())
    elif kind == "reminder":
        qs = selectors.reminders_for(user, box="all")
    else:
        raise AssertionError(kind)
    return set(qs.values_list("pk", flat=True))
