"""The engine's fixed cost per month and the figures of issue 25, item 7, against its targets.

Usage::

    .venv/bin/python benchmarks/fixed_costs.py [--repeats 5] [--sizes 1 50 200 1000 5000]
        [--figures fit cli10 api200 workers cpu] [--runs 20000] [--scenario PATH]

Every figure is printed with the 1-minute load average at the time it was taken (the
machine has 2 cores shared with other work) and the issue's target beside it:

``fit``
    in-process ``simulate(structure, params, seeds, record=True)`` on batches of each size
    (pinned to one core, median of ``--repeats``), time per month against batch size,
    fitted by least squares: the intercept is the engine's **fixed cost per month** (Python
    and numpy call overhead, paid whatever the batch), the slope the **marginal cost per
    run-month**. Target: the fixed cost 4x below the value measured before issue 25
    (``--before-ms``).
``cli10``
    wall time of ``python -m sim run SCENARIO --runs 10 --workers 1 -q -o TMP`` as a
    fresh process (median of ``--repeats``). Target <= 0.5 s.
``api200``
    in-process ``sim.run(SCENARIO, runs=200, workers=1, out=None)`` after one warm-up
    (median of ``--repeats``). Target <= 0.25 s.
``workers``
    ``sim.run(SCENARIO, runs=--runs, workers=w)`` for w = 1 and 2, each in a fresh process
    into a temporary folder (start-up included), median of ``--repeats // 2 + 1``
    alternations. Target: two workers >= 1.8x one at 20,000 runs.
``cpu``
    engine runs per CPU second of ``simulate`` at batch 10,000 (pinned, record=True,
    median of ``--repeats``). Target: no lower than before issue 25 (``--before-cpu``).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _common import host_line, median, pin_one_core, unpin  # noqa: E402

SCENARIO = str(REPO / "scenarios" / "baseline.toml")

BEFORE_MS = 1.61
"""Fixed cost per month before issue 25, item 7: ms of CPU, main at 1488828, median of 5
rounds at load 1.9-3.5 (docs/performance.md)."""

BEFORE_CPU = 1908.0
"""Engine runs per CPU second at batch 10,000 before issue 25, item 7 (1488828, load 3.3)."""


def load() -> str:
    """The 1-minute load average, to print beside a figure."""
    return f"load {os.getloadavg()[0]:.2f}"


def cpu_now() -> float:
    """CPU seconds of this process."""
    return time.process_time()


def fit(args: argparse.Namespace) -> None:
    """Engine time per month against batch size: intercept and slope."""
    from sim.engine.params import compile_scenario
    from sim.engine.simulate import simulate
    from sim.runner.seeds import run_seeds
    from sim.scenario import load_scenario

    structure, params = compile_scenario(load_scenario(Path(args.scenario)))
    months = structure.months
    pinned = pin_one_core()
    simulate(structure, params, run_seeds(1, np.arange(50)), record=True)  # warm-up
    print(f"fit           simulate, record=True, pinned {pinned}, median of {args.repeats}")
    xs, ys = [], []
    for size in args.sizes:
        seeds = run_seeds(1, np.arange(size))
        walls, cpus = [], []
        for _ in range(args.repeats):
            t0, c0 = time.perf_counter(), cpu_now()
            simulate(structure, params, seeds, record=True)
            walls.append(time.perf_counter() - t0)
            cpus.append(cpu_now() - c0)
        w, c = median(walls), median(cpus)
        xs.append(size)
        ys.append(c / months)
        print(
            f"  batch {size:>6}  {w:8.3f} s wall  {c:8.3f} s CPU  "
            f"{1000 * c / months:8.3f} ms CPU/month  ({load()})"
        )
    slope, intercept = np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)
    target = f"<= {args.before_ms / 4:.2f} ms (before: {args.before_ms:.2f} ms)"
    print(f"fixed cost    {1000 * intercept:.3f} ms per month (CPU; target {target}; {load()})")
    print(
        f"marginal      {1e6 * slope:.3f} us per run-month ({1e3 * slope * months:.3f} ms per run)"
    )
    unpin()


def cli10(args: argparse.Namespace) -> None:
    """``sim run --runs 10 --workers 1`` as a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    walls, cpus = [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "sim", "run", args.scenario, "--runs", "10"]
            cmd += ["--workers", "1", "-q", "-o", f"{tmp}/r"]
            t0, c0 = time.perf_counter(), children_cpu()
            subprocess.run(cmd, check=True, env=env, cwd=REPO, capture_output=True)
            walls.append(time.perf_counter() - t0)
            cpus.append(children_cpu() - c0)
    print(
        f"cli10         sim run --runs 10 --workers 1: {median(walls):.3f} s wall "
        f"(min {min(walls):.3f}), {median(cpus):.3f} s CPU (target <= 0.5 s wall; {load()})"
    )
    if not (REPO / "sim" / "__pycache__").is_dir():
        # PYTHONDONTWRITEBYTECODE (set in some sandboxes) or a fresh tree: every process
        # compiles sim's ~110 source files (~0.15 s) that an installed package would not
        print(
            "              (no bytecode cache in sim/: each process above compiled sim's "
            "sources; `python -m compileall -q sim` removes that)"
        )


def children_cpu() -> float:
    """CPU seconds of the waited-for child processes so far."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def api200(args: argparse.Namespace) -> None:
    """In-process ``sim.run`` of 200 runs, no folder."""
    import sim

    sim.run(args.scenario, runs=200, workers=1, out=None)  # warm-up
    walls, cpus = [], []
    for _ in range(args.repeats):
        t0, c0 = time.perf_counter(), cpu_now()
        sim.run(args.scenario, runs=200, workers=1, out=None)
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_now() - c0)
    print(
        f"api200        sim.run 200 runs in-process: {median(walls):.3f} s wall, "
        f"{median(cpus):.3f} s CPU (target <= 0.25 s; {load()})"
    )


RUN = """
import sys, time
t0 = time.perf_counter()
import sim
sim.run(sys.argv[1], runs=int(sys.argv[2]), workers=int(sys.argv[3]), out=sys.argv[4])
print(time.perf_counter() - t0)
"""


def one_job(args: argparse.Namespace, workers: int) -> float:
    """Wall seconds of one ``sim.run`` in a fresh process (imports included)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-c", RUN, args.scenario, str(args.runs), str(workers)]
        t0 = time.perf_counter()
        subprocess.run([*cmd, f"{tmp}/r"], check=True, env=env, cwd=REPO, capture_output=True)
        return time.perf_counter() - t0


def workers(args: argparse.Namespace) -> None:
    """One against two workers, alternated, fresh processes."""
    one, two = [], []
    for _ in range(args.repeats // 2 + 1):
        one.append(one_job(args, 1))
        l1 = load()
        two.append(one_job(args, 2))
        print(
            f"  pair: 1 worker {one[-1]:.2f} s ({l1}), 2 workers {two[-1]:.2f} s ({load()}): "
            f"{one[-1] / two[-1]:.2f}x"
        )
    print(
        f"workers       {args.runs} runs: 1 worker {median(one):.2f} s, 2 workers "
        f"{median(two):.2f} s: {median(one) / median(two):.2f}x (target >= 1.8x; {load()})"
    )


def cpu(args: argparse.Namespace) -> None:
    """Engine runs per CPU second at batch 10,000."""
    from sim.engine.params import compile_scenario
    from sim.engine.simulate import simulate
    from sim.runner.seeds import run_seeds
    from sim.scenario import load_scenario

    structure, params = compile_scenario(load_scenario(Path(args.scenario)))
    pinned = pin_one_core()
    seeds = run_seeds(1, np.arange(10_000))
    simulate(structure, params, seeds[:50], record=True)  # warm-up
    cpus = []
    for _ in range(args.repeats):
        c0 = cpu_now()
        simulate(structure, params, seeds, record=True)
        cpus.append(cpu_now() - c0)
    rate = 10_000 / median(cpus)
    print(
        f"cpu           batch 10,000: {rate:.0f} runs per CPU second (pinned {pinned}; "
        f"target >= {args.before_cpu:.0f}; {load()})"
    )
    unpin()


FIGURES = {"fit": fit, "cli10": cli10, "api200": api200, "workers": workers, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=SCENARIO)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 50, 200, 1000, 5000])
    parser.add_argument("--runs", type=int, default=20_000, help="runs of the workers figure")
    parser.add_argument("--figures", nargs="+", default=list(FIGURES), choices=list(FIGURES))
    parser.add_argument(
        "--before-ms", type=float, default=BEFORE_MS, help="fixed cost per month before (ms)"
    )
    parser.add_argument(
        "--before-cpu",
        type=float,
        default=BEFORE_CPU,
        help="runs per CPU second before, batch 10,000",
    )
    args = parser.parse_args()
    print(host_line())
    for name in args.figures:
        FIGURES[name](args)


if __name__ == "__main__":
    main()
