"""Registration of the subcommands that run simulations (run, trace, ...).

Kept apart from `sim.cli` so that the parser is cheap to build; each handler imports the
heavy machinery it needs only when it runs.
"""

from __future__ import annotations

REGISTER: list = []
"""Functions ``register(subparsers)`` called by `sim.cli.build_parser`."""
