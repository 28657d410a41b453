"""Hindcast against observed data (`sim.hindcast`, the `sim validate` command): fit
statistics, the observed series, the hindcast scenario and the command end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.hindcast.observed import Series, load_observed
from sim.hindcast.stats import bias, bias_sign, compare, coverage, mape, series_draws, summarise

REPO = Path(__file__).resolve().parents[3]
HINDCAST = REPO / "scenarios" / "hindcast_2013.toml"


# ---------------------------------------------------------------------------------------
# fit statistics on synthetic data with known answers
# ---------------------------------------------------------------------------------------


def _uniform_draws(years: int, runs: int = 1001) -> np.ndarray:
    """Runs 0..1000 in every year: 5% quantile 50, 95% quantile 950, median 500."""
    return np.repeat(np.arange(runs, dtype=float)[:, None], years, axis=1)


def test_coverage_mape_bias_by_hand():
    assert coverage([1, 5, 10, 11], [0, 0, 0, 0], [10, 10, 10, 10]) == 0.75
    assert np.isnan(coverage([], [], []))
    assert mape([100, 200], [110, 180]) == pytest.approx(10.0)
    assert bias([100, 200], [110, 180]) == pytest.approx(0.0)
    assert bias([100, 200], [120, 220]) == pytest.approx(15.0)
    assert bias_sign(-3.0) == "-" and bias_sign(2.0) == "+" and bias_sign(float("nan")) == ""
    # zero observations are skipped by the percentage errors
    assert mape([0, 100], [5, 150]) == pytest.approx(50.0)


def test_compare_known_coverage_and_split():
    years = np.arange(2013, 2021)
    sim = {("m", "X"): _uniform_draws(len(years))}
    # inside the 90% band [50, 950]: 500 (2013), 60 (2014), 940 (2019); outside: 10, 990, 2000
    obs = {2013: 500.0, 2014: 60.0, 2015: 10.0, 2016: 990.0, 2019: 940.0, 2020: 2000.0}
    s = Series("x", "m", "X", "u", "calendar", obs, "synthetic", always_fitted=frozenset({2020}))
    table = compare([s], sim, years, cutoff=2016)
    assert list(table["year"]) == sorted(obs)
    assert table["median"].tolist() == pytest.approx([500.0] * 6)
    assert table["q05"].iloc[0] == pytest.approx(50.0)
    assert table["q95"].iloc[0] == pytest.approx(950.0)
    assert table["in90"].tolist() == [True, True, False, False, True, False]
    assert table["sample"].tolist() == ["in", "in", "in", "in", "out", "in"]
    summ = summarise(table).set_index("sample")
    assert summ.loc["in", "years"] == 5 and summ.loc["out", "years"] == 1
    assert summ.loc["in", "coverage90"] == pytest.approx(2 / 5)
    assert summ.loc["out", "coverage90"] == pytest.approx(1.0)
    # 50% band is [250, 750]: only 500 inside among the fitted years
    assert summ.loc["in", "coverage50"] == pytest.approx(1 / 5)
    expected = np.mean([abs(500 - v) / v for v in (500, 60, 10, 990, 2000)]) * 100
    assert summ.loc["in", "mape"] == pytest.approx(expected)
    assert summ.loc["out", "bias_sign"] == "-"  # 500 against 940


def test_fiscal_year_draws_weight_two_calendar_years():
    years = np.array([2013, 2014, 2015])
    draws = np.array([[400.0, 800.0, 1200.0]])
    s = Series("s", "scrambles", "JPN", "n", "fiscal", {2013: 1.0}, "synthetic")
    yrs, fy = series_draws(s, {("scrambles", "JPN"): draws}, years)
    assert yrs.tolist() == [2013, 2014]
    assert fy[0].tolist() == pytest.approx([500.0, 900.0])


def test_observed_series_from_data():
    obs = {s.key: s for s in load_observed()}
    assert obs["milex CHN"].values[2013] == pytest.approx(164.0705)
    assert obs["presence_days"].values == {
        2013: 232,
        2014: 243,
        2015: 240,
        2016: 211,
        2017: 171,
        2018: 159,
    }
    assert obs["intrusion_days"].values[2018] == 19
    assert obs["scrambles"].basis == "fiscal" and obs["scrambles"].values[2016] == 851
    assert obs["adiz_incursions"].values == {2020: 380}
    assert obs["adiz_incursions"].fitted(2020, cutoff=2016)


# ---------------------------------------------------------------------------------------
# the hindcast scenario
# ---------------------------------------------------------------------------------------


def test_hindcast_scenario_passes_sim_check():
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "check", "-q", str(HINDCAST)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def test_hindcast_has_the_required_actors_theatres_and_activities():
    from sim.engine.params import compile_scenario
    from sim.engine.simulate import annual_blocks
    from sim.scenario import load_scenario

    scen = load_scenario(HINDCAST)
    d = scen.data
    assert d["meta"]["start"] == "2013-01" and d["meta"]["months"] == 144
    assert {"CHN", "JPN", "USA", "TWN", "RUS"} <= set(d["actors"])
    gz = {t: d["theatres"][t]["greyzone"] for t in ("taiwan", "senkaku")}
    assert gz["senkaku"]["presence_days"]["unit"] == "days"
    assert gz["senkaku"]["presence_days"]["by"] == "CHN"
    assert gz["senkaku"]["intrusion_days"]["unit"] == "days"
    assert gz["taiwan"]["adiz_incursions"]["by"] == "CHN"
    scr = gz["senkaku"]["scrambles"]
    assert scr["by"] == "JPN" and scr["responds_to"]
    blocks = {(b.metric, b.subjects) for b in annual_blocks(compile_scenario(scen)[0])}
    for metric, subject in (
        ("presence_days", "senkaku"),
        ("intrusion_days", "senkaku"),
        ("adiz_incursions", "taiwan"),
        ("scrambles", "JPN"),
    ):
        assert (metric, (subject,)) in blocks
    kinds = {e["kind"] for e in d["events"]}
    assert {
        "talks",
        "hotline",
        "policy",
        "incident",
        "rules_of_engagement",
        "drill",
        "visit",
        "alliance",
    } <= kinds
    text = HINDCAST.read_text(encoding="utf-8")
    assert "# Fitted on" in text, "run scripts/calibrate_hindcast.py"


# ---------------------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sim_validate_small_run_prints_table_and_writes_png(tmp_path, capsys):
    from sim.cli import main

    out = tmp_path / "hindcast.png"
    table = tmp_path / "hindcast.csv"
    code = main(
        ["validate", "--runs", "50", "--workers", "1", "-o", str(out), "--table", str(table)]
    )
    text = capsys.readouterr().out
    assert code == 0
    for word in (
        "milex CHN",
        "presence_days",
        "intrusion_days",
        "scrambles",
        "adiz_incursions",
        "cov90",
        "MAPE",
        "in (fitted)",
        "out (held)",
        "no war",
        "Forecast scores",
        "persistence",
        "trend",
        "PIT",
    ):
        assert word in text
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image as mpimg

    img = mpimg.imread(out)
    assert img.shape[0] > 500 and img.shape[1] > 800
    assert table.is_file() and (tmp_path / "hindcast-summary.csv").is_file()
    assert (tmp_path / "hindcast-scores-summary.csv").is_file()
    scores = pd.read_csv(tmp_path / "hindcast-scores.csv")
    # spending from the cut-off, 2019-2024; grey-zone series from the rolling origins
    spend = scores[scores["group"] == "spending"]
    assert set(spend["year"]) == set(range(2019, 2025)) and set(spend["origin"]) == {2018}
    grey = scores[scores["group"] == "grey zone"]
    assert set(grey["origin"]) == {2015, 2016}
    assert set(grey[grey["origin"] == 2016]["year"]) == {2017, 2018}
    assert set(scores["forecaster"]) == {"model", "persistence", "trend"}
    assert (tmp_path / "hindcast-scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_sim_validate_format_csv_prints_only_the_scores(tmp_path, capsys):
    import io

    from sim.cli import main

    out = tmp_path / "h.png"
    code = main(["validate", "--runs", "20", "--workers", "1", "-o", str(out), "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 0
    table = pd.read_csv(io.StringIO(captured.out))
    assert {"group", "series", "forecaster", "crps", "coverage50", "coverage90", "pit_hist"} <= set(
        table.columns
    )
    assert "figure:" in captured.err and out.is_file()


def test_sim_validate_rejects_one_run(tmp_path, capsys):
    from sim.cli import main

    assert main(["validate", "--runs", "1", "-o", str(tmp_path / "x.png")]) == 2
    assert "at least 2" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
