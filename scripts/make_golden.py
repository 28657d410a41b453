"""Write the golden result tables: 200 runs of every shipped scenario, seed 7.

Usage::

    python scripts/make_golden.py [--out tests/golden]

`tests/test_golden_results.py` compares the engine with these files (the outcome table
in full, the annual table as one digest per series), so a refactor
that changes any outcome or annual value (a single bit) fails. Regenerate only on purpose,
for a model change, and say so in the commit.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

import sim

REPO = Path(__file__).resolve().parents[1]
RUNS = 200
SEED = 7


def annual_digest(annual: pd.DataFrame) -> pd.DataFrame:
    """One row per (metric, subject): row count and SHA-256 of its values by (run, year).

    The full annual table of 10 scenarios would weigh megabytes; the digest detects a
    change of a single bit and still says which series changed.
    """
    rows = []
    for (metric, subject), part in annual.groupby(["metric", "subject"], sort=True):
        part = part.sort_values(["run_id", "year"])
        values = np.ascontiguousarray(part["value"].to_numpy(dtype=np.float64))
        keys = np.ascontiguousarray(part[["run_id", "year"]].to_numpy(dtype=np.int64))
        digest = hashlib.sha256(keys.tobytes() + values.tobytes()).hexdigest()
        rows.append(
            {
                "metric": metric,
                "subject": subject,
                "rows": len(part),
                "sum": float(values.sum()),
                "sha256": digest,
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    """Write one folder per scenario with its outcome and annual tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "golden")
    args = parser.parse_args()
    for path in sorted((REPO / "scenarios").glob("*.toml")):
        with tempfile.TemporaryDirectory() as tmp:
            sim.run(path, runs=RUNS, seed=SEED, workers=1, out=Path(tmp) / "r")
            target = args.out / path.stem
            target.mkdir(parents=True, exist_ok=True)
            outcomes = pq.read_table(Path(tmp) / "r" / "outcomes.parquet")
            pq.write_table(
                outcomes, target / "outcomes.parquet", compression="zstd", compression_level=19
            )
            annual = pd.read_parquet(Path(tmp) / "r" / "annual.parquet")
            annual_digest(annual).to_csv(target / "annual_digest.csv", index=False)
        print(f"{path.stem}: written")


if __name__ == "__main__":
    main()
