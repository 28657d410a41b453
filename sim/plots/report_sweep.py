"""The body of ``sim report`` for a sweep folder.

Design, outcomes across the design points, response curves (and a heatmap for two or more
parameters), sensitivity indices with their intervals (Sobol or Morris designs; with a
warning when the sample is too small for stable indices) and PRIM boxes where the outcome
concentrates.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.outcome_names import MEASURES
from sim.errors import SimError
from sim.plots import style
from sim.plots.html import escape as _e
from sim.plots.html import figures_html as _figures_html
from sim.plots.html import table as _table
from sim.plots.sweep import (
    DEFAULT_ORDER,
    default_outcome,
    param_label,
    plot_heatmap,
    plot_response,
    plot_sensitivity,
)


def _fmt(column: str, v: float) -> str:
    return f"{v:.1%}" if column.startswith("p_") else f"{v:.2f}"


def design_html(r: Any) -> str:
    """Render the design: sampler, points, runs per point, swept ranges, fixed overrides."""
    m = r.manifest
    points = r.table("points")
    rows = []
    for p in m.get("swept", []):
        v = points[p]
        levels = v.nunique()
        rows.append(
            [param_label(p), p, f"{v.min():.3g} to {v.max():.3g}", f"{levels:,} distinct values"]
        )
    overrides = ", ".join(m.get("overrides") or []) or "none"
    return (
        "<h2>Design</h2>"
        f"<p>{_e(m.get('sampler'))} design: {len(points):,} points × "
        f"{_e(m.get('runs_per_point'))} runs per point. Fixed overrides: {_e(overrides)}.</p>"
        + _table(["parameter", "path", "range", "levels"], rows)
    )


def outcomes_html(summary: pd.DataFrame) -> str:
    """Render the spread of each outcome across design points, per theatre."""
    rows = []
    for theatre, g in summary.groupby("theatre", sort=False):
        for name in DEFAULT_ORDER:
            col = MEASURES[name].column
            if col is None or col not in g:
                continue
            v = g[col]
            rows.append(
                [
                    theatre,
                    f"{MEASURES[name].label} ({name}.{theatre})",
                    _fmt(col, float(v.min())),
                    _fmt(col, float(v.median())),
                    _fmt(col, float(v.max())),
                    "yes" if np.ptp(v) > 0 else "no",
                ]
            )
    return "<h2>Outcomes across the design points</h2>" + _table(
        ["theatre", "outcome", "lowest", "median", "highest", "varies"], rows
    )


def sensitivity_html(r: Any) -> str:
    """Render the sensitivity indices with their 95% intervals and stability warnings."""
    from sim.analysis.sensitivity import stability_warning, unstable_parameters

    path = r.path / "sensitivity.json"
    if not path.exists():
        return ""
    try:
        result = json.loads(path.read_text())
    except json.JSONDecodeError:
        return "<h2>Sensitivity</h2><p>sensitivity.json is not valid JSON.</p>"
    method = result.get("method", "?")
    parts = [
        "<h2>Sensitivity</h2>",
        f"<p>{_e(method.title())} indices, 95% bootstrap intervals (±), "
        f"{_e(result.get('runs_per_point'))} runs per point. Recompute for other outcomes "
        f"with <code>sim analyze {_e(r.path)} --outcome rung5.THEATRE</code>.</p>",
    ]
    constant = set(result.get("constant_outcomes", []))
    for outcome, table in result.get("outcomes", {}).items():
        title = f"<h3>{_e(outcome)}</h3>"
        if outcome in constant:
            never = result.get("events", {}).get(outcome) == 0
            what = "Never occurred in any run" if never else "Constant over the design"
            parts.append(title + f"<p>{what}: no variance to attribute.</p>")
            continue
        whole = outcome in result.get("unstable_outcomes", [])
        bad = set(unstable_parameters(method, table, whole))
        if method == "sobol":
            header = ["parameter", "first order S1", "total ST", "stable"]
            rows = [
                [
                    param_label(p),
                    f"{t['S1']:.3f} ± {t['S1_conf']:.3f}",
                    f"{t['ST']:.3f} ± {t['ST_conf']:.3f}",
                    "no" if p in bad else "yes",
                ]
                for p, t in table.items()
            ]
        else:
            header = ["parameter", "mu*", "sigma", "stable"]
            rows = [
                [
                    param_label(p),
                    f"{t['mu_star']:.4f} ± {t['mu_star_conf']:.4f}",
                    f"{t['sigma']:.4f}",
                    "no" if p in bad else "yes",
                ]
                for p, t in table.items()
            ]
        parts.append(title + _table(header, rows))
        for warning in result.get("warnings", []):
            if warning.startswith(f"warning: {outcome}:"):
                parts.append(f'<p class="q">{_e(warning)}</p>')
        if not any(w.startswith(f"warning: {outcome}:") for w in result.get("warnings", [])):
            warning = stability_warning(outcome, method, table)
            if warning:
                parts.append(f'<p class="q">{_e(warning)}</p>')
    return "".join(parts)


def prim_html(r: Any, summary: pd.DataFrame, outcome: str) -> str:
    """Render PRIM boxes (one per theatre) where `outcome` is above its median."""
    from sim.analysis.discovery import discover
    from sim.analysis.outcome_names import outcome_vector

    points = r.table("points").sort_values("point_id").drop(columns=["point_id"])
    parts = [
        "<h2>Where the outcome concentrates (PRIM)</h2>",
        f"<p>Boxes of parameter space where {_e(MEASURES[outcome].label)} is above its median "
        "over the design points (Friedman &amp; Fisher 1999), per theatre; "
        f"<code>sim discover {_e(r.path)} --outcome {_e(outcome)}.THEATRE</code> for "
        "other thresholds.</p>",
    ]
    for theatre in dict.fromkeys(summary["theatre"]):
        name = f"{outcome}.{theatre}"
        y = outcome_vector(summary, name)
        threshold = float(np.median(y))
        try:
            box = discover(points, y, threshold)
        except (SimError, ImportError, ValueError) as exc:
            parts.append(f"<h3>{_e(theatre)}</h3><p>No box: {_e(exc)}</p>")
            continue
        rows = []
        for p, lim in box["box"].items():
            rng = (
                ", ".join(str(v) for v in lim["values"])
                if "values" in lim
                else f"{lim['low']:.3g} to {lim['high']:.3g}"
            )
            rows.append([param_label(p), rng])
        text = (
            f"{box['points_of_interest']} of {box['points']} points have {name} above "
            f"{threshold:.3g}; the box holds {box['coverage']:.0%} of them (coverage) and "
            f"{box['density']:.0%} of its points are of interest (density)"
        )
        if not box["target_reached"]:
            text += f"; no box reaches the density target {box['density_target']:.0%}"
        parts.append(f"<h3>{_e(theatre)}</h3><p>{_e(text)}.</p>")
        parts.append(
            _table(["parameter", "range in the box"], rows)
            if rows
            else "<p>(no restriction: the box is the whole space)</p>"
        )
    return "".join(parts)


def sweep_body(r: Any) -> list[str]:
    """Return the HTML sections of a sweep report (after the head and the findings)."""
    summary = r.table("summary")
    outcome = default_outcome(summary)
    label = MEASURES[outcome].label
    plots: list[style.Plot] = list(plot_response([r], outcome=outcome))
    if len(r.manifest.get("swept", [])) >= 2:
        plots += plot_heatmap([r], outcome=outcome)
    captions = {
        "response": f"Response of {label} to each swept parameter (the first outcome that "
        "varies across the design points), pooled over points; band: 95% Wilson interval.",
        "heatmap": f"{label} over the first two swept parameters; cells show the value and "
        "the count.",
        "sensitivity": "Sensitivity indices with 95% bootstrap intervals.",
    }
    if (r.path / "sensitivity.json").exists():
        try:
            plots += plot_sensitivity([r])
        except SimError:
            pass
    body = [
        design_html(r),
        outcomes_html(summary),
        "<h2>Figures</h2>",
        *_figures_html(r, plots, captions),
        sensitivity_html(r),
        prim_html(r, summary, outcome),
    ]
    return body
