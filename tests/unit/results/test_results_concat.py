"""Parquet files concatenated by copying their pages (`sim.results.concat`).

* The footer codec (Thrift compact protocol) writes back the bytes it read.
* Concatenated files read back as the tables concatenated, with every row group, its
  statistics and the first file's schema, whatever compression each file used.
* A file with another Arrow schema is encoded again under the first one's; an empty
  result is a valid empty file; copying through memory (when the kernel cannot copy
  between the files) gives the same file.
* Files (or tables encoded) with page indexes are refused with an error naming the file:
  their offset indexes hold absolute page offsets that copying would not move.
"""

from __future__ import annotations

import errno
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.results import concat
from sim.results.concat import ParquetAppender, ThriftError, concat_files, parse_struct
from sim.results.folder import parquet_options


def table(lo: int, n: int) -> pa.Table:
    """A table shaped like ``annual``: ids, a small int, two string columns, a float."""
    rng = np.random.default_rng(lo)
    ids = np.arange(lo, lo + n, dtype=np.int64)
    return pa.table(
        {
            "run_id": pa.array(ids),
            "year": pa.array((ids % 10).astype(np.int16)),
            "metric": pa.array(np.array(["gdp", "spending", "grievance"])[ids % 3]),
            "subject": pa.array(np.array(["AAA", "BBB", None], dtype=object)[ids % 3], pa.string()),
            "value": pa.array(rng.normal(size=n)),
        }
    )


def write(path, t: pa.Table, **options) -> None:
    pq.write_table(t, path, **(options or parquet_options(t.schema)))


def footer_bytes(path) -> bytes:
    data = path.read_bytes()
    size = int.from_bytes(data[-8:-4], "little")
    return data[-8 - size : -8]


def test_footer_codec_writes_back_what_it_read(tmp_path):
    path = tmp_path / "a.parquet"
    write(path, table(0, 5000), row_group_size=1000, compression="zstd")
    raw = footer_bytes(path)
    assert concat.write_struct(parse_struct(raw)) == raw
    with pytest.raises(ThriftError):
        parse_struct(raw[:-3])


def test_concatenation_equals_the_tables_concatenated(tmp_path):
    parts = [table(0, 2500), table(2500, 0), table(2500, 40), table(2540, 3000)]
    styles = [
        {"row_group_size": 1000},  # several row groups in one file
        {},
        {"compression": "none", "use_dictionary": True},  # as an older writer might
        {"compression": "snappy", "write_statistics": True},
    ]
    paths = []
    for i, (t, style) in enumerate(zip(parts, styles, strict=True)):
        paths.append(tmp_path / f"c{i}.parquet")
        write(paths[-1], t, **{**parquet_options(t.schema), **style})
    out = tmp_path / "all.parquet"
    concat_files(paths, out, parquet_options)
    whole = pa.concat_tables(parts)
    got = pq.ParquetFile(out)
    assert got.metadata.num_rows == whole.num_rows
    assert got.schema_arrow == whole.schema
    assert got.read().equals(whole)
    # every non-empty row group of every file, in order, statistics intact
    expected = [
        rg.num_rows
        for p in paths
        for rg in (
            pq.ParquetFile(p).metadata.row_group(g) for g in range(pq.ParquetFile(p).num_row_groups)
        )
        if rg.num_rows
    ]
    assert [got.metadata.row_group(g).num_rows for g in range(got.num_row_groups)] == expected
    offset = 0
    for g, n in enumerate(expected):
        assert got.read_row_group(g).equals(whole.slice(offset, n))
        stats = got.metadata.row_group(g).column(0).statistics
        assert (stats.min, stats.max) == (offset, offset + n - 1)
        offset += n


def test_a_file_of_another_schema_is_encoded_again(tmp_path):
    first, second = table(0, 100), table(100, 50)
    narrower = second.set_column(0, "run_id", second["run_id"].cast(pa.int32()))
    write(tmp_path / "a.parquet", first)
    write(tmp_path / "b.parquet", narrower)
    out = tmp_path / "out.parquet"
    concat_files([tmp_path / "a.parquet", tmp_path / "b.parquet"], out, parquet_options)
    assert pq.ParquetFile(out).read().equals(pa.concat_tables([first, second]))


def test_tables_and_nothing(tmp_path):
    out = tmp_path / "t.parquet"
    with open(out, "wb") as fh:
        appender = ParquetAppender(fh, parquet_options)
        appender.append_table(table(0, 10))
        appender.append_table(table(10, 5))
        appender.close()
    assert pq.ParquetFile(out).read().equals(pa.concat_tables([table(0, 10), table(10, 5)]))
    empty = tmp_path / "e.parquet"
    with open(empty, "wb") as fh:
        appender = ParquetAppender(fh, parquet_options)
        appender.close(table(0, 0).schema)
    got = pq.ParquetFile(empty).read()
    assert got.num_rows == 0 and got.schema == table(0, 0).schema


def test_copy_through_memory_gives_the_same_file(tmp_path, monkeypatch):
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"c{i}.parquet")
        write(paths[-1], table(i * 700, 700))
    fast = tmp_path / "fast.parquet"
    concat_files(paths, fast, parquet_options)

    def cannot(*args, **kwargs):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(concat.os, "copy_file_range", cannot)
    slow = tmp_path / "slow.parquet"
    concat_files(paths, slow, parquet_options)
    assert fast.read_bytes() == slow.read_bytes()
    assert (
        pq.ParquetFile(slow)
        .read()
        .equals(pa.concat_tables([table(i * 700, 700) for i in range(3)]))
    )


def test_not_a_parquet_file_is_refused(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really PAR1")
    with open(tmp_path / "out", "wb") as fh, pytest.raises(ThriftError):
        ParquetAppender(fh, parquet_options).append_file(bad)


def test_files_with_page_indexes_are_refused(tmp_path):
    """An offset index holds absolute page offsets the copy would not move: refused, named."""
    plain, indexed = tmp_path / "a.parquet", tmp_path / "b.parquet"
    write(plain, table(0, 100))
    write(indexed, table(100, 100), **parquet_options(table(0, 0).schema), write_page_index=True)
    meta = pq.ParquetFile(indexed).metadata.row_group(0).column(0)
    assert meta.has_offset_index and meta.has_column_index  # what the refusal is about
    assert not concat.page_indexed(parse_struct(footer_bytes(plain)))
    assert concat.page_indexed(parse_struct(footer_bytes(indexed)))
    for paths in ([indexed], [plain, indexed]):
        with pytest.raises(concat.PageIndexError, match="b.parquet: has a page index"):
            concat_files(paths, tmp_path / "out.parquet", parquet_options)


def test_tables_encoded_with_page_indexes_are_refused(tmp_path):
    def indexed(schema: pa.Schema) -> dict:
        return {**parquet_options(schema), "write_page_index": True}

    with open(tmp_path / "out", "wb") as fh, pytest.raises(concat.PageIndexError):
        ParquetAppender(fh, indexed).append_table(table(0, 10))
