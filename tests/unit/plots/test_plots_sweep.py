"""Sweep figures: response, heatmap and sensitivity, checked against summary.parquet."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sweep_fixtures import CRISIS_WORLD

from sim.sweep.run import run_sweep

ROOT = Path(__file__).resolve().parents[3]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid") / "g"
    return run_sweep(
        CRISIS_WORLD,
        params=["actors.AAA.misperception=0,1,2", "actors.BBB.audience_cost=0,0.5,1"],
        sampler="grid",
        runs=40,
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
        runs=60,
        seed=3,
        out=out,
        workers=1,
    )


def test_response_pools_points_with_the_same_value(grid):
    from sim.plots.sweep import plot_response

    (plot,) = plot_response([grid], metric="p_rung_ge5")
    data = plot.data
    summary = grid.table("summary")
    for value in (0.0, 1.0, 2.0):
        rows = summary[
            (summary["actors.AAA.misperception"] == value) & (summary.theatre == "island")
        ]
        want = (rows.p_rung_ge5 * rows.runs).sum() / rows.runs.sum()
        got = data[(data.parameter == "actors.AAA.misperception") & (data.x == value)]
        assert got.value.iloc[0] == pytest.approx(want)
        assert got.low.iloc[0] <= want <= got.high.iloc[0]
        assert got.runs.iloc[0] == 3 * 40
    plot.close()


def test_heatmap_cells_equal_summary_points(grid):
    from sim.plots.sweep import plot_heatmap

    (plot,) = plot_heatmap([grid], metric="p_war")
    summary = grid.table("summary")
    assert len(plot.data) == 9
    merged = plot.data.merge(
        summary,
        left_on=["x", "y"],
        right_on=["actors.AAA.misperception", "actors.BBB.audience_cost"],
    )
    np.testing.assert_allclose(merged.value, merged.p_war)
    plot.close()


def test_sensitivity_figure_shows_the_indices(sobol):
    import json

    from sim.plots.sweep import plot_sensitivity

    (plot,) = plot_sensitivity([sobol])
    stored = json.loads((sobol.path / "sensitivity.json").read_text())
    for outcome, table in stored["outcomes"].items():
        for param, idx in table.items():
            row = plot.data[(plot.data.outcome == outcome) & (plot.data.parameter == param)]
            assert row.ST.iloc[0] == idx["ST"]
    plot.close()


@pytest.mark.slow
def test_sim_plot_on_sweeps_writes_images(grid, sobol, tmp_path):
    for folder, kinds in ((grid, ["response", "heatmap"]), (sobol, ["sensitivity"])):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "sim",
                "plot",
                str(folder.path),
                "-o",
                str(tmp_path / folder.path.name),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert out.returncode == 0, out.stderr
        written = [Path(line) for line in out.stdout.split()]
        assert {p.stem.split("-")[0] for p in written} >= set(kinds)
        for path in written:
            assert path.read_bytes()[:8] == PNG


def test_sweep_kinds_refuse_ensembles(tmp_path):
    import sim

    res = sim.run(CRISIS_WORLD, runs=10, seed=1, out=tmp_path / "e", workers=1)
    out = subprocess.run(
        [sys.executable, "-m", "sim", "plot", str(res.path), "--kind", "response"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "sweep" in out.stderr


def test_small_sobol_sample_warns(sobol):
    from sim.analysis.sensitivity import analyze_folder, format_indices, stability_warning

    result = analyze_folder(sobol.path, sobol.manifest, sobol.table("summary"), ["rung5.island"])
    text = format_indices(result)
    assert result.get("warnings"), text
    assert "too small for stable Sobol indices" in text and " *" in text
    # stable indices: no warning; material index with a wider interval: a warning
    ok = {"a": {"S1": 0.6, "S1_conf": 0.05, "ST": 0.7, "ST_conf": 0.06}}
    assert stability_warning("war.x", "sobol", ok) == ""
    bad = {"a": {"S1": 0.2, "S1_conf": 0.5, "ST": 24.7, "ST_conf": 71.8}}
    assert "ST = 24.7 ± 71.8" in stability_warning("war.x", "sobol", bad)
    morris = {
        "a": {"mu_star": 0.3, "mu_star_conf": 0.5, "sigma": 0.1, "mu": 0.3},
        "b": {"mu_star": 0.001, "mu_star_conf": 0.002, "sigma": 0.0, "mu": 0.0},
    }
    assert "2 of 2 parameters" in stability_warning("war.x", "morris", morris)


@pytest.mark.slow
def test_sweep_report_and_default_outcome(grid, sobol, tmp_path):
    from sim.plots.report import build_report
    from sim.plots.sweep import default_outcome, plot_response

    summary = grid.table("summary")
    name = default_outcome(summary)
    from sim.analysis.outcome_names import measure

    col = measure(name).column
    assert summary.groupby("theatre")[col].agg(np.ptp).max() > 0
    (plot,) = plot_response([grid])
    assert plot.name == f"response-{name}"
    plot.close()
    for r in (grid, sobol):
        html = build_report(r)
        assert "<h2>Key findings</h2>" in html
        assert "Response" in html and "data:image/png;base64," in html
    html = build_report(sobol)
    assert "Sensitivity" in html and "±" in html
    assert "too small for stable" in html
    assert "model.crisis.war_cost=0.05" in html  # the fixed override in the title
    assert "PRIM" in build_report(grid)
