#!/usr/bin/env python
"""Calibrate scenarios/hindcast_2013.toml on the years up to a cut-off (default 2018).

Method: simulated method of moments. The moments are the ensemble means over runs of the
simulated annual series, compared on a log scale with the observations of every fitted year:

    residual(series, year) = log(mean over runs of simulated value) - log(observed value)

for SIPRI spending of CHN, JPN, USA, TWN, RUS (2013..cutoff), Senkaku presence and
intrusion days (2013..cutoff), JASDF scrambles against Chinese aircraft (FY2013..cutoff,
fiscal-year weighted as in `sim validate`) and the single Taiwan ADIZ point (2020). The sum
of squares is minimised with `scipy.optimize.least_squares` (trust-region reflective,
bounded, finite-difference Jacobian with a 2% relative step), with common random numbers:
every evaluation uses the same runs (seeds derived from the scenario's meta.seed, exactly
as `sim run` and `sim validate` derive them), so the objective is a deterministic function
of the parameters.

Fitted parameters (21):
  - model.grievance.decay_per_year (how fast the post-2012 grievance relaxes);
  - per actor on burden dynamics (``arms.dynamics = "burden"``, model v2): the burden anchor
    b*_i (arms.burden_target) and the speed phi_i at which the burden reverts to it
    (arms.burden_adjustment);
  - per actor on Richardson dynamics: fatigue a_i and the initial growth rate r_i of
    spending, written into the scenario as arms.fatigue and arms.grievance
    g_i = a_i m_i(0) - sum_j k_ij m_j(0) + r_i m_i(0) (reactions k_ij kept from baseline.toml);
  - per Senkaku activity (presence_days, intrusion_days, air_approaches behind scrambles):
    starting rate, grievance elasticity, capability elasticity;
  - the starting rate of adiz_incursions, whose two elasticities are tied to those of
    air_approaches (one observation cannot identify three parameters).

Estimated, not fitted, on years up to the cut-off only: per actor the nominal GDP growth
(mean over 2013..cut-off of local-currency GDP) and the volatilities of GDP, the exchange
rate and the burden (standard deviations of annual log changes over 2000..cut-off;
`sim.hindcast.observed.panel_economy`, data/milex_gdp_panel_2000_2024.csv); per primary
grey-zone activity the persistence and volatility of the latent intensity (pooled AR(1) of
the log annual series as in docs/MODEL.md 7.3; `sim.hindcast.observed.latent_estimate`).

The script also recomputes the starting capability stocks by perpetual inventory from the
SIPRI series (1990-2012; Russia 1993-2012) and writes everything, with a comment block
saying what was fitted, on what, when and by which command, into the scenario. With
``--origin`` it writes the fitted and estimated values instead as ``--set`` overrides to
sim/hindcast/origins/cutoff_<YEAR>.toml, a rolling origin that `sim validate` scores the
grey-zone series from (fit <= 2015, score 2016-18; fit <= 2016, score 2017-18).

Usage:
    python scripts/calibrate_hindcast.py [--runs 100] [--cutoff 2018] [--dry-run]
    python scripts/calibrate_hindcast.py --cutoff 2015 --origin
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.engine.params import compile_scenario  # noqa: E402
from sim.engine.simulate import simulate  # noqa: E402
from sim.hindcast.observed import latent_estimate, load_observed, panel_economy  # noqa: E402
from sim.hindcast.origins import origin_path, write_origin  # noqa: E402
from sim.hindcast.stats import arrays_from_batch, series_draws  # noqa: E402
from sim.runner.seeds import run_seeds  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

SCENARIO = ROOT / "scenarios" / "hindcast_2013.toml"
ACTORS = ("CHN", "JPN", "USA", "TWN", "RUS")
ACTIVITIES = (
    ("senkaku", "presence_days"),
    ("senkaku", "intrusion_days"),
    ("senkaku", "air_approaches"),
)


# --------------------------------------------------------------------------------------
# Perpetual inventory
# --------------------------------------------------------------------------------------


def perpetual_inventory(actor: str, delta: float, last: int = 2012) -> tuple[float, int]:
    """Capital stock at the end of `last` from SIPRI current-USD spending (USD bn).

    C_y = C_{y-1} (1 - delta) + m_y, started at the steady state m / delta of the first
    year with a positive figure from 1990 on. Returns (stock, first year used).
    """
    series = {}
    with (ROOT / "data" / "sipri_milex_2025release_long.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["iso3"] == actor and r["variable"] == "milex_current_usd_m" and r["value"]:
                y = int(r["year"])
                if 1990 <= y <= last:
                    series[y] = float(r["value"]) / 1000.0
    years = sorted(y for y, v in series.items() if v > 0)
    # the run must be contiguous to the end: drop anything before a gap
    while any(b != a + 1 for a, b in zip(years, years[1:], strict=False)):
        gaps = [b for a, b in zip(years, years[1:], strict=False) if b != a + 1]
        years = [y for y in years if y >= gaps[-1]]
    stock = series[years[0]] / delta
    for y in years[1:]:
        stock = stock * (1.0 - delta) + series[y]
    return stock, years[0]


# --------------------------------------------------------------------------------------
# Parameter vector
# --------------------------------------------------------------------------------------


def is_burden(base: dict, actor: str) -> bool:
    """Whether `actor` uses burden dynamics in the scenario."""
    return bool(base["actors"][actor].get("arms", {}).get("dynamics") == "burden")


def parameter_spec(base: dict) -> list[tuple[str, float, float, float]]:
    """(name, start, lower, upper) of every fitted parameter (log rates for activities)."""
    spec = [("grievance.decay_per_year", 0.3, 0.02, 3.0)]
    for a in ACTORS:
        if is_burden(base, a):
            b0 = base["actors"][a]["milex_usd_bn"] / base["actors"][a]["gdp_usd_bn"]
            spec.append((f"{a}.log_burden_target", float(np.log(b0)), np.log(0.002), np.log(0.1)))
            spec.append((f"{a}.burden_adjustment", 0.5, 0.02, 3.0))
        else:
            spec.append((f"{a}.fatigue", 0.1, 0.0, 1.0))
            spec.append((f"{a}.growth0", 0.0, -0.3, 0.3))
    starts = {"presence_days": 230.0, "intrusion_days": 50.0, "air_approaches": 400.0}
    for _, q in ACTIVITIES:
        spec.append((f"{q}.log_rate", np.log(starts[q]), np.log(1.0), np.log(5000.0)))
        spec.append((f"{q}.e_grievance", 1.0, 0.0, 30.0))
        spec.append((f"{q}.e_capability", 0.5, 0.0, 5.0))
    spec.append(("adiz_incursions.log_rate", np.log(100.0), np.log(1.0), np.log(5000.0)))
    return spec


LATENT = (*ACTIVITIES, ("taiwan", "adiz_incursions"))
"""Primary activities whose latent persistence and volatility are estimated up to the cut-off."""


def economy_overrides(cutoff: int) -> dict[str, float]:
    """Values estimated on data up to `cutoff` (not fitted).

    Per actor the growth and volatilities of the economy (`panel_economy`); per primary
    grey-zone activity the persistence and volatility of the latent intensity
    (`latent_estimate`, rounded as the engine's defaults, which are its value at 2018).
    """
    ov: dict[str, float] = {}
    latent = latent_estimate(cutoff)
    for th, q in LATENT:
        path = f"theatres.{th}.greyzone.{q}"
        ov[f"{path}.persistence_per_year"] = round(latent.persistence, 2)
        ov[f"{path}.volatility_per_year"] = round(latent.volatility, 2)
    for a in ACTORS:
        e = panel_economy(a, cutoff)
        ov[f"actors.{a}.gdp_growth_per_year"] = round(e.growth, 4)
        ov[f"actors.{a}.arms.gdp_volatility"] = round(e.gdp_volatility, 3)
        ov[f"actors.{a}.arms.fx_volatility"] = round(e.fx_volatility, 3)
        ov[f"actors.{a}.arms.burden_volatility"] = round(e.burden_volatility, 3)
    return ov


def to_overrides(theta: np.ndarray, base: dict) -> dict[str, float]:
    """Scenario `--set` overrides of a parameter vector."""
    names = [s[0] for s in parameter_spec(base)]
    v = dict(zip(names, (float(x) for x in theta), strict=True))
    ov: dict[str, float] = {"model.grievance.decay_per_year": v["grievance.decay_per_year"]}
    actors = base["actors"]
    m0 = {a: float(actors[a]["milex_usd_bn"]) for a in ACTORS}
    for a in ACTORS:
        if is_burden(base, a):
            ov[f"actors.{a}.arms.burden_target"] = float(np.exp(v[f"{a}.log_burden_target"]))
            ov[f"actors.{a}.arms.burden_adjustment"] = v[f"{a}.burden_adjustment"]
            continue
        fat = v[f"{a}.fatigue"]
        react = sum(k * m0[j] for j, k in actors[a]["arms"]["reaction"].items())
        ov[f"actors.{a}.arms.fatigue"] = fat
        ov[f"actors.{a}.arms.grievance"] = fat * m0[a] - react + v[f"{a}.growth0"] * m0[a]
    for th, q in ACTIVITIES:
        path = f"theatres.{th}.greyzone.{q}"
        ov[f"{path}.rate_per_year"] = float(np.exp(v[f"{q}.log_rate"]))
        ov[f"{path}.grievance_elasticity"] = v[f"{q}.e_grievance"]
        ov[f"{path}.capability_elasticity"] = v[f"{q}.e_capability"]
    ov["theatres.senkaku.greyzone.scrambles.rate_per_year"] = float(
        np.exp(v["air_approaches.log_rate"])
    )
    adiz = "theatres.taiwan.greyzone.adiz_incursions"
    ov[f"{adiz}.rate_per_year"] = float(np.exp(v["adiz_incursions.log_rate"]))
    ov[f"{adiz}.grievance_elasticity"] = v["air_approaches.e_grievance"]
    ov[f"{adiz}.capability_elasticity"] = v["air_approaches.e_capability"]
    return ov


# --------------------------------------------------------------------------------------
# Objective
# --------------------------------------------------------------------------------------


class Objective:
    """Log residuals of ensemble means against the fitted-year observations (CRN)."""

    def __init__(self, runs: int, cutoff: int) -> None:
        self.base = load_scenario(SCENARIO).data
        self.economy = economy_overrides(cutoff)
        self.seed = int(self.base["meta"]["seed"])
        self.seeds = run_seeds(self.seed, np.arange(runs))
        self.cutoff = cutoff
        self.targets = []
        for s in load_observed():
            years = sorted(y for y in s.values if s.fitted(y, cutoff))
            if years:
                self.targets.append((s, years))
        self.calls = 0

    def simulate(self, theta: np.ndarray):
        """Run the CRN ensemble at `theta`; return years and the annual arrays."""
        scen = load_scenario(self.base, {**self.economy, **to_overrides(theta, self.base)})
        structure, params = compile_scenario(scen, posterior=self.posterior_allowed())
        return arrays_from_batch(simulate(structure, params, self.seeds))

    def posterior_allowed(self) -> bool:
        """Whether the scenario's posterior saw no data after the cut-off (its vintage)."""
        import json

        folder = self.base.get("calibration", {}).get("posterior")
        if not folder or folder == "none":
            return False
        vintage = json.loads((Path(folder) / "calibration.json").read_text()).get("vintage")
        return vintage is not None and int(vintage) <= self.cutoff

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """Log(ensemble mean) - log(observed) for every fitted year."""
        self.calls += 1
        years, sim = self.simulate(theta)
        out = []
        for s, fit_years in self.targets:
            yrs, draws = series_draws(s, sim, years)
            mean = draws.mean(axis=0)
            pos = {int(y): i for i, y in enumerate(yrs)}
            for y in fit_years:
                out.append(np.log(max(mean[pos[y]], 1e-6)) - np.log(s.values[y]))
        return np.asarray(out)

    def labels(self) -> list[str]:
        """Names of the residuals, in order."""
        return [f"{s.key} {y}" for s, ys in self.targets for y in ys]


# --------------------------------------------------------------------------------------
# Writing the scenario
# --------------------------------------------------------------------------------------


def set_value(text: str, table: str, key: str, value: float) -> str:
    """Replace ``key = ...`` inside ``[table]`` (keeping any trailing comment)."""
    lines = text.split("\n")
    header = f"[{table}]"
    try:
        start = lines.index(header)
    except ValueError as exc:
        raise SystemExit(f"table {header} not found in {SCENARIO}") from exc
    pat = re.compile(rf"^{re.escape(key)}\s*=\s*([^#]*?)(\s*#.*)?$")
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("["):
            break
        m = pat.match(lines[i])
        if m:
            lines[i] = f"{key} = {value:.6g}{m.group(2) or ''}"
            return "\n".join(lines)
    raise SystemExit(f"{key} not found in {header} of {SCENARIO}")


def write_scenario(ov: dict[str, float], block: list[str], capability: dict[str, float]) -> None:
    """Write fitted values, capability stocks and the calibration block into the scenario."""
    text = SCENARIO.read_text(encoding="utf-8")
    for path, value in ov.items():
        parts = path.split(".")
        if parts[0] == "model":
            text = set_value(text, "model", ".".join(parts[1:]), value)
        elif parts[0] == "actors":
            text = set_value(text, f"actors.{parts[1]}", ".".join(parts[2:]), value)
        else:
            text = set_value(text, ".".join(parts[:-1]), parts[-1], value)
    for a, c in capability.items():
        text = set_value(text, f"actors.{a}", "capability_usd_bn", round(c, 1))
    begin = "# BEGIN CALIBRATION (written by scripts/calibrate_hindcast.py)"
    end = "# END CALIBRATION"
    i, j = text.index(begin), text.index(end)
    text = text[: i + len(begin)] + "\n" + "\n".join(block) + "\n" + text[j:]
    SCENARIO.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Fit, report and write the scenario."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=100, help="runs per evaluation (default 100)")
    ap.add_argument("--cutoff", type=int, default=2018, help="last fitted year (default 2018)")
    ap.add_argument(
        "--max-evals", type=int, default=60, help="cap on least-squares iterations (default 60)"
    )
    ap.add_argument("--dry-run", action="store_true", help="fit and print, do not write")
    ap.add_argument(
        "--origin",
        action="store_true",
        help="write a rolling origin (sim/hindcast/origins/cutoff_<YEAR>.toml), not the scenario",
    )
    args = ap.parse_args(argv)

    base = load_scenario(SCENARIO).data
    capability = {}
    for a in ACTORS:
        delta = float(base["actors"][a]["capability_depreciation_per_year"])
        capability[a], first = perpetual_inventory(a, delta)
        print(
            f"capability {a}: {capability[a]:.1f} USD bn (perpetual inventory {first}-2012, "
            f"delta {delta})"
        )
    if any(
        abs(capability[a] - float(base["actors"][a]["capability_usd_bn"])) > 0.05 for a in ACTORS
    ):
        print("note: capability stocks in the scenario differ; they will be rewritten")

    obj = Objective(args.runs, args.cutoff)
    spec = parameter_spec(base)
    x0 = np.array([s[1] for s in spec])
    lo = np.array([s[2] for s in spec])
    hi = np.array([s[3] for s in spec])
    t0 = time.time()
    r0 = obj.residuals(x0)
    print(f"start: {len(r0)} moments, sum of squares {np.sum(r0**2):.4f}")
    fit = least_squares(
        obj.residuals,
        x0,
        bounds=(lo, hi),
        method="trf",
        diff_step=np.full(x0.size, 0.02),
        x_scale=np.maximum(np.abs(x0), 0.1),
        max_nfev=args.max_evals,
        verbose=1,
    )
    wall = time.time() - t0
    res = fit.fun
    print(
        f"end: sum of squares {np.sum(res**2):.4f}, {obj.calls} simulations, {wall:.0f} s, "
        f"status {fit.status}: {fit.message}"
    )
    width = max(len(s[0]) for s in spec)
    for (name, *_), v in zip(spec, fit.x, strict=True):
        shown = np.exp(v) if ".log_" in name else v
        print(f"  {name:<{width}}  {shown:10.4g}")
    for lab, r in zip(obj.labels(), res, strict=True):
        print(f"  {lab:<24} log(sim/obs) {r:+.3f}")

    today = dt.date.today().isoformat()
    fitted = dict(zip([s[0] for s in spec], fit.x, strict=True))
    richardson = [a for a in ACTORS if not is_burden(base, a)]
    block = [
        f"# Fitted on {today} by: python scripts/calibrate_hindcast.py --runs {args.runs} "
        f"--cutoff {args.cutoff} --max-evals {args.max_evals}"
        + (" --origin" if args.origin else ""),
        "# Method: simulated method of moments; log(ensemble mean) - log(observed) for every "
        "fitted year,",
        "# minimised by scipy.optimize.least_squares (trf, bounded, 2% finite-difference "
        "step) with common",
        f"# random numbers ({args.runs} runs, seeds from meta.seed = {obj.seed}, as sim run "
        "derives them).",
        f"# Targets ({len(res)} moments): SIPRI milex CHN JPN USA TWN RUS 2013-{args.cutoff}; "
        f"Senkaku cz_days and",
        f"# ts_intrusion_days 2013-{args.cutoff}; JASDF scrambles vs China FY2013-"
        f"FY{args.cutoff}; Taiwan ADIZ 2020 (single point).",
        f"# Held back: every later year. Sum of squared log residuals {np.sum(r0**2):.3f} -> "
        f"{np.sum(res**2):.3f} ({obj.calls} simulations).",
        "# Burden dynamics for "
        + ", ".join(a for a in ACTORS if is_burden(base, a))
        + ": fitted burden_target b* and burden_adjustment phi.",
        f"# Estimated on data <= {args.cutoff} (data/milex_gdp_panel_2000_2024.csv): "
        "gdp_growth_per_year (2013-cutoff mean",
        "# of local-currency GDP growth), gdp/fx/burden volatilities (s.d. of annual log "
        "changes 2000-cutoff);",
        "# grey-zone latent persistence_per_year and volatility_per_year (pooled AR(1) of the "
        "log annual series, MODEL.md 7.3).",
        *(
            [
                "# Richardson initial growth rates r_i behind arms.grievance "
                "(g_i = a_i m_i0 - sum_j k_ij m_j0 + r_i m_i0):",
                "#   " + ", ".join(f"{a} {fitted[f'{a}.growth0']:+.4f}/yr" for a in richardson),
            ]
            if richardson
            else []
        ),
        "# adiz_incursions elasticities are tied to air_approaches' (not separately identified).",
        "# Capability stocks: perpetual inventory of SIPRI 1990-2012 (RUS 1993-2012), "
        "delta 0.1, recomputed.",
    ]
    if args.dry_run:
        print("\n".join(block))
        return 0
    ov = {**obj.economy, **to_overrides(fit.x, base)}
    if args.origin:
        path = origin_path(args.cutoff)
        write_origin(path, args.cutoff, ov, [line.lstrip("# ") for line in block])
        print(f"wrote {path.relative_to(ROOT)}")
        return 0
    write_scenario(ov, block, capability)
    print(f"wrote {SCENARIO.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
