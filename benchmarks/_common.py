"""Shared helpers of the benchmark scripts: the machine line, pinning, medians, timing."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (Linux), else the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def host_line() -> str:
    """One line describing the machine and its load, to quote with every figure."""
    import numpy as np

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"host          {platform.node()}: {cpu_model()}, {os.cpu_count()} cores "
        f"(nproc), load average {load}; python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )


def pin_one_core() -> bool:
    """Pin this process to one core (the figures are per core); False if impossible."""
    try:
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
        return True
    except (AttributeError, OSError):
        return False


def unpin() -> None:
    """Allow every core again."""
    try:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    except (AttributeError, OSError):
        pass


def timed(fn: Callable[[], object], repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of `repeats` calls of `fn` (CPU: this process only)."""
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def median(xs: list[float]) -> float:
    """Median (machines are noisy: quote medians)."""
    return statistics.median(xs)


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size, MB (Linux reports KB): this process or its waited children."""
    return resource.getrusage(who).ru_maxrss / 1024.0
