"""Interleaved A/B of the ensemble path around the engine: fixed costs, workers, recording.

Usage::

    git worktree add /tmp/base 0e711a3          # the code before issue 17
    .venv/bin/python benchmarks/runner_ab.py --a /tmp/base --b . [--pairs 3]
        [--figures help cli10 api200 recording recwarm workers] [--runs 20000]
        [--record-runs 5000] [--repeats 3]

Every measurement is a fresh process that imports ``sim`` from tree A or tree B
(``PYTHONPATH``), after one untimed warm-up per tree (file cache, numba's cache of
compiled kernels); A and B alternate (A first in odd pairs, B first in even ones), so a
drift in the machine's load hits both alike. Each line prints wall time and CPU time
(user + system of the whole process tree: the process and any worker processes it
waited for), and the load average when it ran. Figures:

``help``
    ``python -m sim --help``, the whole process (target < 0.2 s).
``cli10``
    ``python -m sim run scenarios/baseline.toml --runs 10 --workers 1 -q`` into a
    temporary folder, the whole process (target <= 0.5 s wall).
``api200``
    In one process, after a warm-up call: the median of 5 calls of
    ``sim.run(scenario, runs=200, workers=1, out=None)`` (target <= 0.08 s), and of
    ``simulate`` alone on the same 200 runs, so that the cost outside the engine shows.
``recording``
    ``sim.run(..., runs=--record-runs, workers=1, annual=all)`` and ``annual=off`` in
    fresh processes: the share of the run that recording the annual table costs
    (target <= 10 %).
``recwarm``
    The same share measured in one process per tree, after a warm-up run: ``annual=all``
    and ``annual=off`` alternate ``--repeats`` times (into temporary folders) and the
    medians are compared. Process start and imports are left out, and alternating within
    one process makes the comparison much less sensitive to the machine's load drifting
    than separate processes (the figure to trust on a shared machine).
``workers``
    ``sim.run(..., runs=--runs, workers=w)`` for w = 1 and 2 into a temporary folder,
    one fresh process each: wall time of the call, and CPU of the process tree during
    the call (the main process, plus its descendants sampled from ``/proc``: the
    forkserver and the workers, start-up and imports included); the speed-up is
    the ratio of the walls (target >= 1.8x at 20,000 runs), the CPU ratio what the
    second worker costs in extra work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from _common import host_line  # noqa: E402

SCENARIO = "scenarios/baseline.toml"

API = r"""
import json, resource, statistics, sys, time
import numpy as np
import sim
from sim.engine.params import compile_scenario
from sim.engine.simulate import simulate
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario
scenario, runs = sys.argv[1], int(sys.argv[2])
def cpu():
    return time.process_time()
def timed(fn, n=5):
    walls, cpus = [], []
    for _ in range(n):
        c0, t0 = cpu(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu() - c0)
    return statistics.median(walls), statistics.median(cpus)
sim.run(scenario, runs=runs, workers=1, out=None)  # warm-up
w, c = timed(lambda: sim.run(scenario, runs=runs, workers=1, out=None))
s, p = compile_scenario(load_scenario(scenario))
seeds = run_seeds(1, np.arange(runs))
ew, ec = timed(lambda: simulate(s, p, seeds, record=True))
print(json.dumps({"wall": w, "cpu": c, "engine_wall": ew, "engine_cpu": ec}))
"""

RUN = r"""
import json, os, resource, sys, threading, time
import sim
scenario, runs, workers, annual, out = sys.argv[1:6]
TICK = os.sysconf("SC_CLK_TCK")
seen = {}  # pid -> CPU seconds of a descendant (workers of a forkserver are not reaped here)
def descendants():
    parent = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                fields = open(f"/proc/{name}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
    me, found = os.getpid(), {}
    for pid, (ppid, cpu) in parent.items():
        p = ppid
        while p > 1 and p != me and p in parent:
            p = parent[p][0]
        if p == me:
            found[pid] = cpu
    return found
def sample(stop):
    while not stop.wait(0.2):
        seen.update(descendants())
def self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
stop = threading.Event()
threading.Thread(target=sample, args=(stop,), daemon=True).start()
c0, t0 = self_cpu(), time.perf_counter()
sim.run(scenario, runs=int(runs), workers=int(workers), annual=annual, out=out, force=True)
wall = time.perf_counter() - t0
cpu = self_cpu() - c0
seen.update(descendants())
stop.set()
print(json.dumps({"wall": wall, "cpu": cpu, "workers_cpu": sum(seen.values())}))
"""


WARM = r"""
import json, os, statistics, sys, tempfile, time
import sim
scenario, runs, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def once(annual):
    with tempfile.TemporaryDirectory() as tmp:
        c0, t0 = time.process_time(), time.perf_counter()
        sim.run(scenario, runs=runs, workers=1, annual=annual, out=f"{tmp}/r")
        return time.perf_counter() - t0, time.process_time() - c0
once("all")  # warm-up: pages, pyarrow's kernels, numba's cache
found = {"all": [], "off": []}
for i in range(repeats):
    for annual in ("all", "off") if i % 2 == 0 else ("off", "all"):
        found[annual].append(once(annual))
med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
       for k, v in found.items()}
print(json.dumps({"wall": med["all"][0], "cpu": med["all"][1],
                  "off_wall": med["off"][0], "off_cpu": med["off"][1]}))
"""


def load() -> str:
    """The 1-minute load average, for each line."""
    return f"{os.getloadavg()[0]:.1f}"


def child_cpu() -> float:
    """User + system seconds of the waited-for children of this process so far."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def fresh(tree: Path, args: list[str]) -> tuple[float, float, str]:
    """Run ``python ARGS`` importing `tree`; return (wall, tree CPU, stdout)."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    c0, t0 = child_cpu(), time.perf_counter()
    res = subprocess.run(
        [sys.executable, *args], env=env, cwd=tree, capture_output=True, text=True, check=True
    )
    return time.perf_counter() - t0, child_cpu() - c0, res.stdout


def m_help(tree: Path, _args: argparse.Namespace) -> dict[str, float]:
    """``python -m sim --help``."""
    wall, cpu, _ = fresh(tree, ["-m", "sim", "--help"])
    return {"wall": wall, "cpu": cpu}


def m_cli10(tree: Path, _args: argparse.Namespace) -> dict[str, float]:
    """``sim run ... --runs 10 --workers 1`` as a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["-m", "sim", "run", SCENARIO, "--runs", "10", "--workers", "1", "-q"]
        wall, cpu, _ = fresh(tree, [*cmd, "--out", f"{tmp}/r"])
    return {"wall": wall, "cpu": cpu}


def m_api200(tree: Path, _args: argparse.Namespace) -> dict[str, float]:
    """In-process ``sim.run(runs=200, workers=1, out=None)`` and ``simulate`` alone."""
    _, _, out = fresh(tree, ["-c", API, SCENARIO, "200"])
    return json.loads(out.strip().splitlines()[-1])


def one_run(tree: Path, runs: int, workers: int, annual: str) -> dict[str, float]:
    """One ``sim.run`` into a temporary folder, in a fresh process.

    ``wall`` and ``cpu`` are those of the call in the main process; ``tree_cpu`` adds
    the CPU of every descendant process (the forkserver and its workers, which the main
    process never reaps), sampled from ``/proc`` every 0.2 s while the call runs.
    """
    with tempfile.TemporaryDirectory() as tmp:
        args = ["-c", RUN, SCENARIO, str(runs), str(workers), annual, f"{tmp}/r"]
        _, _, out = fresh(tree, args)
    found = json.loads(out.strip().splitlines()[-1])
    found["tree_cpu"] = found["cpu"] + found["workers_cpu"]
    return found


def m_recording(tree: Path, args: argparse.Namespace) -> dict[str, float]:
    """``annual=all`` against ``annual=off`` on one worker."""
    on = one_run(tree, args.record_runs, 1, "all")
    off = one_run(tree, args.record_runs, 1, "off")
    return {"wall": on["wall"], "cpu": on["cpu"], "off_wall": off["wall"], "off_cpu": off["cpu"]}


def m_recwarm(tree: Path, args: argparse.Namespace) -> dict[str, float]:
    """``annual=all`` against ``annual=off`` alternating in one warm process."""
    args_ = ["-c", WARM, SCENARIO, str(args.record_runs), str(args.repeats)]
    _, _, out = fresh(tree, args_)
    return json.loads(out.strip().splitlines()[-1])


def m_workers(tree: Path, args: argparse.Namespace) -> dict[str, float]:
    """One and two workers on the same ensemble."""
    one = one_run(tree, args.runs, 1, "auto")
    two = one_run(tree, args.runs, 2, "auto")
    return {
        "wall": one["wall"],
        "cpu": one["tree_cpu"],
        "wall2": two["wall"],
        "cpu2": two["tree_cpu"],
    }


FIGURES = {
    "help": m_help,
    "cli10": m_cli10,
    "api200": m_api200,
    "recording": m_recording,
    "recwarm": m_recwarm,
    "workers": m_workers,
}


def describe(name: str, m: dict[str, float]) -> str:
    """One printed line for a measurement."""
    base = f"{m['wall']:.3f} s wall, {m['cpu']:.3f} s CPU"
    if name == "api200":
        outside = m["cpu"] - m["engine_cpu"]
        return (
            f"{base}; simulate alone {m['engine_wall']:.3f} s wall, {m['engine_cpu']:.3f} s "
            f"CPU; outside the engine {outside:.3f} s CPU"
        )
    if name in ("recording", "recwarm"):
        share = 1 - m["off_cpu"] / m["cpu"]
        return (
            f"annual=all {base}; off {m['off_wall']:.3f} s wall, {m['off_cpu']:.3f} s CPU; "
            f"recording {share:.1%} of the CPU, {1 - m['off_wall'] / m['wall']:.1%} of the wall"
        )
    if name == "workers":
        return (
            f"1 worker {m['wall']:.3f} s wall, {m['cpu']:.3f} s CPU (tree); 2 workers "
            f"{m['wall2']:.3f} s wall, {m['cpu2']:.3f} s CPU (tree); speed-up "
            f"{m['wall'] / m['wall2']:.2f}x wall, CPU ratio {m['cpu2'] / m['cpu']:.2f}"
        )
    return base


def summary(name: str, found: dict[str, list[dict[str, float]]]) -> str:
    """Medians of A and B for a figure."""
    parts = []
    for label in ("A", "B"):
        ms = found[label]
        if not ms:
            continue
        med = {k: statistics.median(m[k] for m in ms) for k in ms[0]}
        parts.append(f"{label}: {describe(name, med)}")
    return f"  median {name}: " + " | ".join(parts)


def main() -> None:
    """Alternate A and B for every figure; print each measurement and the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, required=True, help="baseline source tree")
    parser.add_argument("--b", type=Path, default=REPO, help="tree under test")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--figures", nargs="+", default=list(FIGURES), choices=list(FIGURES))
    parser.add_argument("--runs", type=int, default=20_000, help="runs of the workers figure")
    parser.add_argument("--record-runs", type=int, default=5_000, help="runs of recording")
    parser.add_argument("--repeats", type=int, default=3, help="alternations of recwarm")
    args = parser.parse_args()
    print(host_line())
    trees = {"A": args.a.resolve(), "B": args.b.resolve()}
    print(f"A = {trees['A']}, B = {trees['B']}")
    for tree in trees.values():  # untimed: file cache, compiled-code caches (numba)
        m_api200(tree, args)
    for name in args.figures:
        found: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
        for i in range(args.pairs):
            for label in ("A", "B") if i % 2 == 0 else ("B", "A"):
                m = FIGURES[name](trees[label], args)
                found[label].append(m)
                print(f"{name} pair {i + 1} {label} (load {load()}): {describe(name, m)}")
                sys.stdout.flush()
        print(summary(name, found))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
