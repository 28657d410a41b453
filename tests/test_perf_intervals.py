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


def test_wilson_equals_the_scipy_formula():
    k = np.array([0, 1, 7, 50, 200])
    n = np.array([200, 200, 200, 200, 200])
    z = stats.norm.ppf(0.975)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low, high = wilson(k, n)
    assert np.array_equal(low, np.clip(centre - half, 0, 1))
    assert np.array_equal(high, np.clip(centre + half, 0, 1))
