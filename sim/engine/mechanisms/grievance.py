"""Grievance: directed G_ij in [0, 1] relaxes toward a baseline and rises with hostility.

Monthly:  G <- G + min(1, d/12) (B - G);   then  G <- G + H (1 - G),  clipped to [0, 1],

where d is ``grievance.decay_per_year``, B the baseline and H the month's hostile input
toward j felt by i: grey-zone units of j against i (times ``grievance_per_unit``), and for
the parties of an open crisis ``crisis_gain_per_month * rung / 8`` each way, plus
``war_gain_per_month`` at war. Talks (diplomacy) and drills/visits (events) act directly.
Negative input (grey-zone activity below its starting level) lowers G as G <- G (1 + H).
The multiplicative form keeps G inside [0, 1] for any input.
"""

from __future__ import annotations

import numpy as np

from sim.engine.context import Month
from sim.engine.ladder import WAR_RUNG


def step(m: Month) -> None:
    """Relax toward baseline, then add this month's hostility."""
    st, p, s = m.state, m.params, m.structure
    g = p.glob
    grievance = st.grievance
    decay = np.minimum(g["grievance.decay_per_year"] / 12.0, 1.0)[:, None, None]
    # G += d (B - G), in place (whole-array temporaries are costly at large batches)
    pull = np.subtract(p.grievance_base, grievance)
    pull *= decay
    grievance += pull
    for k in range(len(s.theatres)):
        rows = np.flatnonzero(st.crisis[:, k])
        if rows.size == 0:
            continue
        # only runs with a crisis in k get heat (the others would get + 0)
        rung = st.rung[rows, k]
        heat = g["grievance.crisis_gain_per_month"][rows] * rung / 8.0
        heat = heat + np.where(rung >= WAR_RUNG, g["grievance.war_gain_per_month"][rows], 0)
        ch, df = np.maximum(st.challenger[rows, k], 0), np.maximum(st.defender[rows, k], 0)
        st.hostility[rows, ch, df] += heat
        st.hostility[rows, df, ch] += heat
    h = np.clip(st.hostility, -1.0, 1.0)
    # G += h (1 - G) where h > 0, else G += h G
    gain = np.subtract(1.0, grievance)
    np.copyto(gain, grievance, where=h <= 0)
    gain *= h
    grievance += gain
    np.clip(grievance, 0.0, 1.0, out=grievance)
    n = grievance.shape[1]
    grievance[:, np.arange(n), np.arange(n)] = 0.0
