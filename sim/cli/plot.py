"""``sim plot``, ``sim compare`` and ``sim report``: parsers and handlers.

This module is imported when the ``sim`` parser is built, so it imports nothing heavy:
matplotlib, pandas and the figure modules load inside the handlers.

Shared vocabulary (`sim.cli.args`): ``-o/--out`` names what is written (``--output``
still works, deprecated), ``--format`` is a table's format and ``--figure-format`` an
image's, ``-q/--quiet`` hides progress and summaries, outcomes are ``MEASURE.THEATRE``
(``war.taiwan``, ``rung5.senkaku``; see `sim.analysis.outcome_names`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.args import (
    add_figure_format,
    add_format,
    add_out,
    add_quiet,
    deprecated,
)

KIND_NAMES = ("ladder", "war", "survival", "fan", "grievance", "response", "heatmap", "sensitivity")
"""Kinds listed in ``--help`` (the registry is `sim.plots.kinds.KINDS`)."""

OUTPUT_HELP = (
    "where to write: a file if one figure is drawn; with several, a folder, or a filename "
    "stem if it ends in .png/.svg/.pdf (--out out/x.png writes out/x-war.png ...)"
)
MEASURE_HELP = (
    "every outcomes.parquet column (war, blockade, seized, lost, max_rung, crises, ...) and "
    "rung4, rung5, crisis, joined_<ALLIANCE> (the full list: sim.analysis.outcome_names)"
)
QUIET_HELP = "print nothing but errors and the requested output"
TABLE_FORMATS = ("table", "csv", "markdown", "json")
TABLE_SUFFIXES = {".csv": "csv", ".md": "markdown", ".json": "json", ".txt": "table"}
TABLE_EXTENSIONS = {"csv": "csv", "markdown": "md", "json": "json", "table": "txt"}


def _load(folders):
    from sim.results.reader import load_results

    return [load_results(f) for f in folders]


def write_figures(plots, default_dir: Path, out: str | None, fmt: str | None) -> list[Path]:
    """Save `plots` under `out` (a folder or one file) or `default_dir`; return the paths."""
    from sim.plots.output import targets

    paths = targets([p.name for p in plots], default_dir, out, fmt)
    written = []
    for p, path in zip(plots, paths, strict=True):
        written.append(p.save(path, path.suffix.lstrip(".")))
        p.close()
    return written


def _is_sweep(results) -> bool:
    return results.manifest.get("kind") == "sweep"


def _say(args: argparse.Namespace, text: str, stream=None) -> None:
    if not getattr(args, "quiet", False):
        print(text, file=stream or sys.stdout)


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
        plots += kind.draw(
            [results],
            metric=args.metric,
            subject=args.subject,
            year=args.year,
            outcome=args.outcome,
        )
    for path in write_figures(plots, results.path / "figures", args.out, args.figure_format):
        _say(args, str(path))
    return 0


def _years(text: list[str] | None) -> list[int] | None:
    from sim.errors import SimError

    if not text:
        return None
    out = []
    for part in ",".join(text).split(","):
        if part.strip():
            try:
                out.append(int(part))
            except ValueError:
                raise SimError(
                    f"--years: {part!r} is not a year (e.g. --years 2025,2030)"
                ) from None
    return out


def _table_format(args: argparse.Namespace, out_file: Path | None) -> str:
    if args.format:
        return args.format
    if out_file is not None:
        return TABLE_SUFFIXES.get(out_file.suffix.lower(), "table")
    return "table"


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare result folders: a table of outcomes and differences, figures on request."""
    from sim.analysis.compare import compare_results, render
    from sim.errors import SimError
    from sim.plots import kinds as registry

    if len(args.folders) < 2:
        raise SimError("give at least two result folders to compare")
    choices = [k.name for k in registry.compare_kinds()]
    for n in args.kind or []:
        if n not in choices:
            raise SimError(f"unknown --kind {n!r} for compare; choose from {', '.join(choices)}")
    if args.kind and not args.figures:
        raise SimError("--kind chooses figures: add --figures")
    results = _load(args.folders)
    comparison = compare_results(results, _years(args.years), outcomes=args.outcome or ())
    # with --figures, --out is a folder (figures and compare.<ext>); else a file or stdout
    out_dir = None
    out_file = Path(args.out) if args.out and not args.figures else None
    if args.figures:
        out_dir = Path(args.out) if args.out else _figure_dir(results)
    fmt = _table_format(args, out_file)
    text = render(comparison, fmt, header=not args.quiet)
    if out_dir is not None and args.out:
        out_file = out_dir / f"compare.{TABLE_EXTENSIONS[fmt]}"
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
        _say(args, str(out_file), sys.stderr if out_dir is None else None)
        for w in comparison.warnings:
            print(w, file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if out_dir is not None:
        kinds = [registry.KINDS[n] for n in (args.kind or choices)]
        plots = []
        for kind in kinds:
            for p in kind.draw(results):
                p.name = f"compare-{p.name}"
                plots.append(p)
        for path in write_figures(plots, out_dir, str(out_dir), args.figure_format):
            _say(args, str(path), sys.stderr if out_file is None else None)
    return 0


def _figure_dir(results) -> Path:
    """Default folder of compare figures: under the first folder, named by the others."""
    others = "-".join(r.path.name for r in results[1:])
    return results[0].path / "figures" / f"compare-{others}"[:120]


def cmd_report(args: argparse.Namespace) -> int:
    """Write the self-contained HTML report of a result folder."""
    from sim.plots.report import write_report

    (results,) = _load([args.folder])
    out = Path(args.out) if args.out else results.path / "report.html"
    path = write_report(results, out, command=["sim", *sys.argv[1:]])
    _say(args, str(path))
    return 0


def _parser(sub: argparse._SubParsersAction, name: str, help: str, description: str, examples):
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    return sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _out(p: argparse.ArgumentParser, metavar: str, help: str) -> None:
    add_out(p, help, aliases=("--output",), metavar=metavar)


def _quiet(p: argparse.ArgumentParser) -> None:
    add_quiet(p, QUIET_HELP)


def register_plot(sub: argparse._SubParsersAction) -> None:
    """``sim plot``."""
    p = _parser(
        sub,
        "plot",
        "draw figures of a result folder",
        "Draw figures of a result folder. With no --kind, every figure that suits the folder, "
        "written to DIR/figures/. Sweep figures show an outcome (--outcome, default: the first "
        "of war, rung5, rung4, lost, max_rung that varies across the design points).",
        [
            "sim plot results/baseline --kind war --out war.svg",
            "sim plot results/my-sweep --kind response --outcome rung5.taiwan",
        ],
    )
    p.add_argument("folder", metavar="DIR", help="result folder (from sim run or sim sweep)")
    p.add_argument(
        "--kind",
        action="append",
        metavar="KIND",
        help=f"figure kind (repeatable): {', '.join(KIND_NAMES)}",
    )
    _out(p, "PATH", OUTPUT_HELP)
    add_figure_format(p, "png, svg or pdf (default: from the --out suffix, else png)")
    deprecated(p, "--format", "--figure-format", "figure_format", metavar="FMT")
    p.add_argument(
        "--outcome",
        default=None,
        metavar="MEASURE[.THEATRE]",
        help=f"sweeps: outcome to draw, e.g. war.taiwan or rung5 (all theatres); "
        f"measures: {MEASURE_HELP}",
    )
    p.add_argument(
        "--metric",
        default=None,
        help="fan: annual metric (e.g. milex_usd_bn); for sweeps, same as --outcome",
    )
    p.add_argument("--subject", default=None, help="fan: subject of the metric (e.g. JPN)")
    p.add_argument(
        "--year",
        type=int,
        default=None,
        help="grievance: calendar year (default: the last full year)",
    )
    _quiet(p)
    p.set_defaults(func=cmd_plot)


def register_compare(sub: argparse._SubParsersAction) -> None:
    """``sim compare``."""
    p = _parser(
        sub,
        "compare",
        "compare result folders: outcomes and differences with intervals",
        "Print, per theatre, P(war), P(blockade), P(rung >= 5), P(any crisis), P(lost) (the "
        "holder changed), any --outcome asked for, crises per year and the grey-zone "
        "activity, and per actor the military "
        "spending in chosen years, for each folder with its 95% interval and the difference "
        "from the first folder with its interval. Differences are paired (common random "
        "numbers) when the folders share seeds, e.g. runs with the same --seed; otherwise "
        "unpaired, with a warning. Figures only with --figures.",
        [
            "sim compare results/baseline results/no_talks",
            "sim compare results/baseline results/no_talks --format csv --out cmp.csv",
        ],
    )
    p.add_argument(
        "folders",
        nargs="+",
        metavar="DIR",
        help="ensemble result folders; the first is the reference the others are compared with",
    )
    p.add_argument(
        "--years",
        action="append",
        metavar="YEAR[,YEAR...]",
        help="calendar years of the spending and grey-zone metrics (default: the last full year)",
    )
    add_format(
        p,
        TABLE_FORMATS,
        None,
        "format of the table (default: table, or from the --out suffix .csv/.md/.json)",
    )
    _out(
        p,
        "PATH",
        "write the table to this file instead of stdout; with --figures, a folder that "
        "receives the figures and compare.<format>",
    )
    p.add_argument(
        "--outcome",
        action="append",
        metavar="OUTCOME",
        help="also compare this outcome (repeatable): MEASURE.THEATRE, e.g. seized.senkaku, "
        "or a combination, e.g. 'war.taiwan or blockade.taiwan' (the share of runs where it "
        f"holds); measures: {MEASURE_HELP}",
    )
    p.add_argument(
        "--figures",
        action="store_true",
        help="also draw war, ladder and survival figures side by side (under --out, "
        "default DIR1/figures/compare-DIR2.../)",
    )
    p.add_argument(
        "--kind",
        action="append",
        metavar="KIND",
        help="with --figures, figure kind (repeatable): ladder, war, survival",
    )
    add_figure_format(p, "with --figures: png, svg or pdf (default png)")
    _quiet(p)
    p.set_defaults(func=cmd_compare)


def register_report(sub: argparse._SubParsersAction) -> None:
    """``sim report``."""
    p = _parser(
        sub,
        "report",
        "write a self-contained HTML report of a result folder",
        "Write one HTML file with key findings, tables, figures, the paths to escalation, "
        "the resolved parameters and the provenance of a result folder (ensemble or sweep).",
        [
            "sim report results/baseline",
            "sim report results/my-sweep --out sweep-report.html",
        ],
    )
    p.add_argument("folder", metavar="DIR", help="result folder (from sim run or sim sweep)")
    _out(p, "FILE.html", "report file (default DIR/report.html)")
    _quiet(p)
    p.set_defaults(func=cmd_report)


REGISTER = [register_plot, register_compare, register_report]
"""Registration functions (`sim.cli.main.REGISTER` lists them)."""
