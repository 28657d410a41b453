"""Compiled kernels of side forces, nuclear exposure, basing, gathers (`sim.engine.forces`).

Import `sim.engine.kernels`, not this module.
"""

from __future__ import annotations

import numpy as np

from sim.engine.jit import numba


@numba.njit(cache=True, nogil=True)
def side_force(
    force: np.ndarray,
    party: np.ndarray,
    weight: np.ndarray,
    reach: np.ndarray,
    hosted: np.ndarray,
    share: np.ndarray,
    holder: np.ndarray,
    advantage: np.ndarray,
    client: np.ndarray,
    patron: np.ndarray,
    covers: np.ndarray,
    hosts_of: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Side forces (R, K), term by term as `sim.engine.forces.side_force` documents.

    Each run and theatre: the party's force (index floored at 0), then for every alliance
    a in order ``+ w * force[patron] * reach`` (w the ally weight where the alliance
    helps the party, else 0.0) and, for each host alliance h of a (`hosts_of`, -1
    padded), ``+ (w * share) * force[host]`` where h's client hosts a's patron and is not
    the party (else ``+ 0.0``); times the defender advantage where the party holds.
    """
    runs, theatres = party.shape
    out = np.empty((runs, theatres), dtype=np.float64)
    for r in range(runs):
        for k in range(theatres):
            p = party[r, k]
            total = force[r, max(p, 0)]
            for a in range(client.shape[0]):
                w = weight[r, k, a] if (p == client[a] and covers[a, k]) else 0.0
                total = total + w * force[r, patron[a]] * reach[r, k, a]
                for i in range(hosts_of.shape[1]):
                    h = hosts_of[a, i]
                    if h < 0:
                        break
                    host = client[h]
                    if hosted[r, k, h] and p != host:
                        total = total + w * share[r] * force[r, host]
                    else:
                        total = total + 0.0
            out[r, k] = total * (advantage[r, k] if p == holder[r, k] else 1.0)
    return out


@numba.njit(cache=True, nogil=True)
def nuclear_exposure(
    nuclear: np.ndarray,
    party: np.ndarray,
    weight: np.ndarray,
    client: np.ndarray,
    patron: np.ndarray,
    covers: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """(R, K) chance that the party's side includes a nuclear power, as in `forces`.

    1.0 if the party (index floored at 0) is nuclear, else 0.0; then the running maximum
    with each alliance's weight where that alliance covers the party in the theatre and
    its patron is nuclear (0.0 otherwise).
    """
    runs, theatres = party.shape
    out = np.empty((runs, theatres), dtype=np.float64)
    for r in range(runs):
        for k in range(theatres):
            p = party[r, k]
            e = 1.0 if nuclear[r, max(p, 0)] else 0.0
            for a in range(client.shape[0]):
                w = 0.0
                if p == client[a] and covers[a, k] and nuclear[r, patron[a]]:
                    w = weight[r, k, a]
                e = max(e, w)
            out[r, k] = e
    return out


@numba.njit(cache=True, nogil=True)
def count_equal(values: np.ndarray, target: int) -> np.ndarray:  # pragma: no cover
    """``(values == target).sum(axis=2)`` of an (R, J, M) integer array, (R, J) int64."""
    runs, items, slots = values.shape
    out = np.zeros((runs, items), dtype=np.int64)
    for r in range(runs):
        for j in range(items):
            c = 0
            for i in range(slots):
                if values[r, j, i] == target:
                    c += 1
            out[r, j] = c
    return out


@numba.njit(cache=True, nogil=True)
def basing(
    access: np.ndarray, where: np.ndarray, patron: np.ndarray, factor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Patron reach and host basing, (R, K, A) each, as `sim.engine.forces.Basing.of`.

    hosted[r, k, a] = access[r, a] and where[a, k]; reach[r, k, a] = 1.0 where some
    alliance with a's patron is hosted for k, else factor[r].
    """
    runs, alliances = access.shape
    theatres = where.shape[1]
    hosted = np.zeros((runs, theatres, alliances), dtype=np.bool_)
    reach = np.empty((runs, theatres, alliances), dtype=np.float64)
    for r in range(runs):
        for k in range(theatres):
            for a in range(alliances):
                hosted[r, k, a] = access[r, a] and where[a, k]
            for a in range(alliances):
                near = False
                for b in range(alliances):
                    if patron[b] == patron[a] and hosted[r, k, b]:
                        near = True
                reach[r, k, a] = 1.0 if near else factor[r]
    return reach, hosted


@numba.njit(cache=True, nogil=True)
def gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:  # pragma: no cover
    """``values[r, max(index[r, k], 0)]`` for (R, N) values and (R, K) indices."""
    runs, width = index.shape
    out = np.empty((runs, width), dtype=values.dtype)
    for r in range(runs):
        for k in range(width):
            out[r, k] = values[r, max(index[r, k], 0)]
    return out


@numba.njit(cache=True, nogil=True)
def gather_k(values: np.ndarray, index: np.ndarray) -> np.ndarray:  # pragma: no cover
    """``values[r, k, max(index[r, k], 0)]`` for (R, K, N) values and (R, K) indices."""
    runs, width = index.shape
    out = np.empty((runs, width), dtype=values.dtype)
    for r in range(runs):
        for k in range(width):
            out[r, k] = values[r, k, max(index[r, k], 0)]
    return out
