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


SHARE = Path("share") / "escalation-sim" / "scenarios"
"""Where a wheel installs the shipped scenarios, under ``sys.prefix`` (pyproject.toml,
``[tool.setuptools.data-files]``)."""


def scenario_dir() -> Path:
    """Return the folder of the shipped scenarios, found from any working directory.

    In order: ``$SIM_SCENARIOS``; the repository's ``scenarios/`` next to the package (a
    source checkout or an editable install, where the user-facing folder is the canonical
    one); ``<sys.prefix>/share/escalation-sim/scenarios`` (a wheel install, which copies
    the same files there); finally ``./scenarios``.
    """
    if os.environ.get("SIM_SCENARIOS"):
        return Path(os.environ["SIM_SCENARIOS"])
    for candidate in (
        Path(__file__).resolve().parents[1] / "scenarios",
        Path(sys.prefix) / SHARE,
    ):
        if any(candidate.glob("*.toml")):
            return candidate
    return Path("scenarios")


def shipped_scenario(name: str) -> Path:
    """Return a shipped scenario file: ``./scenarios/NAME`` if present, else `scenario_dir`."""
    local = Path("scenarios") / name
    if local.is_file():
        return local
    found = scenario_dir() / name
    if found.is_file():
        return found
    raise SimError(f"scenarios/{name} not found here or among the shipped scenarios")


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


def add_out(p: argparse.ArgumentParser, help: str, default: str | None = None, aliases=()) -> None:
    """Add ``--out`` (and ``-o``, plus any older `aliases` such as ``--output``)."""
    p.add_argument("--out", "-o", *aliases, dest="out", default=default, metavar="PATH", help=help)


def add_quiet(p: argparse.ArgumentParser) -> None:
    """Add ``-q/--quiet``: the same meaning in every command."""
    p.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print no progress and no summary; errors and the final path line still appear",
    )


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

    p = add_parser(
        sub,
        "check",
        "validate scenario files and summarise them",
        "sim check scenarios/baseline.toml",
        "sim check scenarios/*.toml -q --set meta.months=60",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files (TOML)")
    p.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print no summary, only the ok line of each file; errors still appear",
    )
    add_set(p)
    p.set_defaults(func=cmd_check)

    p = add_parser(
        sub,
        "list",
        "list the shipped scenarios (or those in FOLDER) with their titles",
        "sim list",
        "sim list my_scenarios/",
    )
    p.add_argument(
        "folder",
        nargs="?",
        default=None,
        metavar="FOLDER",
        help="folder of scenario files (default: the shipped scenarios, from any directory)",
    )
    p.set_defaults(func=cmd_list)

    p = add_parser(
        sub,
        "show",
        "print the fully resolved scenario as TOML",
        "sim show scenarios/baseline.toml",
        "sim show scenarios/baseline.toml --set actors.JPN.milex_usd_bn=60 > resolved.toml",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML)")
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
