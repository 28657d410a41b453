"""The compiled kernels themselves (numba); import `sim.engine.kernels`, not this module.

`sim.engine.kernels` documents them and sets the cache directory before this module
(and numba) is imported on first use.
"""

from __future__ import annotations

import math
import os

from sim.engine.kernels import cache_dir

os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir()))

import numba  # noqa: E402
import numpy as np  # noqa: E402

if getattr(numba.config, "CACHE_DIR", "") != os.environ["NUMBA_CACHE_DIR"]:  # imported before
    numba.config.reload_config()

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53
_BELOW_ONE = 1.0 - 2.0**-53


@numba.njit(cache=True, nogil=True)
def _mix64(x: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """SplitMix64 finaliser (wrapping arithmetic), as `sim.engine.rng.mix64`."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


@numba.njit(cache=True, nogil=True)
def uniforms(keys: np.ndarray, counter: np.uint64, n: int) -> np.ndarray:  # pragma: no cover
    """Uniforms in (0, 1) for runs with `keys` (R,), indices counter + 0..n-1: (R, n)."""
    runs = keys.shape[0]
    out = np.empty((runs, n), dtype=np.float64)
    salts = np.empty(n, dtype=np.uint64)
    for i in range(n):
        salts[i] = _mix64((np.uint64(i) + counter) * _GOLDEN)
    for r in range(runs):
        key = keys[r]
        for i in range(n):
            bits = _mix64(key ^ salts[i])
            value = (np.float64(bits >> np.uint64(11)) + 0.5) * _TO_UNIT
            out[r, i] = min(value, _BELOW_ONE)
    return out


# Cephes' ndtri (Moshier), as scipy.special.ndtri evaluates it: rational approximations
# in y - 1/2 for the centre and in 1 / sqrt(-2 log y) for the tails
_S2PI = 2.50662827463100050242e0
_EXP_M2 = 0.13533528323661269189
_P0 = np.array(
    [
        -5.99633501014107895267e1,
        9.80010754185999661536e1,
        -5.66762857469070293439e1,
        1.39312609387279679503e1,
        -1.23916583867381258016e0,
    ]
)
_Q0 = np.array(
    [
        1.95448858338141759834e0,
        4.67627912898881538453e0,
        8.63602421390890590575e1,
        -2.25462687854119370527e2,
        2.00260212380060660359e2,
        -8.20372256168333339912e1,
        1.59056225126211695515e1,
        -1.18331621121330003142e0,
    ]
)
_P1 = np.array(
    [
        4.05544892305962419923e0,
        3.15251094599893866154e1,
        5.71628192246421288162e1,
        4.40805073893200834700e1,
        1.46849561928858024014e1,
        2.18663306850790267539e0,
        -1.40256079171354495875e-1,
        -3.50424626827848203418e-2,
        -8.57456785154685413611e-4,
    ]
)
_Q1 = np.array(
    [
        1.57799883256466749731e1,
        4.53907635128879210584e1,
        4.13172038254672030440e1,
        1.50425385692907503408e1,
        2.50464946208309415979e0,
        -1.42182922854787788574e-1,
        -3.80806407691578277194e-2,
        -9.33259480895457427372e-4,
    ]
)
_P2 = np.array(
    [
        3.23774891776946035970e0,
        6.91522889068984211695e0,
        3.93881025292474443415e0,
        1.33303460815807542389e0,
        2.01485389549179081538e-1,
        1.23716634817820021358e-2,
        3.01581553508235416007e-4,
        2.65806974686737550832e-6,
        6.23974539184983293730e-9,
    ]
)
_Q2 = np.array(
    [
        6.02427039364742014255e0,
        3.67983563856160859403e0,
        1.37702099489081330271e0,
        2.16236993594496635890e-1,
        1.34204006088543189037e-2,
        3.28014464682127739104e-4,
        2.89247864745380683936e-6,
        6.79019408009981274425e-9,
    ]
)


@numba.njit(cache=True, nogil=True, inline="always")
def _polevl(x: float, coef: np.ndarray) -> float:  # pragma: no cover - compiled
    """Polynomial with coefficients `coef` (highest power first) at `x`, by Horner."""
    ans = coef[0]
    for i in range(1, coef.shape[0]):
        ans = ans * x + coef[i]
    return ans


@numba.njit(cache=True, nogil=True, inline="always")
def _p1evl(x: float, coef: np.ndarray) -> float:  # pragma: no cover - compiled
    """As `_polevl`, with a leading coefficient of 1 left out of `coef`."""
    ans = x + coef[0]
    for i in range(1, coef.shape[0]):
        ans = ans * x + coef[i]
    return ans


@numba.njit(cache=True, nogil=True)
def _ndtri(y0: float) -> float:  # pragma: no cover - compiled
    """Return the standard normal quantile of `y0`: Cephes' algorithm, operation for operation."""
    if y0 == 0.0:
        return -np.inf
    if y0 == 1.0:
        return np.inf
    if not 0.0 < y0 < 1.0:
        return np.nan
    negate = True
    y = y0
    if y > 1.0 - _EXP_M2:
        y = 1.0 - y
        negate = False
    if y > _EXP_M2:
        y = y - 0.5
        y2 = y * y
        x = y + y * (y2 * _polevl(y2, _P0) / _p1evl(y2, _Q0))
        return x * _S2PI
    x = math.sqrt(-2.0 * math.log(y))
    x0 = x - math.log(x) / x
    z = 1.0 / x
    if x < 8.0:
        x1 = z * _polevl(z, _P1) / _p1evl(z, _Q1)
    else:
        x1 = z * _polevl(z, _P2) / _p1evl(z, _Q2)
    x = x0 - x1
    return -x if negate else x


@numba.njit(cache=True, nogil=True)
def ndtri(u: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Return standard normal quantiles of a flat array (bit-identical to scipy ndtri).

    scipy evaluates Cephes' ndtri in scalar C with the C library's ``log`` and
    ``sqrt`` and no fused multiply-add; so does this (numba calls the same ``log``), which
    tests/test_rng.py checks against scipy on millions of values, tails included.
    """
    out = np.empty(u.shape[0], dtype=np.float64)
    for i in range(u.shape[0]):
        out[i] = _ndtri(u[i])
    return out


@numba.njit(cache=True, nogil=True)
def poisson_search(
    u: np.ndarray, lam: np.ndarray, pmf0: np.ndarray, limit: int
) -> np.ndarray:  # pragma: no cover - compiled
    """Smallest k with Poisson CDF(k) >= u, searched up from 0 (flat arrays).

    Elements with ``lam <= 0`` give 0; `pmf0` is exp(-lam). The CDF is accumulated as
    ``cdf += pmf * lam / (k + 1)``, stopping after `limit` steps or when the pmf
    underflows.
    """
    out = np.zeros(u.shape[0], dtype=np.float64)
    for i in range(u.shape[0]):
        m = lam[i]
        if not m > 0.0:
            continue
        pmf = pmf0[i]
        cdf = pmf
        k = 0.0
        ui = u[i]
        step = 0
        while ui > cdf and step < limit:
            pmf = pmf * m / (k + 1.0)
            k += 1.0
            cdf += pmf
            step += 1
            if not pmf > 0.0:
                break
        out[i] = k
    return out


@numba.njit(cache=True, nogil=True)
def binomial_search(
    u: np.ndarray, ratio: np.ndarray, pmf0: np.ndarray, n: int
) -> np.ndarray:  # pragma: no cover - compiled
    """Smallest k with Binomial(n, q) CDF(k) >= u, searched up from 0 (flat arrays).

    `ratio` is q / (1 - q) and `pmf0` (1 - q)^n; the CDF is accumulated as
    ``cdf += pmf * ratio * (n - k) / (k + 1)`` for at most n steps, stopping when the pmf
    underflows.
    """
    out = np.zeros(u.shape[0], dtype=np.float64)
    for i in range(u.shape[0]):
        pmf = pmf0[i]
        cdf = pmf
        k = 0.0
        ui = u[i]
        r = ratio[i]
        step = 0
        while ui > cdf and step < n:
            pmf = pmf * r * (n - k) / (k + 1.0)
            k += 1.0
            cdf += pmf
            step += 1
            if not pmf > 0.0:
                break
        out[i] = k
    return out


@numba.njit(cache=True, nogil=True)
def side_force(
    force: np.ndarray,
    party: np.ndarray,
    weight: np.ndarray,
    reach: np.ndarray,
    hosted: np.ndarray,
    share: np.ndarray,
    holder: np.ndarray,
    advantage: np.ndarray,
    client: np.ndarray,
    patron: np.ndarray,
    covers: np.ndarray,
    hosts_of: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Side forces (R, K), term by term as `sim.engine.forces.side_force` documents.

    Each run and theatre: the party's force (index floored at 0), then for every alliance
    a in order ``+ w * force[patron] * reach`` (w the ally weight where the alliance
    helps the party, else 0.0) and, for each host alliance h of a (`hosts_of`, -1
    padded), ``+ (w * share) * force[host]`` where h's client hosts a's patron and is not
    the party (else ``+ 0.0``); times the defender advantage where the party holds.
    """
    runs, theatres = party.shape
    out = np.empty((runs, theatres), dtype=np.float64)
    for r in range(runs):
        for k in range(theatres):
            p = party[r, k]
            total = force[r, max(p, 0)]
            for a in range(client.shape[0]):
                w = weight[r, k, a] if (p == client[a] and covers[a, k]) else 0.0
                total = total + w * force[r, patron[a]] * reach[r, k, a]
                for i in range(hosts_of.shape[1]):
                    h = hosts_of[a, i]
                    if h < 0:
                        break
                    host = client[h]
                    if hosted[r, k, h] and p != host:
                        total = total + w * share[r] * force[r, host]
                    else:
                        total = total + 0.0
            out[r, k] = total * (advantage[r, k] if p == holder[r, k] else 1.0)
    return out


@numba.njit(cache=True, nogil=True)
def nuclear_exposure(
    nuclear: np.ndarray,
    party: np.ndarray,
    weight: np.ndarray,
    client: np.ndarray,
    patron: np.ndarray,
    covers: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """(R, K) chance that the party's side includes a nuclear power, as in `forces`.

    1.0 if the party (index floored at 0) is nuclear, else 0.0; then the running maximum
    with each alliance's weight where that alliance covers the party in the theatre and
    its patron is nuclear (0.0 otherwise).
    """
    runs, theatres = party.shape
    out = np.empty((runs, theatres), dtype=np.float64)
    for r in range(runs):
        for k in range(theatres):
            p = party[r, k]
            e = 1.0 if nuclear[r, max(p, 0)] else 0.0
            for a in range(client.shape[0]):
                w = 0.0
                if p == client[a] and covers[a, k] and nuclear[r, patron[a]]:
                    w = weight[r, k, a]
                e = max(e, w)
            out[r, k] = e
    return out


@numba.njit(cache=True, nogil=True)
def count_equal(values: np.ndarray, target: int) -> np.ndarray:  # pragma: no cover
    """``(values == target).sum(axis=2)`` of an (R, J, M) integer array, (R, J) int64."""
    runs, items, slots = values.shape
    out = np.zeros((runs, items), dtype=np.int64)
    for r in range(runs):
        for j in range(items):
            c = 0
            for i in range(slots):
                if values[r, j, i] == target:
                    c += 1
            out[r, j] = c
    return out


@numba.njit(cache=True, nogil=True)
def basing(
    access: np.ndarray, where: np.ndarray, patron: np.ndarray, factor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Patron reach and host basing, (R, K, A) each, as `sim.engine.forces.Basing.of`.

    hosted[r, k, a] = access[r, a] and where[a, k]; reach[r, k, a] = 1.0 where some
    alliance with a's patron is hosted for k, else factor[r].
    """
    runs, alliances = access.shape
    theatres = where.shape[1]
    hosted = np.zeros((runs, theatres, alliances), dtype=np.bool_)
    reach = np.empty((runs, theatres, alliances), dtype=np.float64)
    for r in range(runs):
        for k in range(theatres):
            for a in range(alliances):
                hosted[r, k, a] = access[r, a] and where[a, k]
            for a in range(alliances):
                near = False
                for b in range(alliances):
                    if patron[b] == patron[a] and hosted[r, k, b]:
                        near = True
                reach[r, k, a] = 1.0 if near else factor[r]
    return reach, hosted


@numba.njit(cache=True, nogil=True)
def gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:  # pragma: no cover
    """``values[r, max(index[r, k], 0)]`` for (R, N) values and (R, K) indices."""
    runs, width = index.shape
    out = np.empty((runs, width), dtype=values.dtype)
    for r in range(runs):
        for k in range(width):
            out[r, k] = values[r, max(index[r, k], 0)]
    return out


@numba.njit(cache=True, nogil=True)
def gather_k(values: np.ndarray, index: np.ndarray) -> np.ndarray:  # pragma: no cover
    """``values[r, k, max(index[r, k], 0)]`` for (R, K, N) values and (R, K) indices."""
    runs, width = index.shape
    out = np.empty((runs, width), dtype=values.dtype)
    for r in range(runs):
        for k in range(width):
            out[r, k] = values[r, k, max(index[r, k], 0)]
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _floor(x: float, lo: float) -> float:  # pragma: no cover - compiled
    """``np.maximum(x, lo)`` for a scalar (NaN propagates)."""
    return x if (x >= lo or x != x) else lo


@numba.njit(cache=True, nogil=True, inline="always")
def _clip50(x: float) -> float:  # pragma: no cover - compiled
    """``np.clip(x, -50.0, 50.0)`` for a scalar (NaN propagates)."""
    if x < -50.0:
        return -50.0
    if x > 50.0:
        return 50.0
    return x


@numba.njit(cache=True, nogil=True)
def concession_arguments(
    p_win: np.ndarray,
    war_scale: np.ndarray,
    stake_df: np.ndarray,
    pain_df: np.ndarray,
    concession: np.ndarray,
    concession_cost: np.ndarray,
    coerce_rung: int,
    clash_rung: int,
    war_rung: int,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Arguments of exp in the challenger's concession beliefs (`sim.engine.choice`), (R, K).

    clip((resist(r) - pain + k_c) / s, -50, 50) with resist(r) = (1 - p~) - kappa (1 + iota)
    (r/6)^2 / max(V_df, 0.05) and k_c the defender's cost of conceding beyond the stake's
    share (``crisis.concession_cost``), for the coercion rung (with the blockade pain) and
    the clash rung (pain 0.0).
    """
    runs, theatres = p_win.shape
    a4 = np.empty((runs, theatres), dtype=np.float64)
    a5 = np.empty((runs, theatres), dtype=np.float64)
    x4 = coerce_rung / float(war_rung)
    x5 = clash_rung / float(war_rung)
    for r in range(runs):
        scale = _floor(concession[r], 1e-6)
        kc = concession_cost[r]
        for k in range(theatres):
            lose = 1.0 - p_win[r, k]
            den = _floor(stake_df[r, k], 0.05)
            resist4 = lose - war_scale[r, k] * (x4 * x4) / den
            resist5 = lose - war_scale[r, k] * (x5 * x5) / den
            a4[r, k] = _clip50((resist4 - pain_df[r, k] + kc) / scale)
            a5[r, k] = _clip50((resist5 - 0.0 + kc) / scale)
    return a4, a5


@numba.njit(cache=True, nogil=True)
def initiation_hazard(
    p_win: np.ndarray,
    optimism: np.ndarray,
    shadow: np.ndarray,
    shift: np.ndarray,
    war_scale: np.ndarray,
    stake_ch: np.ndarray,
    stake_df: np.ndarray,
    nu: np.ndarray,
    exercise: np.ndarray,
    grievance: np.ndarray,
    pain_ch: np.ndarray,
    exp4: np.ndarray,
    exp5: np.ndarray,
    claims: np.ndarray,
    rate: np.ndarray,
    rungs: np.ndarray,
    commitment_path: int,
    p_hold: np.ndarray,
    exp_retake: np.ndarray,
    seizable: np.ndarray,
    threshold: np.ndarray,
    opportunity_path: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Hazard, best option and war path of a challenger in each run and theatre, (R, K).

    The option values of `sim.engine.choice.initiation_hazard` (exercise, blockade,
    strike, invasion, seizure: `rungs` holds their rungs and the war rung), the first
    largest one as ``np.argmax`` picks it (a NaN counts as largest), and the hazard
    rate G max(U, 0) where the challenger claims the theatre (else 0.0). Invasion is open
    on a closing window (the commitment path: shift above both war costs, U = E_war +
    shift) or on an opening one (the opportunity path: power not falling, shift <= 0,
    perceived p~ >= `threshold` and E_war > 0, U = E_war); seizure only where `seizable`,
    U = (1 - q) + q (p_hold - c_war) - c(5) with q = 1 / (1 + exp_retake).
    """
    runs, theatres = p_win.shape
    hazard = np.empty((runs, theatres), dtype=np.float64)
    option = np.empty((runs, theatres), dtype=np.int64)
    path = np.empty((runs, theatres), dtype=np.int64)
    war = float(rungs[4])
    x3, x4, x5 = rungs[0] / war, rungs[1] / war, rungs[2] / war
    values = np.empty(5, dtype=np.float64)
    for r in range(runs):
        for k in range(theatres):
            o = optimism[r, k]
            ws = war_scale[r, k]
            den_ch = _floor(stake_ch[r, k], 0.05)
            den_df = _floor(stake_df[r, k], 0.05)
            nuclear = 1.0 + nu[r] * shadow[r, k]
            war_ch = ws * nuclear / den_ch
            war_df = ws * nuclear / den_df
            e_war = p_win[r, k] - war_ch / o
            committed = shift[r, k] - (war_ch + war_df) > 0
            opening = (
                (not committed)
                and shift[r, k] <= 0.0
                and p_win[r, k] >= threshold[r]
                and e_war > 0.0
            )
            clash = ws * (x5 * x5) / den_ch / o
            values[0] = exercise[r] * grievance[r, k] - ws * (x3 * x3) / den_ch / o
            values[1] = 1.0 / (1.0 + exp4[r, k]) - ws * (x4 * x4) / den_ch / o - pain_ch[r, k] / o
            values[2] = 1.0 / (1.0 + exp5[r, k]) - clash
            if committed:
                values[3] = e_war + shift[r, k]
            elif opening:
                values[3] = e_war
            else:
                values[3] = -np.inf
            if seizable[r, k]:
                q = 1.0 / (1.0 + exp_retake[r, k])
                values[4] = (1.0 - q) + q * (p_hold[r, k] - war_ch / o) - clash
            else:
                values[4] = -np.inf
            best = values[0]
            idx = 0
            if best == best:
                for i in range(1, 5):
                    v = values[i]
                    if v != v:
                        best = v
                        idx = i
                        break
                    if v > best:
                        best = v
                        idx = i
            option[r, k] = idx
            if committed:
                path[r, k] = commitment_path
            elif opening:
                path[r, k] = opportunity_path
            else:
                path[r, k] = 0
            if claims[r, k]:
                hazard[r, k] = rate[r] * grievance[r, k] * _floor(best, 0.0)
            else:
                hazard[r, k] = 0.0
    return hazard, option, path


@numba.njit(cache=True, nogil=True)
def trigger_effects(
    n: np.ndarray,
    kind: np.ndarray,
    theatre: np.ndarray,
    triggered: np.ndarray,
    grievance: np.ndarray,
    by: np.ndarray,
    target: np.ndarray,
    holder: np.ndarray,
    increase: np.ndarray,
    crisis_probability: np.ndarray,
    u: np.ndarray,
    raise_grievance: bool,
) -> np.ndarray:  # pragma: no cover - compiled
    """Apply trigger occurrences `n` (R, J) in place; return where they open crises (R, J).

    As `sim.engine.mechanisms.triggers.step`: the kind's bit in ``triggered`` of the
    trigger's theatre; if `raise_grievance`, the target's grievance toward the actor, and
    toward the theatre's holder (`holder`, (R, K)) where that is neither the actor nor
    the target, becomes 1 - (1 - G) (1 - increase)^n, triggers in order; a crisis opens
    where u < 1 - (1 - crisis_probability)^n. Powers are repeated multiplications from 1.0.
    """
    runs, items = n.shape
    opens = np.zeros((runs, items), dtype=np.bool_)
    for r in range(runs):
        for j in range(items):
            c = n[r, j]
            if c <= 0:
                continue
            triggered[r, theatre[j]] |= np.int64(1) << kind[r, j]
            if raise_grievance:
                base = 1.0 - increase[r, j]
                keep = 1.0
                for _ in range(c):
                    keep = keep * base
                t, b = target[r, j], by[r, j]
                grievance[r, t, b] = 1.0 - (1.0 - grievance[r, t, b]) * keep
                h = holder[r, theatre[j]]
                if h != b and h != t and h >= 0:
                    grievance[r, t, h] = 1.0 - (1.0 - grievance[r, t, h]) * keep
            base = 1.0 - crisis_probability[r, j]
            keep = 1.0
            for _ in range(c):
                keep = keep * base
            opens[r, j] = u[r, j] < 1.0 - keep
    return opens


@numba.njit(cache=True, nogil=True)
def grievance_month(
    grievance: np.ndarray,
    hostility: np.ndarray,
    baseline: np.ndarray,
    decay: np.ndarray,
    crisis: np.ndarray,
    rung: np.ndarray,
    challenger: np.ndarray,
    defender: np.ndarray,
    crisis_gain: np.ndarray,
    war_gain: np.ndarray,
    top_rung: int,
    war_rung: int,
) -> None:  # pragma: no cover - compiled
    """One month of grievance in place, as `sim.engine.mechanisms.grievance.step`.

    Per run: G += (B - G) d; crisis heat g_c rung / top (+ g_w at war rungs) added to
    the hostility of challenger and defender toward each other, theatre by theatre; then
    h = clip(hostility, -1, 1), G += h (1 - G) where h > 0 else h G, clipped to [0, 1],
    with a zero diagonal.
    """
    runs, n, _ = grievance.shape
    for r in range(runs):
        d = decay[r]
        for i in range(n):
            for j in range(n):
                grievance[r, i, j] = (
                    grievance[r, i, j] + (baseline[r, i, j] - grievance[r, i, j]) * d
                )
        for k in range(crisis.shape[1]):
            if not crisis[r, k]:
                continue
            level = rung[r, k]
            heat = crisis_gain[r] * level / float(top_rung)
            heat = heat + (war_gain[r] if level >= war_rung else 0.0)
            ch, df = max(challenger[r, k], 0), max(defender[r, k], 0)
            hostility[r, ch, df] += heat
            hostility[r, df, ch] += heat
        for i in range(n):
            for j in range(n):
                h = hostility[r, i, j]
                if h < -1.0:
                    h = -1.0
                elif h > 1.0:
                    h = 1.0
                g = grievance[r, i, j]
                gain = g if h <= 0 else 1.0 - g
                g = g + gain * h
                if g < 0.0:
                    g = 0.0
                elif g > 1.0:
                    g = 1.0
                grievance[r, i, j] = g
        for i in range(n):
            grievance[r, i, i] = 0.0
