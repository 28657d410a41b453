"""Richardson arms race (DESIGN.md "Required behaviour"): equilibrium, runaway, Euler step.

With only ``arms`` on and no events, spending follows dm/dt = K m - A m + g (per year),
stepped monthly: m(t+1) = m(t) + (K m - a m + g) / 12. These tests build two-actor
scenarios as dicts, so they do not depend on the shipped scenario files.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.params import compile_scenario
from sim.engine.simulate import Engine, simulate
from sim.scenario import load_scenario

SEEDS = np.arange(3, dtype=np.uint64)  # arms-only dynamics are deterministic; 3 runs agree


def arms_scenario(
    a, k, g, m0=(10.0, 10.0), months=600, gdp=(1e5, 1e5), growth=0.0, max_share=1.0
) -> dict:
    """Two actors, arms only, explicit Richardson coefficients, deterministic economy.

    The analytic results hold for the linear Richardson configuration: `arms.dynamics`
    richardson (the default) and no GDP or exchange-rate shocks (`arms.gdp_volatility` is
    on by default, so it is switched off here; `arms.fx_volatility` defaults to 0).
    """
    a1, a2 = a
    k12, k21 = k
    g1, g2 = g
    return {
        "meta": {"name": "richardson", "start": "2000-01", "months": months},
        "model": {"mechanisms": ["arms"]},
        "actors": {
            "AAA": {
                "name": "A",
                "gdp_usd_bn": gdp[0],
                "milex_usd_bn": m0[0],
                "gdp_growth_per_year": growth,
                "arms": {
                    "fatigue": a1,
                    "grievance": g1,
                    "reaction": {"BBB": k12},
                    "max_share_gdp": max_share,
                    "gdp_volatility": 0.0,
                    "fx_volatility": 0.0,
                    "dynamics": "richardson",
                },
            },
            "BBB": {
                "name": "B",
                "gdp_usd_bn": gdp[1],
                "milex_usd_bn": m0[1],
                "gdp_growth_per_year": growth,
                "arms": {
                    "fatigue": a2,
                    "grievance": g2,
                    "reaction": {"AAA": k21},
                    "max_share_gdp": max_share,
                    "gdp_volatility": 0.0,
                    "fx_volatility": 0.0,
                    "dynamics": "richardson",
                },
            },
        },
        "theatres": {"area": {"claimants": ["AAA", "BBB"], "holder": "AAA"}},
    }


def equilibrium(a, k, g) -> np.ndarray:
    """m* = (A - K)^-1 g."""
    big_a = np.diag(a)
    big_k = np.array([[0.0, k[0]], [k[1], 0.0]])
    return np.linalg.solve(big_a - big_k, np.asarray(g, dtype=float))


def run_engine(d: dict, months: int | None = None) -> tuple[Engine, list[np.ndarray]]:
    s, p = compile_scenario(load_scenario(d))
    eng = Engine(s, p, SEEDS, record=False)
    path = [eng.state.world.milex.copy()]
    steps = months if months is not None else s.months
    for _ in range(steps):
        eng.step()
        path.append(eng.state.world.milex.copy())
    return eng, path


STABLE = [
    # (a, k, g, m0): a1 a2 > k12 k21
    ((0.5, 0.5), (0.2, 0.3), (10.0, 5.0), (10.0, 10.0)),
    ((0.4, 0.5), (0.1, 0.6), (2.0, 1.0), (50.0, 1.0)),  # eigenvalues -0.2, -0.7 /yr
    ((1.0, 0.3), (0.0, 0.0), (5.0, 9.0), (100.0, 0.0)),  # uncoupled, starting above and below
]


@pytest.mark.parametrize("a,k,g,m0", STABLE)
def test_stable_system_converges_to_equilibrium(a, k, g, m0):
    assert a[0] * a[1] > k[0] * k[1]
    star = equilibrium(a, k, g)
    assert (star > 0).all()
    months = 600
    # the slowest mode must have decayed far below 1% within the horizon (check the setup)
    jac = np.array([[-a[0], k[0]], [k[1], -a[1]]])
    slowest = np.max(np.linalg.eigvals(jac).real)
    gap0 = np.max(np.abs(np.asarray(m0) - star) / star)
    assert gap0 * (1 + slowest / 12) ** months < 1e-3
    d = arms_scenario(a, k, g, m0=m0, months=months)
    result = simulate(*compile_scenario(load_scenario(d)), SEEDS)
    _, path = run_engine(d)
    final = path[-1]
    np.testing.assert_allclose(final, np.broadcast_to(star, final.shape), rtol=0.01)
    # and it stays there (the last two years move by far less than 1%)
    np.testing.assert_allclose(path[-25], path[-1], rtol=1e-3)
    # the annual record agrees with the state (mean of the last year's months)
    block = result.annual["milex_usd_bn|AAA,BBB"]
    np.testing.assert_allclose(block[:, -1, :], np.broadcast_to(star, (3, 2)), rtol=0.01)


def test_equilibrium_starting_budgets_stay_put():
    """Default arms.grievance makes the starting budgets an equilibrium (schema doc)."""
    d = arms_scenario((0.2, 0.3), (0.05, 0.1), (0.0, 0.0), m0=(40.0, 25.0), months=120)
    for code in ("AAA", "BBB"):
        del d["actors"][code]["arms"]["grievance"]
    _, path = run_engine(d)
    np.testing.assert_allclose(path[-1], path[0], rtol=1e-9)


UNSTABLE = [
    ((0.1, 0.1), (0.3, 0.3), (1.0, 1.0)),
    ((0.2, 0.3), (0.5, 0.4), (5.0, 0.0)),
]


@pytest.mark.parametrize("a,k,g", UNSTABLE)
def test_unstable_system_runs_away_to_the_ceiling(a, k, g):
    assert a[0] * a[1] < k[0] * k[1]
    gdp = 1e5
    d = arms_scenario(a, k, g, m0=(10.0, 10.0), months=600, gdp=(gdp, gdp))
    _, path = run_engine(d)
    arr = np.array(path)[:, 0, :]  # (T+1, 2), one run
    # after a transient, monotone growth until pinned at the ceiling (max_share_gdp = 1)
    assert (np.diff(arr[60:], axis=0) >= 0).all()
    np.testing.assert_allclose(arr[-1], [gdp, gdp], rtol=1e-12)
    # far above anything an equilibrium could give (there is no positive one)
    star = equilibrium(a, k, g)
    assert not (star > 0).all()
    assert (arr[-1] > 1000 * arr[0]).all()


def test_unstable_growth_rate_matches_leading_eigenvalue():
    """Before the ceiling binds, log-growth per year is the leading eigenvalue of K - A."""
    a, k, g = (0.1, 0.1), (0.3, 0.3), (0.0, 0.0)
    d = arms_scenario(a, k, g, m0=(10.0, 10.0), months=120, gdp=(1e6, 1e6))
    _, path = run_engine(d)
    arr = np.array(path)[:, 0, 0]
    assert arr[-1] < 1e6  # ceiling not reached
    # monthly factor of the Euler scheme along the symmetric eigenvector: 1 + (k - a)/12
    np.testing.assert_allclose(arr[1:] / arr[:-1], 1 + (0.3 - 0.1) / 12, rtol=1e-12)


@pytest.mark.parametrize(
    "a,k,g,m0",
    [
        ((0.5, 0.5), (0.2, 0.3), (10.0, 5.0), (10.0, 10.0)),
        ((0.1, 0.1), (0.3, 0.3), (1.0, -3.0), (40.0, 7.0)),
        ((2.0, 0.0), (1.5, 0.0), (0.0, 100.0), (3.0, 500.0)),
    ],
)
def test_one_monthly_euler_step_exactly(a, k, g, m0):
    d = arms_scenario(a, k, g, m0=m0, months=12)
    _, path = run_engine(d, months=1)
    m = np.asarray(m0, dtype=float)
    big_k = np.array([[0.0, k[0]], [k[1], 0.0]])
    expected = m + (big_k @ m - np.asarray(a) * m + np.asarray(g)) / 12.0
    np.testing.assert_allclose(path[1], np.broadcast_to(expected, (3, 2)), rtol=1e-14, atol=0)


def test_ceiling_binds_at_max_share_of_gdp():
    gdp, share = 1000.0, 0.05
    d = arms_scenario(
        (0.1, 0.1),
        (0.3, 0.3),
        (1.0, 1.0),
        m0=(10.0, 10.0),
        months=600,
        gdp=(gdp, gdp),
        max_share=share,
    )
    _, path = run_engine(d)
    arr = np.array(path)
    assert arr.max() <= gdp * share * (1 + 1e-12)
    np.testing.assert_allclose(arr[-1], gdp * share, rtol=1e-12)
