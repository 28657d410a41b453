"""Compiled kernel of a month of grievance (`sim.engine.mechanisms.grievance`).

Import `sim.engine.kernels`, not this module.
"""

from __future__ import annotations

import numpy as np

from sim.engine.jit import numba


@numba.njit(cache=True, nogil=True)
def grievance_month(
    grievance: np.ndarray,
    hostility: np.ndarray,
    baseline: np.ndarray,
    decay: np.ndarray,
    crisis: np.ndarray,
    rung: np.ndarray,
    challenger: np.ndarray,
    defender: np.ndarray,
    crisis_gain: np.ndarray,
    war_gain: np.ndarray,
    top_rung: int,
    war_rung: int,
) -> None:  # pragma: no cover - compiled
    """One month of grievance in place, as `sim.engine.mechanisms.grievance.step`.

    Per run: G += (B - G) d; crisis heat g_c rung / top (+ g_w at war rungs) added to
    the hostility of challenger and defender toward each other, theatre by theatre; then
    h = clip(hostility, -1, 1), G += h (1 - G) where h > 0 else h G, clipped to [0, 1],
    with a zero diagonal.
    """
    runs, n, _ = grievance.shape
    for r in range(runs):
        d = decay[r]
        for i in range(n):
            for j in range(n):
                grievance[r, i, j] = (
                    grievance[r, i, j] + (baseline[r, i, j] - grievance[r, i, j]) * d
                )
        for k in range(crisis.shape[1]):
            if not crisis[r, k]:
                continue
            level = rung[r, k]
            heat = crisis_gain[r] * level / float(top_rung)
            heat = heat + (war_gain[r] if level >= war_rung else 0.0)
            ch, df = max(challenger[r, k], 0), max(defender[r, k], 0)
            hostility[r, ch, df] += heat
            hostility[r, df, ch] += heat
        for i in range(n):
            for j in range(n):
                h = hostility[r, i, j]
                if h < -1.0:
                    h = -1.0
                elif h > 1.0:
                    h = 1.0
                g = grievance[r, i, j]
                gain = g if h <= 0 else 1.0 - g
                g = g + gain * h
                if g < 0.0:
                    g = 0.0
                elif g > 1.0:
                    g = 1.0
                grievance[r, i, j] = g
        for i in range(n):
            grievance[r, i, i] = 0.0
