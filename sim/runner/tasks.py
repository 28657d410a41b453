"""One chunk of runs: simulate it, write its tables (and, for ensembles, a tally) atomically.

This is the function that worker processes (local pool or Dask) execute. It imports no
Mesa, so process pools stay light.

An ensemble chunk carries its compiled scenario; a sweep chunk carries the resolved
scenario and the overrides of its design points, and compiles them in the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.engine.params import Params, Structure
from sim.engine.simulate import BatchResult, simulate
from sim.results.folder import atomic_write_bytes, atomic_write_table, chunk_path, tally_path
from sim.results.tables import annual_table, crises_table, numeric, outcomes_table, runs_table
from sim.runner.seeds import run_seeds


@dataclass
class ChunkTask:
    """What every chunk has: where it goes and which runs it holds.

    Attributes
    ----------
    chunk : int
        Chunk number (names its files).
    run_ids : array of int64
        Global run ids of the chunk.
    master_seed : int
        Master seed; run seeds derive from it (and, for sweeps, the point).
    folder : str
        Result folder.
    annual_runs : int
        Runs with ``run_id`` below this keep per-run annual rows (0: none).
    """

    chunk: int
    run_ids: np.ndarray
    master_seed: int
    folder: str
    annual_runs: int


@dataclass
class EnsembleChunkTask(ChunkTask):
    """A chunk of an ensemble: runs of one compiled scenario.

    Attributes
    ----------
    structure, params : Structure, Params
        The compiled scenario (one parameter row, shared by every run).
    """

    structure: Structure
    params: Params


@dataclass
class SweepChunkTask(ChunkTask):
    """A chunk of a sweep: runs of several design points, compiled in the worker.

    Attributes
    ----------
    point_ids : array of int64
        Design point of each run.
    local_ids : array of int64
        Replication index of each run within its point.
    scenario : dict
        The resolved scenario the overrides apply to.
    points : dict of int to dict
        Overrides (``--set`` path to value) of each design point in the chunk.
    """

    point_ids: np.ndarray
    local_ids: np.ndarray
    scenario: dict[str, Any]
    points: dict[int, dict[str, Any]]
    seeding: str | None = None
    held: tuple[str, ...] = ()


COMMON = "common"
"""Seeding of sweeps since issue 24: replication k of every point has the seed of run k of
``sim run`` with the same master seed (common random numbers), and each run draws its
calibrated parameters from the scenario's posterior as ``sim run`` does, the swept and
``--set`` parameters held. The older ``per-point`` seeding (``SeedSequence([master, p,
k])``, the scenario's own values) is kept for folders written before it."""


def compile_points(task: SweepChunkTask, seeds: np.ndarray) -> tuple[Structure, Params, np.ndarray]:
    """Compile the sweep points of a chunk; returns (structure, params, row of each run).

    With ``common`` seeding each point has one row per posterior draw (if the scenario
    names a posterior), and a run's row is its point's block at the draw its seed picks.
    """
    from sim.engine.params import compile_batch
    from sim.engine.rng import draw_of
    from sim.scenario.loader import load_scenario

    base = load_scenario(task.scenario)
    pids = sorted(task.points)
    scenarios = [base.with_overrides(task.points[p]) for p in pids]
    posterior = task.seeding == COMMON
    structure, params = compile_batch(scenarios, posterior=posterior, held=task.held)
    row = {p: i for i, p in enumerate(pids)}
    rows = np.array([row[p] for p in task.point_ids], dtype=np.int64)
    if params.draw_weights is not None:
        rows = rows * len(params.draw_weights) + draw_of(params.draw_weights, seeds)
    return structure, params, rows


def draw_columns(params: Params, seeds: np.ndarray) -> dict[str, np.ndarray]:
    """``runs.parquet`` columns of posterior runs: ``draw`` and each drawn parameter.

    Empty when the parameters carry no posterior. Held parameters (set by ``--set`` or
    swept) have no column here: their value is the scenario's (or the point's).
    """
    if params.draw_weights is None or params.draw_values is None or params.posterior is None:
        return {}
    from sim.engine.rng import draw_of

    draws = draw_of(params.draw_weights, seeds)
    held = set(params.posterior.get("held", ())) | set(params.posterior.get("unused", ()))
    names = [p for p in params.posterior["parameters"] if p not in held]
    columns: dict[str, np.ndarray] = {"draw": draws.astype(np.int64)}
    for i, name in enumerate(names):
        columns[name] = params.draw_values[draws, i]
    return columns


def chunk_seeds(task: ChunkTask) -> np.ndarray:
    """Seeds of the chunk's runs (see `COMMON` for how a sweep's runs are seeded)."""
    if not isinstance(task, SweepChunkTask):
        return run_seeds(task.master_seed, task.run_ids)
    if task.seeding == COMMON:
        return run_seeds(task.master_seed, task.local_ids)
    seeds = np.empty(len(task.run_ids), dtype=np.uint64)
    for p in np.unique(task.point_ids):
        sel = task.point_ids == p
        seeds[sel] = run_seeds(task.master_seed, task.local_ids[sel], int(p))
    return seeds


Tables = dict[str, pa.Table]
"""A chunk's tables by name (``runs``, ``outcomes``, ``crises``, ``annual``)."""


def execute(task: ChunkTask) -> tuple[int, int]:
    """Simulate a chunk and write its tables; return (chunk, runs).

    Only the counts come back, wherever the chunk ran: the final tables are assembled
    from the chunk files (`sim.results.folder.ChunkMerger` copies their pages), so a
    worker has nothing else to send.
    """
    if isinstance(task, SweepChunkTask):
        tables = _execute_sweep(task)
    elif isinstance(task, EnsembleChunkTask):
        tables = _execute_ensemble(task)
    else:
        raise TypeError(f"not a chunk of an ensemble or a sweep: {type(task).__name__}")
    folder = Path(task.folder)
    for name, table in tables.items():
        atomic_write_table(chunk_path(folder, task.chunk, name), table)
    del tables
    release_memory()
    return task.chunk, len(task.run_ids)


def release_memory() -> None:
    """Hand the memory freed by a finished chunk back to the system.

    A chunk's engine arrays and tables are freed when it ends, but the allocators keep
    much of it (pyarrow's pool, and glibc's heap, whose threshold for giving big blocks
    their own pages rises once big blocks have been freed): tens of MB per process,
    which count in the memory of a long job's process tree. Costs about a millisecond.
    """
    pa.default_memory_pool().release_unused()
    _malloc_trim()


def _malloc_trim() -> None:
    """Call glibc's ``malloc_trim(0)`` where there is one (Linux with glibc)."""
    global _TRIM
    if _TRIM is None:
        import ctypes
        import ctypes.util

        try:
            _TRIM = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM: Any = None
"""glibc's ``malloc_trim``, False where there is none (found on first use)."""


def _execute_ensemble(task: EnsembleChunkTask) -> Tables:
    from sim.analysis.tally import tally_from_result

    seeds = chunk_seeds(task)
    result = simulate(task.structure, task.params, seeds, record=_records_annual(task))
    # the tally first: a chunk counts as finished once its tables are all on disk
    tally = tally_from_result(result).to_bytes()
    atomic_write_bytes(tally_path(Path(task.folder), task.chunk), tally)
    return {
        "runs": runs_table(task.run_ids, seeds, extra=draw_columns(task.params, seeds)),
        "outcomes": outcomes_table(result, task.run_ids),
        "crises": crises_table(result, task.run_ids),
        "annual": _annual(task, result),
    }


def _execute_sweep(task: SweepChunkTask) -> Tables:
    seeds = chunk_seeds(task)
    structure, params, rows = compile_points(task, seeds)
    result = simulate(structure, params.take(rows), seeds, record=_records_annual(task))
    paths = list(next(iter(task.points.values())))
    # swept values of each run, as plain Python values (pyarrow infers the column type)
    values: dict[str, Any] = {
        path: [task.points[int(p)][path] for p in task.point_ids] for path in paths
    }
    outcomes = outcomes_table(result, task.run_ids).add_column(
        1, "point_id", numeric(np.repeat(task.point_ids, len(structure.theatres)), pa.int64())
    )
    crises = crises_table(result, task.run_ids)
    point_of_run = dict(zip(task.run_ids.tolist(), task.point_ids.tolist(), strict=True))
    points = [point_of_run[r] for r in crises["run_id"].to_pylist()]
    crises = crises.add_column(1, "point_id", numeric(np.asarray(points, np.int64), pa.int64()))
    return {
        "runs": runs_table(
            task.run_ids, seeds, task.point_ids, values, extra=draw_columns(params, seeds)
        ),
        "outcomes": outcomes,
        "crises": crises,
        "annual": _annual(task, result),
    }


def _records_annual(task: ChunkTask) -> bool:
    """Whether any run of the chunk keeps per-run annual rows."""
    return task.annual_runs > 0 and int(task.run_ids.min()) < task.annual_runs


def _annual(task: ChunkTask, result: BatchResult) -> pa.Table:
    """Return the chunk's annual table: the rows of runs below ``annual_runs``, or none."""
    if not _records_annual(task):
        from sim.results.tables import ANNUAL_SCHEMA

        return ANNUAL_SCHEMA.empty_table()
    table = annual_table(result, task.run_ids)
    if not (task.run_ids < task.annual_runs).all():
        import pyarrow.compute as pc

        table = table.filter(pc.less(table["run_id"], task.annual_runs))
    return table
