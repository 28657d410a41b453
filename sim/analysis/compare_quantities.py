"""The quantities `sim compare` sets side by side and the `Comparison` of them.

`sim.analysis.compare` computes a `Comparison`, `sim.analysis.compare_format` renders it.

For each theatre: P(war), P(blockade), P(rung ≥ 5), P(any crisis), P(lost) (the holder
changed), any outcome of the vocabulary asked for (`sim.analysis.outcome_names`, e.g.
``'war.taiwan or blockade.taiwan'``), crises per year and the grey-zone activity in chosen
years; for each actor, military spending in those years.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.folders import full_years, theatres
from sim.analysis.outcome_names import per_run_values
from sim.errors import SimError

PROPORTIONS = ("war", "blockade", "rung5", "crisis", "lost")
"""Per-theatre probabilities compared, in order (names of `sim.analysis.outcome_names`)."""

SPENDING = "milex_usd_bn"
SEVERAL = "outcomes over several theatres"
"""Group of the asked-for outcomes that name more than one theatre."""


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


def years_available(r: Any) -> list[int]:
    """Return the full calendar years with annual series in folder `r`."""
    if len(r.annual) == 0:
        return []
    have = set(int(y) for y in r.annual["year"].unique())
    return [y for y in full_years(r.manifest) if y in have]


def default_years(results: Sequence[Any]) -> list[int]:
    """Return the last full calendar year all folders simulated (empty if none)."""
    common: set[int] | None = None
    for r in results:
        ys = set(years_available(r))
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
            out.append(
                Quantity(t, q.outcome, q.label.removesuffix(f" in {t}"), q.kind, None, q.values)
            )
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
        runs, successes, value, low, high, param_low, param_high, param_few, diff,
        diff_low, diff_high, paired, diff_param_low, diff_param_high, diff_param_few,
        sign_share`` (``param_*`` and ``sign_share`` NaN without a posterior or with
        fewer than 5 runs with the outcome; ``*_few``: the interval over parameters rests
        on fewer than 20).
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

    @property
    def over_parameters(self) -> bool:
        """Whether any row has an interval over parameters."""
        return "param_low" in self.rows and bool(self.rows["param_low"].notna().any())
