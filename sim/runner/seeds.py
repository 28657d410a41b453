"""Per-run seeds derived from the master seed (DESIGN.md, "Determinism").

Run k of an ensemble gets ``SeedSequence([master, k])``; run k of sweep point p gets
``SeedSequence([master, p, k])``. The 64-bit seed is stored in ``runs.parquet`` and is all
that `sim.EscalationModel` needs to replay the run.
"""

from __future__ import annotations

import numpy as np


def run_seeds(master: int, run_ids: np.ndarray, point: int | None = None) -> np.ndarray:
    """Return the uint64 seeds of runs `run_ids` (of sweep point `point`, if given)."""
    out = np.empty(len(run_ids), dtype=np.uint64)
    prefix = [int(master)] if point is None else [int(master), int(point)]
    for i, k in enumerate(run_ids):
        out[i] = np.random.SeedSequence(prefix + [int(k)]).generate_state(1, np.uint64)[0]
    return out
