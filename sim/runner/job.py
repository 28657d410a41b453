"""Execute a planned job (ensemble or sweep) into a result folder, resumably.

A job is a list of chunk tasks whose plan is fully determined by the manifest, so an
interrupted job can be completed later (`resume`): chunks whose three tables are on disk
are skipped, the rest are computed, then everything is merged. The manifest says
"running" while work is under way, "incomplete" after an interruption that Python saw
(Ctrl-C, SIGTERM, an error), and "complete" only once the final tables are written. After
SIGKILL it still says "running", which readers also treat as not finished.
"""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ResultsError, SimError
from sim.results.folder import (
    MANIFEST,
    ChunkMerger,
    file_facts,
    finished_chunks,
    merge_chunks,
    remove_chunks,
    write_manifest,
)
from sim.results.manifest import Manifest, SweepDesign
from sim.runner.executor import load_kernels, make_executor
from sim.runner.plan import chunk_numbers, runs_of, unfinished
from sim.runner.tasks import ChunkTask, execute

if TYPE_CHECKING:
    from sim.engine.params import Structure
    from sim.scenario.loader import Scenario


class Terminated(Exception):
    """Raised in the main process when SIGTERM arrives, so the manifest can be updated."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated("terminated by SIGTERM")


def _posterior_record(scen: Scenario, sweep: SweepDesign | None) -> dict[str, Any] | None:
    """Return the manifest's record of the posterior the job's runs draw from, or None.

    Sweeps of the older ``per-point`` seeding ran at the scenario's own values.
    """
    from sim.engine.params import override_paths
    from sim.scenario.posterior import posterior_record

    if sweep is not None and sweep.seeding != "common":
        return None
    record = posterior_record(scen.data)
    if record is not None:  # --set paths, and a sweep's swept ones, keep their values
        held = override_paths(scen.overrides) | set(sweep.swept if sweep is not None else ())
        record["held"] = [p for p in record["parameters"] if p in held]
    return record


def job_manifest(
    scen: Scenario,
    structure: Structure,
    *,
    master: int,
    runs: int,
    chunk_size: int,
    workers: int,
    scheduler: str | None,
    annual_mode: str,
    annual_runs: int,
    command: list[str] | None,
    sweep: SweepDesign | None = None,
    chunks: int | None = None,
) -> Manifest:
    """Build the manifest of a new job: what it is, how to redo it, where it came from.

    A job with a `sweep` design is a sweep, any other an ensemble.
    """
    import sys

    from sim.results.provenance import provenance

    return Manifest(
        kind="ensemble" if sweep is None else "sweep",
        status="running",
        scenario_name=scen.name,
        scenario_title=scen.title,
        scenario_file=scen.file,
        scenario_chain=scen.chain,
        scenario_sha256=scen.digest,
        overrides=scen.overrides,
        sweep=sweep,
        chunks=chunks,
        runs=runs,
        master_seed=master,
        chunk_size=chunk_size,
        workers=workers,
        scheduler=scheduler,
        annual_mode=annual_mode,
        annual_runs=annual_runs,
        months=scen.months,
        start=scen.start,
        theatres=list(structure.theatres),
        actors=list(structure.actors),
        alliances=list(structure.alliance_ids),
        command=command if command is not None else sys.argv,
        started=dt.datetime.now(dt.UTC).isoformat(),
        provenance=provenance(),
        scenario=scen.data,
        posterior=_posterior_record(scen, sweep),
    )


def check_resumable(path: Path, data: Mapping[str, Any]) -> Manifest:
    """Parse the manifest of a job to resume, refusing in one line one that cannot be.

    Resuming needs the counts, the seed, the plan, the resolved scenario and, for a
    sweep, its design.

    Raises
    ------
    SimError
        Naming the manifest and the missing or malformed key.
    """
    try:
        return Manifest.from_dict(data, path / MANIFEST)
    except ResultsError as exc:
        raise SimError(f"{exc}; the job cannot be resumed") from None


def execute_job(
    folder: Path,
    manifest: Manifest,
    tasks: Sequence[ChunkTask],
    workers: int,
    scheduler: str | None,
    progress: Callable[[int, int], None] | None,
    finish: Callable[[Path, Manifest], None],
) -> Manifest:
    """Run the job's unfinished chunks, merge, call `finish` to add summaries, mark complete.

    Parameters
    ----------
    folder : Path
        Result folder (already prepared and locked by the caller).
    manifest : Manifest
        Manifest to write; must describe the job so that it can be resumed. It is
        updated in place as the job runs.
    tasks : sequence of ChunkTask
        The full plan; finished chunks are skipped.
    finish : callable(folder, manifest)
        Adds summaries to the manifest (and writes any extra tables) after the merge.

    Returns
    -------
    Manifest
        The final manifest.
    """
    total = runs_of(tasks)
    chunks = chunk_numbers(tasks)
    done_chunks = finished_chunks(folder, verify=True)
    todo, count = unfinished(tasks, done_chunks)
    done = runs_of(tasks, done_chunks)
    manifest.status = "running"
    manifest.runs_done = done
    resumed = done if done else (manifest.resumed_runs or 0)
    manifest.resumed_runs = resumed
    t0 = time.perf_counter()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    # the final tables grow in chunk order while later chunks still run
    merger = ChunkMerger(folder, chunks)
    merger.mark_ready(done_chunks)
    try:
        write_manifest(folder, manifest)
        if progress:
            progress(done, total)
        if count and scheduler is None:
            load_kernels()  # this process computes chunks: Ctrl-C must not get lost there
        runner = make_executor(workers, scheduler)
        for chunk, n in runner.map_unordered(execute, todo, count):
            done += n
            if progress:
                progress(done, total)
            merger.add(chunk)
        # the merge and the summaries are part of the job: an interruption there leaves
        # the manifest saying "incomplete" too, and the chunks stay until it says complete
        merge_chunks(folder, chunks, keep=True, merger=merger)
        wall = time.perf_counter() - t0
        manifest.status = "complete"
        manifest.runs_done = total
        manifest.finished = dt.datetime.now(dt.UTC).isoformat()
        manifest.wall_seconds = round(wall, 3)
        computed = total - resumed
        manifest.runs_per_second = round(computed / wall, 1) if wall > 0 else None
        manifest.interrupted_by = None
        finish(folder, manifest)
        manifest.files = file_facts(folder)
    except BaseException as caught:
        merger.abort()
        exc = interrupt_behind(caught) or caught
        kept = _mark_incomplete(folder, manifest, tasks, exc)
        if exc is not caught:
            raise exc from None
        if isinstance(exc, OSError):
            command = "sweep" if manifest.kind == "sweep" else "run"
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise SimError(
                f"{folder}: cannot write results ({reason}); kept {kept:,} of "
                f"{total:,} runs, the manifest says incomplete; fix the cause, "
                f"then finish with: sim {command} --resume {folder}"
            ) from None
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    try:
        write_manifest(folder, manifest)
    except OSError as exc:
        raise SimError(
            f"{folder}: cannot write manifest.json ({exc.strerror or exc}); "
            "the folder is not marked complete"
        ) from None
    remove_chunks(folder, chunks)
    return manifest


def interrupt_behind(exc: BaseException) -> BaseException | None:
    """Return the Ctrl-C or SIGTERM behind another exception, if one is.

    numba loads a compiled kernel from its cache on the kernel's first call, running
    Python code inside a C call; a Ctrl-C that lands there comes out as a ``SystemError``
    ("returned a result with an exception set") caused by the KeyboardInterrupt, which
    would print a traceback instead of what was kept.
    """
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, (KeyboardInterrupt, Terminated)):
            return None if cause is exc else cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _mark_incomplete(
    folder: Path, manifest: Manifest, tasks: Sequence[ChunkTask], exc: BaseException
) -> int:
    """Record an interruption in the manifest; returns the runs kept on disk.

    A second Ctrl-C (or the worker pool echoing the first one) may arrive while this runs:
    the write is retried so that the manifest does not keep saying "running". If the disk
    is full the manifest cannot be rewritten; it then still says "running", which readers
    also refuse.
    """
    kept = 0
    for _attempt in range(5):
        try:
            kept = runs_of(tasks, finished_chunks(folder))
            manifest.status = "incomplete"
            manifest.runs_done = kept
            manifest.interrupted_by = type(exc).__name__
            manifest.files = None
            write_manifest(folder, manifest)
            break
        except (KeyboardInterrupt, Terminated):
            continue
        except OSError:
            break
    return kept
