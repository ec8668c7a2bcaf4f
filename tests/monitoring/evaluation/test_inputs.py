"""The inputs gathered from the database for many agencies at once: exact numbers (the world is
described in helpers.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resmon.agencies.models import Agency
from resmon.monitoring.evaluation.inputs import Window, gather
from resmon.planning.bands import BandRule
from tests.factories import agency
from tests.monitoring.evaluation.helpers import q3

pytestmark = pytest.mark.django_db


def window() -> Window:
    period = q3()
    assert (period.start, period.end) == (dt.date(2026, 6, 15), dt.date(2026, 9, 14))
    return Window.of(period.start, period.end)


def test_hanoi_subtree(eworld):
    w = window()
    assert (w.as_of, w.today) == (dt.date(2026, 9, 14), dt.date(2026, 10, 20))
    got = gather([eworld.hni, eworld.hcm], w, BandRule())
    hni = got[eworld.hni.pk]
    assert (hni.tasks_due, hni.tasks_on_time) == (4, 2)
    assert hni.progress_tasks == 3 and hni.progress_sum == D("1.6")
    assert (hni.kpis_assessed, hni.kpis_on_track) == (2, 1)
    assert (hni.reports_expected, hni.reports_received, hni.reports_on_time) == (3, 2, 1)
    assert (hni.directives_received, hni.directives_answered_on_time) == (3, 2)
    hcm = got[eworld.hcm.pk]
    assert (hcm.tasks_due, hcm.tasks_on_time) == (1, 1)
    assert (hcm.progress_tasks, hcm.progress_sum) == (2, 0)
    assert (hcm.kpis_assessed, hcm.reports_expected, hcm.directives_received) == (0, 0, 0)


def test_a_nested_agency_counts_its_own_subtree_only(eworld):
    """The commune's People's Committee, evaluated with its province, counts only its tasks."""
    got = gather([eworld.hni, eworld.hni_xa], window(), BandRule())
    xa = got[eworld.hni_xa.pk]
    assert (xa.tasks_due, xa.tasks_on_time) == (1, 0)  # t2, done late
    assert xa.progress_tasks == 1 and xa.progress_sum == D("0.5")  # hni_xa
    assert (xa.kpis_assessed, xa.kpis_on_track) == (1, 0)  # K2 behind
    assert (xa.reports_expected, xa.reports_received, xa.reports_on_time) == (1, 1, 0)
    assert xa.directives_received == 0  # its directive is not due yet
    assert got[eworld.hni.pk].tasks_due == 4  # the province still counts the commune's tasks


def test_the_kpi_band_rule_in_force_is_used(eworld):
    lenient = BandRule(on_track_from=D(90), at_risk_below=D(50))
    hni = gather([eworld.hni], window(), lenient)[eworld.hni.pk]
    assert (hni.kpis_assessed, hni.kpis_on_track) == (2, 2)  # 90 % now counts as on track


def test_computed_during_the_quarter_judges_tasks_on_that_day(eworld, settings):
    period = q3()
    early = Window.of(period.start, period.end, today=dt.date(2026, 8, 12))
    hni = gather([eworld.hni], early, BandRule())[eworld.hni.pk]
    assert (hni.tasks_due, hni.tasks_on_time) == (2, 1)  # hni (on time), t3 (overdue); t1 not due yet
    assert hni.reports_expected == 0  # the quarter's reports are not due yet


def test_set_based_a_fixed_number_of_queries_whatever_the_number_of_agencies(eworld):
    w = window()
    few = [eworld.hni, eworld.hcm]
    with CaptureQueriesContext(connection) as small:
        gather(few, w, BandRule())
    for i in range(30):
        agency(eworld.hcm, f"Đảng ủy xã thử {i}", "commune_party", "commune")
    many = [
        eworld.hni,
        eworld.hcm,
        *Agency.objects.filter(path__startswith=eworld.hcm.path, depth=eworld.hcm.depth + 1),
    ]
    with CaptureQueriesContext(connection) as large:
        gather(many, w, BandRule())
    assert len(large.captured_queries) == len(small.captured_queries)
