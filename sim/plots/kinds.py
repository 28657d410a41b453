"""The registry of figure kinds and how a folder's default set is chosen.

A kind is a function ``(results, **options) -> list[Plot]`` taking a list of result folders.
Kinds marked ``compare=True`` accept several folders (``sim compare``). Sweep kinds
(``response``, ``heatmap``, ``sensitivity``) will register here with ``suits`` testing for
a sweep folder (``runs.parquet`` with ``point_id``), so ``sim plot`` picks them up
without changes elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import SimError


@dataclass(frozen=True)
class Kind:
    """A figure kind.

    Attributes
    ----------
    name : str
        The ``--kind`` value.
    module, function : str
        Where the figure function lives (imported only when drawn).
    help : str
        One line for ``--help``.
    suits : callable
        ``suits(results) -> bool``: whether the kind belongs in a folder's default set.
    compare : bool
        Whether it draws several folders side by side.
    options : tuple of str
        Keyword options it accepts (``metric``, ``subject``, ``year``, ``outcome``).
    """

    name: str
    module: str
    function: str
    help: str
    suits: Callable[[Any], bool]
    compare: bool = False
    options: tuple[str, ...] = ()

    def draw(self, results: Sequence[Any], **options: Any) -> list:
        """Render the kind for `results` with the options it accepts."""
        import importlib

        func = getattr(importlib.import_module(self.module), self.function)
        return func(
            list(results),
            **{k: v for k, v in options.items() if k in self.options and v is not None},
        )


def _is_ensemble(r: Any) -> bool:
    return r.manifest.get("kind", "ensemble") == "ensemble"


def _has_annual(r: Any) -> bool:
    files = r.manifest.get("files", {})
    facts = files.get("annual.parquet")
    return _is_ensemble(r) and (facts is None or facts.get("rows", 1) > 0)


def _is_sweep(r: Any) -> bool:
    return r.manifest.get("kind") == "sweep"


def _is_multi_sweep(r: Any) -> bool:
    return _is_sweep(r) and len(r.manifest.get("swept", [])) >= 2


def _has_indices(r: Any) -> bool:
    return _is_sweep(r) and (r.path / "sensitivity.json").exists()


def _has_grievance(r: Any) -> bool:
    return _has_annual(r) and bool(r.manifest.get("scenario", {}).get("grievances"))


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "ladder",
            "sim.plots.ladder",
            "plot_ladder",
            "distribution of the highest rung reached per theatre",
            _is_ensemble,
            compare=True,
        ),
        Kind(
            "war",
            "sim.plots.war",
            "plot_war",
            "P(war) per theatre with 95% Wilson intervals",
            _is_ensemble,
            compare=True,
        ),
        Kind(
            "survival",
            "sim.plots.survival",
            "plot_survival",
            "Kaplan-Meier curves of time to first crisis and to war",
            _is_ensemble,
            compare=True,
        ),
        Kind(
            "fan",
            "sim.plots.fan",
            "plot_fan",
            "median and 50%/90% bands of annual series (--metric, --subject)",
            _has_annual,
            options=("metric", "subject"),
        ),
        Kind(
            "grievance",
            "sim.plots.grievance",
            "plot_grievance",
            "grievance network at a year (--year)",
            _has_grievance,
            options=("year",),
        ),
        Kind(
            "response",
            "sim.plots.sweep",
            "plot_response",
            "sweeps: an outcome (--outcome, default: the first that varies) against each "
            "swept parameter",
            _is_sweep,
            options=("metric", "outcome"),
        ),
        Kind(
            "heatmap",
            "sim.plots.sweep",
            "plot_heatmap",
            "sweeps: an outcome over the first two swept parameters, cells with counts",
            _is_multi_sweep,
            options=("metric", "outcome"),
        ),
        Kind(
            "sensitivity",
            "sim.plots.sweep",
            "plot_sensitivity",
            "sweeps: Sobol or Morris indices with intervals (--outcome: that outcome's)",
            _has_indices,
            options=("metric", "outcome"),
        ),
    )
}
"""Every figure kind, in the order ``sim plot`` draws them."""


def resolve(names: Sequence[str] | None, results: Any) -> list[Kind]:
    """Return the kinds to draw: `names` (checked), or every kind that suits the folder."""
    if not names:
        return [k for k in KINDS.values() if k.suits(results)]
    out = []
    for n in names:
        if n not in KINDS:
            raise SimError(f"unknown --kind {n!r}; choose from {', '.join(KINDS)}")
        if KINDS[n] not in out:
            out.append(KINDS[n])
    return out


def compare_kinds() -> list[Kind]:
    """Kinds that draw several folders side by side."""
    return [k for k in KINDS.values() if k.compare]
