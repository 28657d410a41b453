"""Write a resolved scenario back out as TOML (``sim show``)."""

from __future__ import annotations

import tomli_w

from sim.scenario.loader import Scenario, drop_none


def to_toml(scenario: Scenario) -> str:
    """Return the fully resolved scenario as TOML text; loading it gives the same scenario."""
    data = drop_none(scenario.data)  # TOML cannot express unset optional fields
    data["meta"] = {k: v for k, v in data["meta"].items() if k != "extends"}
    header = f"# Resolved scenario from {scenario.file}"
    if scenario.overrides:
        header += "\n# overrides: " + " ".join(scenario.overrides)
    return header + "\n" + tomli_w.dumps(data)
