"""One month for every run of a batch: the mechanisms in a fixed order.

Order (MODEL.md, "Process overview and scheduling"): events, diplomacy, greyzone, crisis,
alliances, war, grievance, arms; then the theatre rungs outside crises are set and the
outcome records updated. Switched-off mechanisms are skipped.
"""

from __future__ import annotations

import numpy as np

from sim.engine.context import Month
from sim.engine.ladder import WAR_RUNG
from sim.engine.mechanisms import (
    alliances,
    arms,
    crisis,
    diplomacy,
    events,
    greyzone,
    grievance,
    war,
)
from sim.engine.params import Params, Structure
from sim.engine.rng import CounterRNG
from sim.engine.state import State

ORDER = (
    ("events", events.step),
    ("diplomacy", diplomacy.step),
    ("greyzone", greyzone.step),
    ("crisis", crisis.step),
    ("alliances", alliances.step),
    ("war", war.step),
    ("grievance", grievance.step),
    ("arms", arms.step),
)


def reset_month(st: State) -> None:
    """Clear the per-month flags before a step."""
    st.activity[:] = 0.0
    st.incidents[:] = False
    st.opened[:] = False
    st.talks[:] = 0.0
    st.move[:] = 0
    st.war_ended[:] = 0
    st.joined_now[:] = False
    st.hostility[:] = 0.0
    st.utility_ch[:] = 0.0
    st.utility_df[:] = 0.0
    st.gap[:] = 0.0
    st.peak[:] = st.rung


def advance(st: State, params: Params, s: Structure, rng: CounterRNG, due: frozenset[int]) -> None:
    """Advance every run of the batch by one month (in place)."""
    runs = st.milex.shape[0]
    reset_month(st)
    m = Month(state=st, params=params, structure=s, rng=rng, t=st.t, runs=runs, due=due)
    for name, fn in ORDER:
        if name in s.mechanisms:
            fn(m)
    quiet = ~st.crisis
    active_theatres = np.zeros_like(quiet)
    if len(s.activities):
        primary = s.act_responds < 0
        for k in range(len(s.theatres)):
            mine = primary & (s.act_theatre == k)
            if mine.any():
                active_theatres[:, k] = st.activity[:, mine].sum(axis=1) > 0
    floor = np.where(active_theatres, np.maximum(params.baseline_rung, 2), params.baseline_rung)
    st.rung = np.where(quiet, floor, st.rung)
    np.maximum(st.max_rung, st.rung, out=st.max_rung)
    np.maximum(st.peak, st.rung, out=st.peak)
    new_war = (st.max_rung >= WAR_RUNG) & (st.war_month < 0)
    st.war_month[new_war] = st.t
    st.t += 1
