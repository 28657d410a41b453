"""A job's chunks, planned lazily: chunk i is built only when it is handed out.

A job of R runs in chunks of S runs has ceil(R / S) chunks, chunk i holding runs
[i S, min((i + 1) S, R)). Building every task up front (each with its array of run ids)
took memory in proportion to R before a single run was computed (``--runs
1000000000000`` grew to 10 GB in 25 s); a `ChunkPlan` holds only R, S and a function that
builds one chunk, so a job's memory is that of the chunks in flight.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")


class ChunkPlan(Sequence[T], Generic[T]):
    """The chunks of a job of `runs` runs in chunks of `size`, built on demand.

    Parameters
    ----------
    runs : int
        Runs of the job.
    size : int
        Runs per chunk (the last one may hold fewer).
    make : callable(chunk, lo, hi) -> task
        Builds the task of chunk `chunk`, runs ``lo`` to ``hi - 1``.
    """

    def __init__(self, runs: int, size: int, make: Callable[[int, int, int], T]) -> None:
        if size < 1:
            raise ValueError(f"chunk size must be at least 1, got {size}")
        self.runs = runs
        self.size = size
        self.make = make

    def __len__(self) -> int:
        return math.ceil(self.runs / self.size)

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        lo = i * self.size
        return self.make(i, lo, min(lo + self.size, self.runs))

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self)):
            yield self[i]

    @property
    def chunks(self) -> range:
        """Every chunk number."""
        return range(len(self))

    def runs_in(self, chunk: int) -> int:
        """Return the number of runs of chunk `chunk`."""
        lo = chunk * self.size
        return max(0, min(lo + self.size, self.runs) - lo)


def chunk_numbers(tasks: Sequence) -> range | list[int]:
    """Every chunk number of a plan (a `ChunkPlan` without building its tasks)."""
    if isinstance(tasks, ChunkPlan):
        return tasks.chunks
    return [t.chunk for t in tasks]


def runs_of(tasks: Sequence, chunks: Iterable[int] | None = None) -> int:
    """Return the runs of a plan's chunks (all by default), without building the tasks."""
    if isinstance(tasks, ChunkPlan):
        if chunks is None:
            return tasks.runs
        return sum(tasks.runs_in(c) for c in chunks if 0 <= c < len(tasks))
    wanted = None if chunks is None else set(chunks)
    return sum(len(t.run_ids) for t in tasks if wanted is None or t.chunk in wanted)


def unfinished(tasks: Sequence[T], done: set[int]) -> tuple[Iterator[T], int]:
    """Return the tasks not in `done` (built as they are taken) and their number."""
    if isinstance(tasks, ChunkPlan):
        numbers = [c for c in done if 0 <= c < len(tasks)]
        count = len(tasks) - len(numbers)
        return (tasks[i] for i in range(len(tasks)) if i not in done), count
    todo = [t for t in tasks if t.chunk not in done]  # type: ignore[attr-defined]
    return iter(todo), len(todo)
