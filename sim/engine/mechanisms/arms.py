"""Arms: Richardson dynamics, spending policies, GDP ceilings and the capability stock.

Per actor i, per year, stepped monthly (dt = 1/12):

    dm_i/dt = sum_j k_ij m_j - a_i m_i + g_i(t)                       (Richardson 1960)
    g_i(t)  = g_i + s_i m_i(0) sum_j (G_ij(t) - G_ij(0))     (only with `grievance` on)

While a spending policy is active (events: a share of GDP, a level or a growth rate by a
date) spending follows the geometric path from its level when the policy was adopted to
the target; afterwards Richardson dynamics resume from there. At war, spending rises
toward ``war.mobilisation_share_gdp`` of GDP with a time constant of
`MOBILISATION_MONTHS`. Spending is kept in [0, max_share_gdp * GDP]. GDP grows at its
nominal rate. Capability is a perpetual-inventory stock: C <- C (1 - delta)^(1/12) + m / 12.

With only `arms` on, no policies and ceilings not binding, the update is the Euler step of
Richardson's linear system, whose fixed point is m* = (A - K)^-1 g.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.arrays import sum_last
from sim.engine.context import Month
from sim.engine.declare import DERIVED, Array, DeriveContext, Mechanism, ParamBlock, param, world
from sim.engine.mechanisms.war import war_parties

DT = 1.0 / 12.0
"""One month in years (the coefficients are per year)."""

MOBILISATION_MONTHS = 6.0
"""Time constant of wartime mobilisation: a sixth of the gap to the goal closes each month
(judgement: major mobilisations reach most of their level within a year)."""

POLICY_TARGETS = ("target_share_gdp", "target_milex_usd_bn", "growth_per_year")
"""The ways a policy event states its target (exactly one per event)."""


def richardson_equilibrium(actor: dict, context: DeriveContext) -> float:
    """Return the grievance g_i that makes every actor's starting spending an equilibrium."""
    arms = actor["arms"]
    return arms["fatigue"] * actor["milex_usd_bn"] - sum(
        k * context.actors[other]["milex_usd_bn"] for other, k in arms["reaction"].items()
    )


@dataclass(frozen=True)
class ArmsParams(ParamBlock):
    """Richardson coefficients and the spending ceiling, per actor."""

    fatigue: Array = param(
        "arms.fatigue", "actor", "float", 0.1, 0, 10, "1/year", "Richardson fatigue a_i.",
        literature="0.05-0.5 per year in fitted Richardson models (Ward 1984; Dunne & Smith 2007)",
    )  # fmt: skip
    grievance: Array = param(
        "arms.grievance", "actor", "float", DERIVED, -1e6, 1e6, "USD bn/year",
        "Richardson grievance g_i; default makes the starting budgets an equilibrium.",
        source="derived", derive=richardson_equilibrium,
    )  # fmt: skip
    reaction: Array = param(
        "arms.reaction", "actor", "actor_map", {}, 0, 10, "1/year",
        "Richardson reaction k_ij to each rival's spending.",
        literature="0-0.3 per year in fitted dyadic models (Dunne & Smith 2007)",
    )  # fmt: skip
    max_share_gdp: Array = param(
        "arms.max_share_gdp", "actor", "float", 0.1, 0, 1, "share of GDP", "Ceiling on spending.",
        literature="peacetime burdens above 10% of GDP are rare (SIPRI 1990-2024)",
    )  # fmt: skip
    grievance_sensitivity: Array = param(
        "arms.grievance_sensitivity", "actor", "float", 0.05, 0, 10, "1/year",
        "Extra spending per unit of grievance above its start, as a share of starting spending.",
    )  # fmt: skip


def step(m: Month) -> None:
    """Advance spending, GDP and capability by one month."""
    w, p = m.state.world, m.params
    arms, base = p.arms, p.world
    milex = w.milex
    drive = arms.grievance
    if m.on("grievance"):
        excess = sum_last(w.grievance - p.grievance.level)
        drive = drive + arms.grievance_sensitivity * base.milex_usd_bn * excess
    reaction = sum_last(arms.reaction * milex[:, None, :])
    new = milex + DT * (reaction - arms.fatigue * milex + drive)
    active = w.policy_active & (m.t <= w.policy_end)
    if active.any():
        span = np.maximum(w.policy_end - w.policy_t0, 1)
        frac = np.clip((m.t + 1 - w.policy_t0) / span, 0.0, 1.0)
        ratio = np.maximum(w.policy_target, 1e-9) / np.maximum(w.policy_m0, 1e-9)
        path = w.policy_m0 * ratio**frac
        new = np.where(active, path, new)
        w.policy_active &= m.t + 1 < w.policy_end
    if m.on("war"):
        fighting = war_parties(m)
        if fighting.any():
            goal = p.war.mobilisation_share_gdp[:, None] * w.gdp
            new = np.where(
                fighting, np.maximum(new, milex + (goal - milex) / MOBILISATION_MONTHS), new
            )
    w.gdp = w.gdp * (1.0 + base.gdp_growth_per_year) ** DT
    new = np.clip(new, 0.0, arms.max_share_gdp * w.gdp)
    w.capability = w.capability * (1.0 - base.capability_depreciation_per_year) ** DT + new * DT
    w.milex = new


def adopt_policy(
    m: Month,
    actor: int,
    fire: np.ndarray,
    target_kind: str,
    amount: np.ndarray,
    reach_by: np.ndarray,
) -> None:
    """Start a spending policy for `actor` in runs `fire` (a `policy` event).

    Parameters
    ----------
    target_kind : str
        One of `POLICY_TARGETS`.
    amount : (R,)
        The target: a share of GDP, USD bn/year, or a growth rate per year.
    reach_by : (R,)
        Month offset by which the target is reached.
    """
    w = m.state.world
    i = actor
    years = np.maximum(reach_by - m.t, 1.0) / 12.0
    if target_kind == "target_share_gdp":
        gdp_then = w.gdp[:, i] * (1.0 + m.params.world.gdp_growth_per_year[:, i]) ** years
        target = amount * gdp_then
    elif target_kind == "target_milex_usd_bn":
        target = amount
    else:
        target = w.milex[:, i] * (1.0 + amount) ** years
    w.policy_active[:, i] |= fire
    w.policy_m0[:, i] = np.where(fire, w.milex[:, i], w.policy_m0[:, i])
    w.policy_t0[:, i] = np.where(fire, m.t, w.policy_t0[:, i])
    w.policy_end[:, i] = np.where(fire, reach_by.astype(np.int64), w.policy_end[:, i])
    w.policy_target[:, i] = np.where(fire, target, w.policy_target[:, i])


MECHANISM = Mechanism(
    name="arms",
    doc="Richardson arms dynamics with spending policies, GDP ceilings and a capital stock.",
    params=ArmsParams,
    state=(
        world("policy_active", ("actor",), bool, "A spending policy is being followed."),
        world("policy_m0", ("actor",), np.float64, "Spending when the policy was adopted."),
        world("policy_t0", ("actor",), np.int64, "Month the policy was adopted."),
        world("policy_end", ("actor",), np.int64, "Month the policy's target is reached."),
        world("policy_target", ("actor",), np.float64, "The policy's target, USD bn/year."),
    ),
    needs=("grievance", "war"),
    step=step,
)
