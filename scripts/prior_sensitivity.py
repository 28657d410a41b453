r"""Prior sensitivity of the ten-year P(war): prior, posterior, and priors moved by +/-1 sd.

The record cannot identify the cost of war or China's misperception (docs/calibration.md,
sections 4 and 7c), so the headline P(war) leans on their priors. This script prints, per
theatre, the ten-year P(war) of the baseline with its runs drawing their calibrated
parameters

- from the prior (every calibrated crisis parameter, China's misperception and audience
  cost from the priors recorded in the shipped crisis posterior, the trigger response from
  its prior; folder written here),
- from the shipped posterior (``scenarios/posteriors/baseline-2022-history``),
- from the posteriors refitted with one prior moved down and up by one standard deviation
  on its log scale, each joined with the same trigger fit (``--refit LABEL=FOLDER``, any
  number). For a log-uniform prior on [lo, hi] the sd of log x is ln(hi / lo) / sqrt(12),
  and the support is divided or multiplied by e^sd:

    war cost, loguniform(0.05, 2): sd 1.065, factor 2.90
    sim calibrate scenarios/baseline.toml --vintage 2022 --particles 256 --runs 20 \
        --prior actors.CHN.misperception=loguniform:0.1:1 \
        --prior actors.CHN.audience_cost=uniform:0:0.5 \
        --prior theatres.senkaku.initiation_rate_multiplier=loguniform:0.25:4 \
        --out /tmp/sens-war-minus --prior model.crisis.war_cost=loguniform:0.01724:0.6896
    (and --prior model.crisis.war_cost=loguniform:0.145:5.8 for +1 sd)
    China's misperception, loguniform(0.1, 1): sd 0.665, factor 1.94
    (--prior actors.CHN.misperception=loguniform:0.0515:0.515 and =loguniform:0.194:1.94)
    python scripts/prior_sensitivity.py --refit "war-cost prior -1 sd=/tmp/sens-war-minus" ...

4,000 runs each, seed 1 (the same seeds, so differences are paired). Wilson 95% intervals.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

import sim
from sim.analysis.intervals import wilson
from sim.calibrate.priors import calibrated_parameters, to_natural
from sim.calibrate.store import MANIFEST, POSTERIOR, file_hash
from sim.engine.declare import Prior
from sim.hindcast import trigger_fit
from sim.hindcast.trigger_posterior import (
    THEATRE_KINDS,
    TriggerPosterior,
    trigger_columns,
    write_posterior,
)
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
SHIPPED = REPO / "scenarios" / "posteriors" / "baseline-2022-history"


def prior_folder(out: Path, draws: int = 1000, seed: int = 7) -> Path:
    """Write a posterior folder whose draws come from the priors (equal weights)."""
    scen = load_scenario(BASELINE)
    crisis = json.loads(
        (REPO / "scenarios" / "posteriors" / "baseline-2022" / MANIFEST).read_text()
    )
    priors = {
        p["path"]: Prior(p["prior"], p["lo"], p["hi"], p.get("why", ""))
        for p in crisis["parameters"]
    }
    chosen = calibrated_parameters(scen, only=list(priors), priors=priors)
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=(draws, len(chosen)))
    values = to_natural(chosen, np.log(u) - np.log1p(-u))  # z = logit(u): uniform on the unit scale
    columns = {c.path: values[:, d] for d, c in enumerate(chosen)}
    trig = TriggerPosterior("prior", trigger_fit.prior_draws(draws, seed), 0, 0, 0.0)
    columns.update(trigger_columns(trig, THEATRE_KINDS))
    columns["weight"] = np.full(draws, 1.0 / draws)
    out.mkdir(parents=True, exist_ok=True)
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), out / POSTERIOR)
    manifest = {
        "kind": "calibration",
        "status": "complete",
        "method": "draws from the priors (prior sensitivity)",
        "parameters": [{"path": p} for p in columns if p != "weight"],
        "posterior_sha256": file_hash(out / POSTERIOR),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return out


def p_war(posterior: Path, runs: int, seed: int) -> dict[str, tuple[int, int]]:
    """(wars, runs) per theatre of the baseline drawing from `posterior`."""
    with tempfile.TemporaryDirectory() as tmp:
        res = sim.run(BASELINE, runs=runs, seed=seed, out=Path(tmp) / "r", workers=1,
                      annual="off", overrides=[f"calibration.posterior={posterior}"])  # fmt: skip
        o = res.table("outcomes")
    return {t: (int(g["war"].sum()), len(g)) for t, g in o.groupby("theatre", sort=False)}


def main() -> int:
    """Print the table (Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--refit",
        action="append",
        default=[],
        metavar="LABEL=FOLDER",
        help="a crisis posterior refitted with a prior moved (any number)",
    )
    parser.add_argument("--runs", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    post = trigger_fit.fit(2022)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folders = {
            "prior": prior_folder(Path(tmp) / "prior"),
            "posterior (shipped)": SHIPPED,
        }
        for n, item in enumerate(args.refit):
            label, _, folder = item.partition("=")
            out = Path(tmp) / f"refit-{n}"
            folders[f"posterior, {label}"] = write_posterior(post, Path(folder), out, str(BASELINE))
        for label, folder in folders.items():
            for theatre, (k, n) in p_war(folder, args.runs, args.seed).items():
                lo, hi = wilson(k, n)
                rows.append({"draws from": label, "theatre": theatre, "wars": k, "runs": n,
                             "p_war": k / n, "low": lo, "high": hi})  # fmt: skip
    table = pd.DataFrame(rows)
    print("| draws from | theatre | P(war) in 10 years | 95% interval | wars / runs |")
    print("|---|---|---|---|---|")
    for r in table.to_dict("records"):
        print(f"| {r['draws from']} | {r['theatre']} | {r['p_war']:.2%} | "
              f"{r['low']:.2%}-{r['high']:.2%} | {r['wars']} / {r['runs']} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
