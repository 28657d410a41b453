"""The mechanisms' kernels (trigger effects, a month of grievance) against references.

Both kernels change their arrays in place, element by element and in order (a later
trigger sees an earlier one's grievance; a theatre's crisis heat adds to what an earlier
theatre added). The references are plain Python over Python floats in that order, so the
results are bit-identical (`assert_same`); the trigger test also checks the repeated
products against ``**`` within a stated tolerance.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from kernel_fixtures import assert_same, sized

from sim.engine import kernels
from sim.engine.ladder import TOP_RUNG, WAR_RUNG


def ref_trigger_effects(
    n, kind, theatre, triggered, grievance, by, target, holder, increase, chance, u, raise_g
) -> np.ndarray:
    """Set the kind's bit in the theatre; with `raise_g`, G <- 1 - (1 - G)(1 - increase)^n
    toward the actor and toward the holder (if neither actor nor target); a crisis opens
    where u < 1 - (1 - chance)^n; powers as products from 1.0, left to right."""
    runs, items = n.shape
    opens = np.zeros((runs, items), dtype=bool)
    g = grievance.tolist()
    for r in range(runs):
        for j in range(items):
            c = int(n[r, j])
            if c <= 0:
                continue
            k = int(theatre[j])
            triggered[r, k] = int(triggered[r, k]) | (1 << int(kind[r, j]))
            if raise_g:
                keep = math.prod([1.0 - float(increase[r, j])] * c)
                t, b, h = int(target[r, j]), int(by[r, j]), int(holder[r, k])
                for who in [b] + ([h] if h not in (b, t) and h >= 0 else []):
                    g[r][t][who] = 1.0 - (1.0 - g[r][t][who]) * keep
            keep = math.prod([1.0 - float(chance[r, j])] * c)
            opens[r, j] = float(u[r, j]) < 1.0 - keep
    grievance[...] = np.array(g).reshape(grievance.shape)
    return opens


def trigger_inputs(gen: np.random.Generator, runs: int, items: int, actors: int = 4) -> list:
    """Random arguments: counts -1 to 12 (half 0), holders -1 to N - 1, kinds 0-5, and a
    fifth of the uniforms exactly at 1 - (1 - chance)^n, where a product that rounds
    differently flips whether the crisis opens."""
    theatres = 3
    n = gen.integers(-1, 13, (runs, items)) * (gen.random((runs, items)) < 0.5)
    chance = np.where(gen.random((runs, items)) < 0.1, 0.0, gen.random((runs, items)))
    u = gen.random((runs, items))
    for r, j in np.argwhere((gen.random((runs, items)) < 0.2) & (n > 0)):
        u[r, j] = 1.0 - math.prod([1.0 - chance[r, j]] * int(n[r, j]))
    return [
        n.astype(np.int64),
        gen.integers(0, 6, (runs, items)),
        gen.integers(0, theatres, items),
        gen.integers(0, 4, (runs, theatres)),
        gen.random((runs, actors, actors)),
        gen.integers(0, actors, (runs, items)),
        gen.integers(0, actors, (runs, items)),
        gen.integers(-1, actors, (runs, theatres)),
        np.where(gen.random((runs, items)) < 0.1, 1.0, gen.random((runs, items))),
        chance,
        u,
    ]


@pytest.mark.parametrize("raise_g", [True, False])
@pytest.mark.parametrize("shape", [(200, 5), (1, 1), (0, 3), (3, 0)])
def test_trigger_effects_equal_python(shape: tuple[int, int], raise_g: bool) -> None:
    """Bit-identical returned crises and in-place bits and grievance (increase 1 and
    chance 0 included; counts <= 0 change nothing)."""
    gen = np.random.default_rng(81 + raise_g)
    for _ in range(sized(10, 2)):
        args = trigger_inputs(gen, *shape)
        mine = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        got = kernels.trigger_effects(*args, raise_g)
        want = ref_trigger_effects(*mine, raise_g)
        assert_same(got, want)
        assert_same(args[3], mine[3])  # triggered bits
        assert_same(args[4], mine[4])  # grievance


def test_trigger_powers_are_close_to_pow() -> None:
    """The repeated products equal ``(1 - p) ** n`` within n ulp-sized rounding steps
    (relative 2^-53 each), which bounds how far they are from the exact power."""
    gen = np.random.default_rng(91)
    runs, items = sized(500, 50), 1
    n = gen.integers(1, 40, (runs, items))
    chance = gen.random((runs, items))
    u = gen.random((runs, items))
    opens = kernels.trigger_effects(
        n,
        np.zeros_like(n),
        np.zeros(items, dtype=np.int64),
        np.zeros((runs, 1), dtype=np.int64),
        np.zeros((runs, 2, 2)),
        np.zeros_like(n),
        np.ones_like(n),
        np.full((runs, 1), -1),
        np.zeros((runs, items)),
        chance,
        u,
        False,
    )
    power = (1.0 - chance) ** n
    margin = n * 2.0**-52 * power
    sure = np.abs(u - (1.0 - power)) > margin  # away from the boundary: both agree
    assert sure.mean() > 0.99
    np.testing.assert_array_equal(opens[sure], (u < 1.0 - power)[sure])


def ref_grievance_month(g, hostility, baseline, decay, crisis, rung, ch, df, gain_c, gain_w):
    """G += (B - G) d; heat g_c rung / top (+ g_w at war) onto both parties' hostility,
    theatre by theatre; h = clip(hostility, -1, 1); G += h (1 - G) if h > 0 else h G;
    clip to [0, 1]; zero diagonal. In place, in plain Python floats."""
    runs, n, _ = g.shape
    G, H = g.tolist(), hostility.tolist()
    for r in range(runs):
        d = float(decay[r])
        for i in range(n):
            for j in range(n):
                G[r][i][j] = G[r][i][j] + (float(baseline[r, i, j]) - G[r][i][j]) * d
        for k in range(crisis.shape[1]):
            if crisis[r, k]:
                level = int(rung[r, k])
                heat = float(gain_c[r]) * level / float(TOP_RUNG)
                heat = heat + (float(gain_w[r]) if level >= WAR_RUNG else 0.0)
                a, b = max(int(ch[r, k]), 0), max(int(df[r, k]), 0)
                H[r][a][b] += heat
                H[r][b][a] += heat
        for i in range(n):
            for j in range(n):
                h = min(max(H[r][i][j], -1.0), 1.0)
                x = G[r][i][j]
                x = x + (1.0 - x if h > 0 else x) * h
                G[r][i][j] = 0.0 if i == j else min(max(x, 0.0), 1.0)
    g[...] = np.array(G).reshape(g.shape)
    hostility[...] = np.array(H).reshape(hostility.shape)


def grievance_inputs(gen: np.random.Generator, runs: int, actors: int, theatres: int) -> list:
    """Random arguments: hostility beyond +-1, rungs 0 to top, parties -1 to N - 1."""
    cube = (runs, actors, actors)
    pairs = (runs, theatres)
    return [
        gen.random(cube),
        np.where(gen.random(cube) < 0.5, 0.0, 1.5 * gen.standard_normal(cube)),
        gen.random(cube),
        np.where(gen.random(runs) < 0.1, 0.0, gen.random(runs) / 12.0),
        gen.random(pairs) < 0.5,
        gen.integers(0, TOP_RUNG + 1, pairs),
        gen.integers(-1, actors, pairs),
        gen.integers(-1, actors, pairs),
        gen.random(runs) * 0.2,
        gen.random(runs) * 0.1,
    ]


@pytest.mark.parametrize("shape", [(200, 4, 3), (1, 2, 1), (3, 3, 0), (0, 3, 2), (2, 0, 0)])
def test_grievance_month_equals_python(shape: tuple[int, int, int]) -> None:
    """Bit-identical grievance and hostility after the month (in place)."""
    gen = np.random.default_rng(101 + sum(shape))
    for _ in range(sized(10, 2)):
        args = grievance_inputs(gen, *shape)
        mine = [a.copy() for a in args]
        kernels.grievance_month(*args, TOP_RUNG, WAR_RUNG)
        ref_grievance_month(*mine)
        assert_same(args[0], mine[0])
        assert_same(args[1], mine[1])
        assert ((args[0] >= 0.0) & (args[0] <= 1.0)).all()
