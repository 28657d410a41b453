"""The ``sim`` command line: the parser (`sim.cli.main`), one module per group of commands.

``sim = "sim.cli:main"`` (pyproject.toml) and ``python -m sim`` both run `main`. The
shared option vocabulary (``-o/--out``, ``-q/--quiet``, ``--format``,
``--figure-format``, ``--set``, ``--runs``...) is in `sim.cli.args`. No module here imports
anything heavy at module level, so ``sim --help`` stays fast.
"""

from __future__ import annotations

from sim.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
