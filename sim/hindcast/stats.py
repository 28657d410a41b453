"""Fit statistics of a simulated ensemble against observed annual series.

Per series and year: the observation, the simulated median and the 5/25/75/95% quantiles
over runs. Per series, separately for the fitted (in-sample) and held-back (out-of-sample)
years: the share of observations inside the 90% band (coverage), the mean absolute
percentage error of the median (MAPE) and the sign of the bias of the median.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from sim.hindcast.observed import Series

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def coverage(observed: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> float:
    """Share of observations inside [lo, hi] (inclusive); NaN if there are none."""
    o, low, high = (np.asarray(x, dtype=float) for x in (observed, lo, hi))
    if o.size == 0:
        return float("nan")
    return float(np.mean((o >= low) & (o <= high)))


def mape(observed: ArrayLike, predicted: ArrayLike) -> float:
    """Mean absolute percentage error of `predicted` (in %), over non-zero observations."""
    o, p = np.asarray(observed, dtype=float), np.asarray(predicted, dtype=float)
    ok = o != 0
    if not ok.any():
        return float("nan")
    return float(100.0 * np.mean(np.abs(p[ok] - o[ok]) / np.abs(o[ok])))


def bias(observed: ArrayLike, predicted: ArrayLike) -> float:
    """Mean signed percentage error of `predicted` (in %): > 0 over-, < 0 under-predicts."""
    o, p = np.asarray(observed, dtype=float), np.asarray(predicted, dtype=float)
    ok = o != 0
    if not ok.any():
        return float("nan")
    return float(100.0 * np.mean((p[ok] - o[ok]) / np.abs(o[ok])))


def bias_sign(value: float) -> str:
    """``+`` (over-predicts), ``-`` (under-predicts), ``0`` or ``""`` for NaN."""
    if not np.isfinite(value):
        return ""
    return "+" if value > 0 else "-" if value < 0 else "0"


def series_draws(
    series: Series, sim: Mapping[tuple[str, str], np.ndarray], years: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Return the simulated draws on the series' own basis: years, array (runs, years).

    Calendar series are the simulated annual values. Fiscal-year series (Japan, April to
    March) are 3/4 of calendar year t plus 1/4 of calendar year t+1, for the years where
    t+1 is simulated.
    """
    calendar = np.asarray(years)
    arr = np.asarray(sim[(series.metric, series.subject)], dtype=float)
    if series.basis == "fiscal":
        return calendar[:-1], 0.75 * arr[:, :-1] + 0.25 * arr[:, 1:]
    return calendar, arr


def bands(draws: np.ndarray) -> np.ndarray:
    """Quantiles `QUANTILES` over runs: array (5, years)."""
    return np.quantile(draws, QUANTILES, axis=0)


def compare(
    observed: Sequence[Series],
    sim: Mapping[tuple[str, str], np.ndarray],
    years: ArrayLike,
    cutoff: int,
) -> pd.DataFrame:
    """One row per (series, observed year) with the simulated quantiles and flags."""
    rows = []
    for s in observed:
        yrs, draws = series_draws(s, sim, years)
        q = bands(draws)
        pos = {int(y): i for i, y in enumerate(yrs)}
        for y, v in sorted(s.values.items()):
            if y not in pos:
                continue
            i = pos[y]
            rows.append(
                {
                    "series": s.key,
                    "year": y,
                    "observed": v,
                    "q05": q[0, i],
                    "q25": q[1, i],
                    "median": q[2, i],
                    "q75": q[3, i],
                    "q95": q[4, i],
                    "in90": bool(q[0, i] <= v <= q[4, i]),
                    "in50": bool(q[1, i] <= v <= q[3, i]),
                    "sample": "in" if s.fitted(y, cutoff) else "out",
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "series",
            "year",
            "observed",
            "q05",
            "q25",
            "median",
            "q75",
            "q95",
            "in90",
            "in50",
            "sample",
        ],
    )


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Per series and sample (in/out): years, 90% and 50% coverage, MAPE, bias and its sign."""
    rows = []
    for (series, sample), g in table.groupby(["series", "sample"], sort=False):
        b = bias(g["observed"], g["median"])
        rows.append(
            {
                "series": series,
                "sample": sample,
                "years": len(g),
                "span": (
                    f"{g['year'].min()}-{g['year'].max()}" if len(g) > 1 else str(g["year"].iloc[0])
                ),
                "coverage90": coverage(g["observed"], g["q05"], g["q95"]),
                "coverage50": coverage(g["observed"], g["q25"], g["q75"]),
                "mape": mape(g["observed"], g["median"]),
                "bias": b,
                "bias_sign": bias_sign(b),
            }
        )
    return pd.DataFrame(rows)


def overall(summary: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Pooled statistics over all series, per sample (observation-weighted)."""
    rows = []
    for sample, g in table.groupby("sample"):
        rows.append(
            {
                "sample": sample,
                "observations": len(g),
                "coverage90": coverage(g["observed"], g["q05"], g["q95"]),
                "coverage50": coverage(g["observed"], g["q25"], g["q75"]),
                "mape": mape(g["observed"], g["median"]),
            }
        )
    return pd.DataFrame(rows)


def arrays_from_annual(annual: pd.DataFrame) -> tuple[np.ndarray, dict]:
    """Turn tidy annual rows into years and {(metric, subject): array (runs, years)}."""
    years = np.sort(annual["year"].unique())
    out = {}
    for (metric, subject), g in annual.groupby(["metric", "subject"], sort=False):
        wide = g.pivot(index="run_id", columns="year", values="value").reindex(columns=years)
        out[(metric, subject)] = wide.to_numpy(dtype=float)
    return years, out


def arrays_from_batch(batch) -> tuple[np.ndarray, dict[tuple[str, str], np.ndarray]]:
    """Turn an engine `BatchResult` into years and {(metric, subject): array (runs, years)}."""
    out = {}
    for b in batch.blocks:
        arr = batch.annual[f"{b.metric}|{','.join(b.subjects)}"]
        for n, subject in enumerate(b.subjects):
            out[(b.metric, subject)] = arr[:, :, n]
    return np.asarray(batch.years), out


def crises_in_window(
    crises: pd.DataFrame, runs: int, start: str, theatre: str, first: str, last: str
) -> np.ndarray:
    """Crises of `theatre` opened in months `first`..`last` (``YYYY-MM``) in each run, (runs,).

    `crises` is a result folder's ``crises`` table and `start` its first month.
    """

    def offset(month: str) -> int:
        return (int(month[:4]) - int(start[:4])) * 12 + int(month[5:7]) - int(start[5:7])

    mine = crises[crises["theatre"] == theatre]
    opened = mine["opened_month"]
    sel = mine[(opened >= offset(first)) & (opened <= offset(last))]
    per_run = sel.groupby("run_id").size()
    counts = np.zeros(runs)
    counts[per_run.index.to_numpy()] = per_run.to_numpy()
    return counts
