"""Readable log of what happened in one month of one run (Mesa front, ``sim trace``).

It only reads the engine's per-month flags (`sim.engine.state.State`); it decides nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.simulate import Engine
from sim.engine.state import MOVES, WAR_ENDINGS
from sim.scenario.months import format_month
from sim.scenario.schema import RUNG_NAMES


def month_events(
    engine: Engine, t: int, rung_before: np.ndarray, run: int = 0, activity: bool = False
) -> list[dict[str, Any]]:
    """Rows ``{month, date, theatre, kind, text}`` for month `t` of run `run`."""
    s, st, p = engine.structure, engine.state, engine.params
    date = format_month(s.start + t)
    rows: list[dict[str, Any]] = []

    def add(theatre: str, kind: str, text: str) -> None:
        rows.append({"month": t, "date": date, "theatre": theatre, "kind": kind, "text": text})

    actors = s.actors
    for e, ev in enumerate(s.events):
        if int(p.ev_month[run, e]) == t:
            theatre = s.theatres[ev.theatre] if ev.theatre >= 0 else ""
            who = ", ".join(actors[i] for i in ev.actors)
            detail = f"{ev.kind}: {who}" if who else ev.kind
            add(theatre, "event", f"scheduled event '{ev.id}' ({detail})")
    for i, j in s.talks_dyads:
        if st.talks[run, i, j] > 0:
            add(
                "",
                "talks",
                f"talks {actors[i]}-{actors[j]}: grievance now "
                f"{st.grievance[run, i, j]:.2f}/{st.grievance[run, j, i]:.2f}",
            )
    if activity:
        for q, name in enumerate(s.activities):
            n = st.activity[run, q]
            if n:
                add(
                    s.theatres[s.act_theatre[q]],
                    "activity",
                    f"{name.split('.', 1)[1]}: {n:.0f} by {actors[s.act_by[q]]}",
                )
    for k, theatre in enumerate(s.theatres):
        ch, df = int(st.challenger[run, k]), int(st.defender[run, k])
        names = f"{actors[ch]} vs {actors[df]}" if ch >= 0 and df >= 0 else ""
        if st.incidents[run, k]:
            add(theatre, "incident", "serious grey-zone incident")
        move = MOVES[int(st.move[run, k])]
        if st.opened[run, k]:
            how = "deliberately opened" if move == "initiate" else "opened"
            add(
                theatre,
                "crisis",
                f"crisis {how}: {names} at rung {st.rung[run, k]} "
                f"({RUNG_NAMES[int(st.rung[run, k])]})",
            )
        elif move in ("hold", "escalate", "settle", "capitulate", "accident"):
            gap = st.gap[run, k]
            why = (
                f"E_ch={st.utility_ch[run, k]:+.2f}, E_df={st.utility_df[run, k]:+.2f}, "
                f"gap={gap:+.2f} ({'no bargain' if gap > 0 else 'bargain exists'})"
            )
            verb = {
                "hold": "both hold",
                "escalate": "no bargain: escalation",
                "settle": "settled",
                "capitulate": "defender capitulates, theatre changes hands",
                "accident": "accidental escalation",
            }[move]
            add(theatre, move, f"{verb}; {why}")
        for a, aid in enumerate(s.alliance_ids):
            if st.joined_now[run, k, a]:
                add(theatre, "intervention", f"{actors[s.patron[a]]} joins the war ({aid})")
        ended = WAR_ENDINGS[int(st.war_ended[run, k])]
        if ended != "none":
            add(theatre, "war end", f"war ends: {ended}; holder {actors[int(st.holder[run, k])]}")
        before, now = int(rung_before[run, k]), int(st.rung[run, k])
        if now != before:
            add(theatre, "rung", f"rung {before} -> {now} ({RUNG_NAMES[now]})")
    return rows
