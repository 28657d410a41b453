"""``sim sweep``, ``sim analyze`` and ``sim discover``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.args import (
    add_annual,
    add_out,
    add_parser,
    add_posterior,
    add_quiet,
    add_set,
    add_workers,
    interrupted,
    progress_bar,
    run_overrides,
)
from sim.cli.run import overrides_text, posterior_text
from sim.errors import SimError


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run (or resume) a parameter sweep and print its headline results."""
    from sim.runner.job import Terminated
    from sim.runner.sizing import stderr_notice
    from sim.sweep.run import resume_sweep, run_sweep

    state: dict = {}

    def progress(done: int, total: int) -> None:
        if "cb" not in state:
            state["cb"], state["bar"] = progress_bar(total, args.quiet)
            state["bar"].__enter__()
        if state["cb"]:
            state["cb"](done, total)

    try:
        if args.resume:
            if args.scenario or args.param or args.set or args.out or args.sweep:
                raise SimError("--resume DIR takes no scenario, --param, --set, --sweep or --out")
            out = Path(args.resume)
            try:
                results = resume_sweep(
                    out, workers=args.workers, scheduler=args.scheduler, progress=progress
                )
            except (KeyboardInterrupt, Terminated):
                return interrupted("sweep", out)
        else:
            if not args.scenario:
                raise SimError("give a SCENARIO file (or --resume DIR)")
            from sim.scenario import load_scenario
            from sim.sweep.run import default_sweep_out

            scenario = load_scenario(args.scenario, run_overrides(args))
            out = Path(args.out) if args.out else default_sweep_out(scenario)
            try:
                results = run_sweep(
                    scenario,
                    params=args.param,
                    sampler=args.sampler,
                    points=args.points,
                    runs=args.runs,
                    seed=args.seed,
                    sweep_file=args.sweep,
                    out=out,
                    workers=args.workers,
                    scheduler=args.scheduler,
                    force=args.force,
                    annual=args.annual,
                    progress=progress,
                    command=["sim", *sys.argv[1:]],
                    notify=None if args.quiet else stderr_notice("sweep"),
                )
            except (KeyboardInterrupt, Terminated):
                return interrupted("sweep", out)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    print_sweep(results, quiet=args.quiet)
    return 0


def print_sweep(results, quiet: bool = False) -> None:
    """Print the headline figures of a finished sweep (only the path line if `quiet`)."""
    m = results.manifest
    if quiet:
        print(f"results: {results.path}/")
        return
    print(
        f"{results.title}: {m['sampler']} sweep of {', '.join(m['swept'])}; "
        f"{m['points']:,} points x {m['runs_per_point']:,} runs = {m['runs']:,} runs, "
        f"seed {m['master_seed']}, {m['wall_seconds']:.1f} s"
    )
    print(overrides_text(m.get("overrides", [])) + " (fixed at every point)")
    print(posterior_text(m))
    summary = results.table("summary")
    for theatre, rows in summary.groupby("theatre", sort=False):
        print(
            f"  {theatre}: P(war) across points from {rows.p_war.min():.1%} to "
            f"{rows.p_war.max():.1%} (mean {rows.p_war.mean():.1%})"
        )
    if (results.path / "sensitivity.json").exists():
        import json

        from sim.analysis.sensitivity import format_indices

        print()
        print(format_indices(json.loads((results.path / "sensitivity.json").read_text())))
    print(
        f"results: {results.path}/ (manifest.json, points.parquet, runs.parquet, "
        "outcomes.parquet, annual.parquet, summary.parquet)"
    )


def _sweep_folder(folder: str):
    from sim.results.reader import load_results

    results = load_results(folder)
    if results.manifest.get("kind") != "sweep":
        raise SimError(f"{folder}: not a sweep folder")
    return results


def cmd_analyze(args: argparse.Namespace) -> int:
    """Recompute sensitivity indices of a sweep for other outcomes."""
    import json

    from sim.analysis.sensitivity import analyze_folder, format_indices
    from sim.results.folder import atomic_write_bytes

    results = _sweep_folder(args.folder)
    result = analyze_folder(
        results.path,
        results.manifest,
        results.table("summary"),
        args.outcome or None,
        outcomes_table=lambda: results.outcomes,
    )
    data = json.dumps(result, indent=2).encode()
    if not args.quiet:
        print(format_indices(result))
    if args.save:
        atomic_write_bytes(results.path / "sensitivity.json", data)
        print(f"sensitivity: {results.path / 'sensitivity.json'}")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out, data)
        print(f"sensitivity: {out}")
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    """PRIM boxes where an outcome concentrates."""
    import numpy as np

    from sim.analysis.discovery import discover, format_box
    from sim.analysis.sensitivity import outcome_vector

    results = _sweep_folder(args.folder)
    y = outcome_vector(results.table("summary"), args.outcome, lambda: results.outcomes)
    points = results.table("points").sort_values("point_id").drop(columns=["point_id"])
    threshold = args.threshold if args.threshold is not None else float(np.median(y))
    print(format_box(discover(points, y, threshold, args.density), args.outcome))
    return 0


def register_sweep(sub: argparse._SubParsersAction) -> None:
    """Register ``sim sweep``, ``sim analyze`` and ``sim discover``."""
    p = add_parser(
        sub,
        "sweep",
        "sweep parameters (grid, LHS, Sobol, Morris) with replications at each point",
        "sim sweep scenarios/taiwan_blockade.toml --param actors.CHN.misperception=0:2 "
        "--points 32 --runs 200 --seed 1",
        "sim sweep scenarios/baseline.toml --param model.crisis.war_cost=0.05:0.4 "
        "--sampler sobol --points 64 --set alliances.USA-TWN.commitment=0.9 -q",
    )
    p.add_argument(
        "scenario", metavar="SCENARIO", nargs="?", help="scenario file (TOML); none with --resume"
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="PATH=LO:HI|PATH=V1,V2",
        help="swept parameter: a --set path with a range or values (repeatable)",
    )
    p.add_argument("--sweep", metavar="FILE.toml", help="file with a [sweep] table")
    p.add_argument(
        "--sampler",
        choices=["grid", "lhs", "sobol", "morris"],
        default=None,
        help="design (default: the [sweep] table's, else lhs)",
    )
    p.add_argument(
        "--points",
        type=int,
        default=None,
        help="LHS points; grid levels per "
        "range; Sobol base sample N (a power of 2); Morris trajectories",
    )
    p.add_argument("--runs", type=int, default=None, help="replications per point (default 100)")
    p.add_argument(
        "--seed", type=int, default=None, help="master seed (default: the scenario's meta.seed)"
    )
    add_set(p)
    add_posterior(p)
    add_out(p, "result folder (default results/<name>__sweep[__<overrides in words>]__<hash>)")
    add_workers(p)
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://127.0.0.1:8786",
    )
    p.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    add_annual(p, sweep=True)
    p.add_argument(
        "--resume",
        metavar="DIR",
        default=None,
        help="complete an interrupted sweep (no other arguments needed)",
    )
    add_quiet(p)
    p.set_defaults(func=cmd_sweep)

    p = add_parser(
        sub,
        "analyze",
        "sensitivity indices of a Sobol or Morris sweep, for any outcome",
        "sim analyze results/<sweep folder> --outcome war.taiwan",
        "sim analyze results/<sweep folder> --outcome rung5.senkaku --outcome lost.taiwan --save",
    )
    p.add_argument("folder", metavar="DIR", help="a Sobol or Morris sweep folder")
    p.add_argument(
        "--outcome",
        action="append",
        default=[],
        help="MEASURE.THEATRE (e.g. war.taiwan, blockade.taiwan, lost.senkaku) or a "
        "combination ('war.taiwan or blockade.taiwan'); repeatable; default war per theatre",
    )
    p.add_argument(
        "--save", action="store_true", help="replace the folder's sensitivity.json with these"
    )
    add_out(p, "write the indices as JSON to this file", metavar="FILE")
    add_quiet(p, "print no table of indices, only the paths written; errors still appear")
    p.set_defaults(func=cmd_analyze)

    p = add_parser(
        sub,
        "discover",
        "scenario discovery (PRIM): the parameter box where an outcome concentrates",
        "sim discover results/<sweep folder> --outcome rung5.taiwan",
        "sim discover results/<sweep folder> --outcome war.taiwan --threshold 0.01 --density 0.9",
    )
    p.add_argument("folder", metavar="DIR", help="a sweep folder")
    p.add_argument(
        "--outcome",
        required=True,
        help="MEASURE.THEATRE (e.g. war.taiwan, blockade.taiwan) or a combination "
        "('war.taiwan or blockade.taiwan')",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="points with the outcome above this are of interest (default: median)",
    )
    p.add_argument("--density", type=float, default=0.8, help="PRIM density target (default 0.8)")
    add_quiet(p, "print only the box (discover prints no progress); errors still appear")
    p.set_defaults(func=cmd_discover)
