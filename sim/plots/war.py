"""P(war) per theatre with 95% Wilson intervals (one or several scenarios)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.intervals import wilson
from sim.plots import style
from sim.plots.common import theatres


def war_data(results: Sequence[Any], level: float = 0.95) -> pd.DataFrame:
    """P(war) per (scenario, theatre): ``scenario, theatre, runs, wars, p, low, high``.

    ``p`` is the mean of the outcomes' ``war`` column; the interval is Wilson's.
    """
    rows = []
    labels = style.scenario_labels(results)
    for label, r in zip(labels, results, strict=True):
        o = r.outcomes
        g = o.groupby("theatre", sort=False)["war"].agg(["sum", "count", "mean"])
        for th in g.index:
            k, n = int(g.loc[th, "sum"]), int(g.loc[th, "count"])
            lo, hi = wilson(k, n, level)
            rows.append(
                {
                    "scenario": label,
                    "theatre": th,
                    "runs": n,
                    "wars": k,
                    "p": float(g.loc[th, "mean"]),
                    "low": float(lo),
                    "high": float(hi),
                }
            )
    return pd.DataFrame(rows)


def plot_war(results: Sequence[Any]) -> list[style.Plot]:
    """Bar chart of P(war) per theatre, one bar per scenario, with 95% Wilson intervals."""
    data = war_data(results)
    ths = theatres(results)
    labels = style.scenario_labels(results)
    ns = len(labels)
    fig, axes = style.figure(
        width=max(6.0, 1.6 + 1.4 * len(ths) * max(1, ns) ** 0.6 + 1.5), height=4.6 + 0.25 * ns
    )
    ax = axes[0, 0]
    width = 0.8 / ns
    top = max(0.05, float(data["high"].max()) if len(data) else 0.05)
    for i, label in enumerate(labels):
        d = data[data.scenario == label].set_index("theatre").reindex(ths)
        x = np.arange(len(ths)) + (i - (ns - 1) / 2) * width
        ok = d["p"].notna().to_numpy()
        p, lo, hi = (d[c].to_numpy(dtype=float) for c in ("p", "low", "high"))
        ax.bar(x[ok], p[ok], width * 0.92, color=style.colour(i), label=style.short(label, 60))
        ax.errorbar(
            x[ok],
            p[ok],
            yerr=style.err(p[ok], lo[ok], hi[ok]),
            fmt="none",
            ecolor="black",
            elinewidth=1,
            capsize=3,
        )
        for xi, pi, hii in zip(x[ok], p[ok], hi[ok], strict=True):
            ax.text(xi, hii + top * 0.02, style.fmt_pct(pi), ha="center", va="bottom", fontsize=8.5)
    ax.set_xticks(np.arange(len(ths)), ths)
    ax.set_xlabel("theatre")
    months = results[0].manifest.get("months")
    ax.set_ylabel(f"P(war: rung ≥ 6 within {months} months)")
    ax.set_ylim(0, min(1.0, top * 1.18) if top < 0.85 else 1.08)
    style.percent_axis(ax)
    ax.grid(axis="x", visible=False)
    ax.set_title("Probability of war by theatre", loc="left")
    legend = ax.get_legend_handles_labels() if ns > 1 else None
    style.finish(
        fig,
        results,
        "Bars: share of runs reaching rung 6 or higher; whiskers: 95% Wilson intervals",
        legend=legend,
    )
    return [style.Plot("war", fig, data)]
