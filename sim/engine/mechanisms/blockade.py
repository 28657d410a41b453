"""Blockade and quarantine: a coercive option with its own course.

A crisis opened by a blockade (the challenger's choice, `sim.engine.choice`, or a
scheduled ``blockade`` event) stays a blockade until the crisis ends. Each month of
blockade below war, in theatre k with holder d and challenger c:

* economic costs (per theatre, ``[theatres.<k>] blockade.*``): GDP falls by
  ``target_gdp_loss_per_month`` for the holder, ``challenger_gdp_loss_per_month`` for the
  challenger and ``third_party_gdp_loss_per_month`` times the theatre's interdependence
  for every other actor with a stake in the theatre;
* pain: the holder's value of resisting falls by ``resolve_cost_per_gdp_share`` times the
  share of GDP it has lost to the blockade, divided by its stake (the crisis mechanism
  subtracts it before deciding whether the holder capitulates);
* attempts to run it: with probability ``run_probability`` a month the holder or its
  patrons try to run the blockade, and each attempt turns into a limited armed clash
  (rung 5) with probability ``clash_probability``.

The blockade ends with its crisis: settled, conceded, or escalated into war and ended by
the war.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine import streams
from sim.engine.context import Month
from sim.engine.declare import Array, Column, Mechanism, ParamBlock, outcome, param, world
from sim.engine.ladder import MOVES, WAR_RUNG, note_rungs

CLASH_RUNG = 5

_ECONOMY = (
    "Bloomberg Economics (2024) scenario: a one-year blockade costs Taiwan about 12% of "
    "GDP, China about 9%, the US about 3%; Rhodium Group (2022) puts world losses above "
    "US$2 trillion"
)


@dataclass(frozen=True)
class BlockadeParams(ParamBlock, prefix="blockade."):
    """Economic costs, pain and the risk that a blockade turns into a clash."""

    target_gdp_loss_per_month: Array = param(
        scope="theatre",
        kind="float",
        default=0.0,
        lo=0,
        hi=1,
        unit="share of GDP/month",
        doc="GDP the blockaded holder loses per month of blockade (0: a blockade of this "
        "theatre costs nothing, e.g. uninhabited islets).",
        literature=_ECONOMY,
    )
    challenger_gdp_loss_per_month: Array = param(
        scope="theatre",
        kind="float",
        default=0.0,
        lo=0,
        hi=1,
        unit="share of GDP/month",
        doc="GDP the blockading challenger loses per month of blockade.",
        literature=_ECONOMY,
    )
    third_party_gdp_loss_per_month: Array = param(
        scope="theatre",
        kind="float",
        default=0.0,
        lo=0,
        hi=1,
        unit="share of GDP/month",
        doc="GDP every other actor with a stake loses per month of blockade, times the "
        "theatre's interdependence.",
        literature=_ECONOMY,
    )
    resolve_cost_per_gdp_share: Array = param(
        scope="model",
        kind="float",
        default=5.0,
        lo=0,
        hi=1000,
        unit="stake units",
        doc="Loss of the holder's value of resisting per unit share of GDP lost to the "
        "blockade, divided by its stake.",
    )
    expected_months: Array = param(
        scope="model",
        kind="float",
        default=6.0,
        lo=0,
        hi=120,
        unit="months",
        doc="Duration a challenger expects a blockade to last when it weighs one.",
        literature="scenario studies assume months to a year (Bloomberg Economics 2024; "
        "CSIS 2025 quarantine tabletop exercises)",
    )
    run_probability: Array = param(
        scope="model",
        kind="float",
        default=0.3,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Chance per month that the holder or its patrons try to run the blockade.",
    )
    clash_probability: Array = param(
        scope="model",
        kind="float",
        default=0.2,
        lo=0,
        hi=1,
        doc="Chance that an attempt to run the blockade becomes a limited armed clash.",
    )


def step(m: Month) -> None:
    """One month of every blockade in force below war."""
    st, p, s = m.state, m.params, m.structure
    w = st.world
    active = w.blockade & w.crisis & (w.rung < WAR_RUNG)
    if not active.any():
        return
    bp = p.blockade
    rows = np.arange(m.runs)
    u_run = m.rng.uniform(m.t, streams.BLOCKADE_RUN, len(s.theatres))
    u_clash = m.rng.uniform(m.t, streams.BLOCKADE_CLASH, len(s.theatres))
    for k in np.nonzero(active.any(axis=0))[0]:
        on = active[:, k]
        holder, challenger = w.holder[:, k], np.maximum(w.challenger[:, k], 0)
        target_loss = np.where(on, bp.target_gdp_loss_per_month[:, k], 0.0)
        third = np.where(
            on, bp.third_party_gdp_loss_per_month[:, k] * p.world.interdependence[:, k], 0.0
        )
        stakeholders = p.world.stake[:, k, :] > 0
        bystander = stakeholders.copy()
        bystander[rows, holder] = False
        bystander[rows, challenger] = False
        w.gdp *= 1.0 - np.where(bystander, third[:, None], 0.0)
        w.gdp[rows, holder] *= 1.0 - target_loss
        w.gdp[rows, challenger] *= 1.0 - np.where(on, bp.challenger_gdp_loss_per_month[:, k], 0.0)
        stake = np.maximum(p.world.stake[:, k, :][rows, holder], 0.05)
        w.blockade_pain[:, k] += bp.resolve_cost_per_gdp_share * target_loss / stake
        st.outcome.blockade_months[:, k] += on
        clash = on & (u_run[:, k] < bp.run_probability) & (u_clash[:, k] < bp.clash_probability)
        clash &= w.rung[:, k] < CLASH_RUNG
        w.rung[:, k] = np.where(clash, CLASH_RUNG, w.rung[:, k])
        st.scratch.move[:, k] = np.where(clash, MOVES.index("accident"), st.scratch.move[:, k])
    note_rungs(st)


MECHANISM = Mechanism(
    name="blockade",
    doc="Blockades and quarantines: economic costs, pain, attempts to run them, clashes.",
    params=BlockadeParams,
    state=(
        world(
            "blockade",
            axes=("theatre",),
            dtype=bool,
            doc="The open crisis is a blockade or quarantine.",
        ),
        world(
            "blockade_pain",
            axes=("theatre",),
            dtype=np.float64,
            doc="Loss of the holder's value of resisting from the blockade's economic damage.",
        ),
        outcome("blockade_months", axes=("theatre",), dtype=np.int64, doc="Months under blockade."),
    ),
    columns=(
        Column(
            "blockade",
            "bool",
            lambda st, s: st.outcome.blockade_months > 0,
            doc="The theatre was blockaded (or quarantined) at some point.",
        ),
    ),
    needs=("crisis",),
    step=step,
)
