"""Provenance recorded in every manifest: versions, git commit, host."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path
from typing import Any

from sim.results.manifest import Provenance


def git_commit() -> dict[str, Any]:
    """Commit of the source tree the package runs from, and whether it has local changes."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
            start_new_session=True,
        ).stdout.strip()
        dirty = (
            subprocess.run(
                # no index.lock (a Ctrl-C of sim run while git refreshed the index left
                # one behind, blocking the user's next git command), and its own session,
                # out of reach of the terminal's Ctrl-C
                [
                    "git",
                    "--no-optional-locks",
                    "-C",
                    str(root),
                    "status",
                    "--porcelain",
                    "--",
                    "sim",
                ],
                capture_output=True,
                text=True,
                timeout=5,
                start_new_session=True,
            ).stdout.strip()
            != ""
        )
        return {"git_commit": head, "git_dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}


def provenance() -> Provenance:
    """Package and library versions, git commit, Python and host."""
    import numpy
    import pyarrow
    import scipy

    from sim._version import __version__

    commit = git_commit()
    return Provenance(
        package_version=__version__,
        git_commit=commit["git_commit"],
        git_dirty=commit["git_dirty"],
        python=platform.python_version(),
        numpy=numpy.__version__,
        scipy=scipy.__version__,
        pyarrow=pyarrow.__version__,
        host=platform.node(),
        platform=platform.platform(),
    )
