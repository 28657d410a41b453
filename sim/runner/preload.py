"""Imported by the forkserver of a pool of several workers before it forks them.

Importing this module imports the chunk code and warms the engine's compiled kernels
(`sim.engine.kernels.warm_up`), so that every worker forked from the server starts with
them loaded: numba's import and the set-up of its compiler (most of a second of CPU) are
paid once per pool rather than once per worker. A failure here only costs that time back
in each worker, so it is ignored: the forkserver must not fail to start over it.
"""

from __future__ import annotations

import sim.runner.tasks  # noqa: F401  (the code every chunk runs)


def _warm() -> None:
    try:
        from sim.engine.kernels import warm_up

        warm_up()
    except Exception:  # noqa: BLE001 - an optimisation only; workers load the kernels anyway
        pass


_warm()
