"""`sim run`: an ensemble of stochastic runs of one scenario, streamed to a result folder."""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import SimError
from sim.results.folder import FolderLock, prepare_folder
from sim.runner.executor import start_early
from sim.runner.job import check_resumable, execute_job, job_manifest
from sim.runner.plan import ChunkPlan
from sim.runner.sizing import (  # noqa: F401  (MAX_CHUNK, SPLIT_FROM: re-exported)
    MAX_CHUNK,
    SPLIT_FROM,
    check_disk,
    chunk_cap,
    chunk_size_for,
    default_workers,
    estimate_line,
    reference_cost,
)
from sim.runner.tasks import EnsembleChunkTask
from sim.scenario.loader import Scenario, load_scenario

if TYPE_CHECKING:
    from sim.analysis.tally import Tally
    from sim.engine.params import Params, Structure
    from sim.results.manifest import Manifest
    from sim.results.reader import Results

ANNUAL_ALL_UP_TO = 20_000
"""With ``annual="auto"``, every run keeps its annual rows up to this many runs..."""
ANNUAL_SAMPLE = 10_000
"""...and above it, only the first this-many runs (an i.i.d. sample) do."""
MAX_IN_MEMORY = 2_000_000
"""Most runs `run` reads back into memory when it has no `out` folder to leave them in."""


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
    notify: Callable[[str], None] | None = None,
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
        Result folder. None: a temporary folder, read back and deleted (at most
        `MAX_IN_MEMORY` runs).
    workers : int, optional
        Worker processes; default one per idle core, one for a job of a few seconds
        (`sim.runner.sizing.default_workers`).
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
    notify : callable(str), optional
        Called with a one-line time estimate before a job expected to take more than a
        couple of minutes starts (`sim.runner.sizing.estimate_line`).

    Returns
    -------
    Results
        Tables and manifest of the finished folder.

    Raises
    ------
    SimError
        For bad arguments and for a job whose results cannot fit on the disk, before
        anything is written.
    """
    if runs < 1:
        raise SimError(f"--runs must be at least 1, got {runs}")
    scen = load_scenario(scenario, overrides or ())
    master = scen.seed if seed is None else int(seed)
    if not 0 <= master < 2**63:
        raise SimError(f"--seed must be between 0 and 2^63-1, got {master}")
    if workers is not None and int(workers) < 1:
        raise SimError(f"--workers must be at least 1, got {workers}")
    if chunk_size is not None and int(chunk_size) < 1:
        raise SimError(f"chunk_size must be at least 1, got {chunk_size}")
    temporary = out is None
    if temporary and runs > MAX_IN_MEMORY:
        raise SimError(
            f"--runs {runs:,}: a run without an output folder is read back into memory, "
            f"which takes at most {MAX_IN_MEMORY:,} runs; give out=FOLDER"
        )
    check_disk(runs, Path(tempfile.gettempdir()) if out is None else Path(out))
    compiled = compile_ensemble(scen)
    workers, size = ensemble_sizing(compiled[0], runs, workers, chunk_size)
    if scheduler is None:
        start_early(workers, math.ceil(runs / size))
    if notify is not None:
        line = estimate_line(runs, workers, size, *compiled, scheduler=scheduler)
        if line:
            notify(line)
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
                size,
                progress,
                command,
                scheduler,
                compiled=compiled,
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


def compile_ensemble(scen: Scenario, held: Iterable[str] | None = None) -> tuple[Structure, Params]:
    """Compile the scenario every chunk of an ensemble runs (see `plan_ensemble`)."""
    from sim.engine.params import compile_scenario

    return compile_scenario(scen, held=held)


def ensemble_sizing(
    structure: Structure, runs: int, workers: int | None, chunk_size: int | None
) -> tuple[int, int]:
    """Return (workers, chunk size) of an ensemble: the given ones, or the defaults.

    The chunk size is at most `sim.runner.sizing.chunk_cap` of the scenario's modelled
    cost (a few seconds of work, so that an interrupt loses little) and `MAX_CHUNK`; the
    default worker count depends on the expected time and the machine's load
    (`sim.runner.sizing.default_workers`). Neither depends on a timing.
    """
    cost = reference_cost(structure)
    cap = min(MAX_CHUNK, chunk_cap(cost))
    if workers is None:
        workers = default_workers(cost.seconds(runs, chunk_size or min(cap, runs)))
    workers = int(workers)
    return workers, int(chunk_size or chunk_size_for(runs, workers, cap))


def plan_ensemble(
    scen: Scenario,
    runs: int,
    master: int,
    folder: Path,
    size: int,
    annual_runs: int,
    held: Iterable[str] | None = None,
    compiled: tuple[Structure, Params] | None = None,
) -> ChunkPlan[EnsembleChunkTask]:
    """Chunk tasks of an ensemble (a pure function of its arguments, so resumable).

    This is the one place that gives the chunks their parameters. `held`: posterior
    parameters kept at the scenario's values (default: those its overrides set; a resumed
    job passes its manifest's record, since its resolved scenario carries no overrides).
    The plan is lazy (`sim.runner.plan.ChunkPlan`): a chunk's task, with its run ids, is
    built when the chunk is handed out.
    """
    import numpy as np

    structure, params = compiled if compiled is not None else compile_ensemble(scen, held)

    def make(chunk: int, lo: int, hi: int) -> EnsembleChunkTask:
        return EnsembleChunkTask(
            chunk=chunk,
            run_ids=np.arange(lo, hi, dtype=np.int64),
            master_seed=master,
            structure=structure,
            params=params,
            folder=str(folder),
            annual_runs=annual_runs,
        )

    return ChunkPlan(runs, size, make)


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
    compiled: tuple[Structure, Params] | None = None,
) -> Manifest:
    """Run all chunks into `folder`, merge them and write the final manifest."""
    if compiled is None:
        compiled = compile_ensemble(scen)
    size = chunk_size or ensemble_sizing(compiled[0], runs, workers, None)[1]
    annual_runs = annual_runs_for(annual, runs)
    tasks = plan_ensemble(scen, runs, master, folder, size, annual_runs, compiled=compiled)
    structure = compiled[0]
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
    scen = load_scenario(manifest.scenario)
    compiled = compile_ensemble(scen, held=(manifest.posterior or {}).get("held", ()))
    left = manifest.runs - (manifest.runs_done or 0)
    workers, _ = ensemble_sizing(compiled[0], left, workers, manifest.chunk_size)
    tasks = plan_ensemble(
        scen,
        manifest.runs,
        manifest.master_seed,
        path,
        manifest.chunk_size,
        manifest.annual_runs,
        compiled=compiled,
    )
    manifest.workers = workers
    with FolderLock(path):
        execute_job(path, manifest, tasks, workers, scheduler, progress, finish_ensemble)
    from sim.results.reader import load_results

    return load_results(path, checksums=False)
