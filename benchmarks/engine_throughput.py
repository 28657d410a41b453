"""Throughput of the ensemble engine: runs per second of `simulate` and `sim.run`.

Usage::

    /work/venv/bin/python benchmarks/engine_throughput.py [--scenario PATH] [--repeats 3]
        [--sizes 500 2000 10000] [--runs 4000]

Prints plain figures (no assertions); see benchmarks/README.md for what each one measures.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

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


def time_simulate(structure, params, size: int, record: bool, repeats: int) -> list[float]:
    seeds = run_seeds(1, np.arange(size))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        simulate(structure, params, seeds, record=record)
        times.append(time.perf_counter() - t0)
    return times


def time_run(scenario: Path, runs: int, workers: int, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            sim.run(scenario, runs=runs, seed=1, out=Path(tmp) / "out", workers=workers)
            times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(REPO / "scenarios" / "baseline.toml"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10000])
    parser.add_argument("--runs", type=int, default=4000, help="runs for the sim.run figures")
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
    print(f"scenario      {scenario.name}: {structure.months} months, "
          f"{len(structure.actors)} actors, {len(structure.theatres)} theatres, "
          f"{len(structure.activities)} grey-zone activities, {len(structure.events)} events")
    print(f"host          {platform.node()} {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, numpy {np.__version__}, "
          f"cores available {os.cpu_count()}")
    print(f"simulate      pinned to one core: {pinned}; median of {args.repeats} repeats")
    print(f"{'batch':>8} {'record':>7} {'median s':>9} {'runs/s':>9} {'min s':>7} {'max s':>7}")
    time_simulate(structure, params, 100, True, 1)  # warm-up (imports, caches)
    for size in args.sizes:
        for record in (True, False):
            t = time_simulate(structure, params, size, record, args.repeats)
            med = statistics.median(t)
            print(f"{size:>8} {str(record):>7} {med:>9.3f} {size / med:>9.0f} "
                  f"{min(t):>7.3f} {max(t):>7.3f}")
    print(f"peak RSS      {peak_rss_mb():.0f} MB (this process, after the simulate figures)")

    # sim.run: the whole pipeline (chunks, Parquet writes, merge, manifest, summary)
    if pinned:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    print(f"sim.run       {args.runs} runs, default chunking and annual mode, "
          f"median of {args.repeats} repeats")
    med = {}
    for workers in (1, 2):
        t = time_run(scenario, args.runs, workers, args.repeats)
        med[workers] = statistics.median(t)
        print(f"  workers={workers}  {med[workers]:.3f} s  {args.runs / med[workers]:.0f} runs/s "
              f"(min {min(t):.3f}, max {max(t):.3f})")
    print(f"  speed-up workers=2 / workers=1: {med[1] / med[2]:.2f}x")
    print(f"peak RSS      {peak_rss_mb():.0f} MB main process; "
          f"{children_peak_rss_mb():.0f} MB largest worker")


if __name__ == "__main__":
    main()
