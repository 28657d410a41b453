"""numba, configured once for the engine's compiled kernels: import it from here.

Before numba is imported, ``NUMBA_CACHE_DIR`` is set to `cache_dir`: a subfolder
``sim-<key>`` of the user's ``NUMBA_CACHE_DIR``, or of ``$XDG_CACHE_HOME/escalation-sim/numba``
(default ``~/.cache/escalation-sim/numba``) when that is unset. The key (`sources_key`) is a
hash of the source files of the kernel modules (`sim.engine.kernels.MODULES`) and of every
module of ``sim`` they import, this one included. numba checks only the file that defines
a kernel before it loads the kernel from its cache, so a kernel that inlines or calls one
from another file would otherwise be served stale after that file changes; with the key,
changing any of these files starts a new folder and every kernel is compiled afresh. A
folder the user sets is keyed too: those who set it (developers, CI) are those who edit
kernels; other numba code in the process caches there as well, which is harmless. The
folder's name makes the setting idempotent: worker processes inherit the variable (or
derive the same folder) and use it as it is. Installed packages (whose source folder may
not be writable) and workers share one cache. The kernel modules do
``from sim.engine.jit import numba``.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
"""The folder that holds the ``sim`` package."""

_FROM = re.compile(r"^[ \t]*from[ \t]+(sim(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+(sim(?:\.\w+)*)", re.M)

PREFIX = "sim-"
"""Start of the name of a keyed cache folder (``sim-`` and 12 hex digits)."""


def _module_file(root: Path, module: str) -> Path | None:
    """Return the source file of `module` under `root`, or None if it has none there."""
    path = root.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def kernel_sources(root: Path = _ROOT) -> list[Path]:
    """Return the source files the compiled kernels depend on, sorted.

    The kernel modules (`sim.engine.kernels.MODULES`) and, transitively, every module of
    ``sim`` one of them imports (at any depth, inside functions too: more files than
    needed only invalidates the cache more often). Packages' ``__init__.py`` files on the
    way are not followed.

    Parameters
    ----------
    root : pathlib.Path
        Folder that holds the ``sim`` package (a copy in tests).

    Returns
    -------
    list of pathlib.Path
        The files, sorted by path.
    """
    from sim.engine.kernels import MODULES

    todo = list(MODULES)
    seen: dict[str, Path] = {}
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        path = _module_file(root, module)
        if path is None or path.name == "__init__.py":
            continue
        seen[module] = path
        text = path.read_text(encoding="utf-8")
        todo.extend(_IMPORT.findall(text))
        for package, names in _FROM.findall(text):
            todo.append(package)  # and each name, in case it is a module
            parts = (name.split() for name in names.strip("()").split(","))
            todo.extend(f"{package}.{part[0]}" for part in parts if part)
    return sorted(seen.values())


def sources_key(root: Path = _ROOT) -> str:
    """Return 12 hex digits of SHA-256 over the kernels' source files (`kernel_sources`).

    Each file contributes its path relative to `root` and its bytes, so changing,
    adding, removing or renaming one of them changes the key.
    """
    digest = hashlib.sha256()
    for path in kernel_sources(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def cache_dir(key: str | None = None) -> Path:
    """Return the folder numba caches the compiled kernels in (see the module doc).

    Parameters
    ----------
    key : str, optional
        The sources' key (`sources_key` of the installed package by default).
    """
    name = PREFIX + (key if key is not None else sources_key())
    explicit = os.environ.get("NUMBA_CACHE_DIR")
    if explicit:
        base = Path(explicit)
        return base if base.name == name else base / name  # inherited from a parent process
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(home) / "escalation-sim" / "numba" / name


os.environ["NUMBA_CACHE_DIR"] = str(cache_dir())

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

__all__ = ["cache_dir", "kernel_sources", "numba", "sources_key"]
