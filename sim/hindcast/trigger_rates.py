"""How often each Taiwan trigger occurs: a Poisson process whose log rate is a random walk.

The record's trigger occurrences are not stationary: US arms-sale notifications went from
4 in 2013-18 to 17 in 2019-22, senior US visits from 1 to 5. A rate estimated from the
ten years before an origin (the stationary Gamma(n + 0.5, 10) of `trigger_fit.rate_draws`)
averages such a rise away. Here each kind's rate follows a local level, fitted on the
annual counts from 1995 to the origin:

    y_k,t ~ Poisson(r_k,t e_t),   log r_k,t = log r_k,t-1 + sigma z_k,t,   z ~ N(0, 1),

with e_t the share of year t before the cut-off (1, or less in the origin's own year),
log r_k,1995 ~ N(0, 2^2) (rates per year; 0.02-55 a year within 2 sd, judgement: wide),
and one volatility sigma for all kinds with the prior Half-Normal(0.5) per year
(judgement, as the trigger propensity's: over a decade a rate may move by a factor of
about e^1.6 at one sd). The posterior is computed exactly on grids (no sampling error): a
grid of ``GRID_POINTS`` log rates (the hidden state, the forward algorithm of a hidden
Markov model per kind) and a grid of ``SIGMA_POINTS`` volatilities (the marginal
likelihood of each, summed over kinds). Each posterior draw takes a volatility from its
posterior and each kind's level at the origin, log r_k,T, from its filtered distribution
given that volatility; the engine starts each trigger's rate there and carries the walk
on in monthly steps (``rate_volatility``, `sim.engine.mechanisms.triggers.drift_rates`).

Only occurrences dated on or before the cut-off are read (`record.triggers`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.hindcast import record
from sim.hindcast.trigger_fit import FIRST_YEAR, KIND_MAP, THEATRE

KINDS = ("leader_visit", "arms_sale", "transit", "statement")
"""Kinds whose occurrences are a Poisson process in the shipped scenarios (the others,
elections and inaugurations, are on the calendar)."""
PRIOR_LEVEL = (0.0, 2.0)
"""Normal prior (mean, sd) of log r_k,1995, rates per year (judgement, wide)."""
PRIOR_SIGMA_SCALE = 0.5
"""Half-normal scale of the volatility (per year; judgement, as the propensity's)."""
GRID = (math.log(0.005), math.log(60.0))
"""Range of the log-rate grid (rates per year)."""
GRID_POINTS = 400
SIGMA_MAX = 2.0
SIGMA_POINTS = 100


def annual_counts(
    origin: int | str, folder: Path | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Return the years, each kind's occurrences per year and each year's exposure.

    Years run from `FIRST_YEAR` to the cut-off's year; the exposure is the share of each
    year up to the cut-off (1 but in the cut-off's year, `months / 12`).
    """
    cut = record.cutoff(origin)
    last, months = int(cut[:4]), int(cut[5:7])
    years = np.arange(FIRST_YEAR, last + 1)
    counts = {kind: np.zeros(years.size) for kind in KINDS}
    for t in record.triggers(cut, folder=folder):
        kind = KIND_MAP.get(t.kind)
        if t.theatre == THEATRE and kind in counts:
            counts[kind][int(t.date[:4]) - FIRST_YEAR] += 1
    exposure = np.ones(years.size)
    exposure[-1] = months / 12.0
    return years, counts, exposure


def _log_poisson(y: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Return log P(y | mean) for counts `y` (K, 1) and means `mean` (1, G) or (K, G)."""
    return y * np.log(mean) - mean - np.vectorize(math.lgamma)(y + 1.0)


def forward(
    counts: np.ndarray, exposure: np.ndarray, sigma: float, grid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Run the forward algorithm of each kind's local level at one volatility.

    Parameters
    ----------
    counts : (K, T) array
        Occurrences per kind and year.
    exposure : (T,) array
        Share of each year observed.
    sigma : float
        Volatility of the log rate per year.
    grid : (G,) array
        Log rates (evenly spaced).

    Returns
    -------
    log_evidence : (K,) array
        log p(y_k,1..T | sigma) per kind.
    filtered : (K, G) array
        p(log r_k,T | y_k,1..T, sigma) on the grid (sums to 1).
    """
    from scipy.signal import fftconvolve

    mean, sd = PRIOR_LEVEL
    belief = np.exp(-0.5 * ((grid - mean) / sd) ** 2)
    belief = np.broadcast_to(belief / belief.sum(), (counts.shape[0], grid.size)).copy()
    # the walk's step from grid point i to j is phi((g_j - g_i) / sigma) / Z_i, truncated
    # at the grid's ends (Z_i sums row i): a convolution of belief / Z with phi (by FFT,
    # which unlike a matrix product starts no BLAS threads)
    size = grid.size
    kernel = np.exp(-0.5 * ((np.arange(1 - size, size) * (grid[1] - grid[0])) / sigma) ** 2)
    norm = np.array([kernel[size - 1 - i : 2 * size - 1 - i].sum() for i in range(size)])
    log_evidence = np.zeros(counts.shape[0])
    rates = np.exp(grid)[None, :]
    for t in range(counts.shape[1]):
        if t > 0:
            moved = fftconvolve(belief / norm, kernel[None, :], mode="full", axes=1)
            belief = np.maximum(moved[:, size - 1 : 2 * size - 1], 0.0)
        log_like = _log_poisson(counts[:, t : t + 1], rates * exposure[t])
        top = log_like.max(axis=1, keepdims=True)
        belief = belief * np.exp(log_like - top)
        total = belief.sum(axis=1)
        log_evidence += np.log(total) + top[:, 0]
        belief /= total[:, None]
    return log_evidence, belief


@dataclass(frozen=True)
class RatePosterior:
    """The fitted rates at an origin: volatility grid, its posterior, filtered levels.

    Attributes
    ----------
    origin : str
        Cut-off month of the data.
    kinds : tuple of str
        The kinds, in the order of `filtered`'s first axis.
    grid : (G,) array
        Log rates per year.
    sigmas : (S,) array
        Volatility grid (per year).
    weights : (S,) array
        Posterior of the volatility on its grid.
    filtered : (K, S, G) array
        p(log r_k,T | data, sigma_s).
    counts : dict
        The annual counts fitted, by kind.
    """

    origin: str
    kinds: tuple[str, ...]
    grid: np.ndarray
    sigmas: np.ndarray
    weights: np.ndarray
    filtered: np.ndarray
    counts: dict[str, np.ndarray]

    def draws(self, n: int, seed: int = 1) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return `n` joint draws: the volatility (n,) and each kind's rate at T (n,).

        A level is drawn from the grid and spread uniformly over its cell.
        """
        rng = np.random.default_rng(seed)
        pick = rng.choice(self.sigmas.size, size=n, p=self.weights)
        cell = self.grid[1] - self.grid[0]
        rates = {}
        for k, kind in enumerate(self.kinds):
            cum = np.cumsum(self.filtered[k, pick], axis=1)
            u = rng.random(n)[:, None] * cum[:, -1:]
            at = np.minimum((cum < u).sum(axis=1), self.grid.size - 1)
            jitter = (rng.random(n) - 0.5) * cell
            rates[kind] = np.exp(self.grid[at] + jitter)
        return self.sigmas[pick], rates

    def sigma_quantiles(self, q: tuple[float, ...] = (0.05, 0.5, 0.95)) -> list[float]:
        """Quantiles of the volatility's posterior (on its grid)."""
        cum = np.cumsum(self.weights)
        return [
            float(self.sigmas[min(int(np.searchsorted(cum, x)), self.sigmas.size - 1)]) for x in q
        ]

    def rate_summary(self) -> dict[str, tuple[float, float, float]]:
        """Each kind's rate at the origin: posterior median and 90% interval (per year)."""
        out = {}
        for k, kind in enumerate(self.kinds):
            mix = self.weights @ self.filtered[k]
            cum = np.cumsum(mix)
            q = [
                float(np.exp(self.grid[min(int(np.searchsorted(cum, x)), self.grid.size - 1)]))
                for x in (0.5, 0.05, 0.95)
            ]
            out[kind] = (q[0], q[1], q[2])
        return out


def fit(origin: int | str, folder: Path | None = None) -> RatePosterior:
    """Fit the kinds' local levels on the record's annual counts up to `origin`."""
    _, counts, exposure = annual_counts(origin, folder)
    grid = np.linspace(GRID[0], GRID[1], GRID_POINTS)
    step = SIGMA_MAX / SIGMA_POINTS
    sigmas = np.arange(1, SIGMA_POINTS + 1) * step  # cell ends: the prior mass of each cell
    y = np.stack([counts[k] for k in KINDS])
    log_post = -0.5 * (sigmas / PRIOR_SIGMA_SCALE) ** 2
    filtered = np.empty((len(KINDS), sigmas.size, grid.size))
    for s, sigma in enumerate(sigmas):
        evidence, filtered[:, s] = forward(y, exposure, float(sigma), grid)
        log_post[s] += evidence.sum()
    weights = np.exp(log_post - log_post.max())
    return RatePosterior(
        origin=record.cutoff(origin),
        kinds=KINDS,
        grid=grid,
        sigmas=sigmas,
        weights=weights / weights.sum(),
        filtered=filtered,
        counts=counts,
    )


def forecast_counts(
    post: RatePosterior, months: int, draws: int = 4000, seed: int = 1
) -> dict[str, np.ndarray]:
    """Simulate each kind's occurrences in the `months` months after the origin.

    As the engine does: the rate starts at the drawn level and walks in monthly steps of
    sigma / sqrt(12); occurrences are Poisson each month.
    """
    sigma, rates = post.draws(draws, seed)
    rng = np.random.default_rng(seed + 1)
    out = {}
    for kind in post.kinds:
        level = np.zeros(draws)
        total = np.zeros(draws, dtype=np.int64)
        for t in range(months):
            if t > 0:
                level = level + sigma / math.sqrt(12.0) * rng.standard_normal(draws)
            total += rng.poisson(rates[kind] * np.exp(level) / 12.0)
        out[kind] = total
    return out


def stationary_forecast_counts(
    origin: int | str, months: int, draws: int = 4000, seed: int = 1, folder: Path | None = None
) -> dict[str, np.ndarray]:
    """Simulate the same forecast from the stationary rates (Gamma(n + 0.5, 10), `trigger_fit`)."""
    from sim.hindcast.trigger_fit import rate_draws

    rates = rate_draws(origin, draws, seed=seed, folder=folder)
    rng = np.random.default_rng(seed + 1)
    return {kind: rng.poisson(rates[kind] * months / 12.0) for kind in KINDS}


def observed_counts(origin: int | str, last: str, folder: Path | None = None) -> dict[str, int]:
    """Each kind's occurrences after the origin's cut-off, up to month `last`."""
    cut = record.cutoff(origin)
    out = dict.fromkeys(KINDS, 0)
    for t in record.triggers(last, folder=folder):
        kind = KIND_MAP.get(t.kind)
        if t.theatre == THEATRE and kind in out and t.date[:7] > cut:
            out[kind] += 1
    return out


__all__ = [
    "KINDS",
    "RatePosterior",
    "annual_counts",
    "fit",
    "forecast_counts",
    "forward",
    "observed_counts",
    "stationary_forecast_counts",
]
