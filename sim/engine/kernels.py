"""Compiled per-element kernels of the engine's hot paths (numba, cached on disk).

The kernels do exactly the arithmetic of the numpy code they replace, element by element
and in the same order (no ``fastmath``, no fused multiply-add), so results are
bit-identical: integer hashing for the counter-based uniforms and the sequential
inversion searches of the Poisson and binomial quantiles, and the normal quantile
``ndtri``, evaluated as scipy evaluates it (Cephes' algorithm in scalar code with the C
library's ``log``; bit-identical, tested), which keeps scipy out of the engine's imports.
Element-wise ``exp`` and ``log`` of arrays stay in numpy, whose SIMD versions can differ
from the scalar C library by one unit in the last place.

Compiled code is cached (``cache=True``) in ``NUMBA_CACHE_DIR``; when that variable is
not set this module sets it to ``$XDG_CACHE_HOME/escalation-sim/numba`` (default
``~/.cache/escalation-sim/numba``) before importing numba, so installed packages (whose
source folder may not be writable) and worker processes (which inherit the variable,
or derive the same folder) share one cache. The first run after installing compiles
the kernels (a few seconds); later processes load them from the cache.

The kernels live in `sim.engine._kernels`; this module imports it (and numba) when a
kernel is first used, so commands that never simulate (``sim check``, ``sim --help``)
do not pay for numba's import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """Return the folder numba caches the compiled kernels in (see the module doc)."""
    explicit = os.environ.get("NUMBA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "escalation-sim" / "numba"


def __getattr__(name: str) -> Any:
    """Return kernel `name`, importing the compiled module on first use."""
    if name.startswith("__"):
        raise AttributeError(name)
    from sim.engine import _kernels

    value = getattr(_kernels, name)
    globals()[name] = value
    return value


def warm_up() -> None:
    """Import numba and initialise its compiler, loading two kernels from the cache.

    The first kernel a process calls costs most of a second (numba's import and the set-up
    of its code generator); later kernels load from the cache in milliseconds. A process
    that forks workers (`sim.runner.preload`) calls this once so that no worker pays it.
    """
    import numpy as np

    uniforms = __getattr__("uniforms")
    ndtri = __getattr__("ndtri")
    ndtri(uniforms(np.zeros(1, dtype=np.uint64), np.uint64(0), 1)[0])
