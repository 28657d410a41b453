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
        speed_estimate_period=120,  # chunks can take tens of seconds on a slow machine
    )
    task = bar.add_task("runs", total=total)
    started: list[int] = []

    def update(done: int, _total: int) -> None:
        if not started:  # the job starts (after runs kept by an earlier attempt)
            started.append(done)
            bar.reset(task, completed=done)
            bar.advance(task, 0)  # a speed sample now: the time left shows after one chunk
            return
        bar.update(task, completed=done)

    return update, bar


def cmd_run(args: argparse.Namespace) -> int:
    """Run an ensemble, print the summary and where the results are."""
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
        scenario = load_scenario(args.scenario, run_overrides(args))
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
                    notify=None if args.quiet else stderr_notice("run"),
                )
        except (KeyboardInterrupt, Terminated):
            return _interrupted("run", out)
    if not args.quiet:
        print(run_header(results))
        print()
        print(format_findings(results))
        print(format_summary(results.summary, scenario.month_label))
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
    from sim.cli import add_out, add_parser, add_quiet, add_set

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
    p.add_argument("--runs", type=int, default=1000, help="number of runs (default 1000)")
    p.add_argument(
        "--seed", type=int, default=None, help="master seed (default: the scenario's meta.seed)"
    )
    add_set(p)
    add_posterior(p)
    add_out(p, "result folder (default results/<name>[+set-<overrides>]-<YYYYmmdd-HHMMSS>)")
    add_workers(p)
    p.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    add_annual(p)
    add_quiet(p)
    p.set_defaults(func=cmd_run)


def add_posterior(p: argparse.ArgumentParser) -> None:
    """Add ``--posterior DIR`` (shared by ``sim run`` and ``sim sweep``)."""
    p.add_argument(
        "--posterior",
        metavar="DIR",
        default=None,
        help="draw the calibrated parameters of each run from this sim calibrate folder "
        "('none': the scenario's own values; default: the scenario's [calibration] "
        "posterior); same as --set calibration.posterior=DIR. --set and swept values "
        "of calibrated parameters override their draws",
    )


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


def run_overrides(args: argparse.Namespace) -> list[str]:
    """``--set`` overrides of ``sim run``, with ``--posterior DIR`` as the last one."""
    sets = list(args.set or [])
    if getattr(args, "posterior", None):  # sim demo shares cmd_run without the option
        value = args.posterior
        if value != "none":
            value = str(Path(value).resolve())
        sets.append(f"calibration.posterior={value}")
    return sets


def add_workers(p: argparse.ArgumentParser) -> None:
    """Add ``--workers``."""
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: one per idle core, one for a job of a few seconds); "
        "results do not depend on it",
    )


ANNUAL_CHOICES = ["auto", "all", "sample", "off"]
"""``--annual`` values, the same for ``sim run`` and ``sim sweep``."""


def add_annual(p: argparse.ArgumentParser, sweep: bool = False) -> None:
    """Add ``--annual`` with the values of `ANNUAL_CHOICES` (sweeps also accept ``on``)."""
    auto = (
        "auto = all for sweeps of up to 20,000 runs in total, else off"
        if sweep
        else "auto = all up to 20,000 runs, else sample"
    )
    p.add_argument(
        "--annual",
        default="auto",
        choices=[*ANNUAL_CHOICES, "on"] if sweep else ANNUAL_CHOICES,
        metavar="{" + ",".join(ANNUAL_CHOICES) + "}",
        help="which runs keep per-run annual series: all, sample (the first 10,000), "
        f"off; {auto} (default auto)",
    )


def register_trace(sub: argparse._SubParsersAction) -> None:
    """``sim trace``."""
    from sim.cli import add_parser, add_set

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
    p.set_defaults(func=cmd_trace)


def cmd_runs(args: argparse.Namespace) -> int:
    """List the runs of a result folder whose outcomes match an expression."""
    from sim.query import format_runs, select_runs
    from sim.results.reader import load_results

    results = load_results(args.folder)
    table, total = select_runs(results, args.where, args.limit)
    text = format_runs(table, args.format)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    if args.format == "table" or args.out:
        runs = results.manifest.get("runs", len(results.runs))
        shown = f"; showing the first {len(table):,}" if len(table) < total else ""
        note = f"{total:,} of {runs:,} runs match '{args.where}'{shown}"
        if args.out:
            note += f"\nruns: {args.out}"
        elif total:
            note += f"; replay one with: sim trace {args.folder} {int(table.run_id.iloc[0])}"
        print(note, file=sys.stderr if args.format != "table" else sys.stdout)
    return 0


def register_runs(sub: argparse._SubParsersAction) -> None:
    """``sim runs``."""
    from sim.cli import add_out, add_parser

    p = add_parser(
        sub,
        "runs",
        "list the runs of a result folder by outcome (run_id, seed and the outcomes named)",
        "sim runs results/demo --where 'war.taiwan or max_rung.senkaku>=5'",
        "sim runs results/demo --where 'crises.taiwan>2 and not rung4.taiwan' --format csv",
    )
    p.add_argument("folder", metavar="DIR", help="a result folder (run or sweep)")
    p.add_argument(
        "--where",
        required=True,
        metavar="EXPR",
        help="MEASURE.THEATRE terms, e.g. war.taiwan, max_rung.senkaku>=5, crises.taiwan>2, "
        "holder_final.taiwan==CHN, combined with and/or/not and parentheses; MEASURE is an "
        "outcomes.parquet column or rung4, rung5, crisis, lost, nuclear, joined_<ALLIANCE>",
    )
    p.add_argument(
        "--limit", type=int, default=20, metavar="N", help="list at most N runs (default 20)"
    )
    p.add_argument(
        "--all", dest="limit", action="store_const", const=None, help="list every matching run"
    )
    p.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="output format (default table)",
    )
    add_out(p, "write the list to this file instead of standard output")
    p.set_defaults(func=cmd_runs)


def cmd_crises(args: argparse.Namespace) -> int:
    """List the crises of a result folder that match an expression over crisis columns."""
    from sim.query import format_runs, select_crises
    from sim.results.reader import load_results

    if args.limit is not None and args.limit < 0:
        raise SimError(f"--limit {args.limit}: give a number of crises, 0 or more")
    results = load_results(args.folder)
    table, total, count, matched_runs = select_crises(results, args.where, args.limit)
    print(format_runs(table, args.format), end="")
    if args.format == "table":
        runs = int(results.manifest.get("runs", len(results.runs)))
        shown = f"; showing the first {len(table):,}" if len(table) < total else ""
        what = f" match '{args.where}'" if args.where else ""
        in_runs = ""
        if total:
            in_runs = f" (in {matched_runs:,} of {runs:,} runs)"
        note = f"{total:,} of {count:,} crises{what}{in_runs}{shown}"
        if len(table):
            note += f"; replay a run with: sim trace {args.folder} {int(table.run_id.iloc[0])}"
        print(note)
    return 0


def register_crises(sub: argparse._SubParsersAction) -> None:
    """``sim crises``."""
    from sim.cli import add_parser
    from sim.crisis_columns import CRISIS_COLUMNS

    p = add_parser(
        sub,
        "crises",
        "list the crises of a result folder (trigger, theatre, parties, peak rung, ending, "
        "dates), filtered by an expression over the crisis log",
        "sim crises results/demo --where 'theatre==taiwan and peak_rung>=5'",
        "sim crises results/demo --where 'trigger==trigger:arms_sale' --format csv",
    )
    p.add_argument("folder", metavar="DIR", help="a result folder (run or sweep)")
    p.add_argument(
        "--where",
        default=None,
        metavar="EXPR",
        help="terms over the crisis columns, e.g. theatre==taiwan, peak_rung>=5, "
        "trigger==trigger:arms_sale, kind==event, ending!=settled, opened>=2027-01, "
        "combined with and/or/not and parentheses (default: every crisis); columns: "
        + ", ".join(CRISIS_COLUMNS),
    )
    p.add_argument(
        "--limit", type=int, default=20, metavar="N", help="list at most N crises (default 20)"
    )
    p.add_argument(
        "--all", dest="limit", action="store_const", const=None, help="list every matching crisis"
    )
    p.add_argument(
        "--format",
        choices=["table", "csv"],
        default="table",
        help="output format (default table; csv has no count line)",
    )
    p.set_defaults(func=cmd_crises)


def cmd_export(args: argparse.Namespace) -> int:
    """Write a result folder's tables as CSV files or one Excel workbook."""
    from sim.export import export_folder

    written = export_folder(args.folder, args.format, args.out, annual=not args.no_annual)
    if not args.quiet:
        for name, rows in written.sheets.items():
            print(f"  {name}: {rows:,} rows")
    print(f"export: {written.path}")
    return 0


def register_export(sub: argparse._SubParsersAction) -> None:
    """``sim export``."""
    from sim.cli import add_out, add_parser, add_quiet

    p = add_parser(
        sub,
        "export",
        "export a result folder's tables for spreadsheets (CSV files or one .xlsx workbook)",
        "sim export results/demo --format xlsx --out demo.xlsx",
        "sim export results/<sweep folder> --format csv --out sweep-csv/",
    )
    p.add_argument("folder", metavar="DIR", help="a result folder (run or sweep)")
    p.add_argument(
        "--format",
        choices=["csv", "xlsx"],
        default="xlsx",
        help="xlsx: one workbook, a sheet per table; csv: a folder of CSV files (default xlsx)",
    )
    add_out(
        p,
        "the workbook (.xlsx) or CSV folder to write (default: DIR/export.xlsx or DIR/export-csv/)",
    )
    p.add_argument(
        "--no-annual",
        action="store_true",
        help="leave out the annual table (the largest; Excel holds at most 1,048,575 rows)",
    )
    add_quiet(p)
    p.set_defaults(func=cmd_export)


def default_scenario() -> Path:
    """Find the shipped baseline: ``scenarios/baseline.toml`` here or among the shipped ones."""
    from sim.cli import shipped_scenario

    return shipped_scenario("baseline.toml")


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the baseline scenario end to end: ensemble, summary, figures, HTML report."""
    from sim.plots import kinds as registry
    from sim.plots.cli import _write
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
    written = _write(plots, out / "figures", None, None)
    if not args.quiet:
        print("figures:")
        for path in written:
            print(f"  {path}")
    print(f"report: {write_report(results, out / 'report.html', ['sim', *sys.argv[1:]])}")
    return 0


def register_demo(sub: argparse._SubParsersAction) -> None:
    """``sim demo``."""
    from sim.cli import add_out, add_parser, add_quiet, add_set

    p = add_parser(
        sub,
        "demo",
        "run the baseline scenario end to end (results, figures, report) into results/demo",
        "sim demo",
        "sim demo --runs 500 --out results/demo-small -q",
    )
    p.add_argument("--runs", type=int, default=2000, help="number of runs (default 2000)")
    add_out(p, "result folder (default results/demo; replaced if it exists)", "results/demo")
    add_set(p)
    add_workers(p)
    add_quiet(p)
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
    register_runs,
    register_crises,
    register_export,
    _lazy("sim.sweep.cli", "register_sweep"),
    _lazy("sim.viz.cli", "register_viz"),
    _lazy("sim.plots.cli", "register_plot"),
    _lazy("sim.plots.cli", "register_compare"),
    _lazy("sim.plots.cli", "register_report"),
    _lazy("sim.hindcast.cli", "register_validate"),
    _lazy("sim.calibrate.cli", "register_calibrate"),
]
"""Functions ``register(subparsers)`` called by `sim.cli.build_parser`."""
