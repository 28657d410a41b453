"""One chunk of runs: simulate it, write its tables atomically, return a small tally.

This is the function that worker processes (local pool or Dask) execute. It imports no
Mesa, so process pools stay light.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis.tally import Tally
from sim.engine.params import Params, Structure
from sim.engine.simulate import simulate
from sim.results.folder import atomic_write_table, chunk_path
from sim.results.tables import annual_table, outcomes_table, runs_table
from sim.runner.seeds import run_seeds


@dataclass
class ChunkTask:
    """Everything a worker needs to compute and store one chunk.

    Attributes
    ----------
    chunk : int
        Chunk number (names its files).
    run_ids : array of int64
        Global run ids of the chunk.
    point_ids : array of int64 or None
        Sweep point of each run (None for a plain ensemble).
    master_seed : int
        Master seed; run seeds derive from it, the point and the run id.
    structure, params : Structure, Params
        Compiled scenario; ``params`` has one row, or one row per sweep point.
    folder : str
        Result folder.
    annual_runs : int
        Runs with ``run_id`` below this keep per-run annual rows (0: none).
    point_values : dict or None
        Swept parameter values per run (for ``runs.parquet`` of sweeps).
    """

    chunk: int
    run_ids: np.ndarray
    point_ids: np.ndarray | None
    master_seed: int
    structure: Structure
    params: Params
    folder: str
    annual_runs: int
    point_values: dict | None = None
    local_ids: np.ndarray | None = None  # replication index within the point (sweeps)


def chunk_seeds(task: ChunkTask) -> np.ndarray:
    """Seeds of the chunk's runs."""
    if task.point_ids is None:
        return run_seeds(task.master_seed, task.run_ids)
    seeds = np.empty(len(task.run_ids), dtype=np.uint64)
    for p in np.unique(task.point_ids):
        sel = task.point_ids == p
        seeds[sel] = run_seeds(task.master_seed, task.local_ids[sel], int(p))
    return seeds


def execute(task: ChunkTask) -> tuple[int, int, Tally]:
    """Simulate a chunk, write its three tables, and return (chunk, runs, tally)."""
    seeds = chunk_seeds(task)
    params = task.params
    if task.point_ids is not None and params.milex0.shape[0] > 1:
        params = params.take(task.point_ids)
    record = task.annual_runs > 0 and int(task.run_ids.min()) < task.annual_runs
    result = simulate(task.structure, params, seeds, record=record)
    folder = Path(task.folder)
    atomic_write_table(chunk_path(folder, task.chunk, "runs"),
                       runs_table(task.run_ids, seeds, task.point_ids, task.point_values))
    atomic_write_table(chunk_path(folder, task.chunk, "outcomes"),
                       outcomes_table(result, task.run_ids))
    if record:
        keep = task.run_ids < task.annual_runs
        table = annual_table(result, task.run_ids)
        if not keep.all():
            import pyarrow.compute as pc

            table = table.filter(pc.less(table["run_id"], task.annual_runs))
    else:
        from sim.results.tables import ANNUAL_SCHEMA

        table = ANNUAL_SCHEMA.empty_table()
    atomic_write_table(chunk_path(folder, task.chunk, "annual"), table)
    tally = Tally.from_result(result, task.point_ids)
    return task.chunk, len(task.run_ids), tally
