"""Run chunks on a Dask cluster (``--scheduler tcp://host:8786``).

`client.get_executor()` is a `concurrent.futures.Executor`, so the same runner drives a
local pool, a LocalCluster or a remote scheduler; results are identical because a run
depends only on its parameters and seed. Workers must see the result folder (same
machine or a shared file system) and have this package installed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor

from sim.errors import SimError


def dask_executor(address: str) -> tuple[Executor, Callable[[], None]]:
    """Connect to a scheduler and return (executor, close)."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dependency declared
        raise SimError("--scheduler needs dask[distributed] installed") from None
    try:
        client = Client(address, timeout="10s")
    except OSError as exc:
        raise SimError(f"--scheduler {address}: cannot connect ({exc})") from None
    executor = client.get_executor(pure=False)

    def close() -> None:
        client.close()

    return executor, close
