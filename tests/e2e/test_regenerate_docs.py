"""The outputs quoted in README.md and docs/sweeps.md come from one script."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "regenerate_readme_outputs.py"
_spec = importlib.util.spec_from_file_location("regen", SCRIPT)
assert _spec is not None and _spec.loader is not None
regen = importlib.util.module_from_spec(_spec)
sys.modules["regen"] = regen
_spec.loader.exec_module(regen)


def test_every_block_has_a_marker_and_every_marker_a_block():
    found = [name for doc in regen.DOCS for name in regen.markers(doc.read_text())]
    assert set(found) == set(regen.BLOCKS)


def test_timings_are_masked():
    line = "T: 2,000 runs, seed 3, 120 months from 2023-02, 2.4 s (828 runs/s, 2 workers)"
    assert regen.mask(line) == "T: 2,000 runs, seed 3, 120 months from 2023-02, ..."
    assert regen.mask("6,000 runs, seed 2, 5.4 s") == "6,000 runs, seed 2, ..."


def test_replace_blocks_rewrites_only_the_marked_block():
    text = "a\n<!-- output: x -->\n```console\nold\n```\nb\n```console\nkeep\n```\n"
    new = regen.replace_blocks(text, {"x": "```console\nnew\n```\n"})
    assert new == "a\n<!-- output: x -->\n```console\nnew\n```\nb\n```console\nkeep\n```\n"


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_readme_tour_outputs_are_current():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--only", "tour-trace", "--only", "tour-runs"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_readme_python_output_is_current():
    """The output quoted after the README's Python block (sim.sweep, sim.compare) is what
    the block prints."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--only", "python-api"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
