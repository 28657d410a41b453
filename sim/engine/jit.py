"""numba, configured once for the engine's compiled kernels: import it from here.

Sets ``NUMBA_CACHE_DIR`` (when unset) to `cache_dir`, ``$XDG_CACHE_HOME/escalation-sim/numba``
(default ``~/.cache/escalation-sim/numba``), before numba is imported, so
installed packages (whose source folder may not be writable) and worker processes
(which inherit the variable, or derive the same folder) share one cache. The kernel
modules (`sim.engine.kernels` lists them) do ``from sim.engine.jit import numba``.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Return the folder numba caches the compiled kernels in (see the module doc)."""
    explicit = os.environ.get("NUMBA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "escalation-sim" / "numba"


os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir()))

import numba  # noqa: E402

if getattr(numba.config, "CACHE_DIR", "") != os.environ["NUMBA_CACHE_DIR"]:  # imported before
    numba.config.reload_config()

__all__ = ["cache_dir", "numba"]
