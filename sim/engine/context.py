"""What one monthly step works on: state, parameters, structure, random numbers, calendar."""

from __future__ import annotations

import calendar
from dataclasses import dataclass

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

    @property
    def days(self) -> int:
        """Days in this calendar month."""
        absolute = self.structure.start + self.t
        return calendar.monthrange(absolute // 12, absolute % 12 + 1)[1]
