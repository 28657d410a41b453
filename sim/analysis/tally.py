"""Mergeable counts of outcomes per (sweep point, theatre), so summaries need no big tables.

A tally is counted either from a batch's results in memory (`tally_from_result`, what a
chunk returns to the main process) or from an ``outcomes.parquet`` file
(`tally_from_outcomes`); both go through `count_into` with the same columns, so they give
the same counts. Tallies of chunks add up (`Tally.add`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.engine.params import Structure
    from sim.engine.simulate import BatchResult

RUNGS = 9


@dataclass
class Tally:
    """Counts of outcomes; arrays have shape (P, K, ...) over points and theatres.

    Attributes
    ----------
    n : (P, K)         runs
    rungs : (P, K, 9)  runs by highest rung reached
    war_months : (P, K, T) runs by month of war onset
    crisis_months : (P, K, T) runs by month of the first crisis
    holder_changed, nuclear : (P, K)
    joined : (P, K, A) runs in which each alliance's patron joined a war there
    """

    n: np.ndarray
    rungs: np.ndarray
    war_months: np.ndarray
    crisis_months: np.ndarray
    holder_changed: np.ndarray
    nuclear: np.ndarray
    joined: np.ndarray

    @classmethod
    def zeros(cls, points: int, theatres: int, months: int, alliances: int) -> Tally:
        """Return an empty tally of the given shape."""
        p, k = points, theatres
        return cls(
            n=np.zeros((p, k), dtype=np.int64),
            rungs=np.zeros((p, k, RUNGS), dtype=np.int64),
            war_months=np.zeros((p, k, months), dtype=np.int64),
            crisis_months=np.zeros((p, k, months), dtype=np.int64),
            holder_changed=np.zeros((p, k), dtype=np.int64),
            nuclear=np.zeros((p, k), dtype=np.int64),
            joined=np.zeros((p, k, alliances), dtype=np.int64),
        )

    @classmethod
    def for_structure(cls, structure: Structure, points: int = 1) -> Tally:
        """Return an empty tally shaped for a compiled scenario's theatres and alliances."""
        s = structure
        return cls.zeros(points, len(s.theatres), s.months, len(s.alliance_ids))

    def to_bytes(self) -> bytes:
        """Serialise the counts (``.npz``), for a chunk's tally file."""
        import io

        buffer = io.BytesIO()
        np.savez(buffer, **{f.name: getattr(self, f.name) for f in fields(self)})
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Tally:
        """Read counts written by `to_bytes`."""
        import io

        with np.load(io.BytesIO(data)) as arrays:
            return cls(**{f.name: arrays[f.name] for f in fields(cls)})

    def add(self, other: Tally) -> Tally:
        """Add `other`'s counts to this tally in place; returns self."""
        for f in fields(self):
            getattr(self, f.name).__iadd__(getattr(other, f.name))
        return self


def _count(target: np.ndarray, index: tuple[np.ndarray, ...], weights: Any = None) -> None:
    """Add one (or `weights`) at each multi-index to `target` (like ``np.add.at``)."""
    flat = np.ravel_multi_index(index, target.shape)
    target += (
        np.bincount(flat, weights=weights, minlength=target.size)
        .reshape(target.shape)
        .astype(np.int64)
    )


def _joined_hits(joined: np.ndarray, patrons: list[str]) -> np.ndarray:
    """(rows, A) whether each alliance's patron code is among the comma-separated codes."""
    hits = np.zeros((len(joined), len(patrons)), dtype=bool)
    values, inverse = np.unique(joined.astype(str), return_inverse=True)
    for v, text in enumerate(values):
        if not text:
            continue
        codes = text.split(",")
        rows = inverse.reshape(-1) == v
        for a, code in enumerate(patrons):
            if code in codes:
                hits[rows, a] = True
    return hits


def count_into(
    out: Tally,
    structure: Structure,
    pid: np.ndarray,
    theatre: np.ndarray,
    columns: dict[str, np.ndarray],
) -> None:
    """Add rows of outcomes to `out`.

    Parameters
    ----------
    out : Tally
        Tally to add to.
    structure : Structure
        The compiled scenario (alliances, their patrons and the theatres they cover).
    pid, theatre : array of int
        Point and theatre index of each row.
    columns : dict of str to array
        One value per row of ``max_rung``, ``war_month`` and ``first_crisis_month`` (ints,
        negative for "never"), ``holder_changed`` and ``nuclear_use`` (bools) and
        ``allies_joined`` (comma-separated patron codes, "" for none).
    """
    s = structure
    rung = columns["max_rung"].astype(np.int64)
    war = columns["war_month"].astype(np.int64)
    first = columns["first_crisis_month"].astype(np.int64)
    _count(out.n, (pid, theatre))
    _count(out.rungs, (pid, theatre, rung))
    w = war >= 0
    _count(out.war_months, (pid[w], theatre[w], war[w]))
    c = first >= 0
    _count(out.crisis_months, (pid[c], theatre[c], first[c]))
    _count(out.holder_changed, (pid, theatre), columns["holder_changed"].astype(np.int64))
    _count(out.nuclear, (pid, theatre), columns["nuclear_use"].astype(np.int64))
    patrons = [s.actors[p] for p in s.patron]
    if not patrons:
        return
    hits = _joined_hits(np.asarray(columns["allies_joined"], dtype=object), patrons)
    for aa in range(len(patrons)):
        hit = hits[:, aa] & np.asarray(s.covers[aa], dtype=bool)[theatre]
        _count(out.joined[:, :, aa], (pid, theatre), hit.astype(np.int64))


TALLIED = (
    "max_rung",
    "war_month",
    "first_crisis_month",
    "holder_changed",
    "nuclear_use",
    "allies_joined",
)
"""The outcome columns a tally counts."""


def tally_from_result(
    result: BatchResult, point_ids: np.ndarray | None = None, points: int = 1
) -> Tally:
    """Count the outcomes of a batch in memory (the declared outcome columns, as written).

    Parameters
    ----------
    result : BatchResult
        A simulated batch.
    point_ids : array of int, optional
        Design point of each run (sweeps); all runs belong to point 0 when omitted.
    points : int
        Number of points of the tally.
    """
    from sim.engine.simulate import outcome_columns

    s = result.structure
    runs, k = result.runs, len(s.theatres)
    by_name = {c.name: c for c in outcome_columns()}
    columns = {name: np.asarray(result.column(by_name[name])).reshape(-1) for name in TALLIED}
    pid = np.zeros(runs, dtype=np.int64) if point_ids is None else np.asarray(point_ids)
    out = Tally.for_structure(s, points)
    count_into(out, s, np.repeat(pid, k), np.tile(np.arange(k, dtype=np.int64), runs), columns)
    return out


def tally_from_outcomes(path: str | Path, structure: Structure, points: int = 1) -> Tally:
    """Count outcomes from an ``outcomes.parquet`` file, one row group at a time.

    Uses ``point_id`` when the file has it (sweeps). Memory stays bounded by a row group.
    """
    import pyarrow.parquet as pq

    s = structure
    k_index = {name: k for k, name in enumerate(s.theatres)}
    out = Tally.for_structure(s, points)
    pf = pq.ParquetFile(path)
    has_point = "point_id" in pf.schema_arrow.names
    for g in range(pf.num_row_groups):
        tab = pf.read_row_group(g)
        theatre = np.array([k_index[x] for x in tab["theatre"].to_pylist()], dtype=np.int64)
        pid = tab["point_id"].to_numpy() if has_point else np.zeros(len(theatre), dtype=np.int64)
        columns = {
            name: tab[name].fill_null(-1).to_numpy()
            for name in ("max_rung", "war_month", "first_crisis_month")
        }
        for name in ("holder_changed", "nuclear_use"):
            columns[name] = tab[name].to_numpy(zero_copy_only=False)
        columns["allies_joined"] = np.array(tab["allies_joined"].fill_null("").to_pylist(), object)
        count_into(out, s, pid, theatre, columns)
    return out


def count_true(path: str | Path, structure: Structure, column: str, points: int = 1) -> np.ndarray:
    """Return (P, K) counts of rows where a boolean outcome column holds.

    Per point and theatre, from an ``outcomes.parquet`` file one row group at a time
    (zeros if the file has no such column).
    """
    import pyarrow.parquet as pq

    s = structure
    k_index = {name: k for k, name in enumerate(s.theatres)}
    out = np.zeros((points, len(s.theatres)), dtype=np.int64)
    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    if column not in names:
        return out
    has_point = "point_id" in names
    for g in range(pf.num_row_groups):
        cols = [column, "theatre", *(["point_id"] if has_point else [])]
        tab = pf.read_row_group(g, columns=cols)
        theatre = np.array([k_index[x] for x in tab["theatre"].to_pylist()], dtype=np.int64)
        pid = tab["point_id"].to_numpy() if has_point else np.zeros(len(theatre), dtype=np.int64)
        hit = tab[column].fill_null(False).to_numpy(zero_copy_only=False).astype(np.int64)
        _count(out, (pid, theatre), hit)
    return out
