"""The trigger rates' local level: the filter against a plain reference, cut-off safety,
the draws, and recovery of known rates (statistical, fixed seeds)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.hindcast import record, rolling, trigger_rates

DATA = Path(__file__).resolve().parents[3] / "data"


def reference_forward(y: list[int], exposure: list[float], sigma: float, grid: np.ndarray):  # noqa: ANN201
    """The forward algorithm by loops: prior, then per year move (matrix) and weigh."""
    mean, sd = trigger_rates.PRIOR_LEVEL
    g = list(grid)
    belief = [math.exp(-0.5 * ((x - mean) / sd) ** 2) for x in g]
    total = sum(belief)
    belief = [b / total for b in belief]
    step = [[math.exp(-0.5 * ((b - a) / sigma) ** 2) for b in g] for a in g]
    step = [[v / sum(row) for v in row] for row in step]
    log_evidence = 0.0
    for t, count in enumerate(y):
        if t > 0:
            belief = [sum(belief[i] * step[i][j] for i in range(len(g))) for j in range(len(g))]
        like = []
        for x in g:
            mu = math.exp(x) * exposure[t]
            like.append(math.exp(count * math.log(mu) - mu - math.lgamma(count + 1)))
        belief = [b * v for b, v in zip(belief, like, strict=True)]
        total = sum(belief)
        log_evidence += math.log(total)
        belief = [b / total for b in belief]
    return log_evidence, belief


@pytest.mark.parametrize("sigma", [0.05, 0.4, 1.7])
def test_forward_matches_the_plain_reference(sigma: float) -> None:
    """Two kinds, six years with a part-year last: evidence within 1e-10, filtered
    distribution within 1e-12 (the FFT convolution against the loops)."""
    grid = np.linspace(math.log(0.05), math.log(30.0), 60)
    counts = np.array([[1, 0, 3, 2, 5, 1], [0, 0, 0, 1, 0, 0]], dtype=float)
    exposure = np.array([1, 1, 1, 1, 1, 0.25])
    evidence, filtered = trigger_rates.forward(counts, exposure, sigma, grid)
    for k in range(2):
        ref_evidence, ref_belief = reference_forward(
            list(counts[k].astype(int)), list(exposure), sigma, grid
        )
        assert abs(evidence[k] - ref_evidence) < 1e-10
        assert np.max(np.abs(filtered[k] - np.array(ref_belief))) < 1e-12


def test_annual_counts_add_up_to_the_record() -> None:
    """Every Taiwan occurrence of the four kinds to 2022 is counted once, in its year."""
    years, counts, exposure = trigger_rates.annual_counts(2022)
    assert years[0] == 1995 and years[-1] == 2022 and exposure[-1] == 1.0
    kinds = {"us_senior_visit_taiwan", "us_arms_sale_taiwan", "taiwan_president_us_transit",
             "taiwan_leader_statement"}  # fmt: skip
    expected = sum(1 for t in record.triggers(2022) if t.theatre == "taiwan" and t.kind in kinds)
    assert sum(int(c.sum()) for c in counts.values()) == expected
    assert counts["arms_sale"][2022 - 1995] == 7  # the record's 2022 notifications
    _, _, part = trigger_rates.annual_counts("2026-01")
    assert part[-1] == pytest.approx(1 / 12)


@pytest.mark.parametrize("origin", [2016, 2022])
def test_fit_at_an_origin_reads_nothing_after_it(tmp_path: Path, origin: int) -> None:
    """Triggers added after the origin leave the fit unchanged bit for bit; a fit at a
    later origin sees them (the test can fail)."""
    for name in ("political_triggers_1995_2025.csv", "crisis_trigger_links.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    before = trigger_rates.fit(origin, folder=tmp_path)
    with (tmp_path / "political_triggers_1995_2025.csv").open("a", encoding="utf-8") as fh:
        for month in ("01", "02", "03"):
            fh.write(f"{origin + 1}-{month}-10,us_arms_sale_taiwan,USA,taiwan,test,,no,"
                     "UNVERIFIED,test\n")  # fmt: skip
    after = trigger_rates.fit(origin, folder=tmp_path)
    assert np.array_equal(before.filtered, after.filtered)
    assert np.array_equal(before.weights, after.weights)
    later = trigger_rates.fit(origin + 1, folder=tmp_path)
    assert later.counts["arms_sale"][-1] >= 3


def test_draws_follow_the_filtered_mixture() -> None:
    """20,000 draws at 2022: the mean log rate of each kind within 4 standard errors of
    the grid mixture's (sd / sqrt(20,000)); the volatility's draws within 4 standard
    errors of its grid posterior's mean."""
    post = trigger_rates.fit(2022)
    sigma, rates = post.draws(20_000, seed=4)
    s_mean = float(post.weights @ post.sigmas)
    s_sd = math.sqrt(float(post.weights @ (post.sigmas - s_mean) ** 2))
    assert abs(sigma.mean() - s_mean) < 4 * s_sd / math.sqrt(20_000)
    for k, kind in enumerate(post.kinds):
        mix = post.weights @ post.filtered[k]
        mean = float(mix @ post.grid)
        sd = math.sqrt(float(mix @ (post.grid - mean) ** 2))
        assert abs(np.log(rates[kind]).mean() - mean) < 4 * sd / math.sqrt(20_000), kind


def test_the_rise_before_2022_moves_the_arms_rate_above_the_ten_year_average() -> None:
    """17 notifications in 2019-22 against 4 in 2013-18: the local level's median rate in
    2022 lies above the ten-year average of 2.0 a year, and the 90% interval of the
    volatility excludes 0."""
    post = trigger_rates.fit(2022)
    median, low, _ = post.rate_summary()["arms_sale"]
    assert median > 3.0 and low > 1.0
    assert post.sigma_quantiles()[0] > 0.05


@pytest.mark.slow
def test_simulation_based_calibration() -> None:
    """Simulation-based calibration (Talts et al. 2018) on the discrete model the filter
    computes exactly: a volatility from its grid prior, a level from the grid prior, then
    28 years of the grid's truncated walk and Poisson counts of one kind. The randomised
    PIT of the true final level and of the true volatility under their posteriors is then
    uniform: of 240 data sets, Bin(240, 0.9) = 216 +/- 4 x 4.6 fall inside (0.05, 0.95),
    and the mean PIT is 0.5 +/- 4 x sqrt(1 / 12 / 240)."""
    rng = np.random.default_rng(11)
    grid = np.linspace(*trigger_rates.GRID, 120)
    sigmas = np.arange(1, 41) * (trigger_rates.SIGMA_MAX / 40)
    prior_sigma = np.exp(-0.5 * (sigmas / trigger_rates.PRIOR_SIGMA_SCALE) ** 2)
    prior_sigma /= prior_sigma.sum()
    prior_level = np.exp(
        -0.5 * ((grid - trigger_rates.PRIOR_LEVEL[0]) / trigger_rates.PRIOR_LEVEL[1]) ** 2
    )
    prior_level /= prior_level.sum()
    exposure = np.ones(28)
    walks = []
    for sigma in sigmas:
        step = np.exp(-0.5 * ((grid[None, :] - grid[:, None]) / sigma) ** 2)
        walks.append(np.cumsum(step / step.sum(axis=1, keepdims=True), axis=1))
    level_pits, sigma_pits = [], []
    for _ in range(240):
        s = rng.choice(sigmas.size, p=prior_sigma)
        at = rng.choice(grid.size, p=prior_level)
        counts = []
        for t in range(28):
            if t > 0:
                at = min(int(np.searchsorted(walks[s][at], rng.random())), grid.size - 1)
            counts.append(rng.poisson(math.exp(grid[at])))
        y = np.array([counts], dtype=float)
        log_post = np.log(prior_sigma)
        filtered = np.empty((sigmas.size, grid.size))
        for i, sigma in enumerate(sigmas):
            evidence, filtered[i] = (v[0] for v in trigger_rates.forward(y, exposure, sigma, grid))
            log_post[i] += evidence
        weights = np.exp(log_post - log_post.max())
        weights /= weights.sum()
        mix = weights @ filtered
        level_pits.append(mix[:at].sum() + rng.random() * mix[at])
        sigma_pits.append(weights[:s].sum() + rng.random() * weights[s])
    for pits in (np.array(level_pits), np.array(sigma_pits)):
        inside = int(((pits > 0.05) & (pits < 0.95)).sum())
        assert abs(inside - 216) <= 4 * math.sqrt(240 * 0.09), inside
        assert abs(pits.mean() - 0.5) < 4 * math.sqrt(1 / 12 / 240), pits.mean()


def test_rate_scores_are_finite_at_every_origin() -> None:
    """The rolling-origin score of the occurrence forecast: finite CRPS for both rules,
    coverage a share of the four kinds."""
    model, stationary, covered = rolling.rate_scores(2019, draws=500)
    assert math.isfinite(model) and math.isfinite(stationary)
    assert covered in (0.0, 0.25, 0.5, 0.75, 1.0)
