"""Concatenate Parquet files by copying their row groups' bytes, without decoding them.

A Parquet file is ``PAR1``, the pages of its row groups, a footer (a Thrift-encoded
``FileMetaData``: the schema and, for every row group and column chunk, its sizes,
statistics and byte offsets), the footer's length and ``PAR1`` again. Files with the
same schema concatenate into one by copying each file's pages as they are and writing
one footer that lists every file's row groups with their byte offsets shifted to where
their pages now lie. pyarrow cannot do this (it decodes and encodes again, which for a
chunk's annual table costs as much as writing it the first time).

`ParquetAppender` does it as a stream, one file at a time; files whose schema differs
from the first one's are encoded again with that schema (`append_table`). The footer is
handled by a small reader and writer of Thrift's compact protocol that keeps every field
as it is (`parse_struct`, `write_struct`) and changes only the offsets, the row groups'
ordinals and the number of rows.

Files with page indexes are refused (`PageIndexError`): an offset index lists the
absolute offset of every page inside bytes copied as they are, so it would point at the
first file's pages (checked: a second file's first page moved to byte 9271, its index
still said 4). The chunk files are written without them (pyarrow's default).

Kept rather than pyarrow's own writers by measurement (`benchmarks/merge_tables.py`;
docs/performance.md, "Merging chunk files"): merging the 36 chunk files of a
200,000-run baseline job (1 worker, load 3.1-5.8 on 2 cores), the largest table,
``annual.parquet`` (3.96 million rows, 18 MB), took 0.03-0.04 s and a peak of 72 MB (65
MB before) copied, against 0.71-1.19 s and 285-296 MB encoded again with one
``pq.ParquetWriter``; with ``--annual all`` (79.2 million rows, 368 MB) 0.57-1.51 s and
74 MB against 11.5-12.8 s (7.5-7.7 s CPU) and 311-312 MB. A dataset folder with a
``_metadata`` file costs nothing either but turns each table into a folder, which the
result-folder contract (docs/CONTRACTS.md) does not allow.
"""

from __future__ import annotations

import errno
import io
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

MAGIC = b"PAR1"

# compact-protocol type codes
_TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY = 1, 2, 3, 4, 5, 6, 7, 8
_LIST, _SET, _MAP, _STRUCT, _UUID = 9, 10, 11, 12, 13

Fields = list[list[Any]]
"""A Thrift struct as a list of ``[field id, type code, value]`` in the order read."""


class ThriftError(ValueError):
    """A footer that is not valid Thrift compact protocol (or uses what is not supported)."""


class PageIndexError(ThriftError):
    """A file with page indexes, whose pages cannot be copied as they are (`page_indexed`)."""


PAGE_INDEX_HINT = (
    "has a page index (column or offset index), whose page offsets would be wrong once "
    "its pages are copied; write it without one (pyarrow's default, write_page_index=False)"
)


class _Reader:
    """Read Thrift compact-protocol values from bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise ThriftError("footer ends in the middle of a value")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self) -> int:
        out, shift = 0, 0
        while True:
            b = self.byte()
            out |= (b & 0x7F) << shift
            if not b & 0x80:
                return out
            shift += 7
            if shift > 70:
                raise ThriftError("varint too long")

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ThriftError("footer ends in the middle of a value")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def value(self, ctype: int) -> Any:
        if ctype in (_TRUE, _FALSE):  # a bool in a list: one byte, 1 is true
            return self.byte() == _TRUE
        if ctype == _BYTE:
            return self.byte()
        if ctype in (_I16, _I32, _I64):
            return self.zigzag()
        if ctype == _DOUBLE:
            return self.take(8)
        if ctype == _BINARY:
            return self.take(self.varint())
        if ctype == _UUID:
            return self.take(16)
        if ctype in (_LIST, _SET):
            return self.sequence()
        if ctype == _STRUCT:
            return self.struct()
        raise ThriftError(f"unsupported Thrift type {ctype}")

    def sequence(self) -> tuple[int, list[Any]]:
        head = self.byte()
        size, etype = head >> 4, head & 0x0F
        if size == 15:
            size = self.varint()
        return etype, [self.value(etype) for _ in range(size)]

    def struct(self) -> Fields:
        fields: Fields = []
        last = 0
        while True:
            head = self.byte()
            if head == 0:
                return fields
            ctype, delta = head & 0x0F, head >> 4
            fid = last + delta if delta else self.zigzag()
            if ctype in (_TRUE, _FALSE):
                fields.append([fid, ctype, ctype == _TRUE])
            else:
                fields.append([fid, ctype, self.value(ctype)])
            last = fid


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        if n < 0x80:
            out.append(n)
            return bytes(out)
        out.append((n & 0x7F) | 0x80)
        n >>= 7


def _zigzag(n: int) -> bytes:
    return _varint((n << 1) ^ (n >> 63))


def _write_value(out: bytearray, ctype: int, value: Any) -> None:
    if ctype in (_TRUE, _FALSE):
        out.append(_TRUE if value else _FALSE)
    elif ctype == _BYTE:
        out.append(value)
    elif ctype in (_I16, _I32, _I64):
        out += _zigzag(value)
    elif ctype in (_DOUBLE, _UUID):
        out += value
    elif ctype == _BINARY:
        out += _varint(len(value)) + value
    elif ctype in (_LIST, _SET):
        etype, items = value
        if len(items) < 15:
            out.append((len(items) << 4) | etype)
        else:
            out.append(0xF0 | etype)
            out += _varint(len(items))
        for item in items:
            _write_value(out, etype, item)
    elif ctype == _STRUCT:
        _write_fields(out, value)
    else:
        raise ThriftError(f"unsupported Thrift type {ctype}")


def _write_fields(out: bytearray, fields: Fields) -> None:
    last = 0
    for fid, ctype, value in fields:
        wire = (_TRUE if value else _FALSE) if ctype in (_TRUE, _FALSE) else ctype
        if 0 < fid - last <= 15:
            out.append(((fid - last) << 4) | wire)
        else:
            out.append(wire)
            out += _zigzag(fid)
        if ctype not in (_TRUE, _FALSE):
            _write_value(out, ctype, value)
        last = fid
    out.append(0)


def parse_struct(data: bytes) -> Fields:
    """Decode one Thrift compact-protocol struct (every field kept, in order)."""
    reader = _Reader(data)
    fields = reader.struct()
    if reader.pos != len(data):
        raise ThriftError("bytes left after the footer")
    return fields


def write_struct(fields: Fields) -> bytes:
    """Encode a struct decoded by `parse_struct` (the same fields, in the same order)."""
    out = bytearray()
    _write_fields(out, fields)
    return bytes(out)


def _get(fields: Fields, fid: int) -> Any:
    for f in fields:
        if f[0] == fid:
            return f[2]
    return None


def _set(fields: Fields, fid: int, ctype: int, value: Any) -> None:
    for f in fields:
        if f[0] == fid:
            f[2] = value
            return
    fields.append([fid, ctype, value])
    fields.sort(key=lambda f: f[0])


def _shift(fields: Fields, fids: tuple[int, ...], by: int) -> None:
    """Add `by` to the offsets `fids` of a struct that has them."""
    for f in fields:
        if f[0] in fids and f[2] is not None and f[2] > 0:
            f[2] += by


# FileMetaData: 2 schema, 3 num_rows, 4 row_groups, 5 key_value_metadata
# RowGroup: 1 columns, 5 file_offset, 7 ordinal
# ColumnChunk: 2 file_offset, 3 meta_data, 4 offset_index_offset, 6 column_index_offset
# ColumnMetaData: 9 data_page_offset, 10 index_page_offset, 11 dictionary_page_offset,
#   14 bloom_filter_offset
_ROW_GROUP_OFFSETS = (5,)
_CHUNK_OFFSETS = (2, 4, 6)
_META_OFFSETS = (9, 10, 11, 14)
_PAGE_INDEX_FIELDS = (4, 5, 6, 7)
"""ColumnChunk: offset_index_offset, _length, column_index_offset, _length."""


def shift_row_group(group: Fields, by: int) -> None:
    """Move every byte offset of a row group (and its column chunks) by `by` bytes."""
    _shift(group, _ROW_GROUP_OFFSETS, by)
    for chunk in _get(group, 1)[1]:
        _shift(chunk, _CHUNK_OFFSETS, by)
        meta = _get(chunk, 3)
        if meta is not None:
            _shift(meta, _META_OFFSETS, by)


def page_indexed(footer: Fields) -> bool:
    """Whether any column chunk of a footer has a column index or an offset index.

    pyarrow writes them (``write_page_index=True``) between the last row group and the
    footer. An offset index lists the absolute byte offset of every page, inside bytes
    this module copies without decoding, so after copying they would point at the wrong
    pages; such files are refused (`PageIndexError`).
    """
    groups = _get(footer, 4)
    for group in groups[1] if groups else ():
        for chunk in _get(group, 1)[1]:
            if any(_get(chunk, fid) is not None for fid in _PAGE_INDEX_FIELDS):
                return True
    return False


def read_footer(fh: BinaryIO) -> tuple[int, Fields]:
    """Return where the footer of an open Parquet file starts (its pages end), and the footer.

    Raises
    ------
    ThriftError
        If the file is not an unencrypted Parquet file.
    """
    size = os.fstat(fh.fileno()).st_size
    if size < 12:
        raise ThriftError("not a Parquet file (too short)")
    fh.seek(size - 8)
    tail = fh.read(8)
    start = size - 8 - struct.unpack("<I", tail[:4])[0]
    fh.seek(0)
    if tail[4:] != MAGIC or fh.read(4) != MAGIC or start < 4:
        raise ThriftError("not a Parquet file (magic bytes missing)")
    fh.seek(start)
    return start, parse_struct(fh.read(size - 8 - start))


def same_schema(a: Fields, b: Fields) -> bool:
    """Whether two footers have the same columns and key-value metadata (Arrow schema)."""
    return all(_get(a, fid) == _get(b, fid) for fid in (2, 5))


def _copy(src: BinaryIO, dst: BinaryIO, offset: int, count: int) -> None:
    """Copy `count` bytes of `src` from `offset` to the current end of `dst`."""
    dst.flush()
    done = 0
    try:
        while done < count:
            n = os.copy_file_range(src.fileno(), dst.fileno(), count - done, offset + done)
            if n == 0:
                break
            done += n
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
            raise
    if done < count:  # the kernel cannot copy between these files: through memory
        src.seek(offset + done)
        left = count - done
        while left:
            block = src.read(min(left, 1 << 22))
            if not block:
                raise ThriftError("file shorter than its footer says")
            dst.write(block)
            left -= len(block)
    dst.seek(0, os.SEEK_END)


class ParquetAppender:
    """Write one Parquet file from whole Parquet files appended one by one.

    The first file's schema, key-value metadata (pyarrow's Arrow schema) and ``created_by``
    are kept; each file's row groups follow, their pages copied byte for byte. `close`
    writes the footer. A file with another schema (or a table given in memory) is
    encoded under the first one's Arrow schema first. Files without rows add nothing;
    if every file is empty, the result is an empty file of the first one's schema.

    Parameters
    ----------
    sink : binary file
        Open for writing, empty.
    options : callable(schema) -> dict
        Parquet writer options of a schema, for the tables `append_table` encodes.
    """

    def __init__(self, sink: BinaryIO, options: Callable[[pa.Schema], dict[str, Any]]) -> None:
        self.sink = sink
        self.options = options
        self.head: Fields | None = None
        self.schema: pa.Schema | None = None
        self.groups: list[Fields] = []
        self.rows = 0
        self.pos = 0
        self.empty: Path | None = None

    def append_file(self, path: Path) -> None:
        """Append the row groups of a Parquet file on disk (its pages copied, not decoded)."""
        with open(path, "rb") as fh:
            try:
                start, footer = read_footer(fh)
            except ThriftError as exc:
                raise ThriftError(f"{path}: {exc}") from None
            if page_indexed(footer):
                raise PageIndexError(f"{path}: {PAGE_INDEX_HINT}")
            if not _get(footer, 3):
                # no rows: nothing to copy (its schema serves if every file is empty)
                self.empty = self.empty or path
                return
            if self.head is not None and not same_schema(self.head, footer):
                self.append_table(pq.ParquetFile(path).read())
                return
            if self.head is None:
                self._begin(footer, pq.read_schema(path))
            self._add_groups(footer)
            _copy(fh, self.sink, len(MAGIC), start - len(MAGIC))
            self.pos += start - len(MAGIC)

    def append_table(self, table: pa.Table) -> None:
        """Encode a table as Parquet (under the first file's Arrow schema) and append it."""
        if self.schema is not None and table.schema != self.schema:
            table = table.cast(self.schema)
        options = self.options(table.schema)
        if self.head is not None:  # the Arrow schema stored, or not, as in the first file
            options["store_schema"] = _get(self.head, 5) is not None
        buf = io.BytesIO()
        pq.write_table(table, buf, **options)
        data = buf.getbuffer()
        size = struct.unpack("<I", data[-8:-4])[0]
        start = len(data) - 8 - size
        footer = parse_struct(bytes(data[start:-8]))
        if page_indexed(footer):
            raise PageIndexError(f"a table encoded with {options}: {PAGE_INDEX_HINT}")
        if self.head is None:
            self._begin(footer, table.schema)
        elif not same_schema(self.head, footer):
            raise ThriftError("a table cast to the file's schema encodes to other columns")
        self._add_groups(footer)
        self.sink.write(data[len(MAGIC) : start])
        self.pos += start - len(MAGIC)

    def _begin(self, footer: Fields, schema: pa.Schema) -> None:
        self.head, self.schema = footer, schema
        self.sink.write(MAGIC)
        self.pos = len(MAGIC)

    def _add_groups(self, footer: Fields) -> None:
        """Take a file's row groups, their offsets moved to where its pages will lie."""
        by = self.pos - len(MAGIC)
        for group in _get(footer, 4)[1]:
            if _get(group, 3) == 0:
                continue  # an empty row group holds nothing to read
            shift_row_group(group, by)
            if _get(group, 7) is not None:  # the ordinal, if the writer gave one
                _set(group, 7, _I16, len(self.groups))
            self.groups.append(group)
            self.rows += _get(group, 3)

    def close(self, schema: pa.Schema | None = None) -> None:
        """Write the footer; with nothing appended, write an empty file of `schema`."""
        if self.head is None:
            if self.empty is not None:
                schema = pq.read_schema(self.empty)
            if schema is None:
                raise ThriftError("nothing appended and no schema for an empty file")
            self.append_table(schema.empty_table())
        assert self.head is not None
        footer = [list(f) for f in self.head]
        _set(footer, 3, _I64, self.rows)
        _set(footer, 4, _LIST, (_STRUCT, self.groups))
        data = write_struct(footer)
        self.sink.write(data + struct.pack("<I", len(data)) + MAGIC)


def concat_files(
    paths: list[Path], out: Path, options: Callable[[pa.Schema], dict[str, Any]]
) -> None:
    """Concatenate Parquet files into `out` (see `ParquetAppender`), flushed to disk."""
    with open(out, "wb") as fh:
        appender = ParquetAppender(fh, options)
        for path in paths:
            appender.append_file(path)
        appender.close()
        fh.flush()
        os.fsync(fh.fileno())
