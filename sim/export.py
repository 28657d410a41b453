"""``sim export``: a result folder's tables for spreadsheet users (CSV files or .xlsx).

Every table of the folder is written as it is (``runs``, ``outcomes``, ``annual``; sweeps
also ``points``, ``summary`` and ``points_summary``, the design points joined with their
per-theatre summaries), plus two small tables made for reading: ``about`` (what the
folder is: scenario, overrides, seed, runs, version, command) and, for ``sim run``
folders, ``theatre_summary`` (the per-theatre summary of the manifest, with every
probability of the outcome vocabulary, e.g. ``p_blockade``, computed from the outcomes),
and ``crises``: the crisis log with its dates as YYYY-MM (``opened``, ``ended``) and the
trigger's kind, as ``sim crises`` shows it. Seeds are 64-bit
integers, which a spreadsheet would round to 15 digits, so they are written as text; the
Parquet files remain the exact record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import SimError

EXCEL_ROWS = 1_048_575
"""Data rows per Excel sheet (1,048,576 less the header); longer tables continue on
sheets ``NAME_2``, ``NAME_3``..."""


@dataclass
class Exported:
    """What `export_folder` wrote: the path and the rows of each table."""

    path: Path
    sheets: dict[str, int] = field(default_factory=dict)


def about_table(manifest: dict[str, Any]) -> pd.DataFrame:
    """Return the folder's identity as (key, value) rows."""
    keys = [
        "kind",
        "scenario_title",
        "scenario_name",
        "scenario_file",
        "overrides",
        "master_seed",
        "runs",
        "months",
        "start",
        "sampler",
        "swept",
        "points",
        "runs_per_point",
        "annual_mode",
        "annual_runs",
        "status",
        "finished",
        "package_version",
        "git_commit",
        "command",
    ]
    rows = []
    for key in keys:
        if key not in manifest:
            continue
        value = manifest[key]
        if key == "overrides" and not value:
            value = "none"
        elif isinstance(value, list):
            value = " ".join(map(str, value)) if key == "command" else ", ".join(map(str, value))
        rows.append({"key": key, "value": "" if value is None else str(value)})
    return pd.DataFrame(rows, columns=["key", "value"])


def theatre_summary(
    manifest: dict[str, Any], outcomes: pd.DataFrame | None = None
) -> pd.DataFrame | None:
    """Return the manifest's per-theatre summary as one flat row per theatre.

    With `outcomes`, every probability of the outcome vocabulary the manifest does not
    hold (``p_blockade``, ``p_seized``, ``p_rung_ge5``...) is added with its Wilson
    interval (``_low``, ``_high``).
    """
    records = manifest.get("summary")
    if not records:
        return None
    rows = []
    for r in records:
        row = {k: v for k, v in r.items() if not isinstance(v, dict | list)}
        for rung, share in enumerate(r.get("rung_share", [])):
            row[f"share_max_rung_{rung}"] = share
        for aid, j in (r.get("allies_joined") or {}).items():
            row[f"p_joined_{aid}"] = j.get("p")
            row[f"p_joined_{aid}_low"] = j.get("low")
            row[f"p_joined_{aid}_high"] = j.get("high")
        if outcomes is not None:
            row.update(_vocabulary_shares(outcomes, str(r.get("theatre")), row))
        rows.append(row)
    return pd.DataFrame(rows)


def _vocabulary_shares(outcomes: pd.DataFrame, theatre: str, have: dict) -> dict[str, float]:
    """Return the vocabulary's probabilities missing from `have`, with Wilson intervals."""
    from sim.analysis.intervals import wilson
    from sim.analysis.outcome_names import MEASURES

    rows = outcomes[outcomes["theatre"] == theatre]
    out: dict[str, float] = {}
    if rows.empty:
        return out
    for name, m in MEASURES.items():
        key = m.column or f"p_{name}"
        if m.kind != "probability" or key in have:
            continue
        hits, n = int(m.per_run(rows).sum()), len(rows)
        low, high = wilson(hits, n)
        out[key] = hits / n
        out[f"{key}_low"] = 0.0 if hits == 0 else float(low)
        out[f"{key}_high"] = 1.0 if hits == n else float(high)
    return out


def points_summary(points: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Join the design points with their per-theatre summaries (one row per point, theatre)."""
    extra = [c for c in summary.columns if c not in points.columns or c == "point_id"]
    return points.merge(summary[extra], on="point_id", how="left")


def result_tables(folder: str | Path, annual: bool = True) -> dict[str, pd.DataFrame]:
    """Return the tables to export, by name, in the order they are written."""
    from sim.results.reader import load_results

    results = load_results(folder)
    m = results.manifest
    tables: dict[str, pd.DataFrame] = {"about": about_table(m)}
    summary = theatre_summary(m, results.outcomes if m.get("summary") else None)
    if summary is not None:
        tables["theatre_summary"] = summary
    if m.get("kind") == "sweep":
        points, sweep_summary = results.table("points"), results.table("summary")
        tables["points_summary"] = points_summary(points, sweep_summary)
        tables["points"] = points
        tables["summary"] = sweep_summary
    tables["runs"] = results.runs
    tables["outcomes"] = results.outcomes
    from sim.analysis.query import crisis_table

    tables["crises"] = crisis_table(results.crises, str(m.get("start", "2000-01")))
    if annual:
        tables["annual"] = results.annual
    return tables


def _for_spreadsheet(table: pd.DataFrame) -> pd.DataFrame:
    """Seeds as text (a spreadsheet keeps 15 digits); nullable columns as plain objects."""
    out = table.copy()
    if "seed" in out.columns:
        out["seed"] = out["seed"].astype("string")
    return out


def export_folder(
    folder: str | Path, fmt: str = "xlsx", out: str | Path | None = None, annual: bool = True
) -> Exported:
    """Write a result folder's tables as CSV files or one Excel workbook.

    Parameters
    ----------
    folder : str or Path
        A complete result folder (``sim run`` or ``sim sweep``).
    fmt : {"xlsx", "csv"}
        One workbook with a sheet per table, or a folder with one CSV file per table.
    out : str or Path, optional
        The workbook or CSV folder; default ``FOLDER/export.xlsx`` or
        ``FOLDER/export-csv/``.
    annual : bool
        Include the annual table (the largest).

    Returns
    -------
    Exported
        The path written and the rows of each table.
    """
    if fmt not in ("csv", "xlsx"):
        raise SimError(f"--format must be csv or xlsx, not '{fmt}'")
    tables = result_tables(folder, annual)
    default = Path(folder) / ("export.xlsx" if fmt == "xlsx" else "export-csv")
    path = Path(out) if out is not None else default
    written = Exported(path=path)
    if fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            _for_spreadsheet(table).to_csv(path / f"{name}.csv", index=False)
            written.sheets[name] = len(table)
        return written
    if path.suffix.lower() != ".xlsx":
        raise SimError(f"--out {path}: an Excel workbook must end in .xlsx")
    import importlib.util

    if importlib.util.find_spec("openpyxl") is None:  # pragma: no cover - a dependency
        raise SimError("--format xlsx needs openpyxl (pip install openpyxl)")
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in tables.items():
            frame = _for_spreadsheet(table)
            parts = range(0, max(len(frame), 1), EXCEL_ROWS)
            for i, start in enumerate(parts):
                sheet = name if i == 0 else f"{name}_{i + 1}"
                frame.iloc[start : start + EXCEL_ROWS].to_excel(
                    writer, sheet_name=sheet, index=False
                )
            written.sheets[name] = len(table)
    return written
