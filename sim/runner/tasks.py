"""One chunk of runs: simulate it, write its tables atomically, return a small tally.

This is the function that worker processes (local pool or Dask) execute. It imports no
Mesa, so process pools stay light.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

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
        Compiled scenario (one parameter row); None for sweeps, which compile their
        points in the worker from `sweep`.
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
    structure: Structure | None
    params: Params | None
    folder: str
    annual_runs: int
    point_values: dict | None = None
    local_ids: np.ndarray | None = None  # replication index within the point (sweeps)
    sweep: dict | None = None  # {"scenario": resolved data, "points": {pid: overrides}}


def compile_points(task: ChunkTask) -> tuple[Structure, Params, np.ndarray]:
    """Compile the sweep points of a chunk; returns (structure, params, row of each run)."""
    from sim.engine.params import compile_batch
    from sim.scenario.loader import load_scenario

    base = load_scenario(task.sweep["scenario"])
    pids = sorted(task.sweep["points"])
    scenarios = [base.with_overrides(task.sweep["points"][p]) for p in pids]
    structure, params = compile_batch(scenarios)
    row = {p: i for i, p in enumerate(pids)}
    return structure, params, np.array([row[p] for p in task.point_ids], dtype=np.int64)


def chunk_seeds(task: ChunkTask) -> np.ndarray:
    """Seeds of the chunk's runs."""
    if task.point_ids is None:
        return run_seeds(task.master_seed, task.run_ids)
    seeds = np.empty(len(task.run_ids), dtype=np.uint64)
    for p in np.unique(task.point_ids):
        sel = task.point_ids == p
        seeds[sel] = run_seeds(task.master_seed, task.local_ids[sel], int(p))
    return seeds


def execute(task: ChunkTask) -> tuple[int, int, None]:
    """Simulate a chunk, write its three tables, and return (chunk, runs, None)."""
    seeds = chunk_seeds(task)
    structure, params = task.structure, task.params
    if task.sweep is not None:
        structure, params, rows = compile_points(task)
        params = params.take(rows)
    record = task.annual_runs > 0 and int(task.run_ids.min()) < task.annual_runs
    result = simulate(structure, params, seeds, record=record)
    folder = Path(task.folder)
    values = task.point_values
    if task.sweep is not None:
        points = task.sweep["points"]
        paths = list(next(iter(points.values())))
        values = {path: [points[int(p)][path] for p in task.point_ids] for path in paths}
    atomic_write_table(
        chunk_path(folder, task.chunk, "runs"),
        runs_table(task.run_ids, seeds, task.point_ids, values),
    )
    outcomes = outcomes_table(result, task.run_ids)
    if task.point_ids is not None:
        import pyarrow as pa

        outcomes = outcomes.add_column(
            1, "point_id", pa.array(np.repeat(task.point_ids, len(structure.theatres)), pa.int64())
        )
    atomic_write_table(chunk_path(folder, task.chunk, "outcomes"), outcomes)
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
    return task.chunk, len(task.run_ids), None
