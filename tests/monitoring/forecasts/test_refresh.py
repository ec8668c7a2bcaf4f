"""The daily refresh: one forecast row per task and per task KPI, from what was accepted by the
as-of day only, written in bulk and rewritten (never duplicated) by the next run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from resmon.monitoring.forecasts.models import KpiForecast, Method, TaskForecast
from resmon.monitoring.forecasts.services import refresh_forecasts
from resmon.planning.models import ActionProgram, Task, TaskIndicator
from resmon.planning.status import TaskState
from resmon.reporting.models import ReportState
from tests.monitoring.forecasts.helpers import line, value
from tests.planning.kpi_helpers import indicator, kpi
from tests.reporting.helpers import TODAY

pytestmark = pytest.mark.django_db

START = dt.date(2025, 2, 1)  # the programmes' issue date


@pytest.fixture
def fworld(rworld):
    ActionProgram.objects.update(status=ActionProgram.Status.ISSUED, issued_on=START)
    with time_machine.travel(TODAY, tick=False):
        yield rworld


def test_one_row_per_task_on_the_dashboards_world(dworld):
    with time_machine.travel(TODAY, tick=False):
        result = refresh_forecasts()
    assert TaskForecast.objects.count() == Task.objects.count() == result["tasks"]
    assert result["as_of"] == "2026-03-17"
    by_task = {f.task_id: f for f in TaskForecast.objects.all()}
    t = dworld.tasks
    # completed tasks are done, with the deadline met or missed
    assert (by_task[t["hni_xa"].pk].method, by_task[t["hni_xa"].pk].p_miss) == (Method.DONE, Decimal(0))
    assert (by_task[t["hcm"].pk].method, by_task[t["hcm"].pk].p_miss) == (Method.DONE, Decimal(1))
    assert by_task[t["hcm"].pk].projected_on == dt.date(2026, 2, 15)
    # no accepted report at all: not enough data, nothing made up
    assert by_task[t["hcm_xa"].pk].method == Method.INSUFFICIENT
    assert by_task[t["hcm_xa"].pk].projected_on is None and by_task[t["hcm_xa"].pk].p_miss is None
    assert result["methods"] == {"done": 2, "insufficient": Task.objects.count() - 2}


def test_the_history_is_what_was_accepted_by_the_day(fworld):
    w = fworld
    task = w.tasks["hni_xa"]
    Task.objects.filter(pk=task.pk).update(due_date=dt.date(2026, 9, 30))
    line(w, task, "2025-Q3", 20, accepted_on=dt.date(2025, 9, 25))  # period ends 14/09/2025
    line(w, task, "2025-Q4", 40, accepted_on=dt.date(2025, 12, 20))  # 14/12/2025
    line(w, task, "2026-Q1", 90, state=ReportState.SENT)  # sent, not accepted: not history
    refresh_forecasts()
    f = TaskForecast.objects.get(task=task)
    assert (f.method, f.points, f.last_percent, f.last_report_on) == (
        Method.SMOOTHING,
        2,
        Decimal(40),
        dt.date(2025, 12, 14),
    )
    # the line through 0% at the start (01/02/2025), 20% on 14/09/2025 and 40% on 14/12/2025, the
    # older points weighing 0.6 and 0.36 of the newest: Sxy / Sxx = 3375 / 26458 = 0.1276 points a
    # day, 3.83 per 30 days; the 60 points left take 470 days from 14/12/2025: about 29/03/2027,
    # six months after the 30/09/2026 deadline
    assert f.rate == Decimal("3.83")  # percentage points per 30 days
    assert abs((f.projected_on - dt.date(2027, 3, 29)).days) <= 3
    assert f.low_on < f.projected_on < f.high_on
    assert f.p_miss > Decimal("0.7")  # likely to miss its deadline
    # its parent (Thành ủy's task 1) waits on a sub-task without any report: no forecast for it
    assert TaskForecast.objects.get(task=w.tasks["hni"]).method == Method.INSUFFICIENT

    # as of 19/12/2025 the Q4 report was not accepted yet: one report and the start
    refresh_forecasts(dt.date(2025, 12, 19))
    f.refresh_from_db()
    assert (f.as_of, f.points, f.last_percent) == (dt.date(2025, 12, 19), 1, Decimal(20))
    assert TaskForecast.objects.count() == Task.objects.count()  # rewritten, not added


def test_a_second_run_rewrites_the_rows(fworld):
    first = refresh_forecasts()
    ids = set(TaskForecast.objects.values_list("pk", flat=True))
    with time_machine.travel(TODAY + dt.timedelta(days=1), tick=False):
        second = refresh_forecasts()
    assert first["tasks"] == second["tasks"] == Task.objects.count()
    assert set(TaskForecast.objects.values_list("pk", flat=True)) == ids
    assert set(TaskForecast.objects.values_list("as_of", flat=True)) == {dt.date(2026, 3, 18)}


def test_paused_and_ongoing_tasks_get_no_forecast(fworld):
    w = fworld
    paused, ongoing = w.tasks["hni_xa"], w.tasks["hni_so"]
    for task in (paused, ongoing):
        line(w, task, "2025-Q3", 20)
        line(w, task, "2025-Q4", 40)
    Task.objects.filter(pk=paused.pk).update(state=TaskState.PAUSED, state_reason="Chờ kinh phí")
    Task.objects.filter(pk=ongoing.pk).update(ongoing=True, due_date=None)
    refresh_forecasts()
    for task in (paused, ongoing):
        f = TaskForecast.objects.get(task=task)
        assert f.method == Method.INSUFFICIENT and f.projected_on is None and f.p_miss is None


def test_kpi_forecast_against_its_target(fworld):
    w = fworld
    task = w.tasks["hni_xa"]
    ind = indicator(w.bo_khcn)
    k = kpi(task, ind, targets=((dt.date(2026, 12, 31), "80"),))
    other = kpi(w.tasks["hni_so"], indicator(w.bo_khcn, "NQ57-DVC-02"), targets=())
    for code, amount in (("2025-Q1", 40), ("2025-Q2", 45), ("2025-Q3", 50), ("2025-Q4", 55)):
        value(w, k, code, amount)
    refresh_forecasts()
    assert KpiForecast.objects.count() == TaskIndicator.objects.count() == 2
    f = KpiForecast.objects.get(kpi=k)
    assert (f.method, f.points, f.target_date, f.target_value) == (
        Method.LINEAR,
        4,
        dt.date(2026, 12, 31),
        Decimal(80),
    )
    # +5 a quarter from 55 on 14/12/2025: about 75 at the end of 2026, short of 80
    assert Decimal(73) < f.projected_value < Decimal(77)
    assert f.low_value < f.projected_value < f.high_value
    assert f.p_miss > Decimal("0.8")
    none = KpiForecast.objects.get(kpi=other)
    assert none.method == Method.INSUFFICIENT and none.target_value is None and none.projected_value is None


def test_the_command_prints_counts_and_refuses_a_bad_date(fworld, capsys):
    call_command("forecast")
    out = capsys.readouterr().out
    assert f"{Task.objects.count()} tasks" in out and "KPIs" in out and " s " in out
    with pytest.raises(CommandError, match="is not a date"):
        call_command("forecast", as_of="17/03/2026")
    call_command("forecast", as_of="2026-03-01", json=True)
    assert '"as_of": "2026-03-01"' in capsys.readouterr().out
