"""Helpers of the kernel reference tests (``tests/unit/engine/test_kernel_references_*.py``).

Each compiled kernel of `sim.engine.kernels` is compared with a reference written in the
test, in plain Python or numpy, on random inputs with fixed seeds and on edge cases.
With ``NUMBA_DISABLE_JIT=1`` (a step of ``.ci/run``) the kernels run as Python, so the
same tests cover their source lines; `sized` shrinks the largest samples there, which
exist to find rare rounding differences of the compiled code, not to cover lines.
"""

from __future__ import annotations

import numpy as np

from sim.engine.jit import numba

JIT_OFF = bool(numba.config.DISABLE_JIT)
"""True when numba runs the kernels as Python (``NUMBA_DISABLE_JIT=1``)."""


def sized(n: int, off: int | None = None) -> int:
    """Return `n`, or `off` (default n // 100, at least 10) when the JIT is off."""
    if not JIT_OFF:
        return n
    return off if off is not None else max(n // 100, 10)


def assert_same(got: np.ndarray, want: np.ndarray) -> None:
    """Assert equal shape, dtype and bits (-0.0 differs from 0.0; any NaN equals any NaN)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if got.dtype.kind != "f":
        np.testing.assert_array_equal(got, want)
        return
    bits = got.view(np.uint64) == want.view(np.uint64)
    same = bits | (np.isnan(got) & np.isnan(want))
    assert same.all(), (np.argwhere(~same)[:5], got[~same][:5], want[~same][:5])


def sprinkle(gen: np.random.Generator, x: np.ndarray, values: list[float], share: float = 0.05):
    """Return a copy of float array `x` with a `share` of its elements set to `values`."""
    x = np.array(x, dtype=np.float64)
    hit = gen.random(x.shape) < share
    x[hit] = gen.choice(np.array(values, dtype=np.float64), size=int(hit.sum()))
    return x


MASK = 2**64 - 1
GOLDEN = 0x9E3779B97F4A7C15
M1, M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def mix(x: int) -> int:
    """SplitMix64 finaliser in plain Python integers (wrapping modulo 2^64)."""
    x ^= x >> 30
    x = (x * M1) & MASK
    x ^= x >> 27
    x = (x * M2) & MASK
    return x ^ (x >> 31)


def _unshift(y: int, s: int) -> int:
    x = y
    for _ in range(64 // s + 1):
        x = y ^ (x >> s)
    return x


def unmix(x: int) -> int:
    """Inverse of `mix` (the finaliser is a bijection of 64-bit integers)."""
    x = (_unshift(x, 31) * pow(M2, -1, 2**64)) & MASK
    x = (_unshift(x, 27) * pow(M1, -1, 2**64)) & MASK
    return _unshift(x, 30)


def simulation_digest(which: str, runs: int = 8) -> str:
    """SHA-256 of every final world and outcome array and annual block of a small batch.

    `which` is ``"rich"`` (`engine_fixtures.rich_scenario`: every mechanism, wars,
    nuclear use) or ``"baseline"`` (``scenarios/baseline.toml``); seeds
    ``run_seeds(20240601, 0..runs-1)``.
    """
    import hashlib
    from pathlib import Path

    from engine_fixtures import rich_scenario

    from sim.engine.params import compile_scenario
    from sim.engine.simulate import simulate
    from sim.runner.seeds import run_seeds
    from sim.scenario import load_scenario

    source = (
        rich_scenario()
        if which == "rich"
        else Path(__file__).parents[1] / "scenarios/baseline.toml"
    )
    structure, params = compile_scenario(load_scenario(source))
    result = simulate(structure, params, run_seeds(20240601, np.arange(runs)))
    digest = hashlib.sha256()
    for bundle in (result.world, result.outcome):
        for name in bundle.names():
            digest.update(name.encode() + np.ascontiguousarray(getattr(bundle, name)).tobytes())
    for key in sorted(result.annual, key=str):
        digest.update(str(key).encode() + np.ascontiguousarray(result.annual[key]).tobytes())
    return digest.hexdigest()
