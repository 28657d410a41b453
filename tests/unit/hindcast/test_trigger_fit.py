"""The trigger response fitted on the record: cut-off safety, the likelihood, the scores."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.hindcast import record, rolling, trigger_fit

DATA = Path(__file__).resolve().parents[3] / "data"
FILES = (
    "political_triggers_1995_2025.csv",
    "governments_1995_2026.csv",
    "elections_1995_2026.csv",
    "greyzone_annual_1995_2025.csv",
    "crisis_trigger_links.csv",
    "sipri_milex_2025release_long.csv",
)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


@pytest.mark.parametrize("origin", [2012, 2016, 2019])
def test_fit_at_an_origin_reads_nothing_after_it(data_copy: Path, origin: int) -> None:
    """Adding a crisis and triggers after the origin, and changing the spending ratio of
    later years, leaves the fit at the origin unchanged, bit for bit."""
    before = trigger_fit.fit(origin, draws=100, burn=500, folder=data_copy)
    later = f"{origin + 1}-02-10"
    _append(data_copy / "political_triggers_1995_2025.csv",
            f"{later},us_senior_visit_taiwan,USA,taiwan,test,,yes,UNVERIFIED,test")  # fmt: skip
    _append(data_copy / "crisis_trigger_links.csv",
            f"{origin + 1}-02-20,{origin + 1}-02-25,taiwan,test,{later},"
            "us_senior_visit_taiwan,UNVERIFIED,test")  # fmt: skip
    sipri = data_copy / "sipri_milex_2025release_long.csv"
    text = sipri.read_text().replace(f"CHN,China,{origin + 1},milex_current_usd_m,",
                                     f"CHN,China,{origin + 1},milex_current_usd_m,9")  # fmt: skip
    sipri.write_text(text)
    after = trigger_fit.fit(origin, draws=100, burn=500, folder=data_copy)
    assert np.array_equal(before.draws, after.draws)
    assert before.occurrences == after.occurrences
    # the same additions are seen by a fit at a later origin (the test can fail)
    table = trigger_fit.build_table(origin + 2, folder=data_copy)
    assert later in table.dates and table.opened[table.dates.index(later)] == 1


def test_a_trigger_of_the_cutoff_month_is_not_fitted() -> None:
    table = trigger_fit.build_table("2022-08")
    assert "2022-08-02" not in table.dates  # its outcome was not known by the end of August
    assert "2022-08-02" in trigger_fit.build_table("2022-09").dates


def test_table_states_at_known_occurrences() -> None:
    table = trigger_fit.build_table(2022)
    i = table.dates.index("2022-08-02")  # Pelosi: a crisis answered it, DPP in power
    assert table.opened[i] == 1 and table.posture[i] == 1.0
    assert table.memory[i] < 1e-5  # the last named Taiwan crisis began 27 years before
    j = table.dates.index("1995-06")  # Lee Teng-hui's Cornell visit: KMT, crisis followed
    assert table.opened[j] == 1 and table.posture[j] == 0.0
    assert "1996-03-23" not in table.dates  # the 1996 election fell inside the 1995-96 crisis
    assert int(table.opened.sum()) == 2


def test_log_posterior_matches_a_plain_reference() -> None:
    table = trigger_fit.build_table(2016)
    years = 2016 - trigger_fit.FIRST_YEAR + 1
    theta = trigger_fit.prior_draws(3, seed=4, years=years)
    got = trigger_fit.log_posterior(theta, table)
    for s in range(3):
        th = theta[s]
        sigma = math.exp(th[10])
        level = [0.0]
        for z in th[11:]:
            level.append(level[-1] + sigma * z)
        total = 0.0
        for i in range(table.size):
            year = int(table.dates[i][:4]) - 1995
            eta = (th[0] + th[1 + table.kinds[i]] + level[year] + th[7] * table.posture[i]
                   + th[8] * table.memory[i] + th[9] * table.balance[i])  # fmt: skip
            total += table.opened[i] * eta - math.log1p(math.exp(eta))
        total -= 0.5 * ((th[0] - trigger_fit.PRIOR_MU[0]) / trigger_fit.PRIOR_MU[1]) ** 2
        total -= 0.5 * sum((th[1 + k] / trigger_fit.PRIOR_KIND_SD) ** 2 for k in range(6))
        for e, name in enumerate(trigger_fit.EFFECTS):
            mean, sd = trigger_fit.PRIORS[name]
            total -= 0.5 * ((th[7 + e] - mean) / sd) ** 2
        # half-normal on sigma, on the log scale (Jacobian sigma), and N(0, 1) steps
        total += -0.5 * (sigma / trigger_fit.PRIOR_SIGMA_SCALE) ** 2 + th[10]
        total -= 0.5 * sum(z * z for z in th[11:])
        assert got[s] == pytest.approx(total, rel=1e-12, abs=1e-9)


def test_predictive_probability_matches_a_plain_reference() -> None:
    """The chance after the origin: posterior draws x normal nodes of the propensity's
    drift over h years, h counted from the end of the origin's year."""
    post = trigger_fit.fit(2016, draws=20, burn=500, thin=5)
    after = trigger_fit.build_table(2016, first="2017-01", last="2019-12")
    got = trigger_fit.predictive_probability(post, after)
    from statistics import NormalDist

    nodes = [NormalDist().inv_cdf((q + 0.5) / trigger_fit.NODES) for q in range(trigger_fit.NODES)]
    for i in (0, after.size // 2, after.size - 1):
        date = after.dates[i]
        h = int(date[:4]) - 2017 + int(date[5:7]) / 12.0
        total = 0.0
        for th, lam, sig in zip(post.draws, post.level(), post.volatility(), strict=True):
            base = (th[0] + th[1 + after.kinds[i]] + th[7] * after.posture[i]
                    + th[8] * after.memory[i] + th[9] * after.balance[i])  # fmt: skip
            for e in nodes:
                total += 1.0 / (1.0 + math.exp(-(base + lam + sig * math.sqrt(h) * e)))
        assert got[i] == pytest.approx(total / (len(post.draws) * len(nodes)), rel=1e-10)


def test_rate_draws_follow_their_gamma_posterior() -> None:
    """n occurrences in ten years: Gamma(n + 0.5, 10). 20,000 draws: the mean's standard
    error is sqrt(n + 0.5) / 10 / sqrt(20,000) < 0.004 for n <= 30; 5 standard errors."""
    counts = trigger_fit.occurrence_counts(2022)
    draws = trigger_fit.rate_draws(2022, 20_000, seed=3)
    for kind, n in counts.items():
        mean = (n + 0.5) / 10.0
        se = math.sqrt(n + 0.5) / 10.0 / math.sqrt(20_000)
        assert abs(draws[kind].mean() - mean) < 5 * se
    assert counts["arms_sale"] == 20 and counts["statement"] == 1


def test_fit_is_a_function_of_data_and_seed() -> None:
    a = trigger_fit.fit(2016, draws=50, burn=200)
    b = trigger_fit.fit(2016, draws=50, burn=200)
    c = trigger_fit.fit(2016, draws=50, burn=200, seed=2)
    assert np.array_equal(a.draws, b.draws) and not np.array_equal(a.draws, c.draws)


def test_memory_effect_without_data_keeps_its_prior() -> None:
    """Up to 2019 no Taiwan trigger fell within years of a crisis: the memory effect's
    posterior is its prior N(1, 0.5^2). 1,000 draws of a chain with thinning 20: the
    mean's Monte Carlo error is below 0.05 even at an effective size of 100, so the check
    is mean within 1 +/- 0.2 and sd within 0.5 +/- 0.15."""
    post = trigger_fit.fit(2019)
    effect = post.effect("memory_effect")
    assert abs(effect.mean() - 1.0) < 0.2
    assert abs(effect.std() - 0.5) < 0.15


def test_brier_of_baselines() -> None:
    post = trigger_fit.fit(2016, draws=200, burn=1000)
    scores = trigger_fit.brier(post, rolling.SCORED_UNTIL)
    fitted = trigger_fit.build_table(2016)
    after = trigger_fit.build_table(2016, first="2017-01", last=rolling.SCORED_UNTIL)
    constant = fitted.opened.mean()
    assert scores.constant == pytest.approx(np.mean((constant - after.opened) ** 2))
    assert scores.occurrences == after.size and scores.crises == int(after.opened.sum())
    assert 0.0 <= scores.model <= 1.0


def test_crps_of_a_sample_matches_the_definition() -> None:
    rng = np.random.default_rng(3)
    x = rng.poisson(2.0, 300).astype(float)
    for y in (0.0, 2.0, 5.0):
        brute = np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
        assert rolling.crps_sample(x, y) == pytest.approx(brute, rel=1e-12)


def test_observed_count_after_2022() -> None:
    assert rolling.observed_count("2023-02", "2025-12") == 5
    assert rolling.observed_count("2016-01", "2022-12") == 1


def test_memory_at_the_2023_start() -> None:
    """Pelosi crisis of August 2022, six months before February 2023: exp(-6/24), plus
    the 1995-96 crisis 331 months before."""
    expected = math.exp(-6 / 24) + math.exp(-331 / 24)
    assert trigger_fit.memory_at("2023-02") == pytest.approx(expected, rel=1e-12)
    assert record.cutoff(2022) == "2022-12"
