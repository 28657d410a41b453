"""Rules that scheduled event kinds share, for their `EventKind.checks`.

A rule reads one resolved occurrence (defaults filled in, the actors and theatres it names
known to exist) and the scenario resolved so far (`DeriveContext`), and returns the
`Problem` it finds or None; the scenario checks report the first one of a kind's rules at
``events.<id>.<key>``. Rules of a single kind live beside that kind.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.engine.declare import DeriveContext, EventCheck, Problem
from sim.errors import suggest


def pair(event: dict, context: DeriveContext) -> Problem | None:
    """Require exactly two parties (talks, hotlines)."""
    if len(event["parties"]) != 2:
        return Problem("parties", f"{event['kind']} needs exactly two parties")
    return None


def some_parties(event: dict, context: DeriveContext) -> Problem | None:
    """Require at least one party."""
    if not event["parties"]:
        return Problem("parties", "needs at least one party")
    return None


def claimant(event: dict, context: DeriveContext) -> Problem | None:
    """Require that the acting actor (`by`) claims the event's theatre."""
    if event["by"] not in context.theatres[event["theatre"]]["claimants"]:
        return Problem("by", f"'{event['by']}' is not a claimant of '{event['theatre']}'")
    return None


def challenger(event: dict, context: DeriveContext) -> Problem | None:
    """Require that the acting actor claims the theatre and does not hold it."""
    problem = claimant(event, context)
    if problem is None and event["by"] == context.theatres[event["theatre"]]["holder"]:
        return Problem("by", f"'{event['by']}' already holds '{event['theatre']}'")
    return problem


def activity(event: dict, context: DeriveContext) -> Problem | None:
    """Require that the event's grey-zone `activity` exists in its theatre."""
    acts = list(context.theatres[event["theatre"]]["greyzone"])
    if event["activity"] not in acts:
        return Problem(
            "activity",
            f"unknown activity '{event['activity']}' in theatre "
            f"'{event['theatre']}'{suggest(event['activity'], acts)}",
        )
    return None


def different(first: str, second: str, message: str) -> EventCheck:
    """Return a rule requiring fields `first` and `second` to name different actors."""

    def check(event: dict, context: DeriveContext) -> Problem | None:
        return Problem(second, message) if event[first] == event[second] else None

    return check


def exactly_one(keys: Sequence[str]) -> EventCheck:
    """Return a rule requiring exactly one of the optional fields `keys` (a target's forms)."""

    def check(event: dict, context: DeriveContext) -> Problem | None:
        if sum(event[key] is not None for key in keys) != 1:
            return Problem("", f"a {event['kind']} event needs exactly one of {', '.join(keys)}")
        return None

    return check
