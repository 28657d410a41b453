"""Scenario discovery with PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010).

Finds boxes of parameter space where a bad outcome concentrates: a point is "of interest"
when its outcome (e.g. war probability over Taiwan) exceeds a threshold; PRIM peels the
box until its density (share of points of interest inside) reaches the target, reporting
coverage (share of all points of interest captured) and density for each step.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError


def discover(points: pd.DataFrame, y: np.ndarray, threshold: float,
             density: float = 0.8) -> dict[str, Any]:
    """Run PRIM on the design points; returns the chosen box with coverage and density.

    Parameters
    ----------
    points : DataFrame
        One column per swept parameter, one row per point.
    y : array
        The outcome per point.
    threshold : float
        Points with ``y > threshold`` are of interest.
    density : float
        PRIM's peeling target (minimum density of the box).
    """
    interest = np.asarray(y) > threshold
    if interest.sum() == 0:
        raise SimError(f"no design point has the outcome above {threshold}; lower --threshold")
    if interest.all():
        raise SimError(f"every design point has the outcome above {threshold}; raise --threshold")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("EMA").setLevel(logging.ERROR)
        from ema_workbench.analysis import prim

        x = points.copy()
        for col in x.columns:
            if x[col].dtype == bool:
                x[col] = x[col].astype("category")
        alg = prim.Prim(x, interest, threshold=density)
        box = alg.find_box()
    chosen = box.peeling_trajectory.iloc[box._cur_box] if hasattr(box, "_cur_box") else None
    limits = box.box_lims[box._cur_box] if hasattr(box, "_cur_box") else box.box_lim
    ranges = {}
    for col in points.columns:
        low, high = limits[col].iloc[0], limits[col].iloc[1]
        if isinstance(low, set):
            ranges[col] = {"values": sorted(low)}
            continue
        full_low, full_high = points[col].min(), points[col].max()
        if np.isclose(low, full_low) and np.isclose(high, full_high):
            continue
        ranges[col] = {"low": float(low), "high": float(high)}
    traj = box.peeling_trajectory
    return {
        "threshold": threshold,
        "points": int(len(points)),
        "points_of_interest": int(interest.sum()),
        "box": ranges,
        "coverage": float(chosen["coverage"]) if chosen is not None else None,
        "density": float(chosen["density"]) if chosen is not None else None,
        "trajectory": traj[["coverage", "density", "mass", "res_dim"]].to_dict("records"),
    }


def format_box(result: dict[str, Any], outcome: str) -> str:
    """Readable description of a PRIM box."""
    lines = [f"PRIM on {outcome} > {result['threshold']}: {result['points_of_interest']} of "
             f"{result['points']} points of interest"]
    lines.append(f"  box: coverage {result['coverage']:.0%}, density {result['density']:.0%}")
    if not result["box"]:
        lines.append("  (no restriction found: the box is the whole space)")
    for name, r in result["box"].items():
        if "values" in r:
            lines.append(f"  {name} in {r['values']}")
        else:
            lines.append(f"  {r['low']:.3g} <= {name} <= {r['high']:.3g}")
    return "\n".join(lines)
