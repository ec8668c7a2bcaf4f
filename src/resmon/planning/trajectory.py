"""A KPI's trajectory: the value expected on any day, read off the planned points.

The points are the baseline (if any) and the target values by date. Between two points the
expected value is the straight line joining them; before the first point it is the first value
(the baseline), after the last it is the last target. Pure Decimal arithmetic, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

Point = tuple[dt.date, Decimal]


def expected_value(kpi_points: Iterable[Point], on_date: dt.date) -> Decimal | None:
    """The value the trajectory expects on ``on_date``; None when there are no points.

    Points may come in any order; when two share a date the later one in the input wins (a
    target set on the baseline date replaces the baseline)."""
    by_date: dict[dt.date, Decimal] = {}
    for day, value in kpi_points:
        by_date[day] = Decimal(value)
    if not by_date:
        return None
    points = sorted(by_date.items())
    first_day, first_value = points[0]
    if on_date <= first_day:
        return first_value
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if on_date <= d1:
            span = (d1 - d0).days
            return v0 + (v1 - v0) * Decimal((on_date - d0).days) / Decimal(span)
    return points[-1][1]


VALUE_STEP = Decimal("0.0001")  # as precise as a stored value, no more


def planned_value(kpi_points: Iterable[Point], on_date: dt.date) -> Decimal | None:
    """:func:`expected_value` rounded as a stored value is (4 decimals): what a KPI's reported
    value is compared with."""
    value = expected_value(kpi_points, on_date)
    return None if value is None else value.quantize(VALUE_STEP, rounding=ROUND_HALF_UP)


def points_of(kpi) -> list[Point]:
    """The trajectory of a task KPI: its baseline (when dated) followed by its targets."""
    points: list[Point] = []
    if kpi.baseline_date is not None and kpi.baseline_value is not None:
        points.append((kpi.baseline_date, kpi.baseline_value))
    points.extend((t.on, t.value) for t in kpi.targets.all())
    return points
