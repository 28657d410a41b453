"""The shared look of every figure: Agg backend, Okabe–Ito palette, fonts, captions.

Importing this module selects matplotlib's non-interactive ``Agg`` backend *before*
``matplotlib.pyplot`` is imported anywhere in the plotting package, so figures render on
servers and in tests without a display.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.rcsetup import cycler  # noqa: E402  (the validating cycler, = matplotlib.cycler)

from sim.errors import SimError  # noqa: E402
from sim.scenario.schema import RUNG_NAMES  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
"""Okabe & Ito (2008) colour-blind-safe palette, yellow moved late (poor on white)."""

GREY = "#6E6E6E"
LINESTYLES = ("-", "--", ":", "-.")
"""Line styles per scenario, so that curves stay apart in grey print and when they overlap."""
FORMATS = ("png", "svg", "pdf")
DPI = 150

RC: dict[RcKeyType, Any] = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}
plt.rcParams.update(RC)


def colour(i: int) -> str:
    """Return the i-th colour of the palette (cycling)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def rung_label(rung: int, with_number: bool = True) -> str:
    """Name of a rung in words (``"6 theatre war"``)."""
    return f"{rung} {RUNG_NAMES[rung]}" if with_number else RUNG_NAMES[rung]


def month_label(start: str, month: int) -> str:
    """Calendar month ``YYYY-MM`` of 0-based month `month` after `start` (``YYYY-MM``)."""
    y, m = (int(x) for x in start.split("-"))
    total = y * 12 + (m - 1) + int(month)
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def finished_date(manifest: dict[str, Any]) -> str:
    """Date (YYYY-MM-DD) the result folder was finished, or started, or ``?``."""
    stamp = manifest.get("finished") or manifest.get("started") or "?"
    return str(stamp)[:10]


def overrides_text(manifest: dict[str, Any]) -> str:
    """Return the fixed overrides of a folder as ``"with a=1, b=2"`` (empty if none)."""
    overrides = manifest.get("overrides") or []
    return f"with {', '.join(str(o) for o in overrides)}" if overrides else ""


def scenario_text(r: Any) -> str:
    """Return the scenario title, its name and its overrides, for titles and captions."""
    m = r.manifest
    name = m.get("scenario_name") or ""
    title = r.title or name or r.path.name
    text = f"{title} ({name})" if name and name != title else title
    extra = overrides_text(m)
    return f"{text} {extra}" if extra else text


def caption_text(results: Sequence[Any]) -> str:
    """One caption line: scenario title(s) and name, overrides, runs, seed, source and date."""
    parts = []
    for r in results:
        m = r.manifest
        parts.append(
            f"{scenario_text(r)} ({int(m.get('runs', 0)):,} runs, seed {m.get('master_seed')})"
        )
    m0 = results[0].manifest
    version = m0.get("package_version", "?")
    dates = sorted({finished_date(r.manifest) for r in results})
    return "; ".join(parts) + f". Source: escalation-sim {version}, {', '.join(dates)}"


def finish(
    fig: Figure,
    results: Sequence[Any],
    note: str = "",
    title: str | None = None,
    legend: tuple[list, list] | None = None,
    legend_cols: int = 1,
) -> None:
    """Caption, optional figure legend and title, then lay the figure out: call it last.

    The caption line (wrapped to the figure width) sits at the bottom; a figure-level
    legend (handles, labels), if given, sits just above it; the axes fill the rest.
    """
    text = caption_text(results)
    if note:
        text = note.rstrip(".") + ". " + text
    width_chars = max(60, int(fig.get_figwidth() * 15))
    wrapped = textwrap.fill(text, width_chars)
    lines = wrapped.count("\n") + 1
    height = fig.get_figheight()
    fig.text(0.01, 0.008, wrapped, ha="left", va="bottom", fontsize=7.5, color=GREY)
    bottom = (0.135 * lines + 0.08) / height
    if legend and legend[0]:
        leg = fig.legend(
            *legend, loc="lower center", bbox_to_anchor=(0.5, bottom), ncol=legend_cols
        )
        # with no renderer given, the legend measures itself with the figure's (Agg) renderer
        bottom += leg.get_window_extent().height / fig.dpi / height + 0.01
    if title:
        fig.suptitle(title, fontweight="bold", fontsize=12)
    fig.tight_layout(rect=(0, bottom, 1, 1))


@dataclass
class Plot:
    """A rendered figure and the numbers it shows.

    Attributes
    ----------
    name : str
        File stem (``war``, ``fan-milex_usd_bn``...).
    figure : matplotlib.figure.Figure
        The figure.
    data : pandas.DataFrame
        Exactly the numbers plotted (tidy), for tests and for tables in the report.
    meta : dict
        Anything else worth keeping (notes, chosen year...).
    """

    name: str
    figure: Figure
    data: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def save(self, path: str | Path, fmt: str | None = None) -> Path:
        """Write the figure to `path` (format from `fmt` or the suffix) and return the path."""
        path = Path(path)
        fmt = fmt or path.suffix.lstrip(".").lower() or "png"
        if fmt not in FORMATS:
            raise SimError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "png": {"Software": "escalation-sim"},
            "svg": {"Creator": "escalation-sim"},
            "pdf": {"Creator": "escalation-sim"},
        }[fmt]
        self.figure.savefig(path, format=fmt, metadata=meta)
        return path

    def png_bytes(self) -> bytes:
        """Render the figure as PNG bytes (for embedding in the HTML report)."""
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png")
        return buf.getvalue()

    def svg_text(self) -> str:
        """Render the figure as SVG text."""
        buf = io.StringIO()
        self.figure.savefig(buf, format="svg")
        return buf.getvalue()

    def close(self) -> None:
        """Release the figure's memory."""
        plt.close(self.figure)


def figure(ncols: int = 1, nrows: int = 1, width: float = 8.0, height: float = 4.5, **kwargs: Any):
    """Create a figure with a grid of axes (``squeeze=False``)."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kwargs)
    return fig, axes


def percent_axis(ax, axis: str = "y") -> None:
    """Format an axis holding probabilities in [0, 1] as percentages."""
    from matplotlib.ticker import PercentFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))


def err(value, low, high):
    """Error-bar extents (below, above) for an interval, never negative."""
    import numpy as np

    v = np.asarray(value, dtype=float)
    return [
        np.clip(v - np.asarray(low, dtype=float), 0, None),
        np.clip(np.asarray(high, dtype=float) - v, 0, None),
    ]


def fmt_pct(p: float) -> str:
    """Format a probability as a short percentage (``0.1%``, ``12%``)."""
    if p == 0:
        return "0%"
    if p < 0.01:
        return f"{p:.2%}"
    if p < 0.1 or 0.99 < p < 1:
        return f"{p:.1%}"
    return f"{p:.0%}"


def scenario_labels(results: Sequence[Any]) -> list[str]:
    """Legend labels for several result folders: titles, made unique if they repeat."""
    titles = [r.title or r.path.name for r in results]
    titles = [
        f"{t} {overrides_text(r.manifest)}".strip() for t, r in zip(titles, results, strict=True)
    ]
    out = []
    for i, t in enumerate(titles):
        out.append(t if titles.count(t) == 1 else f"{t} [{results[i].path.name}]")
    return out


def short(text: str, width: int = 48) -> str:
    """Wrap a long label onto lines of at most `width` characters."""
    return textwrap.fill(text, width)
