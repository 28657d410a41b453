"""Merging chunk files into the final tables: copied pages against pyarrow's own writers.

Runs ``sim run SCENARIO --runs N --workers 1`` in this process with its chunk files kept,
then merges each table's chunk files in a fresh process per way and repetition:

* ``copy``: `sim.results.concat.concat_files` (pages copied, one footer written);
* ``reencode``: one ``pq.ParquetWriter`` with the tables' options, chunk by chunk;
* ``metadata``: a dataset folder (the chunk files linked) with a ``_metadata`` file.

Prints wall and CPU seconds of the merge and the process's resident memory before it and
at its peak during it (VmHWM, reset just before). Issue 25, item 4; docs/performance.md,
"Merging chunk files".

    .venv/bin/python benchmarks/merge_tables.py                       # 200,000 runs
    .venv/bin/python benchmarks/merge_tables.py --runs 20000 --annual all
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, host_line

TABLES = ("annual", "crises", "runs", "outcomes")
METHODS = ("copy", "reencode", "metadata")


def _status_mb(key: str) -> float:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    """Reset VmHWM to the current size (Linux 4.0+), so the peak is the merge's own."""
    Path("/proc/self/clear_refs").write_text("5")


def merge(method: str, table: str, chunks: Path, out_dir: Path) -> None:
    """Merge one table's chunk files one way and print the figures (in a fresh process)."""
    import pyarrow.parquet as pq

    from sim.results.concat import concat_files
    from sim.results.folder import parquet_options

    paths = sorted(chunks.glob(f"c*.{table}.parquet"))
    out = out_dir / f"{table}.{method}.parquet"
    before = _status_mb("VmRSS")
    _reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    if method == "copy":
        concat_files(paths, out, parquet_options)
    elif method == "reencode":
        schema = pq.read_schema(paths[0])
        with open(out, "wb") as fh:
            writer = pq.ParquetWriter(fh, schema, **parquet_options(schema))
            for path in paths:
                writer.write_table(pq.read_table(path))
            writer.close()
            fh.flush()
            os.fsync(fh.fileno())
    else:
        out.mkdir()
        collected = []
        for i, path in enumerate(paths):
            name = f"part-{i:06d}.parquet"
            os.link(path, out / name)
            meta = pq.read_metadata(path)
            meta.set_file_path(name)
            collected.append(meta)
        pq.write_metadata(pq.read_schema(paths[0]), out / "_metadata", metadata_collector=collected)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _status_mb("VmHWM")
    files = [out] if out.is_file() else list(out.iterdir())
    size = sum(f.stat().st_size for f in files) / 1e6
    rows = pq.read_metadata(out if out.is_file() else out / "_metadata").num_rows
    print(
        f"{method:9s} {table:9s} {len(paths)} files {rows:>11,} rows {size:7.1f} MB  "
        f"wall {wall:6.2f} s  cpu {cpu:6.2f} s  rss {before:4.0f} MB before, peak {peak:4.0f} MB",
        flush=True,
    )


def run_keeping_chunks(scenario: str, runs: int, annual: str, folder: Path) -> float:
    """Run the job with one worker, its chunk files kept; return its wall seconds."""
    import sim.runner.job as job
    from sim.cli.main import main

    job.remove_chunks = lambda folder, chunks: None  # type: ignore[assignment]
    args = ["run", scenario, "--runs", str(runs), "--workers", "1", "--annual", annual]
    start = time.perf_counter()
    main([*args, "--out", str(folder), "--force", "-q"])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(REPO / "scenarios" / "baseline.toml"))
    parser.add_argument("--runs", type=int, default=200_000)
    parser.add_argument("--annual", default="auto", choices=("auto", "all", "sample", "off"))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--merge", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.merge:
        method, table, chunks, out = args.merge
        merge(method, table, Path(chunks), Path(out))
        return
    print(host_line(), flush=True)
    with tempfile.TemporaryDirectory(prefix="merge-tables-") as tmp:
        folder = Path(tmp) / "result"
        seconds = run_keeping_chunks(args.scenario, args.runs, args.annual, folder)
        print(
            f"job           {args.runs:,} runs, --annual {args.annual}: {seconds:.1f} s", flush=True
        )
        for repeat in range(args.repeats):
            for method in METHODS:
                for table in TABLES:
                    out = Path(tmp) / f"out{repeat}"
                    out.mkdir(exist_ok=True)
                    command = [sys.executable, __file__, "--merge", method, table]
                    subprocess.run([*command, str(folder / "chunks"), str(out)], check=True)
        print(host_line(), flush=True)


if __name__ == "__main__":
    main()
