"""Experimental designs, one module per method, each with ``sample(params, points, seed)``.

Every sampler returns a `Design`: points in the unit hypercube (what sensitivity analysis
works on) and the parameter values they map to.
"""

from __future__ import annotations

from sim.sweep.samplers.design import Design, unit_problem, values_of
from sim.sweep.space import Parameter

__all__ = ["Design", "sample", "unit_problem", "values_of"]


def sample(method: str, params: list[Parameter], points: int, seed: int) -> Design:
    """Dispatch to the sampler module named `method`."""
    from sim.errors import SimError
    from sim.sweep.samplers import grid, lhs, morris, sobol

    modules = {"grid": grid, "lhs": lhs, "sobol": sobol, "morris": morris}
    if method not in modules:
        raise SimError(f"--sampler must be one of {', '.join(modules)}, not '{method}'")
    return modules[method].sample(params, points, seed)
