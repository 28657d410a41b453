"""Plain-language findings: `key_findings`, P(war by year) and the summary's opening."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.analysis.summary import format_findings, key_findings, likelihood, war_by_year

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def invasion(tmp_path_factory):
    out = tmp_path_factory.mktemp("inv") / "r"
    return sim.run(
        REPO / "scenarios" / "taiwan_invasion.toml", runs=200, seed=3, out=out, workers=1
    )


def test_likelihood_words_follow_the_interval():
    assert likelihood(0.0, 0.005) == "very unlikely"
    assert likelihood(0.01, 0.2) == "unlikely"
    assert likelihood(0.4, 0.6) == "about as likely as not"
    assert likelihood(0.7, 0.8) == "likely"
    assert likelihood(0.95, 0.99) == "very likely"
    assert likelihood(0.995, 1.0) == "almost certain"
    assert likelihood(0.2, 0.5) == "possible"


def test_key_findings_say_what_is_likely_and_what_is_not(invasion):
    lines = key_findings(invasion)
    out = invasion.outcomes
    taiwan_war = int(out[out.theatre == "taiwan"].war.sum())
    senkaku_war = int(out[out.theatre == "senkaku"].war.sum())
    assert any(
        line.startswith("taiwan: war (rung >= 6) within 10 years is ")
        and f"{taiwan_war:,} of 200 runs" in line
        and "95% CI" in line
        for line in lines
    )
    assert any(
        line.startswith("senkaku: war") and f"{senkaku_war} of 200 runs" in line for line in lines
    )
    assert any("taiwan: at least one crisis" in line for line in lines)
    assert all(line.endswith(".") for line in lines)


def test_war_by_year_is_cumulative_and_ends_at_the_overall_share(invasion):
    table = war_by_year(invasion)
    out = invasion.outcomes
    for theatre, g in table.groupby("theatre"):
        assert g["year"].tolist() == list(range(2023, 2034))
        assert g["wars"].is_monotonic_increasing
        assert g["wars"].iloc[-1] == int(out[out.theatre == theatre].war.sum())
        assert (g["p_war_low"] <= g["p_war"] + 1e-12).all()
        assert (g["p_war"] <= g["p_war_high"] + 1e-12).all()


def test_sim_run_prints_findings_first_then_crisis_interval(tmp_path, capsys):
    from sim.cli import main

    status = main(
        [
            "run",
            str(REPO / "scenarios" / "two_state.toml"),
            "--runs",
            "50",
            "--seed",
            "1",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    assert status == 0
    text = capsys.readouterr().out
    assert text.index("Key findings:") < text.index("P(war by the end of year)")
    assert text.index("P(war by the end of year)") < text.index("P(war, rung >= 6)")
    assert "P(any crisis)" in text.split("P(war, rung >= 6)")[1].split("\n")[1]
    line = next(x for x in text.splitlines() if x.strip().startswith("P(any crisis)"))
    assert "95% CI" in line
    assert format_findings(sim.load_results(tmp_path / "r")).splitlines()[0] == "Key findings:"
