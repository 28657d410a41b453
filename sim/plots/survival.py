"""Kaplan–Meier curves of the time to first crisis and to war, per theatre.

The estimator is written here with numpy (no survival package). Time is measured in
months since the start of the run: an event in 0-based month *m* (``war_month`` or
``first_crisis_month`` = m) happens by the end of that month, at time ``t = m + 1``. Runs
without the event are censored at the horizon ``t = months``. When all censoring is at the
horizon, as here, the curve at the horizon equals ``1 - events / runs``.

Confidence bands are the exponential Greenwood ("log-log") intervals (Kalbfleisch &
Prentice 1980): ``S(t) ** exp(±z * se)`` with
``se = sqrt(sum d / (n (n - d))) / |log S(t)|``, which stay inside [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.intervals import normal_quantile
from sim.plots import style
from sim.plots.common import theatres

EVENTS = {"crisis": "first_crisis_month", "war": "war_month"}
EVENT_TITLES = {"crisis": "no crisis yet", "war": "no war yet"}


def kaplan_meier(durations: np.ndarray, observed: np.ndarray, level: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier estimate with exponential-Greenwood bands.

    Parameters
    ----------
    durations : array of float
        Time of the event, or of censoring, for each subject.
    observed : array of bool
        True if the event happened at `durations`, False if censored there.
    level : float
        Confidence level of the bands.

    Returns
    -------
    pandas.DataFrame
        One row per distinct time (plus time 0): ``time, at_risk, events, censored,
        survival, low, high``. The survival is a right-continuous step function: the value
        at ``time`` holds until the next row.
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(observed, dtype=bool)
    times = np.unique(np.concatenate([[0.0], t]))
    # subjects at risk just before each time: duration >= time
    order = np.sort(t)
    at_risk = len(t) - np.searchsorted(order, times, side="left")
    events = (
        np.array([np.sum(e & (t == x)) for x in times]) if len(t) < 2000 else _counts(t[e], times)
    )
    censored = _counts(t[~e], times)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, events / at_risk, 0.0)
        surv = np.cumprod(1.0 - hazard)
        terms = np.where(
            (at_risk > events) & (at_risk > 0),
            events / (at_risk * (at_risk - events)),
            np.where(events > 0, np.inf, 0),
        )
        var_sum = np.cumsum(terms)
        z = normal_quantile(level)
        log_s = np.log(surv)
        se = np.sqrt(var_sum) / np.abs(log_s)
        low = surv ** np.exp(z * se)
        high = surv ** np.exp(-z * se)
    exact = (surv == 1.0) | (surv == 0.0)
    low = np.where(exact, surv, np.nan_to_num(low, nan=0.0))
    high = np.where(exact, surv, np.nan_to_num(high, nan=1.0))
    return pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk,
            "events": events,
            "censored": censored,
            "survival": surv,
            "low": low,
            "high": high,
        }
    )


def _counts(values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """How many of `values` equal each of the sorted `times`."""
    s = np.sort(values)
    return np.searchsorted(s, times, side="right") - np.searchsorted(s, times, side="left")


def survival_data(results: Sequence[Any], level: float = 0.95) -> pd.DataFrame:
    """KM curves per (scenario, theatre, event): columns of `kaplan_meier` plus keys."""
    frames = []
    for label, r in zip(style.scenario_labels(results), results, strict=True):
        horizon = int(r.manifest["months"])
        for th, g in r.outcomes.groupby("theatre", sort=False):
            for event, col in EVENTS.items():
                month = g[col]
                observed = month.notna().to_numpy()
                durations = np.where(
                    observed, month.fillna(0).to_numpy(dtype=float) + 1, float(horizon)
                )
                km = kaplan_meier(durations, observed, level)
                if km["time"].iloc[-1] < horizon:  # carry the curve to the horizon
                    last = km.iloc[[-1]].assign(time=float(horizon), events=0, censored=0)
                    km = pd.concat([km, last], ignore_index=True)
                km.insert(0, "event", event)
                km.insert(0, "theatre", th)
                km.insert(0, "scenario", label)
                km["runs"] = len(g)
                frames.append(km)
    return pd.concat(frames, ignore_index=True)


def _month_ticks(ax, start: str, horizon: int) -> None:
    """Ticks every year (or more) labelled with months since start and the calendar month."""
    step = 12 * max(1, -(-horizon // 72))  # whole years, at most about seven ticks
    ticks = list(range(0, horizon + 1, step))
    ax.set_xticks(ticks, [f"{t}\n{style.month_label(start, t)}" for t in ticks])
    ax.set_xlim(0, horizon)


def _end_labels(ax, ends: list[tuple[float, str]], horizon: float, gap: float = 0.075) -> None:
    """Label each curve's value at the horizon, right of the axes, without overlaps."""
    order = sorted(range(len(ends)), key=lambda k: ends[k][0])
    placed: list[float] = []
    for k in order:
        value, c = ends[k]
        y = max(value, placed[-1] + gap) if placed else value
        placed.append(y)
        ax.annotate(
            style.fmt_pct(value),
            (horizon, value),
            xytext=(horizon * 1.01, y),
            textcoords="data",
            ha="left",
            va="center",
            fontsize=8,
            color=c,
            annotation_clip=False,
        )


def plot_survival(results: Sequence[Any]) -> list[style.Plot]:
    """KM curves: rows = theatres, columns = crisis and war; one line per scenario."""
    data = survival_data(results)
    ths = theatres(results)
    labels = style.scenario_labels(results)
    ns = len(labels)
    fig, axes = style.figure(
        ncols=2, nrows=len(ths), width=10, height=1.3 + 2.9 * len(ths) + 0.2 * ns, sharey=True
    )
    horizon = max(int(r.manifest["months"]) for r in results)
    start = results[0].manifest["start"]
    for row, th in enumerate(ths):
        for col, event in enumerate(EVENTS):
            ax = axes[row, col]
            ends: list[tuple[float, str]] = []
            for i, label in enumerate(labels):
                d = data[(data.scenario == label) & (data.theatre == th) & (data.event == event)]
                if d.empty:
                    continue
                c = style.colour(i)
                ax.step(
                    d["time"],
                    d["survival"],
                    where="post",
                    color=c,
                    lw=1.8,
                    ls=style.LINESTYLES[i % len(style.LINESTYLES)],
                    label=style.short(label, 60),
                )
                ax.fill_between(
                    d["time"], d["low"], d["high"], step="post", color=c, alpha=0.2, lw=0
                )
                ends.append((float(d["survival"].iloc[-1]), c))
            _end_labels(ax, ends, horizon)
            ax.set_ylim(-0.02, 1.04)
            style.percent_axis(ax)
            _month_ticks(ax, start, horizon)
            ax.set_title(f"{th}: {EVENT_TITLES[event]}")
            if col == 0:
                ax.set_ylabel("share of runs without the event")
            if row == len(ths) - 1:
                ax.set_xlabel("months since start (calendar month)")
    note = (
        "Kaplan–Meier estimate; shading: 95% exponential-Greenwood band; runs without "
        "the event are censored at the horizon; labels give the value at the horizon"
    )
    if start and len({r.manifest["start"] for r in results}) > 1:
        note += "; calendar months are those of the first scenario"
    legend = axes[0, 0].get_legend_handles_labels() if ns > 1 else None
    style.finish(fig, results, note, title="Time to first crisis and to war", legend=legend)
    return [style.Plot("survival", fig, data)]
