"""Run a mechanism on a subset of the batch's runs (those in which it can act).

Crisis moves, alliance decisions and fighting happen in a few percent of run-months, yet
computed on the whole batch they cost as much as every run being in crisis. `on_rows`
copies the selected runs' state, parameters and random keys into a smaller batch, runs the
mechanism there, and writes the state back. The result is bit-identical to running the
mechanism on the whole batch as long as the mechanism leaves the other runs unchanged
(each caller states why it does): every operation is element-wise along the run axis and
every random number is keyed by its run's seed, so a run's numbers do not depend on which
other runs share its batch (DESIGN.md, "Determinism").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace

import numpy as np

from sim.engine.context import Month
from sim.engine.params import Params
from sim.engine.state import State

_STATE_FIELDS = tuple(f.name for f in fields(State) if f.name != "t")

SUBSET_BELOW = 0.5
"""Use a subset when fewer than this share of the runs are selected (else run on all)."""


class _Rows(dict):
    """``glob`` of `RowParams`: each entry is cut to the selected rows when first read."""

    def __init__(self, glob: dict[str, np.ndarray], rows: np.ndarray) -> None:
        super().__init__()
        self._glob, self._rows = glob, rows

    def __missing__(self, key: str) -> np.ndarray:
        value = self[key] = self._glob[key][self._rows]
        return value


class RowParams:
    """The parameters of runs `rows`, each field cut to those rows when first read.

    Stands in for `Params` in a mechanism run by `on_rows`: a mechanism reads a few of
    the thirty-odd fields, and cutting only those keeps small subsets cheap.
    """

    def __init__(self, params: Params, rows: np.ndarray) -> None:
        self._params, self._rows = params, rows
        self.glob = _Rows(params.glob, rows)

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._params, name)[self._rows]
        setattr(self, name, value)
        return value


def take_state(state: State, rows: np.ndarray) -> State:
    """Copy of the state of runs `rows` (a smaller batch)."""
    return State(t=state.t, **{name: getattr(state, name)[rows] for name in _STATE_FIELDS})


def put_state(state: State, part: State, rows: np.ndarray) -> None:
    """Write the state of a batch made by `take_state` back into runs `rows` of `state`."""
    for name in _STATE_FIELDS:
        getattr(state, name)[rows] = getattr(part, name)


def on_rows(step: Callable[[Month], None], m: Month, selected: np.ndarray) -> None:
    """Apply `step` to the runs where `selected` (shape (R,)) is True, in place.

    The caller guarantees that `step` would leave every other run unchanged.
    """
    rows = np.flatnonzero(selected)
    if rows.size == 0:
        return
    if rows.size >= SUBSET_BELOW * m.runs:
        step(m)
        return
    part = replace(
        m,
        state=take_state(m.state, rows),
        params=RowParams(m.params, rows),
        rng=m.rng.take(rows),
        runs=int(rows.size),
    )
    step(part)
    put_state(m.state, part.state, rows)
