"""Compare result folders outcome by outcome, with intervals (``sim compare``).

For each theatre: P(war), P(blockade), P(rung ≥ 5), P(any crisis), P(lost) (the holder
changed), any outcome of the vocabulary asked for (`sim.analysis.outcome_names`, e.g.
``'war.taiwan or blockade.taiwan'``), crises per year and the grey-zone activity in chosen
years; for each actor, military spending in those years. Each folder gets its estimate
with a 95% interval, and every folder after the first gets its difference from the first
with an interval:

* **paired** when the two folders share seeds (the same ``run_id`` has the same ``seed`` in
  ``runs.parquet``: common random numbers). The difference is taken run by run over the
  runs both folders have: Newcombe's (1998) score interval for paired proportions
  (his method 10) or a normal interval on the per-run differences of means.
* **unpaired** otherwise, with a warning: Newcombe's hybrid score interval for independent
  proportions (method 10 of Newcombe 1998b) or Welch's normal interval for means.

Newcombe RG (1998). Improved confidence intervals for the difference between binomial
proportions based on paired data. Statistics in Medicine 17:2635-2650.
Newcombe RG (1998b). Interval estimation for the difference between independent
proportions: comparison of eleven methods. Statistics in Medicine 17:873-890.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.intervals import wilson
from sim.analysis.outcome_names import per_run_values
from sim.errors import SimError

PROPORTIONS = ("war", "blockade", "rung5", "crisis", "lost")
"""Per-theatre probabilities compared, in order (names of `sim.analysis.outcome_names`)."""

SPENDING = "milex_usd_bn"
SEVERAL = "outcomes over several theatres"
"""Group of the asked-for outcomes that name more than one theatre."""
FORMATS = ("table", "csv", "markdown", "json")


@dataclass
class Comparison:
    """The result of `compare_results`.

    Attributes
    ----------
    labels : list of str
        Short, unique folder labels (folder names), first = the reference.
    titles : list of str
        Scenario titles with overrides.
    paired : list of bool
        Whether each folder's difference from the first is paired (first: True).
    common_runs : list of int
        Runs shared with the first folder (0 when unpaired).
    years : list of int
        Calendar years of the annual metrics.
    rows : DataFrame
        One row per (group, outcome, folder): ``group, outcome, label, kind, year, folder,
        runs, successes, value, low, high, diff, diff_low, diff_high, paired``.
    warnings : list of str
        Lines to show the reader (unpaired differences, partial pairing, missing series).
    uncertainty : list of str
        Which uncertainty each folder's intervals include (a posterior or none), shown
        with the legend.
    """

    labels: list[str]
    titles: list[str]
    paired: list[bool]
    common_runs: list[int]
    years: list[int]
    rows: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    level: float = 0.95
    uncertainty: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- intervals


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2.0))


def _wilson(k: int, n: int, level: float) -> tuple[float, float]:
    lo, hi = wilson(k, n, level)
    # exact ends at 0 and n successes (the score formula leaves rounding residue)
    return (0.0 if k == 0 else float(lo)), (1.0 if k == n else float(hi))


def newcombe_unpaired(
    k1: int, n1: int, k0: int, n0: int, level: float = 0.95
) -> tuple[float, float, float]:
    """Return p1 - p0 with Newcombe's hybrid score interval for independent proportions.

    Parameters
    ----------
    k1, n1 : int
        Successes and trials of the compared sample.
    k0, n0 : int
        Successes and trials of the reference sample.
    level : float
        Confidence level.

    Returns
    -------
    (diff, low, high)
        The difference and its interval.
    """
    return newcombe_paired_from_margins(k1, n1, k0, n0, 0.0, level)


def newcombe_paired_from_margins(
    k1: int, n1: int, k0: int, n0: int, phi: float, level: float = 0.95
) -> tuple[float, float, float]:
    """Return p1 - p0 and Newcombe's square-and-add interval with correlation `phi`."""
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = _wilson(k1, n1, level)
    l0, u0 = _wilson(k0, n0, level)
    d = p1 - p0
    below = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u0 - p0) + (u0 - p0) ** 2
    above = (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p0 - l0) + (p0 - l0) ** 2
    return d, d - float(np.sqrt(max(below, 0.0))), d + float(np.sqrt(max(above, 0.0)))


def newcombe_paired(
    x1: np.ndarray, x0: np.ndarray, level: float = 0.95
) -> tuple[float, float, float]:
    """Return mean(x1) - mean(x0) for paired 0/1 outcomes with Newcombe's method 10 interval.

    Parameters
    ----------
    x1, x0 : array of 0/1
        The outcome of the same runs in the compared and the reference folder.
    level : float
        Confidence level.

    Returns
    -------
    (diff, low, high)
        The difference and its interval.
    """
    a1, a0 = np.asarray(x1) > 0.5, np.asarray(x0) > 0.5
    n = len(a1)
    both = int((a1 & a0).sum())
    only1 = int((a1 & ~a0).sum())
    only0 = int((~a1 & a0).sum())
    neither = n - both - only1 - only0
    k1, k0 = both + only1, both + only0
    denom = float(k1) * (n - k1) * k0 * (n - k0)
    phi = (both * neither - only1 * only0) / np.sqrt(denom) if denom > 0 else 0.0
    return newcombe_paired_from_margins(k1, n, k0, n, float(phi), level)


def mean_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Return the mean of `x` with a normal interval (z times the standard error)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(x.mean())
    half = _z(level) * float(x.std(ddof=1)) / np.sqrt(len(x)) if len(x) > 1 else 0.0
    return m, m - half, m + half


def welch_interval(
    x1: np.ndarray, x0: np.ndarray, level: float = 0.95
) -> tuple[float, float, float]:
    """Return mean(x1) - mean(x0) with a normal interval on independent samples."""
    x1, x0 = np.asarray(x1, dtype=np.float64), np.asarray(x0, dtype=np.float64)
    d = float(x1.mean() - x0.mean())
    var = (x1.var(ddof=1) / len(x1) if len(x1) > 1 else 0.0) + (
        x0.var(ddof=1) / len(x0) if len(x0) > 1 else 0.0
    )
    half = _z(level) * float(np.sqrt(var))
    return d, d - half, d + half


# ------------------------------------------------------------------------- the outcomes


@dataclass(frozen=True)
class Quantity:
    """A compared quantity: how to read it per run from one result folder."""

    group: str
    outcome: str
    label: str
    kind: str  # "probability" or "mean"
    year: int | None
    values: Callable[[Any], pd.Series | None]  # results -> per-run values by run_id


def shares_seeds(a: Any, b: Any) -> int:
    """Return how many run_ids `a` and `b` share with the same seed (0 if any differs)."""
    ra = a.runs[["run_id", "seed"]]
    rb = b.runs[["run_id", "seed"]]
    m = ra.merge(rb, on="run_id", suffixes=("_a", "_b"))
    if len(m) == 0 or not (m["seed_a"] == m["seed_b"]).all():
        return 0
    return len(m)


def _years_available(r: Any) -> list[int]:
    if len(r.annual) == 0:
        return []
    from sim.plots.common import full_years

    have = set(int(y) for y in r.annual["year"].unique())
    return [y for y in full_years(r.manifest) if y in have]


def default_years(results: Sequence[Any]) -> list[int]:
    """Return the last full calendar year all folders simulated (empty if none)."""
    common: set[int] | None = None
    for r in results:
        ys = set(_years_available(r))
        common = ys if common is None else common & ys
    return [max(common)] if common else []


def _annual_values(metric: str, subject: str, year: int) -> Callable[[Any], pd.Series | None]:
    def read(r: Any) -> pd.Series | None:
        a = r.annual
        if len(a) == 0:
            return None
        rows = a[(a["metric"] == metric) & (a["subject"] == subject) & (a["year"] == year)]
        if rows.empty:
            return None
        rows = rows.sort_values("run_id")
        return pd.Series(rows["value"].to_numpy(dtype=np.float64), index=rows["run_id"])

    return read


def _greyzone(results: Sequence[Any]) -> dict[str, list[tuple[str, str, str]]]:
    """Map theatre -> [(activity, annual subject, unit)] over all folders."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for r in results:
        ann = r.annual
        subjects = (
            ann.groupby("metric", observed=True)["subject"].unique().to_dict() if len(ann) else {}
        )
        for theatre, spec in (r.manifest.get("scenario", {}).get("theatres") or {}).items():
            for name, act in (spec.get("greyzone") or {}).items():
                subs = [str(s) for s in subjects.get(name, [])]
                subject = theatre if theatre in subs else (subs[0] if subs else theatre)
                unit = "days" if isinstance(act, dict) and act.get("unit") == "days" else "count"
                entry = (name, subject, unit)
                if entry not in out.setdefault(theatre, []):
                    out[theatre].append(entry)
    return out


def common_theatres(results: Sequence[Any]) -> list[str]:
    """Return the theatres every folder simulated, in the first folder's order."""
    from sim.plots.common import theatres

    shared = set.intersection(*(set(theatres([r])) for r in results))
    return [t for t in theatres(results) if t in shared]


def quantities(
    results: Sequence[Any], years: Sequence[int], outcomes: Sequence[str] = ()
) -> list[Quantity]:
    """Return every quantity compared, theatre by theatre, then spending per actor.

    `outcomes` adds outcomes of the vocabulary (``MEASURE.THEATRE`` or expressions) to the
    group of their theatre (``combined`` when they name several theatres).
    """
    from sim.analysis.outcome_names import measure, parse_outcome
    from sim.plots.common import theatres

    out: list[Quantity] = []
    grey = _greyzone(results)
    shared = theatres(results)
    extra: dict[str, list[Quantity]] = {}
    for text in outcomes:
        o = parse_outcome(text, shared, what="--outcome")
        if o.kind == "value":
            raise SimError(f"--outcome '{text}' is a value to compare, e.g. '{o.name}<=36'")
        group = o.theatre if o.theatre is not None else SEVERAL
        extra.setdefault(group, []).append(
            Quantity(group, o.name, o.label, o.kind, None, _expression(o))
        )
    for t in shared:
        for name in PROPORTIONS:
            m = measure(name)
            outcome = f"{name}.{t}"
            out.append(
                Quantity(t, outcome, m.label, "probability", None, _per_run(outcome, t)),
            )
        for q in extra.pop(t, []):
            out.append(Quantity(t, q.outcome, q.label.removesuffix(f" in {t}"), q.kind, None,
                                q.values))  # fmt: skip
        out.append(
            Quantity(t, f"crises_per_year.{t}", "crises per year", "mean", None, _crisis_rate(t))
        )
        for name, subject, unit in grey.get(t, []):
            per = "days per year" if unit == "days" else "per year"
            for y in years:
                out.append(
                    Quantity(
                        t,
                        f"{name}.{subject}",
                        f"{name.replace('_', ' ')} ({per}) in {y}",
                        "mean",
                        y,
                        _annual_values(name, subject, y),
                    )
                )
    out += extra.pop(SEVERAL, [])
    actors: list[str] = []
    for r in results:
        for a in r.manifest.get("actors") or []:
            if a not in actors:
                actors.append(a)
    for a in actors:
        for y in years:
            out.append(
                Quantity(
                    "military spending (USD bn)",
                    f"{SPENDING}.{a}",
                    f"{a} in {y}",
                    "mean",
                    y,
                    _annual_values(SPENDING, a, y),
                )
            )
    return out


def _per_run(outcome: str, theatre: str) -> Callable[[Any], pd.Series | None]:
    def read(r: Any) -> pd.Series | None:
        o = r.outcomes
        if theatre not in set(o["theatre"].unique()):
            return None
        return per_run_values(o, outcome)

    return read


def _expression(o: Any) -> Callable[[Any], pd.Series | None]:
    def read(r: Any) -> pd.Series | None:
        if not set(o.theatres) <= set(r.outcomes["theatre"].unique()):
            return None
        return o.per_run(r.outcomes, pd.Index(np.sort(r.runs["run_id"].to_numpy())))

    return read


def _crisis_rate(theatre: str) -> Callable[[Any], pd.Series | None]:
    def read(r: Any) -> pd.Series | None:
        o = r.outcomes
        rows = o[o["theatre"] == theatre].sort_values("run_id")
        if rows.empty:
            return None
        years = float(r.manifest.get("months", 12)) / 12.0
        values = rows["crises"].fillna(0).to_numpy(dtype=np.float64) / years
        return pd.Series(values, index=rows["run_id"].to_numpy())

    return read


# ----------------------------------------------------------------------- the comparison


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
        lo, hi = _wilson(k, n, level)
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
        Confidence level of every interval.
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
    from sim.plots.common import theatres

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
            lab for r, lab in zip(results, labels, strict=True) if y not in _years_available(r)
        ]
        if missing:
            warnings.append(
                f"note: no annual series for {y} in {', '.join(missing)} (not a full simulated "
                "year, or the folder has no annual series)"
            )
    rows = []
    for q in quantities(results, years, outcomes):
        series = [q.values(r) for r in results]
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
                "diff": None,
                "diff_low": None,
                "diff_high": None,
                "paired": None,
            }
            if i > 0 and ref is not None and len(ref):
                d, lo, hi = _difference(q, x, ref, paired[i], level)
                row.update(diff=d, diff_low=lo, diff_high=hi, paired=paired[i])
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
        f"note: {lab}: runs drew calibrated parameters from posterior {n}; intervals are "
        "sampling intervals of averages over it"
        if n
        else f"note: {lab}: fixed parameters (no posterior); intervals are sampling only"
        for lab, n in zip(labels, names, strict=True)
    ]
    if len(set(names)) == 1 and any(paired[1:]):
        lines.append(
            "note: runs with the same seed drew the same parameters in every folder, so "
            "paired differences compare like with like"
        )
    return lines


# ------------------------------------------------------------------------------ output


def _fmt_value(kind: str, v: float | None, lo: float | None, hi: float | None) -> str:
    if v is None or pd.isna(v):
        return "–"
    if kind == "probability":
        return f"{v:.2%} [{lo:.2%}, {hi:.2%}]"
    return f"{_g(v)} [{_g(lo)}, {_g(hi)}]"


def _fmt_diff(kind: str, d: Any, lo: Any, hi: Any) -> str:
    if d is None or pd.isna(d):
        return "–"
    if kind == "probability":
        return f"{d * 100:+.2f} pp [{lo * 100:+.2f}, {hi * 100:+.2f}]"
    return f"{_g(d, sign=True)} [{_g(lo, sign=True)}, {_g(hi, sign=True)}]"


def _g(x: Any, sign: bool = False) -> str:
    x = float(x)
    s = "+" if sign else ""
    if abs(x) < 10:
        return f"{x:{s}.3f}"
    if abs(x) < 1000:
        return f"{x:{s}.1f}"
    return f"{x:{s},.0f}"


def _grid(c: Comparison, group: str) -> tuple[list[str], list[list[str]]]:
    """Return the header and cells of one group's table."""
    part = c.rows[c.rows["group"] == group]
    header = ["outcome"]
    for i, lab in enumerate(c.labels):
        header.append(lab)
        if i > 0:
            header.append(f"{lab} − {c.labels[0]}" + ("" if c.paired[i] else " (unpaired)"))
    cells = []
    for (_, label), g in part.groupby(["outcome", "label"], sort=False):
        by = g.set_index("folder")
        row = [str(label)]
        for i, lab in enumerate(c.labels):
            if lab not in by.index:
                row += ["–"] * (1 if i == 0 else 2)
                continue
            rec: dict[Any, Any] = by.loc[lab].to_dict()
            row.append(_fmt_value(rec["kind"], rec["value"], rec["low"], rec["high"]))
            if i > 0:
                row.append(_fmt_diff(rec["kind"], rec["diff"], rec["diff_low"], rec["diff_high"]))
        cells.append(row)
    return header, cells


def _groups(c: Comparison) -> list[str]:
    return list(dict.fromkeys(c.rows["group"])) if len(c.rows) else []


def _legend(c: Comparison) -> list[str]:
    lines = []
    for i, (lab, title) in enumerate(zip(c.labels, c.titles, strict=True)):
        if i == 0:
            how = "reference"
        elif c.paired[i]:
            how = f"paired with {c.labels[0]} on {c.common_runs[i]:,} runs"
        else:
            how = "unpaired: different seeds"
        lines.append(f"{lab}: {title} ({how})")
    return lines


def format_table(c: Comparison, header: bool = True) -> str:
    """Return plain-text tables, one per theatre and one for spending.

    Parameters
    ----------
    c : Comparison
        The comparison.
    header : bool
        Start with the folder legend and how to read the intervals (warnings always show).
    """
    pct = int(round(c.level * 100))
    lines = []
    if header:
        lines += [
            *_legend(c),
            f"Values with {pct}% intervals (Wilson for probabilities, normal for means); "
            "differences from the first folder in percentage points (pp) or units.",
            *c.uncertainty,
        ]
    lines += [*c.warnings, ""] if (header or c.warnings) else []
    for group in _groups(c):
        head, cells = _grid(c, group)
        widths = [max(len(h), *(len(r[j]) for r in cells)) for j, h in enumerate(head)]
        title = group if group.startswith("military") or group == SEVERAL else f"Theatre {group}"
        lines.append(title)
        lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
        for r in cells:
            lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
        lines.append("")
    return "\n".join(line.rstrip() for line in lines)


def format_markdown(c: Comparison, header: bool = True) -> str:
    """Return Markdown tables, one per theatre and one for spending (legend if `header`)."""
    legend = [*_legend(c), *c.uncertainty] if header else []
    lines = [*(f"- {x}" for x in legend), *(f"> {w}" for w in c.warnings)]
    lines += [""] if lines else []
    for group in _groups(c):
        head, cells = _grid(c, group)
        title = group if group.startswith("military") or group == SEVERAL else f"Theatre {group}"
        lines += [f"### {title}", "", "| " + " | ".join(head) + " |"]
        lines.append("|" + "|".join("---" for _ in head) + "|")
        lines += ["| " + " | ".join(r) + " |" for r in cells]
        lines.append("")
    return "\n".join(lines)


def format_csv(c: Comparison) -> str:
    """Return the tidy rows as CSV (one row per group, outcome and folder)."""
    return c.rows.to_csv(index=False)


def to_dict(c: Comparison) -> dict[str, Any]:
    """Return a JSON-ready dictionary of the comparison."""
    rows = json.loads(c.rows.to_json(orient="records"))
    return {
        "level": c.level,
        "folders": [
            {"label": lab, "title": t, "paired": p, "common_runs": n}
            for lab, t, p, n in zip(c.labels, c.titles, c.paired, c.common_runs, strict=True)
        ],
        "years": c.years,
        "warnings": c.warnings,
        "uncertainty": c.uncertainty,
        "rows": rows,
    }


def render(c: Comparison, fmt: str = "table", header: bool = True) -> str:
    """Render the comparison as ``table``, ``csv``, ``markdown`` or ``json`` text.

    Parameters
    ----------
    c : Comparison
        The comparison.
    fmt : str
        ``table``, ``csv``, ``markdown`` or ``json``.
    header : bool
        Table and Markdown: start with the folder legend.
    """
    if fmt == "table":
        return format_table(c, header)
    if fmt == "csv":
        return format_csv(c)
    if fmt == "markdown":
        return format_markdown(c, header)
    if fmt == "json":
        return json.dumps(to_dict(c), indent=2) + "\n"
    raise SimError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
