"""``sim validate``: run the hindcast ensemble and compare it with the observed series.

Imported when the ``sim`` parser is built, so nothing heavy is imported at module level.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_SCENARIO = Path("scenarios") / "hindcast_2013.toml"
DEFAULT_FIGURE = Path("results") / "hindcast" / "hindcast.png"
"""Default figure: under results/, so that following a tutorial never overwrites a tracked
file (the documentation's copy, docs/figures/hindcast.png, is written with --out)."""


def _default_scenario() -> Path:
    from sim.cli import shipped_scenario

    return shipped_scenario(DEFAULT_SCENARIO.name)


def _fmt(x: float, digits: int = 1) -> str:
    import math

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:,.{digits}f}"


def format_years(table) -> str:
    """Per series and observed year: observed, median, 5-95% band, inside or not."""
    lines = [
        f"{'series':<16} {'year':>4} {'fit':>3} {'observed':>9} {'median':>9} "
        f"{'5%':>9} {'95%':>9}  in 90%"
    ]
    for r in table.itertuples():
        lines.append(
            f"{r.series:<16} {r.year:>4} {r.sample:>3} {_fmt(r.observed):>9} "
            f"{_fmt(r.median):>9} {_fmt(r.q05):>9} {_fmt(r.q95):>9}  "
            f"{'yes' if r.in90 else 'NO'}"
        )
    return "\n".join(lines)


def format_summary(summary, pooled) -> str:
    """Per series and sample: coverage of the 90% (and 50%) band, MAPE, bias."""
    lines = [
        f"{'series':<16} {'sample':<13} {'years':>5} {'span':>9} {'cov90':>6} "
        f"{'cov50':>6} {'MAPE%':>7} {'bias%':>7} sign"
    ]
    names = {"in": "in (fitted)", "out": "out (held)"}
    for r in summary.itertuples():
        lines.append(
            f"{r.series:<16} {names[r.sample]:<13} {r.years:>5} {r.span:>9} "
            f"{r.coverage90:>6.2f} {r.coverage50:>6.2f} {_fmt(r.mape):>7} "
            f"{_fmt(r.bias):>7} {r.bias_sign:>4}"
        )
    lines.append("")
    for r in pooled.itertuples():
        lines.append(
            f"all series, {names[r.sample]:<13}: {r.observations} observations, "
            f"90% band covers {r.coverage90:.0%}, 50% band {r.coverage50:.0%}, "
            f"MAPE of the median {r.mape:.1f}%"
        )
    return "\n".join(lines)


def validate(
    scenario: str | Path,
    runs: int = 1000,
    seed: int | None = None,
    cutoff: int = 2018,
    workers: int | None = None,
):
    """Run the hindcast; return results, observed, years, arrays, table, summary, pooled."""
    import sim
    from sim.hindcast.observed import load_observed
    from sim.hindcast.stats import arrays_from_annual, compare, overall, summarise

    results = sim.run(scenario, runs=runs, seed=seed, out=None, workers=workers, annual="all")
    years, arrays = arrays_from_annual(results.annual)
    observed = load_observed(int(years[0]), int(years[-1]))
    table = compare(observed, arrays, years, cutoff)
    summary = summarise(table)
    pooled = overall(summary, table)
    return results, observed, years, arrays, table, summary, pooled


def print_fit(results, years, table, summary, pooled, cutoff: int) -> None:
    """Print the hindcast's header, the per-year table, the fit summary and the war check."""
    m = results.manifest
    print(
        f"{results.title}: {m['runs']:,} runs, seed {m['master_seed']}, "
        f"{int(years[0])}-{int(years[-1])}; fitted years up to {cutoff} "
        f"(plus the single Taiwan ADIZ point, 2020), held back after"
    )
    print()
    print(format_years(table))
    print()
    print(format_summary(summary, pooled))
    out = results.outcomes
    war_runs = out.groupby("run_id")["war"].any()
    print()
    print(
        f"runs with no war in any theatre over {int(years[0])}-{int(years[-1])}: "
        f"{(~war_runs).mean():.1%} (observed: no war)"
    )
    for th, g in out.groupby("theatre"):
        print(
            f"  {th}: war in {g['war'].mean():.1%} of runs, at least one crisis in "
            f"{(g['crises'] > 0).mean():.1%}, median crises {g['crises'].median():.0f}"
        )


def cmd_validate(args: argparse.Namespace) -> int:
    """Run the hindcast, print the fit tables, write the figure (and the table)."""
    from sim.errors import SimError

    if args.runs < 2:
        raise SimError(f"--runs must be at least 2 for quantile bands, got {args.runs}")
    scenario = Path(args.scenario) if args.scenario else _default_scenario()
    results, observed, years, arrays, table, summary, pooled = validate(
        scenario, args.runs, args.seed, args.cutoff, args.workers
    )
    m = results.manifest
    if not args.quiet:
        print_fit(results, years, table, summary, pooled, args.cutoff)
    from sim.hindcast.figure import draw

    caption = (
        f"{results.title}. {m['runs']:,} runs, seed {m['master_seed']}. Bands over runs; "
        f"filled points were fitted (to {args.cutoff}; Taiwan ADIZ 2020 is its only "
        f"point, fitted), open points held back. Scrambles are per Japanese fiscal "
        f"year. Data: SIPRI 2025 release (current USD), Japan Coast Guard/MOD via "
        f"press, Joint Staff, Taiwan MND via press (data/). Command: sim validate "
        f"--runs {m['runs']} --seed {m['master_seed']} --cutoff {args.cutoff}."
    )
    fig = draw(observed, arrays, years, args.cutoff, caption)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, metadata={"Software": "escalation-sim"})
    import matplotlib.pyplot as plt

    plt.close(fig)
    if not args.quiet:
        print()
    if args.table:
        tpath = Path(args.table)
        tpath.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(tpath, index=False, float_format="%.4g")
        summary.to_csv(
            tpath.with_name(tpath.stem + "-summary.csv"), index=False, float_format="%.4g"
        )
        print(f"table: {tpath} (and {tpath.stem}-summary.csv)")
    print(f"figure: {path}")
    sys.stdout.flush()
    return 0


def register_validate(sub: argparse._SubParsersAction) -> None:
    """``sim validate``."""
    from sim.cli import add_out, add_parser, add_quiet
    from sim.commands import add_workers

    p = add_parser(
        sub,
        "validate",
        "run the hindcast 2013-2024 and compare it with the observed series "
        "(fit in and out of sample, figure)",
        "sim validate --runs 1000",
        "sim validate --runs 2000 --cutoff 2016 --out results/hindcast-2016/fit.png "
        "--table results/hindcast-2016/fit.csv",
    )
    p.add_argument(
        "scenario",
        metavar="SCENARIO",
        nargs="?",
        default=None,
        help=f"hindcast scenario (default {DEFAULT_SCENARIO})",
    )
    p.add_argument("--runs", type=int, default=1000, help="number of runs (default 1000)")
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="master seed (default: the scenario's meta.seed, as in the calibration)",
    )
    p.add_argument(
        "--cutoff",
        type=int,
        default=2018,
        help="last fitted year; later observations are out of sample (default 2018)",
    )
    add_out(p, f"figure file (default {DEFAULT_FIGURE})", str(DEFAULT_FIGURE), ("--output",))
    p.add_argument(
        "--table",
        default=None,
        metavar="CSV",
        help="also write the per-year table (and CSV-summary.csv) here",
    )
    add_workers(p)
    add_quiet(p)
    p.set_defaults(func=cmd_validate)
