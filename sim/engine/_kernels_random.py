"""Compiled kernels of the random numbers (`sim.engine.rng`).

Counter-based uniforms, ``ndtri``, the Poisson and binomial inversion searches. Import
`sim.engine.kernels`, not this module.
"""

from __future__ import annotations

import math

import numpy as np

from sim.engine.jit import numba

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


# Cephes' ndtri (Moshier), as scipy.special.ndtri evaluates it: rational approximations
# in y - 1/2 for the centre and in 1 / sqrt(-2 log y) for the tails
_S2PI = 2.50662827463100050242e0
_EXP_M2 = 0.13533528323661269189
_P0 = np.array(
    [
        -5.99633501014107895267e1,
        9.80010754185999661536e1,
        -5.66762857469070293439e1,
        1.39312609387279679503e1,
        -1.23916583867381258016e0,
    ]
)
_Q0 = np.array(
    [
        1.95448858338141759834e0,
        4.67627912898881538453e0,
        8.63602421390890590575e1,
        -2.25462687854119370527e2,
        2.00260212380060660359e2,
        -8.20372256168333339912e1,
        1.59056225126211695515e1,
        -1.18331621121330003142e0,
    ]
)
_P1 = np.array(
    [
        4.05544892305962419923e0,
        3.15251094599893866154e1,
        5.71628192246421288162e1,
        4.40805073893200834700e1,
        1.46849561928858024014e1,
        2.18663306850790267539e0,
        -1.40256079171354495875e-1,
        -3.50424626827848203418e-2,
        -8.57456785154685413611e-4,
    ]
)
_Q1 = np.array(
    [
        1.57799883256466749731e1,
        4.53907635128879210584e1,
        4.13172038254672030440e1,
        1.50425385692907503408e1,
        2.50464946208309415979e0,
        -1.42182922854787788574e-1,
        -3.80806407691578277194e-2,
        -9.33259480895457427372e-4,
    ]
)
_P2 = np.array(
    [
        3.23774891776946035970e0,
        6.91522889068984211695e0,
        3.93881025292474443415e0,
        1.33303460815807542389e0,
        2.01485389549179081538e-1,
        1.23716634817820021358e-2,
        3.01581553508235416007e-4,
        2.65806974686737550832e-6,
        6.23974539184983293730e-9,
    ]
)
_Q2 = np.array(
    [
        6.02427039364742014255e0,
        3.67983563856160859403e0,
        1.37702099489081330271e0,
        2.16236993594496635890e-1,
        1.34204006088543189037e-2,
        3.28014464682127739104e-4,
        2.89247864745380683936e-6,
        6.79019408009981274425e-9,
    ]
)


@numba.njit(cache=True, nogil=True, inline="always")
def _polevl(x: float, coef: np.ndarray) -> float:  # pragma: no cover - compiled
    """Polynomial with coefficients `coef` (highest power first) at `x`, by Horner."""
    ans = coef[0]
    for i in range(1, coef.shape[0]):
        ans = ans * x + coef[i]
    return ans


@numba.njit(cache=True, nogil=True, inline="always")
def _p1evl(x: float, coef: np.ndarray) -> float:  # pragma: no cover - compiled
    """As `_polevl`, with a leading coefficient of 1 left out of `coef`."""
    ans = x + coef[0]
    for i in range(1, coef.shape[0]):
        ans = ans * x + coef[i]
    return ans


@numba.njit(cache=True, nogil=True)
def _ndtri(y0: float) -> float:  # pragma: no cover - compiled
    """Return the standard normal quantile of `y0`: Cephes' algorithm, operation for operation."""
    if y0 == 0.0:
        return -np.inf
    if y0 == 1.0:
        return np.inf
    if not 0.0 < y0 < 1.0:
        return np.nan
    negate = True
    y = y0
    if y > 1.0 - _EXP_M2:
        y = 1.0 - y
        negate = False
    if y > _EXP_M2:
        y = y - 0.5
        y2 = y * y
        x = y + y * (y2 * _polevl(y2, _P0) / _p1evl(y2, _Q0))
        return x * _S2PI
    x = math.sqrt(-2.0 * math.log(y))
    x0 = x - math.log(x) / x
    z = 1.0 / x
    if x < 8.0:
        x1 = z * _polevl(z, _P1) / _p1evl(z, _Q1)
    else:
        x1 = z * _polevl(z, _P2) / _p1evl(z, _Q2)
    x = x0 - x1
    return -x if negate else x


@numba.njit(cache=True, nogil=True)
def ndtri(u: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Return standard normal quantiles of a flat array (bit-identical to scipy ndtri).

    scipy evaluates Cephes' ndtri in scalar C with the C library's ``log`` and
    ``sqrt`` and no fused multiply-add; so does this (numba calls the same ``log``), which
    ``tests/unit/engine/test_kernel_references_random.py`` checks against scipy on 1.5
    million values, tails included.
    """
    out = np.empty(u.shape[0], dtype=np.float64)
    for i in range(u.shape[0]):
        out[i] = _ndtri(u[i])
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


if getattr(numba.config, "DISABLE_JIT", False):
    _uniforms_python = uniforms

    def uniforms(  # type: ignore[misc]  # replaces the (uncompiled) dispatcher
        keys: np.ndarray, counter: np.uint64, n: int
    ) -> np.ndarray:
        """`uniforms` run as Python (``NUMBA_DISABLE_JIT=1``), numpy's overflow reports off.

        SplitMix64 wraps modulo 2^64 on purpose; numpy's uint64 scalars wrap too but report
        it (a warning, or an error under ``np.errstate(over="raise")``), compiled code does
        not. The arithmetic and the results are the same.
        """
        with np.errstate(over="ignore"):
            return _uniforms_python(keys, counter, n)
