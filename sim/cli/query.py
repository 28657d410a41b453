"""``sim runs``, ``sim crises`` and ``sim export``: questions to a result folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.args import (
    add_out,
    add_parser,
    add_quiet,
)
from sim.errors import SimError


def cmd_runs(args: argparse.Namespace) -> int:
    """List the runs of a result folder whose outcomes match an expression."""
    from sim.analysis.query import format_runs, select_runs
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
    if args.quiet and args.out:
        print(f"runs: {args.out}")
    elif args.format == "table" or args.out:
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
    add_out(p, "write the list to this file instead of standard output", metavar="FILE")
    add_quiet(p, "print only the list (or, with --out, its path): no count line")
    p.set_defaults(func=cmd_runs)


def cmd_crises(args: argparse.Namespace) -> int:
    """List the crises of a result folder that match an expression over crisis columns."""
    from sim.analysis.query import format_runs, select_crises
    from sim.results.reader import load_results

    if args.limit is not None and args.limit < 0:
        raise SimError(f"--limit {args.limit}: give a number of crises, 0 or more")
    results = load_results(args.folder)
    table, total, count, matched_runs = select_crises(results, args.where, args.limit)
    text = format_runs(table, args.format)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"crises: {out}")
    else:
        print(text, end="")
    if args.format == "table" and not args.quiet:
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
    from sim.analysis.crisis_columns import CRISIS_COLUMNS

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
    add_out(p, "write the list to this file instead of standard output", metavar="FILE")
    add_quiet(p, "print only the list (or, with --out, its path): no count line")
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
