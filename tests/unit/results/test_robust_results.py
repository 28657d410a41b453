"""Truncated, tampered or incomplete result folders are refused in one line.

One small complete ``sim run`` folder is made once; each case copies it, breaks one thing
(a truncated or corrupted table, a tampered manifest, a deleted table) and checks that
`sim.load_results` raises `ResultsError` with one line saying what is wrong, and that
``sim plot`` and ``sim report`` exit with status 2 and that one line (no traceback).
Extra files in a folder (notes, leftovers, a stale lock) are ignored.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.errors import ResultsError
from sim.runner.ensemble import run

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("results") / "baseline"
    run(BASELINE, runs=120, seed=9, out=out, workers=1, chunk_size=50, overrides=["meta.months=60"])
    return out


@pytest.fixture
def folder(pristine, tmp_path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)
    return copy


def cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, err.getvalue()


def edit_manifest(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / "manifest.json"
        m = json.loads(path.read_text())
        change(m)
        path.write_text(json.dumps(m))

    return apply


def truncate(name: str, keep: float) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / name
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])

    return apply


def flip_middle(name: str) -> Callable[[Path], None]:
    """Corrupt bytes in the middle of a table (same size, footer intact)."""

    def apply(folder: Path) -> None:
        path = folder / name
        data = bytearray(path.read_bytes())
        mid = len(data) // 2
        for i in range(mid, mid + 8):
            data[i] ^= 0xFF
        path.write_bytes(bytes(data))

    return apply


def swap_in_other_run(folder: Path) -> None:
    """outcomes.parquet replaced by the same-shaped table of another seed."""
    other = folder.parent / "other"
    run(
        BASELINE,
        runs=120,
        seed=10,
        out=other,
        workers=1,
        chunk_size=50,
        overrides=["meta.months=60"],
    )
    shutil.copy(other / "outcomes.parquet", folder / "outcomes.parquet")


def set_key(key: str, value) -> Callable[[Path], None]:
    def change(m: dict) -> None:
        m[key] = value

    return edit_manifest(change)


def write(name: str, content: bytes) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).write_bytes(content)

    return apply


def delete(name: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).unlink()

    return apply


def manifest_is_a_folder(folder: Path) -> None:
    (folder / "manifest.json").unlink()
    (folder / "manifest.json").mkdir()


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "outcomes-truncated": (truncate("outcomes.parquet", 0.5), "outcomes.parquet"),
    "annual-empty": (truncate("annual.parquet", 0.0), "annual.parquet"),
    "runs-corrupted": (flip_middle("runs.parquet"), "runs.parquet"),
    "outcomes-corrupted": (flip_middle("outcomes.parquet"), "outcomes.parquet"),
    "outcomes-from-another-run": (swap_in_other_run, "outcomes.parquet"),
    "runs-deleted": (delete("runs.parquet"), "runs.parquet: missing"),
    "manifest-deleted": (delete("manifest.json"), "no manifest.json"),
    "manifest-truncated": (truncate("manifest.json", 0.5), "not valid JSON"),
    "manifest-binary": (write("manifest.json", b"\xff\xfe\x00junk"), "manifest"),
    "manifest-a-list": (write("manifest.json", b"[1, 2]"), "manifest"),
    "manifest-a-folder": (manifest_is_a_folder, "manifest.json"),
    "status-running": (set_key("status", "running"), "resume"),
    "status-missing": (edit_manifest(lambda m: m.pop("status")), "unknown status"),
    "status-a-number": (set_key("status", 7), "status"),
    "rows-changed": (
        edit_manifest(lambda m: m["files"]["outcomes.parquet"].update(rows=1)),
        "rows",
    ),
    "bytes-changed": (
        edit_manifest(lambda m: m["files"]["annual.parquet"].update(bytes=3)),
        "size",
    ),
    "files-a-list": (set_key("files", []), "files"),
    "file-facts-a-string": (
        edit_manifest(lambda m: m["files"].update({"runs.parquet": "x"})),
        "runs.parquet",
    ),
    "months-a-string": (set_key("months", "sixty"), "months"),
    "start-garbage": (set_key("start", "soon"), "start"),
    "theatres-a-number": (set_key("theatres", 5), "theatres"),
    "scenario-a-string": (set_key("scenario", "baseline"), "scenario"),
    "kind-unknown": (set_key("kind", "teapot"), "kind"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_folder_is_refused_in_one_line(folder, case):
    damage, fragment = CASES[case]
    damage(folder)
    with pytest.raises(ResultsError) as info:
        results = sim.load_results(folder)
        results.load_all()  # the tables themselves, not only their footers
    message = str(info.value)
    assert "\n" not in message and fragment in message, message
    for command in (["plot", str(folder), "--kind", "war"], ["report", str(folder)]):
        code, err = cli(*command)
        assert code == 2, (command, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert fragment in err, (fragment, err)


def test_extra_files_are_ignored(folder):
    (folder / "notes.txt").write_text("my notes")
    (folder / "junk.parquet").write_bytes(b"not parquet")
    (folder / ".lock").write_text("12345")  # stale lock of a finished process
    (folder / "chunks").mkdir()
    (folder / "chunks" / "c000000.outcomes.parquet").write_bytes(b"leftover")
    (folder / ".outcomes.parquet.tmp-99").write_bytes(b"leftover")
    results = sim.load_results(folder).load_all()
    assert len(results.runs) == 120
    code, err = cli("plot", str(folder), "--kind", "war")
    assert code == 0, err


def test_incomplete_folder_is_refused_with_resume_hint(folder):
    edit_manifest(lambda m: m.update(status="incomplete", runs_done=50))(folder)
    with pytest.raises(ResultsError, match=r"incomplete \(50 of 120 runs done\); resume"):
        sim.load_results(folder)
    code, err = cli("report", str(folder))
    assert code == 2 and "resume" in err and len(err.strip().splitlines()) == 1


def test_not_a_folder_is_one_line(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    for target in (path, tmp_path / "missing"):
        with pytest.raises(ResultsError, match="no such result folder"):
            sim.load_results(target)
        code, err = cli("plot", str(target))
        assert code == 2 and len(err.strip().splitlines()) == 1


RESUME_DAMAGE = {
    "chunk-size-missing": (lambda m: m.pop("chunk_size"), "chunk_size"),
    "runs-a-string": (lambda m: m.update(runs="many"), "runs"),
    "seed-negative": (lambda m: m.update(master_seed=-1), "master_seed"),
    "scenario-a-list": (lambda m: m.update(scenario=[1]), "scenario"),
    "scenario-invalid": (lambda m: m["scenario"]["meta"].update(months=0), "meta.months"),
    "kind-sweep": (lambda m: m.update(kind="sweep"), "sim sweep --resume"),
}


@pytest.mark.parametrize("case", list(RESUME_DAMAGE))
def test_resume_of_a_tampered_folder_is_one_line(folder, case):
    change, fragment = RESUME_DAMAGE[case]

    def damage(m: dict) -> None:
        m.update(status="incomplete", runs_done=0)
        change(m)

    edit_manifest(damage)(folder)
    code, err = cli("run", "--resume", str(folder), "-q")
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert fragment in err, err
