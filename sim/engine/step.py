"""One month for every run of a batch: the switched-on mechanisms in registry order.

Order (MODEL.md, "Process overview and scheduling"): events, diplomacy, greyzone, crisis,
alliances, war, grievance, arms (`sim.engine.registry.MECHANISMS`); then the rungs of
theatres outside crises are set and the outcome records updated.
"""

from __future__ import annotations

import numpy as np

from sim.engine.context import Month
from sim.engine.ladder import GREYZONE_RUNG, WAR_RUNG
from sim.engine.params import Params, Structure
from sim.engine.registry import EVENT_KINDS, MECHANISMS
from sim.engine.rng import CounterRNG
from sim.engine.state import State, new_scratch


def advance(st: State, params: Params, s: Structure, rng: CounterRNG, due: frozenset[int]) -> None:
    """Advance every run of the batch by one month (in place)."""
    runs = st.world.milex.shape[0]
    st.scratch = new_scratch(s, st.world, runs)
    m = Month(
        state=st,
        params=params,
        structure=s,
        rng=rng,
        t=st.t,
        runs=runs,
        due=due,
        event_kinds=EVENT_KINDS,
    )
    for mechanism in MECHANISMS:
        if mechanism.step is not None and (not mechanism.switchable or s.on(mechanism.name)):
            mechanism.step(m)
    settle_ladder(st, params, s)
    st.t += 1


def settle_ladder(st: State, params: Params, s: Structure) -> None:
    """Set the rungs of theatres outside crises and update the rung records.

    A quiet theatre sits at its baseline rung, or at the grey-zone rung if any primary
    grey-zone activity took place in it this month.
    """
    w, o, x = st.world, st.outcome, st.scratch
    quiet = ~w.crisis
    active_theatres = np.zeros_like(quiet)
    for k, mine in _primary_activities(s):
        active_theatres[:, k] = x.activity[:, mine].sum(axis=1) > 0
    baseline = params.world.baseline_rung
    floor = np.where(active_theatres, np.maximum(baseline, GREYZONE_RUNG), baseline)
    w.rung = np.where(quiet, floor, w.rung)
    np.maximum(o.max_rung, w.rung, out=o.max_rung)
    np.maximum(x.peak, w.rung, out=x.peak)
    new_war = (o.max_rung >= WAR_RUNG) & (o.war_month < 0)
    o.war_month[new_war] = st.t
    # a war that began and ended this month kept its path when its crisis closed
    recorded = o.first_war_path[new_war]
    o.first_war_path[new_war] = np.where(recorded > 0, recorded, w.war_path[new_war])


def _primary_activities(s: Structure) -> list[tuple[int, np.ndarray]]:
    """(theatre, indices of its primary grey-zone activities) for theatres that have some.

    Kept per structure (the same columns, in the same order, as the boolean mask they
    replace, so the sums are the same bits).
    """
    hit = _PRIMARY.get(id(s))
    if hit is not None and hit[0] is s:
        return hit[1]
    plan = []
    if len(s.activities):
        primary = s.act_responds < 0
        for k in range(len(s.theatres)):
            mine = np.flatnonzero(primary & (s.act_theatre == k))
            if mine.size:
                plan.append((k, mine))
    if len(_PRIMARY) >= 8:
        _PRIMARY.clear()
    _PRIMARY[id(s)] = (s, plan)
    return plan


_PRIMARY: dict[int, tuple[Structure, list[tuple[int, np.ndarray]]]] = {}
"""`_primary_activities` by structure (identity; the structure is kept alive with it)."""
