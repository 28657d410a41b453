"""Turn a batch's numpy results into the tidy tables of the result-folder contract."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim.engine.simulate import BatchResult

RUNS_SCHEMA_BASE = [("run_id", pa.int64()), ("seed", pa.uint64())]

OUTCOMES_SCHEMA = pa.schema(
    [
        ("run_id", pa.int64()),
        ("theatre", pa.string()),
        ("max_rung", pa.int8()),
        ("war", pa.bool_()),
        ("war_month", pa.int32()),
        ("first_crisis_month", pa.int32()),
        ("crises", pa.int32()),
        ("holder_final", pa.string()),
        ("holder_changed", pa.bool_()),
        ("allies_joined", pa.string()),
        ("nuclear_use", pa.bool_()),
    ]
)

ANNUAL_SCHEMA = pa.schema(
    [
        ("run_id", pa.int64()),
        ("year", pa.int16()),
        ("metric", pa.string()),
        ("subject", pa.string()),
        ("value", pa.float64()),
    ]
)


def runs_table(
    run_ids: np.ndarray,
    seeds: np.ndarray,
    point_ids: np.ndarray | None = None,
    point_values: dict[str, np.ndarray] | None = None,
) -> pa.Table:
    """One row per run: run_id, seed (and point_id plus swept values for sweeps)."""
    cols = {"run_id": pa.array(run_ids, pa.int64()), "seed": pa.array(seeds, pa.uint64())}
    if point_ids is not None:
        cols["point_id"] = pa.array(point_ids, pa.int64())
        for name, values in (point_values or {}).items():
            cols[name] = pa.array(values)
    return pa.table(cols)


def outcomes_table(result: BatchResult, run_ids: np.ndarray) -> pa.Table:
    """One row per (run, theatre), run-major, with the contract's columns."""
    s = result.structure
    runs, k = result.max_rung.shape
    actors = np.array(s.actors, dtype=object)
    patrons = [s.actors[p] for p in s.patron]
    joined = np.full((runs, k), "", dtype=object)
    for a, code in enumerate(patrons):
        hit = result.allies_joined[:, :, a]
        joined = np.where(hit, np.where(joined == "", code, joined + "," + code), joined)
    war_month = result.war_month.ravel()
    first = result.first_crisis.ravel()
    return pa.table(
        {
            "run_id": pa.array(np.repeat(run_ids, k), pa.int64()),
            "theatre": pa.array(np.tile(np.array(s.theatres, dtype=object), runs), pa.string()),
            "max_rung": pa.array(result.max_rung.ravel().astype(np.int8), pa.int8()),
            "war": pa.array(result.max_rung.ravel() >= 6, pa.bool_()),
            "war_month": pa.array(war_month.astype(np.int32), pa.int32(), mask=war_month < 0),
            "first_crisis_month": pa.array(first.astype(np.int32), pa.int32(), mask=first < 0),
            "crises": pa.array(result.crises.ravel().astype(np.int32), pa.int32()),
            "holder_final": pa.array(actors[result.holder_final.ravel()], pa.string()),
            "holder_changed": pa.array(result.holder_changes.ravel() > 0, pa.bool_()),
            "allies_joined": pa.array(joined.ravel(), pa.string()),
            "nuclear_use": pa.array(result.nuclear_use.ravel(), pa.bool_()),
        },
        schema=OUTCOMES_SCHEMA,
    )


def annual_table(result: BatchResult, run_ids: np.ndarray) -> pa.Table:
    """One row per (run, year, metric, subject), tidy.

    The string columns are built as codes into the few distinct names and expanded by
    Arrow (`pyarrow.compute.take`), not as one Python string object per row.
    """
    import pyarrow.compute as pc

    years = result.years
    runs, y = len(run_ids), len(years)
    metrics: list[str] = []
    subjects: list[str] = []
    parts_run, parts_year, parts_metric, parts_subject, parts_value = [], [], [], [], []
    for block in result.blocks:
        arr = result.annual[f"{block.metric}|{','.join(block.subjects)}"]  # (R, Y, n)
        n = len(block.subjects)
        codes = np.arange(len(subjects), len(subjects) + n, dtype=np.int32)
        subjects.extend(block.subjects)
        parts_run.append(np.repeat(run_ids, y * n))
        parts_year.append(np.tile(np.repeat(years, n), runs))
        parts_metric.append(np.full(runs * y * n, len(metrics), dtype=np.int32))
        metrics.append(block.metric)
        parts_subject.append(np.tile(codes, runs * y))
        parts_value.append(arr.reshape(-1))
    if not parts_run:
        return ANNUAL_SCHEMA.empty_table()
    return pa.table(
        {
            "run_id": pa.array(np.concatenate(parts_run), pa.int64()),
            "year": pa.array(np.concatenate(parts_year).astype(np.int16), pa.int16()),
            "metric": pc.take(pa.array(metrics, pa.string()), np.concatenate(parts_metric)),
            "subject": pc.take(pa.array(subjects, pa.string()), np.concatenate(parts_subject)),
            "value": pa.array(np.concatenate(parts_value), pa.float64()),
        },
        schema=ANNUAL_SCHEMA,
    )


_NULLABLE = {
    pa.int8(): "Int8",
    pa.int16(): "Int16",
    pa.int32(): "Int32",
    pa.int64(): "Int64",
    pa.uint64(): "UInt64",
}


def to_frame(table: pa.Table):
    """Arrow table to pandas with nullable integer columns (months stay integers)."""
    import pandas as pd

    mapping = {k: pd.api.types.pandas_dtype(v) for k, v in _NULLABLE.items()}
    return table.to_pandas(types_mapper=mapping.get)
