"""Origin-started grey-zone forecasts: CRPS, benchmarks without later data, scenario, scores."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.hindcast import greyzone_origins as g
from sim.hindcast import record
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[3]


def crps_by_integral(draws: np.ndarray, y: float) -> float:
    """CRPS = integral of (F(x) - 1{x >= y})^2 dx for the empirical F (piecewise constant)."""
    x = np.sort(draws)
    knots = np.sort(np.append(x, y))
    total = 0.0
    for a, b in zip(knots[:-1], knots[1:], strict=True):
        mid = 0.5 * (a + b)
        f = np.mean(x <= mid)
        total += (f - float(mid >= y)) ** 2 * (b - a)
    return total


def test_crps_ensemble_matches_definitions() -> None:
    rng = np.random.default_rng(3)
    for size in (1, 2, 7, 40):
        draws = rng.gamma(2.0, 3.0, size)
        for y in (-1.0, 0.5, float(np.median(draws)), 30.0):
            pairs = np.abs(draws[:, None] - draws[None, :]).mean()
            direct = np.abs(draws - y).mean() - 0.5 * pairs
            assert g.crps_ensemble(draws, y) == pytest.approx(direct, abs=1e-12)
            assert g.crps_ensemble(draws, y) == pytest.approx(crps_by_integral(draws, y))


def test_closed_forms_match_large_samples() -> None:
    rng = np.random.default_rng(5)
    z = rng.standard_normal(200_000)
    for y in (0.3, 1.0, 4.0):
        sample = np.exp(0.2 + 0.7 * z)
        assert g.crps_lognormal(0.2, 0.7, y) == pytest.approx(g.crps_ensemble(sample, y), rel=0.01)
        assert g.crps_normal(1.0, 2.0, y) == pytest.approx(
            g.crps_ensemble(1.0 + 2.0 * z, y), rel=0.01
        )


def perturbed_copy(tmp_path: Path, origin: int) -> Path:
    """A copy of data/ whose grey-zone rows dated after `origin` are tripled."""
    folder = tmp_path / "data"
    folder.mkdir()
    src = ROOT / "data" / record.GREYZONE_FILE
    rows = list(csv.DictReader(src.open(newline="", encoding="utf-8")))
    last = record.cutoff(origin)
    changed = 0
    for row in rows:
        if record.observation_month(int(row["year"]), row["period"]) > last:
            row["value"] = str(float(row["value"]) * 3 + 7)
            changed += 1
    assert changed > 0
    with (folder / record.GREYZONE_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    for name in (record.TRIGGERS_FILE, record.GOVERNMENTS_FILE, record.ELECTIONS_FILE):
        if (ROOT / "data" / name).is_file():
            shutil.copy(ROOT / "data" / name, folder / name)
    return folder


@pytest.mark.parametrize("origin", g.ORIGINS)
def test_nothing_after_the_origin_is_used(tmp_path: Path, origin: int) -> None:
    folder = perturbed_copy(tmp_path, origin)
    assert g.scenario_overrides(origin) == g.scenario_overrides(origin, folder=folder)
    moved = 0
    for spec in g.SERIES:
        data = g.known(origin, spec)
        assert data == g.known(origin, spec, folder)
        later = g.scored_observations(origin, spec, folder)
        moved += later != g.scored_observations(origin, spec)
        if not data:
            continue
        for year in later:
            a, b = (
                g.benchmarks(data, spec.days, year),
                g.benchmarks(g.known(origin, spec, folder), spec.days, year),
            )
            assert a == b
    assert moved  # the perturbation reached the scored years


@pytest.mark.parametrize("origin", g.ORIGINS)
def test_override_builder_gives_a_scenario_that_loads(origin: int) -> None:
    overrides, extra = g.scenario_overrides(origin)
    assert bool(extra) == (origin < g.CMC_BREAK_YEAR)
    path = ROOT / "scenarios" / "baseline.toml"
    scenario = load_scenario(path, overrides)
    assert scenario.data["meta"]["start"] == f"{origin + 1}-01"
    full = g.build_scenario(origin)
    ids = {ev["id"] for ev in full.data["events"]}
    assert ("ccg_under_cmc_2018_presence" in ids) == (origin < g.CMC_BREAK_YEAR)


def test_start_values_are_the_last_known_observations() -> None:
    overrides, _ = g.scenario_overrides(2019)
    assert "theatres.senkaku.greyzone.presence_days.rate_per_year=282" in overrides
    assert "theatres.senkaku.greyzone.air_approaches.rate_per_year=638" in overrides  # FY2018
    assert not any("adiz_incursions.rate_per_year" in o for o in overrides)
    assert "theatres.taiwan.greyzone.adiz_incursions.shared_budget=false" in overrides


def test_end_to_end_origin_gives_finite_scores() -> None:
    table, summary = g.origin_scores((2022,), runs=20, seed=7)
    assert set(table["series"]) == {"adiz", "scrambles_china", "presence_days"}
    crps = table[[f"{f}_crps" for f in g.FORECASTERS]].to_numpy(dtype=float)
    assert np.isfinite(crps).all() and (crps >= 0).all()
    pooled = summary[(summary["origin"] == "pooled") & (summary["series"] == "all")]
    assert len(pooled) == 1 and math.isfinite(float(pooled["skill_persistence"].iloc[0]))
    assert "| pooled | all |" in g.format_markdown(summary)


def test_diagnostic_without_drift_zeroes_every_drift() -> None:
    overrides, _ = g.scenario_overrides(2016, drift=False)
    drifts = [o for o in overrides if "drift_per_year=" in o]
    assert drifts and all(o.endswith("=0") or o.endswith("=0.0") for o in drifts)
    with_drift, _ = g.scenario_overrides(2016)
    assert "theatres.senkaku.greyzone.air_approaches.drift_per_year=0.451634" in with_drift


def test_cumulative_drift_is_the_engines_damped_sum() -> None:
    """The backtest's path equals the engine's monthly recursion g <- keep^(1/12) g after a
    step of g / 12 (MODEL.md 7.3), summed over the months of `years`."""
    for keep in (0.0, 0.5, 0.8, 1.0):
        for years in (1, 3):
            g_month, level = 0.4, 0.0
            for _ in range(12 * years):
                level += g_month / 12.0
                g_month *= keep ** (1 / 12)
            assert g.cumulative_drift(0.4, keep, years) == pytest.approx(level, rel=1e-12)


def _write_series(folder: Path, values: dict[int, float]) -> None:
    with (folder / record.GREYZONE_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["series", "year", "period", "value", "unit", "status", "source", "note"])
        for year, value in values.items():
            writer.writerow(["senkaku_cz_days", year, "calendar", value, "days", "RETRIEVED",
                             "test", ""])  # fmt: skip


@pytest.mark.parametrize(("persistent", "expected"), [(True, 1.0), (False, 0.0)])
def test_backtest_picks_the_damping_the_years_before_the_origin_favour(
    tmp_path: Path, persistent: bool, expected: float
) -> None:
    """A series whose logit rises by 0.3 every year to the origin favours an undamped
    trend; one that rose by 0.3 a year and then stood still for six years favours none."""
    logit = [-2.0 + 0.3 * k if persistent or k < 6 else -2.0 + 0.3 * 5 for k in range(14)]
    days = {2008 + k: 366.0 / (1.0 + math.exp(-x)) - 0.5 for k, x in enumerate(logit)}
    _write_series(tmp_path, days)
    assert g.select_damping(2021, folder=tmp_path) == expected
    errors = g.backtest_errors(2021, folder=tmp_path)
    assert errors[expected] == min(errors.values())
