"""`sim calibrate`: targets, likelihood, the SMC sampler, resumption and posterior runs."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASE_TOML, REPO
from scipy import stats

from sim.calibrate import smc
from sim.calibrate.priors import (
    Calibrated,
    calibrated_parameters,
    declared_priors,
    log_prior_z,
    to_natural,
    to_unit,
)
from sim.calibrate.run import calibrate, resume
from sim.calibrate.targets import Target, load_targets, log_predictive, run_counts
from sim.engine.declare import Prior
from sim.engine.params import compile_scenario
from sim.engine.rng import draw_of
from sim.engine.simulate import simulate
from sim.errors import SimError
from sim.scenario.loader import load_scenario
from sim.scenario.posterior import load_posterior

TARGET_ROWS = [
    # target, theatre, kind, peak_min, subset, count, base
    ("crises_per_year.taiwan", "taiwan", "rate", 3, "", 12, 25),
    ("share_armed_force.taiwan", "taiwan", "share", 3, "peak>=5", 1, 12),
    ("crises_per_year.senkaku", "senkaku", "rate", 3, "", 3, 25),
]
PATHS = ["model.crisis.initiation_rate_per_year", "model.crisis.escalation_probability"]


def write_targets(path: Path, rows=TARGET_ROWS) -> Path:
    """A small targets file."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["target", "theatre", "kind", "peak_min", "subset", "count", "base", "source"])
        for r in rows:
            w.writerow([*r, "test"])
    return path


@pytest.fixture
def small_scenario(tmp_path: Path) -> Path:
    """`BASE_TOML` over 36 months (cheap to simulate)."""
    path = tmp_path / "base.toml"
    path.write_text(BASE_TOML.replace("months = 120", "months = 36"))
    return path


# --- targets ------------------------------------------------------------------------


def test_shipped_targets_are_current_and_load():
    """data/calibration_targets.csv is what the build script makes from data/."""
    done = subprocess.run(
        [sys.executable, "scripts/build_calibration_targets.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
    targets = load_targets(REPO / "data" / "calibration_targets.csv", 2022)
    names = {t.target for t in targets}
    assert {"crises_per_year.taiwan", "crises_per_year.senkaku", "wars_per_year.taiwan"} <= names
    assert all(t.source for t in targets)


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [("kind", "often", "kind"), ("count", "x", "not a number"), ("subset", "", "subset")],
)
def test_bad_targets_name_file_line_and_key(tmp_path, column, value, fragment):
    path = write_targets(tmp_path / "t.csv")
    frame = pd.read_csv(path, keep_default_na=False)
    frame[column] = frame[column].astype(str)
    frame.loc[1, column] = value
    frame.to_csv(path, index=False)
    with pytest.raises(SimError) as err:
        load_targets(path)
    assert str(path) in str(err.value) and "line 3" in str(err.value)
    assert fragment in str(err.value)


def test_predictive_tends_to_poisson_and_binomial():
    """With many simulated runs the predictive equals the exact likelihood at k/m."""
    rate = Target("r", "x", "rate", 3, "", 7, 20.0)
    share = Target("s", "x", "share", 3, "peak>=5", 2, 9.0)
    sums = np.array([[[0.4e7, 1e7], [0.3e7, 1e7]]])
    got = log_predictive([rate, share], sums)[0]
    assert got[0] == pytest.approx(stats.poisson.logpmf(7, 0.4 * 20), abs=1e-3)
    assert got[1] == pytest.approx(stats.binom.logpmf(2, 9, 0.3), abs=1e-3)


def test_beta_binomial_predictive_is_a_distribution():
    share = [Target("s", "x", "share", 3, "peak>=5", y, 9.0) for y in range(10)]
    sums = np.array([[[3.0, 11.0]] * 10])
    assert np.exp(log_predictive(share, sums)).sum() == pytest.approx(1.0)


def test_run_counts_counts_crises_by_theatre_peak_and_trigger():
    # run, theatre, opened, trigger, challenger, defender, parties, peak, ended, ending
    log = np.array(
        [
            [0, 0, 3, 1, 0, 1, 3, 3, 5, 1],
            [0, 0, 9, 0, 0, 1, 3, 5, 12, 1],
            [1, 1, 2, 0, 0, 1, 3, 4, -1, 0],
        ]
    )
    targets = [
        Target("a", "t0", "rate", 3, "", 0, 1.0),
        Target("b", "t0", "share", 3, "peak>=5", 0, 1.0),
        Target("c", "t1", "share", 4, "trigger!=deliberate", 0, 1.0),
    ]
    out = run_counts(log, 2, 10.0, targets, ["t0", "t1"], np.array([False, True]))
    assert out[:, 0].tolist() == [[2, 10], [0, 10]]
    assert out[:, 1].tolist() == [[1, 2], [0, 0]]
    assert out[:, 2].tolist() == [[0, 0], [1, 1]]
    blockades = [Target("d", "t1", "rate", 0, "blockade", 0, 1.0)]
    got = run_counts(
        log,
        2,
        10.0,
        blockades,
        ["t0", "t1"],
        np.array([False, True]),
        {"blockade": np.array([[False, True], [False, False]])},
    )
    assert got[:, 0].tolist() == [[1, 10], [0, 10]]


# --- priors -------------------------------------------------------------------------


def test_declared_priors_lie_inside_declared_bounds():
    from sim.engine.registry import MECHANISMS

    bounds = {
        f"model.{m.name}.{p.key}": (p.spec.lo, p.spec.hi)
        for m in MECHANISMS
        if m.params is not None
        for _, p in m.params.declared()
    }
    priors = declared_priors()
    assert len(priors) >= 6
    for c in priors:
        lo, hi = bounds[c.path]
        assert lo <= c.prior.lo < c.prior.hi <= hi, c.path
        assert c.prior.why


def test_unit_scale_round_trip_and_prior_density():
    params = [
        Calibrated("a", Prior("uniform", -2.0, 3.0)),
        Calibrated("b", Prior("loguniform", 0.01, 10.0)),
    ]
    z = np.random.default_rng(1).normal(size=(50, 2)) * 3
    x = to_natural(params, z)
    u = to_unit(params, x)
    assert np.allclose(np.log(u) - np.log1p(-u), z)
    # the logistic density integrates to one in each dimension
    grid = np.linspace(-40, 40, 20001)
    dens = np.exp(log_prior_z(np.c_[grid, np.zeros_like(grid)]) - log_prior_z(np.zeros((1, 2))))
    assert np.trapezoid(dens, grid) * 0.25 == pytest.approx(1.0, rel=1e-6)


def test_unknown_param_is_a_clear_error(small_scenario):
    scen = load_scenario(small_scenario)
    with pytest.raises(SimError, match="not calibratable here"):
        calibrated_parameters(scen, ["model.crisis.csf_exponent"])


# --- the sampler --------------------------------------------------------------------


def _gaussian_problem(sd: float = 0.5):
    params = [Calibrated("a", Prior("uniform", -5, 5)), Calibrated("b", Prior("uniform", -5, 5))]
    y = np.array([1.0, -2.0])

    def evaluate(z, step):
        th = to_natural(params, z)
        return -0.5 * (((th - y) / sd) ** 2).sum(axis=1), th

    return params, y, evaluate


def test_smc_recovers_a_known_posterior_and_evidence():
    """Posterior N(y, 0.5^2) per coordinate; evidence (2 pi 0.25) / 100.

    Tolerances: 1,000 particles with ESS >= 500 give a Monte Carlo sd of the mean of
    0.5 / sqrt(500) = 0.022; 5 sd = 0.11. The sd estimate's relative sd is ~1/sqrt(2*500)
    = 3%; 5 sd = 16%. The evidence is checked to 0.15 in log units.
    """
    params, y, evaluate = _gaussian_problem()
    state = smc.run(evaluate, 2, smc.Settings(particles=1000), seed=11)
    th = to_natural(params, state.z)
    assert np.allclose(th.mean(axis=0), y, atol=0.11)
    assert np.allclose(th.std(axis=0), 0.5, rtol=0.16)
    assert state.log_evidence == pytest.approx(np.log(2 * np.pi * 0.25 / 100), abs=0.15)
    assert state.betas[-1] == 1.0


def test_smc_resumed_from_any_step_takes_the_same_path():
    _, _, evaluate = _gaussian_problem()
    settings = smc.Settings(particles=200)
    saved: list[dict] = []
    full = smc.run(evaluate, 2, settings, 5, checkpoint=lambda s: saved.append(s.to_arrays()))
    for k in (0, len(saved) // 2, len(saved) - 2):
        state = smc.SMCState.from_arrays({a: np.copy(v) for a, v in saved[k].items()})
        again = smc.run(evaluate, 2, settings, 5, state=state)
        assert np.array_equal(again.z, full.z)
        assert again.betas == full.betas


# --- end to end ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_calibrate_interrupted_and_resumed_gives_the_same_draws(small_scenario, tmp_path):
    targets = write_targets(tmp_path / "targets.csv")
    kw = dict(params=PATHS, particles=16, runs=2, seed=3)
    whole = calibrate(small_scenario, targets, tmp_path / "whole", **kw)

    class Stop(Exception):
        pass

    def stop_at_step_3(state, runs):
        if state.step == 3:
            raise Stop

    with pytest.raises(Stop):
        calibrate(small_scenario, targets, tmp_path / "cut", progress=stop_at_step_3, **kw)
    resume(tmp_path / "cut")
    a = pd.read_parquet(whole / "posterior.parquet")
    b = pd.read_parquet(tmp_path / "cut" / "posterior.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert (whole / "figures" / "predictive.png").stat().st_size > 0
    assert len(pd.read_csv(whole / "predictive.csv")) == len(TARGET_ROWS)
    # two workers: the same draws (chunks sum integer counts)
    two = calibrate(small_scenario, targets, tmp_path / "two", workers=2, **kw)
    pd.testing.assert_frame_equal(a, pd.read_parquet(two / "posterior.parquet"))


def test_calibrate_cli_errors_are_one_line(run_sim, small_scenario, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("target,theatre\nx,taiwan\n")
    result = run_sim("calibrate", str(small_scenario), "--targets", str(bad), "--out", "o")
    assert result.code == 2
    assert "bad.csv: line 2: kind: missing" in result.err
    assert "Traceback" not in result.err
    result = run_sim("calibrate", "--resume", str(tmp_path))
    assert result.code == 2 and "not a calibration folder" in result.err


# --- runs drawing from a posterior --------------------------------------------------


def test_draw_of_follows_the_weights_and_only_the_seed():
    """20,000 seeds over weights (0.5, 0.3, 0.2): chi-square test at 0.1% (2 dof)."""
    weights = np.array([0.5, 0.3, 0.2])
    seeds = np.random.default_rng(0).integers(0, 2**63, 20000, dtype=np.int64).astype(np.uint64)
    draws = draw_of(weights, seeds)
    counts = np.bincount(draws, minlength=3)
    chi2 = (((counts - 20000 * weights) ** 2) / (20000 * weights)).sum()
    assert chi2 < stats.chi2.ppf(0.999, 2)
    assert np.array_equal(draw_of(weights, seeds[5:9]), draws[5:9])


@pytest.fixture
def tiny_posterior(small_scenario, tmp_path) -> Path:
    """A calibration folder of a very small fit."""
    targets = write_targets(tmp_path / "targets.csv")
    return calibrate(
        small_scenario, targets, tmp_path / "post", params=PATHS, particles=8, runs=1, seed=2
    )


def test_runs_use_their_draws_and_batches_agree(small_scenario, tiny_posterior):
    scen = load_scenario(small_scenario, {"calibration.posterior": str(tiny_posterior)})
    structure, params = compile_scenario(scen)
    post = load_posterior(tiny_posterior)
    assert params.rows == len(post.weights) and params.posterior["sha256"] == post.sha256
    seeds = np.arange(11, 19, dtype=np.uint64)
    rows = params.for_seeds(seeds)
    draws = draw_of(post.weights, seeds)
    col = post.paths.index("model.crisis.escalation_probability")
    assert np.array_equal(rows.crisis.escalation_probability, post.values[draws, col])
    whole = simulate(structure, params, seeds, record=False)
    alone = simulate(structure, params, seeds[2:3], record=False)
    assert np.array_equal(whole.outcome.max_rung[2], alone.outcome.max_rung[0])


def test_posterior_none_and_missing_folder(small_scenario, tmp_path):
    scen = load_scenario(small_scenario, ["calibration.posterior=none"])
    assert compile_scenario(scen)[1].rows == 1
    with pytest.raises(SimError, match="calibration.posterior"):
        load_scenario(small_scenario, {"calibration.posterior": str(tmp_path / "nowhere")})


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_dask_cluster_gives_the_same_draws(small_scenario, tmp_path):
    distributed = pytest.importorskip("distributed")
    targets = write_targets(tmp_path / "targets.csv")
    kw = dict(params=PATHS, particles=8, runs=1, seed=6)
    local = calibrate(small_scenario, targets, tmp_path / "local", **kw)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = calibrate(
            small_scenario, targets, tmp_path / "dask", scheduler=cluster.scheduler_address, **kw
        )
    pd.testing.assert_frame_equal(
        pd.read_parquet(local / "posterior.parquet"), pd.read_parquet(remote / "posterior.parquet")
    )


@pytest.mark.slow
def test_sim_run_posterior_flag_records_and_reports(
    run_sim, small_scenario, tiny_posterior, tmp_path_factory
):
    elsewhere = tmp_path_factory.mktemp("runs")  # run_sim forbids writing to tmp_path
    out = elsewhere / "run"
    result = run_sim(
        "run", str(small_scenario), "--runs", "40", "--posterior", str(tiny_posterior),
        "--out", str(out), "--workers", "1",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "With parameter uncertainty" in result.out and "90% over parameters" in result.out
    import json

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["posterior"]["sha256"] == load_posterior(tiny_posterior).sha256
    plain = run_sim("run", str(small_scenario), "--runs", "10", "--out", str(elsewhere / "p"))
    assert "sampling over runs only" in plain.out


def test_between_draw_variance_is_recovered():
    """100 draws x 20 runs, tau = 0.5, within-draw sd 1 (fixed seed).

    The ANOVA estimate of tau^2 has sd about sqrt(2/99) * (0.25 + 1/20) = 0.043; the
    tolerance is 4 sd. The mean's variance is about (0.25 + 0.05) / 100.
    """
    from sim.analysis.uncertainty import between_draws

    rng = np.random.default_rng(3)
    mu = rng.normal(0, 0.5, 100)
    group = np.repeat(np.arange(100), 20)
    x = mu[group] + rng.normal(0, 1, group.size)
    mean, tau2, var_mean = between_draws(x, group)
    assert abs(tau2 - 0.25) < 0.17
    assert var_mean == pytest.approx(0.003, rel=0.5)
    # no between-draw spread: tau^2 near 0 (clipped at 0)
    _, tau0, _ = between_draws(rng.normal(0, 1, group.size), group)
    assert tau0 < 0.05


# --- actor-scope parameters ---------------------------------------------------------


def test_an_actor_scope_prior_adds_the_parameter(small_scenario):
    scen = load_scenario(small_scenario)
    prior = Prior("loguniform", 0.1, 1.0, "test")
    chosen = calibrated_parameters(scen, priors={"actors.CHN.misperception": prior})
    added = [c for c in chosen if c.path == "actors.CHN.misperception"]
    assert len(added) == 1 and added[0].prior == prior and added[0].unit == "log-sd"
    for bad in ("actors.XXX.misperception", "actors.CHN.no_such_key", "model.crisis.nothing"):
        with pytest.raises(SimError, match="not calibratable here"):
            calibrated_parameters(scen, priors={bad: prior})
    with pytest.raises(SimError, match="leaves the parameter's bounds"):
        calibrated_parameters(
            scen, priors={"actors.CHN.audience_cost": Prior("uniform", 0.0, 2.0, "test")}
        )


def test_runs_draw_an_actor_scope_parameter_for_its_actor_only(small_scenario, tmp_path):
    """A fit with China's misperception: each run's value is its draw's, for China only;
    the other actors keep the scenario's value; --set holds it."""
    targets = write_targets(tmp_path / "targets.csv")
    prior = Prior("loguniform", 0.1, 1.0, "test")
    folder = calibrate(
        small_scenario, targets, tmp_path / "post", params=PATHS, particles=8, runs=1, seed=2,
        priors={"actors.CHN.misperception": prior},
    )  # fmt: skip
    post = load_posterior(folder)
    col = post.paths.index("actors.CHN.misperception")
    scen = load_scenario(small_scenario, {"calibration.posterior": str(folder)})
    structure, params = compile_scenario(scen)
    seeds = np.arange(3, 11, dtype=np.uint64)
    rows = params.for_seeds(seeds)
    chn = structure.actors.index("CHN")
    draws = draw_of(post.weights, seeds)
    assert np.array_equal(rows.crisis.misperception[:, chn], post.values[draws, col])
    others = [a for a in range(len(structure.actors)) if a != chn]
    assert np.all(rows.crisis.misperception[:, others] == 0.3)
    held = load_scenario(
        small_scenario,
        {"calibration.posterior": str(folder), "actors.CHN.misperception": 0.77},
    )
    _, held_params = compile_scenario(held)
    assert np.all(held_params.for_seeds(seeds).crisis.misperception[:, chn] == 0.77)
    assert "actors.CHN.misperception" in held_params.posterior["held"]


def test_a_theatre_scope_prior_adds_the_parameter_and_runs_draw_it_per_theatre(
    small_scenario, tmp_path
):
    """``--prior theatres.senkaku.initiation_rate_multiplier``: the parameter joins the
    calibrated set (an unknown theatre or key does not); each run's Senkaku value is its
    draw's, Taiwan keeps the scenario's 1; --set holds it."""
    scen = load_scenario(small_scenario)
    prior = Prior("loguniform", 0.25, 4.0, "test")
    path = "theatres.senkaku.initiation_rate_multiplier"
    chosen = calibrated_parameters(scen, priors={path: prior})
    assert [c.prior for c in chosen if c.path == path] == [prior]
    for bad in ("theatres.nowhere.initiation_rate_multiplier", "theatres.senkaku.no_key"):
        with pytest.raises(SimError, match="not calibratable here"):
            calibrated_parameters(scen, priors={bad: prior})
    targets = write_targets(tmp_path / "targets.csv")
    folder = calibrate(
        small_scenario, targets, tmp_path / "post", params=PATHS, particles=8, runs=1, seed=2,
        priors={path: prior},
    )  # fmt: skip
    post = load_posterior(folder)
    col = post.paths.index(path)
    structure, params = compile_scenario(
        load_scenario(small_scenario, {"calibration.posterior": str(folder)})
    )
    seeds = np.arange(3, 11, dtype=np.uint64)
    rows = params.for_seeds(seeds)
    k = structure.theatres.index("senkaku")
    draws = draw_of(post.weights, seeds)
    assert np.array_equal(rows.crisis.initiation_rate_multiplier[:, k], post.values[draws, col])
    assert np.all(rows.crisis.initiation_rate_multiplier[:, 1 - k] == 1.0)
    _, held = compile_scenario(
        load_scenario(small_scenario, {"calibration.posterior": str(folder), path: 0.5})
    )
    assert np.all(held.for_seeds(seeds).crisis.initiation_rate_multiplier[:, k] == 0.5)
