"""Scenario files: schema, loading with ``extends`` and ``--set``, validation, TOML output."""

from sim.scenario.loader import Scenario, load_scenario

__all__ = ["Scenario", "load_scenario"]
