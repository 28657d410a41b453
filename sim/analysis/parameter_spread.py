"""Intervals over parameters: how much an outcome depends on the posterior's parameters.

When a scenario names a posterior, run r draws its calibrated parameters theta_r
(``runs.parquet``: ``draw`` and one column per drawn parameter). The outcome a run gives
is its parameters' value m(theta) = E[x | theta] plus the run's own randomness. The
*interval over parameters* is the central range of m(theta) over the posterior; for a
difference between two folders that drew from the same posterior, of
m1(theta) - m0(theta); the *sign share* is the posterior share of draws whose difference
has the sign of the estimated one.

With one or a few runs per draw the per-draw averages are mostly the runs' own noise
(their quantiles would show that noise, and a per-draw analysis of variance estimates no
spread at all for rare outcomes: the degenerate "0.4%-0.4%"). So m(theta) is estimated
by a regression metamodel of the run outcomes on the drawn values (Strong, Oakley &
Brennan 2014, who do the same for the Monte Carlo noise of probabilistic sensitivity
analyses), fitted on every run at once:

* probabilities: logistic regression with Firth's (1993) penalty, finite and less biased
  with few events, and defined with none;
* non-negative means (crises per year, spending, grey-zone counts): a log-linear
  (quasi-Poisson) regression; other means: least squares;
* a paired difference where one folder has too few events for its own fit: least
  squares on the per-run differences (runs with the same seed drew the same parameters);

on the standardised drawn values (constant columns dropped). The intercept is then set so
that the fitted values average to the folder's estimate, so the estimate is the mean of
the distribution the interval describes. m^(theta_r) at every run's draw samples the
posterior by its weights (runs pick draws by weight), and the interval is the central
`level` range of those values (weighted quantiles: none are needed, each run counts once).

What it cannot do: a linear predictor misses interactions and non-monotone effects (the
interval is then too narrow), and the coefficients' own estimation noise widens it a
little (conservative for the sign share: noise flips signs). With fewer than
`FEW_EVENTS` runs having the outcome (or not having it) the fit rests on a handful of
runs; `Metamodel.few` says so and the tables mark it. With fewer than `MIN_EVENTS`
there is too little to attribute: no interval.

Firth D (1993). Bias reduction of maximum likelihood estimates. Biometrika 80:27-38.
Strong M, Oakley JE, Brennan A (2014). Estimating multiparameter partial expected value
of perfect information from a probabilistic sensitivity analysis sample: a nonparametric
regression approach. Medical Decision Making 34:311-326.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FEW_EVENTS = 20
"""Fewer runs than this with the outcome (or without it) mark the interval as unstable."""
MIN_EVENTS = 5
"""Fewer runs than this with the outcome (or without it): no interval (nothing to fit)."""
NOT_PARAMETERS = ("run_id", "seed", "draw", "point_id")
"""``runs.parquet`` columns that are not drawn parameter values."""


@dataclass(frozen=True)
class Metamodel:
    """A fitted m(theta): link, the columns it reads, their scaling and coefficients."""

    link: str  # "logit", "log" or "identity"
    columns: tuple[str, ...]
    centre: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # intercept first
    events: int  # runs with the outcome (probabilities), else runs
    runs: int

    def predict(self, theta: pd.DataFrame) -> np.ndarray:
        """Return m^(theta) at each row of `theta` (which must have `columns`)."""
        x = (theta[list(self.columns)].to_numpy(np.float64) - self.centre) / self.scale
        eta = self.coef[0] + x @ self.coef[1:]
        return _inverse(self.link, eta)

    @property
    def few(self) -> bool:
        """Whether the fit rests on fewer than `FEW_EVENTS` events (or non-events)."""
        if self.link != "logit":
            return self.events < FEW_EVENTS
        return min(self.events, self.runs - self.events) < FEW_EVENTS


def drawn_columns(runs: pd.DataFrame) -> list[str]:
    """Return the drawn parameter columns of a ``runs.parquet`` table (empty: no posterior)."""
    if "draw" not in runs.columns:
        return []
    return [
        c
        for c in runs.columns
        if c not in NOT_PARAMETERS and pd.api.types.is_numeric_dtype(runs[c])
    ]


def _inverse(link: str, eta: np.ndarray) -> np.ndarray:
    if link == "logit":
        return 1.0 / (1.0 + np.exp(-np.clip(eta, -700, 700)))
    if link == "log":
        return np.exp(np.clip(eta, -700, 700))
    return eta


def _firth_logistic(x: np.ndarray, y: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Return the coefficients of a Firth-penalised logistic regression.

    Newton steps with step halving (Heinze & Schemper 2002); `x` has the intercept column
    first.
    """
    beta = np.zeros(x.shape[1])
    mean = float(np.clip(y.mean(), 0.5 / len(y), 1 - 0.5 / len(y)))
    beta[0] = np.log(mean / (1 - mean))

    def penalised(b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        eta = x @ b
        p = 1.0 / (1.0 + np.exp(-np.clip(eta, -700, 700)))
        w = np.maximum(p * (1 - p), 1e-300)
        info = (x * w[:, None]).T @ x
        logdet = np.linalg.slogdet(info)[1]
        loglik = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
        return loglik + 0.5 * logdet, p, info

    value, p, info = penalised(beta)
    for _ in range(iterations):
        inv = np.linalg.pinv(info)
        w = p * (1 - p)
        h = w * np.sum((x @ inv) * x, axis=1)
        step = inv @ (x.T @ (y - p + h * (0.5 - p)))
        for _ in range(20):
            new_value, new_p, new_info = penalised(beta + step)
            if new_value >= value - 1e-9:
                break
            step = step / 2
        beta, gain = beta + step, new_value - value
        value, p, info = new_value, new_p, new_info
        if np.max(np.abs(step)) < 1e-6 or abs(gain) < 1e-7:
            break
    return beta


def _log_linear(x: np.ndarray, y: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Quasi-Poisson regression (log link) by iteratively reweighted least squares."""
    beta = np.zeros(x.shape[1])
    beta[0] = np.log(max(float(y.mean()), 1e-300))
    for _ in range(iterations):
        mu = np.exp(np.clip(x @ beta, -700, 700))
        info = (x * mu[:, None]).T @ x
        step = np.linalg.pinv(info) @ (x.T @ (y - mu))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-9:
            break
    return beta


def _match_mean(link: str, eta: np.ndarray, target: float) -> float:
    """Return the shift of the intercept that makes the fitted values average to `target`."""
    if link == "identity":
        return float(target - eta.mean())
    if link == "log":
        return float(np.log(target) - np.log(np.mean(np.exp(eta - eta.max()))) - eta.max())
    lo, hi = -50.0, 50.0  # the mean of the fitted probabilities is increasing in the shift
    for _ in range(200):
        mid = (lo + hi) / 2
        if float(np.mean(_inverse("logit", eta + mid))) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _independent(raw: np.ndarray, columns: list[int]) -> list[int]:
    """Return `columns` without those linearly dependent on earlier ones (and the intercept).

    A posterior may carry one draw under several names (the trigger kinds' shared rate
    volatility): the copies add nothing to the regression and make its information matrix
    singular, so each is kept once, in the first column that carries it. The test works on
    the columns' correlation matrix (one pass over the runs, then k x k algebra): a column
    is kept when the share of its variance the kept ones leave unexplained exceeds 1e-9.
    """
    x = raw[:, columns] - raw[:, columns].mean(axis=0)
    x = x / np.linalg.norm(x, axis=0)
    corr = x.T @ x
    kept: list[int] = []
    for n in range(len(columns)):
        if kept:
            c = corr[np.ix_(kept, [n])]
            residual = 1.0 - (c.T @ np.linalg.pinv(corr[np.ix_(kept, kept)]) @ c).item()
        else:
            residual = 1.0
        if residual > 1e-9:
            kept.append(n)
    return [columns[n] for n in kept]


def fit(values: np.ndarray, theta: pd.DataFrame, kind: str) -> Metamodel | None:
    """Fit m(theta) to per-run `values` (module doc); None when there is nothing to fit.

    Parameters
    ----------
    values : (R,) float
        The outcome of each run (0/1 for probabilities).
    theta : DataFrame
        The runs' drawn parameter values, one column per parameter, rows as `values`.
    kind : str
        ``probability``, ``mean`` or ``difference`` (per-run differences of paired runs,
        fitted by least squares; fewer than `MIN_EVENTS` non-zero ones: None).

    Returns
    -------
    Metamodel or None
        None without varying parameters, with fewer than two runs, for a probability
        with fewer than `MIN_EVENTS` events (or non-events) and a mean that does not vary.
    """
    y = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(y)
    y, theta = y[ok], theta.loc[ok]
    raw = theta.to_numpy(np.float64) if len(theta.columns) else np.zeros((len(y), 0))
    varying = [i for i in range(raw.shape[1]) if np.ptp(raw[:, i]) > 0]
    if len(y) < 2 or not varying or np.ptp(y) == 0:
        return None
    if kind == "probability" and min(y.sum(), len(y) - y.sum()) < MIN_EVENTS:
        return None
    if kind == "difference" and np.count_nonzero(y) < MIN_EVENTS:
        return None
    varying = _independent(raw, varying)
    raw = raw[:, varying]
    columns = tuple(str(theta.columns[i]) for i in varying)
    centre, scale = raw.mean(axis=0), raw.std(axis=0)
    x = np.column_stack([np.ones(len(y)), (raw - centre) / scale])
    if kind == "probability":
        link = "logit"
        coef = _firth_logistic(x, y)
    elif y.min() >= 0 and kind != "difference":
        link = "log"
        coef = _log_linear(x, y)
    else:
        link = "identity"
        coef = np.linalg.lstsq(x, y, rcond=None)[0]
    coef = coef.copy()
    coef[0] += _match_mean(link, x @ coef, float(y.mean()))
    events = int(round(float(y.sum()))) if kind == "probability" else len(y)
    if kind == "difference":
        events = int(np.count_nonzero(y))
    return Metamodel(link, columns, centre, scale, coef, events, len(y))


def central_range(values: np.ndarray, level: float) -> tuple[float, float]:
    """Return the central `level` range of `values` (empirical quantiles)."""
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(np.asarray(values, dtype=np.float64), [tail, 1.0 - tail])
    return float(lo), float(hi)


def sign_share(diff: np.ndarray, estimate: float) -> float:
    """Return the share of `diff` with the sign of `estimate` (NaN when it is 0)."""
    if not np.isfinite(estimate) or estimate == 0:
        return float("nan")
    return float(np.mean(np.sign(diff) == np.sign(estimate)))


def range_over_parameters(
    runs: pd.DataFrame, values: pd.Series, kind: str, level: float = 0.95
) -> tuple[float, float, bool] | None:
    """Return (low, high, few) of `values` (per run, indexed by run_id) over the posterior.

    None when the folder has no drawn values or the outcome cannot be fitted (module doc).
    """
    columns = drawn_columns(runs)
    if not columns:
        return None
    theta = runs.set_index("run_id")[columns]
    x = values.reindex(theta.index).to_numpy(np.float64)
    m = fit(x, theta, kind)
    if m is None:
        return None
    low, high = central_range(m.predict(theta), level)
    return low, high, m.few
