"""The SolaraViz page of ``sim viz``: one run of a scenario, stepped in the browser.

``solara run sim.viz.app`` serves this module: its ``Page`` is built on first access from
the environment that ``sim viz`` sets (`ENV_SCENARIO`, `ENV_SEED`, `ENV_RUN`). Tests and
notebooks call `build` directly::

    viz = build("scenarios/baseline.toml", seed=42)
    viz.page                 # a solara component: solara.render(viz.page(), ...)
    viz.model_class(commitment_USA_TWN=1.0, misperception_scale=2)

Mesa rebuilds the model on Reset with ``model_class(**params)``, and its parameters must
be plain keywords; alliance ids contain dashes, so `make_model_class` returns a subclass
of `EscalationModel` whose keywords (``seed``, ``misperception_scale``,
``commitment_<ALLIANCE>``, ``growth_<CODE>``) it translates into scenario overrides.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import solara
from mesa.visualization import SolaraViz

from sim.errors import SimError
from sim.model import EscalationModel
from sim.runner.seeds import run_seeds
from sim.scenario.loader import Scenario, load_scenario
from sim.viz.cli import ENV_RUN, ENV_SCENARIO, ENV_SEED, parse_run
from sim.viz.components import COMPONENTS

DEFAULT_SCENARIO = "scenarios/baseline.toml"
MISPERCEPTION_MAX = 3.0
"""Schema maximum of ``actors.<CODE>.misperception``."""


def param_name(prefix: str, ident: str) -> str:
    """Keyword name of a per-alliance or per-actor parameter: ``commitment_USA_TWN``."""
    return prefix + "_" + re.sub(r"\W", "_", ident)


def parse_seed(value: Any, default: int) -> int:
    """Seed from the page's text box: an integer, or `default` when blank or not a number."""
    if value is None:
        return default
    if isinstance(value, (int, np.integer)):
        return int(value)
    text = str(value).strip().replace("_", "").replace(",", "")
    try:
        seed = int(text)
    except ValueError:
        return default
    return seed if seed >= 0 else default


class VizModel(EscalationModel):
    """`EscalationModel` with the page's controls as plain keyword parameters.

    Subclasses made by `make_model_class` set the class attributes below.

    Parameters
    ----------
    seed : int or str, optional
        The run's seed; blank or None: `default_seed`.
    misperception_scale : float
        Multiplies every actor's ``misperception`` (clipped to the schema maximum).
    **kwargs
        ``commitment_<ALLIANCE>`` (0-1) and ``growth_<CODE>`` (nominal GDP growth per
        year) for the alliances and actors of the scenario.
    """

    base_scenario: Scenario
    default_seed: int
    alliance_params: dict[str, str] = {}
    growth_params: dict[str, str] = {}

    def __init__(
        self, seed: int | str | None = None, misperception_scale: float = 1.0, **kwargs: Any
    ) -> None:
        overrides = self.overrides_for(misperception_scale, kwargs)
        super().__init__(
            self.base_scenario, seed=parse_seed(seed, self.default_seed), overrides=overrides
        )
        self.viz_params = {
            "seed": self.run_seed,
            "misperception_scale": misperception_scale,
            **kwargs,
        }

    @classmethod
    def overrides_for(cls, misperception_scale: float, params: Mapping[str, Any]) -> dict[str, Any]:
        """Scenario overrides of the page's parameters (only values that differ)."""
        data = cls.base_scenario.data
        out: dict[str, Any] = {}
        for name, value in params.items():
            if name in cls.alliance_params:
                aid = cls.alliance_params[name]
                path = f"alliances.{aid}.commitment"
                current = next(a["commitment"] for a in data["alliances"] if a["id"] == aid)
            elif name in cls.growth_params:
                code = cls.growth_params[name]
                path = f"actors.{code}.gdp_growth_per_year"
                current = data["actors"][code]["gdp_growth_per_year"]
            else:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {name!r}")
            if float(value) != float(current):
                out[path] = float(value)
        scale = float(misperception_scale)
        if scale != 1.0:
            for code, actor in data["actors"].items():
                out[f"actors.{code}.misperception"] = min(
                    MISPERCEPTION_MAX, actor["misperception"] * scale
                )
        return out


def make_model_class(
    source: str | Path | Scenario | Mapping = DEFAULT_SCENARIO,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> type[VizModel]:
    """Return a `VizModel` subclass bound to a scenario, its default seed and overrides."""
    if isinstance(source, Scenario):
        # what load_scenario does with a Scenario (its annotation leaves that case out)
        base = source.with_overrides(dict(overrides)) if overrides else source
    else:
        base = load_scenario(source, dict(overrides or {}))
    if seed is None:
        seed = int(run_seeds(base.seed, np.array([0]))[0])
    alliances = {param_name("commitment", a["id"]): a["id"] for a in base.data["alliances"]}
    growth = {param_name("growth", code): code for code in base.actor_codes}
    return type(
        "VizModel",
        (VizModel,),
        {
            "base_scenario": base,
            "default_seed": int(seed),
            "alliance_params": alliances,
            "growth_params": growth,
            "__doc__": f"`VizModel` of {base.title!r}.",
        },
    )


def _slider(label: str, value: float, low: float, high: float, step: float) -> dict:
    return {
        "type": "SliderFloat",
        "label": label,
        "value": float(value),
        "min": min(low, float(value)),
        "max": max(high, float(value)),
        "step": step,
    }


def model_params(model_class: type[VizModel]) -> dict[str, dict]:
    """SolaraViz ``model_params`` of a bound `VizModel` class, with the scenario's values."""
    data = model_class.base_scenario.data
    params: dict[str, dict] = {
        "seed": {
            "type": "InputText",
            "value": str(model_class.default_seed),
            "label": "Seed (integer; Reset to apply)",
        },
        "misperception_scale": _slider("Misperception \u00d7", 1.0, 0.0, 3.0, 0.1),
    }
    for name, aid in model_class.alliance_params.items():
        alliance = next(a for a in data["alliances"] if a["id"] == aid)
        params[name] = _slider(
            f"{alliance['patron']}\u2192{alliance['client']} commitment",
            alliance["commitment"],
            0.0,
            1.0,
            0.05,
        )
    for name, code in model_class.growth_params.items():
        growth = data["actors"][code]["gdp_growth_per_year"]
        params[name] = _slider(f"{code} GDP growth/yr", growth, -0.05, 0.15, 0.005)
    return params


@dataclass
class VizApp:
    """What `build` returns.

    Attributes
    ----------
    model_class : type
        The bound `VizModel` subclass.
    model_params : dict
        SolaraViz ``model_params``.
    page : solara component
        ``page()`` shows a new model; ``page(model=m)`` shows `m`.
    title : str
        The scenario's title.
    """

    model_class: type[VizModel]
    model_params: dict[str, dict]
    page: Any
    title: str


def build(
    source: str | Path | Scenario | Mapping = DEFAULT_SCENARIO,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    play_interval: int = 150,
) -> VizApp:
    """Build the page of a scenario (and of fixed `overrides`, e.g. a replayed run's)."""
    model_class = make_model_class(source, seed, overrides)
    params = model_params(model_class)
    defaults = {name: spec["value"] for name, spec in params.items()}
    title = model_class.base_scenario.title

    @solara.component
    def Page(model: EscalationModel | None = None) -> Any:
        initial = solara.use_memo(
            lambda: model if model is not None else model_class(**defaults), []
        )
        return SolaraViz(
            initial,
            components=list(COMPONENTS),
            model_params=params,
            name=title,
            play_interval=play_interval,
        )

    return VizApp(model_class, params, Page, title)


def stored_seed(folder: str | Path, run_id: int) -> int:
    """Seed of run `run_id` as stored in ``runs.parquet``, read as an exact uint64.

    ``sim.trace.replay_spec`` takes the seed from a pandas row, which turns a frame of
    only numeric columns into float64 and rounds 64-bit seeds; read the column instead.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(Path(folder) / "runs.parquet", columns=["run_id", "seed"])
    seeds = table.filter(pc.equal(table["run_id"], run_id))["seed"].to_pylist()
    if not seeds:
        raise SimError(f"{folder}: no run {run_id}")
    return int(seeds[0])


def build_from_env(environ: Mapping[str, str] | None = None) -> VizApp:
    """Build the page that ``sim viz`` asked for through the environment."""
    env = os.environ if environ is None else environ
    run = env.get(ENV_RUN)
    if run:
        from sim.trace import replay_spec

        folder, run_id = parse_run(run)
        data, _seed, overrides = replay_spec(folder, run_id)
        return build(data, seed=stored_seed(folder, run_id), overrides=overrides)
    seed_text = env.get(ENV_SEED)
    try:
        seed = int(seed_text) if seed_text else None
    except ValueError:
        raise SimError(f"{ENV_SEED}={seed_text!r} is not an integer") from None
    return build(env.get(ENV_SCENARIO) or DEFAULT_SCENARIO, seed=seed)


def __getattr__(name: str) -> Any:
    # ``solara run sim.viz.app`` looks up ``Page``: build it then, not at import.
    if name == "Page":
        page = build_from_env().page
        globals()["Page"] = page
        return page
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
