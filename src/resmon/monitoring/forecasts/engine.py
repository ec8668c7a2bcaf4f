"""The forecasting engine: pure numpy, no Django, so the daily job, the backtest and the tests run
the very same arithmetic (docs/decisions/016-forecasting-methods.md explains the choices).

Tasks (:func:`forecast_tasks`) are forecast all at once from arrays: one pass over the sorted
progress observations with ``np.bincount`` sums gives every task's rate, never one model fit per
task. The model:

1. **Pace.** A task's progress grows at a rate (percentage points per day) estimated by least
   squares through its reports, the older ones discounted (``smoothing``, the default: weights
   0.6 per step back), or its last 4 points (``linear``), or as ``linear`` with the rate fading
   by a tenth a quarter (``damped``); the task's start counts as a 0% point before the first
   report. From the last report, the remaining percent takes ``remaining / rate`` days.
2. **Shrinking.** Each pace, relative to the pace its plan needs (100% from start to deadline), is
   pulled towards the mean relative pace of all the tasks moving today, the more so the less its
   own reports say (empirical Bayes): one early report no longer decides a task's fate.
3. **Uncertainty, from the history itself.** For every past report of every task, the pace the
   same estimator gave then is compared with the pace that actually followed (to the completion,
   or at least to today for a task still open, a censored value). The log of that ratio, grouped
   by how long the task had still to go, is fitted as a normal (censored EM): its mean corrects
   the estimates' bias, its SD is the forecast's spread. Until 30 tasks have finished, constants
   calibrated by the backtest stand in (``kappa`` by reports used, ``drift`` growing with the time
   still to go).
4. **Given it is not done today**, the completion day's distribution is truncated at today; its
   median is the projected day, its 10% and 90% quantiles the 80% interval, and the probability
   of missing the deadline is ``P(done after due | not done today)``. A task whose reports show
   no progress gets no date and no probability (nothing to extrapolate; the stalled and
   behind-plan warnings speak for it); one with no report after its start, or no known start and
   a single report, is "insufficient".

KPI series (:func:`forecast_series`) are short (monthly to yearly values), so they are fitted one
by one with three small methods (linear trend, damped trend, simple exponential smoothing) chosen
per series by a rolling-origin backtest when the series has at least 6 points.

Days are ``date.toordinal()`` numbers in float arrays; NaN means "none".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

# Method codes of the task arrays (the names are forecasts.models.Method values).
INSUFFICIENT, LINEAR, DAMPED, SMOOTHING, DONE, ROLLUP = range(6)
METHOD_NAMES = ("insufficient", "linear", "damped", "smoothing", "done", "rollup")
METHOD_CODES = {name: code for code, name in enumerate(METHOD_NAMES)}

Z80 = 1.2815515655446004  # the 90% quantile of the standard normal: an 80% central interval
EPS_RATE = 1e-4  # percent per day below which a task is not moving (1% in 27 years)
QUARTER = 91.3125


@dataclass(frozen=True)
class TaskParams:
    """The knobs of the task model; the defaults are the ones the backtest chose (decision 016).

    ``kappa``: the spread of an estimated log pace by number of reports used (1, 2, 3, 4 and more)
    and ``drift`` (per year still to go): the uncertainty used until the history can calibrate it;
    ``noise``: the report noise (percentage points) assumed when no pooled residuals exist;
    ``zero_rate_p_miss``: P(miss) of a task whose reports show no progress at all (None: not
    estimated; the backtest found any fixed number raises more false alarms than it catches)."""

    method: str = "smoothing"
    window: int = 4  # linear and damped: the last ``window`` points
    discount: float = 0.6  # smoothing: weight of a point relative to the next newer one
    damping: float = 0.9  # damped: the rate is multiplied by this every quarter ahead
    kappa: tuple[float, ...] = (0.35, 0.25, 0.2, 0.15)
    noise: float = 4.0
    sigma_max: float = 2.5
    zero_rate_p_miss: float | None = None
    min_pool: int = 20  # tasks needed to pool the residual noise of a group
    shrink: bool = True  # pull each task's pace towards the pace of all tasks (empirical Bayes)
    horizon_power: float = 1.0  # the drift's variance grows as (years to go) ** this
    drift: float = 0.45  # the future rate's own drift (log scale), on top of the estimate's spread
    calibrate: bool = True  # bias and spread from how the past estimates fared (see _calibrate)
    calibration_width: float = 1.0
    min_events: int = 30  # finished tasks needed to calibrate on the history


DEFAULT_TASK_PARAMS = TaskParams()


@dataclass
class TaskForecasts:
    """Per task (arrays of the tasks' length): what the engine found."""

    method: np.ndarray  # int8 codes (METHOD_NAMES)
    points: np.ndarray  # reports (progress observations) the fit used
    percent: np.ndarray  # the last reported percent (NaN: none)
    last_report: np.ndarray  # the day of the last report (NaN: none)
    last_change: np.ndarray  # the day the percent last changed, or was first reported (NaN: none)
    rate: np.ndarray  # percent per day (NaN when not estimated)
    sigma: np.ndarray  # spread of the log rate (NaN when not estimated)
    projected: np.ndarray  # the median completion day (NaN: none)
    low: np.ndarray  # 10% quantile of the completion day
    high: np.ndarray  # 90% quantile
    p_miss: np.ndarray  # P(finished after the due date) (NaN: unknown or no due date)
    params: TaskParams = field(default_factory=TaskParams)
    today: int = 0

    def __len__(self) -> int:
        return len(self.method)

    def method_name(self, i: int) -> str:
        return METHOD_NAMES[int(self.method[i])]

    def copy(self) -> TaskForecasts:
        arrays = {
            f.name: getattr(self, f.name).copy() for f in fields(self) if f.name not in ("params", "today")
        }
        return TaskForecasts(**arrays, params=self.params, today=self.today)


# --- the normal distribution, vectorised (numpy has no erf) ------------------------------------

_erfc = np.frompyfunc(math.erfc, 1, 1)


def norm_cdf(x: np.ndarray | float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    out = np.full(x.shape, np.nan)
    ok = ~np.isnan(x)
    out[ok] = 0.5 * _erfc(-x[ok] / math.sqrt(2)).astype(float)
    return out


def norm_ppf(p: np.ndarray | float) -> np.ndarray:
    """Quantiles of the standard normal (Acklam's approximation, refined by one Halley step)."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    a = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690, -30.66479806614716)
    a5 = 2.506628277459239
    b = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572)
    c = (
        -0.007784894002430293,
        -0.3223964580411365,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
    )
    c5 = 2.938163982698783
    d = (0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416)
    lo, hi = 0.02425, 1 - 0.02425
    out[p <= 0] = -np.inf
    out[p >= 1] = np.inf
    mid = (p > lo) & (p < hi)
    q = p[mid] - 0.5
    r = q * q
    num = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a5) * q
    den = ((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1
    out[mid] = num / den
    for mask, sign in (((p > 0) & (p <= lo), 1.0), ((p >= hi) & (p < 1), -1.0)):
        pp = np.where(sign > 0, p[mask], 1 - p[mask])
        q = np.sqrt(-2 * np.log(pp))
        num = ((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c5
        den = (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        out[mask] = sign * num / den
    fine = np.isfinite(out)
    x = out[fine]
    e = norm_cdf(x) - p[fine]
    u = e * math.sqrt(2 * math.pi) * np.exp(x * x / 2)
    out[fine] = x - u / (1 + x * u / 2)
    return out


# --- tasks --------------------------------------------------------------------------------------


def _as_float(values, n: int | None = None) -> np.ndarray:
    if values is None:
        return np.full(n or 0, np.nan)
    return np.asarray(values, dtype=float)


def _rates(
    method: str,
    x: np.ndarray,
    y: np.ndarray,
    task: np.ndarray,
    rank: np.ndarray,
    n: int,
    params: TaskParams,
):
    """Per task: (slope, points used, centred weighted Sxx, residual sum of squares) of the
    weighted least-squares line through the task's points (``x`` days relative to today)."""
    if method == "smoothing":
        w = params.discount ** rank.astype(float)
        w[rank >= 12] = 0.0
    else:
        w = (rank < params.window).astype(float)
    used = np.bincount(task, weights=(w > 0), minlength=n)
    s0 = np.bincount(task, weights=w, minlength=n)
    sx = np.bincount(task, weights=w * x, minlength=n)
    sy = np.bincount(task, weights=w * y, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = sx / s0, sy / s0
        dx = x - mx[task]
        dy = y - my[task]
        sxx = np.bincount(task, weights=w * dx * dx, minlength=n)
        sxy = np.bincount(task, weights=w * dx * dy, minlength=n)
        slope = sxy / sxx
        resid = dy - slope[task] * dx
        rss = np.bincount(task, weights=w * resid * resid, minlength=n)
    return slope, used.astype(int), sxx, rss


def _pooled_noise(used: np.ndarray, rss: np.ndarray, ok: np.ndarray, params: TaskParams) -> np.ndarray:
    """The report noise (SD in percentage points) for each task, pooled over the tasks fitted with
    as many points (3, 4, 5 and more); two-point fits (no residual) borrow from all the others."""
    noise = np.full(len(used), params.noise)
    groups = np.minimum(used, 5)
    fitted = ok & (used >= 3) & np.isfinite(rss)
    pooled_all = None
    if fitted.sum() >= params.min_pool:
        pooled_all = math.sqrt(rss[fitted].sum() / (used[fitted] - 2).sum())
        noise[ok & (used <= 2)] = max(pooled_all, 0.5)
    for g in (3, 4, 5):
        sel = fitted & (groups == g)
        if sel.sum() >= params.min_pool:
            noise[ok & (groups == g)] = max(math.sqrt(rss[sel].sum() / (used[sel] - 2).sum()), 0.5)
        elif pooled_all is not None:
            noise[ok & (groups == g)] = max(pooled_all, 0.5)
    return noise


def _shrink(slope, var, moving, start, due, params: TaskParams):
    """Empirical Bayes: each task's pace relative to its plan (log of rate / (100% over start to
    due)) is pulled towards the mean pace of all the tasks moving today, the more so the less its
    own reports say (weight tau² / (tau² + var)); tau², the spread of the paces between tasks, is
    what the observed spread leaves once the estimates' own variance is taken out."""
    with np.errstate(divide="ignore", invalid="ignore"):
        plan = np.where(np.isfinite(start) & np.isfinite(due) & (due > start), 100.0 / (due - start), np.nan)
        y = np.log(slope / plan)
    eb = moving & np.isfinite(y) & np.isfinite(var)
    if eb.sum() < params.min_pool:
        return slope, var
    mu = float(y[eb].mean())
    tau2 = max(float(y[eb].var()) - float(var[eb].mean()), 0.01)
    w = tau2 / (tau2 + var)
    y_post = w * y + (1 - w) * mu
    slope = np.where(eb, plan * np.exp(y_post), slope)
    var = np.where(eb, w * var, var)
    return slope, var


def _threshold_rate(method: str, remaining, days, params: TaskParams):
    """The rate that completes ``remaining`` percent in exactly ``days`` days (inf when days <= 0)."""
    remaining = np.asarray(remaining, dtype=float)
    days = np.asarray(days, dtype=float)
    out = np.full(np.broadcast(remaining, days).shape, np.inf)
    pos = days > 0
    if method == "damped":
        k = -math.log(params.damping) / QUARTER
        out = np.where(pos, remaining * k / -np.expm1(-k * np.where(pos, days, 1.0)), np.inf)
    else:
        out = np.where(pos, remaining / np.where(pos, days, 1.0), np.inf)
    return out


def _days_to_finish(method: str, remaining, rate, params: TaskParams):
    """Days from the last report to 100% at ``rate`` (inf when it never gets there)."""
    remaining = np.asarray(remaining, dtype=float)
    rate = np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "damped":
            k = -math.log(params.damping) / QUARTER
            share = remaining * k / rate  # of the asymptote 1/k reached
            return np.where(share < 1, -np.log1p(-np.minimum(share, 1 - 1e-12)) / k, np.inf)
        return np.where(rate > 0, remaining / rate, np.inf)


def log_norm_cdf(x) -> np.ndarray:
    """log Phi(x), accurate far into the lower tail (an asymptotic series below -30)."""
    x = np.asarray(x, dtype=float)
    out = np.empty(x.shape)
    far = x < -30
    with np.errstate(divide="ignore"):
        out[~far] = np.log(norm_cdf(x[~far]))
    xf = x[far]
    out[far] = -xf * xf / 2 - np.log(-xf) - 0.5 * math.log(2 * math.pi) + np.log1p(-1 / (xf * xf) + 3 / xf**4)
    return out


def norm_ppf_log(log_p) -> np.ndarray:
    """The z with log Phi(z) = ``log_p``: ``norm_ppf`` where exp(log_p) is a float, Newton steps on
    the asymptotic log Phi beyond (probabilities below 1e-300)."""
    log_p = np.asarray(log_p, dtype=float)
    out = np.empty(log_p.shape)
    tiny = log_p < -690.0
    out[~tiny] = norm_ppf(np.exp(log_p[~tiny]))
    if tiny.any():
        target = log_p[tiny]
        z = -np.sqrt(-2 * target)
        for _ in range(30):
            f = log_norm_cdf(z) - target
            slope = -z - 1 / z  # d/dz of the asymptotic log Phi
            z = np.minimum(z - f / slope, -30.0)
        out[tiny] = z
    return out


def _z_of_rate(r_threshold, log_rate, sigma):
    """(log r - log rate) / sigma, -inf for r = 0 and +inf for an unreachable day (r = inf)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isfinite(r_threshold), (np.log(r_threshold) - log_rate) / sigma, np.inf)


def _completion_quantiles(method, t_last, remaining, rate, sigma, today, qs, params):
    """Quantiles ``qs`` of the completion day knowing it is after ``today``, and log P(after today).

    C > c  <=>  rate < r(c), the rate that finishes exactly on c: P(C > c) = Phi(z(c)). The
    conditional quantile q solves P(C > c_q) = (1 - q) P(C > today), in log space so that a task
    that "should" have finished long ago still gets a date (today and a little after)."""
    log_rate = np.log(rate)
    z_today = _z_of_rate(_threshold_rate(method, remaining, today - t_last, params), log_rate, sigma)
    log_s0 = np.where(np.isinf(z_today), 0.0, log_norm_cdf(np.where(np.isinf(z_today), 0.0, z_today)))
    out = []
    for q in qs:
        z = norm_ppf_log(log_s0 + math.log(1 - q))
        r_q = np.exp(log_rate + sigma * z)
        out.append(np.maximum(t_last + _days_to_finish(method, remaining, r_q, params), today))
    return out, log_s0


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


# --- KPI series ---------------------------------------------------------------------------------

# t quantiles (0.9) by degrees of freedom, for the prediction intervals of short series
_T90 = {1: 3.078, 2: 1.886, 3: 1.638, 4: 1.533, 5: 1.476, 6: 1.440, 7: 1.415, 8: 1.397, 9: 1.383, 10: 1.372}


def t90(df: int) -> float:
    if df <= 0:
        return math.inf
    if df in _T90:
        return _T90[df]
    return Z80 + 2.5 / (4 * df)  # close to the table beyond 10 degrees of freedom


@dataclass(frozen=True)
class SeriesParams:
    min_points: int = 3  # fewer: not enough data
    select_from: int = 6  # from this many points the method is chosen by a rolling-origin backtest
    width: float = 1.2  # multiplies every interval (calibrated by the backtest: decision 016)
    alphas: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8)
    betas: tuple[float, ...] = (0.1, 0.3)
    phis: tuple[float, ...] = (0.8, 0.9, 0.98)


DEFAULT_SERIES_PARAMS = SeriesParams()


@dataclass(frozen=True)
class SeriesForecast:
    method: str
    points: int
    value: float | None = None
    low: float | None = None
    high: float | None = None
    sd: float | None = None  # the predictive standard deviation (interval half-width / z)
    scores: dict[str, float] = field(default_factory=dict)  # rolling-origin MAE by method

    @property
    def sufficient(self) -> bool:
        return self.value is not None

    def p_below(self, threshold: float) -> float | None:
        """P(the value at the target date < threshold), from the normal predictive distribution."""
        if self.value is None or self.sd is None:
            return None
        if self.sd <= 0:
            return 1.0 if self.value < threshold else 0.0
        return float(norm_cdf((threshold - self.value) / self.sd))


def _linear(x: np.ndarray, y: np.ndarray, x0: float) -> tuple[float, float]:
    """OLS line: (prediction at x0, predictive SD)."""
    n = len(x)
    mx, my = x.mean(), y.mean()
    sxx = float(((x - mx) ** 2).sum())
    if sxx <= 0:
        return float(my), math.inf
    b = float(((x - mx) * (y - my)).sum()) / sxx
    a = my - b * mx
    pred = a + b * x0
    if n <= 2:
        return float(pred), math.inf
    resid = y - (a + b * x)
    s2 = float((resid**2).sum()) / (n - 2)
    sd = math.sqrt(s2 * (1 + 1 / n + (x0 - mx) ** 2 / sxx))
    return float(pred), sd


def _holt(y: np.ndarray, alpha: float, beta: float, phi: float) -> tuple[float, float, float]:
    """Damped-trend Holt: (level, trend, SSE of one-step errors)."""
    level, trend = float(y[0]), float(y[1] - y[0]) if len(y) > 1 else 0.0
    sse = 0.0
    for v in y[1:]:
        f = level + phi * trend
        e = float(v) - f
        sse += e * e
        new_level = f + alpha * e
        trend = phi * trend + alpha * beta * e
        level = new_level
    return level, trend, sse


def _ses(y: np.ndarray, alpha: float) -> tuple[float, float]:
    level, sse = float(y[0]), 0.0
    for v in y[1:]:
        e = float(v) - level
        sse += e * e
        level += alpha * e
    return level, sse


def _fit_method(
    name: str, x: np.ndarray, y: np.ndarray, x0: float, params: SeriesParams
) -> tuple[float, float]:
    """(prediction at ``x0``, predictive SD) by one method; steps in median spacing of ``x``."""
    n = len(y)
    if name == "linear":
        return _linear(x, y, x0)
    spacing = float(np.median(np.diff(x))) if n > 1 else 1.0
    h = max((x0 - x[-1]) / spacing, 0.0) if spacing > 0 else 0.0
    if name == "smoothing":
        alpha, sse = min(((a, _ses(y, a)[1]) for a in params.alphas), key=lambda t: t[1])
        level, _ = _ses(y, alpha)
        s2 = sse / max(n - 2, 1)
        steps = max(math.ceil(h), 1)
        return level, math.sqrt(s2 * (1 + (steps - 1) * alpha**2)) if n > 2 else math.inf
    best = None
    for a in params.alphas:
        for b in params.betas:
            for p in params.phis:
                level, trend, sse = _holt(y, a, b, p)
                if best is None or sse < best[0]:
                    best = (sse, a, b, p, level, trend)
    assert best is not None
    sse, a, b, p, level, trend = best
    damp = p * (1 - p**h) / (1 - p) if p < 1 else h
    pred = level + damp * trend
    s2 = sse / max(n - 3, 1)
    steps = max(math.ceil(h), 1)
    var = 1.0
    for j in range(1, steps):
        c = a + a * b * p * (1 - p**j) / (1 - p)
        var += c * c
    return pred, math.sqrt(s2 * var) if n > 3 else math.inf


SERIES_METHODS = ("linear", "damped", "smoothing")


def forecast_series(
    values, dates, target_date: float, params: SeriesParams = DEFAULT_SERIES_PARAMS
) -> SeriesForecast:
    """The value of a KPI series at ``target_date`` (day ordinal) with its 80% interval.

    At least ``select_from`` (6) points: linear trend, damped trend or simple exponential
    smoothing, whichever forecast the series' own later points best from earlier origins (mean
    absolute error, rolling origin); 3 to 5 points: a linear trend; fewer: not enough data.
    Values at the same date: the last one given counts."""
    y_all = np.asarray(values, dtype=float)
    x_all = np.asarray(dates, dtype=float)
    if len(y_all) != len(x_all):
        raise ValueError("values and dates must have the same length")
    ok = np.isfinite(y_all) & np.isfinite(x_all)
    x_all, y_all = x_all[ok], y_all[ok]
    order = np.argsort(x_all, kind="stable")
    x_all, y_all = x_all[order], y_all[order]
    if len(x_all) > 1:  # one value per date: the last given
        keep = np.ones(len(x_all), bool)
        keep[:-1] = x_all[1:] != x_all[:-1]
        x_all, y_all = x_all[keep], y_all[keep]
    n = len(y_all)
    if n < params.min_points:
        return SeriesForecast("insufficient", n)
    x0 = float(target_date)
    scores: dict[str, float] = {}
    name = "linear"
    if n >= params.select_from:
        for candidate in SERIES_METHODS:
            errors = []
            for origin in range(max(params.min_points + 1, n - 6), n):
                # from each origin: the next point, and the last one (a longer horizon)
                x, y = x_all[:origin], y_all[:origin]
                errors.append(
                    abs(_fit_method(candidate, x, y, float(x_all[origin]), params)[0] - y_all[origin])
                )
                if origin < n - 1:
                    errors.append(abs(_fit_method(candidate, x, y, float(x_all[-1]), params)[0] - y_all[-1]))
            scores[candidate] = float(np.mean(errors))
        name = min(SERIES_METHODS, key=lambda m: (scores[m], SERIES_METHODS.index(m)))
    value, sd = _fit_method(name, x_all, y_all, x0, params)
    if not math.isfinite(sd):
        return SeriesForecast("insufficient", n, scores=scores)
    df = n - (3 if name == "damped" else 2)
    half = t90(df) * sd * params.width
    return SeriesForecast(
        name,
        n,
        value=value,
        low=value - half,
        high=value + half,
        sd=half / Z80 if half > 0 else 0.0,
        scores=scores,
    )
