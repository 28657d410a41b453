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
* ``invasion`` (rung 6), on either of two windows:

  - closing (the commitment path): U = E_war + shift, where the expected shift in power
    against the challenger exceeds both sides' war costs (Fearon 1995; Powell 2006);
  - opening (the opportunity path): U = E_war, for a challenger whose relative power is
    not falling (shift <= 0) once it judges that it can win, p~ >= ``crisis.opportunity_
    threshold``, and expects to gain from war over the status quo it has (E_war > 0: the
    holder offers nothing unasked; power-transition and opportunity accounts, Organski &
    Kugler 1980; Levy 1987);

* ``seizure`` (rung 5, a fait accompli: Altman 2017), only in theatres declared
  ``seizable`` (small, lightly held territory such as islets): the challenger takes and
  holds the theatre at once, then the defender retakes it by war or accepts. U = (1 - q)
  + q (p~_hold - c_ch(6)) - c_ch(5), with p~_hold its perceived chance of holding in a war
  in which it has the holder's advantage, and q = 1 / (1 + exp(-(E_re + k_c) / s)) the
  chance it sees that the defender retakes, E_re = (1 - p~_hold) - c_df(6) the defender's
  value of war to retake against accepting the loss, -k_c.

P_concede compares the defender's value of resisting with its value of conceding, -k_c
(``crisis.concession_cost``: the stake's share is lost and conceding costs reputation
and office beyond it), so P_concede(r) = 1 / (1 + exp((E_df(r) + k_c) / s)).

Costs c(r) include the nuclear shadow at war rungs (`sim.engine.forces.conflict_cost`).
The best option is chosen with monthly hazard ``initiation_rate / 12 * G * max(0, U)``.
With exact perceptions, positive costs and no shift in power, a closing window never
opens; deliberate war then needs misperception, an opening window (a challenger strong
enough to win that the status quo leaves with nothing) or a seizure the defender retakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import kernels
from sim.engine.forces import (
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
from sim.engine.mechanisms.crisis_params import CrisisParams

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
    Option("seizure", CLASH_RUNG, "deliberate:seizure"),
)
"""The options other than the status quo (codes stable: new options are appended)."""

NEW_TRIGGERS = ("deliberate:seizure",)
"""Trigger labels of options not in `sim.engine.ladder.DELIBERATE_TRIGGERS` (declared by
the crisis mechanism)."""

WAR_PATHS = ("", "bargaining failure", "commitment", "scheduled", "fait accompli", "opportunity")
"""How a war began (``war_path`` in outcomes.parquet): a gap in perceptions, a closing
window (commitment problem), a scheduled scenario event, a defender retaking a theatre
seized by fait accompli, or a rising challenger's deliberate invasion on an opening
window. Codes are stable: new paths are appended."""


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
    advantage: np.ndarray  # (R, K) the holder's defender advantage

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
            self.advantage[rows],
        )


def holders(m: Month) -> Holders:
    """Return the holders' side of this month's option values (see `initiation_hazard`)."""
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
        advantage=np.broadcast_to(p.world.defender_advantage, df.shape).astype(np.float64),
    )


def initiation_hazard(
    m: Month, j: int, noise: np.ndarray, claims: np.ndarray, rate: np.ndarray, h: Holders
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Challenger `j`'s hazard of opening a crisis, its best option and war path, (R, K).

    Values each option against each theatre's holder (module doc), with what does not
    depend on the challenger taken from `h` (`holders`); costs are
    `sim.engine.forces.conflict_cost` written out per rung (below war
    kappa (1 + iota) (r/6)^2 / V, their nuclear factor being exactly 1; at war
    kappa (1 + iota) (1 + nu shadow) / V). The hazard is ``rate * G * max(0, U)`` of the
    best option where `claims`, else 0. exp and log are numpy's; the arithmetic around
    them is compiled (`sim.engine.kernels.concession_arguments`, `initiation_hazard`).
    """
    st, p, s = m.state, m.params, m.structure
    w, cp = st.world, p[CrisisParams]
    df = w.holder
    ch = np.full(df.shape, j)
    f_ch = side_force(st, p, s, ch, h.weights, h.basing)
    shadow = nuclear_exposure(st, p, s, ch, h.weights) * h.exposure_df
    optimism = np.exp(w.sigma[:, j, None] * noise)
    gamma = cp.csf_exponent[:, None]
    p_win = win_probability(f_ch * optimism, h.f_df, gamma)
    later = win_probability(
        side_force(st, p, s, ch, h.weights, h.basing, h.force_later), h.f_df_later, gamma
    )
    shift = win_probability(f_ch, h.f_df, gamma) - later
    runs = df.shape[0]
    stake_ch = np.ascontiguousarray(p.world.stake[:, :, j])
    pain_ch = np.ascontiguousarray(blockade_pain(m, h.stake_df, stake_ch)[1], dtype=np.float64)
    concession_cost = _per_run(cp.concession_cost, runs)
    scale = _per_run(cp.concession_scale, runs)
    a4, a5 = kernels.concession_arguments(
        p_win,
        h.war_scale,
        h.stake_df,
        h.pain_df,
        scale,
        concession_cost,
        COERCION_RUNG,
        CLASH_RUNG,
        WAR_RUNG,
    )
    # after a seizure the challenger holds: the holder's advantage changes sides
    p_hold = win_probability(f_ch * optimism * h.advantage, h.f_df / h.advantage, gamma)
    war_df = (
        h.war_scale
        * (1.0 + cp.nuclear_cost_factor[:, None] * shadow)
        / np.maximum(h.stake_df, 0.05)
    )
    e_retake = (1.0 - p_hold) - war_df
    exp_retake = np.exp(
        np.clip(-(e_retake + concession_cost[:, None]) / np.maximum(scale, 1e-6)[:, None], -50, 50)
    )
    seizable = np.ascontiguousarray(np.broadcast_to(cp.seizable, df.shape), dtype=np.bool_)
    return kernels.initiation_hazard(
        p_win,
        optimism,
        shadow,
        shift,
        h.war_scale,
        stake_ch,
        h.stake_df,
        _per_run(cp.nuclear_cost_factor, runs),
        _per_run(cp.exercise_value, runs),
        gather(w.grievance[:, j, :], df),
        pain_ch,
        np.exp(a4),
        np.exp(a5),
        np.ascontiguousarray(claims),
        _per_run(rate[:, 0], runs),
        _OPTION_RUNGS,
        WAR_PATHS.index("commitment"),
        np.ascontiguousarray(p_hold, dtype=np.float64),
        np.ascontiguousarray(exp_retake, dtype=np.float64),
        seizable,
        _per_run(cp.opportunity_threshold, runs),
        WAR_PATHS.index("opportunity"),
    )


_OPTION_RUNGS = np.array([o.rung for o in OPTIONS[:3]] + [WAR_RUNG, WAR_RUNG], dtype=np.int64)
"""Rungs of exercise, blockade and strike, then the war rung twice (`initiation_hazard`)."""


def _per_run(x: np.ndarray, runs: int) -> np.ndarray:
    """Return a per-run parameter as a contiguous float64 (R,) array."""
    return np.ascontiguousarray(np.broadcast_to(x, (runs,)), dtype=np.float64)


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
