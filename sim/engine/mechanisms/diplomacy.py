"""Diplomacy: dialogue channels meet, lowering grievance and misperception.

A channel opens with a scheduled `talks` event and then meets at
``diplomacy.talks_per_year`` rounds a year, except while the two are parties to a crisis
or war (talks suspended). Misperception relaxes back toward each actor's baseline.
Hotlines (set by events) act in the grey-zone and crisis mechanisms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import streams
from sim.engine.context import Month
from sim.engine.declare import (
    Array,
    Mechanism,
    Metric,
    MonthView,
    ParamBlock,
    param,
    scratch,
    world,
)

if TYPE_CHECKING:
    from sim.engine.params import Structure


@dataclass(frozen=True)
class DiplomacyParams(ParamBlock):
    """How often open channels meet and what a round of talks achieves."""

    talks_per_year: Array = param(
        scope="model",
        kind="float",
        default=1.0,
        lo=0,
        hi=52,
        unit="1/year",
        doc="Rounds per year of an open dialogue channel.",
    )
    talks_grievance_relief: Array = param(
        scope="model",
        kind="float",
        default=0.05,
        lo=0,
        hi=1,
        doc="Share of grievance removed by one round of talks.",
    )
    talks_misperception_relief: Array = param(
        scope="model",
        kind="float",
        default=0.1,
        lo=0,
        hi=1,
        doc="Share of misperception removed by one round of talks.",
    )
    misperception_recovery_per_year: Array = param(
        scope="model",
        kind="float",
        default=0.2,
        lo=0,
        hi=12,
        unit="1/year",
        doc="Rate at which misperception returns to its baseline.",
    )
    hotline_incident_relief: Array = param(
        scope="model",
        kind="float",
        default=0.3,
        lo=0,
        hi=1,
        doc="Share of incident probability a hotline removes.",
    )
    hotline_accident_relief: Array = param(
        scope="model",
        kind="float",
        default=0.5,
        lo=0,
        hi=1,
        doc="Share of accidental escalation a hotline removes.",
    )


def hold_talks(m: Month, mask: np.ndarray, i: int, j: int) -> None:
    """One round of talks between `i` and `j` in runs `mask`."""
    w, p = m.state.world, m.params.diplomacy
    relief = np.where(mask, p.talks_grievance_relief, 0.0)
    if m.on("grievance"):
        w.grievance[:, i, j] *= 1.0 - relief
        w.grievance[:, j, i] *= 1.0 - relief
    clarity = np.where(mask, p.talks_misperception_relief, 0.0)
    w.sigma[:, i] *= 1.0 - clarity
    w.sigma[:, j] *= 1.0 - clarity
    talks = m.state.scratch.talks
    talks[:, i, j] += mask
    talks[:, j, i] += mask


def suspended(m: Month, i: int, j: int) -> np.ndarray:
    """(R,) True where i and j face each other in an open crisis or war."""
    w = m.state.world
    ch, df = w.challenger, w.defender
    pair = ((ch == i) & (df == j)) | ((ch == j) & (df == i))
    return (pair & w.crisis).any(axis=1)


def step(m: Month) -> None:
    """Endogenous rounds on open channels, then misperception recovery."""
    w, p = m.state.world, m.params.diplomacy
    rate = p.talks_per_year / 12.0
    dyads = m.structure.talks_dyads
    if dyads:
        u = m.rng.uniform(m.t, streams.TALKS, len(dyads))
        for d, (i, j) in enumerate(dyads):
            meet = w.channel[:, i, j] & ~suspended(m, i, j) & (u[:, d] < rate)
            # a scheduled round this month counts as this month's meeting
            meet &= m.state.scratch.talks[:, i, j] == 0
            if meet.any():
                hold_talks(m, meet, i, j)
    back = p.misperception_recovery_per_year[:, None] / 12.0
    w.sigma += np.minimum(back, 1.0) * (m.params.crisis.misperception - w.sigma)


def _pairs(s: Structure) -> tuple[str, ...]:
    return tuple(f"{s.actors[i]}-{s.actors[j]}" for i, j in s.talks_dyads)


def metrics(s: Structure) -> list[Metric]:
    """Declare the rounds of talks per year on each channel a scenario opens."""
    if not s.talks_dyads:
        return []
    ti = np.array([i for i, _ in s.talks_dyads])
    tj = np.array([j for _, j in s.talks_dyads])
    return [
        Metric(
            "talks",
            _pairs,
            "sum",
            lambda st: st.scratch.talks[:, ti, tj],
            "Rounds of talks in the year.",
        )
    ]


def log_month(v: MonthView) -> list[tuple[str, str, str]]:
    """List the rounds of talks held this month."""
    s, st, r = v.s, v.st, v.run
    g = st.world.grievance
    return [
        (
            "",
            "talks",
            f"talks {s.actors[i]}-{s.actors[j]}: grievance now {g[r, i, j]:.2f}/{g[r, j, i]:.2f}",
        )
        for i, j in s.talks_dyads
        if st.scratch.talks[r, i, j] > 0
    ]


MECHANISM = Mechanism(
    name="diplomacy",
    doc="Dialogue channels and hotlines that lower grievance, misperception and accidents.",
    params=DiplomacyParams,
    state=(
        world("channel", axes=("actor", "actor"), dtype=bool, doc="A dialogue channel is open."),
        world("hotline", axes=("actor", "actor"), dtype=bool, doc="A crisis hotline exists."),
        scratch(
            "talks",
            axes=("actor", "actor"),
            dtype=np.float64,
            doc="Rounds of talks held this month.",
        ),
    ),
    metrics=metrics,
    log=log_month,
    needs=("grievance",),
    step=step,
)
