"""The two pages of ``sim viz``: exploring one run, and the result folders.

`Controls` (Reset, play, Step), `Settings` (the scenario's sliders and an Apply button)
and `RunView` (ladder, event log, plots) make the first page; `ResultsPanel` the second.
`sim.viz.app.Shell` puts them under named tabs and owns their state. Mesa's SolaraViz is
not used: it labels its tabs "Page 0", shows its play interval and thread options, and
applies slider changes only on Reset. The components still read Mesa's
``update_counter``, which `force_update` advances after every step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization.utils import force_update

from sim.errors import SimError
from sim.results.reader import Results
from sim.viz.components import EventLog, GrievancePlot, Ladder, SpendingPlot, figure_png
from sim.viz.results import (
    FolderView,
    compare_html,
    notable_runs,
    outcomes_html,
    parse_run_id,
    rung_distribution_figure,
)

PLAY_INTERVAL_MS = 150
"""Default pause between two months while playing."""

APPLY_HINT = "Changed settings take effect when you press Apply: the run restarts at month 0."


def changed_params(pending: dict[str, Any], applied: dict[str, Any]) -> list[str]:
    """Names of the parameters whose pending value differs from the applied one."""
    return [name for name, value in pending.items() if applied.get(name) != value]


@solara.component
def Controls(
    model: solara.Reactive,
    applied: solara.Reactive[dict],
    playing: solara.Reactive[bool],
    play_interval: solara.Reactive[int],
) -> Any:
    """Show Reset, play/pause and Step; play steps the model every `play_interval` ms."""
    current = model.value

    def play_loop() -> None:
        m = current
        while playing.value and model.value is m and m.running:
            time.sleep(play_interval.value / 1000)
            if not (playing.value and model.value is m):
                break
            m.step()
            force_update()
        if model.value is m and not m.running:
            playing.set(False)

    solara.lab.use_task(play_loop, dependencies=[playing.value, id(current)], prefer_threaded=True)

    def reset() -> None:
        playing.set(False)
        model.set(type(model.value)(**applied.value))

    def step() -> None:
        model.value.step()
        force_update()

    running = bool(current.running)
    with solara.Row(justify="space-between") as row:
        solara.Button("Reset", color="primary", on_click=reset)
        solara.Button(
            "\u275a\u275a" if playing.value else "\u25b6",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=not running,
        )
        solara.Button("Step", color="primary", on_click=step, disabled=playing.value or not running)
    return row


@solara.component
def Settings(
    specs: dict[str, dict],
    applied: solara.Reactive[dict],
    on_apply: Callable[[dict], None],
) -> Any:
    """Show the scenario's inputs; Apply restarts the run with the values shown."""
    pending = solara.use_reactive(dict(applied.value))
    changed = changed_params(pending.value, applied.value)

    def set_value(name: str, value: Any) -> None:
        pending.set({**pending.value, name: value})

    def setter(name: str) -> Callable[[Any], None]:
        def on_value(value: Any) -> None:
            set_value(name, value)

        return on_value

    with solara.Column(gap="4px") as column:
        for name, spec in specs.items():
            label = spec.get("label", name)
            if spec["type"] == "InputText":
                solara.InputText(
                    label,
                    value=str(pending.value[name]),
                    on_value=setter(name),
                    continuous_update=True,
                )
            else:
                solara.SliderFloat(
                    label,
                    value=float(pending.value[name]),
                    on_value=setter(name),
                    min=spec["min"],
                    max=spec["max"],
                    step=spec["step"],
                )
        if changed:
            solara.Info(APPLY_HINT, dense=True, classes=["sim-apply-hint"])
        with solara.Row():
            solara.Button(
                "Apply",
                color="primary",
                on_click=lambda: on_apply(dict(pending.value)),
                disabled=not changed,
                classes=["sim-apply"],
            )
            solara.Button(
                "Undo changes",
                text=True,
                on_click=lambda: pending.set(dict(applied.value)),
                disabled=not changed,
            )
    return column


@solara.component
def RunView(model: Any, origin: str) -> Any:
    """Show the run: where it comes from, the ladder, the event log and the two plots."""
    with solara.Column(gap="8px") as column:
        solara.Text(origin, classes=["sim-origin"], style={"color": "#555"})
        with solara.Columns([1, 1]):
            Ladder(model)
            EventLog(model)
        with solara.Columns([1, 1]):
            SpendingPlot(model)
            GrievancePlot(model)
    return column


def unique_labels(views: list[FolderView]) -> list[str]:
    """Folder names, numbered when two folders share a name."""
    names = [v.label for v in views]
    if len(set(names)) == len(names):
        return names
    return [f"{k + 1}: {name}" for k, name in enumerate(names)]


NO_COMPARISON = "(none)"


@solara.component
def RunPicker(view: FolderView, on_replay: Callable[[Results, int], None]) -> Any:
    """Pick a run of a folder by id (or among notable runs) and replay it in the explorer."""
    text = solara.use_reactive("0")
    error = solara.use_reactive("")

    def replay(value: Any) -> None:
        try:
            run_id = parse_run_id(value, view)
            error.set("")
            on_replay(view.results, run_id)
        except SimError as exc:
            error.set(str(exc))

    with solara.Card(f"Replay a run of {view.label}", margin=0, classes=["sim-replay"]) as card:
        solara.Text(
            "Replays the run in the 'Explore a run' tab with its own scenario, the folder's "
            "overrides and its stored seed.",
            style={"font-size": "13px"},
        )
        with solara.Row():
            solara.InputText("Run id", value=text, continuous_update=True, classes=["sim-run-id"])
            solara.Button("Replay", color="primary", on_click=lambda: replay(text.value))
        if error.value:
            solara.Error(error.value, classes=["sim-replay-error"])
        for kind, ids in notable_runs(view).items():
            with solara.Row(gap="2px", style={"flex-wrap": "wrap", "align-items": "center"}):
                solara.Text(f"{kind}:", style={"font-size": "13px", "margin-right": "4px"})
                for run_id in ids:
                    solara.Button(
                        str(run_id),
                        text=True,
                        on_click=lambda run_id=run_id: replay(run_id),
                        style={"min-width": "0", "padding": "0 6px"},
                    )
        if not notable_runs(view):
            solara.Text("No run reached rung 5 or war.", style={"font-size": "13px"})
    return card


@solara.component
def ResultsPanel(views: list[FolderView], on_replay: Callable[[Results, int], None]) -> Any:
    """Show a result folder's outcomes per theatre, a comparison of two, and replay runs."""
    labels = unique_labels(views)
    first = solara.use_reactive(labels[0] if labels else "")
    second = solara.use_reactive(labels[1] if len(labels) > 1 else NO_COMPARISON)
    a = views[labels.index(first.value)] if views else None
    b = views[labels.index(second.value)] if second.value in labels else None
    shown = [x for x in (a, b) if x is not None and (x is a or b is not a)]
    png = solara.use_memo(
        lambda: figure_png(rung_distribution_figure(shown)) if shown else b"",
        [first.value, second.value],
    )
    if a is None:
        return solara.Text(
            "No result folder was given. Start the explorer with one or two folders: "
            "sim viz SCENARIO --results results/baseline --results results/no_talks",
            classes=["sim-no-results"],
        )
    with solara.Column(gap="8px", classes=["sim-results"]) as column:
        with solara.Row():
            solara.Select("Folder (A)", values=labels, value=first, classes=["sim-folder-a"])
            solara.Select(
                "Compare with (B)",
                values=[NO_COMPARISON, *labels],
                value=second,
                classes=["sim-folder-b"],
            )
        with solara.Columns([3, 2]):
            with solara.Column(gap="8px"):
                with solara.Card(f"Outcomes of {a.label}", margin=0):
                    solara.HTML(tag="div", unsafe_innerHTML=outcomes_html(a))
                if b is not None and b is not a:
                    with solara.Card(f"{b.label} against {a.label}", margin=0):
                        solara.HTML(tag="div", unsafe_innerHTML=compare_html(a, b))
                RunPicker(a, on_replay).key(f"picker-{first.value}")
            with solara.Card("Highest rung reached", margin=0):
                solara.Image(png, width="100%", classes=["sim-plot-rungs"])
    return column
