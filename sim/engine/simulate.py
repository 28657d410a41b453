"""Drive a batch of runs through the horizon and collect outcomes and annual series."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.engine.declare import Column
from sim.engine.ladder import LOG_COLUMNS, log_crises
from sim.engine.params import Params, Structure
from sim.engine.registry import MECHANISMS
from sim.engine.rng import CounterRNG
from sim.engine.state import Arrays, State, initial_state
from sim.engine.step import advance


@dataclass(frozen=True)
class Block:
    """One group of annual metrics: a metric name, its subjects and how months aggregate."""

    metric: str
    subjects: tuple[str, ...]
    how: str  # "mean", "sum", "max" or "last"
    read: Callable[[State], np.ndarray]  # state -> (R, len(subjects))


def annual_blocks(s: Structure) -> list[Block]:
    """List the annual metrics of a scenario (result-folder contract, `annual.parquet`).

    Every declared mechanism records its metrics, switched on or not (a switched-off
    mechanism's series stay at their starting values).
    """
    blocks = []
    for mechanism in MECHANISMS:
        if mechanism.metrics is None:
            continue
        for metric in mechanism.metrics(s):
            blocks.append(Block(metric.name, metric.subjects(s), metric.how, metric.read))
    return blocks


def calendar_years(s: Structure) -> np.ndarray:
    """Calendar year of each simulated month, shape (T,)."""
    return (s.start + np.arange(s.months)) // 12


@dataclass
class BatchResult:
    """Final state and annual series of a batch of runs (numpy arrays, run axis first).

    ``outcome`` holds copies of the final outcome accumulators and ``world`` of the final
    world arrays; the declared outcome columns (`columns`) read them.
    """

    structure: Structure
    world: Arrays
    outcome: Arrays
    years: np.ndarray  # (Y,)
    crisis_log: np.ndarray = field(
        default_factory=lambda: np.zeros((0, len(LOG_COLUMNS)), np.int64)
    )
    """One row per crisis (ended, or open at the end with ``ended`` -1), `LOG_COLUMNS`."""
    annual: dict[str, np.ndarray] = field(default_factory=dict)  # block key -> (R, Y, n)
    blocks: list[Block] = field(default_factory=list)

    @property
    def runs(self) -> int:
        """Number of runs."""
        return int(self.outcome.max_rung.shape[0])

    def column(self, column: Column) -> np.ndarray:
        """Values of one declared outcome column, (R, K)."""
        return column.read(self, self.structure)


def outcome_columns() -> list[Column]:
    """Every declared outcome column, in registry order (the outcomes.parquet contract)."""
    return [c for mechanism in MECHANISMS for c in mechanism.columns]


class Engine:
    """Advance a batch of runs month by month (the ensemble runner and Mesa front use this).

    Parameters
    ----------
    structure : Structure
        What all runs share.
    params : Params
        Parameters with R rows (or 1 row, broadcast).
    seeds : array of uint64, shape (R,)
        One seed per run.
    record : bool
        Whether to accumulate annual series.
    """

    def __init__(
        self, structure: Structure, params: Params, seeds: np.ndarray, record: bool = True
    ) -> None:
        seeds = np.asarray(seeds, dtype=np.uint64)
        runs = seeds.shape[0]
        self.structure = structure
        params = params.for_seeds(seeds)  # posterior draws: each run's row, from its seed
        # contiguous rows: broadcast views (stride 0 on the run axis) slow every
        # element-wise operation down several times (see Params.broadcast)
        self.params = params.broadcast(runs, copy=True)
        if self.params.rows != runs:
            raise ValueError("params rows must be 1 or the number of seeds")
        self.rng = CounterRNG(seeds)
        self.state = initial_state(structure, self.params, runs)
        self.runs = runs
        self.due = self._schedule()
        self.record = record
        self.years = np.unique(calendar_years(structure))
        self.blocks = annual_blocks(structure) if record else []
        y = len(self.years)
        # accumulators are year-major, (Y, R, n), so that a month's update is contiguous;
        # `result` hands them out run-major, (R, Y, n)
        self._acc = [
            np.full((y, runs, len(b.subjects)), -np.inf if b.how == "max" else 0.0)
            for b in self.blocks
        ]
        self.months_in_year = np.bincount(calendar_years(structure) - self.years[0])

    @staticmethod
    def _key(b: Block) -> str:
        return f"{b.metric}|{','.join(b.subjects)}"

    def _schedule(self) -> dict[int, frozenset[int]]:
        due: dict[int, set[int]] = defaultdict(set)
        months = self.params.event_month
        for e in range(months.shape[1]):
            for t in np.unique(months[:, e]):
                due[int(t)].add(e)
        return {t: frozenset(v) for t, v in due.items()}

    @property
    def done(self) -> bool:
        """True once the horizon has been reached."""
        return self.state.t >= self.structure.months

    def step(self) -> None:
        """Advance every run by one month and record it."""
        if self.done:
            raise RuntimeError("the run has reached its horizon")
        t = self.state.t
        advance(self.state, self.params, self.structure, self.rng, self.due.get(t, frozenset()))
        if self.record:
            self._record(t)

    def _record(self, t: int) -> None:
        y = (self.structure.start + t) // 12 - self.years[0]
        st = self.state
        for b, acc in zip(self.blocks, self._acc, strict=True):
            row = acc[y]
            value = np.asarray(b.read(st), dtype=np.float64)
            if b.how == "mean":
                row += value / self.months_in_year[y]
            elif b.how == "sum":
                row += value
            elif b.how == "max":
                np.maximum(row, value, out=row)
            else:
                row[...] = value

    @property
    def annual(self) -> dict[str, np.ndarray]:
        """Annual series so far, block key -> (R, Y, n) (complete once `done`)."""
        return {
            self._key(b): np.ascontiguousarray(acc.transpose(1, 0, 2))
            for b, acc in zip(self.blocks, self._acc, strict=True)
        }

    def _crisis_log(self) -> np.ndarray:
        """Return ended crises so far, then those still open (ending "open", ended -1)."""
        st = self.state
        ended = [*st.crisis_log]
        for k in range(len(self.structure.theatres)):
            part = State(st.t, st.world, st.outcome, st.scratch, [])
            log_crises(part, np.ones(self.runs, dtype=bool), k, "open", -1)
            ended.extend(part.crisis_log)
        if not ended:
            return np.zeros((0, len(LOG_COLUMNS)), dtype=np.int64)
        return np.concatenate(ended)

    def run(self) -> BatchResult:
        """Advance to the horizon and return the result."""
        while not self.done:
            self.step()
        return self.result()

    def result(self) -> BatchResult:
        """Outcomes so far (complete once `done`)."""
        st = self.state
        return BatchResult(
            structure=self.structure,
            world=st.world.copy(),
            outcome=st.outcome.copy(),
            crisis_log=self._crisis_log(),
            years=self.years,
            annual=self.annual,
            blocks=self.blocks,
        )


def simulate(
    structure: Structure, params: Params, seeds: np.ndarray, record: bool = True
) -> BatchResult:
    """Run a batch of runs to the horizon (one call, all runs advanced together)."""
    return Engine(structure, params, seeds, record=record).run()
