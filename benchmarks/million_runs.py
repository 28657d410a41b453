"""One `sim run` of a million runs: wall time, peak memory, and the tables on disk.

Usage::

    .venv/bin/python benchmarks/million_runs.py [--runs 1000000] [--workers 2]
        [--scenario PATH] [--out DIR] [--tree DIR]

Runs the real command line (``sim run SCENARIO --runs N --annual auto``) as a child
process under ``/usr/bin/time -v`` when it exists, samples the resident memory of the
whole process tree (main process plus workers) every 0.2 s, then opens the result folder
and checks that ``runs.parquet`` and ``outcomes.parquet`` hold every run. Prints plain
figures; see benchmarks/README.md.

The tree's peak is the largest sum of the processes' resident sizes seen at one sample
(pages shared between the forkserver and the workers it forked count in each, as
``ps`` shows them); beside it the peak of each process (main, forkserver, each worker),
the tree's CPU time and the load average. ``--tree`` runs the ``sim`` of another source
tree (``python -m sim`` with that tree on ``PYTHONPATH``), for A/B comparisons; a
smaller ``--runs`` (40,000: the same chunks of 10,000 and 10,000 sampled annual runs as a
million) reaches the same peak in a fraction of the time.
"""

from __future__ import annotations

import argparse
import os
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


def role(proc: psutil.Process, root: psutil.Process) -> str:
    """Name a process of the tree: the sim main process, the forkserver, or a worker."""
    try:
        cmd = " ".join(proc.cmdline())
        parent = proc.ppid()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    if parent == root.pid:
        return "main"
    if "resource_tracker" in cmd:
        return "tracker"
    if "forkserver" in cmd:  # the server, or a worker it forked (same command line)
        try:
            forked = "forkserver" in " ".join(psutil.Process(parent).cmdline())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            forked = False
        return f"worker {proc.pid}" if forked else "forkserver"
    return f"other {proc.pid}"


class Sampler:
    """Resident memory of a process tree, every 0.2 s: the tree's sum and each process."""

    def __init__(self, root: psutil.Process) -> None:
        self.root = root
        self.peak = 0.0
        self.each: dict[str, float] = {}
        self.cpu: dict[int, float] = {}

    def sample(self) -> None:
        total = 0.0
        for p in self.root.children(recursive=True):
            try:
                rss = p.memory_info().rss / 2**20
                times = p.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            total += rss
            name = role(p, self.root)
            self.each[name] = max(self.each.get(name, 0.0), rss)
            self.cpu[p.pid] = times.user + times.system
        self.peak = max(self.peak, total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/baseline.toml")
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=None, help="result folder (default: a temporary one)")
    parser.add_argument("--tree", type=Path, default=_common.REPO, help="source tree to run")
    args = parser.parse_args()

    print(_common.host_line())
    tmp = None if args.out else tempfile.mkdtemp(prefix="sim-million-")
    out = Path(args.out) if args.out else Path(tmp) / "out"
    tree = args.tree.resolve()
    sim_cmd = [
        sys.executable,
        "-m",
        "sim",
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
    print(f"tree          {tree}")
    print(f"command       {' '.join(sim_cmd)}")
    # a shell as the root of the tree, so that every sim process is a descendant
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        ["/bin/sh", "-c", 'exec "$@"', "sh", *sim_cmd],
        cwd=tree,
        env=dict(os.environ, PYTHONPATH=str(tree)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    holder = psutil.Process(os.getpid())
    sampler = Sampler(holder)

    def sample() -> None:
        while proc.poll() is None:
            sampler.sample()
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    thread.join()
    if proc.returncode != 0:
        print(stdout, stderr)
        raise SystemExit(f"sim run failed with status {proc.returncode}")
    print(
        f"wall          {wall:.1f} s, {args.runs / wall:.0f} runs/s with {args.workers} "
        f"workers ({args.runs / wall / args.workers:.0f} runs/s per worker); CPU of the "
        f"tree {sum(sampler.cpu.values()):.1f} s (sampled); load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"peak RSS      {sampler.peak:.0f} MB whole process tree, sampled every 0.2 s "
        "(target: under 1,024 MB)"
    )
    for name, mb in sorted(sampler.each.items()):
        print(f"  {name:<12}{mb:8.0f} MB peak")
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
