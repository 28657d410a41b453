"""Where chunks run: in this process, a local process pool, or a Dask cluster.

All three give identical results because a run depends only on its parameters and seed.
With N local workers this process is one of them, next to a pool of N - 1 processes
that is started once and kept for the process's next jobs (`local_pool`).
Pools use an explicit ``forkserver`` context: ``import mesa`` switches the process-wide
default start method to ``spawn`` (ECOSYSTEM.md), which we neither want nor rely on.

Scripts without a ``__main__`` guard
------------------------------------
A ``forkserver`` (or ``spawn``) worker starts by re-executing the parent's main module (as
``__mp_main__``) so that functions defined there can be unpickled. A plain script that
calls ``sim.run(...)`` at top level, without ``if __name__ == "__main__":``, would call it
again in every worker while the worker is still bootstrapping, and the pool breaks
(``BrokenProcessPool``). `main_reexecutes_caller` detects exactly that case by reading the
main module's source: the call is on the stack under the main module's top-level code, and
the top-level statement running it is not inside an ``if __name__ == "__main__":`` body.
The runner then computes the chunks in this process instead (with a `RuntimeWarning`
that says how to get worker processes back). This is the robust choice: it needs no
private multiprocessing hooks and no ``fork`` of a possibly multi-threaded process, and
the results are identical because they do not depend on the number of workers.
Interactive sessions (the Python prompt, ``python -c``, IPython, Jupyter) have no main
file that workers would re-execute, and guarded scripts are safe to re-execute, so both
keep their process pool.
"""

from __future__ import annotations

import ast
import atexit
import multiprocessing as mp
import signal
import sys
import threading
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from pathlib import Path
from queue import SimpleQueue
from types import FrameType
from typing import Any


def _is_main_guard(node: ast.AST) -> bool:
    """Whether `node` is ``if __name__ == "__main__":`` (either operand order)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    texts = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and texts == ["__main__"]


def _guarded(tree: ast.Module, line: int) -> bool:
    """Whether source line `line` lies in the body of an ``if __name__ == "__main__":``."""
    for node in ast.walk(tree):
        if _is_main_guard(node):
            assert isinstance(node, ast.If)
            first = node.body[0].lineno
            last = max(getattr(n, "end_lineno", None) or n.lineno for n in node.body)
            if first <= line <= last:
                return True
    return False


def _main_frame() -> FrameType | None:
    """Return the frame running the main module's top-level code, if it is on this stack."""
    main = sys.modules.get("__main__")
    if main is None:
        return None
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_globals is vars(main) and frame.f_code.co_name == "<module>":
            return frame
        frame = frame.f_back
    return None


def main_reexecutes_caller() -> FrameType | None:
    """Return the main module's frame if worker processes would re-execute this call.

    That is when the main module is a file that ``forkserver``/``spawn`` workers re-import
    (a script, or a module run with ``python -m``) and this call comes from its top-level
    code outside an ``if __name__ == "__main__":`` body (see the module docstring). If the
    source cannot be read, the call is assumed unguarded (the safe answer).

    Returns
    -------
    frame or None
        The frame of the main module's top-level code making the call, or None when
        workers can safely start (interactive session, guarded call, package ``__main__``).
    """
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    spec_name = getattr(spec, "name", None)
    path = getattr(main, "__file__", None)
    if spec_name is not None and (spec_name == "__main__" or spec_name.endswith(".__main__")):
        return None  # workers skip re-importing a package's __main__
    if spec_name is None and (path is None or Path(path).stem == "ipython"):
        return None  # interactive: nothing to re-execute (IPython's launcher is skipped)
    frame = _main_frame()
    if frame is None:
        return None
    try:
        tree = ast.parse(Path(frame.f_code.co_filename).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return frame
    return None if _guarded(tree, frame.f_lineno) else frame


class Runner:
    """Maps a function over tasks, yielding results as they finish."""

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        self.workers = workers
        self.scheduler = scheduler

    def map_unordered(
        self, fn: Callable[[Any], Any], tasks: Iterable[Any], count: int | None = None
    ) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in completion order.

        `tasks` is consumed as tasks are handed out (a lazy plan stays lazy); `count`, the
        number of tasks, is needed for an iterator (a sequence has its length).
        """
        if count is None:
            tasks = list(tasks)
            count = len(tasks)
        in_process = self.workers == 1 or count == 1
        caller = None if in_process or self.scheduler else main_reexecutes_caller()
        if caller is not None:
            warnings.warn_explicit(
                "sim: this script calls sim without 'if __name__ == \"__main__\":', so "
                "worker processes would run it again; running in this process instead of "
                f"{self.workers} worker processes (same results). Put the call under that "
                "guard to use worker processes.",
                RuntimeWarning,
                caller.f_code.co_filename,
                caller.f_lineno,
            )
            in_process = True
        if self.scheduler is None and in_process:
            for task in tasks:
                yield fn(task)
            return
        if self.scheduler is None:
            yield from self._shared(fn, iter(tasks), count)
            return
        from sim.runner.dask_exec import dask_executor

        executor, close_dask = dask_executor(self.scheduler)
        try:
            yield from _as_completed(executor, fn, tasks, 2 * max(self.workers, 1))
        finally:
            close_dask()

    def _shared(self, fn: Callable[[Any], Any], tasks: Iterator[Any], count: int) -> Iterator[Any]:
        """Run tasks in this process and in ``workers - 1`` pool processes at once.

        This process is one of the workers: it computes a task while the pool's
        processes start (their imports take about a second) and between merges, so no
        core waits for them. The pool's first tasks are handed over by a background
        thread, because handing a task to a pool process that is still starting blocks
        until it has started. Each pool process gets its next task as soon as it
        finishes one; this process takes the next task whenever it is free. Tasks are
        taken from `tasks` only when handed out, under a lock (the pool's callbacks run
        in other threads).
        """
        lock = threading.Lock()
        returned: deque[Any] = deque()  # tasks the pool refused, to compute here
        exhausted = False

        def take() -> Any:
            nonlocal exhausted
            with lock:
                if returned:
                    return returned.popleft()
                for task in tasks:
                    return task
                exhausted = True
                return None

        results: SimpleQueue[Future[Any] | None] = SimpleQueue()
        pool = local_pool(self.workers - 1)
        ok = False

        def feed(_done: Future[Any] | None = None) -> None:
            if _done is not None:
                results.put(_done)
            task = take()
            if task is None:
                return
            try:
                future = pool.submit(fn, task)
            except RuntimeError:  # the pool is shutting down or broken: compute it here
                with lock:
                    returned.appendleft(task)
                results.put(None)  # wakes this process if it waits for that task
                return
            future.add_done_callback(feed)

        def start() -> None:
            for _ in range(self.workers - 1):
                feed()

        threading.Thread(target=start, name="sim-pool-start", daemon=True).start()
        running = count
        try:
            while running:
                with lock:
                    nothing_left = exhausted and not returned
                if not results.empty() or nothing_left:
                    done = results.get()
                    if done is not None:
                        running -= 1
                        yield done.result()
                    continue
                task = take()
                if task is None:
                    continue
                running -= 1
                yield fn(task)
            ok = True
        finally:
            if not ok:
                shutdown_pool(cancel=True)


def _as_completed(
    executor: Executor, fn: Callable[[Any], Any], tasks: Iterable[Any], limit: int
) -> Iterator[Any]:
    """Yield ``fn(task)`` as they finish, keeping at most `limit` tasks submitted."""
    pending = set()
    queue = iter(tasks)
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


_POOL: dict[int, ProcessPoolExecutor] = {}
"""The local worker pool of this process, by number of workers (at most one)."""


def local_pool(workers: int) -> ProcessPoolExecutor:
    """Return this process's pool of `workers` worker processes, started on first use.

    The workers start once and stay for the next jobs (the chunks of the next
    ``sim.run``, sweep or calibration batch in the same process), so their start-up and
    imports are paid once per process rather than once per job. A pool of another size
    is shut down first. `shutdown_pool` stops it (also at exit).
    """
    pool = _POOL.get(workers)
    if pool is not None and not getattr(pool, "_broken", False):
        return pool
    shutdown_pool()
    ctx = mp.get_context("forkserver")
    # workers fork from a server that has imported the chunk code once, and with several
    # workers numba's compiled kernels too (`sim.runner.preload`: ~0.85 s of CPU saved
    # per worker after the first, for ~120 MB more in the server, which a single worker
    # would not repay); pandas too, which pyarrow imports on its first array
    code = "sim.runner.preload" if workers > 1 else "sim.runner.tasks"
    ctx.set_forkserver_preload([code, "pandas"])
    # Ctrl-C reaches the whole process group: workers ignore it (the main process
    # stops the pool and records what was kept), so idle workers print no traceback
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=signal.signal,
        initargs=(signal.SIGINT, signal.SIG_IGN),
    )
    _POOL[workers] = pool
    return pool


def start_early(workers: int, chunks: int) -> None:
    """Start the forkserver of the pool a job of `chunks` chunks on `workers` will use.

    The server imports the chunk code (about a second) while this process is still
    loading and planning the job, instead of after it. Nothing starts when the job
    will run in this process alone (one worker or one chunk, or a script whose
    workers would re-execute it, see `main_reexecutes_caller`).
    """
    if workers < 2 or chunks < 2 or main_reexecutes_caller() is not None:
        return
    local_pool(workers - 1)
    from multiprocessing import forkserver

    # The server and the workers it forks must not see Ctrl-C (the terminal sends it to
    # the whole process group; this process records what was kept): a server interrupted
    # while importing its preload printed a traceback and broke the pool. Started while
    # this thread blocks SIGINT, it inherits the blocked mask (a child's pending signals
    # start empty), so it is protected from its first instruction; a Ctrl-C meanwhile
    # stays pending here and is raised as soon as the mask is restored, not lost.
    masked = hasattr(signal, "pthread_sigmask")
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if masked else None
    try:
        forkserver.ensure_running()
    finally:
        if before is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)


def shutdown_pool(cancel: bool = False) -> None:
    """Stop the local worker pool, if any (with `cancel`, drop the chunks not yet started)."""
    while _POOL:
        _, pool = _POOL.popitem()
        pool.shutdown(wait=True, cancel_futures=cancel)


atexit.register(shutdown_pool)


def load_kernels() -> None:
    """Load the engine's compiled kernels in this process, holding Ctrl-C until they are in.

    numba's import and the first kernel loads take most of a second and run Python code
    inside ctypes callbacks of llvmlite, where a KeyboardInterrupt is printed as "Exception
    ignored" and dropped: a Ctrl-C then was lost and the job ran on to the end. Here a
    Ctrl-C meanwhile is only noted, and raised once the kernels are loaded.
    """
    from sim.engine.kernels import warm_up

    if threading.current_thread() is not threading.main_thread():
        warm_up()
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        warm_up()
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def make_executor(workers: int, scheduler: str | None = None) -> Runner:
    """Return a `Runner` for local execution or a Dask scheduler address."""
    return Runner(workers, scheduler)
