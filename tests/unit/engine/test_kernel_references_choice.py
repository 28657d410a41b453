"""The option-value kernels (`sim.engine._kernels_choice`) against numpy references.

Each reference is the vectorised numpy of `sim.engine.choice` the kernel replaced,
written from the kernel's docstring: the same operations in the same order on whole
(R, K) arrays, so every result is bit-identical (`assert_same`), NaN propagation included
(numpy's ``maximum`` and ``clip`` propagate NaN, as the kernels' scalar floors do, and
``argmax`` takes the first NaN as largest, as the kernel does).
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_fixtures import assert_same, sized, sprinkle

from sim.engine import kernels
from sim.engine.choice import _OPTION_RUNGS, WAR_PATHS
from sim.engine.ladder import WAR_RUNG

COMMITMENT, OPPORTUNITY = WAR_PATHS.index("commitment"), WAR_PATHS.index("opportunity")


def ref_concession_arguments(
    p_win, war_scale, stake_df, pain_df, concession, concession_cost, coerce, clash, war
) -> tuple[np.ndarray, np.ndarray]:
    """clip((1 - p - ws x^2 / max(V, 0.05) - pain + k_c) / max(s, 1e-6), -50, 50), x = r / war."""
    scale = np.maximum(concession, 1e-6)[:, None]
    kc = concession_cost[:, None]
    lose = 1.0 - p_win
    den = np.maximum(stake_df, 0.05)
    x4, x5 = coerce / float(war), clash / float(war)
    a4 = np.clip((lose - war_scale * (x4 * x4) / den - pain_df + kc) / scale, -50.0, 50.0)
    a5 = np.clip((lose - war_scale * (x5 * x5) / den - 0.0 + kc) / scale, -50.0, 50.0)
    return a4, a5


def choice_inputs(gen: np.random.Generator, runs: int, theatres: int, nan: bool) -> dict:
    """Random (R, K) and (R,) inputs: stakes below the 0.05 floor and at 0, scales at and
    below 0, and with `nan` a NaN in ~3% of the probabilities, stakes and exponentials."""
    shape = (runs, theatres)

    def stakes() -> np.ndarray:
        return sprinkle(gen, gen.random(shape), [0.0, 0.01, 0.05, 1.0], 0.1)

    x = dict(
        p_win=gen.random(shape),
        optimism=np.exp(0.4 * gen.standard_normal(shape)),
        shadow=gen.random(shape) * (gen.random(shape) < 0.5),
        shift=0.5 * gen.standard_normal(shape),
        war_scale=0.4 * gen.random(shape),
        stake_ch=stakes(),
        stake_df=stakes(),
        nu=gen.random(runs) * 2.0,
        exercise=gen.random(runs) * 0.2,
        grievance=gen.random(shape),
        pain_ch=0.2 * gen.random(shape),
        pain_df=0.2 * gen.random(shape),
        exp4=np.exp(3.0 * gen.standard_normal(shape)),
        exp5=np.exp(3.0 * gen.standard_normal(shape)),
        claims=gen.random(shape) < 0.7,
        rate=gen.random(runs),
        p_hold=gen.random(shape),
        exp_retake=np.exp(gen.standard_normal(shape)),
        seizable=gen.random(shape) < 0.5,
        threshold=gen.random(runs),
        concession=sprinkle(gen, gen.random(runs) * 0.3, [0.0, -1.0, 1e-9], 0.2),
        concession_cost=0.1 * gen.standard_normal(runs),
    )
    if nan:
        for name in ("p_win", "stake_ch", "stake_df", "exp4", "exp5", "p_hold", "shift"):
            x[name] = sprinkle(gen, x[name], [np.nan], 0.03)
        x["exp4"] = sprinkle(gen, x["exp4"], [np.inf], 0.03)
    return x


@pytest.mark.parametrize("nan", [False, True])
@pytest.mark.parametrize("shape", [(300, 3), (1, 1), (0, 2), (4, 0)])
def test_concession_arguments_equal_numpy(shape: tuple[int, int], nan: bool) -> None:
    """Bit-identical, the clip at +-50 reached (scales floored at 1e-6), NaN kept."""
    gen = np.random.default_rng(61 + nan)
    for rungs in [(4, 5, 6), (1, 2, 3)]:
        x = choice_inputs(gen, *shape, nan)
        args = [x[k] for k in ("p_win", "war_scale", "stake_df", "pain_df")]
        args += [x["concession"], x["concession_cost"], *rungs]
        got, want = kernels.concession_arguments(*args), ref_concession_arguments(*args)
        assert_same(got[0], want[0])
        assert_same(got[1], want[1])


def ref_initiation_hazard(x: dict, rungs: np.ndarray) -> tuple[np.ndarray, ...]:
    """Option values (exercise, blockade, strike, invasion, seizure), np.argmax, path and
    hazard rate G max(U, 0) where claimed, as the kernel's docstring states them."""
    o, ws, p, g = x["optimism"], x["war_scale"], x["p_win"], x["grievance"]
    war = float(rungs[4])
    x3, x4, x5 = rungs[0] / war, rungs[1] / war, rungs[2] / war
    den_ch, den_df = np.maximum(x["stake_ch"], 0.05), np.maximum(x["stake_df"], 0.05)
    nuclear = 1.0 + x["nu"][:, None] * x["shadow"]
    war_ch, war_df = ws * nuclear / den_ch, ws * nuclear / den_df
    e_war = p - war_ch / o
    shift = x["shift"]
    committed = shift - (war_ch + war_df) > 0
    opening = ~committed & (shift <= 0.0) & (p >= x["threshold"][:, None]) & (e_war > 0.0)
    clash = ws * (x5 * x5) / den_ch / o
    q = 1.0 / (1.0 + x["exp_retake"])
    values = np.stack(
        [
            x["exercise"][:, None] * g - ws * (x3 * x3) / den_ch / o,
            1.0 / (1.0 + x["exp4"]) - ws * (x4 * x4) / den_ch / o - x["pain_ch"] / o,
            1.0 / (1.0 + x["exp5"]) - clash,
            np.where(committed, e_war + shift, np.where(opening, e_war, -np.inf)),
            np.where(x["seizable"], (1.0 - q) + q * (x["p_hold"] - war_ch / o) - clash, -np.inf),
        ],
        axis=2,
    )
    option = np.argmax(values, axis=2) if values.size else np.zeros(p.shape, dtype=np.int64)
    best = np.take_along_axis(values, option[:, :, None], axis=2)[:, :, 0]
    path = np.where(committed, COMMITMENT, np.where(opening, OPPORTUNITY, 0))
    hazard = np.where(x["claims"], x["rate"][:, None] * g * np.maximum(best, 0.0), 0.0)
    return hazard, option.astype(np.int64), path.astype(np.int64)


def hazard_args(x: dict, rungs: np.ndarray) -> list:
    """The kernel's positional arguments, in its order."""
    names = ["p_win", "optimism", "shadow", "shift", "war_scale", "stake_ch", "stake_df"]
    names += ["nu", "exercise", "grievance", "pain_ch", "exp4", "exp5", "claims", "rate"]
    head = [x[k] for k in names]
    tail = [x["p_hold"], x["exp_retake"], x["seizable"], x["threshold"], OPPORTUNITY]
    return [*head, rungs, COMMITMENT, *tail]


@pytest.mark.parametrize("nan", [False, True])
@pytest.mark.parametrize("shape", [(400, 3), (1, 1), (0, 2), (4, 0)])
def test_initiation_hazard_equals_numpy(shape: tuple[int, int], nan: bool) -> None:
    """Bit-identical hazards, exact options and paths, on random inputs where every option
    is best somewhere and all three paths occur; with `nan`, a NaN value is the best
    option (np.argmax's rule) and its hazard NaN."""
    gen = np.random.default_rng(71 + nan)
    other = np.array([1, 3, 4, 5, 5], dtype=np.int64)  # another ladder: war at rung 5
    seen_options: set[int] = set()
    seen_paths: set[int] = set()
    for rungs in [_OPTION_RUNGS] * sized(5, 1) + [other]:
        x = choice_inputs(gen, *shape, nan)
        got = kernels.initiation_hazard(*hazard_args(x, rungs))
        want = ref_initiation_hazard(x, rungs)
        for a, b in zip(got, want, strict=True):
            assert_same(a, b)
        seen_options |= set(got[1].ravel().tolist())
        seen_paths |= set(got[2].ravel().tolist())
    if shape == (400, 3):
        assert seen_options == {0, 1, 2, 3, 4}
        assert seen_paths == {0, COMMITMENT, OPPORTUNITY}


def test_option_rungs_end_with_the_war_rung() -> None:
    """The engine's rungs argument: three rungs below war, then the war rung twice."""
    assert _OPTION_RUNGS.tolist()[3:] == [WAR_RUNG, WAR_RUNG]
    assert (_OPTION_RUNGS[:3] < WAR_RUNG).all()
