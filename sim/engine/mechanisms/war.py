"""War: attrition, learning, decisive outcomes and the nuclear threshold.

Each month of war (rung 6 or more) in theatre k, with p the true chance that the
challenger's side prevails (contest success function of local forces, joined allies
counted):

* attrition: each side's capability falls by ``attrition * (enemy's share)``; every war
  party (and joined patron) loses ``gdp_loss_per_month`` of GDP;
* learning: fighting reveals strength, so both parties' misperception shrinks by
  ``learning_per_month`` (Blainey 1973; Slantchev 2003);
* nuclear threshold: a nuclear party whose chance falls below ``nuclear_threshold``, with a
  stake of at least 0.5, crosses rung 8 with probability
  ``nuclear_use_probability_per_month``; the war then stops at the status quo ante and both
  sides lose ``nuclear_gdp_loss`` of GDP;
* decision: with probability ``decisive_probability_per_month`` the fighting is decided,
  the challenger winning with probability p; a winning challenger takes the theatre.

Negotiated ends come from the crisis mechanism, which keeps bargaining during war.
"""

from __future__ import annotations

import numpy as np

from sim.engine import streams
from sim.engine.context import Month
from sim.engine.forces import ally_weights, side_force, win_probability
from sim.engine.ladder import NUCLEAR_RUNG, WAR_RUNG, close_crisis, note_rungs, transfer
from sim.engine.state import WAR_ENDINGS
from sim.engine.subset import on_rows


def war_parties(m: Month, fought_only: bool = False) -> np.ndarray:
    """(R, N) True for actors at war (parties and joined patrons).

    With `fought_only`, wars opened this month (not yet fought) are left out.
    """
    st, s = m.state, m.structure
    out = np.zeros(st.milex.shape, dtype=bool)
    rows = np.arange(m.runs)
    at_war = st.crisis & (st.rung >= WAR_RUNG)
    if fought_only:
        at_war &= ~st.opened
    for k in range(len(s.theatres)):
        w = at_war[:, k]
        if not w.any():
            continue
        out[rows, np.maximum(st.challenger[:, k], 0)] |= w
        out[rows, np.maximum(st.defender[:, k], 0)] |= w
        for a in range(len(s.alliance_ids)):
            out[:, s.patron[a]] |= w & st.joined[:, k, a]
    return out


def step(m: Month) -> None:
    """One month of fighting in every theatre at war."""
    st = m.state
    # runs with no war fought this month are left exactly as they are (losses of 0 and
    # factors of 1), so the fighting runs on the runs with one
    on_rows(fight, m, (st.crisis & (st.rung >= WAR_RUNG) & ~st.opened).any(axis=1))


def fight(m: Month) -> None:
    """One month of fighting in the theatres at war of the runs of `m`."""
    st, p, s = m.state, m.params, m.structure
    at_war = st.crisis & (st.rung >= WAR_RUNG) & ~st.opened
    if not at_war.any():
        return
    g = p.glob
    k_all = len(s.theatres)
    rows = np.arange(m.runs)
    gamma = g["crisis.csf_exponent"][:, None]
    weights = ally_weights(st, s, perceived=False)
    f_ch = side_force(st, p, s, st.challenger, weights)
    f_df = side_force(st, p, s, st.defender, weights)
    p_ch = win_probability(f_ch, f_df, gamma)
    u_dec = m.rng.uniform(m.t, streams.WAR_DECISIVE, k_all)
    u_win = m.rng.uniform(m.t, streams.WAR_WINNER, k_all)
    u_nuc = m.rng.uniform(m.t, streams.WAR_NUCLEAR, k_all)
    attr = g["war.attrition_per_month"]
    fighting = war_parties(m, fought_only=True)
    for k in range(k_all):
        w = at_war[:, k]
        if not w.any():
            continue
        ch, df = np.maximum(st.challenger[:, k], 0), np.maximum(st.defender[:, k], 0)
        loss_ch = np.where(w, attr * (1.0 - p_ch[:, k]), 0.0)
        loss_df = np.where(w, attr * p_ch[:, k], 0.0)
        st.capability[rows, ch] *= 1.0 - loss_ch
        st.capability[rows, df] *= 1.0 - loss_df
        for a in range(len(s.alliance_ids)):
            fights = w & st.joined[:, k, a]
            side_ch = st.challenger[:, k] == s.client[a]
            st.capability[:, s.patron[a]] *= 1.0 - np.where(
                fights, np.where(side_ch, loss_ch, loss_df), 0.0
            )
        learn = np.where(w, g["war.learning_per_month"], 0.0)
        st.sigma[rows, ch] *= 1.0 - learn
        st.sigma[rows, df] *= 1.0 - learn
        # nuclear threshold
        nuc = np.zeros(m.runs, dtype=bool)
        for party, chance in ((ch, p_ch[:, k]), (df, 1.0 - p_ch[:, k])):
            desperate = (
                w
                & p.nuclear[rows, party]
                & (chance < g["war.nuclear_threshold"])
                & (p.stake[:, k, :][rows, party] >= 0.5)
            )
            nuc |= desperate
        nuc &= u_nuc[:, k] < g["war.nuclear_use_probability_per_month"]
        if nuc.any():
            st.rung[:, k] = np.where(nuc, NUCLEAR_RUNG, st.rung[:, k])
            note_rungs(st)
            st.nuclear_use[:, k] |= nuc
            hit = np.where(nuc, g["war.nuclear_gdp_loss"], 0.0)
            st.gdp[rows, ch] *= 1.0 - hit
            st.gdp[rows, df] *= 1.0 - hit
            st.war_ended[:, k] = np.where(nuc, WAR_ENDINGS.index("nuclear"), st.war_ended[:, k])
            close_crisis(st, nuc, k, p.baseline_rung[:, k])
        w = w & ~nuc
        decided = w & (u_dec[:, k] < g["war.decisive_probability_per_month"])
        ch_wins = decided & (u_win[:, k] < p_ch[:, k])
        if ch_wins.any():
            transfer(st, ch_wins, k, st.challenger[:, k])
        ending = np.where(
            ch_wins, WAR_ENDINGS.index("challenger won"), WAR_ENDINGS.index("defender won")
        )
        st.war_ended[:, k] = np.where(decided, ending, st.war_ended[:, k])
        close_crisis(st, decided, k, p.baseline_rung[:, k])
    st.gdp *= 1.0 - np.where(fighting, g["war.gdp_loss_per_month"][:, None], 0.0)
