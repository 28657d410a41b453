"""Simulation-based calibration of `sim calibrate` (issue 15): ranks and coverage.

Prints, per calibrated parameter, the coverage of the central 50% and 90% credible
intervals over the replications, the rank histogram and a chi-square test of uniform
ranks; writes the replications to ``--out`` as CSV. Passing: every coverage within +-10
points of nominal and no rank histogram rejected at 1%.

    .venv/bin/python benchmarks/calibration_sbc.py                      # 50 replications
    .venv/bin/python benchmarks/calibration_sbc.py --replications 100 --workers 2

One replication costs about 20 simulating steps of particles x runs 5-year runs (64 x 4:
~25,000 runs, 10-30 s on one core).
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
from _common import host_line

from sim.calibrate import smc
from sim.calibrate.sbc import Replication, replicate, summarise
from sim.calibrate.targets import load_targets
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[1]

PATHS = [
    "model.crisis.initiation_rate_per_year",
    "model.crisis.escalation_probability",
    "model.crisis.accident_probability",
]


def one(args: tuple) -> Replication:
    """One replication (top level, for the process pool)."""
    scenario, paths, template, index, particles, runs, obs_runs = args
    scen = load_scenario(scenario, ["meta.months=60"])
    return replicate(
        scen, paths, template, index, smc.Settings(particles=particles), runs, obs_runs
    )


def main() -> None:
    """Run the replications and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(REPO / "scenarios" / "baseline.toml"))
    ap.add_argument("--targets", default=str(REPO / "data" / "calibration_targets.csv"))
    ap.add_argument("--replications", type=int, default=50)
    ap.add_argument("--first", type=int, default=0, help="index of the first replication")
    ap.add_argument("--particles", type=int, default=64)
    ap.add_argument("--runs", type=int, default=4, help="runs per particle (5-year runs)")
    ap.add_argument("--obs-runs", type=int, default=6, help="runs observed (30 years)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", default="results/sbc.csv")
    args = ap.parse_args()
    print(host_line())
    print(
        f"SBC: {args.replications} replications, {args.particles} particles x {args.runs} "
        f"runs of 60 months, observations from {args.obs_runs} runs, parameters {PATHS}"
    )
    template = load_targets(args.targets, 2022)  # read once: the file may change meanwhile
    jobs = [
        (args.scenario, PATHS, template, i, args.particles, args.runs, args.obs_runs)
        for i in range(args.first, args.first + args.replications)
    ]
    t0, c0 = time.perf_counter(), time.process_time()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as ex:
            reps = list(ex.map(one, jobs))
    else:
        reps = [one(j) for j in jobs]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    result = summarise(reps, PATHS)
    print(f"wall {wall:.0f} s, CPU (this process) {cpu:.0f} s")
    print(f"{'parameter':<42} {'cov50':>6} {'cov90':>6} {'chi2 p':>7}  rank counts (10 bins)")
    for path, s in result["parameters"].items():
        print(
            f"{path:<42} {s['coverage50']:>6.2f} {s['coverage90']:>6.2f} "
            f"{s['p_uniform']:>7.3f}  {s['rank_counts']}"
        )
    print(f"all parameters: 50% -> {result['coverage50']:.2f}, 90% -> {result['coverage90']:.2f}")
    ok = all(
        abs(s["coverage50"] - 0.5) <= 0.10
        and abs(s["coverage90"] - 0.9) <= 0.10
        and s["p_uniform"] >= 0.01
        for s in result["parameters"].values()
    )
    print(f"SBC {'passes' if ok else 'FAILS'} (coverage within +-10 points, ranks not rejected)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, r in enumerate(reps):
        for p, path in enumerate(PATHS):
            rows.append(
                {
                    "replication": args.first + i,
                    "parameter": path,
                    "truth": r.truth[p],
                    "rank": r.rank[p],
                    "in50": bool(r.in50[p]),
                    "in90": bool(r.in90[p]),
                }
            )
    pd.DataFrame(rows).to_csv(out, index=False)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2))
    print(f"replications: {out}")


if __name__ == "__main__":
    main()
