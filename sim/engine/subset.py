"""Run a mechanism on a subset of the batch's runs (those in which it can act).

Crisis moves, alliance decisions and fighting happen in a few percent of run-months, yet
computed on the whole batch they cost as much as every run being in crisis. `on_rows`
copies the selected runs' state, parameters and random keys into a smaller batch, runs the
mechanism there, and writes the state back. The result is bit-identical to running the
mechanism on the whole batch as long as the mechanism leaves the other runs unchanged
(each caller states why it does): every operation is element-wise along the run axis and
every random number is keyed by its run's seed, so a run's numbers do not depend on which
other runs share its batch (docs/CONTRACTS.md, "Determinism").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from sim.engine.context import Month
from sim.engine.declare import ParamBlock, block_name

if TYPE_CHECKING:
    from sim.engine.params import Params

B = TypeVar("B", bound=ParamBlock)

SUBSET_BELOW = 0.5
"""Use a subset when fewer than this share of the runs are selected (else run on all)."""


class _RowBlock:
    """A mechanism's parameters cut to the selected rows, each array when first read."""

    def __init__(self, block: ParamBlock, rows: np.ndarray) -> None:
        self._block, self._rows = block, rows

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._block, name)[self._rows]
        setattr(self, name, value)
        return value


class RowParams:
    """The parameters of runs `rows`, each array cut to those rows when first read.

    Stands in for `Params` in a mechanism run by `on_rows`: a mechanism reads a few of
    the arrays, and cutting only those keeps small subsets cheap.
    """

    def __init__(self, params: Params, rows: np.ndarray) -> None:
        self._params, self._rows = params, rows
        self._blocks: dict[str, _RowBlock] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._params.blocks:
            block = self._blocks.get(name)
            if block is None:
                block = self._blocks[name] = _RowBlock(self._params.blocks[name], self._rows)
            return block
        value = getattr(self._params, name)[self._rows]
        setattr(self, name, value)
        return value

    def __getitem__(self, block: type[B]) -> B:
        """Return the cut parameters of class `block`, as `Params.__getitem__`."""
        out: B = getattr(self, block_name(self._params.blocks, block))
        return out


def on_rows(step: Callable[[Month], None], m: Month, selected: Any) -> None:
    """Apply `step` to the runs where `selected` (shape (R,)) is True, in place.

    The caller guarantees that `step` would leave every other run unchanged.
    """
    rows = np.flatnonzero(selected)
    if rows.size == 0:
        return
    if rows.size >= SUBSET_BELOW * m.runs:
        step(m)
        return
    part = row_month(m, rows)
    step(part)
    m.state.put(rows, part.state)


def row_month(m: Month, rows: np.ndarray) -> Month:
    """Return the month of runs `rows` only: their state, parameters and random keys.

    State arrays and parameters are cut when first read; write the state back with
    ``m.state.put(rows, part.state)`` if the caller changes it.
    """
    return replace(
        m,
        state=m.state.take(rows),
        params=RowParams(m.params, rows),  # type: ignore[arg-type]
        rng=m.rng.take(rows),
        runs=int(rows.size),
    )
