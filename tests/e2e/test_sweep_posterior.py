"""Sweeps draw from the posterior exactly as ``sim run`` does (issue 24, item 1).

A sweep point and a ``sim run`` at the same value and master seed give the same runs:
replication k of every point has run k's seed (common random numbers) and draws the
calibrated parameters its seed picks; swept and ``--set`` calibrated parameters are held.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine.params import compile_scenario
from sim.engine.rng import draw_of
from sim.scenario.loader import load_scenario
from sim.scenario.posterior import load_posterior
from sim.sweep.run import run_sweep

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "scenarios" / "baseline.toml"
WAR_COST = "model.crisis.war_cost"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "s"
    run_sweep(BASELINE, params=["alliances.USA-TWN.commitment=0.1,0.5"], sampler="grid",
              runs=120, seed=5, out=out, workers=1)  # fmt: skip
    return out


def test_sweep_point_equals_sim_run(sweep: Path, tmp_path: Path) -> None:
    sim.run(BASELINE, runs=120, seed=5, out=tmp_path / "r", workers=1,
            overrides=["alliances.USA-TWN.commitment=0.5"])  # fmt: skip
    run = pd.read_parquet(tmp_path / "r" / "outcomes.parquet")
    swept = pd.read_parquet(sweep / "outcomes.parquet")
    point = swept[swept["point_id"] == 1].drop(columns=["point_id"]).reset_index(drop=True)
    point["run_id"] -= 120
    pd.testing.assert_frame_equal(point, run, check_exact=True)
    runs = pd.read_parquet(tmp_path / "r" / "runs.parquet")
    swept_runs = pd.read_parquet(sweep / "runs.parquet")
    at_point = swept_runs[swept_runs["point_id"] == 1].reset_index(drop=True)
    assert (at_point["seed"].to_numpy() == runs["seed"].to_numpy()).all()
    assert (at_point["draw"].to_numpy() == runs["draw"].to_numpy()).all()


def test_sweep_records_posterior_and_draws(sweep: Path) -> None:
    manifest = json.loads((sweep / "manifest.json").read_text())
    assert manifest["seeding"] == "common"
    post = manifest["posterior"]
    assert post is not None and post["held"] == []
    runs = pd.read_parquet(sweep / "runs.parquet")
    posterior = load_posterior(post["folder"])
    draws = draw_of(posterior.weights, runs["seed"].to_numpy(dtype=np.uint64))
    assert (runs["draw"].to_numpy() == draws).all()
    j = posterior.paths.index(WAR_COST)
    assert np.array_equal(runs[WAR_COST].to_numpy(), posterior.values[draws, j])
    assert runs["draw"].nunique() > 50  # the runs spread over the posterior's draws


def test_set_value_of_a_calibrated_parameter_is_held() -> None:
    scen = load_scenario(BASELINE, [f"{WAR_COST}=0.3"])
    _, params = compile_scenario(scen)
    assert params.draw_weights is not None
    assert (params.crisis.war_cost == 0.3).all()
    assert params.posterior is not None and params.posterior["held"] == [WAR_COST]
    other = params.crisis.escalation_probability
    assert len(np.unique(other)) > 1  # the parameters not set are still drawn


def test_swept_calibrated_parameter_is_held(tmp_path: Path) -> None:
    results = run_sweep(BASELINE, params=[f"{WAR_COST}=0.05,0.4"], sampler="grid", runs=20,
                        seed=2, out=tmp_path / "s", workers=1)  # fmt: skip
    assert results.manifest["posterior"]["held"] == [WAR_COST]
    runs = pd.read_parquet(tmp_path / "s" / "runs.parquet")
    assert runs.columns.tolist().count(WAR_COST) == 1  # the swept value, not a draw
    assert sorted(runs[WAR_COST].unique()) == [0.05, 0.4]
    assert "model.crisis.escalation_probability" in runs.columns


def test_posterior_none_opts_out(tmp_path: Path) -> None:
    results = run_sweep(BASELINE, params=["alliances.USA-TWN.commitment=0.1,0.5"],
                        sampler="grid", runs=10, seed=2, out=tmp_path / "s", workers=1,
                        overrides=["calibration.posterior=none"])  # fmt: skip
    assert results.manifest.get("posterior") is None
    assert "draw" not in pd.read_parquet(tmp_path / "s" / "runs.parquet").columns


def test_replay_of_a_sweep_run_uses_its_draw(sweep: Path) -> None:
    results = sim.load_results(sweep)
    runs = pd.read_parquet(sweep / "runs.parquet")
    run_id = int(runs["run_id"].iloc[130])
    model = sim.EscalationModel.from_results(results, run_id)
    drawn = float(runs.loc[runs["run_id"] == run_id, WAR_COST].iloc[0])
    assert float(model.engine.params.crisis.war_cost[0]) == drawn


def test_a_removed_trigger_leaves_its_posterior_numbers_unused(tmp_path: Path) -> None:
    """A scenario that removes an inherited trigger still runs from the posterior: that
    trigger's drawn numbers are listed as unused and have no runs.parquet column."""
    child = tmp_path / "child.toml"
    child.write_text(
        f'[meta]\nname = "child"\nextends = "{BASELINE}"\n\n'
        '[[triggers]]\nid = "arms_sale-taiwan"\nremove = true\n'
    )
    _, params = compile_scenario(load_scenario(child))
    path = "triggers.arms_sale-taiwan.crisis_probability"
    rate = "triggers.arms_sale-taiwan.rate_per_year"  # each draw carries the rate too
    walk = "triggers.arms_sale-taiwan.rate_volatility"  # and the rate's volatility
    assert params.posterior is not None and params.posterior["unused"] == [path, rate, walk]
    sim.run(child, runs=20, seed=3, out=tmp_path / "r", workers=1, annual="off")
    runs = pd.read_parquet(tmp_path / "r" / "runs.parquet")
    assert not {path, rate, walk} & set(runs.columns)
    assert "triggers.transit-taiwan.crisis_probability" in runs.columns
