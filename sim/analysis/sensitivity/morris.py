"""Morris elementary effects: mu*, its bootstrap interval, and sigma (SALib; Morris 1991)."""

from __future__ import annotations

from typing import Any

import numpy as np
from SALib.analyze import morris as salib_morris


def analyze(
    names: list[str], unit: np.ndarray, y: np.ndarray, meta: dict[str, Any], seed: int = 0
) -> dict[str, dict[str, float]]:
    """Per parameter: mu_star, mu_star_conf (95%), sigma, mu, on the unit-scaled inputs."""
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    res = salib_morris.analyze(
        problem,
        unit,
        y,
        num_levels=meta.get("num_levels", 4),
        conf_level=0.95,
        print_to_console=False,
        seed=seed % (2**32),
    )
    return {
        n: {
            "mu_star": float(res["mu_star"][i]),
            "mu_star_conf": float(res["mu_star_conf"][i]),
            "sigma": float(res["sigma"][i]),
            "mu": float(res["mu"][i]),
        }
        for i, n in enumerate(names)
    }
