"""The demo catalogue: realistic entries for the seven resolutions, a consistent ratio, and KPIs
with trajectories on the demo tasks."""

from __future__ import annotations

import pytest

from resmon.agencies.models import AgencyKind
from resmon.catalogue.models import Aggregation, Direction, Indicator
from resmon.demo.builder.indicators import CATALOGUE, OWNER_CODES, TARGET_DATES, seed_indicators
from resmon.planning.models import TargetPoint, TaskIndicator
from tests.factories import agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(world):
    for code in OWNER_CODES:
        if code != "BKHCN":
            agency(world.dang_uy_cp, f"Bộ {code}", AgencyKind.MINISTRY, code=code)
    counts = seed_indicators(2025)
    return world, counts


def test_catalogue_counts_and_coverage(seeded):
    _world, counts = seeded
    assert counts["indicators"] == len(CATALOGUE) >= 25
    assert Indicator.objects.filter(is_demo=True, current__version=1).count() == len(CATALOGUE)
    hints = set(Indicator.objects.values_list("current__resolution_hint", flat=True))
    assert hints == {f"{n}-NQ/TW" for n in (57, 59, 66, 68, 70, 71, 72)}
    lower = set(Indicator.objects.filter(current__direction=Direction.LOWER).values_list("code", flat=True))
    assert {"NQ70-CDNL-01", "NQ72-CTT-01"} <= lower


def test_ratio_indicators_are_consistent(seeded):
    ratios = Indicator.objects.filter(current__aggregation=Aggregation.RATIO).select_related("current")
    assert ratios.exists()
    for ind in ratios:
        v = ind.current
        assert v.numerator and v.denominator and v.numerator != v.denominator
        assert ind not in (v.numerator, v.denominator)
        for part in (v.numerator, v.denominator):
            assert part.current.aggregation == Aggregation.SUM  # the parts add up before dividing
    for ind in Indicator.objects.exclude(current__aggregation=Aggregation.RATIO):
        assert ind.current.numerator_id is None and ind.current.denominator_id is None


def test_kpis_on_the_top_task_of_each_programme(seeded):
    world, counts = seeded
    kpis = TaskIndicator.objects.select_related("task", "indicator", "indicator_version")
    # the test world has three programmes for 57-NQ/TW; their first top-level tasks get the KPI
    assert counts["task_kpis"] == kpis.count() == 3
    assert {k.task for k in kpis} == {world.tasks["ministry"], world.tasks["hni"], world.tasks["hcm"]}
    for kpi in kpis:
        assert kpi.indicator.code == "NQ57-DVC-01"
        assert kpi.indicator_version == kpi.indicator.current
        values = list(kpi.targets.values_list("value", flat=True))
        assert [p.on for p in kpi.targets.all()] == list(TARGET_DATES)
        assert kpi.baseline_value < values[0] <= values[1] <= values[2] <= values[3] == 100
        assert kpi.criterion
    assert TargetPoint.objects.count() == 3 * len(TARGET_DATES)
