"""Shared fixtures, and the test layers applied by folder.

Layers (see CONTRIBUTING.md): ``tests/unit/<package>/`` mirrors ``sim/<package>``,
``tests/stat/`` holds the statistical tests (tolerances from sampling error, stated in each
docstring), ``tests/e2e/`` the end-to-end ones (CLI processes, golden files, interrupts,
the browser, the notebook). `pytest_collection_modifyitems` marks every test with its
folder's layer (``-m unit``, ``-m stat``, ``-m e2e``). ``slow`` is per test,
measured (more than about 3 s on 2 cores); ``-m "not slow"`` is the quick suite.

Under pytest-xdist (``-n 2 --dist loadgroup``, CONTRIBUTING.md) the tests that start worker
pools, Dask clusters or servers, or send signals, share ``xdist_group(PROCESSES)`` and so
run one at a time on one xdist worker. Every test writes under its own ``tmp_path`` (a
separate base folder per xdist worker); the numba cache (``NUMBA_CACHE_DIR``) is shared,
which is safe: numba writes each cache and index file to a unique temporary name and
renames it into place, so two workers compiling one kernel only duplicate the work.

The scenario tests never read ``scenarios/``: every fixture is a small, self-contained
TOML text written to ``tmp_path``. `BASE_TOML` is a valid four-actor, two-theatre
scenario; tests derive broken variants from it with `write_scenario` and plain string
replacement.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent

LAYERS = ("unit", "stat", "e2e")
"""Folders of ``tests/`` whose name is the marker of every test in them."""

PROCESSES = "processes"
"""The xdist group of tests that start pools, Dask clusters, servers or send signals."""


SLOW_BY_ID = {
    "tests/e2e/test_cli_vocabulary.py::test_export_xlsx_and_csv",
    "tests/unit/engine/test_robust_engine.py::test_full_range_parameters_stay_finite",
    "tests/unit/scenario/test_robust_fuzz.py::test_structural_mutations_load_or_fail_in_one_line",
    "tests/unit/scenario/test_robust_fuzz.py::test_byte_edits_load_or_fail_in_one_line",
    "tests/unit/scenario/test_robust_fuzz.py::test_set_overrides_load_or_fail_in_one_line",
}
"""Slow tests (measured, > 3 s) marked here rather than in their files: one CLI export test,
and Hypothesis tests,
whose derandomized examples are seeded by a digest of the test's source, decorators
included: a mark in the file would change the examples they draw."""


def _hypothesis_without_local_constants() -> None:
    """Make Hypothesis examples independent of which modules earlier tests imported.

    Hypothesis (6.13x and later) sometimes draws a constant found in the source of the
    local modules in `sys.modules` when the example is drawn, so a derandomized test's
    examples depend on the tests that ran before it in the same process: a serial run
    and each pytest-xdist worker would test different examples (one xdist order drew a
    world the serial order never did). With no local constants, a test's examples depend
    only on its source and the Hypothesis version. (Private API: if it moves, this does
    nothing and the order dependence returns.)
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        empty = providers.Constants()
        providers._get_local_constants = lambda: empty


_hypothesis_without_local_constants()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with the layer of its folder (``tests/<layer>/...``)."""
    for item in items:
        if item.nodeid in SLOW_BY_ID:
            item.add_marker(pytest.mark.slow)
        try:
            parts = Path(item.path).resolve().relative_to(TESTS).parts
        except ValueError:
            continue
        if len(parts) > 1 and parts[0] in LAYERS:
            item.add_marker(getattr(pytest.mark, parts[0]))


BASE_TOML = """\
[meta]
name = "base"
title = "Base test scenario"
start = "2023-02"
months = 120
seed = 7

[model]
crisis.war_cost = 0.4

[actors.CHN]
name = "China"
gdp_usd_bn = 17963
milex_usd_bn = 296
nuclear = true
arms.reaction = { JPN = 0.05, USA = 0.02 }
source = "SIPRI 2023"

[actors.JPN]
name = "Japan"
gdp_usd_bn = 4256
milex_usd_bn = 46
arms.reaction = { CHN = 0.02 }

[actors.USA]
name = "United States"
gdp_usd_bn = 25463
milex_usd_bn = 877
nuclear = true

[actors.TWN]
name = "Taiwan"
gdp_usd_bn = 761
milex_usd_bn = 19

[[alliances]]
patron = "USA"
client = "JPN"
commitment = 0.9
covers = ["senkaku"]
basing = true

[[alliances]]
patron = "USA"
client = "TWN"
commitment = 0.5

[[grievances]]
from = "CHN"
to = "JPN"
level = 0.6

[[grievances]]
from = "CHN"
to = "TWN"
level = 0.8

[theatres.senkaku]
claimants = ["CHN", "JPN"]
holder = "JPN"

[theatres.senkaku.greyzone.cg_presence]
by = "CHN"
against = "JPN"
unit = "days"
rate_per_year = 350
incident_probability = 0.001

[theatres.taiwan]
claimants = ["CHN", "TWN"]
holder = "TWN"

[[events]]
at = "2023-02"
kind = "talks"
parties = ["CHN", "JPN"]

[[events]]
id = "roe"
at = "2024-01"
kind = "rules_of_engagement"
theatre = "senkaku"
activity = "cg_presence"
incident_probability = 0.002
"""
"""A valid scenario exercising every section (events fall inside a 60-month span)."""

TALKS_ID = "talks-2023-02-CHN-JPN"
"""Derived id of the first event of `BASE_TOML`."""


@pytest.fixture
def base_toml() -> str:
    return BASE_TOML


@pytest.fixture
def base_dict() -> dict:
    """`BASE_TOML` parsed, as a fresh dict (for ``load_scenario(dict)``)."""
    return copy.deepcopy(tomllib.loads(BASE_TOML))


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Return ``write(name, text_or_bytes)`` that writes a file into ``tmp_path``."""

    def write(name: str, content: str | bytes = BASE_TOML) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def _snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def run_sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """Return ``run(*args, subprocess=False)`` running ``sim`` with cwd = ``tmp_path``.

    In-process it calls `sim.cli.main` and captures output with capsys; with
    ``subprocess=True`` it runs ``python -m sim``. Either way it asserts that nothing
    was written to ``tmp_path`` (the working directory).
    """
    from sim.cli import main

    monkeypatch.chdir(tmp_path)

    def run(*args: str, subprocess_: bool = False) -> CliResult:
        before = _snapshot(tmp_path)
        if subprocess_:
            env = dict(os.environ)
            env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            proc = subprocess.run(
                [sys.executable, "-m", "sim", *args],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            result = CliResult(proc.returncode, proc.stdout, proc.stderr)
        else:
            capsys.readouterr()
            code = main(list(args))
            captured = capsys.readouterr()
            result = CliResult(code, captured.out, captured.err)
        assert _snapshot(tmp_path) == before, "the command wrote files"
        return result

    return run


def assert_one_line_error(result: CliResult, *fragments: str) -> str:
    """Check exit status 2, a single stderr line with every fragment, no traceback."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    assert "Traceback" not in result.out
    lines = result.err.strip("\n").split("\n")
    assert len(lines) == 1, result.err
    assert result.err.endswith("\n")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture
def one_line_error():
    return assert_one_line_error


def flatten(data, prefix: str = "") -> dict:
    """Flatten resolved scenario data to ``{dotted.path: value}``.

    Arrays of tables with an ``id`` (alliances, grievances, events) are keyed by id, so
    reordering does not count as a difference.
    """
    out: dict = {}
    if isinstance(data, dict):
        if not data and prefix:
            out[prefix] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list) and data and all(isinstance(v, dict) and "id" in v for v in data):
        for item in data:
            out.update(flatten(item, f"{prefix}.{item['id']}"))
    else:
        out[prefix] = data
    return out


def diff_keys(a: dict, b: dict) -> set[str]:
    """Dotted paths whose values differ between two resolved scenarios."""
    fa, fb = flatten(a), flatten(b)
    return {k for k in fa.keys() | fb.keys() if fa.get(k, KeyError) != fb.get(k, KeyError)}
