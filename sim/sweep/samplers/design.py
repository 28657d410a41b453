"""The design a sampler returns, and the helpers the samplers share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.sweep.space import Parameter


@dataclass
class Design:
    """Design points of a sweep.

    Attributes
    ----------
    method : str
        Sampler name.
    unit : ndarray (P, D)
        Points in [0, 1]^D.
    values : list of list
        Parameter values of each point (numbers or booleans).
    meta : dict
        What the matching analysis needs (e.g. Sobol base sample size).
    """

    method: str
    unit: np.ndarray
    values: list[list[Any]]
    meta: dict[str, Any] = field(default_factory=dict)


def values_of(params: list[Parameter], unit: np.ndarray) -> list[list[Any]]:
    """Map unit-cube points to parameter values, column by column."""
    cols = [p.from_unit(unit[:, d]) for d, p in enumerate(params)]
    return [[c[i] for c in cols] for i in range(unit.shape[0])]


def unit_problem(params: list[Parameter]) -> dict[str, Any]:
    """SALib problem over the unit hypercube (levels are equal-width bins of [0, 1])."""
    return {
        "num_vars": len(params),
        "names": [p.path for p in params],
        "bounds": [[0.0, 1.0]] * len(params),
    }
