"""One self-contained HTML report of a result folder (``sim report``).

Everything is inline: figures are base64 PNG ``data:`` URIs, the style sheet is in the
page, and there are no scripts, fonts or links to fetch, so the file can be mailed or
archived and opens offline.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.plots import style
from sim.plots.html import escape as _e
from sim.plots.html import figures_html as _figures_html
from sim.plots.html import table as _table
from sim.plots.kinds import KINDS
from sim.plots.paths import paths_html
from sim.scenario.schema import RUNG_NAMES

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #0072B2;padding-bottom:.15em;
margin-top:1.8em}h3{margin-top:1.3em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#eef4fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1em 0 2em}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}.q{font-style:italic;background:#f6f6f6;padding:.6em 1em;
border-left:4px solid #E69F00}.small{font-size:.85em;color:#555}code{font-size:.9em}
"""


def _pct(p: float | None, digits: int = 1) -> str:
    return "–" if p is None else f"{p:.{digits}%}"


def _num(x: Any, fmt: str = ",.1f") -> str:
    try:
        return format(float(x), fmt)
    except (TypeError, ValueError):
        return "–" if x is None else str(x)


def parameters_html(r: Any) -> str:
    """Render the resolved parameters: actors, alliances, grievances, theatres, events."""
    sc = r.manifest.get("scenario", {})
    parts = ["<h2>Scenario parameters (resolved)</h2>"]
    actors = sc.get("actors") or {}
    rows = []
    for code, a in actors.items():
        gdp, mil = a.get("gdp_usd_bn"), a.get("milex_usd_bn")
        share = mil / gdp if gdp and mil is not None else None
        rows.append(
            [
                code,
                a.get("name", ""),
                _num(gdp),
                _num(mil),
                _pct(share, 2),
                _num(a.get("misperception"), ".2f"),
                "yes" if a.get("nuclear") else "no",
            ]
        )
    parts.append(
        "<h3>Actors</h3>"
        + _table(
            [
                "code",
                "name",
                "GDP (USD bn)",
                "military spending (USD bn)",
                "spending / GDP",
                "misperception",
                "nuclear",
            ],
            rows,
            numeric=(2, 3, 4, 5),
        )
    )
    al = sc.get("alliances") or []
    if al:
        parts.append(
            "<h3>Alliances</h3>"
            + _table(
                ["patron", "client", "commitment", "covers", "basing"],
                [
                    [
                        a.get("patron"),
                        a.get("client"),
                        _num(a.get("commitment"), ".2f"),
                        ", ".join(a.get("covers") or []),
                        "yes" if a.get("basing") else "no",
                    ]
                    for a in al
                ],
                numeric=(2,),
            )
        )
    gr = sc.get("grievances") or []
    if gr:
        parts.append(
            "<h3>Grievances (0–1)</h3>"
            + _table(
                ["from", "to", "level", "baseline"],
                [
                    [
                        g.get("from"),
                        g.get("to"),
                        _num(g.get("level"), ".2f"),
                        _num(g.get("baseline"), ".2f"),
                    ]
                    for g in gr
                ],
                numeric=(2, 3),
            )
        )
    th = sc.get("theatres") or {}
    if th:
        rows = []
        for name, t in th.items():
            stake = ", ".join(f"{k} {v:g}" for k, v in (t.get("stake") or {}).items())
            gz = ", ".join(
                f"{k} ({v.get('by', '')}, {v.get('rate_per_year', '')}/yr)"
                for k, v in (t.get("greyzone") or {}).items()
            )
            rows.append(
                [
                    name,
                    ", ".join(t.get("claimants") or []),
                    t.get("holder", ""),
                    stake,
                    _num(t.get("defender_advantage"), ".1f"),
                    gz,
                ]
            )
        parts.append(
            "<h3>Theatres</h3>"
            + _table(
                [
                    "theatre",
                    "claimants",
                    "holder",
                    "stakes",
                    "defender advantage",
                    "grey-zone activity (by, starting rate)",
                ],
                rows,
            )
        )
    ev = sorted(sc.get("events") or [], key=lambda e: str(e.get("at", "")))
    if ev:
        rows = [[e.get("at"), e.get("kind"), e.get("id", ""), e.get("description", "")] for e in ev]
        parts.append(
            "<h3>Events, in order</h3>" + _table(["month", "kind", "id", "description"], rows)
        )
    return "\n".join(parts)


def tables_html(r: Any, war: pd.DataFrame, ladder: pd.DataFrame) -> str:
    """Summary tables: war probability, rung distribution, allies joined, holder change."""
    parts = ["<h2>Results</h2>"]
    rows: list[list[Any]] = [
        [
            d["theatre"],
            f"{d['runs']:,}",
            f"{d['wars']:,}",
            _pct(d["p"]),
            _pct(d["low"], 2),
            _pct(d["high"], 2),
        ]
        for d in war.to_dict("records")
    ]
    parts.append(
        "<h3>Probability of war (rung ≥ 6)</h3>"
        + _table(
            ["theatre", "runs", "runs with war", "P(war)", "95% low (Wilson)", "95% high"],
            rows,
            numeric=(1, 2, 3, 4, 5),
        )
    )
    piv = ladder.pivot(index="rung", columns="theatre", values="share")
    ths = list(dict.fromkeys(ladder["theatre"]))
    rows = [
        [style.rung_label(k)] + [_pct(piv.loc[k, t]) for t in ths] for k in range(len(RUNG_NAMES))
    ]
    parts.append(
        "<h3>Highest rung reached (share of runs)</h3>"
        + _table(["rung", *ths], rows, numeric=tuple(range(1, len(ths) + 1)))
    )
    o = r.outcomes
    rows = []
    for t, g in o.groupby("theatre", sort=False):
        n = len(g)
        wars = int(g["war"].sum())
        counts: dict[str, int] = {}
        for s in g["allies_joined"]:
            for code in filter(None, str(s).split(",")):
                counts[code] = counts.get(code, 0) + 1
        joined = (
            "; ".join(
                f"{c}: {k / n:.1%} of runs" + (f", {k / wars:.0%} of wars" if wars else "")
                for c, k in counts.items()
            )
            or "none"
        )
        changed = float(g["holder_changed"].mean()) if "holder_changed" in g else None
        finals = g["holder_final"].value_counts(normalize=True)
        holders = ", ".join(f"{h} {p:.1%}" for h, p in finals.items())
        crisis = float(g["first_crisis_month"].notna().mean())
        rows.append(
            [
                t,
                _pct(crisis),
                joined,
                _pct(changed),
                holders,
                _pct(float(g["nuclear_use"].mean()), 2) if "nuclear_use" in g else "–",
            ]
        )
    parts.append(
        "<h3>Crises, allies, holders</h3>"
        + _table(
            [
                "theatre",
                "P(any crisis)",
                "allies joined",
                "P(holder changed)",
                "final holder",
                "P(nuclear use)",
            ],
            rows,
            numeric=(1, 3, 5),
        )
    )
    return "\n".join(parts)


def provenance_html(r: Any, command: Sequence[str] | None) -> str:
    """Package version, git commit, seed, runs, dates, wall time and commands."""
    m = r.manifest
    run_cmd = " ".join(shlex.quote(str(c)) for c in (m.get("command") or []))
    rows = [
        ["package", f"escalation-sim {m.get('package_version', '?')}"],
        ["git commit", f"{m.get('git_commit', '?')}" + (" (dirty)" if m.get("git_dirty") else "")],
        ["scenario file", f"{m.get('scenario_file', '')} (sha256 {m.get('scenario_sha256', '')})"],
        ["overrides", ", ".join(m.get("overrides") or []) or "none"],
        ["master seed", m.get("master_seed")],
        ["runs", f"{int(m.get('runs', 0)):,}"],
        ["months", f"{m.get('months')} from {m.get('start')}"],
        ["started", m.get("started")],
        ["finished", m.get("finished")],
        ["wall time", f"{float(m.get('wall_seconds', 0)):.1f} s"],
        ["run command", run_cmd],
        ["report command", " ".join(shlex.quote(str(c)) for c in (command or []))],
        ["result folder", str(r.path)],
        ["python / numpy", f"{m.get('python', '?')} / {m.get('numpy', '?')}"],
    ]
    return "<h2>Provenance</h2>" + _table(["", ""], rows)


def report_title(r: Any) -> str:
    """Return the report title: scenario title, its name and the overrides, if any."""
    return style.scenario_text(r)


def findings_html(r: Any) -> str:
    """Render the key findings (`sim.analysis.summary.key_findings`) as a list."""
    from sim.analysis.summary import key_findings

    try:
        items = key_findings(r)
    except Exception as exc:  # noqa: BLE001  (findings must never break the report)
        items = [f"(key findings unavailable: {exc})"]
    if not items:
        return ""
    return "<h2>Key findings</h2><ul>" + "".join(f"<li>{_e(x)}</li>" for x in items) + "</ul>"


def _head(r: Any) -> str:
    m = r.manifest
    meta = m.get("scenario", {}).get("meta", {})
    runs = f"{int(m.get('runs', 0)):,} runs"
    if m.get("kind") == "sweep":
        runs = (
            f"sweep: {m.get('sampler')} design, {m.get('points', '?')} points × "
            f"{m.get('runs_per_point')} runs"
        )
    overrides = m.get("overrides") or []
    head = (
        f'<h1>{_e(report_title(r))}</h1><p class="small">{_e(runs)}, seed '
        f"{_e(m.get('master_seed'))}, {_e(m.get('months'))} months from {_e(m.get('start'))}"
        f" &middot; scenario {_e(m.get('scenario_name'))}"
        f" &middot; escalation-sim {_e(m.get('package_version'))}, "
        f"{_e(style.finished_date(m))}</p>"
    )
    if overrides:
        head += f'<p class="small">Overrides: {_e(", ".join(overrides))}</p>'
    if meta.get("question"):
        head += f'<p class="q">Question: {_e(meta["question"])}</p>'
    return head


def _description(r: Any) -> list[str]:
    meta = r.manifest.get("scenario", {}).get("meta", {})
    desc = "".join(
        f"<p>{_e(par.strip())}</p>"
        for par in str(meta.get("description", "")).split("\n\n")
        if par.strip()
    )
    return ["<h2>Description</h2>", desc or "<p>(none)</p>"]


def _page(r: Any, body: Sequence[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(report_title(r))} – escalation-sim report</title><style>{CSS}</style>"
        f"</head><body>{''.join(body)}</body></html>\n"
    )


def _over(low: float, high: float, f: Any, few: bool = False) -> str:
    """Format a parameter interval.

    "-" when not estimated (NaN), "never" for an outcome no run had, a star when it rests
    on fewer than 20 runs with the outcome.
    """
    if math.isnan(low):
        return "-"
    if low == high == 0:
        return "never"
    return f"{f(low)} – {f(high)}" + ("*" if few else "")


def uncertainty_html(r: Any) -> str:
    """Say which uncertainty the intervals hold; with a posterior, the parameter intervals."""
    from sim.analysis.uncertainty import results_uncertainty, uncertainty_note

    parts = ["<h2>Uncertainty</h2>", f"<p>{_e(uncertainty_note(r.manifest))}</p>"]
    try:
        table = results_uncertainty(r)
    except Exception as exc:  # noqa: BLE001  (the report must not break on it)
        return "".join(parts) + f"<p>(parameter intervals unavailable: {_e(exc)})</p>"
    if table is None:
        return "".join(parts)
    rows = []
    for t in table.itertuples():
        rate = t.outcome == "crises_per_year"
        f = (lambda v: f"{v:.3f}") if rate else (lambda v: f"{100 * v:.1f}%")
        rows.append(
            [
                t.theatre,
                t.outcome,
                f(t.mean),
                f"{f(t.low)} – {f(t.high)}",
                _over(float(t.param_low), float(t.param_high), f, bool(t.param_few)),  # type: ignore[arg-type]
            ]
        )
    header = ["theatre", "outcome", "value", "90% sampling", "90% over parameters"]
    parts.append(_table(header, rows, numeric=(2, 3, 4)))
    parts.append(
        "<p>Sampling: uncertainty of the average over runs. Over parameters: the central 90% "
        "of the outcome's value given the parameters, across the posterior (a regression "
        "of the run outcomes on each run's drawn values; docs/uncertainty.md). *: fewer "
        "than 20 runs with the outcome, a rough range; -: fewer than 5, none.</p>"
    )
    return "".join(parts)


def build_report(r: Any, command: Sequence[str] | None = None) -> str:
    """Build the HTML text of the report of result folder `r` (ensemble or sweep)."""
    if r.manifest.get("kind") == "sweep":
        from sim.plots.report_sweep import sweep_body

        head = [_head(r), findings_html(r), *_description(r)]
        return _page(r, [*head, *sweep_body(r), parameters_html(r), provenance_html(r, command)])
    plots = []
    for kind in KINDS.values():
        if kind.suits(r):
            plots += kind.draw([r])
    war = next(p.data for p in plots if p.name == "war")
    ladder = next(p.data for p in plots if p.name == "ladder")
    captions = {
        "ladder": "Highest rung of the escalation ladder reached in each run, per theatre.",
        "war": "Probability of war (rung 6 or higher) per theatre: dots with 95% Wilson "
        "intervals and counts.",
        "survival": "Kaplan–Meier curves of the time to the first crisis and to war.",
        "fan-spending": "Military spending per actor: median and 50%/90% bands over runs.",
        "fan-greyzone": "Grey-zone activity per year: median and 50%/90% bands over runs.",
        "grievance": "Grievance network (mean over runs), alliances dashed.",
    }
    body = [
        _head(r),
        findings_html(r),
        *_description(r),
        tables_html(r, war, ladder),
        uncertainty_html(r),
        paths_html(r),
        "<h2>Figures</h2>",
        *_figures_html(r, plots, captions),
        parameters_html(r),
        provenance_html(r, command),
    ]
    return _page(r, body)


def write_report(r: Any, out: str | Path, command: Sequence[str] | None = None) -> Path:
    """Write the report of `r` to `out` (atomically) and return the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(build_report(r, command), encoding="utf-8")
    tmp.replace(out)
    return out
