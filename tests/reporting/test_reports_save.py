"""Saving a report's content: validation per field, version conflicts, parents, milestones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning.models import Milestone
from resmon.reporting.models import ReportLine
from resmon.reporting.services import reports as svc
from tests.factories import task as make_task
from tests.reporting.reports_helpers import audits, create, fresh, sent
from tests.reporting.reports_helpers import program as commune_program

pytestmark = pytest.mark.django_db


def _line(report, task):
    return ReportLine.objects.get(report=report, task=task)


def test_saving_changes_the_report_and_its_lines_with_one_audit_row(rworld):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]

    report = svc.save_report(
        w.users["xa_ubnd_officer"],
        report,
        expected_version=1,
        results="Đã ban hành kế hoạch",
        obstacles="",  # unchanged (empty already)
        lines=[{"task": leaf.pk, "percent_done": "45,5", "results": "Hoàn thành khảo sát"}],
    )

    assert report.version == 2
    assert report.updated_by_name == "xa_ubnd_officer"
    line = _line(report, leaf)
    assert line.percent_done == Decimal("45.50")
    assert line.results == "Hoàn thành khảo sát"
    entry = audits("reporting.report_saved", report).get()
    assert entry.actor_name == "xa_ubnd_officer"
    assert entry.before == {
        "results": "",
        f"lines.{leaf.pk}.percent_done": "0.00",
        f"lines.{leaf.pk}.results": "",
        "version": 1,
    }
    assert entry.after == {
        "results": "Đã ban hành kế hoạch",
        f"lines.{leaf.pk}.percent_done": "45.50",
        f"lines.{leaf.pk}.results": "Hoàn thành khảo sát",
        "version": 2,
    }


def test_a_dot_decimal_is_accepted_and_saving_the_same_again_changes_nothing(rworld):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]
    officer = w.users["xa_ubnd_officer"]
    report = svc.save_report(officer, report, lines=[{"task": str(leaf.pk), "percent_done": "45.5"}])
    assert _line(report, leaf).percent_done == Decimal("45.5")
    again = svc.save_report(
        officer, report, expected_version=2, lines=[{"task": leaf.pk, "percent_done": 45.5}]
    )
    assert again.version == 2  # an autosave of the same values makes no new version
    assert audits("reporting.report_saved").count() == 1


@pytest.mark.parametrize("bad", ["abc", "120", "-1", "NaN", "4,5,6"])
def test_a_bad_percent_is_refused_with_its_field_key_and_nothing_saved(rworld, bad):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]
    with pytest.raises(ValidationFailed) as exc:
        svc.save_report(
            w.users["xa_ubnd_officer"],
            report,
            results="Không được lưu",
            lines=[{"task": leaf.pk, "percent_done": bad}],
        )
    assert list(exc.value.errors) == [f"lines.{leaf.pk}.percent_done"]
    assert "0 to 100" in exc.value.errors[f"lines.{leaf.pk}.percent_done"][0]
    report = fresh(report)
    assert (report.version, report.results) == (1, "")
    assert _line(report, leaf).percent_done == Decimal("0")
    assert not audits("reporting.report_saved").exists()


def test_every_error_is_collected_at_once(rworld):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]
    with pytest.raises(ValidationFailed) as exc:
        svc.save_report(
            w.users["xa_ubnd_officer"],
            report,
            lines=[
                {"task": leaf.pk, "percent_done": "abc", "completed_on": "31/12/2026"},
                {"task": w.tasks["hni_so"].pk, "results": "x"},
            ],
        )
    assert set(exc.value.errors) == {
        f"lines.{leaf.pk}.percent_done",
        f"lines.{leaf.pk}.completed_on",
        f"lines.{w.tasks['hni_so'].pk}",
    }
    assert exc.value.errors[f"lines.{leaf.pk}.completed_on"] == [
        "The completion date cannot be in the future."
    ]


def test_a_percent_on_a_parent_task_is_refused(rworld):
    w = rworld
    parent = w.tasks["hni_xa"]
    make_task(commune_program(w), w.hni_xa_ubnd, assigned_by=w.hni_xa_ubnd, parent=parent, code="1.2.1")
    report = create(w)
    with pytest.raises(ValidationFailed) as exc:
        svc.save_report(w.users["xa_ubnd_officer"], report, lines=[{"task": parent.pk, "percent_done": "50"}])
    assert "calculated from its sub-tasks" in exc.value.errors[f"lines.{parent.pk}.percent_done"][0]
    assert _line(report, parent).percent_done is None
    # an empty percent on the parent is fine (the page sends the read-only field empty)
    svc.save_report(w.users["xa_ubnd_officer"], report, lines=[{"task": parent.pk, "percent_done": ""}])


def test_a_completion_date_sets_the_percent_to_100(rworld):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]
    svc.save_report(
        w.users["xa_ubnd_officer"],
        report,
        lines=[{"task": leaf.pk, "percent_done": "60", "completed_on": "10/03/2026"}],
    )
    line = _line(report, leaf)
    assert (line.percent_done, line.completed_on) == (Decimal("100"), dt.date(2026, 3, 10))


def test_milestones_must_belong_to_the_lines_task(rworld):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]
    own = Milestone.objects.create(task=leaf, name="Khảo sát", due_date=dt.date(2026, 3, 1))
    other = Milestone.objects.create(task=w.tasks["hni_so"], name="Khác", due_date=dt.date(2026, 3, 1))
    officer = w.users["xa_ubnd_officer"]
    with pytest.raises(ValidationFailed) as exc:
        svc.save_report(officer, report, lines=[{"task": leaf.pk, "milestones": [own.pk, other.pk]}])
    assert exc.value.errors[f"lines.{leaf.pk}.milestones"] == [f"Choose only milestones of task {leaf.code}."]
    assert not _line(report, leaf).milestones_reached.exists()

    svc.save_report(officer, report, lines=[{"task": leaf.pk, "milestones": [str(own.pk)]}])
    assert list(_line(report, leaf).milestones_reached.all()) == [own]
    assert audits("reporting.report_saved").get().after == {
        f"lines.{leaf.pk}.milestones": [own.pk],
        "version": 2,
    }


def test_a_stale_version_is_refused_naming_who_changed_it_and_when(rworld):
    w = rworld
    report = create(w)
    leaf = w.tasks["hni_xa"]
    with time_machine.travel(dt.datetime(2026, 3, 17, 3, 42, tzinfo=dt.UTC), tick=False):
        svc.save_report(w.users["xa_ubnd_leader"], report, expected_version=1, results="Bản của lãnh đạo")
    with pytest.raises(Conflict) as exc:
        svc.save_report(
            w.users["xa_ubnd_officer"],
            report,
            expected_version=1,
            results="Bản của chuyên viên",
            lines=[{"task": leaf.pk, "percent_done": "70"}],
        )
    assert exc.value.code == "stale_version"
    # who and when (the hour is shown in the server's zone by core.check_version; see the report)
    assert "xa_ubnd_leader" in str(exc.value) and "17/03/2026" in str(exc.value)
    report = fresh(report)
    assert (report.version, report.results) == (2, "Bản của lãnh đạo")
    assert _line(report, leaf).percent_done == Decimal("0")
    assert audits("reporting.report_saved").count() == 1


@pytest.mark.parametrize("username", ["xa2_officer", "hni_so_officer", "inspector", "hni_admin"])
def test_only_the_reporting_agency_and_its_parents_staff_may_save(rworld, username):
    report = create(rworld)
    with pytest.raises(PermissionRefused):
        svc.save_report(rworld.users[username], report, results="x")
    assert fresh(report).results == ""


def test_a_sent_report_cannot_be_edited(rworld):
    report = sent(rworld)
    with pytest.raises(ValidationFailed) as exc:
        svc.save_report(rworld.users["xa_ubnd_officer"], report, results="Sửa sau khi gửi")
    assert exc.value.code == "wrong_state"
    assert fresh(report).results == "Kết quả chung"
