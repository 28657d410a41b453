"""Binomial confidence intervals for probabilities estimated from runs.

The normal quantile of the usual levels is a table of the values ``scipy.stats.norm.ppf``
returns (bit for bit), so that computing an interval imports no scipy (about 0.4 s); any
other level imports scipy when first asked for.
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
    low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
    high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), 1.0)
    return low, high
