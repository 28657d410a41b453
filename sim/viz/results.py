"""The numbers of the explorer's results page: a result folder's outcomes, two folders compared.

Plain functions (no solara) so that tests call them directly; `sim.viz.pages` draws them.

    view = open_folder("results/baseline")
    outcome_rows(view)                      # one record per (theatre, outcome)
    compare_rows(view, open_folder("results/no_talks"))
    model = replay_model(view.path, 17)     # an EscalationModel of run 17
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.intervals import normal_quantile, wilson
from sim.errors import ResultsError, SimError
from sim.model import EscalationModel
from sim.results.reader import Results, load_results
from sim.scenario.loader import Scenario
from sim.scenario.schema import RUNG_NAMES

Z95 = normal_quantile(0.95)
"""Two-sided 95% normal quantile."""

OUTCOMES: tuple[tuple[str, str], ...] = (
    ("war", "P(war)"),
    ("rung5", "P(rung \u2265 5)"),
    ("crisis", "P(any crisis)"),
    ("lost", "P(lost: holder changed)"),
    ("crises_per_year", "crises per year"),
)
"""Outcomes shown per theatre: (key, label). All but the last are probabilities."""

NOTABLE_SHOWN = 12
"""Run ids listed per kind of notable run."""


@dataclass
class FolderView:
    """A result folder opened for the results page.

    Attributes
    ----------
    path : Path
        The folder.
    results : Results
        Its tables and manifest.
    label : str
        Short name shown in selectors: the folder's name.
    """

    path: Path
    results: Results

    @property
    def label(self) -> str:
        """Folder name, e.g. ``baseline-runs``."""
        return self.path.name or str(self.path)

    @property
    def runs(self) -> int:
        """Number of runs in the folder."""
        return int(self.results.runs["run_id"].nunique())

    @property
    def years(self) -> float:
        """Horizon of each run in years."""
        return float(self.results.manifest.get("months") or 120) / 12.0

    @property
    def overrides(self) -> list[str]:
        """``PATH=VALUE`` overrides the folder was run with."""
        return [str(o) for o in self.results.manifest.get("overrides") or []]

    def describe(self) -> str:
        """One line: title, runs, master seed, overrides."""
        m = self.results.manifest
        kind = m.get("kind", "ensemble")
        parts = [
            f"{self.results.title}",
            f"{kind}, {self.runs:,} runs",
            f"master seed {m.get('master_seed')}",
            f"{m.get('months')} months from {m.get('start')}",
            "overrides: " + (", ".join(self.overrides) or "none"),
        ]
        return " \u00b7 ".join(parts)


def open_folder(folder: str | Path) -> FolderView:
    """Open a complete result folder (raises `ResultsError` if it is not one)."""
    path = Path(folder)
    return FolderView(path=path, results=load_results(path))


def _indicators(view: FolderView) -> pd.DataFrame:
    """Per (run, theatre): the 0/1 outcomes and crises per year."""
    o = view.results.outcomes
    first = o["first_crisis_month"]
    return pd.DataFrame(
        {
            "run_id": o["run_id"].astype("int64"),
            "theatre": o["theatre"].astype(str),
            "war": o["war"].astype(bool).astype(float),
            "rung5": (o["max_rung"].astype("int64") >= 5).astype(float),
            "crisis": ((o["crises"].astype("int64") > 0) | first.notna()).astype(float),
            "lost": o["holder_changed"].astype(bool).astype(float),
            "crises_per_year": o["crises"].astype("int64") / view.years,
        }
    )


def theatres(view: FolderView) -> list[str]:
    """Theatres of a folder in the scenario's order."""
    listed = view.results.manifest.get("theatres")
    if listed:
        return [str(t) for t in listed]
    return sorted(view.results.outcomes["theatre"].astype(str).unique())


def _estimate(values: np.ndarray, probability: bool) -> tuple[float, float, float]:
    n = len(values)
    mean = float(values.mean()) if n else float("nan")
    if probability:
        low, high = wilson(int(values.sum()), n)
        return mean, float(low), float(high)
    half = Z95 * float(values.std(ddof=1)) / np.sqrt(n) if n > 1 else float("nan")
    return mean, mean - half, mean + half


def outcome_rows(view: FolderView) -> list[dict[str, Any]]:
    """One record per (theatre, outcome): estimate, 95% interval, count of runs.

    Probabilities have Wilson intervals and ``count`` (runs where it happened); crises per
    year has a normal interval of the mean.
    """
    ind = _indicators(view)
    rows: list[dict[str, Any]] = []
    for theatre in theatres(view):
        sub = ind[ind["theatre"] == theatre]
        for key, label in OUTCOMES:
            probability = key != "crises_per_year"
            values = sub[key].to_numpy(dtype=float)
            value, low, high = _estimate(values, probability)
            rows.append(
                {
                    "theatre": theatre,
                    "outcome": key,
                    "label": label,
                    "value": value,
                    "low": low,
                    "high": high,
                    "count": int(values.sum()) if probability else None,
                    "runs": len(values),
                }
            )
    return rows


def paired(a: FolderView, b: FolderView) -> bool:
    """Tell whether both folders ran the same run ids with the same seeds (paired runs)."""
    ra = a.results.runs[["run_id", "seed"]]
    rb = b.results.runs[["run_id", "seed"]]
    if len(ra) != len(rb):
        return False
    left = ra.sort_values("run_id").reset_index(drop=True)
    right = rb.sort_values("run_id").reset_index(drop=True)
    return bool(
        (left["run_id"].to_numpy() == right["run_id"].to_numpy()).all()
        and [int(s) for s in left["seed"]] == [int(s) for s in right["seed"]]
    )


def _difference(
    xa: np.ndarray, xb: np.ndarray, is_paired: bool, probability: bool
) -> tuple[float, float, float]:
    """Difference b - a and its 95% interval.

    Paired: normal interval of the mean per-run difference. Unpaired probabilities:
    Newcombe's hybrid score interval (from the two Wilson intervals); unpaired means:
    Welch's normal interval.
    """
    diff = float(xb.mean() - xa.mean())
    if is_paired:
        d = xb - xa
        half = Z95 * float(d.std(ddof=1)) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
        return diff, diff - half, diff + half
    if probability:
        pa, la, ua = _estimate(xa, True)
        pb, lb, ub = _estimate(xb, True)
        low = diff - float(np.sqrt((pb - lb) ** 2 + (ua - pa) ** 2))
        high = diff + float(np.sqrt((ub - pb) ** 2 + (pa - la) ** 2))
        return diff, low, high
    var = float(xa.var(ddof=1)) / len(xa) + float(xb.var(ddof=1)) / len(xb)
    half = Z95 * float(np.sqrt(var))
    return diff, diff - half, diff + half


def compare_rows(a: FolderView, b: FolderView) -> list[dict[str, Any]]:
    """Per (theatre, outcome) of the theatres both folders share: a, b, b - a with interval."""
    ia, ib = _indicators(a), _indicators(b)
    is_paired = paired(a, b)
    rows: list[dict[str, Any]] = []
    shared = [t for t in theatres(a) if t in set(theatres(b))]
    for theatre in shared:
        sa = ia[ia["theatre"] == theatre].sort_values("run_id")
        sb = ib[ib["theatre"] == theatre].sort_values("run_id")
        for key, label in OUTCOMES:
            probability = key != "crises_per_year"
            xa, xb = sa[key].to_numpy(dtype=float), sb[key].to_numpy(dtype=float)
            diff, low, high = _difference(xa, xb, is_paired, probability)
            rows.append(
                {
                    "theatre": theatre,
                    "outcome": key,
                    "label": label,
                    "a": float(xa.mean()),
                    "b": float(xb.mean()),
                    "diff": diff,
                    "low": low,
                    "high": high,
                    "paired": is_paired,
                }
            )
    return rows


def fmt(value: float, probability: bool) -> str:
    """``12.3%`` for probabilities, ``0.42`` for rates; ``-`` for NaN."""
    if value != value:  # NaN
        return "-"
    return f"{100 * value:.1f}%" if probability else f"{value:.2f}"


def fmt_interval(low: float, high: float, probability: bool) -> str:
    """``[0.0%, 3.7%]``."""
    return f"[{fmt(low, probability)}, {fmt(high, probability)}]"


_TH = 'style="text-align:left;padding:2px 8px;border-bottom:1px solid #ccc"'
_TD = 'style="padding:2px 8px;white-space:nowrap"'


def outcomes_html(view: FolderView) -> str:
    """Table of `outcome_rows`: a row per outcome, a column per theatre."""
    esc = html.escape
    rows = outcome_rows(view)
    names = theatres(view)
    head = "".join(f"<th {_TH}>{esc(t)}</th>" for t in names)
    body = []
    for key, label in OUTCOMES:
        probability = key != "crises_per_year"
        cells = []
        for theatre in names:
            r = next(x for x in rows if x["theatre"] == theatre and x["outcome"] == key)
            count = f" ({r['count']:,} of {r['runs']:,})" if probability else ""
            cells.append(
                f"<td {_TD}><b>{fmt(r['value'], probability)}</b> "
                f"{fmt_interval(r['low'], r['high'], probability)}{count}</td>"
            )
        body.append(f"<tr><td {_TD}>{esc(label)}</td>{''.join(cells)}</tr>")
    return (
        f'<div class="sim-outcomes" style="font-family:Roboto,sans-serif;font-size:13px">'
        f'<div style="margin-bottom:4px;color:#555">{esc(view.describe())}</div>'
        f'<table style="border-collapse:collapse"><tr><th {_TH}>outcome (95% interval)</th>'
        f"{head}</tr>{''.join(body)}</table></div>"
    )


def compare_html(a: FolderView, b: FolderView) -> str:
    """Table of `compare_rows` with a sentence on how the difference was estimated."""
    esc = html.escape
    rows = compare_rows(a, b)
    if not rows:
        return f'<div class="sim-compare">{esc(a.label)} and {esc(b.label)} share no theatre.</div>'
    if rows[0]["paired"]:
        how = (
            "The folders share run ids and seeds (common random numbers): differences are "
            "paired, run by run."
        )
    else:
        how = (
            "Warning: the folders used different seeds, so the difference is unpaired and its "
            "interval is wider than a paired one would be (run both with the same --seed)."
        )
    body = []
    for r in rows:
        probability = r["outcome"] != "crises_per_year"
        significant = r["low"] > 0 or r["high"] < 0
        style = "font-weight:bold" if significant else ""
        body.append(
            f"<tr><td {_TD}>{esc(r['theatre'])}</td><td {_TD}>{esc(r['label'])}</td>"
            f"<td {_TD}>{fmt(r['a'], probability)}</td><td {_TD}>{fmt(r['b'], probability)}</td>"
            f'<td style="padding:2px 8px;white-space:nowrap;{style}">'
            f"{'+' if r['diff'] > 0 else ''}{fmt(r['diff'], probability)} "
            f"{fmt_interval(r['low'], r['high'], probability)}</td></tr>"
        )
    return (
        f'<div class="sim-compare" style="font-family:Roboto,sans-serif;font-size:13px">'
        f'<div style="margin-bottom:4px;color:#555">{esc(how)}</div>'
        f'<table style="border-collapse:collapse"><tr><th {_TH}>theatre</th><th {_TH}>outcome</th>'
        f"<th {_TH}>A: {esc(a.label)}</th><th {_TH}>B: {esc(b.label)}</th>"
        f"<th {_TH}>B \u2212 A (95% interval)</th></tr>{''.join(body)}</table></div>"
    )


def rung_distribution_figure(views: list[FolderView]) -> Figure:
    """Share of runs by highest rung reached, a panel per theatre, a bar colour per folder."""
    names: list[str] = []
    for view in views:
        names += [t for t in theatres(view) if t not in names]
    fig = Figure(figsize=(6.4, 1.2 + 2.2 * len(names)))
    axes = np.atleast_1d(fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0])
    width = 0.8 / max(1, len(views))
    colours = ("#0072B2", "#E69F00", "#009E73", "#D55E00")
    rungs = np.arange(len(RUNG_NAMES))
    for ax, theatre in zip(axes, names, strict=True):
        for k, view in enumerate(views):
            o = view.results.outcomes
            peak = o.loc[o["theatre"] == theatre, "max_rung"].astype("int64").to_numpy()
            if not len(peak):
                continue
            share = np.bincount(peak, minlength=len(RUNG_NAMES))[: len(RUNG_NAMES)] / len(peak)
            ax.bar(
                rungs + (k - (len(views) - 1) / 2) * width,
                share,
                width=width,
                color=colours[k % len(colours)],
                label=view.label,
            )
        ax.set_title(f"{theatre}: highest rung reached (share of runs)", fontsize=10)
        ax.set_ylim(0, 1)
        ax.grid(True, axis="y", alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[-1].set_xticks(rungs, [f"{r} {RUNG_NAMES[r]}" for r in rungs], rotation=30, ha="right")
    axes[0].legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def notable_runs(view: FolderView, limit: int = NOTABLE_SHOWN) -> dict[str, list[int]]:
    """Run ids worth replaying: ``"war in taiwan": [3, 17]``, ``"rung >= 5 in senkaku": ...``."""
    o = view.results.outcomes
    out: dict[str, list[int]] = {}
    for theatre in theatres(view):
        sub = o[o["theatre"] == theatre]
        wars = sub.loc[sub["war"].astype(bool), "run_id"].astype("int64")
        high = sub.loc[sub["max_rung"].astype("int64") >= 5, "run_id"].astype("int64")
        if len(wars):
            out[f"war in {theatre}"] = sorted(int(r) for r in wars)[:limit]
        if len(high):
            out[f"rung \u2265 5 in {theatre}"] = sorted(int(r) for r in high)[:limit]
    return out


def replay_scenario(folder: Results | str | Path, run_id: int) -> tuple[Scenario, int]:
    """Return the scenario and the seed of one run of a result folder.

    Through `EscalationModel.from_results`: the resolved scenario stored in the manifest,
    with the manifest's ``overrides`` and, for sweeps, the run's swept values; the seed
    read exactly from ``runs.parquet``.
    """
    model = EscalationModel.from_results(folder, run_id)
    scenario, seed = model.scenario, model.run_seed
    model.remove()
    return scenario, seed


def stored_seed(folder: str | Path, run_id: int) -> int:
    """Seed of run `run_id` as stored in ``runs.parquet``, read as an exact uint64.

    ``sim.trace.replay_spec`` takes the seed from a pandas row, which turns a frame of
    only numeric columns into float64 and rounds 64-bit seeds; read the column instead.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.ParquetFile(Path(folder) / "runs.parquet").read(columns=["run_id", "seed"])
    seeds = table.filter(pc.equal(table["run_id"], run_id))["seed"].to_pylist()
    if not seeds:
        raise SimError(f"{folder}: no run {run_id}")
    return int(seeds[0])


def replay_model(folder: Results | str | Path, run_id: int) -> EscalationModel:
    """Return a fresh `EscalationModel` of run `run_id` of a result folder."""
    return EscalationModel.from_results(folder, run_id)


def parse_run_id(text: Any, view: FolderView) -> int:
    """Run id typed on the page, checked against the folder; raise `ResultsError` if bad."""
    try:
        run_id = int(str(text).strip())
    except ValueError:
        raise ResultsError(f"run id {text!r} is not an integer") from None
    ids = view.results.runs["run_id"]
    if not (ids == run_id).any():
        raise ResultsError(f"{view.label} has no run {run_id} (runs {ids.min()} to {ids.max()})")
    return run_id
