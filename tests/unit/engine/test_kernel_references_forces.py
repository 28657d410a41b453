"""The force kernels (`sim.engine._kernels_forces`) against numpy references in the test.

Each reference is the vectorised numpy a kernel replaced: whole (R, K) arrays, a Python
loop over alliances only. The sums are taken term by term in the kernel's order, so the
float results are bit-identical (`assert_same`); the integer and boolean ones are exact.
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_fixtures import assert_same, sized

from sim.engine import kernels


def world(gen: np.random.Generator, runs: int, theatres: int, alliances: int, actors: int = 5):
    """Random inputs of `side_force` in the kernel's dtypes (party and holder may be -1)."""
    client = gen.integers(0, actors, alliances)
    patron = gen.integers(0, actors, alliances)
    hosts_of = np.full((alliances, max(alliances, 1)), -1, dtype=np.int64)
    for a in range(alliances):
        others = [h for h in range(alliances) if h != a and gen.random() < 0.5]
        hosts_of[a, : len(others)] = others
    weight = gen.random((runs, theatres, alliances))
    weight[gen.random(weight.shape) < 0.3] = 0.0
    return dict(
        force=gen.random((runs, actors)) * 100.0,
        party=gen.integers(-1, actors, (runs, theatres)),
        weight=weight,
        reach=np.where(gen.random(weight.shape) < 0.5, 1.0, gen.random(weight.shape)),
        hosted=gen.random(weight.shape) < 0.4,
        share=gen.random(runs),
        holder=gen.integers(-1, actors, (runs, theatres)),
        advantage=1.0 + gen.random((runs, theatres)),
        client=client,
        patron=patron,
        covers=gen.random((alliances, theatres)) < 0.6,
        hosts_of=hosts_of,
    )


def ref_side_force(
    force, party, weight, reach, hosted, share, holder, advantage, client, patron, covers, hosts_of
) -> np.ndarray:
    """The party's force, + w force[patron] reach per alliance, + (w share) force[host] per
    host alliance of it where hosted and the host is not the party, times the advantage."""
    rows = np.arange(party.shape[0])[:, None]
    total = force[rows, np.maximum(party, 0)]
    for a in range(len(client)):
        w = np.where((party == client[a]) & covers[a][None, :], weight[:, :, a], 0.0)
        total = total + w * force[:, patron[a]][:, None] * reach[:, :, a]
        for h in hosts_of[a]:
            if h < 0:
                break
            host = client[h]
            term = w * share[:, None] * force[:, host][:, None]
            total = total + np.where(hosted[:, :, h] & (party != host), term, 0.0)
    return total * np.where(party == holder, advantage, 1.0)


SHAPES = [(40, 3, 4), (7, 1, 1), (5, 2, 0), (0, 2, 2), (3, 0, 2)]
"""(runs, theatres, alliances): random batches, one alliance, none, no runs, no theatres."""


@pytest.mark.parametrize("shape", SHAPES)
def test_side_force_equals_numpy(shape: tuple[int, int, int]) -> None:
    """Bit-identical: the same products and sums in the same order (the kernel's
    ``+ 0.0`` where a host term is off matches numpy's ``where(.., term, 0.0)``)."""
    gen = np.random.default_rng(sum(shape) + 11)
    for _ in range(sized(20, 3)):
        x = world(gen, *shape)
        assert_same(kernels.side_force(**x), ref_side_force(**x))


def test_side_force_edges() -> None:
    """A party with no actor (-1) counts actor 0's force; zero forces give +0.0."""
    gen = np.random.default_rng(12)
    x = world(gen, 4, 2, 2)
    x["party"][:] = -1
    x["force"][:] = 0.0
    got = kernels.side_force(**x)
    assert_same(got, ref_side_force(**x))
    assert (got.view(np.uint64) == 0).all()


def ref_nuclear_exposure(nuclear, party, weight, client, patron, covers) -> np.ndarray:
    """1 if the party is nuclear, else 0; the running maximum with each nuclear patron's
    weight where its alliance covers the party in the theatre."""
    rows = np.arange(party.shape[0])[:, None]
    exposure = nuclear[rows, np.maximum(party, 0)].astype(np.float64)
    for a in range(len(client)):
        on = (party == client[a]) & covers[a][None, :] & nuclear[:, patron[a]][:, None]
        exposure = np.maximum(exposure, np.where(on, weight[:, :, a], 0.0))
    return exposure


@pytest.mark.parametrize("shape", SHAPES)
def test_nuclear_exposure_equals_numpy(shape: tuple[int, int, int]) -> None:
    """Bit-identical: a maximum of the inputs picks one of them (weights are >= 0, so
    signed zeros and NaN, where builtin max and np.maximum differ, do not arise)."""
    gen = np.random.default_rng(sum(shape) + 21)
    for _ in range(sized(20, 3)):
        x = world(gen, *shape)
        nuclear = gen.random(x["force"].shape) < 0.4
        args = (nuclear, x["party"], x["weight"], x["client"], x["patron"], x["covers"])
        assert_same(kernels.nuclear_exposure(*args), ref_nuclear_exposure(*args))


@pytest.mark.parametrize("shape", [(30, 4, 5), (3, 2, 0), (0, 2, 5), (2, 0, 3)])
def test_count_equal_equals_numpy(shape: tuple[int, int, int]) -> None:
    """Exact (integers): ``(values == target).sum(axis=2)`` as int64, for targets inside,
    at the ends of and outside the values' range (-1 is the scenario's "no month")."""
    gen = np.random.default_rng(31)
    values = gen.integers(-1, 6, shape)
    for target in (-1, 0, 3, 5, 99):
        want = (values == target).sum(axis=2).astype(np.int64)
        assert_same(kernels.count_equal(values, target), want)


def ref_basing(access, where, patron, factor) -> tuple[np.ndarray, np.ndarray]:
    """hosted = access and where (R, K, A); reach 1.0 where an alliance of the same patron
    is hosted for the theatre, else the run's no-basing factor."""
    hosted = access[:, None, :] & where.T[None, :, :]
    same = patron[:, None] == patron[None, :]  # (A, B)
    near = (hosted[:, :, None, :] & same[None, None, :, :]).any(axis=3)
    return np.where(near, 1.0, factor[:, None, None]), hosted


@pytest.mark.parametrize("shape", [(40, 3, 4), (5, 2, 1), (4, 2, 0), (0, 2, 3), (3, 0, 2)])
def test_basing_equals_numpy(shape: tuple[int, int, int]) -> None:
    """Exact: booleans, and each reach is one of its inputs (1.0 or the factor)."""
    gen = np.random.default_rng(sum(shape) + 41)
    runs, theatres, alliances = shape
    for _ in range(sized(20, 3)):
        access = gen.random((runs, alliances)) < 0.6
        where = gen.random((alliances, theatres)) < 0.5
        patron = gen.integers(0, 3, alliances)
        factor = gen.random(runs)
        got = kernels.basing(access, where, patron, factor)
        want = ref_basing(access, where, patron, factor)
        assert_same(got[0], want[0])
        assert_same(got[1], want[1])


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.bool_])
def test_gathers_equal_take_along_axis(dtype: type) -> None:
    """Exact (a copy of elements): ``values[r, max(index, 0)]`` and
    ``values[r, k, max(index, 0)]``, the dtype kept, with -1 indices, and empty shapes."""
    gen = np.random.default_rng(51)
    for runs, width, n in [(30, 4, 6), (1, 1, 1), (0, 3, 2), (3, 0, 2)]:
        values = (gen.random((runs, n)) * 10).astype(dtype)
        values_k = (gen.random((runs, width, n)) * 10).astype(dtype)
        index = gen.integers(-1, n, (runs, width))
        floor = np.maximum(index, 0)
        assert_same(kernels.gather(values, index), np.take_along_axis(values, floor, axis=1))
        want = np.take_along_axis(values_k, floor[:, :, None], axis=2)[:, :, 0]
        assert_same(kernels.gather_k(values_k, index), want)
