"""Forecast scores of the hindcast against two simple forecasters.

For every held-back observation: the continuous ranked probability score (CRPS), whether the
central 50% and 90% intervals cover it, and its probability integral transform (PIT), for
the model's ensemble and for two simple forecasters built only from the fitted years:

* **persistence**: the last fitted year's value, with a random-walk spread: normal with mean
  y_T and standard deviation s_d * sqrt(h) at horizon h, where s_d is the root mean square
  of the year-on-year changes over the fitted years (a random walk has no drift, so the
  changes are not demeaned);
* **trend**: the least-squares line through the fitted years, extrapolated, with the
  prediction spread of ordinary least squares: normal with standard deviation
  s * sqrt(1 + 1/n + (t - mean t)^2 / sum (t_i - mean t)^2), s the residual standard
  deviation with n - 2 degrees of freedom.

The ensemble CRPS is the plain estimator of E|X - y| - E|X - X'| / 2 over the M runs
(Gneiting & Raftery 2007, eq. 20), computed from the sorted draws in O(M log M); its bias
is E|X - X'| / (2M), under 0.05% of the ensemble's spread for M = 1000. The normal CRPS is
the closed form sigma (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi)), z = (y - mu) / sigma.
The PIT of the ensemble is the mid-rank P(X < y) + P(X = y) / 2 (counts of days have ties).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import norm

from sim.analysis.intervals import normal_quantile
from sim.hindcast.observed import Series
from sim.hindcast.stats import series_draws

FORECASTERS = ("model", "persistence", "trend")
"""The forecasters scored, in table order."""

GROUPS = ("spending", "grey zone")
"""How the scores are pooled, in table order: spending from the cut-off, the grey-zone
series (which stop in 2018) from the rolling origins."""

PIT_BINS = 5
"""Bins of the PIT histograms (quintiles: few observations per series)."""

Z50 = normal_quantile(0.5)  # norm.ppf(0.75): the central 50% interval
Z90 = normal_quantile(0.9)  # norm.ppf(0.95): the central 90% interval


# --------------------------------------------------------------------------------------
# scores
# --------------------------------------------------------------------------------------


def crps_ensemble(draws: ArrayLike, y: float) -> float:
    """CRPS of an ensemble `draws` (1-D) for the observation `y`.

    E|X - y| - E|X - X'| / 2 over the empirical distribution of the draws; E|X - X'| is
    2 / M^2 * sum_i (2 i - M - 1) x_(i) with the draws sorted (i = 1..M).
    """
    x = np.sort(np.asarray(draws, dtype=float).ravel())
    m = x.size
    if m == 0:
        return float("nan")
    first = float(np.mean(np.abs(x - y)))
    weights = 2.0 * np.arange(1, m + 1) - m - 1
    spread = 2.0 * float(np.dot(weights, x)) / (m * m)
    return first - 0.5 * spread


def crps_normal(mu: ArrayLike, sigma: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Closed-form CRPS of a normal N(mu, sigma^2) for `y` (Gneiting & Raftery 2007, eq. 5)."""
    mu, sigma, y = (np.asarray(v, dtype=float) for v in (mu, sigma, y))
    z = (y - mu) / sigma
    return sigma * (z * (2.0 * norm.cdf(z) - 1.0) + 2.0 * norm.pdf(z) - 1.0 / math.sqrt(math.pi))


def pit_ensemble(draws: ArrayLike, y: float) -> float:
    """Mid-rank PIT of `y` in the ensemble: P(X < y) + P(X = y) / 2."""
    x = np.asarray(draws, dtype=float).ravel()
    return float(np.mean(x < y) + 0.5 * np.mean(x == y))


# --------------------------------------------------------------------------------------
# the simple forecasters
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Normal:
    """A normal predictive distribution per target year."""

    mean: np.ndarray
    sd: np.ndarray

    def interval(self, z: float) -> tuple[np.ndarray, np.ndarray]:
        """Central interval mean -/+ z sd."""
        return self.mean - z * self.sd, self.mean + z * self.sd


def _fitted_points(years: Sequence[int], values: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(years, dtype=float)
    v = np.asarray(values, dtype=float)
    if t.size < 3 or np.any(np.diff(t) != 1):
        raise ValueError("a simple forecaster needs at least three consecutive fitted years")
    return t, v


def persistence(years: Sequence[int], values: Sequence[float], targets: ArrayLike) -> Normal:
    """Random walk from the last fitted year: N(y_T, s_d^2 h), h = target - T.

    Parameters
    ----------
    years, values : sequences
        The fitted years (consecutive) and their observations: nothing else is used.
    targets : array of int
        Years to forecast (after the last fitted year).
    """
    t, v = _fitted_points(years, values)
    h = np.asarray(targets, dtype=float) - t[-1]
    s_d = float(np.sqrt(np.mean(np.diff(v) ** 2)))
    return Normal(np.full(h.shape, v[-1]), s_d * np.sqrt(h))


def linear_trend(years: Sequence[int], values: Sequence[float], targets: ArrayLike) -> Normal:
    """Least-squares line of the fitted years with its prediction spread (n - 2 d.o.f.).

    Parameters
    ----------
    years, values : sequences
        The fitted years (consecutive) and their observations: nothing else is used.
    targets : array of int
        Years to forecast.
    """
    t, v = _fitted_points(years, values)
    n = t.size
    slope, intercept = np.polyfit(t, v, 1)
    resid = v - (intercept + slope * t)
    s = float(np.sqrt(np.sum(resid**2) / (n - 2)))
    x = np.asarray(targets, dtype=float)
    sxx = float(np.sum((t - t.mean()) ** 2))
    sd = s * np.sqrt(1.0 + 1.0 / n + (x - t.mean()) ** 2 / sxx)
    return Normal(intercept + slope * x, sd)


SIMPLE: dict[str, Callable[[Sequence[int], Sequence[float], ArrayLike], Normal]] = {
    "persistence": persistence,
    "trend": linear_trend,
}


# --------------------------------------------------------------------------------------
# score tables
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """Held-back years of one series scored from one origin.

    Attributes
    ----------
    group : str
        ``spending`` or ``grey zone`` (how the scores are pooled).
    origin : int
        Last fitted year of the forecasts.
    series : Series
        The observed series.
    """

    group: str
    origin: int
    series: Series

    def fit_years(self) -> list[int]:
        """Observed years up to the origin (from the first simulated year on)."""
        return sorted(y for y in self.series.values if y <= self.origin)

    def score_years(self) -> list[int]:
        """Observed years after the origin."""
        return sorted(y for y in self.series.values if y > self.origin)


def _row(task: Task, forecaster: str, year: int, obs: float, **score: float) -> dict:
    return {
        "group": task.group,
        "origin": task.origin,
        "series": task.series.key,
        "forecaster": forecaster,
        "year": year,
        "horizon": year - task.origin,
        "observed": obs,
        **score,
    }


def score_task(
    task: Task,
    sim: Mapping[tuple[str, str], np.ndarray],
    years: ArrayLike,
    first_year: int = 2013,
) -> list[dict]:
    """Score rows of the model and the simple forecasters for every held-back year of `task`.

    `sim` is the model's ensemble fitted up to `task.origin`; the simple forecasters see only
    the observations of ``first_year``..origin (the years the model was fitted on).
    """
    s = task.series
    fit = [y for y in task.fit_years() if y >= first_year]
    targets = task.score_years()
    if not targets:
        return []
    yrs, draws = series_draws(s, sim, years)
    pos = {int(y): i for i, y in enumerate(yrs)}
    rows = []
    for y in targets:
        d, obs = draws[:, pos[y]], s.values[y]
        q = np.quantile(d, [0.05, 0.25, 0.75, 0.95])
        rows.append(
            _row(
                task,
                "model",
                y,
                obs,
                crps=crps_ensemble(d, obs),
                median=float(np.median(d)),
                in50=bool(q[1] <= obs <= q[2]),
                in90=bool(q[0] <= obs <= q[3]),
                pit=pit_ensemble(d, obs),
            )
        )
    for name, build in SIMPLE.items():
        f = build(fit, [s.values[y] for y in fit], np.asarray(targets))
        lo50, hi50 = f.interval(Z50)
        lo90, hi90 = f.interval(Z90)
        for k, y in enumerate(targets):
            obs = s.values[y]
            rows.append(
                _row(
                    task,
                    name,
                    y,
                    obs,
                    crps=float(crps_normal(f.mean[k], f.sd[k], obs)),
                    median=float(f.mean[k]),
                    in50=bool(lo50[k] <= obs <= hi50[k]),
                    in90=bool(lo90[k] <= obs <= hi90[k]),
                    pit=float(norm.cdf((obs - f.mean[k]) / f.sd[k])),
                )
            )
    return rows


SCORE_COLUMNS = [
    "group",
    "origin",
    "series",
    "forecaster",
    "year",
    "horizon",
    "observed",
    "crps",
    "median",
    "in50",
    "in90",
    "pit",
]


def score_rows(rows: list[dict]) -> pd.DataFrame:
    """Return the per-observation score table, ordered by group, origin, series, forecaster."""
    df = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    order = {f: i for i, f in enumerate(FORECASTERS)}
    groups = {g: i for i, g in enumerate(GROUPS)}
    return (
        df.assign(_g=df["group"].map(groups), _f=df["forecaster"].map(order))
        .sort_values(["_g", "origin", "series", "_f", "year"], kind="stable")
        .drop(columns=["_g", "_f"])
        .reset_index(drop=True)
    )


def pit_histogram(pit: ArrayLike, bins: int = PIT_BINS) -> list[int]:
    """Count the PIT values in `bins` equal bins of [0, 1]."""
    counts, _ = np.histogram(np.asarray(pit, dtype=float), bins=bins, range=(0.0, 1.0))
    return [int(c) for c in counts]


def _summary_row(keys: dict, g: pd.DataFrame) -> dict:
    # a pooled row mixes units (USD bn, days, scrambles): only the relative CRPS is meaningful
    crps = float("nan") if keys["series"] == "all" else float(g["crps"].mean())
    return {
        **keys,
        "n": len(g),
        "crps": crps,
        "crps_pct": float(100.0 * np.mean(g["crps"] / g["observed"].abs())),
        "coverage50": float(g["in50"].mean()),
        "coverage90": float(g["in90"].mean()),
        "pit_hist": " ".join(str(c) for c in pit_histogram(g["pit"])),
    }


def summarise_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Per series (over its origins) and pooled per group: mean CRPS, coverage, PIT counts.

    ``crps`` is the mean CRPS in the series' unit (NaN in the pooled rows, whose series have
    different units); ``crps_pct`` the mean of CRPS over the observation, in % (comparable
    across series, and what the pooled rows compare);
    ``skill_vs_persistence`` and ``skill_vs_trend`` are 1 - CRPS / CRPS of that forecaster
    (> 0: the forecaster of the row is better), from ``crps`` per series and from
    ``crps_pct`` in the pooled rows.
    """
    rows = []
    for (group, series, fc), g in scores.groupby(["group", "series", "forecaster"], sort=False):
        origins = "+".join(str(o) for o in sorted(g["origin"].unique()))
        rows.append(
            _summary_row(
                {"group": group, "series": series, "origins": origins, "forecaster": fc}, g
            )
        )
    for (group, fc), g in scores.groupby(["group", "forecaster"], sort=False):
        origins = "+".join(str(o) for o in sorted(g["origin"].unique()))
        rows.append(
            _summary_row({"group": group, "series": "all", "origins": origins, "forecaster": fc}, g)
        )
    out = pd.DataFrame(rows)
    for ref in ("persistence", "trend"):
        col = np.full(len(out), np.nan)
        for i, r in enumerate(out.itertuples()):
            base = out[
                (out["group"] == r.group) & (out["series"] == r.series) & (out["forecaster"] == ref)
            ]
            if len(base):
                key = "crps_pct" if r.series == "all" else "crps"
                col[i] = 1.0 - getattr(r, key) / float(base[key].iloc[0])
        out[f"skill_vs_{ref}"] = col
    return out


def build_tasks(
    observed: Sequence[Series], origin: int, rolling: Sequence[int], spending_prefix: str = "milex"
) -> dict[int, list[Task]]:
    """Tasks per origin: spending from `origin`; the other series from each rolling origin.

    Series with fewer than three observed years up to an origin (the single Taiwan ADIZ
    point) cannot be given a trend and are not scored.
    """
    tasks: dict[int, list[Task]] = {}
    for s in observed:
        spending = s.key.startswith(spending_prefix)
        for o in [origin] if spending else list(rolling):
            task = Task(GROUPS[0] if spending else GROUPS[1], o, s)
            if task.score_years() and len(task.fit_years()) >= 3:
                tasks.setdefault(o, []).append(task)
    return tasks
