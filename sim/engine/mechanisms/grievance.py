"""Grievance: directed G_ij in [0, 1] relaxes toward a baseline and rises with hostility.

Monthly:  G <- G + min(1, d/12) (B - G);   then  G <- G + H (1 - G),  clipped to [0, 1],

where d is ``grievance.decay_per_year``, B the baseline and H the month's hostile input
toward j felt by i: grey-zone units of j against i (times ``grievance_per_unit``), and for
the parties of an open crisis ``crisis_gain_per_month * rung / 8`` each way, plus
``war_gain_per_month`` at war. Talks (diplomacy) and drills/visits (events) act directly.
Negative input (grey-zone activity below its starting level) lowers G as G <- G (1 + H).
The multiplicative form keeps G inside [0, 1] for any input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import kernels
from sim.engine.arrays import once
from sim.engine.context import Month
from sim.engine.declare import (
    DERIVED,
    REQUIRED,
    Array,
    DeriveContext,
    Mechanism,
    Metric,
    ParamBlock,
    param,
    scratch,
    world,
)
from sim.engine.declare import Field as F
from sim.engine.ladder import TOP_RUNG, WAR_RUNG

if TYPE_CHECKING:
    from sim.engine.params import Structure


def baseline_at_level(grievance: dict, context: DeriveContext) -> float:
    """Return the starting level: grievance relaxes toward where it starts."""
    return grievance["level"]


@dataclass(frozen=True)
class GrievanceParams(ParamBlock):
    """Starting and baseline grievances, and how fast grievance moves."""

    level: Array = param(
        scope="grievance",
        kind="float",
        default=REQUIRED,
        lo=0,
        hi=1,
        doc="Grievance at the start, 0-1.",
        source="scenario",
    )
    baseline: Array = param(
        scope="grievance",
        kind="float",
        default=DERIVED,
        derive=baseline_at_level,
        lo=0,
        hi=1,
        doc="Level grievance relaxes toward; default level.",
        source="derived",
    )
    decay_per_year: Array = param(
        scope="model",
        kind="float",
        default=0.3,
        lo=0,
        hi=12,
        unit="1/year",
        doc="Rate at which grievance relaxes toward its baseline.",
        literature="half-lives of 1-5 years for dyadic hostility (rivalry literature: "
        "Goertz & Diehl 1993; Colaresi, Rasler & Thompson 2007)",
    )
    crisis_gain_per_month: Array = param(
        scope="model",
        kind="float",
        default=0.03,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Grievance added between crisis parties per month, times rung/8, times (1 - G).",
    )
    war_gain_per_month: Array = param(
        scope="model",
        kind="float",
        default=0.05,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Grievance added between war parties per month of war.",
    )


def step(m: Month) -> None:
    """Relax toward baseline, then add this month's hostility."""
    w, x, p = m.state.world, m.state.scratch, m.params.grievance
    runs = w.grievance.shape[0]
    # G += d (B - G); crisis heat into the hostility of the parties; then
    # G += h (1 - G) where h > 0, else G += h G (h = clipped hostility); clip; zero diagonal.
    # Compiled, element by element in numpy's order (`sim.engine.kernels.grievance_month`).
    if not w.grievance.flags.c_contiguous:
        w.grievance = np.ascontiguousarray(w.grievance)
    if p.baseline.shape == w.grievance.shape and p.decay_per_year.shape == (runs,):
        # parameters only, one row per run (the engine's batches): computed once per batch
        baseline, decay, crisis_gain, war_gain = once(
            _kernel_params,
            p.baseline,
            p.decay_per_year,
            p.crisis_gain_per_month,
            p.war_gain_per_month,
        )
    else:
        baseline, decay, crisis_gain, war_gain = _kernel_params(
            p.baseline,
            p.decay_per_year,
            p.crisis_gain_per_month,
            p.war_gain_per_month,
            w.grievance.shape,
        )
    kernels.grievance_month(
        w.grievance,
        x.hostility,
        baseline,
        decay,
        w.crisis,
        w.rung,
        w.challenger,
        w.defender,
        crisis_gain,
        war_gain,
        TOP_RUNG,
        WAR_RUNG,
    )


def _kernel_params(
    baseline: np.ndarray,
    decay_per_year: np.ndarray,
    crisis_gain: np.ndarray,
    war_gain: np.ndarray,
    shape: tuple[int, ...] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the kernel's parameter arguments: contiguous read-only views, (R, N, N) / (R,)."""
    shape = baseline.shape if shape is None else shape
    runs = (shape[0],)
    return (
        np.ascontiguousarray(np.broadcast_to(baseline, shape)),
        np.ascontiguousarray(np.broadcast_to(np.minimum(decay_per_year / 12.0, 1.0), runs)),
        np.ascontiguousarray(np.broadcast_to(crisis_gain, runs)),
        np.ascontiguousarray(np.broadcast_to(war_gain, runs)),
    )


def _dyads(s: Structure) -> tuple[str, ...]:
    return tuple(f"{s.actors[i]}-{s.actors[j]}" for i, j in s.grievance_dyads)


def metrics(s: Structure) -> list[Metric]:
    """Grievance of each declared dyad at the year's end."""
    if not s.grievance_dyads:
        return []
    ii = np.array([i for i, _ in s.grievance_dyads])
    jj = np.array([j for _, j in s.grievance_dyads])
    return [
        Metric(
            "grievance",
            _dyads,
            "last",
            lambda st: st.world.grievance[:, ii, jj],
            "Grievance of FROM toward TO at the year's end, 0-1.",
        )
    ]


MECHANISM = Mechanism(
    name="grievance",
    doc="Directed grievance that relaxes toward a baseline and rises with hostile acts.",
    params=GrievanceParams,
    fields={
        "grievance": {
            "from": F(kind="actor", doc="Aggrieved actor."),
            "to": F(kind="actor", doc="Actor the grievance is directed at."),
        }
    },
    state=(
        world(
            "grievance",
            axes=("actor", "actor"),
            dtype=np.float64,
            init=lambda p: p.grievance.level,
            doc="Grievance [i, j] of i toward j, 0-1.",
        ),
        scratch(
            "hostility",
            axes=("actor", "actor"),
            dtype=np.float64,
            doc="Hostile input gathered this month [i, j]: felt by i, caused by j.",
        ),
    ),
    metrics=metrics,
    step=step,
)
