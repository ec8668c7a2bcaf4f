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

from .calibration import HORIZONS, horizon_bucket
from .normal import log_norm_cdf, norm_cdf, norm_ppf, norm_ppf_log
from .pace import (
    DAMPED,
    DEFAULT_TASK_PARAMS,
    DONE,
    EPS_RATE,
    INSUFFICIENT,
    LINEAR,
    METHOD_CODES,
    METHOD_NAMES,
    QUARTER,
    ROLLUP,
    SMOOTHING,
    Z80,
    TaskForecasts,
    TaskParams,
)
from .series import DEFAULT_SERIES_PARAMS, SERIES_METHODS, SeriesForecast, SeriesParams, forecast_series, t90
from .tasks import forecast_tasks, p_after, roll_up

__all__ = [
    "DAMPED",
    "DEFAULT_SERIES_PARAMS",
    "DEFAULT_TASK_PARAMS",
    "DONE",
    "EPS_RATE",
    "HORIZONS",
    "INSUFFICIENT",
    "LINEAR",
    "METHOD_CODES",
    "METHOD_NAMES",
    "QUARTER",
    "ROLLUP",
    "SERIES_METHODS",
    "SMOOTHING",
    "SeriesForecast",
    "SeriesParams",
    "TaskForecasts",
    "TaskParams",
    "Z80",
    "forecast_series",
    "forecast_tasks",
    "horizon_bucket",
    "log_norm_cdf",
    "norm_cdf",
    "norm_ppf",
    "norm_ppf_log",
    "p_after",
    "roll_up",
    "t90",
]
