"""The mechanisms of the model, in the order a month applies them.

Adding a mechanism: write its module under `sim.engine.mechanisms` (ending with a
`MECHANISM` declaration) and add one line here. The schema, the parameter arrays, the
state, the result tables, the event log and the documentation tables follow from it.
"""

from __future__ import annotations

from sim.engine.declare import EventKind, Mechanism
from sim.engine.mechanisms import (
    alliances,
    arms,
    blockade,
    crisis,
    diplomacy,
    events,
    greyzone,
    grievance,
    politics,
    triggers,
    war,
    world,
)

MECHANISMS: tuple[Mechanism, ...] = (
    world.MECHANISM,
    events.MECHANISM,
    triggers.MECHANISM,
    politics.MECHANISM,
    diplomacy.MECHANISM,
    greyzone.MECHANISM,
    crisis.MECHANISM,
    blockade.MECHANISM,
    alliances.MECHANISM,
    war.MECHANISM,
    grievance.MECHANISM,
    arms.MECHANISM,
)
"""Every declaration, in step order (the world first: it declares and does not step)."""

SWITCHABLE: tuple[str, ...] = tuple(m.name for m in MECHANISMS if m.switchable)
"""Names a scenario may list in ``[model] mechanisms``."""

EVENT_KINDS: dict[str, EventKind] = {
    kind.name: kind for kind in (*events.KINDS, *(k for m in MECHANISMS for k in m.event_kinds))
}
"""Scheduled event kinds by name (the events mechanism's, then those other mechanisms own)."""


def mechanism(name: str) -> Mechanism:
    """Return the declaration named `name`."""
    for m in MECHANISMS:
        if m.name == name:
            return m
    raise KeyError(name)
