"""How big a job is: chunk sizes, worker counts, time estimates and impossible sizes.

Everything here is decided before a job starts, from the job's size and the scenario's
structure, never from a timing, so that the plan (and so every file of the folder) is a
pure function of the command and the worker count: the same command gives the same
folder, and ``--resume`` rebuilds the same plan from the manifest.

Cost model
----------
The engine's cost of a batch of ``n`` runs over ``T`` months is close to ``a + b n``
(a per-month overhead of numpy calls plus a per-run part). `reference_cost` gives ``a``
and ``b`` on the reference machine (docs/performance.md, "The machine": 2-vCPU AMD EPYC,
measured 2026-12-07 over every shipped scenario, one core, CPU time, batch 100 and 1,000):

* per run and month, 3.3-4.5 us for the shipped scenarios (5 actors, 2 theatres, every
  mechanism on), modelled as ``1.15 (0.4 + 1.4 K + 0.028 N^2)`` us (K theatres, N actors;
  the K and N terms are the slopes of `benchmarks/scaling.py`), 0.1 us when no grey-zone
  or crisis mechanism is on (two_state: 0.09);
* per batch and month, 1.5-1.9 ms (0.08 ms without grey-zone and crisis mechanisms).

The model errs high for light scenarios, which only makes their chunks smaller than they
need be. A chunk holds at most `CHUNK_SECONDS` of per-run work at the reference speed, so
an interrupt loses at most one chunk per worker: about 3-4 s of work here when idle,
~8 s under a load of 3.5, and ~30 s only on a machine about eight times slower (or four
times slower and that busy). Smaller chunks would cost throughput: a batch has ~0.2 s of
fixed cost (numpy calls per month), 3 s of work per chunk keeps that near 7 % (4 s: 5 %,
2 s: 10 %).
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import SimError

if TYPE_CHECKING:
    from sim.engine.params import Params, Structure

MAX_CHUNK = 10_000
"""Largest chunk: the engine's cost per run falls with the batch up to about this size
(benchmarks/README.md: ~4 % cheaper per run than chunks of 5,000); a process computing a
chunk of 10,000 runs holds ~100-150 MB more than one at rest (docs/performance.md,
"Memory of a million runs")."""
MIN_CHUNK = 250
"""Smallest chunk (but for a job of fewer runs): below it the per-batch overhead dominates."""
CHUNK_SECONDS = 3.0
"""Per-run work in one chunk, in seconds at the reference speed (see the module docstring)."""
SPLIT_FROM = 5_000
"""With several workers, an ensemble that would fill one round of chunks of at least
twice this size runs in two rounds instead, so that the main process merges the first
round's tables while the workers compute the second."""
POOL_PAYS_FROM = 5.0
"""Expected seconds on one worker below which the default is one worker: starting a pool
(its forkserver imports numpy, scipy, pyarrow and the kernels, ~1 s of CPU) and sharing the
merge cost more than a second core saves (measured: 2,000 baseline runs took 2.0-2.2 s on
one worker and 2.9-3.7 s on two at load 1.8-1.9)."""
ESTIMATE_FROM = 120.0
"""Expected seconds from which a job prints its estimated time before it starts."""
MIN_BYTES_PER_RUN = 16
"""Least disk a run can take: its 64-bit seed (8 random bytes, incompressible) is written
twice, in its chunk's file and in the final ``runs.parquet``, which coexist until the job
ends. Real folders take ~100 bytes per run without annual rows (docs/performance.md)."""
HEAVY = frozenset({"greyzone", "crisis", "alliances", "war"})
"""Mechanisms whose cost dominates a month (grey-zone draws, crisis moves, fighting)."""


@dataclass(frozen=True)
class Cost:
    """Reference-machine cost of a batch: ``batch + per_run * n`` seconds (one core)."""

    batch: float
    per_run: float

    def seconds(self, runs: int, chunk: int) -> float:
        """Seconds of one core for `runs` runs in chunks of `chunk`."""
        return math.ceil(runs / max(chunk, 1)) * self.batch + runs * self.per_run


def reference_cost(structure: Structure) -> Cost:
    """Return the modelled cost of the scenario's runs on the reference machine."""
    k, n, months = len(structure.theatres), len(structure.actors), structure.months
    if structure.mechanisms & HEAVY:
        per_month_run = 1.15 * (0.4 + 1.4 * k + 0.028 * n * n) * 1e-6
        per_month_batch = 1.9e-3 * max(k, 1) / 2
    else:
        per_month_run = (0.05 + 0.01 * n * n) * 1e-6
        per_month_batch = 0.08e-3
    return Cost(batch=months * per_month_batch, per_run=months * per_month_run)


def chunk_cap(cost: Cost) -> int:
    """Largest chunk for this cost: `CHUNK_SECONDS` of per-run work, within the bounds."""
    fits = int(CHUNK_SECONDS / cost.per_run) if cost.per_run > 0 else MAX_CHUNK
    return max(MIN_CHUNK, min(MAX_CHUNK, fits))


def chunk_size_for(runs: int, workers: int, cap: int = MAX_CHUNK) -> int:
    """Chunk size: big enough to amortise overhead, small enough to spread, stream and stop.

    The chunks come in whole rounds of one per worker, as equal as possible, so that the
    workers finish together and none is left alone with a last chunk while the others
    idle; none is larger than `cap` (`chunk_cap`: a few seconds of work, so that an
    interrupt loses little). With several workers there are at least two rounds once
    chunks would keep `SPLIT_FROM` runs or more (see there).
    """
    workers = max(workers, 1)
    cap = max(MIN_CHUNK, min(cap, MAX_CHUNK))
    rounds = math.ceil(runs / (workers * cap))
    if workers > 1 and rounds == 1 and runs >= 2 * workers * SPLIT_FROM:
        rounds = 2
    return int(max(MIN_CHUNK, math.ceil(runs / (workers * rounds))))


def cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def idle_cores() -> float:
    """Cores left idle by other processes: the cores minus the 1-minute load average."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - no load average
        return float(cores())
    return max(0.0, cores() - load)


def default_workers(one_worker_seconds: float | None = None) -> int:
    """Worker processes when ``--workers`` is not given.

    One more than the cores other processes leave idle (`idle_cores`, rounded), at most
    one per core: on an idle 2-core machine two, and one once the load average passes
    1.5, where a second worker competes for a core that is not free and, with the pool's
    start-up, was measured slower than one worker as often as faster (docs/performance.md,
    "Default worker count"). A job expected to take under `POOL_PAYS_FROM` seconds on one
    worker gets one worker: starting the pool costs more than the second core saves.
    """
    if one_worker_seconds is not None and one_worker_seconds < POOL_PAYS_FROM:
        return 1
    return max(1, min(cores(), int(idle_cores() + 1.5)))


def free_bytes(folder: Path) -> int | None:
    """Free bytes on the file system that holds (or will hold) `folder`, if known."""
    place = folder.resolve()
    while not place.exists() and place != place.parent:
        place = place.parent
    try:
        return shutil.disk_usage(place).free
    except OSError:
        return None


def human_bytes(n: float) -> str:
    """``12 GB``-style size (powers of 1000)."""
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError  # pragma: no cover


def human_seconds(s: float) -> str:
    """``45 s``, ``12 min``, ``3.5 h``, ``4.2 days``, ``31 years``."""
    if s < 90:
        return f"{s:.0f} s"
    if s < 90 * 60:
        return f"{s / 60:.0f} min"
    if s < 48 * 3600:
        return f"{s / 3600:.1f} h"
    if s < 730 * 86400:
        return f"{s / 86400:.1f} days"
    return f"{s / (365.25 * 86400):,.0f} years"


def check_disk(runs: int, folder: Path, option: str = "--runs") -> None:
    """Refuse, in one line naming `option`, a job whose results cannot fit on the disk.

    The test is a lower bound (`MIN_BYTES_PER_RUN`), so it refuses only jobs that surely
    cannot be written, such as ``--runs 1000000000000`` (16 TB at least).

    Raises
    ------
    SimError
        Before anything is written.
    """
    free = free_bytes(folder)
    need = runs * MIN_BYTES_PER_RUN
    if free is not None and need > free:
        raise SimError(
            f"{option} {runs:,}: the results would need at least {human_bytes(need)} of disk "
            f"and the disk of {folder} has {human_bytes(free)} free; ask for fewer runs"
        )


def stderr_notice(command: str) -> Callable[[str], None]:
    """Return a `notify` callback that prints ``sim COMMAND: LINE`` on standard error."""
    import sys

    def notice(line: str) -> None:
        print(f"sim {command}: {line}", file=sys.stderr, flush=True)

    return notice


def probe_rate(structure: Structure, params: Params, small: int = 32, large: int = 160) -> Cost:
    """Measure this machine's cost of the scenario: two small batches, wall-clock seconds.

    The difference of the two batches gives the per-run cost, the rest the per-batch
    cost. Takes ~0.5 s for the shipped scenarios; used only for the estimate a long job
    prints (never for the plan, which must not depend on a timing).
    """
    import time

    import numpy as np

    from sim.engine.simulate import simulate
    from sim.runner.executor import load_kernels
    from sim.runner.seeds import run_seeds

    load_kernels()
    seconds = []
    for n in (4, small, large):  # the first loads the compiled kernels
        seeds = run_seeds(0, np.arange(n, dtype=np.int64))
        t0 = time.perf_counter()
        simulate(structure, params, seeds, record=True)
        seconds.append(time.perf_counter() - t0)
    per_run = max((seconds[2] - seconds[1]) / (large - small), seconds[2] / large / 4)
    return Cost(batch=max(seconds[1] - small * per_run, 0.0), per_run=per_run)


def estimate_line(
    runs: int,
    workers: int,
    chunk: int,
    structure: Structure,
    params: Params,
    scheduler: str | None = None,
    what: str | None = None,
    after: str | None = None,
) -> str | None:
    """Return the line a long job prints before it starts (None for a short job).

    The reference model (`reference_cost`) decides whether the job may be long; if so, a
    quick measurement on this machine (`probe_rate`) gives the estimate. A Dask cluster's
    speed is not known here: its estimate is per worker of this machine's speed. `what`
    replaces "N runs" and `after` the note on interrupting (for a calibration).
    """
    parallel = max(1, min(workers, math.ceil(runs / chunk)))
    guess = reference_cost(structure).seconds(runs, chunk) / parallel
    if guess < ESTIMATE_FROM / 4:
        return None
    cost = probe_rate(structure, params)
    seconds = cost.seconds(runs, chunk) / parallel
    if seconds < ESTIMATE_FROM:
        return None
    rate = runs / seconds
    n = workers if scheduler else parallel
    where = f"{n} worker{'s' if n > 1 else ''}" + (" of this machine" if scheduler else "")
    if after is None:
        after = f"Ctrl-C keeps the finished chunks of {chunk:,} runs and --resume completes them"
    return (
        f"estimated time: {human_seconds(seconds)} for {what or f'{runs:,} runs'} "
        f"(~{rate:,.0f} runs/s on {where}, measured just now); {after}"
    )
