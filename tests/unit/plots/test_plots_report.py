"""The HTML report: title with overrides, key findings first, paths to escalation, crisis log."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.plots.report import build_report

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    return sim.run(
        REPO / "scenarios" / "baseline.toml",
        runs=200,
        seed=5,
        overrides=["alliances.USA-TWN.commitment=0.9"],
        out=base / "b",
        workers=1,
    ).path


def _text(page: str) -> str:
    page = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_title_findings_and_paths(folder, monkeypatch):
    import sim.plots.paths

    monkeypatch.setattr(sim.plots.paths, "read_crises", lambda path: None)  # a v1 folder
    r = sim.load_results(folder)
    page = build_report(r)
    title = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert "baseline-2023" in title and "alliances.USA-TWN.commitment=0.9" in title
    assert "<title>" in page and "commitment=0.9" in page.split("</title>")[0]
    assert page.index("Key findings") < page.index("<h2>Description")
    from sim.analysis.summary import key_findings

    for line in key_findings(r)[:2]:
        assert html.escape(line) in page
    # every figure caption names the override
    for cap in re.findall(r"<figcaption>(.*?)</figcaption>", page):
        assert "commitment=0.9" in cap
    # paths to escalation: counts equal the outcome table
    text = _text(page)
    o = r.outcomes
    for _, g in o.groupby("theatre"):
        up = int((g["max_rung"] >= 4).sum())
        if up:
            assert f"{up:,} ({up / len(g):.1%}) of {len(g):,} runs reached rung 4" in text
    assert "Paths to escalation" in text and "sim trace" in text
    assert "Crisis log" not in text


@pytest.mark.slow
def test_crisis_log_when_present(folder, monkeypatch):
    import sim.plots.paths

    crises = pd.DataFrame(
        {
            "run_id": [0, 0, 1, 2, 3],
            "theatre": ["taiwan", "taiwan", "taiwan", "senkaku", "taiwan"],
            "opened_month": [1, 20, 5, 7, 9],
            "trigger": [
                "incident:adiz_incursions",
                "deliberate:exercise",
                "incident:adiz_incursions",
                "incident:presence_days",
                "event",
            ],
            "challenger": ["CHN"] * 5,
            "defender": ["TWN", "TWN", "TWN", "JPN", "TWN"],
            "parties": ["CHN,TWN"] * 5,
            "peak_rung": [3, 5, 4, 3, 6],
            "ended_month": [4, 26, 8, 9, 30],
            "ending": ["settled", "settled", "settled", "open", "war"],
        }
    )
    monkeypatch.setattr(sim.plots.paths, "read_crises", lambda path: crises)
    text = _text(build_report(sim.load_results(folder)))
    assert "Crisis log: 4 crises in 3 runs" in text
    assert "Crisis log: 1 crises in 1 runs" in text
    taiwan = text[text.index("Crisis log: 4 crises") :]
    # one row per trigger: adiz_incursions 2 of 4 crises, peaks 3 and 4 (mean 3.5); event: war
    assert re.search(r"incident\s+adiz_incursions\s+2 \(50\.0%\)\s+3\.50", taiwan)
    assert re.search(r"event\s+–\s+1 \(25\.0%\)\s+6\.00", taiwan)
    # a log without the expected columns is ignored, not an error
    monkeypatch.setattr(
        sim.plots.paths, "read_crises", lambda path: crises.drop(columns=["trigger"])
    )
    assert "Paths to escalation" in _text(build_report(sim.load_results(folder)))


@pytest.mark.slow
def test_crisis_log_of_a_real_run(folder):
    r = sim.load_results(folder)
    if not (folder / "crises.parquet").exists():
        pytest.skip("the engine writes no crisis log yet")
    log = pd.read_parquet(folder / "crises.parquet")
    text = _text(build_report(r))
    for _, g in log.groupby("theatre"):
        assert f"Crisis log: {len(g):,} crises in {g.run_id.nunique():,} runs" in text
