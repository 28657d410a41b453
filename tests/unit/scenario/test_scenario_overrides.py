"""``--set PATH=VALUE`` and ``load_scenario(path, {PATH: value})`` overrides.

Each override must change exactly the intended value of the resolved scenario. Fields
with DERIVED defaults are recomputed from the overridden inputs, which is intended:
``capability_usd_bn`` (milex / depreciation) and ``arms.grievance`` (the Richardson
equilibrium term, which depends on the actor's own milex and on the milex of every rival
it reacts to) follow ``milex_usd_bn`` and ``arms.reaction``; a grievance's ``baseline``
follows its ``level``. The expected difference sets below list those derived keys.
"""

from __future__ import annotations

import tomllib

import pytest
from conftest import BASE_TOML, TALKS_ID, diff_keys

from sim.errors import ScenarioError
from sim.scenario import load_scenario

OVERRIDES = [
    # (text override, python value, expected changed keys)
    (
        "actors.JPN.milex_usd_bn=60",
        60,
        {
            "actors.JPN.milex_usd_bn",
            "actors.JPN.capability_usd_bn",  # derived: milex / depreciation
            "actors.JPN.arms.grievance",  # derived: fatigue * milex - sum(k * rival milex)
            "actors.CHN.arms.grievance",  # derived: CHN reacts to JPN's milex
            "actors.JPN.arms.burden_target",  # derived: milex / GDP
        },
    ),
    ("alliances.USA-TWN.commitment=0", 0, {"alliances.USA-TWN.commitment"}),
    ("alliances.USA-JPN.basing=false", False, {"alliances.USA-JPN.basing"}),
    (
        "grievances.CHN-JPN.level=0.7",
        0.7,
        {
            "grievances.CHN-JPN.level",
            "grievances.CHN-JPN.baseline",  # derived: defaults to level
        },
    ),
    ("theatres.senkaku.holder=CHN", "CHN", {"theatres.senkaku.holder"}),
    ("meta.months=60", 60, {"meta.months"}),
    ("model.crisis.war_cost=0.2", 0.2, {"model.crisis.war_cost"}),
    (
        "actors.JPN.arms.reaction.CHN=0.05",
        0.05,
        {
            "actors.JPN.arms.reaction.CHN",
            "actors.JPN.arms.grievance",  # derived from the reaction coefficients
        },
    ),
    (
        "actors.USA.arms.reaction.CHN=0.01",
        0.01,
        {
            "actors.USA.arms.reaction.CHN",  # new key in an empty map
            "actors.USA.arms.reaction",  # (the empty map itself disappears from the diff)
            "actors.USA.arms.grievance",
        },
    ),
    (
        "theatres.senkaku.greyzone.cg_presence.rate_per_year=10",
        10,
        {"theatres.senkaku.greyzone.cg_presence.rate_per_year"},
    ),
    ("theatres.taiwan.stake.USA=0.6", 0.6, {"theatres.taiwan.stake.USA"}),
    ("events.roe.at=2024-06", "2024-06", {"events.roe.at"}),
    ("events.roe.incident_probability=0.5", 0.5, {"events.roe.incident_probability"}),
    ('meta.title="A \\"quoted\\" title"', 'A "quoted" title', {"meta.title"}),
    ("meta.title=plain words", "plain words", {"meta.title"}),
    ("actors.JPN.nuclear=true", True, {"actors.JPN.nuclear"}),
    ('model.mechanisms=["arms", "crisis"]', ["arms", "crisis"], {"model.mechanisms"}),
    ("model.mechanisms=arms,crisis", ["arms", "crisis"], {"model.mechanisms"}),
]
IDS = [text.split("=")[0] + ("-list" if "[" in text else "") for text, _, _ in OVERRIDES]
IDS = [f"{i}-{n}" for n, i in enumerate(IDS)]


@pytest.fixture
def base_path(write_scenario):
    return write_scenario("base.toml")


@pytest.fixture
def base_data(base_path):
    return load_scenario(base_path).data


def path_of(text: str) -> str:
    return text.split("=", 1)[0]


@pytest.mark.parametrize(("text", "value", "changed"), OVERRIDES, ids=IDS)
def test_set_changes_exactly_the_intended_value(base_path, base_data, text, value, changed):
    scenario = load_scenario(base_path, [text])
    assert diff_keys(base_data, scenario.data) == changed
    assert len(scenario.overrides) == 1
    assert scenario.overrides[0].startswith(path_of(text) + "=")
    assert scenario.digest != load_scenario(base_path).digest


@pytest.mark.parametrize(("text", "value", "changed"), OVERRIDES, ids=IDS)
def test_python_api_mapping_matches_text(base_path, text, value, changed):
    by_text = load_scenario(base_path, [text])
    by_map = load_scenario(base_path, {path_of(text): value})
    assert by_map.data == by_text.data
    assert by_map.overrides == by_text.overrides
    assert by_map.digest == by_text.digest


@pytest.mark.parametrize(("text", "value", "changed"), OVERRIDES, ids=IDS)
def test_show_with_set_reloads_to_identical_data(
    text, value, changed, base_path, run_sim, tmp_path_factory
):
    result = run_sim("show", "base.toml", "--set", text)
    assert result.code == 0, result.err
    out = tmp_path_factory.mktemp("shown") / "shown.toml"
    out.write_text(result.out, encoding="utf-8")
    assert load_scenario(out).data == load_scenario(base_path, [text]).data


def test_set_values_have_the_schema_type(base_path):
    data = load_scenario(base_path, ["actors.JPN.milex_usd_bn=60", "meta.months=60"]).data
    assert data["actors"]["JPN"]["milex_usd_bn"] == 60.0
    assert isinstance(data["actors"]["JPN"]["milex_usd_bn"], float)
    assert isinstance(data["meta"]["months"], int)
    # derived values follow the override (documented, intended)
    assert data["actors"]["JPN"]["capability_usd_bn"] == pytest.approx(
        60.0 / 12.0 / (1.0 - 0.9 ** (1.0 / 12.0))
    )


def test_several_overrides_apply_in_order(base_path, base_data):
    scenario = load_scenario(
        base_path, ["meta.months=60", "meta.months=72", "alliances.USA-TWN.commitment=0.1"]
    )
    assert scenario.months == 72
    assert diff_keys(base_data, scenario.data) == {"meta.months", "alliances.USA-TWN.commitment"}
    assert scenario.overrides == [
        "meta.months=60",
        "meta.months=72",
        "alliances.USA-TWN.commitment=0.1",
    ]


def test_with_overrides_accumulates(base_path):
    first = load_scenario(base_path, ["meta.months=60"])
    second = first.with_overrides({"model.crisis.war_cost": 0.2})
    assert second.months == 60
    assert second.data["model"]["crisis"]["war_cost"] == 0.2
    assert first.data["model"]["crisis"]["war_cost"] == 0.4
    assert (
        second.data
        == load_scenario(base_path, ["meta.months=60", "model.crisis.war_cost=0.2"]).data
    )


def test_overrides_apply_to_a_child_scenario(write_scenario, base_data):
    write_scenario("lib/base.toml")
    path = write_scenario("child.toml", '[meta]\nname = "child"\nextends = "lib/base.toml"\n')
    data = load_scenario(path, ["alliances.USA-TWN.commitment=0"]).data
    assert diff_keys(base_data, data) == {
        "meta.name",
        "meta.extends",
        "alliances.USA-TWN.commitment",
    }


def test_dict_source_with_overrides(base_path):
    raw = tomllib.loads(BASE_TOML)
    assert (
        load_scenario(raw, {"meta.months": 60}).data
        == load_scenario(base_path, ["meta.months=60"]).data
    )


def test_check_with_set_reports_overrides(base_path, run_sim):
    result = run_sim(
        "check", "base.toml", "--set", "meta.months=60", "--set", "alliances.USA-TWN.commitment=0"
    )
    assert result.code == 0, result.err
    assert "overrides: meta.months=60 alliances.USA-TWN.commitment=0.0" in result.out
    assert "(60 months)" in result.out


# ----------------------------------------------------------------------------------------
# bad paths and bad values: one line, file and key named, exit status 2

BAD = [
    # (override, fragments of the error line)
    (
        "actor.JPN.milex_usd_bn=60",
        ("actor.JPN.milex_usd_bn", "unknown section", "did you mean 'actors'"),
    ),
    (
        "actors.JAP.milex_usd_bn=60",
        ("actors.JAP.milex_usd_bn", "unknown actor 'JAP'", "did you mean 'JPN'"),
    ),
    (
        "actors.JPN.milex_usd=60",
        ("actors.JPN.milex_usd", "unknown field", "did you mean 'milex_usd_bn'"),
    ),
    (
        "alliances.USA-KOR.commitment=0",
        ("alliances.USA-KOR.commitment", "no alliance with id 'USA-KOR'"),
    ),
    ("alliances.USA-JPN.comitment=0", ("alliances.USA-JPN.comitment", "unknown field")),
    ("grievances.JPN-CHN.level=0.2", ("grievances.JPN-CHN.level", "no grievance")),
    ("events.nope.at=2024-01", ("events.nope.at", "no event with id 'nope'")),
    ("theatres.spratly.holder=CHN", ("theatres.spratly.holder", "unknown theatre")),
    (
        "theatres.senkaku.greyzone.fishing.rate_per_year=1",
        ("theatres.senkaku.greyzone.fishing.rate_per_year", "unknown activity 'fishing'"),
    ),
    ("meta.nope=1", ("meta.nope", "unknown field")),
    ("alliances.USA-JPN=1", ("alliances.USA-JPN", "expected alliances.<id>.<field>")),
    ("alliances.USA-JPN.id=X", ("alliances.USA-JPN.id", "cannot be overridden")),
    ("actors.JPN.arms.reaction=0.1", ("actors.JPN.arms.reaction", "arms.reaction.<ACTOR>")),
    ("meta.months", ("meta.months", "PATH=VALUE")),
    ("=3", ("empty path",)),
    ("alliances.USA-TWN.commitment=2", ("alliances.USA-TWN.commitment", "above the maximum 1")),
    ("meta.months=abc", ("meta.months", "expected an integer", "string")),
    ("meta.months=1.5", ("meta.months", "expected an integer")),
    ("meta.months=0", ("meta.months", "minimum 1")),
    ("actors.JPN.milex_usd_bn=-1", ("actors.JPN.milex_usd_bn", "below the minimum 0")),
    ("actors.JPN.milex_usd_bn=nan", ("actors.JPN.milex_usd_bn", "finite")),
    ("actors.JPN.milex_usd_bn=abc", ("actors.JPN.milex_usd_bn", "expected a number")),
    ("theatres.senkaku.holder=USA", ("theatres.senkaku.holder", "not among the claimants")),
    ("theatres.senkaku.holder=XXX", ("theatres.senkaku.holder", "unknown actor 'XXX'")),
    ("actors.JPN.arms.reaction.KOR=0.1", ("actors.JPN.arms.reaction.KOR", "unknown actor")),
    ("events.roe.at=2023/02", ("events", "YYYY-MM")),
    ("events.roe.at=2040-01", ("events.roe.at", "outside the simulated span")),
    ("meta.months=11", ("events.roe.at", "outside the simulated span")),
    ("model.mechanisms=arms,war-ish", ("model.mechanisms", "unknown mechanism")),
]


@pytest.mark.parametrize("mode", ["inproc", "subproc"])
@pytest.mark.parametrize(("text", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_bad_set_is_one_line_error(base_path, run_sim, one_line_error, text, fragments, mode):
    # both commands in-process; the subprocess run checks the real entry point once
    for command in ("check", "show") if mode == "inproc" else ("check",):
        result = run_sim(command, "base.toml", "--set", text, subprocess_=(mode == "subproc"))
        one_line_error(result, "base.toml", *fragments)
        assert result.out == ""


@pytest.mark.parametrize(("text", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_bad_override_in_python_api(base_path, text, fragments):
    with pytest.raises(ScenarioError) as info:
        load_scenario(base_path, [text])
    assert "\n" not in str(info.value)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        ({"alliances.USA-TWN.commitment": 2}, "commitment"),
        ({"meta.months": "abc"}, "meta.months"),
        ({"meta.months": None}, "meta.months"),
        ({"actors.JAP.milex_usd_bn": 60}, "actors.JAP"),
    ],
)
def test_bad_mapping_override_raises_scenario_error(base_path, mapping, key):
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        load_scenario(base_path, mapping)


# ----------------------------------------------------------------------------------------
# Overrides that are easy to get wrong: TOML dates and times, fields a derived event id is
# built from, strings holding line breaks.


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("meta.start=2023-02-01", "meta.start"),
        ("events.roe.at=2024-01-15", "YYYY-MM"),
        ("meta.name=12:00:00", "meta.name"),
    ],
)
def test_toml_date_in_set_is_one_line_error(base_path, run_sim, one_line_error, text, fragment):
    one_line_error(run_sim("check", "base.toml", "--set", text), "base.toml", fragment)


def test_set_event_at_keeps_derived_id(base_path, base_data):
    data = load_scenario(base_path, [f"events.{TALKS_ID}.at=2024-06"]).data
    assert diff_keys(base_data, data) == {f"events.{TALKS_ID}.at"}


def test_two_sets_on_same_derived_event(base_path):
    scenario = load_scenario(
        base_path, [f"events.{TALKS_ID}.at=2024-06", f"events.{TALKS_ID}.description=moved"]
    )
    assert scenario.data["events"][-1]["description"] == "moved"


def test_set_event_at_moves_derived_event(base_path):
    # the event moves to the new month (its id stays, see test_set_event_at_keeps_derived_id)
    data = load_scenario(base_path, [f"events.{TALKS_ID}.at=2024-06"]).data
    assert [e["at"] for e in data["events"] if e["kind"] == "talks"] == ["2024-06"]


def test_show_with_newline_in_string_override_reloads(base_path, run_sim, tmp_path_factory):
    result = run_sim("show", "base.toml", "--set", "meta.title=two\nlines")
    assert result.code == 0, result.err
    out = tmp_path_factory.mktemp("shown") / "shown.toml"
    out.write_text(result.out, encoding="utf-8")
    assert load_scenario(out).title == "two\nlines"
