"""A small simulation-based calibration of `sim calibrate` (the full one: benchmarks/).

10 replications x 2 parameters = 20 credible intervals of each level. If the procedure is
calibrated, the number of 90% intervals holding the truth is Binomial(20, 0.9): below 13
has probability 0.0004; the number of 50% intervals is Binomial(20, 0.5): outside 5-15
has probability 0.012. Fixed seeds make the outcome deterministic.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BASE_TOML

from sim.calibrate import smc
from sim.calibrate.sbc import replicate, summarise
from sim.calibrate.targets import Target
from sim.scenario.loader import load_scenario

PATHS = ["model.crisis.initiation_rate_per_year", "model.crisis.escalation_probability"]
TEMPLATE = [
    Target("crises.taiwan", "taiwan", "rate", 3, "", 0, 1.0),
    Target("crises.senkaku", "senkaku", "rate", 3, "", 0, 1.0),
    Target("armed.taiwan", "taiwan", "share", 3, "peak>=5", 0, 1.0),
    Target("major.taiwan", "taiwan", "rate", 4, "", 0, 1.0),
]


@pytest.mark.slow
def test_credible_intervals_cover_the_truth_at_their_nominal_rate(tmp_path: Path):
    path = tmp_path / "base.toml"
    path.write_text(BASE_TOML.replace("months = 120", "months = 36"))
    scen = load_scenario(path)
    settings = smc.Settings(particles=48)
    reps = [replicate(scen, PATHS, TEMPLATE, i, settings, 2, 10, seed=4) for i in range(10)]
    result = summarise(reps, PATHS, bins=5)
    hits90 = round(result["coverage90"] * 20)
    hits50 = round(result["coverage50"] * 20)
    assert hits90 >= 13, result
    assert 5 <= hits50 <= 15, result
