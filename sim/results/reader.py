"""Read a result folder back: `sim.load_results(DIR)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from sim.errors import ResultsError
from sim.results.folder import TABLES, read_manifest
from sim.results.tables import to_frame

REQUIRED_COLUMNS = {
    "runs": {"run_id", "seed"},
    "outcomes": {
        "run_id",
        "theatre",
        "max_rung",
        "war",
        "war_month",
        "first_crisis_month",
        "crises",
        "holder_final",
        "allies_joined",
    },
    "annual": {"run_id", "year", "metric", "subject", "value"},
}


@dataclass
class Results:
    """A finished result folder: its manifest and (lazily read) tidy tables."""

    path: Path
    manifest: dict[str, Any]
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            path = self.path / f"{name}.parquet"
            try:
                self._cache[name] = to_frame(pq.read_table(path))
            except (OSError, ValueError) as exc:
                raise ResultsError(f"{path}: cannot read ({exc})") from None
        return self._cache[name]

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run: run_id, seed (and sweep columns)."""
        return self._table("runs")

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per (run, theatre)."""
        return self._table("outcomes")

    @property
    def annual(self) -> pd.DataFrame:
        """One row per (run, year, metric, subject)."""
        return self._table("annual")

    def table(self, name: str) -> pd.DataFrame:
        """Any Parquet table of the folder by name (``points``, ``summary`` for sweeps)."""
        return self._table(name)

    def load_all(self) -> Results:
        """Read every table into memory (before the folder goes away)."""
        for name in TABLES:
            self._table(name)
        return self

    @property
    def summary(self) -> list[dict[str, Any]]:
        """Per-theatre summary records stored in the manifest."""
        return self.manifest.get("summary", [])

    @property
    def title(self) -> str:
        """Scenario title."""
        return self.manifest.get("scenario_title") or self.manifest.get("scenario_name", "")


def load_results(folder: str | Path, allow_incomplete: bool = False) -> Results:
    """Open a result folder, checking that it is complete and untampered.

    Raises
    ------
    ResultsError
        If the folder is missing, incomplete, or its files do not match the manifest.
    """
    path = Path(folder)
    if not path.is_dir():
        raise ResultsError(f"{path}: no such result folder")
    manifest = read_manifest(path)
    status = manifest.get("status")
    if status is not None and status not in STATUSES:
        raise ResultsError(
            f"{path / 'manifest.json'}: status {status!r} is not one of {', '.join(STATUSES)}"
        )
    if status != "complete" and not allow_incomplete:
        done = manifest.get("runs_done")
        raise ResultsError(
            f"{path}: run is {status or 'of unknown status'}"
            + (f" ({done} of {manifest.get('runs')} runs done)" if done else "")
            + "; resume it or run again"
        )
    if status == "complete":
        check_manifest(path / "manifest.json", manifest)
    files = manifest.get("files", {})
    if not isinstance(files, dict):
        raise ResultsError(f"{path / 'manifest.json'}: 'files' is not a table of file facts")
    for name in TABLES:
        f = path / f"{name}.parquet"
        if not f.exists():
            if status == "complete":
                raise ResultsError(f"{f}: missing, but the manifest says the run is complete")
            continue
        facts = files.get(f.name)
        if facts is not None and not (
            isinstance(facts, dict)
            and isinstance(facts.get("rows"), int)
            and isinstance(facts.get("bytes"), int)
            and isinstance(facts.get("sha256"), str)
        ):
            raise ResultsError(
                f"{path / 'manifest.json'}: the facts of {f.name} are not rows, bytes and sha256"
            )
        try:
            meta = pq.ParquetFile(f)
        except Exception as exc:  # noqa: BLE001 - any parse failure means a broken file
            raise ResultsError(f"{f}: not a readable Parquet file ({type(exc).__name__})") from None
        if facts and meta.metadata.num_rows != facts.get("rows"):
            raise ResultsError(
                f"{f}: has {meta.metadata.num_rows} rows, the manifest says {facts.get('rows')}"
            )
        if facts and f.stat().st_size != facts.get("bytes"):
            raise ResultsError(f"{f}: size differs from the manifest (file changed?)")
        if facts and sha256_of(f) != facts["sha256"]:
            raise ResultsError(
                f"{f}: contents differ from the manifest (SHA-256 mismatch): "
                "the file was changed or corrupted"
            )
        missing = REQUIRED_COLUMNS[name] - set(meta.schema_arrow.names)
        if missing:
            raise ResultsError(f"{f}: missing columns {', '.join(sorted(missing))}")
    return Results(path=path, manifest=manifest)


STATUSES = ("running", "incomplete", "complete")


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _positive_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def _strings(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _month(v: Any) -> bool:
    from sim.scenario.months import parse_month

    try:
        parse_month(v)
    except ValueError:
        return False
    return True


MANIFEST_FIELDS: dict[str, tuple[Any, str]] = {
    "kind": (lambda v: v in ("ensemble", "sweep"), "'ensemble' or 'sweep'"),
    "runs": (_positive_int, "a positive integer"),
    "months": (_positive_int, "a positive integer"),
    "start": (_month, "a month YYYY-MM"),
    "theatres": (_strings, "a list of theatre names"),
    "actors": (_strings, "a list of actor codes"),
    "scenario": (lambda v: isinstance(v, dict), "the resolved scenario (a table)"),
    "summary": (lambda v: isinstance(v, list), "a list of summary records"),
}
"""Manifest fields that readers (summaries, plots, reports) rely on, with their shape."""


def check_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Check the shape of the fields readers rely on in a complete folder's manifest."""
    for key, (ok, what) in MANIFEST_FIELDS.items():
        if key in manifest and not ok(manifest[key]):
            raise ResultsError(f"{path}: '{key}' should be {what}, got {manifest[key]!r:.40}")
    if manifest.get("kind") == "sweep" and not _strings(manifest.get("swept")):
        raise ResultsError(f"{path}: 'swept' should be a list of parameter paths")
