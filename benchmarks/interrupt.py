"""What Ctrl-C keeps: interrupt a default ``sim run`` after some seconds and report.

Starts ``sim run scenarios/baseline.toml --runs N`` from a source tree (default: this one)
in a fresh process, sends SIGINT to its process group after ``--after`` seconds (what a
terminal's Ctrl-C does), and prints the chunking, the workers, the runs kept, how long
stopping took, whether a ``.lock`` file was left, and the peak memory of the main process
(``VmHWM``, Linux). Extra arguments go to ``sim run`` (e.g. ``--set meta.months=1200``).

    .venv/bin/python benchmarks/interrupt.py --runs 4000 --after 5
    .venv/bin/python benchmarks/interrupt.py --tree /tmp/base --runs 40000 --after 10
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import host_line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--runs", type=int, default=4000)
    parser.add_argument("--after", type=float, default=5.0, help="seconds before Ctrl-C")
    args, extra = parser.parse_known_args()
    print(host_line())
    tree = Path(args.tree).resolve()
    out = Path(tempfile.mkdtemp(prefix="sim-interrupt-")) / "run"
    env = dict(os.environ, PYTHONPATH=str(tree))
    cmd = [sys.executable, "-m", "sim", "run", str(tree / "scenarios" / "baseline.toml")]
    cmd += ["--runs", str(args.runs), "--out", str(out), "-q", *extra]
    load = os.getloadavg()[0]
    proc = subprocess.Popen(
        cmd, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    t0, peak = time.monotonic(), 0
    while time.monotonic() - t0 < args.after and proc.poll() is None:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            peak = int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1])
        except (OSError, StopIteration, ValueError):
            pass
        time.sleep(0.1)
    if proc.poll() is not None:
        print(f"finished before the signal ({time.monotonic() - t0:.1f} s)")
        return
    os.killpg(proc.pid, signal.SIGINT)
    signalled = time.monotonic()
    _, err = proc.communicate(timeout=600)
    m = json.loads((out / "manifest.json").read_text()) if (out / "manifest.json").exists() else {}
    print(
        f"tree {tree.name}: runs {args.runs:,}, Ctrl-C at {args.after:g} s, load {load:.2f}: "
        f"exit {proc.returncode}, stopping took {time.monotonic() - signalled:.1f} s, "
        f"workers {m.get('workers')}, chunks {m.get('chunks')} of {m.get('chunk_size')} runs, "
        f"kept {m.get('runs_done')}, .lock left {(out / '.lock').exists()}, "
        f"peak {peak / 1000:.0f} MB"
    )
    print("stderr:", err.strip() if proc.returncode != 130 else err.strip().splitlines()[-1])
    shutil.rmtree(out.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
