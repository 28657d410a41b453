"""The page of ``sim viz``: one run stepped in the browser, and whole result folders.

``solara run sim.viz.app`` serves this module: its ``Page`` is built on first access from
the environment that ``sim viz`` sets (`ENV_SCENARIO`, `ENV_SEED`, `ENV_RUN`,
`ENV_RESULTS`). Tests and notebooks call `build` directly::

    viz = build("scenarios/baseline.toml", seed=42, folders=[open_folder("results/x")])
    viz.page()               # a solara element: solara.render(viz.page(), ...)
    viz.model_class(commitment_USA_TWN=1.0, misperception_scale=2)

The page (`Shell`) has two named tabs: *Explore a run* (`sim.viz.pages`: Reset, play,
Step, the scenario's sliders with an Apply button) and *Result folders*. Apply and Reset
build a new model with ``model_class(**params)``; alliance ids contain dashes, so
`make_model_class` returns a subclass of `EscalationModel` whose plain keywords
(``seed``, ``misperception_scale``, ``commitment_<ALLIANCE>``, ``growth_<CODE>``) it
translates into scenario overrides.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import solara
import solara.lab

from sim.errors import SimError
from sim.model import EscalationModel
from sim.results.reader import Results
from sim.runner.seeds import run_seeds
from sim.scenario.loader import Scenario, load_scenario
from sim.viz.launch import ENV_RESULTS, ENV_RUN, ENV_SCENARIO, ENV_SEED, parse_run, split_folders
from sim.viz.pages import PLAY_INTERVAL_MS, Controls, ResultsPanel, RunView, Settings
from sim.viz.results import FolderView, open_folder, replay_scenario

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
            "label": "Seed (integer)",
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
        The page's inputs, as SolaraViz ``model_params`` specs (type, label, value, range).
    page : solara component
        ``page()`` shows a new model; ``page(model=m)`` shows `m`.
    title : str
        The scenario's title.
    origin : str
        Where the run comes from, shown above the ladder.
    folders : list of FolderView
        Result folders of the second page.
    play_interval : int
        Default pause between two months while playing (ms).
    """

    model_class: type[VizModel]
    model_params: dict[str, dict]
    page: Any
    title: str
    origin: str = ""
    folders: list[FolderView] = field(default_factory=list)
    play_interval: int = PLAY_INTERVAL_MS

    @property
    def defaults(self) -> dict[str, Any]:
        """Initial value of every input."""
        return {name: spec["value"] for name, spec in self.model_params.items()}


TAB_LABELS = ("Explore a run", "Result folders")
"""Names of the page's two tabs."""


@solara.component
def Shell(app: VizApp, model: EscalationModel | None = None) -> Any:
    """Show the title, the two named tabs and the page of the selected tab."""
    current = solara.use_reactive(app)
    first = solara.use_memo(
        lambda: model if model is not None else app.model_class(**app.defaults), []
    )
    run: solara.Reactive[EscalationModel] = solara.use_reactive(first)
    applied = solara.use_reactive(app.defaults)
    playing = solara.use_reactive(False)
    play_interval = solara.use_reactive(app.play_interval)
    tab = solara.use_reactive(0)
    shown = current.value

    def apply(values: dict) -> None:
        playing.set(False)
        applied.set(values)
        run.set(shown.model_class(**values))

    def replay(folder: Results, run_id: int) -> None:
        playing.set(False)
        new = build_replay(folder, run_id, app.folders, app.play_interval)
        current.set(new)
        applied.set(new.defaults)
        run.set(new.model_class(**new.defaults))
        tab.set(0)

    with solara.Column(gap="8px") as column:
        # inside the returned column: elements left outside it would never be rendered
        solara.Title(f"sim viz \u00b7 {shown.title}")
        with solara.AppBarTitle():
            solara.Text(f"Escalation explorer: {shown.title}", classes=["sim-title"])
        with solara.lab.Tabs(value=tab):
            for label in TAB_LABELS:
                solara.lab.Tab(label)
        if tab.value == 0:
            with solara.Sidebar():
                with solara.Card("Run", margin=0):
                    Controls(run, applied, playing, play_interval)
                with solara.Card("Settings", margin=0):
                    Settings(shown.model_params, applied, apply).key(f"settings-{id(shown)}")
                with solara.Details("Advanced", expand=False):
                    solara.SliderInt(
                        "Pause between months while playing (ms)",
                        value=play_interval,
                        min=10,
                        max=1000,
                        step=10,
                    )
            RunView(run.value, shown.origin)
        else:
            ResultsPanel(app.folders, replay)
    return column


def build(
    source: str | Path | Scenario | Mapping = DEFAULT_SCENARIO,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    play_interval: int = PLAY_INTERVAL_MS,
    folders: Sequence[FolderView] = (),
    origin: str | None = None,
) -> VizApp:
    """Build the page of a scenario (and of fixed `overrides`, e.g. a replayed run's)."""
    model_class = make_model_class(source, seed, overrides)
    params = model_params(model_class)
    title = model_class.base_scenario.title
    if origin is None:
        where = source if isinstance(source, (str, Path)) else "a scenario in memory"
        origin = f"Scenario {where}, seed {model_class.default_seed}"
    app = VizApp(model_class, params, None, title, origin, list(folders), play_interval)

    def page(model: EscalationModel | None = None) -> Any:
        return Shell(app, model)

    app.page = page
    return app


def build_replay(
    folder: Results | str | Path,
    run_id: int,
    folders: Sequence[FolderView] = (),
    play_interval: int = PLAY_INTERVAL_MS,
) -> VizApp:
    """Build the page of run `run_id` of a result folder (its scenario, overrides and seed)."""
    scenario, seed = replay_scenario(folder, run_id)
    return build(
        scenario,
        seed=seed,
        play_interval=play_interval,
        folders=folders,
        origin=f"Run {run_id} of {getattr(folder, 'path', folder)}, seed {seed}",
    )


def build_from_env(environ: Mapping[str, str] | None = None) -> VizApp:
    """Build the page that ``sim viz`` asked for through the environment."""
    env = os.environ if environ is None else environ
    folders = [open_folder(f) for f in split_folders(env.get(ENV_RESULTS, ""))]
    run = env.get(ENV_RUN)
    if run:
        folder, run_id = parse_run(run)
        return build_replay(folder, run_id, folders)
    scenario = env.get(ENV_SCENARIO)
    if not scenario and folders:
        return build_replay(folders[0].path, 0, folders)
    seed_text = env.get(ENV_SEED)
    try:
        seed = int(seed_text) if seed_text else None
    except ValueError:
        raise SimError(f"{ENV_SEED}={seed_text!r} is not an integer") from None
    return build(scenario or DEFAULT_SCENARIO, seed=seed, folders=folders)


def _page() -> Any:
    """Build the component ``solara run`` serves, from the environment."""
    app = build_from_env()

    @solara.component
    def Page() -> Any:
        return app.page()

    return Page


def __getattr__(name: str) -> Any:
    # ``solara run sim.viz.app`` looks up ``Page``: build it then, not at import.
    if name == "Page":
        page = _page()
        globals()["Page"] = page
        return page
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
