"""Determinism and the result-folder contract through `sim.run` and the `sim run` command.

DESIGN.md: the same master seed gives identical tables whatever the number of workers or
chunks; run k's seed depends only on (master seed, k), so the first 100 runs of an
ensemble of 100 are the first 100 of an ensemble of 2000; the folder holds manifest.json,
runs.parquet, outcomes.parquet and annual.parquet with the contract's columns.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from engine_fixtures import rich_scenario

import sim
from sim.engine.params import compile_scenario
from sim.engine.simulate import simulate
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario

# worker pools (workers=2 and the CLI default): one at a time under xdist (tests/conftest.py)
pytestmark = pytest.mark.xdist_group("processes")

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "scenarios" / "baseline.toml"

OUTCOME_COLUMNS = {
    "run_id",
    "theatre",
    "max_rung",
    "war",
    "war_month",
    "first_crisis_month",
    "crises",
    "holder_final",
    "allies_joined",
}
ANNUAL_COLUMNS = {"run_id", "year", "metric", "subject", "value"}
RUNS_COLUMNS = {"run_id", "seed"}


def frames(res) -> dict[str, pd.DataFrame]:
    """The three tables, sorted canonically (chunks may finish in any order)."""
    return {
        "runs": res.runs.sort_values("run_id", kind="stable").reset_index(drop=True),
        "outcomes": res.outcomes.sort_values(["run_id", "theatre"], kind="stable").reset_index(
            drop=True
        ),
        "annual": res.annual.sort_values(
            ["run_id", "year", "metric", "subject"], kind="stable"
        ).reset_index(drop=True),
    }


def assert_same_tables(a, b) -> None:
    fa, fb = frames(a), frames(b)
    for name in fa:
        pd.testing.assert_frame_equal(fa[name], fb[name], check_exact=True, obj=name)


@pytest.fixture(scope="module")
def rich_runs(tmp_path_factory):
    """300 runs of the rich scenario, 1 worker, chunks of 64 (wars, joins, nuclear use)."""
    out = tmp_path_factory.mktemp("rich") / "w1"
    return sim.run(rich_scenario(), runs=300, seed=77, out=out, workers=1, chunk_size=64)


@pytest.mark.slow
def test_same_seed_twice_identical(rich_runs, tmp_path):
    again = sim.run(
        rich_scenario(), runs=300, seed=77, out=tmp_path / "again", workers=1, chunk_size=64
    )
    assert_same_tables(rich_runs, again)
    other = sim.run(rich_scenario(), runs=300, seed=78, workers=1, chunk_size=64)
    assert not frames(other)["outcomes"].equals(frames(rich_runs)["outcomes"])


def test_workers_and_chunks_do_not_matter(tmp_path):
    """Chunks of 4 on 2 workers (some chunks without a war in progress) vs one chunk."""
    one = sim.run(rich_scenario(), runs=40, seed=77, workers=1, chunk_size=40)
    two = sim.run(rich_scenario(), runs=40, seed=77, workers=2, chunk_size=4)
    assert_same_tables(one, two)


def test_workers_and_chunks_do_not_matter_without_war_gdp_loss():
    """The same comparison with the war GDP loss switched off (it once broke this)."""
    fix = ["model.war.gdp_loss_per_month=0"]
    one = sim.run(rich_scenario(), runs=40, seed=77, overrides=fix, workers=1, chunk_size=40)
    two = sim.run(rich_scenario(), runs=40, seed=77, overrides=fix, workers=2, chunk_size=4)
    assert frames(one)["outcomes"]["war"].any()
    assert_same_tables(one, two)


@pytest.mark.slow
def test_workers_and_chunks_do_not_matter_baseline(tmp_path):
    one = sim.run(BASELINE, runs=400, seed=5, out=tmp_path / "w1", workers=1)
    two = sim.run(BASELINE, runs=400, seed=5, out=tmp_path / "w2", workers=2, chunk_size=70)
    assert one.manifest["chunks"] != two.manifest["chunks"]
    assert_same_tables(one, two)


def test_workers_and_chunks_do_not_matter_outcomes(rich_runs, tmp_path):
    """Outcomes and seeds agree across worker counts and chunk sizes (300 runs)."""
    two = sim.run(rich_scenario(), runs=300, seed=77, out=tmp_path / "w2", workers=2, chunk_size=50)
    pd.testing.assert_frame_equal(
        frames(rich_runs)["outcomes"], frames(two)["outcomes"], check_exact=True
    )
    pd.testing.assert_frame_equal(frames(rich_runs)["runs"], frames(two)["runs"], check_exact=True)


@pytest.mark.slow
def test_prefix_of_a_bigger_ensemble(tmp_path):
    small = frames(sim.run(BASELINE, runs=100, seed=3, out=tmp_path / "s", workers=1))
    big = frames(sim.run(BASELINE, runs=2000, seed=3, out=tmp_path / "b", workers=2))
    for name, table in small.items():
        head = big[name][big[name]["run_id"] < 100].reset_index(drop=True)
        pd.testing.assert_frame_equal(table, head, check_exact=True, obj=name)


def test_seeds_in_runs_table_replay_the_runs(rich_runs):
    """runs.parquet seeds are SeedSequence([master, k]) and replay each run alone."""
    runs = frames(rich_runs)["runs"]
    ids = runs["run_id"].to_numpy()
    np.testing.assert_array_equal(ids, np.arange(300))
    seeds = runs["seed"].to_numpy(dtype=np.uint64)
    np.testing.assert_array_equal(seeds, run_seeds(77, ids))
    assert len(set(seeds.tolist())) == 300
    s, p = compile_scenario(load_scenario(rich_scenario()))
    out = frames(rich_runs)["outcomes"]
    for k in (0, 17, 299):
        alone = simulate(s, p, seeds[k : k + 1], record=False)
        rows = out[out["run_id"] == k].set_index("theatre").loc[list(s.theatres)]
        np.testing.assert_array_equal(rows["max_rung"].to_numpy(), alone.outcome.max_rung[0])
        np.testing.assert_array_equal(rows["crises"].to_numpy(), alone.outcome.crises[0])


def test_outcome_columns_consistent(rich_runs):
    out = frames(rich_runs)["outcomes"]
    assert OUTCOME_COLUMNS <= set(out.columns)
    assert len(out) == 300 * 2
    assert (out["war"] == (out["max_rung"] >= 6)).all()
    assert out["war"].any() and (~out["war"]).any()  # both cases are exercised
    assert (out["war_month"].isna() == ~out["war"]).all()
    assert (out["first_crisis_month"].isna() == (out["crises"] == 0)).all()
    assert out["max_rung"].between(0, 8).all()
    months = rich_scenario()["meta"]["months"]
    assert out["war_month"].dropna().between(0, months - 1).all()
    assert set(out["holder_final"]) <= {"CCC", "DDD", "EEE", "PPP"}
    assert set(out["allies_joined"]) <= {"", "PPP"}
    annual = frames(rich_runs)["annual"]
    assert ANNUAL_COLUMNS <= set(annual.columns)
    assert np.isfinite(annual["value"].to_numpy()).all()


@pytest.mark.slow
def test_cli_run_writes_the_contract_folder(tmp_path):
    """`sim run scenarios/baseline.toml --runs 2000 --seed 3 --out DIR`, as a subprocess."""
    out = tmp_path / "res"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")

    def sim_run(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "sim",
                "run",
                "scenarios/baseline.toml",
                "--runs",
                "2000",
                "--seed",
                "3",
                "--out",
                str(out),
                "--quiet",
                *extra,
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    first = sim_run()
    assert first.returncode == 0, first.stderr
    for name in ("manifest.json", "runs.parquet", "outcomes.parquet", "annual.parquet"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["master_seed"] == 3 and manifest["runs"] == 2000
    for key in (
        "scenario",
        "scenario_sha256",
        "package_version",
        "git_commit",
        "command",
        "started",
        "finished",
        "wall_seconds",
    ):
        assert key in manifest, key
    assert manifest["scenario"]["meta"]["name"] == "baseline-2023"
    res = sim.load_results(out)
    assert RUNS_COLUMNS <= set(res.runs.columns) and len(res.runs) == 2000
    assert OUTCOME_COLUMNS <= set(res.outcomes.columns) and len(res.outcomes) == 4000
    assert ANNUAL_COLUMNS <= set(res.annual.columns) and len(res.annual) > 0
    before = (out / "outcomes.parquet").read_bytes()

    again = sim_run()
    assert again.returncode == 2
    assert "Traceback" not in again.stderr and len(again.stderr.strip().splitlines()) == 1
    assert (out / "outcomes.parquet").read_bytes() == before  # untouched

    forced = sim_run("--force")
    assert forced.returncode == 0, forced.stderr
    assert_same_tables(res, sim.load_results(out))
