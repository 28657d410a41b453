"""Same seeds, same results: 200 runs of every shipped scenario match the golden tables.

The golden files (`tests/golden/<scenario>/`) are written by `scripts/make_golden.py`,
which also defines the comparison: outcomes exactly (integer, boolean, string columns and
the whole-valued months), floats within `GOLDEN_RTOL` (1e-9 relative), the annual series
by per-year statistics over the runs. The tolerance makes the test pass on any CPU
(numpy's SIMD exp/log/pow differ in the last bit between AVX-512, AVX2 and ARM; `.ci/run`
also runs this file with AVX-512 disabled) while any real model change still fails.
Regenerate the files only for a deliberate model change, and say so in the commit.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
SCENARIOS = sorted(p.stem for p in GOLDEN.iterdir() if p.is_dir())

_spec = importlib.util.spec_from_file_location("make_golden", REPO / "scripts" / "make_golden.py")
assert _spec is not None and _spec.loader is not None
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)


def test_every_shipped_scenario_has_golden_tables():
    shipped = sorted(p.stem for p in (REPO / "scenarios").glob("*.toml"))
    assert SCENARIOS == shipped
    for name in SCENARIOS:
        files = sorted(p.name for p in (GOLDEN / name).iterdir())
        assert files == ["annual_stats.csv", "outcomes.parquet"], (name, files)


@pytest.mark.parametrize("name", SCENARIOS)
def test_results_match_golden(name, tmp_path):
    out = tmp_path / "r"
    sim.run(
        REPO / "scenarios" / f"{name}.toml",
        runs=make_golden.RUNS,
        seed=make_golden.SEED,
        workers=1,
        out=out,
    )
    rtol = make_golden.GOLDEN_RTOL
    problems = make_golden.compare_outcomes(
        pd.read_parquet(out / "outcomes.parquet"),
        pd.read_parquet(GOLDEN / name / "outcomes.parquet"),
        rtol,
    )
    assert not problems, f"{name}: outcomes differ from the golden run:\n" + "\n".join(problems)

    differ = make_golden.compare_stats(
        make_golden.annual_stats(pd.read_parquet(out / "annual.parquet")),
        make_golden.read_stats(GOLDEN / name / "annual_stats.csv"),
        rtol,
    )
    if not differ.empty:
        series = differ.groupby(["metric", "subject"]).size()
        worst = differ.loc[pd.to_numeric(differ["rel"]).idxmax()]
        table = differ.head(20).to_string(index=False, float_format=lambda x: f"{x:.12g}")
        pytest.fail(
            f"{name}: annual statistics differ from the golden run beyond rel {rtol:g} "
            f"(rel = |got - golden| / scale, see scripts/make_golden.py) in "
            f"{len(differ)} (metric, subject, year, stat) of {len(series)} series; largest "
            f"rel {worst['rel']:.3g} at {worst['metric']}/{worst['subject']} "
            f"{worst['year']} {worst['stat']}; first ones:\n{table}\n"
            f"series: {', '.join(f'{m}/{s}' for m, s in series.index)}"
        )


def test_comparison_catches_small_changes():
    """The tolerance passes 1-ulp noise and still catches a change far below a model's."""
    golden = make_golden.read_stats(GOLDEN / "baseline" / "annual_stats.csv")
    noisy = golden.copy()
    for col in ("sum", "sumsq", "min", "max", "wsum"):
        noisy[col] = noisy[col] * (1 + 4e-16)
    assert make_golden.compare_stats(noisy, golden, make_golden.GOLDEN_RTOL).empty
    # one value of one run moved by 1e-5 of the series' largest value: 1e-5 / 200 runs
    changed = golden.copy()
    row = (
        (changed["metric"] == "gdp_usd_bn")
        & (changed["subject"] == "CHN")
        & (changed["year"] == 2030)
    )
    changed.loc[row, "sum"] += changed.loc[row, "max"] * 1e-5
    differ = make_golden.compare_stats(changed, golden, make_golden.GOLDEN_RTOL)
    assert list(differ["stat"]) == ["sum"]
    assert differ["rel"].iloc[0] > 10 * make_golden.GOLDEN_RTOL
    # one month of one outcome row: caught exactly, with the row in the message
    outcomes = pd.read_parquet(GOLDEN / "baseline" / "outcomes.parquet")
    moved = outcomes.copy()
    months = moved["first_crisis_month"].to_numpy(dtype=np.float64, copy=True)
    months[np.flatnonzero(~np.isnan(months))[0]] += 1
    moved["first_crisis_month"] = months
    problems = make_golden.compare_outcomes(moved, outcomes, make_golden.GOLDEN_RTOL)
    assert len(problems) == 1 and "first_crisis_month" in problems[0], problems
