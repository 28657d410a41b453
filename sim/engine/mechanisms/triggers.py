"""Triggers: stochastic (and calendar) political acts that can open a crisis.

Each ``[[triggers]]`` item j is a point process of one kind (leader visit, arms sale,
election, inauguration, official statement, incident at sea or in the air) in one theatre,
performed by actor ``by``. In month t it occurs

    n_j(t) ~ Poisson(rate_per_year_j exp(nu_j(t)) / 12) + [t is one of months_j]

times, where nu_j is the rate's level, a random walk in the log rate,
nu_j(t) = nu_j(t-1) + s_j / sqrt(12) e_j(t), nu_j(0) = 0, with s_j its
``rate_volatility`` per year (0: a stationary Poisson process). Each occurrence raises
the grievance of the target toward the actor, and toward the theatre's holder h where h
is neither (a US arms sale to Taiwan aggrieves China toward the United States and toward
Taiwan, the dyad whose crisis it can open),

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
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine import kernels, streams
from sim.engine.context import Month
from sim.engine.declare import (
    DERIVED,
    REQUIRED,
    Array,
    DeriveContext,
    EventKind,
    Mechanism,
    MonthView,
    Param,
    ParamBlock,
    param,
    scratch,
    world,
)
from sim.engine.declare import Field as F
from sim.engine.ladder import open_crisis

if TYPE_CHECKING:
    from sim.engine.params import EventSpec, Index

KINDS = (
    "leader_visit",
    "arms_sale",
    "election",
    "inauguration",
    "statement",
    "incident_sea",
    "incident_air",
    "transit",
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
    "kind": F(kind="enum", default=REQUIRED, doc="What happens.", choices=KINDS),
    "theatre": F(kind="theatre", default=REQUIRED, doc="Theatre whose crisis it can open."),
    "by": F(
        kind="actor", default=REQUIRED, doc="Actor performing the act (USA for an arms sale...)."
    ),
    "target": F(
        kind="actor",
        default=DERIVED,
        derive=default_target,
        doc="Actor whose grievance toward `by` rises; default the theatre's challenger "
        "(its holder if the challenger acts).",
    ),
    "rate_per_year": F(
        kind="float",
        default=0.0,
        lo=0,
        hi=120,
        unit="1/year",
        doc="Poisson rate of occurrences (0: calendar months only).",
        source="judgement where data give no occurrence rate (docs/MODEL.md, Triggers)",
    ),
    "rate_volatility": F(
        kind="float",
        default=0.0,
        lo=0,
        hi=5,
        unit="1/sqrt(year)",
        doc="Annual volatility of the log of the occurrence rate, a random walk from "
        "rate_per_year at the start (monthly steps of this / sqrt(12)); 0: a stationary rate.",
        source="fitted where a scenario says so (docs/calibration.md, trigger rates); else 0",
        literature="no published estimate; prior Half-Normal(0.5) (judgement, as the "
        "propensity's): over a decade the rate may drift by a factor of about e^1.6 at one sd",
    ),
    "months": F(
        kind="months",
        default=[],
        doc="Calendar months with one occurrence each (YYYY-MM); "
        "months outside the simulated span are ignored.",
        source="calendar",
    ),
    "crisis_probability": F(
        kind="float",
        default=0.0,
        lo=0,
        hi=1,
        doc="Chance one occurrence opens a crisis at crisis.opening_rung.",
        source="crises by kind in data/crisis_triggers.csv / occurrences (docs/MODEL.md)",
        literature="1 of 8 Taiwan elections (1996) and 1 of 8 inaugurations (2024) "
        "1995-2025; visits 3 crises in 31 years",
    ),
    "grievance_increase": F(
        kind="float",
        default=0.0,
        lo=0,
        hi=1,
        doc="Rise of the target's grievance toward `by` per occurrence, "
        "as a share of the distance to 1.",
        source="judgement",
        literature="as the scheduled visit (0.1) and drill (0.05) events",
    ),
}
"""Fields of one ``[[triggers]]`` item (besides ``id`` and ``remove``, see the schema)."""

_EMPTY = np.zeros((1, 0))


@dataclass(frozen=True)
class TriggerParams(ParamBlock):
    """Arrays of the triggers (axis 1 over triggers j); compiled by `compile`, not by scope.

    Attributes
    ----------
    kind, theatre, by, target : (R, J) int
        Index into `KINDS`, theatre, acting and aggrieved actor.
    rate_per_year, rate_volatility, crisis_probability, grievance_increase : (R, J) float
        The numbers of each trigger.
    months : (R, J, M) int
        Month offsets of the calendar occurrences, -1 padding.
    """

    posture_effect: Array = param(
        scope="model",
        kind="float",
        default=0.0,
        lo=-5,
        hi=5,
        unit="log-odds",
        doc="Shift of the log-odds that a trigger opens a crisis while the theatre's posture "
        "is 1 (e.g. the party the challenger treats as provocative governs the holder).",
        source="fitted where a scenario says so (docs/calibration.md, trigger response); "
        "else 0 (no effect)",
        literature="no published estimate; the record 1995-2022 gives 2 Taiwan crises after "
        "112 triggers (one under each party); prior N(0, 1)",
    )
    memory_effect: Array = param(
        scope="model",
        kind="float",
        default=0.0,
        lo=0,
        hi=5,
        unit="log-odds",
        doc="Shift of the log-odds per unit of crisis memory (recent crises in the theatre, "
        "each weighted exp(-age / memory_months)): crises cluster.",
        source="fitted where a scenario says so; else 0",
        literature="disputes recur soonest after a dispute: Hensel 1994 (JPR 31:3), Goertz & "
        "Diehl 1992; recurrence hazard a few times the base rate, log-odds 0.5-2 (judgement)",
    )
    memory_months: Array = param(
        scope="model",
        kind="float",
        default=24.0,
        lo=1,
        hi=240,
        unit="months",
        doc="E-folding time of crisis memory.",
        literature="1-3 years (judgement after Hensel 1994: recurrence risk highest in the "
        "first years after a dispute)",
    )
    grievance_effect: Array = param(
        scope="model",
        kind="float",
        default=0.0,
        lo=-10,
        hi=10,
        unit="log-odds",
        doc="Shift of the log-odds per unit of the target's grievance toward the theatre's "
        "holder above its starting level (grievance is latent: not fitted).",
        literature="judgement, 0-3: a grievance 0.3 above its start multiplies the odds by "
        "up to 2.5",
    )
    balance_effect: Array = param(
        scope="model",
        kind="float",
        default=0.0,
        lo=-5,
        hi=5,
        unit="log-odds",
        doc="Shift of the log-odds per unit of log(capability of the challenger / capability of "
        "the holder) above its starting value (a rising challenger responds more often).",
        source="fitted where a scenario says so; else 0",
        literature="power-transition arguments (Organski & Kugler 1980) suggest > 0; prior N(0, 1)",
    )
    propensity_volatility: Array = param(
        scope="model",
        kind="float",
        default=0.0,
        lo=0,
        hi=5,
        unit="log-odds/sqrt(year)",
        doc="Annual volatility of each theatre's propensity, a random walk in the log-odds that "
        "a trigger opens a crisis (monthly steps of this / sqrt(12)); 0: no drift.",
        source="fitted where a scenario says so (docs/calibration.md, trigger response); else 0",
        literature="no published estimate; prior Half-Normal(0.5): over a decade the odds "
        "may drift by a factor of about e^1.6 at one sd (judgement)",
    )
    posture: Array = param(
        scope="theatre",
        kind="float",
        default=0.0,
        lo=0,
        hi=1,
        doc="Starting posture of the holder's government as the challenger sees it (1: the "
        "party it treats as provocative governs, e.g. the DPP in Taipei; `posture` events "
        "change it).",
        source="scenario",
    )
    crisis_memory: Array = param(
        scope="theatre",
        kind="float",
        default=0.0,
        lo=0,
        hi=50,
        unit="crises",
        doc="Crisis memory at the start: the sum over earlier crises in the theatre of "
        "exp(-(start - opened) / memory_months).",
        source="scenario",
    )

    kind: Array = dataclasses.field(default_factory=lambda: _EMPTY.astype(np.int64))
    theatre: Array = dataclasses.field(default_factory=lambda: _EMPTY.astype(np.int64))
    by: Array = dataclasses.field(default_factory=lambda: _EMPTY.astype(np.int64))
    target: Array = dataclasses.field(default_factory=lambda: _EMPTY.astype(np.int64))
    rate_per_year: Array = dataclasses.field(default_factory=lambda: _EMPTY)
    rate_volatility: Array = dataclasses.field(default_factory=lambda: _EMPTY)
    crisis_probability: Array = dataclasses.field(default_factory=lambda: _EMPTY)
    grievance_increase: Array = dataclasses.field(default_factory=lambda: _EMPTY)
    months: Array = dataclasses.field(
        default_factory=lambda: np.full((1, 0, 1), -1, dtype=np.int64)
    )

    @classmethod
    def declared(cls) -> tuple[tuple[str, Param], ...]:
        """Return the scoped parameters (the items' numbers are fields of ``[[triggers]]``)."""
        return tuple(
            (f.name, f.metadata["param"]) for f in dataclasses.fields(cls) if "param" in f.metadata
        )

    @classmethod
    def compile(cls, d: dict, ix: Index) -> TriggerParams:
        """Return the (1, J) arrays of the scenario's triggers (resolved data `d`)."""
        from sim.engine.calendar import parse_month  # the scenario package imports the registry

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

        from sim.engine.blocks import compile_param as _compile_param

        scoped = {name: _compile_param(p, d, ix, "triggers") for name, p in cls.declared()}
        return cls(
            **scoped,
            kind=ints([KINDS.index(t["kind"]) for t in items]),
            theatre=ints([ix.theatres[t["theatre"]] for t in items]),
            by=ints([ix.actors[t["by"]] for t in items]),
            target=ints([ix.actors[t["target"]] for t in items]),
            rate_per_year=floats("rate_per_year"),
            rate_volatility=floats("rate_volatility"),
            crisis_probability=floats("crisis_probability"),
            grievance_increase=floats("grievance_increase"),
            months=months,
        )


def occurrences(m: Month) -> np.ndarray:
    """Return this month's occurrences of every trigger, (R, J) int."""
    p = m.params.triggers
    rate = np.broadcast_to(p.rate_per_year, (m.runs, p.rate_per_year.shape[1])) / 12.0
    if p.rate_volatility.any():
        rate = rate * np.exp(m.state.world.rate_level)
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


def remember_crises(m: Month) -> None:
    """Fold the crises opened since last month into each theatre's crisis memory.

    M_k(t) = sum over earlier crises c of exp(-(t - t_c) / tau), so from month 1 on

        M_k(t) = (M_k(t-1) + crises opened in theatre k since the last update) exp(-1 / tau),

    and M_k(0) is the theatre's ``crisis_memory`` (the same sum over the record's crises).
    """
    if m.t == 0:
        return
    w, o = m.state.world, m.state.outcome
    decay = np.exp(-1.0 / m.params.triggers.memory_months)[:, None]
    new = (o.crises - w.crises_remembered).astype(np.float64)
    w.crisis_memory = (w.crisis_memory + new) * decay
    w.crises_remembered = o.crises.copy()


def log_balance(m: Month) -> np.ndarray:
    """Return log(capability of the challenger / of the holder) per theatre, (R, K)."""
    w = m.state.world
    out = np.zeros((m.runs, len(m.structure.theatres)))
    for k in range(len(m.structure.theatres)):
        ch = challenger_of(m, k)
        rows = np.arange(m.runs)
        mine = w.capability[rows, np.maximum(ch, 0)]
        theirs = w.capability[rows, w.holder[:, k]]
        ok = (ch >= 0) & (mine > 0) & (theirs > 0)
        # a difference of logs: a ratio of a normal to a subnormal capability overflows
        out[:, k] = np.where(
            ok, np.log(np.where(ok, mine, 1.0)) - np.log(np.where(ok, theirs, 1.0)), 0.0
        )
    return out


def drift_propensity(m: Month) -> None:
    """Move each theatre's propensity one monthly step of its random walk.

    lambda_k(t) = lambda_k(t-1) + sigma / sqrt(12) e_k(t), e ~ N(0, 1), lambda_k(0) = 0
    (the reference: the scenario's ``crisis_probability`` is the chance at the start).
    """
    sigma = m.params.triggers.propensity_volatility
    if m.t == 0 or not sigma.any():
        return
    w = m.state.world
    e = m.rng.normal(m.t, streams.TRIGGER_PROPENSITY, w.propensity.shape[1])
    w.propensity = w.propensity + (sigma / np.sqrt(12.0))[:, None] * e


def drift_rates(m: Month) -> None:
    """Move each trigger's rate level one monthly step of its random walk.

    nu_j(t) = nu_j(t-1) + s_j / sqrt(12) e_j(t), e ~ N(0, 1), nu_j(0) = 0: the rate in
    month t is rate_per_year_j exp(nu_j(t)) (a Poisson process whose log rate is a local
    level, as the rates are fitted: `sim.hindcast.trigger_rates`).
    """
    s = m.params.triggers.rate_volatility
    if m.t == 0 or not s.any():
        return
    w = m.state.world
    e = m.rng.normal(m.t, streams.TRIGGER_RATE, w.rate_level.shape[1])
    w.rate_level = w.rate_level + np.broadcast_to(s, e.shape) / np.sqrt(12.0) * e


def response_probability(m: Month, theatre: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Chance that one occurrence of each trigger opens a crisis in this state, (R, J).

    logit P_j = logit p_j + lambda_k + b_post posture_k + b_mem M_k
                + b_G (G_t,h - G_t,h(0)) + b_bal (log B_k - log B_k(0)),

    with p_j the trigger's ``crisis_probability`` (its chance in the reference state:
    propensity at its start, posture 0, no crisis memory, grievance and balance at their
    starting values), lambda_k the theatre's propensity (`drift_propensity`), k its
    theatre, t its target and h the theatre's holder. Where every shift is 0 the chance is
    p_j exactly.
    """
    p = m.params.triggers
    w = m.state.world
    base = np.broadcast_to(p.crisis_probability, (m.runs, theatre.shape[0]))
    b_post, b_mem = p.posture_effect[:, None], p.memory_effect[:, None]
    b_g, b_bal = p.grievance_effect[:, None], p.balance_effect[:, None]
    drifts = bool(p.propensity_volatility.any())
    if not (b_post.any() or b_mem.any() or b_g.any() or b_bal.any() or drifts):
        return base.astype(np.float64, copy=False)
    shift = b_post * w.posture[:, theatre] + b_mem * w.crisis_memory[:, theatre]
    if drifts:
        shift = shift + w.propensity[:, theatre]
    if b_bal.any():
        shift = shift + b_bal * (log_balance(m) - w.log_balance_start)[:, theatre]
    if b_g.any() and m.on("grievance"):
        rows = np.arange(m.runs)[:, None]
        holder = w.holder[:, theatre]
        above = w.grievance[rows, target, holder] - m.params.grievance.level[rows, target, holder]
        shift = shift + b_g * np.where(holder == target, 0.0, above)
    inner = (base > 0.0) & (base < 1.0) & (shift != 0.0)
    safe = np.where(inner, base, 0.5)
    odds = safe / (1.0 - safe) * np.exp(np.where(inner, shift, 0.0))
    return np.where(inner, odds / (1.0 + odds), base)


def step(m: Month) -> None:
    """Update crisis memory and propensity; draw occurrences; raise grievance; open crises."""
    if m.t == 0:
        m.state.world.log_balance_start = log_balance(m)
    remember_crises(m)
    drift_propensity(m)
    drift_rates(m)
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
        np.ascontiguousarray(response_probability(m, theatre, rows(p.target)[0])),
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


@dataclass(frozen=True)
class PostureValues(ParamBlock):
    """The posture a ``posture`` event sets."""

    value: Array = param(
        scope="event",
        kind="float",
        default=REQUIRED,
        lo=0,
        hi=1,
        doc="Posture of the theatre's holder from this month (1: the party the challenger treats "
        "as provocative governs).",
        source="scenario",
    )


def _theatre_spec(ev: dict, ix: Index) -> dict[str, Any]:
    return {"theatre": ix.theatres[ev["theatre"]]}


def _posture(m: Month, ev: EventSpec, fire: np.ndarray, values: PostureValues) -> None:
    """Set the posture of the event's theatre in the runs where it fires."""
    w = m.state.world
    w.posture[:, ev.theatre] = np.where(fire, values.value, w.posture[:, ev.theatre])


EVENT_KINDS: tuple[EventKind, ...] = (
    EventKind(
        "posture",
        {
            "theatre": F(
                kind="theatre", default=REQUIRED, doc="Theatre whose holder's posture changes."
            )
        },
        _theatre_spec,
        _posture,
        PostureValues,
    ),
)
"""A change of government that changes how the challenger reads the holder (dated)."""


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
        world(
            "posture",
            axes=("theatre",),
            dtype=np.float64,
            init=lambda p: p.triggers.posture,
            doc="Posture of the holder's government as the challenger sees it (0-1).",
        ),
        world(
            "crisis_memory",
            axes=("theatre",),
            dtype=np.float64,
            init=lambda p: p.triggers.crisis_memory,
            doc="Crises in the theatre, each weighted exp(-age / memory_months).",
        ),
        world(
            "propensity",
            axes=("theatre",),
            dtype=np.float64,
            doc="Random-walk shift of the log-odds that a trigger opens a crisis (0 at the start).",
        ),
        world(
            "rate_level",
            axes=("trigger",),
            dtype=np.float64,
            doc="Random-walk level of the log of each trigger's occurrence rate (0 at the start).",
        ),
        world(
            "crises_remembered",
            axes=("theatre",),
            dtype=np.int64,
            doc="Crises of the run already folded into crisis_memory.",
        ),
        world(
            "log_balance_start",
            axes=("theatre",),
            dtype=np.float64,
            doc="log(challenger / holder capability) in the first month.",
        ),
        scratch(
            "triggered",
            axes=("theatre",),
            dtype=np.int64,
            doc="Kinds of trigger that occurred this month (bit i: KINDS[i]).",
        ),
        scratch(
            "trigger_opened",
            axes=("theatre",),
            dtype=np.int64,
            doc="1 + kind of the trigger that opened a crisis this month, 0 if none.",
        ),
    ),
    log=log_month,
    needs=("crisis", "grievance"),
    step=step,
    trigger_labels=labels,
    event_kinds=EVENT_KINDS,
)
