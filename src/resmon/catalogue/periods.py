"""The national period calendar as pure functions (no database).

A period of a kind (month, quarter, half-year, year) names a run of calendar months: month 11 of
2026 is one month, Q4/2026 the months 10–12, H2/2026 the months 7–12, the year 2026 the months
1–12. Which days it covers depends on the data cut-off:

* ``calendar``: from the 1st of the first month to the last day of the last month;
* ``decree09``: the rule of state reports (Decree 09/2019/NĐ-CP, art. 12): from the 15th of the
  month before the first month to the 14th of the last month. The month report of November 2026
  covers 15/10/2026–14/11/2026, Q4/2026 covers 15/09/2026–14/12/2026, the year 2026 covers
  15/12/2025–14/12/2026.

Either way the periods of one kind tile time: no gaps, no overlaps, every day in exactly one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from resmon.core import clock

MONTH = "month"
QUARTER = "quarter"
HALF_YEAR = "half_year"
YEAR = "year"
KINDS: tuple[str, ...] = (MONTH, QUARTER, HALF_YEAR, YEAR)
MONTHS_IN: dict[str, int] = {MONTH: 1, QUARTER: 3, HALF_YEAR: 6, YEAR: 12}
COUNT_IN_YEAR: dict[str, int] = {kind: 12 // n for kind, n in MONTHS_IN.items()}

CALENDAR = "calendar"
DECREE09 = "decree09"
CUTOFFS: tuple[str, ...] = (CALENDAR, DECREE09)
DECREE09_DAY = 15  # a period starts on the 15th of the month before its first month

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
CODE_RE = re.compile(r"^(?P<year>\d{4})(?:-(?P<letter>[MQH])(?P<index>\d{1,2}))?$")
LETTER = {MONTH: "M", QUARTER: "Q", HALF_YEAR: "H"}
KIND_OF_LETTER = {v: k for k, v in LETTER.items()}


def _check(kind: str, cutoff: str) -> None:
    if kind not in MONTHS_IN:
        raise ValueError(f"unknown period kind {kind!r}; one of {', '.join(KINDS)}")
    if cutoff not in CUTOFFS:
        raise ValueError(f"unknown cut-off {cutoff!r}; one of {', '.join(CUTOFFS)}")


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    total = year * 12 + (month - 1) + n
    return total // 12, total % 12 + 1


def _last_day(year: int, month: int) -> dt.date:
    y, m = _add_months(year, month, 1)
    return dt.date(y, m, 1) - dt.timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    """One period: ``index`` counts from 1 within the year (month 1–12, quarter 1–4, half 1–2, year 1)."""

    year: int
    kind: str
    index: int
    cutoff: str

    def __post_init__(self) -> None:
        _check(self.kind, self.cutoff)
        if not 1 <= self.index <= COUNT_IN_YEAR[self.kind]:
            raise ValueError(f"a {self.kind} index runs 1..{COUNT_IN_YEAR[self.kind]}, not {self.index}")
        if not 1 <= self.year <= 9998:
            raise ValueError(f"year {self.year} is out of range")

    @property
    def first_month(self) -> int:
        return (self.index - 1) * MONTHS_IN[self.kind] + 1

    @property
    def last_month(self) -> int:
        return self.index * MONTHS_IN[self.kind]

    @property
    def start(self) -> dt.date:
        if self.cutoff == CALENDAR:
            return dt.date(self.year, self.first_month, 1)
        y, m = _add_months(self.year, self.first_month, -1)
        return dt.date(y, m, DECREE09_DAY)

    @property
    def end(self) -> dt.date:
        if self.cutoff == CALENDAR:
            return _last_day(self.year, self.last_month)
        return dt.date(self.year, self.last_month, DECREE09_DAY - 1)

    @property
    def code(self) -> str:
        if self.kind == YEAR:
            return f"{self.year}"
        return f"{self.year}-{LETTER[self.kind]}{self.index}"

    @property
    def label(self) -> str:
        """The Vietnamese name used in reports (data, like an agency's name)."""
        if self.kind == MONTH:
            return f"Tháng {self.index}/{self.year}"
        if self.kind == QUARTER:
            return f"Quý {ROMAN[self.index]}/{self.year}"
        if self.kind == HALF_YEAR:
            return f"6 tháng {'đầu' if self.index == 1 else 'cuối'} năm {self.year}"
        return f"Năm {self.year}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Period:
        if self.index < COUNT_IN_YEAR[self.kind]:
            return Period(self.year, self.kind, self.index + 1, self.cutoff)
        return Period(self.year + 1, self.kind, 1, self.cutoff)

    def previous(self) -> Period:
        if self.index > 1:
            return Period(self.year, self.kind, self.index - 1, self.cutoff)
        return Period(self.year - 1, self.kind, COUNT_IN_YEAR[self.kind], self.cutoff)


def period_containing(kind: str, day: dt.date, cutoff: str) -> Period:
    """The one period of ``kind`` that covers ``day``."""
    _check(kind, cutoff)
    year, month = day.year, day.month
    if cutoff == DECREE09 and day.day >= DECREE09_DAY:
        year, month = _add_months(year, month, 1)  # from the 15th on, a day counts towards next month
    return Period(year, kind, (month - 1) // MONTHS_IN[kind] + 1, cutoff)


def periods_between(kind: str, start: dt.date, end: dt.date, cutoff: str) -> list[Period]:
    """Every period of ``kind`` that overlaps the days ``start``..``end`` (inclusive), in order."""
    _check(kind, cutoff)
    if end < start:
        return []
    out = []
    period = period_containing(kind, start, cutoff)
    while period.start <= end:
        out.append(period)
        period = period.next()
    return out


def periods_of_year(kind: str, year: int, cutoff: str) -> list[Period]:
    """The periods of ``kind`` named after ``year`` (e.g. the twelve months of 2026)."""
    _check(kind, cutoff)
    return [Period(year, kind, i, cutoff) for i in range(1, COUNT_IN_YEAR[kind] + 1)]


def parse_code(code: str, cutoff: str) -> Period:
    """The period a code names: "2026-M11", "2026-Q4", "2026-H2", "2026"."""
    match = CODE_RE.match((code or "").strip().upper())
    if not match:
        raise ValueError(f"not a period code: {code!r}")
    year = int(match["year"])
    if match["letter"] is None:
        return Period(year, YEAR, 1, cutoff)
    return Period(year, KIND_OF_LETTER[match["letter"]], int(match["index"]), cutoff)


def due_date(period: Period, due_days_after_end: int, grace_days: int = 0) -> tuple[dt.date, dt.date]:
    """(the due date, the last day a report still counts with the grace days)."""
    if due_days_after_end < 0 or grace_days < 0:
        raise ValueError("due days and grace days cannot be negative")
    due = period.end + dt.timedelta(days=due_days_after_end)
    return due, due + dt.timedelta(days=grace_days)


def is_on_time(submitted_at: dt.datetime, due: dt.date, tz: dt.tzinfo | None = None) -> bool:
    """Submitted on or before ``due``, judged on the calendar of the deployment's time zone
    (Asia/Ho_Chi_Minh): 23:59 on the due day in Hà Nội is on time, whatever the server's zone."""
    if submitted_at.tzinfo is None or submitted_at.utcoffset() is None:
        raise ValueError("submitted_at must be an aware datetime")
    return submitted_at.astimezone(tz or clock.tz()).date() <= due
