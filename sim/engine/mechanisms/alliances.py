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

import numpy as np

from sim.engine import streams
from sim.engine.context import Month
from sim.engine.forces import MIN_STAKE, gather, regional_force
from sim.engine.ladder import REGIONAL_WAR_RUNG, WAR_RUNG, note_rungs
from sim.engine.subset import on_rows


def step(m: Month) -> None:
    """Patrons of war parties decide whether to join."""
    if len(m.structure.alliance_ids) == 0:
        return
    # only runs at war can see a patron decide; the others are left as they are
    st = m.state
    on_rows(decide, m, (st.crisis & (st.rung >= WAR_RUNG)).any(axis=1))


def decide(m: Month) -> None:
    """Patrons of war parties in the runs of `m` decide whether to join."""
    st, p, s = m.state, m.params, m.structure
    n_all = len(s.alliance_ids)
    at_war = st.crisis & (st.rung >= WAR_RUNG)
    if not at_war.any():
        return
    force = regional_force(st, p)
    draws = m.rng.uniform(m.t, streams.ALLIANCE_JOIN, n_all * len(s.theatres))
    beta = p.glob["alliances.join_sensitivity"]
    kappa = p.glob["crisis.war_cost"]
    for a in range(n_all):
        patron, client = s.patron[a], s.client[a]
        for k in np.nonzero(s.covers[a])[0]:
            is_ch = st.challenger[:, k] == client
            is_df = st.defender[:, k] == client
            can = at_war[:, k] & (is_ch | is_df) & ~st.decided[:, k, a]
            if not can.any():
                continue
            opponent = np.where(is_ch, st.defender[:, k], st.challenger[:, k])
            f_opp = gather(force, opponent[:, None])[:, 0]
            reach = np.where(st.basing[:, a], 1.0, p.glob["alliances.no_basing_factor"])
            f_pat = force[:, patron] * reach
            share = f_opp / np.maximum(f_opp + f_pat, 1e-9)
            cost = kappa * (1.0 + p.interdependence[:, k]) * share
            stake = np.maximum(p.stake[:, k, patron], 0.0)
            logit = np.clip(beta * (stake - cost), -50, 50)
            prob = st.commitment[:, a] / (1.0 + np.exp(-logit))
            prob = np.where(stake < MIN_STAKE, 0.0, prob)
            join = can & (draws[:, a * len(s.theatres) + k] < prob)
            st.decided[:, k, a] |= can
            st.joined[:, k, a] |= join
            st.ever_joined[:, k, a] |= join
            st.joined_now[:, k, a] |= join
            st.rung[:, k] = np.where(
                join, np.maximum(st.rung[:, k], REGIONAL_WAR_RUNG), st.rung[:, k]
            )
    note_rungs(st)
