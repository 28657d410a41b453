"""Forecast scores of the hindcast (`sim.hindcast.scores`): the CRPS estimators, the simple
forecasters, the score tables, the rolling origins and the economy estimated up to a cut-off.

Tolerances of the Monte Carlo checks are derived from the sampling error of the estimate
(four standard errors plus the estimator's known bias), with fixed seeds."""

from __future__ import annotations

import dataclasses
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

from sim.hindcast.observed import Series, data_dir, latent_estimate, load_observed, panel_economy
from sim.hindcast.origins import ROLLING, load_origin
from sim.hindcast.scores import (
    Task,
    build_tasks,
    crps_ensemble,
    crps_normal,
    linear_trend,
    persistence,
    pit_ensemble,
    pit_histogram,
    score_rows,
    score_task,
    summarise_scores,
)

REPO = Path(__file__).resolve().parents[3]
HINDCAST = REPO / "scenarios" / "hindcast_2013.toml"


# ---------------------------------------------------------------------------------------
# CRPS
# ---------------------------------------------------------------------------------------


def _crps_brute(x: np.ndarray, y: float) -> float:
    return float(np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :])))


def test_crps_ensemble_small_cases_by_hand():
    assert crps_ensemble([0.0, 1.0], 0.0) == pytest.approx(0.25)
    assert crps_ensemble([3.0], 5.0) == pytest.approx(2.0)  # one member: absolute error
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = rng.gamma(2.0, 3.0, size=37)
        y = float(rng.normal(6.0, 3.0))
        assert crps_ensemble(x, y) == pytest.approx(_crps_brute(x, y), rel=1e-12)


def test_crps_normal_closed_form_against_the_integral():
    # CRPS(F, y) = integral of (F(x) - 1{x >= y})^2 dx
    for mu, sigma, y in ((0.0, 1.0, 0.0), (2.0, 0.5, 3.1), (-1.0, 3.0, -7.0)):
        f = norm(mu, sigma).cdf
        left = integrate.quad(lambda x, f=f: f(x) ** 2, -np.inf, y)[0]
        right = integrate.quad(lambda x, f=f: (1.0 - f(x)) ** 2, y, np.inf)[0]
        assert float(crps_normal(mu, sigma, y)) == pytest.approx(left + right, rel=1e-7)
    # at the mean of a standard normal: 2 phi(0) - 1/sqrt(pi) = (sqrt 2 - 1) / sqrt(pi)
    assert float(crps_normal(0.0, 1.0, 0.0)) == pytest.approx(
        (math.sqrt(2) - 1) / math.sqrt(math.pi)
    )


@pytest.mark.parametrize("y", [0.0, 0.8, -2.5])
def test_crps_ensemble_converges_to_the_normal_closed_form(y):
    mu, sigma, m = 0.3, 1.7, 20_000
    x = np.random.default_rng(20130101).normal(mu, sigma, m)
    exact = float(crps_normal(mu, sigma, y))
    est = crps_ensemble(x, y)
    # sampling error: the estimator is a V-statistic dominated by the mean of |X - y| (its
    # standard error) and biased low by E|X - X'| / (2M) = sigma / (sqrt(pi) M)
    se = float(np.std(np.abs(x - y), ddof=1)) / math.sqrt(m)
    bias = sigma / (math.sqrt(math.pi) * m)
    assert abs(est - exact) <= 4.0 * se + bias


def test_pit_is_uniform_for_a_calibrated_ensemble():
    rng = np.random.default_rng(7)
    n = 400
    pits = [pit_ensemble(rng.normal(0, 1, 500), float(rng.normal(0, 1))) for _ in range(n)]
    counts = pit_histogram(pits, bins=5)
    assert sum(counts) == n
    # each quintile count is binomial(400, 0.2): s.d. 8; four standard deviations
    assert all(abs(c - n / 5) <= 4 * math.sqrt(n * 0.2 * 0.8) for c in counts)
    # mid-rank for ties (counts of days)
    assert pit_ensemble([1, 2, 2, 3], 2) == pytest.approx(0.5)


# ---------------------------------------------------------------------------------------
# simple forecasters
# ---------------------------------------------------------------------------------------


def test_persistence_and_trend_by_hand():
    years, values = [2013, 2014, 2015, 2016], [10.0, 12.0, 11.0, 14.0]
    p = persistence(years, values, np.array([2017, 2020]))
    s_d = math.sqrt((4 + 1 + 9) / 3)
    assert p.mean.tolist() == [14.0, 14.0]
    assert p.sd.tolist() == pytest.approx([s_d, s_d * 2.0])
    t = linear_trend(years, values, np.array([2017]))
    slope, icpt = np.polyfit(years, values, 1)
    resid = np.array(values) - (icpt + slope * np.array(years))
    s = math.sqrt(np.sum(resid**2) / 2)
    assert t.mean[0] == pytest.approx(icpt + slope * 2017)
    assert t.sd[0] == pytest.approx(s * math.sqrt(1 + 1 / 4 + (2017 - 2014.5) ** 2 / 5.0))
    with pytest.raises(ValueError):
        persistence([2013, 2014], [1.0, 2.0], np.array([2015]))


def test_simple_forecasters_use_only_the_fitted_years():
    """Changing any held-back observation leaves persistence and trend unchanged."""
    years = np.arange(2013, 2025)
    runs = np.random.default_rng(3).normal(100, 10, (200, years.size))
    sim = {("m", "X"): runs}
    obs = {int(y): 100.0 + 2.0 * (y - 2013) + (-1) ** y for y in years}
    late = {y: v * (5.0 if y > 2018 else 1.0) for y, v in obs.items()}
    rows = {}
    for name, values in (("a", obs), ("b", late)):
        s = Series("milex X", "m", "X", "u", "calendar", values, "synthetic")
        table = score_rows(score_task(Task("spending", 2018, s), sim, years))
        rows[name] = table.set_index(["forecaster", "year"])["median"]
    for fc in ("persistence", "trend"):
        assert rows["a"].loc[fc].tolist() == pytest.approx(rows["b"].loc[fc].tolist())
    assert rows["a"].loc["persistence"].tolist() == pytest.approx([obs[2018]] * 6)
    # the model's forecast is the ensemble whatever the observations
    assert rows["a"].loc["model"].tolist() == pytest.approx(rows["b"].loc["model"].tolist())


def test_score_task_and_summary_on_a_known_ensemble():
    years = np.arange(2013, 2019)
    draws = np.repeat(np.arange(1001, dtype=float)[:, None], years.size, axis=1)
    obs = {2013: 480.0, 2014: 500.0, 2015: 520.0, 2016: 500.0, 2017: 800.0, 2018: 990.0}
    s = Series("presence_days", "m", "X", "u", "calendar", obs, "synthetic")
    rows = score_task(Task("grey zone", 2015, s), {("m", "X"): draws}, years)
    table = score_rows(rows)
    model = table[table["forecaster"] == "model"].set_index("year")
    assert model.index.tolist() == [2016, 2017, 2018]
    assert model["horizon"].tolist() == [1, 2, 3]
    assert model["in90"].tolist() == [True, True, False]  # 90% band [50, 950]
    assert model["in50"].tolist() == [True, False, False]  # 50% band [250, 750]
    assert model.loc[2016, "pit"] == pytest.approx(500.5 / 1001)
    assert model.loc[2016, "crps"] == pytest.approx(crps_ensemble(draws[:, 0], 500.0))
    summ = summarise_scores(table)
    m = summ[(summ["series"] == "presence_days") & (summ["forecaster"] == "model")].iloc[0]
    assert m["n"] == 3 and m["coverage90"] == pytest.approx(2 / 3)
    assert m["crps"] == pytest.approx(model["crps"].mean())
    p = summ[(summ["series"] == "presence_days") & (summ["forecaster"] == "persistence")].iloc[0]
    assert m["skill_vs_persistence"] == pytest.approx(1 - m["crps"] / p["crps"])
    assert {"all"} <= set(summ["series"])


def test_build_tasks_scores_spending_from_the_cutoff_and_grey_zone_from_rolling_origins():
    tasks = build_tasks(load_observed(), 2018, ROLLING)
    assert sorted(tasks) == [2015, 2016, 2018]
    assert {t.series.key for t in tasks[2018]} == {
        f"milex {a}" for a in "CHN JPN USA TWN RUS".split()
    }
    assert tasks[2018][0].score_years() == list(range(2019, 2025))
    grey = {t.series.key for t in tasks[2015]}
    assert grey == {"presence_days", "intrusion_days", "scrambles"}  # ADIZ: one point, no trend
    assert [t.score_years() for t in tasks[2016]][0] == [2017, 2018]


# ---------------------------------------------------------------------------------------
# fitted on data up to the cut-off only
# ---------------------------------------------------------------------------------------


def test_panel_economy_ignores_years_after_the_cutoff(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    src = data_dir() / "milex_gdp_panel_2000_2024.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    year, share = head.index("year"), head.index("milex_share_gdp_pct")
    changed = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if int(cells[year]) > 2018 and cells[share]:
            cells[share] = str(float(cells[share]) * 3.0)
        changed.append(",".join(cells))
    (folder / src.name).write_text("\n".join(changed) + "\n", encoding="utf-8")
    for actor in ("CHN", "RUS"):
        assert panel_economy(actor, 2018, folder=folder) == panel_economy(actor, 2018)
        assert panel_economy(actor, 2024, folder=folder) != panel_economy(actor, 2024)
    e = panel_economy("USA", 2018)
    assert e.fx_volatility == pytest.approx(0.0, abs=1e-6)  # USD by construction
    assert 0.03 < e.growth < 0.05


def test_latent_estimate_reproduces_the_engine_defaults_at_2018_and_uses_only_earlier_years():
    from sim.engine.mechanisms.greyzone import GreyzoneParams

    est = latent_estimate(2018)
    spec = {f.name: f.metadata["param"].spec for f in dataclasses.fields(GreyzoneParams)}
    assert est.transitions == 19  # 5 + 5 + 9, as docs/MODEL.md 7.3
    assert round(est.persistence, 2) == spec["persistence_per_year"].default
    assert round(est.volatility, 2) == spec["volatility_per_year"].default
    early = latent_estimate(2015)
    assert early.transitions == 2 + 2 + 6
    assert early != est


@pytest.mark.parametrize("cutoff", ROLLING)
def test_rolling_origins_exist_and_apply_to_the_scenario(cutoff, tmp_path):
    from sim.scenario import load_scenario

    origin = load_origin(cutoff)
    assert f"--cutoff {cutoff}" in origin.note and "--origin" in origin.note
    assert "theatres.senkaku.greyzone.presence_days.rate_per_year" in origin.overrides
    scen = load_scenario(HINDCAST, origin.overrides)
    chn = scen.data["actors"]["CHN"]
    assert chn["gdp_growth_per_year"] == pytest.approx(
        round(panel_economy("CHN", cutoff).growth, 4)
    )
    shutil.copy(HINDCAST, tmp_path / "x.toml")
    from sim.errors import SimError

    with pytest.raises(SimError, match="calibrate_hindcast"):
        load_origin(2001)


# ---------------------------------------------------------------------------------------
# the acceptance line of issue 15 on the shipped hindcast
# ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_hindcast_spending_scores_meet_the_acceptance_line():
    """Spending 2019-2024: 90% coverage >= 80% and pooled CRPS below both simple forecasters.

    400 runs, seed 20130101 (the scenario's). Margins: at 1,000 runs the model's pooled
    relative CRPS is 34% below persistence and 44% below the trend (docs/hindcast.md 3.2);
    its Monte Carlo error at 400 runs is about 1% of itself (the ensemble CRPS of one
    observation has a standard error near spread / sqrt(400), 5%, averaged over 30
    observations), so a 10% margin is many standard errors. Coverage is 29 of 30 at 1,000
    runs; an edge observation can move with the 5% and 95% quantiles (their standard error
    at 400 runs is about 2% of the band's width), so the check keeps the acceptance line of
    24 of 30 rather than the measured value.
    """
    from sim.cli.validate import forecast_scores, validate

    _, observed, years, arrays, *_ = validate(HINDCAST, runs=400, workers=1)
    scores, summary = forecast_scores(HINDCAST, observed, years, arrays, 400, None, 2018, [])
    pooled = summary[(summary["group"] == "spending") & (summary["series"] == "all")]
    model = pooled[pooled["forecaster"] == "model"].iloc[0]
    assert model["n"] == 30
    assert model["coverage90"] >= 0.8
    assert model["skill_vs_persistence"] > 0.1 and model["skill_vs_trend"] > 0.1
