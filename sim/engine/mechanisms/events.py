"""Scheduled scenario events: policy changes, incidents, drills, visits, invasions...

Each kind is declared once (`KINDS`): its fields, the numbers it carries (with the run
axis, so sweeps can vary them) and what it changes. Each occurrence fires in the runs
whose (possibly swept) month equals the current month, in the order of the scenario.
Event effects that belong to another mechanism (talks lower grievance) apply only when
that mechanism is on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine import event_checks as rules
from sim.engine import streams
from sim.engine.calendar import parse_month
from sim.engine.choice import WAR_PATHS
from sim.engine.context import Month
from sim.engine.declare import (
    DERIVED,
    REQUIRED,
    Array,
    DeriveContext,
    EventKind,
    Mechanism,
    MonthView,
    ParamBlock,
    Problem,
    param,
)
from sim.engine.declare import Field as F
from sim.engine.ladder import COERCION_RUNG, WAR_RUNG, open_crisis
from sim.engine.mechanisms.arms import POLICY_TARGETS, adopt_policy
from sim.engine.mechanisms.crisis_params import CrisisParams
from sim.engine.mechanisms.diplomacy import hold_talks
from sim.engine.mechanisms.greyzone_records import default_opponent
from sim.errors import suggest

if TYPE_CHECKING:
    from sim.engine.params import EventSpec, Index


def step(m: Month) -> None:
    """Apply every event occurrence scheduled for this month."""
    p, s = m.params, m.structure
    for e, ev in enumerate(s.events):
        if e not in m.due:
            continue
        fire = np.broadcast_to(p.event_month[:, e] == m.t, (m.runs,))
        if not fire.any():
            continue
        values = p.event_values[e]
        if values is not None:
            values = values.with_arrays(
                {k: np.broadcast_to(v, (m.runs,)) for k, v in values.arrays().items()}
            )
        m.event_kinds[ev.kind].apply(m, ev, fire, values)


# --- structure of each kind: who and where ------------------------------------------------


def _parties(ev: dict, ix: Index) -> dict[str, Any]:
    out: dict[str, Any] = {"actors": tuple(ix.actors[c] for c in ev["parties"])}
    if "theatre" in ev:
        out["theatre"] = ix.theatres[ev["theatre"]]
    return out


def _by(ev: dict, ix: Index) -> dict[str, Any]:
    return {"actors": (ix.actors[ev["by"]],), "theatre": ix.theatres[ev["theatre"]]}


def _by_against(ev: dict, ix: Index) -> dict[str, Any]:
    actors = (ix.actors[ev["by"]], ix.actors[ev["against"]])
    return {"actors": actors, "theatre": ix.theatres[ev["theatre"]]}


def _visit(ev: dict, ix: Index) -> dict[str, Any]:
    actors = (ix.actors[ev["by"]], ix.actors[ev["to"]])
    return {"actors": actors, "theatre": ix.theatres[ev["theatre"]]}


def _policy_spec(ev: dict, ix: Index) -> dict[str, Any]:
    target = next(key for key in POLICY_TARGETS if ev[key] is not None)
    return {"actors": (ix.actors[ev["actor"]],), "policy": target}


def _roe_spec(ev: dict, ix: Index) -> dict[str, Any]:
    return {
        "theatre": ix.theatres[ev["theatre"]],
        "activity": ix.activities[(ev["theatre"], ev["activity"])],
    }


def _alliance_id(ev: dict) -> str:
    """Return the id of the alliance an ``alliance`` event changes (PATRON-CLIENT)."""
    return f"{ev['patron']}-{ev['client']}"


def _alliance_spec(ev: dict, ix: Index) -> dict[str, Any]:
    return {"alliance": ix.alliances[_alliance_id(ev)]}


# --- rules of single kinds (shared ones: sim.engine.event_checks) ----------------------


def _reached_later(ev: dict, context: DeriveContext) -> Problem | None:
    """Require a policy's `reach_by` after the event."""
    if parse_month(ev["reach_by"]) <= parse_month(ev["at"]):
        return Problem("reach_by", "reach_by must be after at")
    return None


def _alliance_exists(ev: dict, context: DeriveContext) -> Problem | None:
    """Require that the alliance an ``alliance`` event changes exists."""
    ids = [a["id"] for a in context.alliances]
    aid = _alliance_id(ev)
    if aid not in ids:
        return Problem("", f"no alliance '{aid}' to change{suggest(aid, ids)}")
    return None


# --- numbers each kind carries ---------------------------------------------------------


@dataclass(frozen=True)
class PolicyValues(ParamBlock):
    """A spending target (exactly one of three forms) and when it is reached."""

    target_share_gdp: Array = param(
        scope="event",
        kind="float",
        default=None,
        lo=0,
        hi=1,
        unit="share of GDP",
        doc="Spending target at `reach_by`.",
        source="scenario",
    )
    target_milex_usd_bn: Array = param(
        scope="event",
        kind="float",
        default=None,
        lo=0,
        hi=1e6,
        unit="USD bn/year",
        doc="Spending target at `reach_by`.",
        source="scenario",
    )
    growth_per_year: Array = param(
        scope="event",
        kind="float",
        default=None,
        lo=-0.9,
        hi=2,
        unit="1/year",
        doc="Spending growth until `reach_by`.",
        source="scenario",
    )
    reach_by: Array = param(
        scope="event",
        kind="month",
        default=REQUIRED,
        doc="Month the target is reached; Richardson dynamics resume then.",
        source="scenario",
    )


def opening_rung(event: dict, context: DeriveContext) -> None:
    """Return None: the crisis opens at the run's ``crisis.opening_rung`` (compiled as NaN)."""
    return None


@dataclass(frozen=True)
class IncidentValues(ParamBlock):
    """The rung an incident's crisis opens at."""

    rung: Array = param(
        scope="event",
        kind="int",
        default=DERIVED,
        derive=opening_rung,
        lo=1,
        hi=5,
        unit="rung",
        doc="Rung the crisis opens at; default crisis.opening_rung.",
        source="scenario",
    )


@dataclass(frozen=True)
class RulesValues(ParamBlock):
    """A new chance per unit of an activity that it becomes an incident."""

    incident_probability: Array = param(
        scope="event",
        kind="float",
        default=REQUIRED,
        lo=0,
        hi=1,
        doc="New chance that one unit of the activity becomes an incident.",
    )


@dataclass(frozen=True)
class DrillValues(ParamBlock):
    """What a drill does to the other claimants."""

    grievance_increase: Array = param(
        scope="event",
        kind="float",
        default=0.05,
        lo=0,
        hi=1,
        doc="Grievance of the other claimants.",
    )
    crisis_probability: Array = param(
        scope="event",
        kind="float",
        default=0.05,
        lo=0,
        hi=1,
        doc="Chance the drill opens a crisis.",
    )


@dataclass(frozen=True)
class VisitValues(ParamBlock):
    """What a visit does to the other claimants."""

    grievance_increase: Array = param(
        scope="event",
        kind="float",
        default=0.1,
        lo=0,
        hi=1,
        doc="Grievance of the other claimants.",
    )
    crisis_probability: Array = param(
        scope="event",
        kind="float",
        default=0.3,
        lo=0,
        hi=1,
        doc="Chance the visit opens a crisis.",
        literature="e.g. the 1995-96 Strait crisis after Lee Teng-hui's visit, the 2022 drills "
        "after Pelosi's visit (data/crisis_triggers.csv)",
    )


@dataclass(frozen=True)
class AllianceValues(ParamBlock):
    """New commitment and basing of an alliance (NaN: unchanged)."""

    commitment: Array = param(
        scope="event",
        kind="float",
        default=None,
        lo=0,
        hi=1,
        doc="New commitment (unchanged if absent).",
    )
    basing: Array = param(
        scope="event",
        kind="bool",
        default=None,
        doc="New basing access (unchanged if absent).",
        source="scenario",
    )


# --- what each kind changes ------------------------------------------------------------


def _talks(m: Month, ev: EventSpec, fire: np.ndarray, values: Any) -> None:
    i, j = ev.actors
    m.state.world.channel[:, i, j] |= fire
    m.state.world.channel[:, j, i] |= fire
    if m.on("diplomacy"):
        hold_talks(m, fire, i, j)


def _hotline(m: Month, ev: EventSpec, fire: np.ndarray, values: Any) -> None:
    i, j = ev.actors
    m.state.world.hotline[:, i, j] |= fire
    m.state.world.hotline[:, j, i] |= fire


def _policy(m: Month, ev: EventSpec, fire: np.ndarray, values: PolicyValues) -> None:
    (i,) = ev.actors
    amount = getattr(values, ev.policy)
    adopt_policy(m, i, fire, ev.policy, amount, values.reach_by)


def _crisis_parties(m: Month, k: int, by: int, against: int) -> tuple[np.ndarray, np.ndarray]:
    holder = m.state.world.holder[:, k]
    other = np.full(m.runs, against)
    challenger = np.where(by == holder, other, by)
    defender = np.where(by == holder, by, other)
    return challenger, defender


def _incident(m: Month, ev: EventSpec, fire: np.ndarray, values: IncidentValues) -> None:
    if not m.on("crisis"):
        return
    by, against = ev.actors
    rung = np.where(np.isnan(values.rung), m.params[CrisisParams].opening_rung, values.rung)
    ch, df = _crisis_parties(m, ev.theatre, by, against)
    code = m.structure.trigger(f"event:{ev.id}")
    open_crisis(m.state, fire, ev.theatre, ch, df, rung.astype(np.int64), trigger=code)


def _forcing(
    rung: int, blockade: bool = False
) -> Callable[[Month, EventSpec, np.ndarray, Any], None]:
    """Blockade, landing, invasion: the actor opens a crisis at `rung` against the holder.

    A `blockade` also puts the theatre under blockade.
    """

    def apply(m: Month, ev: EventSpec, fire: np.ndarray, values: Any) -> None:
        if not m.on("crisis"):
            return
        (by,) = ev.actors
        k = ev.theatre
        holder = m.state.world.holder[:, k]
        # a move against a theatre the actor already holds (e.g. after a won war) is void
        act = fire & (holder != by)
        code = m.structure.trigger(f"event:{ev.id}")
        open_crisis(
            m.state, act, k, np.full(m.runs, by), holder, rung, move="initiate", trigger=code
        )
        w = m.state.world
        if blockade:
            w.blockade[:, k] |= act
        if rung >= WAR_RUNG:
            scheduled = WAR_PATHS.index("scheduled")
            w.war_path[:, k] = np.where(act & (w.war_path[:, k] == 0), scheduled, w.war_path[:, k])

    return apply


def _rules(m: Month, ev: EventSpec, fire: np.ndarray, values: RulesValues) -> None:
    q = ev.activity
    w = m.state.world
    w.incident_p[:, q] = np.where(fire, values.incident_probability, w.incident_p[:, q])


def _pressure(m: Month, ev: EventSpec, fire: np.ndarray, values: Any) -> None:
    """Drills and visits: grievance of the other claimants, and a chance of a crisis."""
    st, s = m.state, m.structure
    w = st.world
    k = ev.theatre
    doers = list(ev.actors)
    if m.on("grievance"):
        for i in np.nonzero(s.claimant[k])[0]:
            if i in doers:
                continue
            for j in doers:
                inc = np.where(fire, values.grievance_increase, 0.0)
                w.grievance[:, i, j] += inc * (1.0 - w.grievance[:, i, j])
    if m.on("crisis"):
        u = m.rng.uniform(m.t, streams.EVENTS + ev.occurrence, 1)[:, 0]
        crisis = fire & (u < values.crisis_probability)
        holder = w.holder[:, k]
        # the challenger is the first claimant that is not the holder
        ch = np.full(m.runs, -1)
        for i in np.nonzero(s.claimant[k])[0]:
            ch = np.where((ch < 0) & (holder != i), i, ch)
        rung = m.params[CrisisParams].opening_rung.astype(np.int64)
        code = s.trigger(f"event:{ev.id}")
        open_crisis(st, crisis, k, ch, holder, rung, trigger=code)


def _alliance(m: Month, ev: EventSpec, fire: np.ndarray, values: AllianceValues) -> None:
    a = ev.alliance
    w = m.state.world
    commit, basing = values.commitment, values.basing
    w.commitment[:, a] = np.where(fire & ~np.isnan(commit), commit, w.commitment[:, a])
    w.basing[:, a] = np.where(fire & ~np.isnan(basing), basing > 0.5, w.basing[:, a])


def incident_opponent(event: dict, context: DeriveContext) -> str:
    """Return the opponent of the incident's actor in its theatre (`default_opponent`)."""
    return default_opponent(context.theatres[event["theatre"]], event["by"])


KINDS: tuple[EventKind, ...] = (
    EventKind(
        "talks",
        {
            "parties": F(
                kind="actors",
                default=REQUIRED,
                doc="The two actors that meet; opens a dialogue channel.",
            )
        },
        _parties,
        _talks,
        checks=(rules.pair,),
        opens_channel=True,
    ),
    EventKind(
        "hotline",
        {
            "parties": F(
                kind="actors", default=REQUIRED, doc="The two actors that set up a crisis hotline."
            )
        },
        _parties,
        _hotline,
        checks=(rules.pair,),
    ),
    EventKind(
        "policy",
        {"actor": F(kind="actor", default=REQUIRED, doc="Actor whose spending policy changes.")},
        _policy_spec,
        _policy,
        PolicyValues,
        checks=(rules.exactly_one(POLICY_TARGETS), _reached_later),
    ),
    EventKind(
        "incident",
        {
            "theatre": F(kind="theatre", default=REQUIRED, doc="Theatre of the incident."),
            "by": F(
                kind="actor",
                default=REQUIRED,
                doc="Actor whose act caused it (the challenger if it is not the holder).",
            ),
            "against": F(
                kind="actor",
                default=DERIVED,
                derive=incident_opponent,
                doc="Other party; default the holder or other claimant.",
            ),
        },
        _by_against,
        _incident,
        IncidentValues,
        checks=(
            rules.claimant,
            rules.different("by", "against", "an incident needs two different parties"),
        ),
    ),
    EventKind(
        "rules_of_engagement",
        {
            "theatre": F(kind="theatre", default=REQUIRED, doc="Theatre of the activity."),
            "activity": F(
                kind="str", default=REQUIRED, doc="Grey-zone activity whose encounters change."
            ),
        },
        _roe_spec,
        _rules,
        RulesValues,
        checks=(rules.activity,),
    ),
    EventKind(
        "drill",
        {
            "theatre": F(
                kind="theatre", default=REQUIRED, doc="Theatre near which the drill takes place."
            ),
            "parties": F(kind="actors", default=REQUIRED, doc="Actors drilling (together)."),
        },
        _parties,
        _pressure,
        DrillValues,
        checks=(rules.some_parties,),
    ),
    EventKind(
        "visit",
        {
            "theatre": F(kind="theatre", default=REQUIRED, doc="Theatre the visit concerns."),
            "by": F(kind="actor", default=REQUIRED, doc="Visiting actor."),
            "to": F(kind="actor", default=REQUIRED, doc="Host actor."),
        },
        _visit,
        _pressure,
        VisitValues,
        checks=(rules.different("by", "to", "visitor and host are the same actor"),),
    ),
    EventKind(
        "blockade",
        {
            "theatre": F(kind="theatre", default=REQUIRED, doc="Blockaded theatre."),
            "by": F(
                kind="actor", default=REQUIRED, doc="Blockading actor; opens a crisis at rung 4."
            ),
        },
        _by,
        _forcing(COERCION_RUNG, blockade=True),
        checks=(rules.challenger,),
    ),
    EventKind(
        "landing",
        {
            "theatre": F(kind="theatre", default=REQUIRED, doc="Theatre where personnel land."),
            "by": F(
                kind="actor",
                default=REQUIRED,
                doc="Landing actor; opens a crisis at rung 4 (seizure).",
            ),
        },
        _by,
        _forcing(COERCION_RUNG),
        checks=(rules.challenger,),
    ),
    EventKind(
        "invasion",
        {
            "theatre": F(kind="theatre", default=REQUIRED, doc="Invaded theatre."),
            "by": F(
                kind="actor",
                default=REQUIRED,
                doc="Invading actor; the theatre goes to rung 6 (war).",
            ),
        },
        _by,
        _forcing(WAR_RUNG),
        checks=(rules.challenger,),
    ),
    EventKind(
        "alliance",
        {
            "patron": F(kind="actor", default=REQUIRED, doc="Patron of an existing alliance."),
            "client": F(kind="actor", default=REQUIRED, doc="Client of that alliance."),
        },
        _alliance_spec,
        _alliance,
        AllianceValues,
        checks=(_alliance_exists,),
    ),
)
"""Every scheduled event kind, in the order the schema lists them."""


def log_month(v: MonthView) -> list[tuple[str, str, str]]:
    """Scheduled events that fired this month."""
    s, r = v.s, v.run
    rows = []
    for e, ev in enumerate(s.events):
        if int(v.params.event_month[r, e]) == v.t:
            theatre = s.theatres[ev.theatre] if ev.theatre >= 0 else ""
            who = ", ".join(s.actors[i] for i in ev.actors)
            detail = f"{ev.kind}: {who}" if who else ev.kind
            rows.append((theatre, "event", f"scheduled event '{ev.id}' ({detail})"))
    return rows


MECHANISM = Mechanism(
    name="events",
    doc="Scheduled scenario events (policies, talks, incidents, drills, visits, invasions).",
    log=log_month,
    needs=("crisis", "diplomacy", "grievance"),
    step=step,
)
