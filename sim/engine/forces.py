"""Local force balances, contest success functions and the bargaining utilities.

Shared by the crisis, alliance and war mechanisms so that each uses the same definitions
(MODEL.md, sections 7.4-7.6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.ladder import TOP_RUNG, WAR_RUNG

if TYPE_CHECKING:
    from sim.engine.params import Params, Structure
    from sim.engine.state import State

MIN_STAKE = 0.05
"""Stakes are floored here when they divide costs (an actor with no stake never fights)."""


def gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Pick ``values[r, index[r, k]]`` for (R, N) values and (R, K) actor indices."""
    return np.take_along_axis(values, np.maximum(index, 0), axis=1)


def gather_k(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Pick ``values[r, k, index[r, k]]`` for (R, K, N) values and (R, K) indices."""
    return np.take_along_axis(values, np.maximum(index, 0)[..., None], axis=2)[..., 0]


def regional_force(state: State, params: Params) -> np.ndarray:
    """Capability that can fight in the region, (R, N) USD bn."""
    return state.world.capability * params.world.forces_in_region_share


def side_force(
    state: State, params: Params, s: Structure, party: np.ndarray, ally_weight: np.ndarray
) -> np.ndarray:
    """Force of `party`'s side in each theatre, (R, K).

    Parameters
    ----------
    party : (R, K) int
        Actor index of the party in each theatre.
    ally_weight : (R, K, A)
        Weight of each alliance's patron force (1 = fights, commitment = expected help).
    """
    force = regional_force(state, params)
    total = gather(force, party)
    for a in range(len(s.alliance_ids)):
        reach = np.where(state.world.basing[:, a], 1.0, params.alliances.no_basing_factor)
        patron_force = force[:, s.patron[a]] * reach
        helps = (party == s.client[a]) & s.covers[a][None, :]
        total = total + np.where(helps, ally_weight[:, :, a] * patron_force[:, None], 0.0)
    advantage = np.where(party == state.world.holder, params.world.defender_advantage, 1.0)
    return total * advantage


def ally_weights(state: State, s: Structure, perceived: bool) -> np.ndarray:
    """(R, K, A) weights of patrons: joined = 1; otherwise commitment if perceived, else 0."""
    if not s.on("alliances"):
        return np.zeros(state.world.joined.shape)
    if perceived:
        return np.where(state.world.joined, 1.0, state.world.commitment[:, None, :])
    return state.world.joined.astype(np.float64)


def win_probability(own: np.ndarray, other: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Contest success function own^g / (own^g + other^g) (Tullock 1980; Hirshleifer 1989)."""
    own = np.maximum(own, 1e-9)
    other = np.maximum(other, 1e-9)
    ratio = np.exp(np.clip(gamma * (np.log(own) - np.log(other)), -700, 700))
    return ratio / (1.0 + ratio)


def conflict_cost(params: Params, stake: np.ndarray, rung: np.ndarray) -> np.ndarray:
    """Cost of fighting at `rung`, in units of the actor's stake: kappa (1+iota)(r/6)^2 / V."""
    kappa = params.crisis.war_cost[:, None]
    scale = (np.asarray(rung, dtype=np.float64) / float(WAR_RUNG)) ** 2
    return kappa * (1.0 + params.world.interdependence) * scale / np.maximum(stake, MIN_STAKE)


def perceived_value(
    state: State,
    params: Params,
    s: Structure,
    own: np.ndarray,
    own_force: np.ndarray,
    other_force: np.ndarray,
    noise: np.ndarray,
    rung: np.ndarray,
    now: np.ndarray,
) -> np.ndarray:
    """One side's perceived value of fighting at `rung`: p~ - c~(r) + audience(r_now).

    One optimism draw z per side and month drives both beliefs: the side sees its own
    force multiplied by exp(sigma z) (its chance of prevailing p~) and the cost of
    fighting multiplied by exp(-sigma z) (the short-war illusion: Blainey 1973; Van Evera
    1984). With sigma = 0 both are exact.

    Parameters
    ----------
    own : (R, K) int
        The side's actor in each theatre.
    own_force, other_force : (R, K)
        Side forces (allies' expected help included) of the side and its opponent.
    noise : (R, K)
        Standard normal draws for the side's misperception.
    rung : (R, K) int
        Rung at which fighting is valued.
    now : (R, K)
        Current rung / 8 where audience costs count, else 0 (see `bargaining`).
    """
    gamma = params.crisis.csf_exponent[:, None]
    sig = gather(state.world.sigma, own)
    optimism = np.exp(sig * noise)
    p = win_probability(own_force * optimism, other_force, gamma)
    stake = gather_k(params.world.stake, own)
    cost = conflict_cost(params, stake, rung) / optimism
    return p - cost + gather(state.world.audience, own) * now


def audience_weight(state: State, rung: np.ndarray) -> np.ndarray:
    """Return the current rung / 8 where the valued rung is below war, else 0 (audience)."""
    return np.where(np.asarray(rung) < WAR_RUNG, state.world.rung / float(TOP_RUNG), 0.0)


def bargaining(
    state: State,
    params: Params,
    s: Structure,
    ch: np.ndarray,
    df: np.ndarray,
    noise_ch: np.ndarray,
    noise_df: np.ndarray,
    rung: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Perceived values of fighting at `rung` for challenger and defender, and the gap.

    Each side's value is p~ - c(r) + audience(r_now): its perceived chance of prevailing
    (contest success function of local forces, allies' expected help included, with its
    own log-normal misperception), minus the cost of conflict at that rung, plus the
    audience cost it would pay for backing down from the current rung (Fearon 1994).
    Audience costs count only when the rung valued is below war (6): they lock sides into
    a crisis but do not by themselves make war preferable to a bargain.
    A bargain both accept exists iff the gap  E_ch + E_df - 1  is not positive
    (Fearon 1995).

    Parameters
    ----------
    ch, df : (R, K) int
        Challenger and defender in each theatre.
    noise_ch, noise_df : (R, K)
        Standard normal draws; each side's estimate of its own force is multiplied by
        exp(sigma * noise) and its estimate of the cost of fighting divided by it.
    rung : (R, K) int
        Rung at which fighting is valued.

    Returns
    -------
    (E_ch, E_df, gap)
        All (R, K).
    """
    perceived = ally_weights(state, s, perceived=True)
    f_ch = side_force(state, params, s, ch, perceived)
    f_df = side_force(state, params, s, df, perceived)
    # audience costs lock sides into crises below war; the decision for war itself compares
    # war with a bargain (Fearon 1995), so with exact perceptions war cannot follow
    now = audience_weight(state, rung)
    e_ch = perceived_value(state, params, s, ch, f_ch, f_df, noise_ch, rung, now)
    e_df = perceived_value(state, params, s, df, f_df, f_ch, noise_df, rung, now)
    return e_ch, e_df, e_ch + e_df - 1.0
