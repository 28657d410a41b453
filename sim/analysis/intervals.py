"""Confidence intervals for probabilities and means estimated from runs, scipy-free.

`normal_quantile` is the one normal quantile of the package (every interval, figure and
score asks it): the usual levels are a table of the values ``scipy.stats.norm.ppf``
returns (bit for bit), so that computing an interval imports no scipy (about 0.4 s); any
other level imports scipy when first asked for.

Differences of proportions use Newcombe's square-and-add intervals:

* paired (the same runs in both samples, common random numbers): Newcombe's (1998) score
  interval for paired proportions (his method 10);
* independent: Newcombe's hybrid score interval (method 10 of Newcombe 1998b).

Newcombe RG (1998). Improved confidence intervals for the difference between binomial
proportions based on paired data. Statistics in Medicine 17:2635-2650.
Newcombe RG (1998b). Interval estimation for the difference between independent
proportions: comparison of eleven methods. Statistics in Medicine 17:873-890.
"""

from __future__ import annotations

import numpy as np

NORMAL_QUANTILES = {
    0.5: 0.6744897501960817,
    0.68: 0.9944578832097535,
    0.8: 1.2815515655446004,
    0.9: 1.6448536269514722,
    0.95: 1.959963984540054,
    0.99: 2.5758293035489004,
    0.999: 3.2905267314919255,
}
"""Two-sided level -> ``scipy.stats.norm.ppf(0.5 + level / 2)``, as scipy 1.17 computes it."""


def normal_quantile(level: float) -> float:
    """Return the standard normal quantile ``z`` with ``P(-z < Z < z) = level``.

    Parameters
    ----------
    level : float
        Two-sided confidence level, between 0 and 1.

    Returns
    -------
    float
        ``scipy.stats.norm.ppf(0.5 + level / 2)``: from `NORMAL_QUANTILES` for the usual
        levels, else from scipy (imported only then).
    """
    z = NORMAL_QUANTILES.get(float(level))
    if z is not None:
        return z
    from scipy import stats

    return float(stats.norm.ppf(0.5 + level / 2.0))


def wilson(
    successes: np.ndarray | int, n: np.ndarray | int, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (Wilson 1927); well behaved at 0 and n successes.

    Returns
    -------
    (low, high)
        Bounds of the interval for the success probability.
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    z = np.float64(normal_quantile(level))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / n, 0.0)
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # exact ends at 0 and n successes: the score formula leaves a rounding residue there
    # (8.67e-19 for 0 of 300), which must read as the 0 (or 1) it is
    low = np.where((n > 0) & (k > 0), np.clip(centre - half, 0.0, 1.0), 0.0)
    high = np.where((n > 0) & (k < n), np.clip(centre + half, 0.0, 1.0), 1.0)
    return low, high


def wilson_bounds(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Return the `wilson` interval of one count as two floats."""
    lo, hi = wilson(k, n, level)
    return float(lo), float(hi)


def newcombe_unpaired(
    k1: int, n1: int, k0: int, n0: int, level: float = 0.95
) -> tuple[float, float, float]:
    """Return p1 - p0 with Newcombe's hybrid score interval for independent proportions.

    Parameters
    ----------
    k1, n1 : int
        Successes and trials of the compared sample.
    k0, n0 : int
        Successes and trials of the reference sample.
    level : float
        Confidence level.

    Returns
    -------
    (diff, low, high)
        The difference and its interval.
    """
    return newcombe_paired_from_margins(k1, n1, k0, n0, 0.0, level)


def newcombe_paired_from_margins(
    k1: int, n1: int, k0: int, n0: int, phi: float, level: float = 0.95
) -> tuple[float, float, float]:
    """Return p1 - p0 and Newcombe's square-and-add interval with correlation `phi`."""
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = wilson_bounds(k1, n1, level)
    l0, u0 = wilson_bounds(k0, n0, level)
    d = p1 - p0
    below = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u0 - p0) + (u0 - p0) ** 2
    above = (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p0 - l0) + (p0 - l0) ** 2
    return d, d - float(np.sqrt(max(below, 0.0))), d + float(np.sqrt(max(above, 0.0)))


def newcombe_paired(
    x1: np.ndarray, x0: np.ndarray, level: float = 0.95
) -> tuple[float, float, float]:
    """Return mean(x1) - mean(x0) for paired 0/1 outcomes with Newcombe's method 10 interval.

    Parameters
    ----------
    x1, x0 : array of 0/1
        The outcome of the same runs in the compared and the reference folder.
    level : float
        Confidence level.

    Returns
    -------
    (diff, low, high)
        The difference and its interval.
    """
    a1, a0 = np.asarray(x1) > 0.5, np.asarray(x0) > 0.5
    n = len(a1)
    both = int((a1 & a0).sum())
    only1 = int((a1 & ~a0).sum())
    only0 = int((~a1 & a0).sum())
    neither = n - both - only1 - only0
    k1, k0 = both + only1, both + only0
    denom = float(k1) * (n - k1) * k0 * (n - k0)
    phi = (both * neither - only1 * only0) / np.sqrt(denom) if denom > 0 else 0.0
    return newcombe_paired_from_margins(k1, n, k0, n, float(phi), level)


def mean_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Return the mean of `x` with a normal interval (z times the standard error)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(x.mean())
    half = normal_quantile(level) * float(x.std(ddof=1)) / np.sqrt(len(x)) if len(x) > 1 else 0.0
    return m, m - half, m + half


def welch_interval(
    x1: np.ndarray, x0: np.ndarray, level: float = 0.95
) -> tuple[float, float, float]:
    """Return mean(x1) - mean(x0) with a normal interval on independent samples."""
    x1, x0 = np.asarray(x1, dtype=np.float64), np.asarray(x0, dtype=np.float64)
    d = float(x1.mean() - x0.mean())
    var = (x1.var(ddof=1) / len(x1) if len(x1) > 1 else 0.0) + (
        x0.var(ddof=1) / len(x0) if len(x0) > 1 else 0.0
    )
    half = normal_quantile(level) * float(np.sqrt(var))
    return d, d - half, d + half
