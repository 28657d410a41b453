"""The state of a batch of runs, built from the mechanisms' declared arrays.

`State` splits what changes during a run into three bundles of arrays (run axis first):

* ``world``: carried from month to month (spending, grievance, rungs, holders...);
* ``outcome``: accumulators read at the end of a run (highest rung, month of war...);
* ``scratch``: what happened this month (activity, moves, utilities...), rebuilt from the
  declarations at the start of every step and read by recorders, the Mesa front and
  ``sim trace``.

Shapes: actors (R, N), dyads (R, N, N), theatres (R, K), alliances (R, A), activities
(R, Q). Months are 0-based offsets from the scenario start; -1 means never.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine.declare import Var

if TYPE_CHECKING:
    from sim.engine.params import Params, Structure


class Arrays:
    """Named arrays of one role (``state.world.rung``); a plain attribute namespace."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.__dict__.update(arrays)

    def __getattr__(self, name: str) -> np.ndarray:
        raise AttributeError(f"no state array '{name}' is declared")

    def __setattr__(self, name: str, value: np.ndarray) -> None:
        self.__dict__[name] = value

    def names(self) -> list[str]:
        """Names of the arrays, in declaration order."""
        return list(self.__dict__)

    def take(self, rows: np.ndarray) -> RowArrays:
        """Return runs `rows` of every array, each copied when first read (`RowArrays`)."""
        return RowArrays(self, rows)

    def copy(self) -> Arrays:
        """Deep copy."""
        return Arrays({k: v.copy() for k, v in self.__dict__.items()})

    def put(self, rows: np.ndarray, part: Arrays) -> None:
        """Write a bundle made by `take` back into runs `rows`."""
        if isinstance(part, RowArrays):
            part.put_back(self, rows)
            return
        for k, v in self.__dict__.items():
            v[rows] = part.__dict__[k]


class RowArrays(Arrays):
    """Runs `rows` of a bundle, each array copied from its source when first read.

    A mechanism run on a subset of the batch (`sim.engine.subset.on_rows`) reads a few of
    the state's arrays; copying only those (and writing back only those, `put_back`)
    keeps small subsets cheap. An array never read nor assigned is unchanged, so leaving
    it out of the write-back is exact.
    """

    def __init__(self, source: Arrays, rows: np.ndarray) -> None:
        self.__dict__["_source"] = source
        self.__dict__["_rows"] = rows

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self.__dict__["_source"], name)[self.__dict__["_rows"]]
        self.__dict__[name] = value
        return value

    def names(self) -> list[str]:
        """Names of the source's arrays, in declaration order."""
        return list(self.__dict__["_source"].names())

    def copy(self) -> Arrays:
        """Deep copy of every array of the rows (all of them cut now)."""
        return Arrays({k: np.array(getattr(self, k)) for k in self.names()})

    def put_back(self, target: Arrays, rows: np.ndarray) -> None:
        """Write the arrays read or assigned here into runs `rows` of `target`."""
        for k, v in self.__dict__.items():
            if not k.startswith("_"):
                target.__dict__[k][rows] = v


@dataclass
class State:
    """Everything that changes during a run, for R runs at once (see the module doc)."""

    t: int
    world: Arrays
    outcome: Arrays
    scratch: Arrays
    crisis_log: list[np.ndarray] = field(default_factory=list)
    """Records of ended crises, (n, len(LOG_COLUMNS)) int64 blocks (`sim.engine.ladder`)."""

    def items(self) -> list[tuple[str, np.ndarray]]:
        """(name, array) of every array of the three bundles."""
        return [
            (name, getattr(bundle, name))
            for bundle in (self.world, self.outcome, self.scratch)
            for name in bundle.names()
        ]

    def take(self, rows: np.ndarray) -> State:
        """Copy of the state of runs `rows` (a smaller batch)."""
        return State(
            self.t, self.world.take(rows), self.outcome.take(rows), self.scratch.take(rows)
        )

    def put(self, rows: np.ndarray, part: State) -> None:
        """Write the state of a batch made by `take` back into runs `rows`."""
        self.world.put(rows, part.world)
        self.outcome.put(rows, part.outcome)
        self.scratch.put(rows, part.scratch)
        # records carry absolute run rows (world.run_index), so they move over as they are
        self.crisis_log.extend(part.crisis_log)


def _declared(role: str) -> Iterable[Var]:
    from sim.engine.registry import MECHANISMS

    for mech in MECHANISMS:
        for var in mech.state:
            if var.role == role:
                yield var


def axis_sizes(structure: Structure) -> dict[str, int]:
    """Length of each named axis of a scenario."""
    return {
        "actor": len(structure.actors),
        "theatre": len(structure.theatres),
        "alliance": len(structure.alliance_ids),
        "activity": len(structure.activities),
        "trigger": structure.triggers,
    }


def _allocate(var: Var, runs: int, sizes: dict[str, int], source: Any) -> np.ndarray:
    shape = (runs,) + tuple(sizes[a] for a in var.axes)
    if var.init is None:
        return np.full(shape, var.fill, dtype=var.dtype)
    value = np.asarray(var.init(source))
    if value.shape == shape:  # the same copy, without a broadcast view
        return np.array(value, dtype=var.dtype)
    return np.array(np.broadcast_to(value, shape), dtype=var.dtype)


def initial_state(structure: Structure, params: Params, runs: int) -> State:
    """Return the state at month 0 (before the first step) for `runs` runs."""
    sizes = axis_sizes(structure)
    world = Arrays({v.name: _allocate(v, runs, sizes, params) for v in _declared("world")})
    outcome = Arrays({v.name: _allocate(v, runs, sizes, params) for v in _declared("outcome")})
    world.run_index = np.arange(runs, dtype=np.int64)  # row of each run in its batch
    return State(0, world, outcome, new_scratch(structure, world, runs))


def new_scratch(structure: Structure, world: Arrays, runs: int) -> Arrays:
    """Return this month's scratch arrays at their declared starting values.

    Arrays filled with a constant are copied from templates made once per batch shape
    (the same values, dtype and layout as `_allocate` gives); those with an ``init``
    are computed from this month's world.
    """
    from sim.engine.registry import MECHANISMS

    sizes = axis_sizes(structure)
    key = (id(MECHANISMS), runs, *sizes.values())
    plan = _SCRATCH.get(key)
    if plan is None:
        if len(_SCRATCH) >= 8:
            _SCRATCH.clear()
        plan = [
            (v, None if v.init is not None else _allocate(v, runs, sizes, None))
            for v in _declared("scratch")
        ]
        _SCRATCH[key] = plan
    return Arrays(
        {
            v.name: _allocate(v, runs, sizes, world) if template is None else template.copy()
            for v, template in plan
        }
    )


_SCRATCH: dict[tuple[int, ...], list[tuple[Var, np.ndarray | None]]] = {}
"""Scratch declarations with their filled templates, by (registry, runs, axis sizes)."""
