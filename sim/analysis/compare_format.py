"""Text, Markdown, CSV and JSON output of a `sim.analysis.compare.Comparison`.

A cell shows the estimate with its sampling interval in brackets; when the runs drew
their parameters from a posterior, the interval over parameters follows in braces, and a
difference ends with the share of posterior draws in which it keeps its sign. A dagger
marks an interval over parameters that rests on fewer than 20 runs with the outcome.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from sim.analysis.compare_quantities import SEVERAL, Comparison
from sim.errors import SimError

FORMATS = ("table", "csv", "markdown", "json")
FEW_MARK = "†"


def _finite(x: Any) -> bool:
    return x is not None and not pd.isna(x)


def _pct(x: Any) -> str:
    return f"{float(x):.2%}"


def _fmt_value(rec: dict[str, Any]) -> str:
    """Return ``value [sampling interval]`` and ``{interval over parameters}`` if any."""
    kind, v, lo, hi = rec["kind"], rec["value"], rec["low"], rec["high"]
    if not _finite(v):
        return "–"
    if rec.get("impossible"):
        return f"impossible here ({rec['impossible']})"
    if kind == "probability":
        text = f"{v:.2%} [{lo:.2%}, {hi:.2%}]"
    else:
        text = f"{_g(v)} [{_g(lo)}, {_g(hi)}]"
    plo, phi = rec.get("param_low"), rec.get("param_high")
    if _finite(plo):
        f = _pct if kind == "probability" else _g
        text += f" {{{f(plo)}, {f(phi)}}}" + (FEW_MARK if rec.get("param_few") else "")
    return text


def _fmt_diff(rec: dict[str, Any]) -> str:
    """Return ``diff [sampling]``, then ``{over parameters} share`` when there are any."""
    kind, d, lo, hi = rec["kind"], rec["diff"], rec["diff_low"], rec["diff_high"]
    if not _finite(d):
        return "–"
    if kind == "probability":
        text = f"{d * 100:+.2f} pp [{lo * 100:+.2f}, {hi * 100:+.2f}]"
    else:
        text = f"{_g(d, sign=True)} [{_g(lo, sign=True)}, {_g(hi, sign=True)}]"
    plo, phi = rec.get("diff_param_low"), rec.get("diff_param_high")
    if _finite(plo):
        if kind == "probability":
            text += f" {{{_pp(plo)}, {_pp(phi)}}}"
        else:
            text += f" {{{_g(plo, sign=True)}, {_g(phi, sign=True)}}}"
        text += FEW_MARK if rec.get("diff_param_few") else ""
        share = rec.get("sign_share")
        text += f" {float(share):.0%}" if share is not None and _finite(share) else " –"
    return text


def _pp(x: Any) -> str:
    """Percentage points with a sign, a rounded zero without one."""
    text = f"{float(x) * 100:+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text


def _g(x: Any, sign: bool = False) -> str:
    x = float(x)
    s = "+" if sign else ""
    if abs(x) < 10:
        return f"{x:{s}.3f}"
    if abs(x) < 1000:
        return f"{x:{s}.1f}"
    return f"{x:{s},.0f}"


def _grid(c: Comparison, group: str) -> tuple[list[str], list[list[str]]]:
    """Return the header and cells of one group's table."""
    part = c.rows[c.rows["group"] == group]
    header = ["outcome"]
    for i, lab in enumerate(c.labels):
        header.append(lab)
        if i > 0:
            header.append(f"{lab} − {c.labels[0]}" + ("" if c.paired[i] else " (unpaired)"))
    cells = []
    for (_, label), g in part.groupby(["outcome", "label"], sort=False):
        by = g.set_index("folder")
        row = [str(label)]
        for i, lab in enumerate(c.labels):
            if lab not in by.index:
                row += ["–"] * (1 if i == 0 else 2)
                continue
            rec: dict[Any, Any] = by.loc[lab].to_dict()
            row.append(_fmt_value(rec))
            if i > 0:
                row.append(_fmt_diff(rec))
        cells.append(row)
    return header, cells


def _groups(c: Comparison) -> list[str]:
    return list(dict.fromkeys(c.rows["group"])) if len(c.rows) else []


def _legend(c: Comparison) -> list[str]:
    lines = []
    for i, (lab, title) in enumerate(zip(c.labels, c.titles, strict=True)):
        if i == 0:
            how = "reference"
        elif c.paired[i]:
            how = f"paired with {c.labels[0]} on {c.common_runs[i]:,} runs"
        else:
            how = "unpaired: different seeds"
        lines.append(f"{lab}: {title} ({how})")
    return lines


def _how_to_read(c: Comparison) -> list[str]:
    """Lines saying what the brackets, braces and shares are."""
    pct = int(round(c.level * 100))
    lines = [
        f"Values with {pct}% sampling intervals in brackets (Wilson for probabilities, normal "
        "for means); differences from the first folder in percentage points (pp) or units."
    ]
    if c.over_parameters:
        lines.append(
            f"In braces: the central {pct}% range over the posterior's parameters (the value "
            "given the parameters, by regression on each run's drawn values; "
            "docs/uncertainty.md); after a difference, the share of posterior draws in "
            f"which it keeps its sign; {FEW_MARK}: fewer than 20 runs with the outcome, "
            "a rough range."
        )
    return lines


def format_table(c: Comparison, header: bool = True) -> str:
    """Return plain-text tables, one per theatre and one for spending.

    Parameters
    ----------
    c : Comparison
        The comparison.
    header : bool
        Start with the folder legend and how to read the intervals (warnings always show).
    """
    lines = [*_legend(c), *_how_to_read(c), *c.uncertainty] if header else []
    lines += [*c.warnings, ""] if (header or c.warnings) else []
    for group in _groups(c):
        head, cells = _grid(c, group)
        widths = [max(len(h), *(len(r[j]) for r in cells)) for j, h in enumerate(head)]
        title = group if group.startswith("military") or group == SEVERAL else f"Theatre {group}"
        lines.append(title)
        lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
        for r in cells:
            lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
        lines.append("")
    return "\n".join(line.rstrip() for line in lines)


def format_markdown(c: Comparison, header: bool = True) -> str:
    """Return Markdown tables, one per theatre and one for spending (legend if `header`)."""
    legend = [*_legend(c), *_how_to_read(c), *c.uncertainty] if header else []
    lines = [*(f"- {x}" for x in legend), *(f"> {w}" for w in c.warnings)]
    lines += [""] if lines else []
    for group in _groups(c):
        head, cells = _grid(c, group)
        title = group if group.startswith("military") or group == SEVERAL else f"Theatre {group}"
        lines += [f"### {title}", "", "| " + " | ".join(head) + " |"]
        lines.append("|" + "|".join("---" for _ in head) + "|")
        lines += ["| " + " | ".join(r) + " |" for r in cells]
        lines.append("")
    return "\n".join(lines)


def format_csv(c: Comparison) -> str:
    """Return the tidy rows as CSV (one row per group, outcome and folder)."""
    return c.rows.to_csv(index=False)


def to_dict(c: Comparison) -> dict[str, Any]:
    """Return a JSON-ready dictionary of the comparison."""
    rows = json.loads(c.rows.to_json(orient="records"))
    return {
        "level": c.level,
        "folders": [
            {"label": lab, "title": t, "paired": p, "common_runs": n}
            for lab, t, p, n in zip(c.labels, c.titles, c.paired, c.common_runs, strict=True)
        ],
        "years": c.years,
        "warnings": c.warnings,
        "uncertainty": c.uncertainty,
        "rows": rows,
    }


def render(c: Comparison, fmt: str = "table", header: bool = True) -> str:
    """Render the comparison as ``table``, ``csv``, ``markdown`` or ``json`` text.

    Parameters
    ----------
    c : Comparison
        The comparison.
    fmt : str
        ``table``, ``csv``, ``markdown`` or ``json``.
    header : bool
        Table and Markdown: start with the folder legend.
    """
    if fmt == "table":
        return format_table(c, header)
    if fmt == "csv":
        return format_csv(c)
    if fmt == "markdown":
        return format_markdown(c, header)
    if fmt == "json":
        return json.dumps(to_dict(c), indent=2) + "\n"
    raise SimError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
