"""Grey-zone activity: latent stochastic intensities that respond to tension, crises, events.

For a primary activity q by actor b against actor a in theatre k the monthly intensity is

    lambda_q = rate_q / 12 * exp(L_q + mu_q t / 12 + d_q - v_q / 2
                                 + eG (G_ba - G_ba(0)) + eR (rung_k - baseline_k))
               * ((C_b / C_a) / (C_b(0) / C_a(0)))^eC

with a latent log-intensity around the drift path mu_q t (t in months, mu_q per year),
an AR(1) deviation with monthly persistence phi_q = rho_q^(1/12):

    d_q <- phi_q d_q + s_q e_q + kappa_q [a crisis opened in theatre k],   e_q ~ N(0, 1)
    v_q <- phi_q^2 v_q + s_q^2            (variance of the noise part, so E exp(d - v/2) = 1)

where rho_q = ``persistence_per_year`` and the monthly shock s_q is chosen so that the
stationary variance equals that of an annual AR(1) with coefficient rho_q and innovation
standard deviation ``volatility_per_year``: s_q^2 = sigma_q^2 (1 - phi_q^2) / (1 - rho_q^2)
(sigma_q^2 / 12 for rho_q = 1). L_q is the sum of log ``factor`` of the ``greyzone_rate``
events so far (permanent). ``count`` activities are Poisson(lambda_q) events; ``days``
activities are Binomial(days in month, 1 - exp(-h)) days, with the daily hazard h calibrated
so that the starting rate gives ``rate_per_year`` days a year. Responses (``responds_to``)
are Poisson(ratio * units of the answered activity), times exp(L_q). Activity above its
starting level adds ``grievance_per_unit`` per extra unit to the target's grievance toward
the actor, activity below it removes as much: the starting grievance already prices in the
starting level of activity. Each unit becomes a serious incident with probability
``incident_probability`` (reduced by a hotline between the two), which opens a crisis
between the activity's actor and its target.

With ``volatility_per_year`` = ``drift_per_year`` = ``crisis_jump`` = 0 and no
``greyzone_rate`` events the intensities are those of fixed rates times the multipliers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import streams
from sim.engine.arrays import once, sum_last
from sim.engine.context import Month
from sim.engine.declare import (
    DERIVED,
    REQUIRED,
    Array,
    DeriveContext,
    EventKind,
    Mechanism,
    Metric,
    MonthView,
    ParamBlock,
    param,
    scratch,
    world,
)
from sim.engine.declare import Field as F
from sim.engine.ladder import GREYZONE_RUNG, open_crisis

if TYPE_CHECKING:
    from sim.engine.params import EventSpec, Index, Structure
    from sim.engine.state import State

ACTIVITY_UNITS = ("count", "days")
"""count: events per year; days: days per year with activity."""

DAYS_PER_YEAR = 365.0
MAX_DAY_SHARE = 0.999
"""Days activities are capped just below every day, so the daily hazard stays finite."""

SERIES = (
    "data/senkaku_ccg_annual_2008_2018.csv cz_days and ts_intrusion_days 2013-2018, "
    "data/jasdf_scrambles_fy2004_2018.csv vs_china FY2009-FY2018"
)
"""The annual grey-zone series the latent process is estimated from (docs/MODEL.md 7.3)."""


@dataclass(frozen=True)
class GreyzoneParams(ParamBlock):
    """Per activity: starting rate and how it responds; its chance of a serious incident."""

    rate_per_year: Array = param(
        "rate_per_year", "activity", "float", 0.0, 0, 1e6, "per year",
        "Rate at the start (days: at most 365).", source="scenario",
    )  # fmt: skip
    ratio: Array = param(
        "ratio", "activity", "float", 1.0, 0, 1000, "",
        "Responses per unit of the answered activity.",
        source="scenario",
    )  # fmt: skip
    grievance_elasticity: Array = param(
        "grievance_elasticity", "activity", "float", 1.0, 0, 100, "",
        "Log-rate change per unit of grievance above the start.",
    )  # fmt: skip
    capability_elasticity: Array = param(
        "capability_elasticity", "activity", "float", 0.5, 0, 10, "",
        "Elasticity of the rate to relative capability by/against.",
    )  # fmt: skip
    rung_elasticity: Array = param(
        "rung_elasticity", "activity", "float", 0.3, 0, 10, "1/rung",
        "Log-rate change per rung above baseline.",
    )  # fmt: skip
    incident_probability: Array = param(
        "incident_probability", "activity", "float", 0.0, 0, 1, "",
        "Chance that one unit of activity becomes a serious incident.",
    )  # fmt: skip
    grievance_per_unit: Array = param(
        "grievance_per_unit", "activity", "float", 0.0005, 0, 1, "",
        "Grievance of the target toward the actor per unit of activity.",
    )  # fmt: skip
    persistence_per_year: Array = param(
        "persistence_per_year", "activity", "float", 0.66, 0, 1, "per year",
        "AR(1) coefficient of the latent log-intensity over a year (monthly: its 12th root).",
        source=f"estimate: pooled within-series AR(1) of log annual counts, {SERIES} "
        "(19 transitions): 0.66",
    )  # fmt: skip
    volatility_per_year: Array = param(
        "volatility_per_year", "activity", "float", 0.22, 0, 5, "log units/year",
        "Standard deviation of the annual innovation of the latent log-intensity.",
        source=f"estimate: residual standard deviation of the same pooled AR(1), {SERIES} "
        "(15 degrees of freedom): 0.22",
    )  # fmt: skip
    drift_per_year: Array = param(
        "drift_per_year", "activity", "float", 0.0, -5, 5, "log units/year",
        "Trend of the latent log-intensity (0.1 = about +10% a year).",
        literature="mean log changes -0.08/yr (Senkaku contiguous-zone days 2013-18) to "
        "+0.31/yr (scrambles vs China FY2009-18): the sign depends on the period",
    )  # fmt: skip
    crisis_jump: Array = param(
        "crisis_jump", "activity", "float", 0.1, -5, 5, "log units",
        "Jump of the latent log-intensity when a crisis opens in the theatre (then persists "
        "and decays at the persistence).",
        literature="activity stepped up after crises and stayed higher: Senkaku presence "
        "after the 2012 nationalisation, PLA air activity after August 2022",
    )  # fmt: skip


def _intensity(m: Month) -> np.ndarray:
    """Multiplier of each activity's starting rate this month, (R, Q)."""
    w, p, s = m.state.world, m.params, m.structure
    gz = p.greyzone
    by, against, th = s.act_by, s.act_against, s.act_theatre
    g_now = w.grievance[:, by, against]
    g_start = once(_pick_dyads, p.grievance.level, by, against)
    # rungs above the theatre's quiet level (grey-zone theatres idle at rung 2 at least)
    rung_up = w.rung[:, th] - np.maximum(p.world.baseline_rung[:, th], GREYZONE_RUNG)
    ratio_now = np.maximum(w.capability[:, by], 1e-9) / np.maximum(w.capability[:, against], 1e-9)
    log_mult = (
        gz.grievance_elasticity * (g_now - g_start)
        + gz.rung_elasticity * rung_up
        + gz.capability_elasticity
        * (np.log(ratio_now) - once(_log_start_ratio, p.world.capability_usd_bn, by, against))
        + _latent(m)
    )
    return np.exp(np.clip(log_mult, -50.0, 10.0))


def _pick_dyads(level: np.ndarray, by: np.ndarray, against: np.ndarray) -> np.ndarray:
    """(R, Q) starting grievance of each activity's actor toward its target (`once`)."""
    return level[:, by, against]


def _log_start_ratio(cap0: np.ndarray, by: np.ndarray, against: np.ndarray) -> np.ndarray:
    """(R, Q) log of the actor's starting capability over its target's (`once`)."""
    return np.log(np.maximum(cap0[:, by], 1e-9) / np.maximum(cap0[:, against], 1e-9))


def _shocks(
    rho: np.ndarray, volatility: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(phi, phi^2, shock, shock^2) of the latent AR(1), per run (`once`)."""
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


def _latent(m: Month) -> np.ndarray:
    """Advance the latent log-intensities; return this month's log multiplier, (R, Q)."""
    w, gz, s = m.state.world, m.params.greyzone, m.structure
    phi, phi2, shock, shock2 = once(_shocks, gz.persistence_per_year, gz.volatility_per_year)
    # crises opened since the last month (by the crisis mechanism or this month's events)
    new = w.crisis & (w.crisis_start != w.gz_crisis_seen)
    w.gz_crisis_seen = np.where(w.crisis, w.crisis_start, -1)
    jump = np.where(new[:, s.act_theatre], gz.crisis_jump, 0.0)
    e = m.rng.normal(m.t, streams.GREYZONE_LATENT, len(s.activities))
    w.gz_dev = phi * w.gz_dev + shock * e + jump
    w.gz_var = phi2 * w.gz_var + shock2
    trend = gz.drift_per_year * (m.t / 12.0)
    return w.gz_level + trend + w.gz_dev - 0.5 * w.gz_var


def _draw_activity(m: Month, mult: np.ndarray) -> np.ndarray:
    """Units of every activity this month, (R, Q)."""
    s, gz = m.structure, m.params.greyzone
    q_all = len(s.activities)
    primary = s.act_responds < 0
    counts = np.zeros((m.runs, q_all))
    days = s.act_days
    rate = np.broadcast_to(gz.rate_per_year, (m.runs, q_all))
    count_q = primary & ~days
    if count_q.any():
        lam = rate[:, count_q] / 12.0 * mult[:, count_q]
        counts[:, count_q] = m.rng.poisson(lam, m.t, streams.GREYZONE_PRIMARY)
    day_q = primary & days
    if day_q.any():
        share = np.clip(rate[:, day_q] / DAYS_PER_YEAR, 0, MAX_DAY_SHARE)
        hazard = -np.log1p(-share) * mult[:, day_q]
        counts[:, day_q] = m.rng.binomial(
            m.days, -np.expm1(-hazard), m.t, streams.GREYZONE_PRIMARY_DAYS
        )
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


def metrics(s: Structure) -> list[Metric]:
    """Units per year: primary activities by theatre, responses by responding actor."""
    by_metric: dict[tuple[str, str], list[int]] = defaultdict(list)
    for q, name in enumerate(s.activity_names):
        if s.act_responds[q] < 0:
            subject = s.theatres[s.act_theatre[q]]
        else:
            subject = s.actors[s.act_by[q]]
        by_metric[(name, subject)].append(q)
    return [_activity_metric(name, subject, qs) for (name, subject), qs in by_metric.items()]


def _activity_metric(name: str, subject: str, qs: list[int]) -> Metric:
    """Units per year of the activities `qs`, summed, as one series for `subject`."""

    def subjects(s: Structure) -> tuple[str, ...]:
        return (subject,)

    def read(st: State) -> np.ndarray:
        return sum_last(st.scratch.activity[:, qs])[:, None]

    return Metric(
        name, subjects, "sum", read, "Units of the activity in the year (events or days)."
    )


def log_month(v: MonthView) -> list[tuple[str, str, str]]:
    """Activity (verbose traces only) and serious incidents."""
    s, x = v.s, v.st.scratch
    rows = []
    if v.activity:
        for q, name in enumerate(s.activities):
            n = x.activity[v.run, q]
            if n:
                text = f"{name.split('.', 1)[1]}: {n:.0f} by {s.actors[s.act_by[q]]}"
                rows.append((s.theatres[s.act_theatre[q]], "activity", text))
    for k, theatre in enumerate(s.theatres):
        if x.incidents[v.run, k]:
            rows.append((theatre, "incident", "serious grey-zone incident"))
    return rows


def default_opponent(theatre: dict, actor: str) -> str:
    """Return the holder, or the first other claimant when `actor` is the holder."""
    if actor != theatre["holder"]:
        return theatre["holder"]
    return next(c for c in theatre["claimants"] if c != actor)


def default_target(activity: dict, context: DeriveContext) -> str:
    """Return the opponent of the activity's actor in its theatre (`default_opponent`)."""
    assert context.parent is not None
    return default_opponent(context.parent, activity["by"])


@dataclass(frozen=True)
class RateValues(ParamBlock):
    """The factor a ``greyzone_rate`` event multiplies an activity's rate by."""

    factor: Array = param(
        "factor", "event", "float", REQUIRED, 0, 1000, "",
        "Multiplies the activity's rate from the event's month on (permanently).",
        source="scenario",
    )  # fmt: skip


def _rate_spec(ev: dict, ix: Index) -> dict[str, int]:
    return {
        "theatre": ix.theatres[ev["theatre"]],
        "activity": ix.activities[(ev["theatre"], ev["activity"])],
    }


def _rate(m: Month, ev: EventSpec, fire: np.ndarray, values: RateValues) -> None:
    """Shift the activity's latent level by log(factor) in the runs where the event fires."""
    q = ev.activity
    w = m.state.world
    shift = np.log(np.maximum(values.factor, 1e-12))
    w.gz_level[:, q] = np.where(fire, w.gz_level[:, q] + shift, w.gz_level[:, q])


RATE_EVENT = EventKind(
    "greyzone_rate",
    {
        "theatre": F("theatre", REQUIRED, doc="Theatre of the activity."),
        "activity": F("str", REQUIRED, doc="Grey-zone activity whose rate changes."),
    },
    _rate_spec,
    _rate,
    RateValues,
)
"""A lasting change of an activity's rate (a new policy, unit or rule of the actor)."""


MECHANISM = Mechanism(
    name="greyzone",
    doc="Grey-zone activity with latent stochastic intensities responding to tension, "
    "crises and events.",
    params=GreyzoneParams,
    fields={
        "activity": {
            "by": F("actor", REQUIRED, doc="Actor that performs the activity."),
            "against": F(
                "actor",
                DERIVED,
                doc="Target; default the holder, or the first other claimant if by is it.",
                derive=default_target,
            ),
            "unit": F(
                "enum",
                "count",
                choices=ACTIVITY_UNITS,
                doc="count (events per year) or days (days per year with activity).",
            ),
            "responds_to": F(
                "str", "", doc="Activity of the same theatre this one answers (scrambles)."
            ),
        }
    },  # fmt: skip
    state=(
        world(
            "incident_p",
            ("activity",),
            np.float64,
            "Chance that one unit of the activity becomes a serious incident.",
            init=lambda p: p.greyzone.incident_probability,
        ),
        world(
            "gz_dev",
            ("activity",),
            np.float64,
            "Latent log-intensity's deviation from its drift path.",
        ),
        world("gz_var", ("activity",), np.float64, "Variance of the latent noise so far."),
        world(
            "gz_level",
            ("activity",),
            np.float64,
            "Sum of log factors of the greyzone_rate events so far.",
        ),
        world(
            "gz_crisis_seen",
            ("theatre",),
            np.int64,
            "Start month of the open crisis already answered by a jump, -1 if none.",
            fill=-1,
        ),
        scratch("activity", ("activity",), np.float64, "Units of each activity this month."),
        scratch("incidents", ("theatre",), bool, "A serious grey-zone incident this month."),
    ),  # fmt: skip
    metrics=metrics,
    log=log_month,
    needs=("grievance", "crisis", "diplomacy"),
    step=step,
    event_kinds=(RATE_EVENT,),
)
