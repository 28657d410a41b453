"""Crisis bargaining: initiation, and each month hold, escalate, settle or capitulate.

Each party values fighting at the next rung at E = p~ - c(r+1) + audience(r) (see
`sim.engine.forces.bargaining`). If E_ch + E_df <= 1 a bargain exists that both prefer to
climbing, and the crisis settles with probability ``crisis.settlement_probability`` per
month; a defender that would rather concede everything than fight (E_df < 0) at a
coercive rung (4 or more) capitulates and the theatre changes hands. If no bargain exists
the crisis climbs one rung with probability ``crisis.escalation_probability``; from 5 it
climbs into war (rung 6). While holding at rungs 3-4 an accident may push it up a rung.
With exact perceptions and positive costs the gap is never positive, so war cannot come
from bargaining failure alone (Fearon 1995).

Outside crises, a non-holding claimant opens one deliberately with monthly hazard
``initiation_rate / 12 * G(challenger -> holder) * max(0, E_ch(6))``: it moves only if it
believes war would pay.
"""

from __future__ import annotations

import numpy as np

from sim.engine import streams
from sim.engine.context import Month
from sim.engine.forces import (
    ally_weights,
    audience_weight,
    bargaining,
    gather,
    perceived_value,
    side_force,
)
from sim.engine.ladder import WAR_RUNG, close_crisis, note_rungs, open_crisis, transfer
from sim.engine.state import MOVES, WAR_ENDINGS
from sim.engine.subset import on_rows


def step(m: Month) -> None:
    """Let challengers initiate in quiet theatres, then play one round in open crises."""
    initiate(m)
    # `decide` changes nothing in runs without a crisis to play (their moves stay "none",
    # utilities 0 and rungs as they are), so it runs on the runs with one
    st = m.state
    on_rows(decide, m, (st.crisis & ~st.opened).any(axis=1))


def initiate(m: Month) -> None:
    """Challengers may open crises deliberately where none is open."""
    st, p, s = m.state, m.params, m.structure
    quiet = ~st.crisis
    if not quiet.any():
        return
    rate = p.glob["crisis.initiation_rate_per_year"][:, None] / 12.0
    noise = m.rng.normal(m.t, streams.INITIATION_NOISE, len(s.theatres))
    draw = m.rng.uniform(m.t, streams.INITIATION_DRAW, len(s.theatres))
    best_h = np.zeros(quiet.shape)
    best_j = np.full(quiet.shape, -1)
    # the challenger's value of war against the holder (`bargaining`'s E_ch at rung 6);
    # the holder's side and the rung do not depend on the challenger
    war = np.full(quiet.shape, WAR_RUNG)
    perceived = None
    for j in range(len(s.actors)):
        claims = s.claimant[:, j][None, :] & (st.holder != j) & quiet
        if not claims.any():
            continue
        if perceived is None:
            perceived = ally_weights(st, s, perceived=True)
            f_holder = side_force(st, p, s, st.holder, perceived)
            now = audience_weight(st, war)
        ch = np.full(quiet.shape, j)
        e_ch = perceived_value(
            st, p, s, ch, side_force(st, p, s, ch, perceived), f_holder, noise, war, now
        )
        grievance = gather(st.grievance[:, j, :], st.holder)
        hazard = np.where(claims, rate * grievance * np.maximum(e_ch, 0.0), 0.0)
        better = hazard > best_h
        best_h = np.where(better, hazard, best_h)
        best_j = np.where(better, j, best_j)
    fire = (best_j >= 0) & (draw < -np.expm1(-best_h))
    for k in range(len(s.theatres)):
        if fire[:, k].any():
            open_crisis(
                st,
                fire[:, k],
                k,
                best_j[:, k],
                st.holder[:, k],
                p.glob["crisis.opening_rung"].astype(np.int64),
                move="initiate",
            )


def decide(m: Month) -> None:
    """One round of bargaining moves in every open crisis (and war)."""
    st, p, s = m.state, m.params, m.structure
    active = st.crisis & ~st.opened
    if not active.any():
        return
    k_all = len(s.theatres)
    noise_ch = m.rng.normal(m.t, streams.CRISIS_NOISE_CH, k_all)
    noise_df = m.rng.normal(m.t, streams.CRISIS_NOISE_DF, k_all)
    at_war = st.rung >= WAR_RUNG
    target = np.where(at_war, st.rung, st.rung + 1)
    e_ch, e_df, gap = bargaining(st, p, s, st.challenger, st.defender, noise_ch, noise_df, target)
    st.utility_ch = np.where(active, e_ch, 0.0)
    st.utility_df = np.where(active, e_df, 0.0)
    st.gap = np.where(active, gap, 0.0)
    u_esc = m.rng.uniform(m.t, streams.CRISIS_ESCALATE, k_all)
    u_set = m.rng.uniform(m.t, streams.CRISIS_SETTLE, k_all)
    u_acc = m.rng.uniform(m.t, streams.CRISIS_ACCIDENT, k_all)
    g = p.glob
    deal = gap <= 0.0
    settle = active & deal & (u_set < g["crisis.settlement_probability"][:, None])
    escalate = active & ~deal & ~at_war & (u_esc < g["crisis.escalation_probability"][:, None])
    capitulate = settle & (e_df < 0.0) & (st.rung >= 4)
    hot = st.hotline[
        np.arange(m.runs)[:, None], np.maximum(st.challenger, 0), np.maximum(st.defender, 0)
    ] & ("diplomacy" in s.mechanisms)
    p_acc = g["crisis.accident_probability"][:, None] * np.where(
        hot, 1.0 - g["diplomacy.hotline_accident_relief"][:, None], 1.0
    )
    holding = active & ~settle & ~escalate
    accident = holding & (st.rung >= 3) & (st.rung <= 4) & (u_acc < p_acc)
    move = np.where(active, MOVES.index("hold"), st.move)
    move = np.where(escalate, MOVES.index("escalate"), move)
    move = np.where(accident, MOVES.index("accident"), move)
    move = np.where(settle, MOVES.index("settle"), move)
    move = np.where(capitulate, MOVES.index("capitulate"), move)
    st.move = move
    st.rung = np.where(escalate | accident, np.minimum(st.rung + 1, WAR_RUNG), st.rung)
    note_rungs(st)
    for k in range(k_all):
        if capitulate[:, k].any():
            transfer(st, capitulate[:, k], k, st.challenger[:, k])
        ended_war = settle[:, k] & at_war[:, k]
        ending = np.where(
            capitulate[:, k],
            WAR_ENDINGS.index("defender capitulated"),
            WAR_ENDINGS.index("negotiated"),
        )
        st.war_ended[:, k] = np.where(ended_war, ending, st.war_ended[:, k])
        close_crisis(st, settle[:, k], k, p.baseline_rung[:, k])
