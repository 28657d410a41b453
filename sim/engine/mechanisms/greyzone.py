"""Grey-zone activity: random-walk intensities that respond to tension, crises and events.

Every primary activity q (actor b against a, theatre k) has a log intensity x_q built from a
local level with drift (a random walk), crisis-month spikes and deviations:

    l_q <- l_q + g_q / 12 + sL_q / sqrt(12) e_q + chi_q kappa_q N_k       (level, log units)
    g_q <- delta_q^(1/12) g_q                                              (damped drift)
    d_q <- phi_q d_q + s_q u_q,   v_q <- phi_q^2 v_q + s_q^2               (AR(1) deviation)
    D_q  = eG (G_ba - G_ba(0)) + eR (rung_k - max(baseline_k, 2))
           + eC (ln(C_b / C_a) - ln(C_b(0) / C_a(0)))                     (state deviations)
    x_q  = l_q + D_q + kappa_q N_k + d_q - v_q / 2                          (own level)

with g_q the drift (``drift_per_year`` at the start, changed by ``greyzone_rate`` events,
and damped: delta_q ``drift_persistence_per_year`` of it is kept over a year, so a drift
adds at most g_q / -ln(delta_q) to the level however long the run), sL_q
``level_volatility_per_year``, e_q, u_q ~ N(0, 1), N_k = 1 in the month a crisis opens in
theatre k (0 otherwise), kappa_q ``crisis_spike`` (that month only) and chi_q
``crisis_ratchet`` (the share of the spike that stays in the level). phi_q =
rho_q^(1/12) and s_q as before (``persistence_per_year``, ``volatility_per_year``: a
stationary AR(1) deviation around the level, whose mean-one correction -v/2 keeps it from
moving the mean).

Activities with ``shared_budget`` (count activities of one actor) split one actor-level
budget: B_b <- B_b + mB_b / 12 + sB_b / sqrt(12) w_b, mB_b <- deltaB_b^(1/12) mB_b
(``greyzone.budget_drift_per_year`` at the start, ``greyzone.budget_volatility_per_year``,
``greyzone.budget_drift_persistence_per_year`` of the actor), and the share of member q is

    pi_q = exp(z_q) / sum_{q' in pool} exp(z_q'),   z_q = ln pi_q(0) + l_q + D_q,

pi_q(0) = rate_q / sum of the pool's rates; then x_q = B_b + ln(pi_q / pi_q(0)) + kappa_q
N_k + d_q - v_q / 2 (l_q, with its drift and shocks, is the member's share logit).

``count`` activities: n_q ~ Poisson(rate_q / 12 exp(x_q)). ``days`` activities are on the
logit of the share of days: p_q = logistic(logit(rate_q / 365) + x_q), n_q ~ Binomial(days
in the month, p_q), so the days of a year never exceed the days in it. Responses
(``responds_to``): n_q ~ Poisson(ratio_q exp(l_q) n_q'), l_q the log of the response's own
policy ratio relative to ``ratio``: a random walk with drift ``drift_per_year`` and annual
shock ``ratio_volatility_per_year``, held inside [ln(ratio_min / ratio), ln(ratio_max /
ratio)]. ``greyzone_rate`` events add ln(factor) to l_q and ``drift_change`` to g_q.

Activity above its starting level adds ``grievance_per_unit`` per extra unit to the target's
grievance toward the actor (below it removes as much). Each unit becomes a serious incident
with probability ``incident_probability`` (reduced by a hotline), opening a crisis.

With all volatilities, drifts and ``crisis_spike`` 0, no pooling and no ``greyzone_rate``
events the intensities are those of fixed rates times the state deviations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import event_checks as rules
from sim.engine import streams
from sim.engine.arrays import once
from sim.engine.context import Month
from sim.engine.declare import (
    DERIVED,
    REQUIRED,
    Array,
    EventKind,
    Mechanism,
    ParamBlock,
    param,
    scratch,
    world,
)
from sim.engine.declare import Field as F
from sim.engine.ladder import GREYZONE_RUNG, open_crisis
from sim.engine.mechanisms.greyzone_params import GreyzoneParams
from sim.engine.mechanisms.greyzone_records import (
    default_target,
    log_month,
    metrics,
)

if TYPE_CHECKING:
    from sim.engine.params import EventSpec, Index

ACTIVITY_UNITS = ("count", "days")
"""count: events per year; days: days per year with activity."""

DAYS_PER_YEAR = 365.0
MAX_DAY_SHARE = 0.999
"""Days activities are capped just below every day, so the daily hazard stays finite."""


def _deviation(m: Month) -> tuple[np.ndarray, np.ndarray]:
    """State deviations of the log intensity: (heat, capability), (R, Q) each.

    Heat: the grievance and rung terms (they move a shared budget's shares); capability:
    the relative-capability term (it scales the activity, shared or not).
    """
    w, p, s = m.state.world, m.params, m.structure
    gz = p.greyzone
    by, against, th = s.act_by, s.act_against, s.act_theatre
    g_now = w.grievance[:, by, against]
    g_start = once(_pick_dyads, p.grievance.level, by, against)
    # rungs above the theatre's quiet level (grey-zone theatres idle at rung 2 at least)
    rung_up = w.rung[:, th] - np.maximum(p.world.baseline_rung[:, th], GREYZONE_RUNG)
    ratio_now = np.maximum(w.capability[:, by], 1e-9) / np.maximum(w.capability[:, against], 1e-9)
    heat = gz.grievance_elasticity * (g_now - g_start) + gz.rung_elasticity * rung_up
    capability = gz.capability_elasticity * (
        np.log(ratio_now) - once(_log_start_ratio, p.world.capability_usd_bn, by, against)
    )
    return heat, capability


def _pick_dyads(level: np.ndarray, by: np.ndarray, against: np.ndarray) -> np.ndarray:
    """(R, Q) starting grievance of each activity's actor toward its target (`once`)."""
    return level[:, by, against]


def _log_start_ratio(cap0: np.ndarray, by: np.ndarray, against: np.ndarray) -> np.ndarray:
    """(R, Q) log of the actor's starting capability over its target's (`once`)."""
    return np.log(np.maximum(cap0[:, by], 1e-9) / np.maximum(cap0[:, against], 1e-9))


def _shocks(
    rho: np.ndarray, volatility: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(phi, phi^2, shock, shock^2) of the AR(1) deviation, per run (`once`)."""
    phi, scale = monthly_persistence(rho)
    shock = volatility * scale
    return phi, phi**2, shock, shock**2


def monthly_persistence(rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (phi, s / sigma): monthly AR(1) coefficient and shock scale per annual unit."""
    phi = rho ** (1.0 / 12.0)
    denom = 1.0 - rho**2
    safe = np.where(denom > 1e-9, denom, 1.0)
    scale = np.where(denom > 1e-9, np.sqrt((1.0 - phi**2) / safe), np.sqrt(1.0 / 12.0))
    return phi, scale


def pools(shared: np.ndarray, by: np.ndarray, days: np.ndarray, responds: np.ndarray) -> np.ndarray:
    """(R, Q, Q) membership: q' is in q's pool (itself, or the same actor's shared budget).

    Only primary count activities can share a budget; the others are pools of one.
    """
    pooled = np.asarray(shared, dtype=bool) & ~days & (responds < 0)
    same_actor = by[:, None] == by[None, :]
    eye = np.eye(len(by), dtype=bool)
    return (pooled[:, :, None] & pooled[:, None, :] & same_actor) | eye


def _pools(
    shared: np.ndarray, by: np.ndarray, days: np.ndarray, responds: np.ndarray
) -> np.ndarray:
    return pools(shared, by, days, responds)


def pool_shares(z: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Softmax of `z` (R, Q) within each activity's pool (`member` (R, Q, Q)): shares, (R, Q)."""
    zz = np.where(member, z[:, None, :], -np.inf)
    top = zz.max(axis=2)
    num = np.exp(z - top)
    den = np.exp(zz - top[:, :, None]).sum(axis=2)
    return num / den


def _start_shares(rate: np.ndarray, member: np.ndarray) -> np.ndarray:
    """(R, Q) starting share of each activity in its pool (`once`): rate / pool's rates."""
    total = np.where(member, rate[:, None, :], 0.0).sum(axis=2)
    return np.where(total > 0, rate / np.where(total > 0, total, 1.0), 1.0)


def _start_shares_of(rate: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Return `_start_shares` of the rate parameter itself (`once`).

    `once` is keyed by the arrays it is passed: a broadcast view made every month would
    miss every month (and fill its cache, evicting the other parameter-only values).
    """
    return _start_shares(np.broadcast_to(rate, member.shape[:2]), member)


def _response_bounds(
    ratio: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(R, Q) bounds of a response's log ratio relative to its starting ratio (`once`)."""
    base = np.maximum(ratio, 1e-12)
    with np.errstate(divide="ignore"):
        low = np.log(np.maximum(lo, 0.0) / base)
    high = np.log(np.maximum(hi, 1e-12) / base)
    return np.minimum(low, 0.0), np.maximum(high, 0.0)


def new_crises(m: Month) -> np.ndarray:
    """(R, K) crises opened since the grey-zone step last looked (crisis mechanism or events)."""
    w = m.state.world
    new = w.crisis & (w.crisis_start != w.gz_crisis_seen)
    w.gz_crisis_seen = np.where(w.crisis, w.crisis_start, -1)
    return new


def _advance(m: Month) -> np.ndarray:
    """Advance the level, budget, ratio and deviation states; return the spike, (R, Q)."""
    w, gz, s = m.state.world, m.params.greyzone, m.structure
    q_all, n_act = len(s.activities), len(s.actors)
    primary = s.act_responds < 0
    e = m.rng.normal(m.t, streams.GREYZONE_LATENT, 3 * q_all + n_act)
    e_level, e_dev, e_budget = e[:, :q_all], e[:, q_all : 2 * q_all], e[:, 3 * q_all :]
    spike = np.where(new_crises(m)[:, s.act_theatre], gz.crisis_spike, 0.0)
    spike = np.where(primary, spike, 0.0)
    # level (primaries) or log policy ratio (responses): random walk with drift
    vol = np.where(primary, gz.level_volatility_per_year, gz.ratio_volatility_per_year)
    step = w.gz_drift / 12.0 + vol / SQRT12 * e_level + gz.crisis_ratchet * spike
    level = w.gz_level + step
    if not primary.all():
        low, high = once(_response_bounds, gz.ratio, gz.ratio_min, gz.ratio_max)
        level = np.where(primary, level, np.clip(level, low, high))
    w.gz_level = level
    w.gz_budget = (
        w.gz_budget + w.gz_budget_drift / 12.0 + gz.budget_volatility_per_year / SQRT12 * e_budget
    )
    # damped trends: each drift keeps drift_persistence_per_year of itself over a year
    keep, keep_budget = once(_monthly_keep, gz.drift_persistence_per_year,
                             gz.budget_drift_persistence_per_year)  # fmt: skip
    w.gz_drift = np.where(primary, w.gz_drift * keep, w.gz_drift)
    w.gz_budget_drift = w.gz_budget_drift * keep_budget
    phi, phi2, shock, shock2 = once(_shocks, gz.persistence_per_year, gz.volatility_per_year)
    w.gz_dev = phi * w.gz_dev + shock * e_dev
    w.gz_var = phi2 * w.gz_var + shock2
    return spike


SQRT12 = float(np.sqrt(12.0))


def _monthly_keep(per_year: np.ndarray, budget_per_year: np.ndarray) -> tuple[Array, Array]:
    """Monthly factors of the damped drifts: the annual shares to the power 1/12."""
    return np.power(per_year, 1.0 / 12.0), np.power(budget_per_year, 1.0 / 12.0)


def log_intensity(
    level: np.ndarray,
    heat: np.ndarray,
    capability: np.ndarray,
    spike: np.ndarray,
    dev: np.ndarray,
    var: np.ndarray,
    budget: np.ndarray,
    start_share: np.ndarray,
    member: np.ndarray,
) -> np.ndarray:
    """x_q of every activity, (R, Q) (responses' entries are not used).

    An activity in a pool of one: level + heat + capability + transient. In a shared
    budget: budget + ln(share / start share) + capability + transient, the share a softmax
    within the pool of ln(start share) + level + heat. `budget` is the (R, Q) budget level
    of each activity's actor.
    """
    transient = capability + spike + dev - 0.5 * var
    alone = member.sum(axis=2) == 1
    log0 = np.log(np.maximum(start_share, 1e-300))
    share = pool_shares(log0 + level + heat, member)
    pooled = budget + np.log(np.maximum(share, 1e-300)) - log0
    return np.where(alone, level + heat, pooled) + transient


def _intensity(m: Month) -> np.ndarray:
    """Log intensity x_q of every activity this month, clipped to [-50, 10], (R, Q)."""
    w, gz, s = m.state.world, m.params.greyzone, m.structure
    spike = _advance(m)
    member = once(_pools, gz.shared_budget, s.act_by, s.act_days, s.act_responds)
    start = once(_start_shares_of, gz.rate_per_year, member)
    heat, capability = _deviation(m)
    x = log_intensity(
        w.gz_level, heat, capability, spike, w.gz_dev, w.gz_var, w.gz_budget[:, s.act_by],
        start, member,
    )  # fmt: skip
    return np.clip(x, -50.0, 10.0)


def day_share(rate: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Chance of activity on a given day: logistic(logit(rate / 365) + x), 0 for rate 0."""
    s0 = np.clip(rate / DAYS_PER_YEAR, 0.0, MAX_DAY_SHARE)
    with np.errstate(divide="ignore"):
        logit0 = np.log(s0) - np.log1p(-s0)
    z = np.clip(logit0 + x, -700.0, 700.0)  # exp stays finite; the share is 0 or 1 there
    return np.where(s0 > 0, 1.0 / (1.0 + np.exp(-z)), 0.0)


def _draw_activity(m: Month, x: np.ndarray) -> np.ndarray:
    """Units of every activity this month from the log intensities `x`, (R, Q)."""
    s, gz = m.structure, m.params.greyzone
    q_all = len(s.activities)
    primary = s.act_responds < 0
    counts = np.zeros((m.runs, q_all))
    days = s.act_days
    rate = np.broadcast_to(gz.rate_per_year, (m.runs, q_all))
    count_q = primary & ~days
    if count_q.any():
        lam = rate[:, count_q] / 12.0 * np.exp(x[:, count_q])
        counts[:, count_q] = m.rng.poisson(lam, m.t, streams.GREYZONE_PRIMARY)
    day_q = primary & days
    if day_q.any():
        share = day_share(rate[:, day_q], x[:, day_q])
        counts[:, day_q] = m.rng.binomial(m.days, share, m.t, streams.GREYZONE_PRIMARY_DAYS)
    responses = ~primary
    if responses.any():
        source = counts[:, s.act_responds[responses]]
        level = np.exp(m.state.world.gz_level[:, responses])
        lam = np.broadcast_to(gz.ratio, (m.runs, q_all))[:, responses] * source * level
        drawn = m.rng.poisson(lam, m.t, streams.GREYZONE_RESPONSE)
        counts[:, responses] = np.where(days[responses], np.minimum(drawn, m.days), drawn)
    return counts


def _hostility(m: Month, counts: np.ndarray) -> None:
    """Activity above (below) its starting level adds to (removes from) the target's grievance."""
    s, gz = m.structure, m.params.greyzone
    q_all = len(s.activities)
    primary = s.act_responds < 0
    base = np.broadcast_to(gz.rate_per_year, (m.runs, q_all)) / 12.0
    base = np.where(s.act_days, base * m.days * 12.0 / DAYS_PER_YEAR, base)
    for q in np.nonzero(~primary)[0]:
        base[:, q] = gz.ratio[:, q] * base[:, s.act_responds[q]]
    excess = gz.grievance_per_unit * (counts - base)
    hostility = m.state.scratch.hostility
    for a in range(q_all):
        hostility[:, s.act_against[a], s.act_by[a]] += excess[:, a]


def _incidents(m: Month, counts: np.ndarray) -> None:
    """Serious incidents, each opening a crisis between the activity's actor and target."""
    st, p, s = m.state, m.params, m.structure
    w, x = st.world, st.scratch
    by, against, th = s.act_by, s.act_against, s.act_theatre
    relief = p.diplomacy.hotline_incident_relief[:, None]
    hot = w.hotline[:, by, against] & m.on("diplomacy")
    per_unit = w.incident_p * np.where(hot, 1.0 - relief, 1.0)
    p_any = -np.expm1(counts * np.log1p(-np.minimum(per_unit, 1.0 - 1e-12)))
    hit = m.rng.uniform(m.t, streams.GREYZONE_INCIDENT, len(s.activities)) < p_any
    for k in range(len(s.theatres)):
        acts = np.nonzero(th == k)[0]
        if acts.size == 0:
            continue
        any_hit = hit[:, acts].any(axis=1)
        if not any_hit.any():
            continue
        x.incidents[:, k] |= any_hit
        if not m.on("crisis"):
            continue
        first = acts[np.argmax(hit[:, acts], axis=1)]
        b, a = by[first], against[first]
        holder = w.holder[:, k]
        ch = np.where(b == holder, a, b)
        df = np.where(b == holder, b, a)
        rung = p.crisis.opening_rung.astype(np.int64)
        codes = np.array([s.trigger(f"incident:{name}") for name in s.activity_names])
        open_crisis(st, any_hit, k, ch, df, rung, trigger=codes[first])


def step(m: Month) -> None:
    """Draw this month's activity, its responses and any serious incidents."""
    if len(m.structure.activities) == 0:
        return
    counts = _draw_activity(m, _intensity(m))
    m.state.scratch.activity = counts
    if m.on("grievance"):
        _hostility(m, counts)
    _incidents(m, counts)


@dataclass(frozen=True)
class RateValues(ParamBlock):
    """What a ``greyzone_rate`` event does to an activity's level and drift."""

    factor: Array = param(
        scope="event",
        kind="float",
        default=1.0,
        lo=0,
        hi=1000,
        doc="Multiplies the activity's rate from the event's month on (adds ln factor to its "
        "level; shared budget: to its share logit; response: to its log ratio, in bounds).",
        source="scenario",
    )
    drift_change: Array = param(
        scope="event",
        kind="float",
        default=0.0,
        lo=-5,
        hi=5,
        unit="log units/year",
        doc="Added to the drift of the activity's level from the event's month on.",
        source="scenario",
    )


def _rate_spec(ev: dict, ix: Index) -> dict[str, int]:
    return {
        "theatre": ix.theatres[ev["theatre"]],
        "activity": ix.activities[(ev["theatre"], ev["activity"])],
    }


def _rate(m: Month, ev: EventSpec, fire: np.ndarray, values: RateValues) -> None:
    """Shift the activity's level by ln(factor) and its drift by drift_change where it fires."""
    q = ev.activity
    w, gz, s = m.state.world, m.params.greyzone, m.structure
    shift = np.log(np.maximum(values.factor, 1e-12))
    level = w.gz_level[:, q] + shift
    if s.act_responds[q] >= 0:
        low, high = once(_response_bounds, gz.ratio, gz.ratio_min, gz.ratio_max)
        level = np.clip(level, low[:, q], high[:, q])
    w.gz_level[:, q] = np.where(fire, level, w.gz_level[:, q])
    w.gz_drift[:, q] = np.where(fire, w.gz_drift[:, q] + values.drift_change, w.gz_drift[:, q])


RATE_EVENT = EventKind(
    "greyzone_rate",
    {
        "theatre": F(kind="theatre", default=REQUIRED, doc="Theatre of the activity."),
        "activity": F(kind="str", default=REQUIRED, doc="Grey-zone activity whose rate changes."),
    },
    _rate_spec,
    _rate,
    RateValues,
    checks=(rules.activity,),
)
"""A dated break of an activity's level and drift (a new policy, unit or rule of the actor,
e.g. the China Coast Guard under the Central Military Commission from July 2018)."""


MECHANISM = Mechanism(
    name="greyzone",
    doc="Grey-zone activity: random-walk levels with drift, a shared actor budget split by "
    "moving shares, crisis spikes and ratchets, responding to tension and dated events.",
    params=GreyzoneParams,
    fields={
        "activity": {
            "by": F(kind="actor", default=REQUIRED, doc="Actor that performs the activity."),
            "against": F(
                kind="actor",
                default=DERIVED,
                derive=default_target,
                doc="Target; default the holder, or the first other claimant if by is it.",
            ),
            "unit": F(
                kind="enum",
                default="count",
                doc="count (events per year) or days (days per year with activity).",
                choices=ACTIVITY_UNITS,
            ),
            "responds_to": F(
                kind="str",
                default="",
                doc="Activity of the same theatre this one answers (scrambles).",
            ),
        }
    },
    state=(
        world(
            "incident_p",
            axes=("activity",),
            dtype=np.float64,
            init=lambda p: p.greyzone.incident_probability,
            doc="Chance that one unit of the activity becomes a serious incident.",
        ),
        world(
            "gz_dev",
            axes=("activity",),
            dtype=np.float64,
            doc="Transient AR(1) deviation of the log intensity around its level (log units).",
        ),
        world(
            "gz_var",
            axes=("activity",),
            dtype=np.float64,
            doc="Variance of the AR(1) deviation so far.",
        ),
        world(
            "gz_level",
            axes=("activity",),
            dtype=np.float64,
            doc="Random-walk level of the log intensity (days: logit; shared budget: share "
            "logit; response: log of the ratio over its starting value).",
        ),
        world(
            "gz_drift",
            axes=("activity",),
            dtype=np.float64,
            init=lambda p: p.greyzone.drift_per_year,
            doc="Drift of the level this month, log units a year (greyzone_rate events move it).",
        ),
        world(
            "gz_budget_drift",
            axes=("actor",),
            dtype=np.float64,
            init=lambda p: p.greyzone.budget_drift_per_year,
            doc="Drift of the actor's shared budget this month, log units a year (damped).",
        ),
        world(
            "gz_budget",
            axes=("actor",),
            dtype=np.float64,
            doc="Log of the actor's shared grey-zone budget over its start.",
        ),
        world(
            "gz_crisis_seen",
            axes=("theatre",),
            dtype=np.int64,
            fill=-1,
            doc="Start month of the open crisis already answered by a spike, -1 if none.",
        ),
        scratch(
            "activity",
            axes=("activity",),
            dtype=np.float64,
            doc="Units of each activity this month.",
        ),
        scratch(
            "incidents",
            axes=("theatre",),
            dtype=bool,
            doc="A serious grey-zone incident this month.",
        ),
    ),
    metrics=metrics,
    log=log_month,
    needs=("grievance", "crisis", "diplomacy"),
    step=step,
    event_kinds=(RATE_EVENT,),
)
