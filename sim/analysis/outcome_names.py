"""One naming scheme for outcomes: ``MEASURE.THEATRE`` (``war.taiwan``, ``rung5.senkaku``).

Used by ``sim analyze``, ``sim discover``, ``sim plot``, ``sim compare`` and the report.
Each measure knows its human-readable label ("P(war) in taiwan"), the column of a sweep's
``summary.parquet`` that holds it per point, and how to compute it per run from
``outcomes.parquet``.

Measures
--------
``war``            P(war): the theatre reached rung 6.
``rung4``          P(rung >= 4).
``rung5``          P(rung >= 5).
``crisis``         P(any crisis).
``lost``           P(lost): the theatre changed hands at least once (alias ``holder_changed``).
``nuclear``        P(nuclear use).
``max_rung``       mean highest rung reached.
``crises``         mean number of crises opened.
``joined_<ALLIANCE>``  P(the patron of ALLIANCE joined a war), e.g. ``joined_USA-TWN.taiwan``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

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
        ``"probability"`` (a share of runs) or ``"mean"``.
    per_run : callable
        ``per_run(outcomes_rows)`` -> float array, one value per row of ``outcomes.parquet``.
    """

    name: str
    label: str
    column: str | None
    kind: str
    per_run: Callable[[pd.DataFrame], np.ndarray]


def _bool(col: str) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda df: df[col].fillna(False).to_numpy(dtype=np.float64)


def _rung_at_least(r: int) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda df: (df["max_rung"].to_numpy(dtype=np.float64) >= r).astype(np.float64)


def _crisis(df: pd.DataFrame) -> np.ndarray:
    if "crises" in df:
        return (df["crises"].fillna(0).to_numpy(dtype=np.float64) > 0).astype(np.float64)
    return df["first_crisis_month"].notna().to_numpy(dtype=np.float64)


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure("war", "P(war)", "p_war", "probability", _bool("war")),
        Measure("rung4", "P(rung ≥ 4)", "p_rung_ge4", "probability", _rung_at_least(4)),
        Measure("rung5", "P(rung ≥ 5)", "p_rung_ge5", "probability", _rung_at_least(5)),
        Measure("crisis", "P(any crisis)", "p_crisis", "probability", _crisis),
        Measure("lost", "P(lost)", "p_holder_changed", "probability", _bool("holder_changed")),
        Measure("nuclear", "P(nuclear use)", "p_nuclear", "probability", _bool("nuclear_use")),
        Measure(
            "max_rung",
            "mean highest rung",
            "mean_max_rung",
            "mean",
            lambda df: df["max_rung"].to_numpy(dtype=np.float64),
        ),
        Measure(
            "crises",
            "crises per run",
            "mean_crises",
            "mean",
            lambda df: df["crises"].fillna(0).to_numpy(dtype=np.float64),
        ),
    )
}
ALIASES = {"holder_changed": "lost", "rung6": "war", "any_crisis": "crisis"}
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
    """Return the measure names, for help texts and error messages."""
    return [*MEASURES, f"{JOINED_PREFIX}<ALLIANCE>"]


@dataclass(frozen=True)
class Outcome:
    """A parsed ``MEASURE.THEATRE`` name."""

    measure: Measure
    theatre: str

    @property
    def name(self) -> str:
        """Return the canonical name, e.g. ``war.taiwan``."""
        return f"{self.measure.name}.{self.theatre}"

    @property
    def label(self) -> str:
        """Return the human-readable label, e.g. ``P(war) in taiwan``."""
        return f"{self.measure.label} in {self.theatre}"

    @property
    def column(self) -> str | None:
        """Return the sweep summary column holding this measure."""
        return self.measure.column

    @property
    def is_probability(self) -> bool:
        """Return whether the outcome is a share of runs."""
        return self.measure.kind == "probability"


_LEGACY = {m.column: m.name for m in MEASURES.values() if m.column}


def parse_outcome(text: str, theatres: Iterable[str] | None = None) -> Outcome:
    """Parse ``MEASURE.THEATRE``; check the theatre against `theatres` when given.

    Parameters
    ----------
    text : str
        The outcome name, e.g. ``war.taiwan`` or ``rung5.senkaku``.
    theatres : iterable of str, optional
        The known theatres; an unknown theatre raises `SimError`.

    Returns
    -------
    Outcome
        The measure and theatre.
    """
    if "." not in text:
        raise SimError(
            f"outcome '{text}' must look like MEASURE.THEATRE, e.g. war.taiwan "
            f"(measures: {', '.join(known_measures())})"
        )
    name, theatre = text.split(".", 1)
    m = measure(_LEGACY.get(name, name))
    if theatres is not None:
        known = list(theatres)
        if theatre not in known:
            raise SimError(f"unknown theatre '{theatre}' (known: {', '.join(sorted(known))})")
    return Outcome(m, theatre)


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


def outcome_vector(summary: pd.DataFrame, outcome: str) -> np.ndarray:
    """Return the per-point values of `outcome` from a sweep's summary table.

    Parameters
    ----------
    summary : DataFrame
        ``summary.parquet`` of a sweep (one row per point and theatre).
    outcome : str
        ``MEASURE.THEATRE``, e.g. ``war.taiwan``.

    Returns
    -------
    ndarray
        One value per point, in point order.
    """
    o = parse_outcome(outcome, summary["theatre"].unique())
    rows = summary[summary["theatre"] == o.theatre].sort_values("point_id")
    if o.column is None or o.column not in rows:
        have = [
            n for n, m in MEASURES.items() if m.column and m.column in summary.columns
        ] + sorted(
            f"{JOINED_PREFIX}{c[len('p_joined_') :]}"
            for c in summary.columns
            if c.startswith("p_joined_")
        )
        raise SimError(
            f"outcome '{outcome}' is not in this sweep's summary (available: {', '.join(have)})"
        )
    return rows[o.column].to_numpy(dtype=np.float64)


def per_run_values(outcomes: pd.DataFrame, outcome: str) -> pd.Series:
    """Return `outcome` per run from ``outcomes.parquet`` rows, indexed by run_id.

    Parameters
    ----------
    outcomes : DataFrame
        Rows of ``outcomes.parquet`` (run_id, theatre, outcome columns).
    outcome : str
        ``MEASURE.THEATRE``.

    Returns
    -------
    Series
        One float per run of the theatre (0/1 for probabilities), sorted by run_id.
    """
    o = parse_outcome(outcome, outcomes["theatre"].unique())
    rows = outcomes[outcomes["theatre"] == o.theatre].sort_values("run_id")
    return pd.Series(o.measure.per_run(rows), index=rows["run_id"].to_numpy(), name=o.name)
