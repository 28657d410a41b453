"""The Mesa front: `EscalationModel`, one run of the same vectorised engine (R = 1).

There is no second implementation of the dynamics: `EscalationModel.step` calls the
engine's monthly step on a batch of one run, and each `StateActor` reads its attributes
from the engine's state arrays. A run replayed here with the seed an ensemble stored for
it reproduces that run exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.engine.ladder import RUNG_NAMES
from sim.engine.params import compile_scenario
from sim.engine.simulate import Engine
from sim.events_log import month_events
from sim.results.tables import outcomes_table, to_frame
from sim.runner.seeds import run_seeds
from sim.scenario.loader import Scenario, load_scenario


class StateActor(mesa.Agent):
    """A state actor; its attributes are views of the engine's state for this run.

    Attributes
    ----------
    code : str
        ISO 3166 alpha-3 code (the scenario's actor key).
    name : str
        Full name.
    index : int
        Position on the engine's actor axis.
    """

    def __init__(self, model: EscalationModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.code = model.structure.actors[index]
        self.name = model.structure.actor_names[index]

    @property
    def _state(self):
        return self.model.engine.state

    @property
    def milex_usd_bn(self) -> float:
        """Military expenditure, USD bn per year (annualised rate this month)."""
        return float(self._state.world.milex[0, self.index])

    @property
    def gdp_usd_bn(self) -> float:
        """GDP, USD bn per year."""
        return float(self._state.world.gdp[0, self.index])

    @property
    def capability(self) -> float:
        """Military capital stock, USD bn."""
        return float(self._state.world.capability[0, self.index])

    @property
    def misperception(self) -> float:
        """Current log-sd of the actor's misperception of relative strength."""
        return float(self._state.world.sigma[0, self.index])

    @property
    def share_gdp(self) -> float:
        """Military expenditure as a share of GDP."""
        gdp = self.gdp_usd_bn
        return self.milex_usd_bn / gdp if gdp > 0 else 0.0

    @property
    def grievances(self) -> dict[str, float]:
        """Grievance of this actor toward each other actor (0-1)."""
        row = self._state.world.grievance[0, self.index]
        return {
            code: float(row[j])
            for j, code in enumerate(self.model.structure.actors)
            if j != self.index
        }

    def grievance_toward(self, code: str) -> float:
        """Grievance toward the actor with code `code`."""
        return self.grievances[code]

    def step(self) -> None:
        """Nothing: the engine advances all actors together (see `EscalationModel.step`)."""

    def __repr__(self) -> str:
        return (
            f"StateActor({self.code}, milex={self.milex_usd_bn:.1f} bn, "
            f"capability={self.capability:.0f} bn)"
        )


def _normalise_overrides(
    overrides: Mapping[str, Any] | None, keywords: Mapping[str, Any]
) -> dict[str, Any]:
    out = dict(overrides or {})
    for key, value in keywords.items():
        out[key.replace("__", ".")] = value
    return out


class EscalationModel(mesa.Model):
    """One run of a scenario, stepped month by month.

    Parameters
    ----------
    scenario : str, Path, Scenario or mapping
        Scenario file or loaded scenario (default: ``scenarios/baseline.toml``).
    seed : int, optional
        The run's 64-bit seed, as stored in ``runs.parquet``. Default: the seed of run 0 of
        an ensemble with the scenario's master seed.
    overrides : mapping, optional
        ``--set`` style overrides, ``{"actors.JPN.milex_usd_bn": 60}``.
    **keyword_overrides
        The same with ``__`` for dots: ``alliances__USA-TWN__commitment=0.9`` is not a
        valid Python name, so use `overrides` for paths with dashes.
    """

    def __init__(
        self,
        scenario: str | Path | Scenario | Mapping = "scenarios/baseline.toml",
        seed: int | None = None,
        overrides: Mapping[str, Any] | None = None,
        **keyword_overrides: Any,
    ) -> None:
        scen = load_scenario(scenario, _normalise_overrides(overrides, keyword_overrides))
        if seed is None:
            seed = int(run_seeds(scen.seed, np.array([0]))[0])
        self.run_seed = int(seed)
        super().__init__(seed=self.run_seed % (2**32))
        self.scenario = scen
        self.structure, params = compile_scenario(scen)
        self.engine = Engine(self.structure, params, np.array([self.run_seed], dtype=np.uint64))
        self.state_actors = [StateActor(self, i) for i in range(len(self.structure.actors))]
        self.log: list[dict[str, Any]] = []
        self.datacollector = mesa.DataCollector(
            model_reporters=self._model_reporters(),
            agent_reporters={
                "code": "code",
                "milex_usd_bn": "milex_usd_bn",
                "gdp_usd_bn": "gdp_usd_bn",
                "capability": "capability",
                "misperception": "misperception",
            },
            tables={"events": ["month", "date", "theatre", "kind", "text"]},
        )
        self.running = True
        self.datacollector.collect(self)

    @classmethod
    def from_results(cls, results: Any, run_id: int) -> EscalationModel:
        """Return a model that replays run `run_id` of a result folder.

        The model gets the run's own scenario as the manifest stores it (resolved, with
        the ``--set`` overrides of the job applied), the overrides themselves (so that
        ``model.scenario.overrides`` lists them), the swept values of its design point for
        a sweep, and its 64-bit seed from ``runs.parquet``. Run to the end, its
        ``outcomes()`` equal the run's rows of ``outcomes.parquet`` (the determinism
        contract, docs/CONTRACTS.md).

        Parameters
        ----------
        results : Results, str or Path
            What `sim.run` or `sim.load_results` returned, or a result folder.
        run_id : int
            The run to replay (``runs.parquet``'s ``run_id``).

        Returns
        -------
        EscalationModel
            A fresh model at month 0.

        Raises
        ------
        ResultsError
            If the folder has no such run.
        """
        from sim.errors import ResultsError
        from sim.results.reader import Results, load_results

        res = results if isinstance(results, Results) else load_results(results)
        runs = res.runs
        rows = runs.index[runs["run_id"] == int(run_id)]
        if len(rows) == 0:
            raise ResultsError(
                f"{res.path}: no run {run_id} (run ids {runs.run_id.min()} to {runs.run_id.max()})"
            )
        # a record of plain Python values: the uint64 seed stays exact
        record: dict[Any, Any] = runs.loc[rows[:1]].astype(object).to_dict("records")[0]
        manifest = res.manifest
        swept = {column: record[column] for column in manifest.get("swept", [])}
        if manifest.get("kind") == "sweep" and manifest.get("seeding") != "common":
            swept["calibration.posterior"] = "none"  # older sweeps ran at the scenario's values
        scenario = load_scenario(manifest["scenario"], list(manifest.get("overrides", [])))
        return cls(scenario, seed=int(record["seed"]), overrides=swept)

    def _model_reporters(self) -> dict[str, Any]:
        s = self.structure
        reporters: dict[str, Any] = {"month": lambda m: m.month, "date": lambda m: m.date}
        for k, name in enumerate(s.theatres):
            reporters[f"rung_{name}"] = lambda m, k=k: int(m.engine.state.world.rung[0, k])
        for i, code in enumerate(s.actors):
            reporters[f"milex_{code}"] = lambda m, i=i: float(m.engine.state.world.milex[0, i])
            reporters[f"capability_{code}"] = lambda m, i=i: float(
                m.engine.state.world.capability[0, i]
            )
        for i, j in s.grievance_dyads:
            reporters[f"grievance_{s.actors[i]}-{s.actors[j]}"] = lambda m, i=i, j=j: float(
                m.engine.state.world.grievance[0, i, j]
            )
        return reporters

    @property
    def month(self) -> int:
        """Months simulated so far (0 before the first step)."""
        return int(self.engine.state.t)

    @property
    def date(self) -> str:
        """``YYYY-MM`` of the next month to simulate (the start before the first step)."""
        return self.scenario.month_label(self.month)

    @property
    def rung(self) -> dict[str, int]:
        """Current rung of each theatre."""
        return {
            name: int(self.engine.state.world.rung[0, k])
            for k, name in enumerate(self.structure.theatres)
        }

    @property
    def rung_names(self) -> dict[str, str]:
        """Current rung of each theatre in words."""
        return {name: RUNG_NAMES[r] for name, r in self.rung.items()}

    @property
    def holder(self) -> dict[str, str]:
        """Current holder of each theatre."""
        return {
            name: self.structure.actors[int(self.engine.state.world.holder[0, k])]
            for k, name in enumerate(self.structure.theatres)
        }

    def actor(self, code: str) -> StateActor:
        """Return the `StateActor` with this code."""
        for agent in self.state_actors:
            if agent.code == code:
                return agent
        raise KeyError(code)

    def step(self) -> None:
        """Advance one month; ``running`` turns False at the horizon."""
        if self.engine.done:
            self.running = False
            return
        before = self.engine.state.world.rung.copy()
        t = self.engine.state.t
        self.engine.step()
        for row in month_events(self.engine, t, before):
            self.log.append(row)
            self.datacollector.add_table_row("events", row)
        self.datacollector.collect(self)
        if self.engine.done:
            self.running = False

    def run_to_end(self) -> EscalationModel:
        """Step until the horizon."""
        while self.running:
            self.step()
        return self

    def outcomes(self):
        """One row per theatre with the columns of ``outcomes.parquet`` less ``run_id``."""
        table = outcomes_table(self.engine.result(), np.array([0]))
        return to_frame(table).drop(columns=["run_id"])

    def crises(self):
        """One row per crisis so far, with the columns of ``crises.parquet`` less ``run_id``."""
        from sim.results.tables import crises_table

        table = crises_table(self.engine.result(), np.array([0]))
        return to_frame(table).drop(columns=["run_id"])

    def remove(self) -> None:
        """Release the model (Mesa 3.3.1 keeps every model alive in ``Agent._ids``)."""
        mesa.Agent._ids.pop(self, None)
