"""The hindcast figure: observations over the simulated bands, one small panel per series."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np

from sim.hindcast.observed import Series
from sim.hindcast.stats import bands, series_draws
from sim.plots import style  # noqa: F401  (selects the Agg backend and the house style)
from sim.plots.style import GREY, colour

TITLES = {
    "milex": "Military spending {subject}",
    "presence_days": "Senkaku contiguous-zone days",
    "intrusion_days": "Senkaku territorial-sea days",
    "scrambles": "JASDF scrambles vs China (FY)",
    "adiz_incursions": "PLA aircraft in Taiwan's ADIZ",
}


def _title(s: Series) -> str:
    if s.metric == "milex_usd_bn":
        return TITLES["milex"].format(subject=s.subject)
    return TITLES.get(s.metric, s.key)


def draw(
    observed: Sequence[Series],
    sim: Mapping[tuple[str, str], np.ndarray],
    years: Sequence[int],
    cutoff: int,
    caption: str = "",
):
    """Return a matplotlib figure of every series: 50%/90% bands, median, observations."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    n = len(observed)
    ncols = 3
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(11, 2.9 * nrows + 1.0), squeeze=False)
    c_band, c_obs = colour(0), colour(3)
    for ax, s in zip(axes.flat, observed, strict=False):
        yrs, draws = series_draws(s, sim, years)
        q = bands(draws)
        ax.fill_between(yrs, q[0], q[4], color=c_band, alpha=0.18, lw=0)
        ax.fill_between(yrs, q[1], q[3], color=c_band, alpha=0.38, lw=0)
        ax.plot(yrs, q[2], color=c_band, lw=1.6)
        obs_y = np.array(sorted(s.values))
        obs_v = np.array([s.values[y] for y in obs_y])
        fitted = np.array([s.fitted(int(y), cutoff) for y in obs_y], dtype=bool)
        if fitted.any():
            ax.plot(obs_y[fitted], obs_v[fitted], "o", color=c_obs, ms=5, zorder=3)
        if (~fitted).any():
            ax.plot(
                obs_y[~fitted], obs_v[~fitted], "o", mfc="white", mec=c_obs, mew=1.4, ms=5, zorder=3
            )
        ax.axvline(cutoff + 0.5, color=GREY, lw=0.9, ls="--")
        ax.set_title(_title(s), fontsize=10)
        ax.set_ylabel(s.unit, fontsize=8.5)
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        ax.set_xticks(range(int(years[0]), int(years[-1]) + 1, 2))
        top = max(np.nanmax(q[4]), np.nanmax(obs_v) if obs_v.size else 0)
        ax.set_ylim(0, top * 1.12 if top > 0 else 1)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles = [
        Patch(color=c_band, alpha=0.18, label="90% of runs"),
        Patch(color=c_band, alpha=0.45, label="50% of runs"),
        Line2D([], [], color=c_band, lw=1.6, label="median"),
        Line2D([], [], marker="o", ls="", color=c_obs, label="observed, fitted"),
        Line2D(
            [], [], marker="o", ls="", mfc="white", mec=c_obs, mew=1.4, label="observed, held back"
        ),
        Line2D([], [], color=GREY, ls="--", label=f"calibration cut-off ({cutoff})"),
    ]
    fig.legend(
        handles=handles, loc="lower center", ncol=6, bbox_to_anchor=(0.5, 0.045), fontsize=8.5
    )
    if caption:
        fig.text(
            0.01,
            0.008,
            textwrap.fill(caption, 180),
            ha="left",
            va="bottom",
            fontsize=7.5,
            color=GREY,
        )
    fig.suptitle("Hindcast 2013-2024: simulated bands and observations", fontweight="bold")
    fig.tight_layout(rect=(0, 0.09, 1, 0.98))
    return fig


def draw_scores(summary, caption: str = ""):
    """Return a figure of the forecast scores (`sim.hindcast.scores.summarise_scores`).

    Top: CRPS over the observation (%) per series for the model, persistence and trend
    (lower is better). Bottom left: 50% and 90% interval coverage per forecaster and group
    against the nominal rates. Bottom right: the model's PIT histogram per group (flat when
    calibrated; U-shaped when too narrow, humped when too wide, sloped when biased).
    """
    import matplotlib.pyplot as plt

    from sim.hindcast.scores import FORECASTERS, PIT_BINS

    fig = plt.figure(figsize=(11, 7.2))
    grid = fig.add_gridspec(2, 3, height_ratios=(1.15, 1.0))
    ax = fig.add_subplot(grid[0, :])
    per = summary[summary["series"] != "all"]
    labels = [f"{r.series}\n({r.origins})" for r in per[per["forecaster"] == "model"].itertuples()]
    x = np.arange(len(labels))
    width = 0.27
    for k, fc in enumerate(FORECASTERS):
        vals = per[per["forecaster"] == fc]["crps_pct"].to_numpy()
        ax.bar(x + (k - 1) * width, vals, width, color=colour(k), label=fc)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylabel("mean CRPS / observed (%)", fontsize=8.5)
    ax.set_title("CRPS per held-back series (lower is better)", fontsize=10)
    ax.legend(fontsize=8.5, ncol=3)
    pooled = summary[summary["series"] == "all"]
    groups = list(dict.fromkeys(pooled["group"]))
    ax = fig.add_subplot(grid[1, 0])
    for k, fc in enumerate(FORECASTERS):
        g = pooled[pooled["forecaster"] == fc].set_index("group").reindex(groups)
        pos = np.arange(len(groups)) + (k - 1) * 0.25
        ax.plot(pos, g["coverage90"], "o", color=colour(k), label=fc)
        ax.plot(pos, g["coverage50"], "s", mfc="white", mec=colour(k))
    ax.axhline(0.9, color=GREY, lw=0.9, ls="--")
    ax.axhline(0.5, color=GREY, lw=0.9, ls=":")
    ax.set_xticks(np.arange(len(groups)), groups, fontsize=8.5)
    ax.set_xlim(-0.5, len(groups) - 0.5)
    ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize=7.5, loc="lower left")
    ax.set_title("coverage: 90% (dots), 50% (squares)", fontsize=10)
    edges = np.linspace(0.0, 1.0, PIT_BINS + 1)
    for j, group in enumerate(groups[:2]):
        ax = fig.add_subplot(grid[1, 1 + j])
        row = pooled[(pooled["group"] == group) & (pooled["forecaster"] == "model")].iloc[0]
        counts = np.array([int(c) for c in str(row["pit_hist"]).split()])
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=colour(0), alpha=0.7)
        ax.axhline(counts.sum() / PIT_BINS, color=GREY, lw=0.9, ls="--")
        ax.set_xlim(0, 1)
        ax.set_title(f"model PIT, {group} ({counts.sum()} obs.)", fontsize=10)
        ax.set_xlabel("PIT", fontsize=8.5)
    if caption:
        fig.text(
            0.01,
            0.008,
            textwrap.fill(caption, 180),
            ha="left",
            va="bottom",
            fontsize=7.5,
            color=GREY,
        )
    fig.suptitle("Hindcast forecast scores: model against persistence and trend", fontweight="bold")
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return fig
