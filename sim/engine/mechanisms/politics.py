"""Domestic politics: audience costs that move with elections and leaders; sanctions.

Audience costs. Each actor i has a base audience cost a_i (start:
``actors.<code>.audience_cost``). In the W = ``politics.election_window_months`` months up
to and including the month of one of its scheduled ``election`` events, the cost it pays
for backing down is raised by the factor f = ``politics.election_audience_factor``:

    A_i(t) = a_i(t) * (f if an election of i falls in [t, t + W - 1] else 1),

and returns to a_i afterwards. The change is applied to the crisis mechanism's
``world.audience`` as a difference (A_i(t) - A_i(t-1)), so other changes to it are kept.

Elections (event kind ``election``). At the event the actor's leadership changes with
probability ``change_probability`` (one uniform per run and occurrence). A change shifts
the base a_i by ``audience_cost_change``, every grievance dyad involving the actor (both
directions) by ``grievance_change`` and its current misperception by
``misperception_change`` (which then relaxes toward the actor's baseline through
diplomacy's recovery), and flips the posture (``world.posture``, the triggers mechanism) of
every theatre the actor holds: the other party governs (two-party politics, e.g. DPP and
KMT in Taipei).

Sanctions (event kind ``sanctions``). From the event month until ``until`` (or for
``duration_months`` months, or to the horizon) the target's GDP is multiplied each month
by (1 - ``gdp_loss_per_month``) and the imposer's by (1 - ``cost_per_month``): a level
effect that persists after the sanctions end. A dialogue channel closes with the event
kind ``talks_close`` (``world.channel`` false both ways) until a ``talks`` event reopens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine import event_checks as rules
from sim.engine import streams
from sim.engine.context import Month
from sim.engine.declare import (
    REQUIRED,
    Array,
    EventKind,
    Mechanism,
    ParamBlock,
    outcome,
    param,
    world,
)
from sim.engine.declare import Field as F

if TYPE_CHECKING:
    from sim.engine.params import EventSpec, Index


@dataclass(frozen=True)
class PoliticsParams(ParamBlock):
    """How elections raise audience costs."""

    election_window_months: Array = param(
        scope="model",
        kind="int",
        default=6,
        lo=0,
        hi=24,
        unit="months",
        doc="Months up to and including an election in which the actor's audience cost is raised.",
        literature="3-12 months of campaign; Gaubatz 1991 (JCR 35:2) finds democracies' war "
        "involvement depends on the point in the electoral cycle; judgement",
    )
    election_audience_factor: Array = param(
        scope="model",
        kind="float",
        default=1.5,
        lo=1,
        hi=3,
        doc="Factor on the audience cost of an actor in its election window.",
        literature="1-2; Fearon 1994 (APSR 88:3) audience costs; Gaubatz 1991; Weeks 2008 "
        "(IO 62:1) audience costs outside democracies; judgement",
    )


@dataclass(frozen=True)
class ElectionValues(ParamBlock):
    """Chance of a change of leadership and what a change does."""

    change_probability: Array = param(
        scope="event",
        kind="float",
        default=REQUIRED,
        lo=0,
        hi=1,
        doc="Chance the leadership (president, ruling party) changes.",
        source="scenario",
    )
    audience_cost_change: Array = param(
        scope="event",
        kind="float",
        default=0.0,
        lo=-1,
        hi=1,
        unit="stake units",
        doc="Shift of the actor's base audience cost after a change.",
    )
    grievance_change: Array = param(
        scope="event",
        kind="float",
        default=0.0,
        lo=-1,
        hi=1,
        doc="Shift of every grievance between the actor and others (both ways) after a change.",
    )
    misperception_change: Array = param(
        scope="event",
        kind="float",
        default=0.0,
        lo=-3,
        hi=3,
        unit="log-sd",
        doc="Shift of the actor's current misperception after a change (a new leader learns).",
    )


@dataclass(frozen=True)
class SanctionValues(ParamBlock):
    """Monthly GDP losses of target and imposer, and when the sanctions end."""

    gdp_loss_per_month: Array = param(
        scope="event",
        kind="float",
        default=REQUIRED,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Share of the target's GDP lost each month the sanctions last.",
        source="scenario",
    )
    cost_per_month: Array = param(
        scope="event",
        kind="float",
        default=0.0,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Share of the imposer's GDP lost each month the sanctions last.",
        source="scenario",
    )
    until: Array = param(
        scope="event",
        kind="month",
        default=None,
        doc="Last month of the sanctions (default: duration_months, else the horizon).",
        source="scenario",
    )
    duration_months: Array = param(
        scope="event",
        kind="int",
        default=None,
        lo=1,
        hi=1200,
        unit="months",
        doc="Months the sanctions last, from the event month (if `until` is absent).",
        source="scenario",
    )


# --- event kinds ----------------------------------------------------------------------------


def _actor_spec(ev: dict, ix: Index) -> dict[str, Any]:
    return {"actors": (ix.actors[ev["actor"]],)}


def _pair_spec(ev: dict, ix: Index) -> dict[str, Any]:
    return {"actors": tuple(ix.actors[c] for c in ev["parties"])}


def _by_against_spec(ev: dict, ix: Index) -> dict[str, Any]:
    return {"actors": (ix.actors[ev["by"]], ix.actors[ev["against"]])}


def _election(m: Month, ev: EventSpec, fire: np.ndarray, values: ElectionValues) -> None:
    """Draw the outcome; a change of leadership shifts audience, grievance, misperception."""
    (i,) = ev.actors
    w, s = m.state.world, m.structure
    u = m.rng.uniform(m.t, streams.ELECTION_OUTCOME, len(s.events))[:, ev.occurrence]
    change = fire & (u < values.change_probability)
    m.state.outcome.leader_changes[:, i] += change
    if not change.any():
        return
    w.audience_base[:, i] = np.maximum(
        w.audience_base[:, i] + np.where(change, values.audience_cost_change, 0.0), 0.0
    )
    if m.on("grievance"):
        shift = np.where(change, values.grievance_change, 0.0)
        for a, b in s.grievance_dyads:
            if i in (a, b):
                w.grievance[:, a, b] = np.clip(w.grievance[:, a, b] + shift, 0.0, 1.0)
    sigma = w.sigma[:, i] + np.where(change, values.misperception_change, 0.0)
    w.sigma[:, i] = np.maximum(sigma, 0.0)
    if m.on("triggers"):
        # the other party now governs the theatres the actor holds: their posture flips
        for k in range(len(s.theatres)):
            flip = change & (w.holder[:, k] == i)
            w.posture[:, k] = np.where(flip, 1.0 - w.posture[:, k], w.posture[:, k])


def _talks_close(m: Month, ev: EventSpec, fire: np.ndarray, values: Any) -> None:
    """Close the dialogue channel both ways."""
    i, j = ev.actors
    m.state.world.channel[:, i, j] &= ~fire
    m.state.world.channel[:, j, i] &= ~fire


def _sanctions(m: Month, ev: EventSpec, fire: np.ndarray, values: SanctionValues) -> None:
    """Start sanctions of `by` against `against` (their monthly losses apply in `step`)."""
    by, against = ev.actors
    w = m.state.world
    horizon = float(m.structure.months - 1)
    by_duration = np.where(
        np.isnan(values.duration_months), horizon, m.t + values.duration_months - 1
    )
    until = np.where(np.isnan(values.until), by_duration, values.until).astype(np.int64)
    w.sanction_until[:, by, against] = np.where(fire, until, w.sanction_until[:, by, against])
    for name, value in (("sanction_loss", values.gdp_loss_per_month),
                        ("sanction_cost", values.cost_per_month)):  # fmt: skip
        arr = getattr(w, name)
        arr[:, by, against] = np.where(fire, value, arr[:, by, against])


EVENT_KINDS: tuple[EventKind, ...] = (
    EventKind(
        "election",
        {"actor": F(kind="actor", default=REQUIRED, doc="Actor that holds the election.")},
        _actor_spec,
        _election,
        ElectionValues,
    ),
    EventKind(
        "talks_close",
        {
            "parties": F(
                kind="actors",
                default=REQUIRED,
                doc="The two actors whose dialogue channel closes (reopened by talks).",
            )
        },
        _pair_spec,
        _talks_close,
        checks=(rules.pair,),
    ),
    EventKind(
        "sanctions",
        {
            "by": F(kind="actor", default=REQUIRED, doc="Actor imposing the sanctions."),
            "against": F(kind="actor", default=REQUIRED, doc="Actor sanctioned."),
        },
        _by_against_spec,
        _sanctions,
        SanctionValues,
        checks=(rules.different("by", "against", "sanctions need two different actors"),),
    ),
)
"""Scheduled event kinds of domestic politics and state acts."""


# --- monthly step ---------------------------------------------------------------------------


def election_window(m: Month) -> np.ndarray:
    """Return (R, N) True where an election of the actor falls within the window ahead."""
    s, p = m.structure, m.params
    inside = np.zeros((m.runs, len(s.actors)), dtype=bool)
    window = np.broadcast_to(p.politics.election_window_months, (m.runs,))
    for e, ev in enumerate(s.events):
        if ev.kind != "election":
            continue
        ahead = p.event_month[:, e] - m.t
        inside[:, ev.actors[0]] |= (ahead >= 0) & (ahead < window)
    return inside


def step(m: Month) -> None:
    """Sanctions' GDP losses; audience costs raised in election windows."""
    w = m.state.world
    active = w.sanction_until >= m.t  # (R, N, N) [by, against]
    if active.any():
        target_keep = np.prod(1.0 - np.where(active, w.sanction_loss, 0.0), axis=1)
        imposer_keep = np.prod(1.0 - np.where(active, w.sanction_cost, 0.0), axis=2)
        w.gdp = w.gdp * target_keep * imposer_keep
    factor = np.where(election_window(m), m.params.politics.election_audience_factor[:, None], 1.0)
    wanted = w.audience_base * factor
    w.audience = np.maximum(w.audience + wanted - w.audience_applied, 0.0)
    w.audience_applied = wanted


MECHANISM = Mechanism(
    name="politics",
    doc="Domestic politics: election windows and leader changes move audience costs; "
    "sanctions; closing talks.",
    params=PoliticsParams,
    state=(
        world(
            "audience_base",
            axes=("actor",),
            dtype=np.float64,
            init=lambda p: p.crisis.audience_cost,
            doc="Base audience cost outside election windows (stake units at rung 8).",
        ),
        world(
            "audience_applied",
            axes=("actor",),
            dtype=np.float64,
            init=lambda p: p.crisis.audience_cost,
            doc="Audience cost domestic politics set last month (its share of world.audience).",
        ),
        world(
            "sanction_until",
            axes=("actor", "actor"),
            dtype=np.int64,
            fill=-1,
            doc="Last month of sanctions [by, against]; -1 none.",
        ),
        world(
            "sanction_loss",
            axes=("actor", "actor"),
            dtype=np.float64,
            doc="Target's monthly GDP loss share of sanctions [by, against].",
        ),
        world(
            "sanction_cost",
            axes=("actor", "actor"),
            dtype=np.float64,
            doc="Imposer's monthly GDP loss share of sanctions [by, against].",
        ),
        outcome(
            "leader_changes",
            axes=("actor",),
            dtype=np.int64,
            doc="Elections that changed the actor's leadership.",
        ),
    ),
    needs=("crisis", "grievance"),
    step=step,
    event_kinds=EVENT_KINDS,
)
