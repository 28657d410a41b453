"""Sobol first-order and total indices with bootstrap intervals (SALib; Saltelli 2010)."""

from __future__ import annotations

from typing import Any

import numpy as np
from SALib.analyze import sobol as salib_sobol


def analyze(
    names: list[str], unit: np.ndarray, y: np.ndarray, meta: dict[str, Any], seed: int = 0
) -> dict[str, dict[str, float]]:
    """Return indices per parameter: S1, S1_conf, ST, ST_conf (95% bootstrap half-widths)."""
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    res = salib_sobol.analyze(
        problem,
        y,
        calc_second_order=meta.get("calc_second_order", False),
        conf_level=0.95,
        print_to_console=False,
        seed=seed % (2**32),
    )
    return {
        n: {
            "S1": float(res["S1"][i]),
            "S1_conf": float(res["S1_conf"][i]),
            "ST": float(res["ST"][i]),
            "ST_conf": float(res["ST_conf"][i]),
        }
        for i, n in enumerate(names)
    }
