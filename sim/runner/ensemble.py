"""`sim run`: an ensemble of stochastic runs of one scenario, streamed to a result folder."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import SimError
from sim.results.folder import FolderLock, prepare_folder
from sim.runner.executor import start_early
from sim.runner.job import check_resumable, execute_job, job_manifest
from sim.runner.tasks import EnsembleChunkTask
from sim.scenario.loader import Scenario, load_scenario

if TYPE_CHECKING:
    from sim.analysis.tally import Tally
    from sim.engine.params import Structure
    from sim.results.manifest import Manifest
    from sim.results.reader import Results

ANNUAL_ALL_UP_TO = 20_000
"""With ``annual="auto"``, every run keeps its annual rows up to this many runs..."""
ANNUAL_SAMPLE = 10_000
"""...and above it, only the first this-many runs (an i.i.d. sample) do."""
MAX_CHUNK = 10_000
"""Largest chunk: the engine's cost per run falls with the batch up to about this size
(benchmarks/README.md: ~4 % cheaper per run than chunks of 5,000, which makes two
workers ~1.93x one at 200,000 runs instead of ~1.83x); a process computing a chunk of
10,000 runs holds ~100-150 MB more than one at rest (the engine's state, the annual
accumulators and table), so a million runs on two workers peak at ~0.9 GB for the
process tree (docs/performance.md, "Memory of a million runs")."""


def annual_runs_for(mode: str, runs: int) -> int:
    """Return the number of leading runs that keep per-run annual rows under an annual mode."""
    if mode == "all":
        return runs
    if mode == "off":
        return 0
    if mode == "sample":
        return min(runs, ANNUAL_SAMPLE)
    if mode == "auto":
        return runs if runs <= ANNUAL_ALL_UP_TO else ANNUAL_SAMPLE
    raise SimError(f"--annual must be all, sample, off or auto, not '{mode}'")


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


SPLIT_FROM = 5_000
"""With several workers, an ensemble that would fill one round of chunks of at least
twice this size runs in two rounds instead, so that the main process merges the first
round's tables while the workers compute the second."""


def chunk_size_for(runs: int, workers: int) -> int:
    """Chunk size: big enough to amortise overhead, small enough to spread and stream.

    The chunks come in whole rounds of one per worker, as equal as possible, so that the
    workers finish together and none is left alone with a last chunk while the others
    idle. With several workers there are at least two rounds once chunks would keep
    `SPLIT_FROM` runs or more (see there).
    """
    workers = max(workers, 1)
    rounds = math.ceil(runs / (workers * MAX_CHUNK))
    if workers > 1 and rounds == 1 and runs >= 2 * workers * SPLIT_FROM:
        rounds = 2
    return int(max(250, math.ceil(runs / (workers * rounds))))


def default_out(scenario: Scenario) -> Path:
    """``results/<name>[__<overrides in words>]__<hash>`` (`sim.results.names`)."""
    from sim.results.names import folder_name, free_folder

    name = folder_name(scenario.name, scenario.overrides, scenario.digest)
    return free_folder(Path("results"), name)


def run(
    scenario: str | Path | Scenario | Mapping,
    runs: int = 1000,
    seed: int | None = None,
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    force: bool = False,
    annual: str = "auto",
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    command: list[str] | None = None,
    scheduler: str | None = None,
) -> Results:
    """Run an ensemble and return its results.

    Parameters
    ----------
    scenario : path, Scenario or mapping
        The scenario.
    runs : int
        Number of stochastic runs.
    seed : int, optional
        Master seed; default the scenario's ``meta.seed``.
    overrides : ``PATH=VALUE`` strings or mapping, optional
        ``--set`` overrides.
    out : path, optional
        Result folder. None: a temporary folder, read back and deleted.
    workers : int, optional
        Worker processes; default one per core.
    force : bool
        Overwrite a non-empty `out`.
    annual : {"auto", "all", "sample", "off"}
        Which runs keep per-run annual rows (see `annual_runs_for`).
    chunk_size : int, optional
        Runs per chunk; results do not depend on it.
    progress : callable(done, total), optional
        Called as chunks finish.
    command : list of str, optional
        Command line recorded in the manifest.
    scheduler : str, optional
        Address of a Dask scheduler to run chunks on instead of local processes.

    Returns
    -------
    Results
        Tables and manifest of the finished folder.
    """
    if runs < 1:
        raise SimError(f"--runs must be at least 1, got {runs}")
    scen = load_scenario(scenario, overrides or ())
    master = scen.seed if seed is None else int(seed)
    if not 0 <= master < 2**63:
        raise SimError(f"--seed must be between 0 and 2^63-1, got {master}")
    workers = default_workers() if workers is None else int(workers)
    if workers < 1:
        raise SimError(f"--workers must be at least 1, got {workers}")
    if scheduler is None:
        start_early(workers, math.ceil(runs / (chunk_size or chunk_size_for(runs, workers))))
    temporary = out is None
    folder = Path(tempfile.mkdtemp(prefix="sim-run-")) if out is None else Path(out)
    prepare_folder(folder, force or temporary)
    try:
        with FolderLock(folder):
            execute_ensemble(
                scen,
                runs,
                master,
                folder,
                workers,
                annual,
                chunk_size,
                progress,
                command,
                scheduler,
            )
        from sim.results.reader import load_results

        # written by this call just now: the SHA-256 of each file need not be recomputed
        results = load_results(folder, checksums=False)
        if temporary:
            results.load_all()
        return results
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)


def plan_ensemble(
    scen: Scenario,
    runs: int,
    master: int,
    folder: Path,
    size: int,
    annual_runs: int,
    held: Iterable[str] | None = None,
) -> list[EnsembleChunkTask]:
    """Chunk tasks of an ensemble (a pure function of its arguments, so resumable).

    This is the one place that gives the chunks their parameters. `held`: posterior
    parameters kept at the scenario's values (default: those its overrides set; a resumed
    job passes its manifest's record, since its resolved scenario carries no overrides).
    """
    import numpy as np

    from sim.engine.params import compile_scenario

    structure, params = compile_scenario(scen, held=held)
    bounds = list(range(0, runs, size)) + [runs]
    return [
        EnsembleChunkTask(
            chunk=i,
            run_ids=np.arange(lo, hi, dtype=np.int64),
            master_seed=master,
            structure=structure,
            params=params,
            folder=str(folder),
            annual_runs=annual_runs,
        )
        for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))
    ]


def chunk_tallies(folder: Path, chunks: Iterable[int], structure: Structure) -> Tally:
    """Add up the tallies the chunks left (`sim.runner.tasks`), without the merged tables.

    A chunk without a tally file (written by an older version before an interruption)
    is counted from its outcomes table instead.
    """
    from sim.analysis.tally import Tally, tally_from_outcomes
    from sim.results.folder import chunk_path, tally_path

    total = Tally.for_structure(structure)
    for c in chunks:
        try:
            part = Tally.from_bytes(tally_path(folder, c).read_bytes())
        except (OSError, ValueError, KeyError):
            part = tally_from_outcomes(chunk_path(folder, c, "outcomes"), structure)
        total.add(part)
    return total


def finish_ensemble(folder: Path, manifest: Manifest) -> None:
    """Add the per-theatre summary (from the chunks' tallies) to the manifest."""
    from sim.analysis.summary import summarise

    structure = _structure_of(manifest)
    chunks = range(manifest.chunks or math.ceil(manifest.runs / manifest.chunk_size))
    manifest.summary = summarise(chunk_tallies(folder, chunks, structure), structure)


_PLANNED: dict[str, Structure] = {}
"""Compiled structure of the scenarios this process is running, by scenario digest."""


def _structure_of(manifest: Manifest) -> Structure:
    """Return the job's compiled structure: kept from its plan, else compiled again."""
    found = _PLANNED.pop(manifest.scenario_sha256, None)
    if found is not None:
        return found
    from sim.engine.params import compile_scenario

    # the structure alone: no parameters, so no posterior to read
    return compile_scenario(load_scenario(manifest.scenario), posterior=False)[0]


def execute_ensemble(
    scen: Scenario,
    runs: int,
    master: int,
    folder: Path,
    workers: int,
    annual: str,
    chunk_size: int | None,
    progress: Callable[[int, int], None] | None,
    command: list[str] | None,
    scheduler: str | None,
) -> Manifest:
    """Run all chunks into `folder`, merge them and write the final manifest."""
    size = chunk_size or chunk_size_for(runs, workers)
    annual_runs = annual_runs_for(annual, runs)
    tasks = plan_ensemble(scen, runs, master, folder, size, annual_runs)
    structure = tasks[0].structure
    manifest = job_manifest(
        scen,
        structure,
        master=master,
        runs=runs,
        chunk_size=size,
        workers=workers,
        scheduler=scheduler,
        annual_mode=annual,
        annual_runs=annual_runs,
        command=command,
        chunks=len(tasks),
    )
    _PLANNED[scen.digest] = structure  # the summary needs it after the merge
    try:
        return execute_job(folder, manifest, tasks, workers, scheduler, progress, finish_ensemble)
    finally:
        _PLANNED.pop(scen.digest, None)


def resume(
    folder: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Complete an interrupted ``sim run`` folder; the result equals an uninterrupted run."""
    from sim.results.folder import read_manifest

    path = Path(folder)
    data = read_manifest(path)
    if data.get("kind") != "ensemble":
        hint = "; resume it with sim sweep --resume" if data.get("kind") == "sweep" else ""
        raise SimError(f"{path}: not an ensemble folder (kind {data.get('kind')!r}){hint}")
    if data.get("status") == "complete":
        raise SimError(f"{path}: already complete; nothing to resume")
    manifest = check_resumable(path, data)
    workers = default_workers() if workers is None else int(workers)
    scen = load_scenario(manifest.scenario)
    tasks = plan_ensemble(
        scen,
        manifest.runs,
        manifest.master_seed,
        path,
        manifest.chunk_size,
        manifest.annual_runs,
        held=(manifest.posterior or {}).get("held", ()),
    )
    manifest.workers = workers
    with FolderLock(path):
        execute_job(path, manifest, tasks, workers, scheduler, progress, finish_ensemble)
    from sim.results.reader import load_results

    return load_results(path, checksums=False)
