"""The grey-zone mechanism's annual series, event-log entries and default targets.

Moved whole out of `sim.engine.mechanisms.greyzone` (which declares them in its
`MECHANISM`), so that module stays under 600 lines.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.arrays import sum_last
from sim.engine.declare import DeriveContext, Metric, MonthView

if TYPE_CHECKING:
    from sim.engine.params import Structure
    from sim.engine.state import State

__all__ = ["default_opponent", "default_target", "log_month", "metrics"]


def metrics(s: Structure) -> list[Metric]:
    """Units per year: primary activities by theatre, responses by responding actor."""
    by_metric: dict[tuple[str, str], list[int]] = defaultdict(list)
    for q, name in enumerate(s.activity_names):
        if s.act_responds[q] < 0:
            subject = s.theatres[s.act_theatre[q]]
        else:
            subject = s.actors[s.act_by[q]]
        by_metric[(name, subject)].append(q)
    return [_activity_metric(name, subject, qs) for (name, subject), qs in by_metric.items()]


def _activity_metric(name: str, subject: str, qs: list[int]) -> Metric:
    """Units per year of the activities `qs`, summed, as one series for `subject`."""

    def subjects(s: Structure) -> tuple[str, ...]:
        return (subject,)

    def read(st: State) -> np.ndarray:
        return sum_last(st.scratch.activity[:, qs])[:, None]

    return Metric(
        name, subjects, "sum", read, "Units of the activity in the year (events or days)."
    )


def log_month(v: MonthView) -> list[tuple[str, str, str]]:
    """Activity (verbose traces only) and serious incidents."""
    s, x = v.s, v.st.scratch
    rows = []
    if v.activity:
        for q, name in enumerate(s.activities):
            n = x.activity[v.run, q]
            if n:
                text = f"{name.split('.', 1)[1]}: {n:.0f} by {s.actors[s.act_by[q]]}"
                rows.append((s.theatres[s.act_theatre[q]], "activity", text))
    for k, theatre in enumerate(s.theatres):
        if x.incidents[v.run, k]:
            rows.append((theatre, "incident", "serious grey-zone incident"))
    return rows


def default_opponent(theatre: dict, actor: str) -> str:
    """Return the holder, or the first other claimant when `actor` is the holder."""
    if actor != theatre["holder"]:
        return theatre["holder"]
    return next(c for c in theatre["claimants"] if c != actor)


def default_target(activity: dict, context: DeriveContext) -> str:
    """Return the opponent of the activity's actor in its theatre (`default_opponent`)."""
    assert context.parent is not None
    return default_opponent(context.parent, activity["by"])
