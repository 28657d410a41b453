"""The crisis mechanism's parameters (`CrisisParams`), with their sources and priors.

Kept beside `sim.engine.mechanisms.crisis` (whose docstring has the equations and whose
`MECHANISM` declares them), so that module stays under 600 lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.declare import Array, ParamBlock, Prior, param


@dataclass(frozen=True)
class CrisisParams(ParamBlock):
    """Perceptions, costs and the tempo of crisis bargaining."""

    misperception: Array = param(
        scope="actor",
        kind="float",
        default=0.3,
        lo=0,
        hi=3,
        unit="log-sd",
        doc="Sd of the log-normal noise on the actor's estimate of relative strength (0 = truth).",
    )
    audience_cost: Array = param(
        scope="actor",
        kind="float",
        default=0.1,
        lo=0,
        hi=1,
        unit="stake units",
        doc="Cost of backing down from rung 8, scaled by rung/8.",
        literature="Fearon 1994; Weeks 2008 (larger for democracies and personalist regimes)",
    )
    opening_rung: Array = param(
        scope="model",
        kind="int",
        default=3,
        lo=1,
        hi=5,
        unit="rung",
        doc="Rung at which an incident opens a crisis.",
    )
    war_cost: Array = param(
        scope="model",
        kind="float",
        default=0.2,
        lo=0,
        hi=10,
        unit="stake units",
        doc="Cost of theatre war (rung 6) relative to a stake of 1, before interdependence.",
        prior=Prior(
            kind="loguniform",
            lo=0.05,
            hi=2.0,
            why="war costs of 5-200% of the stake (Fearon 1995 treats costs as a share of "
            "the stake; judgement)",
        ),
    )
    csf_exponent: Array = param(
        scope="model",
        kind="float",
        default=1.0,
        lo=0.1,
        hi=10,
        doc="Decisiveness gamma of the contest success function.",
        literature="0.5-2 (Hirshleifer 1989; Jia, Skaperdas & Vaidya 2013)",
    )
    escalation_probability: Array = param(
        scope="model",
        kind="float",
        default=0.5,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Chance per month of climbing a rung when no deal exists.",
        prior=Prior(
            kind="uniform",
            lo=0.05,
            hi=0.9,
            why="a rung a year to nearly a rung a month; MID escalation is rare (Senese & "
            "Vasquez 2008), judgement",
        ),
    )
    settlement_probability: Array = param(
        scope="model",
        kind="float",
        default=0.4,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Chance per month of settling when a deal exists.",
        prior=Prior(
            kind="uniform",
            lo=0.05,
            hi=0.9,
            why="median MID duration of weeks to a year (Palmer et al. 2015), judgement ",
        ),
    )
    accident_probability: Array = param(
        scope="model",
        kind="float",
        default=0.02,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Chance per month that a crisis at rung 3-4 climbs one rung by accident.",
        prior=Prior(
            kind="loguniform",
            lo=0.002,
            hi=0.2,
            why="inadvertent escalation (Posen 1991; Schelling 1960), judgement ",
        ),
    )
    initiation_rate_per_year: Array = param(
        scope="model",
        kind="float",
        default=3.0,
        lo=0,
        hi=100,
        unit="1/year",
        doc="Scale of the hazard that a challenger deliberately opens a crisis "
        "(Section 7.4 of MODEL.md).",
        prior=Prior(
            kind="loguniform",
            lo=0.3,
            hi=30.0,
            why="two decades either side of the default 3, judgement",
        ),
    )
    initiation_rate_multiplier: Array = param(
        scope="theatre",
        kind="float",
        default=1.0,
        lo=0,
        hi=100,
        doc="Multiplier of initiation_rate_per_year in this theatre: how much more (or less) "
        "often a challenger weighs opening a crisis here than the model-scope rate says.",
        source="fitted where a scenario says so (docs/calibration.md, section 2); else 1",
        literature="dispute rates differ several-fold between territorial rivalries (Hensel "
        "2001, ICOW claims; Huth 1996): prior log-uniform 0.25-4, judgement",
    )
    exercise_value: Array = param(
        scope="model",
        kind="float",
        default=0.5,
        lo=0,
        hi=10,
        unit="stake units",
        doc="Value to a challenger of a large exercise (signalling resolve), per unit of its "
        "grievance toward the holder.",
        literature="exercises as costly signals (Fearon 1997); PLA drills after visits and "
        "speeches, data/crisis_triggers.csv",
        prior=Prior(
            kind="loguniform",
            lo=0.05,
            hi=5.0,
            why="a tenth to ten times the default 0.5, judgement",
        ),
    )
    concession_scale: Array = param(
        scope="model",
        kind="float",
        default=0.1,
        lo=0.001,
        hi=10,
        unit="stake units",
        doc="Spread of the challenger's belief that the defender concedes to coercion: "
        "P = 1 / (1 + exp(E_df / scale)).",
    )
    nuclear_cost_factor: Array = param(
        scope="model",
        kind="float",
        default=0.25,
        lo=0,
        hi=100,
        doc="Extra war cost, as a multiple of the conventional cost, when the war would be "
        "fought between nuclear-armed sides (times the chance that it would be).",
        literature="nuclear shadow and the stability-instability paradox (Snyder 1965; "
        "Jervis 1989); 0 reproduces a conventional-only model",
    )
    concession_months: Array = param(
        scope="model",
        kind="int",
        default=3,
        lo=2,
        hi=24,
        unit="months",
        doc="Consecutive months in which the defender's value of resisting stays below its value "
        "of conceding before it concedes (capitulates, or accepts a seizure).",
        literature="compellence works over months, not at once (Schelling 1966; Sechser "
        "2011); blockade studies assume months to a year (Bloomberg Economics 2024): 2-6, "
        "judgement",
    )
    concession_cost: Array = param(
        scope="model",
        kind="float",
        default=1.0,
        lo=0,
        hi=5,
        unit="stake units",
        doc="What conceding costs the defender beyond the share it gives up: its value of "
        "conceding is -concession_cost against E_df for resisting (1: conceding costs the "
        "stake again, in reputation for resolve and in office).",
        literature="governments resist to deter later challengers (Walter 2009) and are "
        "punished at home for backing down (Fearon 1994; Tomz 2007); 0.5-2, judgement; 0 "
        "restores the old comparison with 0",
    )
    settlement_share: Array = param(
        scope="model",
        kind="float",
        default=0.1,
        lo=0,
        hi=1,
        doc="Share of the challenger's perceived value of climbing (E_ch, floored at 0) that a "
        "crisis settlement below war moves to it while the holder keeps the theatre.",
        literature="most militarised disputes end in stalemate; compromise or yield in about "
        "5-15% (Palmer et al. 2015, MID 4); 0-0.3, judgement",
    )
    war_negotiation_probability: Array = param(
        scope="model",
        kind="float",
        default=0.05,
        lo=0,
        hi=1,
        unit="1/month",
        doc="Chance per month that a war in which a bargain exists ends in a negotiated "
        "settlement (the midpoint of the bargaining range moves to the challenger).",
        literature="about half of interstate wars end in negotiation, median duration "
        "months to a year (Reiter 2009; Bennett & Stam 1996): 0.02-0.1 next to "
        "war.decisive_probability_per_month 0.08, judgement",
    )
    opportunity_threshold: Array = param(
        scope="model",
        kind="float",
        default=0.8,
        lo=0,
        hi=1,
        unit="probability",
        doc="Perceived chance of prevailing from which a challenger whose relative power is "
        "not falling invades deliberately (an opening window).",
        literature="initiators win about 60-70% of the wars they start, autocracies about "
        "60% and democracies over 90% (Wang & Ray 1994; Reiter & Stam 2002); power-"
        "transition wars near or past parity (Organski & Kugler 1980): 0.6-0.9, judgement",
    )
    seizable: Array = param(
        scope="theatre",
        kind="bool",
        default=False,
        doc="The theatre can be seized and held by fait accompli at rung 5 (small, lightly "
        "held territory such as islets).",
        literature="fait accompli land grabs mostly target small territories (Altman 2017)",
    )
    power_shift_horizon_years: Array = param(
        scope="model",
        kind="float",
        default=5.0,
        lo=0,
        hi=50,
        unit="years",
        doc="Horizon over which a challenger projects today's budgets into the balance of "
        "forces (the power-shift motive).",
        literature="windows of opportunity of 5-10 years (Copeland 2000; Powell 2006)",
    )
