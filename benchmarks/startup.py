"""Start-up time of the command line: ``sim --help`` (target: under 0.2 s) and ``sim check``.

Usage::

    /work/venv/bin/python benchmarks/startup.py [--repeats 7]

Each command is started as a fresh process (as a user types it), timed from start to exit;
the median over repeats is printed, with the heaviest modules the process imported
(``python -X importtime``), so that a heavy import creeping into the CLI path shows.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import _common

HEAVY = ("numpy", "pandas", "pyarrow", "scipy", "mesa", "matplotlib", "solara", "dask")


def timed_command(cmd: list[str], repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (user + system) of `repeats` fresh runs of `cmd`."""
    import resource

    def children() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    walls, cpus = [], []
    for _ in range(repeats):
        c0, t0 = children(), time.perf_counter()
        subprocess.run(cmd, cwd=_common.REPO, check=True, capture_output=True)
        walls.append(time.perf_counter() - t0)
        cpus.append(children() - c0)
    return walls, cpus


def heavy_imports(args: list[str]) -> list[str]:
    """Top-level heavy packages imported by ``python -m sim ARGS`` (via -X importtime)."""
    res = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            "import sys; from sim.cli import main; sys.exit(main(sys.argv[1:]))",
            *args,
        ],
        cwd=_common.REPO,
        capture_output=True,
        text=True,
    )
    found = set()
    for line in res.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+\d+ \| (\s*)(\S+)", line)
        if m and m.group(2).split(".")[0] in HEAVY:
            found.add(m.group(2).split(".")[0])
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    sim_exe = str(Path(sys.executable).with_name("sim"))
    print(_common.host_line())
    for label, extra, target in (
        ("sim --help", ["--help"], "0.2 s"),
        ("sim check scenarios/baseline.toml", ["check", "scenarios/baseline.toml"], "1 s"),
    ):
        timed_command([sim_exe, *extra], 1)  # warm the file cache
        t, cpu = timed_command([sim_exe, *extra], args.repeats)
        print(
            f"{label:<36} median {_common.median(t):.3f} s wall (min {min(t):.3f}, "
            f"max {max(t):.3f}), {_common.median(cpu):.3f} s CPU, over {args.repeats}; "
            f"heavy imports: {', '.join(heavy_imports(extra)) or 'none'} (target: under {target})"
        )


if __name__ == "__main__":
    main()
