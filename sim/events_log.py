"""Readable log of what happened in one month of one run (Mesa front, ``sim trace``).

Each mechanism declares the entries it writes (`sim.engine.declare.Mechanism.log`); this
module only asks them, in registry order. It decides nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.calendar import format_month
from sim.engine.declare import MonthView
from sim.engine.registry import MECHANISMS
from sim.engine.simulate import Engine


def month_events(
    engine: Engine, t: int, rung_before: np.ndarray, run: int = 0, activity: bool = False
) -> list[dict[str, Any]]:
    """Rows ``{month, date, theatre, kind, text}`` for month `t` of run `run`."""
    s = engine.structure
    view = MonthView(s, engine.state, engine.params, run, t, rung_before, activity)
    date = format_month(s.start + t)
    rows: list[dict[str, Any]] = []
    for mechanism in MECHANISMS[1:] + MECHANISMS[:1]:  # the world's rung changes come last
        if mechanism.log is None:
            continue
        for theatre, kind, text in mechanism.log(view):
            rows.append({"month": t, "date": date, "theatre": theatre, "kind": kind, "text": text})
    return rows
