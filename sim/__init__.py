"""Escalation-dynamics simulator: a vectorised ensemble engine with a Mesa front.

The public API is imported lazily so that ``import sim`` stays cheap::

    import sim
    result = sim.run("scenarios/baseline.toml", runs=1000, seed=1)
    model = sim.EscalationModel("scenarios/baseline.toml", seed=42)
    replay = sim.EscalationModel.from_results(result, run_id=0)
    summary = sim.sweep("scenarios/baseline.toml", {"alliances.USA-TWN.commitment": (0, 1)})
    table = sim.compare(["results/a", "results/b"])
"""

from __future__ import annotations

from typing import Any

from sim._version import __version__

_LAZY: dict[str, tuple[str, str | None]] = {
    "load_scenario": ("sim.scenario.loader", "load_scenario"),
    "Scenario": ("sim.scenario.loader", "Scenario"),
    "run": ("sim.runner.ensemble", "run"),
    "load_results": ("sim.results.reader", "load_results"),
    "EscalationModel": ("sim.model", "EscalationModel"),
    "StateActor": ("sim.model", "StateActor"),
    "sweep": ("sim.sweep", None),
    "compare": ("sim.api", "compare"),
}
"""Public name -> (module, attribute); attribute None: the module itself (``sim.sweep``
is a callable package, `sim.sweep.__init__`)."""

__all__ = ["__version__", *_LAZY]


def __dir__() -> list[str]:
    """List the public API (imported lazily) and the module's dunder names."""
    return sorted({name for name in globals() if name.startswith("__")} | set(__all__))


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        imported = importlib.import_module(module)
        value = imported if attr is None else getattr(imported, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
