"""What result folders hold, read from their manifests: theatres and simulated years."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def theatres(results: Sequence[Any]) -> list[str]:
    """Theatres of all folders, in order of first appearance."""
    out: list[str] = []
    for r in results:
        for t in r.manifest.get("theatres") or list(r.outcomes["theatre"].unique()):
            if t not in out:
                out.append(t)
    return out


def months_per_year(manifest: dict[str, Any]) -> dict[int, int]:
    """Count the simulated months in each calendar year of a run."""
    y, m = (int(x) for x in manifest["start"].split("-"))
    first = y * 12 + m - 1
    counts: dict[int, int] = {}
    for t in range(int(manifest["months"])):
        counts[(first + t) // 12] = counts.get((first + t) // 12, 0) + 1
    return counts


def full_years(manifest: dict[str, Any]) -> list[int]:
    """Calendar years with all twelve months simulated."""
    return [y for y, n in months_per_year(manifest).items() if n == 12]
