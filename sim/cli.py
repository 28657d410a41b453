"""The ``sim`` command line.

Every subcommand is a thin shell over the library. User errors (`sim.errors.SimError`)
become one line on stderr and exit status 2, with no traceback. Heavy imports (numpy,
pandas, mesa, matplotlib) happen inside the subcommands so ``sim --help`` and
``sim check`` start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sim.errors import SimError

EXIT_USER_ERROR = 2


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:  # noqa: D102
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message}\n")


def scenario_dir() -> Path:
    """Folder of shipped scenarios: ``$SIM_SCENARIOS`` or ``./scenarios``."""
    return Path(os.environ.get("SIM_SCENARIOS", "scenarios"))


def cmd_check(args: argparse.Namespace) -> int:
    """Validate scenarios and print a resolved summary of each."""
    from sim.scenario import load_scenario
    from sim.scenario.summary import describe

    for i, path in enumerate(args.scenarios):
        scenario = load_scenario(path, args.set if i == 0 or args.set else ())
        if not args.quiet:
            print(describe(scenario))
            print()
        print(f"ok: {path}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """List shipped scenarios with their titles."""
    from sim.scenario import load_scenario

    folder = Path(args.folder) if args.folder else scenario_dir()
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise SimError(f"{folder}: no scenario files (*.toml) found")
    width = max(len(f.name) for f in files)
    for f in files:
        try:
            title = load_scenario(f).title
        except SimError as exc:
            title = f"INVALID: {exc}"
        print(f"{f.name:<{width}}  {title}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print the fully resolved scenario as TOML."""
    from sim.scenario import load_scenario
    from sim.scenario.dump import to_toml

    print(to_toml(load_scenario(args.scenario, args.set)), end="")
    return 0


def add_set(p: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--set PATH=VALUE`` option."""
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value, e.g. actors.JPN.milex_usd_bn=60 (repeatable)",
    )


def build_parser() -> Parser:
    """Build the argument parser with every subcommand."""
    parser = Parser(prog="sim", description="Escalation-dynamics scenario simulator.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    p = sub.add_parser("check", help="validate scenario files and summarise them")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    p.add_argument("--quiet", "-q", action="store_true", help="only print ok lines")
    add_set(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("list", help="list the scenarios in scenarios/ with their titles")
    p.add_argument("folder", nargs="?", default=None)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="print the fully resolved scenario as TOML")
    p.add_argument("scenario", metavar="SCENARIO")
    add_set(p)
    p.set_defaults(func=cmd_show)

    for register in _extra_commands():
        register(sub)
    return parser


def _extra_commands() -> list:
    """Registration functions of the heavier subcommands (imported lazily when run)."""
    from sim import commands

    return commands.REGISTER


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sim`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from sim import __version__

        print(__version__)
        return 0
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        return int(args.func(args) or 0)
    except SimError as exc:
        print(f"sim {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"sim {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
