"""``sim.sweep`` and ``sim.compare``: sweeps and comparisons as pandas DataFrames.

Thin wrappers over the code behind ``sim sweep`` (`sim.sweep.run.run_sweep`) and ``sim
compare`` (`sim.analysis.compare.compare_results`), for scripts and notebooks; the
dynamics and the statistics stay there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.sweep.frame import sweep

__all__ = ["compare", "sweep"]


def compare(
    folders: Sequence[str | Path | Any] | Mapping[str, str | Path | Any],
    outcomes: Sequence[str] = (),
    years: Sequence[int] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Compare result folders (paths or `sim.load_results` results) with the first one.

    Parameters
    ----------
    folders : sequence of path or Results, or mapping of label to them
        At least two ensemble folders; the first is the reference. With a mapping, its
        keys label the folders (default: the folder names).
    outcomes : sequence of str
        More outcomes to compare (``MEASURE.THEATRE`` or expressions such as
        ``"war.taiwan or blockade.taiwan"``).
    years : sequence of int, optional
        Calendar years of the spending and grey-zone rows (default: the last full year).
    level : float
        Level of every interval.

    Returns
    -------
    DataFrame
        One row per (group, outcome, folder), as ``sim compare --format csv``: the
        estimate with its sampling interval (``value``, ``low``, ``high``), its interval
        over the posterior's parameters (``param_low``, ``param_high``), and for every
        folder after the first its difference from the first (``diff``, ``diff_low``,
        ``diff_high``, ``paired``), the difference's interval over parameters
        (``diff_param_low``, ``diff_param_high``) and the share of posterior draws in
        which it keeps its sign (``sign_share``). ``.attrs`` holds ``labels``,
        ``paired``, ``warnings`` and ``notes``.
    """
    from sim.analysis.compare import compare_results
    from sim.results.reader import Results, load_results

    given = list(folders) if isinstance(folders, Mapping) else None
    paths = list(folders.values()) if isinstance(folders, Mapping) else list(folders)
    results = [f if isinstance(f, Results) else load_results(f) for f in paths]
    c = compare_results(results, years, level, outcomes)
    rows = c.rows.copy()
    labels = list(c.labels)
    if given is not None:
        rename = dict(zip(labels, (str(g) for g in given), strict=True))
        rows["folder"] = rows["folder"].map(rename)
        labels = [rename[lab] for lab in labels]
    rows.attrs.update(
        labels=labels,
        paired=list(c.paired),
        warnings=list(c.warnings),
        notes=list(c.uncertainty),
    )
    return rows
