"""Throughput of the ensemble engine: runs per second of `simulate` and `sim.run`.

Usage::

    /work/venv/bin/python benchmarks/engine_throughput.py [--scenario PATH] [--repeats 3]
        [--sizes 500 2000 10000] [--runs 20000]

Prints plain figures (no assertions); see benchmarks/README.md for what each one measures.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _common import host_line  # noqa: E402

import sim  # noqa: E402
from sim.engine.params import compile_scenario  # noqa: E402
from sim.engine.simulate import simulate  # noqa: E402
from sim.runner.seeds import run_seeds  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def children_peak_rss_mb() -> float:
    """Largest peak RSS of any waited-for child process (worker pools), MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def cpu_seconds() -> float:
    """CPU seconds of this process."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def time_simulate(
    structure, params, size: int, record: bool, repeats: int
) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of `repeats` simulate calls on `size` runs."""
    seeds = run_seeds(1, np.arange(size))
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), cpu_seconds()
        simulate(structure, params, seeds, record=record)
        times.append(time.perf_counter() - t0)
        cpu.append(cpu_seconds() - c0)
    return times, cpu


def time_run(
    scenario: Path, runs: int, workers: int, repeats: int
) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (this process) of `repeats` sim.run calls."""
    times, cpu = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            t0, c0 = time.perf_counter(), cpu_seconds()
            sim.run(scenario, runs=runs, seed=1, out=Path(tmp) / "out", workers=workers)
            times.append(time.perf_counter() - t0)
            cpu.append(cpu_seconds() - c0)
    return times, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(REPO / "scenarios" / "baseline.toml"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10000])
    parser.add_argument("--runs", type=int, default=20000, help="runs for the sim.run figures")
    args = parser.parse_args()

    # one core for the simulate figures: numpy's BLAS threads are not used by the engine,
    # but pin anyway so the figure is per core
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        pinned = True
    except (AttributeError, OSError):
        pinned = False
    scenario = Path(args.scenario)
    structure, params = compile_scenario(load_scenario(scenario))
    print(
        f"scenario      {scenario.name}: {structure.months} months, "
        f"{len(structure.actors)} actors, {len(structure.theatres)} theatres, "
        f"{len(structure.activities)} grey-zone activities, {len(structure.events)} events"
    )
    print(host_line())
    print(f"simulate      pinned to one core: {pinned}; median of {args.repeats} repeats")
    print(
        f"{'batch':>8} {'record':>7} {'median s':>9} {'runs/s':>9} {'min s':>7} {'max s':>7} "
        f"{'CPU s':>7} {'runs/CPU s':>10}"
    )
    time_simulate(structure, params, 100, True, 1)  # warm-up (imports, caches)
    for size in args.sizes:
        for record in (True, False):
            t, c = time_simulate(structure, params, size, record, args.repeats)
            med, cmed = statistics.median(t), statistics.median(c)
            print(
                f"{size:>8} {str(record):>7} {med:>9.3f} {size / med:>9.0f} "
                f"{min(t):>7.3f} {max(t):>7.3f} {cmed:>7.3f} {size / cmed:>10.0f}"
            )
    print(f"peak RSS      {peak_rss_mb():.0f} MB (this process, after the simulate figures)")

    # sim.run: the whole pipeline (chunks, Parquet writes, merge, manifest, summary)
    if pinned:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    print(
        f"sim.run       {args.runs} runs, default chunking and annual mode, "
        f"median of {args.repeats} repeats"
    )
    med = {}
    time_run(scenario, 10, 1, 1)  # warm-up (lazy imports of the run path)
    for workers in (1, 2):
        t, c = time_run(scenario, args.runs, workers, args.repeats)
        med[workers] = statistics.median(t)
        # workers are children of the forkserver, not of this process: their CPU time is
        # not visible here, so CPU is shown for the in-process single worker only
        cpu = (
            f"; CPU {statistics.median(c):.3f} s, {args.runs / statistics.median(c):.0f} "
            "runs per CPU second"
            if workers == 1
            else ""
        )
        print(
            f"  workers={workers}  {med[workers]:.3f} s  {args.runs / med[workers]:.0f} runs/s "
            f"(min {min(t):.3f}, max {max(t):.3f}){cpu}"
        )
    print(
        f"  speed-up workers=2 / workers=1: {med[1] / med[2]:.2f}x (target 1.7x; needs two "
        f"idle cores: see the load average above)"
    )
    print(
        f"peak RSS      {peak_rss_mb():.0f} MB main process; "
        f"{children_peak_rss_mb():.0f} MB largest worker"
    )


if __name__ == "__main__":
    main()
