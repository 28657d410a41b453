"""Interrupted, unwritable and full-disk runs lose nothing and say what happened.

* ``sim run`` killed with SIGINT, SIGTERM or SIGKILL at a (seeded) random moment after its
  first chunk is on disk leaves a folder whose manifest says it is not complete;
  `sim.load_results` refuses it and says to resume; ``sim run --resume DIR`` completes it
  to tables identical to an uninterrupted run. Ctrl-C says what was kept and how to resume.
* In-process, interruptions at the late moments a timer rarely hits (during the merge,
  a second Ctrl-C while the manifest is being updated, an interrupted resume) are forced.
* An unwritable ``--out`` and a full disk (``ENOSPC`` from the Parquet writer) are one-line
  errors, exit status 2, with the manifest saying incomplete and nothing half-written; once
  the disk has room again, ``--resume`` completes the run to the same tables.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.errors import ResultsError, SimError
from sim.results.folder import TABLES
from sim.runner import ensemble
from sim.runner.ensemble import resume, run

# signals to `sim run` and its worker pools: one at a time under xdist (tests/conftest.py)
pytestmark = pytest.mark.xdist_group("processes")

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
MONTHS = ["--set", "meta.months=60"]  # keeps every baseline event in the span
SEED = 5
CHUNK = 2000
RUNS = 4 * CHUNK
LAUNCH = (
    "import sys; import sim.runner.ensemble as e; e.MAX_CHUNK = {chunk}; "
    "from sim.cli import main; sys.exit(main(sys.argv[1:]))"
)
"""``sim run`` in a fresh process, with chunks of at most CHUNK runs (the default,
`ensemble.MAX_CHUNK`, would put this whole test-sized run into one chunk)."""
SMALL = {"runs": 600, "chunk_size": 200, "seed": SEED, "overrides": ["meta.months=60"]}


def tables_equal(a, b) -> None:
    for name in ("runs", "outcomes", "annual"):
        pd.testing.assert_frame_equal(a.table(name), b.table(name), check_exact=True, obj=name)


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def leftovers(folder: Path) -> list[str]:
    """Temporary files of interrupted atomic writes."""
    return sorted(p.name for p in folder.rglob(".*.tmp-*"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run of the same command (one worker: the same chunks, so the
    same row order of annual.parquet, which follows the chunking)."""
    out = tmp_path_factory.mktemp("reference") / "ref"
    return run(
        BASELINE,
        runs=RUNS,
        seed=SEED,
        overrides=["meta.months=60"],
        out=out,
        workers=1,
        chunk_size=CHUNK,
    )


@pytest.fixture(scope="module")
def small_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("small") / "ref"
    return run(BASELINE, out=out, workers=1, **SMALL)


def env() -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return e


def start_run(out: Path, workers: int = 1, runs: int = RUNS) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-c",
        LAUNCH.format(chunk=CHUNK),
        "run",
        str(BASELINE),
        "--runs",
        str(runs),
        "--seed",
        str(SEED),
        "--workers",
        str(workers),
        "--out",
        str(out),
        "-q",
        *MONTHS,
    ]
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_first_chunk(proc: subprocess.Popen, out: Path) -> float:
    """Block until one whole chunk (its last table, annual) is on disk; return seconds."""
    t0 = time.monotonic()
    while not list((out / "chunks").glob("*.annual.parquet")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < 180, "no chunk after 180 s"
        time.sleep(0.01)
    return time.monotonic() - t0


def interrupt(
    proc: subprocess.Popen, out: Path, how: signal.Signals, seed: int, group: bool = False
) -> tuple[int, str]:
    """Send `how` at a seeded random moment after the first chunk; return (status, stderr)."""
    first = wait_for_first_chunk(proc, out)
    # three chunks are left, each shorter than the first (which includes the start-up)
    time.sleep(random.Random(seed).uniform(0.0, 0.5) * first)
    assert proc.poll() is None, "the run finished before the signal; make it longer"
    if group:
        os.killpg(proc.pid, how)  # what Ctrl-C in a terminal does: every process of the job
    else:
        proc.send_signal(how)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def check_refused_then_resume(out: Path, reference) -> None:
    m = manifest(out)
    assert m["status"] != "complete"
    assert not (out / "outcomes.parquet").exists() or m["status"] != "complete"
    with pytest.raises(ResultsError, match="resume") as info:
        sim.load_results(out)
    assert "\n" not in str(info.value)
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", "--resume", str(out), "-q"],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    finished = sim.load_results(out)
    assert finished.manifest["status"] == "complete"
    assert finished.manifest["runs_done"] == RUNS
    assert not (out / "chunks").exists() and not leftovers(out)
    assert not (out / ".lock").exists()
    tables_equal(finished, reference)


@pytest.mark.parametrize(
    "how",
    [
        signal.SIGINT,
        pytest.param(signal.SIGTERM, marks=pytest.mark.slow),
        pytest.param(signal.SIGKILL, marks=pytest.mark.slow),
    ],
    ids=["SIGINT", "SIGTERM", "SIGKILL"],
)
@pytest.mark.slow
def test_killed_run_is_refused_then_resumes_to_identical_tables(tmp_path, reference, how):
    out = tmp_path / "killed"
    code, err = interrupt(start_run(out), out, how, seed=int(how))
    assert "Traceback" not in err
    m = manifest(out)
    if how == signal.SIGKILL:
        assert code == -signal.SIGKILL and m["status"] == "running"
    else:
        assert code == 130, err
        assert m["status"] == "incomplete"
        assert m["interrupted_by"] == (
            "KeyboardInterrupt" if how == signal.SIGINT else "Terminated"
        )
        kept = m["runs_done"]
        assert CHUNK <= kept < RUNS and kept % CHUNK == 0
        assert not (out / ".lock").exists()  # the interrupted writer let go of the folder
        # Ctrl-C (and kill) say what was kept and how to finish, in one line
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert f"kept {kept:,} of {RUNS:,} runs" in lines[0]
        assert f"sim run --resume {out}" in lines[0]
    check_refused_then_resume(out, reference)


@pytest.mark.slow
def test_ctrl_c_to_the_whole_process_group_with_workers(tmp_path, reference):
    """A terminal's Ctrl-C reaches the worker processes too; the manifest still says so.

    The main process may see the interrupt twice (its own signal and the workers' echo
    through their futures): the manifest must still end up "incomplete".
    """
    out = tmp_path / "group"
    code, err = interrupt(start_run(out, workers=2), out, signal.SIGINT, seed=7, group=True)
    assert code == 130, err
    m = manifest(out)
    assert m["status"] == "incomplete"
    last = err.strip().splitlines()[-1]
    assert f"kept {m['runs_done']:,} of {RUNS:,} runs" in last and "--resume" in last
    check_refused_then_resume(out, reference)


@pytest.mark.slow
def test_ctrl_c_to_the_process_group_prints_no_traceback(tmp_path):
    """Ctrl-C while one worker computes the last chunk and the other waits for work."""
    out = tmp_path / "group"
    proc = start_run(out, workers=2, runs=2 * CHUNK)  # two chunks, one per worker
    wait_for_first_chunk(proc, out)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.slow
def test_default_chunks_keep_finished_work(tmp_path):
    """Default settings: a long-horizon run is cut into chunks of a few seconds of work, so
    Ctrl-C after the first one keeps it (before issue 24 this run was one chunk and kept
    nothing); the folder has no lock and resumes."""
    from sim.runner import sizing
    from sim.runner.ensemble import compile_ensemble
    from sim.scenario import load_scenario

    out = tmp_path / "default"
    months = ["--set", "meta.months=600"]
    cmd = [sys.executable, "-m", "sim", "run", str(BASELINE), "--runs", "2400", "--seed"]
    proc = subprocess.Popen(
        [*cmd, str(SEED), "--workers", "1", "--out", str(out), "-q", *months],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    wait_for_first_chunk(proc, out)
    assert proc.poll() is None, "the run finished before the signal"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    m = manifest(out)
    size = m["chunk_size"]
    assert m["chunks"] >= 2 and m["status"] == "incomplete"
    assert size <= m["runs_done"] < 2400 and m["runs_done"] % size == 0
    assert not (out / ".lock").exists()
    structure = compile_ensemble(load_scenario(BASELINE, ["meta.months=600"]))[0]
    cost = sizing.reference_cost(structure)
    assert size * cost.per_run <= sizing.CHUNK_SECONDS  # what an interrupt can lose
    assert f"kept {m['runs_done']:,} of 2,400 runs" in err
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", "--resume", str(out), "-q"],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert manifest(out)["status"] == "complete" and not (out / ".lock").exists()


HUGE = (
    "import sys; import sim.runner.sizing as z; z.free_bytes = lambda folder: 10**18; "
    "from sim.cli import main; sys.exit(main(sys.argv[1:]))"
)
"""``sim run`` in a fresh process on a disk that claims to be big enough for anything."""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_huge_runs_stream_in_bounded_memory_with_an_estimate(tmp_path):
    """``--runs 1000000000000`` on a (pretend) huge disk: the estimate comes first, chunks
    stream to disk, the peak memory stays at that of one chunk (before issue 24: 10 GB in
    25 s, nothing written), and Ctrl-C keeps what was done."""
    out = tmp_path / "huge"
    proc = subprocess.Popen(
        [sys.executable, "-c", HUGE, "run", str(BASELINE), "--runs", "1000000000000"]
        + ["--workers", "1", "--out", str(out), "--seed", str(SEED)],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    wait_for_first_chunk(proc, out)
    status = Path(f"/proc/{proc.pid}/status").read_text()
    peak_kb = int(next(ln for ln in status.splitlines() if ln.startswith("VmHWM")).split()[1])
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert peak_kb < 700_000, f"peak {peak_kb / 1000:.0f} MB"
    lines = err.strip().splitlines()
    assert lines[0].startswith("sim run: estimated time: ") and "years" in lines[0], err
    m = manifest(out)
    assert m["status"] == "incomplete" and m["runs_done"] >= m["chunk_size"]
    assert m["chunks"] == -(-(10**12) // m["chunk_size"])
    assert not (out / ".lock").exists()


# ------------------------------------------------------------------ forced late moments


class Boom(KeyboardInterrupt):
    """A Ctrl-C raised at a chosen place."""


def test_interrupt_during_merge_keeps_every_chunk(tmp_path, monkeypatch, small_reference):
    import sim.runner.job as job

    def merge(*args, **kwargs):
        raise Boom()

    monkeypatch.setattr(job, "merge_chunks", merge)
    out = tmp_path / "merge"
    with pytest.raises(KeyboardInterrupt):
        run(BASELINE, out=out, workers=1, **SMALL)
    m = manifest(out)
    assert m["status"] == "incomplete" and m["runs_done"] == SMALL["runs"]
    monkeypatch.undo()
    tables_equal(resume(out, workers=1), small_reference)


def test_interrupt_while_finishing_keeps_every_chunk(tmp_path, monkeypatch, small_reference):
    """After the merge (summaries, file facts) the chunks are still there to resume from."""
    monkeypatch.setattr(
        ensemble, "finish_ensemble", lambda folder, manifest: (_ for _ in ()).throw(Boom())
    )
    out = tmp_path / "finish"
    with pytest.raises(KeyboardInterrupt):
        run(BASELINE, out=out, workers=1, **SMALL)
    m = manifest(out)
    assert m["status"] == "incomplete" and m["runs_done"] == SMALL["runs"]
    chunks = -(-SMALL["runs"] // SMALL["chunk_size"])
    assert len(list((out / "chunks").glob("*.parquet"))) == chunks * len(TABLES)
    monkeypatch.undo()
    tables_equal(resume(out, workers=1), small_reference)


def test_second_interrupt_while_recording_the_first(tmp_path, monkeypatch, small_reference):
    """Ctrl-C twice (or the pool's echo of one): the manifest still ends up "incomplete"."""
    import sim.runner.job as job

    calls = {"progress": 0, "finished": 0}
    real = job.finished_chunks

    def progress(done, total):
        calls["progress"] += 1
        if calls["progress"] == 2:  # after the first chunk
            raise Boom()

    def finished(folder, **kwargs):
        calls["finished"] += 1
        if calls["finished"] == 2:  # the first call inside the interruption handler
            raise Boom()
        return real(folder, **kwargs)

    monkeypatch.setattr(job, "finished_chunks", finished)
    out = tmp_path / "twice"
    with pytest.raises(KeyboardInterrupt):
        run(BASELINE, out=out, workers=1, progress=progress, **SMALL)
    m = manifest(out)
    assert m["status"] == "incomplete" and m["runs_done"] == 200
    monkeypatch.undo()
    tables_equal(resume(out, workers=1), small_reference)


def test_interrupted_resume_resumes_again(tmp_path, small_reference):
    out = tmp_path / "again"
    seen = []

    def stop_after(n):
        def progress(done, total):
            seen.append(done)
            if len(seen) == n:
                raise Boom()

        return progress

    with pytest.raises(KeyboardInterrupt):
        run(BASELINE, out=out, workers=1, progress=stop_after(2), **SMALL)
    assert manifest(out)["runs_done"] == 200
    seen.clear()
    with pytest.raises(KeyboardInterrupt):
        resume(out, workers=1, progress=stop_after(2))
    assert manifest(out)["runs_done"] == 400 and manifest(out)["status"] == "incomplete"
    with pytest.raises(ResultsError, match="400 of 600 runs done.*resume"):
        sim.load_results(out)
    tables_equal(resume(out, workers=1), small_reference)
    with pytest.raises(SimError, match="already complete"):
        resume(out, workers=1)


def test_cli_interrupt_before_anything_was_written(tmp_path, monkeypatch, capsys):
    """Ctrl-C before the folder has a manifest: no resume hint that cannot work."""
    monkeypatch.setattr(ensemble, "execute_ensemble", lambda *a, **k: (_ for _ in ()).throw(Boom()))
    out = tmp_path / "early"
    code = main(["run", str(BASELINE), "--runs", "10", "--out", str(out), "-q", *MONTHS])
    err = capsys.readouterr().err
    assert code == 130
    assert "nothing to resume" in err and "--resume" not in err
    assert len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------ unwritable, full disk


def one_line_error(capsys, *fragments: str) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def test_out_under_a_regular_file_is_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "somefile"
    blocker.write_text("not a folder")
    out = blocker / "sub"
    code = main(["run", str(BASELINE), "--runs", "10", "--out", str(out), "-q", *MONTHS])
    assert code == 2
    one_line_error(capsys, str(out), "cannot create output folder")
    assert blocker.read_text() == "not a folder"


def test_out_that_is_a_file_is_one_line_error(tmp_path, capsys):
    out = tmp_path / "file"
    out.write_text("keep me")
    assert (
        main(["run", str(BASELINE), "--runs", "10", "--out", str(out), "--force", "-q", *MONTHS])
        == 2
    )
    one_line_error(capsys, str(out), "not a folder")
    assert out.read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_out_in_a_read_only_parent_is_one_line_error(tmp_path, capsys):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        assert (
            main(["run", str(BASELINE), "--runs", "10", "--out", str(parent / "x"), "-q", *MONTHS])
            == 2
        )
        one_line_error(capsys, str(parent / "x"))
    finally:
        parent.chmod(0o700)


def full_disk_after(monkeypatch, target, name: str, calls_ok: int) -> None:
    """Make ``target.name`` raise ENOSPC after `calls_ok` successful calls."""
    real = getattr(target, name)
    count = {"n": 0}

    def fake(*args, **kwargs):
        count["n"] += 1
        if count["n"] > calls_ok:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, fake)


@pytest.mark.parametrize(
    "where,calls_ok,kept",
    [
        ("chunk", 4, 200),  # the 5th chunk table: in the middle of the second chunk
        ("chunk", 0, 0),  # the very first chunk table
        ("merge", 0, 600),  # while concatenating the chunks into the final tables
    ],
)
def test_full_disk_is_one_line_error_and_resumable(
    tmp_path, monkeypatch, capsys, where, calls_ok, kept, small_reference
):
    import sim.results.folder as folder_mod

    if where == "chunk":
        full_disk_after(monkeypatch, folder_mod.pq, "write_table", calls_ok)
    else:
        # the final tables are written by copying the chunk files' pages
        class FullWriter(folder_mod.ParquetAppender):
            def append_file(self, *a, **k):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(folder_mod, "ParquetAppender", FullWriter)
    monkeypatch.setattr(ensemble, "chunk_size_for", lambda runs, workers, cap=None: 200)
    out = tmp_path / "full"
    code = main(
        [
            "run",
            str(BASELINE),
            "--runs",
            "600",
            "--seed",
            str(SEED),
            "--workers",
            "1",
            "--out",
            str(out),
            "-q",
            *MONTHS,
        ]
    )
    assert code == 2
    one_line_error(
        capsys,
        str(out),
        "No space left on device",
        f"kept {kept} of 600 runs",
        "incomplete",
        f"sim run --resume {out}",
    )
    m = manifest(out)
    assert m["status"] == "incomplete" and m["runs_done"] == kept
    assert m["interrupted_by"] == "OSError"
    assert not leftovers(out), "half-written temporary files were left behind"
    with pytest.raises(ResultsError, match="resume"):
        sim.load_results(out)
    monkeypatch.undo()
    assert main(["run", "--resume", str(out), "-q"]) == 0
    tables_equal(sim.load_results(out), small_reference)


def test_full_disk_for_the_manifest_is_one_line_error(tmp_path, monkeypatch, capsys):
    import sim.results.folder as folder_mod

    full_disk_after(monkeypatch, folder_mod, "atomic_write_bytes", 0)
    out = tmp_path / "nomanifest"
    code = main(
        ["run", str(BASELINE), "--runs", "10", "--workers", "1", "--out", str(out), "-q", *MONTHS]
    )
    assert code == 2
    one_line_error(capsys, str(out), "No space left on device")
    assert not (out / "manifest.json").exists()


# ------------------------------------------------------------------ sweeps

SWEEP = {
    "params": ["actors.AAA.arms.fatigue=0.1,0.3"],
    "sampler": "grid",
    "runs": 150,
    "seed": 4,
    "workers": 1,
    "chunk_size": 100,
}


@pytest.fixture(scope="module")
def sweep_reference(tmp_path_factory):
    from sim.sweep.run import run_sweep

    return run_sweep(
        ROOT / "scenarios" / "two_state.toml", out=tmp_path_factory.mktemp("sweep") / "ref", **SWEEP
    )


@pytest.mark.parametrize("how", ["SIGTERM", "full-disk"])
def test_interrupted_sweep_resumes_to_identical_tables(tmp_path, monkeypatch, how, sweep_reference):
    """SIGTERM (as the handler raises it) and a full disk in the middle of a sweep."""
    import sim.results.folder as folder_mod
    from sim.runner.job import Terminated
    from sim.sweep.run import resume_sweep, run_sweep

    out = tmp_path / "sweep"
    progress = None
    if how == "SIGTERM":

        def progress(done, total):
            if done >= 100:
                raise Terminated("terminated by SIGTERM")
    else:
        # points.parquet, chunk 0 and chunk 1's runs table fit; its outcomes do not
        full_disk_after(monkeypatch, folder_mod.pq, "write_table", 5)
    expected = (Terminated, "Terminated") if how == "SIGTERM" else (SimError, "OSError")
    with pytest.raises(expected[0]) as info:
        run_sweep(ROOT / "scenarios" / "two_state.toml", out=out, progress=progress, **SWEEP)
    if how == "full-disk":
        message = str(info.value)
        assert "\n" not in message and "No space left on device" in message
        assert f"sim sweep --resume {out}" in message
    m = manifest(out)
    assert m["status"] == "incomplete" and m["interrupted_by"] == expected[1]
    assert m["runs_done"] == 100 and not leftovers(out)
    with pytest.raises(ResultsError, match="resume"):
        sim.load_results(out)
    monkeypatch.undo()
    done = resume_sweep(out, workers=1)
    for name in ("points", "runs", "outcomes", "annual", "summary"):
        pd.testing.assert_frame_equal(
            done.table(name), sweep_reference.table(name), check_exact=True, obj=name
        )


def test_resume_recomputes_a_chunk_damaged_on_disk(tmp_path, small_reference):
    """A chunk file that no longer parses (disk trouble) is computed again, not merged."""
    out = tmp_path / "damaged"

    def progress(done, total):
        if done >= 400:
            raise Boom()

    with pytest.raises(KeyboardInterrupt):
        run(BASELINE, out=out, workers=1, progress=progress, **SMALL)
    broken = out / "chunks" / "c000001.outcomes.parquet"
    broken.write_bytes(broken.read_bytes()[:100])
    tables_equal(resume(out, workers=1), small_reference)
