"""``sim trace`` shows the posterior draw and the drawn values of the run it replays."""

from __future__ import annotations

from pathlib import Path

import sim
from sim.trace import trace_from_folder, trace_from_scenario

REPO = Path(__file__).resolve().parents[2]


def test_trace_shows_the_runs_drawn_values(tmp_path):
    res = sim.run(REPO / "scenarios" / "baseline.toml", runs=6, seed=2, out=tmp_path / "r",
                  workers=1)  # fmt: skip
    row = res.runs.set_index("run_id").loc[4]
    text = trace_from_folder(str(res.path), 4)
    head = " ".join(text.split("How to read it")[0].split())
    assert f"parameters: draw {int(row['draw'])} of posterior baseline-2022-history:" in head
    assert f"model.crisis.war_cost={row['model.crisis.war_cost']:.4g}" in head
    plain = trace_from_scenario(str(REPO / "scenarios" / "baseline.toml"), int(row["seed"]),
                                ["calibration.posterior=none"])  # fmt: skip
    assert "parameters: draw" not in plain
