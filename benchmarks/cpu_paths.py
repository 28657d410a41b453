"""How much do results differ between numpy's AVX-512 path and its path without AVX-512?

Runs every shipped scenario twice, each time in a fresh process: once as numpy starts
by default, once with `NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL"` (numpy then
dispatches its exp/log/pow to the AVX2 loops, as on a CPU without AVX-512; on ARM other
loops again). Same seed, same runs. It then prints, per scenario:

- how many outcome rows differ in any integer, boolean or string column (and in the
  whole-valued float columns: the months), listing the first few;
- the largest relative difference of the annual float values, and how many differ at
  all (a difference in a count series means a discrete event flipped in that run);
- the same for the golden annual statistics (`scripts/make_golden.py`), against the
  tolerance the golden test uses.

Usage, from the repository root (2,000 runs of all 10 scenarios take about a minute)::

    .venv/bin/python benchmarks/cpu_paths.py [--runs 2000] [--seed 7] [scenario ...]

Meaningful only on a CPU with AVX-512 (the host line says which CPU): without it both
processes take the same path and every figure is zero. The figures go in
`docs/CONTRACTS.md` (section 6) and justify `GOLDEN_RTOL` in `scripts/make_golden.py`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import REPO, host_line

DISABLE = "X86_V4 AVX512_ICL"

_spec = importlib.util.spec_from_file_location("make_golden", REPO / "scripts" / "make_golden.py")
assert _spec is not None and _spec.loader is not None
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)


def child(out: Path, runs: int, seed: int, names: list[str]) -> None:
    """Run the scenarios in this process (started with or without the variable)."""
    from numpy._core._multiarray_umath import __cpu_features__ as features

    import sim

    for name in names:
        sim.run(
            REPO / "scenarios" / f"{name}.toml", runs=runs, seed=seed, workers=1, out=out / name
        )
    (out / "features.json").write_text(
        json.dumps({k: bool(features[k]) for k in ("AVX512_SKX", "AVX512_ICL", "AVX2")})
    )


def spawn(out: Path, runs: int, seed: int, names: list[str], disable: bool) -> None:
    """Start `child` in a fresh interpreter: numpy reads the variable at import."""
    env = dict(os.environ)
    env.pop("NPY_DISABLE_CPU_FEATURES", None)
    if disable:
        env["NPY_DISABLE_CPU_FEATURES"] = DISABLE
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, __file__, "--child", str(out), "--runs", str(runs)]
    subprocess.run([*cmd, "--seed", str(seed), *names], env=env, check=True)


def compare(name: str, a: Path, b: Path) -> dict[str, float]:
    """Print and return the differences of one scenario between the two paths."""
    import numpy as np
    import pandas as pd

    oa = pd.read_parquet(a / name / "outcomes.parquet")
    ob = pd.read_parquet(b / name / "outcomes.parquet")
    exact = make_golden.exact_columns(oa)
    keys = ["run_id", "theatre"]
    m = oa.merge(ob, on=keys, suffixes=("", "_b"), how="outer", indicator=True)
    bad = m["_merge"] != "both"
    for col in exact:
        if col in keys:
            continue
        x, y = m[col], m[f"{col}_b"]
        bad |= ~((x == y) | (x.isna() & y.isna()))
    flt = [c for c in oa.columns if c not in exact]
    out_rel = 0.0
    for col in flt:
        out_rel = max(out_rel, _max_rel(m[col].to_numpy(), m[f"{col}_b"].to_numpy()))

    aa = pd.read_parquet(a / name / "annual.parquet")
    ab = pd.read_parquet(b / name / "annual.parquet")
    keys_a = ["metric", "subject", "run_id", "year"]
    j = aa.merge(ab, on=keys_a, suffixes=("", "_b"), how="outer", indicator=True)
    missing = int((j["_merge"] != "both").sum())
    va, vb = j["value"].to_numpy(), j["value_b"].to_numpy()
    differ = ~((va == vb) | (np.isnan(va) & np.isnan(vb)))
    series_differ = sorted(set(map(tuple, j.loc[differ, ["metric", "subject"]].to_numpy())))
    count_series = [
        s for s, part in aa.groupby(["metric", "subject"]) if make_golden.whole(part["value"])
    ]
    count_differ = [s for s in series_differ if s in count_series]
    rel = _max_rel(va, vb)

    sa = make_golden.annual_stats(aa)
    sb = make_golden.annual_stats(ab)
    stat_rel = make_golden.compare_stats(sb, sa, rtol=0.0)["rel"].max()
    stat_rel = 0.0 if np.isnan(stat_rel) else float(stat_rel)

    print(
        f"{name:18s} outcome rows {len(oa):6d}, differing {int(bad.sum()):3d}"
        f"{f', float max rel {out_rel:.1e}' if flt else ''}; annual values {len(aa):7d}, "
        f"differing {int(differ.sum()):6d} (missing {missing}) in "
        f"{len(series_differ)} series ({len(count_differ)} count series), "
        f"max rel {rel:.2e}; golden statistics max rel {stat_rel:.2e}"
    )
    if bad.any():
        print(m.loc[bad, [*keys, *[c for c in exact if c not in keys]]].head(5).to_string())
    if series_differ:
        print(f"{'':18s} series differing: {', '.join('/'.join(s) for s in series_differ)}")
    return {
        "outcome_rows_differing": float(bad.sum()),
        "annual_rel": rel,
        "stat_rel": stat_rel,
        "count_series_differing": float(len(count_differ)),
    }


def _max_rel(x: Any, y: Any) -> float:
    """Largest |x - y| / max(|x|, |y|) over the pairs that are not both NaN (0 if none)."""
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    both_nan = np.isnan(x) & np.isnan(y)
    one_nan = np.isnan(x) ^ np.isnan(y)
    if one_nan.any():
        return float("inf")
    keep = ~both_nan & (x != y)
    if not keep.any():
        return 0.0
    scale = np.maximum(np.abs(x[keep]), np.abs(y[keep]))
    return float(np.max(np.abs(x[keep] - y[keep]) / scale))


def main() -> None:
    """Run both paths, compare, print a line per scenario and a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=make_golden.SEED)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("names", nargs="*", help="scenario names (default: every shipped one)")
    args = parser.parse_args()
    names = args.names or sorted(p.stem for p in (REPO / "scenarios").glob("*.toml"))
    if args.child:
        child(args.child, args.runs, args.seed, names)
        return
    print(host_line())
    print(f"runs {args.runs} per scenario, seed {args.seed}; second path: {DISABLE!r} disabled")
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "default", Path(tmp) / "disabled"
        spawn(a, args.runs, args.seed, names, disable=False)
        spawn(b, args.runs, args.seed, names, disable=True)
        fa = json.loads((a / "features.json").read_text())
        fb = json.loads((b / "features.json").read_text())
        print(f"numpy dispatch: default {fa}; with the variable {fb}")
        figures = {name: compare(name, a, b) for name in names}
    rows = sum(f["outcome_rows_differing"] for f in figures.values())
    counts = sum(f["count_series_differing"] for f in figures.values())
    print(
        f"summary: outcome rows differing {int(rows)}; count series differing {int(counts)}; "
        f"annual max rel {max(f['annual_rel'] for f in figures.values()):.2e}; "
        f"golden statistics max rel {max(f['stat_rel'] for f in figures.values()):.2e} "
        f"(tolerance GOLDEN_RTOL = {make_golden.GOLDEN_RTOL:.0e})"
    )


if __name__ == "__main__":
    main()
