"""``sim plot``, ``sim compare`` and ``sim report``: parsers and handlers.

This module is imported when the ``sim`` parser is built, so it imports nothing heavy:
matplotlib, pandas and the figure modules load inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

KIND_NAMES = ("ladder", "war", "survival", "fan", "grievance", "response", "heatmap", "sensitivity")
"""Kinds listed in ``--help`` (the registry is `sim.plots.kinds.KINDS`)."""

OUTPUT_HELP = (
    "output: a file if one figure is drawn; with several, a folder, or a filename "
    "stem if it ends in .png/.svg/.pdf (-o out/x.png writes out/x-war.png ...)"
)


def _load(folders):
    from sim.results.reader import load_results

    return [load_results(f) for f in folders]


def _write(plots, default_dir: Path, out: str | None, fmt: str | None) -> list[Path]:
    from sim.plots.output import targets

    paths = targets([p.name for p in plots], default_dir, out, fmt)
    written = []
    for p, path in zip(plots, paths, strict=True):
        written.append(p.save(path, path.suffix.lstrip(".")))
        p.close()
    return written


def _is_sweep(results) -> bool:
    return results.manifest.get("kind") == "sweep"


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw the figures of one result folder."""
    from sim.plots import kinds as registry

    (results,) = _load([args.folder])
    names = list(args.kind or [])
    if not names:
        if (args.metric or args.subject) and not _is_sweep(results):
            names.append("fan")
        if args.year is not None:
            names.append("grievance")
    kinds = registry.resolve(names, results)
    plots = []
    for kind in kinds:
        plots += kind.draw([results], metric=args.metric, subject=args.subject, year=args.year)
    for path in _write(plots, results.path / "figures", args.output, args.format):
        print(path)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Draw several result folders side by side."""
    from sim.errors import SimError
    from sim.plots import kinds as registry

    if len(args.folders) < 2:
        raise SimError("give at least two result folders to compare")
    results = _load(args.folders)
    choices = [k.name for k in registry.compare_kinds()]
    for n in args.kind or []:
        if n not in choices:
            raise SimError(f"unknown --kind {n!r} for compare; choose from {', '.join(choices)}")
    kinds = [registry.KINDS[n] for n in (args.kind or choices)]
    plots = []
    for kind in kinds:
        for p in kind.draw(results):
            p.name = f"compare-{p.name}"
            plots.append(p)
    for path in _write(plots, Path("compare-figures"), args.output, args.format):
        print(path)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the self-contained HTML report of a result folder."""
    from sim.plots.report import write_report

    (results,) = _load([args.folder])
    out = Path(args.output) if args.output else results.path / "report.html"
    path = write_report(results, out, command=["sim", *sys.argv[1:]])
    print(path)
    return 0


def register_plot(sub: argparse._SubParsersAction) -> None:
    """``sim plot``."""
    p = sub.add_parser(
        "plot",
        help="draw figures of a result folder",
        description="Draw figures of a result folder. With no --kind, every "
        "figure that suits the folder, written to DIR/figures/.",
    )
    p.add_argument("folder", metavar="DIR")
    p.add_argument(
        "--kind",
        action="append",
        metavar="KIND",
        help=f"figure kind (repeatable): {', '.join(KIND_NAMES)}",
    )
    p.add_argument("-o", "--output", default=None, metavar="PATH", help=OUTPUT_HELP)
    p.add_argument(
        "--format", default=None, metavar="FMT", help="png, svg or pdf (default: from -o, else png)"
    )
    p.add_argument(
        "--metric",
        default=None,
        help="fan: annual metric (e.g. milex_usd_bn); "
        "sweeps: summary column (p_war, p_rung_ge5, mean_max_rung...)",
    )
    p.add_argument("--subject", default=None, help="fan: subject of the metric (e.g. JPN)")
    p.add_argument(
        "--year",
        type=int,
        default=None,
        help="grievance: calendar year (default: the last full year)",
    )
    p.set_defaults(func=cmd_plot)


def register_compare(sub: argparse._SubParsersAction) -> None:
    """``sim compare``."""
    p = sub.add_parser(
        "compare",
        help="draw several result folders side by side",
        description="War probability, ladder and survival curves of several "
        "scenarios side by side, labelled by scenario title; written to "
        "./compare-figures/ unless -o is given.",
    )
    p.add_argument("folders", nargs="+", metavar="DIR")
    p.add_argument(
        "--kind",
        action="append",
        metavar="KIND",
        help="figure kind (repeatable): ladder, war, survival",
    )
    p.add_argument("-o", "--output", default=None, metavar="PATH", help=OUTPUT_HELP)
    p.add_argument(
        "--format", default=None, metavar="FMT", help="png, svg or pdf (default: from -o, else png)"
    )
    p.set_defaults(func=cmd_compare)


def register_report(sub: argparse._SubParsersAction) -> None:
    """``sim report``."""
    p = sub.add_parser("report", help="write a self-contained HTML report of a result folder")
    p.add_argument("folder", metavar="DIR")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE.html",
        help="report file (default DIR/report.html)",
    )
    p.set_defaults(func=cmd_report)


REGISTER = [register_plot, register_compare, register_report]
"""Registration functions added to `sim.commands.REGISTER`."""
