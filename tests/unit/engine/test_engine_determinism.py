"""Determinism (DESIGN.md contract): a run is a pure function of (parameters, seed).

The same runs computed in one batch of 1000, in batches of 7, one at a time, or in a
shuffled batch give bit-identical outcomes, annual series and final state. Checked for
``scenarios/baseline.toml`` (the contract's example) and for `rich_scenario`, a
self-contained scenario with every mechanism and event kind, wars, alliance joins, holder
changes and nuclear use (so that every code path draws random numbers).
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from engine_fixtures import rich_scenario

from sim.engine.params import compile_batch, compile_scenario
from sim.engine.simulate import BatchResult, Engine, simulate
from sim.engine.state import State
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[3]
BASELINE = REPO / "scenarios" / "baseline.toml"
RUNS = 1000


def result_arrays(res: BatchResult) -> dict[str, np.ndarray]:
    """Every final outcome and world array of a batch result, by name."""
    return {
        # run_index is each run's row in its own batch, so it differs by construction
        **{f"world.{n}": getattr(res.world, n) for n in res.world.names() if n != "run_index"},
        **{f"outcome.{n}": getattr(res.outcome, n) for n in res.outcome.names()},
    }


def assert_results_equal(a: BatchResult, b: BatchResult, rows=slice(None)) -> None:
    """Every outcome array and every annual block of `a[rows]` equals `b`, bit for bit."""
    arrays_b = result_arrays(b)
    for name, whole in result_arrays(a).items():
        x, y = whole[rows], arrays_b[name]
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)
    np.testing.assert_array_equal(a.years, b.years)
    assert a.annual.keys() == b.annual.keys()
    for key in a.annual:
        x, y = a.annual[key][rows], b.annual[key]
        # bit-identical, not merely close (tobytes also distinguishes -0.0 and NaN payloads)
        assert x.tobytes() == np.ascontiguousarray(y).tobytes(), key


def assert_states_equal(a: State, b: State, rows) -> None:
    """Every array of the state of runs `rows` of batch `a` equals batch `b`'s."""
    assert a.t == b.t
    for f in fields(State):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert np.ascontiguousarray(x[rows]).tobytes() == np.ascontiguousarray(y).tobytes(), (
                f.name
            )


def compiled(which: str):
    if which == "baseline":
        return compile_scenario(load_scenario(BASELINE))
    if which == "rich-no-war-gdp-loss":  # isolates the war GDP loss (it once broke this)
        return compile_scenario(load_scenario(rich_scenario(), ["model.war.gdp_loss_per_month=0"]))
    return compile_scenario(load_scenario(rich_scenario()))


@pytest.fixture(scope="module", params=["baseline", "rich", "rich-no-war-gdp-loss"])
def reference(request):
    """(structure, params, seeds, engine after a full batch of RUNS runs)."""
    s, p = compiled(request.param)
    seeds = run_seeds(20240601, np.arange(RUNS))
    eng = Engine(s, p, seeds)
    eng.run()
    return request.param, s, p, seeds, eng


def interesting_runs(res: BatchResult, count: int = 10) -> np.ndarray:
    """A few runs with the most happening (highest rungs, most crises), plus runs 0 and 1."""
    score = (
        res.outcome.max_rung.sum(axis=1) * 100
        + res.outcome.crises.sum(axis=1) * 10
        + res.outcome.holder_changes.sum(axis=1)
        + res.outcome.nuclear_use.sum(axis=1) * 1000
    )
    top = np.argsort(-score, kind="stable")[: count - 2]
    return np.unique(np.concatenate([[0, 1], top]))


@pytest.mark.slow
def test_batches_of_7_equal_one_batch(reference):
    name, s, p, seeds, eng = reference
    full = eng.result()
    upto = 70  # 10 batches of 7 (all 1000 would take ~15 s per scenario at R = 7)
    for lo in range(0, upto, 7):
        part = simulate(s, p, seeds[lo : lo + 7])
        assert_results_equal(full, part, slice(lo, lo + 7))


def test_single_runs_equal_one_batch(reference):
    name, s, p, seeds, eng = reference
    full = eng.result()
    picks = interesting_runs(full)
    if name.startswith("rich"):  # the picks cover wars, joins, holder changes and nuclear use
        assert full.outcome.max_rung[picks].max() == 8 and full.outcome.ever_joined[picks].any()
    for r in picks:
        alone = Engine(s, p, seeds[r : r + 1])
        assert_results_equal(full, alone.run(), slice(r, r + 1))
        assert_states_equal(eng.state, alone.state, slice(r, r + 1))


def test_shuffled_batch_equals_one_batch(reference):
    """Position in the batch and the other runs in it do not matter."""
    name, s, p, seeds, eng = reference
    full = eng.result()
    perm = np.random.default_rng(0).permutation(RUNS)
    shuffled = Engine(s, p, seeds[perm])
    assert_results_equal(full, shuffled.run(), perm)
    assert_states_equal(eng.state, shuffled.state, perm)
    # a batch that repeats a seed gives two copies of the same run
    twice = simulate(s, p, seeds[[5, 5, 6]])
    assert_results_equal(full, twice, [5, 5, 6])


def test_recording_does_not_change_outcomes(reference):
    _, s, p, seeds, eng = reference
    full = eng.result()
    quiet = simulate(s, p, seeds, record=False)
    assert quiet.annual == {}
    quiet_arrays = result_arrays(quiet)
    for name, x in result_arrays(full).items():
        np.testing.assert_array_equal(x, quiet_arrays[name], err_msg=name)


def test_repeat_gives_identical_result(reference):
    _, s, p, seeds, eng = reference
    assert_results_equal(eng.result(), simulate(s, p, seeds))


def test_seeds_differ_between_runs(reference):
    """Sanity: runs with different seeds do differ (the comparisons above are not vacuous)."""
    _, s, p, seeds, eng = reference
    a = eng.result().annual
    varying = [k for k in a if np.ptp(a[k], axis=0).max() > 0]
    assert varying, "every run identical: the random streams are not keyed by seed"


def test_per_run_parameters_are_independent_of_batch_mates():
    """A sweep batch (each run with its own parameters) equals each point run alone."""
    scen = [
        load_scenario(
            rich_scenario(48), {"alliances.PPP-DDD.commitment": c, "actors.CCC.misperception": m}
        )
        for c, m in ((0.0, 0.2), (1.0, 2.0), (0.5, 1.0))
    ]
    s, stacked = compile_batch(scen)
    point = np.array([0, 1, 2, 1, 0, 2, 2, 1])
    seeds = run_seeds(3, np.arange(len(point)))
    mixed = simulate(s, stacked.take(point), seeds)
    for q in range(3):
        rows = np.nonzero(point == q)[0]
        s_q, p_q = compile_scenario(scen[q])
        alone = simulate(s_q, p_q, seeds[rows])
        assert_results_equal(mixed, alone, rows)
    # and the points do differ from each other
    assert not np.array_equal(
        simulate(s, stacked.take(np.zeros(8, int)), seeds).outcome.max_rung,
        simulate(s, stacked.take(np.ones(8, int)), seeds).outcome.max_rung,
    )


def test_outcome_invariants(reference):
    """war iff max_rung >= 6; war_month set exactly then; rungs within the ladder."""
    _, s, p, seeds, eng = reference
    r = eng.result()
    war = r.outcome.max_rung >= 6
    assert ((r.outcome.war_month >= 0) == war).all()
    assert (r.outcome.war_month < s.months).all()
    assert ((r.outcome.first_crisis >= 0) == (r.outcome.crises > 0)).all()
    assert (r.outcome.first_crisis[war] <= r.outcome.war_month[war]).all()
    assert (r.outcome.max_rung >= 0).all() and (r.outcome.max_rung <= 8).all()
    assert (r.outcome.nuclear_use <= (r.outcome.max_rung == 8)).all()
    yearly = r.annual["max_rung|" + ",".join(s.theatres)]
    # month-end rungs never exceed the highest rung reached
    assert (yearly.max(axis=1) <= r.outcome.max_rung).all()
    assert (yearly.max(axis=1) >= p.world.baseline_rung[0]).all()


def test_annual_at_war_agrees_with_outcomes():
    """A war that begins and ends within a month still shows in annual ``at_war``."""
    s, p = compiled("rich")
    r = simulate(s, p, run_seeds(20240601, np.arange(RUNS)))
    war = r.outcome.max_rung >= 6
    assert war.any()
    at_war = r.annual["at_war|" + ",".join(s.theatres)]
    np.testing.assert_array_equal(at_war.max(axis=1) > 0, war)


def test_annual_max_rung_agrees_with_outcomes():
    s, p = compiled("rich")
    r = simulate(s, p, run_seeds(20240601, np.arange(RUNS)))
    assert r.outcome.nuclear_use.any()
    yearly = r.annual["max_rung|" + ",".join(s.theatres)]
    np.testing.assert_array_equal(yearly.max(axis=1), r.outcome.max_rung)


def invasion_at(months: tuple[int, ...]) -> dict:
    """Two actors at war from an invasion event; the invasion month varies by sweep point."""

    def scen(month: int) -> dict:
        return {
            "meta": {"name": "invasion", "start": "2000-01", "months": 12},
            "model": {
                "mechanisms": ["crisis", "war", "events"],
                "war": {"decisive_probability_per_month": 0.0},
                "crisis": {"settlement_probability": 0.0},
            },
            "actors": {
                "AAA": {"name": "A", "gdp_usd_bn": 1000.0, "milex_usd_bn": 20.0},
                "BBB": {"name": "B", "gdp_usd_bn": 1000.0, "milex_usd_bn": 20.0},
            },
            "theatres": {"area": {"claimants": ["AAA", "BBB"], "holder": "BBB"}},
            "events": [
                {
                    "id": "go",
                    "at": f"2000-{month + 1:02d}",
                    "kind": "invasion",
                    "theatre": "area",
                    "by": "AAA",
                }
            ],
        }

    return [load_scenario(scen(m)) for m in months]


def test_war_gdp_loss_does_not_depend_on_batch_mates():
    """Minimal case: run 0 invades in month 0, run 1 in month 5; GDP alone vs together.

    Regression: war.step returned early when no run of the batch had a war older than this
    month, but otherwise charged war.gdp_loss_per_month to every war party including wars
    opened this month, so a run's GDP depended on its batch mates.
    """
    scen = invasion_at((0, 5))
    s, stacked = compile_batch(scen)
    seeds = run_seeds(1, np.arange(2))
    together = Engine(s, stacked, seeds)
    together.run()
    s1, p1 = compile_scenario(scen[1])
    alone = Engine(s1, p1, seeds[1:])
    alone.run()
    assert together.result().outcome.war_month[1, 0] == 5 == alone.result().outcome.war_month[0, 0]
    np.testing.assert_array_equal(together.state.world.gdp[1], alone.state.world.gdp[0])
