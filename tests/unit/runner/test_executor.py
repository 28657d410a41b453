"""The local runner: this process computes next to a pool, and falls back when it cannot."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pytest

from sim.runner import executor


class RefusingPool:
    """A pool that is shutting down: every submission raises, as ProcessPoolExecutor's does."""

    def __init__(self) -> None:
        self.calls = 0

    def submit(self, fn: Any, task: Any) -> Future[Any]:
        self.calls += 1
        raise RuntimeError("cannot schedule new futures after shutdown")


def _collect(runner: executor.Runner, tasks: list[int]) -> list[Any]:
    out: list[Any] = []

    def consume() -> None:
        out.extend(runner.map_unordered(lambda t: (threading.get_ident(), t), tasks))

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the runner hung waiting for a task the pool refused"
    return out


def test_refused_tasks_are_computed_here(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = RefusingPool()
    monkeypatch.setattr(executor, "local_pool", lambda n: pool)
    out = _collect(executor.Runner(2), [1, 2, 3, 4])
    assert sorted(t for _, t in out) == [1, 2, 3, 4]
    assert len({thread for thread, _ in out}) == 1  # all computed by the consuming thread
    assert pool.calls >= 1


def test_pool_results_come_back_once(monkeypatch: pytest.MonkeyPatch) -> None:
    class InlinePool:
        def submit(self, fn: Any, task: Any) -> Future[Any]:
            future: Future[Any] = Future()
            future.set_result(fn(task))
            return future

    monkeypatch.setattr(executor, "local_pool", lambda n: InlinePool())
    out = _collect(executor.Runner(3), list(range(10)))
    assert sorted(t for _, t in out) == list(range(10))
    assert len(out) == 10


@pytest.mark.parametrize(("workers", "chunks"), [(1, 8), (4, 1)])
def test_start_early_starts_nothing_for_work_done_here(
    monkeypatch: pytest.MonkeyPatch, workers: int, chunks: int
) -> None:
    started: list[int] = []
    monkeypatch.setattr(executor, "local_pool", lambda n: started.append(n))
    executor.start_early(workers, chunks)
    assert started == []


def test_forkserver_preload_warms_the_kernels() -> None:
    """The pool's forkserver imports `sim.runner.preload`: chunk code and numba, loaded."""
    import subprocess
    import sys

    code = (
        "import sys, sim.runner.preload as p; from sim.engine import _kernels_random as k; "
        "print('numba' in sys.modules, len(k.uniforms.overloads) > 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
