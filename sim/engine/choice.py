"""A challenger's choice among uses of force (the crisis mechanism's initiation).

Each month, in each theatre without an open crisis, every claimant that does not hold it
values its options against the holder's side under its own perceptions (one optimism
draw z per month: it sees its force times exp(sigma z) and its costs divided by it):

* ``exercise`` (rung 3, a large exercise or show of force):
  U = v_ex G - c_ch(3), with G its grievance toward the holder;
* ``strike`` (rung 5, limited strike): U = P_concede(5) - c_ch(5), with
  P_concede(r) = 1 / (1 + exp(E_df(r) / s)) the chance it sees that the defender prefers
  conceding to resisting, E_df(r) = (1 - p~) - c_df(r);
* ``blockade`` (rung 4, quarantine or blockade): the same with the economic pain the
  challenger expects the blockade to inflict over ``blockade.expected_months`` months
  (lowering E_df) and the pain it expects to bear itself (`sim.engine.mechanisms.blockade`);
* ``invasion`` (rung 6): U = E_war + shift, available only where the expected shift in
  power against the challenger exceeds both sides' war costs (a commitment problem:
  Fearon 1995; Powell 2006). Under common beliefs a bargain worth at least E_war is
  always available, so a deliberate invasion needs a closing window; wars from private
  information come from crises that escalate (`sim.engine.mechanisms.crisis`).

Costs c(r) include the nuclear shadow at war rungs (`sim.engine.forces.conflict_cost`).
The best option is chosen with monthly hazard ``initiation_rate / 12 * G * max(0, U)``.
With exact perceptions, positive costs and no shift in power, invasion is never an
option, so deliberate war needs misperception or a closing window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.forces import (
    Basing,
    conflict_cost,
    gather,
    gather_k,
    nuclear_shadow,
    power_shift,
    side_force,
    win_probability,
)
from sim.engine.ladder import COERCION_RUNG, SIGNALLING_RUNG, WAR_RUNG

if TYPE_CHECKING:
    from sim.engine.context import Month

CLASH_RUNG = 5
"""Limited armed clash."""


@dataclass(frozen=True)
class Option:
    """A use of force: its name, the rung a crisis opens at, its crisis-log label."""

    name: str
    rung: int
    trigger: str


OPTIONS = (
    Option("exercise", SIGNALLING_RUNG, "deliberate:exercise"),
    Option("blockade", COERCION_RUNG, "deliberate:blockade"),
    Option("strike", CLASH_RUNG, "deliberate:strike"),
    Option("invasion", WAR_RUNG, "deliberate:invasion"),
)
"""The options other than the status quo, in order of rung."""

WAR_PATHS = ("", "bargaining failure", "commitment", "scheduled")
"""How a war began (``war_path`` in outcomes.parquet): a gap in perceptions, a closing
window (commitment problem), or a scheduled scenario event."""


@dataclass(frozen=True)
class Choice:
    """A challenger's options in every theatre: values (R, K, O) and the path to war."""

    values: np.ndarray
    war_path: np.ndarray  # (R, K) code into WAR_PATHS for the invasion option


def option_values(
    m: Month, j: int, noise: np.ndarray, weights: np.ndarray, basing: Basing, f_df: np.ndarray
) -> Choice:
    """Challenger `j`'s perceived value of each option against each theatre's holder.

    `weights` (perceived ally weights), `basing` and `f_df` (the holders' side forces) do
    not depend on the challenger: `sim.engine.mechanisms.crisis.initiate` computes them
    once a month.
    """
    st, p, s = m.state, m.params, m.structure
    w, cp = st.world, p.crisis
    ch = np.full(w.holder.shape, j)
    df = w.holder
    f_ch = side_force(st, p, s, ch, weights, basing)
    shadow_ch = shadow_df = nuclear_shadow(st, p, s, ch, df, weights)
    optimism = np.exp(gather(w.sigma, ch) * noise)
    p_win = win_probability(f_ch * optimism, f_df, cp.csf_exponent[:, None])
    stake_ch, stake_df = gather_k(p.world.stake, ch), gather_k(p.world.stake, df)

    def cost_ch(rung: int) -> np.ndarray:
        return conflict_cost(p, stake_ch, np.full(ch.shape, rung), shadow_ch) / optimism

    def resist(rung: int) -> np.ndarray:
        return (1.0 - p_win) - conflict_cost(p, stake_df, np.full(ch.shape, rung), shadow_df)

    def concede(rung: int, pain: np.ndarray | float = 0.0) -> np.ndarray:
        scale = np.maximum(cp.concession_scale[:, None], 1e-6)
        return 1.0 / (1.0 + np.exp(np.clip((resist(rung) - pain) / scale, -50.0, 50.0)))

    grievance = gather(w.grievance[:, j, :], df)
    e_war = p_win - cost_ch(WAR_RUNG)
    shift = power_shift(st, p, s, ch, df, weights, basing, (f_ch, f_df))
    war = np.full(ch.shape, WAR_RUNG)
    both_costs = conflict_cost(p, stake_ch, war, shadow_ch) + conflict_cost(
        p, stake_df, war, shadow_df
    )
    commitment = shift - both_costs > 0
    invasion = np.where(commitment, e_war + shift, -np.inf)
    pain_df, pain_ch = blockade_pain(m, stake_df, stake_ch)
    values = np.stack(
        [
            cp.exercise_value[:, None] * grievance - cost_ch(SIGNALLING_RUNG),
            concede(COERCION_RUNG, pain_df) - cost_ch(COERCION_RUNG) - pain_ch / optimism,
            concede(CLASH_RUNG) - cost_ch(CLASH_RUNG),
            invasion,
        ],
        axis=2,
    )
    path = np.where(commitment, WAR_PATHS.index("commitment"), 0)
    return Choice(values, path)


def blockade_pain(
    m: Month, stake_df: np.ndarray, stake_ch: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(R, K) pain a blockade is expected to cause the defender and the challenger.

    ``resolve_cost_per_gdp_share`` times the GDP share each loses per month times
    ``expected_months``, divided by its stake (zero if the blockade mechanism is off).
    """
    if not m.on("blockade"):
        return np.zeros(stake_df.shape), np.zeros(stake_ch.shape)
    bp = m.params.blockade
    scale = (bp.resolve_cost_per_gdp_share * bp.expected_months)[:, None]
    pain_df = scale * bp.target_gdp_loss_per_month / np.maximum(stake_df, 0.05)
    pain_ch = scale * bp.challenger_gdp_loss_per_month / np.maximum(stake_ch, 0.05)
    return pain_df, pain_ch
