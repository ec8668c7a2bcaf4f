"""The pure calendar: codes, Vietnamese labels, the two data cut-offs, due dates and on-time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resmon.catalogue import periods as cal
from resmon.catalogue.periods import CALENDAR, DECREE09, HALF_YEAR, MONTH, QUARTER, YEAR, Period

D = dt.date
HCM = ZoneInfo("Asia/Ho_Chi_Minh")

days = st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31))
kinds = st.sampled_from(cal.KINDS)
cutoffs = st.sampled_from(cal.CUTOFFS)


# --- examples of Decree 09/2019/NĐ-CP (art. 12: from the 15th of the previous month to the 14th)


@pytest.mark.parametrize(
    "kind, index, start, end",
    [
        (MONTH, 11, D(2026, 10, 15), D(2026, 11, 14)),
        (MONTH, 1, D(2025, 12, 15), D(2026, 1, 14)),
        (QUARTER, 1, D(2025, 12, 15), D(2026, 3, 14)),
        (QUARTER, 4, D(2026, 9, 15), D(2026, 12, 14)),
        (HALF_YEAR, 1, D(2025, 12, 15), D(2026, 6, 14)),
        (HALF_YEAR, 2, D(2026, 6, 15), D(2026, 12, 14)),
        (YEAR, 1, D(2025, 12, 15), D(2026, 12, 14)),
    ],
)
def test_decree09_examples(kind, index, start, end):
    p = Period(2026, kind, index, DECREE09)
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize(
    "kind, index, start, end",
    [
        (MONTH, 2, D(2028, 2, 1), D(2028, 2, 29)),  # leap year
        (MONTH, 12, D(2028, 12, 1), D(2028, 12, 31)),
        (QUARTER, 4, D(2028, 10, 1), D(2028, 12, 31)),
        (HALF_YEAR, 1, D(2028, 1, 1), D(2028, 6, 30)),
        (YEAR, 1, D(2028, 1, 1), D(2028, 12, 31)),
    ],
)
def test_calendar_examples(kind, index, start, end):
    p = Period(2028, kind, index, CALENDAR)
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize(
    "kind, index, code, label",
    [
        (MONTH, 11, "2026-M11", "Tháng 11/2026"),
        (QUARTER, 4, "2026-Q4", "Quý IV/2026"),
        (QUARTER, 1, "2026-Q1", "Quý I/2026"),
        (HALF_YEAR, 1, "2026-H1", "6 tháng đầu năm 2026"),
        (HALF_YEAR, 2, "2026-H2", "6 tháng cuối năm 2026"),
        (YEAR, 1, "2026", "Năm 2026"),
    ],
)
def test_codes_and_labels(kind, index, code, label):
    p = Period(2026, kind, index, DECREE09)
    assert (p.code, p.label) == (code, label)
    assert cal.parse_code(code, DECREE09) == p


def test_the_15th_belongs_to_the_next_month_under_decree09():
    assert cal.period_containing(MONTH, D(2026, 11, 14), DECREE09).code == "2026-M11"
    assert cal.period_containing(MONTH, D(2026, 11, 15), DECREE09).code == "2026-M12"
    assert cal.period_containing(MONTH, D(2026, 12, 15), DECREE09).code == "2027-M1"
    assert cal.period_containing(YEAR, D(2026, 12, 20), DECREE09).code == "2027"
    assert cal.period_containing(YEAR, D(2026, 12, 20), CALENDAR).code == "2026"
    assert cal.period_containing(QUARTER, D(2026, 3, 15), DECREE09).code == "2026-Q2"


def test_periods_between_lists_every_overlapping_period():
    quarters = cal.periods_between(QUARTER, D(2026, 1, 1), D(2026, 12, 31), DECREE09)
    assert [p.code for p in quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1"]
    assert cal.periods_between(MONTH, D(2026, 5, 1), D(2026, 4, 1), CALENDAR) == []


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        Period(2026, "week", 1, CALENDAR)
    with pytest.raises(ValueError):
        Period(2026, QUARTER, 5, CALENDAR)
    with pytest.raises(ValueError):
        cal.period_containing(MONTH, D(2026, 1, 1), "lunar")
    with pytest.raises(ValueError):
        cal.parse_code("2026-W3", CALENDAR)
    with pytest.raises(ValueError):
        cal.due_date(Period(2026, MONTH, 1, CALENDAR), -1)


# --- due dates and on-time, judged in Asia/Ho_Chi_Minh


def test_due_date_with_grace_days():
    q4 = Period(2026, QUARTER, 4, DECREE09)
    assert cal.due_date(q4, 5, 3) == (D(2026, 12, 19), D(2026, 12, 22))
    assert cal.due_date(q4, 0) == (D(2026, 12, 14), D(2026, 12, 14))


def test_on_time_is_judged_on_the_vietnamese_calendar():
    due = D(2026, 12, 19)
    # 23:30 on the due day in Hà Nội is 16:30 UTC: on time
    assert cal.is_on_time(dt.datetime(2026, 12, 19, 23, 30, tzinfo=HCM), due)
    assert cal.is_on_time(dt.datetime(2026, 12, 19, 16, 30, tzinfo=dt.UTC), due)
    # 18:00 UTC on the due day is already 01:00 the next day in Hà Nội: late
    assert not cal.is_on_time(dt.datetime(2026, 12, 19, 18, 0, tzinfo=dt.UTC), due)
    # 20:00 UTC the day before is 03:00 on the due day in Hà Nội
    assert cal.is_on_time(dt.datetime(2026, 12, 18, 20, 0, tzinfo=dt.UTC), due)
    with pytest.raises(ValueError):
        cal.is_on_time(dt.datetime(2026, 12, 19, 8, 0), due)


# --- properties: the periods of one kind tile time


@given(kinds, cutoffs, days)
def test_every_day_is_in_the_period_found_for_it(kind, cutoff, day):
    p = cal.period_containing(kind, day, cutoff)
    assert p.start <= day <= p.end
    assert cal.parse_code(p.code, cutoff) == p


@given(kinds, cutoffs, days)
def test_consecutive_periods_leave_no_gap_and_no_overlap(kind, cutoff, day):
    p = cal.period_containing(kind, day, cutoff)
    assert p.next().start == p.end + dt.timedelta(days=1)
    assert p.previous().end == p.start - dt.timedelta(days=1)
    assert p.next().previous() == p


@given(kinds, cutoffs, days)
def test_a_day_is_in_exactly_one_period_of_each_kind(kind, cutoff, day):
    around = cal.periods_between(kind, day - dt.timedelta(days=400), day + dt.timedelta(days=400), cutoff)
    assert sum(p.contains(day) for p in around) == 1


@given(cutoffs, st.integers(min_value=1990, max_value=2100))
def test_a_year_is_made_of_its_halves_quarters_and_months(cutoff, year):
    whole = Period(year, YEAR, 1, cutoff)
    for kind, count in ((HALF_YEAR, 2), (QUARTER, 4), (MONTH, 12)):
        parts = cal.periods_of_year(kind, year, cutoff)
        assert len(parts) == count
        assert parts[0].start == whole.start and parts[-1].end == whole.end
        for a, b in zip(parts, parts[1:], strict=False):
            assert b.start == a.end + dt.timedelta(days=1)
    for q in cal.periods_of_year(QUARTER, year, cutoff):
        months = [m for m in cal.periods_of_year(MONTH, year, cutoff) if q.start <= m.start <= q.end]
        assert len(months) == 3 and months[0].start == q.start and months[-1].end == q.end


@given(kinds, cutoffs, days, days)
def test_periods_between_covers_the_range_in_order(kind, cutoff, a, b):
    start, end = min(a, b), max(a, b)
    if (end - start).days > 800:
        end = start + dt.timedelta(days=800)
    found = cal.periods_between(kind, start, end, cutoff)
    assert found[0].contains(start) and found[-1].contains(end)
    for x, y in zip(found, found[1:], strict=False):
        assert y == x.next()
