"""Simulation-based calibration (Talts et al. 2018) of `sim calibrate` on synthetic data.

Each replication draws true parameters from the prior, simulates "observed" targets at
them with the same model (``obs_runs`` runs: the observation window), fits those targets
with the same sampler, and records where the truth falls among the posterior draws. If
the procedure is calibrated, the ranks are uniform and the central 50% and 90% credible
intervals contain the truth in 50% and 90% of replications.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from sim.calibrate import smc
from sim.calibrate.batch import Population
from sim.calibrate.priors import Calibrated, calibrated_parameters, to_natural, to_unit
from sim.calibrate.targets import Target, log_predictive
from sim.scenario.loader import Scenario

SBC_STEP = 10**6
"""Step number of the synthetic observations' runs (far from any fitting step)."""


@dataclass(frozen=True)
class Replication:
    """One SBC replication: the truth, and its rank and interval hits per parameter."""

    truth: np.ndarray  # (P,) natural units
    rank: np.ndarray  # (P,) share of posterior draws below the truth, in [0, 1]
    in50: np.ndarray  # (P,) bool
    in90: np.ndarray  # (P,) bool


def synthetic_targets(
    scenario: dict,
    paths: Sequence[str],
    template: Sequence[Target],
    values: np.ndarray,
    obs_runs: int,
    seed: int,
) -> list[Target]:
    """Targets observed in `obs_runs` runs at `values` (shares without crises dropped)."""
    observer = Population(scenario, paths, list(template), obs_runs, seed)
    sums = observer(values[None, :], SBC_STEP)[0]
    out = []
    for t, (k, m) in zip(template, sums, strict=True):
        if m <= 0:
            continue
        out.append(replace(t, count=int(k), base=float(m), value=float(k / m)))
    return out


def replicate(
    scenario: Scenario,
    paths: Sequence[str],
    template: Sequence[Target],
    index: int,
    settings: smc.Settings,
    runs: int,
    obs_runs: int,
    seed: int = 0,
) -> Replication:
    """Run replication `index`: truth from the prior, synthetic data, fit, rank."""
    params: list[Calibrated] = calibrated_parameters(scenario, paths)
    rng = smc.stream(seed, index, 99)
    truth = to_natural(params, smc.sample_prior_z(rng, 1, len(params)))[0]
    chosen = [c.path for c in params]
    observed = synthetic_targets(scenario.data, chosen, template, truth, obs_runs, seed + index)
    fit = Population(scenario.data, chosen, observed, runs, seed + index)

    def evaluate(z: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        sums = fit(to_natural(params, z), step)
        return log_predictive(observed, sums).sum(axis=1), sums

    state = smc.run(evaluate, len(params), settings, seed + index)
    u = to_unit(params, to_natural(params, state.z))
    u_true = to_unit(params, truth[None, :])[0]
    rank = (u < u_true).mean(axis=0)
    lo50, hi50 = np.quantile(u, [0.25, 0.75], axis=0)
    lo90, hi90 = np.quantile(u, [0.05, 0.95], axis=0)
    return Replication(
        truth=truth,
        rank=rank,
        in50=(u_true >= lo50) & (u_true <= hi50),
        in90=(u_true >= lo90) & (u_true <= hi90),
    )


def summarise(reps: Sequence[Replication], paths: Sequence[str], bins: int = 10) -> dict:
    """Coverage of the 50% and 90% intervals and a chi-square test of uniform ranks."""
    from scipy import stats

    ranks = np.array([r.rank for r in reps])
    out: dict = {"replications": len(reps), "parameters": {}}
    for p, path in enumerate(paths):
        counts = np.histogram(ranks[:, p], bins=bins, range=(0, 1))[0]
        chi2 = float(((counts - len(reps) / bins) ** 2 / (len(reps) / bins)).sum())
        out["parameters"][path] = {
            "coverage50": float(np.mean([r.in50[p] for r in reps])),
            "coverage90": float(np.mean([r.in90[p] for r in reps])),
            "rank_counts": counts.tolist(),
            "chi2": chi2,
            "p_uniform": float(stats.chi2.sf(chi2, bins - 1)),
        }
    all50 = np.mean([r.in50 for r in reps])
    all90 = np.mean([r.in90 for r in reps])
    out["coverage50"], out["coverage90"] = float(all50), float(all90)
    return out
