"""Evaluation of agencies in a real browser: the national office has computed the third quarter of
2026 for the provinces; Hà Nội's leader opens the list from the sidebar, reads the inputs behind
the score and records the self-assessment; the national office appraises and decides (confirming
the decision); the list shows the decided level. No console error, no sideways scrolling on a
375 px phone. Data: tests.monitoring.evaluation.helpers.populate (time is not frozen: the quarter
has ended and the decision is dated today)."""

from __future__ import annotations

import pytest

from resmon.core import clock
from resmon.monitoring.evaluation import services
from resmon.monitoring.evaluation.models import Evaluation, State
from tests.monitoring.evaluation.helpers import populate, q3

from .conftest import PHONE_WIDTH, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser


@pytest.fixture
def ev_world(world):
    populate(world)
    services.compute_evaluations(world.users["national_leader"], period=q3(), agency_kind="provincial_party")
    return world


def on_phone(page, shot) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    page.wait_for_timeout(200)
    shot(page)
    assert_no_horizontal_scroll(page)
    page.set_viewport_size(size)


def submit(page, form: str) -> None:
    page.locator(f"form[data-form='{form}'] button[type='submit']").click()
    page.wait_for_load_state("networkidle")


def test_self_assessment_appraisal_and_decision(ev_world, page, context, sign_in, shot, visit):
    w = ev_world
    hni = Evaluation.objects.get(agency=w.hni, period=q3())
    sign_in("hni_leader")
    page.locator(".app-sidebar a[href='/monitoring/evaluation/']").click()
    page.wait_for_load_state("networkidle")
    visit(f"/monitoring/evaluation/?on=q{q3().pk}", "evaluation-list")
    row = page.locator(f"tr[data-evaluation='{hni.pk}']")
    # the score as computed (its directives are judged on the real today: 52.5 on 20/10/2026)
    assert row.locator("[data-score]").inner_text().strip() == f"{hni.score:f}"
    on_phone(page, shot)

    row.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("tr[data-criterion='on_time'] [data-rate]").inner_text().strip() == "50.0%"
    assert page.locator("[data-step]").count() == 3
    shot(page, "evaluation-detail")
    on_phone(page, shot)
    page.locator("select[name='self-level']").select_option("good")
    page.locator("textarea[name='self-comment']").fill("Hoàn thành phần lớn nhiệm vụ trong quý.")
    submit(page, "self")
    assert page.locator("[data-state-chip] [data-state='self_assessed']").count() == 1
    assert page.locator("[data-step='self'] [data-level='good']").count() == 1

    context.clear_cookies()
    sign_in("national_leader")
    visit(f"/monitoring/evaluation/{hni.pk}/")
    page.locator("select[name='appraise-level']").select_option("done")
    page.locator("textarea[name='appraise-comment']").fill("Còn nhiệm vụ quá hạn và báo cáo gửi chậm.")
    page.locator("textarea[name='appraise-proposal']").fill("Đề nghị xếp loại Hoàn thành nhiệm vụ.")
    submit(page, "appraise")
    assert page.locator("[data-step='appraise'] [data-level='done']").count() == 1
    shot(page)
    page.locator("select[name='decide-level']").select_option("done")
    page.locator("input[name='decide-decision_number']").fill("125-QĐ/TW")
    assert page.locator("input[name='decide-decision_date']").input_value() == clock.today().strftime(
        "%d/%m/%Y"
    )
    dialogs: list[str] = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    submit(page, "decide")
    assert dialogs and "final" in dialogs[0]
    assert page.locator("[data-state-chip] [data-state='decided']").count() == 1
    shot(page, "evaluation-decided")
    hni.refresh_from_db()
    assert (hni.state, hni.decision_level, hni.decision_number) == (State.DECIDED, "done", "125-QĐ/TW")

    visit(f"/monitoring/evaluation/?on=q{q3().pk}")
    row = page.locator(f"tr[data-evaluation='{hni.pk}']")
    assert row.locator("[data-decision] [data-level='done']").count() == 1
    assert "125-QĐ/TW" in row.locator("[data-decision]").inner_text()
    api = page.request.get(f"/api/v1/evaluations?period={q3().pk}").json()
    assert page.locator("tr[data-evaluation]").count() == api["count"] == 2
    on_phone(page, shot)
