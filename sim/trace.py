"""``sim trace``: the story of one run, month by month, through the Mesa front."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from sim.errors import ResultsError
from sim.scenario.loader import load_scenario


def replay_spec(folder: str | Path, run_id: int) -> tuple[dict, int, dict]:
    """Return (resolved scenario data, seed, overrides) of run `run_id` of a result folder."""
    import pyarrow.parquet as pq

    from sim.results.folder import read_manifest

    path = Path(folder)
    manifest = read_manifest(path)
    runs_file = path / "runs.parquet"
    if not runs_file.exists():
        raise ResultsError(f"{runs_file}: missing")
    table = pq.read_table(runs_file)
    ids = table["run_id"].to_numpy()
    where = np.nonzero(ids == run_id)[0]
    if where.size == 0:
        raise ResultsError(f"{path}: no run {run_id} (runs 0 to {len(ids) - 1})")
    i = int(where[0])
    # read column by column: a pandas row would turn the uint64 seed into a float
    seed = int(table["seed"][i].as_py())
    overrides = {column: table[column][i].as_py() for column in manifest.get("swept", [])}
    return manifest["scenario"], seed, overrides


def story(model, verbose: bool = False) -> str:
    """Run the model to its horizon and return its log and outcomes as text."""
    from sim.events_log import month_events

    engine = model.engine
    lines = [
        f"{model.scenario.title}: replay of seed {model.run_seed}",
        f"start {model.scenario.start}, {model.scenario.months} months; mechanisms: "
        + ", ".join(model.scenario.mechanisms),
        "",
    ]
    while model.running:
        before = engine.state.world.rung.copy()
        t = engine.state.t
        model.step()
        rows = (
            month_events(engine, t, before, activity=verbose)
            if verbose
            else [r for r in model.log if r["month"] == t]
        )
        for r in rows:
            where = f"[{r['theatre']}] " if r["theatre"] else ""
            lines.append(f"{r['date']}  {where}{r['text']}")
    lines.append("")
    lines.append("Outcome per theatre:")
    out = model.outcomes()
    for _, r in out.iterrows():
        war = f"war from month {int(r.war_month)}" if r.war else "no war"
        joined = r.allies_joined or "none"
        lines.append(
            f"  {r.theatre}: highest rung {r.max_rung}, {war}, {r.crises} crises, "
            f"holder {r.holder_final}, allies joined: {joined}"
        )
    return "\n".join(lines)


def trace_from_scenario(
    scenario: str, seed: int, overrides: Iterable[str] = (), verbose: bool = False
) -> str:
    """Story of the run with `seed` of a scenario file."""
    from sim.model import EscalationModel

    scen = load_scenario(scenario, list(overrides))
    return story(EscalationModel(scen, seed=seed), verbose)


def trace_from_folder(folder: str, run_id: int, verbose: bool = False) -> str:
    """Story of run `run_id` of a result folder (its stored scenario and seed)."""
    from sim.model import EscalationModel

    data, seed, overrides = replay_spec(folder, run_id)
    return story(EscalationModel(data, seed=seed, overrides=overrides), verbose)
