"""Sensitivity indices of sweep outcomes, one module per method (``analyze`` each)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.outcome_names import MEASURES, outcome_vector
from sim.errors import SimError

OUTCOMES = {name: m.column for name, m in MEASURES.items()}
"""Measure name -> sweep summary column (kept for callers of the old table)."""

__all__ = ["OUTCOMES", "analyze_folder", "format_indices", "outcome_vector"]


def analyze_folder(
    folder: Path, manifest: dict[str, Any], summary: pd.DataFrame, outcomes: list[str] | None = None
) -> dict[str, Any]:
    """Compute indices for every requested outcome (default: war probability per theatre)."""
    from sim.analysis.sensitivity import morris, sobol

    method = manifest["sampler"]
    if method not in ("sobol", "morris"):
        raise SimError(f"{folder}: sensitivity needs a sobol or morris design, not {method}")
    names = [p["path"] for p in manifest["parameters"]]
    unit = np.load(folder / "design_unit.npy")
    outcomes = outcomes or [f"war.{t}" for t in manifest["theatres"]]
    module = sobol if method == "sobol" else morris
    result: dict[str, Any] = {
        "method": method,
        "parameters": names,
        "runs_per_point": manifest["runs_per_point"],
        "outcomes": {},
    }
    for outcome in outcomes:
        y = outcome_vector(summary, outcome)
        if np.ptp(y) == 0:
            zero = (
                {"S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0}
                if method == "sobol"
                else {"mu_star": 0.0, "mu_star_conf": 0.0, "sigma": 0.0, "mu": 0.0}
            )
            result["outcomes"][outcome] = {n: dict(zero) for n in names}
            result.setdefault("constant_outcomes", []).append(outcome)
            continue
        result["outcomes"][outcome] = module.analyze(
            names, unit, y, manifest["design_meta"], seed=manifest["master_seed"]
        )
    return result


def format_indices(result: dict[str, Any]) -> str:
    """Plain-text table of indices."""
    lines = []
    for outcome, table in result["outcomes"].items():
        lines.append(f"{outcome} ({result['method']}, {result['runs_per_point']} runs/point)")
        if result["method"] == "sobol":
            lines.append(f"  {'parameter':<44} {'S1':>7} {'±95%':>7} {'ST':>7} {'±95%':>7}")
            for name, row in table.items():
                lines.append(
                    f"  {name:<44} {row['S1']:7.3f} {row['S1_conf']:7.3f} "
                    f"{row['ST']:7.3f} {row['ST_conf']:7.3f}"
                )
        else:
            lines.append(f"  {'parameter':<44} {'mu*':>8} {'±95%':>8} {'sigma':>8}")
            for name, row in table.items():
                lines.append(
                    f"  {name:<44} {row['mu_star']:8.4f} {row['mu_star_conf']:8.4f} "
                    f"{row['sigma']:8.4f}"
                )
        lines.append("")
    return "\n".join(lines)
