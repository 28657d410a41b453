"""Sensitivity indices of sweep outcomes, one module per method (``analyze`` each)."""

from __future__ import annotations

from collections.abc import Callable
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
    folder: Path,
    manifest: dict[str, Any],
    summary: pd.DataFrame,
    outcomes: list[str] | None = None,
    outcomes_table: Callable[[], pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """Compute indices for every requested outcome (default: war probability per theatre).

    Outcomes the summary does not hold (``blockade.taiwan``, expressions) are averaged
    per point from `outcomes_table()` (the sweep's ``outcomes.parquet``) when given.
    """
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
        y = outcome_vector(summary, outcome, outcomes_table)
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
        warning = stability_warning(outcome, method, result["outcomes"][outcome])
        if warning:
            result.setdefault("warnings", []).append(warning)
    return result


def unstable_parameters(method: str, table: dict[str, dict[str, float]]) -> list[str]:
    """Return the parameters whose 95% interval is wider than their index.

    An index counts when it is material or its interval is wide: Sobol ``S1``/``ST`` with
    a half-width above the index and either the index >= 0.05 or the half-width >= 0.1;
    Morris ``mu*`` with a half-width above it and above a tenth of the largest ``mu*``.
    Tiny indices of unimportant parameters with tiny intervals are not flagged.
    """
    out = []
    if method == "sobol":
        for name, row in table.items():
            for key in ("ST", "S1"):
                idx, conf = abs(row[key]), row[f"{key}_conf"]
                if conf > idx and (idx >= 0.05 or conf >= 0.1):
                    out.append(name)
                    break
    else:
        top = max((row["mu_star"] for row in table.values()), default=0.0)
        for name, row in table.items():
            conf = row["mu_star_conf"]
            if conf > row["mu_star"] and conf > 0.1 * top:
                out.append(name)
    return out


def stability_warning(outcome: str, method: str, table: dict[str, dict[str, float]]) -> str:
    """Return a warning line when the sample is too small for stable indices (else "")."""
    bad = unstable_parameters(method, table)
    if not bad:
        return ""
    row = table[bad[0]]
    example = (
        f"ST = {row['ST']:.3g} ± {row['ST_conf']:.3g}"
        if method == "sobol"
        else f"mu* = {row['mu_star']:.3g} ± {row['mu_star_conf']:.3g}"
    )
    return (
        f"warning: {outcome}: the sample is too small for stable {method.title()} indices: "
        f"{len(bad)} of {len(table)} parameters have a 95% interval wider than the index "
        f"({example} for {bad[0]}); use more design points or runs per point"
    )


def format_indices(result: dict[str, Any]) -> str:
    """Plain-text table of indices."""
    lines = []
    for outcome, table in result["outcomes"].items():
        unstable = set(unstable_parameters(result["method"], table))
        lines.append(f"{outcome} ({result['method']}, {result['runs_per_point']} runs/point)")
        if result["method"] == "sobol":
            lines.append(f"  {'parameter':<44} {'S1':>7} {'±95%':>7} {'ST':>7} {'±95%':>7}")
            for name, row in table.items():
                lines.append(
                    f"  {name:<44} {row['S1']:7.3f} {row['S1_conf']:7.3f} "
                    f"{row['ST']:7.3f} {row['ST_conf']:7.3f}" + (" *" if name in unstable else "")
                )
        else:
            lines.append(f"  {'parameter':<44} {'mu*':>8} {'±95%':>8} {'sigma':>8}")
            for name, row in table.items():
                lines.append(
                    f"  {name:<44} {row['mu_star']:8.4f} {row['mu_star_conf']:8.4f} "
                    f"{row['sigma']:8.4f}" + (" *" if name in unstable else "")
                )
        if unstable:
            lines.append("  * 95% interval wider than the index: not a stable estimate")
        lines.append("")
    for outcome in result.get("constant_outcomes", []):
        lines.append(f"note: {outcome} is constant over the design (indices set to 0)")
    for warning in result.get("warnings", []):
        lines.append(warning)
    return "\n".join(lines)
