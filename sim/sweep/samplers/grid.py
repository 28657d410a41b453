"""Full factorial grid: every combination of levels.

Level lists contribute their values; ranges contribute `points` evenly spaced values
including both ends (so ``--points`` is the number of levels per range, not the total).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from sim.errors import SimError
from sim.sweep.samplers.design import Design
from sim.sweep.space import Parameter

MAX_POINTS = 100_000  # as sim.sweep.run.MAX_POINTS, which checks it before sampling


def sample(params: list[Parameter], points: int, seed: int) -> Design:
    """Grid design; `seed` is unused (a grid is not random)."""
    del seed
    axes: list[list[Any]] = []
    for p in params:
        if p.is_range:
            low, high = _bounds(p)
            if points < 2 and high > low:
                raise SimError("--points must be at least 2 for a grid over a range")
            vals = np.linspace(low, high, max(points, 1))
            axes.append(list(np.round(vals) if p.integer else vals))
        else:
            axes.append(list(p.levels))
    total = int(np.prod([len(a) for a in axes]))
    if total > MAX_POINTS:
        raise SimError(f"grid has {total:,} points (more than {MAX_POINTS:,})")
    values = [list(combo) for combo in itertools.product(*axes)]
    unit = np.array([[_unit(p, v) for p, v in zip(params, row, strict=True)] for row in values])
    return Design(
        "grid", unit.reshape(len(values), len(params)), values, {"levels": [len(a) for a in axes]}
    )


def _bounds(p: Parameter) -> tuple[float, float]:
    """Bounds ``(low, high)`` of a range parameter."""
    if p.low is None or p.high is None:
        raise SimError(f"{p.path}: a range needs both bounds")
    return p.low, p.high


def _unit(p: Parameter, value: Any) -> float:
    if p.is_range:
        low, high = _bounds(p)
        return 0.0 if high == low else (float(value) - low) / (high - low)
    i = p.levels.index(value)
    return (i + 0.5) / len(p.levels)
