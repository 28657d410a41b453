"""Structural zeros: each rule is true of the engine, and the findings say "impossible"."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import sim
from sim.analysis import structural
from sim.analysis.summary import key_findings
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[3]


def rules(d: dict) -> dict:
    """The structural zeros of a raw scenario dict (resolved first, as in a manifest)."""
    return structural.impossible(load_scenario(d).data)


def baseline(drop: tuple[str, ...] = ()) -> dict:
    with (ROOT / "scenarios" / "baseline.toml").open("rb") as fh:
        d = tomllib.load(fh)
    d["model"]["mechanisms"] = [m for m in d["model"]["mechanisms"] if m not in drop]
    d["meta"]["months"] = 60
    return d


def outcomes(d: dict, tmp_path: Path, runs: int = 600):  # noqa: ANN201 - Results
    return sim.run(d, runs=runs, seed=2, out=tmp_path / "r", workers=1, annual="off")


@pytest.mark.parametrize(
    ("drop", "outcome", "column"),
    [
        (("blockade",), "blockade", "blockade"),
        (("blockade", "alliances", "war", "arms"), "blockade", "blockade"),
    ],
)
def test_a_switched_off_mechanism_gives_structural_zeros(
    tmp_path: Path, drop: tuple[str, ...], outcome: str, column: str
) -> None:
    """600 runs of five years with the mechanism off: the outcome never happens, and the
    rule names it; the full baseline has no such rule."""
    d = baseline(drop)
    zeros = rules(d)
    res = outcomes(d, tmp_path)
    o = res.table("outcomes")
    for theatre in d["theatres"]:
        assert (theatre, outcome) in zeros
        assert not o.loc[o["theatre"] == theatre, column].astype(bool).any()
    assert not rules(baseline()).get(("taiwan", outcome))


def test_crisis_off_makes_every_crisis_outcome_impossible(tmp_path: Path) -> None:
    d = baseline(("crisis", "blockade", "alliances", "war", "arms", "events", "triggers",
                  "politics", "greyzone"))  # fmt: skip
    zeros = rules(d)
    for outcome in structural.CRISIS_OUTCOMES:
        assert zeros[("taiwan", outcome)] == "the crisis mechanism is off"
    res = outcomes(d, tmp_path, runs=50)
    o = res.table("outcomes")
    assert o["first_crisis_month"].isna().all() and not o["war"].astype(bool).any()
    findings = key_findings(res)
    assert any("at least one crisis is impossible in this scenario" in f for f in findings)


def test_an_alliance_that_does_not_cover_a_theatre_never_joins_there(tmp_path: Path) -> None:
    """The baseline's alliances covering Taiwan only never join at the Senkakus: 2,000 ten-
    year runs, and the rule lists exactly those pairs."""
    d = baseline()
    d["meta"]["months"] = 120
    zeros = rules(d)
    marked = {k for k in zeros if k[1].startswith("joined:")}
    resolved = load_scenario(d).data
    covers = {a["id"]: set(a.get("covers", [])) | set(a.get("host_theatres", []))
              for a in resolved["alliances"]}  # fmt: skip
    expected = {(t, f"joined:{a}") for a, c in covers.items() for t in d["theatres"] if t not in c}
    assert marked == expected and marked
    res = sim.run(d, runs=2000, seed=3, out=tmp_path / "r", workers=1, annual="off")
    o = res.table("outcomes")
    for theatre, key in marked:
        column = f"joined_{key.split(':', 1)[1]}"
        if column in o:
            assert not o.loc[o["theatre"] == theatre, column].astype(bool).any(), key


def test_findings_say_impossible_only_for_structural_zeros(tmp_path: Path) -> None:
    res = outcomes(baseline(("blockade",)), tmp_path, runs=100)
    findings = key_findings(res)
    assert any("a blockade is impossible in this scenario (the blockade mechanism is off)"
               in f for f in findings)  # fmt: skip
    assert not any("war (rung >= 6) is impossible" in f for f in findings)
    assert not any("crisis is impossible" in f for f in findings)


def test_war_stays_possible_without_the_war_mechanism() -> None:
    """The crisis ladder reaches rung 6 with the war mechanism off (measured: wars happen),
    so no rule calls war impossible then; nuclear use is (the war mechanism decides it)."""
    zeros = rules(baseline(("war", "arms")))
    assert ("taiwan", "war") not in zeros
    assert zeros[("taiwan", "nuclear")] == "the war mechanism is off"


def test_compare_says_impossible_for_the_folder_that_cannot_produce_it(tmp_path: Path) -> None:
    on = sim.run(baseline(), runs=100, seed=2, out=tmp_path / "on", workers=1, annual="off")
    off = sim.run(baseline(("blockade",)), runs=100, seed=2, out=tmp_path / "off", workers=1,
                  annual="off")  # fmt: skip
    from sim.analysis.compare import compare_results
    from sim.analysis.compare_format import render

    c = compare_results([on, off])
    rows = c.rows[c.rows["outcome"] == "blockade.taiwan"].set_index("folder")
    assert rows["impossible"].iloc[1] == "the blockade mechanism is off"
    assert not isinstance(rows["impossible"].iloc[0], str)
    assert "impossible here (the blockade mechanism is off)" in render(c)
