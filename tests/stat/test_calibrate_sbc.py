"""A small simulation-based calibration of `sim calibrate` (the full one: benchmarks/).

10 replications, each fitting 2 parameters. The two intervals of one replication come from
the same synthetic data and the same fit, so they are correlated and are not counted as
independent trials; the replications are independent of each other (each draws its own
truth, data and fit seeds). So each parameter is tested on its own: if the procedure is
calibrated, its number of 90% intervals holding the truth is Binomial(10, 0.9) and of 50%
intervals Binomial(10, 0.5), whatever the dependence between parameters. The four tests
(2 parameters x 2 levels) share a family-wise level of 1% by Bonferroni (0.25% each),
which gives the acceptance regions: at least 6 of 10 for the 90% intervals
(P(X <= 5) = 0.0016), 1 to 9 of 10 for the 50% intervals (P(X = 0 or 10) = 0.002).
The ranks are tested the same way: per parameter, a Kolmogorov-Smirnov test of uniformity
at 0.5% each (1% for the two). Fixed seeds make the outcome deterministic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import BASE_TOML
from scipy import stats

from sim.calibrate import smc
from sim.calibrate.sbc import replicate
from sim.calibrate.targets import Target
from sim.scenario.loader import load_scenario

PATHS = ["model.crisis.initiation_rate_per_year", "model.crisis.escalation_probability"]
TEMPLATE = [
    Target("crises.taiwan", "taiwan", "rate", 3, "", 0, 1.0),
    Target("crises.senkaku", "senkaku", "rate", 3, "", 0, 1.0),
    Target("armed.taiwan", "taiwan", "share", 3, "peak>=5", 0, 1.0),
    Target("major.taiwan", "taiwan", "rate", 4, "", 0, 1.0),
]
REPLICATIONS = 10
FAMILY_ALPHA = 0.01


def acceptance(level: float, n: int, alpha: float) -> tuple[int, int]:
    """Smallest and largest hit counts of n Binomial(n, level) trials accepted at `alpha`.

    Two-sided with equal tails (each at most alpha / 2); a 90% interval's coverage is only
    tested from below (too many hits is not miscalibration a 10-replication test can see),
    so its lower tail gets all of `alpha`.
    """
    dist = stats.binom(n, level)
    lower_alpha = alpha if level >= 0.9 else alpha / 2
    low = next(k for k in range(n + 1) if dist.cdf(k) > lower_alpha)
    if level >= 0.9:
        return low, n
    high = next(k for k in range(n, -1, -1) if dist.sf(k - 1) > alpha / 2)
    return low, high


def test_acceptance_regions():
    per_test = FAMILY_ALPHA / 4
    assert acceptance(0.9, 10, per_test) == (6, 10)
    assert acceptance(0.5, 10, per_test) == (1, 9)


@pytest.mark.slow
def test_credible_intervals_cover_the_truth_at_their_nominal_rate(tmp_path: Path):
    path = tmp_path / "base.toml"
    path.write_text(BASE_TOML.replace("months = 120", "months = 36"))
    scen = load_scenario(path)
    settings = smc.Settings(particles=48)
    reps = [replicate(scen, PATHS, TEMPLATE, i, settings, 2, 10, seed=4) for i in range(10)]
    per_test = FAMILY_ALPHA / (2 * len(PATHS))
    lo90, hi90 = acceptance(0.9, REPLICATIONS, per_test)
    lo50, hi50 = acceptance(0.5, REPLICATIONS, per_test)
    for p, path_ in enumerate(PATHS):
        hits90 = sum(bool(r.in90[p]) for r in reps)
        hits50 = sum(bool(r.in50[p]) for r in reps)
        ranks = np.array([r.rank[p] for r in reps])
        assert lo90 <= hits90 <= hi90, (path_, hits90, lo90)
        assert lo50 <= hits50 <= hi50, (path_, hits50, (lo50, hi50))
        ks = stats.kstest(ranks, "uniform")
        assert ks.pvalue > FAMILY_ALPHA / len(PATHS), (path_, ranks, ks)
