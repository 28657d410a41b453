"""The Python API as the README shows it: a plain script, the replay, `dir(sim)`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim

REPO = Path(__file__).resolve().parents[2]


def readme_python_block() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1, "the README has one Python block"
    return blocks[0]


def run_script(tmp_path: Path, code: str) -> subprocess.CompletedProcess:
    """Run `code` as ``python script.py`` in a folder that has the shipped scenarios."""
    (tmp_path / "scenarios").symlink_to(REPO / "scenarios")
    script = tmp_path / "script.py"
    script.write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    return subprocess.run(
        [sys.executable, "script.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_readme_python_block_runs_verbatim_as_a_script(tmp_path):
    block = readme_python_block()
    assert "workers" not in block  # the default workers, as a new user would run it
    assert "assert replayed.equals(stored)" in block  # the equality the README claims
    done = run_script(tmp_path, block + "\nprint('README block: ok')\n")
    assert done.returncode == 0, done.stderr
    assert "BrokenProcessPool" not in done.stderr
    assert "README block: ok" in done.stdout
    # unguarded: where the default asks for several workers (an idle machine, a long job),
    # it says so and computes in this process instead of breaking the pool; for a job of a
    # few seconds, or on a busy machine, the default is one worker and nothing is said
    # (sim.runner.sizing.default_workers)
    if "RuntimeWarning" in done.stderr:
        assert "if __name__" in done.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_guarded_script_uses_worker_processes(tmp_path):
    code = (
        "import warnings, sim\n"
        "warnings.simplefilter('error', RuntimeWarning)\n"
        "if __name__ == '__main__':\n"
        "    res = sim.run('scenarios/two_state.toml', runs=600, seed=1, workers=2,\n"
        "                  chunk_size=300, out=None)\n"
        "    print(len(res.runs))\n"
    )
    done = run_script(tmp_path, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "600"


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_unguarded_call_inside_a_function_is_detected(tmp_path):
    code = (
        "import sim\n"
        "def main():\n"
        "    return sim.run('scenarios/two_state.toml', runs=600, seed=1, workers=2,\n"
        "                   chunk_size=300, out=None)\n"
        "print(len(main().runs))\n"
    )
    done = run_script(tmp_path, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "600"
    assert "script.py:5: RuntimeWarning" in done.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_interactive_sessions_keep_the_pool(tmp_path):
    (tmp_path / "scenarios").symlink_to(REPO / "scenarios")
    code = (
        "import warnings, sim; warnings.simplefilter('error', RuntimeWarning); "
        "r = sim.run('scenarios/two_state.toml', runs=600, seed=1, workers=2, "
        "chunk_size=300, out=None); print(len(r.runs))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "600"


def test_from_results_replays_with_the_runs_overrides(tmp_path):
    overrides = {"alliances.USA-TWN.commitment": 0.9, "model.crisis.war_cost": 0.05}
    res = sim.run(
        REPO / "scenarios" / "baseline.toml",
        runs=60,
        seed=4,
        overrides=overrides,
        out=tmp_path / "r",
        workers=1,
    )
    for run_id in (0, 17, 59):
        model = sim.EscalationModel.from_results(tmp_path / "r", run_id)
        assert model.scenario.overrides == res.manifest["overrides"]
        got = model.run_to_end().outcomes()
        stored = res.outcomes.query("run_id == @run_id").drop(columns="run_id")
        pd.testing.assert_frame_equal(got, stored.reset_index(drop=True), check_exact=True)
    with pytest.raises(sim.errors.ResultsError, match="no run 60"):
        sim.EscalationModel.from_results(res, 60)


def test_from_results_replays_a_sweep_point(tmp_path):
    from sim.scenario import load_scenario
    from sim.sweep.run import run_sweep

    res = run_sweep(
        load_scenario(REPO / "scenarios" / "two_state.toml", ["meta.months=36"]),
        params=["model.crisis.war_cost=0.01:0.3"],
        sampler="lhs",
        points=3,
        runs=10,
        seed=2,
        sweep_file=None,
        out=tmp_path / "s",
        workers=1,
        scheduler=None,
        force=False,
        annual="auto",
        progress=None,
        command=None,
    )
    for run_id in (0, 15, 29):
        got = sim.EscalationModel.from_results(res, run_id).run_to_end().outcomes()
        stored = res.outcomes.query("run_id == @run_id").drop(columns=["run_id", "point_id"])
        pd.testing.assert_frame_equal(got, stored.reset_index(drop=True), check_exact=True)


def test_public_names_are_in_dir():
    names = dir(sim)
    for name in (
        "run", "load_results", "EscalationModel", "load_scenario", "Scenario", "sweep", "compare"
    ):  # fmt: skip
        assert name in names
    assert "Any" not in names and "annotations" not in names


def test_import_sim_stays_light_with_sweep_and_compare():
    code = (
        "import sys, sim; heavy = [m for m in ('numpy', 'pandas', 'scipy', 'sim.api') "
        "if m in sys.modules]; assert not heavy, heavy; "
        "assert callable(sim.sweep) and callable(sim.compare); "
        "import sim.sweep.run; assert callable(sim.sweep)"  # the package is the function
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_sweep_and_compare_return_dataframes(tmp_path):
    from sweep_fixtures import CRISIS_WORLD as WORLD

    summary = sim.sweep(WORLD, {"actors.BBB.audience_cost": [0.0, 0.5, 1.0]}, runs=20, seed=3,
                        workers=1)  # fmt: skip
    assert isinstance(summary, pd.DataFrame) and summary.attrs["folder"] is None
    assert sorted(summary["actors.BBB.audience_cost"].unique()) == [0.0, 0.5, 1.0]  # a grid
    assert {"p_war", "p_war_low", "p_blockade", "p_rung_ge5", "runs"} <= set(summary.columns)
    kept = sim.sweep(WORLD, ["actors.BBB.audience_cost=0:1"], sampler="sobol", points=4, runs=10,
                     seed=3, workers=1, out=tmp_path / "s")  # fmt: skip
    assert kept.attrs["folder"] == str(tmp_path / "s")
    assert kept.attrs["sensitivity"]["method"] == "sobol"

    a = sim.run(REPO / "scenarios" / "baseline.toml", runs=200, seed=5, out=tmp_path / "a",
                workers=1)  # fmt: skip
    b = sim.run(REPO / "scenarios" / "baseline.toml", runs=200, seed=5, out=tmp_path / "b",
                workers=1, overrides={"alliances.USA-TWN.commitment": 0.1})  # fmt: skip
    table = sim.compare({"high": a, "low": tmp_path / "b"})
    assert isinstance(table, pd.DataFrame) and set(table.folder) == {"high", "low"}
    assert table.attrs["labels"] == ["high", "low"] and table.attrs["paired"] == [True, True]
    assert {"param_low", "param_high", "diff_param_low", "sign_share"} <= set(table.columns)
    assert (table.outcome == "blockade.taiwan").any()
    again = sim.compare([tmp_path / "a", b], outcomes=["war.taiwan or blockade.taiwan"])
    assert set(again.folder) == {"a", "b"}
    assert (again.outcome == "war.taiwan or blockade.taiwan").any()
