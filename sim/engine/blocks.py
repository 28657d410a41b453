"""Compile one mechanism's parameter block from a resolved scenario's tables.

Below `sim.engine.params` (which compiles a whole scenario) and the registry, so that a
mechanism whose block compiles itself (``[[triggers]]``) can use `compile_param`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.engine.declare import Array, Param, ParamBlock


@dataclass(frozen=True)
class Index:
    """Positions of a scenario's actors, theatres, alliances and activities."""

    actors: dict[str, int]
    theatres: dict[str, int]
    alliances: dict[str, int]
    activities: dict[tuple[str, str], int]
    start: int


def _get(table: dict, key: str) -> Any:
    for part in key.split("."):
        table = table[part]
    return table


def _activity_tables(d: dict) -> list[dict]:
    return [spec for th in d["theatres"].values() for spec in th["greyzone"].values()]


def compile_param(p: Param, d: dict, ix: Index, mechanism: str) -> Array:
    """Return the (1, ...) array of one declared parameter."""
    dtype = {"int": np.int64, "bool": bool}.get(p.spec.kind, np.float64)
    n = len(ix.actors)
    if p.scope == "model":
        return np.array([float(d["model"][mechanism][p.key])])
    if p.scope == "grievance":
        out = np.zeros((n, n))
        for g in d["grievances"]:
            out[ix.actors[g["from"]], ix.actors[g["to"]]] = g[p.key]
        return out[None]
    tables = {
        "actor": list(d["actors"].values()),
        "theatre": list(d["theatres"].values()),
        "alliance": d["alliances"],
        "activity": _activity_tables(d),
    }[p.scope]
    if p.spec.kind == "actor":
        return np.array([[ix.actors[_get(t, p.key)] for t in tables]], dtype=np.int64)
    if p.spec.kind == "actor_map":
        out = np.zeros((len(tables), n))
        for i, table in enumerate(tables):
            for code, value in _get(table, p.key).items():
                out[i, ix.actors[code]] = value
        return out[None]
    return np.asarray([_get(t, p.key) for t in tables], dtype=dtype).reshape(1, len(tables))


def compile_block(block: type[ParamBlock], d: dict, ix: Index, mechanism: str) -> ParamBlock:
    """Return a mechanism's parameter block (length-1 arrays) from resolved data `d`.

    A block whose numbers live in a section no scope covers (``[[triggers]]``) compiles
    itself: a ``compile(d, ix)`` classmethod.
    """
    own = getattr(block, "compile", None)
    if own is not None:
        return own(d, ix)
    return block(**{name: compile_param(p, d, ix, mechanism) for name, p in block.declared()})
