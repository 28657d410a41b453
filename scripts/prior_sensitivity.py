r"""Prior sensitivity of the ten-year P(war): prior, posterior, and the prior moved by +/-1 sd.

The record cannot identify the cost of war (docs/calibration.md, section 4), so the headline
P(war) leans on its prior. This script prints, per theatre, the ten-year P(war) of the
baseline with its runs drawing their calibrated parameters

- from the prior (every calibrated crisis parameter from its declared prior, the trigger
  response from its prior; folder written here),
- from the shipped posterior (``scenarios/posteriors/baseline-2022-history``),
- from the posteriors refitted with the war cost's prior moved down and up by one standard
  deviation on its log scale (loguniform(0.05, 2): sd of log x = ln(40)/sqrt(12) = 1.065,
  so the support is divided or multiplied by e^1.065 = 2.90), each joined with the same
  trigger fit:

    sim calibrate scenarios/baseline.toml --vintage 2022 --particles 256 --runs 20 \
        --out /tmp/sens-minus --prior model.crisis.war_cost=loguniform:0.01724:0.6896
    sim calibrate scenarios/baseline.toml --vintage 2022 --particles 256 --runs 20 \
        --out /tmp/sens-plus --prior model.crisis.war_cost=loguniform:0.145:5.8
    python scripts/prior_sensitivity.py --minus /tmp/sens-minus --plus /tmp/sens-plus

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
    chosen = calibrated_parameters(scen)
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
    parser.add_argument("--minus", type=Path, required=True, help="refit, prior moved -1 sd")
    parser.add_argument("--plus", type=Path, required=True, help="refit, prior moved +1 sd")
    parser.add_argument("--runs", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    post = trigger_fit.fit(2022)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folders = {
            "prior": prior_folder(Path(tmp) / "prior"),
            "posterior (shipped)": SHIPPED,
            "posterior, war-cost prior -1 sd": write_posterior(
                post, args.minus, Path(tmp) / "minus", str(BASELINE)
            ),
            "posterior, war-cost prior +1 sd": write_posterior(
                post, args.plus, Path(tmp) / "plus", str(BASELINE)
            ),
        }
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
