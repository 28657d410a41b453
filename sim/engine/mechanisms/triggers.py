"""Triggers: stochastic (and calendar) political acts that can open a crisis.

Each ``[[triggers]]`` item j is a point process of one kind (leader visit, arms sale,
election, inauguration, official statement, incident at sea or in the air) in one theatre,
performed by actor ``by``. In month t it occurs

    n_j(t) ~ Poisson(rate_per_year_j / 12) + [t is one of months_j]

times. Each occurrence raises the grievance of the target toward the actor, and toward
the theatre's holder h where h is neither (a US arms sale to Taiwan aggrieves China toward
the United States and toward Taiwan, the dyad whose crisis it can open),

    G_target,x <- 1 - (1 - G_target,x) (1 - g_j)^n_j,   x in {by, h},

(the multiplicative form of the grievance mechanism, once per occurrence), and opens a
crisis with probability ``crisis_probability`` p_j, independently per occurrence:

    P(crisis | n_j) = 1 - (1 - p_j)^n_j,

at ``crisis.opening_rung`` between the theatre's first claimant that does not hold it
(challenger) and the holder, unless a crisis is already open there. The crisis log names
it ``trigger:<kind>``. The expected rate of crises from trigger j is rate_j p_j a year
(plus p_j per calendar month listed), which the shipped scenarios set to the rates of
crises by trigger kind in ``data/crisis_triggers.csv`` (docs/MODEL.md, "Triggers").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import kernels, streams
from sim.engine.context import Month
from sim.engine.declare import (
    DERIVED,
    REQUIRED,
    Array,
    DeriveContext,
    Mechanism,
    MonthView,
    ParamBlock,
    scratch,
)
from sim.engine.declare import Field as F
from sim.engine.ladder import open_crisis

if TYPE_CHECKING:
    from sim.engine.params import Index

KINDS = (
    "leader_visit",
    "arms_sale",
    "election",
    "inauguration",
    "statement",
    "incident_sea",
    "incident_air",
)
"""Kinds of trigger (``kind`` of a ``[[triggers]]`` item; label ``trigger:<kind>``)."""


def default_target(trigger: dict, context: DeriveContext) -> str | None:
    """Return the theatre's challenger, or its holder if the challenger performs the act."""
    theatre = context.theatres.get(trigger.get("theatre", ""))
    if theatre is None:
        return None
    holder = theatre["holder"]
    challenger = next((c for c in theatre["claimants"] if c != holder), holder)
    return holder if trigger.get("by") == challenger else challenger


FIELDS: dict[str, F] = {
    "kind": F("enum", REQUIRED, doc="What happens.", choices=KINDS),
    "theatre": F("theatre", REQUIRED, doc="Theatre whose crisis it can open."),
    "by": F("actor", REQUIRED, doc="Actor performing the act (USA for an arms sale...)."),
    "target": F(
        "actor",
        DERIVED,
        doc="Actor whose grievance toward `by` rises; default the theatre's challenger "
        "(its holder if the challenger acts).",
        derive=default_target,
    ),
    "rate_per_year": F(
        "float", 0.0, 0, 120, "1/year", "Poisson rate of occurrences (0: calendar months only).",
        source="judgement where data give no occurrence rate (docs/MODEL.md, Triggers)",
    ),
    "months": F(
        "months", [], unit="", doc="Calendar months with one occurrence each (YYYY-MM); "
        "months outside the simulated span are ignored.", source="calendar",
    ),
    "crisis_probability": F(
        "float", 0.0, 0, 1, "", "Chance one occurrence opens a crisis at crisis.opening_rung.",
        source="crises by kind in data/crisis_triggers.csv / occurrences (docs/MODEL.md)",
        literature="1 of 8 Taiwan elections (1996) and 1 of 8 inaugurations (2024) "
        "1995-2025; visits 3 crises in 31 years",
    ),
    "grievance_increase": F(
        "float", 0.0, 0, 1, "", "Rise of the target's grievance toward `by` per occurrence, "
        "as a share of the distance to 1.",
        source="judgement", literature="as the scheduled visit (0.1) and drill (0.05) events",
    ),
}  # fmt: skip
"""Fields of one ``[[triggers]]`` item (besides ``id`` and ``remove``, see the schema)."""

_EMPTY = np.zeros((1, 0))


@dataclass(frozen=True)
class TriggerParams(ParamBlock):
    """Arrays of the triggers (axis 1 over triggers j); compiled by `compile`, not by scope.

    Attributes
    ----------
    kind, theatre, by, target : (R, J) int
        Index into `KINDS`, theatre, acting and aggrieved actor.
    rate_per_year, crisis_probability, grievance_increase : (R, J) float
        The numbers of each trigger.
    months : (R, J, M) int
        Month offsets of the calendar occurrences, -1 padding.
    """

    kind: Array = dataclasses.field(default_factory=lambda: _EMPTY.astype(np.int64))
    theatre: Array = dataclasses.field(default_factory=lambda: _EMPTY.astype(np.int64))
    by: Array = dataclasses.field(default_factory=lambda: _EMPTY.astype(np.int64))
    target: Array = dataclasses.field(default_factory=lambda: _EMPTY.astype(np.int64))
    rate_per_year: Array = dataclasses.field(default_factory=lambda: _EMPTY)
    crisis_probability: Array = dataclasses.field(default_factory=lambda: _EMPTY)
    grievance_increase: Array = dataclasses.field(default_factory=lambda: _EMPTY)
    months: Array = dataclasses.field(
        default_factory=lambda: np.full((1, 0, 1), -1, dtype=np.int64)
    )

    @classmethod
    def declared(cls) -> tuple:
        """Return no scoped parameters: the numbers are fields of ``[[triggers]]``."""
        return ()

    @classmethod
    def compile(cls, d: dict, ix: Index) -> TriggerParams:
        """Return the (1, J) arrays of the scenario's triggers (resolved data `d`)."""
        from sim.scenario.months import parse_month  # the scenario package imports the registry

        items = d.get("triggers", [])
        width = max([1, *(len(t["months"]) for t in items)])
        months = np.full((1, len(items), width), -1, dtype=np.int64)
        for j, t in enumerate(items):
            for n, month in enumerate(t["months"]):
                months[0, j, n] = parse_month(month) - ix.start

        def ints(values: list[int]) -> Array:
            return np.array([values], dtype=np.int64).reshape(1, len(items))

        def floats(key: str) -> Array:
            return np.array([[float(t[key]) for t in items]]).reshape(1, len(items))

        return cls(
            kind=ints([KINDS.index(t["kind"]) for t in items]),
            theatre=ints([ix.theatres[t["theatre"]] for t in items]),
            by=ints([ix.actors[t["by"]] for t in items]),
            target=ints([ix.actors[t["target"]] for t in items]),
            rate_per_year=floats("rate_per_year"),
            crisis_probability=floats("crisis_probability"),
            grievance_increase=floats("grievance_increase"),
            months=months,
        )


def occurrences(m: Month) -> np.ndarray:
    """Return this month's occurrences of every trigger, (R, J) int."""
    p = m.params.triggers
    rate = np.broadcast_to(p.rate_per_year, (m.runs, p.rate_per_year.shape[1])) / 12.0
    n = m.rng.poisson(rate, m.t, streams.TRIGGER_OCCURS).astype(np.int64)
    months = np.ascontiguousarray(np.broadcast_to(p.months, n.shape + p.months.shape[2:]))
    return n + kernels.count_equal(months.astype(np.int64, copy=False), m.t)


def challenger_of(m: Month, k: int) -> np.ndarray:
    """Return the first claimant of theatre `k` that does not hold it, (R,)."""
    holder = m.state.world.holder[:, k]
    ch = np.full(m.runs, -1)
    for i in np.nonzero(m.structure.claimant[k])[0]:
        ch = np.where((ch < 0) & (holder != i), i, ch)
    return ch


def step(m: Month) -> None:
    """Draw each trigger's occurrences; raise grievance; open crises."""
    p = m.params.triggers
    if p.kind.shape[1] == 0:
        return
    n = occurrences(m)
    if not n.any():
        return
    w, x = m.state.world, m.state.scratch

    def rows(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.broadcast_to(a, n.shape))

    kind = rows(p.kind)
    # triggers of one batch share their theatre and kind (structure): row 0 speaks
    theatre = np.ascontiguousarray(np.broadcast_to(p.theatre, n.shape)[0], dtype=np.int64)
    crisis_on = m.on("crisis")
    u = m.rng.uniform(m.t, streams.TRIGGER_CRISIS, n.shape[1]) if crisis_on else np.ones(n.shape)
    # bits, grievance (1 - (1 - G) (1 - increase)^n, triggers in order) and the crises
    # opened (u < 1 - (1 - crisis_probability)^n), compiled; powers by repeated
    # multiplication (numpy's ``power`` may round an element differently
    # depending on its position in the array, which would tie a run to its batch)
    opens = kernels.trigger_effects(
        n,
        kind,
        theatre,
        x.triggered,
        w.grievance,
        rows(p.by),
        rows(p.target),
        w.holder,
        rows(p.grievance_increase).astype(np.float64, copy=False),
        rows(p.crisis_probability).astype(np.float64, copy=False),
        u,
        m.on("grievance"),
    )
    if not crisis_on:
        return
    rung = m.params.crisis.opening_rung.astype(np.int64)
    challengers: dict[int, np.ndarray] = {}  # per theatre (opening a crisis moves no holder)
    for j in np.flatnonzero(n.any(axis=0)):  # a trigger that did not occur opens nothing
        k = int(theatre[j])
        mask = opens[:, j] & ~w.crisis[:, k]
        if not mask.any():
            continue
        code = m.structure.trigger(f"trigger:{KINDS[int(kind[0, j])]}")
        if k not in challengers:
            challengers[k] = challenger_of(m, k)
        open_crisis(m.state, mask, k, challengers[k], w.holder[:, k], rung, trigger=code)
        x.trigger_opened[:, k] = np.where(mask, kind[:, j] + 1, x.trigger_opened[:, k])


def labels(d: dict) -> tuple[str, ...]:
    """Return ``trigger:<kind>`` for every kind the scenario's triggers use."""
    return tuple(dict.fromkeys(f"trigger:{t['kind']}" for t in d.get("triggers", [])))


def log_month(v: MonthView) -> list[tuple[str, str, str]]:
    """List the kinds of trigger that occurred this month and the crises they opened."""
    x, r = v.st.scratch, v.run
    rows = []
    for k, theatre in enumerate(v.s.theatres):
        bits = int(x.triggered[r, k])
        if not bits:
            continue
        kinds = [name for b, name in enumerate(KINDS) if bits >> b & 1]
        text = "trigger: " + ", ".join(kinds)
        opened = int(x.trigger_opened[r, k])
        if opened:
            text += f"; {KINDS[opened - 1]} opened a crisis"
        rows.append((theatre, "trigger", text))
    return rows


MECHANISM = Mechanism(
    name="triggers",
    doc="Stochastic triggers (visits, arms sales, elections, statements, incidents) "
    "that raise grievance and can open crises.",
    params=TriggerParams,  # compiles itself (`TriggerParams.compile`)
    fields={"trigger": FIELDS},
    state=(
        scratch(
            "triggered",
            ("theatre",),
            np.int64,
            "Kinds of trigger that occurred this month (bit i: KINDS[i]).",
        ),
        scratch(
            "trigger_opened",
            ("theatre",),
            np.int64,
            "1 + kind of the trigger that opened a crisis this month, 0 if none.",
        ),
    ),
    log=log_month,
    needs=("crisis", "grievance"),
    step=step,
    trigger_labels=labels,
)
