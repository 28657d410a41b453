"""Grey-zone activity: rates that respond to grievance, relative capability and rung.

For a primary activity q by actor b against actor a in theatre k the monthly intensity is

    lambda_q = rate_q / 12 * exp(eG (G_ba - G_ba(0)) + eR (rung_k - baseline_k))
               * ((C_b / C_a) / (C_b(0) / C_a(0)))^eC

``count`` activities are Poisson(lambda_q) events; ``days`` activities are
Binomial(days in month, 1 - exp(-h)) days, with the daily hazard h calibrated so that the
starting rate gives ``rate_per_year`` days a year. Responses (``responds_to``) are
Poisson(ratio * units of the answered activity). Activity above its starting level adds
``grievance_per_unit`` per extra unit to the target's grievance toward the actor, activity
below it removes as much: the starting grievance already prices in the starting level of
activity. Each unit becomes a serious incident with
probability ``incident_probability`` (reduced by a hotline between the two), which opens a
crisis between the activity's actor and its target.
"""

from __future__ import annotations

import numpy as np

from sim.engine import streams
from sim.engine.context import Month
from sim.engine.ladder import open_crisis


def step(m: Month) -> None:
    """Draw this month's activity, its responses and any serious incidents."""
    st, p, s = m.state, m.params, m.structure
    q_all = len(s.activities)
    if q_all == 0:
        return
    by, against, th = s.act_by, s.act_against, s.act_theatre
    primary = s.act_responds < 0
    g_now = st.grievance[:, by, against]
    g_start = p.grievance0[:, by, against]
    # rungs above the theatre's quiet level (grey-zone theatres idle at rung 2 at least)
    rung_up = st.rung[:, th] - np.maximum(p.baseline_rung[:, th], 2)
    ratio_now = np.maximum(st.capability[:, by], 1e-9) / np.maximum(st.capability[:, against], 1e-9)
    ratio_0 = np.maximum(p.cap0[:, by], 1e-9) / np.maximum(p.cap0[:, against], 1e-9)
    log_mult = (
        p.act_e_grievance * (g_now - g_start)
        + p.act_e_rung * rung_up
        + p.act_e_capability * (np.log(ratio_now) - np.log(ratio_0))
    )
    mult = np.exp(np.clip(log_mult, -50.0, 10.0))
    counts = np.zeros((m.runs, q_all))
    days = s.act_days
    count_q = primary & ~days
    if count_q.any():
        lam = np.broadcast_to(p.act_rate, (m.runs, q_all))[:, count_q] / 12.0 * mult[:, count_q]
        counts[:, count_q] = m.rng.poisson(lam, m.t, streams.GREYZONE_PRIMARY)
    day_q = primary & days
    if day_q.any():
        share = np.clip(np.broadcast_to(p.act_rate, (m.runs, q_all))[:, day_q] / 365.0, 0, 0.999)
        hazard = -np.log1p(-share) * mult[:, day_q]
        counts[:, day_q] = m.rng.binomial(
            m.days, -np.expm1(-hazard), m.t, streams.GREYZONE_PRIMARY + 100
        )
    responses = ~primary
    if responses.any():
        source = counts[:, s.act_responds[responses]]
        lam = np.broadcast_to(p.act_ratio, (m.runs, q_all))[:, responses] * source
        drawn = m.rng.poisson(lam, m.t, streams.GREYZONE_RESPONSE)
        counts[:, responses] = np.where(days[responses], np.minimum(drawn, m.days), drawn)
    st.activity = counts
    if "grievance" in s.mechanisms:
        base = np.broadcast_to(p.act_rate, (m.runs, q_all)) / 12.0
        base = np.where(days, base * m.days * 12.0 / 365.0, base)
        for q in np.nonzero(~primary)[0]:
            base[:, q] = p.act_ratio[:, q] * base[:, s.act_responds[q]]
        excess = p.act_grievance * (counts - base)
        for q in range(q_all):
            st.hostility[:, against[q], by[q]] += excess[:, q]
    # serious incidents
    relief = m.params.glob["diplomacy.hotline_incident_relief"][:, None]
    hot = st.hotline[:, by, against] & ("diplomacy" in s.mechanisms)
    per_unit = st.incident_p * np.where(hot, 1.0 - relief, 1.0)
    p_any = -np.expm1(counts * np.log1p(-np.minimum(per_unit, 1.0 - 1e-12)))
    hit = m.rng.uniform(m.t, streams.GREYZONE_INCIDENT, q_all) < p_any
    for k in range(len(s.theatres)):
        acts = np.nonzero(th == k)[0]
        if acts.size == 0:
            continue
        any_hit = hit[:, acts].any(axis=1)
        if not any_hit.any():
            continue
        st.incidents[:, k] |= any_hit
        if "crisis" not in s.mechanisms:
            continue
        first = acts[np.argmax(hit[:, acts], axis=1)]
        b, a = by[first], against[first]
        holder = st.holder[:, k]
        ch = np.where(b == holder, a, b)
        df = np.where(b == holder, b, a)
        rung = p.glob["crisis.opening_rung"].astype(np.int64)
        open_crisis(st, any_hit, k, ch, df, rung)
