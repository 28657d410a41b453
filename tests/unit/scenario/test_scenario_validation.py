"""Every class of scenario-file error is one line naming the file and key, exit status 2.

Each case builds a broken variant of ``BASE_TOML`` in ``tmp_path`` and runs ``sim check``
both in-process (`sim.cli.main`) and as ``python -m sim`` in a subprocess. The
`run_sim` fixture also asserts that nothing is written to the working directory.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BASE_TOML, TALKS_ID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario import schema as S

Writer = Callable[..., Path]


def edit(text: str, old: str, new: str, count: int = 1) -> str:
    """Replace `old` (which must occur) by `new` in a scenario text."""
    assert old in text, old
    return text.replace(old, new, count)


def edited(*pairs: tuple[str, str]) -> str:
    text = BASE_TOML
    for old, new in pairs:
        text = edit(text, old, new)
    return text


def text_case(text: str, *fragments: str):
    """A case that writes `text` to ``bad.toml`` and expects `fragments` in the error."""

    def build(write: Writer) -> tuple[str, tuple[str, ...]]:
        write("bad.toml", text)
        return "bad.toml", ("bad.toml", *fragments)

    return build


JPN_MILEX = "milex_usd_bn = 46\n"
JPN_NAME = 'name = "Japan"\n'
JPN_GDP = "gdp_usd_bn = 4256\n"
COMMIT = "commitment = 0.9"
LEVEL = "level = 0.6"
TALKS_AT = 'at = "2023-02"\nkind = "talks"'
PARTIES = 'parties = ["CHN", "JPN"]'
ROE_ACT = 'activity = "cg_presence"'
SENKAKU_CLAIM = 'claimants = ["CHN", "JPN"]\n'
SENKAKU_HOLDER = 'holder = "JPN"\n'

INCIDENT = """
[[events]]
id = "clash"
at = "2024-06"
kind = "incident"
theatre = "senkaku"
by = "CHN"
"""

POLICY = """
[[events]]
id = "buildup"
at = "2023-04"
kind = "policy"
actor = "JPN"
reach_by = "2027-12"
"""

CASES: dict[str, Callable[[Writer], tuple[str, tuple[str, ...]]]] = {
    # TOML syntax: the message carries the line of the fault
    "toml-syntax": text_case(edited(("months = 120", "months = ")), "TOML syntax", "line 5"),
    "toml-syntax-unclosed": text_case(edited(("[actors.TWN]", "[actors.TWN")), "line 31"),
    "toml-duplicate-key": text_case(edited((JPN_MILEX, JPN_MILEX * 2)), "TOML syntax"),
    # unknown keys, with suggestions
    "unknown-key": text_case(
        edited((JPN_MILEX, "milex_usd = 46\n")),
        "actors.JPN.milex_usd",
        "did you mean 'milex_usd_bn'",
    ),
    "unknown-key-meta": text_case(
        edited(("months = 120", "monts = 120")), "meta.monts", "did you mean 'months'"
    ),
    "unknown-key-nested-model": text_case(
        edited(("crisis.war_cost", "crisis.warcost")),
        "model.crisis.warcost",
        "did you mean 'war_cost'",
    ),
    "unknown-key-alliance": text_case(
        edited((COMMIT, "comitment = 0.9")),
        "alliances.USA-JPN.comitment",
        "did you mean 'commitment'",
    ),
    "unknown-key-event": text_case(
        edited((PARTIES, 'partys = ["CHN", "JPN"]')), "events[1].partys", "did you mean 'parties'"
    ),
    "unknown-top-level": text_case(
        BASE_TOML + '\n[actor.FRA]\nname = "France"\n',
        "actor",
        "unknown top-level table",
        "did you mean 'actors'",
    ),
    "bad-actor-code": text_case(
        edited(("[actors.TWN]", "[actors.Taiwan]")), "actors.Taiwan", "three capital letters"
    ),
    "unknown-event-kind": text_case(
        edited(('kind = "talks"', 'kind = "tlaks"')), "events[1].kind", "did you mean 'talks'"
    ),
    "unknown-mechanism": text_case(
        edited(("[model]\n", '[model]\nmechanisms = ["arms", "grevance"]\n')),
        "model.mechanisms",
        "did you mean 'grievance'",
    ),
    # missing required fields
    "missing-actor-name": text_case(edited((JPN_NAME, "")), "actors.JPN.name", "missing"),
    "missing-actor-gdp": text_case(edited((JPN_GDP, "")), "actors.JPN.gdp_usd_bn", "missing"),
    "missing-actor-milex": text_case(edited((JPN_MILEX, "")), "actors.JPN.milex_usd_bn", "missing"),
    "missing-claimants": text_case(
        edited((SENKAKU_CLAIM, "")), "theatres.senkaku.claimants", "missing"
    ),
    "missing-holder": text_case(edited((SENKAKU_HOLDER, "")), "theatres.senkaku.holder", "missing"),
    "missing-meta-name": text_case(edited(('name = "base"\n', "")), "meta.name", "missing"),
    "missing-meta-start": text_case(edited(('start = "2023-02"\n', "")), "meta.start", "missing"),
    "missing-meta-months": text_case(edited(("months = 120\n", "")), "meta.months", "missing"),
    "missing-grievance-level": text_case(
        edited((LEVEL + "\n", "")), "grievances[1].level", "missing"
    ),
    # wrong types
    "string-for-number": text_case(
        edited((JPN_MILEX, 'milex_usd_bn = "46"\n')),
        "actors.JPN.milex_usd_bn",
        "expected a number",
        "string",
    ),
    "float-for-months": text_case(
        edited(("months = 120", "months = 120.0")), "meta.months", "expected an integer"
    ),
    "bool-for-number": text_case(
        edited((JPN_GDP, "gdp_usd_bn = true\n")), "actors.JPN.gdp_usd_bn", "expected a number"
    ),
    "number-for-bool": text_case(
        edited(("basing = true", "basing = 1")), "alliances.USA-JPN.basing", "true or false"
    ),
    "string-for-list": text_case(
        edited((PARTIES, 'parties = "CHN,JPN"')), "events[1].parties", "list"
    ),
    "toml-date-for-month": text_case(
        edited(('start = "2023-02"', "start = 2023-02-01")), "meta.start", "YYYY-MM"
    ),
    "table-for-actor": text_case(
        edited(("[actors.TWN]\n", "[actors]\nTWN = 3\n[actors.XXX]\n")),
        "actors.TWN",
        "expected a table",
    ),
    # out of range
    "commitment-above-1": text_case(
        edited((COMMIT, "commitment = 1.5")), "alliances.USA-JPN.commitment", "above the maximum 1"
    ),
    "grievance-below-0": text_case(
        edited((LEVEL, "level = -0.1")), "grievances[1].level", "below the minimum 0"
    ),
    "negative-milex": text_case(
        edited((JPN_MILEX, "milex_usd_bn = -1\n")), "actors.JPN.milex_usd_bn", "below the minimum"
    ),
    "months-zero": text_case(edited(("months = 120", "months = 0")), "meta.months", "minimum 1"),
    "misperception-above-max": text_case(
        edited((JPN_MILEX, JPN_MILEX + "misperception = 3.5\n")),
        "actors.JPN.misperception",
        "above the maximum 3",
    ),
    "nan": text_case(
        edited((JPN_MILEX, "milex_usd_bn = nan\n")), "actors.JPN.milex_usd_bn", "finite"
    ),
    "inf": text_case(edited((LEVEL, "level = inf")), "grievances[1].level", "finite"),
    "minus-inf-in-actor-map": text_case(
        edited(("{ CHN = 0.02 }", "{ CHN = -inf }")), "actors.JPN.arms.reaction.CHN", "finite"
    ),
    "days-above-365": text_case(
        edited(("rate_per_year = 350", "rate_per_year = 366")),
        "theatres.senkaku.greyzone.cg_presence.rate_per_year",
        "365",
    ),
    # references to unknown actors or theatres
    "alliance-unknown-patron": text_case(
        edited(('patron = "USA"', 'patron = "USX"')),
        "alliances.USX-JPN.patron",
        "unknown actor 'USX'",
        "did you mean 'USA'",
    ),
    "alliance-unknown-client": text_case(
        edited(('client = "JPN"', 'client = "JPX"')),
        "alliances.USA-JPX.client",
        "unknown actor 'JPX'",
    ),
    "alliance-unknown-covers": text_case(
        edited(('covers = ["senkaku"]', 'covers = ["senkau"]')),
        "alliances.USA-JPN.covers",
        "unknown theatre 'senkau'",
        "did you mean 'senkaku'",
    ),
    "grievance-unknown-from": text_case(
        edited(('from = "CHN"', 'from = "PRC"')), "grievances[1].from", "unknown actor 'PRC'"
    ),
    "grievance-unknown-to": text_case(
        edited(('to = "JPN"', 'to = "JAP"')), "grievances[1].to", "unknown actor 'JAP'"
    ),
    "event-unknown-parties": text_case(
        edited((PARTIES, 'parties = ["CHN", "KOR"]')),
        "events.talks-2023-02-CHN-KOR.parties",
        "unknown actor 'KOR'",
    ),
    "event-unknown-by": text_case(
        BASE_TOML + edit(INCIDENT, 'by = "CHN"', 'by = "RUS"'),
        "events.clash.by",
        "unknown actor 'RUS'",
    ),
    "event-unknown-theatre": text_case(
        BASE_TOML + edit(INCIDENT, 'theatre = "senkaku"', 'theatre = "spratly"'),
        "events.clash.theatre",
        "unknown theatre 'spratly'",
    ),
    "theatre-unknown-claimant": text_case(
        edited((SENKAKU_CLAIM, 'claimants = ["CHN", "JPN", "KOR"]\n')),
        "theatres.senkaku.claimants",
        "unknown actor 'KOR'",
    ),
    "theatre-unknown-holder": text_case(
        edited((SENKAKU_HOLDER, 'holder = "ROC"\n')),
        "theatres.senkaku.holder",
        "unknown actor 'ROC'",
    ),
    "holder-not-claimant": text_case(
        edited((SENKAKU_HOLDER, 'holder = "USA"\n')),
        "theatres.senkaku.holder",
        "not among the claimants",
    ),
    "reaction-unknown-actor": text_case(
        edited(("{ CHN = 0.02 }", "{ CHN = 0.02, KOR = 0.01 }")),
        "actors.JPN.arms.reaction.KOR",
        "unknown actor 'KOR'",
    ),
    "greyzone-unknown-by": text_case(
        edited(('by = "CHN"\nagainst', 'by = "CNH"\nagainst')),
        "theatres.senkaku.greyzone.cg_presence.by",
        "unknown actor 'CNH'",
    ),
    # event dates
    "event-before-start": text_case(
        edited((TALKS_AT, 'at = "2023-01"\nkind = "talks"')),
        "events.talks-2023-01-CHN-JPN.at",
        "outside the simulated span",
        "2023-02 to 2033-01",
    ),
    "event-after-end": text_case(
        edited((TALKS_AT, 'at = "2033-02"\nkind = "talks"')),
        "events.talks-2033-02-CHN-JPN.at",
        "outside the simulated span",
    ),
    "event-month-13": text_case(
        edited((TALKS_AT, 'at = "2023-13"\nkind = "talks"')), "events[1].at", "2023-13"
    ),
    "event-month-slash": text_case(
        edited((TALKS_AT, 'at = "2023/02"\nkind = "talks"')), "events[1].at", "YYYY-MM"
    ),
    "meta-start-bad": text_case(edited(('start = "2023-02"', 'start = "Feb 2023"')), "meta.start"),
    # other event rules
    "talks-three-parties": text_case(
        edited((PARTIES, 'parties = ["CHN", "JPN", "USA"]')),
        f"events.{TALKS_ID}-USA.parties",
        "exactly two",
    ),
    "roe-unknown-activity": text_case(
        edited((ROE_ACT, 'activity = "cg_presense"')),
        "events.roe.activity",
        "unknown activity 'cg_presense'",
        "did you mean 'cg_presence'",
    ),
    "incident-by-non-claimant": text_case(
        BASE_TOML + edit(INCIDENT, 'by = "CHN"', 'by = "USA"'), "events.clash.by", "claimant"
    ),
    # files
    "not-utf8": lambda write: (
        write("bad.toml", edited(("Base test", "Base \xe9 test")).encode("latin-1")).name,
        ("bad.toml", "UTF-8"),
    ),
    "directory": lambda write: (
        (write("dir.toml/inner.txt", "").parent.name),
        ("dir.toml", "directory"),
    ),
    "missing-file": lambda write: ("nowhere.toml", ("nowhere.toml", "not found")),
    "extends-missing": text_case(
        edited(('name = "base"\n', 'name = "base"\nextends = "parent.toml"\n')),
        "meta.extends",
        "parent.toml",
        "not found",
    ),
}


def _cycle(write: Writer) -> tuple[str, tuple[str, ...]]:
    write("a.toml", '[meta]\nname = "a"\nextends = "b.toml"\n')
    write("b.toml", '[meta]\nname = "b"\nextends = "a.toml"\n')
    return "a.toml", ("meta.extends", "cycle", "a.toml -> b.toml -> a.toml")


def _self_cycle(write: Writer) -> tuple[str, tuple[str, ...]]:
    write("a.toml", edited(('name = "base"\n', 'name = "base"\nextends = "a.toml"\n')))
    return "a.toml", ("a.toml", "meta.extends", "cycle")


CASES["extends-cycle"] = _cycle
CASES["extends-self"] = _self_cycle


@pytest.mark.parametrize("mode", ["inproc", "subproc"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_check_reports_one_line_error(case, mode, write_scenario, run_sim, one_line_error):
    target, fragments = CASES[case](write_scenario)
    result = run_sim("check", target, subprocess_=(mode == "subproc"))
    one_line_error(result, *fragments)
    assert result.out == ""


@pytest.mark.parametrize("case", sorted(CASES))
def test_library_raises_scenario_error(case, write_scenario, tmp_path):
    target, fragments = CASES[case](write_scenario)
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / target)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_base_fixture_is_valid(write_scenario, run_sim):
    write_scenario("base.toml")
    result = run_sim("check", "base.toml")
    assert result.code == 0, result.err
    assert result.out.rstrip().endswith("ok: base.toml")
    assert result.err == ""


def test_error_locates_key(write_scenario, tmp_path):
    write_scenario("bad.toml", edited((COMMIT, "commitment = 1.5")))
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "bad.toml")
    assert info.value.file.endswith("bad.toml")
    assert info.value.key == "alliances.USA-JPN.commitment"


def test_sources_must_name_known_fields(write_scenario, tmp_path):
    write_scenario("bad.toml", edited((JPN_MILEX, JPN_MILEX + 'sources = { milex = "SIPRI" }\n')))
    with pytest.raises(ScenarioError, match=r"actors\.JPN\.sources\.milex"):
        load_scenario(tmp_path / "bad.toml")


def test_check_stops_at_first_bad_file(write_scenario, run_sim, one_line_error):
    write_scenario("good.toml")
    write_scenario("bad.toml", edited((COMMIT, "commitment = 1.5")))
    result = run_sim("check", "-q", "good.toml", "bad.toml")
    assert "ok: good.toml" in result.out
    one_line_error(result, "bad.toml", "alliances.USA-JPN.commitment")


# ----------------------------------------------------------------------------------------
# Duplicate alliances, grievances and event ids are errors, in a dict and in a file.


@pytest.mark.parametrize(
    ("section", "fragment"),
    [
        ("alliances", "duplicate alliance 'USA-JPN'"),
        ("grievances", "duplicate grievance 'CHN-JPN'"),
        ("events", f"duplicate event id '{TALKS_ID}'"),
    ],
)
def test_duplicates_in_dict_are_errors(base_dict, section, fragment):
    base_dict[section].append(copy.deepcopy(base_dict[section][0]))
    with pytest.raises(ScenarioError, match=fragment):
        load_scenario(base_dict)


DUPLICATES = {
    "alliance": (
        '[[alliances]]\npatron = "USA"\nclient = "JPN"\ncommitment = 0.1\n',
        "duplicate alliance",
    ),
    "grievance": ('[[grievances]]\nfrom = "CHN"\nto = "JPN"\nlevel = 0.1\n', "duplicate grievance"),
    "event-id": (
        '[[events]]\nid = "roe"\nat = "2024-02"\nkind = "talks"\nparties = ["CHN", "TWN"]\n',
        "duplicate event id 'roe'",
    ),
    "event-derived-id": (
        '[[events]]\nat = "2023-02"\nkind = "talks"\nparties = ["CHN", "JPN"]\n',
        "duplicate event id",
    ),
}


@pytest.mark.parametrize("which", sorted(DUPLICATES))
def test_duplicates_in_file_are_errors(which, write_scenario, run_sim, one_line_error):
    extra, fragment = DUPLICATES[which]
    write_scenario("dup.toml", BASE_TOML + "\n" + extra)
    one_line_error(run_sim("check", "dup.toml"), "dup.toml", fragment)


# ----------------------------------------------------------------------------------------
# Policy events: exactly one target, reached at `reach_by` (a month after `at`).


def test_valid_policy_event_loads(write_scenario, tmp_path):
    write_scenario("p.toml", BASE_TOML + POLICY + "target_share_gdp = 0.02\n")
    scenario = load_scenario(tmp_path / "p.toml")
    (event,) = [e for e in scenario.data["events"] if e["id"] == "buildup"]
    assert event["target_share_gdp"] == 0.02
    assert event["reach_by"] == "2027-12"


@pytest.mark.parametrize(
    "targets", ["", "target_share_gdp = 0.02\ntarget_milex_usd_bn = 60\n"], ids=["zero", "two"]
)
def test_policy_with_zero_or_two_targets_is_one_line_error(
    targets, write_scenario, run_sim, one_line_error
):
    write_scenario("p.toml", BASE_TOML + POLICY + targets)
    one_line_error(run_sim("check", "p.toml"), "p.toml", "events.buildup", "exactly one of")


def test_policy_reach_by_before_at_is_one_line_error(write_scenario, run_sim, one_line_error):
    text = BASE_TOML + POLICY.replace('"2027-12"', '"2023-01"') + "growth_per_year = 0.05\n"
    write_scenario("p.toml", text)
    one_line_error(run_sim("check", "p.toml"), "p.toml", "events.buildup.reach_by", "after at")


# ----------------------------------------------------------------------------------------
# Inputs that must give a one-line error, not a traceback or a multi-line message: integers
# too large for a float, line breaks in keys and names.


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        (JPN_GDP, "gdp_usd_bn = 1" + "0" * 400 + "\n", "actors.JPN.gdp_usd_bn"),
        ("{ CHN = 0.02 }", "{ CHN = 1" + "0" * 400 + " }", "actors.JPN.arms.reaction.CHN"),
    ],
    ids=["float-field", "actor-map"],
)
def test_huge_integer_is_one_line_error(old, new, key, write_scenario, run_sim, one_line_error):
    write_scenario("big.toml", edited((old, new)))
    one_line_error(run_sim("check", "big.toml"), "big.toml", key)


NEWLINE_TEXTS = {
    "unknown-key": edited(("months = 120\n", 'months = 120\n"bad\\nkey" = 1\n')),
    "actor-code": BASE_TOML + '\n[actors."FRA\\n"]\nname = "France"\n',
}


@pytest.mark.parametrize("which", sorted(NEWLINE_TEXTS))
def test_newline_in_key_is_one_line_error(which, write_scenario, run_sim, one_line_error):
    write_scenario("nl.toml", NEWLINE_TEXTS[which])
    one_line_error(run_sim("check", "nl.toml"), "nl.toml")


@pytest.mark.parametrize(
    ("section", "name"), [("meta", "name"), ("theatres", "theatre")], ids=["meta-name", "theatre"]
)
def test_trailing_newline_in_names_is_rejected(section, name, base_dict):
    if section == "meta":
        base_dict["meta"]["name"] = "base\n"
    else:
        base_dict["theatres"]["taiwan\n"] = base_dict["theatres"].pop("taiwan")
        base_dict["alliances"][1]["covers"] = ["taiwan\n"]
    with pytest.raises(ScenarioError):
        load_scenario(base_dict)


def test_valid_values_at_bounds_load(base_dict):
    base_dict["alliances"][0]["commitment"] = 1
    base_dict["grievances"][0]["level"] = 0
    base_dict["meta"]["months"] = 1200
    base_dict["actors"]["JPN"]["misperception"] = 3
    data = load_scenario(base_dict).data
    assert data["alliances"][0]["commitment"] == 1.0
    assert isinstance(data["alliances"][0]["commitment"], float)
    assert data["grievances"][0]["level"] == 0.0
    assert math.isclose(data["actors"]["JPN"]["misperception"], 3.0)


# ----------------------------------------------------------------------------------------
# Property test: random mutations of a valid scenario either load or raise ScenarioError
# with a one-line message, never another exception.
#
# Integers too large for a float and control / line-break characters in strings are left
# out of the generator (`JUNK`); the tests above cover them.

BASE_DICT = tomllib.loads(BASE_TOML)

SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12
)
FIELD_NAMES = sorted(
    {
        name.split(".")[-1]
        for table in (
            S.META_FIELDS,
            S.MODEL_FIELDS,
            S.ACTOR_FIELDS,
            S.ALLIANCE_FIELDS,
            S.GRIEVANCE_FIELDS,
            S.THEATRE_FIELDS,
            S.ACTIVITY_FIELDS,
            S.EVENT_COMMON_FIELDS,
        )
        for name in table
    }
    | {"source", "sources", "notes", "greyzone", "JPN", "CHN", "KOR", "meta", "actors"}
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1.5, 1e308, -1e-308, 2**63, 1200, 1201]),
    SAFE_TEXT,
    st.sampled_from(
        [
            "CHN",
            "JPN",
            "USA",
            "TWN",
            "XXX",
            "senkaku",
            "taiwan",
            "2023-05",
            "2023-13",
            "2023/02",
            "",
            "talks",
            "policy",
            "cg_presence",
            "days",
        ]
    ),
    st.dates(),
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(SAFE_TEXT, st.sampled_from(FIELD_NAMES)), inner, max_size=3),
    ),
    max_leaves=6,
)


def all_paths(node, prefix=()):
    """Every path into a nested dict/list structure (excluding the root)."""
    paths = []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        paths.append((*prefix, key))
        paths.extend(all_paths(value, (*prefix, key)))
    return paths


PATHS = all_paths(BASE_DICT)


def _get(node, path):
    for part in path:
        node = node[part]
    return node


CONTAINERS = [()] + [p for p in PATHS if isinstance(_get(BASE_DICT, p), dict)]

MUTATION = st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(PATHS)),
    st.tuples(st.just("replace"), st.sampled_from(PATHS), JUNK),
    st.tuples(
        st.just("add"),
        st.sampled_from(CONTAINERS),
        st.one_of(SAFE_TEXT, st.sampled_from(FIELD_NAMES)),
        JUNK,
    ),
)


def mutate(data: dict, mutation: tuple) -> None:
    op, path = mutation[0], mutation[1]
    try:
        parent = _get(data, path[:-1]) if path else data
    except (KeyError, IndexError, TypeError):
        return  # an earlier mutation removed or replaced the parent
    if op == "add":
        try:
            target = _get(data, path)
        except (KeyError, IndexError, TypeError):
            return
        if isinstance(target, dict):
            target[mutation[2]] = mutation[3]
        return
    key = path[-1]
    if (
        isinstance(parent, dict)
        and key in parent
        or isinstance(parent, list)
        and isinstance(key, int)
        and key < len(parent)
    ):
        if op == "drop":
            del parent[key]
        else:
            parent[key] = mutation[2]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(MUTATION, min_size=1, max_size=3))
def test_random_mutations_load_or_raise_scenario_error(mutations):
    data = copy.deepcopy(BASE_DICT)
    for mutation in mutations:
        mutate(data, mutation)
    try:
        scenario = load_scenario(data)
    except ScenarioError as exc:
        message = str(exc)
        assert message.startswith("<memory>: ")
        assert "\n" not in message and "\r" not in message
    else:
        assert set(scenario.data) >= {"meta", "model", "actors", "theatres", "events"}


@pytest.mark.parametrize("start", ["2023-02\n", "２０２３-０２"], ids=["newline", "fullwidth"])
def test_month_must_be_plain_yyyy_mm(base_dict, start):
    base_dict["meta"]["start"] = start
    with pytest.raises(ScenarioError, match="meta.start"):
        load_scenario(base_dict)
