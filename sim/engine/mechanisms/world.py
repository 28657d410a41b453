"""The world: actors' economies and forces, theatres, their ladders and holders.

Not a mechanism that can be switched off: it declares what every mechanism reads (GDP,
spending, the capability stock, each theatre's holder, stakes and rung) and the ladder's
records every run keeps (highest rung, month and path of the first war, changes of
holder). After the mechanisms have moved, `sim.engine.step.settle_ladder` sets the rungs
of theatres outside crises and updates these records.

The open crisis of each theatre (its parties, start, trigger, peak) and the count of
crises are the crisis mechanism's state (`sim.engine.mechanisms.crisis`); every declared
array exists whichever mechanisms are on, so the world's annual series and outcome
columns (crises per year, ``crises``, ``first_crisis_month``), which keep their place in
the result tables, read them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.choice import WAR_PATHS
from sim.engine.declare import (
    DERIVED,
    REQUIRED,
    Array,
    Column,
    DeriveContext,
    Field,
    Mechanism,
    Metric,
    ParamBlock,
    outcome,
    param,
    scratch,
    world,
)
from sim.engine.ladder import RUNG_NAMES, WAR_RUNG

if TYPE_CHECKING:
    from sim.engine.declare import MonthView

F = Field


def steady_capability(actor: dict, context: DeriveContext) -> float:
    """Return the steady state of the capability stock under the starting spending."""
    monthly_survival = (1.0 - actor["capability_depreciation_per_year"]) ** (1.0 / 12.0)
    return actor["milex_usd_bn"] / 12.0 / (1.0 - monthly_survival)


def default_stake(theatre: dict, context: DeriveContext) -> dict[str, float]:
    """Return 0.5 for each claimant and 0.3 for each other patron of an alliance covering it."""
    stake = {code: 0.5 for code in theatre["claimants"]}
    for alliance in context.alliances:
        if context.name in alliance["covers"] and alliance["patron"] not in stake:
            stake[alliance["patron"]] = 0.3
    return stake


@dataclass(frozen=True)
class WorldParams(ParamBlock):
    """Actors' economies and forces; theatres' holders, stakes and quiet rungs."""

    gdp_usd_bn: Array = param(
        scope="actor",
        kind="float",
        default=REQUIRED,
        lo=0,
        hi=1e6,
        unit="USD bn/year",
        doc="GDP at the start, current USD.",
        source="scenario",
    )
    milex_usd_bn: Array = param(
        scope="actor",
        kind="float",
        default=REQUIRED,
        lo=0,
        hi=1e6,
        unit="USD bn/year",
        doc="Military expenditure at the start.",
        source="scenario",
    )
    gdp_growth_per_year: Array = param(
        scope="actor",
        kind="float",
        default=0.02,
        lo=-0.5,
        hi=0.5,
        unit="1/year",
        doc="Nominal GDP growth.",
        source="scenario; default a round figure",
    )
    capability_usd_bn: Array = param(
        scope="actor",
        kind="float",
        default=DERIVED,
        derive=steady_capability,
        lo=0,
        hi=1e9,
        unit="USD bn",
        doc="Military capital stock at the start; default the steady state of the monthly "
        "update, (milex/12) / (1 - (1 - depreciation)^(1/12)), about milex / depreciation.",
        source="derived",
    )
    capability_depreciation_per_year: Array = param(
        scope="actor",
        kind="float",
        default=0.1,
        lo=0.001,
        hi=1,
        unit="1/year",
        doc="Depreciation of the capital stock (perpetual inventory).",
        literature="0.05-0.15 for military equipment (SIPRI/NATO capital-stock studies)",
    )
    forces_in_region_share: Array = param(
        scope="actor",
        kind="float",
        default=1.0,
        lo=0,
        hi=1,
        doc="Share of capability that can fight in the scenario's theatres.",
    )
    nuclear: Array = param(
        scope="actor",
        kind="bool",
        default=False,
        doc="Whether the actor has nuclear weapons.",
        source="scenario",
    )
    holder: Array = param(
        scope="theatre",
        kind="actor",
        default=REQUIRED,
        doc="Claimant that holds (administers) it at the start.",
        source="scenario",
    )
    stake: Array = param(
        scope="theatre",
        kind="actor_map",
        default=DERIVED,
        derive=default_stake,
        lo=0,
        hi=1,
        doc="Salience of the theatre to each actor, 0-1; default 0.5 for claimants, 0.3 for "
        "patrons.",
    )
    interdependence: Array = param(
        scope="theatre",
        kind="float",
        default=0.3,
        lo=0,
        hi=1,
        doc="Economic interdependence of the parties; raises costs of conflict.",
    )
    defender_advantage: Array = param(
        scope="theatre",
        kind="float",
        default=1.0,
        lo=0.01,
        hi=100,
        doc="Force multiplier of the holder's side (terrain, sea crossing).",
    )
    baseline_rung: Array = param(
        scope="theatre",
        kind="int",
        default=1,
        lo=0,
        hi=2,
        unit="rung",
        doc="Rung of the theatre when nothing happens.",
    )


def log_month(v: MonthView) -> list[tuple[str, str, str]]:
    """Rung changes of the month."""
    rows = []
    for k, theatre in enumerate(v.s.theatres):
        before, now = int(v.rung_before[v.run, k]), int(v.st.world.rung[v.run, k])
        if now != before:
            rows.append((theatre, "rung", f"rung {before} -> {now} ({RUNG_NAMES[now]})"))
    return rows


MECHANISM = Mechanism(
    name="world",
    doc="Actors' economies and forces, theatres, ladders, holders and the outcome records.",
    params=WorldParams,
    switchable=False,
    fields={
        "actor": {"name": F(kind="str", doc="Full name.")},
        "theatre": {
            "claimants": F(kind="actors", doc="Actors that claim the theatre (at least two).")
        },
    },
    state=(
        world(
            "milex",
            axes=("actor",),
            dtype=np.float64,
            init=lambda p: p.world.milex_usd_bn,
            doc="Military expenditure, USD bn/year.",
        ),
        world(
            "gdp",
            axes=("actor",),
            dtype=np.float64,
            init=lambda p: p.world.gdp_usd_bn,
            doc="GDP, USD bn/year.",
        ),
        world(
            "capability",
            axes=("actor",),
            dtype=np.float64,
            init=lambda p: p.world.capability_usd_bn,
            doc="Military capital stock, USD bn.",
        ),
        world(
            "rung",
            axes=("theatre",),
            dtype=np.int64,
            init=lambda p: p.world.baseline_rung,
            doc="Current rung of each theatre's ladder.",
        ),
        world(
            "holder",
            axes=("theatre",),
            dtype=np.int64,
            init=lambda p: p.world.holder,
            doc="Actor that holds the theatre.",
        ),
        world(
            "run_index",
            axes=(),
            dtype=np.int64,
            doc="Row of the run in its batch (set at the start).",
        ),
        outcome(
            "first_war_path",
            axes=("theatre",),
            dtype=np.int64,
            doc="How the first war in the theatre began (code into WAR_PATHS), 0 if none.",
        ),
        outcome(
            "max_rung",
            axes=("theatre",),
            dtype=np.int64,
            init=lambda p: p.world.baseline_rung,
            doc="Highest rung reached.",
        ),
        outcome(
            "war_month",
            axes=("theatre",),
            dtype=np.int64,
            fill=-1,
            doc="First month at rung 6 or more, -1 if none.",
        ),
        outcome(
            "holder_changes",
            axes=("theatre",),
            dtype=np.int64,
            doc="Times the theatre changed hands.",
        ),
        scratch(
            "peak",
            axes=("theatre",),
            dtype=np.int64,
            init=lambda w: w.rung,
            doc="Highest rung reached this month.",
        ),
    ),
    metrics=lambda s: [
        Metric(
            "milex_usd_bn",
            lambda s: s.actors,
            "mean",
            lambda st: st.world.milex,
            "Military expenditure, USD bn/year (mean of the months).",
        ),
        Metric(
            "gdp_usd_bn",
            lambda s: s.actors,
            "mean",
            lambda st: st.world.gdp,
            "GDP, USD bn/year (mean of the months).",
        ),
        Metric(
            "capability",
            lambda s: s.actors,
            "last",
            lambda st: st.world.capability,
            "Military capital stock at the year's end, USD bn.",
        ),
        Metric(
            "max_rung",
            lambda s: s.theatres,
            "max",
            lambda st: st.scratch.peak,
            "Highest rung of the year.",
        ),
        Metric(
            "crises",
            lambda s: s.theatres,
            "sum",
            lambda st: st.scratch.opened,
            "Crises opened in the year.",
        ),
        Metric(
            "at_war",
            lambda s: s.theatres,
            "max",
            lambda st: st.scratch.peak >= WAR_RUNG,
            "1 if the theatre was at war (rung 6 or more) in the year.",
        ),
    ],
    columns=(
        Column("max_rung", "int8", lambda st, s: st.outcome.max_rung, doc="Highest rung reached."),
        Column("war", "bool", lambda st, s: st.outcome.max_rung >= WAR_RUNG, doc="Reached rung 6."),
        Column(
            "war_month",
            "int32",
            lambda st, s: st.outcome.war_month,
            True,
            "Month offset of the first month at war (null if none).",
        ),
        Column(
            "first_crisis_month",
            "int32",
            lambda st, s: st.outcome.first_crisis,
            True,
            "Month offset of the first crisis (null if none).",
        ),
        Column("crises", "int32", lambda st, s: st.outcome.crises, doc="Crises opened."),
        Column(
            "holder_final",
            "string",
            lambda st, s: np.array(s.actors, dtype=object)[st.world.holder],
            doc="Holder at the end.",
        ),
        Column(
            "holder_changed",
            "bool",
            lambda st, s: st.outcome.holder_changes > 0,
            doc="The theatre changed hands at least once.",
        ),
        Column(
            "war_path",
            "string",
            lambda st, s: np.array(WAR_PATHS, dtype=object)[st.outcome.first_war_path],
            doc="How the first war began: bargaining failure, commitment, scheduled, or empty.",
        ),
    ),
    log=log_month,
)
