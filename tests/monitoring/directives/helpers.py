"""The directives world: the test world (tests/factories.py) plus the people of the commune
People's Committee that leads task "hni_xa" (assigned by Thành ủy Hà Nội), a leader of Hồ Chí Minh
City and the department's head. Today is 17/03/2026 unless a test travels elsewhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from resmon.audit.models import AuditEntry
from resmon.core.access import Role
from resmon.monitoring.directives import services
from resmon.notifications.models import Notification
from tests.factories import user

TODAY = dt.datetime(2026, 3, 17, 3, 0, tzinfo=dt.UTC)
DUE = dt.date(2026, 3, 31)


def add_people(world) -> None:
    world.users["xa_ubnd_officer"] = user("xa_ubnd_officer", world.hni_xa_ubnd, Role.FOCAL_OFFICER)
    world.users["xa_ubnd_leader"] = user("xa_ubnd_leader", world.hni_xa_ubnd, Role.LEADER)
    world.users["so_leader"] = user("so_leader", world.hni_so, Role.LEADER)
    world.users["hcm_leader"] = user("hcm_leader", world.hcm, Role.LEADER)
    world.users["hni_ubnd_leader"] = user("hni_ubnd_leader", world.hni_ubnd, Role.LEADER)


def issue(world, actor: str = "hni_leader", *, task: str | None = "hni_xa", recipients=None, **kw: Any):
    """A directive of Thành ủy Hà Nội's leader to the commune People's Committee about its task."""
    if recipients is None:
        recipients = [world.hni_xa_ubnd.pk]
    return services.issue_directive(
        world.users[actor],
        task=world.tasks[task] if task else None,
        agency=kw.pop("agency", None),
        recipients=recipients,
        text=kw.pop("text", "Đề nghị UBND xã khẩn trương hoàn thành nhiệm vụ, báo cáo kết quả."),
        due_date=kw.pop("due_date", DUE),
        **kw,
    )


def audits(action: str):
    return AuditEntry.objects.filter(action=action)


def notified(username: str, kind: str | None = None):
    qs = Notification.objects.filter(recipient__username=username)
    return qs.filter(kind=kind) if kind else qs


def client_for(world, name: str) -> Client:
    c = Client()
    c.force_login(world.users[name])
    return c
