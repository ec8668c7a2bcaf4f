"""The normal distribution, vectorised (numpy has no erf): what turns a pace and its spread into
quantiles and probabilities."""

from __future__ import annotations

import math

import numpy as np

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
