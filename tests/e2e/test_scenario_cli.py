"""``sim check``, ``sim list`` and ``sim show`` on scenario files."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from conftest import BASE_TOML, REPO

from sim.cli import main
from sim.scenario import load_scenario

SHIPPED = sorted((REPO / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED or [None], ids=[p.name for p in SHIPPED] or ["none"])
def test_shipped_scenarios_check(path, run_sim):
    if path is None:
        pytest.skip("scenarios/ holds no *.toml files yet")
    result = run_sim("check", "-q", str(path), subprocess_=True)
    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out.strip() == f"ok: {path}"


def test_check_prints_summary(write_scenario, run_sim):
    write_scenario("base.toml")
    result = run_sim("check", "base.toml", subprocess_=True)
    assert result.code == 0, result.err
    assert result.err == ""
    out = result.out
    assert "Base test scenario  [base]" in out
    assert "2023-02 to 2033-01 (120 months), seed 7" in out
    for fragment in (
        "CHN",
        "JPN",
        "USA-JPN",
        "CHN-TWN",
        "senkaku",
        "cg_presence",
        "talks-2023-02-CHN-JPN",
        "roe",
    ):
        assert fragment in out
    assert out.rstrip().endswith("ok: base.toml")


def test_check_quiet_and_several_files(write_scenario, run_sim):
    write_scenario("a.toml")
    write_scenario("b.toml", BASE_TOML.replace('name = "base"', 'name = "b"'))
    result = run_sim("check", "-q", "a.toml", "b.toml")
    assert result.code == 0
    assert result.out.splitlines() == ["ok: a.toml", "ok: b.toml"]


def test_check_set_applies_to_every_file(write_scenario, run_sim):
    write_scenario("a.toml")
    write_scenario("b.toml")
    result = run_sim("check", "a.toml", "b.toml", "--set", "meta.months=60")
    assert result.code == 0, result.err
    assert result.out.count("(60 months)") == 2


def test_check_without_files_is_usage_error(run_sim):
    result = run_sim("check", subprocess_=True)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_unknown_command_is_usage_error(run_sim):
    result = run_sim("chek", "x.toml", subprocess_=True)
    assert result.code == 2
    assert "Traceback" not in result.err


def test_no_command_prints_help_and_exits_2(run_sim):
    result = run_sim()
    assert result.code == 2
    assert "check" in result.out


# ----------------------------------------------------------------------------------------
# sim list


def test_list_folder(write_scenario, run_sim):
    write_scenario(
        "lib/zeta.toml", BASE_TOML.replace('title = "Base test scenario"', 'title = "Zeta title"')
    )
    write_scenario(
        "lib/alpha-long-name.toml", BASE_TOML.replace('title = "Base test scenario"\n', "")
    )
    write_scenario("lib/broken.toml", BASE_TOML.replace("commitment = 0.9", "commitment = 9"))
    write_scenario("lib/notes.txt", "not a scenario")
    result = run_sim("list", "lib", subprocess_=True)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "alpha-long-name.toml",
        "broken.toml",
        "zeta.toml",
    ]
    # titles are aligned in one column; a missing title falls back to meta.name
    width = len("alpha-long-name.toml") + 2
    assert lines[0][width:] == "base"
    assert lines[2][width:] == "Zeta title"
    assert lines[1][width:].startswith("INVALID: ")
    assert "alliances.USA-JPN.commitment" in lines[1]


def test_list_children_show_their_title(write_scenario, run_sim):
    write_scenario("lib/base.toml")
    write_scenario(
        "lib/child.toml", '[meta]\nname = "child"\ntitle = "Child"\nextends = "base.toml"\n'
    )
    result = run_sim("list", "lib")
    assert result.code == 0
    assert [line.split(None, 1) for line in result.out.splitlines()] == [
        ["base.toml", "Base test scenario"],
        ["child.toml", "Child"],
    ]


def test_list_default_folder_from_environment(write_scenario, run_sim, monkeypatch):
    write_scenario("mine/one.toml")
    monkeypatch.setenv("SIM_SCENARIOS", "mine")
    result = run_sim("list")
    assert result.code == 0
    assert result.out.split() == ["one.toml", "Base", "test", "scenario"]


@pytest.mark.parametrize("folder", ["empty", "missing"])
def test_list_without_scenarios_is_one_line_error(folder, tmp_path, run_sim, one_line_error):
    (tmp_path / "empty").mkdir()
    one_line_error(run_sim("list", folder, subprocess_=True), folder, "no scenario files")


# ----------------------------------------------------------------------------------------
# sim show


def test_show_prints_resolved_toml_that_reloads(write_scenario, run_sim, tmp_path_factory):
    path = write_scenario("base.toml")
    result = run_sim("show", "base.toml", subprocess_=True)
    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out.startswith("# Resolved scenario from base.toml\n")
    parsed = tomllib.loads(result.out)
    # every default is filled in, derived values included
    # steady state of the monthly update: (46/12) / (1 - 0.9**(1/12)), about 46 / 0.1
    assert parsed["actors"]["JPN"]["capability_usd_bn"] == pytest.approx(
        46.0 / 12.0 / (1.0 - 0.9 ** (1.0 / 12.0))
    )
    assert parsed["alliances"][1]["covers"] == ["taiwan"]
    assert parsed["theatres"]["senkaku"]["stake"] == {"CHN": 0.5, "JPN": 0.5, "USA": 0.3}
    out = tmp_path_factory.mktemp("shown") / "shown.toml"
    out.write_text(result.out, encoding="utf-8")
    assert load_scenario(out).data == load_scenario(path).data
    # and showing the shown file gives the same text (a fixed point), bar the header
    again = run_sim("show", str(out))
    assert again.out.splitlines()[1:] == result.out.splitlines()[1:]


def test_show_of_child_reloads_without_extends(write_scenario, run_sim, tmp_path_factory):
    write_scenario("lib/base.toml")
    path = write_scenario(
        "child.toml",
        '[meta]\nname = "child"\nextends = "lib/base.toml"\n'
        '[[events]]\nid = "roe"\nremove = true\n',
    )
    result = run_sim("show", "child.toml")
    assert result.code == 0, result.err
    assert "extends" not in result.out
    out = tmp_path_factory.mktemp("shown") / "shown.toml"
    out.write_text(result.out, encoding="utf-8")
    shown, original = load_scenario(out).data, load_scenario(path).data
    assert original["meta"].pop("extends") == "lib/base.toml"
    assert shown["meta"].pop("extends") == ""
    assert shown == original


def test_show_header_lists_overrides(write_scenario, run_sim):
    write_scenario("base.toml")
    result = run_sim("show", "base.toml", "--set", "meta.months=60")
    assert result.out.splitlines()[1] == "# overrides: meta.months=60"
    assert tomllib.loads(result.out)["meta"]["months"] == 60


@pytest.mark.parametrize("name", ["nowhere.toml", "folder"])
def test_show_bad_file_is_one_line_error(name, tmp_path, run_sim, one_line_error):
    (tmp_path / "folder").mkdir()
    one_line_error(run_sim("show", name), name)


def test_main_returns_status_without_exiting(write_scenario, capsys, monkeypatch, tmp_path):
    write_scenario("bad.toml", BASE_TOML.replace("months = 120", "months = 0"))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "bad.toml"]) == 2
    err = capsys.readouterr().err
    assert err == "sim check: error: bad.toml: meta.months: 0 is below the minimum 1 months\n"


def test_python_dash_m_entry_point(write_scenario, run_sim):
    write_scenario("base.toml")
    result = run_sim("check", "-q", "base.toml", subprocess_=True)
    assert (result.code, result.out) == (0, "ok: base.toml\n")
    assert Path(sys.executable).exists()
