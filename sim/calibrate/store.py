"""The calibration folder: manifest, per-step checkpoints, posterior draws, diagnostics.

::

    DIR/calibration.json        what was fitted, how, and the status (running / complete)
    DIR/steps/step-NNNN.npz     the sampler's state after each simulating step
    DIR/posterior.parquet       the posterior draws: draw, weight, one column per parameter
    DIR/predictive.csv          posterior predictive check of every target
    DIR/diagnostics.json        temperatures, ESS, acceptance, contraction, coverage
    DIR/figures/*.png           marginals, pair plot, posterior predictive

Every file is written atomically; a checkpoint is written after each step, so an
interrupt loses at most the step in progress (``sim calibrate --resume DIR``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibrate.smc import SMCState
from sim.results.folder import atomic_write_bytes
from sim.scenario.posterior import KIND, MANIFEST, POSTERIOR, file_hash, read_manifest

__all__ = [
    "KIND",
    "MANIFEST",
    "POSTERIOR",
    "file_hash",
    "latest_state",
    "read_manifest",
    "save_state",
    "write_manifest",
]


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``calibration.json`` atomically."""
    data = json.dumps(manifest, indent=2, sort_keys=False, default=float).encode()
    atomic_write_bytes(folder / MANIFEST, data)


def save_state(folder: Path, state: SMCState) -> None:
    """Write the sampler's state after a step (``steps/step-NNNN.npz``)."""
    steps = folder / "steps"
    steps.mkdir(exist_ok=True)
    buf = io.BytesIO()
    np.savez(buf, **state.to_arrays())  # type: ignore[arg-type]
    atomic_write_bytes(steps / f"step-{state.step:04d}.npz", buf.getvalue())


def latest_state(folder: Path) -> SMCState | None:
    """Return the state after the last finished step, or None if no step finished."""
    files = sorted((folder / "steps").glob("step-*.npz"))
    if not files:
        return None
    with np.load(files[-1]) as data:
        return SMCState.from_arrays(dict(data))
