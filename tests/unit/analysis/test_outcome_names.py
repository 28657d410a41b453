"""The shared MEASURE.THEATRE naming scheme."""

import numpy as np
import pandas as pd
import pytest

from sim.analysis.outcome_names import (
    outcome_label,
    outcome_vector,
    parse_outcome,
    per_run_values,
)
from sim.errors import SimError


def test_parse_and_label():
    o = parse_outcome("war.taiwan")
    assert o.name == "war.taiwan" and o.label == "P(war) in taiwan" and o.column == "p_war"
    assert parse_outcome("holder_changed.senkaku").name == "lost.senkaku"
    assert parse_outcome("p_rung_ge5.taiwan").name == "rung5.taiwan"  # legacy column name
    assert outcome_label("p_war") == "P(war)"
    assert outcome_label("model.crisis.war_cost") == "model.crisis.war_cost"
    assert parse_outcome("joined_USA-TWN.taiwan").label == "P(USA joined, USA-TWN) in taiwan"


@pytest.mark.parametrize("bad", ["war", "bogus.taiwan"])
def test_bad_names(bad):
    with pytest.raises(SimError):
        parse_outcome(bad)


def test_unknown_theatre():
    with pytest.raises(SimError, match="unknown theatre"):
        parse_outcome("war.korea", ["taiwan", "senkaku"])


def test_vectors():
    summary = pd.DataFrame(
        {"point_id": [1, 0, 0, 1], "theatre": ["t", "t", "s", "s"], "p_war": [0.2, 0.1, 0, 0]}
    )
    assert outcome_vector(summary, "war.t").tolist() == [0.1, 0.2]
    with pytest.raises(SimError, match="not in this sweep"):
        outcome_vector(summary, "crisis.t")
    outcomes = pd.DataFrame(
        {
            "run_id": [1, 0],
            "theatre": ["t", "t"],
            "war": [True, False],
            "max_rung": [6, 3],
            "crises": [2, 0],
            "first_crisis_month": [4, None],
            "holder_changed": [False, False],
            "allies_joined": ["USA", None],
        }
    )
    assert per_run_values(outcomes, "rung4.t").tolist() == [0.0, 1.0]
    assert per_run_values(outcomes, "crisis.t").tolist() == [0.0, 1.0]
    assert per_run_values(outcomes, "joined_USA-TWN.t").tolist() == [0.0, 1.0]
    assert np.allclose(per_run_values(outcomes, "max_rung.t"), [3, 6])
