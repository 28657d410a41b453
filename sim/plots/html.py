"""HTML pieces shared by the report of a run folder and that of a sweep folder."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import Any

from sim.plots import style


def escape(x: Any) -> str:
    """Escape a value (None: empty) for HTML text."""
    return html.escape("" if x is None else str(x))


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = ()) -> str:
    """Return an HTML table; the columns in `numeric` are right-aligned."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="n">{escape(v)}</td>' if i in numeric else f"<td>{escape(v)}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def caption(r: Any, text: str) -> str:
    """Return a figure caption, naming the scenario when the folder has overrides."""
    extra = style.overrides_text(r.manifest)
    return f"{text} {style.scenario_text(r) if extra else ''}".strip()


def figures_html(r: Any, plots: Sequence[Any], captions: dict[str, str]) -> list[str]:
    """Return inline ``<figure>`` elements (base64 PNG) of `plots`, closing each."""
    figs = []
    for p in plots:
        data = base64.b64encode(p.png_bytes()).decode("ascii")
        cap = captions.get(p.name) or captions.get(p.name.split("-")[0], p.name)
        figs.append(
            f'<figure><img alt="{escape(p.name)} figure" src="data:image/png;base64,{data}">'
            f"<figcaption>{escape(caption(r, cap))}</figcaption></figure>"
        )
        p.close()
    return figs
