"""Counter-based random numbers keyed by (run seed, month, stream, index).

Every random number a run uses is a pure function of its 64-bit seed and of where it is
drawn (month, draw site, element). No stream is shared between runs, so a run gives
bit-identical results alone, inside a batch of any size, on any worker or through the Mesa
front (docs/CONTRACTS.md, "Determinism"). The mixing function is SplitMix64's finaliser
(Steele, Lea & Flood 2014), applied twice; it passes BigCrush as a counter-based generator
when keyed this way.
"""

from __future__ import annotations

import numpy as np

from sim.engine import kernels

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = (np.uint64(s) for s in (30, 27, 31))


def mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic)."""
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)


_DRAW_OFFSET = np.uint64(0xD1B54A32D192ED03)
"""Offsets the posterior-draw stream from the engine's use of the same seed."""


def draw_of(weights: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Posterior draw of each run, from its seed alone, (R,) int.

    A weighted pick by the uniform u = splitmix64(seed XOR offset) / 2^64 (53 bits), so a
    run's parameters depend on nothing but its seed and the posterior's weights, which
    keeps replay and batch independence (docs/CONTRACTS.md, "Determinism").
    """
    bits = mix64((np.asarray(seeds, dtype=np.uint64) ^ _DRAW_OFFSET) + _GOLDEN)
    u = (bits >> np.uint64(11)).astype(np.float64) * (1.0 / 2**53)
    edges = np.cumsum(weights)
    edges[-1] = 1.0
    return np.minimum(np.searchsorted(edges, u, side="right"), len(weights) - 1)


class CounterRNG:
    """Uniform, normal, Bernoulli, Poisson and binomial variates for a batch of runs.

    Parameters
    ----------
    seeds : array of uint64, shape (R,)
        One seed per run.
    """

    def __init__(self, seeds: np.ndarray) -> None:
        seeds = np.asarray(seeds, dtype=np.uint64)
        with np.errstate(over="ignore"):
            self.keys = mix64(seeds + _GOLDEN)[:, None]

    def take(self, rows: np.ndarray) -> CounterRNG:
        """Return a generator for runs `rows` only (the same numbers those runs get here)."""
        out = CounterRNG.__new__(CounterRNG)
        out.keys = self.keys[rows]
        return out

    def uniform(self, month: int, stream: int, n: int = 1) -> np.ndarray:
        """Uniforms in the open interval (0, 1), shape (R, n).

        Element (r, i) is mix64(key_r ^ mix64((counter + i) * golden)) >> 11, plus 1/2,
        times 2^-53 (compiled: `sim.engine.kernels.uniforms`); (k + 1/2) 2^-53 rounds to
        1.0 for the top k, so the result is capped just below 1 to keep the interval open.
        """
        counter = (np.uint64(month) << np.uint64(40)) | (np.uint64(stream) << np.uint64(20))
        return kernels.uniforms(self.keys[:, 0], counter, n)

    def normal(self, month: int, stream: int, n: int = 1) -> np.ndarray:
        """Draw standard normal variates by inversion, shape (R, n)."""
        u = self.uniform(month, stream, n)
        return kernels.ndtri(u.ravel()).reshape(u.shape)

    def bernoulli(self, p: np.ndarray, month: int, stream: int) -> np.ndarray:
        """Boolean draws with success probability `p`, shape (R,) or (R, n) like `p`."""
        p = np.asarray(p, dtype=np.float64)
        if p.ndim == 1:
            return self.uniform(month, stream, 1)[:, 0] < p
        return self.uniform(month, stream, p.shape[1]) < p

    def poisson(self, lam: np.ndarray, month: int, stream: int) -> np.ndarray:
        """Poisson variates with means `lam` (shape (R, n)), by inversion of one uniform each."""
        lam = np.asarray(lam, dtype=np.float64)
        u = self.uniform(month, stream, lam.shape[1])
        return poisson_quantile(u, lam)

    def binomial(self, n: int, p: np.ndarray, month: int, stream: int) -> np.ndarray:
        """Binomial(n, p) variates (shape of `p`, (R, k)), by inversion of one uniform each."""
        p = np.asarray(p, dtype=np.float64)
        u = self.uniform(month, stream, p.shape[1])
        return binomial_quantile(u, n, p)


_NORMAL_FROM = 30.0


def poisson_quantile(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson quantile function: smallest k with CDF(k) >= u.

    Exact sequential search for means below 30; above, the Cornish-Fisher expansion of the
    normal quantile (error well under one standard deviation's tenth), which keeps the cost
    bounded for busy grey-zone activities.
    """
    lam = np.broadcast_to(lam, u.shape)
    out = np.zeros(u.shape, dtype=np.float64)
    big = lam >= _NORMAL_FROM
    if big.any():
        z = kernels.ndtri(u[big])
        mu = lam[big]
        k = mu + np.sqrt(mu) * z + (z * z - 1.0) / 6.0 - 0.5
        out[big] = np.maximum(np.ceil(k), 0.0)
    # the sequential search (compiled) where 0 < lam < 30; 0 elsewhere
    small = np.where(big, 0.0, lam).ravel()
    found = kernels.poisson_search(u.ravel(), small, np.exp(-small), 200)
    return np.where(big, out, found.reshape(u.shape))


def binomial_quantile(u: np.ndarray, n: int, p: np.ndarray) -> np.ndarray:
    """Binomial(n, p) quantile by sequential search from the nearer tail (n small, e.g. days)."""
    p = np.clip(np.broadcast_to(p, u.shape), 0.0, 1.0)
    # search from the upper tail only where the lower tail's first term would underflow;
    # elsewhere search X directly (1 - u can round to 1 for the smallest u)
    with np.errstate(under="ignore"):
        flip = (p > 0.5) & ((1.0 - p) ** n < 1e-300)
    q = np.where(flip, 1.0 - p, p)
    uu = np.where(flip, 1.0 - u, u)
    out = np.zeros(u.shape, dtype=np.float64)
    live = q > 0
    if live.any():
        qq = q[live]
        ratio = qq / (1.0 - qq)
        pmf0 = (1.0 - qq) ** n
        out[live] = kernels.binomial_search(uu[live], ratio, pmf0, n)
    # for the flipped draws we counted failures with 1 - u: k = n - (failures)
    # the quantile of n - X at u equals n minus the (1 - u) quantile of X (up to ties at 0
    # probability), which keeps the map from u monotone.
    return np.where(flip, n - out, out)
