"""Interleaved A/B of the engine's throughput between two source trees (CPU time, one core).

Usage::

    .venv/bin/python benchmarks/engine_ab.py --a /path/to/old/tree --b . [--pairs 5]
        [--runs 10000] [--scenario scenarios/baseline.toml]

Each measurement is a fresh process (pinned to one core with ``taskset`` when available)
that imports ``sim`` from the given tree, compiles the scenario and times one recorded
``simulate`` call of ``--runs`` runs over the scenario's horizon. A and B alternate, so
drifts in machine load hit both alike. Prints runs per CPU-second for each measurement,
the medians, and B relative to A.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from _common import host_line  # noqa: E402

CHILD = r"""
import json, resource, sys, time
import numpy as np
from sim.engine.params import compile_scenario
from sim.engine.simulate import simulate
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario
s, p = compile_scenario(load_scenario(sys.argv[1]))
seeds = run_seeds(1, np.arange(int(sys.argv[2])))
simulate(s, p, seeds[:200])  # warm up
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
c0, t0 = cpu(), time.perf_counter()
simulate(s, p, seeds, record=True)
print(json.dumps({"cpu": cpu() - c0, "wall": time.perf_counter() - t0}))
"""


def measure(tree: Path, scenario: str, runs: int) -> dict[str, float]:
    """CPU and wall seconds of one simulate call in a fresh process importing `tree`."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    cmd = [sys.executable, "-c", CHILD, scenario, str(runs)]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Alternate A and B, print per-measurement and median throughput."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, required=True, help="baseline source tree")
    parser.add_argument("--b", type=Path, default=REPO, help="tree under test")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--scenario", default=str(REPO / "scenarios" / "baseline.toml"))
    args = parser.parse_args()
    print(host_line())
    rates: dict[str, list[float]] = {"A": [], "B": []}
    for i in range(args.pairs):
        for label, tree in (
            (("A", args.a), ("B", args.b)) if i % 2 == 0 else (("B", args.b), ("A", args.a))
        ):
            m = measure(tree.resolve(), args.scenario, args.runs)
            rates[label].append(args.runs / m["cpu"])
            print(
                f"pair {i + 1} {label}: {args.runs / m['cpu']:,.0f} runs per CPU-second "
                f"({m['cpu']:.2f} s CPU, {m['wall']:.2f} s wall)"
            )
    a, b = statistics.median(rates["A"]), statistics.median(rates["B"])
    print(f"median A {a:,.0f} runs/CPU-s, B {b:,.0f} runs/CPU-s, B/A = {b / a:.3f}")


if __name__ == "__main__":
    main()
