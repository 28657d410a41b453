"""Solara components of the ``sim viz`` page: the ladder, the series and the event log.

Each component takes the model (an `sim.model.EscalationModel`) and reads
``mesa.visualization.utils.update_counter`` so that it redraws after every step. The HTML
and the figures are built by plain functions (`status_html`, `events_html`,
`spending_figure`, `grievance_figure`) that the tests call directly.
"""

from __future__ import annotations

import html
import io
from typing import Any

import solara
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullLocator, ScalarFormatter
from mesa.visualization.utils import update_counter

from sim.scenario.schema import RUNG_NAMES

RUNG_COLOURS = (
    "#2e7d32",
    "#689f38",
    "#afb42b",
    "#f9a825",
    "#ff8f00",
    "#ef6c00",
    "#d84315",
    "#b71c1c",
    "#4a148c",
)
"""Background of each rung, from green (stable competition) to purple (nuclear use)."""

KIND_COLOURS = {
    "crisis": "#ef6c00",
    "rung": "#d84315",
    "incident": "#f9a825",
    "talks": "#2e7d32",
    "intervention": "#b71c1c",
    "war end": "#4a148c",
    "event": "#1565c0",
    "settle": "#2e7d32",
    "capitulate": "#6a1b9a",
    "escalate": "#d84315",
    "accident": "#b71c1c",
    "hold": "#757575",
}
"""Colour of the kind label in the event log."""

EVENT_ROWS = 15
"""Rows of the event log shown (the most recent first)."""

_ACTOR_COLOURS = (
    "#d62728",
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#ff7f0e",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def actor_colour(model: Any, code: str) -> str:
    """Line colour of an actor: fixed by its position in the scenario."""
    return _ACTOR_COLOURS[model.structure.actors.index(code) % len(_ACTOR_COLOURS)]


def _year(model: Any, month: Any) -> Any:
    """Decimal year of the start of month offset `month` (works on arrays)."""
    year, mon = (int(x) for x in model.scenario.start.split("-"))
    return year + (mon - 1) / 12 + month / 12


def status_line(model: Any) -> str:
    """``Month 3 of 120 · next 2023-05 · seed 42`` for the top of the page."""
    return (
        f"Month {model.month} of {model.scenario.months} · next {model.date}"
        f" · seed {model.run_seed}"
    )


def settings_line(model: Any) -> str:
    """Alliance commitments of the run and the overrides applied to its scenario."""
    data = model.scenario.data
    commitments = " · ".join(
        f"{a['patron']}\u2192{a['client']} {a['commitment']:.2f}" for a in data["alliances"]
    )
    overrides = ", ".join(model.scenario.overrides) or "none"
    return f"Commitments: {commitments or 'none'}. Overrides of the scenario: {overrides}."


def status_html(model: Any) -> str:
    """Return the status line and the ladder: a column per theatre, rungs 8 (top) to 0."""
    df = model.datacollector.get_model_vars_dataframe()
    rung, holder = model.rung, model.holder
    theatres = list(rung)
    esc = html.escape
    head = "".join(
        f'<th style="padding:0 8px;text-align:center;line-height:15px">{esc(t)}<br>'
        f'<span style="font-weight:normal;font-size:11px">held by {esc(holder[t])}</span></th>'
        for t in theatres
    )
    rows = []
    for r in range(len(RUNG_NAMES) - 1, -1, -1):
        cells = []
        for t in theatres:
            peak = int(df[f"rung_{t}"].max()) if f"rung_{t}" in df else rung[t]
            if rung[t] == r:
                cells.append(
                    f'<td class="sim-rung-current" data-theatre="{esc(t)}" '
                    f'style="background:{RUNG_COLOURS[r]};color:white;font-weight:bold;'
                    f'text-align:center;padding:0 8px;border-radius:3px">&#9664; now</td>'
                )
            elif r == peak and r > 0:
                cells.append(
                    f'<td style="border:2px dashed {RUNG_COLOURS[r]};'
                    f'text-align:center;font-size:11px;color:#555">peak</td>'
                )
            else:
                cells.append('<td style="background:#f0f0f0"></td>')
        swatch = (
            f'<span style="display:inline-block;width:10px;height:10px;'
            f'background:{RUNG_COLOURS[r]};margin-right:4px"></span>'
        )
        rows.append(
            f'<tr style="line-height:17px"><td style="white-space:nowrap;'
            f'padding:0 6px">{swatch}{r} '
            f"{esc(RUNG_NAMES[r])}</td>{''.join(cells)}</tr>"
        )
    return (
        f'<div class="sim-status" style="font-family:Roboto,sans-serif;font-size:13px">'
        f'<div class="sim-month" style="font-size:15px;font-weight:bold;'
        f'margin-bottom:2px">{esc(status_line(model))}</div>'
        f'<table class="sim-ladder" style="border-collapse:separate;border-spacing:2px">'
        f'<tr><th style="text-align:left;padding:2px 6px">rung</th>{head}</tr>'
        f'{"".join(rows)}</table><div class="sim-settings" style="margin-top:2px;'
        f'font-size:11px;line-height:13px;color:#555">{esc(settings_line(model))}</div></div>'
    )


def events_html(model: Any, rows: int = EVENT_ROWS) -> str:
    """Return the last `rows` rows of ``model.log``, newest first, as an HTML table."""
    esc = html.escape
    recent = model.log[-rows:][::-1]
    if not recent:
        body = (
            '<tr><td colspan="4" style="color:#777;padding:4px">No incidents, crises, '
            "talks or interventions yet.</td></tr>"
        )
    else:
        body = "".join(
            f'<tr><td style="white-space:nowrap;padding:1px 6px">{esc(r["date"])}</td>'
            f'<td style="padding:1px 6px">{esc(r["theatre"] or "-")}</td>'
            f'<td style="padding:1px 6px;white-space:nowrap;font-weight:bold;'
            f'color:{KIND_COLOURS.get(r["kind"], "#333")}">{esc(r["kind"])}</td>'
            f'<td style="padding:1px 6px">{esc(r["text"])}</td></tr>'
            for r in recent
        )
    return (
        f'<div class="sim-events" style="font-family:Roboto,sans-serif;font-size:12px;'
        f'max-height:250px;overflow-y:auto">'
        f'<div style="margin-bottom:4px;color:#555">{len(model.log)} events so far; '
        f"the last {min(rows, len(model.log))} shown, newest first</div>"
        f'<table style="border-collapse:collapse"><tr style="text-align:left">'
        f'<th style="padding:1px 6px">month</th><th style="padding:1px 6px">theatre</th>'
        f'<th style="padding:1px 6px">kind</th><th style="padding:1px 6px">what</th></tr>'
        f"{body}</table></div>"
    )


def _time_axis(model: Any, ax: Any) -> None:
    start = _year(model, 0)
    ax.set_xlim(start, _year(model, model.scenario.months))
    ax.grid(True, alpha=0.3)


def spending_figure(model: Any) -> Figure:
    """Military spending (top) and capability (bottom) per actor, monthly, log scale."""
    df = model.datacollector.get_model_vars_dataframe()
    x = _year(model, df["month"].to_numpy())
    fig = Figure(figsize=(6.4, 4.6))
    fig.subplots_adjust(left=0.1, right=0.98, top=0.94, bottom=0.06, hspace=0.32)
    top, bottom = fig.subplots(2, 1, sharex=True)
    for code in model.structure.actors:
        colour = actor_colour(model, code)
        top.plot(x, df[f"milex_{code}"], color=colour, label=code, lw=1.6)
        bottom.plot(x, df[f"capability_{code}"], color=colour, label=code, lw=1.6)
    for ax in (top, bottom):
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(ScalarFormatter())
    top.set_title("Military spending (USD bn/yr)", fontsize=10)
    bottom.set_title("Military capability (capital stock, USD bn)", fontsize=10)
    top.legend(
        fontsize=8,
        ncols=min(5, len(model.structure.actors)),
        loc="upper left",
        bbox_to_anchor=(0, -0.02),
        frameon=False,
    )
    top.tick_params(labelbottom=False)
    for ax in (top, bottom):
        _time_axis(model, ax)
        ax.tick_params(labelsize=8)
    return fig


def grievance_figure(model: Any) -> Figure:
    """Grievance of each directed dyad of the scenario over time (0-1)."""
    df = model.datacollector.get_model_vars_dataframe()
    x = _year(model, df["month"].to_numpy())
    fig = Figure(figsize=(6.4, 3.2))
    fig.subplots_adjust(left=0.1, right=0.98, top=0.9, bottom=0.1)
    ax = fig.subplots()
    columns = [c for c in df.columns if c.startswith("grievance_")]
    pairs: list[frozenset] = []
    for column in columns:
        source, target = column.removeprefix("grievance_").split("-", 1)
        pair = frozenset((source, target))
        first = pair not in pairs
        if first:
            pairs.append(pair)
        colour = _ACTOR_COLOURS[pairs.index(pair) % len(_ACTOR_COLOURS)]
        ax.plot(
            x,
            df[column],
            color=colour,
            ls="-" if first else "--",
            lw=1.5,
            label=f"{source}\u2192{target}",
        )
    ax.set_ylim(0, 1)
    ax.set_ylabel("grievance", fontsize=9)
    ax.set_title("Grievance of each directed dyad (colour = pair, dashed = reverse)", fontsize=10)
    if columns:
        ax.legend(fontsize=7, ncols=4, loc="upper left", frameon=False)
    _time_axis(model, ax)
    ax.tick_params(labelsize=8)
    return fig


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """PNG bytes of a figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


@solara.component
def _Plot(model: Any, draw: Any, css_class: str, month: int) -> Any:
    # `month` is a prop so that a step re-renders this component; the figure is drawn
    # again only when the model or its month changes, not on every render of the page
    png = solara.use_memo(lambda: figure_png(draw(model)), [id(model), month])
    return solara.Image(png, width="100%", classes=[css_class])


@solara.component
def Ladder(model: Any) -> Any:
    """Show the current rung of each theatre on the ladder, with the month and the seed."""
    update_counter.get()
    with solara.Card("Escalation ladder", margin=0) as card:
        solara.HTML(tag="div", unsafe_innerHTML=status_html(model))
    return card


@solara.component
def SpendingPlot(model: Any) -> Any:
    """Plot monthly military spending and capability per actor."""
    update_counter.get()
    with solara.Card("Arms race", margin=0) as card:
        _Plot(model, spending_figure, "sim-plot-spending", model.month)
    return card


@solara.component
def GrievancePlot(model: Any) -> Any:
    """Plot the grievance of the scenario's dyads over time."""
    update_counter.get()
    with solara.Card("Grievance", margin=0) as card:
        _Plot(model, grievance_figure, "sim-plot-grievance", model.month)
    return card


@solara.component
def EventLog(model: Any) -> Any:
    """Show the last rows of the model's event log."""
    update_counter.get()
    with solara.Card("Event log", margin=0) as card:
        solara.HTML(tag="div", unsafe_innerHTML=events_html(model))
    return card


COMPONENTS = [(Ladder, 0), (EventLog, 0), (SpendingPlot, 0), (GrievancePlot, 0)]
"""The page's components as SolaraViz wants them: (component, page)."""
