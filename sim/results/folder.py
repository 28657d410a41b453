"""Result folders on disk: atomic writes, the manifest, chunk files and the final merge.

Layout while running::

    DIR/manifest.json          status "running" (then "complete" or "incomplete")
    DIR/.lock                  held by the writing process
    DIR/chunks/c000012.runs.parquet, .outcomes.parquet, .annual.parquet (atomic per chunk)

The chunk files are concatenated (their row groups, in chunk order) into
``runs.parquet``, ``outcomes.parquet``, ``annual.parquet`` and ``crises.parquet``: while
the other chunks are still running (`ChunkMerger`, as soon as every earlier chunk is
done) and then at the end (`merge_chunks`). Concatenating copies the chunk files' encoded
pages and writes a new footer (`sim.results.concat`), so every table is encoded once, in
its chunk file; a job of one chunk links its files instead of copying them. Only then
is the manifest marked complete. Each chunk also leaves a small tally of its outcomes
(``cNNNNNN.tally.npz``) from which the summary is computed. A folder whose manifest does
not say "complete" is never mistaken for a finished one
(`sim.results.reader.load_results` refuses it).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ResultsError, SimError
from sim.results.concat import ParquetAppender, ThriftError
from sim.results.manifest import FileFacts, Manifest

TABLES = ("runs", "outcomes", "annual", "crises")
CHUNK_DIR = "chunks"
MANIFEST = "manifest.json"


def _discard(tmp: Path) -> None:
    """Remove a temporary file left by a failed or interrupted write."""
    with contextlib.suppress(OSError):
        tmp.unlink()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that readers see either the old or the complete new content."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise


def parquet_options(schema: pa.Schema) -> dict[str, Any]:
    """Writer options of every table: zstd, dictionaries for strings, statistics for the rest.

    Dictionary encoding pays off for the few distinct names of string columns, not for
    the run ids or values (where pyarrow tries a dictionary, then gives up); min/max
    statistics of long string columns cost more to compute and read than they save.
    Columns already dictionary-encoded in memory (`sim.results.tables.annual_table`) are
    written as strings. The options change how the file is encoded, not what it holds.
    """
    strings = [f.name for f in schema if _names(f.type)]
    others = [f.name for f in schema if not _names(f.type)]
    options: dict[str, Any] = {
        "compression": "zstd",
        "use_dictionary": strings,
        "write_statistics": others,
    }
    if any(pa.types.is_dictionary(f.type) for f in schema):
        # without the Arrow schema in the file, dictionary-encoded strings read back
        # as plain strings (and every other type of these tables as itself)
        options["store_schema"] = False
    return options


def _names(kind: pa.DataType) -> bool:
    """Whether a column holds names: strings, or strings encoded as a dictionary."""
    if pa.types.is_dictionary(kind):
        return pa.types.is_string(kind.value_type)
    return pa.types.is_string(kind)


def atomic_write_table(path: Path, table: pa.Table) -> None:
    """Write a Parquet file atomically (temporary name, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(table, tmp, **parquet_options(table.schema))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write ``manifest.json`` atomically, in the current schema version."""
    text = json.dumps(manifest.to_dict(), indent=2, sort_keys=False, default=str)
    atomic_write_bytes(folder / MANIFEST, text.encode())


def load_manifest(folder: Path) -> Manifest:
    """Read and parse ``manifest.json`` (any schema version up to the current one).

    Raises
    ------
    ResultsError
        If the manifest is missing or unreadable, or a key is missing or malformed.
    """
    return Manifest.from_dict(read_manifest(folder), folder / MANIFEST)


def read_manifest(folder: Path) -> dict[str, Any]:
    """Read ``manifest.json`` as the JSON object on disk, without checking its keys.

    For callers that only look at a few keys and must cope with a damaged manifest
    (reporting an interruption, replaying a run); `load_manifest` parses it.

    Raises
    ------
    ResultsError
        If the manifest is missing, unreadable, not JSON or not a JSON object.
    """
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise ResultsError(f"{folder}: not a result folder (no {MANIFEST})") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ResultsError(f"{path}: manifest is not valid JSON ({exc})") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read the manifest ({exc.strerror})") from None
    if not isinstance(manifest, dict):
        raise ResultsError(f"{path}: manifest is not a JSON object")
    return manifest


def prepare_folder(folder: Path, force: bool) -> None:
    """Create the output folder; refuse a non-empty one unless `force`.

    Raises
    ------
    SimError
        If the folder exists and is not empty (without `force`) or cannot be created.
    """
    if folder.exists() and not folder.is_dir():
        raise SimError(f"{folder}: --out exists and is not a folder")
    if folder.exists() and any(folder.iterdir()):
        if not force:
            raise SimError(
                f"{folder}: output folder exists and is not empty (use --force to overwrite)"
            )
        if locked_by_another(folder):  # --force must not delete a running job's files
            raise SimError(f"{folder}: another sim process is writing this folder")
        for name in (*(f"{t}.parquet" for t in TABLES), MANIFEST):
            with contextlib.suppress(FileNotFoundError):
                (folder / name).unlink()
        chunks = folder / CHUNK_DIR
        if chunks.is_dir():
            for f in chunks.iterdir():
                f.unlink()
    try:
        (folder / CHUNK_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SimError(f"{folder}: cannot create output folder ({exc.strerror})") from None
    if not os.access(folder, os.W_OK):
        raise SimError(f"{folder}: output folder is not writable")


def locked_by_another(folder: Path) -> bool:
    """Whether another process holds the folder's `FolderLock` right now."""
    try:
        fh = open(folder / ".lock", "rb")
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


class FolderLock:
    """An exclusive lock on a result folder, so two writers cannot corrupt each other.

    The lock is ``flock`` on the folder's ``.lock`` file, which exists only while a
    process holds it: the holder deletes it before letting go, so finished (and
    interrupted) folders have none. A process that opened the file just before the
    holder deleted it would lock a file no longer in the folder; it therefore checks,
    once it holds the lock, that the file it locked is still the folder's ``.lock``, and
    tries again if not.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"
        self.fh: TextIO | None = None

    def __enter__(self) -> FolderLock:
        for _attempt in range(20):
            try:
                fh = open(self.path, "a+")
            except OSError as exc:
                raise SimError(
                    f"{self.path.parent}: cannot write to the output folder ({exc.strerror})"
                ) from None
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                raise SimError(
                    f"{self.path.parent}: another sim process is writing this folder"
                ) from None
            try:
                current = os.stat(self.path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fh.fileno()).st_ino:
                break
            fh.close()  # locked a file its holder deleted meanwhile: take the new one
        else:  # pragma: no cover - twenty processes racing for one folder
            raise SimError(f"{self.path.parent}: another sim process is writing this folder")
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self.fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fh is not None:
            # deleted while still held, so that no other process can lock it meanwhile
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
            self.fh = None


def chunk_path(folder: Path, chunk: int, table: str) -> Path:
    """Path of one chunk's table."""
    return folder / CHUNK_DIR / f"c{chunk:06d}.{table}.parquet"


def finished_chunks(folder: Path, verify: bool = False) -> set[int]:
    """Chunks whose three tables are all on disk.

    With `verify`, a table also has to be a readable Parquet file (its footer parses), so
    that a chunk damaged on disk is computed again on resume instead of breaking the merge.
    """
    done: dict[int, int] = {}
    chunks = folder / CHUNK_DIR
    if not chunks.is_dir():
        return set()
    for f in chunks.glob("c*.*.parquet"):
        try:
            idx = int(f.name[1:7])
        except ValueError:
            continue
        if verify:
            try:
                pq.read_metadata(f)
            except Exception:  # noqa: BLE001 - any failure means the chunk must be redone
                continue
        done[idx] = done.get(idx, 0) + 1
    return {i for i, n in done.items() if n == len(TABLES)}


def tally_path(folder: Path, chunk: int) -> Path:
    """Path of one chunk's tally of outcomes (see `sim.analysis.tally`)."""
    return folder / CHUNK_DIR / f"c{chunk:06d}.tally.npz"


class ChunkMerger:
    """Append finished chunks to the final tables in chunk order, while others still run.

    `add` is told each chunk whose files are on disk and appends every chunk that is next
    in order; `finish` appends the rest and puts the final files in place. Appending
    copies the pages of the chunk's Parquet files as they are and writes one footer at
    the end (`sim.results.concat.ParquetAppender`): nothing is decoded or encoded again.
    A job of one chunk is not streamed: `finish` links its files. If writing fails here
    (a full disk), the merger stops quietly and `finish` starts over from the chunk
    files, so the error surfaces there, after every chunk is computed and kept.

    Parameters
    ----------
    folder : Path
        Result folder.
    chunks : list or range of int
        Every chunk of the job.
    """

    def __init__(self, folder: Path, chunks: Sequence[int]) -> None:
        self.folder = folder
        self.order = _ordered(chunks)
        self.next = 0
        self.ready: set[int] = set()
        self.writers: dict[str, tuple[BinaryIO, ParquetAppender]] = {}
        self.failed = False

    def _tmp(self, table: str) -> Path:
        final = self.folder / f"{table}.parquet"
        return final.with_name(f".{final.name}.tmp-{os.getpid()}")

    def _append(self, chunk: int) -> None:
        """Append one chunk's files to the final tables."""
        for table in TABLES:
            found = self.writers.get(table)
            if found is None:
                fh = open(self._tmp(table), "wb")
                found = (fh, ParquetAppender(fh, parquet_options))
                self.writers[table] = found
            found[1].append_file(chunk_path(self.folder, chunk, table))

    def _drain(self) -> None:
        while self.next < len(self.order) and self.order[self.next] in self.ready:
            self._append(self.order[self.next])
            self.next += 1

    def mark_ready(self, chunks: set[int]) -> None:
        """Note chunks already on disk (from an earlier attempt) without writing yet."""
        self.ready |= set(chunks)

    def add(self, chunk: int) -> None:
        """Note that `chunk` is on disk and append every chunk now next in order."""
        self.ready.add(chunk)
        if self.failed or len(self.order) == 1:
            return
        try:
            self._drain()
        except (OSError, ThriftError):
            self.abort()

    def abort(self) -> None:
        """Close and delete the partial final files; later calls start from scratch."""
        for table, (fh, _) in self.writers.items():
            with contextlib.suppress(Exception):
                fh.close()
            _discard(self._tmp(table))
        self.writers = {}
        self.failed = True

    def finish(self) -> None:
        """Append the chunks not yet appended and put the final tables in place."""
        if self.failed:
            self.writers, self.next, self.failed = {}, 0, False
        self.ready |= set(self.order)
        try:
            if len(self.order) == 1 and self._link(self.order[0]):
                return
            self._drain()
            for fh, appender in self.writers.values():
                appender.close()
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
            for table in self.writers:
                os.replace(self._tmp(table), self.folder / f"{table}.parquet")
            self.writers = {}
        except BaseException:
            self.abort()
            raise

    def _link(self, chunk: int) -> bool:
        """Give the final tables the files of the only chunk (hard links); False if impossible."""
        for table in TABLES:
            tmp = self._tmp(table)
            _discard(tmp)
            try:
                os.link(chunk_path(self.folder, chunk, table), tmp)
            except OSError:
                for t in TABLES:
                    _discard(self._tmp(t))
                return False
        for table in TABLES:
            os.replace(self._tmp(table), self.folder / f"{table}.parquet")
        return True


def _ordered(chunks: Sequence[int]) -> Sequence[int]:
    """Chunk numbers in order; a range (a lazily planned job's) stays a range."""
    if isinstance(chunks, range) and chunks.step > 0:
        return chunks
    return sorted(chunks)


def merge_chunks(
    folder: Path, chunks: Sequence[int], keep: bool = False, merger: ChunkMerger | None = None
) -> None:
    """Concatenate chunk tables into the final Parquet files (their row groups, copied).

    With `keep` the chunk files stay (`remove_chunks` deletes them later), so that an
    interruption before the manifest says "complete" loses no finished chunk. A `merger`
    that already appended the first chunks while the job ran is finished instead of
    starting again.
    """
    if merger is None or list(merger.order) != list(_ordered(chunks)):
        merger = ChunkMerger(folder, chunks)
    merger.finish()
    if not keep:
        remove_chunks(folder, chunks)


def remove_chunks(folder: Path, chunks: Iterable[int]) -> None:
    """Delete merged chunk files, temporary files a killed writer left, and the folder."""
    for c in chunks:
        for path in (*(chunk_path(folder, c, table) for table in TABLES), tally_path(folder, c)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    chunk_dir = folder / CHUNK_DIR
    for place in (chunk_dir, folder):
        if place.is_dir():
            for leftover in place.glob(".*.tmp-*"):  # half-written by a killed process
                with contextlib.suppress(OSError):
                    leftover.unlink()
    with contextlib.suppress(OSError):
        (folder / CHUNK_DIR).rmdir()


def file_facts(folder: Path) -> dict[str, FileFacts]:
    """Rows, bytes and SHA-256 of each final table (recorded in the manifest)."""
    import hashlib

    facts: dict[str, FileFacts] = {}
    for table in TABLES:
        path = folder / f"{table}.parquet"
        if not path.exists():
            continue
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        facts[f"{table}.parquet"] = FileFacts(
            rows=pq.ParquetFile(path).metadata.num_rows,
            bytes=path.stat().st_size,
            sha256=digest.hexdigest(),
        )
    return facts
