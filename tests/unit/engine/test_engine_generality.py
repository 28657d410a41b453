"""Generality (DESIGN.md): nothing about any real actor or theatre is hard-coded.

The abstract two-state scenario (scenarios/two_state.toml) runs through the same
`simulate` and `sim.run` code as the real ones, and a made-up world with arbitrary codes
and every mechanism runs too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from engine_fixtures import rich_scenario

import sim
from sim.engine.params import compile_scenario
from sim.engine.simulate import simulate
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[3]
TWO_STATE = REPO / "scenarios" / "two_state.toml"


def test_two_state_through_simulate():
    s, p = compile_scenario(load_scenario(TWO_STATE))
    assert s.actors == ("AAA", "BBB") and s.theatres == ("area",)
    # the file sets g so that the equilibrium is (40, 32), away from the start (20, 16)
    a, k, g = p.arms.fatigue[0], p.arms.reaction[0], p.arms.grievance[0]
    star = np.linalg.solve(np.diag(a) - k, g)
    np.testing.assert_allclose(star, [40.0, 32.0], rtol=1e-12)
    # start elsewhere, keeping g: the budgets return to m* = (A - K)^-1 g
    moved = load_scenario(
        TWO_STATE,
        [
            f"actors.AAA.arms.grievance={float(g[0])!r}",
            f"actors.BBB.arms.grievance={float(g[1])!r}",
            "actors.AAA.milex_usd_bn=60",
            "actors.BBB.milex_usd_bn=2",
        ],
    )
    s, p = compile_scenario(moved)
    res = simulate(s, p, run_seeds(1, np.arange(5)))
    milex = res.annual["milex_usd_bn|AAA,BBB"]
    # arms only: deterministic, so identical across runs
    np.testing.assert_array_equal(milex, np.broadcast_to(milex[:1], milex.shape))
    dist = np.abs(milex[0] - star).max(axis=1)
    assert (np.diff(dist) < 0).all()  # the distance to m* shrinks every year
    assert dist[-1] < 0.5 * dist[0]  # slowest mode -0.05/yr: e^-1 after 20 years
    # and the path is exactly the monthly Euler scheme (annual means of its months)
    m = np.array([60.0, 2.0])
    months = []
    for _ in range(s.months):
        m = m + (k @ m - a * m + g) / 12.0
        months.append(m)
    expected = np.array(months).reshape(-1, 12, 2).mean(axis=1)
    np.testing.assert_allclose(milex[0], expected, rtol=1e-12)
    o = res.outcome
    assert (o.max_rung == p.world.baseline_rung[0]).all() and (o.crises == 0).all()


def test_two_state_through_sim_run(tmp_path):
    res = sim.run(TWO_STATE, runs=20, seed=2, out=tmp_path / "two", workers=1)
    assert res.manifest["status"] == "complete"
    assert set(res.outcomes["theatre"]) == {"area"}
    assert set(res.annual["subject"]) >= {"AAA", "BBB", "area"}
    assert len(res.runs) == 20 and len(res.outcomes) == 20


def test_two_state_with_every_mechanism(tmp_path):
    """The same two abstract states with every mechanism on: crises and wars happen."""
    overrides = [
        'model.mechanisms=["arms","grievance","greyzone","crisis","alliances","war",'
        '"diplomacy","events"]',
        "model.crisis.initiation_rate_per_year=5",
        "model.crisis.war_cost=0.05",
        "actors.AAA.misperception=1.5",
        "actors.BBB.misperception=1.5",
    ]
    scen = load_scenario(TWO_STATE, overrides)
    data = scen.data
    data["grievances"] = [{"from": "BBB", "to": "AAA", "level": 0.9}]
    scen2 = load_scenario(data)
    res = sim.run(scen2, runs=200, seed=4, workers=1)
    assert res.outcomes["crises"].sum() > 0
    assert res.outcomes["war"].any()


def test_arbitrary_codes_and_names():
    """Renaming every actor and theatre changes nothing but the labels."""
    d = rich_scenario(36)
    text = repr(d)
    for old, new in (
        ("CCC", "QQQ"),
        ("DDD", "XYZ"),
        ("PPP", "ZZZ"),
        ("EEE", "ABC"),
        ("isle", "moon"),
        ("strait", "gulf"),
    ):
        text = text.replace(old, new)
    renamed = eval(text)  # noqa: S307 - a repr of plain dicts, lists, strings and numbers
    seeds = run_seeds(9, np.arange(100))
    a = simulate(*compile_scenario(load_scenario(d)), seeds)
    b = simulate(*compile_scenario(load_scenario(renamed)), seeds)
    assert b.structure.actors == ("QQQ", "XYZ", "ZZZ", "ABC")
    np.testing.assert_array_equal(a.outcome.max_rung, b.outcome.max_rung)
    np.testing.assert_array_equal(a.outcome.crises, b.outcome.crises)
    for (ka, va), (kb, vb) in zip(a.annual.items(), b.annual.items(), strict=True):
        assert ka.split("|")[0] == kb.split("|")[0]
        np.testing.assert_array_equal(va, vb)
