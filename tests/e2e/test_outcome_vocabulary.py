"""One outcome vocabulary everywhere, sim crises, and one-line errors (issue 24, 2/4/6)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.outcome_names import (
    MEASURES,
    known_measures,
    measure,
    outcome_vector,
    parse_outcome,
    per_run_values,
)
from sim.cli import main
from sim.engine.simulate import outcome_columns
from sim.errors import SimError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("vocab")
    scenario = REPO / "scenarios" / "taiwan_blockade.toml"
    a = sim.run(scenario, runs=80, seed=3, out=root / "a", workers=1).path
    b = sim.run(
        scenario,
        runs=80,
        seed=3,
        out=root / "b",
        workers=1,
        overrides=["alliances.USA-TWN.commitment=0.1"],
    ).path
    two = sim.run(REPO / "scenarios" / "two_state.toml", runs=20, seed=3, out=root / "two").path
    return a, b, two


def wide(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "outcomes.parquet").pivot(index="run_id", columns="theatre")


def one_line(capsys, command: str) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.startswith(f"sim {command}: error:"), captured.err
    assert captured.err.count("\n") == 1, captured.err
    return captured.err


# --- the vocabulary ---------------------------------------------------------------------


def test_every_outcome_column_is_a_measure_and_known_once():
    names = known_measures()
    assert len(names) == len(set(names))
    bare = [n.split(" ")[0] for n in names]
    assert len(bare) == len(set(bare))
    for column in outcome_columns():
        m = measure(column.name)
        assert m.name in MEASURES
        assert sum(n.split(" ")[0] == m.name for n in names) == 1
    assert measure("blockade").label == "P(blockade)"
    assert measure("holder_changed").name == "lost" and measure("nuclear_use").name == "nuclear"


def test_expressions_are_probabilities(folders):
    a, _, _ = folders
    w = wide(a)
    expected = (w["war"]["taiwan"] | w["blockade"]["taiwan"]).astype(float)
    got = per_run_values(pd.read_parquet(a / "outcomes.parquet"), "war.taiwan or blockade.taiwan")
    assert got.tolist() == expected.tolist()
    o = parse_outcome("war.taiwan or blockade.taiwan")
    assert o.is_probability and o.label == "P(war.taiwan or blockade.taiwan)"
    assert parse_outcome("war_month.taiwan").is_probability  # a bare value: the share set


def test_sweep_outcomes_missing_from_the_summary_come_from_outcomes():
    summary = pd.DataFrame({"point_id": [0, 1], "theatre": ["t", "t"], "p_war": [0.0, 0.5]})
    outcomes = pd.DataFrame(
        {
            "run_id": [0, 1, 2, 3],
            "point_id": [0, 0, 1, 1],
            "theatre": ["t"] * 4,
            "war": [False, False, True, False],
            "blockade": [True, False, False, False],
            "max_rung": [4, 2, 6, 1],
        }
    )
    assert outcome_vector(summary, "war.t").tolist() == [0.0, 0.5]
    assert outcome_vector(summary, "blockade.t", outcomes).tolist() == [0.5, 0.0]
    assert outcome_vector(summary, "war.t or blockade.t", lambda: outcomes).tolist() == [0.5, 0.5]
    with pytest.raises(SimError, match="not in this sweep"):
        outcome_vector(summary, "blockade.t")


# --- sim runs --where -------------------------------------------------------------------


def test_runs_where_blockade_and_combinations(folders, capsys):
    a, _, _ = folders
    w = wide(a)
    for expr, mask in [
        ("blockade.taiwan", w["blockade"]["taiwan"]),
        ("war.taiwan or blockade.taiwan", w["war"]["taiwan"] | w["blockade"]["taiwan"]),
        ("not seized.taiwan and concession_share.taiwan>=0", ~w["seized"]["taiwan"]),
    ]:
        assert main(["runs", str(a), "--where", expr, "--all", "--format", "csv"]) == 0
        out = capsys.readouterr().out
        table = pd.read_csv(io.StringIO(out)) if out.strip() else pd.DataFrame({"run_id": []})
        assert table.run_id.tolist() == w.index[mask.to_numpy()].tolist(), expr


def test_runs_where_quoted_value_with_a_space(folders, capsys):
    a, _, _ = folders
    w = wide(a)
    n = int((w["war_path"]["taiwan"] == "bargaining failure").sum())
    assert main(["runs", str(a), "--where", "war_path.taiwan=='bargaining failure'"]) == 0
    assert f"{n} of 80 runs match" in capsys.readouterr().out
    assert main(["runs", str(a), "--where", 'war_path.taiwan!="bargaining failure"']) == 0


@pytest.mark.parametrize(
    "expr, message",
    [
        ("max_rung.taiwan>=five", "'five' is not a number"),
        ("war.taiwan ===", "one operator at a time"),
        ("war.taiwan ==", "has no value after '=='"),
        ("war.taiwan == and rung5.taiwan", "has no value after '=='"),
        ("holder_final.taiwan<CHN", "compare it with == or !="),
        ("war.taiwan==maybe", "is not true or false"),
        ("war_path.taiwan=='open", "unterminated quote"),
        ("bogus.taiwan", "unknown measure 'bogus'"),
        ("war.korea", "unknown theatre 'korea'"),
        ("(war.taiwan", "incomplete"),
        (">= 5", "expected MEASURE.THEATRE"),
        ("war.taiwan >= 5 1", "unexpected '1'"),
    ],
)
def test_runs_where_errors_are_one_line_exit_2(folders, capsys, expr, message):
    a, _, _ = folders
    assert main(["runs", str(a), "--where", expr]) == 2
    err = one_line(capsys, "runs")
    assert message in err and expr in err


def test_unknown_measure_lists_each_known_measure_once(folders, capsys):
    a, _, _ = folders
    assert main(["runs", str(a), "--where", "bogus.taiwan"]) == 2
    err = one_line(capsys, "runs")
    known = err.split("(known: ", 1)[1].rstrip(")\n")
    names = [n.strip() for n in known.replace("(or ", ",").replace(")", "").split(",")]
    assert len(names) == len(set(names)) and "blockade" in names and "war_path" in names


# --- sim crises -------------------------------------------------------------------------


def test_crises_where_matches_pandas(folders, capsys):
    a, _, _ = folders
    log = pd.read_parquet(a / "crises.parquet")
    mask = (log["theatre"] == "taiwan") & (log["peak_rung"] >= 4)
    expr = "theatre==taiwan and peak_rung>=4"
    assert main(["crises", str(a), "--where", expr, "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert f"{int(mask.sum()):,} of {len(log):,} crises match '{expr}'" in out
    head = out.splitlines()[0].split()
    assert head == ["run_id", "trigger", "theatre", "challenger", "defender", "parties",
                    "peak_rung", "ending", "opened", "ended"]  # fmt: skip
    trigger = str(log["trigger"].iloc[0])
    assert main(["crises", str(a), "--where", f"trigger=={trigger}", "--all",
                 "--format", "csv"]) == 0  # fmt: skip
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(table) == int((log["trigger"] == trigger).sum())
    assert table["opened"].str.fullmatch(r"\d{4}-\d{2}").all()


@pytest.mark.parametrize(
    "expr, message",
    [
        ("peak_rung>=high", "'high' is not a number"),
        ("rung>=5", "unknown crisis column 'rung'"),
        ("opened>=2030", "is not a month YYYY-MM"),
        ("theatre==", "has no value"),
    ],
)
def test_crises_errors_are_one_line_exit_2(folders, capsys, expr, message):
    a, _, _ = folders
    assert main(["crises", str(a), "--where", expr]) == 2
    assert message in one_line(capsys, "crises")


def test_export_has_the_crisis_log_and_blockade(folders, tmp_path, capsys):
    a, _, _ = folders
    out = tmp_path / "csv"
    assert main(["export", str(a), "--format", "csv", "--out", str(out), "--no-annual"]) == 0
    assert "crises:" in capsys.readouterr().out
    crises = pd.read_csv(out / "crises.csv")
    assert len(crises) == len(pd.read_parquet(a / "crises.parquet"))
    assert {"trigger", "kind", "opened", "ended", "peak_rung"} <= set(crises.columns)
    summary = pd.read_csv(out / "theatre_summary.csv").set_index("theatre")
    w = wide(a)
    assert np.isclose(summary.loc["taiwan", "p_blockade"], w["blockade"]["taiwan"].mean())
    assert {"p_blockade_low", "p_blockade_high", "p_seized"} <= set(summary.columns)
    book = tmp_path / "x.xlsx"
    assert main(["export", str(a), "--out", str(book), "--no-annual", "-q"]) == 0
    assert "crises" in pd.ExcelFile(book).sheet_names


def test_report_crisis_table_has_one_row_per_trigger():
    from sim.plots.paths import crises_html

    log = pd.DataFrame(
        {
            "run_id": [0, 0, 1],
            "theatre": ["t", "t", "t"],
            "trigger": ["event:joint_sword", "event:joint_patrol", "event:joint_sword"],
            "peak_rung": [3, 4, 5],
        }
    )
    html = crises_html(log, "t")
    assert html.count("<td>event</td>") == 2
    assert "joint_sword" in html and "joint_patrol" in html


# --- sim compare ------------------------------------------------------------------------


def test_compare_has_blockade_and_asked_outcomes(folders, capsys):
    a, b, _ = folders
    expr = "war.taiwan or blockade.taiwan"
    assert main(["compare", str(a), str(b), "--outcome", expr, "--format", "csv"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert "blockade.taiwan" in set(rows["outcome"]) and expr in set(rows["outcome"])
    w = wide(a)
    mine = rows[(rows["outcome"] == expr) & (rows["folder"] == a.name)]
    assert np.isclose(mine["value"].iloc[0], (w["war"]["taiwan"] | w["blockade"]["taiwan"]).mean())


def test_compare_errors_and_pairing_said_once(folders, capsys, tmp_path):
    a, b, two = folders
    assert main(["compare", str(a), str(two)]) == 2
    assert "no theatre in common" in one_line(capsys, "compare")
    assert main(["compare", str(a), str(b), "--outcome", "war.taiwan =="]) == 2
    assert "has no value" in one_line(capsys, "compare")
    assert main(["compare", str(a), str(b), "--outcome", "blockade.korea"]) == 2
    assert "unknown theatre 'korea'" in one_line(capsys, "compare")
    other = sim.run(REPO / "scenarios" / "taiwan_blockade.toml", runs=20, seed=4,
                    out=tmp_path / "c", workers=1).path  # fmt: skip
    assert main(["compare", str(a), str(other)]) == 0
    text = capsys.readouterr().out
    assert "unpaired" in text and "paired differences" not in text
    assert "paired with" not in text


def test_set_errors_name_alliances_by_id(capsys):
    scenario = str(REPO / "scenarios" / "baseline.toml")
    assert main(["check", scenario, "-q", "--set", "alliances.USA-TWN.commitment=high"]) == 2
    err = one_line(capsys, "check")
    assert "alliances.USA-TWN.commitment" in err and "alliances[" not in err
