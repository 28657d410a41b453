"""``sim.sweep(scenario, params, ...)``: a parameter sweep as a pandas DataFrame.

The function behind the callable package ``sim.sweep`` (`sim.sweep.__init__`) and
`sim.api.sweep`: a thin wrapper over `sim.sweep.run.run_sweep`, the code behind ``sim
sweep``, for scripts and notebooks.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd


def _param_texts(params: Mapping[str, Any] | Iterable[str]) -> list[str]:
    """``PATH=LO:HI`` / ``PATH=V1,V2`` strings from a mapping of path -> (lo, hi) or list."""
    if not isinstance(params, Mapping):
        return [str(p) for p in params]
    out = []
    for path, spec in params.items():
        if isinstance(spec, str):
            out.append(f"{path}={spec}")
        elif isinstance(spec, tuple) and len(spec) == 2:
            out.append(f"{path}={spec[0]!r}:{spec[1]!r}")
        else:
            values = ",".join(str(v).lower() if isinstance(v, bool) else repr(v) for v in spec)
            out.append(f"{path}={values}")
    return out


def sweep(
    scenario: str | Path | Any,
    params: Mapping[str, Any] | Iterable[str],
    sampler: str | None = None,
    points: int | None = None,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    force: bool = False,
    posterior: str | None = None,
) -> pd.DataFrame:
    """Run a parameter sweep and return its summary, one row per design point and theatre.

    Parameters
    ----------
    scenario : path, Scenario or mapping
        The scenario.
    params : mapping or iterable of str
        The swept parameters: ``{"alliances.USA-TWN.commitment": (0, 1)}`` for a range,
        ``{PATH: [0.1, 0.5, 0.9]}`` for levels, or ``"PATH=LO:HI"`` strings as ``sim sweep
        --param`` takes them.
    sampler : {"grid", "lhs", "sobol", "morris"}, optional
        The design (default: a grid when every parameter is a list of levels, else as
        ``sim sweep``: the scenario's ``[sweep]`` table or a Latin hypercube).
    points : int, optional
        Design points (for a grid over a range: levels per parameter).
    runs : int, optional
        Runs per point.
    seed : int, optional
        Master seed; default the scenario's ``meta.seed``.
    overrides : ``PATH=VALUE`` strings or mapping, optional
        ``--set`` overrides held fixed over the design.
    out : path, optional
        Result folder to keep (then `sim.load_results` reads it back). None: a temporary
        folder, deleted once the summary is read.
    workers : int, optional
        Worker processes; default one per core.
    force : bool
        Overwrite a non-empty `out`.
    posterior : str, optional
        ``"none"`` runs at the scenario's own values; a ``sim calibrate`` folder draws
        from it; default: the scenario's posterior, as ``sim run`` does.

    Returns
    -------
    DataFrame
        ``summary.parquet``: ``point_id``, ``theatre``, ``runs``, ``p_war`` (with
        ``p_war_low``/``p_war_high``), ``mean_max_rung``, ``p_rung_ge4``, ``p_rung_ge5``,
        ``p_holder_changed``, ``p_blockade``, ``p_joined_<ALLIANCE>`` and one column per
        swept parameter. ``.attrs["folder"]`` is the result folder (None if temporary),
        ``.attrs["sensitivity"]`` the indices of Sobol and Morris designs.
    """
    from sim.sweep.run import run_sweep

    texts = _param_texts(params)
    if sampler is None and texts and all(":" not in t.split("=", 1)[-1] for t in texts):
        sampler = "grid"  # only level lists: every combination, not a random design
    sets: list[str] | dict[str, Any]
    if isinstance(overrides, Mapping):
        sets = dict(overrides)
        if posterior is not None:
            sets["calibration.posterior"] = _posterior_value(posterior)
    else:
        sets = list(overrides or [])
        if posterior is not None:
            sets.append(f"calibration.posterior={_posterior_value(posterior)}")
    temporary = out is None
    folder = Path(tempfile.mkdtemp(prefix="sim-sweep-")) if out is None else Path(out)
    try:
        res = run_sweep(
            scenario,
            params=texts,
            sampler=sampler,
            points=points,
            runs=runs,
            seed=seed,
            overrides=sets,
            out=folder,
            workers=workers,
            force=force or temporary,
        )
        summary = res.table("summary").copy()
        sensitivity = res.path / "sensitivity.json"
        if sensitivity.exists():
            import json

            summary.attrs["sensitivity"] = json.loads(sensitivity.read_text())
        summary.attrs["folder"] = None if temporary else str(res.path)
        return summary
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)


def _posterior_value(posterior: str) -> str:
    return posterior if posterior == "none" else str(Path(posterior).resolve())
