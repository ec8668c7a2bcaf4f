"""KPI series, one by one: linear trend, damped trend or exponential smoothing, chosen per series
by a rolling-origin backtest when it is long enough."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .normal import norm_cdf
from .pace import Z80

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
