"""Arms and economy: stochastic GDP and exchange rates; burden or Richardson spending.

Per actor i, stepped monthly (dt = 1/12 year), with standard normal shocks z, u, e:

    ln fx_i  <- ln fx_i + sfx_i sqrt(dt) u_i                  (local currency per USD, fx(0) = 1)
    Y_i      <- Y_i (1 + g_i)^dt exp(sY_i sqrt(dt) z_i) fx_old / fx_new        (GDP, USD)

Spending is decided in local currency, M_i = m_i fx_i (in units of the starting rate), and
reported in USD, m_i = M_i / fx_i. Two configurations (``arms.dynamics`` per actor):

* ``richardson`` (Richardson 1960), in local currency:

      M_i <- M_i + dt (fx_i sum_j k_ij m_j - a_i M_i + g_i(t)),
      g_i(t) = g_i + s_i m_i(0) sum_j (G_ij(t) - G_ij(0))      (only with `grievance` on)

* ``burden`` (defence burden b_i = m_i / Y_i, partial adjustment with action-reaction on
  relative spending; cf. Dunne & Smith 2007; Dunne, Perlo-Freeman & Smith 2008):

      ln b_i <- ln b_i + dt (-phi_i (ln b_i - ln b*_i)
                             + sum_j r_ij (ln(m_j / m_i) - ln(m_j(0) / m_i(0)))
                             + s_i sum_j (G_ij(t) - G_ij(0)))
                       + sb_i sqrt(dt) e_i
      m_i    <- b_i Y_i                                             (with the new GDP)

While a spending policy is active (events ``policy`` and ``budget``: a share of GDP, a
level or a growth rate by a date) local spending follows the geometric path from its level
at adoption to the target; afterwards the dynamics resume from there, and under burden
dynamics the burden reached becomes the new anchor b*_i (an official decision sets the new
normal). At war, spending rises toward ``war.mobilisation_share_gdp`` of GDP with a time
constant of `MOBILISATION_MONTHS`. Spending is kept in [0, max_share_gdp * GDP].
Capability is a perpetual-inventory stock in USD: C <- C (1 - delta)^(1/12) + m / 12.

With only `arms` on, Richardson dynamics, no shocks (``gdp_volatility`` = ``fx_volatility``
= 0), no policies and ceilings not binding, the update is the Euler step of Richardson's
linear system, whose fixed point is m* = (A - K)^-1 g.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine import event_checks as rules
from sim.engine import streams
from sim.engine.arrays import once, sum_last
from sim.engine.context import Month
from sim.engine.declare import (
    DERIVED,
    REQUIRED,
    Array,
    DeriveContext,
    EventKind,
    Mechanism,
    ParamBlock,
    param,
    world,
)
from sim.engine.declare import Field as F
from sim.engine.mechanisms.war import war_parties

if TYPE_CHECKING:
    from sim.engine.params import EventSpec, Index

DT = 1.0 / 12.0
"""One month in years (the coefficients are per year)."""

MOBILISATION_MONTHS = 6.0
"""Time constant of wartime mobilisation: a sixth of the gap to the goal closes each month
(judgement: major mobilisations reach most of their level within a year)."""

POLICY_TARGETS = ("target_share_gdp", "target_milex_usd_bn", "growth_per_year")
"""The ways a policy event states its target (exactly one per event)."""

DYNAMICS = ("richardson", "burden")
"""Spending configurations (``actors.<code>.arms.dynamics``)."""

BUDGET_TARGETS = ("growth", "milex_usd_bn")
"""The ways a budget event states the new budget (exactly one per event)."""

FLOOR = 1e-9
"""Floor of spending and GDP inside logarithms and ratios."""

PANEL = "data/milex_gdp_panel_2000_2024.csv"


def richardson_equilibrium(actor: dict, context: DeriveContext) -> float:
    """Return the grievance g_i that makes every actor's starting spending an equilibrium."""
    arms = actor["arms"]
    return arms["fatigue"] * actor["milex_usd_bn"] - sum(
        k * context.actors[other]["milex_usd_bn"] for other, k in arms["reaction"].items()
    )


def burden_switch(actor: dict, context: DeriveContext) -> bool:
    """Return True when the actor's ``arms.dynamics`` is ``burden``."""
    return bool(actor["arms"]["dynamics"] == "burden")


def starting_burden(actor: dict, context: DeriveContext) -> float:
    """Return the starting burden, milex / GDP (0 without GDP)."""
    gdp = actor["gdp_usd_bn"]
    return float(actor["milex_usd_bn"] / gdp) if gdp > 0 else 0.0


@dataclass(frozen=True)
class ArmsParams(ParamBlock, prefix="arms."):
    """Spending dynamics (Richardson or burden), the spending ceiling and economic shocks."""

    fatigue: Array = param(
        scope="actor",
        kind="float",
        default=0.1,
        lo=0,
        hi=10,
        unit="1/year",
        doc="Richardson fatigue a_i.",
        literature="0.05-0.5 per year in fitted Richardson models (Ward 1984; Dunne & Smith 2007)",
    )
    grievance: Array = param(
        scope="actor",
        kind="float",
        default=DERIVED,
        derive=richardson_equilibrium,
        lo=-1e6,
        hi=1e6,
        unit="USD bn/year",
        doc="Richardson grievance g_i; default makes the starting budgets an equilibrium.",
        source="derived",
    )
    reaction: Array = param(
        scope="actor",
        kind="actor_map",
        default={},
        lo=0,
        hi=10,
        unit="1/year",
        doc="Richardson reaction k_ij to each rival's spending.",
        literature="0-0.3 per year in fitted dyadic models (Dunne & Smith 2007)",
    )
    max_share_gdp: Array = param(
        scope="actor",
        kind="float",
        default=0.1,
        lo=0,
        hi=1,
        unit="share of GDP",
        doc="Ceiling on spending.",
        literature="peacetime burdens above 10% of GDP are rare (SIPRI 1990-2024)",
    )
    grievance_sensitivity: Array = param(
        scope="actor",
        kind="float",
        default=0.05,
        lo=0,
        hi=10,
        unit="1/year",
        doc="Extra spending per unit of grievance above its start, as a share of starting spending "
        "(Richardson) or as log-burden drift (burden).",
    )
    burden: Array = param(
        scope="actor",
        kind="bool",
        default=DERIVED,
        derive=burden_switch,
        doc="Burden dynamics in use; default from arms.dynamics (set that instead).",
        source="derived",
    )
    burden_target: Array = param(
        scope="actor",
        kind="float",
        default=DERIVED,
        derive=starting_burden,
        lo=0,
        hi=1,
        unit="share of GDP",
        doc="Burden b* that burden dynamics revert to; default the starting burden milex/GDP.",
        source="derived",
    )
    burden_adjustment: Array = param(
        scope="actor",
        kind="float",
        default=0.19,
        lo=0,
        hi=12,
        unit="1/year",
        doc="Speed phi_i at which the log burden reverts to its target.",
        source=f"estimate: {PANEL}, ln(milex_share_gdp_pct) of AUS CHN IND JPN KOR PHL RUS TWN "
        "USA VNM 2000-2024 (231 annual changes), pooled within-country AR(1) coefficient 0.828, "
        "phi = -ln 0.828 = 0.19/yr",
        literature="partial-adjustment coefficients 0.7-0.9 on the lagged burden (Dunne, "
        "Perlo-Freeman & Smith 2008)",
    )
    burden_reaction: Array = param(
        scope="actor",
        kind="actor_map",
        default={},
        lo=0,
        hi=10,
        unit="1/year",
        doc="Log-burden drift per unit of log spending of each rival relative to the actor's own, "
        "above its starting ratio (action-reaction on burdens).",
        literature="long-run elasticities of spending to rivals' spending 0-0.3, often "
        "insignificant (Dunne & Smith 2007; Dunne, Perlo-Freeman & Smith 2008)",
    )
    burden_volatility: Array = param(
        scope="actor",
        kind="float",
        default=0.068,
        lo=0,
        hi=2,
        unit="1/sqrt(year)",
        doc="Standard deviation of the annual log-burden shock.",
        source=f"estimate: {PANEL}, residual standard deviation of the pooled AR(1) of "
        "ln(milex_share_gdp_pct), 10 countries 2000-2024 (see burden_adjustment): 0.068",
    )
    gdp_volatility: Array = param(
        scope="actor",
        kind="float",
        default=0.038,
        lo=0,
        hi=2,
        unit="1/sqrt(year)",
        doc="Standard deviation of annual log GDP growth in local currency (monthly shocks).",
        source=f"estimate: {PANEL}, GDP in local currency = milex_local_currency_cy / "
        "milex_share_gdp_pct; std of annual log growth 2000-2024, median of AUS CHN IND JPN KOR "
        "PHL RUS TWN USA VNM = 0.038 (range 0.023 KOR - 0.095 VNM)",
    )
    fx_volatility: Array = param(
        scope="actor",
        kind="float",
        default=0.0,
        lo=0,
        hi=2,
        unit="1/sqrt(year)",
        doc="Standard deviation of the annual log change of the local currency per USD "
        "(0: spending in USD).",
        source=f"0 = USD-denominated; estimate for other currencies: {PANEL}, rate = "
        "milex_local_currency_cy / milex_current_usd_m, std of annual log change 2000-2024, "
        "median of the nine non-USD countries 0.057 (CHN 0.036, TWN 0.042, JPN 0.090, "
        "RUS 0.127)",
    )


def _economy(m: Month) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw this month's exchange rates and GDP; return (fx before, fx after, GDP after)."""
    w, arms = m.state.world, m.params.arms
    n = w.gdp.shape[1]
    root = np.sqrt(DT)
    fx_old = w.fx
    fx_new = fx_old
    if np.any(arms.fx_volatility > 0):
        u = m.rng.normal(m.t, streams.ECONOMY_FX, n)
        fx_new = fx_old * np.exp(arms.fx_volatility * root * u)
    gdp = w.gdp * once(_monthly_growth, m.params.world.gdp_growth_per_year)
    if np.any(arms.gdp_volatility > 0):
        z = m.rng.normal(m.t, streams.ECONOMY_GDP, n)
        gdp = gdp * np.exp(arms.gdp_volatility * root * z)
    if fx_new is not fx_old:
        gdp = gdp * (fx_old / fx_new)
    return fx_old, fx_new, gdp


def _monthly_growth(growth: np.ndarray) -> np.ndarray:
    """Monthly GDP growth factor (1 + g)^(1/12), (R, N) (per run: `once`)."""
    return (1.0 + growth) ** DT


def _monthly_keep(depreciation: np.ndarray) -> np.ndarray:
    """Share of capability kept over a month, (1 - d)^(1/12), (R, N) (per run: `once`)."""
    return (1.0 - depreciation) ** DT


def _start_relative(milex0: np.ndarray) -> np.ndarray:
    """(R, N, N) log of rival j's starting spending over i's (per run: `once`)."""
    log_m0 = np.log(np.maximum(milex0, FLOOR))
    return log_m0[:, None, :] - log_m0[:, :, None]


def _grievance_excess(m: Month) -> np.ndarray | float:
    """Sum over targets of grievance above its start, (R, N); 0 without `grievance`."""
    if not m.on("grievance"):
        return 0.0
    return sum_last(m.state.world.grievance - m.params.grievance.level)


def _richardson(m: Month, local: np.ndarray, fx: np.ndarray, excess: Any) -> np.ndarray:
    """Local spending after one Richardson step (USD rivals valued at the own rate)."""
    w, arms = m.state.world, m.params.arms
    drive = arms.grievance
    if m.on("grievance"):
        drive = drive + arms.grievance_sensitivity * m.params.world.milex_usd_bn * excess
    reaction = sum_last(arms.reaction * w.milex[:, None, :])
    return local + DT * (fx * reaction - arms.fatigue * local + drive)


def _burden(m: Month, gdp: np.ndarray, fx: np.ndarray, excess: Any) -> np.ndarray:
    """Local spending after one burden step: new burden times the new GDP."""
    w, arms, base = m.state.world, m.params.arms, m.params.world
    log_m = np.log(np.maximum(w.milex, FLOOR))
    log_b = log_m - np.log(np.maximum(w.gdp, FLOOR))
    target = np.log(np.maximum(w.burden_target, FLOOR))
    # (R, N, N): log of rival j's spending over i's own, above its starting value
    relative = (log_m[:, None, :] - log_m[:, :, None]) - once(_start_relative, base.milex_usd_bn)
    react = sum_last(arms.burden_reaction * relative)
    drift = -arms.burden_adjustment * (log_b - target) + react
    drift = drift + arms.grievance_sensitivity * excess
    shock = (
        arms.burden_volatility * np.sqrt(DT) * m.rng.normal(m.t, streams.ARMS_BURDEN, gdp.shape[1])
    )
    return np.exp(log_b + DT * drift + shock) * gdp * fx


def _policies(m: Month, new: np.ndarray, gdp: np.ndarray, fx: np.ndarray) -> np.ndarray:
    """Follow active spending policies (local currency); reset burden anchors at their end."""
    w = m.state.world
    active = w.policy_active & (m.t <= w.policy_end)
    if not active.any():
        return new
    span = np.maximum(w.policy_end - w.policy_t0, 1)
    frac = np.clip((m.t + 1 - w.policy_t0) / span, 0.0, 1.0)
    ratio = np.maximum(w.policy_target, 1e-9) / np.maximum(w.policy_m0, 1e-9)
    path = w.policy_m0 * ratio**frac
    new = np.where(active, path, new)
    w.policy_active &= m.t + 1 < w.policy_end
    ended = active & ~w.policy_active
    if ended.any():
        reached = new / np.maximum(fx * gdp, FLOOR)
        w.burden_target = np.where(ended, np.clip(reached, 0.0, 1.0), w.burden_target)
    return new


def step(m: Month) -> None:
    """Advance exchange rates, GDP, spending and capability by one month."""
    w, p = m.state.world, m.params
    arms, base = p.arms, p.world
    fx_old, fx_new, gdp = _economy(m)
    local = w.milex * fx_old
    excess = _grievance_excess(m)
    new = _richardson(m, local, fx_old, excess)
    if arms.burden.any():
        new = np.where(arms.burden, _burden(m, gdp, fx_new, excess), new)
    new = _policies(m, new, gdp, fx_new)
    if m.on("war"):
        fighting = war_parties(m)
        if fighting.any():
            goal = p.war.mobilisation_share_gdp[:, None] * w.gdp * fx_old
            new = np.where(
                fighting, np.maximum(new, local + (goal - local) / MOBILISATION_MONTHS), new
            )
    w.gdp = gdp
    w.fx = fx_new
    new = np.clip(new, 0.0, arms.max_share_gdp * gdp * fx_new)
    usd = new / fx_new
    keep = once(_monthly_keep, base.capability_depreciation_per_year)
    w.capability = w.capability * keep + usd * DT
    w.milex = usd


def adopt_policy(
    m: Month,
    actor: int,
    fire: np.ndarray,
    target_kind: str,
    amount: np.ndarray,
    reach_by: np.ndarray,
) -> None:
    """Start a spending policy for `actor` in runs `fire` (a `policy` event).

    Parameters
    ----------
    m : Month
        The month.
    actor : int
        Index of the actor.
    fire : (R,) bool
        Runs where the event fires.
    target_kind : str
        One of `POLICY_TARGETS`.
    amount : (R,)
        The target: a share of GDP, USD bn/year (converted to local currency at this
        month's rate), or a growth rate per year (of local spending).
    reach_by : (R,)
        Month offset by which the target is reached.
    """
    w = m.state.world
    i = actor
    fx = w.fx[:, i]
    local = w.milex[:, i] * fx
    years = np.maximum(reach_by - m.t, 1.0) / 12.0
    if target_kind == "target_share_gdp":
        gdp_then = w.gdp[:, i] * (1.0 + m.params.world.gdp_growth_per_year[:, i]) ** years
        target = amount * gdp_then * fx
    elif target_kind == "target_milex_usd_bn":
        target = amount * fx
    else:
        target = local * (1.0 + amount) ** years
    _start(w, i, fire, local, target, m.t, reach_by)


def _start(
    w: Any,
    i: int,
    fire: np.ndarray,
    m0: np.ndarray,
    target: np.ndarray,
    t: int,
    end: np.ndarray,
) -> None:
    """Record a spending path from `m0` (now) to `target` (month `end`) in runs `fire`."""
    w.policy_active[:, i] |= fire
    w.policy_m0[:, i] = np.where(fire, m0, w.policy_m0[:, i])
    w.policy_t0[:, i] = np.where(fire, t, w.policy_t0[:, i])
    w.policy_end[:, i] = np.where(fire, np.asarray(end).astype(np.int64), w.policy_end[:, i])
    w.policy_target[:, i] = np.where(fire, target, w.policy_target[:, i])


@dataclass(frozen=True)
class BudgetValues(ParamBlock):
    """An official annual budget: its growth or its level, and how long it binds."""

    growth: Array = param(
        scope="event",
        kind="float",
        default=None,
        lo=-0.9,
        hi=2,
        doc="Announced growth of the budget over current spending, in local currency.",
        source="scenario",
    )
    milex_usd_bn: Array = param(
        scope="event",
        kind="float",
        default=None,
        lo=0,
        hi=1e6,
        unit="USD bn/year",
        doc="Announced budget, converted to local currency at the month's rate.",
        source="scenario",
    )
    months: Array = param(
        scope="event",
        kind="int",
        default=12,
        lo=1,
        hi=120,
        unit="months",
        doc="Months the budget fixes local spending (a fiscal year).",
        source="scenario",
    )


def _budget_spec(ev: dict, ix: Index) -> dict[str, Any]:
    given = [key for key in BUDGET_TARGETS if ev.get(key) is not None]  # one: see BUDGET
    return {"actors": (ix.actors[ev["actor"]],), "policy": given[0]}


def _budget(m: Month, ev: EventSpec, fire: np.ndarray, values: BudgetValues) -> None:
    """Fix local spending at the announced budget for `months` months."""
    (i,) = ev.actors
    w = m.state.world
    fx = w.fx[:, i]
    if ev.policy == "growth":
        target = w.milex[:, i] * fx * (1.0 + values.growth)
    else:
        target = values.milex_usd_bn * fx
    _start(w, i, fire, target, target, m.t, m.t + values.months)


BUDGET = EventKind(
    "budget",
    {
        "actor": F(
            kind="actor", default=REQUIRED, doc="Actor that announces its annual defence budget."
        )
    },
    _budget_spec,
    _budget,
    BudgetValues,
    checks=(rules.exactly_one(BUDGET_TARGETS),),
)
"""A one-off official budget: spending jumps to it and stays there for a fiscal year."""


MECHANISM = Mechanism(
    name="arms",
    doc="Stochastic GDP and exchange rates; spending by burden or Richardson dynamics.",
    params=ArmsParams,
    fields={
        "actor": {
            "arms.dynamics": F(
                kind="enum",
                default="richardson",
                doc="Spending dynamics: richardson (linear, USD-level) or burden "
                "(share of GDP times GDP).",
                choices=DYNAMICS,
            )
        }
    },
    state=(
        world(
            "policy_active", axes=("actor",), dtype=bool, doc="A spending policy is being followed."
        ),
        world(
            "policy_m0",
            axes=("actor",),
            dtype=np.float64,
            doc="Local spending when the policy was adopted.",
        ),
        world("policy_t0", axes=("actor",), dtype=np.int64, doc="Month the policy was adopted."),
        world(
            "policy_end",
            axes=("actor",),
            dtype=np.int64,
            doc="Month the policy's target is reached.",
        ),
        world(
            "policy_target",
            axes=("actor",),
            dtype=np.float64,
            doc="The policy's target, local currency.",
        ),
        world(
            "fx",
            axes=("actor",),
            dtype=np.float64,
            fill=1.0,
            doc="Local currency per USD relative to the start (1 at the start).",
        ),
        world(
            "burden_target",
            axes=("actor",),
            dtype=np.float64,
            init=lambda p: p.arms.burden_target,
            doc="Burden that burden dynamics revert to, share of GDP.",
        ),
    ),
    needs=("grievance", "war"),
    step=step,
    event_kinds=(BUDGET,),
)
