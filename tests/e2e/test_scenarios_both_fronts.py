"""Every shipped scenario runs through both fronts, and they agree run for run."""

from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_runs_through_ensemble_and_mesa_fronts(path, tmp_path):
    res = sim.run(path, runs=12, seed=5, out=tmp_path / "r", workers=1)
    assert res.manifest["status"] == "complete"
    outcomes = res.outcomes
    assert len(outcomes) == 12 * len(res.manifest["theatres"])
    assert outcomes.max_rung.between(0, 8).all()
    assert not res.annual.value.isna().any()
    seeds = res.runs.set_index("run_id").seed
    for run_id in (0, 11):
        model = sim.EscalationModel(path, seed=int(seeds[run_id])).run_to_end()
        stored = outcomes[outcomes.run_id == run_id].drop(columns="run_id")
        assert model.outcomes().reset_index(drop=True).equals(stored.reset_index(drop=True))
        model.remove()
