"""Economy and arms: stochastic GDP and exchange rates, burden dynamics, budget events.

Scenarios are dicts (two actors, arms only) unless the shipped baseline is the point;
seeds are fixed and the number of runs is stated where a statistic is tested.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.engine.params import compile_scenario
from sim.engine.simulate import Engine, simulate
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "scenarios" / "baseline.toml"
QUIET = '["arms","grievance","greyzone","diplomacy","events"]'
"""Mechanisms of the baseline band tests: the economy and grey zone without crises, so the
test measures the spending process, not crisis and war paths."""


def two(months: int = 120, events: list | None = None, **arms) -> dict:
    """Two actors with arms only; `arms` entries apply to both."""
    actor = {
        "gdp_volatility": 0.0,
        "fx_volatility": 0.0,
        "burden_volatility": 0.0,
        "dynamics": "burden",
        **arms,
    }
    return {
        "meta": {"name": "arms", "start": "2000-01", "months": months},
        "model": {"mechanisms": ["arms", "events"]},
        "actors": {
            "AAA": {"name": "A", "gdp_usd_bn": 1000.0, "milex_usd_bn": 20.0,
                    "gdp_growth_per_year": 0.05, "arms": dict(actor)},
            "BBB": {"name": "B", "gdp_usd_bn": 500.0, "milex_usd_bn": 15.0,
                    "gdp_growth_per_year": 0.0, "arms": dict(actor)},
        },
        "theatres": {"area": {"claimants": ["AAA", "BBB"], "holder": "AAA"}},
        "events": events or [],
    }  # fmt: skip


def path(d: dict, runs: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly (milex, gdp, fx), each (months + 1, runs, actors)."""
    s, p = compile_scenario(load_scenario(d))
    eng = Engine(s, p, run_seeds(7, np.arange(runs)), record=False)
    w = eng.state.world
    out = [(w.milex.copy(), w.gdp.copy(), w.fx.copy())]
    for _ in range(s.months):
        eng.step()
        out.append((w.milex.copy(), w.gdp.copy(), w.fx.copy()))
    milex, gdp, fx = (np.array(x) for x in zip(*out, strict=True))
    return milex, gdp, fx


def test_china_spending_band_widens_with_the_horizon():
    """Baseline, 1000 runs, seed 20230222: China's 2030 5-95% band is wider (relative to its
    median) than its 2024 band.

    Tolerances from sampling error: a percentile bootstrap over the 1000 runs (2000
    resamples, the same resampled runs for both years, so the difference is paired); the
    99.9% interval of w2030 - w2024 lies above 0, and that of w2024 above 0.05 (the band
    was 0.1% wide before model v2). Measured: w2024 0.18, w2030 0.53; intervals
    [0.16, 0.20] and [0.29, 0.40].
    """
    scenario = load_scenario(BASELINE, [f"model.mechanisms={QUIET}"])
    s, p = compile_scenario(scenario)
    result = simulate(s, p, run_seeds(20230222, np.arange(1000)))
    years = list(result.years)
    milex = result.annual["milex_usd_bn|" + ",".join(s.actors)][:, :, s.actors.index("CHN")]

    def width(x: np.ndarray) -> np.ndarray:
        q05, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95], axis=-1)
        return (q95 - q05) / q50

    y24, y30 = milex[:, years.index(2024)], milex[:, years.index(2030)]
    assert width(y30) > width(y24)
    resample = np.random.default_rng(0).integers(0, len(y24), (2000, len(y24)))
    w24, w30 = width(y24[resample]), width(y30[resample])
    low_diff, _ = np.quantile(w30 - w24, [0.0005, 0.9995])
    low24, _ = np.quantile(w24, [0.0005, 0.9995])
    assert low_diff > 0, (width(y24), width(y30), low_diff)
    assert low24 > 0.05, (width(y24), low24)  # no longer a deterministic path


def test_burden_without_shocks_follows_gdp():
    """No shocks, no reaction: the burden stays at its start and spending grows with GDP."""
    milex, gdp, _ = path(two())
    np.testing.assert_allclose(milex / gdp, np.broadcast_to([0.02, 0.03], milex.shape), rtol=1e-9)
    np.testing.assert_allclose(gdp[-1, :, 0], 1000.0 * 1.05**10, rtol=1e-9)


def test_burden_reverts_to_its_target():
    d = two(months=600, burden_adjustment=0.5)
    d["actors"]["AAA"]["arms"]["burden_target"] = 0.04
    milex, gdp, _ = path(d)
    burden = milex / gdp
    np.testing.assert_allclose(burden[-1, :, 0], 0.04, rtol=1e-3)
    assert (np.diff(burden[:, 0, 0]) >= 0).all()


def test_rival_growth_raises_the_burden():
    """Action-reaction on burdens: A's spending grows with its GDP; B, reacting, spends a
    larger share of its (flat) GDP than without the reaction."""
    base, gdp, _ = path(two())
    d = two()
    d["actors"]["BBB"]["arms"]["burden_reaction"] = {"AAA": 0.1}
    react, _, _ = path(d)
    assert (react[-1, :, 1] > base[-1, :, 1] * 1.05).all()
    np.testing.assert_allclose(react[:, :, 0], base[:, :, 0])  # A does not react


def test_gdp_shocks_match_their_volatility():
    """3000 runs, 10 years: log GDP growth is normal with median 10 ln(1.05) and standard
    deviation 0.05 sqrt(10).

    Tolerances from sampling error, each a two-sided test at level 0.001: the number of runs
    below the median is Binomial(3000, 1/2) (exact sign test; +-3.3 se is about +-90 runs,
    a median error of about 0.012), and (R - 1) s^2 / sigma^2 is chi-square with R - 1
    degrees of freedom (a standard deviation within about +-4%).
    """
    from scipy import stats

    d = two(gdp_volatility=0.05)
    d["model"]["mechanisms"] = ["arms"]
    s, p = compile_scenario(load_scenario(d))
    runs = 3000
    eng = Engine(s, p, run_seeds(3, np.arange(runs)), record=False)
    for _ in range(120):
        eng.step()
    growth = np.log(eng.state.world.gdp[:, 0] / 1000.0)
    below = int((growth < 10 * np.log(1.05)).sum())
    assert stats.binomtest(below, runs).pvalue > 0.001, (below, np.median(growth))
    sigma2 = 0.05**2 * 10
    chi2 = (runs - 1) * growth.var(ddof=1) / sigma2
    p_var = 2 * min(stats.chi2.cdf(chi2, runs - 1), stats.chi2.sf(chi2, runs - 1))
    assert p_var > 0.001, (growth.std(ddof=1), np.sqrt(sigma2))


def test_exchange_rate_moves_usd_not_local_spending():
    """Richardson at its equilibrium: local spending stays put, USD spending = local / fx."""
    d = two(dynamics="richardson", fx_volatility=0.1)
    milex, gdp, fx = path(d)
    np.testing.assert_allclose(milex * fx, np.broadcast_to(milex[:1], milex.shape), rtol=1e-9)
    assert fx[-1].std() > 0.05
    # GDP in local currency follows its deterministic path
    expected = np.array([1000.0 * 1.05**10, 500.0])
    np.testing.assert_allclose((gdp * fx)[-1], np.broadcast_to(expected, (4, 2)), rtol=1e-9)


def test_budget_event_fixes_local_spending_for_a_year():
    events = [{"id": "b", "at": "2001-03", "kind": "budget", "actor": "AAA", "growth": 0.1}]
    milex, gdp, fx = path(two(months=36, events=events, fx_volatility=0.05))
    local = milex[:, :, 0] * fx[:, :, 0]
    before = local[14]  # spending at the end of February 2001 (month 13 stepped)
    np.testing.assert_allclose(local[15:27], np.broadcast_to(before * 1.1, (12, 4)), rtol=1e-9)
    # after the fiscal year the burden reached is the new anchor: it stays there
    burden = milex[:, :, 0] / gdp[:, :, 0]
    np.testing.assert_allclose(burden[-1], burden[27], rtol=1e-9)


def test_policy_end_sets_the_new_burden_anchor():
    events = [
        {"id": "p", "at": "2000-06", "kind": "policy", "actor": "BBB",
         "target_share_gdp": 0.05, "reach_by": "2002-01"},
    ]  # fmt: skip
    milex, gdp, _ = path(two(months=120, events=events))
    burden = milex[:, 0, 1] / gdp[:, 0, 1]
    np.testing.assert_allclose(burden[24:], 0.05, rtol=1e-9)
