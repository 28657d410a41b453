"""Sweep figures: response curves, two-parameter heatmaps, sensitivity indices.

All three read ``summary.parquet`` (per point and theatre) of a sweep folder. The outcome
is named as everywhere else (`sim.analysis.outcome_names`): a measure for every theatre
(``--outcome rung5``) or ``MEASURE.THEATRE`` for one (``--outcome war.taiwan``); by default
the first of war, rung5, rung4, lost, max_rung that varies across the design points.
Summary column names (``p_war``...) are accepted too.
Probabilities are pooled over the points that share a parameter value (grids) or fall in
the same bin (continuous designs: ten equal-count bins), and their 95% intervals are
Wilson intervals on the pooled runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.intervals import wilson
from sim.analysis.outcome_names import measure, outcome_label, parse_outcome
from sim.errors import SimError
from sim.plots import style

BINS = 10
DEFAULT_ORDER = ("war", "rung5", "rung4", "lost", "max_rung")
"""Measures tried, in order, for the default sweep outcome: the first that varies."""


def param_label(path: str) -> str:
    """Return a readable label of a parameter path: ``war cost (model.crisis)``."""
    head, _, last = path.rpartition(".")
    words = last.replace("_usd_bn", " (USD bn)").replace("_", " ")
    return f"{words} ({head})" if head else words


def _check_sweep(r: Any) -> pd.DataFrame:
    if r.manifest.get("kind") != "sweep":
        raise SimError(f"{r.path}: sweep figures need a sweep folder")
    return r.table("summary")


def _column_of(summary: pd.DataFrame, name: str) -> tuple[str, str | None]:
    """Return (summary column, theatre or None) for an outcome or a measure or a column."""
    if name in summary.columns and name not in ("point_id", "theatre", "runs"):
        return name, None
    if "." in name:
        o = parse_outcome(name, summary["theatre"].unique())
        column, theatre = o.column, o.theatre
    else:
        column, theatre = measure(name).column, None
    if column is None or column not in summary.columns:
        choices = [m for m in (*DEFAULT_ORDER, "crisis") if measure(m).column in summary.columns]
        raise SimError(
            f"outcome {name!r} is not in this sweep's summary; choose from {', '.join(choices)} "
            "(optionally .THEATRE)"
        )
    return column, theatre


def default_outcome(summary: pd.DataFrame) -> str:
    """Return the first measure of `DEFAULT_ORDER` that varies across design points."""
    for name in DEFAULT_ORDER:
        col = measure(name).column
        if col is not None and col in summary.columns:
            spread = summary.groupby("theatre")[col].agg(lambda v: float(np.ptp(v)))
            if (spread > 0).any():
                return name
    return "war"


def resolve_outcome(
    r: Any, outcome: str | None = None, metric: str | None = None
) -> tuple[pd.DataFrame, str, str | None, str]:
    """Return (summary rows, column, theatre or None, label) of a sweep outcome.

    Parameters
    ----------
    r : Results
        A sweep folder.
    outcome : str, optional
        ``MEASURE``, ``MEASURE.THEATRE`` or a summary column; default: the first measure
        that varies across the design points.
    metric : str, optional
        Same as `outcome` (the older name of the option).
    """
    summary = _check_sweep(r)
    name = outcome or metric or default_outcome(summary)
    try:
        column, theatre = _column_of(summary, name)
    except SimError:
        summary, column, theatre = _from_outcomes(r, summary, name)
    label = outcome_label(column)
    if theatre is not None:
        summary = summary[summary["theatre"] == theatre]
        if f".{theatre}" not in label:
            label = f"{label} in {theatre}"
    return summary, column, theatre, label


def _from_outcomes(
    r: Any, summary: pd.DataFrame, name: str
) -> tuple[pd.DataFrame, str, str | None]:
    """Add an outcome the summary does not hold, averaged per point from outcomes.parquet.

    For ``MEASURE`` (every theatre), ``MEASURE.THEATRE`` or an expression of the outcome
    vocabulary; returns (summary with the new column, column, theatre or None).
    """
    from sim.analysis.outcome_names import parse_outcome, point_values

    theatres = [str(t) for t in summary["theatre"].unique()]
    plain = "." not in name and not any(c in name for c in " ()<>=!'\"")
    outcomes = (
        [parse_outcome(f"{name}.{t}", theatres, "--outcome") for t in theatres]
        if plain
        else [parse_outcome(name, theatres, "--outcome")]
    )
    first = outcomes[0]
    if first.tree is None:
        assert first.measure is not None
        column = first.column or f"{'p' if first.is_probability else 'mean'}_{first.measure.name}"
    else:
        column = first.name
    summary = summary.copy()
    summary[column] = np.nan
    table = r.outcomes
    points = np.sort(summary["point_id"].unique())
    for o in outcomes:
        values = pd.Series(point_values(table, o, points), index=points)
        rows = summary["theatre"] == (o.theatre or o.theatres[0])
        summary.loc[rows, column] = summary.loc[rows, "point_id"].map(values).to_numpy()
    theatre = None if plain else (first.theatre or first.theatres[0])
    return summary, column, theatre


def _summary(r: Any, metric: str) -> tuple[pd.DataFrame, list[str]]:
    summary, column, _, _ = resolve_outcome(r, metric)
    return summary, list(r.manifest["swept"])


def _groups(values: pd.Series, bins: int = BINS) -> pd.Series:
    """Group labels: the value itself for few distinct values (grids), else equal-count bins."""
    if values.nunique() <= BINS or values.dtype == bool:
        return values
    ranks = values.rank(method="first")
    return pd.Series(np.ceil(ranks / len(values) * bins).astype(int), index=values.index)


def response_data(r: Any, metric: str | None = None) -> pd.DataFrame:
    """Pooled outcome per (parameter, group, theatre): x (mean value), value, low, high.

    `metric` is an outcome (``war``, ``rung5.taiwan``) or a summary column (``p_war``);
    default: the first outcome that varies across the points.
    """
    summary, metric, _, _ = resolve_outcome(r, metric)
    params = list(r.manifest["swept"])
    rows = []
    probability = metric.startswith("p_")
    for param in params:
        groups = _groups(summary[param])
        for (theatre, g), part in summary.groupby([summary["theatre"], groups], sort=True):
            runs = int(part["runs"].sum())
            x = float(part[param].astype(float).mean())
            hits = float((part[metric] * part["runs"]).sum())
            if probability:
                lo, hi = wilson(round(hits), runs)
                value = hits / runs
                low, high = float(lo), float(hi)
            else:
                value = hits / runs
                low = high = float("nan")
            rows.append(
                {
                    "parameter": param,
                    "group": g,
                    "theatre": theatre,
                    "x": x,
                    "points": len(part),
                    "runs": runs,
                    "hits": round(hits) if probability else None,
                    "value": value,
                    "low": low,
                    "high": high,
                }
            )
    return pd.DataFrame(rows)


def plot_response(
    results: Sequence[Any], metric: str | None = None, outcome: str | None = None
) -> list[style.Plot]:
    """Outcome against each swept parameter, one panel per parameter, a line per theatre.

    Parameters
    ----------
    results : sequence of Results
        One sweep folder.
    metric, outcome : str, optional
        The outcome (``war``, ``rung5.taiwan``, or a summary column); default: the first
        outcome that varies across the design points.
    """
    r = results[0]
    _, column, _, label = resolve_outcome(r, outcome, metric)
    data = response_data(r, outcome or metric or _measure_of(r, column))
    probability = column.startswith("p_")
    params = list(r.manifest["swept"])
    ncols = min(len(params), 3)
    nrows = int(np.ceil(len(params) / ncols))
    fig, axes = style.figure(ncols, nrows, width=max(7.0, 4.6 * ncols), height=3.6 * nrows + 1.2)
    theatres = list(dict.fromkeys(data["theatre"]))
    for i, param in enumerate(params):
        ax = axes[i // ncols, i % ncols]
        for j, theatre in enumerate(theatres):
            d = data[(data.parameter == param) & (data.theatre == theatre)].sort_values("x")
            ax.plot(d["x"], d["value"], marker="o", color=style.colour(j), label=theatre)
            if probability:
                ax.fill_between(
                    d["x"], d["low"], d["high"], color=style.colour(j), alpha=0.2, linewidth=0
                )
        ax.set_xlabel(style.short(param_label(param), 40))
        ax.set_ylabel(label)
        if probability:
            style.percent_axis(ax)
            ax.set_ylim(bottom=0)
    for i in range(len(params), nrows * ncols):
        axes[i // ncols, i % ncols].set_visible(False)
    legend = axes[0, 0].get_legend_handles_labels()
    band = "; band: 95% Wilson interval" if probability else ""
    style.finish(
        fig,
        results,
        f"{label} pooled over the points with the same value (or in the same tenth of the "
        f"range); runs per point: {r.manifest.get('runs_per_point')}{band}",
        title=f"Response of {label} to the swept parameters",
        legend=legend,
        legend_cols=max(1, len(theatres)),
    )
    return [style.Plot(f"response-{_measure_of(r, column)}", fig, data)]


def _measure_of(r: Any, column: str) -> str:
    """Return the measure name of a summary column (the column itself if none)."""
    from sim.analysis.outcome_names import MEASURES

    for name, m in MEASURES.items():
        if m.column == column:
            return name
    return re.sub(r"[^\w.-]+", "-", column).strip("-")


def heatmap_data(r: Any, metric: str | None = None) -> pd.DataFrame:
    """Pooled outcome per (theatre, group of the first parameter, group of the second).

    Columns ``theatre, x, y, gx, gy, points, runs, hits, value`` (``hits``: runs with the
    outcome, for probabilities).
    """
    summary, metric, _, _ = resolve_outcome(r, metric)
    params = list(r.manifest["swept"])
    if len(params) < 2:
        raise SimError("a heatmap needs a sweep of at least two parameters")
    a, b = params[:2]
    # about four design points per cell for continuous designs (an LHS of P points gives
    # sqrt(P / 4) bins per axis); grids keep their levels
    points = summary["point_id"].nunique()
    bins = int(np.clip(np.sqrt(points / 4.0), 2, BINS))
    ga, gb = _groups(summary[a], bins), _groups(summary[b], bins)
    probability = metric.startswith("p_")
    rows = []
    for (theatre, i, j), part in summary.groupby([summary["theatre"], ga, gb], sort=True):
        runs = int(part["runs"].sum())
        total = float((part[metric] * part["runs"]).sum())
        rows.append(
            {
                "theatre": theatre,
                "x": float(part[a].astype(float).mean()),
                "y": float(part[b].astype(float).mean()),
                "gx": i,
                "gy": j,
                "points": len(part),
                "runs": runs,
                "hits": round(total) if probability else None,
                "value": total / runs,
            }
        )
    return pd.DataFrame(rows)


def _cell_text(value: float, runs: int, hits: Any, probability: bool) -> str:
    if probability:
        return f"{style.fmt_pct(value)}\n{int(hits):,}/{runs:,}"
    return f"{value:.2g}\nn={runs:,}"


def plot_heatmap(
    results: Sequence[Any], metric: str | None = None, outcome: str | None = None
) -> list[style.Plot]:
    """Outcome over the first two swept parameters, one panel per theatre.

    Each cell shows its value and its count (runs with the outcome / runs, or the runs).
    """
    r = results[0]
    _, column, _, label = resolve_outcome(r, outcome, metric)
    data = heatmap_data(r, outcome or metric or _measure_of(r, column))
    probability = column.startswith("p_")
    a, b = r.manifest["swept"][:2]
    theatres = list(dict.fromkeys(data["theatre"]))
    fig, axes = style.figure(len(theatres), 1, width=5.4 * len(theatres) + 0.6, height=5.4)
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
        cols, rows = list(grid.columns), list(grid.index)
        small = len(cols) * len(rows) > 36
        for rec in d.itertuples():
            text = _cell_text(rec.value, rec.runs, rec.hits, probability)
            ax.text(
                cols.index(rec.gx),
                rows.index(rec.gy),
                text,
                ha="center",
                va="center",
                fontsize=6.5 if small else 8,
                color="black" if rec.value > 0.6 * top else "white",
            )
        ax.set_xticks(range(len(xs)), [f"{v:.2g}" for v in xs], rotation=45)
        ax.set_yticks(range(len(ys)), [f"{v:.2g}" for v in ys])
        ax.set_xlabel(style.short(param_label(a), 40))
        ax.set_ylabel(style.short(param_label(b), 40))
        ax.set_title(theatre, loc="left")
        ax.grid(False)
        cbar = fig.colorbar(mesh, ax=ax, label=label)
        if probability:
            from matplotlib.ticker import PercentFormatter

            cbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=1))
    count = "runs with the outcome / runs" if probability else "n = runs"
    style.finish(
        fig,
        results,
        f"Cells: {label} pooled over the design points in each cell, with the count ({count})",
        title=f"{label} over {param_label(a)} and {param_label(b)}",
    )
    return [style.Plot(f"heatmap-{_measure_of(r, column)}", fig, data)]


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
        ax.set_yticks(y, [style.short(param_label(p), 28) for p in d["parameter"]])
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_title(outcome_label(str(outcome)), loc="left")
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
