"""Sweep figures: response curves, two-parameter heatmaps, sensitivity indices.

All three read ``summary.parquet`` (per point and theatre) of a sweep folder. The outcome
is a column of that table (``--metric``: ``p_war`` by default, or ``p_rung_ge4``,
``p_rung_ge5``, ``p_holder_changed``, ``mean_max_rung``, ``p_joined_<ALLIANCE>``).
Probabilities are pooled over the points that share a parameter value (grids) or fall in
the same bin (continuous designs: ten equal-count bins), and their 95% intervals are
Wilson intervals on the pooled runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.intervals import wilson
from sim.errors import SimError
from sim.plots import style

BINS = 10


def _summary(r: Any, metric: str) -> tuple[pd.DataFrame, list[str]]:
    if r.manifest.get("kind") != "sweep":
        raise SimError(f"{r.path}: sweep figures need a sweep folder")
    summary = r.table("summary")
    if metric not in summary.columns or metric in ("point_id", "theatre", "runs"):
        choices = [c for c in summary.columns if c.startswith(("p_", "mean_"))]
        raise SimError(f"unknown --metric {metric!r} for a sweep; choose from {', '.join(choices)}")
    return summary, list(r.manifest["swept"])


def _groups(values: pd.Series, bins: int = BINS) -> pd.Series:
    """Group labels: the value itself for few distinct values (grids), else equal-count bins."""
    if values.nunique() <= BINS or values.dtype == bool:
        return values
    ranks = values.rank(method="first")
    return pd.Series(np.ceil(ranks / len(values) * bins).astype(int), index=values.index)


def response_data(r: Any, metric: str = "p_war") -> pd.DataFrame:
    """Pooled outcome per (parameter, group, theatre): x (mean value), value, low, high."""
    summary, params = _summary(r, metric)
    rows = []
    probability = metric.startswith("p_")
    for param in params:
        groups = _groups(summary[param])
        for (theatre, g), part in summary.groupby([summary["theatre"], groups], sort=True):
            runs = int(part["runs"].sum())
            x = float(part[param].astype(float).mean())
            if probability:
                hits = float((part[metric] * part["runs"]).sum())
                lo, hi = wilson(round(hits), runs)
                value = hits / runs
                low, high = float(lo), float(hi)
            else:
                value = float((part[metric] * part["runs"]).sum() / runs)
                low = high = float("nan")
            rows.append(
                {
                    "parameter": param,
                    "group": g,
                    "theatre": theatre,
                    "x": x,
                    "points": len(part),
                    "runs": runs,
                    "value": value,
                    "low": low,
                    "high": high,
                }
            )
    return pd.DataFrame(rows)


def plot_response(results: Sequence[Any], metric: str = "p_war") -> list[style.Plot]:
    """Outcome against each swept parameter, one panel per parameter, a line per theatre."""
    r = results[0]
    data = response_data(r, metric)
    params = list(r.manifest["swept"])
    ncols = min(len(params), 3)
    nrows = int(np.ceil(len(params) / ncols))
    fig, axes = style.figure(ncols, nrows, width=max(7.0, 4.6 * ncols), height=3.6 * nrows + 1.0)
    theatres = list(dict.fromkeys(data["theatre"]))
    for i, param in enumerate(params):
        ax = axes[i // ncols, i % ncols]
        for j, theatre in enumerate(theatres):
            d = data[(data.parameter == param) & (data.theatre == theatre)].sort_values("x")
            ax.plot(d["x"], d["value"], marker="o", color=style.colour(j), label=theatre)
            if metric.startswith("p_"):
                ax.fill_between(
                    d["x"], d["low"], d["high"], color=style.colour(j), alpha=0.2, linewidth=0
                )
        ax.set_xlabel(param)
        ax.set_ylabel(metric)
        if metric.startswith("p_"):
            style.percent_axis(ax)
            ax.set_ylim(bottom=0)
    for i in range(len(params), nrows * ncols):
        axes[i // ncols, i % ncols].set_visible(False)
    legend = axes[0, 0].get_legend_handles_labels()
    style.finish(
        fig,
        results,
        f"{metric} pooled over points with the same value (or in the "
        "same tenth of the range); band: 95% Wilson interval",
        title=f"Response of {metric} to the swept parameters",
        legend=legend,
        legend_cols=max(1, len(theatres)),
    )
    return [style.Plot(f"response-{metric}", fig, data)]


def heatmap_data(r: Any, metric: str = "p_war") -> pd.DataFrame:
    """Mean outcome per (theatre, group of the first parameter, group of the second)."""
    summary, params = _summary(r, metric)
    if len(params) < 2:
        raise SimError("a heatmap needs a sweep of at least two parameters")
    a, b = params[:2]
    # about four design points per cell for continuous designs (an LHS of P points gives
    # sqrt(P / 4) bins per axis); grids keep their levels
    points = summary["point_id"].nunique()
    bins = int(np.clip(np.sqrt(points / 4.0), 2, BINS))
    ga, gb = _groups(summary[a], bins), _groups(summary[b], bins)
    rows = []
    for (theatre, i, j), part in summary.groupby([summary["theatre"], ga, gb], sort=True):
        runs = int(part["runs"].sum())
        rows.append(
            {
                "theatre": theatre,
                "x": float(part[a].astype(float).mean()),
                "y": float(part[b].astype(float).mean()),
                "gx": i,
                "gy": j,
                "runs": runs,
                "value": float((part[metric] * part["runs"]).sum() / runs),
            }
        )
    return pd.DataFrame(rows)


def plot_heatmap(results: Sequence[Any], metric: str = "p_war") -> list[style.Plot]:
    """Outcome over the first two swept parameters, one panel per theatre."""
    r = results[0]
    data = heatmap_data(r, metric)
    a, b = r.manifest["swept"][:2]
    theatres = list(dict.fromkeys(data["theatre"]))
    fig, axes = style.figure(len(theatres), 1, width=5.0 * len(theatres) + 0.6, height=5.0)
    top = float(data["value"].max()) or 1.0
    for k, theatre in enumerate(theatres):
        ax = axes[0, k]
        d = data[data.theatre == theatre]
        grid = d.pivot_table(index="gy", columns="gx", values="value")
        xs = d.groupby("gx")["x"].mean().reindex(grid.columns)
        ys = d.groupby("gy")["y"].mean().reindex(grid.index)
        mesh = ax.imshow(
            grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=top
        )
        ax.set_xticks(range(len(xs)), [f"{v:.2g}" for v in xs], rotation=45)
        ax.set_yticks(range(len(ys)), [f"{v:.2g}" for v in ys])
        ax.set_xlabel(a)
        ax.set_ylabel(b)
        ax.set_title(theatre, loc="left")
        ax.grid(False)
        fig.colorbar(mesh, ax=ax, label=metric)
    style.finish(
        fig,
        results,
        f"Cells: {metric} pooled over the points in each cell",
        title=f"{metric} over {a} and {b}",
    )
    return [style.Plot(f"heatmap-{metric}", fig, data)]


def sensitivity_data(r: Any) -> pd.DataFrame:
    """Read the indices of ``sensitivity.json`` into a tidy table."""
    path = r.path / "sensitivity.json"
    if not path.exists():
        raise SimError(f"{r.path}: no sensitivity.json (needs a sobol or morris sweep)")
    try:
        result = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SimError(f"{path}: not valid JSON ({exc})") from None
    rows = []
    for outcome, table in result["outcomes"].items():
        for param, idx in table.items():
            rows.append({"method": result["method"], "outcome": outcome, "parameter": param, **idx})
    return pd.DataFrame(rows)


def plot_sensitivity(results: Sequence[Any]) -> list[style.Plot]:
    """Sobol S1/ST or Morris mu*/sigma per parameter, one panel per outcome."""
    r = results[0]
    data = sensitivity_data(r)
    constant: list[str] = []
    for outcome, d in data.groupby("outcome", sort=False):
        numbers = d.drop(columns=["method", "outcome", "parameter"]).to_numpy(dtype=float)
        if not np.any(numbers):
            constant.append(str(outcome))
    outcomes = [o for o in dict.fromkeys(data["outcome"]) if o not in constant]
    if not outcomes:
        raise SimError(
            f"{r.path}: every analysed outcome is constant over the design "
            "(no variance to attribute)"
        )
    sobol = data["method"].iloc[0] == "sobol"
    fig, axes = style.figure(len(outcomes), 1, width=4.8 * len(outcomes) + 1.5, height=4.8)
    for k, outcome in enumerate(outcomes):
        ax = axes[0, k]
        d = data[data.outcome == outcome]
        y = np.arange(len(d))
        if sobol:
            ax.barh(
                y + 0.2,
                d["S1"],
                0.4,
                xerr=d["S1_conf"],
                color=style.colour(0),
                label="first order S1",
                capsize=2,
            )
            ax.barh(
                y - 0.2,
                d["ST"],
                0.4,
                xerr=d["ST_conf"],
                color=style.colour(1),
                label="total ST",
                capsize=2,
            )
            ax.set_xlabel("Sobol index (share of variance)")
            ax.set_xlim(-0.25, 1.25)
        else:
            ax.barh(
                y + 0.2,
                d["mu_star"],
                0.4,
                xerr=d["mu_star_conf"],
                color=style.colour(0),
                label="mu* (mean |elementary effect|)",
                capsize=2,
            )
            ax.barh(y - 0.2, d["sigma"], 0.4, color=style.colour(1), label="sigma")
            ax.set_xlabel("elementary effect (outcome per unit range)")
        ax.set_yticks(y, [style.short(p, 28) for p in d["parameter"]])
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_title(outcome, loc="left")
    legend = axes[0, 0].get_legend_handles_labels()
    note = (
        "Whiskers: 95% bootstrap intervals (clipped to the axis); "
        f"{r.manifest.get('runs_per_point')} runs per design point"
    )
    if constant:
        note += f"; not shown, constant over the design: {', '.join(constant)}"
    style.finish(
        fig,
        results,
        note,
        title="Sensitivity of outcomes to the swept parameters",
        legend=legend,
        legend_cols=2,
    )
    return [style.Plot("sensitivity", fig, data)]
