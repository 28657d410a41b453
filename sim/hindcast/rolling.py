"""Rolling origins: fit the trigger response with data up to each origin, score what followed.

For each origin T the trigger response is fitted on the record up to T
(`sim.hindcast.trigger_fit.fit`) and scored on the trigger occurrences after T (Brier
score, against a stationary chance per kind and one constant chance fitted on the same
data), and the forecast of how often each kind occurs (CRPS of the counts after T, the
local-level rates of `sim.hindcast.trigger_rates` against the stationary ten-year rates).
Where a scenario starts at the origin (``ORIGIN_SCENARIOS``), the model's Taiwan
crisis count over the window after it is simulated and scored too (90% band, CRPS of the
simulated count, and where the count on record falls).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.hindcast import record, trigger_fit, trigger_rates

ORIGINS = (2012, 2016, 2019, 2022)
"""The rolling origins of issue 22."""
SCORED_UNTIL = "2026-01"
"""Last month whose trigger outcomes are scored (a December 2025 trigger's crisis is known
by January 2026)."""
ORIGIN_SCENARIOS = {
    2022: (
        "baseline.toml",
        (
            "events.joint_sword_2023.crisis_probability=0",
            "events.joint_sword_2023.grievance_increase=0",
        ),
    )
}
"""Scenarios that start at an origin (shipped under ``scenarios/``) and the overrides that
remove what they script after it (the baseline scripts Joint Sword of April 2023, known
only after the origin): their crisis counts are scored."""
RATES_SCORED_UNTIL = "2025-12"
"""Last month of the trigger record whose occurrences are scored."""
COUNT_WINDOW = {2022: ("2023-02", "2025-12")}
"""Window of the scored crisis count at each origin with a scenario (its start to the
record's end)."""


@dataclass(frozen=True)
class OriginRow:
    """One origin's scores (NaN where not available)."""

    origin: int
    fitted_occurrences: int
    fitted_crises: int
    scored_occurrences: int
    scored_crises: int
    brier_model: float
    brier_by_kind: float
    brier_constant: float
    rates_crps_model: float = float("nan")
    rates_crps_stationary: float = float("nan")
    rates_covered90: float = float("nan")
    count_observed: float = float("nan")
    count_median: float = float("nan")
    count_low90: float = float("nan")
    count_high90: float = float("nan")
    count_crps: float = float("nan")
    count_pit: float = float("nan")


def crps_sample(samples: np.ndarray, observed: float) -> float:
    """Return the CRPS of an ensemble for one observation.

    E|X - y| - E|X - X'| / 2, exact for the empirical distribution (by sorting).
    """
    x = np.sort(np.asarray(samples, dtype=float))
    n = x.size
    first = np.abs(x - observed).mean()
    weights = 2.0 * np.arange(1, n + 1) - n - 1.0
    second = (weights * x).sum() / (n * n)
    return float(first - second)


def observed_count(first: str, last: str) -> int:
    """Named Taiwan crises that began in [first, last] (read with the cut-off `last`)."""
    return sum(
        1
        for c in record.crises(last)
        if c.theatre == trigger_fit.THEATRE and first <= c.start[:7] <= last
    )


def simulated_counts(
    scenario: Path,
    first: str,
    last: str,
    runs: int,
    seed: int,
    workers: int | None = 1,
    overrides: tuple[str, ...] = (),
) -> np.ndarray:
    """Return the Taiwan crises opened in [first, last] in each run of `scenario`."""
    import tempfile

    from sim.runner.ensemble import run

    with tempfile.TemporaryDirectory() as tmp:
        results = run(
            scenario,
            runs=runs,
            seed=seed,
            out=Path(tmp) / "r",
            workers=workers,
            annual="off",
            overrides=list(overrides),
        )
        crises = results.table("crises")
        start = results.manifest["start"]
    from sim.hindcast.stats import crises_in_window

    return crises_in_window(crises, runs, start, trigger_fit.THEATRE, first, last)


def rate_scores(origin: int, draws: int = 4000, seed: int = 1) -> tuple[float, float, float]:
    """Score the forecast of each kind's occurrences from `origin` to `RATES_SCORED_UNTIL`.

    Returns the CRPS summed over the Poisson kinds of the local-level rates
    (`trigger_rates`, what the engine runs) and of the stationary ten-year rates, and the
    share of kinds whose count lies in the local level's 90% band.
    """
    cut = record.cutoff(origin)
    months = 12 * (int(RATES_SCORED_UNTIL[:4]) - int(cut[:4])) + int(RATES_SCORED_UNTIL[5:7])
    months -= int(cut[5:7])
    observed = trigger_rates.observed_counts(origin, RATES_SCORED_UNTIL)
    model = trigger_rates.forecast_counts(trigger_rates.fit(origin), months, draws, seed)
    stationary = trigger_rates.stationary_forecast_counts(origin, months, draws, seed)
    covered = [
        float(np.quantile(model[k], 0.05) <= observed[k] <= np.quantile(model[k], 0.95))
        for k in trigger_rates.KINDS
    ]
    return (
        sum(crps_sample(model[k], observed[k]) for k in trigger_rates.KINDS),
        sum(crps_sample(stationary[k], observed[k]) for k in trigger_rates.KINDS),
        float(np.mean(covered)),
    )


def origin_row(
    origin: int, scenarios: Path | None = None, runs: int = 1000, seed: int = 1
) -> OriginRow:
    """Fit at `origin`, score the trigger response and, where possible, the crisis count."""
    post = trigger_fit.fit(origin)
    b = trigger_fit.brier(post, SCORED_UNTIL)
    rates_model, rates_stationary, covered = rate_scores(origin, seed=seed)
    row = OriginRow(
        origin=origin,
        fitted_occurrences=post.occurrences,
        fitted_crises=post.crises,
        scored_occurrences=b.occurrences,
        scored_crises=b.crises,
        brier_model=b.model,
        brier_by_kind=b.by_kind,
        brier_constant=b.constant,
        rates_crps_model=rates_model,
        rates_crps_stationary=rates_stationary,
        rates_covered90=covered,
    )
    if origin not in ORIGIN_SCENARIOS or scenarios is None:
        return row
    name, overrides = ORIGIN_SCENARIOS[origin]
    first, last = COUNT_WINDOW[origin]
    counts = simulated_counts(scenarios / name, first, last, runs, seed, overrides=overrides)
    observed = observed_count(first, last)
    lo, med, hi = np.quantile(counts, [0.05, 0.5, 0.95])
    pit = float((counts < observed).mean() + 0.5 * (counts == observed).mean())
    return OriginRow(
        **{
            **asdict(row),
            "count_observed": float(observed),
            "count_median": float(med),
            "count_low90": float(lo),
            "count_high90": float(hi),
            "count_crps": crps_sample(counts, observed),
            "count_pit": pit,
        }
    )


def origins_table(
    origins: tuple[int, ...] = ORIGINS,
    scenarios: Path | None = None,
    runs: int = 1000,
    seed: int = 1,
) -> pd.DataFrame:
    """Return one row per origin and a pooled row.

    The pooled row holds the means over origins; their windows overlap, so the origins
    are not independent tests.
    """
    rows = [asdict(origin_row(t, scenarios, runs, seed)) for t in origins]
    frame = pd.DataFrame(rows)
    pooled: dict[str, object] = {"origin": "pooled"}
    for column in frame.columns[1:]:
        pooled[column] = float(frame[column].mean()) if frame[column].notna().any() else np.nan
    return pd.concat([frame.astype({"origin": object}), pd.DataFrame([pooled])], ignore_index=True)


def format_origins(frame: pd.DataFrame, fmt: str = "table") -> str:
    """Return the trigger-response and crisis-count table as text, Markdown or CSV."""
    if fmt == "csv":
        return frame.to_csv(index=False, float_format="%.4g")
    columns = [
        ("origin", "origin", "{}"),
        ("fitted", "fitted_occurrences", "{:.0f}"),
        ("crises", "fitted_crises", "{:.0f}"),
        ("scored", "scored_occurrences", "{:.0f}"),
        ("crises", "scored_crises", "{:.0f}"),
        ("Brier model", "brier_model", "{:.4f}"),
        ("by kind", "brier_by_kind", "{:.4f}"),
        ("constant", "brier_constant", "{:.4f}"),
        ("rates CRPS", "rates_crps_model", "{:.2f}"),
        ("stationary", "rates_crps_stationary", "{:.2f}"),
        ("in 90%", "rates_covered90", "{:.2f}"),
        ("count obs.", "count_observed", "{:.0f}"),
        ("median", "count_median", "{:.0f}"),
        ("90% band", "band", "{}"),
        ("CRPS", "count_crps", "{:.2f}"),
        ("PIT", "count_pit", "{:.3f}"),
    ]
    rows = []
    for d in frame.to_dict("records"):
        d = dict(d)
        low, high = d["count_low90"], d["count_high90"]
        d["band"] = "-" if pd.isna(low) else f"{low:.0f}-{high:.0f}"
        rows.append(
            [
                "-" if isinstance(d[key], float) and np.isnan(d[key]) else form.format(d[key])
                for _, key, form in columns
            ]
        )
    heads = [head for head, _, _ in columns]
    if fmt == "markdown":
        lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines) + "\n"
