"""Declarations: keyword-only, keys from the field names, typed access to a block."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from sim.engine.declare import Array, ParamBlock, param, world
from sim.engine.mechanisms.crisis_params import CrisisParams
from sim.engine.mechanisms.greyzone_params import GreyzoneParams
from sim.engine.params import compile_scenario
from sim.engine.subset import RowParams
from sim.scenario.loader import load_scenario


@dataclass(frozen=True)
class Example(ParamBlock, prefix="example."):
    """A block with a prefix: shared tables get it, its own tables do not."""

    rate: Array = param(scope="model", kind="float", default=1.0, doc="A rate.")
    share: Array = param(scope="actor", kind="float", default=0.5, lo=0, hi=1, doc="A share.")
    cap: Array = param(scope="theatre", kind="float", default=1.0, doc="A cap.", key="cap")


def test_keys_come_from_field_names_and_the_prefix() -> None:
    keys = {name: (p.key, p.scope) for name, p in Example.declared()}
    assert keys == {
        "rate": ("rate", "model"),  # [model.<mechanism>] is the mechanism's own table
        "share": ("example.share", "actor"),  # actors.<code>.example.share
        "cap": ("cap", "theatre"),  # an explicit key wins
    }
    share = dict(Example.declared())["share"].spec
    assert (share.kind, share.default, share.lo, share.hi, share.source) == (
        "float",
        0.5,
        0,
        1,
        "judgement",
    )


def test_shipped_blocks_keep_their_keys() -> None:
    keys = {name: p.key for name, p in GreyzoneParams.declared()}
    assert keys["rate_per_year"] == "rate_per_year"  # activity scope: no prefix
    assert keys["budget_drift_per_year"] == "greyzone.budget_drift_per_year"


def test_declarations_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        param("x", "model", "float", 0.0, 0, 1, "", "doc")  # type: ignore[misc]
    with pytest.raises(TypeError):
        world("x", ("actor",), np.float64, "doc")  # type: ignore[misc]
    var = world("x", axes=("actor",), dtype=np.float64, fill=1.0, doc="An array.")
    assert (var.name, var.role, var.axes, var.fill, var.doc) == (
        "x",
        "world",
        ("actor",),
        1.0,
        "An array.",
    )


def test_typed_access_by_block_class() -> None:
    d = {
        "meta": {"name": "typed", "start": "2000-01", "months": 12},
        "actors": {
            "AAA": {"name": "A", "gdp_usd_bn": 1000, "milex_usd_bn": 20},
            "BBB": {"name": "B", "gdp_usd_bn": 1000, "milex_usd_bn": 20},
        },
        "theatres": {"area": {"claimants": ["AAA", "BBB"], "holder": "AAA"}},
    }
    _, params = compile_scenario(load_scenario(d))
    crisis = params[CrisisParams]
    assert crisis is params.crisis
    assert crisis.war_cost.tolist() == [0.2]
    rows = RowParams(params.map(lambda a: np.repeat(a, 3, axis=0)), np.array([0, 2]))
    assert rows[CrisisParams].war_cost.tolist() == [0.2, 0.2]
    with pytest.raises(KeyError):
        params[Example]
