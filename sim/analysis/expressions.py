"""Boolean expressions over outcomes and crises: the parser and evaluator.

The grammar (terms, comparisons, ``and``/``or``/``not``) is described in
`sim.analysis.query`, which selects runs and crises with it; `sim.analysis.outcome_names`
evaluates ``--outcome`` combinations with it. Every mistake is a `SimError`: one line
naming the expression and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError

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
