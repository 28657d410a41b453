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


def _groups(values: pd.Series, bins: int = BINS, grid: bool = False) -> pd.Series:
    """Group labels: the value itself for grids and few distinct values, else equal-count bins.

    Values are grouped after rounding to 12 significant digits, so levels that differ only
    in the last bits of a float (0.30000000000000004 and 0.3) are one level, and a grid's
    levels are never merged into bins whatever their number.
    """
    if values.dtype == bool:
        return values
    keys = values.astype(float).map(lambda v: float(f"{v:.12g}"))
    if grid or keys.nunique() <= bins:
        return keys
    ranks = values.rank(method="first")
    return pd.Series(np.ceil(ranks / len(values) * bins).astype(int), index=values.index)


def _is_grid(r: Any) -> bool:
    m = r.manifest
    sampler = m.get("sampler") or (m.get("sweep") or {}).get("sampler")
    return sampler == "grid"


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
        groups = _groups(summary[param], grid=_is_grid(r))
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
    ga, gb = _groups(summary[a], bins, _is_grid(r)), _groups(summary[b], bins, _is_grid(r))
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


def _read_indices(r: Any) -> dict[str, Any]:
    path = r.path / "sensitivity.json"
    if not path.exists():
        raise SimError(f"{r.path}: no sensitivity.json (needs a sobol or morris sweep)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SimError(f"{path}: not valid JSON ({exc})") from None


def sensitivity_indices(r: Any, outcome: str | None = None) -> dict[str, Any]:
    """Return the indices of ``sensitivity.json``, of `outcome` only when given.

    An outcome the file does not hold (``rung5.senkaku``, ``rung5`` for every theatre, an
    expression) is analysed from the sweep's tables as ``sim analyze`` does; one that
    cannot be raises `SimError`.
    """
    result = _read_indices(r)
    if not outcome:
        return result
    if outcome.startswith(("p_", "mean_")):  # a summary column: its measure's name
        outcome = _measure_of(r, outcome)
    theatres = [str(t) for t in r.manifest.get("theatres") or []]
    plain = "." not in outcome and not any(c in outcome for c in " ()<>=!'\"")
    names = [f"{outcome}.{t}" for t in theatres] if plain else [outcome]
    missing = [n for n in names if n not in result["outcomes"]]
    if missing:
        from sim.analysis.sensitivity import analyze_folder

        extra = analyze_folder(
            r.path, r.manifest, r.table("summary"), missing, outcomes_table=lambda: r.outcomes
        )
    else:
        extra = {"outcomes": {}}
    out = {k: v for k, v in result.items() if k not in ("outcomes",)}
    out["outcomes"] = {
        n: result["outcomes"][n] if n in result["outcomes"] else extra["outcomes"][n] for n in names
    }
    for key in ("constant_outcomes", "unstable_outcomes", "warnings"):
        merged = [*result.get(key, []), *extra.get(key, [])]
        out[key] = [x for x in merged if any(n == x or f" {n}:" in x for n in names)]
    out["events"] = {**result.get("events", {}), **extra.get("events", {})}
    return out


def sensitivity_data(r: Any, outcome: str | None = None) -> pd.DataFrame:
    """Read the indices (`sensitivity_indices`) into a tidy table with a ``stable`` column."""
    from sim.analysis.sensitivity import unstable_parameters

    result = sensitivity_indices(r, outcome)
    rows = []
    for name, table in result["outcomes"].items():
        whole = name in result.get("unstable_outcomes", [])
        bad = set(unstable_parameters(result["method"], table, whole))
        for param, idx in table.items():
            rows.append(
                {
                    "method": result["method"],
                    "outcome": name,
                    "parameter": param,
                    **idx,
                    "stable": param not in bad,
                }
            )
    return pd.DataFrame(rows)


def plot_sensitivity(
    results: Sequence[Any], outcome: str | None = None, metric: str | None = None
) -> list[style.Plot]:
    """Sobol S1/ST or Morris mu*/sigma per parameter, one panel per outcome.

    Parameters
    ----------
    results : sequence of Results
        One Sobol or Morris sweep folder.
    outcome, metric : str, optional
        The outcome to draw (``rung5.senkaku``, ``rung5`` for every theatre); default:
        those of ``sensitivity.json``. One it does not hold is analysed first.

    Unstable indices (see `sim.analysis.sensitivity.unstable_parameters`) are drawn pale
    and hatched, their labels end with ``(unstable)``.
    """
    r = results[0]
    asked = outcome or metric
    data = sensitivity_data(r, asked)
    constant: list[str] = []
    for name, d in data.groupby("outcome", sort=False):
        numbers = d.drop(columns=["method", "outcome", "parameter", "stable"]).to_numpy(float)
        if not np.any(numbers):
            constant.append(str(name))
    outcomes = [o for o in dict.fromkeys(data["outcome"]) if o not in constant]
    if not outcomes:
        what = f"{asked} is" if asked else "every analysed outcome is"
        raise SimError(
            f"{r.path}: {what} constant over the design (no variance to attribute; "
            "never occurred or always did)"
        )
    sobol = data["method"].iloc[0] == "sobol"
    fig, axes = style.figure(len(outcomes), 1, width=4.8 * len(outcomes) + 1.5, height=4.8)
    for k, name in enumerate(outcomes):
        ax = axes[0, k]
        d = data[data.outcome == name]
        y = np.arange(len(d))
        pale = [0.35 if not s else 1.0 for s in d["stable"]]
        hatch = ["//" if not s else "" for s in d["stable"]]
        first, second = ("S1", "ST") if sobol else ("mu_star", "sigma")
        bars = ax.barh(
            y + 0.2,
            d[first],
            0.4,
            xerr=d[f"{first}_conf"],
            color=style.colour(0),
            label="first order S1" if sobol else "mu* (mean |elementary effect|)",
            capsize=2,
        )
        bars2 = ax.barh(
            y - 0.2,
            d[second],
            0.4,
            xerr=d["ST_conf"] if sobol else None,
            color=style.colour(1),
            label="total ST" if sobol else "sigma",
            capsize=2,
        )
        for group in (bars, bars2):
            for bar, alpha, h in zip(group, pale, hatch, strict=True):
                bar.set_alpha(alpha)
                bar.set_hatch(h)
        if sobol:
            ax.set_xlabel("Sobol index (share of variance)")
            ax.set_xlim(-0.25, 1.25)
        else:
            ax.set_xlabel("elementary effect (outcome per unit range)")
        labels = [
            style.short(param_label(p), 28) + ("" if s else " (unstable)")
            for p, s in zip(d["parameter"], d["stable"], strict=True)
        ]
        ax.set_yticks(y, labels)
        ax.axvline(0, color="black", linewidth=0.8)
        title = outcome_label(str(name))
        if not d["stable"].any():
            title += " — unstable"
        ax.set_title(title, loc="left")
    legend = axes[0, 0].get_legend_handles_labels()
    note = (
        "Whiskers: 95% bootstrap intervals (clipped to the axis); "
        f"{r.manifest.get('runs_per_point')} runs per design point; pale hatched bars: "
        "unstable (interval wider than the index, or fewer than 20 runs with the outcome)"
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
    slug = "" if not asked else "-" + re.sub(r"[^\w.-]+", "-", asked).strip("-")
    return [style.Plot(f"sensitivity{slug}", fig, data)]
