"""Subcommands that run simulations: ``sim run`` and ``sim trace``.

Kept apart from `sim.cli` so that building the parser stays cheap; each handler imports
the heavy machinery only when it runs.
"""

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
    add_runs,
    add_set,
    add_workers,
    interrupted,
    progress_bar,
    run_overrides,
)
from sim.errors import SimError


def cmd_run(args: argparse.Namespace) -> int:
    """Run an ensemble, print the summary and where the results are."""
    from sim.analysis import structural
    from sim.analysis.summary import format_findings, format_summary
    from sim.runner.ensemble import default_out, resume, run
    from sim.runner.job import Terminated
    from sim.runner.sizing import stderr_notice
    from sim.scenario import load_scenario

    if args.resume:
        if args.scenario or args.set or args.out or getattr(args, "posterior", None):
            raise SimError(
                "--resume DIR takes no scenario, --set or --out: the folder's manifest holds them"
            )
        out = Path(args.resume)
        from sim.results.folder import read_manifest

        total = read_manifest(out).get("runs")
        total = total if isinstance(total, int) and not isinstance(total, bool) else 0
        callback, bar = progress_bar(total, args.quiet)
        try:
            with bar:
                results = resume(out, workers=args.workers, progress=callback)
        except (KeyboardInterrupt, Terminated):
            return interrupted("run", out)
        scenario = load_scenario(results.manifest["scenario"])
    else:
        if not args.scenario:
            raise SimError("give a SCENARIO file (or --resume DIR)")
        scenario = load_scenario(args.scenario, run_overrides(args))
        out = Path(args.out) if args.out else default_out(scenario)
        callback, bar = progress_bar(args.runs, args.quiet)
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
                    notify=None if args.quiet else stderr_notice("run"),
                )
        except (KeyboardInterrupt, Terminated):
            return interrupted("run", out)
    if not args.quiet:
        print(run_header(results))
        print()
        print(format_findings(results))
        zeros = structural.impossible(scenario.data)
        print(format_summary(results.summary, scenario.month_label, zeros))
        print(_uncertainty_block(results))
    print(
        f"results: {results.path}/ (manifest.json, runs.parquet, outcomes.parquet, annual.parquet)"
    )
    return 0


def _uncertainty_block(results) -> str:
    """Say which uncertainty the intervals hold; with a posterior, the parameter intervals."""
    from sim.analysis.uncertainty import format_uncertainty, results_uncertainty, uncertainty_note

    note = uncertainty_note(results.manifest)
    table = results_uncertainty(results)
    if table is None:
        return "\n" + note
    name = Path(results.manifest["posterior"]["folder"]).name
    return "\n" + note + "\n\n" + format_uncertainty(table, name)


def run_header(results) -> str:
    """Return the run header: scenario, runs, seed, horizon, timing and the overrides."""
    m = results.manifest
    line = (
        f"{results.title}: {m['runs']:,} runs, seed {m['master_seed']}, "
        f"{m['months']} months from {m['start']}, {m['wall_seconds']:.1f} s "
        f"({m['runs_per_second']:,.0f} runs/s, {m['workers']} workers)"
    )
    return line + "\n" + overrides_text(m.get("overrides", [])) + "\n" + posterior_text(m)


def overrides_text(overrides) -> str:
    """Return ``overrides (--set): A=1, B=2`` or say that there are none."""
    items = list(overrides)
    if not items:
        return "overrides (--set): none (the scenario file as written)"
    return "overrides (--set): " + ", ".join(items)


def cmd_trace(args: argparse.Namespace) -> int:
    """Replay one run through the Mesa front and print its story."""
    from sim.trace import trace_from_folder, trace_from_scenario

    if args.seed is not None:
        text = trace_from_scenario(args.target, args.seed, args.set, verbose=args.verbose)
    else:
        if args.run_id is None:
            raise SimError("give RUN_ID (with a result folder) or --seed (with a scenario)")
        text = trace_from_folder(args.target, args.run_id, verbose=args.verbose)
    if args.quiet:  # the story without the legend of the terms
        from sim.trace import LEGEND

        text = text.replace(LEGEND + "\n", "", 1)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
        print(f"trace: {out}")
    else:
        print(text)
    return 0


def register_run(sub: argparse._SubParsersAction) -> None:
    """``sim run``."""
    p = add_parser(
        sub,
        "run",
        "run an ensemble of a scenario into a result folder and print its summary",
        "sim run scenarios/baseline.toml --runs 2000 --seed 1 --out results/base",
        "sim run scenarios/baseline.toml --set alliances.USA-TWN.commitment=0.9 -q",
    )
    p.add_argument(
        "scenario", metavar="SCENARIO", nargs="?", help="scenario file (TOML); none with --resume"
    )
    p.add_argument(
        "--resume",
        metavar="DIR",
        default=None,
        help="complete an interrupted run folder (no other arguments needed)",
    )
    add_runs(p)
    p.add_argument(
        "--seed", type=int, default=None, help="master seed (default: the scenario's meta.seed)"
    )
    add_set(p)
    add_posterior(p)
    add_out(p, "result folder (default results/<name>[__<overrides in words>]__<hash>)")
    add_workers(p)
    p.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    add_annual(p)
    add_quiet(p)
    p.set_defaults(func=cmd_run)


def posterior_text(manifest: dict) -> str:
    """One line on where the runs' calibrated parameters came from."""
    post = manifest.get("posterior")
    if not post:
        return "calibrated parameters: the scenario's own values (no posterior)"
    name = Path(post["folder"]).name
    held = post.get("held", [])
    drawn = [p for p in post["parameters"] if p not in held]
    line = f"calibrated parameters: drawn per run from posterior {name} ({post['draws']} draws)"
    if held:
        line += f"; held at the set or swept value: {', '.join(held)}"
    return line + (f"; drawn: {', '.join(drawn)}" if drawn and held else "")


def register_trace(sub: argparse._SubParsersAction) -> None:
    """``sim trace``."""
    p = add_parser(
        sub,
        "trace",
        "replay one run and print its story month by month, with a legend of the terms",
        "sim trace results/invasion 17",
        "sim trace scenarios/baseline.toml --seed 42 --set model.crisis.war_cost=0.1 -v",
    )
    p.add_argument(
        "target",
        metavar="DIR|SCENARIO",
        help="a result folder (with RUN_ID) or a scenario file (with --seed)",
    )
    p.add_argument(
        "run_id",
        nargs="?",
        type=int,
        default=None,
        metavar="RUN_ID",
        help="run to replay, from the folder's runs.parquet (find some with sim runs --where)",
    )
    p.add_argument("--seed", type=int, default=None, help="replay this run seed of a scenario")
    add_set(p)
    p.add_argument(
        "--verbose", "-v", action="store_true", help="also print every month's grey-zone activity"
    )
    add_out(p, "write the story to this file instead of standard output", metavar="FILE")
    add_quiet(p, "leave out the legend of the terms at the top; errors still appear")
    p.set_defaults(func=cmd_trace)


def default_scenario() -> Path:
    """Find the shipped baseline: ``scenarios/baseline.toml`` here or among the shipped ones."""
    from sim.scenario.paths import shipped_scenario  # sim.scenario imports numpy

    return shipped_scenario("baseline.toml")


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the baseline scenario end to end: ensemble, summary, figures, HTML report."""
    from sim.cli.plot import write_figures
    from sim.plots import kinds as registry
    from sim.plots.report import write_report

    out = Path(args.out)
    args.scenario, args.seed, args.resume = str(default_scenario()), None, None
    args.force, args.annual = True, "auto"
    status = cmd_run(args)
    if status:
        return status
    from sim.results.reader import load_results

    results = load_results(out)
    plots = []
    for kind in registry.resolve([], results):
        plots += kind.draw([results], metric=None, subject=None, year=None)
    written = write_figures(plots, out / "figures", None, None)
    if not args.quiet:
        print("figures:")
        for path in written:
            print(f"  {path}")
    print(f"report: {write_report(results, out / 'report.html', ['sim', *sys.argv[1:]])}")
    return 0


def register_demo(sub: argparse._SubParsersAction) -> None:
    """``sim demo``."""
    p = add_parser(
        sub,
        "demo",
        "run the baseline scenario end to end (results, figures, report) into results/demo",
        "sim demo",
        "sim demo --runs 500 --out results/demo-small -q",
    )
    add_runs(p)
    add_out(p, "result folder (default results/demo; replaced if it exists)", "results/demo")
    add_set(p)
    add_workers(p)
    add_quiet(p)
    p.set_defaults(func=cmd_demo)
