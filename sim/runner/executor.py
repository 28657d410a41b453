"""Where chunks run: in this process, a local process pool, or a Dask cluster.

All three give identical results because a run depends only on its parameters and seed.
Pools use an explicit ``forkserver`` context: ``import mesa`` switches the process-wide
default start method to ``spawn`` (ECOSYSTEM.md), which we neither want nor rely on.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from typing import Any


class Runner:
    """Maps a function over tasks, yielding results as they finish."""

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        self.workers = workers
        self.scheduler = scheduler

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in completion order."""
        tasks = list(tasks)
        if self.scheduler is None and (self.workers == 1 or len(tasks) == 1):
            for task in tasks:
                yield fn(task)
            return
        executor, close = self._executor()
        try:
            pending = set()
            queue = iter(tasks)
            limit = 2 * max(self.workers, 1)
            for task in queue:
                pending.add(executor.submit(fn, task))
                if len(pending) >= limit:
                    break
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
                for task in queue:
                    pending.add(executor.submit(fn, task))
                    if len(pending) >= limit:
                        break
        finally:
            close()

    def _executor(self) -> tuple[Executor, Callable[[], None]]:
        if self.scheduler is not None:
            from sim.runner.dask_exec import dask_executor

            return dask_executor(self.scheduler)
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.runner.tasks"])
        # Ctrl-C reaches the whole process group: workers ignore it (the main process
        # stops the pool and records what was kept), so idle workers print no traceback
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=signal.signal,
            initargs=(signal.SIGINT, signal.SIG_IGN),
        )

        def close() -> None:
            pool.shutdown(wait=True, cancel_futures=True)

        return pool, close


def make_executor(workers: int, scheduler: str | None = None) -> Runner:
    """Return a `Runner` for local execution or a Dask scheduler address."""
    return Runner(workers, scheduler)
