"""The scenario schema: every field, its type, default, range, unit and meaning.

The schema is data derived from the mechanisms' declarations (`sim.engine.registry`):
each mechanism declares its parameters and structural fields next to its equations, and
this module gathers them by the table they live in. Only the fields that belong to no
mechanism (``[meta]``, the common event fields, item ids) are written here. The validator
(`sim.scenario.validate`), the ``--set`` override parser, ``sim show`` and the field
tables in ``docs/scenarios.md`` (`scripts/generate_docs.py`) all read it, so a field is
declared exactly once.
"""

from __future__ import annotations

from sim.engine.declare import DERIVED, REQUIRED, DeriveContext, Field, Param
from sim.engine.ladder import RUNG_NAMES
from sim.engine.mechanisms.greyzone import ACTIVITY_UNITS
from sim.engine.registry import EVENT_KINDS as _KINDS
from sim.engine.registry import MECHANISMS as _DECLARED
from sim.engine.registry import SWITCHABLE

MECHANISMS = SWITCHABLE
"""Names of the mechanisms a scenario may switch on, in step order."""

EVENT_KINDS = tuple(_KINDS)

F = Field

CALIBRATION_FIELDS: dict[str, Field] = {
    "posterior": F(
        "str",
        "none",
        doc="Folder of a fitted posterior (`sim calibrate`, docs/calibration.md): each run "
        "draws the calibrated parameters from it by its seed; relative to the scenario's "
        "folder; `none` runs at the scenario's own values.",
    ),
}

META_FIELDS: dict[str, Field] = {
    "name": F("str", doc="Short machine name, used in result folder names ([a-z0-9_-])."),
    "title": F("str", "", doc="Human title shown in summaries, plots and reports."),
    "description": F("str", "", doc="What the scenario describes and the question it answers."),
    "question": F("str", "", doc="The analytical question in one sentence."),
    "start": F("month", doc="First simulated month, YYYY-MM."),
    "months": F("int", lo=1, hi=1200, unit="months", doc="Number of simulated months."),
    "extends": F(
        "str", "", doc="Scenario file this one inherits from (path relative to this file)."
    ),
    "seed": F("int", 20230222, lo=0, hi=2**63 - 1, doc="Default master seed of `sim run`."),
}


def _scoped(scope: str) -> dict[str, Field]:
    """Structural fields, then parameters, of every declaration for one scope."""
    out: dict[str, Field] = {}
    for mechanism in _DECLARED:
        out.update(mechanism.fields.get(scope, {}))
    for mechanism in _DECLARED:
        if mechanism.params is None:
            continue
        for _, p in mechanism.params.declared():
            if p.scope == scope:
                out[p.key] = p.spec
    return out


def _model_fields() -> dict[str, Field]:
    out = {"mechanisms": F("mechanisms", list(MECHANISMS), doc="Mechanisms switched on.")}
    for mechanism in _DECLARED:
        if mechanism.params is None:
            continue
        for _, p in mechanism.params.declared():
            if p.scope == "model":
                out[f"{mechanism.name}.{p.key}"] = p.spec
    return out


def declared_params() -> list[tuple[str, Param]]:
    """(mechanism name, declaration) of every parameter, in registry order."""
    return [
        (mechanism.name, p)
        for mechanism in _DECLARED
        if mechanism.params is not None
        for _, p in mechanism.params.declared()
    ]


def alliance_id(alliance: dict, context: DeriveContext) -> str | None:
    """Return PATRON-CLIENT, or None while either is missing."""
    if "patron" in alliance and "client" in alliance:
        return f"{alliance['patron']}-{alliance['client']}"
    return None


def grievance_id(grievance: dict, context: DeriveContext) -> str | None:
    """Return FROM-TO, or None while either is missing."""
    if "from" in grievance and "to" in grievance:
        return f"{grievance['from']}-{grievance['to']}"
    return None


def trigger_id(trigger: dict, context: DeriveContext) -> str | None:
    """Return KIND-THEATRE, or None while either is missing."""
    if "kind" in trigger and "theatre" in trigger:
        return f"{trigger['kind']}-{trigger['theatre']}"
    return None


EVENT_ID_ACTORS = ("parties", "actor", "by", "patron", "client", "to")
"""Fields whose actors make up a default event id, in this order (then the theatre)."""


def event_id(event: dict, context: DeriveContext) -> str | None:
    """Return KIND-AT-ACTORS-THEATRE, or None while the kind or the month is missing."""
    if "kind" not in event or "at" not in event:
        return None
    who: list[str] = []
    for key in EVENT_ID_ACTORS:
        value = event.get(key)
        if isinstance(value, list):
            who.extend(str(v) for v in value)
        elif value is not None:
            who.append(str(value))
    if "theatre" in event:
        who.append(str(event["theatre"]))
    return "-".join([str(event["kind"]), str(event["at"])] + who)


_ID_FIELDS = {
    "alliance": F("str", DERIVED, doc="PATRON-CLIENT; used in --set paths.", derive=alliance_id),
    "grievance": F("str", DERIVED, doc="FROM-TO; used in --set paths.", derive=grievance_id),
    "trigger": F("str", DERIVED, doc="KIND-THEATRE; used in --set paths.", derive=trigger_id),
}
_REMOVE = F("bool", False, doc="In a scenario that extends another: drop this inherited item.")

MODEL_FIELDS: dict[str, Field] = _model_fields()
ACTOR_FIELDS: dict[str, Field] = _scoped("actor")
ALLIANCE_FIELDS: dict[str, Field] = {
    **_scoped("alliance"),
    "id": _ID_FIELDS["alliance"],
    "remove": _REMOVE,
}
GRIEVANCE_FIELDS: dict[str, Field] = {
    **_scoped("grievance"),
    "id": _ID_FIELDS["grievance"],
    "remove": _REMOVE,
}
TRIGGER_FIELDS: dict[str, Field] = {
    **_scoped("trigger"),
    "id": _ID_FIELDS["trigger"],
    "remove": _REMOVE,
}
THEATRE_FIELDS: dict[str, Field] = _scoped("theatre")
ACTIVITY_FIELDS: dict[str, Field] = _scoped("activity")

EVENT_COMMON_FIELDS: dict[str, Field] = {
    "at": F("month", doc="Month of the event, YYYY-MM."),
    "kind": F("enum", doc="What happens.", choices=EVENT_KINDS),
    "id": F(
        "str",
        DERIVED,
        doc="Unique id; default kind-at-actors. Used in --set paths.",
        derive=event_id,
    ),
    "remove": F(
        "bool", False, doc="In a scenario that extends another: drop this inherited event."
    ),
    "repeat_every_months": F("int", 0, 0, 1200, "months", "Repeat the event (0 = once)."),
    "until": F("month", "", doc="Last month a repeated event may fall in; default the horizon."),
    "description": F("str", "", doc="What the event stands for."),
}

EVENT_KIND_FIELDS: dict[str, dict[str, Field]] = {
    name: kind.schema() for name, kind in _KINDS.items()
}

PROVENANCE_KEYS = ("source", "sources", "notes")
"""Keys allowed in every table: a citation, per-field citations, free notes."""

TOP_LEVEL = (
    "meta",
    "model",
    "actors",
    "alliances",
    "grievances",
    "theatres",
    "events",
    "triggers",
    "sweep",
    "calibration",
)

__all__ = [
    "ACTIVITY_UNITS",
    "DERIVED",
    "EVENT_KINDS",
    "Field",
    "MECHANISMS",
    "REQUIRED",
    "RUNG_NAMES",
]
