"""Computing evaluations and the three steps: who may, bad input refused with nothing changed, the
audit rows, the order of the states, the notifications, the scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from resmon.audit.models import AuditEntry
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.monitoring.evaluation import selectors, services
from resmon.monitoring.evaluation.models import Evaluation, Level, State
from resmon.notifications.models import Kind, Notification
from tests.monitoring.evaluation.helpers import q3

pytestmark = pytest.mark.django_db


def compute(world, username="national_leader", **kw):
    kw.setdefault("period", q3())
    return services.compute_evaluations(world.users[username], **kw)


def ev_of(agency) -> Evaluation:
    return Evaluation.objects.get(agency=agency, period=q3())


def audits(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def inbox(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind=Kind.EVALUATION).values_list("title", flat=True)
    )


# --- computing ----------------------------------------------------------------------------------


def test_national_leader_computes_the_agencies_under_the_root(eworld):
    result = compute(eworld)
    assert {ev.agency for ev in result.created} == {
        eworld.vptw,
        eworld.ubkt,
        eworld.dang_uy_cp,
        eworld.hni,
        eworld.hcm,
    }
    hni, hcm, vptw = ev_of(eworld.hni), ev_of(eworld.hcm), ev_of(eworld.vptw)
    assert (hni.score, hni.proposed_level, hni.state) == (D("52.5"), Level.DONE, State.COMPUTED)
    assert (hcm.score, hcm.proposed_level) == (D("54.5"), Level.DONE)
    assert (vptw.score, vptw.proposed_level) == (None, "")
    assert hni.inputs["inputs"]["tasks_due"] == 4
    assert hni.inputs["rule"]["weights"] == {
        "on_time": 30,
        "progress": 25,
        "kpi": 20,
        "reporting": 15,
        "directives": 10,
    }
    assert hni.inputs["as_of"] == "2026-09-14"
    assert (hni.window_start, hni.window_end, hni.year) == (dt.date(2026, 6, 15), dt.date(2026, 9, 14), 2026)
    (row,) = audits("evaluation.computed")
    assert row.actor_name == "national_leader"
    assert row.after["created"] == 5 and row.after["agencies"] == 5 and row.after["period"] == q3().pk
    # the leaders of the agencies evaluated are told to self-assess
    assert len(inbox(eworld.users["hni_leader"])) == 1
    assert len(inbox(eworld.users["hcm_leader"])) == 1
    assert inbox(eworld.users["hni_officer"]) == []


def test_one_kind_of_agency_inside_the_subtree(eworld):
    result = compute(eworld, agency_kind="provincial_party")
    assert sorted(ev.agency.code for ev in result.created) == ["HCM", "HNI"]


def test_a_province_computes_its_communes(eworld):
    result = compute(eworld, "hni_leader", agency_kind="commune_party")
    assert sorted(ev.agency.code for ev in result.created) == ["HNI-X1", "HNI-X2"]
    xa = ev_of(eworld.hni_xa)
    # t2 late (0 %, weight 30), hni_xa at half its plan (weight 25), K2 behind (0 %, weight 20), its one
    # report late (50 %, weight 15), no directive due (not applicable): (0 + 12.5 + 0 + 7.5) / 90 = 22.2
    assert (xa.score, xa.proposed_level) == (D("22.2"), Level.NOT_DONE)
    assert ev_of(eworld.hni_xa2).score is None


def test_only_leaders_above_compute(eworld):
    with pytest.raises(PermissionRefused):
        compute(eworld, "hni_officer", agency=eworld.hni)  # a focal officer
    with pytest.raises(PermissionRefused):
        compute(eworld, "inspector", agency=eworld.hni)  # reads Hà Nội, acts nowhere
    with pytest.raises(NotFound):
        compute(eworld, "hni_leader", agency=eworld.root)  # above the user's own agency
    with pytest.raises(PermissionRefused):
        services.compute_evaluations(eworld.users["hni_leader"], period=q3(), agencies=[eworld.hni])  # itself
    assert Evaluation.objects.count() == 0
    assert audits("evaluation.computed") == []


def test_system_administrators_compute(eworld):
    assert len(compute(eworld, "sysadmin", agency_kind="provincial_party").created) == 2


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"period": None}, "period"),  # neither a quarter nor a year
        ({"year": 2026}, "period"),  # both
        ({"period": None, "year": 2027}, "year"),  # not begun yet
        ({"period": None, "year": 1990}, "year"),
        ({"agency_kind": "planet"}, "agency_kind"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_changes(eworld, kw, field):
    with pytest.raises(ValidationFailed) as exc:
        compute(eworld, **kw)
    assert field in exc.value.errors
    assert Evaluation.objects.count() == 0
    assert audits("evaluation.computed") == []


def test_a_month_is_not_an_evaluation_period(eworld):
    from resmon.catalogue.models import ReportingPeriod

    month = ReportingPeriod.objects.get(kind="month", code="2026-M8", cutoff="decree09")
    with pytest.raises(ValidationFailed) as exc:
        compute(eworld, period=month)
    assert "quarter" in str(exc.value.errors["period"][0])


def test_no_agency_under_the_chosen_one(eworld):
    with pytest.raises(ValidationFailed) as exc:
        compute(eworld, agency_kind="ministry_unit")
    assert "no agency to evaluate" in str(exc.value)


def test_a_year(eworld):
    result = compute(eworld, period=None, year=2026, agency_kind="provincial_party")
    hni = next(ev for ev in result.created if ev.agency == eworld.hni)
    assert (hni.kind, hni.period, hni.year) == ("year", None, 2026)
    assert (hni.window_start, hni.window_end) == (dt.date(2025, 12, 15), dt.date(2026, 12, 14))
    assert hni.inputs["as_of"] == "2026-10-20"  # the year has not ended: judged today


def test_recomputing_refreshes_the_score_and_keeps_the_steps(eworld):
    compute(eworld, agency_kind="provincial_party")
    hni = services.self_assess(
        eworld.users["hni_leader"], ev_of(eworld.hni), level="good", comment="Đã cố gắng nhiều."
    )
    t3 = eworld.tasks["t3"]
    t3.completed_on = dt.date(2026, 7, 30)
    t3.percent_done = D(100)
    t3.save()  # now 3 of 4 on time; progress 0.5 + 0.5 over 2
    result = compute(eworld, agency_kind="provincial_party")
    assert len(result.refreshed) == 2 and not result.created
    again = ev_of(eworld.hni)
    # 0.75×30 + 0.5×25 + 0.5×20 + 0.5×15 + 0.6667×10 = 59.1667
    assert again.score == D("59.2")
    assert (again.state, again.self_level, again.self_comment) == (
        State.SELF_ASSESSED,
        "good",
        "Đã cố gắng nhiều.",
    )
    assert again.version == hni.version + 1
    assert [r.after["refreshed"] for r in audits("evaluation.computed")] == [0, 2]


def test_recomputing_keeps_what_was_appraised_and_refuses_when_nothing_is_left(eworld):
    compute(eworld, agency_kind="provincial_party")
    for a, leader in ((eworld.hni, "hni_leader"), (eworld.hcm, "hcm_leader")):
        services.self_assess(eworld.users[leader], ev_of(a), level="done", comment="Tự đánh giá của đơn vị.")
    services.appraise(
        eworld.users["national_leader"], ev_of(eworld.hni), level="done", comment="Đồng ý đề xuất."
    )
    result = compute(eworld, agency_kind="provincial_party")
    assert [ev.agency for ev in result.kept] == [eworld.hni]
    assert [ev.agency for ev in result.refreshed] == [eworld.hcm]
    services.appraise(
        eworld.users["national_leader"], ev_of(eworld.hcm), level="done", comment="Đồng ý đề xuất."
    )
    before = ev_of(eworld.hni).version
    with pytest.raises(Conflict) as exc:
        compute(eworld, agency_kind="provincial_party")
    assert "appraised or decided" in str(exc.value)
    assert ev_of(eworld.hni).version == before
    assert len(audits("evaluation.computed")) == 2


def test_a_changed_rule_applies_to_the_next_computation(eworld):
    services.set_rule(
        eworld.users["sysadmin"],
        weights={"on_time": 100, "progress": 0, "kpi": 0, "reporting": 0, "directives": 0},
        excellent_from="90",
        good_from="70",
        pass_from="50",
        cap_percent="20",
    )
    compute(eworld, agency_kind="provincial_party")
    hni = ev_of(eworld.hni)
    assert (hni.score, hni.rule_version, hni.inputs["rule"]["version"]) == (D("50.0"), 1, 1)
    assert ev_of(eworld.hcm).proposed_level == Level.EXCELLENT  # 1 of 1 on time


# --- the steps ----------------------------------------------------------------------------------


@pytest.fixture
def evs(eworld):
    compute(eworld, agency_kind="provincial_party")
    compute(eworld, "hni_leader", agency_kind="commune_party")
    Notification.objects.all().delete()
    return eworld


def test_the_three_steps_in_order(evs):
    w = evs
    ev = ev_of(w.hni)
    ev = services.self_assess(
        w.users["hni_leader"],
        ev,
        level="good",
        comment="Hoàn thành phần lớn nhiệm vụ.",
        expected_version=ev.version,
    )
    assert (ev.state, ev.self_level, ev.self_by) == (State.SELF_ASSESSED, "good", w.users["hni_leader"])
    assert len(inbox(w.users["national_leader"])) == 1  # the supervising agency appraises
    ev = services.appraise(
        w.users["national_leader"],
        ev,
        level="done",
        comment="Còn nhiệm vụ quá hạn, báo cáo chậm.",
        proposal="Đề nghị xếp loại Hoàn thành nhiệm vụ.",
        expected_version=ev.version,
    )
    assert (ev.state, ev.appraisal_level, ev.appraising_agency) == (State.APPRAISED, "done", w.root)
    ev = services.decide(
        w.users["national_leader"],
        ev,
        level="done",
        number="125-QĐ/TW",
        decided_on="15/10/2026",
        note="Theo đề xuất thẩm định.",
        expected_version=ev.version,
    )
    assert (ev.state, ev.decision_level, ev.decision_number) == (State.DECIDED, "done", "125-QĐ/TW")
    assert ev.decision_date == dt.date(2026, 10, 15)
    assert len(inbox(w.users["hni_leader"])) == 1 and len(inbox(w.users["hni_officer"])) == 1
    rows = [
        (r.action, r.before["state"], r.after["state"])
        for r in AuditEntry.objects.filter(
            object_type="evaluation.evaluation", object_id=str(ev.pk)
        ).order_by("pk")
    ]
    assert rows == [
        ("evaluation.self_assessed", "computed", "self_assessed"),
        ("evaluation.appraised", "self_assessed", "appraised"),
        ("evaluation.decided", "appraised", "decided"),
    ]


def test_the_order_of_the_states_is_enforced(evs):
    w = evs
    with pytest.raises(Conflict):  # appraisal before the self-assessment
        services.appraise(
            w.users["national_leader"], ev_of(w.hni), level="good", comment="Thẩm định sớm quá."
        )
    services.self_assess(w.users["hni_leader"], ev_of(w.hni), level="good", comment="Tự đánh giá của đơn vị.")
    with pytest.raises(Conflict):  # decision before the appraisal
        services.decide(
            w.users["national_leader"], ev_of(w.hni), level="good", number="1-QĐ/TW", decided_on="2026-10-15"
        )
    services.appraise(w.users["national_leader"], ev_of(w.hni), level="good", comment="Đồng ý tự đánh giá.")
    with pytest.raises(Conflict):  # the self-assessment is closed once appraised
        services.self_assess(
            w.users["hni_leader"], ev_of(w.hni), level="excellent", comment="Sửa lại tự đánh giá."
        )
    services.decide(
        w.users["national_leader"], ev_of(w.hni), level="good", number="1-QĐ/TW", decided_on="2026-10-15"
    )
    with pytest.raises(Conflict):  # a decision is final
        services.decide(
            w.users["national_leader"],
            ev_of(w.hni),
            level="excellent",
            number="2-QĐ/TW",
            decided_on="2026-10-16",
        )
    with pytest.raises(Conflict):
        services.appraise(
            w.users["national_leader"], ev_of(w.hni), level="excellent", comment="Thẩm định lại sau."
        )
    assert ev_of(w.hni).decision_level == "good"


def test_who_takes_each_step(evs):
    w = evs
    xa = ev_of(w.hni_xa)
    with pytest.raises(PermissionRefused):  # a focal officer does not self-assess
        services.self_assess(
            w.users["hni_officer"], ev_of(w.hni), level="good", comment="Tự đánh giá thay lãnh đạo."
        )
    with pytest.raises(PermissionRefused):  # the level above does not self-assess for the agency
        services.self_assess(
            w.users["national_leader"], ev_of(w.hni), level="good", comment="Tự đánh giá thay đơn vị."
        )
    services.self_assess(w.users["hni_leader"], ev_of(w.hni), level="good", comment="Tự đánh giá của đơn vị.")
    with pytest.raises(PermissionRefused):  # the agency cannot appraise itself
        services.appraise(
            w.users["hni_leader"], ev_of(w.hni), level="excellent", comment="Tự thẩm định mình."
        )
    with pytest.raises(PermissionRefused):  # system administrators take no step
        services.appraise(w.users["sysadmin"], ev_of(w.hni), level="good", comment="Quản trị thẩm định.")
    services.self_assess(w.users["xa_leader"], xa, level="good", comment="Xã tự đánh giá mình.")
    services.appraise(
        w.users["hni_officer"], ev_of(w.hni_xa), level="done", comment="Văn phòng Thành ủy thẩm định."
    )
    with pytest.raises(PermissionRefused):  # a commune leader cannot decide, not even its own
        services.decide(
            w.users["xa_leader"], ev_of(w.hni_xa), level="good", number="3-QĐ/ĐU", decided_on="2026-10-15"
        )
    with pytest.raises(PermissionRefused):  # a focal officer appraises but does not decide
        services.decide(
            w.users["hni_officer"], ev_of(w.hni_xa), level="done", number="3-QĐ/TU", decided_on="2026-10-15"
        )
    ev = services.decide(
        w.users["hni_leader"], ev_of(w.hni_xa), level="done", number="3-QĐ/TU", decided_on="2026-10-15"
    )
    assert ev.deciding_agency == w.hni
    assert AuditEntry.objects.filter(action="evaluation.decided").count() == 1


def test_outside_the_scope_is_not_found(evs):
    w = evs
    for call in (
        lambda: selectors.get_evaluation(w.users["hcm_leader"], ev_of(w.hni).pk),
        lambda: services.self_assess(
            w.users["hcm_leader"], ev_of(w.hni), level="good", comment="Không phải việc của mình."
        ),
        lambda: services.appraise(
            w.users["xa_leader"], ev_of(w.hni), level="good", comment="Không nhìn thấy đánh giá."
        ),
        lambda: selectors.get_evaluation(w.users["xa2_officer"], ev_of(w.hni_xa).pk),  # a sibling commune
    ):
        with pytest.raises(NotFound):
            call()
    assert selectors.get_evaluation(w.users["inspector"], ev_of(w.hni).pk)  # the inspection grant reads it


def test_bad_input_names_every_field_and_changes_nothing(evs):
    w = evs
    ev = ev_of(w.hni)
    with pytest.raises(ValidationFailed) as exc:
        services.self_assess(w.users["hni_leader"], ev, level="best", comment="ngắn")
    assert set(exc.value.errors) == {"level", "comment"}
    services.self_assess(w.users["hni_leader"], ev, level="good", comment="Tự đánh giá của đơn vị.")
    services.appraise(w.users["national_leader"], ev, level="good", comment="Đồng ý tự đánh giá.")
    ev = ev_of(w.hni)
    for kw, fields in (
        ({"level": "", "number": "", "decided_on": ""}, {"level", "decision_number", "decision_date"}),
        ({"level": "good", "number": "1-QĐ/TW", "decided_on": "2026-10-21"}, {"decision_date"}),  # tomorrow
        ({"level": "good", "number": "1-QĐ/TW", "decided_on": "01/06/2026"}, {"decision_date"}),  # before Q3
        ({"level": "good", "number": "1-QĐ/TW", "decided_on": "31/02/2026"}, {"decision_date"}),
        ({"level": "good", "number": "x" * 61, "decided_on": "2026-10-15"}, {"decision_number"}),
        ({"level": "good", "number": "1-QĐ/TW", "decided_on": "2026-10-15", "note": "x" * 4001}, {"note"}),
    ):
        with pytest.raises(ValidationFailed) as exc:
            services.decide(w.users["national_leader"], ev, **kw)
        assert set(exc.value.errors) == fields, kw
    after = ev_of(w.hni)
    assert (after.state, after.version, after.decision_level) == (State.APPRAISED, ev.version, "")
    assert AuditEntry.objects.filter(action="evaluation.decided").count() == 0


def test_a_stale_version_is_refused(evs):
    w = evs
    ev = ev_of(w.hni)
    services.self_assess(
        w.users["hni_leader"], ev, level="good", comment="Tự đánh giá lần đầu.", expected_version=ev.version
    )
    with pytest.raises(Conflict) as exc:
        services.self_assess(
            w.users["hni_leader"],
            ev,
            level="done",
            comment="Tự đánh giá lần hai.",
            expected_version=ev.version,
        )
    assert exc.value.code == "stale_version"
    assert ev_of(w.hni).self_level == "good"


def test_the_list_counts_what_waits_for_each_user(evs):
    w = evs
    target = selectors.Target("quarter", period=q3())
    todo = selectors.evaluations_for(w.users["hni_leader"], target, w.hni, todo=True)
    assert [e.agency for e in todo] == [w.hni]  # its own self-assessment
    services.self_assess(w.users["xa_leader"], ev_of(w.hni_xa), level="good", comment="Xã tự đánh giá mình.")
    todo = selectors.evaluations_for(w.users["hni_leader"], target, w.hni, todo=True)
    assert [e.agency for e in todo] == [w.hni, w.hni_xa]  # and the commune's appraisal
    assert selectors.awaiting_count(w.users["hni_leader"]) == 2
    assert selectors.awaiting_count(w.users["hcm_officer"]) == 0
