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
    MIN_STAKE,
    Basing,
    ally_weights,
    gather,
    gather_k,
    nuclear_exposure,
    projected_force,
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
    grievance: np.ndarray  # (R, K) the challenger's grievance toward each holder


@dataclass(frozen=True)
class Holders:
    """What a month's option values share across challengers: the holders' side.

    Computed once a month by `holders` (`sim.engine.mechanisms.crisis.initiate`) and cut
    to a subset of runs with `take`.
    """

    weights: np.ndarray  # (R, K, A) perceived ally weights
    basing: Basing
    f_df: np.ndarray  # (R, K) the holders' side forces today
    exposure_df: np.ndarray  # (R, K) their `nuclear_exposure`
    stake_df: np.ndarray  # (R, K) their stakes
    force_later: np.ndarray  # (R, N) regional forces projected over the power-shift horizon
    f_df_later: np.ndarray  # (R, K) the holders' side forces from those
    war_scale: np.ndarray  # (R, K) war_cost (1 + interdependence): conflict_cost before rungs
    pain_df: np.ndarray  # (R, K) the pain a blockade is expected to cause them (`blockade_pain`)

    def take(self, rows: np.ndarray) -> Holders:
        """Return the context of runs `rows` only."""
        return Holders(
            self.weights[rows],
            Basing(self.basing.reach[rows], self.basing.hosted[rows]),
            self.f_df[rows],
            self.exposure_df[rows],
            self.stake_df[rows],
            self.force_later[rows],
            self.f_df_later[rows],
            self.war_scale[rows],
            self.pain_df[rows],
        )


def holders(m: Month) -> Holders:
    """Return the holders' side of this month's option values (see `option_values`)."""
    st, p, s = m.state, m.params, m.structure
    w = st.world
    weights = ally_weights(st, s, perceived=True)
    basing = Basing.of(st, p, s)
    df = w.holder
    force_later = projected_force(st, p)
    stake_df = gather_k(p.world.stake, df)
    return Holders(
        weights=weights,
        basing=basing,
        f_df=side_force(st, p, s, df, weights, basing),
        exposure_df=nuclear_exposure(st, p, s, df, weights),
        stake_df=stake_df,
        force_later=force_later,
        f_df_later=side_force(st, p, s, df, weights, basing, force_later),
        war_scale=p.crisis.war_cost[:, None] * (1.0 + p.world.interdependence),
        pain_df=blockade_pain(m, stake_df, stake_df)[0],
    )


def option_values(m: Month, j: int, noise: np.ndarray, h: Holders) -> Choice:
    """Challenger `j`'s perceived value of each option against each theatre's holder.

    The arithmetic of `sim.engine.forces.conflict_cost`, `win_probability` and
    `power_shift`, with what does not depend on the challenger taken from `h`
    (`holders`). Costs at a rung below war are kappa (1 + iota) (r/6)^2 / V (their
    nuclear factor is exactly 1), at war kappa (1 + iota) (1 + nu shadow) / V.
    """
    st, p, s = m.state, m.params, m.structure
    w, cp = st.world, p.crisis
    df = w.holder
    ch = np.full(df.shape, j)
    f_ch = side_force(st, p, s, ch, h.weights, h.basing)
    shadow = nuclear_exposure(st, p, s, ch, h.weights) * h.exposure_df
    optimism = np.exp(w.sigma[:, j, None] * noise)
    gamma = cp.csf_exponent[:, None]
    p_win = win_probability(f_ch * optimism, h.f_df, gamma)
    den_ch = np.maximum(p.world.stake[:, :, j], MIN_STAKE)
    den_df = np.maximum(h.stake_df, MIN_STAKE)
    nuclear = 1.0 + cp.nuclear_cost_factor[:, None] * shadow
    war_ch = h.war_scale * nuclear / den_ch
    war_df = h.war_scale * nuclear / den_df
    scale = np.maximum(cp.concession_scale[:, None], 1e-6)
    lose = 1.0 - p_win

    def cost(rung: int, den: np.ndarray) -> np.ndarray:
        x = rung / float(WAR_RUNG)
        return h.war_scale * (x * x) / den

    def concede(rung: int, pain: np.ndarray | float = 0.0) -> np.ndarray:
        resist = lose - cost(rung, den_df)
        return 1.0 / (1.0 + np.exp(np.clip((resist - pain) / scale, -50.0, 50.0)))

    grievance = gather(w.grievance[:, j, :], df)
    e_war = p_win - war_ch / optimism
    later = win_probability(
        side_force(st, p, s, ch, h.weights, h.basing, h.force_later), h.f_df_later, gamma
    )
    shift = win_probability(f_ch, h.f_df, gamma) - later
    commitment = shift - (war_ch + war_df) > 0
    invasion = np.where(commitment, e_war + shift, -np.inf)
    pain_ch = blockade_pain(m, h.stake_df, p.world.stake[:, :, j])[1]
    values = np.stack(
        [
            cp.exercise_value[:, None] * grievance - cost(SIGNALLING_RUNG, den_ch) / optimism,
            concede(COERCION_RUNG, h.pain_df)
            - cost(COERCION_RUNG, den_ch) / optimism
            - pain_ch / optimism,
            concede(CLASH_RUNG) - cost(CLASH_RUNG, den_ch) / optimism,
            invasion,
        ],
        axis=2,
    )
    path = np.where(commitment, WAR_PATHS.index("commitment"), 0)
    return Choice(values, path, grievance)


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
