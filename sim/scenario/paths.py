"""Where the shipped scenarios (and their posteriors) are, found from any working directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sim.errors import SimError

SHARE = Path("share") / "escalation-sim" / "scenarios"
"""Where a wheel installs the shipped scenarios, under ``sys.prefix`` (pyproject.toml,
``[tool.setuptools.data-files]``)."""


def scenario_dir() -> Path:
    """Return the folder of the shipped scenarios, found from any working directory.

    In order: ``$SIM_SCENARIOS``; the repository's ``scenarios/`` next to the package (a
    source checkout or an editable install, where the user-facing folder is the canonical
    one); ``<sys.prefix>/share/escalation-sim/scenarios`` (a wheel install, which copies
    the same files there); finally ``./scenarios``.
    """
    if os.environ.get("SIM_SCENARIOS"):
        return Path(os.environ["SIM_SCENARIOS"])
    for candidate in (
        Path(__file__).resolve().parents[2] / "scenarios",
        Path(sys.prefix) / SHARE,
    ):
        if any(candidate.glob("*.toml")):
            return candidate
    return Path("scenarios")


def shipped_scenario(name: str) -> Path:
    """Return a shipped scenario file: ``./scenarios/NAME`` if present, else `scenario_dir`."""
    local = Path("scenarios") / name
    if local.is_file():
        return local
    found = scenario_dir() / name
    if found.is_file():
        return found
    raise SimError(f"scenarios/{name} not found here or among the shipped scenarios")
