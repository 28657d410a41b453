"""The normal quantiles of `sim.analysis.intervals` equal scipy's bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.analysis.intervals import NORMAL_QUANTILES, normal_quantile, wilson


@pytest.mark.parametrize("level", sorted(NORMAL_QUANTILES))
def test_tabled_quantiles_equal_scipy(level):
    assert normal_quantile(level) == float(stats.norm.ppf(0.5 + level / 2.0))


def test_other_levels_fall_back_to_scipy():
    assert normal_quantile(0.77) == float(stats.norm.ppf(0.5 + 0.77 / 2.0))


CASES = [(0, 200), (1, 200), (7, 200), (50, 200), (200, 200), (0, 1), (1, 1), (3, 7), (999, 1000)]


@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.99, 0.77])
def test_wilson_equals_scipy_binomtest(level):
    """An independent reference: scipy's own Wilson interval (``binomtest``), not the formula
    retyped; agreement to 1e-12 (the two arrange the arithmetic differently)."""
    k = np.array([c[0] for c in CASES])
    n = np.array([c[1] for c in CASES])
    low, high = wilson(k, n, level)
    for i, (kk, nn) in enumerate(CASES):
        ci = stats.binomtest(kk, nn).proportion_ci(level, method="wilson")
        assert low[i] == pytest.approx(ci.low, abs=1e-12), (kk, nn, level)
        assert high[i] == pytest.approx(ci.high, abs=1e-12), (kk, nn, level)


@pytest.mark.parametrize("level", [0.9, 0.95])
def test_wilson_bounds_are_where_the_score_test_is_at_z(level):
    """The defining property (Wilson 1927): at each bound p inside (0, 1), the score statistic
    (k/n - p) / sqrt(p (1 - p) / n) equals -z (upper bound) or +z (lower bound). (At k = 0
    or k = n one bound is 0 or 1, where the statistic is undefined; checked for 0 < k < n.)"""
    z = stats.norm.ppf(0.5 + level / 2)
    for kk, nn in CASES:
        low, high = (float(b) for b in wilson(kk, nn, level))
        if not 0 < kk < nn:
            assert low == pytest.approx(0.0, abs=1e-12) or high == pytest.approx(1.0, abs=1e-12)
            continue
        assert low < kk / nn < high
        for p, sign in ((low, 1.0), (high, -1.0)):
            score = (kk / nn - p) / np.sqrt(p * (1 - p) / nn)
            assert score == pytest.approx(sign * z, rel=1e-9), (kk, nn, p)


def test_wilson_without_runs_is_the_unit_interval():
    low, high = wilson(np.array([0]), np.array([0]))
    assert low[0] == 0.0 and high[0] == 1.0
