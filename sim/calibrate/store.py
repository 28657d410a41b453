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

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibrate.smc import SMCState
from sim.errors import SimError
from sim.results.folder import atomic_write_bytes

MANIFEST = "calibration.json"
POSTERIOR = "posterior.parquet"
KIND = "calibration"


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``calibration.json`` atomically."""
    data = json.dumps(manifest, indent=2, sort_keys=False, default=float).encode()
    atomic_write_bytes(folder / MANIFEST, data)


def read_manifest(folder: Path) -> dict[str, Any]:
    """Read ``calibration.json`` (clear error if it is missing or not a calibration)."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SimError(f"{folder}: not a calibration folder ({MANIFEST} is missing)") from None
    except (OSError, ValueError) as exc:
        raise SimError(f"{path}: unreadable ({exc})") from None
    if data.get("kind") != KIND:
        raise SimError(f"{path}: kind: expected {KIND!r}, got {data.get('kind')!r}")
    return data


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


def file_hash(path: Path) -> str:
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
