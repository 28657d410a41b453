"""Fit the Taiwan trigger response at an origin and ship it with a crisis posterior.

Usage (from the repository folder)::

    .venv/bin/python scripts/fit_trigger_response.py --origin 2022 \
        --crisis scenarios/posteriors/baseline-2022 \
        --out scenarios/posteriors/baseline-2022-history

prints the posterior summary (median and 90% interval of each engine parameter), the
occurrence rates per kind at the origin (`sim.hindcast.trigger_rates`) and the crisis memory at the
month after it, and writes the joint posterior folder that ``[calibration] posterior``
names (`sim.hindcast.trigger_posterior`). The fit is a pure function of the record up to
the origin and the seed (docs/calibration.md, "Trigger response").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.hindcast import record, trigger_fit, trigger_rates
from sim.hindcast.trigger_posterior import write_posterior


def main() -> int:
    """Fit, print, write."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--origin", required=True, help="last year (YYYY) or month (YYYY-MM) of data used"
    )
    parser.add_argument("--crisis", type=Path, help="crisis posterior (a sim calibrate folder)")
    parser.add_argument("--out", type=Path, help="joint posterior folder to write")
    parser.add_argument("--scenario", default="scenarios/baseline.toml")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--at-year",
        type=int,
        help="year whose propensity the chances are at (a scenario starting before the "
        "origin: the historical run, history_2000.toml uses 2000)",
    )
    parser.add_argument(
        "--no-rates",
        action="store_true",
        help="do not carry rate draws (a scenario whose triggers are dated, not Poisson)",
    )
    args = parser.parse_args()
    post = trigger_fit.fit(args.origin, seed=args.seed)
    print(
        f"origin {post.origin}: {post.occurrences} occurrences, {post.crises} answered by a "
        f"named crisis; Metropolis acceptance {post.acceptance:.2f}"
    )
    for name, (median, low, high) in post.summary().items():
        print(f"  {name:34s} {median:7.3f}  [{low:.3f}, {high:.3f}]")
    if not args.no_rates:
        fitted = trigger_rates.fit(args.origin)
        low, median, high = fitted.sigma_quantiles()
        print(f"trigger rates (local level), volatility {median:.2f} [{low:.2f}, {high:.2f}]")
        for kind, (mid, lo, hi) in fitted.rate_summary().items():
            print(f"  {kind:34s} {mid:7.2f}  [{lo:.2f}, {hi:.2f}] a year in {fitted.origin[:4]}")
    start = record.add_months(post.origin, 1)
    print(f"crisis memory at {start}: {trigger_fit.memory_at(start):.4f}")
    ids = None
    if args.at_year is not None:  # a dated scenario may split a kind over several items
        import tomllib

        from sim.hindcast.trigger_posterior import THEATRE_KINDS

        with open(args.scenario, "rb") as fh:
            present = [t.get("id", "") for t in tomllib.load(fh).get("triggers", [])]
        ids = {
            kind: tuple(i for i in present if i == base or i.startswith(base + "-"))
            for kind, base in THEATRE_KINDS.items()
        }
    if args.crisis and args.out:
        write_posterior(post, args.crisis, args.out, args.scenario, args.seed,
                        command=[sys.executable, *sys.argv], at_year=args.at_year, ids=ids,
                        rates=not args.no_rates)  # fmt: skip
        print(f"posterior: {args.out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
