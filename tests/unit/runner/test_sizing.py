"""Job sizes (issue 24, items 10 and 11): chunks of a few seconds, lazy plans, bounded sizes.

* Chunks hold at most a few seconds of work at the reference speed, whatever the
  scenario's horizon, and the plan depends on the command only (no timing).
* A plan builds a chunk's task (with its run ids) only when it is handed out, and the
  local runner takes tasks from it one at a time.
* The default worker count is one for a job of a few seconds and drops to one on a busy
  machine.
* A job whose results cannot fit on the disk, a sweep design or a calibration population
  too large to hold, is one line naming the option, exit status 2, nothing written.
* A long job prints its estimated time before it starts.
* A result folder keeps no ``.lock`` file once its writer is done.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import SimError
from sim.results.folder import FolderLock, locked_by_another
from sim.runner import executor, sizing
from sim.runner.ensemble import compile_ensemble, ensemble_sizing, plan_ensemble, run
from sim.runner.plan import ChunkPlan, runs_of, unfinished
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "scenarios" / "baseline.toml"
TWO_STATE = ROOT / "scenarios" / "two_state.toml"


def structure_of(path: Path, *overrides: str):
    return compile_ensemble(load_scenario(path, list(overrides)))[0]


# ------------------------------------------------------------------ chunk sizes


@pytest.mark.parametrize("months", [60, 120, 600, 1200])
def test_chunks_hold_a_few_seconds_of_work_whatever_the_horizon(months):
    structure = structure_of(BASELINE, f"meta.months={months}")
    cost = sizing.reference_cost(structure)
    for runs in (1_000, 40_000, 1_000_000):
        for workers in (1, 2, 8):
            _, size = ensemble_sizing(structure, runs, workers, None)
            assert size <= sizing.MAX_CHUNK
            per_run_work = min(size, runs) * cost.per_run
            assert per_run_work <= sizing.CHUNK_SECONDS or size == sizing.MIN_CHUNK, (
                months,
                runs,
                workers,
                size,
            )
    # a horizon ten times longer makes chunks about ten times smaller
    short = ensemble_sizing(structure_of(BASELINE, "meta.months=120"), 10**6, 2, None)[1]
    long = ensemble_sizing(structure_of(BASELINE, "meta.months=1200"), 10**6, 2, None)[1]
    assert 7 <= short / long <= 13


def test_reference_cost_matches_the_measured_order_of_magnitude():
    """Baseline: 0.44-0.53 ms per run, ~0.2 s per batch measured (module docstring)."""
    cost = sizing.reference_cost(structure_of(BASELINE))
    assert 0.4e-3 <= cost.per_run <= 0.7e-3
    assert 0.1 <= cost.batch <= 0.4
    light = sizing.reference_cost(structure_of(TWO_STATE))
    assert light.per_run < cost.per_run / 10


def test_chunk_size_is_a_function_of_the_command_only(monkeypatch):
    """No timing enters the plan: a loaded machine plans the same chunks."""
    structure = structure_of(BASELINE)
    before = [
        ensemble_sizing(structure, n, w, None)[1] for n in (500, 9_000, 90_000) for w in (1, 2)
    ]
    monkeypatch.setattr(sizing.os, "getloadavg", lambda: (7.0, 7.0, 7.0))
    after = [
        ensemble_sizing(structure, n, w, None)[1] for n in (500, 9_000, 90_000) for w in (1, 2)
    ]
    assert before == after


# ------------------------------------------------------------------ lazy plans


def test_plan_builds_chunks_only_when_asked(tmp_path):
    scen = load_scenario(BASELINE)
    made = []
    plan = plan_ensemble(scen, 10**12, 1, tmp_path, 7_000, 0)
    assert isinstance(plan, ChunkPlan)
    assert len(plan) == -(-(10**12) // 7_000)
    assert runs_of(plan) == 10**12
    last = plan[-1]
    assert last.run_ids[-1] == 10**12 - 1 and len(last.run_ids) == 10**12 % 7_000
    assert runs_of(plan, {0, len(plan) - 1}) == 7_000 + 10**12 % 7_000
    real = plan.make

    def counted(chunk, lo, hi):
        made.append(chunk)
        return real(chunk, lo, hi)

    plan.make = counted
    todo, count = unfinished(plan, {0, 2})
    assert count == len(plan) - 2 and made == []
    assert [next(todo).chunk for _ in range(3)] == [1, 3, 4]
    assert made == [1, 3, 4]


def test_local_runner_takes_tasks_one_at_a_time(monkeypatch):
    """With a pool, tasks are taken from the plan as workers free up, not all at once."""
    taken = []

    def tasks():
        for i in range(1000):
            taken.append(i)
            yield i

    class BusyPool:
        """A pool whose one worker is busy with its first task for the whole test."""

        def submit(self, fn, task):
            from concurrent.futures import Future

            return Future()

    monkeypatch.setattr(executor, "local_pool", lambda n: BusyPool())
    seen = []
    results = executor.Runner(2).map_unordered(lambda t: t, tasks(), 1000)
    for r in results:
        seen.append(r)
        if len(seen) == 5:
            break
    results.close()
    assert len(taken) <= 7, taken  # one for the pool, five computed here, one ahead at most


# ------------------------------------------------------------------ workers


@pytest.mark.parametrize(
    ("cores", "load", "seconds", "expected"),
    [
        (2, 0.0, 60.0, 2),
        (2, 1.2, 60.0, 2),
        (2, 1.6, 60.0, 1),
        (2, 3.5, 60.0, 1),
        (2, 0.0, 2.0, 1),  # a job of a few seconds: the pool would not pay
        (8, 4.0, 600.0, 5),
        (8, 0.0, 600.0, 8),
    ],
)
def test_default_workers_follow_idle_cores_and_job_length(
    monkeypatch, cores, load, seconds, expected
):
    monkeypatch.setattr(sizing, "cores", lambda: cores)
    monkeypatch.setattr(sizing.os, "getloadavg", lambda: (load, load, load))
    assert sizing.default_workers(seconds) == expected


# ------------------------------------------------------------------ impossible sizes


def one_line(capsys, *fragments: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def test_runs_that_cannot_fit_on_the_disk_are_refused(tmp_path, capsys):
    out = tmp_path / "huge"
    assert main(["run", str(BASELINE), "--runs", "1000000000000", "--out", str(out)]) == 2
    one_line(capsys, "--runs 1,000,000,000,000", "16.0 TB", "free")
    assert not out.exists()


def test_a_python_run_without_a_folder_is_bounded():
    with pytest.raises(SimError, match="out=FOLDER"):
        run(BASELINE, runs=10**8)


def test_sweep_points_beyond_the_limit_are_refused(tmp_path, capsys):
    out = tmp_path / "sweep"
    base = ["sweep", str(TWO_STATE), "--out", str(out), "--runs", "2"]
    param = ["--param", "actors.AAA.arms.fatigue=0.1:0.3"]
    assert main([*base, *param, "--points", "1000000000000"]) == 2
    one_line(capsys, "--points 1,000,000,000,000", "more than a sweep takes")
    assert main([*base, *param, "--points", "1000000000", "--sampler", "grid"]) == 2
    one_line(capsys, "--points", "a grid of 1,000,000,000 points")
    assert main([*base, *param, "--points", "65536", "--sampler", "sobol"]) == 2
    one_line(capsys, "--points 65,536", "sobol design of 196,608 points")
    assert main([*base[:-1], "1000000000000", *param, "--points", "64"]) == 2
    one_line(capsys, "--runs 1,000,000,000,000 x 64 points", "of disk")
    assert not out.exists()


def test_calibration_population_beyond_the_limit_is_refused(tmp_path, capsys):
    out = tmp_path / "cal"
    cmd = ["calibrate", str(BASELINE), "--vintage", "2022", "--out", str(out)]
    assert main([*cmd, "--particles", "1000000000000"]) == 2
    one_line(capsys, "--particles 1,000,000,000,000")
    assert main([*cmd, "--runs", "1000000000"]) == 2
    one_line(capsys, "--runs 1,000,000,000")
    assert not out.exists()


# ------------------------------------------------------------------ estimates


def test_long_jobs_print_an_estimate_and_short_ones_do_not(monkeypatch):
    compiled = compile_ensemble(load_scenario(BASELINE))
    probes = []

    def probe(structure, params):
        probes.append(1)
        return sizing.Cost(batch=0.2, per_run=0.5e-3)

    monkeypatch.setattr(sizing, "probe_rate", probe)
    assert sizing.estimate_line(2_000, 2, 1_000, *compiled) is None
    assert probes == []  # a short job is not even measured
    line = sizing.estimate_line(2_000_000, 2, 7_000, *compiled)
    assert line is not None and probes == [1]
    assert line.startswith("estimated time: 9 min for 2,000,000 runs"), line
    assert "Ctrl-C keeps the finished chunks of 7,000 runs" in line


def test_the_probe_measures_this_machine():
    cost = sizing.probe_rate(*compile_ensemble(load_scenario(BASELINE, ["meta.months=60"])))
    assert 0 < cost.per_run < 0.05 and cost.batch >= 0


# ------------------------------------------------------------------ the lock


def test_lock_file_exists_only_while_held(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    with FolderLock(folder):
        assert (folder / ".lock").exists() and locked_by_another(folder)
        with pytest.raises(SimError, match="another sim process"):
            FolderLock(folder).__enter__()
    assert not (folder / ".lock").exists() and not locked_by_another(folder)
    (folder / ".lock").write_text("4242")  # stale, from a killed process
    with FolderLock(folder):
        assert (folder / ".lock").read_text() == str(__import__("os").getpid())
    assert not (folder / ".lock").exists()


def test_lock_taken_from_a_deleted_file_is_taken_again(tmp_path, monkeypatch):
    """A process that locks the file its holder just deleted locks the new one instead."""
    import sim.results.folder as folder_mod

    folder = tmp_path / "f"
    folder.mkdir()
    real = folder_mod.fcntl.flock
    calls = {"n": 0}

    def flock(fh, op):
        calls["n"] += 1
        if calls["n"] == 1:  # the holder deletes the file between our open and our lock
            (folder / ".lock").unlink()
        return real(fh, op)

    monkeypatch.setattr(folder_mod.fcntl, "flock", flock)
    lock = FolderLock(folder).__enter__()
    monkeypatch.undo()
    assert (folder / ".lock").exists() and locked_by_another(folder)
    lock.__exit__(None, None, None)
    assert not (folder / ".lock").exists()


def test_finished_folder_has_no_lock(tmp_path):
    out = tmp_path / "r"
    run(BASELINE, runs=20, seed=1, overrides=["meta.months=60"], workers=1, out=out)
    assert not (out / ".lock").exists()


def test_concurrent_locks_admit_one(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    won = []
    barrier = threading.Barrier(4)

    def take():
        barrier.wait()
        try:
            with FolderLock(folder):
                won.append(1)
                barrier_hold.wait(timeout=5)
        except SimError:
            pass

    barrier_hold = threading.Event()
    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    import time

    time.sleep(0.5)
    assert len(won) == 1
    barrier_hold.set()
    for t in threads:
        t.join()


def test_a_long_calibration_prints_an_estimate(monkeypatch):
    from sim.calibrate.run import _estimate

    monkeypatch.setattr(sizing, "probe_rate", lambda s, p: sizing.Cost(batch=0.2, per_run=0.5e-3))
    scen = load_scenario(BASELINE)
    assert _estimate(scen, 256, 20, 1, None) is None  # the shipped fits: about a minute
    line = _estimate(scen, 2048, 20, 2, None)
    assert line is not None and "a fit of ~20 steps of 2,048 x 20 runs" in line, line
    assert "--resume continues" in line


def test_ctrl_c_while_the_kernels_load_is_raised_after_not_lost(monkeypatch):
    """numba drops a KeyboardInterrupt raised inside its callbacks; the runner holds it."""
    import os
    import signal

    import sim.engine.kernels as kernels

    steps = []

    def warm_up():
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while numba loads
        for _ in range(1000):  # the Python handler runs at one of these bytecodes
            steps.append(1)

    monkeypatch.setattr(kernels, "warm_up", warm_up)
    with pytest.raises(KeyboardInterrupt):
        executor.load_kernels()
    assert len(steps) == 1000  # the loading finished first
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_inside_a_kernel_load_is_an_interrupt(tmp_path, monkeypatch):
    """numba turns a Ctrl-C during a lazy kernel load into a SystemError caused by it: the
    run still stops as interrupted (one line, exit 130 in the CLI), not with a traceback."""
    import json

    import sim.runner.job as job

    real = job.execute
    calls = {"n": 0}

    def execute(task):
        calls["n"] += 1
        if calls["n"] == 2:
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt as exc:
                raise SystemError("returned a result with an exception set") from exc
        return real(task)

    monkeypatch.setattr(job, "execute", execute)
    out = tmp_path / "r"
    with pytest.raises(KeyboardInterrupt):
        run(
            BASELINE,
            runs=400,
            chunk_size=200,
            seed=1,
            overrides=["meta.months=60"],
            workers=1,
            out=out,
        )
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "incomplete" and m["interrupted_by"] == "KeyboardInterrupt"
    assert m["runs_done"] == 200 and not (out / ".lock").exists()
    assert job.interrupt_behind(ValueError()) is None
