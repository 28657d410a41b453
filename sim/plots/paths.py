"""The report's "paths to escalation": what happened in the runs that reached rung 4 or higher.

From ``outcomes.parquet`` (first crisis, crises, highest rung, war, holder change, allies
joined) and, when present, ``annual.parquet`` (the year the ladder first reached rung 4).
If the folder also holds a crisis log ``crises.parquet`` (one row per crisis: run_id,
theatre, opened_month, trigger, challenger, defender, parties, peak_rung, ended_month,
ending), the section adds how crises started, one row per trigger (kind and name), and
how far each climbed.
Every piece is optional: a missing table or column drops its rows, never the report.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.schema import RUNG_NAMES

THRESHOLD = 4
"""Runs whose highest rung is at least this (coercion) are the escalated runs."""
EXAMPLES = 10


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _month(manifest: dict[str, Any], month: float | None) -> str:
    if month is None or pd.isna(month):
        return "–"
    y, m = (int(x) for x in str(manifest["start"]).split("-"))
    total = y * 12 + m - 1 + int(month)
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _share(k: int, n: int) -> str:
    return f"{k:,} ({k / n:.1%})" if n else "–"


def _median_month(manifest: dict[str, Any], values: pd.Series) -> str:
    v = values.dropna()
    if v.empty:
        return "–"
    q1, med, q3 = (float(np.quantile(v, q, method="lower")) for q in (0.25, 0.5, 0.75))
    return f"{_month(manifest, med)} (middle half {_month(manifest, q1)} to {_month(manifest, q3)})"


def first_year_at(annual: pd.DataFrame, theatre: str, rung: int = THRESHOLD) -> pd.Series:
    """Return, per run, the first calendar year the theatre's highest rung was >= `rung`."""
    if annual is None or len(annual) == 0:
        return pd.Series(dtype="float64")
    rows = annual[
        (annual["metric"] == "max_rung")
        & (annual["subject"] == theatre)
        & (annual["value"] >= rung)
    ]
    return rows.groupby("run_id")["year"].min()


def _allies(g: pd.DataFrame) -> str:
    counts: dict[str, int] = {}
    for s in g.get("allies_joined", pd.Series(dtype=str)).fillna(""):
        for code in filter(None, str(s).split(",")):
            counts[code] = counts.get(code, 0) + 1
    return ", ".join(f"{c} {_share(k, len(g))}" for c, k in counts.items()) or "none"


def _rungs(g: pd.DataFrame) -> str:
    counts = g["max_rung"].astype(int).value_counts().sort_index()
    return ", ".join(
        f"{k} {RUNG_NAMES[k]}: {int(v):,}"
        for k, v in zip(counts.index.tolist(), counts.tolist(), strict=True)
    )


def _compare_rows(m: dict[str, Any], up: pd.DataFrame, rest: pd.DataFrame, years: pd.Series):
    """Rows of the escalated-vs-other table."""
    rows = []
    for label, fn in (
        ("runs", lambda g: f"{len(g):,}"),
        ("first crisis, median", lambda g: _median_month(m, g["first_crisis_month"])),
        ("crises per run, mean", lambda g: f"{g['crises'].mean():.2f}" if len(g) else "–"),
        ("highest rung reached", lambda g: _rungs(g) or "–"),
        ("war (rung ≥ 6)", lambda g: _share(int(g["war"].sum()), len(g))),
        ("war onset, median", lambda g: _median_month(m, g["war_month"])),
        ("holder changed", lambda g: _share(int(g["holder_changed"].sum()), len(g))),
        ("allies joined a war", _allies),
    ):
        try:
            rows.append([label, fn(up), fn(rest)])
        except KeyError:
            continue
    if len(years):
        counts = years.value_counts().sort_index()
        rows.append(
            [
                f"first year at rung ≥ {THRESHOLD}",
                ", ".join(
                    f"{int(y)}: {int(k):,}"
                    for y, k in zip(counts.index.tolist(), counts.tolist(), strict=True)
                ),
                "–",
            ]
        )
    return rows


def _examples(m: dict[str, Any], up: pd.DataFrame, years: pd.Series) -> list[list[Any]]:
    sample = up.sort_values(["max_rung", "run_id"], ascending=[False, True]).head(EXAMPLES)
    rows = []
    for rec in sample.to_dict("records"):
        year = years.get(rec["run_id"])
        rows.append(
            [
                rec["run_id"],
                _month(m, rec.get("first_crisis_month")),
                rec.get("crises", "–"),
                "–" if year is None or pd.isna(year) else int(year),
                f"{int(rec['max_rung'])} {RUNG_NAMES[int(rec['max_rung'])]}",
                _month(m, rec.get("war_month")),
                "yes" if rec.get("holder_changed") else "no",
                rec.get("allies_joined") or "–",
            ]
        )
    return rows


def theatre_paths_html(r: Any, theatre: str, g: pd.DataFrame, annual: pd.DataFrame) -> str:
    """Render the paths of one theatre: escalated runs against the others, and examples."""
    m = r.manifest
    up = g[g["max_rung"] >= THRESHOLD]
    rest = g[g["max_rung"] < THRESHOLD]
    n = len(g)
    parts = [f"<h3>{_e(theatre)}</h3>"]
    if up.empty:
        parts.append(
            f"<p>No run of {n:,} reached rung {THRESHOLD} ({RUNG_NAMES[THRESHOLD]}) or higher.</p>"
        )
        return "".join(parts)
    years = first_year_at(annual, theatre).reindex(up["run_id"]).dropna()
    parts.append(
        f"<p>{_share(len(up), n)} of {n:,} runs reached rung {THRESHOLD} "
        f"({RUNG_NAMES[THRESHOLD]}) or higher. How they got there, against the other runs:</p>"
    )
    parts.append(
        _table(
            ["", f"runs reaching rung ≥ {THRESHOLD}", "other runs"],
            _compare_rows(m, up, rest, years),
        )
    )
    parts.append(
        f'<p class="small">The {min(EXAMPLES, len(up))} highest runs (replay one with '
        f"<code>sim trace {_e(r.path)} RUN_ID</code>):</p>"
    )
    parts.append(
        _table(
            [
                "run",
                "first crisis",
                "crises",
                f"first year at rung ≥ {THRESHOLD}",
                "highest rung",
                "war from",
                "holder changed",
                "allies joined",
            ],
            _examples(m, up, years),
        )
    )
    return "".join(parts)


def read_crises(folder: Path) -> pd.DataFrame | None:
    """Return the crisis log ``crises.parquet`` of a folder, or None if there is none."""
    path = Path(folder) / "crises.parquet"
    if not path.exists():
        return None
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError):
        return None


def crises_html(crises: pd.DataFrame, theatre: str) -> str:
    """Render how the theatre's crises started (by trigger) and how far each climbed."""
    need = {"theatre", "trigger", "peak_rung"}
    if not need <= set(crises.columns):
        return ""
    c = crises[crises["theatre"] == theatre]
    if c.empty:
        return f"<p>No crisis in the crisis log for {_e(theatre)}.</p>"
    total = len(c)
    top = max(int(c["peak_rung"].max()), THRESHOLD)
    rungs = list(range(int(c["peak_rung"].min()), min(top, 6) + 1))
    rows = []
    for trigger, t in c.groupby(c["trigger"].astype(str), sort=False):
        peaks = t["peak_rung"].astype(int)
        kind, _, name = trigger.partition(":")
        row: list[Any] = [kind, name or "–", _share(len(t), total), f"{peaks.mean():.2f}"]
        row += [f"{int((peaks == k).sum() if k < 6 else (peaks >= 6).sum()):,}" for k in rungs]
        if {"opened_month", "ended_month"} <= set(t.columns):
            dur = (t["ended_month"] - t["opened_month"]).dropna()
            row.append(f"{float(dur.median()):.0f}" if len(dur) else "–")
        if "ending" in t.columns and t["ending"].notna().any():
            row.append(", ".join(f"{k} {v:,}" for k, v in t["ending"].value_counts().items()))
        rows.append(row)
    rows.sort(key=lambda row: (-int(row[2].split(" ")[0].replace(",", "")), row[0], row[1]))
    header = ["trigger kind", "trigger", "crises", "mean peak rung"]
    header += [f"peak {k}" + ("+" if k == 6 else "") for k in rungs]
    if {"opened_month", "ended_month"} <= set(c.columns):
        header.append("median months")
    if "ending" in c.columns and c["ending"].notna().any():
        header.append("endings")
    return (
        f"<p>Crisis log: {total:,} crises in {c['run_id'].nunique():,} runs; how they "
        "started (one row per trigger) and how far each climbed (number of crises by peak rung; "
        "median months from opening to end):</p>"
        + _table(header, [row[: len(header)] for row in rows])
    )


def paths_html(r: Any) -> str:
    """Render the "paths to escalation" section of an ensemble report."""
    o = r.outcomes
    try:
        annual = r.annual
    except Exception:  # noqa: BLE001  (an unreadable annual table drops one row only)
        annual = pd.DataFrame()
    crises = read_crises(r.path)
    parts = [
        "<h2>Paths to escalation</h2>",
        f'<p class="small">Runs whose highest rung reached {THRESHOLD} '
        f"({RUNG_NAMES[THRESHOLD]}) or higher, from the outcome and annual tables"
        + (" and the crisis log" if crises is not None else "")
        + ".</p>",
    ]
    for theatre, g in o.groupby("theatre", sort=False):
        parts.append(theatre_paths_html(r, str(theatre), g, annual))
        if crises is not None:
            parts.append(crises_html(crises, str(theatre)))
    return "\n".join(parts)
