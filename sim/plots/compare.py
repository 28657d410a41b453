"""Several scenarios side by side (``sim compare``).

The compare figures are the ordinary kinds drawn with several folders: war probability
with intervals per theatre, ladder distributions and survival curves, each labelled by
scenario title. This module is the library entry point.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.plots.kinds import KINDS, compare_kinds


def compare(folders: Sequence[str | Path | Any], kinds: Sequence[str] | None = None) -> list:
    """Draw the compare figures of several result folders (paths or `Results`).

    Returns
    -------
    list of Plot
        One per kind (``war``, ``ladder``, ``survival`` by default).
    """
    from sim.results.reader import Results, load_results

    results = [f if isinstance(f, Results) else load_results(f) for f in folders]
    names = list(kinds) if kinds else [k.name for k in compare_kinds()]
    plots = []
    for n in names:
        plots += KINDS[n].draw(results)
    return plots
