"""The grey-zone mechanism's parameters (`GreyzoneParams`), with their sources.

Moved whole out of `sim.engine.mechanisms.greyzone` (whose docstring has the equations and
whose `MECHANISM` declares them), so that module stays under 600 lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.declare import Array, ParamBlock, param

SERIES = (
    "data/senkaku_ccg_annual_2008_2018.csv cz_days and ts_intrusion_days 2013-2018, "
    "data/jasdf_scrambles_fy2004_2018.csv vs_china FY2009-FY2018"
)
"""The annual grey-zone series the latent process is estimated from (docs/MODEL.md 7.3)."""


@dataclass(frozen=True)
class GreyzoneParams(ParamBlock):
    """Per activity: starting rate, level, shocks and responses; per actor: its shared budget."""

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
        "capability_elasticity", "activity", "float", 0.0, 0, 10, "",
        "Elasticity of the rate to relative capability by/against (a deviation; for "
        "activities on a shared budget it moves the share).",
        literature="0 by default: the random-walk level and its drift carry the trend; the "
        "hindcast fits (scripts/calibrate_hindcast.py) set 0.2-2.5",
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
        "AR(1) coefficient over a year of the transient deviation around the level "
        "(monthly: its 12th root).",
        source=f"estimate: pooled within-series AR(1) of log annual counts, {SERIES} "
        "(19 transitions): 0.66",
    )  # fmt: skip
    volatility_per_year: Array = param(
        "volatility_per_year", "activity", "float", 0.22, 0, 5, "log units/year",
        "Annual innovation s.d. of the transient AR(1) deviation around the level.",
        source=f"estimate: residual standard deviation of the same pooled AR(1), {SERIES} "
        "(15 degrees of freedom): 0.22",
    )  # fmt: skip
    level_volatility_per_year: Array = param(
        "level_volatility_per_year", "activity", "float", 0.21, 0, 5, "log units/year",
        "Annual shock s.d. of the random-walk level (days: of its logit; shared budget: of "
        "the share logit).",
        source=f"estimate: pooled variance of demeaned annual log changes, {SERIES} (19 "
        "changes, 16 d.o.f.): 0.103, less the part the AR(1) deviation at its defaults "
        "explains, 2 x 0.22^2 / 1.66 = 0.058: sqrt(0.045) = 0.21",
    )  # fmt: skip
    drift_per_year: Array = param(
        "drift_per_year", "activity", "float", 0.0, -5, 5, "log units/year",
        "Drift of the random-walk level (0.1 = about +10% a year; days: logit units).",
        literature="mean log changes -0.08/yr (Senkaku contiguous-zone days 2013-18) to "
        "+0.31/yr (scrambles vs China FY2009-18): the sign depends on the period",
    )  # fmt: skip
    drift_persistence_per_year: Array = param(
        "drift_persistence_per_year", "activity", "float", 0.8, 0, 1, "per year",
        "Share of the level's drift kept after a year (a damped trend: monthly the drift is "
        "multiplied by this to the 1/12; 1: a drift that never fades).",
        literature="damped-trend forecasting (Gardner & McKenzie 1985, Management Science "
        "31:10): damping parameters 0.8-0.98 (the range Hyndman et al. 2008 allow; damped "
        "trends among the most accurate on the annual series of the M3 competition, "
        "Makridakis & Hibon 2000); 0.8, the strongest damping, judgement: the grey-zone "
        "series' surges (scrambles 2009-16, ADIZ 2020-22) stopped within years",
    )  # fmt: skip
    crisis_spike: Array = param(
        "crisis_spike", "activity", "float", 0.5, -5, 5, "log units",
        "Log-intensity spike in the month a crisis opens in the theatre (that month only).",
        literature="PLA aircraft around Taiwan in August 2022 several times a normal month, "
        "Chinese ships around the Senkakus in September 2012 (recalled, not in data/): "
        "0.5-1.5",
    )  # fmt: skip
    crisis_ratchet: Array = param(
        "crisis_ratchet", "activity", "float", 0.2, 0, 1, "share",
        "Share of the crisis spike that stays in the level (a persistent step).",
        literature="activity stepped up after crises and stayed higher (Senkaku presence "
        "after the 2012 nationalisation, PLA air activity around Taiwan after August 2022), "
        "but data/ cannot separate the step from the trend: 0-0.5",
    )  # fmt: skip
    shared_budget: Array = param(
        "shared_budget", "activity", "bool", False, None, None, "",
        "Count activity drawn from its actor's one grey-zone budget, split by moving shares "
        "(the PLA's air activity over Taiwan's ADIZ and towards Japan).",
        source="scenario",
    )  # fmt: skip
    ratio_volatility_per_year: Array = param(
        "ratio_volatility_per_year", "activity", "float", 0.05, 0, 5, "log units/year",
        "Response only: annual shock s.d. of the log of the responses per unit.",
        literature="scrambles per approach are a policy of the responding air force, "
        "changed slowly (no series of approaches in data/ to estimate it): 0-0.1",
    )  # fmt: skip
    ratio_min: Array = param(
        "ratio_min", "activity", "float", 0.0, 0, 1000, "",
        "Response only: lowest responses per unit the ratio's random walk may reach.",
        source="scenario",
    )  # fmt: skip
    ratio_max: Array = param(
        "ratio_max", "activity", "float", 1000.0, 0, 1000, "",
        "Response only: highest responses per unit the ratio's random walk may reach.",
        source="scenario",
    )  # fmt: skip
    budget_drift_per_year: Array = param(
        "greyzone.budget_drift_per_year", "actor", "float", 0.0, -5, 5, "log units/year",
        "Drift of the log of the actor's shared grey-zone budget.",
        literature="the sign depends on the period: scrambles vs China +0.31/yr FY2009-18, "
        "+0.09/yr FY2013-18",
    )  # fmt: skip
    budget_drift_persistence_per_year: Array = param(
        "greyzone.budget_drift_persistence_per_year", "actor", "float", 0.8, 0, 1, "per year",
        "Share of the budget's drift kept after a year (as drift_persistence_per_year).",
        literature="as drift_persistence_per_year: 0.8-0.98 (judgement 0.8)",
    )  # fmt: skip
    budget_volatility_per_year: Array = param(
        "greyzone.budget_volatility_per_year", "actor", "float", 0.21, 0, 5,
        "log units/year", "Annual shock s.d. of the log of the actor's shared budget.",
        source="estimate: as level_volatility_per_year (no series of the total)",
    )  # fmt: skip
