"""Compiled per-element kernels of the engine's hot paths (numba, cached on disk).

The kernels do exactly the arithmetic of the numpy code they replace, element by element
and in the same order (no ``fastmath``, no fused multiply-add), so results are
bit-identical: integer hashing for the counter-based uniforms and the sequential
inversion searches of the Poisson and binomial quantiles. Transcendental functions
(``exp``, ``log``, ``ndtri``) stay in numpy, whose SIMD versions can differ from the
scalar C library by one unit in the last place.

Compiled code is cached (``cache=True``) in ``NUMBA_CACHE_DIR``; when that variable is
not set this module sets it to ``$XDG_CACHE_HOME/escalation-sim/numba`` (default
``~/.cache/escalation-sim/numba``) before importing numba, so installed packages (whose
source folder may not be writable) and worker processes (which inherit the variable,
or derive the same folder) share one cache. The first run after installing compiles
the kernels (a few seconds); later processes load them from the cache.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Return the folder numba caches the compiled kernels in (see the module doc)."""
    explicit = os.environ.get("NUMBA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "escalation-sim" / "numba"


os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir()))

import numba  # noqa: E402
import numpy as np  # noqa: E402

if getattr(numba.config, "CACHE_DIR", "") != os.environ["NUMBA_CACHE_DIR"]:  # imported before
    numba.config.reload_config()

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53
_BELOW_ONE = 1.0 - 2.0**-53


@numba.njit(cache=True, nogil=True)
def _mix64(x: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """SplitMix64 finaliser (wrapping arithmetic), as `sim.engine.rng.mix64`."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


@numba.njit(cache=True, nogil=True)
def uniforms(keys: np.ndarray, counter: np.uint64, n: int) -> np.ndarray:  # pragma: no cover
    """Uniforms in (0, 1) for runs with `keys` (R,), indices counter + 0..n-1: (R, n)."""
    runs = keys.shape[0]
    out = np.empty((runs, n), dtype=np.float64)
    salts = np.empty(n, dtype=np.uint64)
    for i in range(n):
        salts[i] = _mix64((np.uint64(i) + counter) * _GOLDEN)
    for r in range(runs):
        key = keys[r]
        for i in range(n):
            bits = _mix64(key ^ salts[i])
            value = (np.float64(bits >> np.uint64(11)) + 0.5) * _TO_UNIT
            out[r, i] = min(value, _BELOW_ONE)
    return out


@numba.njit(cache=True, nogil=True)
def poisson_search(
    u: np.ndarray, lam: np.ndarray, pmf0: np.ndarray, limit: int
) -> np.ndarray:  # pragma: no cover - compiled
    """Smallest k with Poisson CDF(k) >= u, searched up from 0 (flat arrays).

    Elements with ``lam <= 0`` give 0; `pmf0` is exp(-lam). The CDF is accumulated as
    ``cdf += pmf * lam / (k + 1)``, stopping after `limit` steps or when the pmf
    underflows.
    """
    out = np.zeros(u.shape[0], dtype=np.float64)
    for i in range(u.shape[0]):
        m = lam[i]
        if not m > 0.0:
            continue
        pmf = pmf0[i]
        cdf = pmf
        k = 0.0
        ui = u[i]
        step = 0
        while ui > cdf and step < limit:
            pmf = pmf * m / (k + 1.0)
            k += 1.0
            cdf += pmf
            step += 1
            if not pmf > 0.0:
                break
        out[i] = k
    return out


@numba.njit(cache=True, nogil=True)
def binomial_search(
    u: np.ndarray, ratio: np.ndarray, pmf0: np.ndarray, n: int
) -> np.ndarray:  # pragma: no cover - compiled
    """Smallest k with Binomial(n, q) CDF(k) >= u, searched up from 0 (flat arrays).

    `ratio` is q / (1 - q) and `pmf0` (1 - q)^n; the CDF is accumulated as
    ``cdf += pmf * ratio * (n - k) / (k + 1)`` for at most n steps, stopping when the pmf
    underflows.
    """
    out = np.zeros(u.shape[0], dtype=np.float64)
    for i in range(u.shape[0]):
        pmf = pmf0[i]
        cdf = pmf
        k = 0.0
        ui = u[i]
        r = ratio[i]
        step = 0
        while ui > cdf and step < n:
            pmf = pmf * r * (n - k) / (k + 1.0)
            k += 1.0
            cdf += pmf
            step += 1
            if not pmf > 0.0:
                break
        out[i] = k
    return out


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
