"""The state-dependent trigger response, fitted on the record up to an origin and scored after it.

The engine's chance that one occurrence of a trigger opens a crisis
(`sim.engine.mechanisms.triggers.response_probability`) is

    logit P = logit p_kind + b_post posture + b_mem M + b_G (G - G0) + b_bal (log B - log B0).

Here the Taiwan theatre's part of it is fitted on the record (`sim.hindcast.record`): every
trigger occurrence 1995 to the origin T (the denominators), whether a named crisis answered
it (``crisis_trigger_links.csv``), and the state at the time, observed:

- ``posture``: 1 while the DPP governs Taipei (``governments_1995_2026.csv``);
- ``M``: crisis memory, the sum over earlier named crises in the theatre of
  exp(-age / tau), tau = ``memory_months`` (24, judgement; not fitted);
- ``log B - log B0``: log(China's / Taiwan's military spending, SIPRI, current USD) of the
  year before the trigger (the latest published then) less its value in the year before
  the origin, so that p_kind is the chance at the origin's balance;
- grievance is latent (no observation), so ``b_G`` is not fitted here (judgement).

The model: logit P = mu + d_kind + lambda_year + effects, with priors
mu ~ N(logit 0.05, 1.5^2) (a trigger rarely opens a named crisis; 0.3%-50% within 2 sd),
d_kind ~ N(0, 1) (kinds differ, shrunk toward each other), b_post ~ N(0, 1),
b_bal ~ N(0, 1) and the informative
b_mem ~ N(1, 0.5^2) (disputes recur soonest after a dispute: Hensel 1994; the record up to
2022 has no Taiwan trigger within two years of a crisis, so it cannot identify b_mem).
lambda_year is the propensity: a random walk in the log-odds over calendar years,
lambda_1995 = 0 and lambda_y = lambda_(y-1) + sigma z_y, z_y ~ N(0, 1), with
sigma ~ Half-Normal(0.5) per year (judgement: over a decade the odds may drift by a factor
of about e^1.6 at one sd; how readily Beijing answers a trigger with a show of force
changes with its policy and capability in ways the observed state does not capture). It is
what lets the response follow the present: the record's own recent years move the level
at the origin, and the forecast carries its further drift (sigma, per year; the engine's
``model.triggers.propensity_volatility``). The engine's reference-state chance per kind is
logistic(mu + d_kind + lambda_T) at the origin's year T.
The posterior is sampled by random-walk Metropolis (fixed seed) started at the mode, its
proposal covariance adapted during the burn-in.

A trigger is used only if its outcome was known at the origin (its month + 1 <= T), and
not while a named crisis was open in the theatre (the model opens no crisis then).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.errors import SimError
from sim.hindcast import record

THEATRE = "taiwan"
KIND_MAP = {
    "us_arms_sale_taiwan": "arms_sale",
    "taiwan_president_us_transit": "transit",
    "us_senior_visit_taiwan": "leader_visit",
    "taiwan_election": "election",
    "taiwan_inauguration": "inauguration",
    "taiwan_leader_statement": "statement",
}
"""Kinds of the record's Taiwan triggers -> the engine's trigger kinds."""
KINDS = tuple(dict.fromkeys(KIND_MAP.values()))
MEMORY_MONTHS = 24.0
"""Crisis-memory e-folding time (judgement, ``model.triggers.memory_months``)."""
EFFECTS = ("posture_effect", "memory_effect", "balance_effect")
FIRST_YEAR = 1995
"""First year of the record's trigger occurrences (the propensity's reference, 0)."""
PRIOR_SIGMA_SCALE = 0.5
"""Half-normal scale of the propensity's annual volatility (log-odds per year; judgement)."""

PRIOR_MU = (math.log(0.05 / 0.95), 1.5)
PRIOR_KIND_SD = 1.0
PRIORS = {"posture_effect": (0.0, 1.0), "memory_effect": (1.0, 0.5), "balance_effect": (0.0, 1.0)}
"""Normal priors (mean, sd) of the effects; see the module docstring."""


def month_index(text: str) -> int:
    """Months since year 0 of an ISO date or month (``YYYY-MM[-DD]``)."""
    return int(text[:4]) * 12 + int(text[5:7]) - 1


def day_index(text: str) -> float:
    """Approximate days since year 0 (a month-only date is taken at its 15th)."""
    day = int(text[8:10]) if len(text) >= 10 else 15
    return month_index(text) * 30.4375 + day


@dataclass(frozen=True)
class TriggerTable:
    """Trigger occurrences with their observed state and outcome.

    Attributes
    ----------
    dates : list of str
        Trigger dates.
    kinds : (n,) int
        Index into `KINDS`.
    posture, memory, balance : (n,) float
        The observed state (see the module docstring).
    opened : (n,) int
        1 if a named crisis answered the trigger.
    years : (n,) int
        Calendar year of each occurrence less `FIRST_YEAR` (its propensity's index).
    """

    dates: list[str]
    kinds: np.ndarray
    posture: np.ndarray
    memory: np.ndarray
    balance: np.ndarray
    opened: np.ndarray
    years: np.ndarray

    @property
    def size(self) -> int:
        """Number of occurrences."""
        return len(self.dates)


def spending_ratio(folder: Path | None = None) -> dict[int, float]:
    """Return log(China / Taiwan military spending) by year (SIPRI, current USD)."""
    path = (folder or record.data_dir()) / "sipri_milex_2025release_long.csv"
    values: dict[tuple[str, int], float] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["variable"] == "milex_current_usd_m" and row["iso3"] in ("CHN", "TWN"):
                values[(row["iso3"], int(row["year"]))] = float(row["value"])
    years = sorted({y for _, y in values})
    return {
        y: math.log(values[("CHN", y)] / values[("TWN", y)])
        for y in years
        if ("CHN", y) in values and ("TWN", y) in values
    }


def _balance_at(ratios: dict[int, float], year: int) -> float:
    """Return the log ratio of the latest year up to `year` (the record's own edge)."""
    known = [y for y in ratios if y <= year]
    if not known:
        raise SimError(f"no SIPRI spending ratio up to {year}")
    return ratios[max(known)]


def build_table(
    origin: int | str,
    first: str = "1995-01",
    last: int | str | None = None,
    memory_months: float = MEMORY_MONTHS,
    reference_year: int | None = None,
    folder: Path | None = None,
) -> TriggerTable:
    """Return the Taiwan trigger occurrences from `first` to `last` as seen at `last`.

    Parameters
    ----------
    origin : int or str
        The origin whose balance is the reference (B0: the year before it).
    first : str
        First month of occurrences included.
    last : int or str, optional
        Cut-off of what is read (default the origin: the fitting table). A later cut-off
        gives the occurrences after the origin for scoring (with `first` after it).
    memory_months, reference_year, folder
        Crisis-memory time, the year whose balance is B0 (default the origin's year - 1)
        and the record's folder.
    """
    cut = record.cutoff(origin if last is None else last)
    origin_year = int(record.cutoff(origin)[:4])
    ref_year = origin_year - 1 if reference_year is None else reference_year
    ratios = spending_ratio(folder)
    b0 = _balance_at(ratios, ref_year)
    known = record.crises(cut, folder=folder)
    crises = [c for c in known if c.theatre == THEATRE]
    links = {(c.trigger_date, c.trigger_kind) for c in crises}
    rows: dict[str, list] = {k: [] for k in ("date", "kind", "post", "mem", "bal", "y")}
    for t in record.triggers(cut, folder=folder):
        if t.theatre != THEATRE or t.kind not in KIND_MAP or t.date[:7] < first:
            continue
        if record.add_months(t.date[:7], 1) > cut:
            continue  # its outcome was not known yet
        day = day_index(t.date)
        linked = (t.date, t.kind) in links
        during = any(
            day_index(c.start) <= day <= day_index(c.end or cut + "-28")
            for c in crises
            if (c.trigger_date, c.trigger_kind) != (t.date, t.kind)
        )
        if during and not linked:
            continue
        memory = sum(
            math.exp(-(month_index(t.date) - month_index(c.start)) / memory_months)
            for c in crises
            if day_index(c.start) < day - 0.5
            and (c.trigger_date, c.trigger_kind) != (t.date, t.kind)
        )
        party = record.party_in_power("TWN", t.date[:7], folder=folder)
        rows["date"].append(t.date)
        rows["kind"].append(KINDS.index(KIND_MAP[t.kind]))
        rows["post"].append(1.0 if party == "DPP" else 0.0)
        rows["mem"].append(memory)
        rows["bal"].append(_balance_at(ratios, int(t.date[:4]) - 1) - b0)
        rows["y"].append(1 if linked else 0)
    return TriggerTable(
        dates=rows["date"],
        kinds=np.array(rows["kind"], dtype=np.int64),
        posture=np.array(rows["post"], dtype=float),
        memory=np.array(rows["mem"], dtype=float),
        balance=np.array(rows["bal"], dtype=float),
        opened=np.array(rows["y"], dtype=np.int64),
        years=np.array([int(d[:4]) - FIRST_YEAR for d in rows["date"]], dtype=np.int64),
    )


# --- the posterior ---------------------------------------------------------------------------

N_FIXED = 1 + len(KINDS) + len(EFFECTS)
"""mu, one deviation per kind, the effects (in `EFFECTS` order); then log sigma and the
propensity's standardised steps z_(FIRST_YEAR + 1) .. z_T (`n_params`)."""
SIGMA = N_FIXED
"""Column of log sigma."""


def n_params(years: int) -> int:
    """Length of a parameter row for a fit over `years` calendar years."""
    return N_FIXED + 1 + (years - 1)


def propensity(theta: np.ndarray) -> np.ndarray:
    """Return the propensity path lambda_y of parameter rows `theta`, (S, years); lambda_0 = 0."""
    theta = np.atleast_2d(theta)
    steps = np.exp(theta[:, SIGMA, None]) * theta[:, SIGMA + 1 :]
    return np.concatenate([np.zeros((theta.shape[0], 1)), np.cumsum(steps, axis=1)], axis=1)


def linear_predictor(theta: np.ndarray, table: TriggerTable) -> np.ndarray:
    """Log-odds of each occurrence under parameter rows `theta` (S, n_params) -> (S, n)."""
    theta = np.atleast_2d(theta)
    mu, kinds = theta[:, :1], theta[:, 1 : 1 + len(KINDS)]
    post, mem, bal = (theta[:, 1 + len(KINDS) + i, None] for i in range(len(EFFECTS)))
    level = propensity(theta)[:, table.years]
    return (
        mu
        + kinds[:, table.kinds]
        + level
        + post * table.posture
        + mem * table.memory
        + bal * table.balance
    )


def log_prior(theta: np.ndarray) -> np.ndarray:
    """Unnormalised log prior density of parameter rows `theta`, (S,).

    sigma ~ Half-Normal(`PRIOR_SIGMA_SCALE`) expressed on log sigma (its Jacobian sigma).
    """
    theta = np.atleast_2d(theta)
    prior = -0.5 * ((theta[:, 0] - PRIOR_MU[0]) / PRIOR_MU[1]) ** 2
    prior = prior - 0.5 * ((theta[:, 1 : 1 + len(KINDS)] / PRIOR_KIND_SD) ** 2).sum(axis=1)
    for i, name in enumerate(EFFECTS):
        mean, sd = PRIORS[name]
        prior = prior - 0.5 * ((theta[:, 1 + len(KINDS) + i] - mean) / sd) ** 2
    log_sigma = theta[:, SIGMA]
    prior = prior - 0.5 * (np.exp(log_sigma) / PRIOR_SIGMA_SCALE) ** 2 + log_sigma
    return prior - 0.5 * (theta[:, SIGMA + 1 :] ** 2).sum(axis=1)


def log_posterior(theta: np.ndarray, table: TriggerTable) -> np.ndarray:
    """Unnormalised log posterior of parameter rows `theta`, (S,)."""
    theta = np.atleast_2d(theta)
    eta = linear_predictor(theta, table)
    y = table.opened
    loglik = (y * eta - np.logaddexp(0.0, eta)).sum(axis=1)
    return loglik + log_prior(theta)


def prior_draws(n: int, seed: int = 0, years: int = 28) -> np.ndarray:
    """Draws from the prior over `years` calendar years, (n, n_params(years))."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, n_params(years)))
    out[:, 0] = rng.normal(*PRIOR_MU, n)
    out[:, 1 : 1 + len(KINDS)] = rng.normal(0.0, PRIOR_KIND_SD, (n, len(KINDS)))
    for i, name in enumerate(EFFECTS):
        out[:, 1 + len(KINDS) + i] = rng.normal(*PRIORS[name], n)
    out[:, SIGMA] = np.log(np.abs(rng.normal(0.0, PRIOR_SIGMA_SCALE, n)))
    out[:, SIGMA + 1 :] = rng.standard_normal((n, years - 1))
    return out


@dataclass
class TriggerPosterior:
    """Posterior draws of the trigger response at an origin.

    Attributes
    ----------
    origin : str
        Cut-off month of the data fitted.
    draws : (S, n_params) float
        Parameter draws (mu, kind deviations, effects, log sigma, propensity steps).
    occurrences, crises : int
        Trigger occurrences fitted and how many a crisis answered.
    acceptance : float
        Metropolis acceptance rate.
    """

    origin: str
    draws: np.ndarray
    occurrences: int
    crises: int
    acceptance: float
    kinds: tuple[str, ...] = field(default=KINDS)

    @property
    def years(self) -> int:
        """Calendar years of the propensity path (`FIRST_YEAR` to the origin's year)."""
        return self.draws.shape[1] - N_FIXED

    def level(self, year: int | None = None) -> np.ndarray:
        """Propensity at `year` (default the origin's: lambda_T), (S,)."""
        index = -1 if year is None else year - FIRST_YEAR
        if not -1 <= index < self.years:
            raise SimError(f"no propensity for {year}: the fit covers {FIRST_YEAR}-{self.origin}")
        return propensity(self.draws)[:, index]

    def volatility(self) -> np.ndarray:
        """Return the propensity's annual volatility sigma, (S,)."""
        return np.exp(self.draws[:, SIGMA])

    def crisis_probability(self, year: int | None = None) -> np.ndarray:
        """Return the reference-state chance per kind at the propensity of `year`, (S, kinds).

        `year` defaults to the origin's.
        """
        level = self.level(year)[:, None]
        eta = self.draws[:, :1] + self.draws[:, 1 : 1 + len(KINDS)] + level
        return 1.0 / (1.0 + np.exp(-eta))

    def effect(self, name: str) -> np.ndarray:
        """Draws of one effect (``posture_effect``, ...)."""
        return self.draws[:, 1 + len(KINDS) + EFFECTS.index(name)]

    def summary(self) -> dict[str, tuple[float, float, float]]:
        """Median and 90% interval of each engine parameter."""
        out: dict[str, tuple[float, float, float]] = {}
        probs = self.crisis_probability()
        for k, kind in enumerate(KINDS):
            q = np.quantile(probs[:, k], [0.05, 0.5, 0.95])
            out[f"crisis_probability[{kind}]"] = (float(q[1]), float(q[0]), float(q[2]))
        named = {name: self.effect(name) for name in EFFECTS}
        named["propensity_volatility"] = self.volatility()
        named["propensity_at_origin"] = self.level()
        for name, values in named.items():
            q = np.quantile(values, [0.05, 0.5, 0.95])
            out[name] = (float(q[1]), float(q[0]), float(q[2]))
        return out


def fit(
    origin: int | str,
    draws: int = 1000,
    thin: int = 40,
    burn: int = 20000,
    seed: int = 1,
    folder: Path | None = None,
) -> TriggerPosterior:
    """Sample the trigger-response posterior from the record up to `origin`.

    Random-walk Metropolis started at the posterior mode; during the burn-in the proposal
    covariance is re-estimated from the chain four times (scaled by 2.38^2 / d, Haario et
    al. 2001), then held fixed while the kept draws are taken.

    Parameters
    ----------
    origin : int or str
        Last month (or year) of data used.
    draws, thin, burn : int
        Kept draws, thinning and burn-in of the Metropolis chain.
    seed : int
        Seed of the chain (the result is a pure function of the data and the seed).
    folder : Path, optional
        The record's folder (default ``data/``).
    """
    from scipy.optimize import minimize

    table = build_table(origin, folder=folder)
    if table.size == 0:
        raise SimError(f"no trigger occurrences up to {record.cutoff(origin)}")
    years = int(record.cutoff(origin)[:4]) - FIRST_YEAR + 1
    dim = n_params(years)
    start = np.zeros(dim)  # the prior means: mu, kinds at 0, effects' means, steps at 0
    start[0] = PRIOR_MU[0]
    for i, name in enumerate(EFFECTS):
        start[1 + len(KINDS) + i] = PRIORS[name][0]
    start[SIGMA] = math.log(PRIOR_SIGMA_SCALE * 0.6745)  # the prior median

    def objective(th: np.ndarray) -> float:
        return -float(log_posterior(th, table)[0])

    best = minimize(objective, start, method="BFGS")
    cov = np.asarray(best.hess_inv) if best.success else np.eye(dim) * 0.1
    cov = 0.5 * (cov + cov.T) + 1e-9 * np.eye(dim)
    scale = 2.38**2 / dim
    chol = np.linalg.cholesky(cov * scale)
    rng = np.random.default_rng(seed)
    current = best.x.copy()
    current_lp = float(log_posterior(current, table)[0])
    kept = np.empty((draws, dim))
    history = np.empty((burn, dim))
    adapt_at = {burn * k // 5 for k in range(1, 5)}
    accepted = 0
    total = burn + draws * thin
    for step in range(total):
        if step in adapt_at:
            recent = history[step // 2 : step]
            emp = np.cov(recent, rowvar=False) + 1e-6 * np.eye(dim)
            chol = np.linalg.cholesky(emp * scale)
        proposal = current + chol @ rng.standard_normal(dim)
        lp = float(log_posterior(proposal, table)[0])
        if math.log(rng.random()) < lp - current_lp:
            current, current_lp = proposal, lp
            if step >= burn:
                accepted += 1
        if step < burn:
            history[step] = current
        elif (step - burn) % thin == thin - 1:
            kept[(step - burn) // thin] = current
    return TriggerPosterior(
        origin=record.cutoff(origin),
        draws=kept,
        occurrences=table.size,
        crises=int(table.opened.sum()),
        acceptance=accepted / max(1, draws * thin),
    )


# --- scores after the origin ----------------------------------------------------------------


@dataclass(frozen=True)
class BrierScores:
    """Brier scores of P(crisis | trigger) on the occurrences after an origin.

    Attributes
    ----------
    origin, until : str
        The fit's cut-off and the last month scored.
    occurrences, crises : int
        Occurrences scored and how many a crisis answered.
    model, by_kind, constant : float
        Brier score of the fitted state-dependent response (posterior mean), of a
        stationary chance per kind (crises / occurrences of the kind up to the origin,
        with one pseudo-crisis in 20 pseudo-occurrences), and of one constant chance
        (all crises / all occurrences up to the origin).
    """

    origin: str
    until: str
    occurrences: int
    crises: int
    model: float
    by_kind: float
    constant: float


NODES = 32
"""Standard normal quantiles the propensity's drift after the origin is averaged over."""


def predictive_probability(posterior: TriggerPosterior, after: TriggerTable) -> np.ndarray:
    """Chance that each occurrence after the origin opens a crisis, (n,).

    The propensity h years after the origin's year is lambda_T + sigma sqrt(h) e, e ~
    N(0, 1) (h from the end of the origin's year; 0 within it); the chance is averaged
    over the posterior draws and `NODES` quantiles of e.
    """
    from scipy.stats import norm

    d = posterior.draws
    fixed = d[:, :1] + d[:, 1 : 1 + len(KINDS)][:, after.kinds]
    for i in range(len(EFFECTS)):
        state = (after.posture, after.memory, after.balance)[i]
        fixed = fixed + d[:, 1 + len(KINDS) + i, None] * state
    last_year = posterior.years - 1
    months = np.array([int(t[5:7]) if len(t) >= 7 else 6 for t in after.dates], dtype=float)
    h = np.maximum(0.0, after.years - last_year - 1 + months / 12.0)
    e = norm.ppf((np.arange(NODES) + 0.5) / NODES)
    level = posterior.level()[:, None, None] + (
        posterior.volatility()[:, None, None] * np.sqrt(h)[None, :, None] * e[None, None, :]
    )
    eta = fixed[:, :, None] + level
    return (1.0 / (1.0 + np.exp(-eta))).mean(axis=(0, 2))


def brier(posterior: TriggerPosterior, until: int | str, folder: Path | None = None) -> BrierScores:
    """Score the fitted response on the occurrences after its origin, up to `until`.

    The state of each scored occurrence (posture, crisis memory, balance) is what was
    observed at its date: a one-step-ahead score of the response, not of the simulated
    path of the state.
    """
    origin = posterior.origin
    after = build_table(origin, first=record.add_months(origin, 1), last=until, folder=folder)
    fitted = build_table(origin, folder=folder)
    if after.size == 0:
        raise SimError(f"no trigger occurrences after {origin} up to {record.cutoff(until)}")
    p_model = predictive_probability(posterior, after)
    counts = np.bincount(fitted.kinds, minlength=len(KINDS)).astype(float)
    hits = np.bincount(fitted.kinds, weights=fitted.opened, minlength=len(KINDS))
    p_kind = ((hits + 1.0) / (counts + 20.0))[after.kinds]
    p_const = np.full(after.size, fitted.opened.mean())
    y = after.opened

    def score(p: np.ndarray) -> float:
        return float(np.mean((p - y) ** 2))

    return BrierScores(
        origin=origin,
        until=record.cutoff(until),
        occurrences=after.size,
        crises=int(y.sum()),
        model=score(p_model),
        by_kind=score(p_kind),
        constant=score(p_const),
    )


RATE_YEARS = 10
"""Years up to the origin over which the occurrence rates are counted."""
RATE_PRIOR_SHAPE = 0.5
"""Jeffreys prior of a Poisson rate: the posterior of n occurrences in Y years is
Gamma(n + 0.5, rate Y)."""


def occurrence_counts(
    origin: int | str, years: int = RATE_YEARS, folder: Path | None = None
) -> dict[str, int]:
    """Occurrences of each kind in the `years` x 12 months up to the origin's month."""
    cut = record.cutoff(origin)
    first = record.add_months(cut, 1 - 12 * years)
    counts = dict.fromkeys(KINDS, 0)
    for t in record.triggers(cut, folder=folder):
        if t.theatre == THEATRE and t.kind in KIND_MAP and t.date[:7] >= first:
            counts[KIND_MAP[t.kind]] += 1
    return counts


def occurrence_rates(
    origin: int | str, years: int = RATE_YEARS, folder: Path | None = None
) -> dict[str, float]:
    """Occurrences per year of each kind in the `years` x 12 months up to the origin's month."""
    return {k: v / years for k, v in occurrence_counts(origin, years, folder).items()}


def rate_draws(
    origin: int | str,
    draws: int,
    seed: int = 1,
    years: int = RATE_YEARS,
    folder: Path | None = None,
) -> dict[str, np.ndarray]:
    """Posterior draws of each kind's occurrence rate (per year), {kind: (draws,)}.

    n occurrences in `years` years with the Jeffreys prior give Gamma(n + 0.5, rate
    `years`): the forecast carries the uncertainty of rates estimated from a few events
    (one statement in ten years is as consistent with 0.02 as with 0.4 a year).
    """
    rng = np.random.default_rng(seed)
    counts = occurrence_counts(origin, years, folder)
    return {kind: rng.gamma(n + RATE_PRIOR_SHAPE, 1.0 / years, draws) for kind, n in counts.items()}


def memory_at(
    month: str, memory_months: float = MEMORY_MONTHS, folder: Path | None = None
) -> float:
    """Crisis memory of the Taiwan theatre at the start of `month` (named crises before it)."""
    before = record.add_months(month, -1)
    return sum(
        math.exp(-(month_index(month) - month_index(c.start)) / memory_months)
        for c in record.crises(before, folder=folder)
        if c.theatre == THEATRE
    )
