"""Crisis bargaining: chosen uses of force, and each month hold, escalate, settle or concede.

Each party values fighting at the next rung at E = p~ - c(r+1) + audience(r) (see
`sim.engine.forces.bargaining`). If E_ch + E_df <= 1 and the expected shift in power does
not exceed both sides' war costs, a bargain exists that both prefer to climbing, and the
crisis settles with probability ``crisis.settlement_probability`` per month; a defender
that would rather concede everything than fight (E_df < 0, lowered under blockade by the
blockade's economic pain) at a coercive rung (4 or more) capitulates and the theatre
changes hands. If no bargain exists the crisis climbs one rung with probability
``crisis.escalation_probability``; from 5 it climbs into war (rung 6), and the war is
labelled by its path: a gap in perceptions ("bargaining failure") or a closing window
("commitment"). While holding at rungs 3-4 an accident may push it up a rung. With exact
perceptions, positive costs and no shift in power the gaps are never positive, so war
cannot come from bargaining alone (Fearon 1995).

Outside crises, non-holding claimants choose among uses of force (exercise, blockade,
limited strike, invasion) by perceived expected value (`sim.engine.choice`).
"""

from __future__ import annotations

import numpy as np

from sim.engine import streams
from sim.engine.arrays import any_last
from sim.engine.choice import (
    NEW_TRIGGERS,
    OPTIONS,
    WAR_PATHS,
    Holders,
    holders,
    initiation_hazard,
)
from sim.engine.context import Month
from sim.engine.declare import (
    Column,
    Mechanism,
    MonthView,
    outcome,
    scratch,
    world,
)
from sim.engine.forces import bargaining
from sim.engine.ladder import (
    COERCION_RUNG,
    MOVES,
    RUNG_NAMES,
    SIGNALLING_RUNG,
    WAR_ENDINGS,
    WAR_RUNG,
    close_crisis,
    note_rungs,
    open_crisis,
    transfer,
)
from sim.engine.mechanisms.crisis_params import CrisisParams
from sim.engine.subset import SUBSET_BELOW, on_rows, row_month


def step(m: Month) -> None:
    """Let challengers initiate in quiet theatres, then play one round in open crises."""
    initiate(m)
    # `decide` changes nothing in runs without a crisis to play (their moves stay "none",
    # utilities 0 and rungs as they are), so it runs on the runs with one
    w, x = m.state.world, m.state.scratch
    on_rows(decide, m, any_last(w.crisis & ~x.opened))


def initiate(m: Month) -> None:
    """Challengers may open crises deliberately where none is open (`sim.engine.choice`)."""
    st, p, s = m.state, m.params, m.structure
    w = st.world
    quiet = ~w.crisis
    if not quiet.any():
        return
    rate = p[CrisisParams].initiation_rate_per_year[:, None] / 12.0
    theatre_rate = p[CrisisParams].initiation_rate_multiplier  # (R, K): scales each hazard
    noise = m.rng.normal(m.t, streams.INITIATION_NOISE, len(s.theatres))
    draw = m.rng.uniform(m.t, streams.INITIATION_DRAW, len(s.theatres))
    best_h = np.zeros(quiet.shape)
    best_j = np.full(quiet.shape, -1)
    best_o = np.zeros(quiet.shape, dtype=np.int64)
    best_path = np.zeros(quiet.shape, dtype=np.int64)
    context: Holders | None = None
    for j in range(len(s.actors)):
        claims = s.claimant[:, j][None, :] & (w.holder != j) & quiet
        rows = np.flatnonzero(any_last(claims))
        if rows.size == 0:
            continue
        if context is None:  # the holders' side does not depend on the challenger
            context = holders(m)
        if rows.size >= SUBSET_BELOW * m.runs:
            h, opt_j, path = _hazard(m, j, noise, claims, rate, context)
            h = h * theatre_rate
            better = h > best_h
            best_h = np.where(better, h, best_h)
            best_j = np.where(better, j, best_j)
            best_o = np.where(better, opt_j, best_o)
            best_path = np.where(better, path, best_path)
            continue
        # a challenger that claims nothing in a run leaves that run's bests as they are
        # (its hazard there is 0): value its options in the runs where it claims only
        part = context.take(rows)
        h, opt_j, path = _hazard(row_month(m, rows), j, noise[rows], claims[rows], rate[rows], part)
        h = h * theatre_rate[rows]
        better = h > best_h[rows]
        best_h[rows] = np.where(better, h, best_h[rows])
        best_j[rows] = np.where(better, j, best_j[rows])
        best_o[rows] = np.where(better, opt_j, best_o[rows])
        best_path[rows] = np.where(better, path, best_path[rows])
    fire = (best_j >= 0) & (draw < -np.expm1(-best_h))
    for k in range(len(s.theatres)):
        for o, opt in enumerate(OPTIONS):
            go = fire[:, k] & (best_o[:, k] == o)
            if not go.any():
                continue
            open_crisis(
                st, go, k, best_j[:, k], w.holder[:, k], opt.rung, move="initiate",
                trigger=s.trigger(opt.trigger),
            )  # fmt: skip
            if opt.name == "blockade":
                w.blockade[:, k] |= go
            if opt.name == "seizure":  # fait accompli: the theatre changes hands at once
                transfer(st, go, k, best_j[:, k])
                st.outcome.seizures[:, k] += go
                w.seized_at[:, k] = np.where(go, m.t, w.seized_at[:, k])
            if opt.rung >= WAR_RUNG:
                w.war_path[:, k] = np.where(go, best_path[:, k], w.war_path[:, k])


def _hazard(
    m: Month, j: int, noise: np.ndarray, claims: np.ndarray, rate: np.ndarray, context: Holders
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Challenger `j`'s initiation hazard, best option and its war path, each (R, K)."""
    return initiation_hazard(m, j, noise, claims, rate, context)


def _accident_probability(m: Month) -> np.ndarray:
    """(R, K) chance of an accidental climb while holding, lowered by a hotline."""
    w, p = m.state.world, m.params
    hot = w.hotline[
        np.arange(m.runs)[:, None], np.maximum(w.challenger, 0), np.maximum(w.defender, 0)
    ] & m.on("diplomacy")
    relief = np.where(hot, 1.0 - p.diplomacy.hotline_accident_relief[:, None], 1.0)
    return p[CrisisParams].accident_probability[:, None] * relief


def seized(m: Month) -> np.ndarray:
    """(R, K) True where the open crisis began with a seizure the challenger still holds."""
    w = m.state.world
    return w.crisis & (w.seized_at == w.crisis_start) & (w.holder == w.challenger)


def decide(m: Month) -> None:
    """One round of bargaining moves in every open crisis (and war).

    Each side values fighting at the next rung (at war: at war; after a seizure the
    defender values war to retake). The defender resists while E_df (less blockade pain)
    is at least its value of conceding, -``concession_cost``, or the challenger's threat is
    not credible (E_ch <= 0); it concedes only once both have failed
    ``concession_months`` months running, at a coercive rung (4 or more).
    Without a seizure: a bargain settles the crisis at ``settlement_probability`` a month
    (``war_negotiation_probability`` at war), moving a share of the stake to the
    challenger (`_settle_share`); no bargain climbs a rung at ``escalation_probability``.
    After a seizure the defender retakes (war, path "fait accompli") at
    ``escalation_probability`` a month while retaking is worth more than conceding.
    """
    st, p, s = m.state, m.params, m.structure
    w, x = st.world, st.scratch
    active = w.crisis & ~x.opened
    if not active.any():
        return
    k_all = len(s.theatres)
    noise_ch = m.rng.normal(m.t, streams.CRISIS_NOISE_CH, k_all)
    noise_df = m.rng.normal(m.t, streams.CRISIS_NOISE_DF, k_all)
    at_war = w.rung >= WAR_RUNG
    taken = active & seized(m)
    target = np.where(at_war | taken, np.maximum(w.rung, WAR_RUNG), w.rung + 1)
    deal_terms = bargaining(st, p, s, w.challenger, w.defender, noise_ch, noise_df, target)
    e_ch, gap = deal_terms.e_ch, deal_terms.gap
    e_df = deal_terms.e_df - w.blockade_pain
    x.utility_ch = np.where(active, e_ch, 0.0)
    x.utility_df = np.where(active, e_df, 0.0)
    x.gap = np.where(active, gap, 0.0)
    u_esc = m.rng.uniform(m.t, streams.CRISIS_ESCALATE, k_all)
    u_set = m.rng.uniform(m.t, streams.CRISIS_SETTLE, k_all)
    u_acc = m.rng.uniform(m.t, streams.CRISIS_ACCIDENT, k_all)
    cp = p[CrisisParams]
    # the defender's months of preferring concession to resisting a credible threat (the
    # challenger would rather climb than back down: E_ch > 0), counted afresh in each crisis
    yields = (e_df < -cp.concession_cost[:, None]) & (e_ch > 0.0)
    fresh = w.crisis_start >= m.t - 1
    before = np.where(fresh, 0, w.resist_months)
    w.resist_months = np.where(active, np.where(yields, before + 1, 0), w.resist_months)
    capitulate = (
        active & (w.resist_months >= cp.concession_months[:, None]) & (w.rung >= COERCION_RUNG)
    )
    deal = (gap <= 0.0) & (deal_terms.commitment_gap <= 0.0)
    rate = np.where(
        at_war, cp.war_negotiation_probability[:, None], cp.settlement_probability[:, None]
    )
    settle = active & ~capitulate & deal & ~(taken & ~at_war) & (u_set < rate)
    go_up = u_esc < cp.escalation_probability[:, None]
    escalate = active & ~capitulate & ~deal & ~at_war & ~taken & go_up
    retake = taken & ~at_war & ~capitulate & ~yields & go_up
    holding = active & ~settle & ~escalate & ~capitulate & ~retake
    accident = (
        holding
        & (w.rung >= SIGNALLING_RUNG)
        & (w.rung <= COERCION_RUNG)
        & (u_acc < _accident_probability(m))
    )
    move = np.where(active, MOVES.index("hold"), x.move)
    move = np.where(escalate | retake, MOVES.index("escalate"), move)
    move = np.where(accident, MOVES.index("accident"), move)
    move = np.where(settle, MOVES.index("settle"), move)
    move = np.where(capitulate, MOVES.index("capitulate"), move)
    x.move = move
    climb = escalate | accident | retake
    w.rung = np.where(retake, WAR_RUNG, np.where(climb, np.minimum(w.rung + 1, WAR_RUNG), w.rung))
    into_war = climb & (w.rung >= WAR_RUNG) & ~at_war
    path = np.where(gap > 0.0, WAR_PATHS.index("bargaining failure"), WAR_PATHS.index("commitment"))
    path = np.where(retake, WAR_PATHS.index("fait accompli"), path)
    w.war_path = np.where(into_war & (w.war_path == 0), path, w.war_path)
    note_rungs(st)
    _settle_share(m, settle & ~taken, at_war, e_ch, e_df)
    for k in range(k_all):
        if capitulate[:, k].any():
            transfer(st, capitulate[:, k], k, w.challenger[:, k])
        ended_war = (settle[:, k] | capitulate[:, k]) & at_war[:, k]
        ending = np.where(
            capitulate[:, k],
            WAR_ENDINGS.index("defender capitulated"),
            WAR_ENDINGS.index("negotiated"),
        )
        x.war_ended[:, k] = np.where(ended_war, ending, x.war_ended[:, k])
        base = p.world.baseline_rung[:, k]
        close_crisis(st, capitulate[:, k], k, base, "capitulated")
        close_crisis(st, settle[:, k] & at_war[:, k], k, base, "negotiated")
        close_crisis(st, settle[:, k] & ~at_war[:, k], k, base, "settled")


def _settle_share(
    m: Month, mask: np.ndarray, at_war: np.ndarray, e_ch: np.ndarray, e_df: np.ndarray
) -> None:
    """Move a share of the stake to the challenger where a crisis or war settles (`mask`).

    Below war x = ``settlement_share`` clip(E_ch, 0, 1); at war the midpoint of the
    bargaining range, x = clip((E_ch + 1 - E_df) / 2, 0, 1). The holder keeps the theatre;
    the theatre's ``concession_share`` becomes 1 - (1 - share)(1 - x) and the challenger's
    grievance toward the defender is multiplied by 1 - x.
    """
    if not mask.any():
        return
    st, cp = m.state, m.params[CrisisParams]
    w, o = st.world, st.outcome
    below = cp.settlement_share[:, None] * np.clip(e_ch, 0.0, 1.0)
    midpoint = np.clip((e_ch + 1.0 - e_df) / 2.0, 0.0, 1.0)
    share = np.where(mask, np.where(at_war, midpoint, below), 0.0)
    o.concession_share = 1.0 - (1.0 - o.concession_share) * (1.0 - share)
    rows = np.arange(m.runs)
    for k in np.flatnonzero(mask.any(axis=0)):
        ch, df = np.maximum(w.challenger[:, k], 0), np.maximum(w.defender[:, k], 0)
        w.grievance[rows, ch, df] *= 1.0 - share[:, k]


_VERBS = {
    "hold": "both hold",
    "escalate": "no bargain: escalation",
    "settle": "settled",
    "capitulate": "defender capitulates, theatre changes hands",
    "accident": "accidental escalation",
    "retake": "the defender goes to war to retake the seized theatre",
    "accept": "the defender accepts the seizure",
}


def log_month(v: MonthView) -> list[tuple[str, str, str]]:
    """Crises opened this month and the moves of open ones, with the utilities compared."""
    s, w, x, r = v.s, v.st.world, v.st.scratch, v.run
    rows = []
    for k, theatre in enumerate(s.theatres):
        move = MOVES[int(x.move[r, k])]
        if x.opened[r, k]:
            ch, df = int(w.challenger[r, k]), int(w.defender[r, k])
            names = f"{s.actors[ch]} vs {s.actors[df]}" if ch >= 0 and df >= 0 else ""
            how = "deliberately opened" if move == "initiate" else "opened"
            rung = int(w.rung[r, k])
            rows.append(
                (theatre, "crisis", f"crisis {how}: {names} at rung {rung} ({RUNG_NAMES[rung]})")
            )
            if move == "initiate" and w.seized_at[r, k] == v.t and ch >= 0:
                rows.append(
                    (
                        theatre,
                        "seizure",
                        f"fait accompli: {s.actors[ch]} seizes and "
                        f"holds the theatre; {names.split(' vs ')[-1]} may retake or accept",
                    )
                )
        elif move in _VERBS:
            gap = x.gap[r, k]
            seizure = w.seized_at[r, k] >= 0 and w.seized_at[r, k] == w.crisis_start[r, k]
            if seizure and move == "escalate":
                move = "retake"
            elif move == "capitulate" and w.crisis_start[r, k] == w.seized_at[r, k]:
                move = "accept"
            why = (
                f"E_ch={x.utility_ch[r, k]:+.2f}, E_df={x.utility_df[r, k]:+.2f}, "
                f"gap={gap:+.2f} ({'no bargain' if gap > 0 else 'bargain exists'})"
            )
            rows.append((theatre, move, f"{_VERBS[move]}; {why}"))
    return rows


MECHANISM = Mechanism(
    name="crisis",
    doc="Crisis bargaining under private information: initiate, hold, escalate, settle.",
    params=CrisisParams,
    state=(
        world("crisis", axes=("theatre",), dtype=bool, doc="A crisis (or war) is open."),
        world(
            "challenger",
            axes=("theatre",),
            dtype=np.int64,
            fill=-1,
            doc="Challenger of the open crisis, -1 if none.",
        ),
        world(
            "defender",
            axes=("theatre",),
            dtype=np.int64,
            fill=-1,
            doc="Defender of the open crisis, -1 if none.",
        ),
        world(
            "crisis_start",
            axes=("theatre",),
            dtype=np.int64,
            fill=-1,
            doc="Month the open crisis began, -1 if none.",
        ),
        world(
            "crisis_trigger",
            axes=("theatre",),
            dtype=np.int64,
            fill=-1,
            doc="What opened the open crisis (code into Structure.trigger_labels), -1 if none.",
        ),
        world(
            "crisis_peak", axes=("theatre",), dtype=np.int64, doc="Highest rung of the open crisis."
        ),
        world(
            "war_path",
            axes=("theatre",),
            dtype=np.int64,
            doc="How the open crisis's war began (code into sim.engine.choice.WAR_PATHS), 0.",
        ),
        world(
            "crisis_parties",
            axes=("theatre",),
            dtype=np.int64,
            doc="Bit mask of the actors taking part in the open crisis.",
        ),
        outcome(
            "first_crisis",
            axes=("theatre",),
            dtype=np.int64,
            fill=-1,
            doc="Month the first crisis opened, -1.",
        ),
        outcome("crises", axes=("theatre",), dtype=np.int64, doc="Crises opened."),
        scratch("opened", axes=("theatre",), dtype=bool, doc="A crisis opened this month."),
        world(
            "sigma",
            axes=("actor",),
            dtype=np.float64,
            init=lambda p: p.crisis.misperception,
            doc="Current misperception (log-sd).",
        ),
        world(
            "audience",
            axes=("actor",),
            dtype=np.float64,
            init=lambda p: p.crisis.audience_cost,
            doc="Current audience cost (stake units at rung 8); domestic politics moves it.",
        ),
        world(
            "resist_months",
            axes=("theatre",),
            dtype=np.int64,
            doc="Consecutive months of the open crisis in which the defender preferred conceding.",
        ),
        world(
            "seized_at",
            axes=("theatre",),
            dtype=np.int64,
            fill=-1,
            doc="Month of the last fait-accompli seizure of the theatre, -1 if none.",
        ),
        outcome(
            "concession_share",
            axes=("theatre",),
            dtype=np.float64,
            doc="Share of the stake moved to challengers by settlements, 1 - prod(1 - x).",
        ),
        outcome(
            "seizures",
            axes=("theatre",),
            dtype=np.int64,
            doc="Fait-accompli seizures of the theatre.",
        ),
        scratch(
            "move",
            axes=("theatre",),
            dtype=np.int64,
            doc="Crisis move of the month (code into MOVES).",
        ),
        scratch(
            "utility_ch",
            axes=("theatre",),
            dtype=np.float64,
            doc="Challenger's perceived value of the next rung.",
        ),
        scratch(
            "utility_df",
            axes=("theatre",),
            dtype=np.float64,
            doc="Defender's perceived value of the next rung.",
        ),
        scratch(
            "gap",
            axes=("theatre",),
            dtype=np.float64,
            doc="E_ch + E_df - 1; > 0: no bargain both accept.",
        ),
    ),
    columns=(
        Column(
            "concession_share",
            "float64",
            lambda st, s: st.outcome.concession_share,
            doc="Share of the stake that settlements moved to challengers while the holder "
            "kept the theatre, 1 - prod(1 - x) over settlements.",
        ),
        Column(
            "seized",
            "bool",
            lambda st, s: st.outcome.seizures > 0,
            doc="The theatre was seized by fait accompli at least once.",
        ),
    ),
    log=log_month,
    trigger_labels=lambda d: NEW_TRIGGERS,
    needs=("diplomacy",),
    step=step,
)
