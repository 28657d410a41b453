"""Runs that carry parameter uncertainty: each run draws its parameters from a posterior.

A scenario names a fitted posterior (``[calibration] posterior = "DIR"``, relative to the
scenario file's folder, or ``sim run --posterior DIR``). Run r then uses posterior draw
``draw_of(seed_r)``: a weighted pick by a uniform number derived from the run's own 64-bit
seed (splitmix64), so a run's parameters depend on nothing but its seed and the posterior,
which keeps replay (`sim trace`, `sim.EscalationModel`) and batch independence intact.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import SimError

__all__ = [
    "MANIFEST",
    "POSTERIOR",
    "Posterior",
    "file_hash",
    "find_folder",
    "load_posterior",
    "posterior_record",
    "read_manifest",
]

MANIFEST = "calibration.json"
"""A calibration folder's manifest (written by `sim.calibrate.store`)."""
POSTERIOR = "posterior.parquet"
"""A calibration folder's posterior draws: draw, weight, one column per parameter."""
KIND = "calibration"
"""The ``kind`` of a calibration manifest."""


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


def file_hash(path: Path) -> str:
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Posterior:
    """A fitted posterior: draws of some ``--set`` paths, with weights.

    Attributes
    ----------
    folder : str
        The calibration folder it was read from (absolute).
    sha256 : str
        Hash of its ``posterior.parquet`` (recorded in run manifests).
    paths : tuple of str
        Parameter paths.
    values : (D, P) float
        Draws.
    weights : (D,) float
        Normalised weights.
    """

    folder: str
    sha256: str
    paths: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray

    def record(self) -> dict[str, Any]:
        """Return what a run manifest records about the posterior."""
        return {
            "folder": self.folder,
            "sha256": self.sha256,
            "draws": int(len(self.weights)),
            "parameters": list(self.paths),
        }


def load_posterior(folder: str | Path) -> Posterior:
    """Read a calibration folder's posterior (errors name the folder and the file).

    Cached by the folder and its ``posterior.parquet``'s size and modification time, so
    the several compilations of one job read it once.
    """
    path = Path(folder).resolve()
    try:
        stat = (path / POSTERIOR).stat()
        key = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = (-1, -1)
    return _load(str(path), key)


@functools.lru_cache(maxsize=8)
def _load(folder: str, _key: tuple[int, int]) -> Posterior:
    import pyarrow.parquet as pq

    path = Path(folder)
    manifest = read_manifest(path)
    if manifest.get("status") != "complete":
        raise SimError(f"{path}: calibration is not complete (status {manifest.get('status')})")
    file = path / POSTERIOR
    try:
        table = pq.ParquetFile(file).read()  # not read_table: it imports pyarrow.dataset
    except (OSError, ValueError) as exc:
        raise SimError(f"{file}: unreadable ({exc})") from None
    paths = tuple(p["path"] for p in manifest["parameters"])
    missing = [p for p in (*paths, "weight") if p not in table.column_names]
    if missing:
        raise SimError(f"{file}: column {missing[0]} is missing")
    weights = _floats(table.column("weight"))
    if (weights < 0).any() or not weights.sum() > 0:
        raise SimError(f"{file}: weight: must be non-negative and not all zero")
    values = np.column_stack([_floats(table.column(p)) for p in paths])
    return Posterior(
        folder=str(path),
        sha256=file_hash(file),
        paths=paths,
        values=values,
        weights=weights / weights.sum(),
    )


def _floats(column: Any) -> np.ndarray:
    """Return a numeric Arrow column as float64, as ``column.to_numpy().astype(float)`` does.

    Read from the chunks' buffers where they are plain numbers without nulls: pyarrow's
    ``to_numpy`` imports pandas (~0.25 s of CPU in every process that reads a posterior).
    """
    import pyarrow as pa

    parts = []
    for chunk in column.chunks:
        t = chunk.type
        if chunk.null_count or not (pa.types.is_integer(t) or pa.types.is_floating(t)):
            parts.append(chunk.to_numpy(zero_copy_only=False))
            continue
        dtype = np.dtype(t.to_pandas_dtype())
        data = chunk.buffers()[1]
        parts.append(
            np.frombuffer(data, dtype, count=len(chunk), offset=chunk.offset * dtype.itemsize)
        )
    if not parts:
        return np.zeros(0)
    return np.concatenate(parts).astype(float)


def find_folder(name: str, scenario_file: str) -> Path | None:
    """Find a posterior folder a scenario names; None if there is none.

    A relative name is taken from the scenario file's folder, then from the folder of the
    shipped scenarios (`sim.scenario.paths.scenario_dir`), so installed copies find their
    posterior.
    """
    path = Path(name)
    if path.is_absolute():
        return path if path.is_dir() else None
    candidates = []
    if scenario_file and not scenario_file.startswith("<"):
        candidates.append(Path(scenario_file).resolve().parent / path)
    from sim.scenario.paths import scenario_dir

    candidates.append(scenario_dir() / path)
    candidates.append(Path.cwd() / path)
    return next((c.resolve() for c in candidates if c.is_dir()), None)


def posterior_record(scenario_data: dict[str, Any]) -> dict[str, Any] | None:
    """Return the manifest record of the posterior a resolved scenario names (or None)."""
    name = scenario_data.get("calibration", {}).get("posterior")
    if not name or name == "none":
        return None
    return load_posterior(name).record()
