"""Compiled per-element kernels of the engine's hot paths (numba, cached on disk).

The kernels do exactly the arithmetic of the numpy code they replace, element by element
and in the same order (no ``fastmath``, no fused multiply-add), so results are
bit-identical: integer hashing for the counter-based uniforms and the sequential
inversion searches of the Poisson and binomial quantiles, and the normal quantile
``ndtri``, evaluated as scipy evaluates it (Cephes' algorithm in scalar code with the C
library's ``log``; bit-identical, tested), which keeps scipy out of the engine's imports.
Element-wise ``exp`` and ``log`` of arrays stay in numpy, whose SIMD versions can differ
from the scalar C library by one unit in the last place.

Compiled code is cached (``cache=True``) in a folder keyed by a hash of the kernels'
source files (`sim.engine.jit.cache_dir`: ``~/.cache/escalation-sim/numba/sim-<key>`` by
default, or a ``sim-<key>`` subfolder of a ``NUMBA_CACHE_DIR`` the user sets), so a
change to any kernel module, or to a module of ``sim`` it imports, compiles every kernel
afresh, and installed packages and worker processes share one cache. The first run
after installing compiles the kernels (a few seconds); later processes load them from
the cache. Each kernel has a plain-Python or numpy reference it is tested against
(``tests/unit/engine/test_kernel_references_*.py``).

The kernels live beside their callers (`MODULES`: `sim.engine._kernels_random`,
`_kernels_forces`, `_kernels_choice`, `sim.engine.mechanisms.triggers_kernels`,
`grievance_kernels`), numba configured once in `sim.engine.jit`; this module imports a
kernel's module (and numba) when the kernel is first used, so commands that never
simulate (``sim check``, ``sim --help``) do not pay for numba's import.
"""

from __future__ import annotations

from typing import Any

MODULES = {
    "sim.engine._kernels_random": ("uniforms", "ndtri", "poisson_search", "binomial_search"),
    "sim.engine._kernels_forces": (
        "side_force",
        "nuclear_exposure",
        "count_equal",
        "basing",
        "gather",
        "gather_k",
    ),
    "sim.engine._kernels_choice": ("concession_arguments", "initiation_hazard"),
    "sim.engine.mechanisms.triggers_kernels": ("trigger_effects",),
    "sim.engine.mechanisms.grievance_kernels": ("grievance_month",),
}
"""The module of each kernel. A kernel may call one from another module: the cache folder
is keyed by the sources of all of them and of what they import (`sim.engine.jit`), so
numba's per-file check never serves a stale one."""

_WHERE = {name: module for module, names in MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Return kernel `name`, importing its compiled module on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module 'sim.engine.kernels' has no kernel {name!r}")
    import importlib

    value = getattr(importlib.import_module(_WHERE[name]), name)
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
