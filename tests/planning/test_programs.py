"""Programmes: draft, edit, number formats, issue with the six clears (leader override),
amendments, steering committees; pages and API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning.models import ActionProgram, SteeringMember
from resmon.planning.services import programs as svc
from resmon.planning.services import tasks as task_svc

from .test_clears import make_clear

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 6, 2)


def hni_program(world):
    return ActionProgram.objects.get(resolution=world.res, agency=world.hni)


def clear_all(program):
    for t in program.tasks.all():
        make_clear(t, due_date=t.due_date or dt.date(2026, 12, 31))


def audit(action):
    return AuditEntry.objects.filter(action=action)


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "doc_type", "number", "ok"),
    [
        ("party", "ctht", "15-CTr/TU", True),
        ("party", "kh", "07-KH/ĐU", True),
        ("party", "ctht", "15/CTr-TU", False),
        ("party", "ctht", "15-KH/TU", False),
        ("state", "kh", "15/KH-UBND", True),
        ("state", "kh", "120/KH-UBND-VX", True),
        ("state", "kh", "15-KH/UBND", False),
        ("state", "kh", "KH-UBND", False),
        ("state", "ctht", "15/KH-UBND", False),
    ],
)
def test_number_format(world, kind, doc_type, number, ok):
    agency = world.hni if kind == "party" else world.hni_ubnd
    if ok:
        assert svc.check_number(number, agency=agency, doc_type=doc_type) == number
    else:
        with pytest.raises(ValidationFailed) as exc:
            svc.check_number(number, agency=agency, doc_type=doc_type)
        assert exc.value.field == "number"
        assert (
            "15-CTr/TU" in str(exc.value) or "15/KH-UBND" in str(exc.value) or "type code" in str(exc.value)
        )


# --- create and update -------------------------------------------------------------------------


def test_create_program_draft_audited(world):
    actor = world.users["hni_officer"]
    p = svc.create_program(
        actor, resolution=world.res2, agency=world.hni, title="CTHĐ thực hiện NQ 71", number=""
    )
    assert p.status == ActionProgram.Status.DRAFT and p.agency == world.hni
    entry = audit("planning.program_created").get()
    assert entry.actor_name == "hni_officer" and entry.after["title"] == "CTHĐ thực hiện NQ 71"


def test_create_program_refusals_change_nothing(world):
    before = ActionProgram.objects.count()
    with pytest.raises(PermissionRefused):
        svc.create_program(world.users["hcm_officer"], resolution=world.res2, agency=world.hni, title="X")
    with pytest.raises(PermissionRefused):
        svc.create_program(world.users["inspector"], resolution=world.res2, agency=world.hni, title="X")
    with pytest.raises(ValidationFailed) as exc:
        svc.create_program(world.users["hni_officer"], resolution=world.res2, agency=world.hni, title="  ")
    assert exc.value.field == "title"
    with pytest.raises(ValidationFailed) as exc:
        svc.create_program(
            world.users["hni_officer"], resolution=world.res2, agency=world.hni, title="X", number="15/KH-TU"
        )
    assert "party-style" in str(exc.value)
    with pytest.raises(Conflict):
        svc.create_program(
            world.users["hni_officer"], resolution=world.res, agency=world.hni, title="Lần hai"
        )
    assert ActionProgram.objects.count() == before
    assert not audit("planning.program_created").exists()


def test_update_program_checks_version_and_audits(world):
    p = hni_program(world)
    actor = world.users["hni_officer"]
    svc.update_program(actor, p, expected_version=p.version, title="CTHĐ mới", number="12-CTr/TU")
    p.refresh_from_db()
    assert p.title == "CTHĐ mới" and p.number == "12-CTr/TU" and p.version == 2
    assert audit("planning.program_updated").get().before["title"] != "CTHĐ mới"
    with pytest.raises(Conflict):
        svc.update_program(actor, p, expected_version=1, title="Cũ")
    with pytest.raises(PermissionRefused):
        svc.update_program(world.users["xa_officer"], p, expected_version=p.version, title="Xã sửa")
    with pytest.raises(ValidationFailed):
        svc.update_program(actor, p, expected_version=p.version, status="issued")
    p.refresh_from_db()
    assert p.title == "CTHĐ mới"


# --- issue -------------------------------------------------------------------------------------


def test_issue_refused_while_tasks_are_flagged(world):
    p = hni_program(world)
    with pytest.raises(ValidationFailed) as exc:
        svc.issue_program(world.users["hni_officer"], p, number="15-CTr/TU", issued_on=DAY, signer="Bí thư")
    assert exc.value.code == "open_flags"
    assert "3 of the programme's tasks fail the six clears" in str(exc.value)
    assert "Clear authority" in str(exc.value)
    p.refresh_from_db()
    assert p.status == "draft" and not audit("planning.program_issued").exists()


def test_issue_when_clear(world):
    p = hni_program(world)
    clear_all(p)
    svc.issue_program(
        world.users["hni_officer"], p, number="15-CTr/TU", issued_on=DAY, signer="Bí thư Thành ủy"
    )
    p.refresh_from_db()
    assert (p.status, p.number, p.issued_on, p.override_reason) == ("issued", "15-CTr/TU", DAY, "")
    entry = audit("planning.program_issued").get()
    assert entry.after["flagged_tasks"] == 0
    with pytest.raises(ValidationFailed):
        svc.issue_program(world.users["hni_officer"], p, number="16-CTr/TU", issued_on=DAY, signer="X")


def test_issue_bad_input(world):
    p = hni_program(world)
    clear_all(p)
    officer = world.users["hni_officer"]
    with pytest.raises(ValidationFailed) as exc:
        svc.issue_program(officer, p, number="15/CTr-TU", issued_on=DAY, signer="X")
    assert exc.value.field == "number"
    with pytest.raises(ValidationFailed) as exc:
        svc.issue_program(officer, p, number="15-CTr/TU", issued_on=dt.date(2999, 1, 1), signer="X")
    assert exc.value.field == "issued_on"
    with pytest.raises(ValidationFailed) as exc:
        svc.issue_program(officer, p, number="15-CTr/TU", issued_on=DAY, signer=" ")
    assert exc.value.field == "signer"
    with pytest.raises(PermissionRefused):
        svc.issue_program(world.users["hcm_officer"], p, number="15-CTr/TU", issued_on=DAY, signer="X")
    p.refresh_from_db()
    assert p.status == "draft"


def test_leader_override_with_reason_is_audited(world):
    p = hni_program(world)
    # a focal officer cannot override
    with pytest.raises(PermissionRefused):
        svc.issue_program(
            world.users["hni_officer"],
            p,
            number="15-CTr/TU",
            issued_on=DAY,
            signer="X",
            override_reason="Gấp",
        )
    svc.issue_program(
        world.users["hni_leader"],
        p,
        number="15-CTr/TU",
        issued_on=DAY,
        signer="Bí thư",
        override_reason="Ban hành kịp hội nghị; bổ sung sản phẩm trong tháng 7",
    )
    p.refresh_from_db()
    assert p.status == "issued" and p.override_reason.startswith("Ban hành kịp")
    entry = audit("planning.program_issued").get()
    assert entry.reason.startswith("Ban hành kịp") and entry.after["flagged_tasks"] == 3
    assert entry.actor_name == "hni_leader"


# --- amendments --------------------------------------------------------------------------------


def issued(world):
    p = hni_program(world)
    clear_all(p)
    return svc.issue_program(
        world.users["hni_officer"], p, number="15-CTr/TU", issued_on=DAY, signer="Bí thư"
    )


def test_issued_programme_is_read_only_until_an_amendment(world):
    p = issued(world)
    officer = world.users["hni_officer"]
    with pytest.raises(ValidationFailed) as exc:
        svc.update_program(officer, p, expected_version=p.version, title="Sửa sau ban hành")
    assert exc.value.code == "program_issued"
    with pytest.raises(ValidationFailed):
        task_svc.create_task(officer, program=p, lead_agency=world.hni_ubnd, title="Thêm", due_date=DAY)
    a = svc.open_amendment(officer, p, number="20-CTr/TU", decided_on=DAY, reason="Bổ sung nhiệm vụ")
    assert audit("planning.amendment_opened").get().reason == "Bổ sung nhiệm vụ"
    with pytest.raises(Conflict):
        svc.open_amendment(officer, p, decided_on=DAY, reason="Lần hai")
    p.refresh_from_db()
    svc.update_program(officer, p, expected_version=p.version, title="CTHĐ (sửa đổi)")
    assert audit("planning.program_updated").get().reason == "Bổ sung nhiệm vụ"
    svc.close_amendment(officer, a)
    assert audit("planning.amendment_closed").exists()
    p.refresh_from_db()
    with pytest.raises(ValidationFailed):
        svc.update_program(officer, p, expected_version=p.version, title="Lại sửa")
    with pytest.raises(ValidationFailed):
        svc.close_amendment(officer, a)


def test_amendment_refusals(world):
    p = hni_program(world)
    officer = world.users["hni_officer"]
    with pytest.raises(ValidationFailed):
        svc.open_amendment(officer, p, decided_on=DAY, reason="Chưa ban hành")
    p = issued(world)
    with pytest.raises(ValidationFailed) as exc:
        svc.open_amendment(officer, p, decided_on=DAY, reason="  ")
    assert exc.value.field == "reason"
    with pytest.raises(PermissionRefused):
        svc.open_amendment(world.users["hcm_officer"], p, decided_on=DAY, reason="X")
    assert not p.amendments.exists() and not audit("planning.amendment_opened").exists()


# --- steering committee ------------------------------------------------------------------------


def test_steering_members_added_and_removed_by_sysadmin(world):
    member = world.users["hcm_officer"]
    with pytest.raises(PermissionRefused):
        svc.add_steering_member(world.users["national_leader"], world.res2, member)
    m = svc.add_steering_member(world.users["sysadmin"], world.res2, member, position="Ủy viên")
    assert m.committee.resolution == world.res2
    member = type(member).objects.get(pk=member.pk)  # a fresh scope
    assert world.res2.pk in member.scope.resolution_ids
    with pytest.raises(Conflict):
        svc.add_steering_member(world.users["sysadmin"], world.res2, member)
    assert audit("planning.steering_member_added").count() == 1
    with pytest.raises(PermissionRefused):
        svc.remove_steering_member(world.users["hcm_officer"], m)
    svc.remove_steering_member(world.users["sysadmin"], m)
    assert not SteeringMember.objects.filter(pk=m.pk).exists()
    assert audit("planning.steering_member_removed").count() == 1


# --- pages ---------------------------------------------------------------------------------------


def login(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


def test_program_pages(world):
    c = login(world, "hni_officer")
    html = c.get(reverse("web:resolution_detail", args=[world.res2.pk])).content.decode()
    assert reverse("planning:program_new") + f"?resolution={world.res2.pk}" in html
    url = reverse("planning:program_new") + f"?resolution={world.res2.pk}"
    r = c.get(url)
    assert r.status_code == 200 and "Thành ủy Hà Nội" in r.content.decode()
    r = c.post(url, {"agency": world.hni.pk, "doc_type": "ctht", "title": "", "number": ""})
    assert r.status_code == 200 and not ActionProgram.objects.filter(resolution=world.res2).exists()
    r = c.post(url, {"agency": world.hni.pk, "doc_type": "ctht", "title": "CTHĐ NQ 71", "number": "3/KH"})
    assert "party-style" in r.content.decode()
    r = c.post(url, {"agency": world.hni.pk, "doc_type": "ctht", "title": "CTHĐ NQ 71", "number": ""})
    p = ActionProgram.objects.get(resolution=world.res2)
    assert r.status_code == 302 and r["Location"] == reverse("web:program_detail", args=[p.pk])
    r = c.post(
        reverse("planning:program_edit", args=[p.pk]),
        {"doc_type": "ctht", "title": "CTHĐ số 2", "version": p.version},
    )
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.title == "CTHĐ số 2"
    # a user who may see but not change it
    assert (
        login(world, "inspector")
        .get(reverse("planning:program_edit", args=[hni_program(world).pk]))
        .status_code
        == 403
    )


def test_issue_page_shows_flags_then_issues(world):
    p = hni_program(world)
    c = login(world, "hni_officer")
    html = c.get(reverse("planning:program_issue", args=[p.pk])).content.decode()
    assert 'data-testid="open-flags"' in html and "3 of 3 tasks have open flags." in html
    data = {"number": "15-CTr/TU", "issued_on": "02/06/2025", "signer": "Bí thư", "version": p.version}
    r = c.post(reverse("planning:program_issue", args=[p.pk]), data)
    assert r.status_code == 200 and "fail the six clears" in r.content.decode()
    leader = login(world, "hni_leader")
    r = leader.post(
        reverse("planning:program_issue", args=[p.pk]), data | {"override_reason": "Kịp hội nghị"}
    )
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == "issued"
    html = c.get(reverse("web:program_detail", args=[p.pk])).content.decode()
    assert "Kịp hội nghị" in html and reverse("planning:amendment_new", args=[p.pk]) in html
    r = c.post(
        reverse("planning:amendment_new", args=[p.pk]), {"decided_on": "2025-06-03", "reason": "Bổ sung"}
    )
    assert r.status_code == 302 and p.amendments.get().is_open
    r = c.post(reverse("planning:amendment_close", args=[p.amendments.get().pk]))
    assert r.status_code == 302 and not p.amendments.get().is_open


# --- API ----------------------------------------------------------------------------------------


def test_api_create_update_issue_amend(world):
    c = login(world, "hni_officer")
    r = c.post(
        "/api/v1/programs",
        {
            "resolution": world.res2.pk,
            "agency": world.hni_ubnd.pk,
            "doc_type": "kh",
            "title": "KH thực hiện NQ 71",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    r = c.patch(
        f"/api/v1/programs/{pid}", {"version": 1, "number": "15-KH/UBND"}, content_type="application/json"
    )
    assert r.status_code == 400 and r["Content-Type"].startswith("application/problem+json")
    assert "number" in r.json()["errors"]
    r = c.patch(
        f"/api/v1/programs/{pid}", {"version": 1, "number": "15/KH-UBND"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["number"] == "15/KH-UBND"
    r = c.post(
        f"/api/v1/programs/{pid}/issue",
        {"number": "15/KH-UBND", "issued_on": "2025-06-02", "signer": "Chủ tịch"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "tasks" in r.json()["detail"]
    p = hni_program(world)
    clear_all(p)
    r = c.post(
        f"/api/v1/programs/{p.pk}/issue",
        {"number": "15-CTr/TU", "issued_on": "2025-06-02", "signer": "Bí thư"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "issued"
    r = c.post(
        f"/api/v1/programs/{p.pk}/amendments",
        {"decided_on": "2025-06-03", "reason": "Bổ sung"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["is_open"]
    other = login(world, "hcm_officer")
    assert (
        other.post(
            f"/api/v1/programs/{p.pk}/amendments",
            {"decided_on": "2025-06-03", "reason": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
