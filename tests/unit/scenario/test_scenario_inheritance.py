"""``meta.extends``: tables merge key by key, arrays of tables by id, ``remove = true``."""

from __future__ import annotations

import pytest
from conftest import BASE_TOML, TALKS_ID, diff_keys

from sim.errors import ScenarioError
from sim.scenario import load_scenario


def child(extends: str, body: str = "", name: str = "child") -> str:
    return f'[meta]\nname = "{name}"\nextends = "{extends}"\n{body}'


@pytest.fixture
def base(write_scenario, tmp_path):
    """The base scenario in a sub-folder, and its resolved data."""
    path = write_scenario("lib/base.toml")
    return path, load_scenario(path).data


def load_child(write_scenario, body: str, extends: str = "lib/base.toml"):
    return load_scenario(write_scenario("child.toml", child(extends, body))).data


def test_depth_three_chain_changes_exactly_the_intended_values(write_scenario, base, run_sim):
    _, parent = base
    # lib/base.toml <- mid/mid.toml <- leaf.toml, each path relative to its own file
    write_scenario(
        "mid/mid.toml",
        child(
            "../lib/base.toml",
            """
[actors.JPN]
gdp_usd_bn = 5000

[[alliances]]
patron = "USA"
client = "TWN"
commitment = 0.2
""",
            name="mid",
        ),
    )
    leaf = write_scenario(
        "leaf.toml",
        child(
            "mid/mid.toml",
            """
title = "Leaf"

[model]
crisis.war_cost = 0.25

[theatres.senkaku]
interdependence = 0.5
""",
            name="leaf",
        ),
    )
    scenario = load_scenario(leaf)
    assert len(scenario.chain) == 3
    assert scenario.chain[0] == str(leaf)
    assert scenario.chain[-1].endswith("base.toml")
    assert diff_keys(parent, scenario.data) == {
        "meta.name",
        "meta.title",
        "meta.extends",
        "actors.JPN.gdp_usd_bn",
        "actors.JPN.arms.burden_target",  # derived: milex / GDP
        "alliances.USA-TWN.commitment",
        "model.crisis.war_cost",
        "theatres.senkaku.interdependence",
    }
    data = scenario.data
    assert data["meta"]["name"] == "leaf"
    assert data["meta"]["extends"] == "mid/mid.toml"
    assert data["actors"]["JPN"]["gdp_usd_bn"] == 5000.0
    assert data["model"]["crisis"]["war_cost"] == 0.25
    # the chain also works from the command line, with cwd elsewhere
    result = run_sim("check", "-q", str(leaf))
    assert result.code == 0, result.err


def test_tables_merge_key_by_key(write_scenario, base):
    _, parent = base
    data = load_child(write_scenario, "[actors.JPN]\nmisperception = 0.5\n")
    assert diff_keys(parent, data) == {"meta.name", "meta.extends", "actors.JPN.misperception"}
    assert data["actors"]["JPN"]["name"] == "Japan"
    assert data["meta"]["start"] == "2023-02"


def test_nested_table_merges_key_by_key(write_scenario, base):
    _, parent = base
    data = load_child(write_scenario, "[actors.CHN.arms.reaction]\nTWN = 0.01\n")
    # adding a reaction coefficient keeps JPN and USA, and recomputes the derived
    # Richardson grievance of CHN (intended: DERIVED defaults follow their inputs)
    assert data["actors"]["CHN"]["arms"]["reaction"] == {"JPN": 0.05, "USA": 0.02, "TWN": 0.01}
    assert diff_keys(parent, data) == {
        "meta.name",
        "meta.extends",
        "actors.CHN.arms.reaction.TWN",
        "actors.CHN.arms.grievance",
    }


def test_child_meta_values_override(write_scenario, base):
    _, parent = base
    data = load_child(write_scenario, 'months = 60\nstart = "2023-02"\n')
    assert diff_keys(parent, data) == {"meta.name", "meta.extends", "meta.months"}


@pytest.mark.parametrize(
    ("body", "changed"),
    [
        (
            '[[alliances]]\npatron = "USA"\nclient = "JPN"\ncommitment = 0.3\n',
            {"alliances.USA-JPN.commitment"},
        ),
        ('[[alliances]]\nid = "USA-JPN"\nbasing = false\n', {"alliances.USA-JPN.basing"}),
        (
            '[[grievances]]\nfrom = "CHN"\nto = "TWN"\nlevel = 0.4\nbaseline = 0.8\n',
            {"grievances.CHN-TWN.level"},
        ),
        (
            '[[events]]\nid = "roe"\nincident_probability = 0.01\n',
            {"events.roe.incident_probability"},
        ),
        (
            f'[[events]]\nid = "{TALKS_ID}"\ndescription = "first talks"\n',
            {f"events.{TALKS_ID}.description"},
        ),
    ],
    ids=[
        "alliance-by-patron-client",
        "alliance-by-id",
        "grievance",
        "event-explicit-id",
        "event-derived-id",
    ],
)
def test_arrays_merge_by_id(write_scenario, base, body, changed):
    _, parent = base
    data = load_child(write_scenario, body)
    assert diff_keys(parent, data) == {"meta.name", "meta.extends"} | changed
    assert len(data["alliances"]) == 2
    assert len(data["events"]) == 2


def test_new_items_are_appended(write_scenario, base):
    _, parent = base
    data = load_child(
        write_scenario,
        """
[[grievances]]
from = "JPN"
to = "CHN"
level = 0.3

[[events]]
at = "2025-01"
kind = "hotline"
parties = ["CHN", "JPN"]
""",
    )
    assert [g["id"] for g in data["grievances"]] == ["CHN-JPN", "CHN-TWN", "JPN-CHN"]
    assert [e["id"] for e in data["events"]] == [TALKS_ID, "roe", "hotline-2025-01-CHN-JPN"]
    assert {k.split(".")[0] for k in diff_keys(parent, data)} == {"meta", "grievances", "events"}


@pytest.mark.parametrize(
    ("body", "section", "gone"),
    [
        ('[[events]]\nid = "roe"\nremove = true\n', "events", "roe"),
        (f'[[events]]\nid = "{TALKS_ID}"\nremove = true\n', "events", TALKS_ID),
        (
            '[[events]]\nat = "2023-02"\nkind = "talks"\nparties = ["CHN", "JPN"]\nremove = true\n',
            "events",
            TALKS_ID,
        ),
        ('[[alliances]]\npatron = "USA"\nclient = "TWN"\nremove = true\n', "alliances", "USA-TWN"),
        ('[[grievances]]\nid = "CHN-JPN"\nremove = true\n', "grievances", "CHN-JPN"),
    ],
    ids=["event-explicit", "event-derived", "event-by-fields", "alliance", "grievance"],
)
def test_remove_deletes_inherited_item(write_scenario, base, body, section, gone):
    _, parent = base
    data = load_child(write_scenario, body)
    before = [item["id"] for item in parent[section]]
    after = [item["id"] for item in data[section]]
    assert after == [i for i in before if i != gone]
    assert all("remove" not in item for item in data[section])
    changed = {k.split(".")[0] for k in diff_keys(parent, data)}
    # removing USA-TWN also drops the derived 0.3 stake of the patron USA in 'taiwan'
    assert changed <= {"meta", section, "theatres"}


def test_removed_alliance_drops_derived_patron_stake(write_scenario, base):
    data = load_child(
        write_scenario, '[[alliances]]\npatron = "USA"\nclient = "TWN"\nremove = true\n'
    )
    assert "USA" not in data["theatres"]["taiwan"]["stake"]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[[events]]\nid = "nope"\nremove = true\n', "events.nope.remove"),
        (
            '[[alliances]]\npatron = "USA"\nclient = "CHN"\nremove = true\n',
            "alliances.USA-CHN.remove",
        ),
        ('[[grievances]]\nid = "JPN-CHN"\nremove = true\n', "grievances.JPN-CHN.remove"),
    ],
    ids=["event", "alliance", "grievance"],
)
def test_removing_unknown_id_is_an_error(write_scenario, base, run_sim, one_line_error, body, key):
    write_scenario("child.toml", child("lib/base.toml", body))
    line = one_line_error(run_sim("check", "child.toml"), "child.toml", key, "no inherited item")
    assert "base.toml" not in line


def test_remove_in_root_file_is_an_error(write_scenario, run_sim, one_line_error):
    write_scenario("root.toml", BASE_TOML + '\n[[events]]\nid = "other"\nremove = true\n')
    one_line_error(run_sim("check", "root.toml"), "root.toml", "events.other.remove")


def test_child_item_without_id_is_an_error(write_scenario, base, run_sim, one_line_error):
    write_scenario("child.toml", child("lib/base.toml", "[[alliances]]\ncommitment = 0.2\n"))
    one_line_error(run_sim("check", "child.toml"), "child.toml", "alliances[1]", "id")


def test_error_in_child_names_child(write_scenario, base, run_sim, one_line_error):
    write_scenario("child.toml", child("lib/base.toml", "[actors.JPN]\nmilex_usd = 50\n"))
    line = one_line_error(
        run_sim("check", "child.toml"),
        "child.toml",
        "actors.JPN.milex_usd",
        "did you mean 'milex_usd_bn'",
    )
    assert "base.toml" not in line


def test_range_error_in_child_names_child(write_scenario, base, run_sim, one_line_error):
    write_scenario("child.toml", child("lib/base.toml", "[actors.JPN]\nmilex_usd_bn = -5\n"))
    line = one_line_error(run_sim("check", "child.toml"), "child.toml", "actors.JPN.milex_usd_bn")
    assert "base.toml" not in line


def test_error_in_parent_names_parent(write_scenario, run_sim, one_line_error):
    write_scenario("lib/base.toml", BASE_TOML.replace("commitment = 0.9", "commitment = 9"))
    write_scenario("child.toml", child("lib/base.toml"))
    one_line_error(run_sim("check", "child.toml"), "lib/base.toml", "alliances.USA-JPN.commitment")


def test_missing_parent_is_error_in_child(write_scenario, run_sim, one_line_error):
    write_scenario("child.toml", child("lib/nothere.toml"))
    one_line_error(run_sim("check", "child.toml"), "child.toml", "meta.extends", "nothere.toml")


def test_extends_is_relative_to_the_file_not_cwd(write_scenario, tmp_path, monkeypatch):
    write_scenario("deep/lib/base.toml")
    path = write_scenario("deep/child.toml", child("lib/base.toml"))
    monkeypatch.chdir(tmp_path)
    assert load_scenario("deep/child.toml").name == "child"
    monkeypatch.chdir(path.parent.parent.parent)
    assert load_scenario(path).name == "child"


def test_digest_depends_on_parent_contents(write_scenario, base):
    path = write_scenario("child.toml", child("lib/base.toml"))
    first = load_scenario(path).digest
    assert load_scenario(path).digest == first
    write_scenario("lib/base.toml", BASE_TOML.replace("commitment = 0.9", "commitment = 0.8"))
    assert load_scenario(path).digest != first


def test_child_of_child_can_remove_what_middle_added(write_scenario, base):
    _, parent = base
    write_scenario(
        "mid.toml",
        child(
            "lib/base.toml",
            '[[events]]\nid = "extra"\nat = "2025-01"\n'
            'kind = "hotline"\nparties = ["CHN", "JPN"]\n',
            name="mid",
        ),
    )
    leaf = write_scenario(
        "leaf.toml", child("mid.toml", '[[events]]\nid = "extra"\nremove = true\n')
    )
    data = load_scenario(leaf).data
    assert diff_keys(parent, data) == {"meta.name", "meta.extends"}


def test_extends_cycle_raises_scenario_error(write_scenario):
    a = write_scenario("a.toml", child("b.toml", name="a"))
    write_scenario("b.toml", child("a.toml", name="b"))
    with pytest.raises(ScenarioError, match="cycle") as info:
        load_scenario(a)
    assert info.value.key == "meta.extends"
