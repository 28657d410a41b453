"""Same seeds, same results: 200 runs of every shipped scenario match the golden tables.

The golden files (`tests/golden/<scenario>/`) were written by `scripts/make_golden.py`
before the engine was reorganised into declared mechanisms; any change to an outcome or
to one bit of an annual series fails here. Regenerate them only for a deliberate model
change, and say so in the commit.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

import sim

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"
SCENARIOS = sorted(p.stem for p in GOLDEN.iterdir() if p.is_dir())

_spec = importlib.util.spec_from_file_location("make_golden", REPO / "scripts" / "make_golden.py")
assert _spec is not None and _spec.loader is not None
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)


def test_every_shipped_scenario_has_golden_tables():
    shipped = sorted(p.stem for p in (REPO / "scenarios").glob("*.toml"))
    assert SCENARIOS == shipped


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
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    expected = pd.read_parquet(GOLDEN / name / "outcomes.parquet")
    pd.testing.assert_frame_equal(outcomes, expected, check_exact=True)
    digest = make_golden.annual_digest(pd.read_parquet(out / "annual.parquet"))
    expected_digest = pd.read_csv(GOLDEN / name / "annual_digest.csv")
    changed = digest.merge(
        expected_digest,
        on=["metric", "subject"],
        how="outer",
        suffixes=("", "_golden"),
        indicator=True,
    )
    differ = changed[
        (changed["_merge"] != "both") | (changed["sha256"] != changed["sha256_golden"])
    ]
    assert differ.empty, (
        "annual series differ from the golden run:\n"
        f"{differ[['metric', 'subject', 'sum', 'sum_golden']]}"
    )
