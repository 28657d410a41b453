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
class GreyzoneParams(ParamBlock, prefix="greyzone."):
    """Per activity: starting rate, level, shocks and responses; per actor: its shared budget."""

    rate_per_year: Array = param(
        scope="activity",
        kind="float",
        default=0.0,
        lo=0,
        hi=1e6,
        unit="per year",
        doc="Rate at the start (days: at most 365).",
        source="scenario",
    )
    ratio: Array = param(
        scope="activity",
        kind="float",
        default=1.0,
        lo=0,
        hi=1000,
        doc="Responses per unit of the answered activity.",
        source="scenario",
    )
    grievance_elasticity: Array = param(
        scope="activity",
        kind="float",
        default=1.0,
        lo=0,
        hi=100,
        doc="Log-rate change per unit of grievance above the start.",
    )
    capability_elasticity: Array = param(
        scope="activity",
        kind="float",
        default=0.0,
        lo=0,
        hi=10,
        doc="Elasticity of the rate to relative capability by/against (a deviation; for "
        "activities on a shared budget it moves the share).",
        literature="0 by default: the random-walk level and its drift carry the trend; the "
        "hindcast fits (scripts/calibrate_hindcast.py) set 0.2-2.5",
    )
    rung_elasticity: Array = param(
        scope="activity",
        kind="float",
        default=0.3,
        lo=0,
        hi=10,
        unit="1/rung",
        doc="Log-rate change per rung above baseline.",
    )
    incident_probability: Array = param(
        scope="activity",
        kind="float",
        default=0.0,
        lo=0,
        hi=1,
        doc="Chance that one unit of activity becomes a serious incident.",
    )
    grievance_per_unit: Array = param(
        scope="activity",
        kind="float",
        default=0.0005,
        lo=0,
        hi=1,
        doc="Grievance of the target toward the actor per unit of activity.",
    )
    persistence_per_year: Array = param(
        scope="activity",
        kind="float",
        default=0.66,
        lo=0,
        hi=1,
        unit="per year",
        doc="AR(1) coefficient over a year of the transient deviation around the level "
        "(monthly: its 12th root).",
        source=f"estimate: pooled within-series AR(1) of log annual counts, {SERIES} "
        "(19 transitions): 0.66",
    )
    volatility_per_year: Array = param(
        scope="activity",
        kind="float",
        default=0.22,
        lo=0,
        hi=5,
        unit="log units/year",
        doc="Annual innovation s.d. of the transient AR(1) deviation around the level.",
        source=f"estimate: residual standard deviation of the same pooled AR(1), {SERIES} "
        "(15 degrees of freedom): 0.22",
    )
    level_volatility_per_year: Array = param(
        scope="activity",
        kind="float",
        default=0.21,
        lo=0,
        hi=5,
        unit="log units/year",
        doc="Annual shock s.d. of the random-walk level (days: of its logit; shared budget: of "
        "the share logit).",
        source=f"estimate: pooled variance of demeaned annual log changes, {SERIES} (19 "
        "changes, 16 d.o.f.): 0.103, less the part the AR(1) deviation at its defaults "
        "explains, 2 x 0.22^2 / 1.66 = 0.058: sqrt(0.045) = 0.21",
    )
    drift_per_year: Array = param(
        scope="activity",
        kind="float",
        default=0.0,
        lo=-5,
        hi=5,
        unit="log units/year",
        doc="Drift of the random-walk level (0.1 = about +10% a year; days: logit units).",
        literature="mean log changes -0.08/yr (Senkaku contiguous-zone days 2013-18) to "
        "+0.31/yr (scrambles vs China FY2009-18): the sign depends on the period",
    )
    drift_persistence_per_year: Array = param(
        scope="activity",
        kind="float",
        default=0.8,
        lo=0,
        hi=1,
        unit="per year",
        doc="Share of the level's drift kept after a year (a damped trend: monthly the drift is "
        "multiplied by this to the 1/12; 1: a drift that never fades).",
        literature="damped-trend forecasting (Gardner & McKenzie 1985, Management Science "
        "31:10): damping parameters 0.8-0.98 (the range Hyndman et al. 2008 allow; damped "
        "trends among the most accurate on the annual series of the M3 competition, "
        "Makridakis & Hibon 2000); 0.8, the strongest damping, judgement: the grey-zone "
        "series' surges (scrambles 2009-16, ADIZ 2020-22) stopped within years",
    )
    crisis_spike: Array = param(
        scope="activity",
        kind="float",
        default=0.5,
        lo=-5,
        hi=5,
        unit="log units",
        doc="Log-intensity spike in the month a crisis opens in the theatre (that month only).",
        literature="PLA aircraft around Taiwan in August 2022 several times a normal month, "
        "Chinese ships around the Senkakus in September 2012 (recalled, not in data/): "
        "0.5-1.5 per named crisis; where a scenario's crises are more frequent than named "
        "crises, scale it by their ratio (the shipped scenarios do: docs/MODEL.md 7.3)",
    )
    crisis_ratchet: Array = param(
        scope="activity",
        kind="float",
        default=0.2,
        lo=0,
        hi=1,
        unit="share",
        doc="Share of the crisis spike that stays in the level (a persistent step).",
        literature="activity stepped up after crises and stayed higher (Senkaku presence "
        "after the 2012 nationalisation, PLA air activity around Taiwan after August 2022), "
        "but data/ cannot separate the step from the trend: 0-0.5 per named crisis; "
        "scaled by the ratio of named to model crises as crisis_spike",
    )
    shared_budget: Array = param(
        scope="activity",
        kind="bool",
        default=False,
        doc="Count activity drawn from its actor's one grey-zone budget, split by moving shares "
        "(the PLA's air activity over Taiwan's ADIZ and towards Japan).",
        source="scenario",
    )
    ratio_volatility_per_year: Array = param(
        scope="activity",
        kind="float",
        default=0.05,
        lo=0,
        hi=5,
        unit="log units/year",
        doc="Response only: annual shock s.d. of the log of the responses per unit.",
        literature="scrambles per approach are a policy of the responding air force, "
        "changed slowly (no series of approaches in data/ to estimate it): 0-0.1",
    )
    ratio_min: Array = param(
        scope="activity",
        kind="float",
        default=0.0,
        lo=0,
        hi=1000,
        doc="Response only: lowest responses per unit the ratio's random walk may reach.",
        source="scenario",
    )
    ratio_max: Array = param(
        scope="activity",
        kind="float",
        default=1000.0,
        lo=0,
        hi=1000,
        doc="Response only: highest responses per unit the ratio's random walk may reach.",
        source="scenario",
    )
    budget_drift_per_year: Array = param(
        scope="actor",
        kind="float",
        default=0.0,
        lo=-5,
        hi=5,
        unit="log units/year",
        doc="Drift of the log of the actor's shared grey-zone budget.",
        literature="the sign depends on the period: scrambles vs China +0.31/yr FY2009-18, "
        "+0.09/yr FY2013-18",
    )
    budget_drift_persistence_per_year: Array = param(
        scope="actor",
        kind="float",
        default=0.8,
        lo=0,
        hi=1,
        unit="per year",
        doc="Share of the budget's drift kept after a year (as drift_persistence_per_year).",
        literature="as drift_persistence_per_year: 0.8-0.98 (judgement 0.8)",
    )
    budget_volatility_per_year: Array = param(
        scope="actor",
        kind="float",
        default=0.21,
        lo=0,
        hi=5,
        unit="log units/year",
        doc="Annual shock s.d. of the log of the actor's shared budget.",
        source="estimate: as level_volatility_per_year (no series of the total)",
    )
