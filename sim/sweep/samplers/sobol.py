"""Saltelli/Sobol design for variance-based sensitivity (SALib; Saltelli et al. 2010).

``--points`` is the base sample size N (a power of two); the design has N (D + 2) points
(first-order and total indices; no second-order terms).
"""

from __future__ import annotations

from SALib.sample import sobol as salib_sobol

from sim.errors import SimError
from sim.sweep.samplers.design import Design, unit_problem, values_of
from sim.sweep.space import Parameter


def sample(params: list[Parameter], points: int, seed: int) -> Design:
    """Sobol design with base sample size `points`."""
    if points < 2 or points & (points - 1):
        raise SimError(f"--points for a Sobol design must be a power of two, not {points}")
    unit = salib_sobol.sample(
        unit_problem(params), points, calc_second_order=False, seed=seed % (2**32)
    )
    return Design(
        "sobol", unit, values_of(params, unit), {"base_samples": points, "calc_second_order": False}
    )
