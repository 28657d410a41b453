"""The Mesa front: one run of the same engine, replaying ensemble runs exactly."""

import subprocess
import sys
from pathlib import Path

import mesa
import pytest

import sim

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
INVASION = ROOT / "scenarios" / "taiwan_invasion.toml"


@pytest.fixture(scope="module")
def invasion_ensemble():
    return sim.run(INVASION, runs=200, seed=11, workers=1)


def test_model_is_a_mesa_model_with_state_actors():
    model = sim.EscalationModel(BASELINE, seed=5)
    assert isinstance(model, mesa.Model)
    codes = {a.code for a in model.agents}
    assert codes == set(model.scenario.actor_codes)
    for agent in model.agents:
        assert isinstance(agent, sim.StateActor)
        assert agent.milex_usd_bn > 0 and agent.gdp_usd_bn > 0 and agent.capability > 0
        assert set(agent.grievances) == codes - {agent.code}
    jpn = model.actor("JPN")
    assert jpn.milex_usd_bn == pytest.approx(model.scenario.data["actors"]["JPN"]["milex_usd_bn"])
    assert set(model.rung) == {"taiwan", "senkaku"}


def test_step_advances_one_month_and_stops_at_horizon():
    model = sim.EscalationModel(BASELINE, seed=5, overrides={"meta.months": 64})
    assert model.month == 0 and model.running
    model.step()
    assert model.month == 1
    model.run_to_end()
    assert model.month == 64 and not model.running
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 65  # the initial state plus 64 months
    assert {"rung_taiwan", "milex_JPN", "capability_CHN"} <= set(frame.columns)
    agents = model.datacollector.get_agent_vars_dataframe()
    assert len(agents) == 65 * len(model.scenario.actor_codes)


@pytest.mark.slow
def test_replay_reproduces_stored_outcomes_exactly(invasion_ensemble):
    outcomes = invasion_ensemble.outcomes
    seeds = invasion_ensemble.runs.set_index("run_id")["seed"]
    # five ordinary runs and five eventful ones (the theatre changed hands or an ally joined)
    eventful = outcomes[outcomes.holder_changed | (outcomes.allies_joined != "")]
    changed = [r for r in eventful.run_id.unique().tolist() if r >= 5]
    ids = sorted(set(list(range(5)) + changed[:5]))
    assert len(ids) == 10
    for run_id in ids:
        model = sim.EscalationModel(INVASION, seed=int(seeds[run_id])).run_to_end()
        replayed = model.outcomes().reset_index(drop=True)
        stored = outcomes[outcomes.run_id == run_id].drop(columns="run_id").reset_index(drop=True)
        assert replayed.equals(stored), run_id


def test_event_log_records_invasion_and_outcome_matches():
    model = sim.EscalationModel(INVASION, seed=3).run_to_end()
    kinds = {row["kind"] for row in model.log}
    assert "event" in kinds and "crisis" in kinds
    out = model.outcomes().set_index("theatre")
    assert bool(out.loc["taiwan", "war"])
    table = model.datacollector.get_table_dataframe("events")
    assert len(table) == len(model.log)


@pytest.mark.slow
def test_trace_cli_from_folder_and_seed(tmp_path):
    folder = tmp_path / "res"
    sim.run(INVASION, runs=20, seed=2, out=folder, workers=1)
    cmd = [sys.executable, "-m", "sim", "trace", str(folder), "3"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "Outcome per theatre" in out.stdout and "taiwan" in out.stdout
    cmd = [sys.executable, "-m", "sim", "trace", str(folder), "999"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "no run 999" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
