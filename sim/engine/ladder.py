"""Opening and closing crises on a theatre's escalation ladder (shared by mechanisms)."""

from __future__ import annotations

import numpy as np

from sim.engine.state import MOVES, State

WAR_RUNG = 6
REGIONAL_WAR_RUNG = 7
NUCLEAR_RUNG = 8


def open_crisis(
    state: State,
    mask: np.ndarray,
    k: int,
    challenger: np.ndarray,
    defender: np.ndarray,
    rung: np.ndarray,
    move: str = "open",
) -> None:
    """Open a crisis in theatre `k` for runs in `mask`, or raise the rung of an open one.

    Parameters
    ----------
    mask : (R,) bool
        Runs in which the crisis opens.
    challenger, defender : (R,) int or int
        Parties (actor indices); ignored where a crisis is already open.
    rung : (R,) int or int
        Rung the theatre climbs to (at least).
    """
    if not mask.any():
        return
    new = mask & ~state.crisis[:, k]
    state.challenger[:, k] = np.where(new, challenger, state.challenger[:, k])
    state.defender[:, k] = np.where(new, defender, state.defender[:, k])
    state.crisis_start[:, k] = np.where(new, state.t, state.crisis_start[:, k])
    state.crises[:, k] += new
    state.first_crisis[:, k] = np.where(
        new & (state.first_crisis[:, k] < 0), state.t, state.first_crisis[:, k]
    )
    state.crisis[:, k] |= mask
    state.opened[:, k] |= new
    state.rung[:, k] = np.where(mask, np.maximum(state.rung[:, k], rung), state.rung[:, k])
    state.move[:, k] = np.where(new, MOVES.index(move), state.move[:, k])
    note_rungs(state)


def note_rungs(state: State) -> None:
    """Record the highest rung reached so far (call after any rung rises)."""
    np.maximum(state.max_rung, state.rung, out=state.max_rung)
    np.maximum(state.peak, state.rung, out=state.peak)


def close_crisis(state: State, mask: np.ndarray, k: int, baseline: np.ndarray) -> None:
    """End the crisis (or war) in theatre `k` for runs in `mask`; the rung returns to baseline."""
    if not mask.any():
        return
    state.crisis[:, k] &= ~mask
    state.rung[:, k] = np.where(mask, baseline, state.rung[:, k])
    state.challenger[:, k] = np.where(mask, -1, state.challenger[:, k])
    state.defender[:, k] = np.where(mask, -1, state.defender[:, k])
    state.joined[:, k, :] &= ~mask[:, None]
    state.decided[:, k, :] &= ~mask[:, None]


def transfer(state: State, mask: np.ndarray, k: int, new_holder: np.ndarray) -> None:
    """Hand theatre `k` to `new_holder` in runs `mask` (counts a holder change)."""
    changed = mask & (new_holder != state.holder[:, k])
    state.holder[:, k] = np.where(changed, new_holder, state.holder[:, k])
    state.holder_changes[:, k] += changed
