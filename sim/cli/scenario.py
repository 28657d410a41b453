"""``sim check``, ``sim list`` and ``sim show``: scenario files."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.args import add_out, add_parser, add_quiet, add_set
from sim.errors import SimError


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
    from sim.scenario.paths import scenario_dir  # sim.scenario imports numpy

    folder = Path(args.folder) if args.folder else scenario_dir()
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise SimError(f"{folder}: no scenario files (*.toml) found")
    width = max(len(f.name) for f in files)
    for f in files:
        if args.quiet:
            print(f.name)
            continue
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

    text = to_toml(load_scenario(args.scenario, args.set))
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"show: {out}")
    else:
        print(text, end="")
    return 0


def register_scenario(sub: argparse._SubParsersAction) -> None:
    """``sim check``, ``sim list`` and ``sim show``."""
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
    add_quiet(p, "print only the file names, without titles (and without checking the files)")
    p.set_defaults(func=cmd_list)

    p = add_parser(
        sub,
        "show",
        "print the fully resolved scenario as TOML",
        "sim show scenarios/baseline.toml",
        "sim show scenarios/baseline.toml --set actors.JPN.milex_usd_bn=60 -o resolved.toml",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML)")
    add_set(p)
    add_out(p, "write the TOML to this file instead of standard output", metavar="FILE")
    add_quiet(p, "print only the TOML (or, with --out, its path); errors still appear")
    p.set_defaults(func=cmd_show)
