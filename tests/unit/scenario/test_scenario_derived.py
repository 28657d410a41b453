"""DERIVED defaults: each `Field.derive` rule's formula on a small scenario.

The rules live beside their fields in `sim.engine.mechanisms` (and the item ids in
`sim.scenario.schema`); `sim.scenario.validate.resolve` calls them for any field whose
value is still DERIVED after filling defaults.
"""

from __future__ import annotations

import copy
import math

import pytest

from sim.engine.declare import DeriveContext
from sim.engine.mechanisms.arms import richardson_equilibrium
from sim.engine.mechanisms.world import steady_capability
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario import schema as S
from sim.scenario.checks import item_id

SMALL = {
    "meta": {"name": "derived", "start": "2030-01", "months": 24},
    "actors": {
        "AAA": {
            "name": "A",
            "gdp_usd_bn": 1000.0,
            "milex_usd_bn": 120.0,
            "capability_depreciation_per_year": 0.1,
            "arms": {"fatigue": 0.2, "reaction": {"BBB": 0.05, "CCC": 0.1}},
        },
        "BBB": {"name": "B", "gdp_usd_bn": 800.0, "milex_usd_bn": 60.0},
        "CCC": {
            "name": "C",
            "gdp_usd_bn": 2000.0,
            "milex_usd_bn": 300.0,
            "capability_depreciation_per_year": 0.05,
        },
    },
    "alliances": [
        {"patron": "CCC", "client": "BBB"},
        {"patron": "AAA", "client": "BBB", "covers": ["isle"]},
    ],
    "grievances": [
        {"from": "AAA", "to": "BBB", "level": 0.4},
        {"from": "BBB", "to": "AAA", "level": 0.3, "baseline": 0.1},
    ],
    "theatres": {
        "isle": {
            "claimants": ["AAA", "BBB"],
            "holder": "BBB",
            "greyzone": {
                "patrols": {"by": "AAA", "rate_per_year": 10.0},
                "escorts": {"by": "BBB", "rate_per_year": 5.0},
            },
        },
        "reef": {
            "claimants": ["AAA", "CCC"],
            "holder": "AAA",
            "stake": {"AAA": 0.9, "BBB": 0.2},
            "greyzone": {"fishing": {"by": "CCC", "against": "AAA", "rate_per_year": 3.0}},
        },
    },
    "events": [
        {"at": "2030-06", "kind": "incident", "theatre": "isle", "by": "AAA"},
        {"at": "2030-07", "kind": "incident", "theatre": "isle", "by": "BBB", "rung": 3},
        {"at": "2030-08", "kind": "talks", "parties": ["AAA", "BBB"]},
        {"at": "2030-09", "kind": "incident", "theatre": "reef", "by": "CCC", "against": "AAA"},
    ],
}


@pytest.fixture
def data() -> dict:
    return load_scenario(copy.deepcopy(SMALL)).data


def test_capability_defaults_to_the_steady_state_of_the_monthly_update(data):
    for code in ("AAA", "BBB", "CCC"):
        actor = data["actors"][code]
        m, d = actor["milex_usd_bn"], actor["capability_depreciation_per_year"]
        c = actor["capability_usd_bn"]
        assert c == m / 12.0 / (1.0 - (1.0 - d) ** (1.0 / 12.0))
        # one perpetual-inventory month leaves it where it is
        assert c * (1.0 - d) ** (1.0 / 12.0) + m / 12.0 == pytest.approx(c, rel=1e-12)
        # and it is close to milex / depreciation
        assert c == pytest.approx(m / d, rel=0.06)


def test_given_capability_is_kept():
    raw = copy.deepcopy(SMALL)
    raw["actors"]["BBB"]["capability_usd_bn"] = 123.0
    assert load_scenario(raw).data["actors"]["BBB"]["capability_usd_bn"] == 123.0


def test_arms_grievance_makes_the_starting_budgets_an_equilibrium(data):
    actors = data["actors"]
    a = actors["AAA"]
    assert a["arms"]["grievance"] == 0.2 * 120.0 - (0.05 * 60.0 + 0.1 * 300.0)
    for code, actor in actors.items():
        arms = actor["arms"]
        drift = (
            sum(k * actors[other]["milex_usd_bn"] for other, k in arms["reaction"].items())
            - arms["fatigue"] * actor["milex_usd_bn"]
            + arms["grievance"]
        )
        assert drift == pytest.approx(0.0, abs=1e-12), code
    # without reactions: fatigue * own milex (default fatigue 0.1)
    assert actors["BBB"]["arms"]["grievance"] == pytest.approx(0.1 * 60.0)


def test_arms_grievance_follows_a_rivals_milex():
    raw = copy.deepcopy(SMALL)
    raw["actors"]["CCC"]["milex_usd_bn"] = 400.0
    assert load_scenario(raw).data["actors"]["AAA"]["arms"]["grievance"] == pytest.approx(
        0.2 * 120.0 - (0.05 * 60.0 + 0.1 * 400.0)
    )


def test_alliance_covers_every_theatre_the_client_claims(data):
    by_id = {a["id"]: a for a in data["alliances"]}
    assert by_id["CCC-BBB"]["covers"] == ["isle"]
    assert by_id["AAA-BBB"]["covers"] == ["isle"]  # given


def test_stake_defaults_half_for_claimants_and_three_tenths_for_patrons(data):
    # isle: claimants AAA, BBB; CCC is the patron of an alliance covering it; AAA is a
    # patron too but already a claimant
    assert data["theatres"]["isle"]["stake"] == {"AAA": 0.5, "BBB": 0.5, "CCC": 0.3}
    # reef: no covering alliance; given entries win, new ones are added after the defaults
    stake = data["theatres"]["reef"]["stake"]
    assert stake == {"AAA": 0.9, "CCC": 0.5, "BBB": 0.2}
    assert list(stake) == ["AAA", "CCC", "BBB"]


def test_grievance_baseline_defaults_to_its_level(data):
    by_id = {g["id"]: g for g in data["grievances"]}
    assert by_id["AAA-BBB"]["baseline"] == 0.4
    assert by_id["BBB-AAA"]["baseline"] == 0.1  # given


def test_activity_target_defaults_to_the_holder_or_the_other_claimant(data):
    isle = data["theatres"]["isle"]["greyzone"]
    assert isle["patrols"]["against"] == "BBB"  # the holder
    assert isle["escorts"]["against"] == "AAA"  # by is the holder: the other claimant
    assert data["theatres"]["reef"]["greyzone"]["fishing"]["against"] == "AAA"  # given


def test_incident_opponent_and_rung(data):
    events = {e["id"]: e for e in data["events"]}
    first = events["incident-2030-06-AAA-isle"]
    assert first["against"] == "BBB"
    assert first["rung"] is None  # the run's crisis.opening_rung
    second = events["incident-2030-07-BBB-isle"]
    assert second["against"] == "AAA"
    assert second["rung"] == 3
    assert events["incident-2030-09-CCC-reef"]["against"] == "AAA"


def test_default_ids(data):
    assert [a["id"] for a in data["alliances"]] == ["CCC-BBB", "AAA-BBB"]
    assert [g["id"] for g in data["grievances"]] == ["AAA-BBB", "BBB-AAA"]
    assert [e["id"] for e in data["events"]] == [
        "incident-2030-06-AAA-isle",
        "incident-2030-07-BBB-isle",
        "talks-2030-08-AAA-BBB",
        "incident-2030-09-CCC-reef",
    ]


def test_item_id_is_none_until_it_can_be_derived():
    assert item_id("alliances", {"patron": "AAA"}) is None
    assert item_id("grievances", {"to": "AAA"}) is None
    assert item_id("events", {"kind": "talks"}) is None
    assert item_id("events", {"id": "x", "kind": "talks"}) == "x"
    assert item_id("events", {"kind": "visit", "at": "2030-01", "by": "A", "to": "B"}) == (
        "visit-2030-01-A-B"
    )


def test_derived_id_duplicates_are_errors():
    raw = copy.deepcopy(SMALL)
    raw["grievances"].append({"from": "AAA", "to": "BBB", "level": 0.2})
    with pytest.raises(ScenarioError, match=r"grievances\[3\].*duplicate grievance 'AAA-BBB'"):
        load_scenario(raw)


def test_rules_can_be_called_directly():
    actor = {"milex_usd_bn": 12.0, "capability_depreciation_per_year": 0.1}
    assert steady_capability(actor, DeriveContext()) == pytest.approx(
        1.0 / (1.0 - 0.9 ** (1.0 / 12.0))
    )
    actors = {
        "AAA": {"milex_usd_bn": 10.0, "arms": {"fatigue": 0.5, "reaction": {"BBB": 0.25}}},
        "BBB": {"milex_usd_bn": 8.0},
    }
    assert richardson_equilibrium(actors["AAA"], DeriveContext(actors=actors)) == 5.0 - 2.0


def every_field() -> dict[str, S.Field]:
    tables = {
        "meta": S.META_FIELDS,
        "model": S.MODEL_FIELDS,
        "actor": S.ACTOR_FIELDS,
        "alliance": S.ALLIANCE_FIELDS,
        "grievance": S.GRIEVANCE_FIELDS,
        "theatre": S.THEATRE_FIELDS,
        "activity": S.ACTIVITY_FIELDS,
        "event": S.EVENT_COMMON_FIELDS,
        **{f"event {kind}": fields for kind, fields in S.EVENT_KIND_FIELDS.items()},
    }
    return {f"{table}: {key}": f for table, fields in tables.items() for key, f in fields.items()}


def test_every_derived_field_declares_its_rule():
    fields = every_field()
    derived = {name for name, f in fields.items() if f.default is S.DERIVED}
    assert derived, "no DERIVED field found"
    assert {name for name in derived if fields[name].derive is None} == set()
    assert {name for name, f in fields.items() if f.derive is not None} == derived


def test_resolved_scenario_holds_no_derived_marker(data):
    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        else:
            assert value is not S.DERIVED
            if isinstance(value, float):
                assert math.isfinite(value)

    walk(data)


def test_a_derived_value_out_of_bounds_is_a_located_error(write_scenario):
    """Spending above GDP derives a defence burden above 1: an error, not a scenario
    that loads but whose `sim show` dump would not reload (found by the fuzz test)."""
    from conftest import BASE_TOML

    text = BASE_TOML.replace("gdp_usd_bn = 761", "gdp_usd_bn = 10")
    path = write_scenario("bad.toml", text)
    with pytest.raises(ScenarioError, match=r"actors\.TWN\.arms\.burden_target: 1\.9 is above"):
        load_scenario(path)
