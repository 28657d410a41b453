"""Era targets: the record's counts, the scores of a simulated count, the historical scenario."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.hindcast import eras

ROOT = Path(__file__).resolve().parents[3]


def test_record_counts_per_era() -> None:
    named = eras.observed_counts()
    assert [named[("taiwan", e[0])] for e in eras.ERAS] == [0, 0, 1]  # Pelosi 2022
    assert [named[("senkaku", e[0])] for e in eras.ERAS] == [0, 2, 0]  # 2010, 2012
    mids = eras.mid_counts()
    assert [mids[("taiwan", e[0])] for e in eras.MID_ERAS] == [5, 2]
    assert [mids[("senkaku", e[0])] for e in eras.MID_ERAS] == [5, 3]


def test_score_of_a_simulated_count() -> None:
    counts = np.array([0, 0, 1, 1, 1, 2, 3, 5, 5, 9], dtype=float)
    pit, p, log = eras.score(counts, 1)
    assert pit == pytest.approx(0.2 + 0.5 * 0.3)
    assert p == pytest.approx(0.3)
    assert log == pytest.approx(math.log(4 / 11))


def test_joint_log_score_counts_runs_matching_every_target() -> None:
    sims = {("a", "x"): np.array([0.0, 1, 1, 2]), ("b", "x"): np.array([0.0, 1, 0, 2])}
    assert eras.joint_log_score(sims, {("a", "x"): 1, ("b", "x"): 1}) == pytest.approx(
        math.log(2 / 5)
    )
    # the marginals alone would say 2/4 x 2/4: the joint share is what the runs give


def test_simulated_counts_window_by_era() -> None:
    crises = pd.DataFrame(
        {"run_id": [0, 0, 1, 1], "theatre": ["taiwan"] * 4, "opened_month": [3, 4, 100, 275]}
    )
    sims = eras.simulated_counts(crises, 2, "2000-01")
    # 2000-05 is month 4: month 3 (April 2000, KMT) belongs to no era
    assert sims[("taiwan", "Chen (DPP)")].tolist() == [1.0, 0.0]
    assert sims[("taiwan", "Ma (KMT)")].tolist() == [0.0, 1.0]  # month 100 = 2008-05
    assert sims[("taiwan", "Tsai (DPP)")].tolist() == [0.0, 1.0]


def test_history_scenario_is_the_one_the_data_give() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_history_scenario.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_history_scenario_runs_with_its_posterior() -> None:
    frame, zeros = eras.era_table(runs=40, seed=3)
    assert set(frame["record"]) == {"named", "mid"} and len(frame) == 10
    assert ((frame["pit"] >= 0) & (frame["pit"] <= 1)).all()
    assert 0.0 <= zeros["p_no_war"] <= 1.0 and zeros["joint_log_score"] <= 0.0


def test_sim_validate_eras_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from sim.cli import main

    assert main(["validate", "--eras", "--runs", "30", "--workers", "1", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(table) == 10 and {"record", "theatre", "era", "pit"} <= set(table.columns)
    assert main(["validate", "--eras", "--runs", "30", "--workers", "1"]) == 0
    assert "Joint log score" in capsys.readouterr().out
