"""Evaluate a whole population of particles through the one vectorised engine.

A population of N particles with k runs each is one set of N*k runs on the engine's run
axis (as a sweep's design points are): run j of particle i has parameter row i and the
seed ``SeedSequence([seed, step, i*k + j])``. The batch is cut into chunks of whole
particles that go to local worker processes (started once per calibration and reused) or
to a Dask scheduler; each chunk returns only its per-particle target counts, summed as
integers, so the result does not depend on the chunking or the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.calibrate.targets import Target, run_counts
from sim.runner.seeds import run_seeds

CHUNK_RUNS = 4000
"""Largest chunk, in runs (whole particles): the engine's cost per run is flat above it."""


@dataclass
class ChunkJob:
    """Particles of one chunk: what a worker needs to simulate them.

    Attributes
    ----------
    scenario : dict
        The resolved scenario.
    paths : list of str
        Calibrated parameters (``--set`` paths).
    values : (n, D) float
        Their values at the chunk's particles.
    first : int
        Index of the chunk's first particle in the population.
    runs : int
        Runs per particle.
    seed, step : int
        Seed of the calibration and number of the batch (seeds the runs).
    targets : list of Target
    """

    scenario: dict[str, Any]
    paths: list[str]
    values: np.ndarray
    first: int
    runs: int
    seed: int
    step: int
    targets: list[Target]


def simulate_chunk(job: ChunkJob) -> np.ndarray:
    """Simulate a chunk; return per-particle summed target counts, (n, S, 2)."""
    from sim.engine.params import compile_batch
    from sim.engine.simulate import simulate
    from sim.scenario.loader import load_scenario

    base = load_scenario(job.scenario)
    n, k = job.values.shape[0], job.runs
    scenarios = [
        base.with_overrides(dict(zip(job.paths, map(float, row), strict=True)))
        for row in job.values
    ]
    structure, params = compile_batch(scenarios)
    local = np.arange(n * k, dtype=np.int64)
    seeds = run_seeds(job.seed, job.first * k + local, job.step)
    result = simulate(structure, params.take(local // k), seeds, record=False)
    deliberate = np.array([label.startswith("deliberate:") for label in structure.trigger_labels])
    counts = run_counts(
        result.crisis_log,
        n * k,
        structure.months / 12.0,
        job.targets,
        structure.theatres,
        deliberate,
        {
            "blockade": result.outcome.blockade_months > 0,
            "holder_change": result.outcome.holder_changes,
        },
    )
    return counts.reshape(n, k, len(job.targets), 2).sum(axis=1)


class Population:
    """Evaluates populations of particles: ``population(values, step) -> sums (N, S, 2)``.

    Parameters
    ----------
    scenario : dict
        The resolved scenario.
    paths : sequence of str
        Calibrated parameter paths.
    targets : sequence of Target
    runs : int
        Runs per particle.
    seed : int
        Seed of the calibration.
    executor : Executor or None
        Where chunks run (None: in this process).
    """

    def __init__(
        self,
        scenario: dict[str, Any],
        paths: Sequence[str],
        targets: Sequence[Target],
        runs: int,
        seed: int,
        executor: Executor | None = None,
    ) -> None:
        self.scenario = scenario
        self.paths = list(paths)
        self.targets = list(targets)
        self.runs = runs
        self.seed = seed
        self.executor = executor

    def jobs(self, values: np.ndarray, step: int, workers: int) -> list[ChunkJob]:
        """Cut a population into chunks of whole particles, at least one per worker."""
        n = values.shape[0]
        per = max(1, CHUNK_RUNS // self.runs)
        per = min(per, -(-n // max(workers, 1)))
        return [
            ChunkJob(
                self.scenario,
                self.paths,
                values[lo : lo + per],
                lo,
                self.runs,
                self.seed,
                step,
                self.targets,
            )
            for lo in range(0, n, per)
        ]

    def __call__(self, values: np.ndarray, step: int, workers: int = 1) -> np.ndarray:
        """Return the summed target counts of every particle, (N, S, 2)."""
        jobs = self.jobs(np.asarray(values, dtype=float), step, workers)
        run: Callable[[ChunkJob], np.ndarray] = simulate_chunk
        parts = list(self.executor.map(run, jobs)) if self.executor else list(map(run, jobs))
        return np.concatenate(parts, axis=0)
