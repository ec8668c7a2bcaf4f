"""The KPI table of a report: one row per indicator of the report's tasks, with the target for the
period, last period's value beside this period's, and why a flagged value looks unusual."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from resmon.reporting.models import ReportLine
from resmon.reporting.selectors_kpis import last_values, report_kpis
from resmon.reporting.services.observations import save_observation
from tests import factories
from tests.reporting.helpers import quarter
from tests.reporting.kpi_helpers import attach, build, history

pytestmark = pytest.mark.django_db


@pytest.fixture
def k(rworld):
    return build(rworld)


def rows_by_code(report):
    return {row.indicator.code: row for row in report_kpis(report)}


def test_one_row_per_kpi_with_unit_range_and_the_target_for_the_period(rworld, k):
    rows = report_kpis(k.report)
    assert [r.indicator.code for r in rows] == ["T-FDI", "T-HS-ALL", "T-HS-SO", "T-PCT", "T-RS", "T-SD"]
    pct = rows_by_code(k.report)["T-PCT"]
    assert pct.version.unit == "%" and pct.version.max_value == 100
    # the trajectory: 60 on 31/12/2025, 80 on 31/12/2026; the quarter ends on 14/03/2026 (73 days in)
    assert pct.target_on == k.report.period.end
    assert pct.target == D(64)
    assert pct.tasks == [rworld.tasks["hni_xa"]]
    assert pct.observation is None and pct.last_value is None
    # a KPI with only a baseline expects the baseline
    assert rows_by_code(k.report)["T-RS"].target == D(40)


def test_last_periods_value_and_this_periods_value_side_by_side(rworld, k):
    history(rworld, k.pct, {"2025-Q3": D(48), "2025-Q4": D("51.5")})
    history(rworld, k.count, {"2025-Q3": D(7)})  # nothing in 2025-Q4: no "last value"
    save_observation(rworld.users["xa_ubnd_officer"], k.report, indicator=k.pct, value="55")
    rows = rows_by_code(k.report)
    assert rows["T-PCT"].last_value == D("51.5") and rows["T-PCT"].last_period == quarter("2025-Q4")
    assert rows["T-PCT"].observation.value == D(55)
    assert rows["T-PCT"].outlier_reason is None and not rows["T-PCT"].reported_elsewhere
    assert rows["T-RS"].last_value is None
    assert last_values(k.report) == {k.pct.pk: D("51.5")}


def test_a_flagged_value_shows_why(rworld, k):
    history(rworld, k.pct, {"2025-Q2": D(50), "2025-Q3": D(52), "2025-Q4": D(51)})
    save_observation(rworld.users["xa_ubnd_officer"], k.report, indicator=k.pct, value="97")
    row = rows_by_code(k.report)["T-PCT"]
    assert row.observation.is_outlier
    assert "97" in row.outlier_reason and "median 51" in row.outlier_reason


def test_an_indicator_on_two_tasks_is_one_row_and_the_query_count_does_not_grow(
    rworld, k, django_assert_max_num_queries
):
    program = rworld.tasks["hni_xa"].program
    second = factories.task(program, rworld.hni_xa_ubnd, parent=rworld.tasks["hni"], code="1.3")
    ReportLine.objects.create(report=k.report, task=second, position=2)
    attach(second, k.pct)
    attach(second, k.other)
    with django_assert_max_num_queries(8):
        rows = rows_by_code(k.report)
    assert len(rows) == 7
    assert rows["T-PCT"].tasks == [rworld.tasks["hni_xa"], second]
    assert rows["T-PCT"].target == D(64)  # from the first line's KPI
    assert rows["T-OTHER"].tasks == [second]


def test_a_report_without_kpis_has_no_rows(rworld, k):
    k.report.lines.all().delete()
    assert report_kpis(k.report) == []
    assert last_values(k.report) == {}
