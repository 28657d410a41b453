"""The state of a batch of runs: arrays with a leading run axis, plus per-month flags."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.params import Params, Structure


@dataclass
class State:
    """Everything that changes during a run, for R runs at once.

    Shapes: actors (R, N), dyads (R, N, N), theatres (R, K), alliances (R, A),
    activities (R, Q). Months are 0-based offsets from the scenario start; -1 means never.
    """

    t: int
    # economy and arms
    milex: np.ndarray
    gdp: np.ndarray
    capability: np.ndarray
    policy_active: np.ndarray  # (R, N) bool
    policy_m0: np.ndarray
    policy_t0: np.ndarray
    policy_end: np.ndarray
    policy_target: np.ndarray
    # perceptions and relations
    grievance: np.ndarray  # (R, N, N): grievance[i, j] of i toward j
    sigma: np.ndarray  # (R, N) current misperception
    channel: np.ndarray  # (R, N, N) bool: dialogue channel open
    hotline: np.ndarray  # (R, N, N) bool
    commitment: np.ndarray  # (R, A)
    basing: np.ndarray  # (R, A) bool
    incident_p: np.ndarray  # (R, Q)
    # theatres
    rung: np.ndarray  # (R, K) int
    crisis: np.ndarray  # (R, K) bool: a crisis (or war) is open
    challenger: np.ndarray  # (R, K) int actor index, -1 if none
    defender: np.ndarray  # (R, K) int
    crisis_start: np.ndarray  # (R, K) int
    holder: np.ndarray  # (R, K) int
    joined: np.ndarray  # (R, K, A) bool: patron fights in the current war
    decided: np.ndarray  # (R, K, A) bool: patron has decided for the current war
    # outcomes
    max_rung: np.ndarray  # (R, K)
    war_month: np.ndarray  # (R, K)
    first_crisis: np.ndarray  # (R, K)
    crises: np.ndarray  # (R, K)
    ever_joined: np.ndarray  # (R, K, A) bool
    holder_changes: np.ndarray  # (R, K) int
    nuclear_use: np.ndarray  # (R, K) bool
    # this month's happenings (read by recorders, the Mesa front and `sim trace`)
    activity: np.ndarray  # (R, Q) units this month
    incidents: np.ndarray  # (R, K) bool: a serious grey-zone incident this month
    opened: np.ndarray  # (R, K) bool: a crisis opened this month
    talks: np.ndarray  # (R, N, N) rounds of talks this month
    utility_ch: np.ndarray  # (R, K) challenger's perceived value of the next rung
    utility_df: np.ndarray  # (R, K) defender's
    gap: np.ndarray  # (R, K) > 0: no bargain acceptable to both
    move: np.ndarray  # (R, K) int: see MOVES
    war_ended: np.ndarray  # (R, K) int: see WAR_ENDINGS
    joined_now: np.ndarray  # (R, K, A) bool
    hostility: np.ndarray  # (R, N, N) grievance input gathered this month
    peak: np.ndarray  # (R, K) highest rung reached this month


MOVES = ("none", "hold", "escalate", "settle", "capitulate", "accident", "open", "initiate")
"""Codes of `State.move`, the crisis move of the month in each theatre."""

WAR_ENDINGS = (
    "none",
    "challenger won",
    "defender won",
    "negotiated",
    "nuclear",
    "defender capitulated",
)
"""Codes of `State.war_ended`."""


def initial_state(structure: Structure, params: Params, runs: int) -> State:
    """Return the state at month 0 (before the first step) for `runs` runs."""
    n = len(structure.actors)
    k = len(structure.theatres)
    a = len(structure.alliance_ids)
    q = len(structure.activities)

    def full(shape, value, dtype=np.float64) -> np.ndarray:
        return np.full((runs,) + shape, value, dtype=dtype)

    def copy(x: np.ndarray, dtype=None) -> np.ndarray:
        return np.array(np.broadcast_to(x, (runs,) + x.shape[1:]), dtype=dtype or x.dtype)

    return State(
        t=0,
        milex=copy(params.milex0),
        gdp=copy(params.gdp0),
        capability=copy(params.cap0),
        policy_active=full((n,), False, bool),
        policy_m0=full((n,), 0.0),
        policy_t0=full((n,), 0, np.int64),
        policy_end=full((n,), 0, np.int64),
        policy_target=full((n,), 0.0),
        grievance=copy(params.grievance0),
        sigma=copy(params.sigma0),
        channel=full((n, n), False, bool),
        hotline=full((n, n), False, bool),
        commitment=copy(params.commitment0),
        basing=copy(params.basing0, bool),
        incident_p=copy(params.act_incident0),
        rung=copy(params.baseline_rung, np.int64),
        crisis=full((k,), False, bool),
        challenger=full((k,), -1, np.int64),
        defender=full((k,), -1, np.int64),
        crisis_start=full((k,), -1, np.int64),
        holder=copy(params.holder0, np.int64),
        joined=full((k, a), False, bool),
        decided=full((k, a), False, bool),
        max_rung=copy(params.baseline_rung, np.int64),
        war_month=full((k,), -1, np.int64),
        first_crisis=full((k,), -1, np.int64),
        crises=full((k,), 0, np.int64),
        ever_joined=full((k, a), False, bool),
        holder_changes=full((k,), 0, np.int64),
        nuclear_use=full((k,), False, bool),
        activity=full((q,), 0.0),
        incidents=full((k,), False, bool),
        opened=full((k,), False, bool),
        talks=full((n, n), 0.0),
        utility_ch=full((k,), 0.0),
        utility_df=full((k,), 0.0),
        gap=full((k,), 0.0),
        move=full((k,), 0, np.int64),
        war_ended=full((k,), 0, np.int64),
        joined_now=full((k, a), False, bool),
        hostility=full((n, n), 0.0),
        peak=copy(params.baseline_rung, np.int64),
    )
