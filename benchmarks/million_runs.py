"""One `sim run` of a million runs: wall time, peak memory, and the tables on disk.

Usage::

    /work/venv/bin/python benchmarks/million_runs.py [--runs 1000000] [--workers 2]
        [--scenario PATH] [--out DIR]

Runs the real command line (``sim run SCENARIO --runs N --annual auto``) as a child
process under ``/usr/bin/time -v`` when it exists, samples the resident memory of the
whole process tree (main process plus workers) every 0.2 s, then opens the result folder
and checks that ``runs.parquet`` and ``outcomes.parquet`` hold every run. Prints plain
figures; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _common
import psutil
import pyarrow.parquet as pq


def tree_rss_mb(proc: psutil.Process) -> float:
    """Resident memory of a process and all its descendants, MB."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(_common.REPO / "scenarios" / "baseline.toml"))
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=None, help="result folder (default: a temporary one)")
    args = parser.parse_args()

    print(_common.host_line())
    tmp = None if args.out else tempfile.mkdtemp(prefix="sim-million-")
    out = Path(args.out) if args.out else Path(tmp) / "out"
    sim_cmd = [
        str(Path(sys.executable).with_name("sim")),
        "run",
        args.scenario,
        "--runs",
        str(args.runs),
        "--workers",
        str(args.workers),
        "--annual",
        "auto",
        "--out",
        str(out),
        "--force",
        "--quiet",
    ]
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    print(f"command       {' '.join(sim_cmd)}")
    peak = [0.0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        timer + sim_cmd, cwd=_common.REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    watched = psutil.Process(proc.pid)

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(watched))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.join()
    if proc.returncode != 0:
        print(stdout, stderr)
        raise SystemExit(f"sim run failed with status {proc.returncode}")
    print(
        f"wall          {wall:.1f} s, {args.runs / wall:.0f} runs/s with {args.workers} "
        f"workers ({args.runs / wall / args.workers:.0f} runs/s per worker)"
    )
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    if match:
        print(
            f"peak RSS      {int(match.group(1)) / 1024:.0f} MB largest single process "
            "(/usr/bin/time -v)"
        )
    print(
        f"peak RSS      {peak[0]:.0f} MB whole process tree, sampled every 0.2 s "
        "(target: under 1,536 MB)"
    )
    for name in ("runs", "outcomes", "annual"):
        path = out / f"{name}.parquet"
        meta = pq.ParquetFile(path).metadata
        size = path.stat().st_size / 2**20
        print(f"{name + '.parquet':<22}{meta.num_rows:>12,} rows {size:8.1f} MB")
    runs = pq.read_table(out / "runs.parquet", columns=["run_id"])["run_id"].to_numpy()
    outcomes = pq.ParquetFile(out / "outcomes.parquet").metadata.num_rows
    theatres = len(
        pq.read_table(out / "outcomes.parquet", columns=["theatre"])
        .slice(0, 100)["theatre"]
        .unique()
    )
    complete = (
        len(runs) == args.runs
        and len(set(runs.tolist())) == args.runs
        and outcomes == args.runs * theatres
    )
    print(f"complete      runs and outcomes hold every run: {complete}")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
