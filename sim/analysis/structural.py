"""Structural zeros: outcomes a scenario makes impossible by construction, and why.

"0 of 4,000 runs" reads as "very unlikely"; where the scenario cannot produce the outcome at
all (its mechanism is switched off, no alliance covers the theatre, no party has nuclear
weapons), summaries, reports and comparisons say so instead. (Switching the war mechanism
off does not make war impossible: the crisis ladder still reaches rung 6; the mechanism
only runs the war's course. A test found that.) The rules read the resolved
scenario a result folder's manifest carries (``manifest["scenario"]``), and each is checked
against the engine by a test that runs such a scenario (tests/unit/analysis).

Outcome keys: ``crisis`` (any crisis), ``rung5`` (a limited armed clash or worse), ``war``
(rung 6 or more), ``blockade``, ``holder_changed``, ``nuclear``, and ``joined:<alliance id>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CRISIS_OUTCOMES = ("crisis", "rung5", "war", "blockade", "holder_changed", "nuclear")


def impossible(scenario: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """Return {(theatre, outcome): reason} for every outcome `scenario` cannot produce."""
    on = set(scenario.get("model", {}).get("mechanisms", []))
    theatres = list(scenario.get("theatres", {}))
    alliances = scenario.get("alliances", [])
    out: dict[tuple[str, str], str] = {}

    def mark(theatre: str, outcome: str, reason: str) -> None:
        out.setdefault((theatre, outcome), reason)

    blockade_events = {
        ev.get("theatre") for ev in scenario.get("events", []) if ev.get("kind") == "blockade"
    }
    nuclear = {code for code, a in scenario.get("actors", {}).items() if a.get("nuclear")}
    for theatre in theatres:
        if "crisis" not in on:
            for outcome in CRISIS_OUTCOMES:
                mark(theatre, outcome, "the crisis mechanism is off")
            for alliance in alliances:
                mark(theatre, f"joined:{alliance['id']}", "the crisis mechanism is off")
            continue
        if "war" not in on:  # the crisis ladder still reaches war; only its course stops
            mark(theatre, "nuclear", "the war mechanism is off")
        if "blockade" not in on and theatre not in blockade_events:
            mark(theatre, "blockade", "the blockade mechanism is off")
        if not nuclear:
            mark(theatre, "nuclear", "no actor has nuclear weapons")
        for alliance in alliances:
            key = f"joined:{alliance['id']}"
            if "alliances" not in on:
                mark(theatre, key, "the alliances mechanism is off")
            elif theatre not in alliance.get("covers", []) and theatre not in alliance.get(
                "host_theatres", []
            ):
                mark(theatre, key, f"{alliance['id']} does not cover {theatre}")
    return out


def reason(manifest: Mapping[str, Any], theatre: str, outcome: str) -> str | None:
    """Why `outcome` is impossible in `theatre` of a result folder's run, or None."""
    scenario = manifest.get("scenario")
    if not isinstance(scenario, Mapping):
        return None
    return impossible(scenario).get((theatre, outcome))
