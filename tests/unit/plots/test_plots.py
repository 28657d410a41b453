"""Figures, compare and the HTML report, rendered from small real runs.

Every figure function returns the numbers it plotted; the tests check those against the
result tables (outcomes, annual), check that written files are valid images, and check
the command-line errors (one line, exit status 2).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim

REPO = Path(__file__).resolve().parents[3]
SCEN = REPO / "scenarios"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Small real result folders: baseline, taiwan_invasion, two_state (200 runs)."""
    base = tmp_path_factory.mktemp("plots")
    out = {}
    for name in ("baseline", "taiwan_invasion", "two_state"):
        out[name] = sim.run(
            SCEN / f"{name}.toml", runs=200, seed=1, out=base / name, workers=1
        ).path
    return out


@pytest.fixture(scope="module")
def baseline(folders):
    return sim.load_results(folders["baseline"])


@pytest.fixture(scope="module")
def invasion(folders):
    return sim.load_results(folders["taiwan_invasion"])


def close(plots):
    for p in plots:
        p.close()


def assert_png(path: Path) -> None:
    import matplotlib.image as mpimg

    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 200


# --- data match the tables ------------------------------------------------------------------


def test_war_matches_outcomes(baseline, invasion):
    from sim.analysis.intervals import wilson
    from sim.plots.war import plot_war

    for r in (baseline, invasion):
        plots = plot_war([r])
        d = plots[0].data.set_index("theatre")
        expected = r.outcomes.groupby("theatre")["war"].mean()
        pd.testing.assert_series_equal(
            d["p"].sort_index(), expected.sort_index(), check_names=False
        )
        assert (d["low"] <= d["p"] + 1e-12).all() and (d["p"] <= d["high"] + 1e-12).all()
        lo, hi = wilson(d["wars"].to_numpy(), d["runs"].to_numpy())
        np.testing.assert_allclose(d["low"], lo)
        np.testing.assert_allclose(d["high"], hi)
        close(plots)
    # the invasion scenario goes to war in Taiwan in (almost) every run
    assert invasion.outcomes.groupby("theatre")["war"].mean()["taiwan"] > 0.5


def test_ladder_matches_outcomes(baseline):
    from sim.plots.ladder import plot_ladder
    from sim.scenario.schema import RUNG_NAMES

    plots = plot_ladder([baseline])
    d = plots[0].data
    for th, g in baseline.outcomes.groupby("theatre"):
        shares = g["max_rung"].astype(int).value_counts(normalize=True)
        got = d[d.theatre == th].set_index("rung")["share"]
        assert len(got) == len(RUNG_NAMES)
        assert got.sum() == pytest.approx(1.0)
        for rung, share in got.items():
            assert share == pytest.approx(shares.get(rung, 0.0))
    assert set(d["rung_name"]) == set(RUNG_NAMES)
    # the summary in the manifest agrees too
    for rec in baseline.summary:
        got = d[d.theatre == rec["theatre"]].sort_values("rung")["share"].to_numpy()
        np.testing.assert_allclose(got, rec["rung_share"])
    close(plots)


def test_kaplan_meier_at_horizon_is_one_minus_event_share(baseline, invasion):
    from sim.plots.survival import plot_survival

    for r in (baseline, invasion):
        plots = plot_survival([r])
        d = plots[0].data
        horizon = r.manifest["months"]
        for (th, event), g in d.groupby(["theatre", "event"]):
            col = {"crisis": "first_crisis_month", "war": "war_month"}[event]
            o = r.outcomes[r.outcomes.theatre == th]
            at_h = g[g.time == horizon]["survival"].iloc[-1]
            assert at_h == pytest.approx(1 - o[col].notna().mean())
            assert g["time"].iloc[0] == 0 and g["survival"].iloc[0] == pytest.approx(1.0)
            assert (np.diff(g["survival"].to_numpy()) <= 1e-12).all()  # non-increasing
            assert (
                (g["low"] <= g["survival"] + 1e-12) & (g["survival"] <= g["high"] + 1e-12)
            ).all()
            assert g["low"].between(0, 1).all() and g["high"].between(0, 1).all()
        close(plots)


def test_kaplan_meier_against_hand_computation():
    from sim.plots.survival import kaplan_meier

    # times 1,2,2,3(censored),4 ; hand: S(1)=4/5, S(2)=4/5*1/4... at risk 4, 2 events -> 0.4
    km = kaplan_meier(np.array([1, 2, 2, 3, 4.0]), np.array([1, 1, 1, 0, 1], dtype=bool))
    s = dict(zip(km["time"], km["survival"], strict=True))
    assert s[0] == 1 and s[1] == pytest.approx(0.8) and s[2] == pytest.approx(0.4)
    assert s[3] == pytest.approx(0.4) and s[4] == pytest.approx(0.0)
    # Greenwood variance at t=2: S^2 * (1/(5*4) + 2/(4*2)) ; exp-Greenwood band contains S
    row = km[km.time == 2].iloc[0]
    assert row.low < 0.4 < row.high


def test_fan_matches_annual_quantiles(baseline):
    from sim.plots.common import full_years
    from sim.plots.fan import plot_fan

    plots = plot_fan([baseline], metric="milex_usd_bn", subject="JPN")
    d = plots[0].data
    a = baseline.annual
    jpn = a[(a.metric == "milex_usd_bn") & (a.subject == "JPN")]
    for y, g in jpn.groupby("year"):
        row = d[d.year == y].iloc[0]
        assert row.q50 == pytest.approx(float(np.median(g["value"])))
        assert row.q05 <= row.q25 <= row.q50 <= row.q75 <= row.q95
    assert set(d.year) == set(jpn.year)  # spending is a level: partial years kept
    close(plots)
    # default fans: spending and grey-zone; counts drop partial years
    plots = plot_fan([baseline])
    names = [p.name for p in plots]
    assert names == ["fan-spending", "fan-greyzone"]
    gz = plots[1].data
    assert set(gz.year) <= set(full_years(baseline.manifest))
    close(plots)


def test_grievance_edges_are_mean_over_runs(baseline):
    from sim.plots.grievance import default_year, plot_grievance

    year = default_year(baseline)
    assert year == 2032  # 120 months from 2023-02: 2033 has one month only
    plots = plot_grievance([baseline])
    d = plots[0].data
    a = baseline.annual
    g = a[(a.metric == "grievance") & (a.year == year)].groupby("subject")["value"].mean()
    for e in d.itertuples():
        assert e.mean == pytest.approx(g[f"{e.source}-{e.target}"])
    close(plots)
    plots = plot_grievance([baseline], year=2025)
    assert plots[0].meta["year"] == 2025
    close(plots)


def test_compare_labels_by_title(baseline, invasion):
    from sim.plots.compare import compare

    plots = compare([baseline, invasion])
    assert [p.name for p in plots] == ["ladder", "war", "survival"]
    war = plots[1].data
    assert set(war.scenario) == {baseline.title, invasion.title}
    for r in (baseline, invasion):
        exp = r.outcomes.groupby("theatre")["war"].mean()
        got = war[war.scenario == r.title].set_index("theatre")["p"]
        pd.testing.assert_series_equal(got.sort_index(), exp.sort_index(), check_names=False)
    close(plots)


# --- files and the command line -------------------------------------------------------------


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd or REPO
    )


@pytest.mark.slow
def test_sim_plot_writes_every_suitable_kind(folders, tmp_path):
    from sim.cli import main

    assert main(["plot", str(folders["baseline"])]) == 0
    figs = folders["baseline"] / "figures"
    names = sorted(p.name for p in figs.iterdir())
    assert names == sorted(
        [
            "ladder.png",
            "war.png",
            "survival.png",
            "fan-spending.png",
            "fan-greyzone.png",
            "grievance.png",
        ]
    )
    for p in figs.iterdir():
        assert_png(p)
        assert p.stat().st_size < 400_000


def test_formats_and_output_rules(folders, tmp_path):
    from sim.cli import main

    d = str(folders["two_state"])
    assert main(["plot", d, "--kind", "war", "-o", str(tmp_path / "w.svg")]) == 0
    ET.parse(tmp_path / "w.svg")  # well-formed XML
    assert (
        main(
            ["plot", d, "--kind", "ladder", "--figure-format", "pdf", "-o", str(tmp_path / "l.pdf")]
        )
        == 0
    )
    assert (tmp_path / "l.pdf").read_bytes()[:4] == b"%PDF"
    # several kinds and -o with a suffix: a stem
    assert (
        main(
            ["plot", d, "--kind", "war", "--kind", "survival", "-o", str(tmp_path / "s" / "x.png")]
        )
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["x-survival.png", "x-war.png"]
    # several kinds and -o without a suffix: a folder
    assert main(["plot", d, "--kind", "war", "--kind", "fan", "-o", str(tmp_path / "f")]) == 0
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["fan-spending.png", "war.png"]
    for p in (tmp_path / "f").iterdir():
        assert_png(p)
    # two_state has no grievances: no grievance figure by default
    assert main(["plot", d, "-o", str(tmp_path / "all")]) == 0
    assert "grievance.png" not in {p.name for p in (tmp_path / "all").iterdir()}


@pytest.mark.slow
def test_compare_cli(folders, tmp_path):
    from sim.cli import main

    assert (
        main(
            [
                "compare",
                str(folders["baseline"]),
                str(folders["taiwan_invasion"]),
                str(folders["two_state"]),
                "--figures",
                "-o",
                str(tmp_path / "cmp"),
            ]
        )
        == 0
    )
    names = sorted(p.name for p in (tmp_path / "cmp").iterdir())
    assert names == [
        "compare-ladder.png",
        "compare-survival.png",
        "compare-war.png",
        "compare.txt",
    ]
    for p in (tmp_path / "cmp").glob("*.png"):
        assert_png(p)


@pytest.mark.slow
def test_report_is_self_contained(folders, baseline, tmp_path):
    from sim.cli import main

    out = tmp_path / "r.html"
    assert main(["report", str(folders["baseline"]), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text)
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert "url(" not in text
    assert baseline.title in text or baseline.title.replace("'", "&#x27;") in text
    assert baseline.manifest["scenario"]["meta"]["question"][:40] in text
    assert text.count("data:image/png;base64,") == 6
    for rec in baseline.summary:
        assert f"{rec['p_war']:.1%}" in text
    m = baseline.manifest
    for piece in (
        m["package_version"],
        m["git_commit"],
        str(m["master_seed"]),
        f"{m['runs']:,}",
        m["started"],
    ):
        assert piece in text


def test_report_war_probability_text_for_invasion(folders, invasion, tmp_path):
    from sim.plots.report import build_report

    text = build_report(invasion)
    p = invasion.outcomes.groupby("theatre")["war"].mean()
    for value in p:
        assert f"{value:.1%}" in text


def one_line_error(capsys, *args: str) -> str:
    """Run ``sim ARGS`` in-process; assert exit status 2 and one line on stderr."""
    from sim.cli import main

    capsys.readouterr()
    assert main(list(args)) == 2, args
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, (args, err)
    return lines[0]


def test_cli_errors_are_one_line_exit_2(folders, tmp_path, capsys):
    d = str(folders["baseline"])
    cases = [
        (["plot", d, "--kind", "bogus"], "choose from ladder, war, survival, fan, grievance"),
        (["plot", d, "--metric", "nope"], "milex_usd_bn"),
        (["plot", d, "--metric", "milex_usd_bn", "--subject", "XXX"], "JPN"),
        (["plot", d, "--kind", "grievance", "--year", "1999"], "2023"),
        (["plot", d, "--kind", "war", "--figure-format", "gif"], "png, svg, pdf"),
        (["plot", str(tmp_path / "missing")], "no such result folder"),
        (["plot", str(tmp_path)], "manifest"),
        (["compare", d], "at least two"),
        (["compare", d, d, "--kind", "fan"], "ladder, war, survival"),
        (["report", str(tmp_path / "missing")], "no such result folder"),
    ]
    for args, needle in cases:
        line = one_line_error(capsys, *args)
        assert needle in line, (args, line)
    assert not (folders["baseline"] / "figures" / "war.gif").exists()


def test_cli_error_end_to_end(folders):
    res = run_cli("plot", str(folders["baseline"]), "--kind", "bogus")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr


def test_tampered_folder_is_one_line_error(folders, tmp_path, capsys):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(folders["two_state"], bad)
    with open(bad / "outcomes.parquet", "ab") as f:
        f.write(b"junk")
    assert "outcomes.parquet" in one_line_error(capsys, "plot", str(bad))
    m = json.loads((bad / "manifest.json").read_text())
    m["status"] = "running"
    (bad / "manifest.json").write_text(json.dumps(m))
    one_line_error(capsys, "report", str(bad))


def test_cli_import_path_has_no_matplotlib():
    code = (
        "import sys; from sim.cli import build_parser; build_parser(); "
        "print('matplotlib' in sys.modules)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert res.stdout.strip() == "False", res.stderr


def test_every_figure_has_caption(baseline):
    from sim.plots.kinds import KINDS

    for kind in KINDS.values():
        if not kind.suits(baseline):  # sweep kinds: covered in test_plots_sweep.py
            continue
        for p in kind.draw([baseline]):
            texts = [" ".join(t.get_text().split()) for t in p.figure.texts]
            assert any(
                "Source: escalation-sim" in t and "seed 1" in t and "200 runs" in t for t in texts
            ), (p.name, texts)
            p.close()
