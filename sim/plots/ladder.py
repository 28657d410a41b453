"""Distribution of the highest rung reached per theatre, rungs named in words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.intervals import wilson
from sim.plots import style
from sim.plots.common import theatres
from sim.scenario.schema import RUNG_NAMES


def ladder_data(results: Sequence[Any], level: float = 0.95) -> pd.DataFrame:
    """Share of runs whose highest rung is each rung, per (scenario, theatre).

    Columns ``scenario, theatre, rung, rung_name, runs, count, share, low, high``
    (Wilson intervals); one row for every rung 0-8, zeros included.
    """
    rows = []
    for label, r in zip(style.scenario_labels(results), results, strict=True):
        o = r.outcomes
        for th, g in o.groupby("theatre", sort=False):
            n = len(g)
            counts = np.bincount(g["max_rung"].to_numpy(dtype=int), minlength=len(RUNG_NAMES))
            lo, hi = wilson(counts, n, level)
            for rung, c in enumerate(counts):
                rows.append(
                    {
                        "scenario": label,
                        "theatre": th,
                        "rung": rung,
                        "rung_name": RUNG_NAMES[rung],
                        "runs": n,
                        "count": int(c),
                        "share": c / n,
                        "low": float(lo[rung]),
                        "high": float(hi[rung]),
                    }
                )
    return pd.DataFrame(rows)


def plot_ladder(results: Sequence[Any]) -> list[style.Plot]:
    """Horizontal bars of the highest-rung distribution, one panel per theatre."""
    data = ladder_data(results)
    ths = theatres(results)
    labels = style.scenario_labels(results)
    ns = len(labels)
    nr = len(RUNG_NAMES)
    fig, axes = style.figure(
        ncols=len(ths), width=2.2 + 3.3 * len(ths), height=4.4 + 0.25 * ns, sharey=True
    )
    height = 0.8 / ns
    for j, th in enumerate(ths):
        ax = axes[0, j]
        for i, label in enumerate(labels):
            d = data[(data.scenario == label) & (data.theatre == th)].set_index("rung")
            if d.empty:
                continue
            d = d.reindex(range(nr))
            y = np.arange(nr) + (i - (ns - 1) / 2) * height
            s, lo, hi = (d[c].to_numpy(dtype=float) for c in ("share", "low", "high"))
            ax.barh(
                y,
                s,
                height * 0.92,
                color=style.colour(i),
                label=style.short(label, 60) if j == 0 else None,
            )
            shown = s > 0
            ax.errorbar(
                s[shown],
                y[shown],
                xerr=style.err(s[shown], lo[shown], hi[shown]),
                fmt="none",
                ecolor="black",
                elinewidth=0.8,
                capsize=2,
            )
            if ns == 1:
                for yi, si, hii in zip(y, s, hi, strict=True):
                    if si > 0:
                        ax.text(hii + 0.02, yi, style.fmt_pct(si), va="center", fontsize=8)
        ax.set_title(f"theatre: {th}")
        ax.set_xlim(0, 1.12 if ns == 1 else 1.0)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        style.percent_axis(ax, "x")
        ax.set_xlabel("share of runs")
        ax.grid(axis="y", visible=False)
        ax.axhline(5.5, color=style.GREY, lw=0.8, ls=":")
    ax0 = axes[0, 0]
    ax0.set_yticks(range(nr), [style.rung_label(k) for k in range(nr)])
    ax0.set_ylim(nr - 0.5, -0.5)
    ax0.set_ylabel("highest rung reached")
    note = (
        "Highest rung reached in each run; whiskers: 95% Wilson intervals; "
        "dotted line: war threshold (rung 6)"
    )
    legend = ax0.get_legend_handles_labels() if ns > 1 else None
    style.finish(
        fig, results, note, title="Highest rung of the escalation ladder reached", legend=legend
    )
    return [style.Plot("ladder", fig, data)]
