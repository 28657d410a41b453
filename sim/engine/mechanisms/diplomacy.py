"""Diplomacy: dialogue channels meet, lowering grievance and misperception.

A channel opens with a scheduled `talks` event and then meets at
``diplomacy.talks_per_year`` rounds a year, except while the two are parties to a crisis
or war (talks suspended). Misperception relaxes back toward each actor's baseline.
Hotlines (set by events) act in the grey-zone and crisis mechanisms.
"""

from __future__ import annotations

import numpy as np

from sim.engine import streams
from sim.engine.context import Month


def hold_talks(m: Month, mask: np.ndarray, i: int, j: int) -> None:
    """One round of talks between `i` and `j` in runs `mask`."""
    st, g = m.state, m.params.glob
    relief = np.where(mask, g["diplomacy.talks_grievance_relief"], 0.0)
    if "grievance" in m.structure.mechanisms:
        st.grievance[:, i, j] *= 1.0 - relief
        st.grievance[:, j, i] *= 1.0 - relief
    clarity = np.where(mask, g["diplomacy.talks_misperception_relief"], 0.0)
    st.sigma[:, i] *= 1.0 - clarity
    st.sigma[:, j] *= 1.0 - clarity
    st.talks[:, i, j] += mask
    st.talks[:, j, i] += mask


def suspended(m: Month, i: int, j: int) -> np.ndarray:
    """(R,) True where i and j face each other in an open crisis or war."""
    st = m.state
    pair = ((st.challenger == i) & (st.defender == j)) | ((st.challenger == j) & (st.defender == i))
    return (pair & st.crisis).any(axis=1)


def step(m: Month) -> None:
    """Endogenous rounds on open channels, then misperception recovery."""
    st, g = m.state, m.params.glob
    rate = g["diplomacy.talks_per_year"] / 12.0
    dyads = m.structure.talks_dyads
    if dyads:
        u = m.rng.uniform(m.t, streams.TALKS, len(dyads))
        for d, (i, j) in enumerate(dyads):
            meet = st.channel[:, i, j] & ~suspended(m, i, j) & (u[:, d] < rate)
            # a scheduled round this month counts as this month's meeting
            meet &= st.talks[:, i, j] == 0
            if meet.any():
                hold_talks(m, meet, i, j)
    back = g["diplomacy.misperception_recovery_per_year"][:, None] / 12.0
    st.sigma += np.minimum(back, 1.0) * (m.params.sigma0 - st.sigma)
