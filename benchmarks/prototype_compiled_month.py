"""A measured prototype of a compiled month (issue 25, item 7): grievance and arms.

Usage::

    .venv/bin/python benchmarks/prototype_compiled_month.py [--repeats 5]
        [--sizes 1 50 200 1000 5000] [--check-runs 2000] [--scenario PATH]

`_prototype_month.py` compiles the grievance and arms steps of a month (the economy's
three normal draws per actor included) as one loop over runs, element by element in
numpy's order. This script prints, with the machine's load beside each figure:

``check``
    the prototype against the engine. *Per month*: a recorded run of the full scenario
    (every mechanism on, ``--check-runs`` runs); before the engine's grievance step the
    state is copied, after its arms step the prototype's `month` redoes both steps on the
    copy, and every array the two steps write is compared bit for bit. *Over the horizon*:
    the scenario with only grievance and arms switched on, the engine against one call of
    the prototype's `horizon`, final arrays compared.
``fit``
    time per month against batch size, fitted by least squares (intercept: fixed cost per
    month; slope: marginal cost per run-month), CPU time of one pinned process, median of
    ``--repeats``: the engine's grievance and arms steps (timed inside a full recorded run
    of the scenario), the prototype called once per month (its arguments gathered from
    the engine's state and parameters each month, as an engine step would), and the
    prototype's `horizon` (one call for all months).
``steps`` (not by default)
    the same fit for every mechanism's step and the whole month, timed inside full
    recorded runs: where the month's fixed and marginal costs are.
``ladder`` (not by default)
    the crisis ladder's moves after bargaining (`_prototype_month.ladder_moves`) against
    the engine's `crisis.decide` less `bargaining` and its bookkeeping, in full runs:
    values compared every month, and the same fit.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import host_line, median, pin_one_core, unpin  # noqa: E402

SCENARIO = str(REPO / "scenarios" / "baseline.toml")
WORLD = (
    "milex", "gdp", "fx", "capability", "burden_target", "policy_active", "policy_end",
    "policy_t0", "policy_m0", "policy_target", "grievance", "crisis", "rung", "challenger",
    "defender", "joined",
)  # fmt: skip
"""World arrays the slice reads, in the prototype's order (the first 11 it may write)."""
WRITTEN = WORLD[:11]


def load() -> str:
    """The 1-minute load average, to print beside a figure."""
    return f"load {os.getloadavg()[0]:.2f}"


def compiled_scenario(path: str):  # noqa: ANN201 - (Structure, Params)
    """Return the scenario's structure and parameters."""
    from sim.engine.params import compile_scenario
    from sim.scenario import load_scenario

    return compile_scenario(load_scenario(Path(path)))


def arguments(engine, world=None) -> tuple:  # noqa: ANN001
    """The prototype's arguments from an engine's parameters and (or) given world arrays.

    The parameter-only quantities (growth and depreciation factors, starting spending
    ratios, the grievance kernel's arguments) are the engine's own functions' values.
    """
    from sim.engine.arrays import once
    from sim.engine.ladder import TOP_RUNG, WAR_RUNG
    from sim.engine.mechanisms import arms, grievance

    p, s = engine.params, engine.structure
    w = world if world is not None else engine.state.world
    a, g = p.arms, p.grievance
    state = tuple(getattr(w, name) for name in WORLD)
    params = (
        a.fatigue, a.grievance, a.reaction, a.max_share_gdp, a.grievance_sensitivity,
        a.burden, a.burden_adjustment, a.burden_reaction, a.burden_volatility,
        a.gdp_volatility, a.fx_volatility,
        once(arms._monthly_growth, p.world.gdp_growth_per_year),
        once(arms._monthly_keep, p.world.capability_depreciation_per_year),
        once(arms._start_relative, p.world.milex_usd_bn),
        p.world.milex_usd_bn, g.level, p.war.mobilisation_share_gdp,
        np.asarray(s.patron, dtype=np.int64), WAR_RUNG,
    )  # fmt: skip
    kernel = once(
        grievance._kernel_params,
        g.baseline,
        g.decay_per_year,
        g.crisis_gain_per_month,
        g.war_gain_per_month,
    )
    flags = (
        bool(np.any(a.fx_volatility > 0)),
        bool(np.any(a.gdp_volatility > 0)),
        bool(a.burden.any()),
        s.on("grievance"),
        s.on("war"),
    )
    return state, params, (*kernel, TOP_RUNG, WAR_RUNG), flags, engine.rng.keys[:, 0].copy()


class Copy:
    """Contiguous copies of world arrays, readable by attribute like `State.world`."""

    def __init__(self, w) -> None:  # noqa: ANN001
        for name in WORLD:
            setattr(self, name, np.array(getattr(w, name), order="C", copy=True))


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place between float64 arrays of one sign."""
    with np.errstate(over="ignore"):
        return np.abs(a.view(np.int64) - b.view(np.int64)).astype(np.float64)


class Tally:
    """Bit-for-bit comparison counts per array."""

    def __init__(self) -> None:
        self.total: dict[str, int] = {}
        self.differ: dict[str, int] = {}
        self.worst: dict[str, float] = {}
        self.ulps: dict[str, float] = {}

    def add(self, name: str, engine: np.ndarray, proto: np.ndarray) -> None:
        """Compare one array of the engine with the prototype's."""
        e, q = np.asarray(engine), np.asarray(proto)
        if e.dtype.kind == "f":
            bad = e.view(np.int64) != q.view(np.int64)
            rel = np.abs(e - q) / np.maximum(np.abs(e), 1e-300)
            self.worst[name] = max(self.worst.get(name, 0.0), float(rel.max(initial=0.0)))
            far = float(ulps(e, q).max(initial=0.0))
            self.ulps[name] = max(self.ulps.get(name, 0.0), far)
        else:
            bad = e != q
        self.total[name] = self.total.get(name, 0) + e.size
        self.differ[name] = self.differ.get(name, 0) + int(bad.sum())

    def report(self, indent: str = "    ") -> None:
        """Print the counts."""
        for name, n in self.total.items():
            extra = ""
            if name in self.worst and self.differ[name]:
                extra = (
                    f", largest relative difference {self.worst[name]:.1e} "
                    f"({self.ulps[name]:.0f} ulp)"
                )
            print(f"{indent}{name:14} {self.differ[name]:>9,} of {n:>11,} values differ{extra}")


def wrap(steps: dict[str, Callable]) -> None:
    """Replace the engine's steps named in `steps` by the given wrappers (this process only)."""
    import sim.engine.step as step_module

    step_module.MECHANISMS = tuple(
        dataclasses.replace(m, step=steps[m.name](m.step)) if m.name in steps else m
        for m in step_module.MECHANISMS
    )


def unwrap() -> None:
    """Put the registry's steps back."""
    import sim.engine.registry as registry
    import sim.engine.step as step_module

    step_module.MECHANISMS = registry.MECHANISMS


class ScalarNumpy:
    """numpy, but with ``exp`` and ``log`` of arrays computed by the C library's scalar code.

    Put in place of `sim.engine.mechanisms.arms`'s ``np`` for the second check (`libm`), to
    show that the prototype's differences from the engine are those of numpy's SIMD
    ``exp``/``log`` alone.
    """

    def __init__(self) -> None:
        from sim.engine.jit import numba

        @numba.vectorize(["float64(float64)"])
        def exp(x: float) -> float:  # pragma: no cover - compiled
            return math.exp(x)

        @numba.vectorize(["float64(float64)"])
        def log(x: float) -> float:  # pragma: no cover - compiled
            return math.log(x)

        self.exp, self.log = exp, log

    def __getattr__(self, name: str) -> object:
        return getattr(np, name)


def libm(on: bool) -> None:
    """Let the engine's arms step use the C library's scalar ``exp``/``log`` (or numpy's)."""
    from sim.engine.mechanisms import arms

    arms.np = ScalarNumpy() if on else np  # type: ignore[assignment]


def check_months(args: argparse.Namespace) -> None:
    """Per month, in a full run: the prototype's month against the engine's two steps."""
    for scalar in (False, True):
        libm(scalar)
        try:
            check_month_by_month(args, scalar)
        finally:
            libm(False)


def check_month_by_month(args: argparse.Namespace, scalar: bool) -> None:
    """One check of `check_months`: the engine's arms with numpy's or libm's exp/log."""
    from _prototype_month import month

    from sim.engine.simulate import Engine
    from sim.runner.seeds import run_seeds

    structure, params = compiled_scenario(args.scenario)
    engine = Engine(structure, params, run_seeds(1, np.arange(args.check_runs)), record=True)
    tally = Tally()
    copies: dict[str, Any] = {}

    def before(step: Callable) -> Callable:
        def run(m) -> None:  # noqa: ANN001
            copies["world"] = Copy(m.state.world)
            copies["hostility"] = np.array(m.state.scratch.hostility, order="C", copy=True)
            w = m.state.world
            copies["active"] = w.policy_active & (m.t <= w.policy_end)
            step(m)

        return run

    def after(step: Callable) -> Callable:
        def run(m) -> None:  # noqa: ANN001
            step(m)
            mine = copies["world"]
            state, p, g, flags, keys = arguments(engine, mine)
            month(m.t, state, p, g, flags, keys, copies["hostility"])
            for name in WRITTEN:
                tally.add(name, getattr(m.state.world, name), getattr(mine, name))
            # numpy's `**` (SIMD pow) stays in the engine's policy paths
            quiet = ~(copies["active"])
            tally.add("milex, no policy", m.state.world.milex[quiet], mine.milex[quiet])

        return run

    wrap({"grievance": before, "arms": after})
    try:
        engine.run()
    finally:
        unwrap()
    how = "scalar C library" if scalar else "numpy's SIMD"
    print(
        f"check         per month, every mechanism on, {args.check_runs} runs x "
        f"{structure.months} months, the engine's arms with {how} exp/log ({load()}):"
    )
    tally.report()


def check_horizon(args: argparse.Namespace) -> None:
    """Over the horizon, grievance and arms only: the engine against one `horizon` call."""
    for scalar in (False, True):
        libm(scalar)
        try:
            check_whole_horizon(args, scalar)
        finally:
            libm(False)


def check_whole_horizon(args: argparse.Namespace, scalar: bool) -> None:
    """One check of `check_horizon`: the engine's arms with numpy's or libm's exp/log."""
    from _prototype_month import horizon

    from sim.engine.simulate import Engine
    from sim.runner.seeds import run_seeds

    structure, params = compiled_scenario(args.scenario)
    structure = dataclasses.replace(structure, mechanisms=frozenset({"grievance", "arms"}))
    seeds = run_seeds(1, np.arange(args.check_runs))
    engine = Engine(structure, params, seeds, record=False)
    proto = Engine(structure, params, seeds, record=False)
    mine = Copy(proto.state.world)
    state, p, g, flags, keys = arguments(proto, mine)
    engine.run()
    horizon(0, structure.months, state, p, g, flags, keys)
    tally = Tally()
    for name in WRITTEN:
        tally.add(name, getattr(engine.state.world, name), getattr(mine, name))
    how = "scalar C library" if scalar else "numpy's SIMD"
    print(
        f"check         horizon, grievance and arms only, {args.check_runs} runs x "
        f"{structure.months} months, final arrays, the engine's arms with {how} exp/log "
        f"({load()}):"
    )
    tally.report()


def engine_steps(structure, params, seeds, repeats: int) -> float:  # noqa: ANN001
    """Median CPU seconds per month of the engine's grievance and arms steps (full run)."""
    from sim.engine.simulate import Engine

    spent = [0.0]

    def timed(step: Callable) -> Callable:
        def run(m) -> None:  # noqa: ANN001
            c0 = time.process_time()
            step(m)
            spent[0] += time.process_time() - c0

        return run

    wrap({"grievance": timed, "arms": timed})
    try:
        per_month = []
        for _ in range(repeats):
            spent[0] = 0.0
            Engine(structure, params, seeds, record=True).run()
            per_month.append(spent[0] / structure.months)
    finally:
        unwrap()
    return median(per_month)


def prototype_months(structure, params, seeds, repeats: int) -> float:  # noqa: ANN001
    """Median CPU seconds per month of the prototype called once per month."""
    from _prototype_month import month

    from sim.engine.simulate import Engine

    per_month = []
    for _ in range(repeats):
        engine = Engine(structure, params, seeds, record=False)
        runs, n = engine.runs, len(structure.actors)
        c0 = time.process_time()
        for t in range(structure.months):
            # gathered each month, as a step would: state, parameters, scratch
            state, p, g, flags, keys = arguments(engine)
            month(t, state, p, g, flags, keys, np.zeros((runs, n, n)))
        per_month.append((time.process_time() - c0) / structure.months)
    return median(per_month)


def prototype_horizon(structure, params, seeds, repeats: int) -> float:  # noqa: ANN001
    """Median CPU seconds per month of the prototype's `horizon` (one call, all months)."""
    from _prototype_month import horizon

    from sim.engine.simulate import Engine

    per_month = []
    for _ in range(repeats):
        engine = Engine(structure, params, seeds, record=False)
        c0 = time.process_time()
        state, p, g, flags, keys = arguments(engine)
        horizon(0, structure.months, state, p, g, flags, keys)
        per_month.append((time.process_time() - c0) / structure.months)
    return median(per_month)


def fit(args: argparse.Namespace) -> None:
    """Time per month against batch size for the engine's steps and the prototype."""
    from sim.runner.seeds import run_seeds

    structure, params = compiled_scenario(args.scenario)
    pinned = pin_one_core()
    warm = run_seeds(1, np.arange(20))
    engine_steps(structure, params, warm, 1)
    prototype_months(structure, params, warm, 1)
    prototype_horizon(structure, params, warm, 1)
    ways = {
        "engine grievance+arms steps": engine_steps,
        "prototype, one call a month": prototype_months,
        "prototype, one call in all": prototype_horizon,
    }
    print(f"fit           CPU per month, pinned {pinned}, median of {args.repeats}")
    points: dict[str, list[float]] = {name: [] for name in ways}
    for size in args.sizes:
        seeds = run_seeds(1, np.arange(size))
        line = [f"  batch {size:>6}"]
        for name, how in ways.items():
            y = how(structure, params, seeds, args.repeats)
            points[name].append(y)
            line.append(f"{1e3 * y:8.4f} ms")
        print("  ".join(line) + f"  ({load()})")
    xs = np.asarray(args.sizes, dtype=float)
    for name, ys in points.items():
        slope, intercept = np.polyfit(xs, np.asarray(ys), 1)
        print(
            f"  {name:28}  fixed {1e3 * intercept:8.4f} ms per month, "
            f"marginal {1e6 * slope:7.4f} us per run-month  ({load()})"
        )
    unpin()


def steps(args: argparse.Namespace) -> None:
    """Fixed and marginal cost of every mechanism's step in full runs (what the slice is of)."""
    from sim.engine.registry import MECHANISMS
    from sim.engine.simulate import Engine
    from sim.runner.seeds import run_seeds

    structure, params = compiled_scenario(args.scenario)
    names = [m.name for m in MECHANISMS if m.step is not None]
    spent: dict[str, float] = {}

    def timed(name: str) -> Callable:
        def wrapper(step: Callable) -> Callable:
            def run(m) -> None:  # noqa: ANN001
                c0 = time.process_time()
                step(m)
                spent[name] = spent.get(name, 0.0) + time.process_time() - c0

            return run

        return wrapper

    pinned = pin_one_core()
    wrap({name: timed(name) for name in names})
    points: dict[str, list[float]] = {name: [] for name in [*names, "month"]}
    try:
        Engine(structure, params, run_seeds(1, np.arange(20)), record=True).run()
        for size in args.sizes:
            seeds = run_seeds(1, np.arange(size))
            rounds: dict[str, list[float]] = {name: [] for name in points}
            for _ in range(args.repeats):
                spent.clear()
                c0 = time.process_time()
                Engine(structure, params, seeds, record=True).run()
                spent["month"] = time.process_time() - c0
                for name in points:
                    rounds[name].append(spent.get(name, 0.0) / structure.months)
            for name in points:
                points[name].append(median(rounds[name]))
    finally:
        unwrap()
    unpin()
    print(f"steps         CPU per month of each step, pinned {pinned}, median of {args.repeats}")
    xs = np.asarray(args.sizes, dtype=float)
    for name, ys in points.items():
        slope, intercept = np.polyfit(xs, np.asarray(ys), 1)
        print(
            f"  {name:12} batch 1 {1e3 * ys[0]:7.4f} ms  fixed {1e3 * intercept:7.4f} ms  "
            f"marginal {1e6 * slope:7.4f} us per run-month  ({load()})"
        )


LADDER_WORLD = (
    "crisis", "rung", "challenger", "defender", "crisis_start", "resist_months", "war_path",
    "seized_at", "holder", "blockade_pain", "hotline",
)  # fmt: skip


def ladder(args: argparse.Namespace) -> None:
    """The crisis ladder's moves: the engine's `decide` (less what the kernel leaves out)."""
    from _prototype_month import ladder_moves

    import sim.engine.mechanisms.crisis as crisis
    from sim.engine.simulate import Engine
    from sim.runner.seeds import run_seeds

    structure, params = compiled_scenario(args.scenario)
    decide, others = crisis.decide, ("bargaining", "note_rungs", "_settle_share",
                                     "transfer", "close_crisis")  # fmt: skip
    originals = {name: getattr(crisis, name) for name in others}
    spent = {"decide": 0.0, "others": 0.0, "kernel": 0.0}
    captured: dict[str, Any] = {}
    tally = Tally()

    def timed_other(name: str) -> Callable:
        def run(*a: Any, **k: Any) -> Any:
            c0 = time.process_time()
            out = originals[name](*a, **k)
            spent["others"] += time.process_time() - c0
            if name == "bargaining":
                captured["bargain"] = out
            return out

        return run

    def timed_decide(m) -> None:  # noqa: ANN001
        w, x, p = m.state.world, m.state.scratch, m.params
        world = [np.array(getattr(w, name), copy=True) for name in LADDER_WORLD]
        world.insert(1, np.array(x.opened, copy=True))
        move = np.array(x.move, copy=True)
        captured.clear()
        c0 = time.process_time()
        decide(m)
        spent["decide"] += time.process_time() - c0
        if "bargain" not in captured:
            return
        b = captured["bargain"]
        cp = p.crisis
        # one type signature whatever the batch (a new one would compile or load again)
        kernel_params = (
            *(np.ascontiguousarray(a, dtype=np.float64) for a in (
                cp.concession_cost, cp.concession_months, cp.war_negotiation_probability,
                cp.settlement_probability, cp.escalation_probability, cp.accident_probability,
                p.diplomacy.hotline_accident_relief)),
            bool(m.on("diplomacy")),
        )  # fmt: skip
        bargain = tuple(
            np.ascontiguousarray(a, dtype=np.float64)
            for a in (b.e_ch, b.e_df, b.gap, b.commitment_gap)
        )
        keys = np.ascontiguousarray(m.rng.keys[:, 0])
        c0 = time.process_time()
        ladder_moves(m.t, tuple(world), bargain, kernel_params, keys, move)
        spent["kernel"] += time.process_time() - c0
        tally.add("move", x.move, move)
        tally.add("resist_months", w.resist_months, world[6])
        kept = (move != 3) & (move != 4)  # settled or capitulated: closed, rung reset
        tally.add("rung (open)", w.rung[kept], world[2][kept])
        tally.add("war_path (open)", w.war_path[kept], world[7][kept])

    for name in others:
        setattr(crisis, name, timed_other(name))
    crisis.decide = timed_decide
    pinned = pin_one_core()
    points: dict[str, list[float]] = {"engine": [], "kernel": []}
    try:
        Engine(structure, params, run_seeds(1, np.arange(20)), record=True).run()
        for size in args.sizes:
            seeds = run_seeds(1, np.arange(size))
            engine_ms, kernel_ms = [], []
            for _ in range(args.repeats):
                for key in spent:
                    spent[key] = 0.0
                Engine(structure, params, seeds, record=True).run()
                engine_ms.append((spent["decide"] - spent["others"]) / structure.months)
                kernel_ms.append(spent["kernel"] / structure.months)
            points["engine"].append(median(engine_ms))
            points["kernel"].append(median(kernel_ms))
            print(
                f"  batch {size:>6}  engine moves {1e3 * points['engine'][-1]:8.4f} ms  "
                f"kernel {1e3 * points['kernel'][-1]:8.4f} ms per month  ({load()})"
            )
    finally:
        crisis.decide = decide
        for name, fn in originals.items():
            setattr(crisis, name, fn)
        unpin()
    print(
        f"ladder        crisis moves (decide less bargaining and its bookkeeping), pinned "
        f"{pinned}, median of {args.repeats}; values against the engine, every month:"
    )
    tally.report()
    xs = np.asarray(args.sizes, dtype=float)
    for name, ys in points.items():
        slope, intercept = np.polyfit(xs, np.asarray(ys), 1)
        print(
            f"  {name:8} fixed {1e3 * intercept:8.4f} ms per month, marginal "
            f"{1e6 * slope:7.4f} us per run-month  ({load()})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=SCENARIO)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 50, 200, 1000, 5000])
    parser.add_argument("--check-runs", type=int, default=2000)
    parser.add_argument(
        "--figures",
        nargs="+",
        default=["check", "fit"],
        choices=["check", "fit", "steps", "ladder"],
    )
    args = parser.parse_args()
    print(host_line())
    if "check" in args.figures:
        check_months(args)
        check_horizon(args)
    if "fit" in args.figures:
        fit(args)
    if "steps" in args.figures:
        steps(args)
    if "ladder" in args.figures:
        ladder(args)


if __name__ == "__main__":
    main()
