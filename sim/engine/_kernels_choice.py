"""Compiled kernels of the option values and initiation hazard (`sim.engine.choice`).

Import `sim.engine.kernels`, not this module.
"""

from __future__ import annotations

import numpy as np

from sim.engine.jit import numba


@numba.njit(cache=True, nogil=True, inline="always")
def _floor(x: float, lo: float) -> float:  # pragma: no cover - compiled
    """``np.maximum(x, lo)`` for a scalar (NaN propagates)."""
    return x if (x >= lo or x != x) else lo


@numba.njit(cache=True, nogil=True, inline="always")
def _clip50(x: float) -> float:  # pragma: no cover - compiled
    """``np.clip(x, -50.0, 50.0)`` for a scalar (NaN propagates)."""
    if x < -50.0:
        return -50.0
    if x > 50.0:
        return 50.0
    return x


@numba.njit(cache=True, nogil=True)
def concession_arguments(
    p_win: np.ndarray,
    war_scale: np.ndarray,
    stake_df: np.ndarray,
    pain_df: np.ndarray,
    concession: np.ndarray,
    concession_cost: np.ndarray,
    coerce_rung: int,
    clash_rung: int,
    war_rung: int,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Arguments of exp in the challenger's concession beliefs (`sim.engine.choice`), (R, K).

    clip((resist(r) - pain + k_c) / s, -50, 50) with resist(r) = (1 - p~) - kappa (1 + iota)
    (r/6)^2 / max(V_df, 0.05) and k_c the defender's cost of conceding beyond the stake's
    share (``crisis.concession_cost``), for the coercion rung (with the blockade pain) and
    the clash rung (pain 0.0).
    """
    runs, theatres = p_win.shape
    a4 = np.empty((runs, theatres), dtype=np.float64)
    a5 = np.empty((runs, theatres), dtype=np.float64)
    x4 = coerce_rung / float(war_rung)
    x5 = clash_rung / float(war_rung)
    for r in range(runs):
        scale = _floor(concession[r], 1e-6)
        kc = concession_cost[r]
        for k in range(theatres):
            lose = 1.0 - p_win[r, k]
            den = _floor(stake_df[r, k], 0.05)
            resist4 = lose - war_scale[r, k] * (x4 * x4) / den
            resist5 = lose - war_scale[r, k] * (x5 * x5) / den
            a4[r, k] = _clip50((resist4 - pain_df[r, k] + kc) / scale)
            a5[r, k] = _clip50((resist5 - 0.0 + kc) / scale)
    return a4, a5


@numba.njit(cache=True, nogil=True)
def initiation_hazard(
    p_win: np.ndarray,
    optimism: np.ndarray,
    shadow: np.ndarray,
    shift: np.ndarray,
    war_scale: np.ndarray,
    stake_ch: np.ndarray,
    stake_df: np.ndarray,
    nu: np.ndarray,
    exercise: np.ndarray,
    grievance: np.ndarray,
    pain_ch: np.ndarray,
    exp4: np.ndarray,
    exp5: np.ndarray,
    claims: np.ndarray,
    rate: np.ndarray,
    rungs: np.ndarray,
    commitment_path: int,
    p_hold: np.ndarray,
    exp_retake: np.ndarray,
    seizable: np.ndarray,
    threshold: np.ndarray,
    opportunity_path: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Hazard, best option and war path of a challenger in each run and theatre, (R, K).

    The option values of `sim.engine.choice.initiation_hazard` (exercise, blockade,
    strike, invasion, seizure: `rungs` holds their rungs and the war rung), the first
    largest one as ``np.argmax`` picks it (a NaN counts as largest), and the hazard
    rate G max(U, 0) where the challenger claims the theatre (else 0.0). Invasion is open
    on a closing window (the commitment path: shift above both war costs, U = E_war +
    shift) or on an opening one (the opportunity path: power not falling, shift <= 0,
    perceived p~ >= `threshold` and E_war > 0, U = E_war); seizure only where `seizable`,
    U = (1 - q) + q (p_hold - c_war) - c(5) with q = 1 / (1 + exp_retake).
    """
    runs, theatres = p_win.shape
    hazard = np.empty((runs, theatres), dtype=np.float64)
    option = np.empty((runs, theatres), dtype=np.int64)
    path = np.empty((runs, theatres), dtype=np.int64)
    war = float(rungs[4])
    x3, x4, x5 = rungs[0] / war, rungs[1] / war, rungs[2] / war
    values = np.empty(5, dtype=np.float64)
    for r in range(runs):
        for k in range(theatres):
            o = optimism[r, k]
            ws = war_scale[r, k]
            den_ch = _floor(stake_ch[r, k], 0.05)
            den_df = _floor(stake_df[r, k], 0.05)
            nuclear = 1.0 + nu[r] * shadow[r, k]
            war_ch = ws * nuclear / den_ch
            war_df = ws * nuclear / den_df
            e_war = p_win[r, k] - war_ch / o
            committed = shift[r, k] - (war_ch + war_df) > 0
            opening = (
                (not committed)
                and shift[r, k] <= 0.0
                and p_win[r, k] >= threshold[r]
                and e_war > 0.0
            )
            clash = ws * (x5 * x5) / den_ch / o
            values[0] = exercise[r] * grievance[r, k] - ws * (x3 * x3) / den_ch / o
            values[1] = 1.0 / (1.0 + exp4[r, k]) - ws * (x4 * x4) / den_ch / o - pain_ch[r, k] / o
            values[2] = 1.0 / (1.0 + exp5[r, k]) - clash
            if committed:
                values[3] = e_war + shift[r, k]
            elif opening:
                values[3] = e_war
            else:
                values[3] = -np.inf
            if seizable[r, k]:
                q = 1.0 / (1.0 + exp_retake[r, k])
                values[4] = (1.0 - q) + q * (p_hold[r, k] - war_ch / o) - clash
            else:
                values[4] = -np.inf
            best = values[0]
            idx = 0
            if best == best:
                for i in range(1, 5):
                    v = values[i]
                    if v != v:
                        best = v
                        idx = i
                        break
                    if v > best:
                        best = v
                        idx = i
            option[r, k] = idx
            if committed:
                path[r, k] = commitment_path
            elif opening:
                path[r, k] = opportunity_path
            else:
                path[r, k] = 0
            if claims[r, k]:
                hazard[r, k] = rate[r] * grievance[r, k] * _floor(best, 0.0)
            else:
                hazard[r, k] = 0.0
    return hazard, option, path
