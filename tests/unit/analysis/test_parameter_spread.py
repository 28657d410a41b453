"""Intervals over parameters (`sim.analysis.parameter_spread`) and where they are shown:
``sim run``'s uncertainty table and ``sim compare``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import parameter_spread as spread
from sim.analysis.intervals import wilson
from sim.analysis.uncertainty import outcome_uncertainty


def _theta(rng, n, dims=6):
    return pd.DataFrame(rng.normal(size=(n, dims)), columns=[f"p{i}" for i in range(dims)])


def test_wilson_ends_are_exact():
    """0 of n has a lower bound of exactly 0 (not 8.67e-19), n of n an upper bound of 1."""
    low, high = wilson(np.array([0, 0, 300, 7]), np.array([300, 7, 300, 7]))
    assert low[0] == 0.0 and low[1] == 0.0
    assert high[2] == 1.0 and high[3] == 1.0


def test_metamodel_recovers_the_spread_of_a_known_probability():
    """p(theta) = logistic(-3 + 0.8 theta_0) over 20,000 runs, one per draw.

    The true central 95% range of p over theta is about [0.010, 0.211]; the fitted
    coefficient's standard error is about 0.03 (a relative error of ~4% on the slope), so
    the range's ends are within 25% of the truth at many standard errors.
    """
    rng = np.random.default_rng(5)
    theta = _theta(rng, 20_000)
    p = 1 / (1 + np.exp(-(-3 + 0.8 * theta.p0)))
    y = (rng.random(len(p)) < p).astype(float)
    m = spread.fit(y, theta, "probability")
    assert m is not None and not m.few
    fitted = m.predict(theta)
    assert fitted.mean() == pytest.approx(y.mean(), rel=1e-6)  # mean matched to the estimate
    true_lo, true_hi = spread.central_range(p, 0.95)
    lo, hi = spread.central_range(fitted, 0.95)
    assert lo == pytest.approx(true_lo, rel=0.25) and hi == pytest.approx(true_hi, rel=0.25)


def test_rare_outcome_interval_is_not_degenerate_and_holds_its_estimate():
    """The defect: for a rare outcome (about 0.4%, 4 runs per draw) the per-draw analysis
    of variance gave a degenerate range or one that missed the estimate. Ten seeds, each
    must give low < estimate < high."""
    for seed in range(10):
        rng = np.random.default_rng(seed)
        draws = 1000
        values = rng.normal(size=(draws, 3))
        draw = np.repeat(np.arange(draws), 4)
        p = 1 / (1 + np.exp(-(-6.2 + 1.0 * values[draw, 0])))
        y = rng.random(len(draw)) < p
        runs = pd.DataFrame(
            {
                "run_id": np.arange(len(draw)),
                "seed": np.arange(len(draw), dtype=np.uint64) + 1,
                "draw": draw,
                **{f"p{i}": values[draw, i] for i in range(3)},
            }
        )
        outcomes = pd.DataFrame(
            {
                "run_id": runs.run_id,
                "theatre": "senkaku",
                "war": False,
                "blockade": y,
                "max_rung": np.where(y, 4, 2),
                "crises": y.astype(int),
            }
        )
        table = outcome_uncertainty(outcomes, runs, np.full(draws, 1 / draws), 10.0)
        row = table[table.outcome == "p_blockade"].iloc[0]
        assert row.param_low < row["mean"] < row.param_high, (seed, row.to_dict())
        never = table[table.outcome == "p_war"].iloc[0]  # no run had it: "never", 0-0
        assert never.param_low == never.param_high == 0.0


def test_sign_share_of_a_difference_that_changes_sign():
    """m1 - m0 = 0.1 * theta_0 + 0.05: positive where theta_0 > -0.5, 69% of draws."""
    rng = np.random.default_rng(2)
    theta = _theta(rng, 40_000, dims=3)
    p0 = np.full(len(theta), 0.3)
    p1 = np.clip(0.35 + 0.1 * theta.p0, 0.01, 0.99)
    y0 = (rng.random(len(theta)) < p0).astype(float)
    y1 = (rng.random(len(theta)) < p1).astype(float)
    m0, m1 = spread.fit(y0, theta, "probability"), spread.fit(y1, theta, "probability")
    assert m0 is not None and m1 is not None
    d = m1.predict(theta) - m0.predict(theta)
    truth = float(np.mean(p1 - p0 > 0))
    assert truth == pytest.approx(0.69, abs=0.01)
    # a logistic fit of a clipped linear p: the share is close, not exact
    assert spread.sign_share(d, float(y1.mean() - y0.mean())) == pytest.approx(truth, abs=0.06)
    assert np.isnan(spread.sign_share(d, 0.0))


def test_too_few_events_give_no_model():
    rng = np.random.default_rng(0)
    theta = _theta(rng, 2000)
    y = np.zeros(2000)
    y[:4] = 1
    assert spread.fit(y, theta, "probability") is None
    y[:12] = 1
    m = spread.fit(y, theta, "probability")
    assert m is not None and m.few


def test_compare_rows_have_intervals_over_parameters(tmp_path_factory):
    """Two 300-run folders of the baseline (posterior) with the same seed, the second with a
    lower US commitment to Taiwan: every estimate lies inside its range over parameters,
    differences have a sign share, and the table shows both."""
    import sim
    from sim.analysis.compare import compare_results, render

    base = tmp_path_factory.mktemp("spread")
    scen = "scenarios/baseline.toml"
    a = sim.run(scen, runs=300, seed=1, out=base / "a", workers=1)
    b = sim.run(
        scen, runs=300, seed=1, out=base / "b", workers=1,
        overrides={"alliances.USA-TWN.commitment": 0.1},
    )  # fmt: skip
    c = compare_results([a, b])
    rows = c.rows
    have = rows[rows.param_low.notna()]
    assert len(have) >= 10
    assert ((have.param_low <= have.value + 1e-12) & (have.value <= have.param_high + 1e-12)).all()
    diffs = rows[rows.sign_share.notna()]
    assert len(diffs) >= 5 and diffs.sign_share.between(0, 1).all()
    assert (diffs.diff_param_low <= diffs.diff_param_high).all()
    war = rows[(rows.outcome == "war.taiwan") & (rows.folder == "b")].iloc[0]
    assert war["diff"] > 0 and war.sign_share > 0.5
    text = render(c)
    assert "In braces: the central 95% range over the posterior's parameters" in text
    assert "{" in text and "%}" in text
    # a calibrated parameter held in one folder and drawn in the other: the draws do not
    # pair like with like, so differences get no range over parameters (and no crash)
    held = sim.run(
        scen, runs=300, seed=1, out=base / "held", workers=1,
        overrides={"model.crisis.war_cost": 0.3},
    )  # fmt: skip
    for pair in ([a, held], [held, a]):
        mixed = compare_results(pair)
        assert mixed.rows.diff_param_low.isna().all() and mixed.rows.sign_share.isna().all()
        assert any("held different calibrated parameters" in n for n in mixed.uncertainty)


def test_demo_estimates_lie_inside_their_ranges_over_parameters(tmp_path):
    """The demo's run (the baseline, 2,000 runs at the scenario's seed): every estimate
    lies inside its range over parameters, no range is degenerate unless the outcome never
    occurred, and `sim run`'s table prints no range that misses its estimate."""
    import sim
    from sim.analysis.uncertainty import format_uncertainty, results_uncertainty

    res = sim.run("scenarios/baseline.toml", runs=2000, out=tmp_path / "demo", workers=1)
    table = results_uncertainty(res)
    assert table is not None
    have = table[table.param_low.notna()]
    assert len(have) >= 5
    assert ((have.param_low <= have["mean"]) & (have["mean"] <= have.param_high)).all()
    flat = have[have.param_low == have.param_high]
    assert (flat.param_low == 0).all() and (flat["mean"] == 0).all()  # only "never"
    text = format_uncertainty(table, "p")
    assert "never" in text or flat.empty


def test_a_parameter_carried_under_several_names_is_fitted_once():
    """The same draw in three columns (the trigger kinds' shared rate volatility) gives the
    fit of the one column, with no warning from a singular information matrix."""
    import warnings

    rng = np.random.default_rng(6)
    theta = _theta(rng, 5_000, dims=2)
    p = 1 / (1 + np.exp(-(-2 + 0.7 * theta.p0)))
    y = (rng.random(len(p)) < p).astype(float)
    copies = theta.assign(a=theta.p0, b=theta.p0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        once = spread.fit(y, theta, "probability")
        thrice = spread.fit(y, copies, "probability")
    assert once is not None and thrice is not None
    assert thrice.columns == ("p0", "p1")
    np.testing.assert_allclose(thrice.predict(copies), once.predict(theta), rtol=1e-9)
