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


def _without_blas_probe() -> None:
    """Import ``numba.np.arraymath`` without its BLAS probe importing ``scipy.linalg``.

    When numba sets up its code generator (the first compiled kernel a process calls or
    loads), ``numba.np.arraymath`` runs ``ensure_blas()`` at import only to learn whether
    ``np.dot`` and friends may be typed; that imports ``scipy.linalg`` (~0.18-0.25 s of
    CPU per process). No kernel of the engine uses linear algebra. The probe is answered
    "available" without the import, and the real ``ensure_blas`` is put back at once: a
    kernel that did use ``np.dot`` would still import scipy's BLAS when it is compiled
    (numba calls ``ensure_blas`` again then), or fail there if scipy were missing.
    """
    import sys

    if "numba.np.arraymath" in sys.modules:
        return
    from numba.np import linalg

    probe = linalg.ensure_blas
    linalg.ensure_blas = lambda: None
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        linalg.ensure_blas = probe


_without_blas_probe()

__all__ = ["cache_dir", "numba"]
