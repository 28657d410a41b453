"""Morris elementary-effects design (Morris 1991; Campolongo et al. 2007) via SALib.

``--points`` is the number of trajectories r; the design has r (D + 1) points on a
four-level grid.
"""

from __future__ import annotations

from SALib.sample import morris as salib_morris

from sim.errors import SimError
from sim.sweep.samplers.design import Design, unit_problem, values_of
from sim.sweep.space import Parameter

LEVELS = 4


def sample(params: list[Parameter], points: int, seed: int) -> Design:
    """Morris design with `points` trajectories."""
    if points < 2:
        raise SimError("--points (trajectories) for a Morris design must be at least 2")
    unit = salib_morris.sample(unit_problem(params), points, num_levels=LEVELS, seed=seed % (2**32))
    return Design(
        "morris", unit, values_of(params, unit), {"trajectories": points, "num_levels": LEVELS}
    )
