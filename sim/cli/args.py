"""Argument helpers shared by every ``sim`` subcommand: one option vocabulary.

Every command spells an option the same way (`add_out`, `add_quiet`, `add_set`,
`add_format`, `add_figure_format`, `add_runs`, ...); `deprecated` keeps an older
spelling working, hidden from ``--help``, with a one-line note on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from sim.errors import SimError

EXIT_USER_ERROR = 2


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:  # noqa: D102
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message}\n")


def examples(*commands: str) -> str:
    """Return an argparse epilog listing example command lines."""
    return "examples:\n" + "\n".join(f"  {c}" for c in commands)


def add_parser(sub: argparse._SubParsersAction, name: str, help: str, *example: str):
    """Add a subcommand whose help says what it does and ends with examples."""
    return sub.add_parser(
        name,
        help=help,
        description=help[0].upper() + help[1:] + ".",
        epilog=examples(*example),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


DEFAULT_RUNS = 1000
"""Default number of runs of every command that runs an ensemble (run, demo, validate)."""

FIGURE_FORMATS = ("png", "svg", "pdf")
"""Image formats of ``--figure-format``."""

QUIET_HELP = "print no progress and no summary; errors and the final path line still appear"


class Deprecated(argparse.Action):
    """An older spelling of an option: still works, hidden from ``--help``, notes on stderr.

    Stores like the option it stands for (``store``, or a constant with `const`), after
    printing ``sim: OLD is deprecated; use NEW`` once.
    """

    def __init__(self, option_strings, dest, new: str = "", **kwargs) -> None:
        self.new = new
        kwargs["help"] = argparse.SUPPRESS
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # noqa: D102
        print(f"sim: {option_string} is deprecated; use {self.new}", file=sys.stderr)
        setattr(namespace, self.dest, self.const if self.nargs == 0 else values)


def deprecated(p: argparse.ArgumentParser, old: str, new: str, dest: str, **kwargs) -> None:
    """Keep `old` working as a hidden alias of `new` (stored in `dest`), with a note."""
    p.add_argument(old, dest=dest, action=Deprecated, new=new, default=argparse.SUPPRESS, **kwargs)


def add_out(
    p: argparse.ArgumentParser,
    help: str,
    default: str | None = None,
    aliases=(),
    metavar: str = "PATH",
) -> None:
    """Add ``-o/--out``, the command's main output; older `aliases` (``--output``) still work."""
    p.add_argument("--out", "-o", dest="out", default=default, metavar=metavar, help=help)
    for alias in aliases:
        deprecated(p, alias, "-o/--out", "out", metavar=metavar)


def add_quiet(p: argparse.ArgumentParser, help: str = QUIET_HELP) -> None:
    """Add ``-q/--quiet``: the same option in every command."""
    p.add_argument("--quiet", "-q", action="store_true", help=help)


def add_format(
    p: argparse.ArgumentParser, choices, default: str | None, help: str, dest: str = "format"
) -> None:
    """Add ``--format``: always the format of a table (text, CSV, ...), never of an image."""
    p.add_argument("--format", choices=choices, default=default, dest=dest, help=help)


def add_figure_format(p: argparse.ArgumentParser, help: str, default: str | None = None) -> None:
    """Add ``--figure-format``: always the format of the figures (png, svg or pdf)."""
    # no argparse choices: the figure code checks the value, so that a wrong one is the
    # usual one-line error (exit 2) of sim.cli.main, like a wrong --out suffix
    p.add_argument(
        "--figure-format",
        default=default,
        metavar="{" + ",".join(FIGURE_FORMATS) + "}",
        help=help,
    )


def add_runs(p: argparse.ArgumentParser, default: int = DEFAULT_RUNS) -> None:
    """Add ``--runs N`` (default `DEFAULT_RUNS`, the same for every command)."""
    p.add_argument(
        "--runs", type=int, default=default, metavar="N", help=f"number of runs (default {default})"
    )


def add_set(p: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--set PATH=VALUE`` option."""
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value, e.g. actors.JPN.milex_usd_bn=60 (repeatable)",
    )


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


def progress_bar(total: int, quiet: bool):
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


def interrupted(command: str, out: Path) -> int:
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
