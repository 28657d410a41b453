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

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.crisis_columns import CRISIS_COLUMNS
from sim.errors import SimError

SHOWN = ("max_rung", "war", "war_month", "first_crisis_month", "crises", "holder_final")
"""Outcomes printed by ``sim runs`` for each theatre the expression mentions."""

KEYWORDS = ("and", "or", "not")
OPERATORS = ("<=", ">=", "==", "!=", "<", ">", "=")

_TOKEN = re.compile(
    r"\s*(?:(?P<quote>'[^']*'|\"[^\"]*\")|(?P<paren>[()])|(?P<op><=|>=|==|!=|<|>|=)"
    r"|(?P<word>[^\s()<>=!'\"]+))"
)
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
_MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True)
class Token:
    """One token: its kind (``quote``, ``paren``, ``op``, ``word``) and text."""

    kind: str
    text: str

    @property
    def value(self) -> str:
        """The text without its quotes."""
        return self.text[1:-1] if self.kind == "quote" else self.text


@dataclass(frozen=True)
class Term:
    """One comparison: ``NAME[.THEATRE] [OP VALUE]``."""

    measure: str
    theatre: str | None = None
    op: str | None = None
    value: str | None = None

    @property
    def name(self) -> str:
        """The term's name as written, e.g. ``war.taiwan`` or ``peak_rung``."""
        return self.measure if self.theatre is None else f"{self.measure}.{self.theatre}"

    def __str__(self) -> str:
        if self.op is None:
            return self.name
        value = self.value or ""
        if not value or re.search(r"[\s()<>=!]", value):
            value = f"'{value}'"
        return f"{self.name}{self.op}{value}"


def tokenize(expr: str, what: str = "--where") -> list[Token]:
    """Split an expression into words, quoted values, operators and parentheses."""
    tokens, pos = [], 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        match = _TOKEN.match(expr, pos)
        if match is None or match.end() == pos:
            rest = expr[pos:].strip()
            if rest[:1] in "'\"":
                raise SimError(f"{what} '{expr}': unterminated quote {rest}")
            raise SimError(f"{what} '{expr}': cannot read '{rest}'")
        kind = match.lastgroup or "word"
        tokens.append(Token(kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over ``or`` > ``and`` > ``not`` > term or parentheses."""

    def __init__(self, tokens: list[Token], expr: str, theatres: bool, what: str) -> None:
        self.tokens, self.i, self.expr = tokens, 0, expr
        self.theatres, self.what = theatres, what

    def fail(self, message: str) -> SimError:
        return SimError(f"{self.what} '{self.expr}': {message}")

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def is_word(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "word" and token.text == text

    def take(self, expected: str) -> Token:
        token = self.peek()
        if token is None:
            raise self.fail(f"incomplete: expected {expected} at the end")
        self.i += 1
        return token

    def parse(self) -> Any:
        node = self.disjunction()
        token = self.peek()
        if token is not None:
            if token.kind == "op":
                raise self.fail(f"'{token.text}' must follow a name, e.g. max_rung.taiwan>=5")
            raise self.fail(f"unexpected '{token.text}' (join terms with and/or)")
        return node

    def disjunction(self) -> Any:
        node = self.conjunction()
        while self.is_word("or"):
            self.take("or")
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> Any:
        node = self.negation()
        while self.is_word("and"):
            self.take("and")
            node = ("and", node, self.negation())
        return node

    def negation(self) -> Any:
        if self.is_word("not"):
            self.take("not")
            return ("not", self.negation())
        token = self.peek()
        if token is not None and token.kind == "paren" and token.text == "(":
            self.take("(")
            node = self.disjunction()
            close = self.take("')'")
            if close.text != ")":
                raise self.fail(f"expected ')', got '{close.text}'")
            return node
        return self.term()

    def term(self) -> Term:
        example = "MEASURE.THEATRE (e.g. war.taiwan)" if self.theatres else "a column name"
        token = self.take(example)
        if token.kind != "word" or token.text in KEYWORDS:
            raise self.fail(f"expected {example}, got '{token.text}'")
        name, theatre = token.text, None
        if self.theatres:
            if "." not in name or name.startswith(".") or name.endswith("."):
                raise self.fail(f"expected MEASURE.THEATRE (e.g. war.taiwan), got '{name}'")
            name, theatre = name.split(".", 1)
        after = self.peek()
        if after is None or after.kind != "op":
            return Term(name, theatre)
        op = self.take("an operator").text
        value = self.peek()
        shown = token.text + op
        if value is None:
            raise self.fail(f"'{shown}' has no value after '{op}'")
        if value.kind == "op":
            raise self.fail(
                f"'{shown}{value.text}': one operator at a time ({', '.join(OPERATORS)})"
            )
        if value.kind == "paren" or (value.kind == "word" and value.text in KEYWORDS):
            raise self.fail(f"'{shown}' has no value after '{op}' (got '{value.text}')")
        self.i += 1
        return Term(name, theatre, op, value.value)


def parse_where(expr: str, theatres: bool = True, what: str = "--where") -> Any:
    """Parse an expression into a tree of ``(op, ...)`` tuples and `Term` leaves.

    Parameters
    ----------
    expr : str
        The expression.
    theatres : bool
        Whether terms name ``MEASURE.THEATRE`` (runs) or bare columns (crises).
    what : str
        How errors name the expression's source (``--where``, ``--outcome``).
    """
    if not expr.strip():
        raise SimError(f"{what}: empty expression")
    return _Parser(tokenize(expr, what), expr, theatres, what).parse()


def is_expression(node: Any) -> bool:
    """Whether a parsed tree is more than one bare name (a combination or comparison)."""
    return not isinstance(node, Term) or node.op is not None


def terms_of(node: Any) -> list[Term]:
    """Return the terms of a parsed expression, left to right."""
    if isinstance(node, Term):
        return [node]
    return [t for child in node[1:] for t in terms_of(child)]


def unparse(node: Any) -> str:
    """Return a canonical text of a parsed expression."""
    if isinstance(node, Term):
        return str(node)
    if node[0] == "not":
        inner = unparse(node[1])
        return f"not {inner}" if isinstance(node[1], Term) else f"not ({inner})"
    parts = []
    for child in node[1:]:
        text = unparse(child)
        if not isinstance(child, Term) and child[0] == "or" and node[0] == "and":
            text = f"({text})"
        parts.append(text)
    return f" {node[0]} ".join(parts)


# ----------------------------------------------------------------------- typed comparisons

Values = tuple[pd.Series, str]
"""A term's values (one per row) and their type: ``number``, ``bool``, ``text``, ``month``."""


def compare(term: Term, values: pd.Series, dtype: str, what: str, expr: str) -> np.ndarray:
    """Return one bool per row: the term's values compared with its value (or truthy).

    Raises `SimError` when the value does not suit the type (a word compared with a
    number, ``<`` on text, a date that is not YYYY-MM).
    """

    def fail(message: str) -> SimError:
        shown = "" if str(term) == expr.strip() else f"{term}: "
        return SimError(f"{what} '{expr}': {shown}{message}")

    if term.op is None:
        if dtype == "text" or dtype == "month":
            mask = values.notna() & values.astype(object).ne("")
        else:
            mask = pd.to_numeric(values, errors="coerce").fillna(0).ne(0)
        return mask.to_numpy(dtype=bool)
    text = term.value or ""
    op = _OPS[term.op]
    if dtype == "number":
        try:
            value: Any = float(text)
        except ValueError:
            raise fail(f"'{text}' is not a number ({term.name} is a number)") from None
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return np.asarray(op(x, value), dtype=bool) & ~np.isnan(x)
    if term.op not in ("==", "=", "!="):
        raise fail(
            f"{term.name} is {'text' if dtype == 'text' else 'true/false'}; "
            "compare it with == or !="
        )
    if dtype == "bool":
        low = text.lower()
        if low not in ("true", "false", "1", "0"):
            raise fail(f"'{text}' is not true or false ({term.name} is true/false)")
        x = pd.to_numeric(values, errors="coerce").fillna(0).to_numpy(dtype=np.float64) != 0
        return np.asarray(op(x, low in ("true", "1")), dtype=bool)
    if dtype == "month" and not _MONTH.match(text):
        raise fail(f"'{text}' is not a month YYYY-MM ({term.name} is a month, e.g. 2027-06)")
    present = values.notna().to_numpy(dtype=bool)
    x = values.astype(object).where(values.notna(), "").astype(str).to_numpy()
    return np.asarray(op(x, text), dtype=bool) & present


def compare_month(term: Term, values: pd.Series, what: str, expr: str) -> np.ndarray:
    """Compare YYYY-MM values (any operator; lexical order is date order)."""
    if term.op is None:
        return values.notna().to_numpy(dtype=bool)
    text = term.value or ""
    if not _MONTH.match(text):
        raise SimError(
            f"{what} '{expr}': {term}: '{text}' is not a month YYYY-MM "
            f"({term.name} is a month, e.g. 2027-06)"
        )
    present = values.notna().to_numpy(dtype=bool)
    x = values.astype(object).where(values.notna(), "").astype(str).to_numpy()
    return np.asarray(_OPS[term.op](x, text), dtype=bool) & present


def evaluate(node: Any, leaf: Callable[[Term], np.ndarray]) -> np.ndarray:
    """Evaluate a parsed expression, `leaf(term)` giving one bool per row."""
    if isinstance(node, Term):
        return leaf(node)
    if node[0] == "not":
        return ~evaluate(node[1], leaf)
    left, right = evaluate(node[1], leaf), evaluate(node[2], leaf)
    return left & right if node[0] == "and" else left | right


# ------------------------------------------------------------------------------ runs


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
