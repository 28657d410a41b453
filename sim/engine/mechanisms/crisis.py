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

from dataclasses import dataclass

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
    Array,
    Column,
    Mechanism,
    MonthView,
    ParamBlock,
    Prior,
    outcome,
    param,
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
from sim.engine.subset import SUBSET_BELOW, on_rows, row_month


@dataclass(frozen=True)
class CrisisParams(ParamBlock):
    """Perceptions, costs and the tempo of crisis bargaining."""

    misperception: Array = param(
        "misperception", "actor", "float", 0.3, 0, 3, "log-sd",
        "Sd of the log-normal noise on the actor's estimate of relative strength (0 = truth).",
    )  # fmt: skip
    audience_cost: Array = param(
        "audience_cost", "actor", "float", 0.1, 0, 1, "stake units",
        "Cost of backing down from rung 8, scaled by rung/8.",
        literature="Fearon 1994; Weeks 2008 (larger for democracies and personalist regimes)",
    )  # fmt: skip
    opening_rung: Array = param(
        "opening_rung", "model", "int", 3, 1, 5, "rung",
        "Rung at which an incident opens a crisis.",
    )  # fmt: skip
    war_cost: Array = param(
        "war_cost", "model", "float", 0.2, 0, 10, "stake units",
        "Cost of theatre war (rung 6) relative to a stake of 1, before interdependence.",
        prior=Prior(
            "loguniform", 0.05, 2.0,
            "war costs of 5-200% of the stake (Fearon 1995 treats costs as a share of "
            "the stake; judgement)",
        ),
    )  # fmt: skip
    csf_exponent: Array = param(
        "csf_exponent", "model", "float", 1.0, 0.1, 10, "",
        "Decisiveness gamma of the contest success function.",
        literature="0.5-2 (Hirshleifer 1989; Jia, Skaperdas & Vaidya 2013)",
    )  # fmt: skip
    escalation_probability: Array = param(
        "escalation_probability", "model", "float", 0.5, 0, 1, "1/month",
        "Chance per month of climbing a rung when no deal exists.",
        prior=Prior(
            "uniform", 0.05, 0.9,
            "a rung a year to nearly a rung a month; MID escalation is rare (Senese & "
            "Vasquez 2008), judgement",
        ),
    )  # fmt: skip
    settlement_probability: Array = param(
        "settlement_probability", "model", "float", 0.4, 0, 1, "1/month",
        "Chance per month of settling when a deal exists.",
        prior=Prior(
            "uniform", 0.05, 0.9,
            "median MID duration of weeks to a year (Palmer et al. 2015), judgement "
            "",
        ),
    )  # fmt: skip
    accident_probability: Array = param(
        "accident_probability", "model", "float", 0.02, 0, 1, "1/month",
        "Chance per month that a crisis at rung 3-4 climbs one rung by accident.",
        prior=Prior(
            "loguniform", 0.002, 0.2,
            "inadvertent escalation (Posen 1991; Schelling 1960), judgement "
            "",
        ),
    )  # fmt: skip
    initiation_rate_per_year: Array = param(
        "initiation_rate_per_year", "model", "float", 3.0, 0, 100, "1/year",
        "Scale of the hazard that a challenger deliberately opens a crisis "
        "(Section 7.4 of MODEL.md).",
        prior=Prior("loguniform", 0.3, 30.0, "two decades either side of the default 3, judgement"),
    )  # fmt: skip
    exercise_value: Array = param(
        "exercise_value", "model", "float", 0.5, 0, 10, "stake units",
        "Value to a challenger of a large exercise (signalling resolve), per unit of its "
        "grievance toward the holder.",
        literature="exercises as costly signals (Fearon 1997); PLA drills after visits and "
        "speeches, data/crisis_triggers.csv",
        prior=Prior("loguniform", 0.05, 5.0, "a tenth to ten times the default 0.5, judgement"),
    )  # fmt: skip
    concession_scale: Array = param(
        "concession_scale", "model", "float", 0.1, 0.001, 10, "stake units",
        "Spread of the challenger's belief that the defender concedes to coercion: "
        "P = 1 / (1 + exp(E_df / scale)).",
    )  # fmt: skip
    nuclear_cost_factor: Array = param(
        "nuclear_cost_factor", "model", "float", 0.25, 0, 100, "",
        "Extra war cost, as a multiple of the conventional cost, when the war would be "
        "fought between nuclear-armed sides (times the chance that it would be).",
        literature="nuclear shadow and the stability-instability paradox (Snyder 1965; "
        "Jervis 1989); 0 reproduces a conventional-only model",
    )  # fmt: skip
    concession_months: Array = param(
        "concession_months", "model", "int", 3, 2, 24, "months",
        "Consecutive months in which the defender's value of resisting stays below its value "
        "of conceding before it concedes (capitulates, or accepts a seizure).",
        literature="compellence works over months, not at once (Schelling 1966; Sechser "
        "2011); blockade studies assume months to a year (Bloomberg Economics 2024): 2-6, "
        "judgement",
    )  # fmt: skip
    concession_cost: Array = param(
        "concession_cost", "model", "float", 1.0, 0, 5, "stake units",
        "What conceding costs the defender beyond the share it gives up: its value of "
        "conceding is -concession_cost against E_df for resisting (1: conceding costs the "
        "stake again, in reputation for resolve and in office).",
        literature="governments resist to deter later challengers (Walter 2009) and are "
        "punished at home for backing down (Fearon 1994; Tomz 2007); 0.5-2, judgement; 0 "
        "restores the old comparison with 0",
    )  # fmt: skip
    settlement_share: Array = param(
        "settlement_share", "model", "float", 0.1, 0, 1, "",
        "Share of the challenger's perceived value of climbing (E_ch, floored at 0) that a "
        "crisis settlement below war moves to it while the holder keeps the theatre.",
        literature="most militarised disputes end in stalemate; compromise or yield in about "
        "5-15% (Palmer et al. 2015, MID 4); 0-0.3, judgement",
    )  # fmt: skip
    war_negotiation_probability: Array = param(
        "war_negotiation_probability", "model", "float", 0.05, 0, 1, "1/month",
        "Chance per month that a war in which a bargain exists ends in a negotiated "
        "settlement (the midpoint of the bargaining range moves to the challenger).",
        literature="about half of interstate wars end in negotiation, median duration "
        "months to a year (Reiter 2009; Bennett & Stam 1996): 0.02-0.1 next to "
        "war.decisive_probability_per_month 0.08, judgement",
    )  # fmt: skip
    opportunity_threshold: Array = param(
        "opportunity_threshold", "model", "float", 0.8, 0, 1, "probability",
        "Perceived chance of prevailing from which a challenger whose relative power is "
        "not falling invades deliberately (an opening window).",
        literature="initiators win about 60-70% of the wars they start, autocracies about "
        "60% and democracies over 90% (Wang & Ray 1994; Reiter & Stam 2002); power-"
        "transition wars near or past parity (Organski & Kugler 1980): 0.6-0.9, judgement",
    )  # fmt: skip
    seizable: Array = param(
        "seizable", "theatre", "bool", False, None, None, "",
        "The theatre can be seized and held by fait accompli at rung 5 (small, lightly "
        "held territory such as islets).",
        literature="fait accompli land grabs mostly target small territories (Altman 2017)",
    )  # fmt: skip
    power_shift_horizon_years: Array = param(
        "power_shift_horizon_years", "model", "float", 5.0, 0, 50, "years",
        "Horizon over which a challenger projects today's budgets into the balance of "
        "forces (the power-shift motive).",
        literature="windows of opportunity of 5-10 years (Copeland 2000; Powell 2006)",
    )  # fmt: skip


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
    rate = p.crisis.initiation_rate_per_year[:, None] / 12.0
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
    return p.crisis.accident_probability[:, None] * relief


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
    cp = p.crisis
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
    st, cp = m.state, m.params.crisis
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
        world(
            "sigma",
            ("actor",),
            np.float64,
            "Current misperception (log-sd).",
            init=lambda p: p.crisis.misperception,
        ),
        world(
            "audience",
            ("actor",),
            np.float64,
            "Current audience cost (stake units at rung 8); domestic politics moves it.",
            init=lambda p: p.crisis.audience_cost,
        ),
        world(
            "resist_months",
            ("theatre",),
            np.int64,
            "Consecutive months of the open crisis in which the defender preferred conceding.",
        ),
        world(
            "seized_at",
            ("theatre",),
            np.int64,
            "Month of the last fait-accompli seizure of the theatre, -1 if none.",
            fill=-1,
        ),
        outcome(
            "concession_share",
            ("theatre",),
            np.float64,
            "Share of the stake moved to challengers by settlements, 1 - prod(1 - x).",
        ),
        outcome("seizures", ("theatre",), np.int64, "Fait-accompli seizures of the theatre."),
        scratch("move", ("theatre",), np.int64, "Crisis move of the month (code into MOVES)."),
        scratch(
            "utility_ch", ("theatre",), np.float64, "Challenger's perceived value of the next rung."
        ),
        scratch(
            "utility_df", ("theatre",), np.float64, "Defender's perceived value of the next rung."
        ),
        scratch("gap", ("theatre",), np.float64, "E_ch + E_df - 1; > 0: no bargain both accept."),
    ),  # fmt: skip
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
