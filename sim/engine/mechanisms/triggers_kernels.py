"""Compiled kernel of the trigger effects (`sim.engine.mechanisms.triggers`).

Import `sim.engine.kernels`, not this module.
"""

from __future__ import annotations

import numpy as np

from sim.engine.jit import numba


@numba.njit(cache=True, nogil=True)
def trigger_effects(
    n: np.ndarray,
    kind: np.ndarray,
    theatre: np.ndarray,
    triggered: np.ndarray,
    grievance: np.ndarray,
    by: np.ndarray,
    target: np.ndarray,
    holder: np.ndarray,
    increase: np.ndarray,
    crisis_probability: np.ndarray,
    u: np.ndarray,
    raise_grievance: bool,
) -> np.ndarray:  # pragma: no cover - compiled
    """Apply trigger occurrences `n` (R, J) in place; return where they open crises (R, J).

    As `sim.engine.mechanisms.triggers.step`: the kind's bit in ``triggered`` of the
    trigger's theatre; if `raise_grievance`, the target's grievance toward the actor, and
    toward the theatre's holder (`holder`, (R, K)) where that is neither the actor nor
    the target, becomes 1 - (1 - G) (1 - increase)^n, triggers in order; a crisis opens
    where u < 1 - (1 - crisis_probability)^n. Powers are repeated multiplications from 1.0.
    """
    runs, items = n.shape
    opens = np.zeros((runs, items), dtype=np.bool_)
    for r in range(runs):
        for j in range(items):
            c = n[r, j]
            if c <= 0:
                continue
            triggered[r, theatre[j]] |= np.int64(1) << kind[r, j]
            if raise_grievance:
                base = 1.0 - increase[r, j]
                keep = 1.0
                for _ in range(c):
                    keep = keep * base
                t, b = target[r, j], by[r, j]
                grievance[r, t, b] = 1.0 - (1.0 - grievance[r, t, b]) * keep
                h = holder[r, theatre[j]]
                if h != b and h != t and h >= 0:
                    grievance[r, t, h] = 1.0 - (1.0 - grievance[r, t, h]) * keep
            base = 1.0 - crisis_probability[r, j]
            keep = 1.0
            for _ in range(c):
                keep = keep * base
            opens[r, j] = u[r, j] < 1.0 - keep
    return opens
