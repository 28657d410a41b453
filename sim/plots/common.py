"""Helpers shared by the figure modules: metric labels and units.

Theatres and simulated years come from `sim.analysis.folders` (re-exported here).
"""

from __future__ import annotations

from typing import Any

from sim.analysis.folders import full_years, months_per_year, theatres
from sim.errors import SimError

__all__ = [
    "CORE_METRICS",
    "LEVEL_METRICS",
    "METRIC_LABELS",
    "activity_units",
    "full_years",
    "metric_label",
    "months_per_year",
    "require_annual",
    "theatres",
]

LEVEL_METRICS = {
    "milex_usd_bn": "mean",
    "gdp_usd_bn": "mean",
    "capability": "last",
    "grievance": "last",
}
"""Annual metrics that are levels (monthly mean or end-of-year value).

Every other metric is a flow over the calendar year (a sum such as grey-zone counts,
crises, talks) or a maximum (``max_rung``, ``at_war``), which a partial year understates.
"""

METRIC_LABELS = {
    "milex_usd_bn": "military spending (USD bn, current)",
    "gdp_usd_bn": "GDP (USD bn, current)",
    "capability": "military capability (USD bn stock)",
    "max_rung": "highest rung in year",
    "crises": "crises opened (per year)",
    "at_war": "at war during year (0/1)",
    "grievance": "grievance (0-1, end of year)",
    "talks": "talks held (per year)",
}

CORE_METRICS = set(METRIC_LABELS)


def metric_label(metric: str, unit_hint: str = "") -> str:
    """Axis label with units for an annual metric."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric]
    unit = unit_hint or "per year"
    return f"{metric.replace('_', ' ')} ({unit})"


def activity_units(manifest: dict[str, Any]) -> dict[str, str]:
    """Map each grey-zone activity of the scenario to its unit label (count or days)."""
    out = {}
    for th in (manifest.get("scenario", {}).get("theatres") or {}).values():
        for name, spec in (th.get("greyzone") or {}).items():
            unit = spec.get("unit", "count") if isinstance(spec, dict) else "count"
            out[name] = "days per year" if unit == "days" else "count per year"
    return out


def require_annual(r: Any, what: str) -> None:
    """Raise a one-line error if a folder has no annual series."""
    if len(r.annual) == 0:
        raise SimError(
            f"{r.path}: no annual series in this folder, so no {what} figure "
            "(run again with --annual all or sample)"
        )
