"""Local force balances, contest success functions and the bargaining utilities.

Shared by the crisis, alliance and war mechanisms so that each uses the same definitions
(MODEL.md, sections 7.4-7.6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import kernels
from sim.engine.ladder import TOP_RUNG, WAR_RUNG

if TYPE_CHECKING:
    from sim.engine.params import Params, Structure
    from sim.engine.state import State

MIN_STAKE = 0.05
"""Stakes are floored here when they divide costs (an actor with no stake never fights)."""


def gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Pick ``values[r, index[r, k]]`` for (R, N) values and (R, K) actor indices.

    Negative indices (no actor) pick actor 0, as ``np.maximum(index, 0)`` would.
    """
    return kernels.gather(values, np.asarray(index, dtype=np.int64))


def gather_k(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Pick ``values[r, k, index[r, k]]`` for (R, K, N) values and (R, K) indices."""
    return kernels.gather_k(values, np.asarray(index, dtype=np.int64))


def regional_force(state: State, params: Params) -> np.ndarray:
    """Capability that can fight in the region, (R, N) USD bn."""
    return state.world.capability * params.world.forces_in_region_share


def host_basing(state: State, s: Structure) -> np.ndarray:
    """(R, K, A) True where alliance h's client hosts its patron's forces for theatre k.

    A client hosts its patron in the theatres the alliance covers (its own territory is
    next to them) and in its ``host_theatres`` (third-country basing: US forces in Japan
    for a Taiwan war), while the alliance's basing access is on.
    """
    where = s.covers | s.hosts  # (A, K)
    return state.world.basing[:, None, :] & where.T[None, :, :]


def patron_reach(state: State, params: Params, s: Structure) -> np.ndarray:
    """(R, K, A) share of alliance a's patron force that reaches theatre k.

    All of it where the patron can fight from some client's territory next to the theatre
    (any alliance of the same patron hosting it for k), else ``alliances.no_basing_factor``.
    """
    return Basing.of(state, params, s).reach


@dataclass(frozen=True)
class Basing:
    """Where patrons can fight from this month: `patron_reach` and `host_basing`.

    They depend on basing access only, not on forces, so a mechanism computes them once
    and passes them to every `side_force` of the month.
    """

    reach: np.ndarray  # (R, K, A)
    hosted: np.ndarray  # (R, K, A)

    @staticmethod
    def of(state: State, params: Params, s: Structure) -> Basing:
        """Return the basing terms of the current state (compiled: `kernels.basing`)."""
        runs = state.world.basing.shape[0]
        reach, hosted = kernels.basing(
            _rows(state.world.basing, state.world.basing.shape, np.bool_),
            np.ascontiguousarray(s.covers | s.hosts),
            s.patron.astype(np.int64),
            _rows(params.alliances.no_basing_factor, (runs,), np.float64),
        )
        return Basing(reach, hosted)


def side_force(
    state: State,
    params: Params,
    s: Structure,
    party: np.ndarray,
    ally_weight: np.ndarray,
    basing: Basing | None = None,
    force: np.ndarray | None = None,
) -> np.ndarray:
    """Force of `party`'s side in each theatre, (R, K).

    The party's regional force, plus each patron covering it (times its weight and its
    reach, `patron_reach`), plus ``alliances.host_force_share`` of the force of every third
    country that hosts such a patron for the theatre (the host becomes a party: it is a
    target and it fights), times the holder's defender advantage.

    Parameters
    ----------
    party : (R, K) int
        Actor index of the party in each theatre.
    ally_weight : (R, K, A)
        Weight of each alliance's patron force (1 = fights, commitment = expected help).
    basing : Basing, optional
        The month's basing terms (computed here if not given).
    force : (R, N), optional
        Regional forces to use instead of today's (projections, `power_shift`).
    """
    if force is None:
        force = regional_force(state, params)
    runs, n_alliances = party.shape[0], len(s.alliance_ids)
    shape = party.shape + (n_alliances,)
    if n_alliances:
        if basing is None:
            basing = Basing.of(state, params, s)
        reach, hosted = basing.reach, basing.hosted
    else:
        reach, hosted = np.zeros(shape), np.zeros(shape, dtype=bool)
    return kernels.side_force(
        _rows(force, (runs, force.shape[-1]), np.float64),
        _rows(party, party.shape, np.int64),
        _rows(ally_weight, shape, np.float64),
        _rows(reach, shape, np.float64),
        _rows(hosted, shape, np.bool_),
        _rows(params.alliances.host_force_share, (runs,), np.float64),
        _rows(state.world.holder, party.shape, np.int64),
        _rows(params.world.defender_advantage, party.shape, np.float64),
        *_alliance_arrays(s),
    )


def _alliance_arrays(s: Structure) -> tuple[np.ndarray, ...]:
    """(client, patron, covers, host table) as `kernels.side_force` takes them.

    They depend on the structure only: made once per structure (kept while the very same
    arrays are in use, as `arrays.once` does), not in every `side_force` call.
    """
    key = (id(s.client), id(s.patron), id(s.covers), id(s.hosts))
    hit = _ALLIANCE_ARRAYS.get(key)
    if hit is not None and all(
        a is b for a, b in zip(hit[0], (s.client, s.patron, s.covers, s.hosts), strict=True)
    ):
        return hit[1]
    value = (
        s.client.astype(np.int64),
        s.patron.astype(np.int64),
        s.covers.astype(np.bool_),
        _host_table(s),
    )
    if len(_ALLIANCE_ARRAYS) >= 8:
        _ALLIANCE_ARRAYS.clear()
    _ALLIANCE_ARRAYS[key] = ((s.client, s.patron, s.covers, s.hosts), value)
    return value


_ALLIANCE_ARRAYS: dict[tuple[int, ...], tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]] = {}


def _rows(x: np.ndarray, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """`x` as a C-contiguous array of `shape` and `dtype` (a view when it already is one)."""
    x = np.asarray(x)
    if x.shape != shape:
        x = np.broadcast_to(x, shape)
    return np.ascontiguousarray(x, dtype=dtype)


_HOST_TABLES: dict[tuple, np.ndarray] = {}


def _host_table(s: Structure) -> np.ndarray:
    """Return the (A, A) `host_alliances` of every alliance, padded with -1."""
    key = (s.client.tobytes(), s.patron.tobytes(), s.hosts.shape, s.hosts.tobytes())
    table = _HOST_TABLES.get(key)
    if table is None:
        n = len(s.alliance_ids)
        table = np.full((n, max(n, 1)), -1, dtype=np.int64)
        for a in range(n):
            hosts = host_alliances(s, a)
            table[a, : len(hosts)] = hosts
        if len(_HOST_TABLES) > 64:
            _HOST_TABLES.clear()
        _HOST_TABLES[key] = table
    return table


def host_alliances(s: Structure, a: int) -> list[int]:
    """Alliances whose client could host alliance a's patron outside a's own client."""
    return [
        h
        for h in range(len(s.alliance_ids))
        if h != a and s.patron[h] == s.patron[a] and s.client[h] != s.client[a]
        and s.hosts[h].any()
    ]  # fmt: skip


def nuclear_shadow(
    state: State,
    params: Params,
    s: Structure,
    ch: np.ndarray,
    df: np.ndarray,
    ally_weight: np.ndarray,
) -> np.ndarray:
    """(R, K) chance that a war would be fought between nuclear-armed sides.

    The product of both sides' `nuclear_exposure`: mutual exposure raises both sides'
    expected war costs alike (the stability-instability paradox: Snyder 1965; Jervis
    1989), while a nuclear power gains no coercive edge over a non-nuclear one from its
    arsenal alone (Sechser & Fuhrmann 2017).
    """
    return nuclear_exposure(state, params, s, ch, ally_weight) * nuclear_exposure(
        state, params, s, df, ally_weight
    )


def nuclear_exposure(
    state: State, params: Params, s: Structure, party: np.ndarray, ally_weight: np.ndarray
) -> np.ndarray:
    """(R, K) chance that `party`'s side includes a nuclear power if it comes to war.

    1 if the party is nuclear; otherwise the largest weight (commitment, or 1 if joined)
    of a nuclear patron covering it.
    """
    runs, n_alliances = party.shape[0], len(s.alliance_ids)
    nuclear = params.world.nuclear
    return kernels.nuclear_exposure(
        _rows(nuclear, (runs, nuclear.shape[-1]), np.bool_),
        _rows(party, party.shape, np.int64),
        _rows(ally_weight, party.shape + (n_alliances,), np.float64),
        s.client.astype(np.int64),
        s.patron.astype(np.int64),
        s.covers.astype(np.bool_),
    )


def ally_weights(state: State, s: Structure, perceived: bool) -> np.ndarray:
    """(R, K, A) weights of patrons.

    Perceived (bargaining): 1 for a patron that has joined the war or deployed forces to
    the crisis, else its commitment. Actual (fighting): 1 if joined, else 0.
    """
    if not s.on("alliances"):
        return np.zeros(state.world.joined.shape)
    w = state.world
    if perceived:
        return np.where(w.joined | w.deployed, 1.0, w.commitment[:, None, :])
    return w.joined.astype(np.float64)


def win_probability(own: np.ndarray, other: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Contest success function own^g / (own^g + other^g) (Tullock 1980; Hirshleifer 1989)."""
    own = np.maximum(own, 1e-9)
    other = np.maximum(other, 1e-9)
    ratio = np.exp(np.clip(gamma * (np.log(own) - np.log(other)), -700, 700))
    return ratio / (1.0 + ratio)


def conflict_cost(
    params: Params, stake: np.ndarray, rung: np.ndarray, shadow: np.ndarray | float = 0.0
) -> np.ndarray:
    """Cost of fighting at `rung`, in units of the actor's stake.

    kappa (1 + iota) (r/6)^2 / V, times (1 + nu * shadow) at war rungs, where `shadow` is
    the chance that the other side includes a nuclear power (`nuclear_exposure`) and nu is
    ``crisis.nuclear_cost_factor``: the nuclear shadow over a war between or with nuclear
    powers (Schelling 1966; Jervis 1989).
    """
    kappa = params.crisis.war_cost[:, None]
    r = np.asarray(rung, dtype=np.float64)
    scale = (r / float(WAR_RUNG)) ** 2
    nuclear = 1.0 + params.crisis.nuclear_cost_factor[:, None] * np.where(
        r >= WAR_RUNG, shadow, 0.0
    )
    return (
        kappa
        * (1.0 + params.world.interdependence)
        * scale
        * nuclear
        / np.maximum(stake, MIN_STAKE)
    )


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
    shadow: np.ndarray | float = 0.0,
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
    shadow : (R, K) or float
        Chance that the opponent's side includes a nuclear power (`conflict_cost`).
    """
    gamma = params.crisis.csf_exponent[:, None]
    sig = gather(state.world.sigma, own)
    optimism = np.exp(sig * noise)
    p = win_probability(own_force * optimism, other_force, gamma)
    stake = gather_k(params.world.stake, own)
    cost = conflict_cost(params, stake, rung, shadow) / optimism
    return p - cost + gather(state.world.audience, own) * now


def audience_weight(state: State, rung: np.ndarray) -> np.ndarray:
    """Return the current rung / 8 where the valued rung is below war, else 0 (audience)."""
    return np.where(np.asarray(rung) < WAR_RUNG, state.world.rung / float(TOP_RUNG), 0.0)


def power_shift(
    state: State,
    params: Params,
    s: Structure,
    ch: np.ndarray,
    df: np.ndarray,
    weights: np.ndarray,
    basing: Basing,
    now: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """(R, K) expected fall in the challenger's chance of prevailing over the horizon.

    p(now) - p(in ``crisis.power_shift_horizon_years``), both with the same alliance
    weights and basing; positive when the challenger expects to decline relative to the
    defender's side (a window that is closing). `now` holds today's side forces of
    challenger and defender, which the caller has already computed.
    """
    gamma = params.crisis.csf_exponent[:, None]
    force = projected_force(state, params)
    later = win_probability(
        side_force(state, params, s, ch, weights, basing, force),
        side_force(state, params, s, df, weights, basing, force),
        gamma,
    )
    return win_probability(now[0], now[1], gamma) - later


def projected_force(state: State, params: Params) -> np.ndarray:
    """(R, N) regional forces projected over ``crisis.power_shift_horizon_years``.

    Today's capability plus the horizon times (spending minus continuous depreciation),
    floored at 0, times the share that can fight in the region (`power_shift`).
    """
    w = state.world
    # depreciation may be 1 (everything lost within a year): cap the continuous rate
    keep = np.maximum(1.0 - params.world.capability_depreciation_per_year, 1e-12)
    rate = -np.log(keep)
    years = params.crisis.power_shift_horizon_years[:, None]
    future = np.maximum(w.capability + years * (w.milex - rate * w.capability), 0.0)
    return future * params.world.forces_in_region_share


@dataclass(frozen=True)
class Bargain:
    """Both sides' perceived values of fighting at a rung, and whether a deal exists.

    Attributes
    ----------
    e_ch, e_df : (R, K)
        Perceived values of fighting for challenger and defender.
    gap : (R, K)
        E_ch + E_df - 1: > 0 when no split of the stake is acceptable to both (Fearon 1995).
    commitment_gap : (R, K)
        Expected shift in power against the challenger minus both sides' war costs:
        > 0 when the declining side prefers war now to any bargain the other cannot
        commit to keep (Fearon 1995, section on commitment problems; Powell 2006).
    """

    e_ch: np.ndarray
    e_df: np.ndarray
    gap: np.ndarray
    commitment_gap: np.ndarray


def bargaining(
    state: State,
    params: Params,
    s: Structure,
    ch: np.ndarray,
    df: np.ndarray,
    noise_ch: np.ndarray,
    noise_df: np.ndarray,
    rung: np.ndarray,
) -> Bargain:
    """Perceived values of fighting at `rung` for challenger and defender, and the gaps.

    Each side's value is p~ - c(r) + audience(r_now): its perceived chance of prevailing
    (contest success function of local forces, allies' expected help included, with its
    own log-normal misperception), minus the cost of conflict at that rung (with the
    nuclear shadow at war rungs), plus the audience cost it would pay for backing down
    from the current rung (Fearon 1994). Audience costs count only when the rung valued is
    below war (6): they lock sides into a crisis but do not by themselves make war
    preferable to a bargain. A bargain both accept exists iff the gap  E_ch + E_df - 1
    is not positive (Fearon 1995) and the commitment gap is not positive.

    Parameters
    ----------
    ch, df : (R, K) int
        Challenger and defender in each theatre.
    noise_ch, noise_df : (R, K)
        Standard normal draws; each side's estimate of its own force is multiplied by
        exp(sigma * noise) and its estimate of the cost of fighting divided by it.
    rung : (R, K) int
        Rung at which fighting is valued.
    """
    perceived = ally_weights(state, s, perceived=True)
    basing = Basing.of(state, params, s)
    f_ch = side_force(state, params, s, ch, perceived, basing)
    f_df = side_force(state, params, s, df, perceived, basing)
    shadow_ch = shadow_df = nuclear_shadow(state, params, s, ch, df, perceived)
    # audience costs lock sides into crises below war; the decision for war itself compares
    # war with a bargain (Fearon 1995), so with exact perceptions war cannot follow
    now = audience_weight(state, rung)
    e_ch = perceived_value(state, params, s, ch, f_ch, f_df, noise_ch, rung, now, shadow_ch)
    e_df = perceived_value(state, params, s, df, f_df, f_ch, noise_df, rung, now, shadow_df)
    war = np.full(np.shape(ch), WAR_RUNG)
    costs = conflict_cost(params, gather_k(params.world.stake, ch), war, shadow_ch) + conflict_cost(
        params, gather_k(params.world.stake, df), war, shadow_df
    )
    shift = power_shift(state, params, s, ch, df, perceived, basing, (f_ch, f_df))
    return Bargain(e_ch, e_df, e_ch + e_df - 1.0, shift - costs)
