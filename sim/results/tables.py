"""Turn a batch's numpy results into the tidy tables of the result-folder contract."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim.engine.simulate import BatchResult, outcome_columns

RUNS_SCHEMA_BASE = [("run_id", pa.int64()), ("seed", pa.uint64())]

_ARROW = {
    "int8": pa.int8(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "string": pa.string(),
}
_NUMPY = {
    "int8": np.int8,
    "int32": np.int32,
    "int64": np.int64,
    "float64": np.float64,
    "bool": bool,
    "string": object,
}


def outcomes_schema() -> pa.Schema:
    """Return the schema of ``outcomes.parquet``: run, theatre, every declared outcome column."""
    columns = [(c.name, _ARROW[c.arrow]) for c in outcome_columns()]
    return pa.schema([("run_id", pa.int64()), ("theatre", pa.string()), *columns])


OUTCOMES_SCHEMA = outcomes_schema()

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
    extra: dict[str, np.ndarray] | None = None,
) -> pa.Table:
    """One row per run: run_id, seed (and point_id plus swept values for sweeps).

    `extra` adds columns after those, e.g. a posterior run's ``draw`` and drawn values.
    """
    cols = {"run_id": pa.array(run_ids, pa.int64()), "seed": pa.array(seeds, pa.uint64())}
    if point_ids is not None:
        cols["point_id"] = pa.array(point_ids, pa.int64())
        for name, values in (point_values or {}).items():
            cols[name] = pa.array(values)
    for name, values in (extra or {}).items():
        cols[name] = pa.array(values)
    return pa.table(cols)


def outcomes_table(result: BatchResult, run_ids: np.ndarray) -> pa.Table:
    """One row per (run, theatre), run-major, with the declared outcome columns."""
    s = result.structure
    runs, k = result.runs, len(s.theatres)
    cols = {
        "run_id": pa.array(np.repeat(run_ids, k), pa.int64()),
        "theatre": pa.array(np.tile(np.array(s.theatres, dtype=object), runs), pa.string()),
    }
    for column in outcome_columns():
        values = np.asarray(result.column(column)).ravel()
        mask = values < 0 if column.null_below_zero else None
        cols[column.name] = pa.array(
            values.astype(_NUMPY[column.arrow]), _ARROW[column.arrow], mask=mask
        )
    return pa.table(cols, schema=OUTCOMES_SCHEMA)


def _codes(count: int) -> type[np.signedinteger]:
    """Smallest signed integer type for dictionary codes 0..count-1."""
    for dtype in (np.int8, np.int16):
        if count <= np.iinfo(dtype).max + 1:
            return dtype
    return np.int32


def _dictionary(codes: np.ndarray, names: list[str]) -> pa.DictionaryArray:
    """Return a string column given as codes into a few names (no string built per row)."""
    return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(names, pa.string()))


def annual_table(result: BatchResult, run_ids: np.ndarray) -> pa.Table:
    """One row per (run, year, metric, subject), tidy, in block, run, year, subject order.

    The columns of ``ANNUAL_SCHEMA``, except that ``metric`` and ``subject`` are
    dictionary-encoded: codes into the few distinct names, so no string is built per row
    (a 10,000-run chunk has 4 million rows). Parquet stores them as plain strings
    (`sim.results.folder.parquet_options`), so ``annual.parquet`` reads back with
    ``ANNUAL_SCHEMA``. Each column is filled in place, block by block, and the values
    are the engine's accumulators without a copy where their layout allows.
    """
    years = np.asarray(result.years)
    runs, y = len(run_ids), len(years)
    total = sum(runs * y * len(b.subjects) for b in result.blocks)
    if total == 0:
        return ANNUAL_SCHEMA.empty_table()
    metrics = list(dict.fromkeys(b.metric for b in result.blocks))
    subjects = list(dict.fromkeys(x for b in result.blocks for x in b.subjects))
    run_col = np.empty(total, np.int64)
    year_col = np.empty(total, np.int16)
    metric_col = np.empty(total, _codes(len(metrics)))
    subject_col = np.empty(total, _codes(len(subjects)))
    values = []
    lo = 0
    for block in result.blocks:
        n = len(block.subjects)
        hi = lo + runs * y * n
        run_col[lo:hi].reshape(runs, y * n)[:] = np.asarray(run_ids)[:, None]
        year_col[lo:hi].reshape(runs, y, n)[:] = years[None, :, None]
        metric_col[lo:hi] = metrics.index(block.metric)
        codes = np.array([subjects.index(x) for x in block.subjects])
        subject_col[lo:hi].reshape(runs * y, n)[:] = codes
        arr = result.annual[f"{block.metric}|{','.join(block.subjects)}"]  # (R, Y, n)
        values.append(pa.array(np.ascontiguousarray(arr, np.float64).reshape(-1)))
        lo = hi
    return pa.table(
        {
            "run_id": pa.array(run_col),
            "year": pa.array(year_col),
            "metric": _dictionary(metric_col, metrics),
            "subject": _dictionary(subject_col, subjects),
            "value": pa.chunked_array(values, pa.float64()),
        }
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


CRISES_SCHEMA = pa.schema(
    [
        ("run_id", pa.int64()),
        ("theatre", pa.string()),
        ("opened_month", pa.int32()),
        ("trigger", pa.string()),
        ("challenger", pa.string()),
        ("defender", pa.string()),
        ("parties", pa.string()),
        ("peak_rung", pa.int8()),
        ("ended_month", pa.int32()),
        ("ending", pa.string()),
    ]
)
"""Schema of ``crises.parquet``: one row per crisis (result-folder contract)."""


def _party_codes(mask: np.ndarray, actors: tuple[str, ...]) -> np.ndarray:
    """Comma-separated actor codes of each bit mask, in actor order."""
    out = np.full(mask.shape, "", dtype=object)
    for i, code in enumerate(actors):
        has = (mask >> i) & 1 == 1
        out = np.where(has, np.where(out == "", code, out + "," + code), out)
    return out


def crises_table(result: BatchResult, run_ids: np.ndarray) -> pa.Table:
    """One row per crisis, sorted by run, month opened and theatre."""
    from sim.engine.ladder import CRISIS_ENDINGS, LOG_COLUMNS

    s = result.structure
    log = result.crisis_log
    if log.shape[0] == 0:
        return CRISES_SCHEMA.empty_table()
    col = {name: log[:, i] for i, name in enumerate(LOG_COLUMNS)}
    rid = np.asarray(run_ids)[col["run"]]
    order = np.lexsort((col["ended"], col["theatre"], col["opened"], rid))
    col = {name: values[order] for name, values in col.items()}
    rid = rid[order]
    actors = np.array(s.actors, dtype=object)
    labels = np.array(s.trigger_labels + ("unknown",), dtype=object)
    ended = col["ended"]
    return pa.table(
        {
            "run_id": pa.array(rid, pa.int64()),
            "theatre": pa.array(np.array(s.theatres, dtype=object)[col["theatre"]], pa.string()),
            "opened_month": pa.array(col["opened"].astype(np.int32), pa.int32()),
            "trigger": pa.array(labels[col["trigger"]], pa.string()),
            "challenger": pa.array(actors[col["challenger"]], pa.string()),
            "defender": pa.array(actors[col["defender"]], pa.string()),
            "parties": pa.array(_party_codes(col["parties"], s.actors), pa.string()),
            "peak_rung": pa.array(col["peak"].astype(np.int8), pa.int8()),
            "ended_month": pa.array(ended.astype(np.int32), pa.int32(), mask=ended < 0),
            "ending": pa.array(np.array(CRISIS_ENDINGS, dtype=object)[col["ending"]], pa.string()),
        },
        schema=CRISES_SCHEMA,
    )
