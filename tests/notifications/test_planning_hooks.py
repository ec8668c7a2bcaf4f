"""The planning events that tell people: a sub-task assigned, an extension asked for and decided,
a programme issued."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from resmon.notifications.models import Kind, Notification
from resmon.planning.models import ActionProgram
from resmon.planning.services import extensions, programs, tree
from tests.factories import task, user
from tests.planning.test_clears import make_clear

from .helpers import give_emails

pytestmark = pytest.mark.django_db
D = dt.date


def told(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_subtask_assigned_tells_the_lead_agency(world, django_capture_on_commit_callbacks):
    give_emails(world, "hni_so_officer")
    with django_capture_on_commit_callbacks(execute=True):
        sub = tree.create_subtask(
            world.users["hni_officer"],
            world.tasks["hni"],
            lead_agency=world.hni_so,
            title="Số hóa hồ sơ khoa học công nghệ",
            due_date=D(2026, 5, 31),
        )
    assert told(Kind.TASK_ASSIGNED) == ["hni_so_officer"]
    n = Notification.objects.get(kind=Kind.TASK_ASSIGNED)
    assert "Số hóa hồ sơ khoa học công nghệ" in n.title and "Sở Khoa học và Công nghệ Hà Nội" in n.title
    assert "31/05/2026" in n.body and "UBND Thành phố Hà Nội" in n.body
    assert n.url == reverse("web:task_detail", args=[sub.pk])
    assert [m.to for m in mail.outbox] == [["hni_so_officer@example.vn"]]


def test_a_refused_subtask_tells_nobody(world):
    with pytest.raises(Exception):  # noqa: B017 - the refusal itself is tested in planning
        tree.create_subtask(
            world.users["hcm_officer"], world.tasks["hni"], lead_agency=world.hni_so, title="x"
        )
    assert not Notification.objects.exists()


def test_extension_request_and_decision(world):
    ext = extensions.request_extension(
        world.users["xa_officer"], world.tasks["hni_xa"], D(2026, 12, 31), "Chờ bố trí kinh phí"
    )
    # the task was assigned by Hà Nội's party committee: its leader and focal officer decide
    assert told(Kind.EXTENSION_REQUESTED) == ["hni_leader", "hni_officer"]
    asked = Notification.objects.filter(kind=Kind.EXTENSION_REQUESTED).first()
    assert "Chờ bố trí kinh phí" in asked.body and "30/09/2026" in asked.body and "31/12/2026" in asked.body
    assert asked.url == reverse("planning:extension_detail", args=[ext.pk])

    extensions.decide_extension(world.users["hni_leader"], ext, grant=False, note="Không đủ căn cứ")
    assert told(Kind.EXTENSION_DECIDED) == ["xa_officer"]
    decided = Notification.objects.get(kind=Kind.EXTENSION_DECIDED)
    assert "refused" in decided.title and "Không đủ căn cứ" in decided.body


def test_extension_granted_tells_the_requester(world):
    ext = extensions.request_extension(
        world.users["xa_officer"], world.tasks["hni_xa"], D(2026, 12, 31), "Chờ bố trí kinh phí"
    )
    extensions.decide_extension(world.users["hni_officer"], ext, grant=True)
    decided = Notification.objects.get(kind=Kind.EXTENSION_DECIDED)
    assert decided.recipient == world.users["xa_officer"]
    assert "granted" in decided.title and "31/12/2026" in decided.body


def test_program_issued_tells_each_lead_agency_once(world):
    p = ActionProgram.objects.get(resolution=world.res, agency=world.hni)
    # two top tasks led by the same commune, one by the department
    task(p, world.hni_xa, code="2", due_date=D(2026, 6, 30))
    task(p, world.hni_xa, code="3", due_date=D(2026, 6, 30))
    task(p, world.hni_so, code="4", due_date=D(2026, 6, 30))
    user("xa_leader", world.hni_xa, role="leader")
    for t in p.tasks.all():
        make_clear(t, due_date=t.due_date or D(2026, 12, 31))
    programs.issue_program(
        world.users["hni_officer"], p, number="15-CTr/TU", issued_on=D(2025, 6, 2), signer="Bí thư Thành ủy"
    )
    # one notification per person, however many top tasks their agency leads
    assert told(Kind.PROGRAM_ISSUED) == ["hni_so_officer", "xa_leader", "xa_officer"]
    n = Notification.objects.filter(kind=Kind.PROGRAM_ISSUED).first()
    assert "15-CTr/TU" in n.title and "02/06/2025" in n.body
    assert n.url == reverse("web:program_detail", args=[p.pk])
