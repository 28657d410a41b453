"""`sim calibrate` as a function: fit, resume, and write the posterior and its checks."""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.calibrate import smc
from sim.calibrate.batch import Population
from sim.calibrate.priors import Calibrated, calibrated_parameters, to_natural, to_unit
from sim.calibrate.store import (
    KIND,
    POSTERIOR,
    file_hash,
    latest_state,
    read_manifest,
    save_state,
    write_manifest,
)
from sim.calibrate.targets import (
    Target,
    check_theatres,
    load_targets,
    log_predictive,
    model_values,
    replicate,
)
from sim.engine.declare import Prior
from sim.errors import SimError
from sim.results.folder import FolderLock, atomic_write_bytes, atomic_write_table, prepare_folder
from sim.scenario.loader import Scenario, load_scenario

Progress = Callable[[smc.SMCState, int], None]
"""Called after each step with the state and the runs simulated so far."""
MAX_PARTICLES = 100_000
"""Largest population: the SMC keeps every particle's values, weights and per-target
counts in memory and writes them at each step (~1 KB per particle)."""
TYPICAL_STEPS = 20
"""Simulating steps of a typical fit, for the estimate printed before a long one starts
(the shipped posteriors took 19 steps each: ``diagnostics.json``)."""
MAX_RUNS_PER_PARTICLE = 10_000
"""Most runs per particle: a particle's runs go through the engine in one chunk, whose
memory grows with its runs (~100-150 MB per 10,000, as `sim.runner.sizing.MAX_CHUNK`)."""
PREDICTIVE_SEED = 7
"""Stream purpose of the posterior predictive replicates."""


@contextmanager
def executor_for(workers: int, scheduler: str | None):
    """Yield a pool started once for the whole calibration (None: simulate in this process)."""
    if scheduler:
        from sim.runner.dask_exec import dask_executor

        ex, close = dask_executor(scheduler)
        try:
            yield ex
        finally:
            close()
        return
    if workers <= 1:
        yield None
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("forkserver")) as ex:
        yield ex


def _params_from_manifest(entries: list[dict[str, Any]]) -> list[Calibrated]:
    return [
        Calibrated(e["path"], Prior(e["prior"], e["lo"], e["hi"], e.get("why", "")))
        for e in entries
    ]


def _targets_from_manifest(entries: list[dict[str, Any]]) -> list[Target]:
    return [Target(**e) for e in entries]


def calibrate(
    scenario: str | Path | Scenario | Mapping,
    targets: str | Path,
    out: str | Path,
    vintage: int | None = None,
    particles: int = 256,
    runs: int = 20,
    seed: int | None = None,
    params: Iterable[str] = (),
    overrides: Iterable[str] | Mapping | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
    command: list[str] | None = None,
    priors: Mapping[str, Prior] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Path:
    """Fit the calibratable parameters of `scenario` to `targets`; return the folder.

    Parameters
    ----------
    scenario : path, Scenario or mapping
    targets : path
        Targets CSV (``data/calibration_targets.csv``).
    out : path
        Output folder (must be empty unless `force`).
    vintage : int, optional
        Use only the targets of this vintage (last year of data).
    particles, runs : int
        Population size, and simulated runs per particle and step.
    seed : int, optional
        Seed; default the scenario's ``meta.seed``.
    params : iterable of str
        Calibrate only these paths (default: every calibratable one).
    priors : mapping of path to Prior, optional
        Priors replacing the declared ones (``--prior``; recorded in the manifest).
    workers : int
        Local worker processes.
    scheduler : str, optional
        Dask scheduler address.
    notify : callable(str), optional
        Called with a one-line time estimate before a fit expected to take more than a
        couple of minutes starts (`TYPICAL_STEPS` steps of ``particles * runs`` runs).
    """
    scen = load_scenario(scenario, overrides or ())
    chosen = calibrated_parameters(scen, params, priors)
    tpath = Path(targets)
    rows = load_targets(tpath, vintage)
    check_theatres(rows, list(scen.data["theatres"]), str(tpath))
    if particles < 8 or runs < 1:
        raise SimError(
            f"--particles must be at least 8 and --runs at least 1 ({particles}, {runs})"
        )
    if particles > MAX_PARTICLES:
        raise SimError(
            f"--particles {particles:,}: more than a calibration holds in memory "
            f"({MAX_PARTICLES:,}); ask for fewer particles"
        )
    if runs > MAX_RUNS_PER_PARTICLE:
        raise SimError(
            f"--runs {runs:,}: more runs per particle than one chunk takes "
            f"({MAX_RUNS_PER_PARTICLE:,}); ask for fewer runs per particle"
        )
    if notify is not None:
        line = _estimate(scen, particles, runs, workers, scheduler)
        if line:
            notify(line)
    folder = Path(out)
    prepare_folder(folder, force)
    master = scen.seed if seed is None else int(seed)
    manifest: dict[str, Any] = {
        "kind": KIND,
        "status": "running",
        "scenario_file": scen.file,
        "overrides": list(scen.overrides),
        "scenario": scen.data,
        "targets_file": str(tpath),
        "targets_sha256": file_hash(tpath),
        "vintage": vintage,
        "targets": [t.to_dict() for t in rows],
        "parameters": [c.to_dict() for c in chosen],
        "settings": {"particles": particles, "runs_per_particle": runs, "seed": master},
        "method": "adaptive tempered SMC, pseudo-marginal random-walk moves",
        "command": command or [],
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    with FolderLock(folder):
        write_manifest(folder, manifest)
        _fit(folder, manifest, None, workers, scheduler, progress)
    return folder


def _estimate(
    scen: Scenario, particles: int, runs: int, workers: int, scheduler: str | None
) -> str | None:
    """Return the estimate line of a fit of `TYPICAL_STEPS` steps (`sim.runner.sizing`)."""
    from sim.calibrate.batch import CHUNK_RUNS
    from sim.engine.params import compile_scenario
    from sim.runner.sizing import estimate_line

    total = TYPICAL_STEPS * particles * runs
    chunk = max(runs, min(CHUNK_RUNS, -(-particles // max(workers, 1)) * runs))
    return estimate_line(
        total,
        max(workers, 1),
        chunk,
        *compile_scenario(scen),
        scheduler=scheduler,
        what=f"a fit of ~{TYPICAL_STEPS} steps of {particles:,} x {runs:,} runs",
        after="Ctrl-C keeps the finished steps and --resume continues from them",
    )


def resume(
    folder: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """Continue an interrupted calibration; the draws equal an uninterrupted one's."""
    path = Path(folder)
    manifest = read_manifest(path)
    if manifest.get("status") == "complete":
        raise SimError(f"{path}: already complete; nothing to resume")
    with FolderLock(path):
        _fit(path, manifest, latest_state(path), workers, scheduler, progress)
    return path


def _fit(
    folder: Path,
    manifest: dict[str, Any],
    state: smc.SMCState | None,
    workers: int,
    scheduler: str | None,
    progress: Progress | None,
) -> None:
    chosen = _params_from_manifest(manifest["parameters"])
    rows = _targets_from_manifest(manifest["targets"])
    cfg = manifest["settings"]
    settings = smc.Settings(particles=cfg["particles"])
    started = time.perf_counter()
    with executor_for(workers, scheduler) as ex:
        population = _population(manifest, chosen, rows, ex)

        def evaluate(z: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
            sums = population(to_natural(chosen, z), step, max(workers, 1))
            return log_predictive(rows, sums).sum(axis=1), sums

        def checkpoint(s: smc.SMCState) -> None:
            save_state(folder, s)
            if progress:
                progress(s, s.step * cfg["particles"] * cfg["runs_per_particle"])

        final = smc.run(evaluate, len(chosen), settings, cfg["seed"], state, checkpoint)
    manifest["seconds"] = manifest.get("seconds", 0.0) + time.perf_counter() - started
    finish(folder, manifest, chosen, rows, final)


def _population(
    manifest: dict[str, Any], chosen: list[Calibrated], rows: list[Target], ex: Executor | None
) -> Population:
    cfg = manifest["settings"]
    return Population(
        manifest["scenario"],
        [c.path for c in chosen],
        rows,
        cfg["runs_per_particle"],
        cfg["seed"],
        ex,
    )


def predictive_table(rows: list[Target], sums: np.ndarray, seed: int) -> pd.DataFrame:
    """Posterior predictive check: replicate observations against each observed target."""
    rng = smc.stream(seed, 0, PREDICTIVE_SEED)
    reps = replicate(rows, sums, rng)
    model = model_values(rows, sums)
    q = np.quantile(reps, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    table = pd.DataFrame(
        {
            "target": [t.target for t in rows],
            "observed": [t.value for t in rows],
            "count": [t.count for t in rows],
            "base": [t.base for t in rows],
            "model_median": np.nanmedian(model, axis=0),
            "q05": q[0],
            "q25": q[1],
            "q50": q[2],
            "q75": q[3],
            "q95": q[4],
        }
    )
    table["in90"] = (table.observed >= table.q05) & (table.observed <= table.q95)
    table["in50"] = (table.observed >= table.q25) & (table.observed <= table.q75)
    return table


def contraction(unit: np.ndarray) -> np.ndarray:
    """Posterior contraction per parameter: 1 - var(posterior) / var(prior) on the unit scale."""
    return 1.0 - unit.var(axis=0) / (1.0 / 12.0)


def finish(
    folder: Path,
    manifest: dict[str, Any],
    chosen: list[Calibrated],
    rows: list[Target],
    state: smc.SMCState,
) -> None:
    """Write the posterior, the predictive check, the diagnostics and the figures."""
    from sim.calibrate import figures

    draws = to_natural(chosen, state.z)
    unit = to_unit(chosen, draws)
    n = len(draws)
    cols: dict[str, Any] = {
        "draw": pa.array(np.arange(n), pa.int64()),
        "weight": pa.array(np.full(n, 1.0 / n), pa.float64()),
    }
    for d, c in enumerate(chosen):
        cols[c.path] = pa.array(draws[:, d], pa.float64())
    cols["loglik"] = pa.array(state.loglik, pa.float64())
    atomic_write_table(folder / POSTERIOR, pa.table(cols))
    seed = manifest["settings"]["seed"]
    table = predictive_table(rows, state.extra, seed)
    atomic_write_bytes(folder / "predictive.csv", table.to_csv(index=False).encode())
    shrink = contraction(unit)
    runs = manifest["settings"]["particles"] * manifest["settings"]["runs_per_particle"]
    diagnostics = {
        "steps": state.step,
        "simulated_runs": state.step * runs,
        "temperatures": state.betas,
        "ess": state.ess,
        "acceptance": state.acceptance,
        "log_evidence": state.log_evidence,
        "contraction": {c.path: float(s) for c, s in zip(chosen, shrink, strict=True)},
        "posterior": {
            c.path: {
                "median": float(np.median(draws[:, d])),
                "q05": float(np.quantile(draws[:, d], 0.05)),
                "q95": float(np.quantile(draws[:, d], 0.95)),
            }
            for d, c in enumerate(chosen)
        },
        "predictive_coverage90": float(table.in90.mean()),
        "predictive_coverage50": float(table.in50.mean()),
    }
    import json

    atomic_write_bytes(folder / "diagnostics.json", json.dumps(diagnostics, indent=2).encode())
    figs = folder / "figures"
    figs.mkdir(exist_ok=True)
    figures.marginals(chosen, draws, figs)
    figures.pairs(chosen, unit, figs)
    figures.predictive(table, figs)
    for old in sorted((folder / "steps").glob("step-*.npz"))[:-1]:
        old.unlink()  # only the final state is kept once the posterior is written
    if (folder / "chunks").is_dir() and not any((folder / "chunks").iterdir()):
        (folder / "chunks").rmdir()  # made by prepare_folder for run chunks; unused here
    manifest["status"] = "complete"
    manifest["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest["posterior_sha256"] = file_hash(folder / POSTERIOR)
    write_manifest(folder, manifest)
