"""The ``sim`` command: the parser of every subcommand, and the error contract.

Every subcommand is a thin shell over the library. User errors (`sim.errors.SimError`)
become one line on stderr and exit status 2, with no traceback. Heavy imports (numpy,
pandas, mesa, matplotlib) happen inside the subcommands so ``sim --help`` and
``sim check`` start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sim.cli import calibrate, plot, query, run, scenario, sweep, validate, viz
from sim.cli.args import EXIT_USER_ERROR, Parser
from sim.errors import SimError

REGISTER: list = [
    scenario.register_scenario,
    run.register_demo,
    run.register_run,
    run.register_trace,
    query.register_runs,
    query.register_crises,
    query.register_export,
    sweep.register_sweep,
    viz.register_viz,
    plot.register_plot,
    plot.register_compare,
    plot.register_report,
    validate.register_validate,
    calibrate.register_calibrate,
]
"""Functions ``register(subparsers)`` called by `build_parser`, in the order of ``--help``."""


def build_parser() -> Parser:
    """Build the argument parser with every subcommand."""
    parser = Parser(prog="sim", description="Escalation-dynamics scenario simulator.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for register in REGISTER:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sim`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from sim._version import __version__

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
