"""Each event kind carries its own rules (`EventKind.checks`), which the scenario checks run.

* Every rule of every kind gives its one-line error at ``events.<id>.<key>`` when a
  scenario breaks it, and the valid event loads (kinds of the events, politics and arms
  mechanisms, rules shared from `sim.engine.event_checks` and the kind's own).
* Rules of kinds outside the events mechanism (talks_close, sanctions, budget,
  greyzone_rate) are scenario errors located by file and key, not errors (or a KeyError)
  when the scenario is compiled.
* A kind reports its first problem, in the order its rules are declared.
"""

from __future__ import annotations

import copy
import tomllib

import pytest
from conftest import BASE_TOML

from sim.engine import event_checks as rules
from sim.engine.declare import DeriveContext, EventKind, Problem
from sim.engine.registry import EVENT_KINDS
from sim.errors import ScenarioError
from sim.scenario import load_scenario

MECHANISMS = ["events", "crisis", "diplomacy", "greyzone", "politics", "arms", "alliances"]

CASES: dict[str, tuple[dict, str, str]] = {
    # name: (event without "at", key of the error, fragment of the message)
    "talks-three": (
        {"kind": "talks", "parties": ["CHN", "JPN", "USA"]},
        "parties",
        "talks needs exactly two parties",
    ),
    "hotline-one": ({"kind": "hotline", "parties": ["CHN"]}, "parties", "exactly two parties"),
    "drill-none": (
        {"kind": "drill", "theatre": "senkaku", "parties": []},
        "parties",
        "needs at least one party",
    ),
    "incident-non-claimant": (
        {"kind": "incident", "theatre": "senkaku", "by": "USA"},
        "by",
        "'USA' is not a claimant of 'senkaku'",
    ),
    "incident-same-parties": (
        {"kind": "incident", "theatre": "senkaku", "by": "CHN", "against": "CHN"},
        "against",
        "an incident needs two different parties",
    ),
    "blockade-by-holder": (
        {"kind": "blockade", "theatre": "senkaku", "by": "JPN"},
        "by",
        "'JPN' already holds 'senkaku'",
    ),
    "invasion-non-claimant": (
        {"kind": "invasion", "theatre": "taiwan", "by": "JPN"},
        "by",
        "'JPN' is not a claimant of 'taiwan'",
    ),
    "visit-self": (
        {"kind": "visit", "theatre": "taiwan", "by": "USA", "to": "USA"},
        "to",
        "visitor and host are the same actor",
    ),
    "roe-unknown-activity": (
        {
            "kind": "rules_of_engagement",
            "theatre": "senkaku",
            "activity": "cg_presense",
            "incident_probability": 0.01,
        },
        "activity",
        "unknown activity 'cg_presense' in theatre 'senkaku' (did you mean 'cg_presence'?)",
    ),
    "policy-two-targets": (
        {
            "kind": "policy",
            "actor": "JPN",
            "reach_by": "2027-12",
            "target_share_gdp": 0.02,
            "growth_per_year": 0.05,
        },
        "",
        "a policy event needs exactly one of target_share_gdp, target_milex_usd_bn, "
        "growth_per_year",
    ),
    "policy-reach-before": (
        {"kind": "policy", "actor": "JPN", "reach_by": "2024-01", "target_share_gdp": 0.02},
        "reach_by",
        "reach_by must be after at",
    ),
    "alliance-unknown": (
        {"kind": "alliance", "patron": "USA", "client": "CHN", "commitment": 0.2},
        "",
        "no alliance 'USA-CHN' to change",
    ),
    "talks-close-three": (
        {"kind": "talks_close", "parties": ["CHN", "JPN", "USA"]},
        "parties",
        "talks_close needs exactly two parties",
    ),
    "sanctions-self": (
        {"kind": "sanctions", "by": "USA", "against": "USA", "gdp_loss_per_month": 0.001},
        "against",
        "sanctions need two different actors",
    ),
    "greyzone-rate-unknown-activity": (
        {"kind": "greyzone_rate", "theatre": "senkaku", "activity": "fishing"},
        "activity",
        "unknown activity 'fishing' in theatre 'senkaku'",
    ),
    "budget-no-target": (
        {"kind": "budget", "actor": "JPN"},
        "",
        "a budget event needs exactly one of growth, milex_usd_bn",
    ),
}

VALID: dict[str, dict] = {
    "talks-three": {"parties": ["CHN", "USA"]},
    "hotline-one": {"parties": ["CHN", "JPN"]},
    "drill-none": {"parties": ["CHN"]},
    "incident-non-claimant": {"by": "CHN"},
    "incident-same-parties": {"against": "JPN"},
    "blockade-by-holder": {"by": "CHN"},
    "invasion-non-claimant": {"by": "CHN"},
    "visit-self": {"to": "TWN"},
    "roe-unknown-activity": {"activity": "cg_presence"},
    "policy-two-targets": {"growth_per_year": None},
    "policy-reach-before": {"reach_by": "2024-07"},
    "alliance-unknown": {"client": "TWN"},
    "talks-close-three": {"parties": ["CHN", "JPN"]},
    "sanctions-self": {"against": "CHN"},
    "greyzone-rate-unknown-activity": {"activity": "cg_presence"},
    "budget-no-target": {"milex_usd_bn": 50.0},
}
"""For each case, the change that makes its event valid."""


def scenario(event: dict) -> dict:
    """`BASE_TOML` with every mechanism used here on and `event` (id ``ev``) in 2024-06."""
    data = copy.deepcopy(tomllib.loads(BASE_TOML))
    data["model"]["mechanisms"] = MECHANISMS
    ev = {"id": "ev", "at": "2024-06", **{k: v for k, v in event.items() if v is not None}}
    data["events"].append(ev)
    return data


def test_every_case_covers_a_declared_kind() -> None:
    kinds = {event["kind"] for event, _, _ in CASES.values()}
    assert kinds <= set(EVENT_KINDS)
    assert all(EVENT_KINDS[kind].checks for kind in kinds)


@pytest.mark.parametrize("case", sorted(CASES))
def test_kind_rule_is_a_located_scenario_error(case: str) -> None:
    event, key, message = CASES[case]
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario(event))
    assert info.value.key == (f"events.ev.{key}" if key else "events.ev")
    assert message in info.value.message


@pytest.mark.parametrize("case", sorted(CASES))
def test_event_that_keeps_the_rule_loads(case: str) -> None:
    event = {**CASES[case][0], **VALID[case]}
    loaded = load_scenario(scenario(event))
    assert [e["id"] for e in loaded.data["events"]].count("ev") == 1


def test_first_problem_in_declared_order() -> None:
    first = rules.different("by", "to", "first")
    second = rules.different("by", "to", "second")

    def nothing(ev: dict, context: DeriveContext) -> Problem | None:
        return None

    kind = EventKind("k", {}, lambda ev, ix: {}, lambda *a: None, checks=(nothing, first, second))
    same = {"kind": "k", "by": "AAA", "to": "AAA"}
    assert kind.problem(same, DeriveContext()) == Problem("to", "first")
    assert kind.problem({**same, "to": "BBB"}, DeriveContext()) is None
    assert EventKind("k", {}, kind.spec, kind.apply).problem(same, DeriveContext()) is None


def test_shared_rules_read_the_resolved_theatre() -> None:
    context = DeriveContext(
        theatres={"t": {"claimants": ["AAA", "BBB"], "holder": "BBB", "greyzone": {"patrol": {}}}}
    )
    ev = {"kind": "blockade", "theatre": "t", "by": "AAA", "activity": "patrol"}
    assert rules.claimant(ev, context) is None
    assert rules.challenger(ev, context) is None
    assert rules.activity(ev, context) is None
    assert rules.challenger({**ev, "by": "BBB"}, context) == Problem(
        "by", "'BBB' already holds 't'"
    )
    assert rules.claimant({**ev, "by": "CCC"}, context) == Problem(
        "by", "'CCC' is not a claimant of 't'"
    )
    assert rules.activity({**ev, "activity": "patrl"}, context) == Problem(
        "activity", "unknown activity 'patrl' in theatre 't' (did you mean 'patrol'?)"
    )
