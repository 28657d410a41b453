"""Era targets: crisis counts per theatre and era of the historical run, scored by the model.

The historical scenario (``scenarios/history_2000.toml``, built from data/ by
``scripts/build_history_scenario.py``) starts in January 2000 and runs to December 2022 on
dated inputs: Taiwan's triggers on their record months, the party governing Taipei, actors
at their 2000 spending. Each run's crises are counted per theatre in three eras, set by
who governed Taipei (the posture the trigger response reads) and fixed before any score
was computed:

- 2000-05 .. 2008-04: Chen Shui-bian (DPP);
- 2008-05 .. 2016-04: Ma Ying-jeou (KMT), cross-strait rapprochement;
- 2016-05 .. 2022-12: Tsai Ing-wen (DPP), to the data's end.

(January-April 2000, under the KMT, belongs to no era.) The record's counts are the named
crises of ``data/crisis_trigger_links.csv`` that began in each era. The score of each count
is the simulated distribution of that count (the model's own overdispersion, not a
Poisson assumption): the 90% band, the PIT (mid-rank: share of runs below the record plus
half the share equal to it), P(count = record) and its log (the log score). The six counts
(two theatres, three eras) come from the same runs, so their joint log score is taken from
the runs' joint distribution (`joint_log_score`: the share of runs matching all six,
with one pseudo-run, Laplace) rather than the sum of the six marginals, which would count
correlated evidence as independent. The zeros (no war, blockade or change of holder in
2000-2022) are scored the same way: the share of runs with none.

Two records are scored, because the model's crisis sits between them:

- ``named``: the named crises above (large exercises, missile tests: 1 Taiwan and 2
  Senkaku crises in 2000-2022);
- ``mid``: COW militarized interstate dispute onsets (``data/mid_disputes_list_1990_2014.csv``,
  by start year; CHN-TWN for Taiwan, CHN-JPN for the Senkakus, as the model has no other
  China-Japan theatre) in calendar-year eras 2000-2007 (Chen) and 2008-2014 (Ma, to the
  data's end). MIDs count threats and displays of force, which the calibration's crisis
  rates are fitted to (docs/calibration.md), and which the named-crisis list leaves out.

It is an in-sample check: the parameters were fitted on data to 2022 (the MID rates of
1990-2014 among the calibration's targets).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.hindcast import record
from sim.hindcast.stats import crises_in_window

SCENARIO = "history_2000.toml"
ERAS = (
    ("Chen (DPP)", "2000-05", "2008-04"),
    ("Ma (KMT)", "2008-05", "2016-04"),
    ("Tsai (DPP)", "2016-05", "2022-12"),
)
"""(label, first month, last month) of each era: the governments in Taipei."""
THEATRES = ("taiwan", "senkaku")
MID_ERAS = (("Chen (DPP)", "2000-01", "2007-12"), ("Ma (KMT)", "2008-01", "2014-12"))
"""Calendar-year eras of the MID record (it gives start years only and ends in 2014)."""
MID_FILE = "mid_disputes_list_1990_2014.csv"
MID_DYADS = {"taiwan": "CHN-TWN", "senkaku": "CHN-JPN"}


@dataclass(frozen=True)
class EraRow:
    """The score of one era's crisis count in one theatre."""

    record: str
    theatre: str
    era: str
    first: str
    last: str
    observed: int
    mean: float
    median: float
    low90: float
    high90: float
    pit: float
    p_observed: float
    log_score: float


def observed_counts(folder: Path | None = None) -> dict[tuple[str, str], int]:
    """Named crises that began in each (theatre, era) of the record, read to 2022-12."""
    crises = record.crises(ERAS[-1][2], folder=folder)
    return {
        (theatre, label): sum(
            1 for c in crises if c.theatre == theatre and first <= c.start[:7] <= last
        )
        for theatre in THEATRES
        for label, first, last in ERAS
    }


def mid_counts(folder: Path | None = None) -> dict[tuple[str, str], int]:
    """MID onsets of each theatre's dyad per calendar-year era (`MID_ERAS`)."""
    import csv

    path = (folder or record.data_dir()) / MID_FILE
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [(r["dyad"], int(float(r["start"]))) for r in csv.DictReader(fh)]
    return {
        (theatre, label): sum(
            1
            for dyad, year in rows
            if dyad == MID_DYADS[theatre] and int(first[:4]) <= year <= int(last[:4])
        )
        for theatre in THEATRES
        for label, first, last in MID_ERAS
    }


def simulated_counts(
    crises: pd.DataFrame, runs: int, start: str, eras: tuple[tuple[str, str, str], ...] = ERAS
) -> dict[tuple[str, str], np.ndarray]:
    """Crises opened in each (theatre, era) per run, from a ``crises`` table."""
    return {
        (theatre, label): crises_in_window(crises, runs, start, theatre, first, last)
        for theatre in THEATRES
        for label, first, last in eras
    }


def score(counts: np.ndarray, observed: int) -> tuple[float, float, float]:
    """(PIT, P(count = observed), log score with one pseudo-run) of a simulated count."""
    n = counts.size
    equal = float((counts == observed).sum())
    pit = float((counts < observed).mean() + 0.5 * equal / n)
    p = equal / n
    return pit, p, math.log((equal + 1.0) / (n + 1.0))


def joint_log_score(sims: dict[tuple[str, str], np.ndarray], observed: dict) -> float:
    """Log share of runs matching every count at once (one pseudo-run)."""
    keys = list(observed)
    match = np.all(np.column_stack([sims[k] == observed[k] for k in keys]), axis=1)
    return math.log((float(match.sum()) + 1.0) / (match.size + 1.0))


def era_table(
    runs: int = 1000, seed: int = 1, scenarios: Path | None = None, workers: int | None = 1
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Simulate the historical scenario and score its era counts and zeros.

    Returns
    -------
    (DataFrame, dict)
        One `EraRow` per (theatre, era); and the joint log score, the sum of the marginal
        log scores, and the shares of runs with no war, no blockade and no change of
        holder in 2000-2022 (the record has none).
    """
    import tempfile

    from sim.runner.ensemble import run

    folder = scenarios or Path(__file__).resolve().parents[2] / "scenarios"
    with tempfile.TemporaryDirectory() as tmp:
        results = run(
            folder / SCENARIO,
            runs=runs,
            seed=seed,
            out=Path(tmp) / "r",
            workers=workers,
            annual="off",
        )
        crises = results.table("crises")
        outcomes = results.table("outcomes")
        start = results.manifest["start"]
    sims = simulated_counts(crises, runs, start)
    observed = observed_counts()
    mid_sims = simulated_counts(crises, runs, start, MID_ERAS)
    mids = mid_counts()
    rows = []
    for name, table, obs, eras in (
        ("named", sims, observed, ERAS),
        ("mid", mid_sims, mids, MID_ERAS),
    ):
        for (theatre, label), counts in table.items():
            first, last = next((f, la) for lab, f, la in eras if lab == label)
            lo, med, hi = np.quantile(counts, [0.05, 0.5, 0.95])
            pit, p, log = score(counts, obs[(theatre, label)])
            rows.append(
                EraRow(
                    record=name,
                    theatre=theatre,
                    era=label,
                    first=first,
                    last=last,
                    observed=obs[(theatre, label)],
                    mean=float(counts.mean()),
                    median=float(med),
                    low90=float(lo),
                    high90=float(hi),
                    pit=pit,
                    p_observed=p,
                    log_score=log,
                )
            )
    frame = pd.DataFrame([asdict(r) for r in rows])
    by_run = outcomes.groupby("run_id")
    named = frame[frame["record"] == "named"]
    zeros = {
        "joint_log_score": joint_log_score(sims, observed),
        "sum_marginal_log_scores": float(named["log_score"].sum()),
        "mid_joint_log_score": joint_log_score(mid_sims, mids),
        "p_no_war": float((~by_run["war"].any()).mean()),
        "p_no_blockade": float((~by_run["blockade"].any()).mean()),
        "p_no_holder_change": float((~by_run["holder_changed"].any()).mean()),
        "runs": float(runs),
    }
    return frame, zeros


def format_markdown(frame: pd.DataFrame, zeros: dict[str, float]) -> str:
    """Markdown table of the era scores and a line for the zeros."""
    head = (
        "| record | theatre | era | months | count | model mean | median | 90% band | PIT "
        "| P(count) |\n|---|---|---|---|--:|--:|--:|---|--:|--:|\n"
    )
    body = "".join(
        f"| {r.record} | {r.theatre} | {r.era} | {r.first}..{r.last} | {r.observed} | "
        f"{r.mean:.2f} | "
        f"{r.median:.0f} | {r.low90:.0f}-{r.high90:.0f} | {r.pit:.2f} | {r.p_observed:.3f} |\n"
        for r in frame.itertuples()
    )
    tail = (
        f"\nJoint log score of the six named-crisis counts {zeros['joint_log_score']:.2f} "
        f"(sum of their marginal log scores {zeros['sum_marginal_log_scores']:.2f}); of the "
        f"four MID counts {zeros['mid_joint_log_score']:.2f}; runs with no war "
        f"{zeros['p_no_war']:.1%}, no blockade {zeros['p_no_blockade']:.1%}, no change of "
        f"holder {zeros['p_no_holder_change']:.1%} in 2000-2022 "
        f"({int(zeros['runs']):,} runs; the record has none of the three).\n"
    )
    return head + body + tail
