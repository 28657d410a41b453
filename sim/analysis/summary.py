"""Per-theatre summary of an ensemble: war probability with its interval, ladder, timing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.analysis import structural
from sim.analysis.intervals import wilson
from sim.analysis.tally import Tally
from sim.engine.params import Structure
from sim.scenario.schema import RUNG_NAMES


def median_from_counts(counts: np.ndarray) -> float | None:
    """Median of integer values given as a histogram (lower median), None if empty."""
    total = counts.sum()
    if total == 0:
        return None
    return int(np.searchsorted(np.cumsum(counts), (total + 1) / 2.0))


def summarise(tally: Tally, structure: Structure, point: int = 0) -> list[dict[str, Any]]:
    """Return one summary record per theatre for sweep point `point` (0 for ensembles)."""
    out = []
    for k, theatre in enumerate(structure.theatres):
        n = int(tally.n[point, k])
        rungs = tally.rungs[point, k]
        wars = int(rungs[6:].sum())
        lo, hi = wilson(wars, n)
        joined = {}
        for a, aid in enumerate(structure.alliance_ids):
            if structure.covers[a, k]:
                j = int(tally.joined[point, k, a])
                jl, jh = wilson(j, n)
                joined[aid] = {
                    "p": j / n if n else 0.0,
                    "low": float(jl),
                    "high": float(jh),
                    "given_war": j / wars if wars else None,
                }
        ch = int(tally.holder_changed[point, k])
        cl, chh = wilson(ch, n)
        out.append(
            {
                "theatre": theatre,
                "runs": n,
                "p_war": wars / n if n else 0.0,
                "p_war_low": float(lo),
                "p_war_high": float(hi),
                "rung_share": (rungs / max(n, 1)).tolist(),
                "median_war_month": median_from_counts(tally.war_months[point, k]),
                "median_first_crisis_month": median_from_counts(tally.crisis_months[point, k]),
                "p_crisis": float(tally.crisis_months[point, k].sum() / max(n, 1)),
                "allies_joined": joined,
                "p_holder_changed": ch / n if n else 0.0,
                "p_holder_changed_low": float(cl),
                "p_holder_changed_high": float(chh),
                "p_nuclear": float(tally.nuclear[point, k] / max(n, 1)),
            }
        )
    return out


def format_summary(
    records: list[dict[str, Any]],
    month_label,
    impossible: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """Plain-text tables of `summarise` records; `month_label(i)` names month i.

    `impossible` (`sim.analysis.structural.impossible` of the scenario) turns a 0% that the
    scenario cannot produce into "impossible here (why)" instead of an interval.
    """
    impossible = impossible or {}
    lines = []
    for r in records:
        n = r["runs"]
        lines.append(f"Theatre {r['theatre']}  ({n:,} runs)")
        why = impossible.get((r["theatre"], "war"))
        if why and r["p_war"] == 0:
            lines.append(f"  P(war, rung >= 6)         impossible here ({why})")
        else:
            lines.append(
                f"  P(war, rung >= 6)         {r['p_war']:7.2%}   95% CI "
                f"[{r['p_war_low']:.2%}, {r['p_war_high']:.2%}] (Wilson)"
            )
        crises = int(round(r["p_crisis"] * n))
        c_low, c_high = wilson(crises, n)
        lines.append(
            f"  P(any crisis)             {r['p_crisis']:7.2%}   95% CI "
            f"[{float(c_low):.2%}, {float(c_high):.2%}]"
        )
        m = r["median_war_month"]
        if m is not None:
            lines.append(
                f"  median war onset          month {m} ({month_label(m)}), among runs with war"
            )
        else:
            lines.append("  median war onset          - (no run reached war)")
        lines.append(
            f"  P(holder changed)         {r['p_holder_changed']:7.2%}   95% CI "
            f"[{r['p_holder_changed_low']:.2%}, {r['p_holder_changed_high']:.2%}]"
        )
        for aid, j in r["allies_joined"].items():
            why = impossible.get((r["theatre"], f"joined:{aid}"))
            if why and j["p"] == 0:
                lines.append(
                    f"  P({aid.split('-')[0]} joined, {aid})".ljust(28) + f"impossible here ({why})"
                )
                continue
            given = f"; {j['given_war']:.1%} of wars" if j["given_war"] is not None else ""
            lines.append(
                f"  P({aid.split('-')[0]} joined, {aid})".ljust(28)
                + f"{j['p']:7.2%}   95% CI [{j['low']:.2%}, {j['high']:.2%}]{given}"
            )
        if r["p_nuclear"] > 0:
            lines.append(f"  P(nuclear use)            {r['p_nuclear']:7.3%}")
        lines.append("  highest rung reached:")
        for rung, share in enumerate(r["rung_share"]):
            if share > 0:
                bar = "#" * int(round(share * 40))
                lines.append(f"    {rung} {RUNG_NAMES[rung]:<20} {share:7.2%} {bar}")
        lines.append("")
    return "\n".join(lines)


# --- plain-language findings ---------------------------------------------------------------

LIKELIHOOD = (
    "from the 95% interval: very unlikely = upper bound below 1%, unlikely = below 33%; "
    "likely = lower bound above 66%, very likely = above 90%, almost certain = above 99%; "
    "otherwise about as likely as not (within 33-66%) or possible"
)
"""How `likelihood` words a probability (printed under the findings)."""


def likelihood(low: float, high: float) -> str:
    """Return words for a probability from its 95% interval (see `LIKELIHOOD`)."""
    if high < 0.01:
        return "very unlikely"
    if high < 0.33:
        return "unlikely"
    if low > 0.99:
        return "almost certain"
    if low > 0.90:
        return "very likely"
    if low > 0.66:
        return "likely"
    if low >= 0.33 and high <= 0.66:
        return "about as likely as not"
    return "possible"


def pct(p: float) -> str:
    """Format a probability as a percentage with enough digits to see small values."""
    return f"{p:.2%}"


def share_phrase(k: int, n: int) -> str:
    """``"12 of 2,000 runs (0.60%, 95% CI 0.34%-1.05%)"``: a count with its Wilson interval."""
    low, high = (float(x) for x in wilson(k, n))
    p = k / n if n else 0.0
    return f"{k:,} of {n:,} runs ({pct(p)}, 95% CI {pct(low)}-{pct(high)})"


def _event(
    outcomes: Any, theatre: str, what: str, mask: Any, horizon: str, why: str | None = None
) -> str:
    """One finding: ``theatre: WHAT within HORIZON is WORDS: K of N runs (...)``.

    With `why` (a structural zero, `sim.analysis.structural`) and no run showing it:
    ``theatre: WHAT is impossible in this scenario (WHY): 0 of N runs.``
    """
    k, n = int(mask.sum()), int(len(outcomes))
    if why and k == 0:
        return f"{theatre}: {what} is impossible in this scenario ({why}): 0 of {n:,} runs."
    low, high = (float(x) for x in wilson(k, n))
    return f"{theatre}: {what} {horizon} is {likelihood(low, high)}: {share_phrase(k, n)}."


def _ensemble_findings(results: Any) -> list[str]:
    out = results.outcomes
    m = results.manifest
    years = int(m["months"]) / 12
    horizon = f"within {years:g} years" if years >= 1 else f"within {m['months']} months"
    zeros = structural.impossible(m["scenario"]) if isinstance(m.get("scenario"), dict) else {}
    lines = []
    for theatre, rows in out.groupby("theatre", sort=False):
        n = len(rows)
        lines.append(
            _event(
                rows, theatre, "war (rung >= 6)", rows["war"], horizon, zeros.get((theatre, "war"))
            )
        )
        lines.append(
            _event(
                rows,
                theatre,
                "a limited armed clash or worse (rung >= 5)",
                rows.max_rung >= 5,
                horizon,
                zeros.get((theatre, "rung5")),
            )
        )
        if "blockade" in rows:
            why = zeros.get((theatre, "blockade"))
            if why and not rows["blockade"].astype(bool).any():
                lines.append(_event(rows, theatre, "a blockade", rows["blockade"], horizon, why))
        crisis = rows["first_crisis_month"].notna()
        text = _event(
            rows, theatre, "at least one crisis", crisis, horizon, zeros.get((theatre, "crisis"))
        )
        if crisis.any():
            first = int(rows.loc[crisis, "first_crisis_month"].median())
            text = (
                text[:-1]
                + f"; the median first crisis starts in month {first} ({_month(m, first)})."
            )
        lines.append(text)
        top = rows["max_rung"].value_counts().sort_values(ascending=False)
        rung, count = int(top.index[0]), int(top.iloc[0])
        lines.append(
            f"{theatre}: the most common highest rung is {rung}, {RUNG_NAMES[rung]} "
            f"({pct(count / n)} of runs); mean crises per run {rows['crises'].mean():.2f}."
        )
        lost = int(rows["holder_changed"].sum())
        if lost:
            lines.append(f"{theatre}: the holder loses control in {share_phrase(lost, n)}.")
    return lines


def _sweep_findings(results: Any) -> list[str]:
    summary = results.table("summary")
    swept = results.manifest.get("swept", [])
    lines = []
    for theatre, rows in summary.groupby("theatre", sort=False):
        if not (rows["p_war"] > 0).any():
            runs = int(rows["runs"].sum())
            lines.append(
                f"{theatre}: war never occurred: 0 of {runs:,} runs at {len(rows):,} points."
            )
            continue
        hi = rows.loc[rows["p_war"].idxmax()]
        where = ", ".join(f"{p}={hi[p]:.3g}" for p in swept if p in rows.columns)
        lines.append(
            f"{theatre}: P(war) across {len(rows):,} points ranges from {pct(rows.p_war.min())} "
            f"to {pct(rows.p_war.max())} (highest at {where or 'one point'}; 95% CI "
            f"{pct(hi.p_war_low)}-{pct(hi.p_war_high)} there)."
        )
    return lines


def _month(manifest: dict[str, Any], month: int) -> str:
    """``YYYY-MM`` of month `month` after the manifest's start."""
    year, mon = (int(x) for x in str(manifest["start"]).split("-"))
    total = year * 12 + mon - 1 + int(month)
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def key_findings(results: Any) -> list[str]:
    """Return the key findings of a result folder as plain sentences.

    For an ensemble, per theatre: how likely war, a limited clash or worse, and any crisis
    are over the horizon (in words, with the count, the share and its 95% Wilson interval),
    the most common highest rung and, when it happens, how often the holder loses control.
    For a sweep, per theatre: the range of P(war) across design points and where it peaks.

    Parameters
    ----------
    results : sim.results.reader.Results
        A loaded result folder (`sim.load_results`).

    Returns
    -------
    list of str
        One sentence per finding, each starting with the theatre's name.
    """
    if results.manifest.get("kind") == "sweep":
        return _sweep_findings(results)
    return _ensemble_findings(results)


def war_by_year(results: Any) -> Any:
    """Return P(war by the end of each year) per theatre, with 95% Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        Columns ``theatre``, ``year``, ``wars`` (runs at war by the end of the year),
        ``runs``, ``p_war``, ``p_war_low``, ``p_war_high``; one row per theatre and
        calendar year of the horizon.
    """
    import pandas as pd

    m = results.manifest
    year0, mon0 = (int(x) for x in str(m["start"]).split("-"))
    months = int(m["months"])
    last = year0 + (mon0 - 1 + months - 1) // 12
    rows = []
    for theatre, g in results.outcomes.groupby("theatre", sort=False):
        n = len(g)
        onset = g["war_month"].dropna().astype(int).to_numpy()
        onset_year = year0 + (mon0 - 1 + onset) // 12
        for year in range(year0, last + 1):
            k = int((onset_year <= year).sum())
            low, high = (float(x) for x in wilson(k, n))
            rows.append(
                {
                    "theatre": theatre,
                    "year": year,
                    "wars": k,
                    "runs": n,
                    "p_war": k / n if n else 0.0,
                    "p_war_low": low,
                    "p_war_high": high,
                }
            )
    return pd.DataFrame(rows)


def format_war_by_year(table: Any) -> str:
    """Plain-text table of `war_by_year`: one row per year, one column per theatre."""
    theatres = list(dict.fromkeys(table["theatre"]))
    width = 26
    lines = ["P(war by the end of year), 95% CI (Wilson):"]
    lines.append("  year  " + "".join(f"{t:<{width}}" for t in theatres))
    for year, g in table.groupby("year", sort=True):
        cells = {
            r.theatre: f"{pct(r.p_war)} [{pct(r.p_war_low)}, {pct(r.p_war_high)}]"
            for r in g.itertuples()
        }
        lines.append(f"  {year}  " + "".join(f"{cells.get(t, '-'):<{width}}" for t in theatres))
    return "\n".join(lines).rstrip()


def format_findings(results: Any) -> str:
    """Format the opening of the printed summary: key findings and P(war by year)."""
    lines = ["Key findings:"]
    lines += [f"  - {line}" for line in key_findings(results)]
    lines.append(f"  (likelihood words {LIKELIHOOD})")
    if results.manifest.get("kind") != "sweep":
        lines.append("")
        lines.append(format_war_by_year(war_by_year(results)))
    return "\n".join(lines) + "\n"
