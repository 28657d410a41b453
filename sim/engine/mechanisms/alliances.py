"""Alliance intervention: when a client is at war in a covered theatre, its patron decides.

The decision is made once per war, in the first month the patron can make it:

    P(join) = commitment * logistic(beta * (V_patron - cost_patron))
    cost_patron = kappa (1 + iota_k) * F_opponent / (F_opponent + F_patron)

rising in commitment and stake, falling in the cost of fighting a strong opponent
(alliance-credibility literature: Snyder 1984; Fearon 1997; Leeds 2003). A joining patron
fights from then on (its force counts in the war, with basing deciding how much of it
reaches the theatre) and the theatre climbs to rung 7, regional war.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine import streams
from sim.engine.context import Month
from sim.engine.declare import (
    DERIVED,
    REQUIRED,
    Array,
    Column,
    DeriveContext,
    Mechanism,
    MonthView,
    ParamBlock,
    outcome,
    param,
    scratch,
    world,
)
from sim.engine.declare import Field as F
from sim.engine.forces import MIN_STAKE, gather, regional_force
from sim.engine.ladder import REGIONAL_WAR_RUNG, WAR_RUNG, note_rungs
from sim.engine.subset import on_rows

if TYPE_CHECKING:
    from sim.engine.params import Structure

LOGIT_CLIP = 50.0
"""Bound on the logistic's argument (exp overflows beyond ~700; 50 is already certain)."""


@dataclass(frozen=True)
class AlliancesParams(ParamBlock):
    """Commitments and basing per alliance; how patrons weigh joining."""

    commitment: Array = param(
        "commitment", "alliance", "float", 0.5, 0, 1, "",
        "Credibility of the commitment to fight for the client.",
        literature="allies honoured commitments in about 75% of wars 1816-1944 (Leeds, Long & "
        "Mitchell 2000); lower for ambiguous commitments",
    )  # fmt: skip
    basing: Array = param(
        "basing", "alliance", "bool", False, None, None, "",
        "Whether the patron may fight from the client's territory.", source="scenario",
    )  # fmt: skip
    no_basing_factor: Array = param(
        "no_basing_factor", "model", "float", 0.5, 0, 1, "",
        "Share of a patron's regional force that reaches a theatre without basing.",
    )  # fmt: skip
    join_sensitivity: Array = param(
        "join_sensitivity", "model", "float", 4.0, 0, 100, "",
        "Slope of the patron's join probability in stake minus cost.",
    )  # fmt: skip


def step(m: Month) -> None:
    """Patrons of war parties decide whether to join."""
    if len(m.structure.alliance_ids) == 0:
        return
    # only runs at war can see a patron decide; the others are left as they are
    w = m.state.world
    on_rows(decide, m, (w.crisis & (w.rung >= WAR_RUNG)).any(axis=1))


def decide(m: Month) -> None:
    """Patrons of war parties in the runs of `m` decide whether to join."""
    st, p, s = m.state, m.params, m.structure
    w, x = st.world, st.scratch
    n_all = len(s.alliance_ids)
    at_war = w.crisis & (w.rung >= WAR_RUNG)
    if not at_war.any():
        return
    force = regional_force(st, p)
    draws = m.rng.uniform(m.t, streams.ALLIANCE_JOIN, n_all * len(s.theatres))
    beta = p.alliances.join_sensitivity
    kappa = p.crisis.war_cost
    for a in range(n_all):
        patron, client = s.patron[a], s.client[a]
        for k in np.nonzero(s.covers[a])[0]:
            is_ch = w.challenger[:, k] == client
            is_df = w.defender[:, k] == client
            can = at_war[:, k] & (is_ch | is_df) & ~w.decided[:, k, a]
            if not can.any():
                continue
            opponent = np.where(is_ch, w.defender[:, k], w.challenger[:, k])
            f_opp = gather(force, opponent[:, None])[:, 0]
            reach = np.where(w.basing[:, a], 1.0, p.alliances.no_basing_factor)
            f_pat = force[:, patron] * reach
            share = f_opp / np.maximum(f_opp + f_pat, 1e-9)
            cost = kappa * (1.0 + p.world.interdependence[:, k]) * share
            stake = np.maximum(p.world.stake[:, k, patron], 0.0)
            logit = np.clip(beta * (stake - cost), -LOGIT_CLIP, LOGIT_CLIP)
            prob = w.commitment[:, a] / (1.0 + np.exp(-logit))
            prob = np.where(stake < MIN_STAKE, 0.0, prob)
            join = can & (draws[:, a * len(s.theatres) + k] < prob)
            w.decided[:, k, a] |= can
            w.joined[:, k, a] |= join
            st.outcome.ever_joined[:, k, a] |= join
            x.joined_now[:, k, a] |= join
            w.rung[:, k] = np.where(join, np.maximum(w.rung[:, k], REGIONAL_WAR_RUNG), w.rung[:, k])
    note_rungs(st)


def _allies_joined(st: Any, s: Structure) -> np.ndarray:
    """(R, K) comma-separated codes of the patrons that joined a war there."""
    joined_any = st.outcome.ever_joined
    runs, k = joined_any.shape[:2]
    out = np.full((runs, k), "", dtype=object)
    for a, patron in enumerate(s.patron):
        code = s.actors[patron]
        hit = joined_any[:, :, a]
        out = np.where(hit, np.where(out == "", code, out + "," + code), out)
    return out


def log_month(v: MonthView) -> list[tuple[str, str, str]]:
    """Patrons joining a war this month."""
    s, x = v.s, v.st.scratch
    return [
        (theatre, "intervention", f"{s.actors[s.patron[a]]} joins the war ({aid})")
        for k, theatre in enumerate(s.theatres)
        for a, aid in enumerate(s.alliance_ids)
        if x.joined_now[v.run, k, a]
    ]


def client_theatres(alliance: dict, context: DeriveContext) -> list[str]:
    """Return every theatre the client claims, in scenario order."""
    return [
        name
        for name, theatre in context.theatres.items()
        if alliance["client"] in theatre.get("claimants", [])
    ]


MECHANISM = Mechanism(
    name="alliances",
    doc="Patrons decide whether to join their clients' wars (credibility, stake, cost).",
    params=AlliancesParams,
    fields={
        "alliance": {
            "patron": F("actor", REQUIRED, doc="The protecting actor."),
            "client": F("actor", REQUIRED, doc="The protected actor."),
            "covers": F(
                "theatres",
                DERIVED,
                doc="Theatres covered; default every theatre the client claims.",
                derive=client_theatres,
            ),
        }
    },  # fmt: skip
    state=(
        world(
            "commitment",
            ("alliance",),
            np.float64,
            "Current commitment, 0-1.",
            init=lambda p: p.alliances.commitment,
        ),
        world(
            "basing",
            ("alliance",),
            bool,
            "Current basing access.",
            init=lambda p: p.alliances.basing,
        ),
        world("joined", ("theatre", "alliance"), bool, "The patron fights in the current war."),
        world(
            "decided", ("theatre", "alliance"), bool, "The patron has decided for the current war."
        ),
        outcome("ever_joined", ("theatre", "alliance"), bool, "The patron joined a war there."),
        scratch("joined_now", ("theatre", "alliance"), bool, "The patron joined this month."),
    ),  # fmt: skip
    columns=(
        Column(
            "allies_joined",
            "string",
            _allies_joined,
            doc="Comma-separated codes of the patrons that joined a war in the theatre.",
        ),
    ),  # fmt: skip
    log=log_month,
    needs=("crisis",),
    step=step,
)
