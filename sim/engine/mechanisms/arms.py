"""Arms: Richardson dynamics, spending policies, GDP ceilings and the capability stock.

Per actor i, per year, stepped monthly (dt = 1/12):

    dm_i/dt = sum_j k_ij m_j - a_i m_i + g_i(t)                       (Richardson 1960)
    g_i(t)  = g_i + s_i m_i(0) sum_j (G_ij(t) - G_ij(0))     (only with `grievance` on)

While a spending policy is active (events: a share of GDP, a level or a growth rate by a
date) spending follows the geometric path from its level when the policy was adopted to
the target; afterwards Richardson dynamics resume from there. At war, spending rises
toward ``war.mobilisation_share_gdp`` of GDP with a six-month time constant. Spending is
kept in [0, max_share_gdp * GDP]. GDP grows at its nominal rate. Capability is a
perpetual-inventory stock: C <- C (1 - delta)^(1/12) + m / 12.

With only `arms` on, no policies and ceilings not binding, the update is the Euler step of
Richardson's linear system, whose fixed point is m* = (A - K)^-1 g.
"""

from __future__ import annotations

import numpy as np

from sim.engine.arrays import sum_last
from sim.engine.context import Month
from sim.engine.mechanisms.war import war_parties

DT = 1.0 / 12.0


def step(m: Month) -> None:
    """Advance spending, GDP and capability by one month."""
    st, p, s = m.state, m.params, m.structure
    milex = st.milex
    drive = p.arms_g
    if "grievance" in s.mechanisms:
        excess = sum_last(st.grievance - p.grievance0)
        drive = drive + p.grievance_sensitivity * p.milex0 * excess
    reaction = sum_last(p.reaction * milex[:, None, :])
    new = milex + DT * (reaction - p.fatigue * milex + drive)
    active = st.policy_active & (m.t <= st.policy_end)
    if active.any():
        span = np.maximum(st.policy_end - st.policy_t0, 1)
        frac = np.clip((m.t + 1 - st.policy_t0) / span, 0.0, 1.0)
        ratio = np.maximum(st.policy_target, 1e-9) / np.maximum(st.policy_m0, 1e-9)
        path = st.policy_m0 * ratio**frac
        new = np.where(active, path, new)
        st.policy_active &= m.t + 1 < st.policy_end
    if "war" in s.mechanisms:
        fighting = war_parties(m)
        if fighting.any():
            goal = m.params.glob["war.mobilisation_share_gdp"][:, None] * st.gdp
            new = np.where(fighting, np.maximum(new, milex + (goal - milex) / 6.0), new)
    st.gdp = st.gdp * (1.0 + p.growth) ** DT
    new = np.clip(new, 0.0, p.max_share * st.gdp)
    st.capability = st.capability * (1.0 - p.depreciation) ** DT + new * DT
    st.milex = new
