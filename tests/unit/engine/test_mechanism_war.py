"""The war mechanism's declared parameters act where the equations say they do."""

from __future__ import annotations

from engine_fixtures import rich_scenario
from test_engine_extremes import probabilities_one, run_checked

from sim.scenario.schema import MODEL_FIELDS


def test_nuclear_min_stake_is_declared_with_its_range_and_default():
    spec = MODEL_FIELDS["war.nuclear_min_stake"]
    assert (spec.default, spec.lo, spec.hi, spec.kind) == (0.5, 0, 1, "float")
    assert spec.source == "judgement" and spec.literature


def test_nuclear_min_stake_above_every_stake_rules_out_nuclear_use():
    """Same seeds, 48 runs: at the default some runs reach rung 8; with the threshold
    above every stake in the scenario (stakes are at most 1) none can."""
    d = rich_scenario(96)
    probabilities_one(d)
    _, res = run_checked(d)
    assert res.outcome.nuclear_use.any()
    d["model"].setdefault("war", {})["nuclear_min_stake"] = 1.0
    for theatre in d["theatres"].values():
        theatre["stake"] = {code: min(v, 0.99) for code, v in theatre.get("stake", {}).items()}
    _, res = run_checked(d)
    assert not res.outcome.nuclear_use.any()
