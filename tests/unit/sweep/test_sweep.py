"""Sweeps: designs, batching, sensitivity, Dask execution, interruption and resume."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sweep_fixtures import CRISIS_WORLD

import sim
from sim.errors import SimError
from sim.sweep.run import run_sweep

ROOT = Path(__file__).resolve().parents[3]
TWO_STATE = ROOT / "scenarios" / "two_state.toml"


def tables_equal(a, b, names=("points", "runs", "outcomes", "annual", "summary")):
    for name in names:
        left, right = a.table(name), b.table(name)
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=name)


def test_grid_has_exactly_the_grid_points(tmp_path):
    res = run_sweep(
        TWO_STATE,
        params=[
            "actors.AAA.arms.fatigue=0.1:0.3",
            "actors.BBB.audience_cost=0,0.5,1",
            "alliances.nope.commitment=0:1",
        ][:2],
        sampler="grid",
        points=3,
        runs=4,
        seed=1,
        out=tmp_path / "g",
        workers=1,
    )
    points = res.table("points")
    assert len(points) == 9
    got = set(
        map(
            tuple,
            points[["actors.AAA.arms.fatigue", "actors.BBB.audience_cost"]].round(10).to_numpy(),
        )
    )
    want = {(a, b) for a in (0.1, 0.2, 0.3) for b in (0.0, 0.5, 1.0)}
    assert got == want
    assert len(res.runs) == 36 and set(res.runs.point_id) == set(range(9))
    # every run of a point carries that point's values
    merged = res.runs.merge(points, on="point_id", suffixes=("", "_point"))
    assert (merged["actors.BBB.audience_cost"] == merged["actors.BBB.audience_cost_point"]).all()
    assert len(res.table("summary")) == 9


def test_lhs_points_within_bounds_and_stratified(tmp_path):
    n = 40
    res = run_sweep(
        TWO_STATE,
        params=["actors.AAA.arms.fatigue=0.05:0.45", "actors.AAA.misperception=0:2"],
        sampler="lhs",
        points=n,
        runs=1,
        seed=3,
        out=tmp_path / "l",
        workers=1,
    )
    points = res.table("points")
    for col, lo, hi in (
        ("actors.AAA.arms.fatigue", 0.05, 0.45),
        ("actors.AAA.misperception", 0.0, 2.0),
    ):
        x = points[col].to_numpy()
        assert ((x >= lo) & (x <= hi)).all()
        strata = np.floor((x - lo) / (hi - lo) * n).astype(int).clip(0, n - 1)
        assert sorted(strata) == list(range(n)), col  # one point in each of n strata


def test_bad_parameters_are_one_line_errors(tmp_path):
    cases = [
        ["actors.XXX.milex_usd_bn=1:2"],  # unknown actor
        ["actors.AAA.milex=1:2"],  # unknown field
        ["actors.AAA.name=1:2"],  # not a number
        ["actors.AAA.misperception=0:9"],  # above the field's maximum
        ["actors.AAA.misperception=2:1"],  # LO > HI
    ]
    for params in cases:
        with pytest.raises(SimError) as err:
            run_sweep(TWO_STATE, params=params, runs=1, out=tmp_path / "x", force=True)
        assert "\n" not in str(err.value)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "sweep",
            str(TWO_STATE),
            "--param",
            "actors.AAA.misperception=0:9",
            "--out",
            str(tmp_path / "y"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "actors.AAA.misperception" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "y").exists()


def test_sweep_equals_plain_runs_of_each_point(tmp_path):
    """A point's runs in a mixed batch equal the same scenario run on its own."""
    res = run_sweep(
        CRISIS_WORLD,
        params=["actors.AAA.misperception=0,1.5"],
        sampler="grid",
        runs=30,
        seed=5,
        out=tmp_path / "s",
        workers=1,
        chunk_size=17,
    )
    outcomes = res.outcomes
    for pid, value in enumerate((0.0, 1.5)):
        alone = sim.EscalationModel(
            CRISIS_WORLD,
            overrides={"actors.AAA.misperception": value},
            seed=int(res.runs.set_index("run_id").seed[pid * 30 + 4]),
        )
        got = alone.run_to_end().outcomes().reset_index(drop=True)
        want = (
            outcomes[outcomes.run_id == pid * 30 + 4]
            .drop(columns=["run_id", "point_id"])
            .reset_index(drop=True)
        )
        assert got.equals(want)


@pytest.mark.slow
@pytest.mark.parametrize("sampler,points", [("sobol", 32), ("morris", 20)])
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_sensitivity_recovers_known_answer(tmp_path, sampler, points):
    """Misperception drives escalation; GDP growth has no channel to it (arms is off).

    300 runs per point put the sampling sd of each point's P(rung >= 5) near 0.025, so the
    irrelevant parameter's index is noise: we require it below 0.1 (Sobol ST) or below a
    quarter of the relevant one's mu* (Morris), and the relevant one clearly above.
    """
    res = run_sweep(
        CRISIS_WORLD,
        params=["actors.AAA.misperception=0:3", "actors.AAA.gdp_growth_per_year=-0.1:0.1"],
        sampler=sampler,
        points=points,
        runs=300,
        seed=11,
        out=tmp_path / sampler,
        workers=2,
    )
    from sim.analysis.sensitivity import analyze_folder

    result = analyze_folder(res.path, res.manifest, res.table("summary"), ["rung5.island"])
    idx = result["outcomes"]["rung5.island"]
    relevant, irrelevant = idx["actors.AAA.misperception"], idx["actors.AAA.gdp_growth_per_year"]
    if sampler == "sobol":
        assert relevant["ST"] > 0.6
        assert irrelevant["ST"] < 0.1
    else:
        assert relevant["mu_star"] > 0.1
        assert irrelevant["mu_star"] < 0.25 * relevant["mu_star"]
    stored = json.loads((res.path / "sensitivity.json").read_text())
    assert set(stored["outcomes"]) == {"war.island"}


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_prim_finds_the_high_audience_cost_box(tmp_path):
    res = run_sweep(
        CRISIS_WORLD,
        params=["actors.AAA.misperception=0:3", "actors.BBB.audience_cost=0:1"],
        sampler="lhs",
        points=60,
        runs=100,
        seed=2,
        out=tmp_path / "p",
        workers=2,
    )
    from sim.analysis.discovery import discover
    from sim.analysis.sensitivity import outcome_vector

    y = outcome_vector(res.table("summary"), "rung5.island")
    points = res.table("points").sort_values("point_id").drop(columns=["point_id"])
    box = discover(points, y, threshold=float(np.quantile(y, 0.7)))
    # audience costs lock the defender in: high-escalation points have high audience costs
    assert "actors.BBB.audience_cost" in box["box"]
    assert box["box"]["actors.BBB.audience_cost"]["low"] > 0.3
    assert box["density"] > 0.3  # better than the 30% base rate of points of interest
    out = subprocess.run(
        [sys.executable, "-m", "sim", "discover", str(res.path), "--outcome", "rung5.island"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert "coverage" in out.stdout


SWEEP_ARGS = dict(
    params=["actors.AAA.misperception=0:2", "actors.BBB.misperception=0:2"],
    sampler="lhs",
    points=12,
    runs=25,
    seed=9,
)


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_local_cluster_equals_local_sweep(tmp_path):
    distributed = pytest.importorskip("distributed")
    local = run_sweep(CRISIS_WORLD, out=tmp_path / "local", workers=1, chunk_size=40, **SWEEP_ARGS)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_sweep(
            CRISIS_WORLD,
            out=tmp_path / "dask",
            scheduler=cluster.scheduler_address,
            chunk_size=40,
            **SWEEP_ARGS,
        )
    tables_equal(local, remote)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_dask_scheduler_and_worker_processes_equal_local(tmp_path):
    pytest.importorskip("distributed")
    port = free_port()
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests"))
    sched = subprocess.Popen(
        [
            str(bin_dir / "dask"),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [
            str(bin_dir / "dask"),
            "worker",
            f"tcp://127.0.0.1:{port}",
            "--nworkers",
            "2",
            "--nthreads",
            "1",
            "--no-dashboard",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from distributed import Client

        deadline = time.time() + 60
        while True:
            try:
                with Client(f"tcp://127.0.0.1:{port}", timeout="2s") as client:
                    if len(client.scheduler_info()["workers"]) >= 2:
                        break
            except OSError:
                pass
            assert time.time() < deadline, "dask cluster did not come up"
            time.sleep(0.5)
        remote = run_sweep(
            CRISIS_WORLD,
            out=tmp_path / "dask",
            scheduler=f"tcp://127.0.0.1:{port}",
            chunk_size=40,
            **SWEEP_ARGS,
        )
    finally:
        worker.terminate()
        sched.terminate()
        worker.wait(30)
        sched.wait(30)
    local = run_sweep(CRISIS_WORLD, out=tmp_path / "local", workers=1, chunk_size=40, **SWEEP_ARGS)
    tables_equal(local, remote)


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_killed_sweep_resumes_to_identical_tables(tmp_path, how):
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        str(ROOT / "scenarios" / "baseline.toml"),
        "--param",
        "alliances.USA-TWN.commitment=0:1",
        "--sampler",
        "lhs",
        "--points",
        "16",
        "--runs",
        "500",
        "--seed",
        "4",
        "--workers",
        "1",
        "--out",
        str(out),
        "-q",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    chunks = out / "chunks"
    deadline = time.time() + 120
    while not (chunks.exists() and len(list(chunks.glob("*.outcomes.parquet"))) >= 1):
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline
        time.sleep(0.05)
    proc.send_signal(how)
    _, err = proc.communicate(timeout=60)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] != "complete"
    if how == signal.SIGINT:
        assert proc.returncode == 130
        assert "--resume" in err and manifest["status"] == "incomplete"
    with pytest.raises(Exception, match="resume"):
        sim.load_results(out)
    done = subprocess.run(
        [sys.executable, "-m", "sim", "sweep", "--resume", str(out), "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    ref_dir = tmp_path / "ref"
    ref = subprocess.run(
        cmd[:-3] + ["--out", str(ref_dir), "-q"], cwd=ROOT, capture_output=True, text=True
    )
    assert ref.returncode == 0, ref.stderr
    tables_equal(sim.load_results(out), sim.load_results(ref_dir))
    shutil.rmtree(ref_dir)
