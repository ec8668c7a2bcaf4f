"""A programme's reporting schedule: the default, the service (permission, bad input, audit,
issued programmes, stale versions), the programme page, its form and the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resmon.accounts.tokens import create_token
from resmon.audit.models import AuditEntry
from resmon.catalogue import periods as cal
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning.models import ActionProgram, ProgramAmendment, ProgramSchedule
from resmon.planning.services.schedule import ScheduleEntry, schedule_of, set_schedule

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 20, 5, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def hni_program(world) -> ActionProgram:
    return ActionProgram.objects.get(agency=world.hni, resolution=world.res)


def rows(program) -> list[tuple[str, int, int]]:
    return list(program.schedule.order_by("kind").values_list("kind", "due_days", "grace_days"))


def test_a_programme_without_a_schedule_reports_quarterly_due_5_days_after(world):
    (entry,) = schedule_of(hni_program(world))
    assert (entry.kind, entry.due_days, entry.grace_days, entry.is_default) == ("quarter", 5, 0, True)
    # on 20/05/2026 the report of Q2/2026 (15/03–14/06) is the next one due, on 19/06
    period, due = entry.next_due()
    assert (period.code, due) == ("2026-Q2", dt.date(2026, 6, 19))


def test_next_due_is_the_last_period_while_its_report_is_not_yet_late():
    entry = ScheduleEntry("month", 10, 0)
    period, due = entry.next_due(dt.date(2026, 5, 20), cal.DECREE09)
    assert (period.code, due) == ("2026-M5", dt.date(2026, 5, 24))  # May ended 14/05, due 24/05
    period, due = entry.next_due(dt.date(2026, 5, 25), cal.DECREE09)
    assert (period.code, due) == ("2026-M6", dt.date(2026, 6, 24))


def test_the_focal_officer_sets_the_schedule_and_it_is_audited(world):
    program = hni_program(world)
    version = program.version
    entries = set_schedule(
        world.users["hni_officer"], program, kinds=["year", "quarter"], due_days="7", grace_days=3
    )
    assert [(e.kind, e.due_days, e.grace_days) for e in entries] == [("quarter", 7, 3), ("year", 7, 3)]
    assert rows(program) == [("quarter", 7, 3), ("year", 7, 3)]
    assert [e.kind for e in schedule_of(program)] == ["quarter", "year"]
    program.refresh_from_db()
    assert program.version == version + 1 and program.updated_by_name == "hni_officer"
    entry = AuditEntry.objects.get(action="planning.schedule_set")
    assert entry.before == [{"kind": "quarter", "due_days": 5, "grace_days": 0}]
    assert entry.after == [
        {"kind": "quarter", "due_days": 7, "grace_days": 3},
        {"kind": "year", "due_days": 7, "grace_days": 3},
    ]
    assert entry.agency_path == world.hni.path and entry.object_id == str(program.pk)
    # a second setting replaces the rows
    set_schedule(world.users["hni_leader"], program, kinds=["month"], due_days=5)
    assert rows(program) == [("month", 5, 0)]


@pytest.mark.parametrize("username", ["xa_officer", "hcm_officer", "inspector", "hni_admin", "steering"])
def test_others_may_not_set_the_schedule(world, username):
    program = hni_program(world)
    with pytest.raises(PermissionRefused):
        set_schedule(world.users[username], program, kinds=["month"], due_days=5)
    assert rows(program) == [] and not AuditEntry.objects.filter(action="planning.schedule_set").exists()


@pytest.mark.parametrize(
    "kinds, due, grace, field",
    [
        ([], 5, 0, "kinds"),
        (["week"], 5, 0, "kinds"),
        (["quarter"], "năm", 0, "due_days"),
        (["quarter"], -1, 0, "due_days"),
        (["quarter"], 61, 0, "due_days"),
        (["quarter"], 5, 31, "grace_days"),
        (["quarter"], 5, "1.5", "grace_days"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_changes(world, kinds, due, grace, field):
    program = hni_program(world)
    set_schedule(world.users["hni_officer"], program, kinds=["half_year"], due_days=10)
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        set_schedule(world.users["hni_officer"], program, kinds=kinds, due_days=due, grace_days=grace)
    assert exc.value.field == field
    assert rows(program) == [("half_year", 10, 0)] and AuditEntry.objects.count() == audit


def test_an_unchanged_schedule_is_not_saved_again(world):
    program = hni_program(world)
    set_schedule(world.users["hni_officer"], program, kinds=["quarter"], due_days=5)
    with pytest.raises(ValidationFailed, match="unchanged"):
        set_schedule(world.users["hni_officer"], program, kinds=["quarter"], due_days=5)
    assert AuditEntry.objects.filter(action="planning.schedule_set").count() == 1


def test_a_stale_version_is_refused(world):
    program = hni_program(world)
    stale = program.version
    set_schedule(world.users["hni_leader"], program, kinds=["month"], due_days=5)
    with pytest.raises(Conflict, match="hni_leader"):
        set_schedule(world.users["hni_officer"], program, kinds=["year"], due_days=5, expected_version=stale)
    assert rows(program) == [("month", 5, 0)]


def test_an_issued_programme_changes_its_schedule_only_under_an_amendment(world):
    program = hni_program(world)
    program.status = ActionProgram.Status.ISSUED
    program.save(update_fields=["status"])
    with pytest.raises(ValidationFailed, match="amendment"):
        set_schedule(world.users["hni_officer"], program, kinds=["month"], due_days=5)
    ProgramAmendment.objects.create(
        program=program,
        decided_on=dt.date(2026, 5, 1),
        reason="Điều chỉnh kỳ báo cáo",
        created_by=world.users["hni_leader"],
    )
    set_schedule(world.users["hni_officer"], program, kinds=["month"], due_days=5)
    assert rows(program) == [("month", 5, 0)]


# --- pages


def client_for(world, username) -> Client:
    c = Client()
    c.force_login(world.users[username])
    return c


def test_the_programme_page_shows_the_schedule_and_the_edit_link_to_those_who_may_change(world):
    program = hni_program(world)
    url = reverse("web:program_detail", args=[program.pk])
    form_url = reverse("planning:program_schedule", args=[program.pk])
    html = client_for(world, "hni_officer").get(url).content.decode()
    assert 'data-testid="program-schedule"' in html and "Quý II/2026" in html and "19/06/2026" in html
    assert form_url in html
    html = client_for(world, "inspector").get(url).content.decode()
    assert "Quý II/2026" in html and form_url not in html


def test_the_form_saves_and_shows_errors_next_to_the_field(world):
    program = hni_program(world)
    c = client_for(world, "hni_officer")
    url = reverse("planning:program_schedule", args=[program.pk])
    page = c.get(url)
    assert page.status_code == 200 and 'value="quarter"' in page.content.decode()
    bad = c.post(url, {"kinds": ["month"], "due_days": "abc", "grace_days": "0", "version": program.version})
    assert bad.status_code == 200 and "whole number of days" in bad.content.decode()
    assert rows(program) == []
    none = c.post(url, {"due_days": "5", "version": program.version})
    assert "at least one kind" in none.content.decode()
    ok = c.post(
        url, {"kinds": ["month", "year"], "due_days": "10", "grace_days": "2", "version": program.version}
    )
    assert ok.status_code == 302 and ok["Location"] == reverse("web:program_detail", args=[program.pk])
    assert rows(program) == [("month", 10, 2), ("year", 10, 2)]
    html = c.get(ok["Location"]).content.decode()
    assert "Tháng 5/2026" in html  # monthly, due 24/05: May's report is the next one due


def test_the_form_is_403_for_those_who_may_not_change_and_404_outside_the_scope(world):
    program = hni_program(world)
    url = reverse("planning:program_schedule", args=[program.pk])
    assert client_for(world, "inspector").get(url).status_code == 403
    assert client_for(world, "hcm_officer").get(url).status_code == 404
    assert client_for(world, "inspector").post(url, {"kinds": ["month"], "due_days": "5"}).status_code == 403
    assert rows(program) == []


# --- API


@pytest.fixture
def bearer(world):
    def make(username: str) -> Client:
        _token, raw = create_token(world.users[username], "test")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


def test_api_reads_and_sets_the_schedule(world, bearer):
    program = hni_program(world)
    url = f"/api/v1/programs/{program.pk}/schedule"
    body = bearer("inspector").get(url).json()
    assert body["is_default"] and body["entries"] == [
        {
            "kind": "quarter",
            "due_days": 5,
            "grace_days": 0,
            "next_period": "2026-Q2",
            "next_period_label": "Quý II/2026",
            "next_due": "2026-06-19",
        }
    ]
    api = bearer("hni_officer")
    bad = api.put(url, {"kinds": ["week"], "due_days": 5}, content_type="application/json")
    assert bad.status_code == 400 and "kinds" in bad.json()["errors"]
    ok = api.put(
        url,
        {"kinds": ["half_year"], "due_days": 15, "grace_days": 5, "version": body["version"]},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert not ok.json()["is_default"] and ok.json()["entries"][0]["kind"] == "half_year"
    stale = api.put(
        url, {"kinds": ["year"], "due_days": 5, "version": body["version"]}, content_type="application/json"
    )
    assert stale.status_code == 409
    refused = bearer("inspector").put(
        url, {"kinds": ["year"], "due_days": 5}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert bearer("hcm_officer").get(url).status_code == 404
    assert rows(program) == [("half_year", 15, 5)]
    assert ProgramSchedule.objects.count() == 1
