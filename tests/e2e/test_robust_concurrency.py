"""Two ``sim run`` processes on one ``--out`` cannot corrupt each other.

The first process holds an exclusive lock (`sim.results.folder.FolderLock`) on the folder
while it writes. A second one, with or without ``--force`` and also as ``--resume``, must
exit with status 2 and one line, and must not touch the first one's files (in particular
``--force`` must not delete the running job's chunks and manifest before it meets the lock).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_robust_interrupt import (
    BASELINE,
    CHUNK,
    LAUNCH,
    MONTHS,
    ROOT,
    RUNS,
    SEED,
    env,
    start_run,
    wait_for_first_chunk,
)

import sim
from sim.cli import main
from sim.runner.ensemble import run

# signals and concurrent `sim run` processes: one at a time under xdist (tests/conftest.py)
pytestmark = pytest.mark.xdist_group("processes")


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    out = tmp_path_factory.mktemp("concurrency") / "ref"
    return run(
        BASELINE,
        runs=RUNS,
        seed=SEED,
        overrides=["meta.months=60"],
        out=out,
        workers=1,
        chunk_size=CHUNK,
    )


def sim_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", LAUNCH.format(chunk=CHUNK), *args],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def second_run(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return sim_cli(
        "run",
        str(BASELINE),
        "--runs",
        "4000",
        "--seed",
        "99",
        "--workers",
        "1",
        "--out",
        str(out),
        "-q",
        *MONTHS,
        *extra,
    )


def snapshot(out: Path) -> dict[str, bytes]:
    """Manifest and finished chunk files (their bytes) at this moment."""
    files = {"manifest.json": (out / "manifest.json").read_bytes()}
    for f in sorted((out / "chunks").glob("c*.parquet")):
        files[f.name] = f.read_bytes()
    return files


def assert_one_line(proc: subprocess.CompletedProcess, fragment: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


def tables_equal(a, b) -> None:
    for name in ("runs", "outcomes", "annual"):
        pd.testing.assert_frame_equal(a.table(name), b.table(name), check_exact=True, obj=name)


@pytest.mark.slow
def test_second_writer_is_refused_and_the_first_is_intact(tmp_path, expected):
    out = tmp_path / "shared"
    first = start_run(out)
    wait_for_first_chunk(first, out)
    # hold the first writer still (it keeps its lock) while the others try their luck
    os.kill(first.pid, signal.SIGSTOP)
    try:
        before = snapshot(out)
        plain = second_run(out)
        assert_one_line(plain, "not empty")
        forced = second_run(out, "--force")
        assert_one_line(forced, "another sim process is writing this folder")
        resumed = sim_cli("run", "--resume", str(out), "-q")
        assert_one_line(resumed, "another sim process is writing this folder")
        assert snapshot(out) == before  # nothing deleted, nothing rewritten
    finally:
        os.kill(first.pid, signal.SIGCONT)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    finished = sim.load_results(out)
    assert finished.manifest["master_seed"] == SEED and finished.manifest["runs"] == RUNS
    tables_equal(finished, expected)


@pytest.mark.slow
def test_two_runs_started_together_one_wins(tmp_path, expected):
    """Started at the same moment on a fresh folder: one completes, the other is refused."""
    out = tmp_path / "race"
    procs = [start_run(out) for _ in range(2)]
    results = []
    for p in procs:
        _, err = p.communicate(timeout=300)
        results.append((p.returncode, err))
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert "Traceback" not in loser and len(loser.strip().splitlines()) == 1, loser
    assert "another sim process" in loser or "not empty" in loser, loser
    tables_equal(sim.load_results(out), expected)


def test_force_after_the_first_finished_overwrites_cleanly(tmp_path, capsys):
    """With nobody writing, --force replaces the folder's results."""
    out = tmp_path / "later"
    run(BASELINE, runs=200, seed=1, overrides=["meta.months=60"], out=out, workers=1)
    (out / ".lock").write_text("4242")  # a stale lock file of a finished process
    assert (
        main(
            [
                "run",
                str(BASELINE),
                "--runs",
                "300",
                "--seed",
                "2",
                "--workers",
                "1",
                "--out",
                str(out),
                "-q",
                "--force",
                *MONTHS,
            ]
        )
        == 0
    )
    finished = sim.load_results(out)
    assert finished.manifest["master_seed"] == 2 and len(finished.runs) == 300
