"""Turn a batch's numpy results into the tidy tables of the result-folder contract.

Columns are built from their buffers (`numeric`, `strings`), not with ``pa.array``: for
any numpy array or list, ``pa.array`` asks pyarrow's pandas shim whether the values are
a pandas categorical, and the shim imports pandas to answer (0.13-0.25 s of CPU per
process, the last import of pandas on the path of ``sim run``). The arrays hold the same
values, so the Parquet files are the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

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


_BY_DTYPE: dict[np.dtype, pa.DataType] = {
    np.dtype(np.int8): pa.int8(),
    np.dtype(np.int16): pa.int16(),
    np.dtype(np.int32): pa.int32(),
    np.dtype(np.int64): pa.int64(),
    np.dtype(np.uint64): pa.uint64(),
    np.dtype(np.float64): pa.float64(),
    np.dtype(bool): pa.bool_(),
}
"""The numpy dtypes `numeric` builds from buffers, and their Arrow types."""
_DTYPE_OF = {arrow: dtype for dtype, arrow in _BY_DTYPE.items()}


def _bits(flags: np.ndarray) -> pa.Buffer:
    """Return booleans as an Arrow bitmap (least significant bit first)."""
    return pa.py_buffer(np.packbits(flags, bitorder="little"))


def numeric(
    values: np.ndarray, type: pa.DataType | None = None, mask: np.ndarray | None = None
) -> pa.Array:
    """Return a 1-d numeric or boolean numpy array as an Arrow array, as ``pa.array`` would.

    `type` (default: from the dtype) must be one of `_BY_DTYPE`'s; the values are cast to
    its numpy dtype. Where `mask` is True the value is null. Built from the buffers, so
    pandas is not imported (see the module doc).
    """
    values = np.asarray(values)
    if type is None:
        type = _BY_DTYPE[values.dtype]
    dtype = _DTYPE_OF[type]
    values = np.ascontiguousarray(values.astype(dtype, copy=False).reshape(-1))
    validity, nulls = None, 0
    if mask is not None:
        mask = np.asarray(mask, dtype=bool).reshape(-1)
        nulls = int(mask.sum())
        if nulls:
            validity = _bits(~mask)
    data = _bits(values) if dtype == np.dtype(bool) else pa.py_buffer(values)
    return pa.Array.from_buffers(type, len(values), [validity, data], null_count=nulls)


def strings(codes: np.ndarray, names: Sequence[str]) -> pa.Array:
    """Return a string column whose row i is ``names[codes[i]]``, built from its buffers.

    No Python string per row and no ``pa.array`` (which imports pandas: module doc).
    """
    codes = np.asarray(codes, dtype=np.intp).reshape(-1)
    encoded = [name.encode("utf-8") for name in names]
    lengths = np.array([len(b) for b in encoded], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    row_lengths = lengths[codes]
    offsets = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(row_lengths, out=offsets[1:])
    if offsets[-1] > np.iinfo(np.int32).max:
        raise ValueError("string column over 2 GB: not one Arrow array")
    pool = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    at = np.arange(offsets[-1]) - np.repeat(offsets[:-1] - starts[codes], row_lengths)
    buffers = [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(pool[at])]
    return pa.Array.from_buffers(pa.string(), len(codes), buffers, null_count=0)


def text(values: np.ndarray) -> pa.Array:
    """Return an object array of Python strings as a string column.

    `strings` of its distinct values; ``pa.array`` if a value is not a string.
    """
    flat = np.asarray(values, dtype=object).reshape(-1)
    try:
        names, codes = np.unique(flat, return_inverse=True)
    except TypeError:  # values that do not compare with strings
        return pa.array(flat, pa.string())
    if not all(isinstance(name, str) for name in names.tolist()):
        return pa.array(flat, pa.string())
    return strings(codes, names.tolist())


def column(values: np.ndarray | Sequence) -> pa.Array:
    """Return a column of values of any kind: `numeric` where it can, else ``pa.array``."""
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype in _BY_DTYPE:
        return numeric(values)
    return pa.array(values)


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
    cols = {"run_id": numeric(run_ids, pa.int64()), "seed": numeric(seeds, pa.uint64())}
    if point_ids is not None:
        cols["point_id"] = numeric(point_ids, pa.int64())
        for name, values in (point_values or {}).items():
            cols[name] = column(values)
    for name, values in (extra or {}).items():
        cols[name] = column(values)
    return pa.table(cols)


def outcomes_table(result: BatchResult, run_ids: np.ndarray) -> pa.Table:
    """One row per (run, theatre), run-major, with the declared outcome columns."""
    s = result.structure
    runs, k = result.runs, len(s.theatres)
    cols = {
        "run_id": numeric(np.repeat(run_ids, k), pa.int64()),
        "theatre": strings(np.tile(np.arange(k), runs), s.theatres),
    }
    for col in outcome_columns():
        values = np.asarray(result.column(col)).ravel()
        mask = values < 0 if col.null_below_zero else None
        if col.arrow == "string" and mask is None:
            cols[col.name] = text(values)
        elif col.arrow == "string":
            cols[col.name] = pa.array(values.astype(object), pa.string(), mask=mask)
        else:
            cols[col.name] = numeric(values, _ARROW[col.arrow], mask=mask)
    return pa.table(cols, schema=OUTCOMES_SCHEMA)


def _codes(count: int) -> type[np.signedinteger]:
    """Smallest signed integer type for dictionary codes 0..count-1."""
    for dtype in (np.int8, np.int16):
        if count <= np.iinfo(dtype).max + 1:
            return dtype
    return np.int32


def _dictionary(codes: np.ndarray, names: list[str]) -> pa.DictionaryArray:
    """Return a string column given as codes into a few names (no string built per row)."""
    return pa.DictionaryArray.from_arrays(numeric(codes), strings(np.arange(len(names)), names))


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
        values.append(numeric(np.ascontiguousarray(arr, np.float64).reshape(-1)))
        lo = hi
    return pa.table(
        {
            "run_id": numeric(run_col),
            "year": numeric(year_col),
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
    ended = col["ended"]
    return pa.table(
        {
            "run_id": numeric(rid, pa.int64()),
            "theatre": strings(col["theatre"], s.theatres),
            "opened_month": numeric(col["opened"], pa.int32()),
            "trigger": strings(col["trigger"], [*s.trigger_labels, "unknown"]),
            "challenger": strings(col["challenger"], s.actors),
            "defender": strings(col["defender"], s.actors),
            "parties": text(_party_codes(col["parties"], s.actors)),
            "peak_rung": numeric(col["peak"], pa.int8()),
            "ended_month": numeric(ended, pa.int32(), mask=ended < 0),
            "ending": strings(col["ending"], CRISIS_ENDINGS),
        },
        schema=CRISES_SCHEMA,
    )
