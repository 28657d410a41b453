"""War: attrition, learning, decisive outcomes and the nuclear threshold.

Each month of war (rung 6 or more) in theatre k, with p the true chance that the
challenger's side prevails (contest success function of local forces, joined allies
counted):

* attrition: each side's capability falls by ``attrition * (enemy's share)``; every war
  party (and joined patron) loses ``gdp_loss_per_month`` of GDP;
* learning: fighting reveals strength, so both parties' misperception shrinks by
  ``learning_per_month`` (Blainey 1973; Slantchev 2003);
* nuclear threshold: a nuclear party whose chance falls below ``nuclear_threshold``, with a
  stake of at least ``nuclear_min_stake``, crosses rung 8 with probability
  ``nuclear_use_probability_per_month``; the war then stops at the status quo ante and both
  sides lose ``nuclear_gdp_loss`` of GDP;
* decision: with probability ``decisive_probability_per_month`` the fighting is decided,
  the challenger winning with probability p; a winning challenger takes the theatre.

Negotiated ends come from the crisis mechanism, which keeps bargaining during war.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine import streams
from sim.engine.arrays import any_last
from sim.engine.context import Month
from sim.engine.declare import (
    Array,
    Column,
    Mechanism,
    MonthView,
    ParamBlock,
    outcome,
    param,
    scratch,
)
from sim.engine.forces import ally_weights, side_force, win_probability
from sim.engine.ladder import (
    NUCLEAR_RUNG,
    WAR_ENDINGS,
    WAR_RUNG,
    close_crisis,
    note_rungs,
    transfer,
)
from sim.engine.subset import on_rows


@dataclass(frozen=True)
class WarParams(ParamBlock):
    """Tempo, losses and the nuclear threshold of war."""

    decisive_probability_per_month: Array = param(
        scope="model",
        kind="float",
        default=0.08,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Chance per month of war that the fighting is decided.",
        literature="median interstate war lasts about a year (COW wars 1816-2007; "
        "Bennett & Stam 1996)",
    )
    attrition_per_month: Array = param(
        scope="model",
        kind="float",
        default=0.03,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Capability lost per month of war, times the enemy's force share.",
    )
    gdp_loss_per_month: Array = param(
        scope="model",
        kind="float",
        default=0.01,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Share of GDP each war party loses per month of war.",
    )
    learning_per_month: Array = param(
        scope="model",
        kind="float",
        default=0.1,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Share of misperception that fighting removes each month.",
    )
    mobilisation_share_gdp: Array = param(
        scope="model",
        kind="float",
        default=0.06,
        lo=0,
        hi=1,
        unit="share of GDP",
        doc="Spending that war parties mobilise toward (capped).",
    )
    nuclear_threshold: Array = param(
        scope="model",
        kind="float",
        default=0.15,
        lo=0,
        hi=1,
        unit="probability",
        doc="A nuclear power whose chance of prevailing falls below this faces decisive defeat.",
    )
    nuclear_use_probability_per_month: Array = param(
        scope="model",
        kind="float",
        default=0.01,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Chance per month that such a power crosses rung 8.",
    )
    nuclear_min_stake: Array = param(
        scope="model",
        kind="float",
        default=0.5,
        lo=0,
        hi=1,
        unit="stake units",
        doc="Least stake in a theatre for which a nuclear power facing defeat may use nuclear "
        "weapons.",
        literature="nuclear threats are credible only for core interests (Schelling 1966; "
        "Sechser & Fuhrmann 2017); 0.5 is a claimant's default stake",
    )
    nuclear_gdp_loss: Array = param(
        scope="model",
        kind="float",
        default=0.1,
        lo=0,
        hi=1,
        unit="share of GDP",
        doc="GDP lost by both sides at nuclear use.",
    )


def war_parties(m: Month, fought_only: bool = False) -> np.ndarray:
    """(R, N) True for actors at war (parties and joined patrons).

    With `fought_only`, wars opened this month (not yet fought) are left out.
    """
    w, s = m.state.world, m.structure
    out = np.zeros(w.milex.shape, dtype=bool)
    rows = np.arange(m.runs)
    at_war = w.crisis & (w.rung >= WAR_RUNG)
    if fought_only:
        at_war &= ~m.state.scratch.opened
    for k in range(len(s.theatres)):
        fighting = at_war[:, k]
        if not fighting.any():
            continue
        out[rows, np.maximum(w.challenger[:, k], 0)] |= fighting
        out[rows, np.maximum(w.defender[:, k], 0)] |= fighting
        for a in range(len(s.alliance_ids)):
            out[:, s.patron[a]] |= fighting & w.joined[:, k, a]
    return out


def step(m: Month) -> None:
    """One month of fighting in every theatre at war."""
    w, x = m.state.world, m.state.scratch
    # runs with no war fought this month are left exactly as they are (losses of 0 and
    # factors of 1), so the fighting runs on the runs with one
    on_rows(fight, m, any_last(w.crisis & (w.rung >= WAR_RUNG) & ~x.opened))


def _attrition(m: Month, k: int, fighting: np.ndarray, p_ch: np.ndarray) -> None:
    """Losses of capability and misperception of the parties (and joined patrons) in `k`."""
    w, s, wp = m.state.world, m.structure, m.params.war
    rows = np.arange(m.runs)
    ch, df = np.maximum(w.challenger[:, k], 0), np.maximum(w.defender[:, k], 0)
    loss_ch = np.where(fighting, wp.attrition_per_month * (1.0 - p_ch), 0.0)
    loss_df = np.where(fighting, wp.attrition_per_month * p_ch, 0.0)
    w.capability[rows, ch] *= 1.0 - loss_ch
    w.capability[rows, df] *= 1.0 - loss_df
    for a in range(len(s.alliance_ids)):
        fights = fighting & w.joined[:, k, a]
        side_ch = w.challenger[:, k] == s.client[a]
        w.capability[:, s.patron[a]] *= 1.0 - np.where(
            fights, np.where(side_ch, loss_ch, loss_df), 0.0
        )
    learn = np.where(fighting, wp.learning_per_month, 0.0)
    w.sigma[rows, ch] *= 1.0 - learn
    w.sigma[rows, df] *= 1.0 - learn


def _nuclear(m: Month, k: int, fighting: np.ndarray, p_ch: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Nuclear use by a desperate nuclear party; returns the runs where it happened."""
    st, p = m.state, m.params
    w, wp = st.world, p.war
    rows = np.arange(m.runs)
    ch, df = np.maximum(w.challenger[:, k], 0), np.maximum(w.defender[:, k], 0)
    nuc = np.zeros(m.runs, dtype=bool)
    for party, chance in ((ch, p_ch), (df, 1.0 - p_ch)):
        desperate = (
            fighting
            & p.world.nuclear[rows, party]
            & (chance < wp.nuclear_threshold)
            & (p.world.stake[:, k, :][rows, party] >= wp.nuclear_min_stake)
        )
        nuc |= desperate
    nuc &= u < wp.nuclear_use_probability_per_month
    if nuc.any():
        w.rung[:, k] = np.where(nuc, NUCLEAR_RUNG, w.rung[:, k])
        note_rungs(st)
        st.outcome.nuclear_use[:, k] |= nuc
        hit = np.where(nuc, wp.nuclear_gdp_loss, 0.0)
        w.gdp[rows, ch] *= 1.0 - hit
        w.gdp[rows, df] *= 1.0 - hit
        x = st.scratch
        x.war_ended[:, k] = np.where(nuc, WAR_ENDINGS.index("nuclear"), x.war_ended[:, k])
        close_crisis(st, nuc, k, p.world.baseline_rung[:, k], "nuclear")
    return nuc


def fight(m: Month) -> None:
    """One month of fighting in the theatres at war of the runs of `m`."""
    st, p, s = m.state, m.params, m.structure
    w, x = st.world, st.scratch
    at_war = w.crisis & (w.rung >= WAR_RUNG) & ~x.opened
    if not at_war.any():
        return
    k_all = len(s.theatres)
    gamma = p.crisis.csf_exponent[:, None]
    weights = ally_weights(st, s, perceived=False)
    f_ch = side_force(st, p, s, w.challenger, weights)
    f_df = side_force(st, p, s, w.defender, weights)
    p_ch = win_probability(f_ch, f_df, gamma)
    u_dec = m.rng.uniform(m.t, streams.WAR_DECISIVE, k_all)
    u_win = m.rng.uniform(m.t, streams.WAR_WINNER, k_all)
    u_nuc = m.rng.uniform(m.t, streams.WAR_NUCLEAR, k_all)
    fighting_parties = war_parties(m, fought_only=True)
    for k in range(k_all):
        fighting = at_war[:, k]
        if not fighting.any():
            continue
        _attrition(m, k, fighting, p_ch[:, k])
        fighting = fighting & ~_nuclear(m, k, fighting, p_ch[:, k], u_nuc[:, k])
        decided = fighting & (u_dec[:, k] < p.war.decisive_probability_per_month)
        ch_wins = decided & (u_win[:, k] < p_ch[:, k])
        if ch_wins.any():
            transfer(st, ch_wins, k, w.challenger[:, k])
        # a defender that wins back a theatre seized by fait accompli holds it again
        df_wins = decided & ~ch_wins & (w.holder[:, k] != w.defender[:, k])
        if df_wins.any():
            transfer(st, df_wins, k, w.defender[:, k])
        ending = np.where(
            ch_wins, WAR_ENDINGS.index("challenger won"), WAR_ENDINGS.index("defender won")
        )
        x.war_ended[:, k] = np.where(decided, ending, x.war_ended[:, k])
        base = p.world.baseline_rung[:, k]
        close_crisis(st, ch_wins, k, base, "challenger won")
        close_crisis(st, decided & ~ch_wins, k, base, "defender won")
    w.gdp *= 1.0 - np.where(fighting_parties, p.war.gdp_loss_per_month[:, None], 0.0)


def log_month(v: MonthView) -> list[tuple[str, str, str]]:
    """Wars that ended this month and how."""
    s, w, x, r = v.s, v.st.world, v.st.scratch, v.run
    rows = []
    for k, theatre in enumerate(s.theatres):
        ended = WAR_ENDINGS[int(x.war_ended[r, k])]
        if ended != "none":
            holder = s.actors[int(w.holder[r, k])]
            rows.append((theatre, "war end", f"war ends: {ended}; holder {holder}"))
    return rows


MECHANISM = Mechanism(
    name="war",
    doc="Attrition, learning, decisive outcomes and the nuclear threshold.",
    params=WarParams,
    state=(
        outcome(
            "nuclear_use", axes=("theatre",), dtype=bool, doc="Nuclear weapons were used there."
        ),
        scratch(
            "war_ended",
            axes=("theatre",),
            dtype=np.int64,
            doc="How a war ended this month (WAR_ENDINGS).",
        ),
    ),
    columns=(
        Column(
            "nuclear_use",
            "bool",
            lambda st, s: st.outcome.nuclear_use,
            doc="Nuclear weapons were used in the theatre.",
        ),
    ),
    log=log_month,
    needs=("crisis", "alliances"),
    step=step,
)
