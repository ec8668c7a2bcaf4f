"""Task forecasts' building blocks: the method codes and parameters, the result arrays, and the
pace of each task from its progress reports (least squares, shrunk towards the plan)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from .normal import log_norm_cdf, norm_ppf_log

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
