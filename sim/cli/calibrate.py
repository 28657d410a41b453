"""``sim calibrate``: the command line of `sim.calibrate.run`.

Imported when the ``sim`` parser is built, so nothing heavy is imported at module level.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.args import (
    add_out,
    add_parser,
    add_quiet,
    add_set,
)

DEFAULT_TARGETS = "data/calibration_targets.csv"


def _progress(quiet: bool):
    """Return a callback printing one line per step to stderr (None when quiet)."""
    if quiet:
        return None

    def show(state, runs: int) -> None:
        end = "\n" if not sys.stderr.isatty() else "\r"
        print(
            f"step {state.step:3d}  temperature {state.beta:5.3f}  "
            f"moves {state.moves}  runs {runs:,}",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    return show


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit (or resume fitting) and print where the posterior is and how it checks."""
    import json

    from sim.calibrate.priors import parse_prior
    from sim.calibrate.run import calibrate, resume
    from sim.errors import SimError
    from sim.runner.sizing import stderr_notice

    progress = _progress(args.quiet)
    try:
        if args.resume:
            if args.scenario or args.out:
                raise SimError("--resume DIR takes no SCENARIO or --out: the folder holds them")
            out = resume(
                args.resume, workers=args.workers, scheduler=args.scheduler, progress=progress
            )
        else:
            if not args.scenario or not args.out:
                raise SimError("give a SCENARIO and --out DIR (or --resume DIR)")
            out = calibrate(
                args.scenario,
                args.targets,
                args.out,
                vintage=args.vintage,
                particles=args.particles,
                runs=args.runs,
                seed=args.seed,
                params=args.param or (),
                priors=dict(parse_prior(t) for t in args.prior or ()),
                overrides=args.set,
                workers=args.workers,
                scheduler=args.scheduler,
                force=args.force,
                progress=progress,
                command=["sim", *sys.argv[1:]],
                notify=None if args.quiet else stderr_notice("calibrate"),
            )
    except KeyboardInterrupt:
        where = args.resume or args.out
        print(
            f"\nsim calibrate: interrupted; finished steps are kept in {where}; "
            f"finish with: sim calibrate --resume {where}",
            file=sys.stderr,
        )
        return 130
    if progress:
        print(file=sys.stderr)
    diag = json.loads((Path(out) / "diagnostics.json").read_text())
    if not args.quiet:
        print(format_diagnostics(diag))
    print(f"posterior: {out}/posterior.parquet (figures in {out}/figures/)")
    return 0


def format_diagnostics(diag: dict) -> str:
    """Posterior medians and 90% intervals, contraction, and the predictive coverage."""
    lines = [f"{'parameter':<42} {'median':>9} {'5%':>9} {'95%':>9} {'contraction':>11}"]
    for path, s in diag["posterior"].items():
        lines.append(
            f"{path:<42} {s['median']:>9.4g} {s['q05']:>9.4g} {s['q95']:>9.4g} "
            f"{diag['contraction'][path]:>11.2f}"
        )
    lines.append(
        f"posterior predictive: {diag['predictive_coverage90']:.0%} of targets inside their "
        f"90% interval, {diag['predictive_coverage50']:.0%} inside 50%; "
        f"{diag['steps']} steps, {diag['simulated_runs']:,} runs"
    )
    return "\n".join(lines)


def register_calibrate(sub: argparse._SubParsersAction) -> None:
    """``sim calibrate``."""
    p = add_parser(
        sub,
        "calibrate",
        "fit the calibratable parameters to data (likelihood-free Bayesian, tempered SMC)",
        "sim calibrate scenarios/baseline.toml --vintage 2022 --out results/cal",
        "sim calibrate scenarios/baseline.toml --param model.crisis.war_cost --out results/w",
        "sim calibrate --resume results/cal",
    )
    p.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario file (TOML)")
    p.add_argument(
        "--targets",
        default=DEFAULT_TARGETS,
        metavar="FILE",
        help=f"targets CSV (default {DEFAULT_TARGETS}; docs/calibration.md)",
    )
    p.add_argument("--vintage", type=int, default=None, help="use the targets of this vintage")
    add_out(p, "calibration folder (posterior, diagnostics, figures)", metavar="DIR")
    p.add_argument("--particles", type=int, default=256, help="population size (default 256)")
    p.add_argument("--runs", type=int, default=20, help="runs per particle and step (default 20)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    p.add_argument(
        "--param",
        action="append",
        metavar="PATH",
        help="calibrate only this parameter (repeatable; default: every calibratable one)",
    )
    p.add_argument(
        "--prior",
        action="append",
        metavar="PATH=KIND:LO:HI",
        help="replace a parameter's declared prior (repeatable), e.g. "
        "model.crisis.war_cost=loguniform:0.02:0.7, for a prior-sensitivity refit",
    )
    p.add_argument("--workers", type=int, default=1, help="local worker processes")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask scheduler")
    p.add_argument("--resume", metavar="DIR", help="continue an interrupted calibration")
    p.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    add_set(p)
    add_quiet(p)
    p.set_defaults(func=cmd_calibrate)
