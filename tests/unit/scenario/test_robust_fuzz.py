"""Fuzzing the scenario loader with mutated copies of the shipped scenarios.

Every case writes files to a fresh folder (a leaf scenario and, for the scenarios that
``extends = "baseline.toml"``, its parent) and then:

* loads it with `load_scenario`: it must give a scenario or raise `ScenarioError` whose
  message is one printable line that names one of the files (or ``--set``);
* runs ``sim check`` in-process (`sim.cli.main`): exit status 0 or 2 only, one stderr line
  on 2, never an uncaught exception;
* for a valid scenario, compiles it for the engine and round-trips it through ``sim show``
  (the resolved TOML must load back to the same scenario), so a mutation cannot yield a
  scenario that is "valid" but unusable.

The mutations: structural edits of the parsed tables (drop a key, replace a value with
junk of any type, push a number to its schema bounds and just beyond them, non-finite
and huge numbers, unicode and control characters, deeply nested junk, new keys) written
back as TOML, and byte-level edits of the text (truncation, random bytes, deleted or
duplicated lines). A sample of cases also goes through ``python -m sim check`` as a
subprocess.

The CI setting is derandomized with a fixed number of examples. For a long local run::

    ROBUST_FUZZ_EXAMPLES=20000 pytest tests/unit/scenario/test_robust_fuzz.py -p no:randomly
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario import schema as S
from sim.scenario.dump import to_toml

REPO = Path(__file__).resolve().parents[3]
SCENARIOS = REPO / "scenarios"
FILES = sorted(p.name for p in SCENARIOS.glob("*.toml"))
TEXT = {name: (SCENARIOS / name).read_text(encoding="utf-8") for name in FILES}
RAW = {name: tomllib.loads(text) for name, text in TEXT.items()}
PARENT = {name: RAW[name].get("meta", {}).get("extends") for name in FILES}

EXAMPLES = int(os.environ.get("ROBUST_FUZZ_EXAMPLES", "0"))


def fuzz_settings(ci_examples: int):
    """Derandomized settings: `ci_examples` in CI, ``$ROBUST_FUZZ_EXAMPLES`` if set."""
    return settings(
        max_examples=EXAMPLES or ci_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


# ---------------------------------------------------------------------------- values

NUMBER_FIELDS: list[S.Field] = [
    f
    for table in (
        S.META_FIELDS,
        S.MODEL_FIELDS,
        S.ACTOR_FIELDS,
        S.ALLIANCE_FIELDS,
        S.GRIEVANCE_FIELDS,
        S.THEATRE_FIELDS,
        S.ACTIVITY_FIELDS,
        S.EVENT_COMMON_FIELDS,
        *S.EVENT_KIND_FIELDS.values(),
    )
    for f in table.values()
    if f.kind in ("float", "int", "actor_map") and f.lo is not None
]
EDGES = sorted({v for f in NUMBER_FIELDS for v in (f.lo, f.hi)})
"""Every bound of the schema: values at a bound are valid for some field, off by one for others."""

UNICODE = st.text(max_size=12)  # every code point but surrogates: controls, RTL, emoji, NUL
SCALAR = st.one_of(
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([10**400, -(10**400), 2**63, 2**63 - 1, 2**64]),
    st.floats(),  # includes nan, inf, -0.0, subnormals, 1e308
    st.sampled_from(EDGES),
    st.sampled_from(EDGES).map(lambda x: math.nextafter(x, math.inf)),
    st.sampled_from(EDGES).map(lambda x: math.nextafter(x, -math.inf)),
    st.sampled_from(EDGES).map(lambda x: x * 1.0),
    UNICODE,
    st.sampled_from(
        [
            "",
            "JPN",
            "CHN",
            "USA",
            "TWN",
            "XXX",
            "jpn",
            "senkaku",
            "taiwan",
            "2023-05",
            "2023-13",
            "0000-01",
            "9999-12",
            "2023-1",
            "talks",
            "policy",
            "days",
            "arms",
            "baseline.toml",
            "two_state.toml",
            "../scenarios/baseline.toml",
            "/dev/null",
            "/",
            ".",
            "\u0000",
            "\ufeff",
            "JPN\n",
            "a" * 5000,
        ]
    ),
    st.dates(),
    st.datetimes(),
    st.times(),
)
JUNK = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(
                UNICODE,
                st.sampled_from(
                    [
                        "name",
                        "level",
                        "at",
                        "kind",
                        "id",
                        "remove",
                        "greyzone",
                        "source",
                        "sources",
                        "JPN",
                        "CHN",
                    ]
                ),
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=10,
)


def deep(depth: int, kind: str) -> str:
    """Placeholder for a value nested `depth` levels deep; `dump` writes it as TOML text.

    (tomli_w itself recurses, so it cannot write what we want tomllib to choke on.)
    """
    return f"@@DEEP-{kind}-{depth}@@"


def deep_literal(kind: str, depth: int) -> str:
    if kind == "list":
        return "[" * depth + "1" + "]" * depth
    return "{x = " * depth + "1" + "}" * depth


DEEP = st.builds(
    deep, st.sampled_from([30, 200, 400, 900, 3000]), st.sampled_from(["list", "table"])
)


# ---------------------------------------------------------------------------- structure


def paths(node: object, prefix: tuple = ()) -> list[tuple]:
    """Every path into nested tables and arrays (not the root)."""
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    out = []
    for key, value in items:
        out.append((*prefix, key))
        out.extend(paths(value, (*prefix, key)))
    return out


def get(node: object, path: tuple) -> object:
    for part in path:
        node = node[part]
    return node


def apply(data: dict, op: str, pick: int, value: object, key: str) -> None:
    """Apply one structural mutation at the `pick`-th path of `data` (mod the number)."""
    every = paths(data)
    if not every:
        return
    path = every[pick % len(every)]
    parent = get(data, path[:-1])
    last = path[-1]
    if op == "drop":
        del parent[last]
    elif op == "replace":
        parent[last] = value
    elif op == "add":
        target = get(data, path)
        if isinstance(target, dict):
            target[key] = value
        elif isinstance(target, list):
            target.append(value)
    elif op == "number":  # nudge a number: to a bound, past it, scale it, flip its sign
        current = parent[last]
        if isinstance(current, int | float) and not isinstance(current, bool):
            parent[last] = (
                value
                if isinstance(value, int | float) and not isinstance(value, bool)
                else -current
            )
    elif op == "swap":  # move a value to a sibling key (wrong place, wrong type)
        if isinstance(parent, dict) and len(parent) > 1:
            keys = list(parent)
            other = keys[(keys.index(last) + 1) % len(keys)]
            parent[last], parent[other] = parent[other], parent[last]
    elif op == "retype":  # table <-> list of tables, scalar <-> list of it
        current = parent[last]
        if isinstance(current, list) and current and isinstance(current[0], dict):
            parent[last] = current[0]
        elif isinstance(current, dict):
            parent[last] = [current]
        else:
            parent[last] = [current]


NUMBER = st.one_of(
    st.sampled_from(EDGES),
    st.sampled_from(EDGES).map(lambda x: math.nextafter(x, math.inf)),
    st.sampled_from(EDGES).map(lambda x: math.nextafter(x, -math.inf)),
    st.floats(min_value=-2.0, max_value=2.0),
    st.floats(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -0.0, 1, 5e-324, 1e308, math.inf, -math.inf, math.nan]),
)

MUTATION = st.tuples(
    st.sampled_from(
        ["drop", "replace", "replace", "add", "number", "number", "number", "swap", "retype"]
    ),
    st.integers(min_value=0, max_value=10**6),
    st.one_of(JUNK, JUNK, NUMBER, NUMBER, DEEP),
    st.one_of(
        UNICODE,
        st.sampled_from(
            ["name", "months", "extends", "kind", "remove", "id", "sweep", "JPN", "level", "source"]
        ),
    ),
)


def byte_edit(raw: bytes, op: str, a: int, b: int, blob: bytes) -> bytes:
    """Apply one byte-level edit to a file (earlier edits may have broken its UTF-8)."""
    if not raw:
        return blob
    i, j = sorted((a % (len(raw) + 1), b % (len(raw) + 1)))
    lines = raw.splitlines(keepends=True)
    k = a % max(len(lines), 1)
    if op == "truncate":
        return raw[:i]
    if op == "insert":
        return raw[:i] + blob + raw[i:]
    if op == "overwrite":
        return raw[:i] + blob + raw[i + len(blob) :]
    if op == "cut":
        return raw[:i] + raw[j:]
    if op == "dup_line":
        return b"".join(lines[: k + 1] + lines[k:])
    if op == "drop_line":
        return b"".join(lines[:k] + lines[k + 1 :])
    if op == "flip":
        pos = a % len(raw)
        return raw[:pos] + bytes([raw[pos] ^ (1 << (b % 8))]) + raw[pos + 1 :]
    raise AssertionError(op)


TEXT_EDIT = st.tuples(
    st.sampled_from(["truncate", "insert", "overwrite", "cut", "dup_line", "drop_line", "flip"]),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
    st.one_of(
        st.binary(min_size=1, max_size=16),
        st.text(min_size=1, max_size=8).map(lambda t: t.encode("utf-8")),
        st.sampled_from(
            [
                b"\x00",
                b"\xff\xfe",
                b"\r",
                b"\n[meta]\n",
                b'"',
                b"[[",
                b"= nan",
                b"= inf",
                b"= 1e999",
                b"\n[[events]]\n",
                b'\nextends = "baseline.toml"\n',
                b"\\u0000",
            ]
        ),
    ),
)


# ---------------------------------------------------------------------------- checking


def write_case(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)


def check_loaded(path: Path, folder: Path) -> str:
    """Load `path`; assert the outcome is a usable scenario or a one-line located error.

    Returns "ok" or "error".
    """
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message, repr(message)
        assert message.isprintable(), repr(message)
        assert message.startswith(str(folder)), message
        outcome = "error: " + message.split(": ")[2 if message.count(": ") > 1 else 1][:40]
    else:
        from sim.engine.params import compile_scenario

        compile_scenario(scenario)
        again = tempfile.NamedTemporaryFile(
            "w", suffix=".toml", dir=folder, delete=False, encoding="utf-8"
        )
        with again:
            again.write(to_toml(scenario))
        reloaded = load_scenario(again.name)
        assert reloaded.data == _without_extends(scenario.data)
        outcome = "ok"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "-q", str(path)])
    assert code == (0 if outcome == "ok" else 2), (code, err.getvalue())
    if code == 2:
        lines = err.getvalue().splitlines()
        assert len(lines) == 1 and lines[0].startswith("sim check: error: "), err.getvalue()
    return outcome


def _without_extends(data: dict) -> dict:
    data = copy.deepcopy(data)
    data["meta"]["extends"] = ""
    return data


def dump(data: dict) -> str:
    """TOML text of mutated tables, with the deep placeholders expanded."""
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):
        assume(False)  # a value TOML cannot express (tomli_w refuses it): not a file
        raise
    for kind in ("list", "table"):
        for depth in (30, 200, 400, 900, 3000):
            text = text.replace(f'"@@DEEP-{kind}-{depth}@@"', deep_literal(kind, depth))
    return text


def case_files(name: str, target_parent: bool) -> tuple[dict[str, object], str]:
    """The files of scenario `name` (leaf and parent) and which one to mutate."""
    files: dict[str, object] = {name: copy.deepcopy(RAW[name])}
    parent = PARENT[name]
    if parent:
        files[parent] = copy.deepcopy(RAW[parent])
    return files, (parent if target_parent and parent else name)


@pytest.fixture(scope="module")
def scratch():
    folder = Path(tempfile.mkdtemp(prefix="robust-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def fresh(scratch: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=scratch))


@fuzz_settings(300)
@given(
    name=st.sampled_from(FILES),
    target_parent=st.booleans(),
    mutations=st.lists(MUTATION, min_size=1, max_size=4),
)
def test_structural_mutations_load_or_fail_in_one_line(scratch, name, target_parent, mutations):
    files, target = case_files(name, target_parent)
    for op, pick, value, key in mutations:
        apply(files[target], op, pick, value, key)
    texts = {n: (dump(d) if n == target else TEXT[n]) for n, d in files.items()}
    folder = fresh(scratch)
    write_case(folder, texts)
    event(check_loaded(folder / name, folder))
    shutil.rmtree(folder)


@fuzz_settings(200)
@given(
    name=st.sampled_from(FILES),
    target_parent=st.booleans(),
    edits=st.lists(TEXT_EDIT, min_size=1, max_size=3),
)
def test_byte_edits_load_or_fail_in_one_line(scratch, name, target_parent, edits):
    files, target = case_files(name, target_parent)
    blob: bytes = TEXT[target].encode("utf-8")
    for op, a, b, extra in edits:
        blob = byte_edit(blob, op, a, b, extra)
    contents = {n: (blob if n == target else TEXT[n]) for n in files}
    folder = fresh(scratch)
    write_case(folder, contents)
    event(check_loaded(folder / name, folder))
    shutil.rmtree(folder)


# ---------------------------------------------------------------------------- --set


def override_paths(name: str = "baseline.toml") -> list[str]:
    """Every overridable path of a shipped scenario, as ``sim check --set`` spells it."""
    data = load_scenario(SCENARIOS / name).data
    out: list[str] = []

    def walk(node: object, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in S.PROVENANCE_KEYS:
                    walk(value, f"{prefix}.{key}")
        else:
            out.append(prefix)

    for section in ("meta", "model", "actors", "theatres"):
        walk(data[section], section)
    for section in ("alliances", "grievances", "events"):
        for item in data[section]:
            for key, value in item.items():
                if key not in ("id", *S.PROVENANCE_KEYS):
                    walk(value, f"{section}.{item['id']}.{key}")
    return out


OVERRIDE_PATHS = override_paths()
PATH_TEXT = st.one_of(
    st.sampled_from(OVERRIDE_PATHS),
    st.sampled_from(OVERRIDE_PATHS),
    st.sampled_from(OVERRIDE_PATHS),
    st.sampled_from(OVERRIDE_PATHS).map(lambda p: p + ".x"),
    st.sampled_from(OVERRIDE_PATHS).map(lambda p: p.rsplit(".", 1)[0]),
    st.sampled_from(
        [
            "",
            ".",
            "..",
            "meta",
            "meta.",
            "actors",
            "actors.JPN",
            "actors.JPN.arms.reaction",
            "actors.JPN.arms.reaction.XXX",
            "actors.JPN.arms.reaction.CHN.x",
            "theatres.senkaku.greyzone",
            "theatres.senkaku.greyzone..rate_per_year",
            "alliances..commitment",
            "events.nope.at",
            "meta.extends",
            "actors.JPN.id",
            "sweep.points",
        ]
    ),
    UNICODE,
)
VALUE_TEXT = st.one_of(
    NUMBER.map(lambda v: tomli_w.dumps({"v": v})[4:-1]),
    st.floats(min_value=0, max_value=1).map(repr),
    st.integers(min_value=0, max_value=1300).map(str),
    UNICODE,
    st.sampled_from(
        [
            "",
            "[",
            "[1,",
            "{",
            "[]",
            "{}",
            '"',
            "true",
            "nan",
            "-inf",
            "1e999",
            "0x10",
            "1_000",
            "CHN,JPN",
            '["CHN", "JPN"]',
            "{ CHN = 1 }",
            "2023-05",
            "1979-05-27T07:32:00Z",
            "12\nw = 3",
            "1 # comment",
            "[" * 3000,
            "{x = " * 800 + "1" + "}" * 800,
        ]
    ),
)


@fuzz_settings(150)
@given(
    sets=st.lists(st.tuples(PATH_TEXT, VALUE_TEXT), min_size=1, max_size=3),
    name=st.sampled_from(["baseline.toml", "taiwan_blockade.toml", "two_state.toml"]),
)
def test_set_overrides_load_or_fail_in_one_line(name, sets):
    args = [f"{path}={value}" for path, value in sets]
    try:
        load_scenario(SCENARIOS / name, args)
    except ScenarioError as exc:
        message = str(exc)
        assert "\n" not in message and "\r" not in message and message.isprintable(), repr(message)
        outcome = "error"
    else:
        outcome = "ok"
    event(outcome)
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", "-q", str(SCENARIOS / name)] + [f"--set={arg}" for arg in args]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    assert code == (0 if outcome == "ok" else 2), (code, err.getvalue())
    if code == 2:
        assert len(err.getvalue().splitlines()) == 1, err.getvalue()


def test_set_value_with_a_second_toml_line_is_not_silently_dropped():
    """``--set 'meta.months=12\\nw = 3'`` is refused, not loaded as months = 12."""
    with pytest.raises(ScenarioError, match="meta.months"):
        load_scenario(SCENARIOS / "two_state.toml", ["meta.months=12\nw = 3"])


def test_extends_name_too_long_is_one_line_error(tmp_path):
    """An ``extends`` longer than the file system allows is a ScenarioError, not OSError."""
    (tmp_path / "leaf.toml").write_text(
        TEXT["senkaku_landing.toml"].replace(
            'extends = "baseline.toml"', f'extends = "{"x" * 5000}.toml"'
        )
    )
    with pytest.raises(ScenarioError, match="meta.extends"):
        load_scenario(tmp_path / "leaf.toml")


def test_set_after_an_event_kind_was_set_to_a_list_is_one_line_error():
    """``--set events.X.kind=[] --set events.X.at=...`` is a ScenarioError, not TypeError."""
    with pytest.raises(ScenarioError, match="kind"):
        load_scenario(
            SCENARIOS / "baseline.toml",
            ["events.joint_sword_2023.kind=[]", "events.joint_sword_2023.at=2024-01"],
        )


def test_set_value_nested_too_deep_is_one_line_error():
    """A 3000-deep ``[[[...`` value is a ScenarioError, not RecursionError."""
    with pytest.raises(ScenarioError, match="meta.months"):
        load_scenario(SCENARIOS / "two_state.toml", ["meta.months=" + "[" * 3000])


# ---------------------------------------------------------------------------- subprocess


def subprocess_cases(n: int, seed: int = 10) -> list[tuple[str, dict[str, bytes]]]:
    """`n` fixed mutated cases (seeded), written as files, for ``python -m sim check``."""
    rng = random.Random(seed)
    cases = []
    ops = ["truncate", "insert", "overwrite", "cut", "dup_line", "drop_line", "flip"]
    blobs = [
        b"\x00",
        b"\xff\xfe",
        b"[[",
        b"= nan",
        b"= 1e999",
        b"\n[[events]]\n",
        b"\x1b[2J",
        "\u202e\u0000".encode(),
        b"[" * 3000,
    ]
    for i in range(n):
        name = FILES[i % len(FILES)]
        files = {name: TEXT[name].encode()}
        if PARENT[name]:
            files[PARENT[name]] = TEXT[PARENT[name]].encode()
        target = rng.choice(sorted(files))
        blob = files[target]
        for _ in range(rng.randint(1, 3)):
            blob = byte_edit(
                blob, rng.choice(ops), rng.randrange(10**6), rng.randrange(10**6), rng.choice(blobs)
            )
        files[target] = blob
        cases.append((name, files))
    return cases


@pytest.mark.parametrize("index", range(8))
def test_cli_subprocess_exit_status_is_0_or_2(tmp_path, index):
    name, files = subprocess_cases(8)[index]
    write_case(tmp_path, files)
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "check", "-q", str(tmp_path / name)],
        cwd=REPO,
        capture_output=True,
        timeout=60,
    )
    err = proc.stderr.decode("utf-8", errors="replace")
    assert proc.returncode in (0, 2), err
    assert b"Traceback" not in proc.stderr + proc.stdout
    if proc.returncode == 2:
        assert len(err.splitlines()) == 1 and err.startswith("sim check: error: "), err
