"""The columns ``sim crises --where`` filters on, with their type and meaning.

Kept in a module of its own, free of numpy and pandas, so that building the ``sim``
parser (``--help``) imports neither.
"""

from __future__ import annotations

CRISIS_COLUMNS: dict[str, tuple[str, str]] = {
    "run_id": ("number", "the run"),
    "theatre": ("text", "where the crisis was"),
    "trigger": ("text", "what opened it, KIND:NAME (e.g. trigger:arms_sale)"),
    "kind": ("text", "the trigger's kind (trigger, event, incident, deliberate...)"),
    "challenger": ("text", "the challenging actor"),
    "defender": ("text", "the defending actor"),
    "parties": ("text", "every actor involved, comma-separated"),
    "peak_rung": ("number", "the highest rung the crisis reached"),
    "ending": ("text", "how it ended (settled, negotiated, ..., open at the horizon)"),
    "opened": ("month", "the month it opened, YYYY-MM"),
    "ended": ("month", "the month it ended, YYYY-MM (none if open)"),
    "months": ("number", "months from opening to end (none if open)"),
    "point_id": ("number", "the sweep point (sweeps only)"),
}
"""Columns a crisis expression may name: (type, meaning)."""
