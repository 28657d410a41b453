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
    """P(war) per (scenario, theatre), with both kinds of interval.

    Columns ``scenario, theatre, runs, wars, p, low, high, param_low, param_high``:
    ``p`` is the mean of the outcomes' ``war`` column; the interval is Wilson's;
    ``param_low``/``param_high`` the central range over the posterior's parameters
    (`sim.analysis.parameter_spread`; NaN without a posterior or with too few wars).
    """
    from sim.analysis.parameter_spread import range_over_parameters

    rows = []
    labels = style.scenario_labels(results)
    for label, r in zip(labels, results, strict=True):
        o = r.outcomes
        g = o.groupby("theatre", sort=False)["war"].agg(["sum", "count", "mean"])
        for th in g.index:
            k, n = int(g.loc[th, "sum"]), int(g.loc[th, "count"])
            lo, hi = wilson(k, n, level)
            part = o[o["theatre"] == th]
            values = pd.Series(part["war"].to_numpy(np.float64), index=part["run_id"].to_numpy())
            over = range_over_parameters(r.runs, values, "probability", level)
            rows.append(
                {
                    "scenario": label,
                    "theatre": th,
                    "runs": n,
                    "wars": k,
                    "p": float(g.loc[th, "mean"]),
                    "low": float(lo),
                    "high": float(hi),
                    "param_low": over[0] if over else np.nan,
                    "param_high": over[1] if over else np.nan,
                }
            )
    return pd.DataFrame(rows)


def count_label(wars: int, runs: int, p: float, low: float, high: float) -> str:
    """Return a point's label: count of runs with war, then estimate or bound."""
    if wars == 0:
        return f"{wars:,} of {runs:,}\n≤ {style.fmt_pct(high)}"
    if wars == runs:
        return f"{wars:,} of {runs:,}\n≥ {style.fmt_pct(low)}"
    return f"{wars:,} of {runs:,}\n{style.fmt_pct(p)} ({style.fmt_pct(low)}–{style.fmt_pct(high)})"


def plot_war(results: Sequence[Any]) -> list[style.Plot]:
    """P(war) per theatre as dots with 95% Wilson intervals and counts, one dot per scenario.

    Dots and whiskers stay visible when the probability is zero: the whisker then shows the
    upper bound, and the label reads e.g. "0 of 2,000, ≤ 0.19%".
    """
    data = war_data(results)
    ths = theatres(results)
    labels = style.scenario_labels(results)
    ns = len(labels)
    fig, axes = style.figure(
        width=max(6.0, 1.6 + 1.6 * len(ths) * max(1, ns) ** 0.7 + 1.5), height=4.8 + 0.25 * ns
    )
    ax = axes[0, 0]
    width = 0.8 / ns
    top = max(0.002, float(data[["high", "param_high"]].max().max()) if len(data) else 0.002)
    over = bool(len(data) and data["param_low"].notna().any())
    for i, label in enumerate(labels):
        d = data[data.scenario == label].set_index("theatre").reindex(ths)
        x = np.arange(len(ths)) + (i - (ns - 1) / 2) * width
        ok = d["p"].notna().to_numpy()
        p, lo, hi = (d[c].to_numpy(dtype=float) for c in ("p", "low", "high"))
        plo, phi = (d[c].to_numpy(dtype=float) for c in ("param_low", "param_high"))
        has = ok & np.isfinite(plo)
        if has.any():  # the range over parameters: a thin, pale whisker behind
            ax.errorbar(
                x[has],
                p[has],
                yerr=style.err(p[has], plo[has], phi[has]),
                fmt="none",
                ecolor=style.colour(i),
                elinewidth=1,
                alpha=0.45,
                capsize=0,
            )
        bars = ax.errorbar(
            x[ok],
            p[ok],
            yerr=style.err(p[ok], lo[ok], hi[ok]),
            fmt="o",
            color=style.colour(i),
            ecolor=style.colour(i),
            markersize=7,
            elinewidth=2,
            capsize=5,
            label=style.short(label, 60),
        )
        for artist in (bars.lines[0], *bars.lines[1], *bars.lines[2]):
            if artist is not None:
                artist.set_clip_on(False)  # dots at 0% stay whole
        for xi, rec in zip(x[ok], d[ok].to_dict("records"), strict=True):
            above = max(rec["high"], rec["param_high"]) if over else rec["high"]
            ax.text(
                xi,
                (above if np.isfinite(above) else rec["high"]) + top * 0.03,
                count_label(int(rec["wars"]), int(rec["runs"]), rec["p"], rec["low"], rec["high"]),
                ha="center",
                va="bottom",
                fontsize=8,
            )
    ax.set_xticks(np.arange(len(ths)), ths)
    ax.set_xlim(-0.6, len(ths) - 0.4)
    ax.set_xlabel("theatre")
    months = results[0].manifest.get("months")
    ax.set_ylabel(f"P(war: rung ≥ 6 within {months} months)")
    ax.set_ylim(0, min(1.0, top * 1.35) if top < 0.7 else 1.12)
    style.percent_axis(ax)
    ax.grid(axis="x", visible=False)
    ax.set_title("Probability of war by theatre", loc="left")
    legend = ax.get_legend_handles_labels() if ns > 1 else None
    note = (
        "Dots: share of runs reaching rung 6 or higher; whiskers: 95% Wilson intervals; "
        "labels: runs with war of all runs, estimate (interval), or the upper bound when "
        "no run reached war"
    )
    if over:
        note += (
            "; thin pale whiskers: central 95% range over the posterior's parameters (P(war) "
            "given the parameters, by regression on the runs' drawn values; docs/uncertainty.md)"
        )
    style.finish(fig, results, note, legend=legend)
    return [style.Plot("war", fig, data)]
