"""The forecasting engine (pure numpy): exact answers on histories worked out by hand, no number
made up from too little data, and the vectorised pass equal to a plain per-task loop."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resmon.monitoring.forecasts import engine

D = dt.date.toordinal
NAN = math.nan
# one task alone: no population to pool or shrink towards, no finished tasks to calibrate on; the
# unweighted line through the last four points (the discounted one is checked in test_refresh.py)
ALONE = dataclasses.replace(
    engine.DEFAULT_TASK_PARAMS, method="linear", shrink=False, calibrate=False, min_pool=10**9
)


def one(today, due, reports, *, start=NAN, completed=NAN, params=ALONE):
    days = [D(d) for d, _p in reports]
    pcts = [p for _d, p in reports]
    return engine.forecast_tasks(
        D(today), [D(due) if due else NAN], [0] * len(reports), days, pcts,
        start=[D(start) if isinstance(start, dt.date) else start],
        completed=[D(completed) if isinstance(completed, dt.date) else NAN], params=params,
    )  # fmt: skip


def date(value: float) -> dt.date:
    return dt.date.fromordinal(int(round(value)))


def test_a_straight_line_gives_its_own_date():
    # 20% on 1 January, 40% on 1 April (90 days): 2/9 point a day; 60 points left from 1 April
    fc = one(
        dt.date(2026, 4, 1), dt.date(2026, 12, 31), [(dt.date(2026, 1, 1), 20), (dt.date(2026, 4, 1), 40)]
    )
    assert fc.method_name(0) == "linear"
    assert fc.points[0] == 2
    assert fc.rate[0] == pytest.approx(20 / 90)
    assert date(fc.projected[0]) == dt.date(2026, 4, 1) + dt.timedelta(days=270)  # 27/12/2026
    assert fc.low[0] < fc.projected[0] < fc.high[0]
    assert 0.0 < fc.p_miss[0] < 0.5  # the line ends 4 days before the deadline


def test_the_interval_and_the_risk_follow_the_distribution():
    reports = [(dt.date(2026, 1, 1), 20), (dt.date(2026, 4, 1), 40)]
    fc = one(dt.date(2026, 4, 1), dt.date(2026, 12, 31), reports)
    sigma = fc.sigma[0]
    # log(rate) ~ N(log r, sigma): the 10% and 90% completion days at exp(+-z sigma) of the rate
    assert date(fc.low[0]) == dt.date.fromordinal(
        round(D(dt.date(2026, 4, 1)) + 270 / math.exp(engine.Z80 * sigma))
    )
    assert date(fc.high[0]) == dt.date.fromordinal(
        round(D(dt.date(2026, 4, 1)) + 270 * math.exp(engine.Z80 * sigma))
    )
    r_due = 60 / (D(dt.date(2026, 12, 31)) - D(dt.date(2026, 4, 1)))
    expected = 0.5 * math.erfc(-((math.log(r_due) - math.log(20 / 90)) / sigma) / math.sqrt(2))
    assert fc.p_miss[0] == pytest.approx(expected)
    later = one(dt.date(2026, 4, 1), dt.date(2027, 6, 30), reports)
    earlier = one(dt.date(2026, 4, 1), dt.date(2026, 10, 31), reports)
    assert earlier.p_miss[0] > fc.p_miss[0] > later.p_miss[0]


def test_the_start_counts_as_zero_when_one_report_is_all_there_is():
    fc = one(
        dt.date(2026, 4, 1), dt.date(2026, 12, 31), [(dt.date(2026, 4, 1), 30)], start=dt.date(2026, 1, 1)
    )
    assert fc.method_name(0) == "linear" and fc.points[0] == 1  # the start is not a report
    assert fc.rate[0] == pytest.approx(30 / 90)
    assert date(fc.projected[0]) == dt.date(2026, 4, 1) + dt.timedelta(days=210)


def test_constant_zero_makes_up_no_date_and_no_probability():
    fc = one(
        dt.date(2026, 7, 1), dt.date(2026, 12, 31), [(dt.date(2026, 3, 31), 0), (dt.date(2026, 6, 30), 0)],
        start=dt.date(2026, 1, 1),
    )  # fmt: skip
    assert fc.method_name(0) == "linear" and fc.rate[0] == 0
    assert math.isnan(fc.projected[0]) and math.isnan(fc.low[0]) and math.isnan(fc.high[0])
    assert math.isnan(fc.p_miss[0])  # not made up: the stalled and behind-plan warnings apply
    assert date(fc.last_change[0]) == dt.date(2026, 3, 31)  # the first report; the second changed nothing


def test_too_little_data_is_said_so():
    nothing = one(dt.date(2026, 7, 1), dt.date(2026, 12, 31), [], start=dt.date(2026, 1, 1))
    single = one(dt.date(2026, 7, 1), dt.date(2026, 12, 31), [(dt.date(2026, 6, 30), 40)])  # start unknown
    for fc in (nothing, single):
        assert fc.method_name(0) == "insufficient"
        assert math.isnan(fc.projected[0]) and math.isnan(fc.p_miss[0])


def test_no_peeking_at_reports_after_today():
    reports = [(dt.date(2026, 1, 1), 20), (dt.date(2026, 4, 1), 40), (dt.date(2026, 7, 1), 41)]
    fc = one(dt.date(2026, 4, 1), dt.date(2026, 12, 31), reports)
    assert fc.points[0] == 2 and fc.rate[0] == pytest.approx(20 / 90)


def test_done_and_late_done():
    fc = engine.forecast_tasks(
        D(dt.date(2026, 7, 1)), [D(dt.date(2026, 6, 30)), D(dt.date(2026, 6, 30)), D(dt.date(2026, 12, 31))],
        [2], [D(dt.date(2026, 5, 1))], [100.0],
        completed=[D(dt.date(2026, 6, 1)), D(dt.date(2026, 7, 1)), D(dt.date(2026, 8, 1))], params=ALONE,
    )  # fmt: skip
    assert [fc.method_name(i) for i in range(3)] == ["done", "done", "done"]
    assert list(fc.p_miss) == [0.0, 1.0, 0.0]  # the third reported 100% before its deadline
    assert date(fc.projected[1]) == dt.date(2026, 7, 1)
    assert date(fc.projected[2]) == dt.date(2026, 5, 1)  # the day it reported 100%


def test_not_done_today_pushes_the_date_and_the_risk():
    """Knowing the task is still unfinished, the projection never lies in the past."""
    reports = [(dt.date(2026, 1, 1), 20), (dt.date(2026, 4, 1), 40)]
    fresh = one(dt.date(2026, 4, 1), dt.date(2026, 12, 31), reports)
    stale = one(dt.date(2027, 2, 1), dt.date(2027, 3, 31), reports)
    assert stale.projected[0] >= D(dt.date(2027, 2, 1)) and stale.low[0] >= D(dt.date(2027, 2, 1))
    overdue = one(dt.date(2027, 2, 1), dt.date(2026, 12, 31), reports)
    assert overdue.p_miss[0] == 1.0
    assert fresh.p_miss[0] < 0.5


def test_inputs_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        engine.forecast_tasks(0, [1.0], [0, 0], [1.0], [10.0])


def test_parents_from_their_leaves():
    today = D(dt.date(2026, 4, 1))
    due = [D(dt.date(2026, 12, 31)), D(dt.date(2026, 12, 31)), D(dt.date(2026, 9, 30)), NAN]
    parent = [-1, 0, 0, -1]
    fc = engine.forecast_tasks(
        today, due, [1, 1, 2, 2], [D(dt.date(2026, 1, 1)), today, D(dt.date(2026, 1, 1)), today],
        [20.0, 40.0, 10.0, 30.0], params=ALONE,
    )  # fmt: skip
    rolled = engine.roll_up(fc, parent, due)
    assert rolled.method_name(0) == "rollup"
    assert rolled.projected[0] == max(fc.projected[1], fc.projected[2])
    assert rolled.high[0] == max(fc.high[1], fc.high[2])
    # at least as likely to miss its deadline as its likeliest-late leaf (against the parent's date)
    leaf_p = engine.p_after(fc, np.array([1, 2]), np.array([due[0], due[0]]))
    assert rolled.p_miss[0] == pytest.approx(leaf_p.max())
    one_unknown = engine.forecast_tasks(
        today, due, [1, 1], [D(dt.date(2026, 1, 1)), today], [20.0, 40.0], params=ALONE
    )
    assert engine.roll_up(one_unknown, parent, due).method_name(0) == "insufficient"


# --- the vectorised pass against a plain loop ---------------------------------------------------


def reference(today, due, start, completed, reports, params):
    """One task, the model written out step by step (params without pooling or shrinking)."""
    pts: dict[int, float] = {}
    for day, pct in reports:
        if day <= today:
            pts[day] = max(pts.get(day, -1.0), min(max(pct, 0.0), 100.0))
    is_rep = dict.fromkeys(pts, True)
    if math.isfinite(start) and start <= today and (not pts or start < min(pts)):
        pts[int(start)] = 0.0
        is_rep[int(start)] = False
    days = sorted(pts)
    n_rep = sum(is_rep[d] for d in days)
    rep_days = [d for d in days if is_rep[d]]
    out = {"percent": pts[rep_days[-1]] if rep_days else NAN}
    changes = [d for i, d in enumerate(rep_days) if i == 0 or pts[d] != pts[rep_days[i - 1]]]
    out["last_change"] = float(changes[-1]) if changes else NAN
    if math.isfinite(completed) and completed <= today:
        return {
            **out,
            "method": "done",
            "projected": completed,
            "p_miss": float(completed > due) if math.isfinite(due) else NAN,
        }
    if rep_days and pts[rep_days[-1]] >= 100:
        return {
            **out,
            "method": "done",
            "projected": float(rep_days[-1]),
            "p_miss": float(rep_days[-1] > due) if math.isfinite(due) else NAN,
        }
    window = days[-params.window :]
    if len(window) < 2 or n_rep < 1:
        return {**out, "method": "insufficient", "projected": NAN, "p_miss": NAN}
    xs = [d - today for d in window]
    ys = [pts[d] for d in window]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    if slope <= engine.EPS_RATE:
        return {
            **out,
            "method": "linear",
            "projected": NAN,
            "p_miss": 1.0 if math.isfinite(due) and due < today else NAN,
        }
    fit_reports = min(n_rep, len(window))
    kappa = params.kappa[min(max(fit_reports, 1), len(params.kappa)) - 1]
    rel = params.noise**2 / (sxx * slope**2)
    remaining = 100 - out["percent"]
    years = min(max(remaining / slope / 365.0, 0.05), 5.0)
    sigma = min(math.sqrt(kappa**2 + rel + params.drift**2 * years**params.horizon_power), params.sigma_max)
    t0 = rep_days[-1]

    def log_cdf(x):  # log Phi(x); far in the lower tail by its asymptotic series
        if x > -30:
            return math.log(0.5 * math.erfc(-x / math.sqrt(2)))
        return -x * x / 2 - math.log(-x) - 0.5 * math.log(2 * math.pi) + math.log1p(-1 / x**2 + 3 / x**4)

    def log_after(day):  # log P(completion after ``day``) = log P(rate < remaining / (day - t0))
        return 0.0 if day <= t0 else log_cdf((math.log(remaining / (day - t0)) - math.log(slope)) / sigma)

    not_today = log_after(today)
    p_miss = NAN
    if math.isfinite(due):
        p_miss = 1.0 if due < today else min(math.exp(log_after(due) - not_today), 1.0)
    # the conditional median: the day with P(after day) = P(after today) / 2
    lo, hi = float(today), float(today) + 1e6
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if log_after(mid) > not_today - math.log(2) else (lo, mid)
    return {**out, "method": "linear", "projected": (lo + hi) / 2, "p_miss": p_miss}


task_strategy = st.fixed_dictionaries(
    {
        "start": st.one_of(st.just(NAN), st.integers(0, 400).map(float)),
        "due": st.one_of(st.just(NAN), st.integers(100, 1200).map(float)),
        "completed": st.one_of(st.just(NAN), st.integers(50, 1000).map(float)),
        "reports": st.lists(st.tuples(st.integers(0, 900), st.floats(0, 100)), max_size=7),
    }
)


@given(st.lists(task_strategy, min_size=1, max_size=12), st.integers(100, 900))
def test_vectorised_equals_a_loop(tasks, today):
    params = ALONE
    o_task, o_day, o_pct = [], [], []
    for i, t in enumerate(tasks):
        for day, pct in t["reports"]:
            o_task.append(i)
            o_day.append(float(day))
            o_pct.append(pct)
    fc = engine.forecast_tasks(
        today, [t["due"] for t in tasks], o_task, o_day, o_pct,
        start=[t["start"] for t in tasks], completed=[t["completed"] for t in tasks], params=params,
    )  # fmt: skip
    for i, t in enumerate(tasks):
        ref = reference(today, t["due"], t["start"], t["completed"], t["reports"], params)
        assert fc.method_name(i) == ref["method"], (i, t)
        for key, got in (
            ("projected", fc.projected[i]),
            ("p_miss", fc.p_miss[i]),
            ("percent", fc.percent[i]),
        ):
            want = ref[key]
            if math.isnan(want):
                assert math.isnan(got), (key, i, t, got)
            else:
                assert got == pytest.approx(want, rel=1e-6, abs=1e-3 if key != "projected" else 0.5), (
                    key,
                    i,
                    t,
                )
        if math.isnan(ref["last_change"]):
            assert math.isnan(fc.last_change[i])
        else:
            assert fc.last_change[i] == ref["last_change"]


# --- KPI series ---------------------------------------------------------------------------------


def test_an_empty_series_is_not_enough_data():
    fc = engine.forecast_series([], [], D(dt.date(2027, 1, 1)))
    assert fc.method == "insufficient" and fc.points == 0 and not fc.sufficient
    assert fc.value is None and fc.p_below(10) is None
    with pytest.raises(ValueError, match="same length"):
        engine.forecast_series([1.0], [], 0)


def test_two_values_are_not_enough_three_give_a_line():
    days = [D(dt.date(2026, m, 1)) for m in (1, 2, 3)]
    assert engine.forecast_series([10, 12], days[:2], days[2]).method == "insufficient"
    fc = engine.forecast_series([10, 12, 14.5], days, D(dt.date(2026, 6, 1)))
    assert fc.method == "linear" and fc.points == 3
    assert fc.low < fc.value < fc.high


def test_an_exact_line_is_projected_exactly():
    days = [D(dt.date(2025, 1, 1)) + 30 * i for i in range(8)]
    values = [5 + 2 * i for i in range(8)]
    fc = engine.forecast_series(values, days, days[-1] + 90)
    assert fc.method in engine.SERIES_METHODS and set(fc.scores) == set(engine.SERIES_METHODS)
    assert fc.value == pytest.approx(5 + 2 * 10, abs=0.2)
    assert fc.p_below(30) == pytest.approx(1.0) and fc.p_below(20) == pytest.approx(0.0, abs=1e-6)


def test_the_method_is_chosen_by_the_series_own_backtest():
    days = [D(dt.date(2024, 1, 1)) + 91 * i for i in range(12)]
    flat_after_growth = [10, 30, 45, 56, 63, 67, 69, 70, 70.5, 70.6, 70.7, 70.7]
    fc = engine.forecast_series(flat_after_growth, days, days[-1] + 365)
    assert fc.method == min(fc.scores, key=lambda m: (fc.scores[m], engine.SERIES_METHODS.index(m)))
    assert fc.method != "linear"  # a straight line would keep climbing
    assert fc.value == pytest.approx(70.7, abs=3)


def test_normal_quantiles_round_trip():
    p = np.array([1e-6, 0.01, 0.1, 0.5, 0.9, 0.975, 1 - 1e-9])
    assert np.allclose(engine.norm_cdf(engine.norm_ppf(p)), p, rtol=1e-9, atol=1e-12)
    assert engine.norm_ppf(np.array([0.9]))[0] == pytest.approx(engine.Z80, rel=1e-9)
    # far beyond what a float probability holds (a task that "should" have finished long ago)
    log_p = np.array([-50.0, -800.0, -5000.0])
    assert np.allclose(engine.log_norm_cdf(engine.norm_ppf_log(log_p)), log_p, rtol=1e-9)
