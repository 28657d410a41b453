"""``sim runs DIR --where EXPR``: list the runs of a result folder by their outcomes.

An expression combines terms with ``and``, ``or``, ``not`` and parentheses (``and`` binds
tighter than ``or``). A term names an outcome of one theatre in the outcome scheme
``MEASURE.THEATRE``, optionally compared with a value:

* ``war.taiwan``: true when the outcome is true or non-zero;
* ``max_rung.senkaku>=5``, ``crises.taiwan>2``, ``war_month.taiwan<=36``,
  ``holder_final.taiwan==CHN``: compared with ``<``, ``<=``, ``>``, ``>=``, ``==`` (or
  ``=``), ``!=``.

MEASURE is a column of ``outcomes.parquet`` (``max_rung``, ``war``, ``war_month``,
``first_crisis_month``, ``crises``, ``holder_final``, ``holder_changed``,
``allies_joined``, ``nuclear_use``) or a measure of `sim.analysis.outcome_names`
(``rung4``, ``rung5``, ``crisis``, ``lost``, ``nuclear``, ``joined_<ALLIANCE>``), which
are 0/1 per run. A missing month (no war, no crisis) compares false.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError

COLUMNS = (
    "max_rung",
    "war",
    "war_month",
    "first_crisis_month",
    "crises",
    "holder_final",
    "holder_changed",
    "allies_joined",
    "nuclear_use",
)
"""Per-run outcome columns that a term may name directly."""

SHOWN = ("max_rung", "war", "war_month", "first_crisis_month", "crises", "holder_final")
"""Outcomes printed for each theatre the expression mentions."""

_TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<op><=|>=|==|!=|<|>|=)|(?P<word>[^\s()<>=!]+))")
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


@dataclass(frozen=True)
class Term:
    """One comparison: ``MEASURE.THEATRE [OP VALUE]``."""

    measure: str
    theatre: str
    op: str | None = None
    value: str | None = None


def tokenize(expr: str) -> list[str]:
    """Split an expression into words, operators and parentheses."""
    tokens, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if match is None or match.end() == pos:
            raise SimError(f"--where: cannot read '{expr[pos:]}'")
        tokens.append(match.group(match.lastgroup or "word"))
        pos = match.end()
    return [t for t in tokens if t]


class _Parser:
    """Recursive descent over ``or`` > ``and`` > ``not`` > term or parentheses."""

    def __init__(self, tokens: list[str], expr: str) -> None:
        self.tokens, self.i, self.expr = tokens, 0, expr

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise SimError(f"--where '{self.expr}': incomplete expression")
        self.i += 1
        return token

    def parse(self) -> Any:
        node = self.disjunction()
        if self.peek() is not None:
            raise SimError(f"--where '{self.expr}': unexpected '{self.peek()}'")
        return node

    def disjunction(self) -> Any:
        node = self.conjunction()
        while self.peek() == "or":
            self.take()
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> Any:
        node = self.negation()
        while self.peek() == "and":
            self.take()
            node = ("and", node, self.negation())
        return node

    def negation(self) -> Any:
        if self.peek() == "not":
            self.take()
            return ("not", self.negation())
        if self.peek() == "(":
            self.take()
            node = self.disjunction()
            if self.take() != ")":
                raise SimError(f"--where '{self.expr}': missing ')'")
            return node
        return self.term()

    def term(self) -> Term:
        name = self.take()
        if name in {"and", "or", ")"} or "." not in name:
            raise SimError(
                f"--where '{self.expr}': expected MEASURE.THEATRE (e.g. war.taiwan), got '{name}'"
            )
        measure, theatre = name.split(".", 1)
        if self.peek() in _OPS:
            op = self.take()
            return Term(measure, theatre, op, self.take())
        return Term(measure, theatre)


def parse_where(expr: str) -> Any:
    """Parse a ``--where`` expression into a tree of tuples and `Term` leaves."""
    if not expr.strip():
        raise SimError("--where: empty expression")
    return _Parser(tokenize(expr), expr).parse()


def terms_of(node: Any) -> list[Term]:
    """Return the terms of a parsed expression, left to right."""
    if isinstance(node, Term):
        return [node]
    return [t for child in node[1:] for t in terms_of(child)]


def _values(rows: pd.DataFrame, term: Term) -> pd.Series:
    """Return the per-run values a term names, for the rows of its theatre."""
    if term.measure in COLUMNS:
        return rows[term.measure]
    from sim.analysis.outcome_names import known_measures, measure

    try:
        m = measure(term.measure)
    except SimError:
        known = ", ".join([*COLUMNS, *known_measures()])
        raise SimError(f"--where: unknown measure '{term.measure}' (known: {known})") from None
    return pd.Series(m.per_run(rows), index=rows.index)


def _literal(text: str) -> Any:
    """Read a comparison value: a number, true/false, or text."""
    low = text.lower()
    if low in {"true", "false"}:
        return low == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text.strip("'\"")


def _evaluate_term(wide: dict[str, pd.DataFrame], term: Term, run_ids: pd.Index) -> np.ndarray:
    if term.theatre not in wide:
        raise SimError(f"--where: unknown theatre '{term.theatre}' (known: {', '.join(wide)})")
    rows = wide[term.theatre]
    values = _values(rows, term).reindex(run_ids)
    if term.op is None:
        mask = values.fillna(0).astype(bool) if values.dtype != object else values.ne("")
    else:
        value = _literal(term.value or "")
        with np.errstate(invalid="ignore"):
            mask = _OPS[term.op](values, value)
    return pd.Series(mask, index=run_ids).astype("boolean").fillna(False).to_numpy(dtype=bool)


def evaluate(node: Any, wide: dict[str, pd.DataFrame], run_ids: pd.Index) -> np.ndarray:
    """Evaluate a parsed expression; one bool per run in `run_ids`."""
    if isinstance(node, Term):
        return _evaluate_term(wide, node, run_ids)
    if node[0] == "not":
        return ~evaluate(node[1], wide, run_ids)
    left, right = evaluate(node[1], wide, run_ids), evaluate(node[2], wide, run_ids)
    return left & right if node[0] == "and" else left | right


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
    tree = parse_where(expr)
    outcomes = results.outcomes
    wide = {
        str(theatre): rows.set_index("run_id")
        for theatre, rows in outcomes.groupby("theatre", sort=False)
    }
    runs = results.runs.set_index("run_id").sort_index()
    mask = evaluate(tree, wide, runs.index)
    matched = runs.index[mask]
    total = int(mask.sum())
    if limit is not None:
        matched = matched[: max(limit, 0)]
    table = pd.DataFrame({"run_id": matched})
    table["seed"] = runs.loc[matched, "seed"].to_numpy()
    if "point_id" in runs.columns:
        table["point_id"] = runs.loc[matched, "point_id"].to_numpy()
    for theatre in dict.fromkeys(t.theatre for t in terms_of(tree)):
        rows = wide[theatre].reindex(matched)
        for column in SHOWN:
            table[f"{column}.{theatre}"] = rows[column].to_numpy()
    return table, total


def format_runs(table: pd.DataFrame, fmt: str) -> str:
    """Render matching runs as ``table`` (aligned text), ``csv`` or ``json`` (records)."""
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
