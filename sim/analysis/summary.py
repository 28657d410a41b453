"""Per-theatre summary of an ensemble: war probability with its interval, ladder, timing."""

from __future__ import annotations

from typing import Any

import numpy as np

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


def format_summary(records: list[dict[str, Any]], month_label) -> str:
    """Plain-text tables of `summarise` records; `month_label(i)` names month i."""
    lines = []
    for r in records:
        n = r["runs"]
        lines.append(f"Theatre {r['theatre']}  ({n:,} runs)")
        lines.append(
            f"  P(war, rung >= 6)         {r['p_war']:7.2%}   95% CI "
            f"[{r['p_war_low']:.2%}, {r['p_war_high']:.2%}] (Wilson)"
        )
        lines.append(f"  P(any crisis)             {r['p_crisis']:7.2%}")
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
