"""What one monthly step works on: state, parameters, structure, random numbers, calendar."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.engine.declare import EventKind
    from sim.engine.params import Params, Structure
    from sim.engine.rng import CounterRNG
    from sim.engine.state import State


@dataclass
class Month:
    """One month of a batch: the step functions of every mechanism take this."""

    state: State
    params: Params
    structure: Structure
    rng: CounterRNG
    t: int
    runs: int
    due: frozenset[int]  # event occurrences that may fire this month
    event_kinds: Mapping[str, EventKind] = field(default_factory=dict)
    """Scheduled event kinds by name (`sim.engine.registry.EVENT_KINDS`, passed down so
    that the events mechanism need not import the registry that imports it)."""

    def on(self, mechanism: str) -> bool:
        """Whether `mechanism` is switched on (effects that belong to it apply only then)."""
        return mechanism in self.structure.mechanisms

    @property
    def days(self) -> int:
        """Days in this calendar month."""
        absolute = self.structure.start + self.t
        return calendar.monthrange(absolute // 12, absolute % 12 + 1)[1]
