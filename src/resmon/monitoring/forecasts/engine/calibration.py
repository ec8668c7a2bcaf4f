"""The spread of the pace, learnt from the history itself: past estimates against the pace that
followed, grouped by how long the task still had to go (censored normal by EM)."""

from __future__ import annotations

import math

import numpy as np

from .normal import norm_cdf
from .pace import EPS_RATE, _pooled_noise, _rates, _shrink, _threshold_rate


def _censored_normal(x: np.ndarray, c: np.ndarray, iters: int = 80) -> tuple[float, float]:
    """Mean and SD of a normal from exact values ``x`` and values known only to lie below ``c``
    (right-censored in time = left-censored in rate), by expectation-maximisation."""
    both = np.concatenate([x, c])
    mu, sd = float(both.mean()), max(float(both.std()), 0.05)
    n = len(both)
    for _ in range(iters):
        a = (c - mu) / sd
        cdf = np.maximum(norm_cdf(a), 1e-12)
        lam = np.exp(-a * a / 2) / math.sqrt(2 * math.pi) / cdf
        ex = mu - sd * lam
        ex2 = sd * sd * (1 - a * lam - lam * lam) + ex * ex
        new_mu = (x.sum() + ex.sum()) / n
        new_sd = math.sqrt(max((np.square(x).sum() + ex2.sum()) / n - new_mu * new_mu, 1e-4))
        if abs(new_mu - mu) < 1e-5 and abs(new_sd - sd) < 1e-5:
            mu, sd = new_mu, new_sd
            break
        mu, sd = new_mu, new_sd
    return mu, sd


def _estimates(method, t_idx, day, pct, rank, origin_of, n_origins, x_ref, start, due, reports_at, params):
    """The rate (shrunk) and its variance for pseudo-tasks (origins) or tasks: the one estimator."""
    slope, used, sxx, rss = _rates(method, x_ref, pct, origin_of, rank, n_origins, params)
    moving = (used >= 2) & np.isfinite(slope) & (slope > EPS_RATE)
    noise = _pooled_noise(used, rss, moving, params)
    fit_reports = np.minimum(reports_at, used)
    kappa = np.asarray(params.kappa)[np.clip(fit_reports, 1, len(params.kappa)) - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_se2 = noise**2 / (sxx * slope**2)
    var = kappa**2 + np.where(np.isfinite(rel_se2), rel_se2, 0.0)
    if params.shrink:
        slope, var = _shrink(slope, var, moving, start, due, params)
    return slope, var, used, moving, fit_reports


def _calibrate(today, t_idx, day, pct, is_report, reports, completed, start, due, params):
    """How far the pace that actually followed a report strayed from the pace estimated at it:
    for every report of every task (an origin), the estimate from the points up to it, and the
    pace it would have taken to finish when the task did (or, unfinished today, at least today).
    The log of their ratio, pooled across tasks with as many reports, is fitted as a normal with
    the unfinished tasks as censored values: its mean corrects the estimates' bias, its SD is the
    spread of the forecast. None when fewer than ``params.min_events`` tasks have finished."""
    m = len(t_idx)
    if m == 0:
        return None
    first_of = np.zeros(m, dtype=np.int64)
    starts_at = np.flatnonzero(np.r_[True, t_idx[1:] != t_idx[:-1]])
    first_of[starts_at] = starts_at
    first_of = np.maximum.accumulate(first_of)
    comp = completed[t_idx]
    origin = is_report & (pct < 100) & ~(np.isfinite(comp) & (comp <= day)) & (day < today)
    j = np.flatnonzero(origin)
    if not len(j):
        return None
    finished = np.isfinite(comp[j]) & (comp[j] <= today)
    if np.unique(t_idx[j][finished]).size < params.min_events:
        return None
    depth = 12 if params.method == "smoothing" else params.window
    offsets = np.arange(depth)
    q = j[:, None] - offsets[None, :]
    valid = q >= first_of[j][:, None]
    origin_of = np.broadcast_to(np.arange(len(j))[:, None], q.shape)[valid]
    rank = np.broadcast_to(offsets[None, :], q.shape)[valid]
    q = q[valid]
    reports_at = np.bincount(origin_of, weights=is_report[q], minlength=len(j)).astype(int)
    task_of = t_idx[j]
    slope, var, used, moving, fit_reports = _estimates(
        params.method, t_idx[q], day[q], pct[q], rank, origin_of, len(j), day[q] - day[j][origin_of],
        start[task_of], due[task_of], reports_at, params,
    )  # fmt: skip
    ok = moving & np.isfinite(slope)
    remaining = 100.0 - pct[j]
    end = np.where(finished, comp[j], float(today))
    r_star = _threshold_rate(params.method, remaining, end - day[j], params)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.log(r_star / slope)
    ok &= np.isfinite(e)
    bucket = horizon_bucket(remaining, slope)
    pooled = _censored_normal(e[ok & finished], e[ok & ~finished])
    out = []
    for b in range(len(HORIZONS) + 1):
        sel = ok & (bucket == b)
        enough = np.unique(task_of[sel & finished]).size >= params.min_events
        out.append(_censored_normal(e[sel & finished], e[sel & ~finished]) if enough else pooled)
    return out


HORIZONS = (91.0, 182.0, 365.0, 730.0)  # days still to go at the estimated pace: the calibration groups


def horizon_bucket(remaining, slope) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        to_go = np.where(slope > 0, remaining / slope, np.inf)
    return np.searchsorted(np.asarray(HORIZONS), to_go)
