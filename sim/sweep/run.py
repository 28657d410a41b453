"""`sim sweep`: design points x replications through the batched engine, resumably.

Runs are numbered point-major (``run_id = point_id * runs + k``); run k of point p has the
seed ``SeedSequence([master, p, k])``. Chunks mix points freely: the engine takes one
parameter row per run, so a sweep costs about what the same number of plain runs costs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis.intervals import wilson
from sim.analysis.tally import count_true, tally_from_outcomes
from sim.engine.params import compile_scenario, override_paths
from sim.errors import SimError
from sim.results.folder import (
    FolderLock,
    atomic_write_bytes,
    atomic_write_table,
    prepare_folder,
    read_manifest,
)
from sim.results.manifest import Manifest, SweepDesign
from sim.results.reader import Results, load_results
from sim.runner.executor import start_early
from sim.runner.job import check_resumable, execute_job, job_manifest
from sim.runner.plan import ChunkPlan
from sim.runner.sizing import (
    MAX_CHUNK,
    check_disk,
    chunk_cap,
    chunk_size_for,
    default_workers,
    estimate_line,
    reference_cost,
)
from sim.runner.tasks import COMMON, SweepChunkTask
from sim.scenario.loader import Scenario, load_scenario
from sim.sweep.samplers import Design, sample
from sim.sweep.space import (
    Parameter,
    check_parameters,
    parameters_from_table,
    parse_parameter,
    point_overrides,
)

ANNUAL_UP_TO = 20_000
"""``--annual auto`` keeps per-run annual series only for sweeps of at most this many runs."""
MAX_POINTS = 100_000
"""Most design points a sweep takes: its design, ``points.parquet``, the overrides of every
point and the per-point summary are held in memory (a few KB per point)."""


def check_points(method: str, n_points: int, params: list[Parameter]) -> None:
    """Refuse, in one line naming ``--points``, a design of more than `MAX_POINTS` points.

    Checked before the design is built: Sobol designs have ``points (D + 2)`` points,
    Morris ``points (D + 1)`` (D parameters), a grid the product of its levels (``points``
    per range).
    """
    d = len(params)
    if method == "grid":
        size = math.prod(n_points if p.is_range else len(p.levels) for p in params)
        what = f"a grid of {size:,} points"
    else:
        factor = {"sobol": d + 2, "morris": d + 1}.get(method, 1)
        size = n_points * factor
        what = f"a {method} design of {size:,} points"
    if size > MAX_POINTS:
        raise SimError(
            f"--points {n_points:,}: {what} is more than a sweep takes ({MAX_POINTS:,}); "
            "ask for fewer points"
        )


def sweep_settings(
    scenario: Scenario,
    params: Iterable[str],
    sweep_file: str | None,
    sampler: str | None,
    points: int | None,
    runs: int | None,
) -> tuple[list[Parameter], str, int, int]:
    """Merge ``--param`` options, a ``--sweep`` file and the scenario's ``[sweep]`` table.

    Command-line options win over the file, which wins over the scenario's table.
    """
    table: dict[str, Any] = dict(scenario.data.get("sweep", {}))
    source = scenario.file
    if sweep_file:
        from sim.scenario.loader import read_toml

        raw = read_toml(Path(sweep_file), sweep_file)
        if "sweep" not in raw:
            raise SimError(f"{sweep_file}: no [sweep] table")
        table.update(raw["sweep"])
        source = sweep_file
    known = {"sampler", "points", "runs", "params"}
    for key in table:
        if key not in known:
            raise SimError(
                f"{source}: sweep.{key}: unknown key (known: {', '.join(sorted(known))})"
            )
    parsed = [parse_parameter(p) for p in params]
    if not parsed and table.get("params"):
        if not isinstance(table["params"], dict):
            raise SimError(f'{source}: sweep.params: expected a table of PATH = "LO:HI"')
        parsed = parameters_from_table(table["params"], source)
    method = sampler or table.get("sampler", "lhs")
    n_points = points if points is not None else table.get("points", 64)
    n_runs = runs if runs is not None else table.get("runs", 100)
    for name, value in (("points", n_points), ("runs", n_runs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SimError(f"{source}: sweep.{name}: expected a positive integer, got {value!r}")
    return check_parameters(scenario, parsed), method, n_points, n_runs


def plan_sweep(manifest: Manifest, folder: Path) -> ChunkPlan[SweepChunkTask]:
    """Chunk tasks of a sweep from its manifest and points (pure, so resumable; lazy)."""
    design = _design(manifest)
    points = pd.read_parquet(folder / "points.parquet")
    params = [parameter_from_manifest(p) for p in design.parameters]
    columns = [points[p.path].tolist() for p in params]
    overrides = {
        int(pid): point_overrides(params, [column[row] for column in columns])
        for row, pid in enumerate(points["point_id"].tolist())
    }
    runs, size = design.runs_per_point, manifest.chunk_size
    total = len(points) * runs
    held = tuple(sorted(override_paths(manifest.overrides) | set(design.swept)))

    def make(chunk: int, lo: int, hi: int) -> SweepChunkTask:
        run_ids = np.arange(lo, hi, dtype=np.int64)
        pids = run_ids // runs
        return SweepChunkTask(
            chunk=chunk,
            run_ids=run_ids,
            master_seed=manifest.master_seed,
            folder=str(folder),
            annual_runs=manifest.annual_runs,
            point_ids=pids,
            local_ids=run_ids % runs,
            scenario=manifest.scenario,
            points={int(p): overrides[int(p)] for p in np.unique(pids)},
            seeding=design.seeding,
            held=held,
        )

    return ChunkPlan(total, size, make)


def parameter_from_manifest(entry: dict[str, Any]) -> Parameter:
    """Rebuild a swept parameter from its manifest entry (``levels`` as a list)."""
    return Parameter(
        path=entry["path"],
        low=entry.get("low"),
        high=entry.get("high"),
        levels=tuple(entry.get("levels", ())),
        integer=entry.get("integer", False),
    )


def _design(manifest: Manifest) -> SweepDesign:
    """Return the design of a sweep's manifest (one is always there for sweeps)."""
    if manifest.sweep is None:
        raise SimError(f"not a sweep (kind {manifest.kind!r})")
    return manifest.sweep


def points_table(params: list[Parameter], design: Design) -> pa.Table:
    """``points.parquet``: point_id plus one column per parameter (named by its path)."""
    cols: dict[str, Any] = {"point_id": pa.array(np.arange(len(design.values)), pa.int64())}
    for d, p in enumerate(params):
        column = [row[d] for row in design.values]
        if all(isinstance(v, bool | np.bool_) for v in column):
            cols[p.path] = pa.array([bool(v) for v in column], pa.bool_())
        elif p.integer:
            cols[p.path] = pa.array([int(round(float(v))) for v in column], pa.int64())
        else:
            cols[p.path] = pa.array([float(v) for v in column], pa.float64())
    return pa.table(cols)


def summary_table(folder: Path, manifest: Manifest) -> pd.DataFrame:
    """``summary.parquet``: per point and theatre, war probability with its interval etc.

    Also the shares of runs reaching rungs 4 and 5, losing the holder, under blockade
    (``p_blockade``) and with each covering patron joining.
    """
    scen = load_scenario(manifest.scenario)
    structure, _ = compile_scenario(scen)
    points = pd.read_parquet(folder / "points.parquet")
    tally = tally_from_outcomes(folder / "outcomes.parquet", structure, len(points))
    blockades = count_true(folder / "outcomes.parquet", structure, "blockade", len(points))
    rows = []
    rung_values = np.arange(tally.rungs.shape[2])
    for p in range(len(points)):
        for k, theatre in enumerate(structure.theatres):
            n = int(tally.n[p, k])
            rungs = tally.rungs[p, k]
            wars = int(rungs[6:].sum())
            lo, hi = wilson(wars, n)
            row = {
                "point_id": p,
                "theatre": theatre,
                "runs": n,
                "p_war": wars / n,
                "p_war_low": float(lo),
                "p_war_high": float(hi),
                "mean_max_rung": float((rungs * rung_values).sum() / n),
                "p_rung_ge4": float(rungs[4:].sum() / n),
                "p_rung_ge5": float(rungs[5:].sum() / n),
                "p_holder_changed": float(tally.holder_changed[p, k] / n),
                "p_blockade": float(blockades[p, k] / n),
            }
            for a, aid in enumerate(structure.alliance_ids):
                if structure.covers[a, k]:
                    row[f"p_joined_{aid}"] = float(tally.joined[p, k, a] / n)
            rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.merge(points, on="point_id")


def finish_sweep(folder: Path, manifest: Manifest) -> None:
    """Write ``summary.parquet`` and, for Sobol/Morris designs, ``sensitivity.json``."""
    summary = summary_table(folder, manifest)
    atomic_write_table(
        folder / "summary.parquet", pa.Table.from_pandas(summary, preserve_index=False)
    )
    if _design(manifest).sampler in ("sobol", "morris"):
        from sim.analysis.sensitivity import analyze_folder

        result = analyze_folder(folder, manifest.to_dict(), summary)
        atomic_write_bytes(folder / "sensitivity.json", json.dumps(result, indent=2).encode())


def sweep_annual_runs(mode: str, total: int) -> int:
    """Return how many leading runs of a sweep keep per-run annual rows under `mode`.

    The values are those of ``sim run`` (`sim.runner.ensemble.annual_runs_for`): ``all``,
    ``sample`` (the first 10,000 runs, which in a sweep are those of the first points),
    ``off``; ``auto`` keeps every run of a sweep of at most `ANNUAL_UP_TO` runs and none of
    a larger one (``on`` is accepted as the older name of ``all``).
    """
    from sim.runner.ensemble import annual_runs_for

    if mode == "on":
        mode = "all"
    if mode == "auto":
        return total if total <= ANNUAL_UP_TO else 0
    return annual_runs_for(mode, total)


def default_sweep_out(scen: Scenario) -> Path:
    """``results/<name>__sweep[__<overrides in words>]__<hash>`` (`sim.results.names`)."""
    from sim.results.names import folder_name, free_folder

    name = folder_name(scen.name, scen.overrides, scen.digest, kind="sweep")
    return free_folder(Path("results"), name)


def run_sweep(
    scenario: str | Path | Scenario | Mapping,
    params: Iterable[str] = (),
    sampler: str | None = None,
    points: int | None = None,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Iterable[str] | Mapping | None = None,
    sweep_file: str | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    annual: str = "auto",
    progress: Callable[[int, int], None] | None = None,
    command: list[str] | None = None,
    chunk_size: int | None = None,
    seeding: str = COMMON,
    notify: Callable[[str], None] | None = None,
) -> Results:
    """Run a sweep and return its results (see ``sim sweep --help``).

    `seeding` ``"per-point"`` reproduces sweeps written before schema version 3 (seeds by
    point and replication, the scenario's own values; `sim.results.manifest.SweepDesign`).
    """
    scen = load_scenario(scenario, overrides or ())
    plist, method, n_points, n_runs = sweep_settings(
        scen, params, sweep_file, sampler, points, runs
    )
    master = scen.seed if seed is None else int(seed)
    check_points(method, n_points, plist)
    design = sample(method, plist, n_points, master)
    total = len(design.values) * n_runs
    if out is None:
        out = default_sweep_out(scen)
    folder = Path(out)
    check_disk(total, folder, f"--runs {n_runs:,} x {len(design.values):,} points =")
    annual = "all" if annual == "on" else annual  # "on": the older name of "all"
    annual_runs = sweep_annual_runs(annual, total)
    structure, params = compile_scenario(scen)
    cost = reference_cost(structure)
    cap = min(MAX_CHUNK, chunk_cap(cost))
    if workers is None:
        workers = default_workers(cost.seconds(total, chunk_size or min(cap, total)))
    workers = int(workers)
    size = chunk_size or chunk_size_for(total, workers, cap)
    if scheduler is None:
        start_early(workers, math.ceil(total / size))
    if notify is not None:
        line = estimate_line(total, workers, size, structure, params, scheduler=scheduler)
        if line:
            notify(line)
    prepare_folder(folder, force)
    manifest = job_manifest(
        scen,
        structure,
        master=master,
        runs=total,
        chunk_size=size,
        workers=workers,
        scheduler=scheduler,
        annual_mode=annual,
        annual_runs=annual_runs,
        command=command,
        sweep=SweepDesign(
            sampler=method,
            design_meta=design.meta,
            parameters=[
                {
                    "path": p.path,
                    "low": p.low,
                    "high": p.high,
                    "levels": list(p.levels),
                    "integer": p.integer,
                }
                for p in plist
            ],
            swept=[p.path for p in plist],
            points=len(design.values),
            runs_per_point=n_runs,
            seeding=seeding,
        ),
    )
    with FolderLock(folder):
        atomic_write_table(folder / "points.parquet", points_table(plist, design))
        np.save(folder / "design_unit.npy", design.unit)
        tasks = plan_sweep(manifest, folder)
        manifest.chunks = len(tasks)
        execute_job(folder, manifest, tasks, workers, scheduler, progress, finish_sweep)
    return load_results(folder)


def resume_sweep(
    folder: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Complete an interrupted sweep; the final tables equal an uninterrupted sweep's."""
    path = Path(folder)
    data = read_manifest(path)
    if data.get("kind") != "sweep":
        raise SimError(f"{path}: not a sweep folder (kind {data.get('kind')!r})")
    if data.get("status") == "complete":
        raise SimError(f"{path}: already complete; nothing to resume")
    if not (path / "points.parquet").exists():
        raise SimError(f"{path}: points.parquet is missing; the sweep cannot be resumed")
    manifest = check_resumable(path, data)
    if workers is None:
        structure = compile_scenario(load_scenario(manifest.scenario), posterior=False)[0]
        cost = reference_cost(structure)
        left = manifest.runs - (manifest.runs_done or 0)
        workers = default_workers(cost.seconds(left, manifest.chunk_size))
    manifest.workers = int(workers)
    manifest.scheduler = scheduler
    with FolderLock(path):
        tasks = plan_sweep(manifest, path)
        execute_job(path, manifest, tasks, manifest.workers, scheduler, progress, finish_sweep)
    return load_results(path)
