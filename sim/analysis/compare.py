"""Compare result folders outcome by outcome, with intervals (``sim compare``).

Each folder gets its estimate of every quantity (`sim.analysis.compare_quantities`) with a
95% sampling interval, and every folder after the first its difference from the first with
an interval (`sim.analysis.intervals`):

* **paired** when the two folders share seeds (the same ``run_id`` has the same ``seed`` in
  ``runs.parquet``: common random numbers). The difference is taken run by run over the
  runs both folders have: Newcombe's score interval for paired proportions or a normal
  interval on the per-run differences of means.
* **unpaired** otherwise, with a warning: Newcombe's hybrid score interval for independent
  proportions or Welch's normal interval for means.

When the runs drew their calibrated parameters from a posterior, every estimate also gets
its **interval over parameters** (the central range of the outcome's value given the
parameters, across the posterior) and every difference between folders that drew from the
same posterior its interval over parameters and the **share of draws in which it keeps
its sign** (`sim.analysis.parameter_spread`; docs/uncertainty.md). Text, Markdown, CSV and
JSON output: `sim.analysis.compare_format`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import parameter_spread as spread
from sim.analysis import structural
from sim.analysis.compare_format import FORMATS, render
from sim.analysis.compare_quantities import (
    PROPORTIONS,
    SEVERAL,
    SPENDING,
    Comparison,
    Quantity,
    common_theatres,
    default_years,
    quantities,
    shares_seeds,
    years_available,
)
from sim.analysis.folders import theatres
from sim.analysis.intervals import (
    mean_interval,
    newcombe_paired,
    newcombe_unpaired,
    welch_interval,
    wilson_bounds,
)
from sim.errors import SimError

__all__ = [
    "FORMATS",
    "PROPORTIONS",
    "SEVERAL",
    "SPENDING",
    "Comparison",
    "common_theatres",
    "compare_results",
    "default_years",
    "folder_labels",
    "mean_interval",
    "newcombe_paired",
    "newcombe_unpaired",
    "quantities",
    "render",
    "scenario_title",
    "shares_seeds",
    "welch_interval",
]


def folder_labels(results: Sequence[Any]) -> list[str]:
    """Return short unique labels: folder names, numbered when they repeat."""
    names = [r.path.name or str(r.path) for r in results]
    out = []
    for i, n in enumerate(names):
        out.append(n if names.count(n) == 1 else f"{n}#{i + 1}")
    return out


def scenario_title(r: Any) -> str:
    """Return the scenario title (or name) with its overrides, runs and seed."""
    m = r.manifest
    title = r.title or m.get("scenario_name", "") or r.path.name
    overrides = m.get("overrides") or []
    if overrides:
        title += f" [{', '.join(overrides)}]"
    return f"{title}, {int(m.get('runs', 0)):,} runs, seed {m.get('master_seed')}"


def _estimate(q: Quantity, x: pd.Series, level: float) -> dict[str, Any]:
    n = len(x)
    if q.kind == "probability":
        k = int(round(float(x.sum())))
        lo, hi = wilson_bounds(k, n, level)
        value = k / n if n else float("nan")
        return {"runs": n, "successes": k, "value": value, "low": lo, "high": hi}
    m, lo, hi = mean_interval(x.to_numpy(), level)
    return {"runs": n, "successes": None, "value": m, "low": lo, "high": hi}


def _difference(
    q: Quantity, x: pd.Series, ref: pd.Series, paired: bool, level: float
) -> tuple[float, float, float]:
    if paired:
        common = x.index.intersection(ref.index)
        a, b = x.loc[common].to_numpy(), ref.loc[common].to_numpy()
        if q.kind == "probability":
            return newcombe_paired(a, b, level)
        return mean_interval(a - b, level)
    if q.kind == "probability":
        k1, k0 = int(round(float(x.sum()))), int(round(float(ref.sum())))
        return newcombe_unpaired(k1, len(x), k0, len(ref), level)
    return welch_interval(x.to_numpy(), ref.to_numpy(), level)


def _theta(r: Any) -> pd.DataFrame | None:
    """Return the drawn parameter values of folder `r` by run_id (None: no posterior)."""
    columns = spread.drawn_columns(r.runs)
    if not columns:
        return None
    return r.runs.set_index("run_id")[columns].sort_index()


def _posterior_id(r: Any) -> str | None:
    """Return the posterior a folder drew from and which of its parameters were drawn.

    Two folders whose differences have an interval over parameters must agree on both:
    a parameter held (``--set`` or swept) in one and drawn in the other breaks the
    like-for-like pairing of draws.
    """
    record = r.manifest.get("posterior")
    if not record:
        return None
    return f"{record.get('sha256')}:{','.join(spread.drawn_columns(r.runs))}"


def _fit(q: Quantity, x: pd.Series, theta: pd.DataFrame | None) -> spread.Metamodel | None:
    if theta is None:
        return None
    values = x.reindex(theta.index)
    return spread.fit(values.to_numpy(np.float64), theta, q.kind)


def _predict(m: spread.Metamodel | None, x: pd.Series, theta: pd.DataFrame) -> np.ndarray | None:
    """Return m(theta) at each row of `theta`.

    Without a model: the folder's value everywhere if the outcome does not vary (no run
    had it, or every run), else None (too few events to tell how it depends on them).
    """
    if m is not None:
        return m.predict(theta)
    values = x.to_numpy(np.float64)
    if np.ptp(values) > 0:
        return None
    return np.full(len(theta), float(values[0]))


def _paired_fit(
    q: Quantity, ref: pd.Series, x: pd.Series, theta: pd.DataFrame
) -> tuple[np.ndarray, bool] | None:
    """Return the paired difference at each row of `theta` and whether it rests on few events.

    For a probability, m1 - m0 = P(only the compared run has it) - P(only the reference
    run has it), each fitted on the drawn values (when one is too rare to fit: the chance
    that the runs differ, fitted, times the observed net share); for a mean, least squares
    on the per-run differences. None when nothing can be fitted.
    """
    common = theta.index.intersection(x.index).intersection(ref.index)
    a, b = x.loc[common].to_numpy(np.float64), ref.loc[common].to_numpy(np.float64)
    th = theta.loc[common]
    if q.kind != "probability":
        m = spread.fit(a - b, th, "difference")
        return None if m is None else (m.predict(theta), m.few)
    only1, only0 = (a > 0.5) & (b < 0.5), (a < 0.5) & (b > 0.5)
    m1 = spread.fit(only1.astype(np.float64), th, "probability")
    m0 = spread.fit(only0.astype(np.float64), th, "probability")
    if m1 is not None and m0 is not None:
        return m1.predict(theta) - m0.predict(theta), m1.few or m0.few
    # one kind of discordant run too rare to fit alone: the runs that differ, fitted
    # together, split in the observed proportions (the direction taken as the same at
    # every draw)
    discordant = only1 | only0
    m = spread.fit(discordant.astype(np.float64), th, "probability")
    if m is None:
        return None
    net = (float(only1.sum()) - float(only0.sum())) / float(discordant.sum())
    return m.predict(theta) * net, m.few


def _over_parameters(
    q: Quantity,
    series: list[pd.Series | None],
    thetas: list[pd.DataFrame | None],
    same_posterior: list[bool],
    paired: list[bool],
    level: float,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the intervals over parameters of one quantity.

    Per folder the interval of its own outcome; per compared folder (the reference's
    entry is empty) its difference's interval and the differences themselves (``draws``),
    evaluated at the reference's draws: for paired folders from models of the per-run
    differences (`_paired_fit`: the common random numbers remove most of the noise), for
    unpaired ones as the difference of the two folders' models.
    """
    models = [
        _fit(q, x, th) if x is not None and len(x) else None
        for x, th in zip(series, thetas, strict=True)
    ]
    own: list[dict[str, Any]] = []
    for m, th in zip(models, thetas, strict=True):
        if m is None or th is None:
            own.append({"param_low": np.nan, "param_high": np.nan, "param_few": None})
            continue
        lo, hi = spread.central_range(m.predict(th), level)
        own.append({"param_low": lo, "param_high": hi, "param_few": m.few})
    diffs: list[dict[str, Any]] = [{}]
    ref_theta = thetas[0]
    none = {"diff_param_low": np.nan, "diff_param_high": np.nan, "diff_param_few": None}
    if ref_theta is None or series[0] is None or not len(series[0]):
        return own, diffs + [dict(none) for _ in series[1:]]
    ref = _predict(models[0], series[0], ref_theta)
    for i in range(1, len(series)):
        x, m = series[i], models[i]
        if x is None or not len(x) or not same_posterior[i]:
            diffs.append(dict(none))
            continue
        readable = m is None or set(m.columns) <= set(ref_theta.columns)  # same held set
        other = _predict(m, x, ref_theta) if readable else None
        if m is None and models[0] is None and other is not None and ref is not None:
            diffs.append(dict(none))  # neither varies: nothing depends on the parameters
            continue
        if paired[i]:  # the same runs drew the same parameters: model their differences
            direct = _paired_fit(q, series[0], x, ref_theta)
        elif other is None or ref is None:
            direct = None
        else:
            few = any(mm is not None and mm.few for mm in (m, models[0]))
            direct = (other - ref, few)
        if direct is None:
            diffs.append(dict(none))
            continue
        d, few = direct
        lo, hi = spread.central_range(d, level)
        diffs.append(
            {"diff_param_low": lo, "diff_param_high": hi, "diff_param_few": few, "draws": d}
        )
    return own, diffs


def compare_results(
    results: Sequence[Any],
    years: Sequence[int] | None = None,
    level: float = 0.95,
    outcomes: Sequence[str] = (),
) -> Comparison:
    """Compare several ensemble result folders with the first one.

    Parameters
    ----------
    results : sequence of Results
        At least two ensemble folders; the first is the reference.
    years : sequence of int, optional
        Calendar years of the spending and grey-zone metrics (default: the last full
        year every folder simulated).
    level : float
        Confidence level of every interval (and the share of the posterior an interval
        over parameters covers).
    outcomes : sequence of str
        More outcomes to compare (``MEASURE.THEATRE`` or boolean expressions).

    Returns
    -------
    Comparison
        Estimates, differences from the first folder, pairing and warnings.
    """
    if len(results) < 2:
        raise SimError("give at least two result folders to compare")
    for r in results:
        if r.manifest.get("kind", "ensemble") != "ensemble":
            raise SimError(f"{r.path}: compare needs ensemble folders, not a {r.manifest['kind']}")
    labels = folder_labels(results)
    seen = [set(theatres([r])) for r in results]
    shared = any(seen[i] & seen[j] for i in range(len(seen)) for j in range(i + 1, len(seen)))
    if not shared:  # no theatre that two of the folders both have: nothing to set side by side
        have = "; ".join(
            f"{lab}: {', '.join(theatres([r])) or 'none'}"
            for lab, r in zip(labels, results, strict=True)
        )
        raise SimError(f"the folders have no theatre in common ({have})")
    paired, common, warnings = _pairing(results, labels)
    years = list(years) if years is not None else default_years(results)
    for y in years:
        missing = [
            lab for r, lab in zip(results, labels, strict=True) if y not in years_available(r)
        ]
        if missing:
            warnings.append(
                f"note: no annual series for {y} in {', '.join(missing)} (not a full simulated "
                "year, or the folder has no annual series)"
            )
    zeros = [
        structural.impossible(r.manifest["scenario"])
        if isinstance(r.manifest.get("scenario"), dict)
        else {}
        for r in results
    ]
    thetas = [_theta(r) for r in results]
    ref_post = _posterior_id(results[0])
    same = [ref_post is not None and _posterior_id(r) == ref_post for r in results]
    rows = []
    for q in quantities(results, years, outcomes):
        series = [q.values(r) for r in results]
        own, diffs = _over_parameters(q, series, thetas, same, paired, level)
        ref = series[0]
        for i, (x, label) in enumerate(zip(series, labels, strict=True)):
            if x is None or len(x) == 0:
                continue
            row: dict[str, Any] = {
                "group": q.group,
                "outcome": q.outcome,
                "label": q.label,
                "kind": q.kind,
                "year": q.year,
                "folder": label,
                **_estimate(q, x, level),
                **own[i],
                "diff": None,
                "diff_low": None,
                "diff_high": None,
                "paired": None,
                "diff_param_low": np.nan,
                "diff_param_high": np.nan,
                "diff_param_few": None,
                "sign_share": np.nan,
                "impossible": _impossible(q, x, zeros[i]),
            }
            if i > 0 and ref is not None and len(ref):
                d, lo, hi = _difference(q, x, ref, paired[i], level)
                over = dict(diffs[i])
                draws = over.pop("draws", None)
                row.update(diff=d, diff_low=lo, diff_high=hi, paired=paired[i], **over)
                if draws is not None:
                    row["sign_share"] = spread.sign_share(draws, d)
            rows.append(row)
    return Comparison(
        labels=labels,
        titles=[scenario_title(r) for r in results],
        paired=paired,
        common_runs=common,
        years=years,
        rows=pd.DataFrame(rows),
        warnings=warnings,
        level=level,
        uncertainty=_uncertainty_notes(results, labels, paired),
    )


STRUCTURAL_KEYS = {
    "war": "war",
    "blockade": "blockade",
    "rung5": "rung5",
    "crisis": "crisis",
    "lost": "holder_changed",
}
"""Compared outcome -> `sim.analysis.structural` outcome key."""


def _impossible(q: Quantity, x: pd.Series, zeros: dict[tuple[str, str], str]) -> str | None:
    """Why folder's `q` is impossible by construction (never happened), or None."""
    name, _, theatre = q.outcome.partition(".")
    key = STRUCTURAL_KEYS.get(name)
    if key is None or not theatre or q.kind != "probability" or bool(np.any(x.to_numpy())):
        return None
    return zeros.get((theatre, key))


def _pairing(results: Sequence[Any], labels: list[str]) -> tuple[list[bool], list[int], list[str]]:
    paired, common, warnings = [True], [len(results[0].runs)], []
    ref = results[0]
    for r, label in zip(results[1:], labels[1:], strict=True):
        shared = shares_seeds(ref, r)
        paired.append(shared > 0)
        common.append(shared)
        if not shared:
            warnings.append(
                f"warning: {label} and {labels[0]} do not share seeds (master seeds "
                f"{r.manifest.get('master_seed')} and {ref.manifest.get('master_seed')}): "
                "their differences are unpaired (independent samples), with wider intervals; "
                f"rerun with --seed {ref.manifest.get('master_seed')} for common random numbers"
            )
        elif shared < max(len(ref.runs), len(r.runs)):
            warnings.append(
                f"note: {label} and {labels[0]} share seeds on {shared:,} runs; "
                "differences are paired over those runs"
            )
    return paired, common, warnings


def _uncertainty_notes(
    results: Sequence[Any], labels: Sequence[str], paired: Sequence[bool] = ()
) -> list[str]:
    """Say which uncertainty each folder's intervals include (posterior or none)."""
    from pathlib import Path

    names = []
    for r in results:
        record = r.manifest.get("posterior")
        names.append(Path(record["folder"]).name if record else None)
    if not any(names):
        return ["note: intervals are sampling intervals at fixed parameters (no posterior)"]
    lines = [
        f"note: {lab}: runs drew calibrated parameters from posterior {n}"
        if n
        else f"note: {lab}: fixed parameters (no posterior); intervals are sampling only"
        for lab, n in zip(labels, names, strict=True)
    ]
    ids = [_posterior_id(r) for r in results]
    if len(set(ids)) == 1 and any(paired[1:]):
        lines.append(
            "note: runs with the same seed drew the same parameters in every folder, so "
            "paired differences compare like with like"
        )
    elif len(set(ids)) > 1:
        lines.append(
            "note: the folders drew from different posteriors, or none, or held different "
            "calibrated parameters (--set): their differences have no interval over parameters"
        )
    return lines
