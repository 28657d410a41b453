"""``sim viz``: serve the browser explorer (`sim.viz.launch` starts the server)."""

from __future__ import annotations

import argparse

from sim.cli.args import add_quiet
from sim.viz.launch import DEFAULT_PORT, cmd_viz


def register_viz(sub: argparse._SubParsersAction) -> None:
    """``sim viz``."""
    p = sub.add_parser(
        "viz",
        help="explore runs and result folders in the browser",
        description=(
            "Serve the explorer: step one run of a scenario month by month (tab 'Explore a "
            "run'), and show whole result folders, compare two and replay any run by id "
            "(tab 'Result folders')."
        ),
        epilog=(
            "examples:\n"
            "  sim viz scenarios/baseline.toml --seed 42\n"
            "  sim viz scenarios/baseline.toml --results results/baseline "
            "--results results/no_talks"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default=None,
        metavar="SCENARIO",
        help="scenario file (or use --run, or only --results to start with run 0 of a folder)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the first run (default: run 0 of the scenario's master seed)",
    )
    p.add_argument(
        "--run",
        default=None,
        metavar="DIR:RUN_ID",
        help="replay run RUN_ID of a result folder (its stored scenario and seed)",
    )
    p.add_argument(
        "--results",
        action="append",
        default=None,
        metavar="DIR",
        help="result folder for the 'Result folders' tab (repeat to compare two or more)",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    add_quiet(p, "hide the server's own log; the address line and errors still appear")
    p.set_defaults(func=cmd_viz)
