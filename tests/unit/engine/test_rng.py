"""The counter-based RNG (sim.engine.rng): distributions and independence from the batch.

Sampling-error tolerances: with n draws, a sample mean is checked to within 5 standard
errors (sd / sqrt(n)); a sample variance to within 5 of its standard errors,
sqrt((mu4 - sigma^4) / n). The chance that a correct sampler fails one such check is
below 1e-6, and the seeds are fixed, so the tests are deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_fixtures import GOLDEN, MASK, mix, unmix
from scipy import stats

from sim.engine.rng import CounterRNG, binomial_quantile, mix64, poisson_quantile
from sim.runner.seeds import run_seeds

U_MIN = 2.0**-54  # the smallest uniform the generator returns
U_TOP = 1.0 - 2.0**-53  # the largest double below 1


def seed_with_bits(bits: int, month: int = 0, stream: int = 0) -> np.ndarray:
    """A run seed whose first draw at (month, stream) has the 64 raw bits `bits`.

    The finaliser is a bijection, so it can be inverted: this reaches the extreme raw
    values that a sampling test would need ~2^53 draws to meet.
    """
    counter = (month << 40) | (stream << 20)
    key = unmix(bits) ^ mix((counter * GOLDEN) & MASK)
    return np.array([(unmix(key) - GOLDEN) & MASK], dtype=np.uint64)


def seeds(n: int, master: int = 1) -> np.ndarray:
    return run_seeds(master, np.arange(n))


def check_moments(x: np.ndarray, mean: float, var: float, mu4: float) -> None:
    n = x.size
    assert abs(x.mean() - mean) < 5 * np.sqrt(var / n), (x.mean(), mean)
    se_var = np.sqrt(max(mu4 - var**2, 1e-300) / n)
    assert abs(x.var() - var) < 5 * se_var, (x.var(), var)


def test_uniform_open_interval_and_moments():
    rng = CounterRNG(seeds(2000))
    u = rng.uniform(month=3, stream=7, n=200)  # 400 000 draws
    assert u.shape == (2000, 200)
    assert (u > 0).all() and (u < 1).all()
    check_moments(u.ravel(), 0.5, 1 / 12, 1 / 80)
    # 100 equal bins: chi-square goodness of fit at the 1e-4 level
    counts = np.bincount((u.ravel() * 100).astype(int), minlength=100)
    assert stats.chisquare(counts).pvalue > 1e-4


def test_inverse_finaliser_reaches_chosen_bits():
    for v in (0, 12345, MASK):
        assert unmix(mix(v)) == v
        assert int(mix64(np.array([v], dtype=np.uint64))[0]) == mix(v)
    u = CounterRNG(seed_with_bits(0, 4, 9)).uniform(4, 9, 1)
    assert u[0, 0] == U_MIN
    u = CounterRNG(seed_with_bits(MASK - 2**12, 4, 9)).uniform(4, 9, 1)
    assert u[0, 0] < 1.0


def test_uniform_top_value_stays_below_one():
    rng = CounterRNG(seed_with_bits(MASK))
    assert rng.uniform(0, 0, 1)[0, 0] < 1.0
    assert np.isfinite(rng.normal(0, 0, 1)).all()


def test_sequential_seeds_months_and_streams_are_uncorrelated():
    """Neighbouring seeds (0, 1, 2...), months and streams give independent-looking draws."""
    rng = CounterRNG(np.arange(20000, dtype=np.uint64))
    a = rng.uniform(0, 1, 4)
    b = rng.uniform(1, 1, 4)
    c = rng.uniform(0, 2, 4)
    bound = 5 / np.sqrt(a.shape[0])  # sd of a correlation of independent uniforms
    for x, y in ((a[:, 0], a[:, 1]), (a[:, 0], b[:, 0]), (a[:, 0], c[:, 0]), (a[1:, 0], a[:-1, 0])):
        assert abs(np.corrcoef(x, y)[0, 1]) < bound
    assert len(np.unique(np.concatenate([a.ravel(), b.ravel(), c.ravel()]))) == 3 * a.size


def test_normal_moments():
    z = CounterRNG(seeds(1000)).normal(2, 5, 200).ravel()
    assert np.isfinite(z).all()
    check_moments(z, 0.0, 1.0, 3.0)


@pytest.mark.parametrize("p", [0.0, 0.01, 0.3, 0.5, 0.97, 1.0])
def test_bernoulli(p):
    draws = CounterRNG(seeds(1000)).bernoulli(np.full((1000, 100), p), 0, 3)
    k = int(draws.sum())
    if p in (0.0, 1.0):
        assert k == int(p * draws.size)
    else:
        assert stats.binomtest(k, draws.size, p).pvalue > 1e-4


@pytest.mark.parametrize("lam", [0.05, 0.8, 4.0, 12.5, 29.0, 30.0, 55.0, 400.0, 5000.0])
def test_poisson_moments_match_scipy(lam):
    rng = CounterRNG(seeds(2000, master=int(lam * 10)))
    x = rng.poisson(np.full((2000, 100), lam), 5, 1).ravel()
    assert (x >= 0).all() and (x == np.round(x)).all()
    dist = stats.poisson(lam)
    check_moments(
        x,
        dist.mean(),
        dist.var(),
        dist.moment(4) - 4 * lam * dist.moment(3) + 6 * lam**2 * dist.moment(2) - 3 * lam**4,
    )


@pytest.mark.parametrize("lam", [1e-6, 0.05, 0.8, 4.0, 12.5, 29.0, 29.999])
def test_poisson_quantile_equals_scipy_ppf_below_30(lam):
    u = CounterRNG(seeds(1000, master=3)).uniform(0, 9, 200).ravel()
    u = np.concatenate([u, [U_MIN, 1e-12, 0.5, 1 - 1e-12]])  # see the binomial note
    got = poisson_quantile(u, np.full(u.shape, lam))
    np.testing.assert_array_equal(got, stats.poisson.ppf(u, lam))


def test_poisson_quantile_top_uniform_is_finite():
    """Near 1 scipy's ppf returns inf; the sampler returns a finite far-tail count."""
    for lam in (0.5, 5.0, 29.0):
        k = poisson_quantile(np.array([U_TOP]), np.array([lam]))[0]
        assert np.isfinite(k)
        assert stats.poisson.sf(k, lam) < 1e-14  # at or beyond the 1 - 1e-14 quantile


@pytest.mark.parametrize(
    "n,p",
    [(28, 0.02), (30, 0.5), (31, 0.2), (31, 0.77), (31, 0.999), (1, 0.3), (31, 0.0), (31, 1.0)],
)
def test_binomial_moments_match_scipy(n, p):
    rng = CounterRNG(seeds(2000, master=n))
    x = rng.binomial(n, np.full((2000, 100), p), 4, 2).ravel()
    assert ((x >= 0) & (x <= n)).all()
    dist = stats.binom(n, p)
    if p in (0.0, 1.0):
        assert (x == n * p).all()
        return
    mu = dist.mean()
    mu4 = sum(dist.pmf(k) * (k - mu) ** 4 for k in range(n + 1))
    check_moments(x, mu, dist.var(), mu4)


@pytest.mark.parametrize(
    "n,p", [(28, 0.02), (30, 0.5), (31, 0.2), (31, 0.77), (31, 0.999), (29, 0.6), (1, 0.3)]
)
def test_binomial_quantile_equals_scipy_ppf(n, p):
    u = CounterRNG(seeds(1000, master=5)).uniform(1, 9, 200).ravel()
    # exact except within ~1e-15 of 1, where summing the pmf cannot resolve the CDF
    u = np.concatenate([u, [1e-12, 0.5, 1 - 1e-12]])
    got = binomial_quantile(u, n, np.full(u.shape, p))
    np.testing.assert_array_equal(got, stats.binom.ppf(u, n, p))


@pytest.mark.parametrize("n,p", [(31, 0.9), (28, 0.999)])
def test_binomial_quantile_smallest_uniform_with_p_above_half(n, p):
    got = binomial_quantile(np.array([U_MIN]), n, np.array([p]))
    np.testing.assert_array_equal(got, stats.binom.ppf([U_MIN], n, p))


def test_results_independent_of_batch_composition():
    """A run's draws depend only on its seed, not on which or how many runs share the batch."""
    s = seeds(500, master=11)
    full = CounterRNG(s)
    perm = np.random.default_rng(1).permutation(500)
    shuffled = CounterRNG(s[perm])
    single = CounterRNG(s[123:124])
    lam = np.linspace(0.1, 80.0, 500)[:, None] * np.ones((1, 6))
    pb = np.linspace(0.01, 0.99, 500)[:, None] * np.ones((1, 6))
    for month, stream in ((0, 1), (17, 1000), (1199, 31)):
        u = full.uniform(month, stream, 6)
        np.testing.assert_array_equal(shuffled.uniform(month, stream, 6), u[perm])
        np.testing.assert_array_equal(single.uniform(month, stream, 6), u[123:124])
        np.testing.assert_array_equal(full.uniform(month, stream, 3), u[:, :3])  # prefix
        x = full.poisson(lam, month, stream)
        np.testing.assert_array_equal(shuffled.poisson(lam[perm], month, stream), x[perm])
        np.testing.assert_array_equal(single.poisson(lam[123:124], month, stream), x[123:124])
        y = full.binomial(31, pb, month, stream)
        np.testing.assert_array_equal(shuffled.binomial(31, pb[perm], month, stream), y[perm])
        np.testing.assert_array_equal(single.binomial(31, pb[123:124], month, stream), y[123:124])
        z = full.normal(month, stream, 2)
        np.testing.assert_array_equal(single.normal(month, stream, 2), z[123:124])


def test_large_seeds_and_duplicates():
    big = np.array([0, 2**63 - 1, 2**64 - 1, 2**64 - 1], dtype=np.uint64)
    u = CounterRNG(big).uniform(0, 0, 8)
    assert ((u > 0) & (u < 1)).all()
    np.testing.assert_array_equal(u[2], u[3])
    assert not np.array_equal(u[0], u[1])
