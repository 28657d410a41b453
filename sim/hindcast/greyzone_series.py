"""Grey-zone record series at an origin: the data known at T, their trend and the benchmarks.

The pieces of the rolling-origin grey-zone forecasts (`sim.hindcast.greyzone_origins`,
whose docstring states every choice) that read only the record: the series and their
simulated counterparts, the observations known at an origin and their annual changes on
the model's scale, the damped trend picked by a backtest on the years before the origin,
and the three simple forecasters with their closed-form CRPS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import norm

from sim.hindcast import record

WINDOW = 10
"""Years of data (up to T) the drifts, volatilities and benchmarks are estimated on."""
MIN_CHANGES = 3
"""Fewer annual changes than this: drift 0 and the fallback volatility."""
DEFAULT_VOLATILITY = 0.21
"""Fallback annual volatility (log or logit units): the model default of
``level_volatility_per_year`` (docs/MODEL.md 7.3)."""
DAYS_SHIFT = 0.5
"""Added to days before logs or logits (some years have 0 intrusion days)."""


@dataclass(frozen=True)
class SeriesSpec:
    """A record series and the simulated activity it is compared with."""

    name: str
    record: str
    metric: str
    subject: str
    theatre: str
    activity: str
    days: bool
    fiscal: bool


SERIES = (
    SeriesSpec(
        name="adiz",
        record="taiwan_adiz_pla_aircraft",
        metric="adiz_incursions",
        subject="taiwan",
        theatre="taiwan",
        activity="adiz_incursions",
        days=False,
        fiscal=False,
    ),
    SeriesSpec(
        name="scrambles_china",
        record="jasdf_scrambles_vs_china",
        metric="scrambles",
        subject="JPN",
        theatre="senkaku",
        activity="air_approaches",
        days=False,
        fiscal=True,
    ),
    SeriesSpec(
        name="presence_days",
        record="senkaku_cz_days",
        metric="presence_days",
        subject="senkaku",
        theatre="senkaku",
        activity="presence_days",
        days=True,
        fiscal=False,
    ),
    SeriesSpec(
        name="intrusion_days",
        record="senkaku_ts_intrusion_days",
        metric="intrusion_days",
        subject="senkaku",
        theatre="senkaku",
        activity="intrusion_days",
        days=True,
        fiscal=False,
    ),
)


# --------------------------------------------------------------------------- data up to T


def known(origin: int, spec: SeriesSpec, folder: Path | None = None) -> dict[int, float]:
    """Observations of `spec` known at the end of `origin`, last `WINDOW` years: {year: value}."""
    rows = {o.year: o.value for o in record.greyzone(origin, spec.record, folder=folder)}
    if not rows:
        return {}
    last = max(rows)
    return {y: v for y, v in sorted(rows.items()) if y > last - WINDOW}


def model_scale(values: np.ndarray, days: bool) -> np.ndarray:
    """Return values on the model's scale: log for counts, logit of (days + 0.5) / 366 for days."""
    v = np.asarray(values, dtype=float)
    if days:
        p = (v + DAYS_SHIFT) / (365.0 + 2 * DAYS_SHIFT)
        return np.log(p / (1.0 - p))
    return np.log(v)


def changes(data: dict[int, float], transform: Any) -> np.ndarray:
    """Annual changes of transform(value) over consecutive years of `data`."""
    years = sorted(data)
    out = [
        float(transform(np.array([data[y]]))[0] - transform(np.array([data[y - 1]]))[0])
        for y in years
        if y - 1 in data
    ]
    return np.asarray(out, dtype=float)


def drift_volatility(d: np.ndarray) -> tuple[float, float]:
    """(drift, volatility) of annual changes `d` by the module's rule."""
    if d.size >= MIN_CHANGES:
        return float(d.mean()), float(d.std(ddof=1))
    if d.size:
        return 0.0, max(DEFAULT_VOLATILITY, float(np.sqrt(np.mean(d**2))))
    return 0.0, DEFAULT_VOLATILITY


DAMPING_CANDIDATES = (0.0, 0.5, 0.8, 0.95, 1.0)
"""Annual drift persistences (``drift_persistence_per_year``) the origin's backtest picks
from: 0, the drift fades within the first month (a random walk); 1, it never fades."""
BACKTEST_YEARS = 6
"""Pseudo-origins of the backtest: the last years before the origin (each needs
`MIN_CHANGES` changes before it)."""
BACKTEST_HORIZON = 3
"""Years ahead each pseudo-origin's median path is scored (up to the origin's data)."""


def cumulative_drift(drift: float, keep: float, years: float) -> float:
    """Level added by a drift damped as in the engine over `years` (monthly steps).

    sum_{k < 12 years} drift / 12 keep^(k/12) (MODEL.md 7.3): drift x years at keep 1,
    drift / 12 at keep 0 (the first month's step only).
    """
    months = int(round(12 * years))
    kappa = keep ** (1.0 / 12.0)
    if kappa >= 1.0:
        return drift * months / 12.0
    return drift / 12.0 * (1.0 - kappa**months) / (1.0 - kappa)


def backtest_errors(origin: int, folder: Path | None = None) -> dict[float, float]:
    """Mean absolute error of the damped median path at pseudo-origins before `origin`.

    For every forecast series, every pseudo-origin t among the `BACKTEST_YEARS` years
    before the last one known at the origin (with at least `MIN_CHANGES` annual changes
    known by t) and every horizon h = 1..`BACKTEST_HORIZON` with t + h known at the
    origin: the drift is estimated as the module estimates it at an origin (mean of the
    changes of the last up to `WINDOW` years to t), the median path is x_t +
    `cumulative_drift`(drift, keep, h) on the model's scale (log or logit), and the error
    is |x_(t+h) - path|. Only data known at the origin enter. Returns {keep: mean error}.
    """
    errors: dict[float, list[float]] = {keep: [] for keep in DAMPING_CANDIDATES}
    for spec in SERIES:
        rows = {o.year: o.value for o in record.greyzone(origin, spec.record, folder=folder)}
        if len(rows) < MIN_CHANGES + 2:
            continue
        years = sorted(rows)
        last = years[-1]
        scale = {y: float(model_scale(np.array([rows[y]]), spec.days)[0]) for y in years}
        for t in range(last - BACKTEST_YEARS, last):
            window = {y: rows[y] for y in years if t - WINDOW < y <= t}
            d = changes(window, lambda v, spec=spec: model_scale(v, spec.days))
            if t not in rows or d.size < MIN_CHANGES:
                continue
            drift = float(d.mean())
            for h in range(1, BACKTEST_HORIZON + 1):
                if t + h not in scale:
                    continue
                for keep in DAMPING_CANDIDATES:
                    path = scale[t] + cumulative_drift(drift, keep, h)
                    errors[keep].append(abs(scale[t + h] - path))
    return {keep: float(np.mean(e)) if e else float("nan") for keep, e in errors.items()}


def select_damping(origin: int, folder: Path | None = None) -> float:
    """Return the persistence with the smallest backtest error at `origin` (1 if none)."""
    errors = backtest_errors(origin, folder)
    scored = {k: v for k, v in errors.items() if not math.isnan(v)}
    return min(scored, key=lambda k: (scored[k], k)) if scored else 1.0


def _clip_days(v: float) -> float:
    return float(min(max(v, DAYS_SHIFT), 365.0 - DAYS_SHIFT))


# --------------------------------------------------------------------------- scores


def crps_ensemble(draws: Any, y: float) -> float:
    """Exact CRPS of the empirical distribution of `draws` at `y`.

    CRPS = E|X - y| - E|X - X'| / 2, with E|X - X'| = 2 / M^2 sum_i (2i - M - 1) x_(i) over
    the sorted draws x_(1) <= ... <= x_(M).
    """
    x = np.sort(np.asarray(draws, dtype=float).ravel())
    m = x.size
    if m == 0:
        return float("nan")
    weights = 2.0 * np.arange(1, m + 1) - m - 1.0
    return float(np.mean(np.abs(x - y)) - float(np.dot(weights, x)) / (m * m))


def crps_normal(mu: float, sd: float, y: float) -> float:
    """Closed-form CRPS of N(mu, sd^2) at `y` (Gneiting & Raftery 2007)."""
    z = (y - mu) / sd
    return float(sd * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi)))


def crps_lognormal(mu: float, sigma: float, y: float) -> float:
    """Closed-form CRPS of the lognormal ln X ~ N(mu, sigma^2) at `y` > 0 (Baran & Lerch 2015)."""
    if y <= 0:
        return float(math.exp(mu + sigma**2 / 2) - y)
    z = (math.log(y) - mu) / sigma
    return float(
        y * (2 * norm.cdf(z) - 1)
        - 2
        * math.exp(mu + sigma**2 / 2)
        * (norm.cdf(z - sigma) + norm.cdf(sigma / math.sqrt(2)) - 1)
    )


@dataclass(frozen=True)
class Benchmark:
    """One simple forecaster's predictive distribution for one target."""

    kind: str  # "normal" or "lognormal" (of y + shift)
    loc: float
    scale: float
    shift: float = 0.0

    def crps(self, y: float) -> float:
        """CRPS at `y`."""
        if self.kind == "normal":
            return crps_normal(self.loc, self.scale, y)
        return crps_lognormal(self.loc, self.scale, y + self.shift)

    def interval(self, z: float) -> tuple[float, float]:
        """Central interval at the normal quantile `z`."""
        if self.kind == "normal":
            return self.loc - z * self.scale, self.loc + z * self.scale
        lo, hi = math.exp(self.loc - z * self.scale), math.exp(self.loc + z * self.scale)
        return lo - self.shift, hi - self.shift


def benchmarks(data: dict[int, float], days: bool, target: int) -> dict[str, Benchmark]:
    """Return the three forecasters of `target` from `data` (the known years only)."""
    years = sorted(data)
    last_year = years[-1]
    last = data[last_year]
    h = float(target - last_year)
    level = changes(data, lambda v: v)
    s = float(np.sqrt(np.mean(level**2))) if level.size else DEFAULT_VOLATILITY * last
    persist = Benchmark("normal", last, max(s, 1e-9) * math.sqrt(h))
    shift = DAYS_SHIFT if days else 0.0
    logs = changes(data, lambda v: np.log(v + shift))
    _, sigma = drift_volatility(logs)  # sd of the log changes, or the fallback
    log_rw = Benchmark("lognormal", math.log(last + shift), max(sigma, 1e-9) * math.sqrt(h), shift)
    if len(years) >= 3:
        t = np.asarray(years, dtype=float)
        v = np.asarray([data[y] for y in years], dtype=float)
        slope, intercept = np.polyfit(t, v, 1)
        resid = v - (intercept + slope * t)
        se = float(np.sqrt(np.sum(resid**2) / (t.size - 2)))
        sxx = float(np.sum((t - t.mean()) ** 2))
        sd = se * math.sqrt(1 + 1 / t.size + (target - t.mean()) ** 2 / sxx)
        trend = Benchmark("normal", float(intercept + slope * target), max(sd, 1e-9))
    else:
        trend = persist
    return {"persistence": persist, "log_rw": log_rw, "trend": trend}
