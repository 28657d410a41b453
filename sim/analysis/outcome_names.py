"""One outcome vocabulary: ``MEASURE.THEATRE`` and boolean combinations of such terms.

Outcomes are named ``war.taiwan``, ``blockade.senkaku``, or combined:
``'war.taiwan or blockade.taiwan'``.

Declared once here and used by ``sim runs``, ``sim plot``, ``sim compare``, ``sim analyze``,
``sim discover``, ``sim export`` and the report. Every outcome column the engine declares
(`sim.engine.simulate.outcome_columns`, the ``outcomes.parquet`` contract) is a measure,
so a new column is an outcome everywhere without touching this module; a few derived
measures (``rung4``, ``rung5``, ``crisis``, ``joined_<ALLIANCE>``) are added on top.

Each measure knows its label ("P(war)"), its kind (a ``probability``: a share of runs; a
``mean``; or a ``value`` that is only compared in expressions, such as a month or a
holder), the column of a sweep's ``summary.parquet`` that holds it per point (if any; other
measures are computed from ``outcomes.parquet``), and how to read it per run.

An outcome named as an expression (anything with ``and``/``or``/``not`` or a comparison,
see `sim.analysis.query`) is a probability: the share of runs where the expression holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError


@dataclass(frozen=True)
class Measure:
    """A per-theatre outcome measure.

    Attributes
    ----------
    name : str
        Short name used in ``MEASURE.THEATRE``.
    label : str
        Human-readable label without the theatre, e.g. ``"P(war)"``.
    column : str or None
        Column of a sweep's ``summary.parquet`` holding the measure per point.
    kind : str
        ``"probability"`` (a share of runs), ``"mean"`` or ``"value"`` (compared only).
    per_run : callable
        ``per_run(outcomes_rows)`` -> float array, one value per row of ``outcomes.parquet``.
    dtype : str
        Type of `values` in expressions: ``bool``, ``number`` or ``text``.
    values : callable or None
        ``values(outcomes_rows)`` -> Series of the raw values (default: `per_run`).
    doc : str
        What it means (from the engine's column declaration for column measures).
    """

    name: str
    label: str
    column: str | None
    kind: str
    per_run: Callable[[pd.DataFrame], np.ndarray]
    dtype: str = "number"
    values: Callable[[pd.DataFrame], pd.Series] | None = None
    doc: str = ""

    def raw(self, rows: pd.DataFrame) -> pd.Series:
        """Return the values of `rows` (one per row) for comparisons in expressions."""
        if self.values is not None:
            return self.values(rows)
        return pd.Series(self.per_run(rows), index=rows.index)


def _bool(col: str) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda df: df[col].astype("boolean").fillna(False).to_numpy(dtype=np.float64)


def _number(col: str) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda df: pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64)


def _count(col: str) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda df: pd.to_numeric(df[col], errors="coerce").fillna(0).to_numpy(np.float64)


def _column(col: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda df: df[col]


def _nan(df: pd.DataFrame) -> np.ndarray:
    return np.full(len(df), np.nan)


def _rung_at_least(r: int) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda df: (df["max_rung"].to_numpy(dtype=np.float64) >= r).astype(np.float64)


def _crisis(df: pd.DataFrame) -> np.ndarray:
    if "crises" in df:
        return (df["crises"].fillna(0).to_numpy(dtype=np.float64) > 0).astype(np.float64)
    return df["first_crisis_month"].notna().to_numpy(dtype=np.float64)


SHORT_NAMES = {"holder_changed": "lost", "nuclear_use": "nuclear"}
"""Outcome columns known by a shorter measure name (the column name stays an alias)."""

LABELS = {
    "war": "P(war)",
    "lost": "P(lost)",
    "nuclear": "P(nuclear use)",
    "blockade": "P(blockade)",
    "seized": "P(seized)",
    "max_rung": "mean highest rung",
    "crises": "crises per run",
    "concession_share": "mean concession share",
    "war_month": "month of war onset",
    "first_crisis_month": "month of the first crisis",
    "holder_final": "final holder",
    "war_path": "how the first war began",
    "allies_joined": "patrons that joined",
}
SUMMARY_COLUMNS = {
    "war": "p_war",
    "lost": "p_holder_changed",
    "nuclear": "p_nuclear",
    "max_rung": "mean_max_rung",
    "crises": "mean_crises",
    "blockade": "p_blockade",
    "seized": "p_seized",
    "concession_share": "mean_concession_share",
}
"""Sweep ``summary.parquet`` column of a measure (computed from outcomes when absent)."""

VALUE_COLUMNS = ("war_month", "first_crisis_month")
"""Numeric columns that are values to compare, not quantities to average (months)."""


def _column_measure(column: Any) -> Measure:
    """Return the measure of one declared engine `Column`."""
    name = SHORT_NAMES.get(column.name, column.name)
    col = column.name
    if column.arrow == "bool":
        kind, dtype, per_run = "probability", "bool", _bool(col)
        label = LABELS.get(name, f"P({name.replace('_', ' ')})")
    elif column.arrow == "string":
        kind, dtype, per_run = "value", "text", _nan
        label = LABELS.get(name, name.replace("_", " "))
    elif col in VALUE_COLUMNS or column.null_below_zero:
        kind, dtype, per_run = "value", "number", _number(col)
        label = LABELS.get(name, name.replace("_", " "))
    else:
        kind, dtype, per_run = "mean", "number", _count(col)
        label = LABELS.get(name, f"mean {name.replace('_', ' ')}")
    values = _column(col) if dtype != "number" else None
    return Measure(name, label, SUMMARY_COLUMNS.get(name), kind, per_run, dtype, values, column.doc)


DERIVED = (
    Measure(
        name="rung4",
        label="P(rung ≥ 4)",
        column="p_rung_ge4",
        kind="probability",
        per_run=_rung_at_least(4),
        dtype="bool",
        doc="Reached rung 4 or higher.",
    ),
    Measure(
        name="rung5",
        label="P(rung ≥ 5)",
        column="p_rung_ge5",
        kind="probability",
        per_run=_rung_at_least(5),
        dtype="bool",
        doc="Reached rung 5 or higher.",
    ),
    Measure(
        name="crisis",
        label="P(any crisis)",
        column="p_crisis",
        kind="probability",
        per_run=_crisis,
        dtype="bool",
        doc="At least one crisis opened.",
    ),
)
"""Measures computed from the outcome columns."""


def _measures() -> dict[str, Measure]:
    from sim.engine.simulate import outcome_columns

    out: dict[str, Measure] = {}
    columns = [_column_measure(c) for c in outcome_columns()]
    # war first, then the derived measures, the rest in declaration order
    for m in sorted(columns, key=lambda m: m.name != "war"):
        out[m.name] = m
        if m.name == "war":
            for d in DERIVED:
                out[d.name] = d
    return out


MEASURES: dict[str, Measure] = _measures()
"""Every measure by name: the engine's outcome columns and `DERIVED`, in display order."""

ALIASES = {**SHORT_NAMES, "rung6": "war", "any_crisis": "crisis"}
"""Other names accepted for a measure."""
JOINED_PREFIX = "joined_"


def _joined(alliance: str) -> Measure:
    def per_run(df: pd.DataFrame) -> np.ndarray:
        codes = df["allies_joined"].fillna("").astype(str)
        patron = alliance.split("-")[0]
        return codes.map(lambda s: patron in s.split(",") or alliance in s.split(",")).to_numpy(
            dtype=np.float64
        )

    return Measure(
        f"{JOINED_PREFIX}{alliance}",
        f"P({alliance.split('-')[0]} joined, {alliance})",
        f"p_joined_{alliance}",
        "probability",
        per_run,
        "bool",
        doc=f"The patron of alliance {alliance} joined a war there.",
    )


def measure(name: str) -> Measure:
    """Return the measure called `name` (aliases and ``joined_<ALLIANCE>`` accepted)."""
    name = ALIASES.get(name, name)
    if name in MEASURES:
        return MEASURES[name]
    if name.startswith(JOINED_PREFIX) and len(name) > len(JOINED_PREFIX):
        return _joined(name[len(JOINED_PREFIX) :])
    raise SimError(f"unknown outcome measure '{name}' (known: {', '.join(known_measures())})")


def known_measures() -> list[str]:
    """Return each measure name once (aliases in parentheses), for help and error messages."""
    back: dict[str, list[str]] = {}
    for alias, target in ALIASES.items():
        if alias in SHORT_NAMES:
            back.setdefault(target, []).append(alias)
    return [
        name + (f" (or {', '.join(back[name])})" if name in back else "") for name in MEASURES
    ] + [f"{JOINED_PREFIX}<ALLIANCE>"]


def vocabulary() -> pd.DataFrame:
    """Return the measures as a table: name, kind, label, summary column, meaning."""
    rows = [
        {
            "measure": m.name,
            "kind": m.kind,
            "label": m.label,
            "aliases": ", ".join(a for a, t in ALIASES.items() if t == m.name),
            "meaning": m.doc,
        }
        for m in MEASURES.values()
    ]
    rows.append(
        {
            "measure": f"{JOINED_PREFIX}<ALLIANCE>",
            "kind": "probability",
            "label": "P(PATRON joined, ALLIANCE)",
            "aliases": "",
            "meaning": "The alliance's patron joined a war in the theatre.",
        }
    )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Outcome:
    """A parsed outcome: ``MEASURE.THEATRE`` or a boolean expression of such terms.

    Attributes
    ----------
    measure : Measure or None
        The measure of a plain ``MEASURE.THEATRE`` (None for an expression).
    theatre : str or None
        Its theatre (for an expression: the theatre when all terms name the same one).
    tree : object or None
        The parsed expression (`sim.analysis.query`), None for a plain measure.
    """

    measure: Measure | None
    theatre: str | None
    tree: Any = None

    @property
    def name(self) -> str:
        """Return the canonical name, e.g. ``war.taiwan`` or ``war.taiwan or blockade.taiwan``."""
        if self.tree is not None:
            from sim.analysis.expressions import unparse

            return unparse(self.tree)
        assert self.measure is not None
        return f"{self.measure.name}.{self.theatre}"

    @property
    def label(self) -> str:
        """Return the human-readable label, e.g. ``P(war) in taiwan``."""
        if self.tree is not None:
            return f"P({self.name})"
        assert self.measure is not None
        return f"{self.measure.label} in {self.theatre}"

    @property
    def column(self) -> str | None:
        """Return the sweep summary column holding this outcome (None: from outcomes)."""
        return self.measure.column if self.measure is not None else None

    @property
    def kind(self) -> str:
        """``probability`` (expressions too), ``mean`` or ``value``."""
        return "probability" if self.measure is None else self.measure.kind

    @property
    def is_probability(self) -> bool:
        """Return whether the outcome is a share of runs."""
        return self.kind == "probability"

    @property
    def theatres(self) -> list[str]:
        """Return the theatres the outcome names, in order."""
        if self.tree is None:
            return [str(self.theatre)]
        from sim.analysis.expressions import terms_of

        return list(dict.fromkeys(str(t.theatre) for t in terms_of(self.tree)))

    def per_run(self, outcomes: pd.DataFrame, run_ids: pd.Index | None = None) -> pd.Series:
        """Return the outcome per run (0/1 for probabilities), indexed by run_id.

        Parameters
        ----------
        outcomes : DataFrame
            Rows of ``outcomes.parquet``.
        run_ids : Index, optional
            Runs to return (default: the runs of the named theatres, sorted).
        """
        if self.tree is None:
            assert self.measure is not None
            rows = outcomes[outcomes["theatre"] == self.theatre].sort_values("run_id")
            values = pd.Series(
                self.measure.per_run(rows), index=rows["run_id"].to_numpy(), name=self.name
            )
            return values if run_ids is None else values.reindex(run_ids)
        wide = wide_outcomes(outcomes)
        if run_ids is None:
            ids = [wide[t].index for t in self.theatres if t in wide]
            run_ids = (
                pd.Index(np.unique(np.concatenate([i.to_numpy() for i in ids])))
                if ids
                else pd.Index([])
            )
        mask = _evaluate_tree(self.tree, wide, pd.Index(run_ids), "outcome", self.name)
        return pd.Series(mask.astype(np.float64), index=run_ids, name=self.name)


_LEGACY = {m.column: m.name for m in MEASURES.values() if m.column}


def _measure_in(name: str, what: str, expr: str) -> Measure:
    """Return the measure a term names; else one line naming the expression and the known ones."""
    try:
        return measure(_LEGACY.get(name, name))
    except SimError:
        where = f"{what} '{expr}': " if expr else ""
        raise SimError(
            f"{where}unknown measure '{name}' (known: {', '.join(known_measures())})"
        ) from None


def parse_outcome(
    text: str, theatres: Iterable[str] | None = None, what: str = "outcome"
) -> Outcome:
    """Parse ``MEASURE.THEATRE`` or an expression; check theatres against `theatres`.

    Parameters
    ----------
    text : str
        The outcome, e.g. ``war.taiwan``, ``rung5.senkaku`` or
        ``'war.taiwan or blockade.taiwan'`` (any `sim.analysis.query` expression).
    theatres : iterable of str, optional
        The known theatres; an unknown theatre raises `SimError`.
    what : str
        How errors name the outcome's source (``--outcome``, ``--where``).

    Returns
    -------
    Outcome
        The measure and theatre, or the parsed expression.
    """
    from sim.analysis.expressions import Term, parse_where, terms_of

    text = text.strip()
    plain = text and not any(c in text for c in " ()<>=!'\"")
    if plain and "." not in text:
        raise SimError(
            f"{what} '{text}' must look like MEASURE.THEATRE, e.g. war.taiwan "
            f"(measures: {', '.join(known_measures())})"
        )
    tree = parse_where(text, theatres=True, what=what)
    known = list(theatres) if theatres is not None else None
    for term in terms_of(tree):
        _measure_in(term.measure, what if not plain else "", "" if plain else text)
        if known is not None and term.theatre not in known:
            raise SimError(
                f"{what} '{text}': unknown theatre '{term.theatre}' "
                f"(known: {', '.join(sorted(known))})"
                if not plain
                else f"unknown theatre '{term.theatre}' (known: {', '.join(sorted(known))})"
            )
    if isinstance(tree, Term) and tree.op is None:
        m = measure(_LEGACY.get(tree.measure, tree.measure))
        if m.kind != "value":
            return Outcome(m, tree.theatre)
    named = list(dict.fromkeys(t.theatre for t in terms_of(tree)))
    return Outcome(None, named[0] if len(named) == 1 else None, tree)


def outcome_label(text: str) -> str:
    """Return a human-readable label for an outcome name or a summary column.

    Unknown names are returned unchanged, so labels never fail.
    """
    try:
        if "." in text:
            return parse_outcome(text).label
        return measure(_LEGACY.get(text, text)).label
    except SimError:
        return text


def default_outcomes(theatres: Iterable[str], measures: Iterable[str] = ("war",)) -> list[str]:
    """Return ``MEASURE.THEATRE`` for every measure and theatre, theatre-major."""
    return [f"{m}.{t}" for t in theatres for m in measures]


def outcome_vector(
    summary: pd.DataFrame,
    outcome: str,
    outcomes: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
) -> np.ndarray:
    """Return the per-point values of `outcome` in a sweep.

    Parameters
    ----------
    summary : DataFrame
        ``summary.parquet`` of a sweep (one row per point and theatre).
    outcome : str
        ``MEASURE.THEATRE`` (e.g. ``war.taiwan``) or an expression.
    outcomes : DataFrame or callable, optional
        The sweep's ``outcomes.parquet`` (or a function loading it): outcomes the summary
        does not hold (``blockade``, expressions) are averaged from it per point.

    Returns
    -------
    ndarray
        One value per point, in point order.
    """
    o = parse_outcome(outcome, summary["theatre"].unique(), what="--outcome")
    if o.tree is None and o.column is not None and o.column in summary.columns:
        rows = summary[summary["theatre"] == o.theatre].sort_values("point_id")
        return rows[o.column].to_numpy(dtype=np.float64)
    if outcomes is not None:
        table = outcomes() if callable(outcomes) else outcomes
        return point_values(table, o, np.sort(summary["point_id"].unique()))
    have = [n for n, m in MEASURES.items() if m.column and m.column in summary.columns] + sorted(
        f"{JOINED_PREFIX}{c[len('p_joined_') :]}"
        for c in summary.columns
        if c.startswith("p_joined_")
    )
    raise SimError(
        f"outcome '{outcome}' is not in this sweep's summary (available: {', '.join(have)})"
    )


def point_values(outcomes: pd.DataFrame, outcome: Outcome, points: np.ndarray) -> np.ndarray:
    """Return the mean of `outcome` over the runs of each sweep point, in `points` order."""
    if "point_id" not in outcomes.columns:
        raise SimError("outcomes.parquet has no point_id: not a sweep folder")
    point_of = outcomes.drop_duplicates("run_id").set_index("run_id")["point_id"]
    values = outcome.per_run(outcomes, pd.Index(np.sort(point_of.index.to_numpy())))
    if outcome.kind == "value":
        raise SimError(f"'{outcome.name}' is a value to compare, e.g. {outcome.name}<=36")
    means = values.groupby(point_of.reindex(values.index).to_numpy()).mean()
    return means.reindex(points).to_numpy(dtype=np.float64)


def per_run_values(outcomes: pd.DataFrame, outcome: str) -> pd.Series:
    """Return `outcome` per run from ``outcomes.parquet`` rows, indexed by run_id.

    Parameters
    ----------
    outcomes : DataFrame
        Rows of ``outcomes.parquet`` (run_id, theatre, outcome columns).
    outcome : str
        ``MEASURE.THEATRE`` or an expression (then 1 where it holds, else 0).

    Returns
    -------
    Series
        One float per run of the theatre (0/1 for probabilities), sorted by run_id.
    """
    return parse_outcome(outcome, outcomes["theatre"].unique()).per_run(outcomes)


# ---------------------------------------------------------------------- run expressions


def wide_outcomes(outcomes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Return the rows of each theatre indexed by run_id."""
    return {
        str(theatre): rows.set_index("run_id")
        for theatre, rows in outcomes.groupby("theatre", sort=False)
    }


def _evaluate_tree(
    tree: Any, wide: dict[str, pd.DataFrame], run_ids: pd.Index, what: str, expr: str
) -> np.ndarray:
    from sim.analysis.expressions import Term, compare, evaluate

    def leaf(term: Term) -> np.ndarray:
        if term.theatre not in wide:
            raise SimError(
                f"{what} '{expr}': unknown theatre '{term.theatre}' (known: {', '.join(wide)})"
            )
        m = _measure_in(term.measure, what, expr)
        rows = wide[str(term.theatre)]
        values = m.raw(rows).reindex(run_ids)
        if term.op is None and m.kind == "value":
            return (values.notna() & values.astype(object).ne("")).to_numpy(dtype=bool)
        return compare(term, values, m.dtype, what, expr)

    return evaluate(tree, leaf)


def evaluate_runs(
    outcomes: pd.DataFrame, expr: str, run_ids: pd.Index, what: str = "--where"
) -> tuple[np.ndarray, Any]:
    """Return (one bool per run of `run_ids`, the parsed tree) for a run expression."""
    from sim.analysis.expressions import parse_where

    tree = parse_where(expr, theatres=True, what=what)
    return _evaluate_tree(tree, wide_outcomes(outcomes), run_ids, what, expr), tree
