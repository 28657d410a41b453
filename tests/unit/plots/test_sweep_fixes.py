"""Sweep and sensitivity fixes (issue 24, item 5): the asked outcome, every grid level,
unstable indices flagged, outcomes that never occurred, exact zeros, P(blockade)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sweep_fixtures import CRISIS_WORLD

from sim.sweep.run import run_sweep

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def grid11(tmp_path_factory):
    """An 11-level grid over one parameter (0, 0.1, ..., 1.0), 10 runs per point."""
    out = tmp_path_factory.mktemp("grid11") / "g"
    return run_sweep(
        CRISIS_WORLD,
        params=["actors.BBB.audience_cost=0:1"],
        sampler="grid",
        points=11,
        runs=10,
        seed=3,
        out=out,
        workers=1,
    )


@pytest.fixture(scope="module")
def sobol(tmp_path_factory):
    out = tmp_path_factory.mktemp("sobol") / "s"
    return run_sweep(
        CRISIS_WORLD,
        params=["actors.AAA.misperception=0:3", "actors.BBB.audience_cost=0:1"],
        overrides={"model.crisis.war_cost": 0.05},
        sampler="sobol",
        points=8,
        runs=30,
        seed=3,
        out=out,
        workers=1,
    )


def test_an_eleven_level_grid_plots_eleven_points(grid11):
    from sim.plots.sweep import response_data

    data = response_data(grid11, "rung4")
    assert len(data) == 11  # 0.9 and 1.0 were merged into one of ten bins
    assert sorted(data.x.round(6)) == [round(0.1 * i, 6) for i in range(11)]


def test_summary_has_p_blockade_and_exact_zeros(grid11):
    summary = grid11.table("summary")
    assert "p_blockade" in summary.columns
    assert summary.p_blockade.between(0, 1).all()
    none = summary[summary.p_war == 0]
    assert len(none) and (none.p_war_low == 0.0).all()  # not 8.67e-19-style residue


def test_sensitivity_figure_draws_the_asked_outcome(sobol):
    from sim.plots.sweep import plot_sensitivity

    stored = json.loads((sobol.path / "sensitivity.json").read_text())
    assert "rung5.island" not in stored["outcomes"]
    (plot,) = plot_sensitivity([sobol], outcome="rung5.island")
    assert set(plot.data.outcome) == {"rung5.island"}  # not P(war)
    assert "stable" in plot.data.columns
    plot.close()


def test_sim_plot_sensitivity_outcome_cli(sobol, tmp_path):
    def plot(*extra):
        return subprocess.run(
            [sys.executable, "-m", "sim", "plot", str(sobol.path), "--kind", "sensitivity",
             "-o", str(tmp_path), *extra],
            capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip

    ok = plot("--outcome", "rung5.island")
    assert ok.returncode == 0, ok.stderr
    assert any("sensitivity-rung5.island" in line for line in ok.stdout.split())
    bad = plot("--outcome", "bogus.island")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr


def test_indices_from_few_events_are_unstable():
    import numpy as np

    from sim.analysis.sensitivity import (
        events_of,
        format_indices,
        outcome_warning,
        unstable_parameters,
    )

    # one run with the outcome at one of 16 points of 30 runs: driven by one event
    y = np.zeros(16)
    y[3] = 1 / 30
    events, points = events_of("war.island", y, 30)
    assert (events, points) == (1, 1)
    assert "1 run with the outcome" in outcome_warning("war.island", events, points)
    assert outcome_warning("war.island", 25, 5) == ""
    assert "one design point" in outcome_warning("war.island", 25, 1)
    # an index whose interval is wider than itself is unstable, even a small one
    table = {
        "a": {"S1": 0.6, "S1_conf": 0.05, "ST": 0.7, "ST_conf": 0.06},
        "b": {"S1": 0.01, "S1_conf": 0.02, "ST": 0.02, "ST_conf": 0.01},
    }
    assert unstable_parameters("sobol", table) == ["b"]
    assert unstable_parameters("sobol", table, outcome_unstable=True) == ["a", "b"]
    result = {
        "method": "sobol",
        "runs_per_point": 30,
        "outcomes": {"war.island": table, "lost.island": table},
        "unstable_outcomes": ["war.island"],
        "constant_outcomes": ["lost.island"],
        "events": {"war.island": 1, "lost.island": 0},
    }
    text = format_indices(result)
    assert "too few runs with the outcome" in text
    assert "lost.island never occurred in any run" in text


def test_sweep_where_war_never_occurred_says_so():
    import pandas as pd

    from sim.analysis.summary import _sweep_findings

    class Folder:
        manifest = {"swept": ["alliances.USA-TWN.commitment"]}

        def table(self, name):
            return pd.DataFrame(
                {
                    "theatre": ["taiwan"] * 3,
                    "runs": [10, 10, 10],
                    "p_war": [0.0, 0.0, 0.0],
                    "p_war_low": [0.0] * 3,
                    "p_war_high": [0.3] * 3,
                    "alliances.USA-TWN.commitment": [0.0, 0.5, 1.0],
                }
            )

    (line,) = _sweep_findings(Folder())
    assert "highest at" not in line and "never occurred" in line and "0 of 30 runs" in line
