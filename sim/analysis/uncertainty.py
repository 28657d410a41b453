"""Outcome probabilities with parameter uncertainty, for runs that draw from a posterior.

When a scenario names a posterior, run r used posterior draw ``draw_of(seed_r)``; runs
sharing a draw share their parameters. Grouping runs by draw separates the two sources of
spread in an outcome x (war, blockade, rung >= 4, crises per year) by one-way
random-effects analysis of variance: between draws (parameter uncertainty) and within
draws (the model's own randomness). Reported per theatre and outcome:

* ``mean``: the posterior predictive value (the average over runs);
* ``low``/``high``: its 90% sampling interval (normal, with the clustered variance);
* ``param_low``/``param_high``: the central 90% range of the outcome's value *given the
  parameters* across the posterior, from a regression of the run outcomes on each run's
  drawn values (`sim.analysis.parameter_spread`, the same method as ``sim compare``;
  docs/uncertainty.md); NaN with fewer than 5 runs with the outcome, and ``param_few``
  when fewer than 20.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import parameter_spread as spread
from sim.analysis.intervals import normal_quantile

LEVEL = 0.9
"""Level of the sampling interval and share of the posterior of the range over parameters."""
OUTCOMES = (
    ("p_war", "war", "probability"),
    ("p_blockade", "blockade", "probability"),
    ("p_rung_ge4", "max_rung", "probability"),
    ("crises_per_year", "crises", "rate"),
)


def between_draws(x: np.ndarray, group: np.ndarray) -> tuple[float, float, float]:
    """Return (mean, between-group variance tau^2, variance of the mean), one-way ANOVA."""
    n = len(x)
    labels, g = np.unique(group, return_inverse=True)
    k = len(labels)
    counts = np.bincount(g).astype(float)
    means = np.bincount(g, weights=x) / counts
    mean = float(x.mean())
    if k < 2 or n <= k:
        return mean, 0.0, float(x.var(ddof=1) / n) if n > 1 else 0.0
    msb = float((counts * (means - mean) ** 2).sum() / (k - 1))
    msw = float(((x - means[g]) ** 2).sum() / (n - k))
    n0 = (n - (counts**2).sum() / n) / (k - 1)
    tau2 = max(0.0, (msb - msw) / n0)
    return mean, tau2, msb / n


def outcome_uncertainty(
    outcomes: pd.DataFrame, runs: pd.DataFrame, weights: np.ndarray, years: float
) -> pd.DataFrame:
    """Table of outcomes per theatre with sampling and parameter intervals (module doc).

    Parameters
    ----------
    outcomes, runs : DataFrame
        ``outcomes.parquet`` and ``runs.parquet`` of a result folder.
    weights : (D,) float
        The posterior's weights (`sim.scenario.posterior.Posterior.weights`).
    years : float
        Simulated years per run (for crises per year).
    """
    from sim.engine.rng import draw_of

    runs = runs.sort_values("run_id")
    seed_of = dict(zip(runs["run_id"].to_numpy(), runs["seed"].to_numpy(np.uint64), strict=True))
    columns = spread.drawn_columns(runs)
    theta_all = runs.set_index("run_id")[columns] if columns else None
    rows: list[dict[str, Any]] = []
    z = normal_quantile(LEVEL)
    for theatre, frame in outcomes.groupby("theatre", sort=False):
        seeds = np.array([seed_of[r] for r in frame["run_id"].to_numpy()], dtype=np.uint64)
        draws = draw_of(weights, seeds)
        theta = theta_all.loc[frame["run_id"].to_numpy()] if theta_all is not None else None
        for name, column, kind in OUTCOMES:
            x = frame[column].to_numpy()
            if name == "p_rung_ge4":
                x = x >= 4
            x = x.astype(float) / (years if kind == "rate" else 1.0)
            mean, _, var_mean = between_draws(x, draws)
            half = z * np.sqrt(var_mean)
            lo, hi, few = float("nan"), float("nan"), False
            model = None
            if theta is not None:
                model = spread.fit(x, theta, "probability" if kind == "probability" else "mean")
            if model is not None and theta is not None:
                lo, hi = spread.central_range(model.predict(theta), LEVEL)
                few = model.few
            elif theta is not None and np.ptp(x) == 0:
                lo = hi = float(x[0]) if len(x) else float("nan")  # never (or always) happened
            rows.append(
                {
                    "theatre": theatre,
                    "outcome": name,
                    "mean": mean,
                    "low": max(0.0, mean - half),
                    "high": mean + half if kind == "rate" else min(1.0, mean + half),
                    "param_low": lo,
                    "param_high": hi,
                    "param_few": few,
                    "runs": len(x),
                    "draws": int(len(np.unique(draws))),
                    "posterior_draws": int(len(weights)),
                }
            )
    return pd.DataFrame(rows)


def format_uncertainty(table: pd.DataFrame, posterior: str) -> str:
    """Text table of `outcome_uncertainty`, saying which uncertainty each interval holds."""
    lines = [
        f"With parameter uncertainty (posterior {posterior}; {int(table.draws.max())} draws used):",
        f"  {'theatre':<10} {'outcome':<16} {'value':>8}  {'90% sampling':>17}  "
        f"{'90% over parameters':>20}",
    ]
    for r in table.itertuples():
        pct = r.outcome != "crises_per_year"
        f = (lambda v: f"{100 * v:.1f}%") if pct else (lambda v: f"{v:.3f}")
        low, high = float(r.param_low), float(r.param_high)  # type: ignore[arg-type]
        if np.isnan(low):
            over = "-"
        elif low == high:  # the outcome is the same in every run
            over = "never" if low == 0 else ("always" if low == 1 and pct else f(low))
        else:
            over = f(low) + "-" + f(high) + ("*" if r.param_few else "")
        lines.append(
            f"  {r.theatre:<10} {r.outcome:<16} {f(r.mean):>8}  "
            f"{f(r.low) + '-' + f(r.high):>17}  {over:>20}"
        )
    lines.append(
        "  sampling: uncertainty of the average over runs; over parameters: the value given "
        "the parameters, its central 90% across the posterior (regression on each run's drawn "
        "values, docs/uncertainty.md)"
    )
    if table.param_few.any():
        lines.append("  *: fewer than 20 runs with the outcome, a rough range")
    if table.param_low.isna().any():
        lines.append(
            "  -: fewer than 5 runs with the outcome (or without it), or no drawn values in "
            "runs.parquet: no range over parameters"
        )
    return "\n".join(lines)


def results_uncertainty(results: Any) -> pd.DataFrame | None:
    """`outcome_uncertainty` of a finished ensemble folder, or None if it has no posterior."""
    record = results.manifest.get("posterior")
    if not record:
        return None
    from sim.scenario.posterior import load_posterior

    post = load_posterior(record["folder"])
    if post.sha256 != record["sha256"]:
        from sim.errors import SimError

        raise SimError(
            f"{record['folder']}: posterior.parquet changed since the runs were made "
            f"(sha256 {post.sha256[:12]} vs {record['sha256'][:12]} in the manifest)"
        )
    years = results.manifest["months"] / 12.0
    return outcome_uncertainty(results.outcomes, results.runs, post.weights, years)


def uncertainty_note(manifest: dict[str, Any]) -> str:
    """One line saying which uncertainty a folder's intervals include."""
    record = manifest.get("posterior")
    if not record:
        return (
            "Intervals: sampling over runs only; every run used the same parameter values "
            "(no posterior), so they say nothing about parameter uncertainty."
        )
    name = Path(record["folder"]).name
    return (
        f"Runs drew the calibrated parameters ({len(record['parameters'])}) from posterior "
        f"{name} ({record['draws']} draws): outcome shares average over parameter "
        "uncertainty; the intervals above are sampling intervals of those averages."
    )
