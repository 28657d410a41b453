"""Boolean expressions over outcomes and crises (``--where``, ``--outcome``).

Used by ``sim runs --where``, ``sim crises --where`` and every ``--outcome`` that takes a
combination (``'war.taiwan or blockade.taiwan'``).

An expression combines terms with ``and``, ``or``, ``not`` and parentheses (``and`` binds
tighter than ``or``). A term names a value, optionally compared with another:

* ``war.taiwan``: true when the value is true, non-zero or non-empty;
* ``max_rung.senkaku>=5``, ``crises.taiwan>2``, ``war_month.taiwan<=36``,
  ``holder_final.taiwan==CHN``, ``war_path.taiwan=='bargaining failure'``: compared with
  ``<``, ``<=``, ``>``, ``>=``, ``==`` (or ``=``), ``!=``. A value with spaces is quoted
  (``'...'`` or ``"..."``). Numbers compare with numbers, text and true/false only with
  ``==`` and ``!=``; a missing value (no war, no crisis) compares false.

Run expressions (`select_runs`) name outcomes as ``MEASURE.THEATRE``, from the vocabulary
of `sim.analysis.outcome_names` (every outcome column and the derived measures). Crisis
expressions (`select_crises`) name the columns of the crisis log (``theatre``,
``trigger``, ``peak_rung``, ``opened``...; see `CRISIS_COLUMNS`).

Every mistake is a `SimError`: one line naming the expression and the problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.crisis_columns import CRISIS_COLUMNS
from sim.analysis.expressions import (
    Term,
    compare,
    compare_month,
    evaluate,
    parse_where,
    terms_of,
)
from sim.errors import SimError

SHOWN = ("max_rung", "war", "war_month", "first_crisis_month", "crises", "holder_final")
"""Outcomes printed by ``sim runs`` for each theatre the expression mentions."""


def select_runs(results: Any, expr: str, limit: int | None = None) -> tuple[pd.DataFrame, int]:
    """Return the runs matching `expr` with their seeds and the outcomes it mentions.

    Parameters
    ----------
    results : Results
        A loaded result folder.
    expr : str
        The ``--where`` expression (see the module docstring).
    limit : int, optional
        Keep at most this many matching runs (the first by ``run_id``).

    Returns
    -------
    (DataFrame, int)
        One row per matching run: ``run_id``, ``seed`` (and ``point_id`` for sweeps),
        then ``MEASURE.THEATRE`` columns for the theatres the expression names; and the
        number of matching runs before the limit.
    """
    from sim.analysis.outcome_names import evaluate_runs, wide_outcomes

    outcomes = results.outcomes
    runs = results.runs.set_index("run_id").sort_index()
    mask, tree = evaluate_runs(outcomes, expr, runs.index, what="--where")
    matched = runs.index[mask]
    total = int(mask.sum())
    if limit is not None:
        matched = matched[: max(limit, 0)]
    table = pd.DataFrame({"run_id": matched})
    table["seed"] = runs.loc[matched, "seed"].to_numpy()
    if "point_id" in runs.columns:
        table["point_id"] = runs.loc[matched, "point_id"].to_numpy()
    wide = wide_outcomes(outcomes)
    for theatre in dict.fromkeys(t.theatre for t in terms_of(tree)):
        rows = wide[str(theatre)].reindex(matched)
        for column in SHOWN:
            table[f"{column}.{theatre}"] = rows[column].to_numpy()
    return table, total


def format_runs(table: pd.DataFrame, fmt: str) -> str:
    """Render matching rows as ``table`` (aligned text), ``csv`` or ``json`` (records)."""
    if fmt == "csv":
        return table.to_csv(index=False)
    if fmt == "json":
        return table.to_json(orient="records", indent=1) + "\n"
    if table.empty:
        return ""
    text = table.astype(object).where(table.notna(), "-").astype(str)
    widths = {c: max(len(c), *(len(v) for v in text[c])) for c in text.columns}
    lines = ["  ".join(f"{c:>{widths[c]}}" for c in text.columns)]
    for row in text.itertuples(index=False):
        lines.append("  ".join(f"{v:>{widths[c]}}" for c, v in zip(text.columns, row, strict=True)))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- crises


CRISIS_SHOWN = (
    "run_id",
    "trigger",
    "theatre",
    "challenger",
    "defender",
    "parties",
    "peak_rung",
    "ending",
    "opened",
    "ended",
)
"""Columns ``sim crises`` prints, in order (after ``point_id`` for sweeps)."""


def month_names(offsets: pd.Series, start: str) -> pd.Series:
    """Return YYYY-MM of month offsets from `start` (``YYYY-MM``); missing stays missing."""
    year, month = (int(x) for x in str(start).split("-")[:2])
    base = year * 12 + month - 1
    m = pd.to_numeric(offsets, errors="coerce")
    out = pd.Series([None] * len(m), index=m.index, dtype=object)
    ok = m.notna()
    total = (base + m[ok].astype(np.int64)).to_numpy()
    out[ok] = [f"{t // 12:04d}-{t % 12 + 1:02d}" for t in total]
    return out


def crisis_table(crises: pd.DataFrame, start: str) -> pd.DataFrame:
    """Return the crisis log with the derived columns of `CRISIS_COLUMNS` added."""
    c = crises.reset_index(drop=True).copy()
    c["kind"] = c["trigger"].astype(str).str.split(":", n=1).str[0]
    c["opened"] = month_names(c["opened_month"], start)
    c["ended"] = month_names(c["ended_month"], start)
    c["months"] = pd.to_numeric(c["ended_month"], errors="coerce") - c["opened_month"]
    return c


def evaluate_crises(table: pd.DataFrame, expr: str, what: str = "--where") -> np.ndarray:
    """One bool per row of a `crisis_table`: whether the crisis matches `expr`."""
    tree = parse_where(expr, theatres=False, what=what)
    known = [c for c in CRISIS_COLUMNS if c in table.columns]

    def leaf(term: Term) -> np.ndarray:
        if term.measure not in known:
            raise SimError(
                f"{what} '{expr}': unknown crisis column '{term.measure}' "
                f"(known: {', '.join(known)})"
            )
        dtype = CRISIS_COLUMNS[term.measure][0]
        values = table[term.measure]
        if dtype == "month":
            return compare_month(term, values, what, expr)
        return compare(term, values, dtype, what, expr)

    return evaluate(tree, leaf)


def select_crises(
    results: Any, expr: str | None, limit: int | None = None
) -> tuple[pd.DataFrame, int, int, int]:
    """Return the crises matching `expr` (all when None) and three counts.

    The counts are: crises matching, crises in the log, runs with a matching crisis.

    Parameters
    ----------
    results : Results
        A loaded result folder with a crisis log.
    expr : str or None
        A crisis expression over `CRISIS_COLUMNS`, e.g. ``theatre==taiwan and peak_rung>=5``.
    limit : int, optional
        Keep at most this many matching crises (in run and opening order).
    """
    log = results.crises
    if log is None or "trigger" not in log.columns:
        raise SimError(f"{results.path}: no crisis log (crises.parquet); rerun the ensemble")
    start = str(results.manifest.get("start", "2000-01"))
    table = crisis_table(log, start)
    mask = evaluate_crises(table, expr) if expr else np.ones(len(table), dtype=bool)
    matched = table[mask].sort_values(["run_id", "opened_month"], kind="stable")
    total, runs = len(matched), int(matched["run_id"].nunique())
    if limit is not None:
        matched = matched.head(max(limit, 0))
    columns = [c for c in ("point_id", *CRISIS_SHOWN) if c in matched.columns]
    return matched[columns].reset_index(drop=True), total, len(table), runs


def crisis_help(names: Iterable[str] = CRISIS_COLUMNS) -> str:
    """One line per crisis column, for help texts and docs."""
    return "\n".join(f"{n}: {CRISIS_COLUMNS[n][1]}" for n in names)
