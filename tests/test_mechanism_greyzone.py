"""Grey-zone intensity as a latent stochastic process: persistence, drift, volatility,
crisis jumps and ``greyzone_rate`` events.

Scenarios are dicts (two actors, one count activity) unless the shipped baseline is the
point; seeds are fixed and the number of runs is stated where a statistic is tested.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.engine.mechanisms.greyzone import monthly_persistence
from sim.engine.params import compile_scenario
from sim.engine.simulate import Engine, simulate
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
QUIET = '["arms","grievance","greyzone","diplomacy","events"]'
"""Mechanisms of the baseline band test: grey zone, grievance, economy and scheduled events
without crises, so the test measures the grey-zone process itself."""


def one_activity(months: int = 120, events: list | None = None, **activity) -> dict:
    """Two actors and one count activity of 120 a year, grey zone and events only."""
    return {
        "meta": {"name": "gz", "start": "2000-01", "months": months},
        "model": {"mechanisms": ["greyzone", "events"]},
        "actors": {
            "AAA": {"name": "A", "gdp_usd_bn": 1000, "milex_usd_bn": 20},
            "BBB": {"name": "B", "gdp_usd_bn": 1000, "milex_usd_bn": 20},
        },
        "theatres": {
            "area": {
                "claimants": ["AAA", "BBB"],
                "holder": "AAA",
                "greyzone": {"patrols": {"by": "BBB", "rate_per_year": 120.0, **activity}},
            }
        },
        "events": events or [],
    }


def annual_counts(d: dict, runs: int, seed: int = 11) -> np.ndarray:
    """(runs, years) units of the activity per year."""
    s, p = compile_scenario(load_scenario(d))
    result = simulate(s, p, run_seeds(seed, np.arange(runs)))
    return result.annual["patrols|area"][:, :, 0]


def test_baseline_bands_widen_with_the_horizon():
    """Baseline, 2000 runs, seed 20230222: the 5-95% band of annual counts is wider in year
    10 (2032) than in year 2 (2024) for the Taiwan ADIZ and Senkaku presence series."""
    scenario = load_scenario(BASELINE, [f"model.mechanisms={QUIET}"])
    s, p = compile_scenario(scenario)
    result = simulate(s, p, run_seeds(20230222, np.arange(2000)))
    years = list(result.years)
    for key in ("adiz_incursions|taiwan", "presence_days|senkaku"):
        counts = result.annual[key][:, :, 0]
        q2 = np.quantile(counts[:, years.index(2024)], [0.05, 0.95])
        q10 = np.quantile(counts[:, years.index(2032)], [0.05, 0.95])
        # measured: ADIZ 257-535 vs 236-587 aircraft; presence 108-199 vs 88-189 days
        assert q10[1] - q10[0] > q2[1] - q2[0], key


def test_monthly_persistence_matches_the_annual_process():
    rho = np.array([0.0, 0.3, 0.66, 0.999999, 1.0])
    phi, scale = monthly_persistence(rho)
    np.testing.assert_allclose(phi**12, rho, atol=1e-12)
    # stationary variance of the monthly process = sigma^2 / (1 - rho^2) per unit sigma
    inner = rho[:3]
    np.testing.assert_allclose(scale[:3] ** 2 / (1 - phi[:3] ** 2), 1 / (1 - inner**2))
    np.testing.assert_allclose(scale[4] ** 2, 1 / 12)


def test_without_volatility_the_rate_is_fixed():
    """No volatility, drift or events: the latent multiplier is exactly 1 (Poisson counts)."""
    d = one_activity(volatility_per_year=0.0)
    s, p = compile_scenario(load_scenario(d))
    eng = Engine(s, p, run_seeds(1, np.arange(4)), record=False)
    for _ in range(24):
        eng.step()
    w = eng.state.world
    assert (w.gz_dev == 0).all() and (w.gz_var == 0).all() and (w.gz_level == 0).all()


def test_latent_noise_keeps_the_mean_and_widens_the_spread():
    """2000 runs: with volatility the ensemble mean of annual counts stays at the rate
    (the -v/2 correction), while the spread exceeds Poisson's."""
    noisy = annual_counts(one_activity(volatility_per_year=0.4), 2000)
    fixed = annual_counts(one_activity(volatility_per_year=0.0), 2000)
    mean = noisy[:, 5].mean()
    se = noisy[:, 5].std() / np.sqrt(len(noisy))
    assert abs(mean - 120.0) < 4 * se
    assert noisy[:, 5].std() > 2 * fixed[:, 5].std()


def test_drift_moves_the_median():
    """1000 runs: a drift of +0.1/yr raises the median of year 10 by about e^(0.1 x 9.5)."""
    counts = annual_counts(one_activity(drift_per_year=0.1, volatility_per_year=0.0), 1000)
    ratio = np.median(counts[:, 9]) / np.median(counts[:, 0])
    assert 2.2 < ratio < 2.9  # exp(0.1 * 9) = 2.46


def test_rate_event_multiplies_the_rate_from_its_month():
    events = [
        {"id": "surge", "at": "2002-01", "kind": "greyzone_rate", "theatre": "area",
         "activity": "patrols", "factor": 3.0},
    ]  # fmt: skip
    counts = annual_counts(one_activity(months=48, events=events, volatility_per_year=0.0), 1000)
    mean = counts.mean(axis=0)
    assert abs(mean[1] - 120) < 3 and abs(mean[2] - 360) < 5 and abs(mean[3] - 360) < 5


def test_a_crisis_lifts_the_latent_intensity():
    """An incident opens a crisis: the latent deviation jumps by crisis_jump, then decays."""
    events = [{"id": "clash", "at": "2000-03", "kind": "incident", "theatre": "area", "by": "BBB"}]
    d = one_activity(months=6, events=events, volatility_per_year=0.0, crisis_jump=0.5)
    d["model"]["mechanisms"] = ["greyzone", "events", "crisis"]
    s, p = compile_scenario(load_scenario(d))
    eng = Engine(s, p, run_seeds(1, np.arange(3)), record=False)
    devs = []
    for _ in range(6):
        eng.step()
        devs.append(eng.state.world.gz_dev[:, 0].copy())
    devs = np.array(devs)
    assert (devs[:2] == 0).all()
    np.testing.assert_allclose(devs[2], 0.5)  # month of the event
    phi = 0.66 ** (1 / 12)
    np.testing.assert_allclose(devs[3], 0.5 * phi)  # one jump per crisis
