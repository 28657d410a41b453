"""One command-line vocabulary: --out, --annual, -q, help texts with examples, sim list."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]
OWN = [
    "run", "sweep", "demo", "check", "list", "show", "trace", "validate", "analyze",
    "discover", "runs", "export",
]  # fmt: skip
WRITERS = [
    "run", "sweep", "demo", "validate", "export", "runs", "crises", "trace", "show", "analyze",
    "plot", "compare", "report", "calibrate",
]  # fmt: skip


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", OWN)
def test_every_option_and_positional_has_help_and_two_examples(name):
    p = subparsers()[name]
    for action in p._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"sim {name}: {action.option_strings or action.dest} has no help"
    assert p.formatter_class is argparse.RawDescriptionHelpFormatter
    epilog = p.epilog or ""
    assert epilog.startswith("examples:")
    assert [line.strip().split()[:2] for line in epilog.splitlines()[1:]] == [["sim", name]] * 2


@pytest.mark.parametrize("name", WRITERS)
def test_every_writer_takes_out_and_o(name):
    p = subparsers()[name]
    out = next(a for a in p._actions if a.dest == "out")
    assert "--out" in out.option_strings and "-o" in out.option_strings


def test_validate_keeps_output_alias():
    p = subparsers()["validate"]
    assert p.parse_args(["--output", "x.png"]).out == "x.png"
    assert p.parse_args(["-o", "y.png"]).out == "y.png"
    assert p.parse_args([]).out.startswith("results")  # never a tracked file by default


# --- one option vocabulary across every command ---------------------------------------


def all_parsers() -> dict[str, argparse.ArgumentParser]:
    """Every subcommand's parser, walked from the top-level parser (none is left out)."""
    return subparsers()


def test_the_walk_finds_every_command():
    assert set(OWN) | {"viz", "plot", "compare", "report", "calibrate", "crises"} <= set(
        all_parsers()
    )


@pytest.mark.parametrize("name", sorted(subparsers()))
def test_vocabulary_of_every_command(name):
    """-q/--quiet everywhere; an output is -o/--out; --format a table; --figure-format images."""
    from sim.cli.args import DEFAULT_RUNS, FIGURE_FORMATS

    p = all_parsers()[name]
    shown = {o for a in p._actions if a.help != argparse.SUPPRESS for o in a.option_strings}
    by_option = {o: a for a in p._actions for o in a.option_strings}
    assert {"-q", "--quiet"} <= shown, f"sim {name} has no -q/--quiet"
    assert by_option["-q"] is by_option["--quiet"]
    for a in p._actions:
        if a.dest == "out" and a.help != argparse.SUPPRESS:
            assert {"-o", "--out"} <= set(a.option_strings), f"sim {name}: {a.option_strings}"
    assert "--output" not in shown, f"sim {name}: --output is a hidden alias of -o/--out"
    if "--format" in shown:  # a table's format, never an image's
        assert not set(by_option["--format"].choices or ()) & set(FIGURE_FORMATS)
    if "--figure-format" in shown:
        assert by_option["--figure-format"].metavar == "{" + ",".join(FIGURE_FORMATS) + "}"
    runs = by_option.get("--runs")
    if runs is not None and name not in ("sweep", "calibrate"):  # per point, per particle
        assert runs.default == DEFAULT_RUNS, f"sim {name} --runs defaults to {runs.default}"
    text = p.format_help()
    assert "%%" not in text, f"sim {name} --help shows a literal %%"


def test_top_level_help_has_no_double_percent():
    assert "%%" not in build_parser().format_help()


@pytest.mark.parametrize(
    "name, old, new, value",
    [
        ("plot", "--output", "out", "x.png"),
        ("compare", "--output", "out", "x.csv"),
        ("report", "--output", "out", "x.html"),
        ("validate", "--output", "out", "x.png"),
        ("plot", "--format", "figure_format", "svg"),
    ],
)
def test_old_spellings_still_work_with_a_note(name, old, new, value, capsys):
    p = all_parsers()[name]
    positional = {"plot": ["DIR"], "compare": ["A", "B"], "report": ["DIR"], "validate": []}
    args = p.parse_args([*positional[name], old, value])
    assert getattr(args, new) == value
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{old} is deprecated" in err
    assert old not in p.format_help().replace(f"{old}-", "")  # hidden from --help


def test_validate_out_is_a_folder_and_a_file_still_works():
    from sim.cli.validate import figure_path

    assert figure_path("results/hindcast", None) == Path("results/hindcast/hindcast.png")
    assert figure_path("out", "svg") == Path("out/hindcast.svg")
    assert figure_path("my/fig.png", None) == Path("my/fig.png")


def test_trace_quiet_leaves_out_the_legend_and_out_writes_a_file(tmp_path, capsys):
    scen = str(REPO / "scenarios" / "two_state.toml")
    assert main(["trace", scen, "--seed", "3", "-q"]) == 0
    quiet = capsys.readouterr().out
    assert main(["trace", scen, "--seed", "3", "-o", str(tmp_path / "t.txt")]) == 0
    assert capsys.readouterr().out.strip() == f"trace: {tmp_path / 't.txt'}"
    full = (tmp_path / "t.txt").read_text()
    assert len(quiet) < len(full) and quiet.splitlines()[0] == full.splitlines()[0]


def test_list_quiet_prints_names_only(capsys):
    assert main(["list", "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "baseline.toml" in lines and all(" " not in line for line in lines)


def test_annual_takes_the_same_values_on_run_and_sweep():
    run, sweep = subparsers()["run"], subparsers()["sweep"]
    for value in ("auto", "all", "sample", "off"):
        assert run.parse_args(["x.toml", "--annual", value]).annual == value
        assert sweep.parse_args(["x.toml", "--annual", value]).annual == value


def test_sweep_annual_sample_keeps_the_first_runs():
    from sim.sweep.run import sweep_annual_runs

    assert sweep_annual_runs("all", 50_000) == 50_000
    assert sweep_annual_runs("on", 500) == 500
    assert sweep_annual_runs("sample", 50_000) == 10_000
    assert sweep_annual_runs("off", 500) == 0
    assert sweep_annual_runs("auto", 500) == 500 and sweep_annual_runs("auto", 50_000) == 0


@pytest.mark.parametrize("name", ["run", "sweep", "demo", "check", "validate", "export"])
def test_quiet_means_the_same(name):
    p = subparsers()[name]
    quiet = next(a for a in p._actions if a.dest == "quiet")
    assert set(quiet.option_strings) == {"-q", "--quiet"}
    assert "no summary" in quiet.help


def test_run_quiet_prints_only_the_path_and_header_names_overrides(tmp_path, capsys):
    scen = str(REPO / "scenarios" / "two_state.toml")
    common = ["--runs", "30", "--workers", "1", "--set", "model.crisis.war_cost=0.1"]
    assert main(["run", scen, *common, "--out", str(tmp_path / "q"), "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"results: {tmp_path / 'q'}/")
    assert main(["run", scen, *common, "--out", str(tmp_path / "v")]) == 0
    text = capsys.readouterr().out
    assert "overrides (--set): model.crisis.war_cost=0.1" in text.splitlines()[1]
    assert json.loads((tmp_path / "v" / "manifest.json").read_text())["overrides"] == [
        "model.crisis.war_cost=0.1"
    ]


def test_default_folder_names_say_the_overrides_in_words(monkeypatch, tmp_path):
    import re

    from sim.results.names import folder_name, free_folder
    from sim.runner.ensemble import default_out
    from sim.scenario import load_scenario
    from sim.sweep.run import default_sweep_out

    monkeypatch.chdir(tmp_path)
    scen = REPO / "scenarios" / "baseline.toml"
    assert re.fullmatch(r"baseline-2023__[0-9a-f]{6}", default_out(load_scenario(scen)).name)
    one = load_scenario(scen, ["alliances.USA-TWN.commitment=0.5"])
    assert re.fullmatch(r"baseline-2023__commitment-0.5__[0-9a-f]{6}", default_out(one).name)
    sweep = default_sweep_out(one).name
    assert re.fullmatch(r"baseline-2023__sweep__commitment-0.5__[0-9a-f]{6}", sweep)
    other = load_scenario(scen, ["alliances.USA-JPN.commitment=0.5"])
    assert default_out(other).name != default_out(one).name  # the hash tells them apart
    many = [f"actors.JPN.arms.reaction.CHN=0.0{i}" for i in range(1, 6)]
    name = folder_name("base", many)
    assert name.startswith("base__CHN-0.01__CHN-0.02") and re.search(r"\+\d__[0-9a-f]{6}$", name)
    taken = tmp_path / "x"
    taken.mkdir()
    (taken / "manifest.json").write_text("{}")
    assert free_folder(tmp_path, "x") == tmp_path / "x-2"
    assert free_folder(tmp_path, "y") == tmp_path / "y"


def test_list_finds_the_shipped_scenarios_from_any_directory(tmp_path):
    env_cmd = [sys.executable, "-m", "sim", "list"]
    done = subprocess.run(env_cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    names = [line.split()[0] for line in done.stdout.splitlines()]
    assert "baseline.toml" in names and "two_state.toml" in names


def test_list_and_wheel_share_the_scenarios_folder():
    text = (REPO / "pyproject.toml").read_text()
    assert '"share/escalation-sim/scenarios" = ["scenarios/*.toml"]' in text


# --- sim runs --where ------------------------------------------------------------------


@pytest.fixture(scope="module")
def invasion(tmp_path_factory):
    out = tmp_path_factory.mktemp("inv") / "r"
    sim.run(REPO / "scenarios" / "taiwan_invasion.toml", runs=120, seed=3, out=out, workers=1)
    return out


def wide(folder: Path) -> pd.DataFrame:
    out = pd.read_parquet(folder / "outcomes.parquet")
    return out.pivot(index="run_id", columns="theatre")


def test_runs_where_matches_pandas(invasion, capsys):
    w = wide(invasion)
    expected = w.index[(w["war"]["taiwan"]) & (w["max_rung"]["senkaku"] >= 3)].tolist()
    assert main(["runs", str(invasion), "--where", "war.taiwan and max_rung.senkaku>=3",
                 "--all", "--format", "csv"]) == 0  # fmt: skip
    table = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert table.run_id.tolist() == expected
    seeds = pd.read_parquet(invasion / "runs.parquet").set_index("run_id").seed
    assert table.seed.astype("uint64").tolist() == seeds.loc[expected].tolist()
    assert "max_rung.senkaku" in table.columns and "crises.taiwan" in table.columns


def test_runs_where_or_not_limit_and_json(invasion, capsys):
    w = wide(invasion)
    mask = (w["crises"]["taiwan"] > 2) | ~(w["war"]["taiwan"])
    assert main(["runs", str(invasion), "--where", "crises.taiwan>2 or not war.taiwan",
                 "--limit", "3", "--format", "json"]) == 0  # fmt: skip
    records = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in records] == w.index[mask].tolist()[:3]
    assert main(["runs", str(invasion), "--where", "rung5.taiwan", "--limit", "2"]) == 0
    text = capsys.readouterr().out
    n = int((w["max_rung"]["taiwan"] >= 5).sum())
    assert f"{n} of 120 runs match 'rung5.taiwan'; showing the first 2" in text
    assert "sim trace" in text


@pytest.mark.parametrize(
    "expr, message",
    [("war.nowhere", "unknown theatre"), ("foo.taiwan", "unknown measure"),
     ("war.taiwan and", "incomplete"), ("war.taiwan >= 1 1", "unexpected")],
)  # fmt: skip
def test_runs_where_errors_are_one_line(invasion, capsys, expr, message):
    assert main(["runs", str(invasion), "--where", expr]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sim runs: error:") and message in err and err.count("\n") == 1


# --- sim trace explains its terms ------------------------------------------------------


def test_trace_has_a_legend_and_plain_words(invasion, capsys):
    w = wide(invasion)
    run_id = int(w.index[w["war"]["taiwan"]][0])
    assert main(["trace", str(invasion), str(run_id)]) == 0
    text = capsys.readouterr().out
    for term in ("E_ch ", "E_df ", "gap ", "rung ", "moves "):
        assert f"\n  {term}" in text
    lines = text.splitlines()
    moves = [i for i, line in enumerate(lines) if "E_ch=" in line and "]" in line]
    assert moves, "an invasion run has crisis moves"
    for i in moves:
        assert lines[i + 1].lstrip().startswith("= the challenger expects to")


# --- sim export -------------------------------------------------------------------------


def test_export_xlsx_and_csv(invasion, tmp_path, capsys):
    book = tmp_path / "x.xlsx"
    assert main(["export", str(invasion), "--format", "xlsx", "--out", str(book)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"export: {book}"
    sheets = pd.read_excel(book, sheet_name=None, dtype={"seed": str})
    assert {"about", "theatre_summary", "runs", "outcomes", "annual"} <= set(sheets)
    runs = pd.read_parquet(invasion / "runs.parquet")
    assert sheets["runs"].seed.astype("uint64").tolist() == runs.seed.tolist()  # exact
    assert len(sheets["outcomes"]) == 240
    csv = tmp_path / "csv"
    assert main(["export", str(invasion), "--format", "csv", "-o", str(csv), "-q"]) == 0
    assert capsys.readouterr().out == f"export: {csv}\n"
    assert len(pd.read_csv(csv / "outcomes.csv")) == 240


def test_export_sweep_joins_points_and_summaries(tmp_path, capsys):
    from sim.scenario import load_scenario
    from sim.sweep.run import run_sweep

    out = tmp_path / "s"
    run_sweep(
        load_scenario(REPO / "scenarios" / "two_state.toml", ["meta.months=24"]),
        params=["model.crisis.war_cost=0.01:0.3"],
        points=3,
        runs=5,
        seed=1,
        out=out,
        workers=1,
    )
    assert main(["export", str(out), "--format", "csv", "--out", str(tmp_path / "c")]) == 0
    joined = pd.read_csv(tmp_path / "c" / "points_summary.csv")
    assert {"point_id", "model.crisis.war_cost", "theatre", "p_war", "p_war_high"} <= set(
        joined.columns
    )
    assert len(joined) == 3 * joined.theatre.nunique()
