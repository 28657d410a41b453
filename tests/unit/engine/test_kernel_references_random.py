"""The random-number kernels (`sim.engine._kernels_random`) against references in the test.

uniforms: plain-Python integers; ndtri: scipy; the Poisson and binomial searches: the
recurrence their docstrings state, in plain-Python floats, and scipy's quantiles. Every
comparison is bit for bit (`assert_same`) unless its docstring says otherwise.
"""

from __future__ import annotations

import math
from itertools import islice

import numpy as np
import pytest
from kernel_fixtures import GOLDEN, MASK, assert_same, mix, sized, unmix
from scipy import stats
from scipy.special import ndtri as scipy_ndtri

from sim.engine import kernels

BELOW_ONE = 1.0 - 2.0**-53


def ref_uniforms(keys: np.ndarray, counter: int, n: int) -> np.ndarray:
    """Uniforms by Python integers: mix(key ^ mix((counter + i) golden)), top 53 bits + 1/2."""
    out = np.empty((len(keys), n))
    for r, key in enumerate(keys.tolist()):
        for i in range(n):
            salt = mix(((counter + i) & MASK) * GOLDEN & MASK)
            bits = mix(key ^ salt)
            out[r, i] = min((float(bits >> 11) + 0.5) * 2.0**-53, BELOW_ONE)
    return out


def key_for_bits(bits: int, counter: int) -> int:
    """Return the run key whose uniform 0 at `counter` has the raw 64 bits `bits`."""
    return unmix(bits) ^ mix(counter * GOLDEN & MASK)


@pytest.mark.parametrize("counter", [0, (1199 << 40) | (1000 << 20) | 7, MASK - 3])
def test_uniforms_equal_python_integers(counter: int) -> None:
    """Bit-identical: integer hashing, then one exact int-to-float conversion, one add and
    a product by a power of two, each correctly rounded in both. The last counter wraps
    past 2^64 within the row (i = 4..7)."""
    gen = np.random.default_rng(101)
    keys = gen.integers(0, 2**64, size=sized(300, 20), dtype=np.uint64, endpoint=False)
    edges = [0, MASK, 1, 2**63]  # plus keys that give the extreme raw bits at i = 0
    edges += [key_for_bits(b, counter) for b in (0, 2**11 - 1, MASK, MASK - 2**11, 2**63)]
    keys = np.concatenate([keys, np.array(edges, dtype=np.uint64)])
    got = kernels.uniforms(keys, np.uint64(counter), 8)
    assert_same(got, ref_uniforms(keys, counter, 8))
    assert got[-5, 0] == 2.0**-54 and got[-3, 0] == BELOW_ONE  # raw bits 0 and 2^64 - 1
    assert ((got > 0.0) & (got < 1.0)).all()


def test_uniforms_empty() -> None:
    """No runs, or no draws: empty (R, n) arrays."""
    keys = np.array([1, 2], dtype=np.uint64)
    assert_same(kernels.uniforms(keys, np.uint64(0), 0), np.empty((2, 0)))
    assert_same(kernels.uniforms(keys[:0], np.uint64(0), 3), np.empty((0, 3)))


def test_ndtri_is_bit_identical_to_scipy() -> None:
    """Bit-identical to scipy's ndtri (the same Cephes code, scalar C ``log``, no FMA):
    uniforms, both tails down to the smallest subnormal, the branch points and edges, and
    outside (0, 1) (-inf, inf, nan as scipy)."""
    gen = np.random.default_rng(20261130)
    edge = 0.13533528323661269189  # exp(-2), where Cephes switches approximations
    cases = [
        gen.random(sized(1_000_000, 3000)),
        np.exp(-gen.random(sized(200_000, 1000)) * 740.0),  # lower tail, to ~1e-321
        1.0 - np.exp(-gen.random(sized(200_000, 1000)) * 36.0),  # upper tail, to 1 - 2^-52
        (np.arange(sized(2**16, 2**10)) + 0.5) / sized(2**16, 2**10),
        np.array(
            [0.0, 1.0, 5e-324, 1e-300, 0.5, 1 - 2**-53, edge, 1 - edge, np.exp(-32.0)]
            + [np.nextafter(edge, 1.0), np.nextafter(1 - edge, 0.0), -1.0, 2.0, np.nan]
            + [np.nextafter(0.5, 0.0), np.exp(-64.0), np.exp(-63.9)]  # near x = 8 (tails)
        ),
        np.empty(0),
    ]
    for u in cases:
        assert_same(kernels.ndtri(u), scipy_ndtri(u))


def _poisson_cdfs(lam: float, pmf0: float, limit: int):
    """Yield (k, CDF(k)) as the docstring states: pmf_{k+1} = pmf_k lam / (k + 1), the CDF
    summed left to right, at most `limit` steps, the last one where the pmf underflows."""
    pmf, cdf, k = pmf0, pmf0, 0.0
    yield k, cdf
    while True:
        pmf = pmf * lam / (k + 1.0)
        k += 1.0
        cdf += pmf
        yield k, cdf
        if not pmf > 0.0:
            return


def ref_poisson_search(u, lam, pmf0, limit: int) -> np.ndarray:
    """Smallest k whose CDF reaches u among the first `limit` + 1 terms (0 where lam <= 0)."""
    out = np.zeros(len(u))
    for i, (ui, m, p0) in enumerate(zip(u.tolist(), lam.tolist(), pmf0.tolist(), strict=True)):
        if m > 0.0:
            terms = list(islice(_poisson_cdfs(m, p0, limit), limit + 1))
            out[i] = next((k for k, c in terms if ui <= c), terms[-1][0])
    return out


def test_poisson_search_equals_its_recurrence() -> None:
    """Bit-identical (the same IEEE operations in the same order in Python floats), on
    random means in (0, 30), tiny and non-positive means, a NaN mean, uniforms at the
    ends and exactly at CDF values (ties), a small step limit and pmf0 = 0 (an
    underflowed start: one step, k = 1)."""
    gen = np.random.default_rng(7)
    n = sized(20_000, 400)
    lam = np.concatenate([gen.random(n) * 30.0, [0.0, -1.0, np.nan, 1e-300, 5.0, 700.0, 800.0]])
    u = np.concatenate([gen.random(n), [0.5, 0.5, 0.5, 0.5, BELOW_ONE, 0.9, 0.9]])
    u[:50] = gen.choice([2.0**-54, 1e-12, BELOW_ONE, 1.0 - 1e-12], size=50)
    pmf0 = np.exp(-np.maximum(lam, 0.0))
    pmf0[np.isnan(lam)] = np.nan
    for i in range(50, 150):  # u exactly at a CDF value: that count, not the next
        u[i] = list(islice(_poisson_cdfs(lam[i], pmf0[i], 200), 6))[i % 6][1]
    for limit in (200, 3, 0):
        assert_same(
            kernels.poisson_search(u, lam, pmf0, limit), ref_poisson_search(u, lam, pmf0, limit)
        )
    assert kernels.poisson_search(u[-1:], lam[-1:], pmf0[-1:], 200)[0] == 1.0  # exp(-800) = 0
    empty = np.empty(0)
    assert_same(kernels.poisson_search(empty, empty, empty, 200), empty)


def test_poisson_search_equals_scipy_ppf() -> None:
    """Equal to scipy's Poisson quantile for means in (0, 30) and u below 1 - 1e-12 (above
    that, summing the pmf cannot resolve the CDF and scipy returns larger counts or inf);
    exact: a random u falls within rounding (~1e-15) of a CDF value with chance ~1e-10."""
    gen = np.random.default_rng(8)
    n = sized(50_000, 500)
    lam = np.concatenate([gen.random(n) * 30.0, [1e-6, 29.999]])
    u = np.concatenate([gen.random(n) * (1.0 - 1e-12), [0.5, 2.0**-54]])
    got = kernels.poisson_search(u, lam, np.exp(-lam), 200)
    assert_same(got, stats.poisson.ppf(u, lam))


def ref_binomial_search(u, ratio, pmf0, n: int) -> np.ndarray:
    """Smallest k <= n whose CDF reaches u; pmf_{k+1} = pmf_k ratio (n - k) / (k + 1)."""
    out = np.zeros(len(u))
    for i, (ui, r, p0) in enumerate(zip(u.tolist(), ratio.tolist(), pmf0.tolist(), strict=True)):
        pmf, cdf, k = p0, p0, 0.0
        while ui > cdf and k < n:
            pmf = pmf * r * (n - k) / (k + 1.0)
            k += 1.0
            cdf += pmf
            if pmf <= 0.0 or math.isnan(pmf):
                break
        out[i] = k
    return out


@pytest.mark.parametrize("n", [0, 1, 5, 28, 31])
def test_binomial_search_equals_its_recurrence(n: int) -> None:
    """Bit-identical (the same operations in order), on random q in (0, 1) (q = 1 - 1e-9
    overflows nothing: pmf0 is tiny), q = 0 (ratio 0, pmf0 1), uniforms at the ends and
    exactly at CDF(0) or CDF(1) (ties)."""
    gen = np.random.default_rng(9 + n)
    size = sized(20_000, 300)
    q = np.concatenate([gen.random(size), [0.0, 1e-300, 0.5, 1.0 - 1e-9, 0.3]])
    u = np.concatenate([gen.random(size), [0.5, 0.5, BELOW_ONE, 0.5, 2.0**-54]])
    u[:40] = gen.choice([2.0**-54, BELOW_ONE, 1.0 - 1e-12], size=40)
    ratio, pmf0 = q / (1.0 - q), (1.0 - q) ** n
    for i in range(40, 100):  # u exactly at CDF(k), k = 0 or 1: that count, not the next
        u[i] = pmf0[i] if i % 2 or n == 0 else pmf0[i] + pmf0[i] * ratio[i] * n / 1.0
    got = kernels.binomial_search(u, ratio, pmf0, n)
    assert_same(got, ref_binomial_search(u, ratio, pmf0, n))
    assert ((got >= 0) & (got <= n)).all()


@pytest.mark.parametrize("n", [1, 28, 31])
def test_binomial_search_equals_scipy_ppf(n: int) -> None:
    """Equal to scipy's binomial quantile for q <= 1/2 (the search's side, `binomial_quantile`)
    and u below 1 - 1e-12 (see the Poisson case); exact, as there."""
    gen = np.random.default_rng(10 + n)
    size = sized(30_000, 300)
    q = np.concatenate([gen.random(size) * 0.5, [0.5, 1e-6]])
    u = np.concatenate([gen.random(size) * (1.0 - 1e-12), [0.5, 1e-12]])
    got = kernels.binomial_search(u, q / (1.0 - q), (1.0 - q) ** n, n)
    assert_same(got, stats.binom.ppf(u, n, q))
    empty = np.empty(0)
    assert_same(kernels.binomial_search(empty, empty, empty, n), empty)
