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


def discover(
    points: pd.DataFrame,
    y: np.ndarray,
    threshold: float,
    density: float = 0.8,
    min_coverage: float = 0.5,
) -> dict[str, Any]:
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
        Density target: the chosen box is the most covering one that reaches it.
    min_coverage : float
        If no box reaches the target, the densest box covering at least this share.
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

        x = points.reset_index(drop=True).copy()
        for col in x.columns:
            if x[col].dtype == bool:
                x[col] = x[col].astype("category")
        # peel all the way (threshold 0 keeps PRIM from discarding the trajectory), then
        # choose the step: the most covering box that reaches the density target, else
        # the densest box that still covers at least `min_coverage` of the cases
        alg = prim.Prim(x, interest, threshold=0.0)
        box = alg.find_box()
    traj = pd.DataFrame([_measure(points, interest, lims) for lims in box.box_lims])
    meets = traj.index[traj["density"] >= density]
    if len(meets):
        step = int(traj.loc[meets, "coverage"].idxmax())
        reached = True
    else:
        ok = traj.index[traj["coverage"] >= min_coverage]
        step = int(traj.loc[ok, "density"].idxmax())
        reached = False
    chosen = traj.iloc[step]
    limits = box.box_lims[step]
    ranges: dict[str, dict[str, Any]] = {}
    for col in points.columns:
        low, high = limits[col].iloc[0], limits[col].iloc[1]
        if isinstance(low, set):
            if len(low) < points[col].nunique():
                ranges[col] = {"values": sorted(low)}
            continue
        full_low, full_high = points[col].min(), points[col].max()
        if np.isclose(low, full_low) and np.isclose(high, full_high):
            continue
        ranges[col] = {"low": float(low), "high": float(high)}
    return {
        "threshold": threshold,
        "points": int(len(points)),
        "points_of_interest": int(interest.sum()),
        "box": ranges,
        "coverage": float(chosen["coverage"]),
        "density": float(chosen["density"]),
        "density_target": density,
        "target_reached": reached,
        "trajectory": traj[["coverage", "density", "mass", "res_dim"]].to_dict("records"),
    }


def _measure(points: pd.DataFrame, interest: np.ndarray, lims: pd.DataFrame) -> dict[str, float]:
    """Coverage, density, mass and restricted dimensions of one box, computed directly."""
    inside = np.ones(len(points), dtype=bool)
    restricted = 0
    for col in points.columns:
        low, high = lims[col].iloc[0], lims[col].iloc[1]
        values = points[col].to_numpy()
        if isinstance(low, set):
            keep = np.isin(values, list(low))
        else:
            keep = (values >= low) & (values <= high)
        restricted += int(not keep.all())
        inside &= keep
    n_in = int(inside.sum())
    return {
        "coverage": float(interest[inside].sum() / interest.sum()),
        "density": float(interest[inside].mean()) if n_in else 0.0,
        "mass": n_in / len(points),
        "res_dim": restricted,
    }


def format_box(result: dict[str, Any], outcome: str) -> str:
    """Readable description of a PRIM box."""
    lines = [
        f"PRIM on {outcome} > {result['threshold']}: {result['points_of_interest']} of "
        f"{result['points']} points of interest"
    ]
    lines.append(f"  box: coverage {result['coverage']:.0%}, density {result['density']:.0%}")
    if not result["target_reached"]:
        lines.append(
            f"  (no box reaches density {result['density_target']:.0%}; shown: the "
            "densest box covering at least half the cases)"
        )
    if not result["box"]:
        lines.append("  (no restriction found: the box is the whole space)")
    for name, r in result["box"].items():
        if "values" in r:
            lines.append(f"  {name} in {r['values']}")
        else:
            lines.append(f"  {r['low']:.3g} <= {name} <= {r['high']:.3g}")
    return "\n".join(lines)
