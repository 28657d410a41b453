"""The scenario schema: every field, its type, default, range, unit and meaning.

The schema is data. The validator (`sim.scenario.validate`), the ``--set`` override
parser, ``sim show`` and the field reference in ``docs/scenarios.md`` all read it, so a
field is declared exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REQUIRED = object()
"""Marker for fields without a default."""

DERIVED = object()
"""Marker for fields whose default is computed from other fields (see the field's doc)."""

MECHANISMS = ("arms", "grievance", "greyzone", "crisis", "alliances", "war", "diplomacy", "events")

EVENT_KINDS = (
    "talks",
    "hotline",
    "policy",
    "incident",
    "rules_of_engagement",
    "drill",
    "visit",
    "blockade",
    "landing",
    "invasion",
    "alliance",
)

ACTIVITY_UNITS = ("count", "days")


@dataclass(frozen=True)
class Field:
    """One scenario field.

    Attributes
    ----------
    kind : str
        ``float``, ``int``, ``bool``, ``str``, ``month`` (``"YYYY-MM"``), ``actor`` (an actor
        code of the scenario), ``actors`` (list of codes), ``theatre``, ``theatres`` (list),
        ``actor_map`` (table from actor code to float), ``enum``, ``mechanisms``.
    default : Any
        Default value, `REQUIRED` or `DERIVED`.
    lo, hi : float or None
        Inclusive bounds for numbers (``hi`` also bounds the values of an ``actor_map``).
    unit : str
        Unit of the value, empty if dimensionless.
    doc : str
        One-sentence meaning, shown in ``docs/scenarios.md``.
    choices : tuple
        Allowed values of an ``enum``.
    """

    kind: str
    default: Any = REQUIRED
    lo: float | None = None
    hi: float | None = None
    unit: str = ""
    doc: str = ""
    choices: tuple = ()


F = Field

META_FIELDS: dict[str, Field] = {
    "name": F("str", doc="Short machine name, used in result folder names ([a-z0-9_-])."),
    "title": F("str", "", doc="Human title shown in summaries, plots and reports."),
    "description": F("str", "", doc="What the scenario describes and the question it answers."),
    "question": F("str", "", doc="The analytical question in one sentence."),
    "start": F("month", doc="First simulated month, YYYY-MM."),
    "months": F("int", lo=1, hi=1200, unit="months", doc="Number of simulated months."),
    "extends": F(
        "str", "", doc="Scenario file this one inherits from (path relative to this file)."
    ),
    "seed": F("int", 20230222, lo=0, hi=2**63 - 1, doc="Default master seed of `sim run`."),
}

MODEL_FIELDS: dict[str, Field] = {
    "mechanisms": F("mechanisms", list(MECHANISMS), doc="Mechanisms switched on."),
    # grievance
    "grievance.decay_per_year": F(
        "float", 0.3, 0, 12, "1/year", "Rate at which grievance relaxes toward its baseline."
    ),
    "grievance.crisis_gain_per_month": F(
        "float",
        0.03,
        0,
        1,
        "1/month",
        "Grievance added between crisis parties per month, times rung/8, times (1 - G).",
    ),
    "grievance.war_gain_per_month": F(
        "float", 0.05, 0, 1, "1/month", "Grievance added between war parties per month of war."
    ),
    # crisis
    "crisis.opening_rung": F("int", 3, 1, 5, "rung", "Rung at which an incident opens a crisis."),
    "crisis.war_cost": F(
        "float",
        0.2,
        0,
        10,
        "stake units",
        "Cost of theatre war (rung 6) relative to a stake of 1, before interdependence.",
    ),
    "crisis.csf_exponent": F(
        "float", 1.0, 0.1, 10, "", "Decisiveness gamma of the contest success function."
    ),
    "crisis.escalation_probability": F(
        "float", 0.5, 0, 1, "1/month", "Chance per month of climbing a rung when no deal exists."
    ),
    "crisis.settlement_probability": F(
        "float", 0.4, 0, 1, "1/month", "Chance per month of settling when a deal exists."
    ),
    "crisis.accident_probability": F(
        "float",
        0.02,
        0,
        1,
        "1/month",
        "Chance per month that a crisis at rung 3-4 climbs one rung by accident.",
    ),
    "crisis.initiation_rate_per_year": F(
        "float",
        0.3,
        0,
        100,
        "1/year",
        "Scale of the hazard that a challenger deliberately opens a crisis (Section 7.4 of MODEL.md).",
    ),
    # alliances
    "alliances.no_basing_factor": F(
        "float",
        0.5,
        0,
        1,
        "",
        "Share of a patron's regional force that reaches a theatre without basing.",
    ),
    "alliances.join_sensitivity": F(
        "float", 4.0, 0, 100, "", "Slope of the patron's join probability in stake minus cost."
    ),
    # war
    "war.decisive_probability_per_month": F(
        "float", 0.08, 0, 1, "1/month", "Chance per month of war that the fighting is decided."
    ),
    "war.attrition_per_month": F(
        "float",
        0.03,
        0,
        1,
        "1/month",
        "Capability lost per month of war, times the enemy's force share.",
    ),
    "war.gdp_loss_per_month": F(
        "float", 0.01, 0, 1, "1/month", "Share of GDP each war party loses per month of war."
    ),
    "war.learning_per_month": F(
        "float", 0.1, 0, 1, "1/month", "Share of misperception that fighting removes each month."
    ),
    "war.mobilisation_share_gdp": F(
        "float", 0.06, 0, 1, "share of GDP", "Spending that war parties mobilise toward (capped)."
    ),
    "war.nuclear_threshold": F(
        "float",
        0.15,
        0,
        1,
        "probability",
        "A nuclear power whose chance of prevailing falls below this faces decisive defeat.",
    ),
    "war.nuclear_use_probability_per_month": F(
        "float", 0.01, 0, 1, "1/month", "Chance per month that such a power crosses rung 8."
    ),
    "war.nuclear_gdp_loss": F(
        "float", 0.1, 0, 1, "share of GDP", "GDP lost by both sides at nuclear use."
    ),
    # diplomacy
    "diplomacy.talks_per_year": F(
        "float", 1.0, 0, 52, "1/year", "Rounds per year of an open dialogue channel."
    ),
    "diplomacy.talks_grievance_relief": F(
        "float", 0.05, 0, 1, "", "Share of grievance removed by one round of talks."
    ),
    "diplomacy.talks_misperception_relief": F(
        "float", 0.1, 0, 1, "", "Share of misperception removed by one round of talks."
    ),
    "diplomacy.misperception_recovery_per_year": F(
        "float", 0.2, 0, 12, "1/year", "Rate at which misperception returns to its baseline."
    ),
    "diplomacy.hotline_incident_relief": F(
        "float", 0.3, 0, 1, "", "Share of incident probability a hotline removes."
    ),
    "diplomacy.hotline_accident_relief": F(
        "float", 0.5, 0, 1, "", "Share of accidental escalation a hotline removes."
    ),
}

ACTOR_FIELDS: dict[str, Field] = {
    "name": F("str", doc="Full name."),
    "gdp_usd_bn": F(
        "float", lo=0, hi=1e6, unit="USD bn/year", doc="GDP at the start, current USD."
    ),
    "milex_usd_bn": F(
        "float", lo=0, hi=1e6, unit="USD bn/year", doc="Military expenditure at the start."
    ),
    "gdp_growth_per_year": F("float", 0.02, -0.5, 0.5, "1/year", "Nominal GDP growth."),
    "capability_usd_bn": F(
        "float",
        DERIVED,
        0,
        1e9,
        "USD bn",
        "Military capital stock at the start; default the steady state of the monthly "
        "update, (milex/12) / (1 - (1 - depreciation)^(1/12)), about milex / depreciation.",
    ),
    "capability_depreciation_per_year": F(
        "float", 0.1, 0.001, 1, "1/year", "Depreciation of the capital stock (perpetual inventory)."
    ),
    "forces_in_region_share": F(
        "float", 1.0, 0, 1, "", "Share of capability that can fight in the scenario's theatres."
    ),
    "misperception": F(
        "float",
        0.3,
        0,
        3,
        "log-sd",
        "Sd of the log-normal noise on the actor's estimate of relative strength (0 = truth).",
    ),
    "audience_cost": F(
        "float", 0.1, 0, 1, "stake units", "Cost of backing down from rung 8, scaled by rung/8."
    ),
    "nuclear": F("bool", False, doc="Whether the actor has nuclear weapons."),
    "arms.fatigue": F("float", 0.1, 0, 10, "1/year", "Richardson fatigue a_i."),
    "arms.grievance": F(
        "float",
        DERIVED,
        -1e6,
        1e6,
        "USD bn/year",
        "Richardson grievance g_i; default makes the starting budgets an equilibrium.",
    ),
    "arms.reaction": F(
        "actor_map", {}, 0, 10, "1/year", "Richardson reaction k_ij to each rival's spending."
    ),
    "arms.max_share_gdp": F("float", 0.1, 0, 1, "share of GDP", "Ceiling on spending."),
    "arms.grievance_sensitivity": F(
        "float",
        0.05,
        0,
        10,
        "1/year",
        "Extra spending per unit of grievance above its start, as a share of starting spending.",
    ),
}

ALLIANCE_FIELDS: dict[str, Field] = {
    "patron": F("actor", doc="The protecting actor."),
    "client": F("actor", doc="The protected actor."),
    "commitment": F(
        "float", 0.5, 0, 1, "", "Credibility of the commitment to fight for the client."
    ),
    "covers": F(
        "theatres", DERIVED, doc="Theatres covered; default every theatre the client claims."
    ),
    "basing": F("bool", False, doc="Whether the patron may fight from the client's territory."),
    "id": F("str", DERIVED, doc="PATRON-CLIENT; used in --set paths."),
    "remove": F("bool", False, doc="In a scenario that extends another: drop this inherited item."),
}

GRIEVANCE_FIELDS: dict[str, Field] = {
    "from": F("actor", doc="Aggrieved actor."),
    "to": F("actor", doc="Actor the grievance is directed at."),
    "level": F("float", lo=0, hi=1, doc="Grievance at the start, 0-1."),
    "baseline": F("float", DERIVED, 0, 1, "", "Level grievance relaxes toward; default level."),
    "id": F("str", DERIVED, doc="FROM-TO; used in --set paths."),
    "remove": F("bool", False, doc="In a scenario that extends another: drop this inherited item."),
}

THEATRE_FIELDS: dict[str, Field] = {
    "claimants": F("actors", doc="Actors that claim the theatre (at least two)."),
    "holder": F("actor", doc="Claimant that holds (administers) it at the start."),
    "stake": F(
        "actor_map",
        DERIVED,
        0,
        1,
        "",
        "Salience of the theatre to each actor, 0-1; default 0.5 for claimants, 0.3 for patrons.",
    ),
    "interdependence": F(
        "float", 0.3, 0, 1, "", "Economic interdependence of the parties; raises costs of conflict."
    ),
    "defender_advantage": F(
        "float",
        1.0,
        0.01,
        100,
        "",
        "Force multiplier of the holder's side (terrain, sea crossing).",
    ),
    "baseline_rung": F("int", 1, 0, 2, "rung", "Rung of the theatre when nothing happens."),
}

ACTIVITY_FIELDS: dict[str, Field] = {
    "by": F("actor", doc="Actor that performs the activity."),
    "against": F(
        "actor", DERIVED, doc="Target; default the holder, or the first other claimant if by is it."
    ),
    "unit": F(
        "enum",
        "count",
        doc="count (events per year) or days (days per year with activity).",
        choices=ACTIVITY_UNITS,
    ),
    "rate_per_year": F("float", 0.0, 0, 1e6, "per year", "Rate at the start (days: at most 365)."),
    "responds_to": F("str", "", doc="Activity of the same theatre this one answers (scrambles)."),
    "ratio": F("float", 1.0, 0, 1000, "", "Responses per unit of the answered activity."),
    "grievance_elasticity": F(
        "float", 1.0, 0, 100, "", "Log-rate change per unit of grievance above the start."
    ),
    "capability_elasticity": F(
        "float", 0.5, 0, 10, "", "Elasticity of the rate to relative capability by/against."
    ),
    "rung_elasticity": F("float", 0.3, 0, 10, "1/rung", "Log-rate change per rung above baseline."),
    "incident_probability": F(
        "float", 0.0, 0, 1, "", "Chance that one unit of activity becomes a serious incident."
    ),
    "grievance_per_unit": F(
        "float", 0.0005, 0, 1, "", "Grievance of the target toward the actor per unit of activity."
    ),
}

EVENT_COMMON_FIELDS: dict[str, Field] = {
    "at": F("month", doc="Month of the event, YYYY-MM."),
    "kind": F("enum", doc="What happens.", choices=EVENT_KINDS),
    "id": F("str", DERIVED, doc="Unique id; default kind-at-actors. Used in --set paths."),
    "remove": F(
        "bool", False, doc="In a scenario that extends another: drop this inherited event."
    ),
    "repeat_every_months": F("int", 0, 0, 1200, "months", "Repeat the event (0 = once)."),
    "until": F("month", "", doc="Last month a repeated event may fall in; default the horizon."),
    "description": F("str", "", doc="What the event stands for."),
}

EVENT_KIND_FIELDS: dict[str, dict[str, Field]] = {
    "talks": {"parties": F("actors", doc="The two actors that meet; opens a dialogue channel.")},
    "hotline": {"parties": F("actors", doc="The two actors that set up a crisis hotline.")},
    "policy": {
        "actor": F("actor", doc="Actor whose spending policy changes."),
        "target_share_gdp": F(
            "float", None, 0, 1, "share of GDP", "Spending target at `reach_by`."
        ),
        "target_milex_usd_bn": F(
            "float", None, 0, 1e6, "USD bn/year", "Spending target at `reach_by`."
        ),
        "growth_per_year": F("float", None, -0.9, 2, "1/year", "Spending growth until `reach_by`."),
        "reach_by": F("month", doc="Month the target is reached; Richardson dynamics resume then."),
    },
    "incident": {
        "theatre": F("theatre", doc="Theatre of the incident."),
        "by": F("actor", doc="Actor whose act caused it (the challenger if it is not the holder)."),
        "against": F("actor", DERIVED, doc="Other party; default the holder or other claimant."),
        "rung": F(
            "int", DERIVED, 1, 5, "rung", "Rung the crisis opens at; default crisis.opening_rung."
        ),
    },
    "rules_of_engagement": {
        "theatre": F("theatre", doc="Theatre of the activity."),
        "activity": F("str", doc="Grey-zone activity whose encounters change."),
        "incident_probability": F(
            "float", lo=0, hi=1, doc="New chance that one unit of the activity becomes an incident."
        ),
    },
    "drill": {
        "theatre": F("theatre", doc="Theatre near which the drill takes place."),
        "parties": F("actors", doc="Actors drilling (together)."),
        "grievance_increase": F("float", 0.05, 0, 1, "", "Grievance of the other claimants."),
        "crisis_probability": F("float", 0.05, 0, 1, "", "Chance the drill opens a crisis."),
    },
    "visit": {
        "theatre": F("theatre", doc="Theatre the visit concerns."),
        "by": F("actor", doc="Visiting actor."),
        "to": F("actor", doc="Host actor."),
        "grievance_increase": F("float", 0.1, 0, 1, "", "Grievance of the other claimants."),
        "crisis_probability": F("float", 0.3, 0, 1, "", "Chance the visit opens a crisis."),
    },
    "blockade": {
        "theatre": F("theatre", doc="Blockaded theatre."),
        "by": F("actor", doc="Blockading actor; opens a crisis at rung 4."),
    },
    "landing": {
        "theatre": F("theatre", doc="Theatre where personnel land."),
        "by": F("actor", doc="Landing actor; opens a crisis at rung 4 (seizure)."),
    },
    "invasion": {
        "theatre": F("theatre", doc="Invaded theatre."),
        "by": F("actor", doc="Invading actor; the theatre goes to rung 6 (war)."),
    },
    "alliance": {
        "patron": F("actor", doc="Patron of an existing alliance."),
        "client": F("actor", doc="Client of that alliance."),
        "commitment": F("float", None, 0, 1, "", "New commitment (unchanged if absent)."),
        "basing": F("bool", None, doc="New basing access (unchanged if absent)."),
    },
}

PROVENANCE_KEYS = ("source", "sources", "notes")
"""Keys allowed in every table: a citation, per-field citations, free notes."""

TOP_LEVEL = ("meta", "model", "actors", "alliances", "grievances", "theatres", "events", "sweep")

RUNG_NAMES = (
    "stable competition",
    "diplomatic protest",
    "grey-zone pressure",
    "military signalling",
    "coercion",
    "limited armed clash",
    "theatre war",
    "regional war",
    "nuclear use",
)
"""Kahn's ladder compressed to nine rungs (DESIGN.md contract)."""
