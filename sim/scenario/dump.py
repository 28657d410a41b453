"""Write a resolved scenario back out as TOML (``sim show``)."""

from __future__ import annotations

from typing import Any

import tomli_w

from sim.scenario.loader import Scenario


def _clean(value: Any) -> Any:
    """Drop None values, which TOML cannot express (unset optional fields)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def to_toml(scenario: Scenario) -> str:
    """Return the fully resolved scenario as TOML text; loading it gives the same scenario."""
    data = _clean(scenario.data)
    data["meta"] = {k: v for k, v in data["meta"].items() if k != "extends"}
    header = f"# Resolved scenario from {scenario.file}"
    if scenario.overrides:
        header += "\n# overrides: " + " ".join(scenario.overrides)
    return header + "\n" + tomli_w.dumps(data)
