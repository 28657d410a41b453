"""Fan charts of annual series: median with 50% and 90% bands over runs, per year.

Partial calendar years (a 120-month run from 2023-02 covers only Feb-Dec 2023 and Jan
2033) are handled by the kind of metric: *levels* (spending, GDP, capability,
grievance: monthly means or end-of-year values) keep every year, and the caption names
the partial ones; *flows and maxima* (grey-zone counts, crises, talks, highest rung, at
war), which a partial year understates, are drawn for full calendar years only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.plots import style
from sim.plots.common import (
    CORE_METRICS,
    LEVEL_METRICS,
    activity_units,
    full_years,
    metric_label,
    months_per_year,
    require_annual,
)

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QCOLS = ("q05", "q25", "q50", "q75", "q95")


def greyzone_metrics(r: Any) -> list[str]:
    """Names of the grey-zone activity metrics in a folder's annual table."""
    return [m for m in r.annual["metric"].unique() if m not in CORE_METRICS]


def check_choice(r: Any, metric: str | None, subject: str | None) -> None:
    """Raise a one-line error naming the valid choices for an unknown metric or subject."""
    a = r.annual
    metrics = sorted(a["metric"].unique())
    if metric is not None and metric not in metrics:
        raise SimError(f"unknown --metric {metric!r}; choose from {', '.join(metrics)}")
    if subject is not None:
        pool = a if metric is None else a[a["metric"] == metric]
        subjects = sorted(pool["subject"].unique())
        if subject not in subjects:
            what = f" for {metric}" if metric else ""
            raise SimError(
                f"unknown --subject {subject!r}{what}; choose from {', '.join(subjects)}"
            )


def fan_data(r: Any, metric: str, subjects: Sequence[str] | None = None) -> pd.DataFrame:
    """Quantiles over runs of `metric` per (subject, year).

    Columns ``metric, subject, year, months, runs, mean, q05, q25, q50, q75, q95``;
    ``months`` is the number of simulated months in the year. Flow metrics keep full
    years only (see the module docstring).
    """
    a = r.annual
    d = a[a["metric"] == metric]
    if subjects is not None:
        d = d[d["subject"].isin(list(subjects))]
    if metric not in LEVEL_METRICS:
        d = d[d["year"].isin(full_years(r.manifest))]
    mpy = months_per_year(r.manifest)
    rows = []
    for (subject, year), g in d.groupby(["subject", "year"], sort=False):
        v = g["value"].to_numpy(dtype=float)
        q = np.quantile(v, QUANTILES)
        rows.append(
            {
                "metric": metric,
                "subject": subject,
                "year": int(year),
                "months": mpy.get(int(year), 12),
                "runs": len(v),
                "mean": float(v.mean()),
                **dict(zip(QCOLS, q, strict=True)),
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    order = {s: i for i, s in enumerate(dict.fromkeys(d["subject"]))}
    return out.sort_values(
        ["subject", "year"], key=lambda c: c.map(order) if c.name == "subject" else c
    ).reset_index(drop=True)


def _draw(ax, d: pd.DataFrame, c: str) -> None:
    """One fan on `ax`."""
    x = d["year"].to_numpy()
    ax.fill_between(x, d["q05"], d["q95"], color=c, alpha=0.18, lw=0, label="90% of runs")
    ax.fill_between(x, d["q25"], d["q75"], color=c, alpha=0.38, lw=0, label="50% of runs")
    ax.plot(x, d["q50"], color=c, lw=2, marker="o", ms=3, label="median")
    partial = d["months"] < 12
    if partial.any():
        ax.plot(
            x[partial.to_numpy()],
            d.loc[partial, "q50"],
            ls="none",
            marker="o",
            ms=6,
            mfc="white",
            mec=c,
            mew=1.5,
            label="partial year",
        )
    span = int(x.max() - x.min()) if len(x) else 0
    step = max(1, -(-span // 6))
    ax.set_xticks(list(range(int(x.min()), int(x.max()) + 1, step)) if len(x) else [])
    ax.set_xlim(x.min() - 0.3, x.max() + 0.3) if len(x) else None
    lo, hi = min(0.0, float(d["q05"].min())), float(d["q95"].max())
    ax.set_ylim(lo, hi + 0.08 * (hi - lo) if hi > lo else lo + 1.0)


def _partial_note(r: Any, metrics: Sequence[str]) -> str:
    mpy = months_per_year(r.manifest)
    partial = [f"{y}: {n} month{'s' if n > 1 else ''}" for y, n in mpy.items() if n < 12]
    if not partial:
        return ""
    notes = []
    if any(m in LEVEL_METRICS for m in metrics):
        notes.append(f"open circles: partial years ({', '.join(partial)})")
    if any(m not in LEVEL_METRICS for m in metrics):
        notes.append("counts per year: partial years dropped")
    return "; ".join(notes)


def _grid(n: int) -> tuple[int, int]:
    ncols = min(n, 3) if n != 4 else 2
    return ncols, -(-n // ncols)


def plot_fan_panels(
    r: Any, panels: list[tuple[str, str, str]], name: str, title: str, ylabels: dict[str, str]
) -> style.Plot:
    """Small multiples, one fan per (metric, subject, panel title)."""
    ncols, nrows = _grid(len(panels))
    fig, axes = style.figure(
        ncols=ncols, nrows=nrows, width=3.6 * ncols + 0.8, height=2.9 * nrows + 1.4
    )
    frames = []
    for k, (metric, subject, ptitle) in enumerate(panels):
        ax = axes[k // ncols, k % ncols]
        d = fan_data(r, metric, [subject])
        frames.append(d)
        if d.empty:
            ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
        else:
            _draw(ax, d, style.colour(0))
        ax.set_title(ptitle, fontsize=10)
        ax.set_ylabel(ylabels[metric], fontsize=8.5)
        ax.set_xlabel("year", fontsize=8.5)
    for k in range(len(panels), nrows * ncols):
        axes[k // ncols, k % ncols].set_visible(False)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    seen = dict(zip(labels, handles, strict=True))
    for k in range(len(panels)):  # "partial year" may be on any panel
        h, lab = axes[k // ncols, k % ncols].get_legend_handles_labels()
        seen.update({lb: hh for lb, hh in zip(lab, h, strict=True) if lb not in seen})
    note = "Median and bands over runs per calendar year"
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not data.empty:
        spread = (data["q95"] - data["q05"]).abs()
        scale = data["q50"].abs().clip(lower=1e-9)
        widest = float((spread / scale).max())
        if widest < 0.05:
            note += (
                f" (the 90% band is at most {widest:.1%} of the median wide, so the "
                "series hardly varies between runs)"
            )
    extra = _partial_note(r, [p[0] for p in panels])
    if extra:
        note += "; " + extra
    style.finish(
        fig,
        [r],
        note,
        title=title,
        legend=(list(seen.values()), list(seen.keys())),
        legend_cols=len(seen),
    )
    return style.Plot(name, fig, data)


def plot_fan(
    results: Sequence[Any], metric: str | None = None, subject: str | None = None
) -> list[style.Plot]:
    """Fan chart(s) of one folder.

    With `metric` (and optionally `subject`): one panel per subject of the metric. Without:
    military spending per actor, and grey-zone activity per theatre (or responding actor).
    """
    r = results[0]
    require_annual(r, "fan")
    check_choice(r, metric, subject)
    units = activity_units(r.manifest)
    actor_names = {
        c: (a.get("name") or c)
        for c, a in (r.manifest.get("scenario", {}).get("actors") or {}).items()
    }
    a = r.annual
    if metric is not None:
        subjects = (
            [subject] if subject else list(dict.fromkeys(a.loc[a["metric"] == metric, "subject"]))
        )
        panels = [(metric, s, _subject_title(s, actor_names)) for s in subjects]
        label = metric_label(metric, units.get(metric, ""))
        name = f"fan-{metric}" + (f"-{subject}" if subject else "")
        return [plot_fan_panels(r, panels, name, label[0].upper() + label[1:], {metric: label})]
    spending = [
        ("milex_usd_bn", s, _subject_title(s, actor_names))
        for s in dict.fromkeys(a.loc[a["metric"] == "milex_usd_bn", "subject"])
    ]
    out = []
    if spending:
        out.append(
            plot_fan_panels(
                r,
                spending,
                "fan-spending",
                "Military spending per actor",
                {"milex_usd_bn": metric_label("milex_usd_bn")},
            )
        )
    gz = []
    for m in greyzone_metrics(r):
        for s in dict.fromkeys(a.loc[a["metric"] == m, "subject"]):
            gz.append((m, s, f"{m.replace('_', ' ')}: {_subject_title(s, actor_names)}"))
    if gz:
        out.append(
            plot_fan_panels(
                r,
                gz,
                "fan-greyzone",
                "Grey-zone activity",
                {m: metric_label(m, units.get(m, "")) for m, _, _ in gz},
            )
        )
    return out


def _subject_title(subject: str, names: dict[str, str]) -> str:
    return (
        f"{names[subject]} ({subject})"
        if subject in names and names[subject] != subject
        else subject
    )
