"""Adaptive tempered sequential Monte Carlo with pseudo-marginal moves.

The sampler targets ``p(theta) L(theta)^beta`` for a temperature ``beta`` rising from 0
(the prior) to 1 (the posterior) (Del Moral, Doucet & Jasra 2006). Each temperature is
chosen so that the effective sample size of the reweighted population is `ess_fraction`
of its size (Jasra et al. 2011); the population is then resampled (systematic) and moved
by random-walk Metropolis-Hastings on the unconstrained scale, with the proposal
covariance scaled from the population's (Roberts & Rosenthal 2001). The likelihood is an
estimate from simulations (`sim.calibrate.targets`): a particle keeps its estimate until a
move is accepted (pseudo-marginal, Andrieu & Roberts 2009), so the chain targets the
posterior of that estimate.

Every step that simulates (the first population and each move) is one call of the
``evaluate`` function on the whole population, numbered by a step counter; every random
draw comes from ``Generator(PCG64(SeedSequence([seed, step, purpose])))``. The state after
each step is a plain `SMCState` that `sim.calibrate.store` writes to disk: a run resumed
from any saved step takes exactly the same path as one that was never interrupted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

import numpy as np

from sim.calibrate.priors import log_prior_z, sample_prior_z

Evaluate = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]
"""(z (N, D), step) -> (log-likelihood (N,), extra per-particle statistics (N, ...))."""

PRIOR, RESAMPLE, PROPOSE, ACCEPT = 0, 1, 2, 3
"""Purposes of the random streams of a step."""


@dataclass
class Settings:
    """Tuning of the sampler.

    Attributes
    ----------
    particles : int
        Population size N.
    ess_fraction : float
        Effective sample size kept at each temperature, as a share of N.
    min_moves, max_moves : int
        Metropolis-Hastings moves per temperature: at least `min_moves`, then until a
        particle's chance of never having moved falls below `stay_target`, at most
        `max_moves`.
    stay_target : float
        See above.
    """

    particles: int = 256
    ess_fraction: float = 0.5
    min_moves: int = 2
    max_moves: int = 6
    stay_target: float = 0.1


@dataclass
class SMCState:
    """Everything the sampler needs to continue (saved after each simulating step).

    Attributes
    ----------
    step : int
        Simulating steps done.
    beta : float
        Current temperature.
    z : (N, D) float
        Particles on the unconstrained scale.
    loglik : (N,) float
        Their likelihood estimates.
    extra : (N, ...) float
        Their simulated statistics (posterior predictive).
    moves : int
        Moves done at the current temperature.
    stay : float
        Chance that a particle has not moved at this temperature.
    scale : float
        Random-walk scale (times the population's covariance).
    done : bool
        Whether the population is the posterior.
    log_evidence : float
        Running estimate of the log marginal likelihood.
    betas, ess, acceptance : list of float
        History: temperatures, effective sample sizes before resampling, acceptance rates.
    """

    step: int
    beta: float
    z: np.ndarray
    loglik: np.ndarray
    extra: np.ndarray
    moves: int = 0
    stay: float = 1.0
    scale: float = 1.0
    done: bool = False
    log_evidence: float = 0.0
    betas: list[float] = field(default_factory=list)
    ess: list[float] = field(default_factory=list)
    acceptance: list[float] = field(default_factory=list)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez``."""
        return {f.name: np.asarray(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_arrays(cls, data: dict[str, np.ndarray]) -> SMCState:
        """Inverse of `to_arrays`."""
        kw: dict = {}
        for f in fields(cls):
            a = data[f.name]
            if f.name in ("z", "loglik", "extra"):
                kw[f.name] = np.array(a)
            elif f.name in ("betas", "ess", "acceptance"):
                kw[f.name] = [float(x) for x in np.atleast_1d(a)]
            elif f.name in ("step", "moves"):
                kw[f.name] = int(a)
            elif f.name == "done":
                kw[f.name] = bool(a)
            else:
                kw[f.name] = float(a)
        return cls(**kw)


def stream(seed: int, step: int, purpose: int) -> np.random.Generator:
    """Return the random stream of one purpose at one step."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, step, purpose])))


def ess_of(logw: np.ndarray) -> float:
    """Effective sample size of log-weights."""
    w = np.exp(logw - logw.max())
    return float(w.sum() ** 2 / (w * w).sum())


def next_beta(beta: float, loglik: np.ndarray, target: float) -> float:
    """Return the largest temperature <= 1 whose reweighting keeps ESS >= `target` (bisection)."""
    if ess_of((1.0 - beta) * loglik) >= target:
        return 1.0
    lo, hi = beta, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if ess_of((mid - beta) * loglik) >= target:
            lo = mid
        else:
            hi = mid
    return max(lo, beta + 1e-9)


def systematic(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Systematic resampling: indices of N particles drawn with probability `weights`."""
    n = len(weights)
    edges = np.cumsum(weights / weights.sum())
    edges[-1] = 1.0
    return np.searchsorted(edges, (rng.uniform() + np.arange(n)) / n)


def start(evaluate: Evaluate, dims: int, settings: Settings, seed: int) -> SMCState:
    """Draw the first population from the prior and simulate it (step 0)."""
    z = sample_prior_z(stream(seed, 0, PRIOR), settings.particles, dims)
    loglik, extra = evaluate(z, 0)
    scale = 2.38 / np.sqrt(dims)
    return SMCState(step=1, beta=0.0, z=z, loglik=loglik, extra=extra, scale=scale)


def _reweight(state: SMCState, settings: Settings, seed: int) -> None:
    """Raise the temperature, update the evidence, resample."""
    n = len(state.loglik)
    beta = next_beta(state.beta, state.loglik, settings.ess_fraction * n)
    logw = (beta - state.beta) * state.loglik
    top = logw.max()
    state.log_evidence += float(top + np.log(np.mean(np.exp(logw - top))))
    state.ess.append(ess_of(logw))
    idx = systematic(np.exp(logw - top), stream(seed, state.step, RESAMPLE))
    state.z, state.loglik, state.extra = state.z[idx], state.loglik[idx], state.extra[idx]
    state.beta = beta
    state.betas.append(beta)
    state.moves, state.stay = 0, 1.0


def _move(state: SMCState, evaluate: Evaluate, seed: int) -> None:
    """One Metropolis-Hastings move of every particle (one simulating step)."""
    n, dims = state.z.shape
    cov = np.atleast_2d(np.cov(state.z, rowvar=False)) + 1e-9 * np.eye(dims)
    chol = np.linalg.cholesky(cov)
    noise = stream(seed, state.step, PROPOSE).standard_normal((n, dims))
    proposal = state.z + state.scale * noise @ chol.T
    loglik, extra = evaluate(proposal, state.step)
    log_ratio = log_prior_z(proposal) - log_prior_z(state.z) + state.beta * (loglik - state.loglik)
    u = stream(seed, state.step, ACCEPT).uniform(size=n)
    accept = np.log(u) < log_ratio
    state.z = np.where(accept[:, None], proposal, state.z)
    state.loglik = np.where(accept, loglik, state.loglik)
    shape = (n,) + (1,) * (state.extra.ndim - 1)
    state.extra = np.where(accept.reshape(shape), extra, state.extra)
    rate = float(accept.mean())
    state.acceptance.append(rate)
    state.stay *= 1.0 - rate
    state.moves += 1
    state.step += 1
    # keep the acceptance rate near 0.3 by adapting the scale (deterministic)
    state.scale *= float(np.exp(rate - 0.3))


def advance(state: SMCState, evaluate: Evaluate, settings: Settings, seed: int) -> SMCState:
    """Do the next simulating step (reweighting first when a temperature is finished)."""
    finished = state.moves >= settings.max_moves or (
        state.moves >= settings.min_moves and state.stay <= settings.stay_target
    )
    if state.beta == 0.0 and not state.betas or finished:
        if state.beta >= 1.0 and state.betas:
            state.done = True
            return state
        _reweight(state, settings, seed)
    _move(state, evaluate, seed)
    return state


def run(
    evaluate: Evaluate,
    dims: int,
    settings: Settings,
    seed: int,
    state: SMCState | None = None,
    checkpoint: Callable[[SMCState], None] | None = None,
) -> SMCState:
    """Run (or continue) the sampler to the posterior, calling `checkpoint` after each step."""
    if state is None:
        state = start(evaluate, dims, settings, seed)
        if checkpoint:
            checkpoint(state)
    while not state.done:
        state = advance(state, evaluate, settings, seed)
        if checkpoint and not state.done:
            checkpoint(state)
    if checkpoint:
        checkpoint(state)
    return state
