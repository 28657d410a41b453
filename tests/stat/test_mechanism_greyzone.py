"""Grey-zone intensity as a local level with drift: the random-walk level, the AR(1)
deviation, crisis spikes and ratchets, the shared budget and its shares, the logit scale of
days, the bounded response ratio and ``greyzone_rate`` events.

Each equation of docs/MODEL.md 7.3 is checked against a plain-Python reference (loops over
runs and activities) on a few runs, to float precision. Scenarios are dicts (two actors,
one or two activities) unless the shipped baseline is the point; seeds are fixed and the
number of runs is stated where a statistic is tested.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.engine import streams
from sim.engine.mechanisms.greyzone import (
    day_share,
    log_intensity,
    monthly_persistence,
    pool_shares,
    pools,
)
from sim.engine.params import compile_scenario
from sim.engine.simulate import Engine, simulate
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "scenarios" / "baseline.toml"
QUIET = '["arms","grievance","greyzone","diplomacy","events"]'
"""Mechanisms of the baseline band test: grey zone, grievance, economy and scheduled events
without crises, so the test measures the grey-zone process itself."""

STILL = {
    "level_volatility_per_year": 0.0,
    "volatility_per_year": 0.0,
    "crisis_spike": 0.0,
}
"""An activity without any noise or spike (fixed rate unless drift or events say so)."""


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


def two_theatres(months: int = 24, **common) -> dict:
    """BBB flies in two theatres from one shared budget, plus days and a response."""
    return {
        "meta": {"name": "gz2", "start": "2000-01", "months": months},
        "model": {"mechanisms": ["greyzone", "events"]},
        "actors": {
            "AAA": {"name": "A", "gdp_usd_bn": 1000, "milex_usd_bn": 20},
            "BBB": {"name": "B", "gdp_usd_bn": 1000, "milex_usd_bn": 20},
            "CCC": {"name": "C", "gdp_usd_bn": 500, "milex_usd_bn": 10},
        },
        "theatres": {
            "north": {
                "claimants": ["AAA", "BBB"],
                "holder": "AAA",
                "greyzone": {
                    "flights": {"by": "BBB", "rate_per_year": 300.0, "shared_budget": True,
                                "drift_per_year": 0.2, **common},
                    "presence": {"by": "BBB", "unit": "days", "rate_per_year": 200.0,
                                 "drift_per_year": 0.1, **common},
                    "scrambles": {"by": "AAA", "responds_to": "flights", "ratio": 1.0,
                                  "ratio_min": 0.8, "ratio_max": 1.25,
                                  "ratio_volatility_per_year": 0.3},
                },
            },
            "south": {
                "claimants": ["CCC", "BBB"],
                "holder": "CCC",
                "greyzone": {
                    "incursions": {"by": "BBB", "rate_per_year": 900.0, "shared_budget": True,
                                   "drift_per_year": -0.1, **common},
                },
            },
        },
    }  # fmt: skip


def annual_counts(d: dict, runs: int, seed: int = 11, key: str = "patrols|area") -> np.ndarray:
    """(runs, years) units of the activity per year."""
    s, p = compile_scenario(load_scenario(d))
    result = simulate(s, p, run_seeds(seed, np.arange(runs)))
    return result.annual[key][:, :, 0]


def engine(d: dict, runs: int, seed: int = 1) -> Engine:
    s, p = compile_scenario(load_scenario(d))
    return Engine(s, p, run_seeds(seed, np.arange(runs)), record=False)


# --------------------------------------------------------------------------------------
# equations against plain-Python references
# --------------------------------------------------------------------------------------


def test_level_budget_and_deviation_follow_their_recursions():
    """3 runs, 8 months: gz_level, gz_budget, gz_dev and gz_var equal a loop over runs and
    activities fed the same normals (MODEL.md 7.3), to float precision; the level's and
    the budget's drifts damped by their annual persistence (0.8 by default) to the 1/12."""
    d = two_theatres(months=8, level_volatility_per_year=0.3, volatility_per_year=0.2)
    d["actors"]["BBB"]["greyzone"] = {
        "budget_drift_per_year": 0.15,
        "budget_volatility_per_year": 0.25,
    }
    eng = engine(d, 3)
    s, p = eng.structure, eng.params.greyzone
    q_all, n_act = len(s.activities), len(s.actors)
    rho = 0.66
    phi = rho ** (1 / 12)
    # the response keeps the default AR(1) volatility (0.22), the others 0.2
    sig = [float(p.volatility_per_year[0, q]) for q in range(q_all)]
    shocks = [sg * math.sqrt((1 - phi**2) / (1 - rho**2)) for sg in sig]
    level = [[0.0] * q_all for _ in range(3)]
    dev = [[0.0] * q_all for _ in range(3)]
    var = [[0.0] * q_all for _ in range(3)]
    budget = [[0.0] * n_act for _ in range(3)]
    drift = [float(p.drift_per_year[0, q]) for q in range(q_all)]
    keep = [float(p.drift_persistence_per_year[0, q]) ** (1 / 12) for q in range(q_all)]
    bb = s.actors.index("BBB")
    budget_drift = [0.15 if a == bb else 0.0 for a in range(n_act)]
    budget_keep = 0.8 ** (1 / 12)
    for t in range(8):
        eng.step()
        e = eng.rng.normal(t, streams.GREYZONE_LATENT, 3 * q_all + n_act)
        for r in range(3):
            for q in range(q_all):
                primary = s.act_responds[q] < 0
                if primary:
                    level[r][q] += drift[q] / 12 + 0.3 / math.sqrt(12) * e[r, q]
                else:  # scrambles: bounded log ratio
                    x = level[r][q] + 0.3 / math.sqrt(12) * e[r, q]
                    level[r][q] = min(max(x, math.log(0.8)), math.log(1.25))
                dev[r][q] = phi * dev[r][q] + shocks[q] * e[r, q_all + q]
                var[r][q] = phi**2 * var[r][q] + shocks[q] ** 2
            for a in range(n_act):
                sb = 0.25 if a == bb else 0.21
                budget[r][a] += budget_drift[a] / 12 + sb / math.sqrt(12) * e[r, 3 * q_all + a]
        drift = [
            g * k if s.act_responds[q] < 0 else g
            for q, (g, k) in enumerate(zip(drift, keep, strict=True))
        ]
        budget_drift = [g * budget_keep for g in budget_drift]
        w = eng.state.world
        np.testing.assert_allclose(w.gz_level, level, rtol=0, atol=1e-12)
        np.testing.assert_allclose(w.gz_dev, dev, rtol=0, atol=1e-12)
        np.testing.assert_allclose(w.gz_var, var, rtol=0, atol=1e-12)
        np.testing.assert_allclose(w.gz_budget, budget, rtol=0, atol=1e-12)


def _reference_log_intensity(level, heat, cap, spike, dev, var, budget, start, member):
    """Plain-Python x_q of MODEL.md 7.3."""
    runs, q_all = len(level), len(level[0])
    out = [[0.0] * q_all for _ in range(runs)]
    for r in range(runs):
        for q in range(q_all):
            peers = [j for j in range(q_all) if member[r][q][j]]
            transient = cap[r][q] + spike[r][q] + dev[r][q] - var[r][q] / 2
            if len(peers) == 1:
                out[r][q] = level[r][q] + heat[r][q] + transient
                continue
            z = {j: math.log(start[r][j]) + level[r][j] + heat[r][j] for j in peers}
            share = math.exp(z[q]) / sum(math.exp(v) for v in z.values())
            out[r][q] = budget[r][q] + math.log(share / start[r][q]) + transient
    return out


def test_log_intensity_matches_the_reference():
    """4 runs, 4 activities (two pools of two in some runs): x_q to float precision."""
    rng = np.random.default_rng(5)
    runs, q_all = 4, 4
    by = np.array([0, 0, 1, 0])
    days = np.array([False, False, False, True])
    responds = np.array([-1, -1, -1, -1])
    shared = np.array([[1, 1, 0, 1], [1, 1, 1, 1], [0, 0, 1, 1], [1, 0, 1, 0]], dtype=bool)
    member = pools(shared, by, days, responds)
    rate = rng.uniform(10, 500, (runs, q_all))
    total = np.where(member, rate[:, None, :], 0).sum(axis=2)
    start = rate / total
    arrays = [rng.normal(0, 0.5, (runs, q_all)) for _ in range(6)]
    arrays[5] = np.abs(arrays[5])  # variance
    level, heat, cap, spike, dev, var = arrays
    budget = rng.normal(0, 0.3, (runs, q_all))
    budget[:, 1] = budget[:, 0]  # the same actor's budget
    budget[:, 3] = budget[:, 0]
    got = log_intensity(level, heat, cap, spike, dev, var, budget, start, member)
    want = _reference_log_intensity(
        level.tolist(), heat.tolist(), cap.tolist(), spike.tolist(), dev.tolist(),
        var.tolist(), budget.tolist(), start.tolist(), member.tolist(),
    )  # fmt: skip
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # days activities and other actors never pool
    assert not member[:, 3, :3].any() and not member[:, 2, [0, 1, 3]].any()


def test_shares_sum_to_one_within_each_pool():
    """Random logits, 50 runs of 6 activities in pools of various sizes: the shares of
    each pool sum to one, and the pooled intensities sum to the budget."""
    rng = np.random.default_rng(9)
    by = np.array([0, 0, 0, 1, 1, 2])
    shared = rng.uniform(size=(50, 6)) < 0.6
    member = pools(shared, by, np.zeros(6, bool), -np.ones(6, int))
    z = rng.normal(0, 3, (50, 6))
    share = pool_shares(z, member)
    sums = np.einsum("rqj,rj->rq", member.astype(float), share)
    np.testing.assert_allclose(sums, 1.0, rtol=1e-12)
    # sum over a pool of rate_q exp(x_q) = (pool's rates) exp(budget), without transients
    rate = rng.uniform(1, 100, (50, 6))
    start = rate / np.where(member, rate[:, None, :], 0).sum(axis=2)
    budget = np.repeat(rng.normal(size=(50, 1)), 6, axis=1)
    zero = np.zeros((50, 6))
    x = log_intensity(z, zero, zero, zero, zero, zero, budget, start, member)
    pooled = np.einsum("rqj,rj->rq", member.astype(float), rate * np.exp(x))
    alone = member.sum(axis=2) == 1
    want = np.where(member, rate[:, None, :], 0).sum(axis=2) * np.exp(budget)
    np.testing.assert_allclose(pooled[~alone], want[~alone], rtol=1e-10)


def test_engine_shares_sum_to_one_and_move():
    """200 runs, 36 months: the two pooled theatres' shares sum to one in every run and
    month, start at 300 / 1200, and wander (their spread grows)."""
    eng = engine(two_theatres(months=36), 200)
    s = eng.structure
    member = pools(eng.params.greyzone.shared_budget, s.act_by, s.act_days, s.act_responds)
    rate = np.broadcast_to(eng.params.greyzone.rate_per_year, member.shape[:2])
    total = np.where(member, rate[:, None, :], 0).sum(axis=2)
    start = np.where(total > 0, rate / np.maximum(total, 1e-300), 1.0)
    f, i = s.activity_names.index("flights"), s.activity_names.index("incursions")
    spreads = []
    for _ in range(36):
        eng.step()
        share = pool_shares(np.log(start) + eng.state.world.gz_level, member)
        np.testing.assert_allclose(share[:, f] + share[:, i], 1.0, rtol=1e-12)
        spreads.append(share[:, f].std())
    assert start[0, f] == pytest.approx(0.25)
    assert spreads[-1] > 2 * spreads[0]


def test_day_share_is_the_logistic_of_the_logit_plus_x():
    rate = np.array([[0.0, 36.5, 182.5, 365.0, 400.0]])
    x = np.array([[3.0, 0.0, -1.0, 5.0, 0.0]])
    got = day_share(rate, x)
    for j in range(5):
        s0 = min(rate[0, j] / 365, 0.999)
        want = 0.0 if s0 == 0 else 1 / (1 + math.exp(-(math.log(s0 / (1 - s0)) + x[0, j])))
        assert got[0, j] == pytest.approx(want, rel=1e-12, abs=0)
    assert got[0, 1] == pytest.approx(0.1)


def test_days_never_exceed_the_days_in_the_year():
    """2000 runs x 10 years pushed hard upward (drift +3 logit units a year, volatility 1):
    presence days reach the bound but never pass the days of the calendar year."""
    d = one_activity(
        unit="days", rate_per_year=300.0, drift_per_year=3.0, level_volatility_per_year=1.0
    )
    counts = annual_counts(d, 2000, key="patrols|area")
    years = np.arange(2000, 2010)
    in_year = np.array([366 if y % 4 == 0 else 365 for y in years])
    assert (counts <= in_year).all()
    assert counts[:, -1].max() >= in_year[-1] - 1  # it does approach the bound
    assert np.median(counts[:, -1]) > 355


def test_response_ratio_stays_in_its_bounds():
    """500 runs, 60 months, ratio volatility 0.3/yr: scrambles per flight stay in
    [0.8, 1.25] and reach both sides."""
    eng = engine(two_theatres(months=60), 500)
    q = eng.structure.activity_names.index("scrambles")
    lo, hi = [], []
    for _ in range(60):
        eng.step()
        ratio = np.exp(eng.state.world.gz_level[:, q])
        lo.append(ratio.min())
        hi.append(ratio.max())
    assert min(lo) >= 0.8 - 1e-12 and max(hi) <= 1.25 + 1e-12
    assert min(lo) < 0.81 and max(hi) > 1.24


# --------------------------------------------------------------------------------------
# statistics of the random walk
# --------------------------------------------------------------------------------------


def test_level_variance_grows_linearly_in_t():
    """4000 runs, no drift, level volatility 0.3/yr: Var l(t) = 0.09 t / 12 at t = 12, 60 and
    120 months, each within 4 standard errors of a sample variance, sd(var) = var
    sqrt(2 / (R - 1)) (normal increments), about +-9%."""
    runs = 4000
    eng = engine(one_activity(volatility_per_year=0.0, level_volatility_per_year=0.3), runs)
    for t in range(1, 121):
        eng.step()
        if t in (12, 60, 120):
            v = eng.state.world.gz_level[:, 0].var(ddof=1)
            want = 0.09 * t / 12
            se = want * math.sqrt(2 / (runs - 1))
            assert abs(v - want) < 4 * se, (t, v, want)


def poisson_z(counts: np.ndarray, expected: float) -> float:
    """Standard score of the mean of `counts`, Poisson sums of mean `expected` (no noise)."""
    return float((counts.mean() - expected) / math.sqrt(expected / len(counts)))


Z999 = 3.29
"""Two-sided 99.9% normal quantile: the tolerance of the noise-free mean tests."""


@pytest.mark.parametrize("keep", [1.0, 0.8])
def test_drift_raises_the_rate_exponentially(keep: float) -> None:
    """1000 runs, no noise, drift +0.1/yr kept `keep` a year (1: undamped; 0.8: the
    default damped trend): month t (from 0) has level 0.1 / 12 x sum_{k<=t} keep^(k/12), so
    the annual counts of year y are sums of Poissons of mean 10 exp(level) over its months;
    the means of years 2 and 10 are each within 3.29 standard errors sqrt(mean / 1000) of
    theirs (+-1.2 and +-1.8 counts). Undamped the ratio of years 10 to 2 is e^0.8 = 2.23,
    damped 1.18, so the two cases tell each other apart. (Year 1 is left out: the first
    month draws about 0.74 of its rate, measured.)"""
    runs = 1000
    d = one_activity(drift_per_year=0.1, drift_persistence_per_year=keep, **STILL)
    counts = annual_counts(d, runs)
    kappa = keep ** (1 / 12)
    level = np.cumsum(0.1 / 12 * kappa ** np.arange(120))
    for y in (1, 9):
        expected = sum(10.0 * math.exp(level[t]) for t in range(12 * y, 12 * y + 12))
        z = poisson_z(counts[:, y], expected)
        assert abs(z) < Z999, (y, counts[:, y].mean(), expected, z)


def test_without_noise_the_rate_is_fixed():
    """No volatility, drift, spike or events: the level and deviation stay exactly 0."""
    eng = engine(one_activity(**STILL), 4)
    for _ in range(24):
        eng.step()
    w = eng.state.world
    assert (w.gz_dev == 0).all() and (w.gz_var == 0).all() and (w.gz_level == 0).all()


def test_transient_deviation_keeps_the_mean():
    """2000 runs: the AR(1) deviation alone (no level noise) keeps the ensemble mean of annual
    counts at the rate (its -v/2 correction), with a spread above Poisson's."""
    noisy = annual_counts(one_activity(volatility_per_year=0.4, level_volatility_per_year=0), 2000)
    fixed = annual_counts(one_activity(**STILL), 2000)
    se = noisy[:, 5].std() / np.sqrt(len(noisy))
    assert abs(noisy[:, 5].mean() - 120.0) < 4 * se
    assert noisy[:, 5].std() > 2 * fixed[:, 5].std()


def test_baseline_bands_widen_with_the_horizon():
    """Baseline, 2000 runs, seed 20230222: the 5-95% band of annual counts is wider in year
    10 (2032) than in year 2 (2024) for the Taiwan ADIZ and Senkaku presence series.

    Sampling error: a paired percentile bootstrap over the runs (2000 resamples, the same
    runs for both years); the 99.9% interval of the width difference lies above 0."""
    scenario = load_scenario(BASELINE, [f"model.mechanisms={QUIET}"])
    s, p = compile_scenario(scenario)
    result = simulate(s, p, run_seeds(20230222, np.arange(2000)))
    years = list(result.years)
    resample = np.random.default_rng(0).integers(0, 2000, (2000, 2000))

    def width(x: np.ndarray) -> np.ndarray:
        q05, q95 = np.quantile(x, [0.05, 0.95], axis=-1)
        return q95 - q05

    for key in ("adiz_incursions|taiwan", "presence_days|senkaku"):
        counts = result.annual[key][:, :, 0]
        y2, y10 = counts[:, years.index(2024)], counts[:, years.index(2032)]
        assert width(y10) > width(y2), key
        low = np.quantile(width(y10[resample]) - width(y2[resample]), 0.0005)
        assert low > 0, (key, width(y2), width(y10), low)
    assert (result.annual["presence_days|senkaku"] <= 366).all()


# --------------------------------------------------------------------------------------
# events, crises, determinism
# --------------------------------------------------------------------------------------


def test_rate_event_shifts_the_level_and_the_drift_from_its_month():
    events = [
        {"id": "surge", "at": "2002-01", "kind": "greyzone_rate", "theatre": "area",
         "activity": "patrols", "factor": 3.0, "drift_change": 0.12},
    ]  # fmt: skip
    eng = engine(one_activity(months=48, events=events, **STILL), 3)
    levels = []
    for _ in range(48):
        eng.step()
        levels.append(eng.state.world.gz_level[:, 0].copy())
    levels = np.array(levels)
    np.testing.assert_allclose(levels[23], 0.0, atol=1e-15)
    # month 24: events come first, so the level jumps by ln 3 and takes the new drift's step
    np.testing.assert_allclose(levels[24], math.log(3.0) + 0.12 / 12, rtol=1e-12)
    # the new drift is damped from its month on (0.8 a year by default)
    kappa = 0.8 ** (1 / 12)
    steps = 0.12 / 12 * kappa ** np.arange(24)
    np.testing.assert_allclose(levels[47], math.log(3.0) + steps.sum(), rtol=1e-12)
    # 1000 runs, noise-free, so annual counts are Poisson sums: 2001 has mean 120, 2002 the
    # sum of 30 exp(level) over its months (about 383); each sample mean is within 3.29
    # standard errors sqrt(mean / 1000) (+-1.1 and +-2.0 counts)
    counts = annual_counts(one_activity(months=36, events=events, **STILL), 1000)
    assert abs(poisson_z(counts[:, 1], 120.0)) < Z999, counts[:, 1].mean()
    surged = sum(30.0 * math.exp(steps[: j + 1].sum()) for j in range(12))
    assert abs(poisson_z(counts[:, 2], surged)) < Z999, (counts[:, 2].mean(), surged)


def test_a_crisis_spikes_that_month_and_ratchets_the_level():
    """An incident opens a crisis: that month the log intensity is up by the spike, the level
    keeps ratchet x spike; 4000 runs for the mean counts."""
    events = [{"id": "clash", "at": "2000-03", "kind": "incident", "theatre": "area", "by": "BBB"}]
    kw = {**STILL, "crisis_spike": 1.0, "crisis_ratchet": 0.25, "rung_elasticity": 0.0}
    d = one_activity(months=6, events=events, **kw)
    d["model"]["mechanisms"] = ["greyzone", "events", "crisis"]
    eng = engine(d, 4000)
    levels, counts = [], []
    for _ in range(6):
        eng.step()
        levels.append(eng.state.world.gz_level[:, 0].copy())
        counts.append(eng.state.scratch.activity[:, 0].copy())
    levels = np.array(levels)
    assert (levels[:2] == 0).all()
    np.testing.assert_allclose(levels[2], 0.25)  # the ratchet, in the month of the crisis
    # runs where the crisis mechanism opened no second crisis keep one ratchet
    one = (levels[2:] == 0.25).all(axis=0)
    assert one.mean() > 0.9
    lam = 10.0
    se = math.sqrt(lam * math.exp(1.25) / 4000)
    assert abs(counts[2].mean() - lam * math.exp(1.25)) < 4 * se  # spike + ratchet
    c4 = counts[4][one]
    assert abs(c4.mean() - lam * math.exp(0.25)) < 4 * math.sqrt(lam * 1.3 / len(c4))


def test_same_seed_same_result_alone_or_in_a_batch():
    d = two_theatres(months=36, level_volatility_per_year=0.3, volatility_per_year=0.1)
    s, p = compile_scenario(load_scenario(d))
    batch = simulate(s, p, run_seeds(7, np.arange(40)))
    alone = simulate(s, p, run_seeds(7, np.array([17])))
    again = simulate(s, p, run_seeds(7, np.arange(40)))
    for key, v in batch.annual.items():
        np.testing.assert_array_equal(v[17], alone.annual[key][0], err_msg=key)
        np.testing.assert_array_equal(v, again.annual[key], err_msg=key)


def test_monthly_persistence_matches_the_annual_process():
    rho = np.array([0.0, 0.3, 0.66, 0.999999, 1.0])
    phi, scale = monthly_persistence(rho)
    np.testing.assert_allclose(phi**12, rho, atol=1e-12)
    inner = rho[:3]
    np.testing.assert_allclose(scale[:3] ** 2 / (1 - phi[:3] ** 2), 1 / (1 - inner**2))
    np.testing.assert_allclose(scale[4] ** 2, 1 / 12)


def test_a_scenario_without_greyzone_runs():
    d = two_theatres(months=12)
    d["model"]["mechanisms"] = ["events"]
    s, p = compile_scenario(load_scenario(d))
    result = simulate(s, p, run_seeds(3, np.arange(5)))
    assert result.annual
