"""Read a result folder back: `sim.load_results(DIR)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from sim.errors import ResultsError
from sim.results.folder import MANIFEST, TABLES, read_manifest
from sim.results.manifest import STATUSES, FileFacts, Manifest

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

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
    "crises": {
        "run_id",
        "theatre",
        "opened_month",
        "trigger",
        "challenger",
        "defender",
        "parties",
        "peak_rung",
        "ended_month",
        "ending",
    },
}


@dataclass
class Results:
    """A finished result folder: its manifest and (lazily read) tidy tables.

    Attributes
    ----------
    path : Path
        The folder.
    manifest : dict
        ``manifest.json`` as the JSON object on disk.
    typed_manifest : Manifest
        The same, parsed and checked.
    """

    path: Path
    manifest: dict[str, Any]
    typed_manifest: Manifest
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _arrow: dict[str, pa.Table] = field(default_factory=dict, repr=False)

    def _read(self, name: str) -> pa.Table:
        """Return the Arrow table `name` (read by `load_all`, else from the folder now)."""
        if name in self._arrow:
            return self._arrow[name]
        path = self.path / f"{name}.parquet"
        try:
            return pq.ParquetFile(
                path
            ).read()  # not read_table: it imports pyarrow.dataset (~0.2 s)
        except (OSError, ValueError) as exc:
            raise ResultsError(f"{path}: cannot read ({exc})") from None

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            from sim.results.tables import to_frame

            self._cache[name] = to_frame(self._read(name))
            self._arrow.pop(name, None)
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

    @property
    def crises(self) -> pd.DataFrame:
        """One row per crisis (empty for folders written before the crisis log existed)."""
        held = "crises" in self._cache or "crises" in self._arrow
        if not held and not (self.path / "crises.parquet").exists():
            from sim.results.tables import CRISES_SCHEMA, to_frame

            return to_frame(CRISES_SCHEMA.empty_table())
        return self._table("crises")

    def table(self, name: str) -> pd.DataFrame:
        """Any Parquet table of the folder by name (``points``, ``summary`` for sweeps)."""
        return self._table(name)

    def load_all(self) -> Results:
        """Read every table into memory (before the folder goes away).

        The tables are kept as Arrow tables and become pandas frames when first asked
        for, so a caller that only reads the summary never imports pandas.
        """
        for name in TABLES:
            if name not in self._cache and (self.path / f"{name}.parquet").exists():
                self._arrow[name] = self._read(name)
        return self

    @property
    def summary(self) -> list[dict[str, Any]]:
        """Per-theatre summary records stored in the manifest."""
        return self.manifest.get("summary", [])

    @property
    def title(self) -> str:
        """Scenario title."""
        return self.manifest.get("scenario_title") or self.manifest.get("scenario_name", "")


def load_results(
    folder: str | Path, allow_incomplete: bool = False, checksums: bool = True
) -> Results:
    """Open a result folder, checking that it is complete and untampered.

    Without `checksums` the files' rows and sizes are checked against the manifest but
    not their SHA-256 (for a folder this process has just written).

    Raises
    ------
    ResultsError
        If the folder is missing, incomplete, or its files do not match the manifest.
    """
    path = Path(folder)
    if not path.is_dir():
        raise ResultsError(f"{path}: no such result folder")
    raw = read_manifest(path)
    status = raw.get("status")
    if status is not None and status not in STATUSES:
        raise ResultsError(
            f"{path / MANIFEST}: status {status!r} is not one of {', '.join(STATUSES)}"
        )
    if status != "complete" and not allow_incomplete:
        done = raw.get("runs_done")
        raise ResultsError(
            f"{path}: run is {status or 'of unknown status'}"
            + (f" ({done} of {raw.get('runs')} runs done)" if done else "")
            + "; resume it or run again"
        )
    manifest = Manifest.from_dict(raw, path / MANIFEST)
    files = manifest.files or {}
    for name in TABLES:
        f = path / f"{name}.parquet"
        if not f.exists():
            # crises.parquet came with model v2: folders written before lack it
            if status == "complete" and (name != "crises" or f.name in files):
                raise ResultsError(f"{f}: missing, but the manifest says the run is complete")
            continue
        try:
            meta = pq.ParquetFile(f)
        except Exception as exc:  # noqa: BLE001 - any parse failure means a broken file
            raise ResultsError(f"{f}: not a readable Parquet file ({type(exc).__name__})") from None
        facts = files.get(f.name)
        if facts is not None:
            check_file_facts(f, meta, facts, checksums)
        missing = REQUIRED_COLUMNS[name] - set(meta.schema_arrow.names)
        if missing:
            raise ResultsError(f"{f}: missing columns {', '.join(sorted(missing))}")
    return Results(path=path, manifest=raw, typed_manifest=manifest)


def check_file_facts(
    f: Path, meta: pq.ParquetFile, facts: FileFacts, checksum: bool = True
) -> None:
    """Refuse a table whose rows, size or (with `checksum`) SHA-256 differ from the manifest."""
    if meta.metadata.num_rows != facts.rows:
        raise ResultsError(
            f"{f}: has {meta.metadata.num_rows} rows, the manifest says {facts.rows}"
        )
    if f.stat().st_size != facts.bytes:
        raise ResultsError(f"{f}: size differs from the manifest (file changed?)")
    if checksum and sha256_of(f) != facts.sha256:
        raise ResultsError(
            f"{f}: contents differ from the manifest (SHA-256 mismatch): "
            "the file was changed or corrupted"
        )


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
