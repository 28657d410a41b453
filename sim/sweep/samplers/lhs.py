"""Latin hypercube sample (McKay, Beckman & Conover 1979) via `scipy.stats.qmc`."""

from __future__ import annotations

from scipy.stats import qmc

from sim.errors import SimError
from sim.sweep.samplers.design import Design, values_of
from sim.sweep.space import Parameter


def sample(params: list[Parameter], points: int, seed: int) -> Design:
    """`points` points, one in each of `points` equal strata of every parameter."""
    if points < 1:
        raise SimError("--points must be at least 1")
    unit = qmc.LatinHypercube(d=len(params), seed=seed).random(points)
    return Design("lhs", unit, values_of(params, unit), {})
