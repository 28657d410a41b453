"""``sim trace``: the story of one run, month by month, through the Mesa front."""

from __future__ import annotations

import re
import textwrap
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
    table = pq.ParquetFile(runs_file).read()
    ids = table["run_id"].to_numpy()
    where = np.nonzero(ids == run_id)[0]
    if where.size == 0:
        raise ResultsError(f"{path}: no run {run_id} (runs 0 to {len(ids) - 1})")
    i = int(where[0])
    # read column by column: a pandas row would turn the uint64 seed into a float
    seed = int(table["seed"][i].as_py())
    overrides = {column: table[column][i].as_py() for column in manifest.get("swept", [])}
    return manifest["scenario"], seed, overrides


LEGEND = """\
How to read it (one line per event; [theatre] names the theatre):
  rung      the escalation ladder, 0 stable competition ... 5 limited armed clash,
            6 theatre war, 7 regional war, 8 nuclear use (docs/CONTRACTS.md, section 5)
  E_ch      what the challenger (the side pressing the claim) expects to gain by going one
            rung higher: its perceived chance of winning minus the cost of fighting at
            that rung plus the audience cost of backing down, in units of the stake
            (1 = the whole theatre)
  E_df      the same for the defender (the side holding the theatre)
  gap       E_ch + E_df - 1: how much more the two sides together expect from climbing
            than there is to share. Below 0 a deal exists that both prefer to climbing
            ("bargain exists": the crisis may settle); above 0 no deal satisfies both
            ("no bargain": it may climb a rung). Optimism about one's chances (misperception)
            is what pushes the gap above 0.
  moves     both hold = neither climbs this month; escalation = one rung up; settled = the
            crisis ends; capitulates = the defender gives the theatre up; accidental
            escalation = an incident pushes it up a rung while both hold
"""
"""The legend printed at the top of every trace."""

_UTILITIES = re.compile(
    r"E_ch=(?P<ch>[-+]\d+\.\d+), E_df=(?P<df>[-+]\d+\.\d+), gap=(?P<gap>[-+]\d+\.\d+)"
)


def plain_words(text: str) -> str | None:
    """Return a plain-language reading of a crisis move's utilities, or None if it has none.

    The crisis log (``log_month`` in ``sim/engine/mechanisms/crisis.py``) prints the
    terms; this says what they mean for that month.
    """
    match = _UTILITIES.search(text)
    if match is None:
        return None
    ch, df, gap = (float(match.group(g)) for g in ("ch", "df", "gap"))

    def side(name: str, value: float) -> str:
        verb = "gain" if value > 0 else "lose"
        return f"the {name} expects to {verb} {abs(value):.2f} of the stake by climbing"

    if gap > 0:
        verdict = (
            f"together {gap:.2f} more than the whole stake: no deal satisfies both, so the "
            "crisis may climb"
        )
    else:
        verdict = (
            f"together {-gap:.2f} less than the whole stake: a deal both prefer to climbing "
            "exists, so the crisis may settle"
        )
    return f"{side('challenger', ch)}, {side('defender', df)}; {verdict}"


def story(model, verbose: bool = False) -> str:
    """Run the model to its horizon and return its log and outcomes as text."""
    from sim.events_log import month_events

    engine = model.engine
    lines = [
        f"{model.scenario.title}: replay of seed {model.run_seed}",
        f"start {model.scenario.start}, {model.scenario.months} months; mechanisms: "
        + ", ".join(model.scenario.mechanisms),
        *overrides_line(model.scenario.overrides),
        *drawn_line(model.scenario, model.run_seed),
        "",
        LEGEND,
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
            words = plain_words(r["text"])
            if words:
                lines += textwrap.wrap(
                    words, 92, initial_indent=" " * 9 + "= ", subsequent_indent=" " * 11
                )
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
    import pandas as pd

    crises = model.crises()
    if len(crises):
        lines += ["", "Crises (crises.parquet): opened, theatre, trigger, parties, peak, ending"]
        for _, c in crises.iterrows():
            opened = model.scenario.month_label(int(c.opened_month))
            still_open = c.ended_month is None or bool(pd.isna(c.ended_month))
            ended = "" if still_open else f" in {model.scenario.month_label(int(c.ended_month))}"
            lines.append(
                f"  {opened}  [{c.theatre}] {c.trigger}; {c.parties}; peak rung {c.peak_rung}; "
                f"{c.ending}{ended}"
            )
    return "\n".join(lines)


def drawn_line(scenario, seed: int) -> list[str]:
    """Return the run's posterior draw and drawn values as lines (nothing without one)."""
    from sim.engine.params import compile_scenario
    from sim.runner.tasks import draw_columns

    _, params = compile_scenario(scenario)
    columns = draw_columns(params, np.array([seed], dtype=np.uint64))
    if not columns:
        return []
    name = Path(str((params.posterior or {}).get("folder", "?"))).name
    values = ", ".join(f"{k}={float(v[0]):.4g}" for k, v in columns.items() if k != "draw")
    text = f"parameters: draw {int(columns['draw'][0])} of posterior {name}: {values}"
    return textwrap.wrap(text, 100, subsequent_indent="  ", break_on_hyphens=False)


def overrides_line(overrides: Iterable[str]) -> list[str]:
    """Return ``["overrides: A=1, B=2"]``, or nothing when there are none."""
    items = list(overrides)
    return [f"overrides: {', '.join(items)}"] if items else []


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

    return story(EscalationModel.from_results(folder, run_id), verbose)
