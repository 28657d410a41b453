"""numba's configuration (`sim.engine.jit`): the cache folder keyed by the kernels' sources,
and a reference test for every kernel."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from kernel_fixtures import JIT_OFF, simulation_digest

from sim.engine import jit, kernels

ROOT = Path(jit.__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the kernels' source files (and what they import) under a new root."""
    for path in jit.kernel_sources():
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return tmp_path


def test_key_depends_on_every_kernel_source(copy: Path) -> None:
    """The copy has the installed key; one changed byte in any of its files changes it."""
    key = jit.sources_key()
    assert re.fullmatch(r"[0-9a-f]{12}", key)
    assert jit.sources_key(copy) == key
    files = jit.kernel_sources(copy)
    names = {p.relative_to(copy).as_posix() for p in files}
    assert {"sim/engine/jit.py", "sim/engine/_kernels_random.py"} <= names
    assert "sim/engine/mechanisms/grievance_kernels.py" in names
    for path in files:
        data = path.read_bytes()
        path.write_bytes(data.replace(b"import", b"import ", 1))
        assert jit.sources_key(copy) != key, path
        path.write_bytes(data)
    assert jit.sources_key(copy) == key


def test_key_follows_a_kernel_imported_from_another_file(copy: Path) -> None:
    """A kernel module importing a kernel from a file outside `MODULES` makes that file
    part of the key, whichever spelling of the import it uses."""
    forces = copy / "sim/engine/_kernels_forces.py"
    helper = copy / "sim/engine/_kernels_helper.py"
    helper.write_text("def twice(x):\n    return 2 * x\n")
    original = forces.read_text()
    for spelling in (
        "from sim.engine._kernels_helper import twice\n",
        "from sim.engine import (\n    _kernels_helper,\n)\n",
        "import sim.engine._kernels_helper\n",
    ):
        forces.write_text(original + spelling)
        assert helper in jit.kernel_sources(copy), spelling
        key = jit.sources_key(copy)
        helper.write_text(helper.read_text() + "# changed\n")
        assert jit.sources_key(copy) != key, spelling
    forces.write_text(original)
    assert helper not in jit.kernel_sources(copy)


def test_cache_folder_is_keyed_and_idempotent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Default folder, a user's folder and an inherited (already keyed) one."""
    name = "sim-0123456789ab"
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert jit.cache_dir("0123456789ab") == tmp_path / "escalation-sim" / "numba" / name
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert jit.cache_dir("0123456789ab") == tmp_path / "mine" / name
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine" / name))
    assert jit.cache_dir("0123456789ab") == tmp_path / "mine" / name


def test_numba_caches_in_the_keyed_folder() -> None:
    """This process's numba (and the variable its workers inherit) use the keyed folder."""
    folder = jit.cache_dir()
    assert folder.name == jit.PREFIX + jit.sources_key()
    assert os.environ["NUMBA_CACHE_DIR"] == str(folder)
    assert jit.numba.config.CACHE_DIR == str(folder)


def test_a_child_process_derives_the_same_folder(tmp_path: Path) -> None:
    """A worker started with the parent's environment (keyed variable) or with the user's
    unkeyed one ends in the same folder."""
    code = "import os, sim.engine.jit as j; print(os.environ['NUMBA_CACHE_DIR'])"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_CACHE_DIR": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    env["NUMBA_CACHE_DIR"] = first.stdout.strip()
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.stdout == second.stdout
    assert first.stdout.strip() == str(tmp_path / (jit.PREFIX + jit.sources_key()))


def test_every_kernel_has_a_reference_test() -> None:
    """Each kernel of `MODULES` is called in a ``test_kernel_references_*`` module."""
    text = "".join(p.read_text() for p in TESTS.glob("test_kernel_references_*.py"))
    names = [name for module in kernels.MODULES.values() for name in module]
    assert len(names) >= 14  # the 14 of issue 25, and any added since
    missing = [name for name in names if f"kernels.{name}(" not in text]
    assert not missing


@pytest.mark.skipif(JIT_OFF, reason="compares compiled kernels with the JIT off; both off here")
@pytest.mark.parametrize("which", ["rich", "baseline"])
def test_results_equal_with_and_without_the_jit(which: str) -> None:
    """A batch of 8 runs (the rich scenario: 154 crises, wars, nuclear use) gives the same
    bits with the kernels compiled and run as Python (``NUMBA_DISABLE_JIT=1``, a child
    process; ~1 s there)."""
    code = f"import kernel_fixtures as k; print(k.simulation_digest({which!r}))"
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": f"{TESTS.parents[1]}:{ROOT}"}
    child = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], env=env, capture_output=True, text=True
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == simulation_digest(which)
