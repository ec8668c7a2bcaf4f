"""The evaluation pages: the list with its filters, the cap banner and the computation; one
evaluation with its inputs and the three steps; the rule; the Excel file."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse
from lxml import html

from resmon.audit.models import AuditEntry
from resmon.monitoring.evaluation import services
from resmon.monitoring.evaluation.models import Evaluation, EvaluationRule, State
from tests.monitoring.evaluation.helpers import q3

pytestmark = pytest.mark.django_db

LIST = reverse("evaluation:list")


def client(world, username: str) -> Client:
    c = Client()
    c.force_login(world.users[username])
    return c


def doc(response):
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content.decode())


def text(node) -> str:
    return " ".join(node.text_content().split())


def rows(d) -> dict[str, dict[str, str]]:
    out = {}
    for tr in d.xpath("//tr[@data-evaluation]"):
        out[tr.get("data-agency-code")] = {
            "score": text(tr.xpath(".//*[@data-score]")[0]),
            "proposed": text(tr.xpath(".//*[@data-proposed]")[0]),
            "decision": text(tr.xpath(".//*[@data-decision]")[0]),
        }
    return out


@pytest.fixture
def computed(eworld):
    services.compute_evaluations(eworld.users["national_leader"], period=q3(), agency_kind="provincial_party")
    return eworld


def ev_of(agency) -> Evaluation:
    return Evaluation.objects.get(agency=agency, period=q3())


def test_the_list_computes_and_shows_the_scores(eworld):
    c = client(eworld, "national_leader")
    query = f"?on=q{q3().pk}"
    d = doc(c.get(LIST + query))
    assert d.xpath("//*[@data-empty]") and d.xpath("//form[@data-compute]")
    response = c.post(LIST + query, {"agency_kind": "provincial_party"})
    assert response.status_code == 302
    d = doc(c.get(response["Location"]))
    assert "2 new" in text(d.xpath("//*[contains(concat(' ',normalize-space(@class),' '),' messages ')]")[0])
    found = rows(d)
    assert set(found) == {"HNI", "HCM"}
    assert found["HNI"]["score"] == "52.5" and "Completed duties" in found["HNI"]["proposed"]
    assert found["HCM"]["score"] == "54.5"
    assert d.xpath("//*[@data-cap-ok]")


def test_a_bad_compute_shows_the_message_next_to_the_field(eworld):
    c = client(eworld, "national_leader")
    d = doc(c.post(LIST + f"?on=q{q3().pk}", {"agency_kind": "ministry_unit"}))
    assert "no agency to evaluate" in text(d.xpath("//form[@data-compute]")[0])
    assert Evaluation.objects.count() == 0


def test_who_sees_the_compute_form(computed):
    w = computed
    query = f"?on=q{q3().pk}"
    assert not doc(client(w, "hni_officer").get(LIST + query)).xpath("//form[@data-compute]")
    assert doc(client(w, "hni_leader").get(LIST + query)).xpath("//form[@data-compute]")  # its communes
    response = client(w, "hni_officer").post(LIST + query, {"agency_kind": ""})
    assert response.status_code == 302
    assert Evaluation.objects.count() == 2


def test_the_list_is_the_users_subtree_and_filters(computed):
    w = computed
    query = f"?on=q{q3().pk}"
    assert set(rows(doc(client(w, "hni_officer").get(LIST + query)))) == {"HNI"}
    assert set(rows(doc(client(w, "hcm_officer").get(LIST + query)))) == {"HCM"}
    leader = client(w, "national_leader")
    assert set(rows(doc(leader.get(LIST + query + f"&agency={w.hcm.pk}")))) == {"HCM"}
    assert set(rows(doc(leader.get(LIST + query + "&q=Hồ Chí Minh")))) == {"HCM"}
    assert set(rows(doc(leader.get(LIST + query + "&state=decided")))) == set()
    assert client(w, "hcm_officer").get(LIST + f"?agency={w.hni.pk}").status_code == 404
    d = doc(leader.get(LIST + "?on=q999999999"))
    assert d.xpath("//*[@data-filter-error]")  # a quarter that does not exist: the default, said so


def test_the_cap_banner_counts_the_decided_and_appraised_levels(computed):
    w = computed
    national = w.users["national_leader"]
    for agency, leader, level in ((w.hni, "hni_leader", "excellent"), (w.hcm, "hcm_leader", "excellent")):
        services.self_assess(w.users[leader], ev_of(agency), level=level, comment="Tự đánh giá của đơn vị.")
        services.appraise(national, ev_of(agency), level=level, comment="Đồng ý tự đánh giá.")
    d = doc(client(w, "national_leader").get(LIST + f"?on=q{q3().pk}"))
    banner = text(d.xpath("//*[@data-cap-exceeded]")[0])
    assert "2 agencies rated excellent out of 2 rated at least good (100%)" in banner
    services.decide(national, ev_of(w.hcm), level="good", number="5-QĐ/TW", decided_on="2026-10-19")
    d = doc(client(w, "national_leader").get(LIST + f"?on=q{q3().pk}"))
    assert "1 agencies rated excellent out of 2" in text(d.xpath("//*[@data-cap-exceeded]")[0])  # 50 % > 20 %


def test_the_detail_page_shows_the_inputs_and_the_steps(computed):
    w = computed
    ev = ev_of(w.hni)
    d = doc(client(w, "hni_leader").get(reverse("evaluation:detail", args=[ev.pk])))
    criteria = {tr.get("data-criterion"): tr for tr in d.xpath("//tr[@data-criterion]")}
    assert "2 of 4 tasks due completed on time" in text(criteria["on_time"])
    assert text(criteria["on_time"].xpath(".//*[@data-rate]")[0]) == "50.0%"
    link = criteria["on_time"].xpath(".//a")[0].get("href")
    assert f"agency={w.hni.pk}" in link and "due_from=2026-06-15" in link and "due_to=2026-09-14" in link
    assert text(criteria["directives"].xpath(".//*[@data-rate]")[0]) == "66.7%"
    assert text(d.xpath("//*[@data-score]")[0]).startswith("52.5")
    assert d.xpath("//form[@data-form='self']") and not d.xpath("//form[@data-form='appraise']")
    assert not d.xpath("//*[@data-not-applicable]")
    hcm = doc(client(w, "national_leader").get(reverse("evaluation:detail", args=[ev_of(w.hcm).pk])))
    assert "KPI attainment, Reporting on time and complete, Response to directives" in text(
        hcm.xpath("//*[@data-not-applicable]")[0]
    )
    assert client(w, "hcm_officer").get(reverse("evaluation:detail", args=[ev.pk])).status_code == 404


def test_the_steps_from_the_page(computed):
    w = computed
    ev = ev_of(w.hni)
    url = reverse("evaluation:detail", args=[ev.pk])
    leader = client(w, "hni_leader")
    d = doc(
        leader.post(
            url, {"action": "self", "self-level": "", "self-comment": "ngắn", "self-version": ev.version}
        )
    )
    assert {e.get("data-error-for") for e in d.xpath("//*[@data-error-for]")} == {"level", "comment"}
    assert ev_of(w.hni).state == State.COMPUTED
    ok = leader.post(
        url,
        {
            "action": "self",
            "self-level": "good",
            "self-comment": "Đã hoàn thành phần lớn.",
            "self-version": ev.version,
        },
    )
    assert ok.status_code == 302
    national = client(w, "national_leader")
    d = doc(national.get(url))
    assert d.xpath("//form[@data-form='appraise']") and not d.xpath("//form[@data-form='decide']")
    ev = ev_of(w.hni)
    national.post(
        url,
        {
            "action": "appraise",
            "appraise-level": "done",
            "appraise-comment": "Còn việc quá hạn.",
            "appraise-version": ev.version,
        },
    )
    ev = ev_of(w.hni)
    d = doc(national.get(url))
    form = d.xpath("//form[@data-form='decide']")[0]
    assert form.get("data-confirm")  # confirmation before the decision
    stale = national.post(
        url,
        {
            "action": "decide",
            "decide-level": "done",
            "decide-decision_number": "7-QĐ/TW",
            "decide-decision_date": "15/10/2026",
            "decide-version": ev.version - 1,
        },
    )
    assert "Reload it" in text(doc(stale).xpath("//form[@data-form='decide']")[0])
    national.post(
        url,
        {
            "action": "decide",
            "decide-level": "done",
            "decide-decision_number": "7-QĐ/TW",
            "decide-decision_date": "15/10/2026",
            "decide-version": ev.version,
        },
    )
    ev = ev_of(w.hni)
    assert (ev.state, ev.decision_level, ev.decision_number) == (State.DECIDED, "done", "7-QĐ/TW")
    d = doc(national.get(LIST + f"?on=q{q3().pk}"))
    assert "Completed duties" in rows(d)["HNI"]["decision"]


def test_recompute_from_the_page(computed):
    w = computed
    ev = ev_of(w.hni)
    url = reverse("evaluation:detail", args=[ev.pk])
    assert not doc(client(w, "hni_leader").get(url)).xpath("//input[@value='recompute']")
    national = client(w, "national_leader")
    assert doc(national.get(url)).xpath("//input[@value='recompute']")
    assert national.post(url, {"action": "recompute"}).status_code == 302
    assert ev_of(w.hni).version == ev.version + 1


def test_the_rule_page_is_public_and_set_by_system_administrators(eworld):
    url = reverse("evaluation:rule")
    d = doc(client(eworld, "xa_officer").get(url))
    assert [text(td) for td in d.xpath("//*[@data-weight]")] == ["30", "25", "20", "15", "10"]
    assert "from 90 points" in text(d.xpath("//*[@data-bands]")[0])
    assert not d.xpath("//form[@data-rule-form]")
    refused = client(eworld, "xa_officer").post(url, {"weight_on_time": "100"})
    assert refused.status_code == 302 and not EvaluationRule.objects.exists()
    admin = client(eworld, "sysadmin")
    data = {
        "weight_on_time": "40",
        "weight_progress": "20",
        "weight_kpi": "20",
        "weight_reporting": "10",
        "weight_directives": "20",
        "excellent_from": "95",
        "good_from": "75",
        "pass_from": "50,5",
        "cap_percent": "15",
        "version": "0",
    }
    d = doc(admin.post(url, data))
    assert "add up to 100 points (they add up to 110)" in text(d.xpath("//form[@data-rule-form]")[0])
    assert not EvaluationRule.objects.exists()
    d = doc(admin.post(url, {**data, "weight_directives": "10", "good_from": "96"}))
    assert [e.get("data-error-for") for e in d.xpath("//*[@data-error-for]")] == ["good_from"]
    assert admin.post(url, {**data, "weight_directives": "10"}).status_code == 302
    row = EvaluationRule.objects.get()
    assert (row.weight_on_time, row.pass_from, row.cap_percent, row.version) == (40, D("50.5"), D(15), 1)
    assert AuditEntry.objects.filter(action="evaluation.rule_set").count() == 1


def test_the_excel_file_has_the_lists_rows_and_is_audited(computed):
    from openpyxl import load_workbook

    w = computed
    response = client(w, "national_leader").get(reverse("evaluation:export") + f"?on=q{q3().pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="danh-gia-TW-2026-Q3.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Đánh giá, xếp loại"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    assert ws["A1"].font.bold
    header = [c.value for c in ws[1]]
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(by_code) == {"HNI", "HCM"}
    assert by_code["HNI"]["Điểm"] == 52.5
    assert by_code["HNI"]["Xếp loại hệ thống đề xuất"] == "Hoàn thành nhiệm vụ"
    assert by_code["HNI"]["Hoàn thành đúng hạn (%)"] == 50
    assert by_code["HCM"]["Đạt chỉ tiêu (%)"] == "Không áp dụng"
    (row,) = AuditEntry.objects.filter(action="evaluation.exported")
    assert row.after["rows"] == 2 and row.actor_name == "national_leader"
    one = client(w, "hcm_officer").get(reverse("evaluation:export") + f"?on=q{q3().pk}")
    codes = [
        r[0]
        for r in load_workbook(io.BytesIO(one.content))["Đánh giá, xếp loại"].iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert codes == ["HCM"]


def test_a_step_overtaken_by_someone_else_says_so_at_the_top(computed):
    w = computed
    ev = ev_of(w.hni)
    url = reverse("evaluation:detail", args=[ev.pk])
    services.self_assess(w.users["hni_leader"], ev, level="good", comment="Tự đánh giá của đơn vị.")
    services.appraise(w.users["national_leader"], ev_of(w.hni), level="done", comment="Đồng ý một phần.")
    # the leader's page was opened before the appraisal: the form is posted anyway
    leader = client(w, "hni_leader")
    response = leader.post(
        url,
        {
            "action": "self",
            "self-level": "excellent",
            "self-comment": "Sửa lại tự đánh giá.",
            "self-version": 2,
        },
    )
    assert response.status_code == 302
    d = doc(leader.get(url))
    assert "already been appraised" in text(d.xpath("//*[contains(@class, 'messages')]")[0])
    assert ev_of(w.hni).self_level == "good"
