"""Compiled prototype of a slice of the month: grievance then arms, run by run.

Used by `prototype_compiled_month.py` (issue 25, item 7): what a month compiled as one
loop over runs would cost, measured on a real slice of the engine. The kernels do, for
each run, what `sim.engine.mechanisms.grievance.step` and `sim.engine.mechanisms.arms.step`
do for the batch, element by element in numpy's order (same operations, same order, no
fused multiply-add), with the counter-based normals drawn per element. What cannot be
the same: ``exp`` and ``log`` here are the C library's scalar functions, while the
engine's numpy calls use numpy's SIMD (AVX-512) versions, which differ in the last bit
for some arguments. ``**`` of parameters only (growth and depreciation factors, the
starting spending ratios) is computed by numpy once per batch and passed in, as the
engine does (`sim.engine.arrays.once`).

`grievance` and `arms` each advance every run by one month (the shape of "one compiled
call per mechanism step"); `month` calls both, `horizon` advances the runs over many
months in one call (the shape of "the whole month compiled"), with the slice's inputs
from other mechanisms (hostility, crises) held as they are. A first version called a
per-run function with the arrays packed in tuples: unpacking them per run cost ~0.4 us
per run-month (measured with the work itself switched off; most likely numba's reference
counting of each array unpacked), as much as the arithmetic; they are now unpacked once
per month.

`ladder_moves` compiles the crisis ladder's moves of a month, given the bargaining values
(`sim.engine.mechanisms.crisis.decide` after `sim.engine.forces.bargaining`).
"""

from __future__ import annotations

import math

import numpy as np

from sim.engine._kernels_random import _mix64, _ndtri
from sim.engine.jit import numba

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_TO_UNIT = 2.0**-53
_BELOW_ONE = 1.0 - 2.0**-53
DT = 1.0 / 12.0
ROOT = float(np.sqrt(DT))
FLOOR = 1e-9
MOBILISATION_MONTHS = 6.0


STREAMS = (71, 70, 72)
"""The arms step's draw sites: ECONOMY_FX, ECONOMY_GDP, ARMS_BURDEN (`sim.engine.streams`)."""


@numba.njit(cache=True, nogil=True)
def salts(t: int, n: int) -> np.ndarray:  # pragma: no cover - compiled
    """(3, n) salts of month `t`'s draws i = 0..n-1 at the arms step's three draw sites."""
    out = np.empty((3, n), dtype=np.uint64)
    for s in range(3):
        stream = STREAMS[s]
        counter = (np.uint64(t) << np.uint64(40)) | (np.uint64(stream) << np.uint64(20))
        for i in range(n):
            out[s, i] = _mix64((np.uint64(i) + counter) * _GOLDEN)
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def normal(key: np.uint64, salt: np.uint64) -> float:  # pragma: no cover - compiled
    """Standard normal of the run with `key` at the draw with `salt`.

    As `sim.engine.rng.CounterRNG.normal`: the counter-based uniform, then ``ndtri``.
    """
    bits = _mix64(key ^ salt)
    value = (np.float64(bits >> np.uint64(11)) + 0.5) * _TO_UNIT
    return _ndtri(min(value, _BELOW_ONE))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def grievance(w, g, hostility):  # pragma: no cover - compiled
    """One month of grievance for every run (as `grievance_kernels.grievance_month`)."""
    G, crisis, rung, challenger, defender = w[10], w[11], w[12], w[13], w[14]
    B, decay, crisis_gain, war_gain, top, war = g
    for r in range(G.shape[0]):
        _grievance_run(
            r, G, hostility[r], B, decay, crisis, rung, challenger, defender,
            crisis_gain, war_gain, top, war,
        )  # fmt: skip


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _grievance_run(
    r, G, H, B, decay, crisis, rung, challenger, defender, crisis_gain, war_gain, top, war
):  # pragma: no cover - compiled
    """One month of grievance for run `r`; `H` is its hostility (N, N)."""
    n = G.shape[1]
    d = decay[r]
    for i in range(n):
        for j in range(n):
            G[r, i, j] = G[r, i, j] + (B[r, i, j] - G[r, i, j]) * d
    for k in range(crisis.shape[1]):
        if not crisis[r, k]:
            continue
        level = rung[r, k]
        heat = crisis_gain[r] * level / float(top)
        heat = heat + (war_gain[r] if level >= war else 0.0)
        ch, df = max(challenger[r, k], 0), max(defender[r, k], 0)
        H[ch, df] += heat
        H[df, ch] += heat
    for i in range(n):
        for j in range(n):
            h = H[i, j]
            if h < -1.0:
                h = -1.0
            elif h > 1.0:
                h = 1.0
            g = G[r, i, j]
            gain = g if h <= 0 else 1.0 - g
            g = g + gain * h
            if g < 0.0:
                g = 0.0
            elif g > 1.0:
                g = 1.0
            G[r, i, j] = g
    for i in range(n):
        G[r, i, i] = 0.0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def arms(t, w, p, flags, keys):  # pragma: no cover - compiled
    """One month of arms and economy for every run (as `sim.engine.mechanisms.arms.step`).

    `w` holds the world arrays (written in place), `p` the parameter arrays, `flags` the
    batch-wide switches of the numpy code (some fx volatility, some GDP volatility, some
    burden dynamics, grievance on, war on). The numpy code updates the policy flags only
    in months where a policy is active in some run of the batch, and so does this.
    """
    (milex, gdp, fx, capability, burden_target, policy_active, policy_end, policy_t0,
     policy_m0, policy_target, G, crisis, rung, challenger, defender, joined) = w  # fmt: skip
    (fatigue, arms_g, reaction, max_share, sens, burden, adj, burden_reaction, burden_vol,
     gdp_vol, fx_vol, growth, keep, start_rel, milex0, level, mobilisation, patron,
     war_rung) = p  # fmt: skip
    fx_any, gdp_any, burden_any, grievance_on, war_on = flags
    n = milex.shape[1]
    any_active = _any_active(t, policy_active, policy_end)
    salt = salts(t, n)
    fx_old, fx_new, gdp_new, local, new, log_m = (
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
        np.empty(n),
    )
    fighting = np.empty(n, dtype=np.bool_)
    for r in range(milex.shape[0]):
        key = keys[r]
        # the economy: exchange rates, then GDP (`arms._economy`)
        for i in range(n):
            fx_old[i] = fx[r, i]
            fx_new[i] = fx_old[i]
            if fx_any:
                u = normal(key, salt[0, i])
                fx_new[i] = fx_old[i] * math.exp(fx_vol[r, i] * ROOT * u)
            g = gdp[r, i] * growth[r, i]
            if gdp_any:
                z = normal(key, salt[1, i])
                g = g * math.exp(gdp_vol[r, i] * ROOT * z)
            if fx_any:
                g = g * (fx_old[i] / fx_new[i])
            gdp_new[i] = g
            local[i] = milex[r, i] * fx_old[i]
            if burden_any:
                log_m[i] = math.log(max(milex[r, i], FLOOR))
        for i in range(n):
            excess = 0.0
            if grievance_on:  # sum_last: left to right from +0.0
                excess = (G[r, i, 0] - level[r, i, 0]) + 0.0
                for j in range(1, n):
                    excess += G[r, i, j] - level[r, i, j]
            if burden_any and burden[r, i]:
                log_b = log_m[i] - math.log(max(gdp[r, i], FLOOR))
                target = math.log(max(burden_target[r, i], FLOOR))
                react = 0.0
                for j in range(n):
                    rel = (log_m[j] - log_m[i]) - start_rel[r, i, j]
                    term = burden_reaction[r, i, j] * rel
                    react = term + 0.0 if j == 0 else react + term
                drift = -adj[r, i] * (log_b - target) + react
                drift = drift + sens[r, i] * excess
                shock = burden_vol[r, i] * ROOT * normal(key, salt[2, i])
                new[i] = math.exp(log_b + DT * drift + shock) * gdp_new[i] * fx_new[i]
            else:
                drive = arms_g[r, i]
                if grievance_on:
                    drive = drive + sens[r, i] * milex0[r, i] * excess
                react = 0.0
                for j in range(n):
                    term = reaction[r, i, j] * milex[r, j]
                    react = term + 0.0 if j == 0 else react + term
                new[i] = local[i] + DT * (fx_old[i] * react - fatigue[r, i] * local[i] + drive)
        # spending policies (`arms._policies`)
        if any_active:
            for i in range(n):
                active = policy_active[r, i] and t <= policy_end[r, i]
                if active:
                    span = max(policy_end[r, i] - policy_t0[r, i], 1)
                    frac = min(max((t + 1 - policy_t0[r, i]) / span, 0.0), 1.0)
                    ratio = max(policy_target[r, i], 1e-9) / max(policy_m0[r, i], 1e-9)
                    new[i] = policy_m0[r, i] * ratio**frac
                policy_active[r, i] = policy_active[r, i] and t + 1 < policy_end[r, i]
                if active and not policy_active[r, i]:
                    reached = new[i] / max(fx_new[i] * gdp_new[i], FLOOR)
                    burden_target[r, i] = min(max(reached, 0.0), 1.0)
        # wartime mobilisation (`war.war_parties`)
        if war_on:
            for i in range(n):
                fighting[i] = False
            for k in range(crisis.shape[1]):
                if crisis[r, k] and rung[r, k] >= war_rung:
                    fighting[max(challenger[r, k], 0)] = True
                    fighting[max(defender[r, k], 0)] = True
                    for a in range(patron.shape[0]):
                        if joined[r, k, a]:
                            fighting[patron[a]] = True
            for i in range(n):
                if fighting[i]:
                    goal = mobilisation[r] * gdp[r, i] * fx_old[i]
                    new[i] = max(new[i], local[i] + (goal - local[i]) / MOBILISATION_MONTHS)
        for i in range(n):
            gdp[r, i] = gdp_new[i]
            fx[r, i] = fx_new[i]
            hi = max_share[r, i] * gdp_new[i] * fx_new[i]
            spend = min(max(new[i], 0.0), hi)
            usd = spend / fx_new[i]
            capability[r, i] = capability[r, i] * keep[r, i] + usd * DT
            milex[r, i] = usd


@numba.njit(cache=True, nogil=True)
def _any_active(t, policy_active, policy_end):  # pragma: no cover - compiled
    """Whether a spending policy is active in any run in month `t`."""
    for r in range(policy_active.shape[0]):
        for i in range(policy_active.shape[1]):
            if policy_active[r, i] and t <= policy_end[r, i]:
                return True
    return False


@numba.njit(cache=True, nogil=True)
def month(t, w, p, g, flags, keys, hostility):  # pragma: no cover - compiled
    """One month of grievance then arms for every run; `hostility` (R, N, N) as gathered."""
    if flags[3]:
        grievance(w, g, hostility)
    arms(t, w, p, flags, keys)


@numba.njit(cache=True, nogil=True)
def horizon(t0, months, w, p, g, flags, keys):  # pragma: no cover - compiled
    """`months` months of grievance then arms from month `t0`, no hostility from elsewhere."""
    G = w[10]
    hostility = np.zeros(G.shape)
    for t in range(t0, t0 + months):
        if flags[3]:
            hostility[:] = 0.0
            grievance(w, g, hostility)
        arms(t, w, p, flags, keys)


@numba.njit(cache=True, nogil=True)
def _uniform(key: np.uint64, t: int, stream: int, i: int) -> float:  # pragma: no cover
    """Uniform i of draw site `stream` in month `t` for the run with `key` (`CounterRNG`)."""
    counter = (np.uint64(t) << np.uint64(40)) | (np.uint64(stream) << np.uint64(20))
    bits = _mix64(key ^ _mix64((np.uint64(i) + counter) * _GOLDEN))
    return min((np.float64(bits >> np.uint64(11)) + 0.5) * _TO_UNIT, _BELOW_ONE)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def ladder_moves(t, w, bargain, p, keys, move):  # pragma: no cover - compiled
    """The crisis ladder's moves of one month (`crisis.decide` after `forces.bargaining`).

    For every open crisis not opened this month: the three uniforms (escalate, settle,
    accident), the defender's months of yielding, capitulation, settlement, escalation,
    retaking a seized theatre, accidents while holding, the new rung and the war's path.
    `bargain` holds the bargaining values (e_ch, e_df before blockade pain, gap,
    commitment gap), `move` the scratch moves (written in place, as are `w`'s arrays).
    """
    (crisis, opened, rung, challenger, defender, crisis_start, resist_months, war_path,
     seized_at, holder, blockade_pain, hotline) = w  # fmt: skip
    e_ch_all, e_df_all, gap_all, commitment_all = bargain
    (concession_cost, concession_months, war_negotiation, settlement, escalation,
     accident_p, hotline_relief, diplomacy_on) = p  # fmt: skip
    for r in range(rung.shape[0]):
        key = keys[r]
        for k in range(rung.shape[1]):
            if not (crisis[r, k] and not opened[r, k]):
                continue
            level = rung[r, k]
            at_war = level >= 6
            taken = seized_at[r, k] == crisis_start[r, k] and holder[r, k] == challenger[r, k]
            e_ch = e_ch_all[r, k]
            e_df = e_df_all[r, k] - blockade_pain[r, k]
            gap = gap_all[r, k]
            u_esc = _uniform(key, t, 12, k)
            u_set = _uniform(key, t, 13, k)
            u_acc = _uniform(key, t, 14, k)
            yields = e_df < -concession_cost[r] and e_ch > 0.0
            before = 0 if crisis_start[r, k] >= t - 1 else resist_months[r, k]
            resist_months[r, k] = before + 1 if yields else 0
            capitulate = resist_months[r, k] >= concession_months[r] and level >= 4
            deal = gap <= 0.0 and commitment_all[r, k] <= 0.0
            rate = war_negotiation[r] if at_war else settlement[r]
            settle = not capitulate and deal and not (taken and not at_war) and u_set < rate
            go_up = u_esc < escalation[r]
            escalate = not capitulate and not deal and not at_war and not taken and go_up
            retake = taken and not at_war and not capitulate and not yields and go_up
            holding = not settle and not escalate and not capitulate and not retake
            hot = diplomacy_on and hotline[r, max(challenger[r, k], 0), max(defender[r, k], 0)]
            relief = 1.0 - hotline_relief[r] if hot else 1.0
            accident = holding and 3 <= level <= 4 and u_acc < accident_p[r] * relief
            m = 1  # hold
            if escalate or retake:
                m = 2
            if accident:
                m = 5
            if settle:
                m = 3
            if capitulate:
                m = 4
            move[r, k] = m
            if retake:
                rung[r, k] = 6
            elif escalate or accident:
                rung[r, k] = min(level + 1, 6)
            if (escalate or accident or retake) and rung[r, k] >= 6 and not at_war:
                path = 1 if gap > 0.0 else 2  # bargaining failure, commitment
                if retake:
                    path = 4  # fait accompli
                if war_path[r, k] == 0:
                    war_path[r, k] = path
