"""Write the golden result tables: 200 runs of every shipped scenario, seed 7.

Usage, from the repository root (one command, about 10 s; it rewrites every folder)::

    .venv/bin/python scripts/make_golden.py [--out tests/golden]

This script is the one source of truth of the golden format and of its comparison;
`tests/e2e/test_golden_results.py` and `benchmarks/cpu_paths.py` import it. Per scenario it
writes `tests/golden/<scenario>/`:

- `outcomes.parquet`: the outcome table in full. Integer, boolean and string columns,
  and float columns whose values are all whole numbers (the months, float only to hold
  NaN), are compared exactly; other float columns within `GOLDEN_RTOL`.
- `annual_stats.csv`: per (metric, subject, year) over the runs: `n` values, `nan`
  count, `sum`, `sumsq`, `min`, `max` and `wsum` (sum of w * value, w = (run_id + 1) /
  runs, which moves when a value moves between runs). Sums are exact (`math.fsum`) so
  they depend on the values only. A statistic may differ from the golden one by
  `GOLDEN_RTOL` times its scale: `n * M` for `sum` and `wsum`, `n * M**2` for `sumsq`,
  `M` for `min` and `max`, M being the largest |value| of that (metric, subject, year).
  `n` and `nan` are compared exactly. (The annual values themselves, 80,000 per
  scenario, would weigh about 600 kB a scenario.)

Why a tolerance: numpy's SIMD exp/log/pow (AVX-512, AVX2, NEON loops) differ from each
other in the last bit, so the annual floats differ by up to about 2.5e-14 relative between a
CPU with AVX-512 and one without (`benchmarks/cpu_paths.py` measures it); a real model
change moves them by far more than 1e-9. See `docs/CONTRACTS.md`, section 6.

Regenerate only on purpose, for a model change, and say so in the commit.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

import sim

REPO = Path(__file__).resolve().parents[1]
RUNS = 200
SEED = 7
# Relative tolerance of the float comparisons. Measured between numpy's AVX-512 path and
# its AVX2 path (NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL"), 2,000 runs of every
# shipped scenario: no outcome differs, annual values (gdp, milex, capability only)
# differ by at most 2.5e-14 relative, the golden statistics (200 runs) by at most 1.6e-14 of
# their scale. 1e-9 is over 10^4 times above that and far below any real model change.
GOLDEN_RTOL = 1e-9
STATS = ["n", "nan", "sum", "sumsq", "min", "max", "wsum"]
EXACT_STATS = ["n", "nan"]
KEYS = ["metric", "subject", "year"]
OUTCOME_KEYS = ["run_id", "theatre"]


def whole(values: pd.Series) -> bool:
    """Say if a column is integer, boolean, string, or float with whole values only."""
    if not pd.api.types.is_float_dtype(values.dtype):
        return True
    x = values.to_numpy(dtype=np.float64)
    x = x[~np.isnan(x)]
    return bool(np.all(np.isfinite(x)) and np.all(x == np.round(x)))


def exact_columns(outcomes: pd.DataFrame) -> list[str]:
    """List the outcome columns compared exactly (see the module docstring)."""
    return [c for c in outcomes.columns if whole(outcomes[c])]


def annual_stats(annual: pd.DataFrame) -> pd.DataFrame:
    """Statistics over the runs of every (metric, subject, year) of an annual table."""
    runs = int(annual["run_id"].nunique())
    rows = []
    for (metric, subject, _), part in annual.groupby(KEYS, sort=True):
        values = part["value"].to_numpy(dtype=np.float64)
        weights = (part["run_id"].to_numpy(dtype=np.float64) + 1.0) / runs
        ok = ~np.isnan(values)
        x, w = values[ok], weights[ok]
        rows.append(
            {
                "metric": metric,
                "subject": subject,
                "year": int(part["year"].iloc[0]),
                "n": int(ok.sum()),
                "nan": int((~ok).sum()),
                "sum": math.fsum(x),
                "sumsq": math.fsum(x * x),
                "min": float(x.min()) if len(x) else math.nan,
                "max": float(x.max()) if len(x) else math.nan,
                "wsum": math.fsum(w * x),
            }
        )
    return pd.DataFrame(rows, columns=[*KEYS, *STATS])


def read_stats(path: Path) -> pd.DataFrame:
    """Read an `annual_stats.csv` (pandas reads back exactly the floats it wrote)."""
    return pd.read_csv(path)


def compare_stats(got: pd.DataFrame, golden: pd.DataFrame, rtol: float) -> pd.DataFrame:
    """One row per differing (metric, subject, year, stat): got, golden, rel (to scale).

    With rtol=0 every statistic is listed, with its relative difference (0 if equal).
    A (metric, subject, year) present on one side only is listed with stat `missing`.
    """
    m = got.merge(golden, on=KEYS, how="outer", suffixes=("", "_golden"), indicator=True)
    found = []
    gone = m[m["_merge"] != "both"]
    for _, r in gone.iterrows():
        side = "golden only" if r["_merge"] == "right_only" else "new, not in golden"
        found.append({**{k: r[k] for k in KEYS}, "stat": "missing", "got": side})
    m = m[m["_merge"] == "both"]
    big = np.maximum.reduce(
        [m[c].abs().fillna(0.0).to_numpy() for c in ("min", "max", "min_golden", "max_golden")]
    )
    n = np.maximum(m["n"].to_numpy(), m["n_golden"].to_numpy()).astype(np.float64)
    scale = {"sum": n * big, "wsum": n * big, "sumsq": n * big**2, "min": big, "max": big}
    for stat in STATS:
        a = m[stat].to_numpy(dtype=np.float64)
        b = m[f"{stat}_golden"].to_numpy(dtype=np.float64)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        if stat in EXACT_STATS:
            rel = np.where(same, 0.0, np.inf)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.where(same, 0.0, np.abs(a - b) / scale[stat])
            rel = np.where(np.isnan(rel), np.inf, rel)
        show = rel > rtol if rtol > 0 else np.ones(len(m), dtype=bool)
        for i in np.flatnonzero(show):
            row = m.iloc[i]
            found.append(
                {
                    **{k: row[k] for k in KEYS},
                    "stat": stat,
                    "got": a[i],
                    "golden": b[i],
                    "rel": rel[i],
                }
            )
    return pd.DataFrame(found, columns=[*KEYS, "stat", "got", "golden", "rel"])


def compare_outcomes(got: pd.DataFrame, golden: pd.DataFrame, rtol: float) -> list[str]:
    """Readable differences of two outcome tables (empty if they match)."""
    problems = []
    if list(got.columns) != list(golden.columns):
        return [f"columns {list(got.columns)} != golden {list(golden.columns)}"]
    dtypes = {c: (str(got[c].dtype), str(golden[c].dtype)) for c in got.columns}
    for col, (kind, kind_golden) in dtypes.items():
        if kind != kind_golden:
            problems.append(f"column {col}: dtype {kind} != golden {kind_golden}")
    m = got.merge(golden, on=OUTCOME_KEYS, how="outer", suffixes=("", "_golden"), indicator=True)
    if (m["_merge"] != "both").any():
        extra = m.loc[m["_merge"] != "both", [*OUTCOME_KEYS, "_merge"]]
        problems.append(f"rows on one side only:\n{extra.head(10).to_string(index=False)}")
        m = m[m["_merge"] == "both"]
    exact = set(exact_columns(golden))
    for col in got.columns:
        if col in OUTCOME_KEYS:
            continue
        a, b = m[col], m[f"{col}_golden"]
        both_na = a.isna() & b.isna()
        if col in exact:
            same = both_na | (a == b).fillna(False).astype(bool)
            how = "exactly"
        else:
            x, y = a.to_numpy(np.float64), b.to_numpy(np.float64)
            scale = np.maximum(np.abs(x), np.abs(y))
            with np.errstate(invalid="ignore"):
                close = np.abs(x - y) <= rtol * scale
            same = both_na | pd.Series(close, index=m.index)
            how = f"within rel {rtol:g}"
        if not same.all():
            bad = m.loc[~same, [*OUTCOME_KEYS, col, f"{col}_golden"]]
            problems.append(
                f"column {col} ({how}): {len(bad)} of {len(m)} rows differ, first:\n"
                f"{bad.head(10).to_string(index=False)}"
            )
    return problems


def write(path: Path, target: Path, runs: int = RUNS, seed: int = SEED) -> None:
    """Run one scenario and write its golden folder."""
    with tempfile.TemporaryDirectory() as tmp:
        sim.run(path, runs=runs, seed=seed, workers=1, out=Path(tmp) / "r")
        target.mkdir(parents=True, exist_ok=True)
        for old in target.iterdir():
            old.unlink()
        outcomes = pq.read_table(Path(tmp) / "r" / "outcomes.parquet")
        pq.write_table(
            outcomes, target / "outcomes.parquet", compression="zstd", compression_level=19
        )
        annual = pd.read_parquet(Path(tmp) / "r" / "annual.parquet")
        annual_stats(annual).to_csv(target / "annual_stats.csv", index=False)


def main() -> None:
    """Write one folder per scenario with its outcome table and annual statistics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "golden")
    args = parser.parse_args()
    for path in sorted((REPO / "scenarios").glob("*.toml")):
        write(path, args.out / path.stem)
        print(f"{path.stem}: written")


if __name__ == "__main__":
    main()
