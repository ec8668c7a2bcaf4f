"""All tasks at once: the projected day, its 80% interval and the probability of missing the
deadline; parents rolled up from their leaves."""

from __future__ import annotations

import math

import numpy as np

from .calibration import _calibrate, horizon_bucket
from .normal import log_norm_cdf
from .pace import (
    DEFAULT_TASK_PARAMS,
    DONE,
    EPS_RATE,
    INSUFFICIENT,
    LINEAR,
    METHOD_CODES,
    ROLLUP,
    TaskForecasts,
    TaskParams,
    _as_float,
    _completion_quantiles,
    _pooled_noise,
    _rates,
    _shrink,
    _threshold_rate,
    _z_of_rate,
)


def forecast_tasks(
    today: int,
    due,
    obs_task,
    obs_day,
    obs_pct,
    *,
    start=None,
    completed=None,
    params: TaskParams = DEFAULT_TASK_PARAMS,
) -> TaskForecasts:
    """Forecast every task at once as of ``today`` (a day ordinal).

    ``due``, ``start``, ``completed``: arrays over the tasks (day ordinals, NaN for none; a
    completion after ``today`` is ignored). ``obs_task`` (task index), ``obs_day``, ``obs_pct``:
    the progress reports in any order; those after ``today`` are ignored (no peeking). When the
    start is known and earlier than the first report, the task is taken to be at 0% on its
    start (a task has done nothing before it begins); it is not counted as a report.
    """
    due = _as_float(due)
    n = len(due)
    start = _as_float(start, n)
    completed = _as_float(completed, n)
    obs_task = np.asarray(obs_task, dtype=np.int64)
    obs_day = np.asarray(obs_day, dtype=float)
    obs_pct = np.asarray(obs_pct, dtype=float)
    if not (len(obs_task) == len(obs_day) == len(obs_pct)):
        raise ValueError("obs_task, obs_day and obs_pct must have the same length")
    if len(start) != n or len(completed) != n:
        raise ValueError("start and completed must have one value per task")
    keep = (obs_day <= today) & np.isfinite(obs_pct) & (obs_task >= 0) & (obs_task < n)
    t_idx, day, pct = obs_task[keep], obs_day[keep], np.clip(obs_pct[keep], 0, 100)

    # the start as a 0% point, for tasks whose first report (if any) came after it
    first = np.full(n, np.inf)
    np.minimum.at(first, t_idx, day)
    anchored = np.isfinite(start) & (start <= today) & (start < first)
    a_idx = np.flatnonzero(anchored)
    t_idx = np.concatenate([t_idx, a_idx])
    day = np.concatenate([day, start[a_idx]])
    pct = np.concatenate([pct, np.zeros(len(a_idx))])
    is_report = np.concatenate([np.ones(keep.sum(), bool), np.zeros(len(a_idx), bool)])

    order = np.lexsort((pct, day, t_idx))
    t_idx, day, pct, is_report = t_idx[order], day[order], pct[order], is_report[order]
    if len(t_idx):  # one point per task and day: the highest percent reported that day
        last_of_day = np.ones(len(t_idx), bool)
        last_of_day[:-1] = (t_idx[1:] != t_idx[:-1]) | (day[1:] != day[:-1])
        t_idx, day, pct, is_report = (
            t_idx[last_of_day],
            day[last_of_day],
            pct[last_of_day],
            is_report[last_of_day],
        )
    m = len(t_idx)
    count = np.bincount(t_idx, minlength=n)
    reports = np.bincount(t_idx, weights=is_report, minlength=n).astype(int)
    ends = np.cumsum(count) - 1
    has = count > 0
    rank = ends[t_idx] - np.arange(m)

    percent = np.full(n, np.nan)
    last_report = np.full(n, np.nan)
    percent[has] = pct[ends[has]]
    last_report[has] = day[ends[has]]
    # reported values only for what the rules read (the anchor is not a report)
    rep_pct = np.full(n, np.nan)
    rep_day = np.full(n, np.nan)
    r_pos = np.flatnonzero(is_report)
    if len(r_pos):
        rep_pct[t_idx[r_pos]] = pct[r_pos]  # sorted: the last write per task is its newest report
        rep_day[t_idx[r_pos]] = day[r_pos]
    changed = is_report.copy()
    if m > 1:
        same = np.zeros(m, bool)
        same[1:] = (t_idx[1:] == t_idx[:-1]) & is_report[:-1] & (pct[1:] == pct[:-1])
        changed &= ~same
    last_change = np.full(n, -np.inf)
    np.maximum.at(last_change, t_idx[changed], day[changed])
    last_change[~np.isfinite(last_change)] = np.nan

    method_name = params.method
    slope, used, sxx, rss = _rates(method_name, day - today, pct, t_idx, rank, n, params)
    fit_reports = np.minimum(reports, used)

    out_method = np.full(n, INSUFFICIENT, dtype=np.int8)
    projected = np.full(n, np.nan)
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    p_miss = np.full(n, np.nan)
    sigma = np.full(n, np.nan)
    rate = np.full(n, np.nan)

    done = np.isfinite(completed) & (completed <= today)
    full = ~done & (rep_pct >= 100)
    out_method[done | full] = DONE
    projected[done] = low[done] = high[done] = completed[done]
    projected[full] = low[full] = high[full] = rep_day[full]
    finished_on = np.where(done, completed, rep_day)
    with np.errstate(invalid="ignore"):
        settled = (done | full) & np.isfinite(due)
        p_miss[settled] = (finished_on[settled] > due[settled]).astype(float)

    fit = ~(done | full) & (used >= 2) & (reports >= 1) & np.isfinite(slope)
    moving = fit & (slope > EPS_RATE)
    still = fit & ~moving
    code = METHOD_CODES[method_name]
    out_method[fit] = code
    if method_name == "smoothing":
        out_method[fit & (used == 2)] = LINEAR  # two points: the discounted line is the straight one
    rate[fit] = np.maximum(slope[fit], 0.0)

    # a task not moving: no date at this pace; it misses a deadline it has not yet met
    zero_p = math.nan if params.zero_rate_p_miss is None else params.zero_rate_p_miss
    p_miss[still & np.isfinite(due)] = np.where(due[still & np.isfinite(due)] < today, 1.0, zero_p)

    noise = _pooled_noise(used, rss, moving, params)
    kappa = np.asarray(params.kappa)[np.clip(fit_reports, 1, len(params.kappa)) - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_se2 = noise**2 / (sxx * slope**2)
    var = kappa**2 + np.where(np.isfinite(rel_se2), rel_se2, 0.0)
    if params.shrink:
        slope, var = _shrink(slope, var, moving, start, due, params)
    calibration = (
        _calibrate(today, t_idx, day, pct, is_report, reports, completed, start, due, params)
        if params.calibrate
        else None
    )
    drift2 = np.full(n, params.drift**2)
    if params.horizon_power:
        # the rate drifts more over a longer way to go: scale by the years the median projection needs
        with np.errstate(divide="ignore", invalid="ignore"):
            years = np.clip((100.0 - percent) / slope / 365.0, 0.05, 5.0)
        drift2 = np.where(np.isfinite(years), drift2 * years**params.horizon_power, drift2)
    sig = np.minimum(np.sqrt(var + drift2), params.sigma_max)
    if calibration is not None:
        bucket = horizon_bucket(100.0 - percent, slope)
        shift = np.array([mu for mu, _sd in calibration])[bucket]
        spread = np.array([sd for _mu, sd in calibration])[bucket]
        slope = np.where(moving, slope * np.exp(shift), slope)
        sig = np.minimum(spread * params.calibration_width, params.sigma_max)
    sigma[moving] = sig[moving]
    rate[moving] = slope[moving]

    idx = np.flatnonzero(moving)
    if len(idx):
        remaining = 100.0 - percent[idx]
        t0 = last_report[idx]
        (q10, q50, q90), log_s0 = _completion_quantiles(
            method_name, t0, remaining, slope[idx], sig[idx], float(today), (0.1, 0.5, 0.9), params
        )
        projected[idx], low[idx], high[idx] = q50, q10, q90
        d = due[idx]
        has_due = np.isfinite(d)
        z_due = _z_of_rate(
            _threshold_rate(method_name, remaining, d - t0, params), np.log(slope[idx]), sig[idx]
        )
        log_after = np.where(np.isinf(z_due), 0.0, log_norm_cdf(np.where(np.isinf(z_due), 0.0, z_due)))
        cond = np.exp(np.minimum(log_after - log_s0, 0.0))  # P(after due | after today)
        cond = np.where(d < today, 1.0, cond)
        p_miss[idx] = np.where(has_due, cond, np.nan)

    return TaskForecasts(
        method=out_method,
        points=np.where(out_method == DONE, reports, np.where(fit, fit_reports, reports)).astype(np.int32),
        percent=rep_pct,
        last_report=rep_day,
        last_change=last_change,
        rate=rate,
        sigma=sigma,
        projected=projected,
        low=low,
        high=high,
        p_miss=p_miss,
        params=params,
        today=int(today),
    )


def p_after(fc: TaskForecasts, idx: np.ndarray, day: np.ndarray) -> np.ndarray:
    """P(task ``idx`` finishes after ``day`` | not finished today) for forecast tasks; 1/0 for done
    ones; NaN when unknown. Used to roll the leaves up to their parents' deadlines."""
    idx = np.asarray(idx, dtype=np.int64)
    day = np.asarray(day, dtype=float)
    out = np.full(len(idx), np.nan)
    meth = fc.method[idx]
    done = meth == DONE
    out[done] = (fc.projected[idx][done] > day[done]).astype(float)
    still = (meth != DONE) & (meth != INSUFFICIENT) & ~np.isfinite(fc.sigma[idx])
    zero_p = math.nan if fc.params.zero_rate_p_miss is None else fc.params.zero_rate_p_miss
    out[still] = np.where(day[still] < fc.today, 1.0, zero_p)
    moving = (meth != DONE) & (meth != INSUFFICIENT) & np.isfinite(fc.sigma[idx])
    if moving.any():
        j = idx[moving]
        name = "damped" if fc.params.method == "damped" else "linear"
        remaining = 100.0 - fc.percent[j]
        t0 = fc.last_report[j]
        log_rate, sig = np.log(fc.rate[j]), fc.sigma[j]
        z_today = _z_of_rate(_threshold_rate(name, remaining, fc.today - t0, fc.params), log_rate, sig)
        z_day = _z_of_rate(_threshold_rate(name, remaining, day[moving] - t0, fc.params), log_rate, sig)
        log_s0 = np.where(np.isinf(z_today), 0.0, log_norm_cdf(np.where(np.isinf(z_today), 0.0, z_today)))
        log_after = np.where(np.isinf(z_day), 0.0, log_norm_cdf(np.where(np.isinf(z_day), 0.0, z_day)))
        p = np.exp(np.minimum(log_after - log_s0, 0.0))
        out[moving] = np.where(day[moving] < fc.today, 1.0, p)
    return out


def roll_up(fc: TaskForecasts, parent, due, counted=None) -> TaskForecasts:
    """Parents from their leaf tasks: a parent is done when all its leaves are, so its completion
    is at least the latest leaf's (the projected day and the interval ends are the latest of its
    leaves'), and P(missing the parent's deadline) is at least that of its likeliest-late leaf
    (the maximum: a lower bound, as leaves are not independent). A leaf without a forecast
    leaves its parents without one. ``counted``: the leaves that count (not paused or cancelled);
    ``parent``: the index of each task's parent, -1 for none. Returns a new TaskForecasts."""
    parent = np.asarray(parent, dtype=np.int64)
    due = _as_float(due)
    n = len(parent)
    counted = np.ones(n, bool) if counted is None else np.asarray(counted, bool)
    is_parent = np.zeros(n, bool)
    is_parent[parent[parent >= 0]] = True
    leaves = np.flatnonzero(~is_parent & counted)
    out = fc.copy()
    roll = is_parent & (fc.method != DONE)
    if not roll.any() or not len(leaves):
        return out
    latest = np.full(n, -np.inf)
    latest_low = np.full(n, -np.inf)
    latest_high = np.full(n, -np.inf)
    p_max = np.full(n, 0.0)
    unknown = np.zeros(n, bool)
    has_leaf = np.zeros(n, bool)
    points = np.zeros(n, np.int64)
    leaf_ok = (fc.method[leaves] != INSUFFICIENT) & np.isfinite(fc.projected[leaves])
    anc = parent[leaves]
    src = leaves.copy()
    for _depth in range(64):
        live = anc >= 0
        if not live.any():
            break
        a, s = anc[live], src[live]
        ok = leaf_ok[np.searchsorted(leaves, s)]
        has_leaf[a] = True
        np.logical_or.at(unknown, a[~ok], True)
        np.add.at(points, a, fc.points[s])
        np.maximum.at(latest, a[ok], fc.projected[s[ok]])
        np.maximum.at(latest_low, a[ok], fc.low[s[ok]])
        np.maximum.at(latest_high, a[ok], fc.high[s[ok]])
        with_due = ok & np.isfinite(due[a])
        if with_due.any():
            p = p_after(fc, s[with_due], due[a[with_due]])
            np.maximum.at(p_max, a[with_due], np.nan_to_num(p, nan=0.0))
        anc, src = parent[a], s
    target = roll & has_leaf
    known = target & ~unknown & np.isfinite(latest)
    out.method[target] = INSUFFICIENT
    out.projected[target] = out.low[target] = out.high[target] = np.nan
    out.p_miss[target] = np.nan
    out.rate[target] = out.sigma[target] = np.nan
    out.points[target] = points[target]
    out.method[known] = ROLLUP
    out.projected[known] = latest[known]
    out.low[known] = latest_low[known]
    out.high[known] = latest_high[known]
    out.p_miss[known & np.isfinite(due)] = p_max[known & np.isfinite(due)]
    return out
