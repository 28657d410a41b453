"""``sim calibrate --prior PATH=KIND:LO:HI``: a prior-sensitivity refit replaces one prior."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.calibrate.priors import calibrated_parameters, parse_prior
from sim.errors import SimError
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[3]
BASELINE = REPO / "scenarios" / "baseline.toml"


def test_parse_and_replace() -> None:
    path, prior = parse_prior("model.crisis.war_cost=loguniform:0.145:5.8")
    assert path == "model.crisis.war_cost" and (prior.kind, prior.lo, prior.hi) == (
        "loguniform",
        0.145,
        5.8,
    )
    chosen = calibrated_parameters(load_scenario(BASELINE), priors={path: prior})
    by_path = {c.path: c for c in chosen}
    assert by_path[path].prior == prior
    assert by_path["model.crisis.exercise_value"].prior.lo == 0.05  # the others as declared


@pytest.mark.parametrize(
    "text", ["model.crisis.war_cost=foo", "model.crisis.war_cost=loguniform:2:1", "nopath"]
)
def test_bad_prior_is_one_error(text: str) -> None:
    with pytest.raises(SimError):
        parse_prior(text)


def test_prior_of_an_uncalibratable_path_is_refused() -> None:
    _, prior = parse_prior("model.crisis.csf_exponent=uniform:0.5:2")
    with pytest.raises(SimError, match="not calibratable"):
        calibrated_parameters(load_scenario(BASELINE), priors={"model.crisis.csf_exponent": prior})


def test_cli_bad_prior_exits_2_in_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", str(BASELINE), "--out", str(tmp_path / "c"),
         "--prior", "model.crisis.war_cost=foo"],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "--prior" in proc.stderr
    assert not (tmp_path / "c").exists()
