"""expected_value: linear interpolation along the trajectory, flat before and after it."""

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from resmon.planning.trajectory import expected_value

D = dt.date
values = st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
days = st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31))
trajectories = st.dictionaries(days, values, min_size=1, max_size=8).map(lambda d: sorted(d.items()))


def test_examples():
    points = [(D(2025, 1, 1), Decimal(40)), (D(2025, 1, 11), Decimal(50)), (D(2025, 1, 21), Decimal(30))]
    assert expected_value(points, D(2024, 6, 1)) == 40  # before the baseline: the baseline
    assert expected_value(points, D(2025, 1, 6)) == 45
    assert expected_value(points, D(2025, 1, 16)) == 40  # going down
    assert expected_value(points, D(2030, 1, 1)) == 30  # after the last: the last
    assert expected_value([], D(2025, 1, 1)) is None


def test_a_target_on_the_baseline_date_replaces_it():
    points = [(D(2025, 1, 1), Decimal(1)), (D(2025, 1, 1), Decimal(5)), (D(2025, 1, 3), Decimal(7))]
    assert expected_value(points, D(2025, 1, 1)) == 5
    assert expected_value(points, D(2025, 1, 2)) == 6


@given(trajectories)
def test_passes_through_every_point(points):
    for day, value in points:
        assert expected_value(points, day) == value


@given(trajectories, days)
def test_stays_between_the_neighbouring_points(points, day):
    value = expected_value(points, day)
    before = [v for d, v in points if d <= day]
    after = [v for d, v in points if d >= day]
    low_side = before[-1] if before else points[0][1]
    high_side = after[0] if after else points[-1][1]
    assert min(low_side, high_side) - Decimal("1e-12") <= value <= max(low_side, high_side) + Decimal("1e-12")


@given(trajectories, days, days)
def test_monotone_between_two_points(points, a, b):
    if len(points) < 2:
        return
    (d0, v0), (d1, v1) = points[0], points[1]
    a, b = sorted((min(max(a, d0), d1), min(max(b, d0), d1)))
    ea, eb = expected_value(points, a), expected_value(points, b)
    if v1 >= v0:
        assert ea <= eb + Decimal("1e-12")
    else:
        assert ea >= eb - Decimal("1e-12")


@given(trajectories, days)
def test_order_of_the_points_does_not_matter(points, day):
    assert expected_value(list(reversed(points)), day) == expected_value(points, day)
