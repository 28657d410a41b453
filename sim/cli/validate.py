"""``sim validate``: run the hindcast ensemble and compare it with the observed series.

Imported when the ``sim`` parser is built, so nothing heavy is imported at module level.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.args import (
    FIGURE_FORMATS,
    add_figure_format,
    add_out,
    add_parser,
    add_quiet,
    add_runs,
    add_workers,
)

DEFAULT_SCENARIO = Path("scenarios") / "hindcast_2013.toml"
DEFAULT_FIGURE = Path("results") / "hindcast" / "hindcast.png"
"""Default figure: under results/, so that following a tutorial never overwrites a tracked
file (the documentation's copy, docs/figures/hindcast.png, is written with --out)."""


def _default_scenario() -> Path:
    from sim.scenario.paths import shipped_scenario  # sim.scenario imports numpy

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


def format_scores(summary) -> str:
    """Per series and pooled: CRPS of the model and the simple forecasters, coverage, PIT."""
    head = (
        f"{'group':<10} {'series':<15} {'origins':<10} {'forecaster':<12} {'n':>3} "
        f"{'CRPS':>9} {'CRPS%':>6} {'skill/pers':>10} {'skill/trend':>11} "
        f"{'cov50':>6} {'cov90':>6}  PIT quintiles"
    )
    lines = [head]
    for r in summary.itertuples():
        crps = "-" if r.series == "all" else _fmt(r.crps, 2)
        lines.append(
            f"{r.group:<10} {r.series:<15} {r.origins:<10} {r.forecaster:<12} {r.n:>3} "
            f"{crps:>9} {r.crps_pct:>6.1f} {_skill(r.skill_vs_persistence):>10} "
            f"{_skill(r.skill_vs_trend):>11} {r.coverage50:>6.2f} {r.coverage90:>6.2f}  "
            f"{r.pit_hist}"
        )
    return "\n".join(lines)


def _skill(x: float) -> str:
    import math

    return "" if x is None or math.isnan(x) or abs(x) < 1e-12 else f"{x:+.0%}"


def forecast_scores(
    scenario: str | Path,
    observed,
    years,
    arrays,
    runs: int,
    seed: int | None,
    cutoff: int,
    rolling,
    workers: int | None = None,
):
    """Score the model and the simple forecasters on every held-back series.

    Spending is scored from `cutoff` with the ensemble `arrays` (the scenario as fitted up to
    `cutoff`); the series that stop in 2018 from each rolling origin in `rolling`, with an
    ensemble of the scenario under that origin's fitted overrides (`sim.hindcast.origins`).
    Returns the per-observation scores and their summary.
    """
    from sim.hindcast.origins import load_origin
    from sim.hindcast.scores import build_tasks, score_rows, score_task, summarise_scores
    from sim.hindcast.stats import arrays_from_annual
    from sim.runner.ensemble import run

    tasks = build_tasks(observed, cutoff, rolling)
    rows = []
    for origin, group in sorted(tasks.items()):
        ens_years, ens = years, arrays
        if origin != cutoff or any(t.group != "spending" for t in group):
            fit = load_origin(origin)
            # an origin sees no data after its cut-off: not the scenario's posterior either
            # (fitted up to 2018), so its crisis parameters are the judgement defaults it
            # was fitted with
            overrides = {**fit.overrides, "calibration.posterior": "none"}
            res = run(
                scenario,
                runs=runs,
                seed=seed,
                overrides=overrides,
                out=None,
                workers=workers,
                annual="all",
            )
            ens_years, ens = arrays_from_annual(res.annual)
        for task in group:
            rows += score_task(task, ens, ens_years, first_year=int(years[0]))
    scores = score_rows(rows)
    return scores, summarise_scores(scores)


def validate(
    scenario: str | Path,
    runs: int = 1000,
    seed: int | None = None,
    cutoff: int = 2018,
    workers: int | None = None,
):
    """Run the hindcast; return results, observed, years, arrays, table, summary, pooled."""
    from sim.hindcast.observed import load_observed
    from sim.hindcast.stats import arrays_from_annual, compare, overall, summarise
    from sim.runner.ensemble import run

    results = run(scenario, runs=runs, seed=seed, out=None, workers=workers, annual="all")
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
    if args.eras:
        return print_eras(args)
    if args.origins is not None:
        return print_origins(args)
    scenario = Path(args.scenario) if args.scenario else _default_scenario()
    results, observed, years, arrays, table, summary, pooled = validate(
        scenario, args.runs, args.seed, args.cutoff, args.workers
    )
    m = results.manifest
    scores, score_summary = forecast_scores(
        scenario,
        observed,
        years,
        arrays,
        args.runs,
        args.seed,
        args.cutoff,
        args.rolling,
        args.workers,
    )
    if args.format == "csv":
        score_summary.to_csv(sys.stdout, index=False, float_format="%.4g")
    elif not args.quiet:
        print_fit(results, years, table, summary, pooled, args.cutoff)
        print()
        print(
            f"Forecast scores: spending from {args.cutoff}; the series that stop in 2018 "
            f"from the rolling origins {', '.join(map(str, args.rolling)) or '(none)'}. "
            "CRPS% = CRPS / observed; skill = 1 - CRPS / CRPS of persistence or trend "
            "(> 0: better); PIT quintile counts (flat is calibrated)."
        )
        print(format_scores(score_summary))
    from sim.plots.hindcast import draw

    caption = (
        f"{results.title}. {m['runs']:,} runs, seed {m['master_seed']}. Bands over runs; "
        f"filled points were fitted (to {args.cutoff}; Taiwan ADIZ 2020 is its only "
        f"point, fitted), open points held back. Scrambles are per Japanese fiscal "
        f"year. Data: SIPRI 2025 release (current USD), Japan Coast Guard/MOD via "
        f"press, Joint Staff, Taiwan MND via press (data/). Command: sim validate "
        f"--runs {m['runs']} --seed {m['master_seed']} --cutoff {args.cutoff}."
    )
    fig = draw(observed, arrays, years, args.cutoff, caption)
    path = figure_path(args.out, args.figure_format)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, metadata=_metadata(path))
    import matplotlib.pyplot as plt

    plt.close(fig)
    from sim.plots.hindcast import draw_scores

    spath = path.with_name(path.stem + "-scores" + path.suffix)
    rolling = ", ".join(map(str, args.rolling)) or "none"
    score_caption = (
        f"{results.title}. {m['runs']:,} runs per ensemble, seed {m['master_seed']}. Spending "
        f"2019-2024 scored from the fit up to {args.cutoff}; Senkaku days and scrambles from "
        f"the rolling origins ({rolling}: each refitted on the years up to it). Persistence: "
        "normal around the last fitted value, random-walk spread; trend: least-squares line "
        "of the fitted years, normal with its prediction spread. Command: sim validate "
        f"--runs {m['runs']} --seed {m['master_seed']} --cutoff {args.cutoff}."
    )
    fig = draw_scores(score_summary, score_caption)
    fig.savefig(spath, dpi=150, metadata=_metadata(spath))
    plt.close(fig)
    # with --format csv, stdout holds only the CSV: the paths go to stderr
    report = sys.stderr if args.format == "csv" else sys.stdout
    if not args.quiet and args.format != "csv":
        print()
    if args.table:
        tpath = Path(args.table)
        tpath.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(tpath, index=False, float_format="%.4g")
        summary.to_csv(
            tpath.with_name(tpath.stem + "-summary.csv"), index=False, float_format="%.4g"
        )
        scores.to_csv(tpath.with_name(tpath.stem + "-scores.csv"), index=False, float_format="%.4g")
        score_summary.to_csv(
            tpath.with_name(tpath.stem + "-scores-summary.csv"), index=False, float_format="%.4g"
        )
        print(
            f"table: {tpath} (and {tpath.stem}-summary.csv, {tpath.stem}-scores.csv, "
            f"{tpath.stem}-scores-summary.csv)",
            file=report,
        )
    print(f"figure: {path} (and {spath.name})", file=report)
    sys.stdout.flush()
    return 0


def _metadata(path: Path) -> dict[str, str]:
    key = {".png": "Software", ".pdf": "Creator", ".svg": "Creator"}[path.suffix.lower()]
    return {key: "escalation-sim"}


def figure_path(out: str, fmt: str | None) -> Path:
    """Return the hindcast figure's path: ``OUT/hindcast.FMT`` for a folder, else OUT."""
    from sim.errors import SimError

    if fmt is not None and fmt not in FIGURE_FORMATS:
        raise SimError(f"--figure-format {fmt}: choose png, svg or pdf")
    path = Path(out)
    if path.suffix.lower().lstrip(".") in FIGURE_FORMATS:
        return path.with_suffix("." + fmt) if fmt else path
    return path / DEFAULT_FIGURE.with_suffix("." + (fmt or "png")).name


def print_origins(args: argparse.Namespace) -> int:
    """Run the rolling-origin suite: fit at each origin, score what followed (docs/hindcast.md)."""
    from sim.hindcast import greyzone_origins, rolling

    origins = tuple(args.origins) or rolling.ORIGINS
    seed = 1 if args.seed is None else args.seed
    from sim.scenario.paths import scenario_dir  # sim.scenario imports numpy

    triggers = rolling.origins_table(origins, scenario_dir(), args.runs, seed)
    _, greyzone = greyzone_origins.origin_scores(origins, args.runs, seed, workers=args.workers)
    if args.format == "csv":
        sys.stdout.write(rolling.format_origins(triggers, "csv"))
        print()
        greyzone.to_csv(sys.stdout, index=False, float_format="%.4g")
        return 0
    fmt = "markdown" if args.format == "markdown" else "table"
    print(
        f"Rolling origins {', '.join(map(str, origins))}: each fitted with data up to the origin "
        f"only; {args.runs:,} runs per simulated forecast, seed {seed}."
    )
    print()
    print(
        "Trigger response (Taiwan): P(crisis | trigger) fitted on the occurrences up to the "
        "origin, Brier score on those after it (to 2025; lower is better) against a fixed "
        "chance per kind and one constant chance; the crisis count where a scenario starts "
        "at the origin (2023-02 to 2025-12 from the baseline, Joint Sword 2023 unscripted)."
    )
    print(rolling.format_origins(triggers, fmt))
    print(
        "Grey zone: forecasts started from the last observation at the origin; CRPS as % of "
        "the observation (lower is better), 90% coverage, skill = 1 - CRPS / CRPS of the "
        "benchmark (> 0: the model is better). Most observations after 2018 are UNVERIFIED."
    )
    pooled = greyzone[greyzone["series"] == "all"]
    if fmt == "markdown":
        print(greyzone_origins.format_markdown(pooled))
    else:
        print(pooled.to_string(index=False, float_format=lambda x: f"{x:.3g}"))
    return 0


def print_eras(args: argparse.Namespace) -> int:
    """Run the historical scenario 2000-2022 and score its crisis counts per era."""
    from sim.hindcast import eras
    from sim.scenario.paths import scenario_dir  # sim.scenario imports numpy

    seed = 1 if args.seed is None else args.seed
    frame, zeros = eras.era_table(args.runs, seed, scenario_dir(), workers=args.workers)
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False, float_format="%.4g")
        return 0
    if not args.quiet:
        print(
            f"Eras 2000-2022 (scenarios/{eras.SCENARIO}, in-sample): crisis counts per "
            f"government in Taipei against the named crises and COW MID onsets; "
            f"{args.runs:,} runs, seed {seed}. PIT: share of runs below the record plus half "
            "of those equal (0.5 is the middle)."
        )
    if args.format == "markdown":
        print(eras.format_markdown(frame, zeros))
    else:
        print(
            frame.drop(columns=["first", "last"]).to_string(
                index=False, float_format=lambda x: f"{x:.3g}"
            )
        )
        print(eras.format_markdown(frame, zeros).split("\n\n", 1)[1].strip())
    return 0


def register_validate(sub: argparse._SubParsersAction) -> None:
    """``sim validate``."""
    p = add_parser(
        sub,
        "validate",
        "run the hindcast 2013-2024 and compare it with the observed series "
        "(fit in and out of sample, forecast scores against persistence and trend, figures)",
        "sim validate --runs 1000",
        "sim validate --runs 2000 --format csv > results/hindcast-scores.csv",
    )
    p.add_argument(
        "scenario",
        metavar="SCENARIO",
        nargs="?",
        default=None,
        help=f"hindcast scenario (default {DEFAULT_SCENARIO})",
    )
    add_runs(p)
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
    p.add_argument(
        "--rolling",
        type=int,
        nargs="*",
        default=[2015, 2016],
        metavar="YEAR",
        help="rolling origins the series that stop in 2018 are scored from (fits in "
        "sim/hindcast/origins/; default 2015 2016; none: skip them)",
    )
    p.add_argument(
        "--origins",
        type=int,
        nargs="*",
        default=None,
        metavar="YEAR",
        help="run the rolling-origin suite instead (default origins 2012 2016 2019 2022): "
        "fit the trigger response with data up to each origin, score it after, and score "
        "grey-zone forecasts started from the state observed there",
    )
    p.add_argument(
        "--eras",
        action="store_true",
        help="run the historical scenario 2000-2022 instead and score its crisis counts per "
        "era (governments in Taipei) against the named crises and COW MID onsets",
    )
    p.add_argument(
        "--format",
        choices=["table", "csv", "markdown"],
        default="table",
        help="table: the tables as text (default); csv: only the scores, as CSV on standard "
        "output; markdown: the rolling-origin tables as Markdown (with --origins)",
    )
    add_out(
        p,
        f"folder of the figures (default {DEFAULT_FIGURE.parent}): {DEFAULT_FIGURE.name} and "
        f"{DEFAULT_FIGURE.stem}-scores.png; a file name (x.png) still names the first figure",
        str(DEFAULT_FIGURE.parent),
        ("--output",),
    )
    add_figure_format(p, "png, svg or pdf (default: from an --out file name, else png)")
    p.add_argument(
        "--table",
        default=None,
        metavar="CSV",
        help="also write the per-year table here (and CSV-summary.csv, CSV-scores.csv, "
        "CSV-scores-summary.csv)",
    )
    add_workers(p)
    add_quiet(p)
    p.set_defaults(func=cmd_validate)
