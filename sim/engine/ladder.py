"""The escalation ladder: its rungs, and opening, climbing and closing crises on it.

Shared by the mechanisms that move a theatre's rung. The nine rungs are Kahn's ladder
compressed (docs/CONTRACTS.md); the named rungs below are where the model's rules change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.engine.state import State


RUNG_NAMES = (
    "stable competition",
    "diplomatic protest",
    "grey-zone pressure",
    "military signalling",
    "coercion",
    "limited armed clash",
    "theatre war",
    "regional war",
    "nuclear use",
)
"""Kahn's ladder compressed to nine rungs (result-folder and scenario contract)."""

GREYZONE_RUNG = 2
"""A theatre with grey-zone activity this month stands at least here (outside crises)."""
SIGNALLING_RUNG = 3
"""Lowest rung at which a held crisis can climb by accident."""
COERCION_RUNG = 4
"""From here a defender that prefers conceding to fighting capitulates (and the highest
rung at which accidents happen)."""
WAR_RUNG = 6
"""A theatre is at war from here (contract: ``war`` in outcomes.parquet)."""
REGIONAL_WAR_RUNG = 7
"""A patron joining a war raises the theatre here."""
NUCLEAR_RUNG = 8
"""Nuclear use."""
TOP_RUNG = len(RUNG_NAMES) - 1

MOVES = ("none", "hold", "escalate", "settle", "capitulate", "accident", "open", "initiate")
"""Codes of ``scratch.move``, the crisis move of the month in each theatre."""

WAR_ENDINGS = (
    "none",
    "challenger won",
    "defender won",
    "negotiated",
    "nuclear",
    "defender capitulated",
)
"""Codes of ``scratch.war_ended``."""

CRISIS_ENDINGS = (
    "settled",
    "capitulated",
    "challenger won",
    "defender won",
    "negotiated",
    "nuclear",
    "open",
)
"""How a crisis ended (``ending`` in crises.parquet); "open" if still open at the horizon."""

DELIBERATE_TRIGGERS = (
    "deliberate:exercise",
    "deliberate:blockade",
    "deliberate:strike",
    "deliberate:invasion",
)
"""Labels of crises a challenger opens by choice (`sim.engine.mechanisms.crisis`)."""

ACCIDENT_TRIGGER = "accident"

LOG_COLUMNS = (
    "run",
    "theatre",
    "opened",
    "trigger",
    "challenger",
    "defender",
    "parties",
    "peak",
    "ended",
    "ending",
)
"""Fields of one crisis-log record (all int64; see `close_crisis`)."""


def open_crisis(
    state: State,
    mask: np.ndarray,
    k: int,
    challenger: np.ndarray | int,
    defender: np.ndarray | int,
    rung: np.ndarray | int,
    move: str = "open",
    trigger: int | np.ndarray = -1,
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
    move : str
        Move recorded for a newly opened crisis (one of `MOVES`).
    trigger : int or (R,) int
        What opened it: a code into the structure's ``trigger_labels``.
    """
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return
    w, o, x = state.world, state.outcome, state.scratch
    # only runs in `mask` change (the rest stay as they are): work on those rows
    new = rows[~w.crisis[rows, k]]
    if new.size:
        ch = _at(challenger, new)
        df = _at(defender, new)
        w.challenger[new, k] = ch
        w.defender[new, k] = df
        w.crisis_start[new, k] = state.t
        w.crisis_trigger[new, k] = _at(trigger, new)
        bits = (np.int64(1) << np.asarray(ch, dtype=np.int64)) | (
            np.int64(1) << np.asarray(df, dtype=np.int64)
        )
        w.crisis_parties[new, k] = bits
        w.crisis_peak[new, k] = 0
        o.crises[new, k] += 1
        first = o.first_crisis[new, k]
        o.first_crisis[new, k] = np.where(first < 0, state.t, first)
        x.opened[new, k] = True
        x.move[new, k] = MOVES.index(move)
    w.crisis[rows, k] = True
    w.rung[rows, k] = np.maximum(w.rung[rows, k], _at(rung, rows))
    note_rungs(state)


def _at(value: np.ndarray | int, rows: np.ndarray) -> np.ndarray | int:
    """Return `value` at runs `rows` if it is per run (shape (R,)), else as it is."""
    return value[rows] if isinstance(value, np.ndarray) and value.ndim else value


def note_rungs(state: State) -> None:
    """Record the highest rung reached so far (call after any rung rises)."""
    w = state.world
    np.maximum(state.outcome.max_rung, w.rung, out=state.outcome.max_rung)
    np.maximum(state.scratch.peak, w.rung, out=state.scratch.peak)
    w.crisis_peak[...] = np.where(w.crisis, np.maximum(w.crisis_peak, w.rung), w.crisis_peak)


def add_party(state: State, mask: np.ndarray, k: int, actor: int | np.ndarray) -> None:
    """Count `actor` among the parties of the open crisis in theatre `k` (runs `mask`)."""
    w = state.world
    bit = np.int64(1) << np.asarray(actor, dtype=np.int64)
    w.crisis_parties[:, k] = np.where(mask & w.crisis[:, k], w.crisis_parties[:, k] | bit,
                                      w.crisis_parties[:, k])  # fmt: skip


def log_crises(state: State, mask: np.ndarray, k: int, ending: str, ended: int) -> None:
    """Append a crisis-log record for the open crises of theatre `k` in runs `mask`."""
    w = state.world
    rows = np.flatnonzero(mask & w.crisis[:, k])
    if rows.size == 0:
        return
    n = rows.size
    state.crisis_log.append(
        np.stack(
            [
                w.run_index[rows],
                np.full(n, k),
                w.crisis_start[rows, k],
                w.crisis_trigger[rows, k],
                w.challenger[rows, k],
                w.defender[rows, k],
                w.crisis_parties[rows, k],
                w.crisis_peak[rows, k],
                np.full(n, ended),
                np.full(n, CRISIS_ENDINGS.index(ending)),
            ],
            axis=1,
        ).astype(np.int64)
    )


def close_crisis(state: State, mask: np.ndarray, k: int, baseline: np.ndarray, ending: str) -> None:
    """End the crisis (or war) in theatre `k` for runs in `mask`; the rung returns to baseline.

    ``ending`` (one of `CRISIS_ENDINGS`) goes into the crisis log.
    """
    if not mask.any():
        return
    log_crises(state, mask, k, ending, state.t)
    w = state.world
    keep_war_path(state, mask, k)
    w.crisis[:, k] &= ~mask
    w.rung[:, k] = np.where(mask, baseline, w.rung[:, k])
    w.challenger[:, k] = np.where(mask, -1, w.challenger[:, k])
    w.defender[:, k] = np.where(mask, -1, w.defender[:, k])
    w.joined[:, k, :] &= ~mask[:, None]
    w.decided[:, k, :] &= ~mask[:, None]
    w.deployed[:, k, :] &= ~mask[:, None]
    w.deploy_decided[:, k, :] &= ~mask[:, None]
    w.blockade[:, k] &= ~mask
    w.blockade_pain[:, k] = np.where(mask, 0.0, w.blockade_pain[:, k])
    w.war_path[:, k] = np.where(mask, 0, w.war_path[:, k])


def keep_war_path(state: State, mask: np.ndarray, k: int) -> None:
    """Record how the first war of theatre `k` began before its crisis closes (runs `mask`).

    A war decided in the month it began closes before the month's rung records are
    updated (`sim.engine.step.settle_ladder`), which would otherwise find its path reset.
    """
    o, w = state.outcome, state.world
    first = mask & (o.war_month[:, k] < 0) & (o.max_rung[:, k] >= WAR_RUNG)
    first &= o.first_war_path[:, k] == 0
    o.first_war_path[:, k] = np.where(first, w.war_path[:, k], o.first_war_path[:, k])


def transfer(state: State, mask: np.ndarray, k: int, new_holder: np.ndarray) -> None:
    """Hand theatre `k` to `new_holder` in runs `mask` (counts a holder change)."""
    w = state.world
    changed = mask & (new_holder != w.holder[:, k])
    w.holder[:, k] = np.where(changed, new_holder, w.holder[:, k])
    state.outcome.holder_changes[:, k] += changed
