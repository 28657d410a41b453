"""Subcommands that run simulations: ``sim run`` and ``sim trace``.

Kept apart from `sim.cli` so that building the parser stays cheap; each handler imports
the heavy machinery only when it runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import SimError


def _progress_bar(total: int, quiet: bool):
    """Return (callback, context manager) for a rich progress bar on a terminal."""
    import contextlib

    if quiet or not sys.stderr.isatty():
        return None, contextlib.nullcontext()
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    class RateColumn(TextColumn):
        def __init__(self) -> None:
            super().__init__("")

        def render(self, task):  # noqa: D102
            from rich.text import Text

            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} runs/s" if speed else "- runs/s")

    bar = Progress(
        TextColumn("runs"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    task = bar.add_task("runs", total=total)

    def update(done: int, _total: int) -> None:
        bar.update(task, completed=done)

    return update, bar


def cmd_run(args: argparse.Namespace) -> int:
    """Run an ensemble, print the summary and where the results are."""
    from sim.analysis.summary import format_findings, format_summary
    from sim.runner.ensemble import default_out, resume, run
    from sim.runner.job import Terminated
    from sim.scenario import load_scenario

    if args.resume:
        if args.scenario or args.set or args.out:
            raise SimError(
                "--resume DIR takes no scenario, --set or --out: the folder's manifest holds them"
            )
        out = Path(args.resume)
        from sim.results.folder import read_manifest

        total = read_manifest(out).get("runs")
        total = total if isinstance(total, int) and not isinstance(total, bool) else 0
        callback, bar = _progress_bar(total, args.quiet)
        try:
            with bar:
                results = resume(out, workers=args.workers, progress=callback)
        except (KeyboardInterrupt, Terminated):
            return _interrupted("run", out)
        scenario = load_scenario(results.manifest["scenario"])
    else:
        if not args.scenario:
            raise SimError("give a SCENARIO file (or --resume DIR)")
        scenario = load_scenario(args.scenario, args.set)
        out = Path(args.out) if args.out else default_out(scenario)
        callback, bar = _progress_bar(args.runs, args.quiet)
        try:
            with bar:
                results = run(
                    scenario,
                    runs=args.runs,
                    seed=args.seed,
                    out=out,
                    workers=args.workers,
                    force=args.force,
                    annual=args.annual,
                    progress=callback,
                    command=["sim", *sys.argv[1:]],
                )
        except (KeyboardInterrupt, Terminated):
            return _interrupted("run", out)
    m = results.manifest
    print(
        f"{results.title}: {m['runs']:,} runs, seed {m['master_seed']}, "
        f"{m['months']} months from {m['start']}, {m['wall_seconds']:.1f} s "
        f"({m['runs_per_second']:,.0f} runs/s, {m['workers']} workers)"
    )
    print()
    print(format_findings(results))
    print(format_summary(results.summary, scenario.month_label))
    print(
        f"results: {results.path}/ (manifest.json, runs.parquet, outcomes.parquet, annual.parquet)"
    )
    return 0


def _interrupted(command: str, out: Path) -> int:
    """Tell the user what was kept and how to resume; exit status 130."""
    from sim.results.folder import read_manifest

    try:
        m = read_manifest(out)
    except SimError:
        print(
            f"sim {command}: interrupted before any results were written to {out}; "
            "nothing to resume: run it again",
            file=sys.stderr,
        )
        return 130
    status = m.get("status", "of unknown status")
    if status == "complete":
        print(
            f"sim {command}: interrupted after the last run; the results in {out} are complete",
            file=sys.stderr,
        )
        return 130
    kept = f"{m.get('runs_done', 0):,} of {m.get('runs', m.get('total_runs', 0)):,} runs"
    print(
        f"sim {command}: interrupted; kept {kept} in {out} (manifest says {status}); "
        f"finish with: sim {command} --resume {out}",
        file=sys.stderr,
    )
    return 130


def cmd_trace(args: argparse.Namespace) -> int:
    """Replay one run through the Mesa front and print its story."""
    from sim.trace import trace_from_folder, trace_from_scenario

    if args.seed is not None:
        text = trace_from_scenario(args.target, args.seed, args.set, verbose=args.verbose)
    else:
        if args.run_id is None:
            raise SimError("give RUN_ID (with a result folder) or --seed (with a scenario)")
        text = trace_from_folder(args.target, args.run_id, verbose=args.verbose)
    print(text)
    return 0


def register_run(sub: argparse._SubParsersAction) -> None:
    """``sim run``."""
    p = sub.add_parser("run", help="run an ensemble of a scenario into a result folder")
    p.add_argument("scenario", metavar="SCENARIO", nargs="?")
    p.add_argument(
        "--resume",
        metavar="DIR",
        default=None,
        help="complete an interrupted run folder (no other arguments needed)",
    )
    p.add_argument("--runs", type=int, default=1000, help="number of runs (default 1000)")
    p.add_argument(
        "--seed", type=int, default=None, help="master seed (default: the scenario's meta.seed)"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value (repeatable)",
    )
    p.add_argument("--out", default=None, help="result folder (default results/<name>-<time>)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    p.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    p.add_argument(
        "--annual",
        default="auto",
        choices=["auto", "all", "sample", "off"],
        help="per-run annual series: all runs, the first 10,000 (sample), none; "
        "auto = all up to 20,000 runs, else sample",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)


def register_trace(sub: argparse._SubParsersAction) -> None:
    """``sim trace``."""
    p = sub.add_parser("trace", help="replay one run and print its story month by month")
    p.add_argument(
        "target",
        metavar="DIR|SCENARIO",
        help="a result folder (with RUN_ID) or a scenario file (with --seed)",
    )
    p.add_argument("run_id", nargs="?", type=int, default=None, metavar="RUN_ID")
    p.add_argument("--seed", type=int, default=None, help="replay this seed of a scenario")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    p.add_argument(
        "--verbose", "-v", action="store_true", help="also print every month's grey-zone activity"
    )
    p.set_defaults(func=cmd_trace)


def default_scenario() -> Path:
    """Find the embedded default: ``scenarios/baseline.toml`` here or in the source checkout."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[1]):
        candidate = root / "scenarios" / "baseline.toml"
        if candidate.is_file():
            return candidate
    raise SimError("scenarios/baseline.toml not found (run from the repository folder)")


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the baseline scenario end to end: ensemble, summary, figures, HTML report."""
    from sim.plots import kinds as registry
    from sim.plots.cli import _write
    from sim.plots.report import write_report

    out = Path(args.out)
    args.scenario, args.set, args.seed, args.resume = str(default_scenario()), [], None, None
    args.force, args.annual = True, "auto"
    status = cmd_run(args)
    if status:
        return status
    from sim.results.reader import load_results

    results = load_results(out)
    plots = []
    for kind in registry.resolve([], results):
        plots += kind.draw([results], metric=None, subject=None, year=None)
    print("figures:")
    for path in _write(plots, out / "figures", None, None):
        print(f"  {path}")
    print(f"report: {write_report(results, out / 'report.html', ['sim', 'demo'])}")
    return 0


def register_demo(sub: argparse._SubParsersAction) -> None:
    """``sim demo``."""
    p = sub.add_parser(
        "demo",
        help="run the baseline scenario end to end (results, figures, report) into results/demo",
    )
    p.add_argument("--runs", type=int, default=2000, help="number of runs (default 2000)")
    p.add_argument("--out", default="results/demo", help="result folder (default results/demo)")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(func=cmd_demo)


def _lazy(module: str, name: str):
    """Return a register function that imports its module only when the parser is built."""

    def register(sub: argparse._SubParsersAction) -> None:
        import importlib

        try:
            found = importlib.import_module(module)
        except ModuleNotFoundError as exc:  # an optional front that is not installed
            if exc.name and module.startswith(exc.name):
                return
            raise
        getattr(found, name)(sub)

    return register


REGISTER: list = [
    register_demo,
    register_run,
    register_trace,
    _lazy("sim.sweep.cli", "register_sweep"),
    _lazy("sim.viz.cli", "register_viz"),
    _lazy("sim.plots.cli", "register_plot"),
    _lazy("sim.plots.cli", "register_compare"),
    _lazy("sim.plots.cli", "register_report"),
    _lazy("sim.hindcast.cli", "register_validate"),
]
"""Functions ``register(subparsers)`` called by `sim.cli.build_parser`."""
