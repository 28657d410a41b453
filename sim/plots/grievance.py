"""Grievance network at one year: actors, directed grievance edges, alliances."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.plots import style
from sim.plots.common import full_years, months_per_year, require_annual

ALLIANCE_COLOUR = style.OKABE_ITO[2]  # bluish green
EDGE_CMAP = "YlOrRd"


def default_year(r: Any) -> int:
    """Return the last full calendar year of the run (the last year if none is full)."""
    years = full_years(r.manifest)
    if years:
        return max(years)
    return max(months_per_year(r.manifest))


def grievance_data(r: Any, year: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Mean grievance per directed dyad and mean spending per actor at `year`.

    Returns
    -------
    edges : DataFrame
        ``source, target, mean, q05, q95, runs`` (grievance at the end of `year`).
    nodes : DataFrame
        ``actor, name, milex_usd_bn`` (mean over runs of the year's mean spending).
    year : int
        The year used.
    """
    require_annual(r, "grievance")
    a = r.annual
    years = sorted(int(y) for y in a["year"].unique())
    year = default_year(r) if year is None else int(year)
    if year not in years:
        raise SimError(f"unknown --year {year}; choose from {years[0]}-{years[-1]}")
    g = a[(a["metric"] == "grievance") & (a["year"] == year)]
    if g.empty:
        raise SimError(f"{r.path}: the scenario has no grievances, so no grievance figure")
    rows = []
    for subject, d in g.groupby("subject", sort=False):
        src, dst = subject.split("-", 1)
        v = d["value"].to_numpy(dtype=float)
        rows.append(
            {
                "source": src,
                "target": dst,
                "mean": float(v.mean()),
                "q05": float(np.quantile(v, 0.05)),
                "q95": float(np.quantile(v, 0.95)),
                "runs": len(v),
            }
        )
    edges = pd.DataFrame(rows)
    actors = r.manifest.get("actors") or sorted(set(edges.source) | set(edges.target))
    names = {
        c: (s.get("name") or c)
        for c, s in (r.manifest.get("scenario", {}).get("actors") or {}).items()
    }
    m = a[(a["metric"] == "milex_usd_bn") & (a["year"] == year)]
    spend = m.groupby("subject")["value"].mean()
    nodes = pd.DataFrame(
        {
            "actor": actors,
            "name": [names.get(c, c) for c in actors],
            "milex_usd_bn": [float(spend.get(c, np.nan)) for c in actors],
        }
    )
    return edges, nodes, year


def plot_grievance(results: Sequence[Any], year: int | None = None) -> list[style.Plot]:
    """Network drawing: node size by spending, edge width and colour by mean grievance."""
    import matplotlib as mpl
    import networkx as nx

    r = results[0]
    edges, nodes, year = grievance_data(r, year)
    alliances = r.manifest.get("scenario", {}).get("alliances") or []
    dyads = edges.to_dict("records")  # one per directed dyad: source, target, mean, ...
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(nodes["actor"])
    for e in dyads:
        graph.add_edge(e["source"], e["target"], weight=e["mean"])
    pos = (
        nx.circular_layout(graph)
        if len(graph) > 2
        else {n: np.array([2.0 * i - 1.0, 0.0]) for i, n in enumerate(graph)}
    )
    fig, axes = style.figure(width=8.2, height=7.0)
    ax = axes[0, 0]
    ax.set_axis_off()
    spend = nodes.set_index("actor")["milex_usd_bn"].fillna(0.0)
    smax = float(spend.max()) or 1.0
    sizes = {c: 500 + 4500 * np.sqrt(spend[c] / smax) for c in graph}
    cmap = mpl.colormaps[EDGE_CMAP]
    norm = mpl.colors.Normalize(0.0, 1.0)
    node_list = list(graph)
    nx.draw_networkx_nodes(
        graph,
        pos,
        ax=ax,
        nodelist=node_list,
        node_size=[sizes[c] for c in node_list],
        node_color="#DCE9F5",
        edgecolors=style.OKABE_ITO[0],
        linewidths=1.5,
    )
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=10, font_weight="bold")
    for e in dyads:
        nx.draw_networkx_edges(
            graph,
            pos,
            ax=ax,
            edgelist=[(e["source"], e["target"])],
            width=0.8 + 6 * e["mean"],
            edge_color=[cmap(norm(0.25 + 0.75 * e["mean"]))],
            arrows=True,
            arrowsize=16,
            arrowstyle="-|>",
            connectionstyle="arc3,rad=0.18",
            node_size=sizes[e["target"]],
            min_source_margin=sizes[e["source"]] ** 0.5 / 2,
            min_target_margin=0,
        )
        _edge_label(ax, pos[e["source"]], pos[e["target"]], f"{e['mean']:.2f}")
    for al in alliances:
        p, c = al.get("patron"), al.get("client")
        if p in pos and c in pos:
            (x0, y0), (x1, y1) = pos[p], pos[c]
            ax.plot(
                [x0, x1],
                [y0, y1],
                ls=(0, (5, 3)),
                color=ALLIANCE_COLOUR,
                lw=1.2 + 2.5 * float(al.get("commitment", 0.5)),
                zorder=0,
                alpha=0.9,
            )
    centre = np.mean([pos[c] for c in graph], axis=0)
    for c in graph:
        x, y = pos[c]
        sp = spend[c]
        label = str(nodes.set_index("actor").loc[c, "name"])
        out = np.array([x, y]) - centre
        norm_out = np.linalg.norm(out)
        out = out / norm_out if norm_out > 0 else np.array([0.0, -1.0])
        reach = sizes[c] ** 0.5 / 2 / 72 * 0.42 + 0.1  # node radius in data units, roughly
        tx, ty = np.array([x, y]) + out * reach
        ha = "left" if out[0] > 0.3 else "right" if out[0] < -0.3 else "center"
        va = "bottom" if out[1] > 0.3 else "top" if out[1] < -0.3 else "center"
        ax.text(tx, ty, f"{label}\n{sp:,.0f} bn USD", ha=ha, va=va, fontsize=8.5, color="#333333")
    ax.margins(0.3)
    ax.set_aspect("equal")
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    from matplotlib.lines import Line2D

    legend = (
        [
            Line2D([], [], color=cmap(norm(0.25 + 0.75 * 0.5)), lw=0.8 + 6 * 0.5),
            Line2D([], [], color=ALLIANCE_COLOUR, ls=(0, (5, 3)), lw=3.4),
        ],
        [
            "grievance of A towards B (arrow A → B; mean over runs; width ∝ level)",
            "alliance patron – client (width ∝ commitment)",
        ],
    )
    del sm
    mpy = months_per_year(r.manifest)
    partial = "" if mpy.get(year, 12) == 12 else f" ({mpy[year]} months simulated)"
    note = (
        f"Grievance (0-1) at the end of {year}{partial}, mean over "
        f"{int(edges['runs'].max()):,} runs; node area ∝ mean military spending in {year} "
        "(USD bn)"
    )
    style.finish(fig, [r], note, title=f"Grievance network, {year}", legend=legend)
    data = edges.assign(year=year)
    return [style.Plot("grievance", fig, data, {"year": year, "nodes": nodes})]


def _edge_label(ax, p0, p1, text: str, rad: float = 0.18) -> None:
    """Label placed near the middle of an arc3 edge from p0 to p1 (on its bulge)."""
    p0, p1 = np.asarray(p0, dtype=float), np.asarray(p1, dtype=float)
    mid = (p0 + p1) / 2
    d = p1 - p0
    normal = np.array([d[1], -d[0]])
    point = mid + rad * normal * 0.5
    ax.text(
        point[0],
        point[1],
        text,
        ha="center",
        va="center",
        fontsize=8,
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
    )
