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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.errors import SimError
from sim.results.folder import (
    file_facts,
    finished_chunks,
    merge_chunks,
    remove_chunks,
    write_manifest,
)
from sim.runner.executor import make_executor
from sim.runner.tasks import ChunkTask, execute


class Terminated(Exception):
    """Raised in the main process when SIGTERM arrives, so the manifest can be updated."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated("terminated by SIGTERM")


def job_manifest(
    kind: str,
    scen: Any,
    structure: Any,
    *,
    master: int,
    runs: int,
    chunk_size: int,
    workers: int,
    scheduler: str | None,
    annual_mode: str,
    annual_runs: int,
    command: list[str] | None,
    **extra: Any,
) -> dict[str, Any]:
    """Build the manifest of a new job: what it is, how to redo it, where it came from.

    `extra` holds kind-specific entries (a sweep's design); the resolved scenario comes
    last so the file stays readable.
    """
    import datetime as dt
    import sys

    from sim.results.provenance import provenance

    return {
        "kind": kind,
        "status": "running",
        "scenario_name": scen.name,
        "scenario_title": scen.title,
        "scenario_file": scen.file,
        "scenario_chain": scen.chain,
        "scenario_sha256": scen.digest,
        "overrides": scen.overrides,
        **extra,
        "runs": runs,
        "master_seed": master,
        "chunk_size": chunk_size,
        "workers": workers,
        "scheduler": scheduler,
        "annual_mode": annual_mode,
        "annual_runs": annual_runs,
        "months": scen.months,
        "start": scen.start,
        "theatres": list(structure.theatres),
        "actors": list(structure.actors),
        "alliances": list(structure.alliance_ids),
        "command": command if command is not None else sys.argv,
        "started": dt.datetime.now(dt.UTC).isoformat(),
        **provenance(),
        "scenario": scen.data,
    }


def check_resumable(path: Path, manifest: dict[str, Any], counts: tuple[str, ...]) -> None:
    """Refuse, in one line, a manifest that lacks what resuming needs.

    `counts` are keys that must be positive integers; ``master_seed`` and ``annual_runs``
    must be non-negative integers and ``scenario`` a table.
    """
    for key, least in (*((k, 1) for k in counts), ("master_seed", 0), ("annual_runs", 0)):
        value = manifest.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise SimError(
                f"{path / 'manifest.json'}: '{key}' is missing or not an integer "
                f">= {least} ({value!r:.40}); the job cannot be resumed"
            )
    if not isinstance(manifest.get("scenario"), dict):
        raise SimError(
            f"{path / 'manifest.json'}: 'scenario' is missing or not a table; "
            "the job cannot be resumed"
        )


def execute_job(
    folder: Path,
    manifest: dict[str, Any],
    tasks: list[ChunkTask],
    workers: int,
    scheduler: str | None,
    progress: Callable[[int, int], None] | None,
    finish: Callable[[Path, dict[str, Any]], None],
) -> dict[str, Any]:
    """Run the job's unfinished chunks, merge, call `finish` to add summaries, mark complete.

    Parameters
    ----------
    folder : Path
        Result folder (already prepared and locked by the caller).
    manifest : dict
        Manifest to write; must describe the job so that it can be resumed.
    tasks : list of ChunkTask
        The full plan; finished chunks are skipped.
    finish : callable(folder, manifest)
        Adds summaries to the manifest (and writes any extra tables) after the merge.

    Returns
    -------
    dict
        The final manifest.
    """
    total = sum(len(t.run_ids) for t in tasks)
    done_chunks = finished_chunks(folder, verify=True)
    todo = [t for t in tasks if t.chunk not in done_chunks]
    done = total - sum(len(t.run_ids) for t in todo)
    manifest["status"] = "running"
    manifest["runs_done"] = done
    manifest.setdefault("started", dt.datetime.now(dt.UTC).isoformat())
    manifest["resumed_runs"] = done if done else manifest.get("resumed_runs", 0)
    t0 = time.perf_counter()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        write_manifest(folder, manifest)
        if progress:
            progress(done, total)
        for _chunk, n, _tally in make_executor(workers, scheduler).map_unordered(execute, todo):
            done += n
            if progress:
                progress(done, total)
        # the merge and the summaries are part of the job: an interruption there leaves
        # the manifest saying "incomplete" too, and the chunks stay until it says complete
        merge_chunks(folder, [t.chunk for t in tasks], keep=True)
        wall = time.perf_counter() - t0
        manifest.update(
            {
                "status": "complete",
                "runs_done": total,
                "finished": dt.datetime.now(dt.UTC).isoformat(),
                "wall_seconds": round(manifest.get("wall_seconds_before", 0.0) + wall, 3),
            }
        )
        computed = total - manifest.get("resumed_runs", 0)
        manifest["runs_per_second"] = round(computed / wall, 1) if wall > 0 else None
        manifest.pop("interrupted_by", None)
        finish(folder, manifest)
        manifest["files"] = file_facts(folder)
    except BaseException as exc:
        kept = _mark_incomplete(folder, manifest, tasks, exc)
        if isinstance(exc, OSError):
            command = "sweep" if manifest.get("kind") == "sweep" else "run"
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
    remove_chunks(folder, [t.chunk for t in tasks])
    return manifest


def _mark_incomplete(
    folder: Path, manifest: dict[str, Any], tasks: list[ChunkTask], exc: BaseException
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
            kept = sum(len(t.run_ids) for t in tasks if t.chunk in finished_chunks(folder))
            manifest["status"] = "incomplete"
            manifest["runs_done"] = kept
            manifest["interrupted_by"] = type(exc).__name__
            manifest.pop("files", None)
            write_manifest(folder, manifest)
            break
        except (KeyboardInterrupt, Terminated):
            continue
        except OSError:
            break
    return kept
