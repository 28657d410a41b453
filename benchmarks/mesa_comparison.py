"""Per-run speed of the ensemble path against `mesa.batch_run` over `sim.EscalationModel`.

Usage::

    /work/venv/bin/python benchmarks/mesa_comparison.py [--scenario PATH] [--mesa-runs 20]
        [--batch 10000] [--repeats 3]

Both fronts run the same engine on the same core (the process is pinned to one core) in
one benchmark run, so the ratio is not disturbed by a change of machine. Prints plain
figures; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import _common
import numpy as np

from sim.engine.params import compile_scenario
from sim.engine.simulate import simulate
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario


def mesa_batch(scenario: Path, seeds: list[int], months: int) -> list[dict]:
    """`mesa.batch_run` of one run per seed, as a Mesa user would write it."""
    import mesa

    import sim

    # Mesa 3.3.1: one iteration per parameter combination (iterations would repeat the
    # same seed); max_steps = months (it stops earlier when model.running turns False);
    # data_collection_period=-1 keeps only the end of each run; one process, this core
    return mesa.batch_run(
        sim.EscalationModel,
        parameters={"scenario": str(scenario), "seed": seeds},
        iterations=1,
        max_steps=months,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(_common.REPO / "scenarios" / "baseline.toml"))
    parser.add_argument("--mesa-runs", type=int, default=20, help="runs per batch_run call")
    parser.add_argument("--batch", type=int, default=10_000, help="runs per simulate call")
    parser.add_argument("--runs", type=int, default=10_000, help="runs of the sim.run figure")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    pinned = _common.pin_one_core()
    scenario = Path(args.scenario)
    structure, params = compile_scenario(load_scenario(scenario))
    print(_common.host_line())
    print(
        f"scenario      {scenario.name}: {structure.months} months; pinned to one core: "
        f"{pinned}; median of {args.repeats} repeats"
    )

    seeds = [int(s) for s in run_seeds(1, np.arange(args.mesa_runs))]
    mesa_batch(scenario, seeds[:1], structure.months)  # warm-up (imports)
    wall, cpu = _common.timed(lambda: mesa_batch(scenario, seeds, structure.months), args.repeats)
    mesa_wall = _common.median(wall) / args.mesa_runs
    mesa_cpu = _common.median(cpu) / args.mesa_runs
    print(
        f"mesa.batch_run  {args.mesa_runs} runs per call: {1e3 * mesa_wall:8.1f} ms/run wall "
        f"({1 / mesa_wall:7.1f} runs/s), {1e3 * mesa_cpu:8.1f} ms/run CPU"
    )

    batch_seeds = run_seeds(1, np.arange(args.batch))
    simulate(structure, params, batch_seeds[:100])  # warm-up
    wall, cpu = _common.timed(lambda: simulate(structure, params, batch_seeds), args.repeats)
    sim_wall = _common.median(wall) / args.batch
    sim_cpu = _common.median(cpu) / args.batch
    print(
        f"simulate()      batch {args.batch}: {1e3 * sim_wall:8.3f} ms/run wall "
        f"({1 / sim_wall:7.0f} runs/s), {1e3 * sim_cpu:8.3f} ms/run CPU (annual recorded)"
    )

    import sim

    def whole_run() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            sim.run(scenario, runs=args.runs, seed=1, out=Path(tmp) / "out", workers=1)

    with tempfile.TemporaryDirectory() as tmp:  # warm-up (lazy imports of the run path)
        sim.run(scenario, runs=10, seed=1, out=Path(tmp) / "out", workers=1)
    wall, _ = _common.timed(whole_run, args.repeats)
    run_wall = _common.median(wall) / args.runs
    print(
        f"sim.run         {args.runs} runs, 1 worker, Parquet written: "
        f"{1e3 * run_wall:8.3f} ms/run wall ({1 / run_wall:7.0f} runs/s)"
    )
    print(
        f"ratio           mesa.batch_run / simulate(): {mesa_wall / sim_wall:7.0f}x wall, "
        f"{mesa_cpu / sim_cpu:7.0f}x CPU; mesa.batch_run / sim.run: "
        f"{mesa_wall / run_wall:7.0f}x wall (target: 100x)"
    )


if __name__ == "__main__":
    main()
