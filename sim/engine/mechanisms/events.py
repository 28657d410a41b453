"""Scheduled scenario events: policy changes, incidents, drills, visits, invasions...

Each occurrence fires in the runs whose (possibly swept) month equals the current month.
Event effects that belong to another mechanism (talks lower grievance) apply only when
that mechanism is on.
"""

from __future__ import annotations

import numpy as np

from sim.engine import streams
from sim.engine.context import Month
from sim.engine.ladder import WAR_RUNG, open_crisis
from sim.engine.mechanisms.diplomacy import hold_talks


def step(m: Month) -> None:
    """Apply every event occurrence scheduled for this month."""
    p, s = m.params, m.structure
    for e, ev in enumerate(s.events):
        if e not in m.due:
            continue
        fire = p.ev_month[:, e] == m.t
        fire = np.broadcast_to(fire, (m.runs,))
        if not fire.any():
            continue
        value = np.broadcast_to(p.ev_value[:, e, :], (m.runs, 4))
        flag = np.broadcast_to(p.ev_flag[:, e, :], (m.runs, 4)) > 0
        HANDLERS[ev.kind](m, ev, fire, value, flag, e)


def _talks(m: Month, ev, fire, value, flag, e) -> None:
    i, j = ev.actors
    m.state.channel[:, i, j] |= fire
    m.state.channel[:, j, i] |= fire
    if "diplomacy" in m.structure.mechanisms:
        hold_talks(m, fire, i, j)


def _hotline(m: Month, ev, fire, value, flag, e) -> None:
    i, j = ev.actors
    m.state.hotline[:, i, j] |= fire
    m.state.hotline[:, j, i] |= fire


def _policy(m: Month, ev, fire, value, flag, e) -> None:
    st = m.state
    (i,) = ev.actors
    code, amount, by = value[:, 0], value[:, 1], value[:, 2]
    years = np.maximum(by - m.t, 1.0) / 12.0
    gdp_then = st.gdp[:, i] * (1.0 + m.params.growth[:, i]) ** years
    target = np.select(
        [code == 0, code == 1, code == 2],
        [amount * gdp_then, amount, st.milex[:, i] * (1.0 + amount) ** years],
    )
    st.policy_active[:, i] |= fire
    st.policy_m0[:, i] = np.where(fire, st.milex[:, i], st.policy_m0[:, i])
    st.policy_t0[:, i] = np.where(fire, m.t, st.policy_t0[:, i])
    st.policy_end[:, i] = np.where(fire, by.astype(np.int64), st.policy_end[:, i])
    st.policy_target[:, i] = np.where(fire, target, st.policy_target[:, i])


def _crisis_parties(m: Month, k: int, by: int, against: int | None = None):
    holder = m.state.holder[:, k]
    other = holder if against is None else np.full(m.runs, against)
    challenger = np.where(by == holder, other, by)
    defender = np.where(by == holder, by, other)
    return challenger, defender


def _incident(m: Month, ev, fire, value, flag, e) -> None:
    if "crisis" not in m.structure.mechanisms:
        return
    by, against = ev.actors
    rung = np.where(flag[:, 0], value[:, 0], m.params.glob["crisis.opening_rung"])
    ch, df = _crisis_parties(m, ev.theatre, by, against)
    open_crisis(m.state, fire, ev.theatre, ch, df, rung.astype(np.int64))


def _forcing(rung: int):
    def handler(m: Month, ev, fire, value, flag, e) -> None:
        if "crisis" not in m.structure.mechanisms:
            return
        (by,) = ev.actors
        k = ev.theatre
        holder = m.state.holder[:, k]
        # a move against a theatre the actor already holds (e.g. after a won war) is void
        act = fire & (holder != by)
        open_crisis(m.state, act, k, np.full(m.runs, by), holder, rung, move="initiate")

    return handler


def _roe(m: Month, ev, fire, value, flag, e) -> None:
    q = ev.activity
    m.state.incident_p[:, q] = np.where(fire, value[:, 0], m.state.incident_p[:, q])


def _pressure(m: Month, ev, fire, value, flag, e) -> None:
    """Drills and visits: grievance of the other claimants, and a chance of a crisis."""
    st, s = m.state, m.structure
    k = ev.theatre
    doers = list(ev.actors)
    if "grievance" in s.mechanisms:
        for i in np.nonzero(s.claimant[k])[0]:
            if i in doers:
                continue
            for j in doers:
                inc = np.where(fire, value[:, 0], 0.0)
                st.grievance[:, i, j] += inc * (1.0 - st.grievance[:, i, j])
    if "crisis" in s.mechanisms:
        u = m.rng.uniform(m.t, streams.EVENTS + e, 1)[:, 0]
        crisis = fire & (u < value[:, 1])
        holder = st.holder[:, k]
        challengers = [i for i in np.nonzero(s.claimant[k])[0]]
        # the challenger is the first claimant that is not the holder
        ch = np.full(m.runs, -1)
        for i in challengers:
            ch = np.where((ch < 0) & (holder != i), i, ch)
        open_crisis(
            st, crisis, k, ch, holder, m.params.glob["crisis.opening_rung"].astype(np.int64)
        )


def _alliance(m: Month, ev, fire, value, flag, e) -> None:
    a = ev.alliance
    st = m.state
    st.commitment[:, a] = np.where(fire & flag[:, 0], value[:, 0], st.commitment[:, a])
    st.basing[:, a] = np.where(fire & flag[:, 1], value[:, 1] > 0.5, st.basing[:, a])


HANDLERS = {
    "talks": _talks,
    "hotline": _hotline,
    "policy": _policy,
    "incident": _incident,
    "rules_of_engagement": _roe,
    "drill": _pressure,
    "visit": _pressure,
    "blockade": _forcing(4),
    "landing": _forcing(4),
    "invasion": _forcing(WAR_RUNG),
    "alliance": _alliance,
}
