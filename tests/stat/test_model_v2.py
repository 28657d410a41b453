"""Model v2 behaviour: chosen force, basing, Japan's buildup, commitment wars, invariants.

Every estimate is over a fixed set of run seeds (`run_seeds(1, 0..N-1)`). Proportions
carry Wilson 95% intervals; differences between two configurations run on the same seeds
(common random numbers) and carry a paired normal 95% interval on the run-by-run
differences, so the intervals say what the sampling error allows.
"""

from __future__ import annotations

from math import sqrt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_fearon import crisis_world, wilson

from sim.engine.choice import WAR_PATHS
from sim.engine.params import compile_scenario
from sim.engine.simulate import simulate
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario

INVASION = "scenarios/taiwan_invasion.toml"
BASELINE = "scenarios/baseline.toml"
NO_BUILDUP = [
    "events.japan_buildup.target_share_gdp=0.01",
    "events.japan_hold_2pct.target_share_gdp=0.01",
]


def outcomes(source: str | dict, overrides=(), runs: int = 1000):  # noqa: ANN201
    s, p = compile_scenario(load_scenario(source, list(overrides)))
    return simulate(s, p, run_seeds(1, np.arange(runs)), record=False).outcome


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of a - b with its paired normal 95% interval."""
    d = a.astype(float) - b.astype(float)
    mean, se = d.mean(), d.std(ddof=1) / sqrt(len(d))
    return mean, mean - 1.96 * se, mean + 1.96 * se


@pytest.mark.slow
def test_invasion_holds_with_basing_fails_alone_and_holds_less_without_basing():
    """N = 1000 each, same seeds. With US forces flying from Japan Taiwan holds in most
    runs; alone it falls in most; without Japanese basing it falls more often than with it
    (paired 95% interval of the difference above 0: the two share their random numbers, so
    the unpaired intervals, which overlap since issue 23, would waste that)."""
    n = 1000
    lost: dict[str, int] = {}
    changed: dict[str, np.ndarray] = {}
    for label, ov in (
        ("basing", []),
        ("no basing", ["alliances.USA-JPN.basing=false"]),
        ("alone", ["alliances.USA-TWN.commitment=0", "alliances.RUS-CHN.commitment=0"]),
    ):
        o = outcomes(INVASION, ov, n)
        changed[label] = o.holder_changes[:, 0] > 0
        lost[label] = int(changed[label].sum())
    basing, alone = (wilson(lost[k], n) for k in ("basing", "alone"))
    assert basing[1] < 0.5, basing  # holds in most runs
    assert alone[0] > 0.5, alone  # falls in most runs
    # same seeds in both: the paired difference (lost without basing - with) is positive
    mean, lo, _ = paired(changed["no basing"], changed["basing"])
    assert lo > 0.0, (mean, lo, lost)


@pytest.mark.slow
def test_japans_buildup_changes_a_taiwan_outcome():
    """N = 3000 paired runs of the invasion scenario: Japan at ~2% of GDP against ~1%.
    Japan hosts the US and fights when struck, so its force enters the Taiwan balance:
    the buildup never makes Taiwan's loss more likely, run for run (common random numbers),
    and lowers it in some runs.

    Before issue 23 the paired interval of the difference excluded 0. Since wars last
    (`crisis.war_negotiation_probability`) the effect is small: measured on 7 Dec 2026,
    38.23% against 38.33% lost, 3 of 3,000 paired runs differ, all in the buildup's favour
    (paired 95% interval -0.21 to +0.01 points). Worth a look: whether attrition gives
    Japan's forces their weight once the US has joined.
    """
    a = outcomes(INVASION, (), 3000)
    b = outcomes(INVASION, NO_BUILDUP, 3000)
    lost_a, lost_b = a.holder_changes[:, 0] > 0, b.holder_changes[:, 0] > 0
    assert int((lost_a & ~lost_b).sum()) == 0  # never worse with the buildup
    assert int((lost_b & ~lost_a).sum()) > 0  # better in some runs


@pytest.mark.slow
def test_blockades_are_chosen_where_they_pay():
    """A deliberate blockade is a rare choice in the baseline (N = 2000: upper Wilson bound
    below a tenth; since issue 23 none, as the challenger no longer expects a defender to
    concede in the first bad month) and the usual one where it pays: no US commitment and
    a blockade that costs Taiwan 10% of GDP a month (N = 500, lower bound above half;
    measured 73.5% of 1,000 runs, seed 1)."""
    n = 2000
    o = outcomes(BASELINE, (), n)
    k = int((o.blockade_months[:, 0] > 0).sum())
    assert wilson(k, n)[1] < 0.1, k
    pays = [
        "alliances.USA-TWN.commitment=0",
        "theatres.taiwan.blockade.target_gdp_loss_per_month=0.1",
    ]
    m = 500
    o = outcomes(BASELINE, pays, m)
    k = int((o.blockade_months[:, 0] > 0).sum())
    assert wilson(k, m)[0] > 0.5, k


def commitment_world(shift: bool) -> dict:
    """Exact perceptions; the challenger's capital stock is large but it stops spending,
    while the holder spends heavily: a closing window if `shift`, none otherwise."""
    d = crisis_world(0.0, war_cost=0.05, rung=3, mechanisms=("crisis", "war", "arms"))
    d["events"] = []
    d["grievances"] = [{"from": "AAA", "to": "BBB", "level": 1.0}]
    d["model"]["crisis"].update(initiation_rate_per_year=12.0, power_shift_horizon_years=10.0)
    d["actors"]["AAA"].update(capability_usd_bn=400.0, milex_usd_bn=0.0 if shift else 40.0)
    d["actors"]["BBB"].update(capability_usd_bn=200.0, milex_usd_bn=80.0 if shift else 20.0)
    for code in ("AAA", "BBB"):
        d["actors"][code]["arms"] = {"fatigue": 0.0, "grievance": 0.0}
    return d


def test_commitment_problem_makes_war_without_misperception():
    """Misperception 0 for both, N = 500: with a large expected shift against the
    challenger some wars start, every one labelled "commitment"; with the same forces and
    no shift, none do (Fearon 1995; Powell 2006)."""
    n = 500
    with_shift = outcomes(commitment_world(True), (), n)
    wars = with_shift.max_rung[:, 0] >= 6
    assert wars.sum() > 0
    paths = set(np.array(WAR_PATHS)[with_shift.first_war_path[wars, 0]])
    assert paths == {"commitment"}, paths
    without = outcomes(commitment_world(False), (), n)
    assert (without.max_rung[:, 0] < 6).all()


def invariant_world(misperception: float, commitment: float, defender_milex: float,
                    basing: bool = True) -> dict:  # fmt: skip
    """Challenger AAA against holder BBB, protected by patron PPP with a third country
    HHH that hosts it; deliberate initiation on, a crisis open from the start."""
    d = crisis_world(misperception, rung=4, mechanisms=("crisis", "war", "events", "alliances"))
    d["actors"]["BBB"]["milex_usd_bn"] = defender_milex
    d["actors"]["PPP"] = {"name": "P", "gdp_usd_bn": 3000.0, "milex_usd_bn": 30.0,
                          "forces_in_region_share": 0.5}  # fmt: skip
    d["actors"]["HHH"] = {"name": "H", "gdp_usd_bn": 1000.0, "milex_usd_bn": 10.0}
    d["alliances"] = [
        {"patron": "PPP", "client": "BBB", "commitment": commitment, "basing": False},
        {"patron": "PPP", "client": "HHH", "commitment": 0.5, "covers": [],
         "basing": basing, "host_theatres": ["area"]},
    ]  # fmt: skip
    d["theatres"]["area"]["stake"] = {"AAA": 0.8, "BBB": 1.0, "PPP": 0.5}
    d["grievances"] = [{"from": "AAA", "to": "BBB", "level": 0.6}]
    d["model"]["crisis"]["initiation_rate_per_year"] = 3.0
    return d


RUNS = 400


def rates(d: dict) -> dict[str, np.ndarray]:
    o = outcomes(d, (), RUNS)
    return {
        "war": o.max_rung[:, 0] >= 6,
        "lost": o.holder_changes[:, 0] > 0,
        "initiated": o.first_crisis[:, 0] >= 0,
    }


def quiet_start(d: dict) -> dict:
    """The same world without the opening incident: every crisis is a deliberate choice,
    so whether one starts at all measures deterrence (later crises also depend on who
    holds the theatre by then, which the commitment changes too)."""
    d["events"] = []
    return d


def never_below(a: np.ndarray, b: np.ndarray) -> bool:
    """Paired check that mean(a) >= mean(b) allowing the sampling error of 400 runs."""
    mean, lo, hi = paired(a, b)
    return hi >= 0.0


POINT = dict(
    misperception=st.floats(0.0, 1.0),
    commitment=st.floats(0.0, 0.9),
    defender_milex=st.floats(10.0, 40.0),
)
FEW = settings(max_examples=4, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


@pytest.mark.slow
@FEW
@given(**POINT)
def test_more_misperception_never_lowers_p_war(misperception, commitment, defender_milex):
    low = rates(invariant_world(misperception, commitment, defender_milex))
    high = rates(invariant_world(misperception + 0.5, commitment, defender_milex))
    assert never_below(high["war"], low["war"])


@pytest.mark.slow
@FEW
@given(**POINT)
def test_stronger_defender_never_raises_p_lost(misperception, commitment, defender_milex):
    weak = rates(invariant_world(misperception, commitment, defender_milex))
    strong = rates(invariant_world(misperception, commitment, defender_milex * 2.0))
    assert never_below(weak["lost"], strong["lost"])


@pytest.mark.slow
@FEW
@given(**POINT)
def test_firmer_commitment_means_fewer_crises_and_changes_of_hand(
    misperception, commitment, defender_milex
):
    loose = rates(invariant_world(misperception, commitment, defender_milex))
    firm = rates(invariant_world(misperception, min(1.0, commitment + 0.5), defender_milex))
    assert never_below(loose["lost"], firm["lost"])
    loose = rates(quiet_start(invariant_world(misperception, commitment, defender_milex)))
    firm_world = invariant_world(misperception, min(1.0, commitment + 0.5), defender_milex)
    firm = rates(quiet_start(firm_world))
    assert never_below(loose["initiated"], firm["initiated"])


@pytest.mark.slow
@FEW
@given(**POINT)
def test_removing_basing_never_raises_p_holds(misperception, commitment, defender_milex):
    based = rates(invariant_world(misperception, commitment, defender_milex, basing=True))
    unbased = rates(invariant_world(misperception, commitment, defender_milex, basing=False))
    assert never_below(unbased["lost"], based["lost"])
