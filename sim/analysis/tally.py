"""Mergeable counts of outcomes per (sweep point, theatre), so summaries need no big tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def tally_from_outcomes(path, structure, points: int = 1) -> Tally:
    """Count outcomes from an ``outcomes.parquet`` file, one row group at a time.

    Uses ``point_id`` when the file has it (sweeps). Memory stays bounded by a row group.
    """
    import pyarrow.parquet as pq

    s = structure
    k_index = {name: k for k, name in enumerate(s.theatres)}
    out = Tally.zeros(points, len(s.theatres), s.months, len(s.alliance_ids))
    pf = pq.ParquetFile(path)
    has_point = "point_id" in pf.schema_arrow.names
    patrons = [s.actors[p] for p in s.patron]
    for g in range(pf.num_row_groups):
        tab = pf.read_row_group(g)
        theatre = np.array([k_index[x] for x in tab["theatre"].to_pylist()], dtype=np.int64)
        pid = tab["point_id"].to_numpy() if has_point else np.zeros(len(theatre), dtype=np.int64)
        rung = tab["max_rung"].to_numpy().astype(np.int64)
        war = tab["war_month"].to_numpy(zero_copy_only=False)
        first = tab["first_crisis_month"].to_numpy(zero_copy_only=False)
        np.add.at(out.n, (pid, theatre), 1)
        np.add.at(out.rungs, (pid, theatre, rung), 1)
        w = ~np.isnan(war.astype(np.float64))
        np.add.at(out.war_months, (pid[w], theatre[w], war[w].astype(np.int64)), 1)
        c = ~np.isnan(first.astype(np.float64))
        np.add.at(out.crisis_months, (pid[c], theatre[c], first[c].astype(np.int64)), 1)
        np.add.at(
            out.holder_changed,
            (pid, theatre),
            tab["holder_changed"].to_numpy(zero_copy_only=False).astype(np.int64),
        )
        np.add.at(
            out.nuclear,
            (pid, theatre),
            tab["nuclear_use"].to_numpy(zero_copy_only=False).astype(np.int64),
        )
        joined = tab["allies_joined"].to_pylist()
        for aa, code in enumerate(patrons):
            hit = np.array([code in j.split(",") if j else False for j in joined])
            hit &= s.covers[aa][theatre]
            np.add.at(out.joined[:, :, aa], (pid, theatre), hit.astype(np.int64))
    return out
