"""Extreme but valid parameters: no NaN or inf anywhere, rungs within the ladder.

Each variant pushes `rich_scenario` (every mechanism and event kind, see
test_engine_determinism) to the edge of the schema's ranges. After every month every float
array of the state must be finite, rungs must be integers in 0-8, and the outcome arrays,
annual series and the tidy tables written to result folders must be finite too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow.compute as pc
import pytest
from engine_fixtures import rich_scenario

from sim.engine.params import compile_scenario
from sim.engine.simulate import Engine
from sim.engine.state import State
from sim.results.tables import annual_table, outcomes_table
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario

ACTORS = ("CCC", "DDD", "PPP", "EEE")


def each_actor(d: dict, **values) -> None:
    for code in ACTORS:
        d["actors"][code].update(values)


def each_arms(d: dict, **values) -> None:
    for code in ACTORS:
        d["actors"][code].setdefault("arms", {}).update(values)


def zero_budgets(d):
    each_actor(d, milex_usd_bn=0.0)


def zero_economies(d):
    each_actor(d, milex_usd_bn=0.0, gdp_usd_bn=0.0)


def huge_budgets(d):
    each_actor(d, milex_usd_bn=1e6, gdp_usd_bn=1e6)
    each_arms(d, max_share_gdp=1.0)


def commitment(c):
    def f(d):
        for al in d["alliances"]:
            al["commitment"] = c

    return f


def grievance_one(d):
    for g in d["grievances"]:
        g["level"] = g["baseline"] = 1.0
    d["grievances"].append({"from": "EEE", "to": "CCC", "level": 1.0})


def misperception_max(d):
    each_actor(d, misperception=3.0)


def growth(rate, months):
    def f(d):
        each_actor(d, gdp_growth_per_year=rate)
        d["meta"]["months"] = months

    return f


def runaway_long(d):
    """Unstable Richardson race with a ceiling of all GDP, fast growth, 100 years."""
    each_actor(d, gdp_growth_per_year=0.5)
    each_arms(d, fatigue=0.0, max_share_gdp=1.0, reaction={"CCC": 10.0}, grievance=1e6)
    d["actors"]["CCC"]["arms"]["reaction"] = {"DDD": 10.0}
    d["meta"]["months"] = 1200


def negative_drive(d):
    each_arms(d, grievance=-1e6, fatigue=10.0)


def probabilities_one(d):
    d["model"] = {
        "crisis": {
            "escalation_probability": 1.0,
            "settlement_probability": 1.0,
            "accident_probability": 1.0,
            "initiation_rate_per_year": 100.0,
            "war_cost": 0.0,
            "csf_exponent": 10.0,
        },
        "war": {
            "decisive_probability_per_month": 1.0,
            "attrition_per_month": 1.0,
            "gdp_loss_per_month": 1.0,
            "learning_per_month": 1.0,
            "nuclear_threshold": 1.0,
            "nuclear_use_probability_per_month": 1.0,
            "nuclear_gdp_loss": 1.0,
            "mobilisation_share_gdp": 1.0,
        },
        "grievance": {
            "decay_per_year": 12.0,
            "crisis_gain_per_month": 1.0,
            "war_gain_per_month": 1.0,
        },
        "diplomacy": {
            "talks_per_year": 52.0,
            "talks_grievance_relief": 1.0,
            "talks_misperception_relief": 1.0,
            "misperception_recovery_per_year": 12.0,
        },
    }


def costs_max(d):
    d["model"]["crisis"].update(war_cost=10.0, csf_exponent=0.1)
    each_actor(d, audience_cost=1.0, misperception=3.0)


def theatre_edges(d):
    d["theatres"]["isle"].update(
        defender_advantage=100.0,
        interdependence=1.0,
        baseline_rung=2,
        stake={"CCC": 0.0, "DDD": 0.0, "PPP": 0.0},
    )
    d["theatres"]["strait"].update(
        defender_advantage=0.01,
        interdependence=0.0,
        baseline_rung=0,
        stake={"CCC": 1.0, "EEE": 1.0, "PPP": 1.0},
    )


def busy_greyzone(d):
    isle = d["theatres"]["isle"]["greyzone"]
    isle["presence"].update(
        rate_per_year=365,
        incident_probability=1.0,
        grievance_elasticity=100.0,
        rung_elasticity=10.0,
        capability_elasticity=10.0,
        grievance_per_unit=1.0,
    )
    isle["incursion"].update(
        rate_per_year=1e6,
        incident_probability=1.0,
        grievance_elasticity=100.0,
        rung_elasticity=10.0,
    )
    isle["scramble"].update(ratio=1000.0)
    d["theatres"]["strait"]["greyzone"]["adiz"].update(
        rate_per_year=1e6, capability_elasticity=10.0
    )


def no_forces(d):
    each_actor(d, forces_in_region_share=0.0, capability_depreciation_per_year=1.0)


def no_change(d):
    pass


VARIANTS: dict[str, Callable[[dict], None]] = {
    "as-is": no_change,
    "zero-budgets": zero_budgets,
    "zero-economies": zero_economies,
    "huge-budgets": huge_budgets,
    "commitment-0": commitment(0.0),
    "commitment-1": commitment(1.0),
    "grievance-1": grievance_one,
    "misperception-3": misperception_max,
    "growth-minus-half": growth(-0.5, 240),
    "growth-plus-half": growth(0.5, 240),
    "runaway-1200-months": runaway_long,
    "negative-drive": negative_drive,
    "probabilities-1": probabilities_one,
    "costs-max": costs_max,
    "theatre-edges": theatre_edges,
    "busy-greyzone": busy_greyzone,
    "no-forces": no_forces,
}


def check_state(st: State, where: str) -> None:
    for name, x in st.items():
        if x.dtype.kind == "f":
            assert np.isfinite(x).all(), f"{where}: {name} not finite"
        if name in ("milex", "gdp", "capability", "activity", "sigma"):
            assert (x >= 0).all(), f"{where}: {name} negative"
    w, o = st.world, st.outcome
    assert w.rung.dtype.kind == "i" and o.max_rung.dtype.kind == "i"
    assert ((w.rung >= 0) & (w.rung <= 8)).all(), where
    assert ((o.max_rung >= 0) & (o.max_rung <= 8)).all(), where
    assert ((w.grievance >= 0) & (w.grievance <= 1)).all(), where


def run_checked(d: dict, runs: int = 48, seed: int = 4):
    s, p = compile_scenario(load_scenario(d))
    seeds = run_seeds(seed, np.arange(runs))
    eng = Engine(s, p, seeds)
    check_state(eng.state, "start")
    with np.errstate(all="raise"):  # also no silent overflow / invalid operation
        while not eng.done:
            eng.step()
            check_state(eng.state, f"month {eng.state.t - 1}")
    res = eng.result()
    for name in res.outcome.names():
        assert np.isfinite(getattr(res.outcome, name)).all(), name
    assert ((res.outcome.max_rung >= 0) & (res.outcome.max_rung <= 8)).all()
    for key, arr in res.annual.items():
        assert np.isfinite(arr).all(), key
    table = annual_table(res, np.arange(runs))
    assert pc.all(pc.is_finite(table["value"])).as_py()
    out = outcomes_table(res, np.arange(runs))
    assert pc.all(pc.less_equal(out["max_rung"], 8)).as_py()
    return s, res


@pytest.mark.parametrize("name", list(VARIANTS))
def test_extreme_parameters_stay_finite(name):
    d = rich_scenario(96)
    VARIANTS[name](d)
    run_checked(d, runs=8 if d["meta"]["months"] > 240 else 48)


@pytest.mark.parametrize("months", [1, 2])
def test_shortest_horizons(months):
    d = rich_scenario(months)
    s, res = run_checked(d)
    assert s.months == months and len(res.years) == 1
    # the first month's events (talks) fire; no later event survives the filter
    assert all(ev.kind == "talks" for ev in s.events)


def test_extremes_exercise_the_ladder():
    """Sanity: the extreme variants do reach war and nuclear use (the checks ran there)."""
    d = rich_scenario(96)
    probabilities_one(d)
    _, res = run_checked(d)
    assert (res.outcome.max_rung >= 6).any() and res.outcome.nuclear_use.any()
