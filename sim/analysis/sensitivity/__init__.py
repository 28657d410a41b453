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
MIN_EVENTS = 20
"""Indices of a probability with fewer runs having the outcome, over the whole design,
are flagged unstable: a handful of runs at a few points decides them."""

__all__ = [
    "MIN_EVENTS",
    "OUTCOMES",
    "analyze_folder",
    "events_of",
    "format_indices",
    "outcome_vector",
    "unstable_parameters",
]


def events_of(outcome: str, y: np.ndarray, runs_per_point: int) -> tuple[int | None, int]:
    """Return the runs with the outcome over the design and the points where it occurred.

    The first is None when the outcome is not a probability (a mean such as crises).
    """
    from sim.analysis.outcome_names import parse_outcome

    try:
        probability = parse_outcome(outcome, None).is_probability
    except SimError:
        probability = False
    hits = int(np.count_nonzero(y))
    if not probability:
        return None, hits
    return int(round(float(np.sum(y) * runs_per_point))), hits


def outcome_warning(outcome: str, events: int | None, points_with: int) -> str:
    """Return why an outcome's indices are unstable as a whole ("" when they are not)."""
    if events is not None and events < MIN_EVENTS:
        return (
            f"warning: {outcome}: {events} run{'s' if events != 1 else ''} with the outcome "
            f"in the whole design (fewer than {MIN_EVENTS}): its indices are not stable"
        )
    if points_with == 1:
        return (
            f"warning: {outcome}: the outcome occurred at one design point only, which "
            "decides every index: not stable"
        )
    return ""


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
        events, points_with = events_of(outcome, y, int(manifest["runs_per_point"]))
        result.setdefault("events", {})[outcome] = events
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
        whole = outcome_warning(outcome, events, points_with)
        if whole:
            result.setdefault("unstable_outcomes", []).append(outcome)
            result.setdefault("warnings", []).append(whole)
        warning = stability_warning(outcome, method, result["outcomes"][outcome])
        if warning:
            result.setdefault("warnings", []).append(warning)
    return result


def unstable_parameters(
    method: str, table: dict[str, dict[str, float]], outcome_unstable: bool = False
) -> list[str]:
    """Return the parameters whose index is not a stable estimate.

    Sobol: the 95% interval of ``S1`` or ``ST`` is wider than the index (its half-width
    exceeds it); Morris: the interval of ``mu*`` is wider than ``mu*``. Every parameter
    when the outcome as a whole is unstable (`outcome_unstable`: fewer than `MIN_EVENTS`
    runs with it, or one design point with it).
    """
    if outcome_unstable:
        return list(table)
    out = []
    if method == "sobol":
        for name, row in table.items():
            if any(row[f"{key}_conf"] > abs(row[key]) for key in ("ST", "S1")):
                out.append(name)
    else:
        for name, row in table.items():
            if row["mu_star_conf"] > row["mu_star"]:
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
        whole = outcome in result.get("unstable_outcomes", [])
        unstable = set(unstable_parameters(result["method"], table, whole))
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
        if whole:
            lines.append("  * every index: too few runs with the outcome (see the warning)")
        elif unstable:
            lines.append("  * 95% interval wider than the index: not a stable estimate")
        lines.append("")
    for outcome in result.get("constant_outcomes", []):
        events = result.get("events", {}).get(outcome)
        what = "never occurred in any run" if events == 0 else "is constant over the design"
        lines.append(f"note: {outcome} {what} (no variance to attribute; indices set to 0)")
    for warning in result.get("warnings", []):
        lines.append(warning)
    return "\n".join(lines)
