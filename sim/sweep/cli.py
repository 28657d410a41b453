"""``sim sweep``, ``sim analyze`` and ``sim discover``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands import _interrupted, _progress_bar
from sim.errors import SimError


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run (or resume) a parameter sweep and print its headline results."""
    from sim.runner.job import Terminated
    from sim.sweep.run import resume_sweep, run_sweep

    state: dict = {}

    def progress(done: int, total: int) -> None:
        if "cb" not in state:
            state["cb"], state["bar"] = _progress_bar(total, args.quiet)
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
                return _interrupted("sweep", out)
        else:
            if not args.scenario:
                raise SimError("give a SCENARIO file (or --resume DIR)")
            from sim.scenario import load_scenario

            scenario = load_scenario(args.scenario, args.set)
            if args.out:
                out = Path(args.out)
            else:
                import datetime as dt

                stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
                out = Path("results") / f"{scenario.name}-sweep-{stamp}"
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
                )
            except (KeyboardInterrupt, Terminated):
                return _interrupted("sweep", out)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
    print_sweep(results)
    return 0


def print_sweep(results) -> None:
    """Headline figures of a finished sweep."""
    m = results.manifest
    print(
        f"{results.title}: {m['sampler']} sweep of {', '.join(m['swept'])}; "
        f"{m['points']:,} points x {m['runs_per_point']:,} runs = {m['runs']:,} runs, "
        f"seed {m['master_seed']}, {m['wall_seconds']:.1f} s"
    )
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
        results.path, results.manifest, results.table("summary"), args.outcome or None
    )
    print(format_indices(result))
    if args.save:
        atomic_write_bytes(results.path / "sensitivity.json", json.dumps(result, indent=2).encode())
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    """PRIM boxes where an outcome concentrates."""
    import numpy as np

    from sim.analysis.discovery import discover, format_box
    from sim.analysis.sensitivity import outcome_vector

    results = _sweep_folder(args.folder)
    y = outcome_vector(results.table("summary"), args.outcome)
    points = results.table("points").sort_values("point_id").drop(columns=["point_id"])
    threshold = args.threshold if args.threshold is not None else float(np.median(y))
    print(format_box(discover(points, y, threshold, args.density), args.outcome))
    return 0


def register_sweep(sub: argparse._SubParsersAction) -> None:
    """Register ``sim sweep``, ``sim analyze`` and ``sim discover``."""
    p = sub.add_parser(
        "sweep", help="sweep parameters (grid, LHS, Sobol, Morris) with replications at each point"
    )
    p.add_argument("scenario", metavar="SCENARIO", nargs="?")
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
    p.add_argument("--seed", type=int, default=None, help="master seed")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    p.add_argument("--out", default=None, help="result folder")
    p.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://127.0.0.1:8786",
    )
    p.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    p.add_argument(
        "--annual",
        default="auto",
        choices=["auto", "on", "off"],
        help="per-run annual series (auto: on up to 20,000 runs in total)",
    )
    p.add_argument(
        "--resume",
        metavar="DIR",
        default=None,
        help="complete an interrupted sweep (no other arguments needed)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("analyze", help="sensitivity indices of a Sobol or Morris sweep")
    p.add_argument("folder", metavar="DIR")
    p.add_argument(
        "--outcome",
        action="append",
        default=[],
        help="MEASURE.THEATRE with MEASURE in war, rung4, rung5, max_rung, "
        "holder_changed (repeatable; default war per theatre)",
    )
    p.add_argument("--save", action="store_true", help="replace sensitivity.json")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("discover", help="scenario discovery (PRIM) on a sweep")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--outcome", required=True, help="MEASURE.THEATRE, e.g. war.taiwan")
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="points with the outcome above this are of interest (default: median)",
    )
    p.add_argument("--density", type=float, default=0.8, help="PRIM density target")
    p.set_defaults(func=cmd_discover)
