"""``sim compare``: estimates, paired and unpaired differences, formats and files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.compare import (
    compare_results,
    newcombe_paired,
    newcombe_unpaired,
    render,
    shares_seeds,
)

REPO = Path(__file__).resolve().parents[3]
SCEN = REPO / "scenarios"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """baseline and no_talks with seed 3 (paired), no_talks with seed 4 (unpaired)."""
    base = tmp_path_factory.mktemp("compare")
    out = {}
    for label, name, seed in (
        ("baseline", "baseline", 3),
        ("no_talks", "no_talks", 3),
        ("no_talks_s4", "no_talks", 4),
    ):
        out[label] = sim.run(
            SCEN / f"{name}.toml", runs=200, seed=seed, out=base / label, workers=1
        ).path
    return out


@pytest.fixture(scope="module")
def loaded(folders):
    return {k: sim.load_results(v) for k, v in folders.items()}


def _row(c, outcome, folder, year=None):
    rows = c.rows[(c.rows.outcome == outcome) & (c.rows.folder == folder)]
    if year is not None:
        rows = rows[rows.year == year]
    assert len(rows) == 1
    return rows.iloc[0]


def test_seed_sharing(loaded):
    assert shares_seeds(loaded["baseline"], loaded["no_talks"]) == 200
    assert shares_seeds(loaded["baseline"], loaded["no_talks_s4"]) == 0


def test_paired_difference_matches_run_by_run(loaded):
    a, b = loaded["baseline"], loaded["no_talks"]
    c = compare_results([a, b])
    assert c.paired == [True, True] and not c.warnings
    for measure in ("war", "rung5", "crisis", "lost"):
        for theatre in ("taiwan", "senkaku"):
            r = _row(c, f"{measure}.{theatre}", "no_talks")
            assert r.paired and r.low <= r.value <= r.high
            assert r.diff_low <= r["diff"] <= r.diff_high
    # P(any crisis) over Senkaku from the outcome tables, and the paired difference
    xs = []
    for res in (a, b):
        o = res.outcomes[res.outcomes.theatre == "senkaku"].sort_values("run_id")
        xs.append((o["crises"] > 0).to_numpy(dtype=float))
    r = _row(c, "crisis.senkaku", "no_talks")
    assert r.value == pytest.approx(xs[1].mean())
    assert r["diff"] == pytest.approx(xs[1].mean() - xs[0].mean())
    d, lo, hi = newcombe_paired(xs[1], xs[0])
    assert (r.diff_low, r.diff_high) == pytest.approx((lo, hi))
    # spending: per-run differences of the same runs
    year = c.years[0]
    ann = [
        res.annual[
            (res.annual.metric == "milex_usd_bn")
            & (res.annual.subject == "CHN")
            & (res.annual.year == year)
        ].sort_values("run_id")["value"]
        for res in (a, b)
    ]
    diff = ann[1].to_numpy() - ann[0].to_numpy()
    r = _row(c, "milex_usd_bn.CHN", "no_talks", year)
    assert r["diff"] == pytest.approx(diff.mean())
    half = 1.959964 * diff.std(ddof=1) / np.sqrt(len(diff))
    assert r.diff_high - r["diff"] == pytest.approx(half, rel=1e-4)


def test_unpaired_warns_and_is_wider(loaded):
    a, b, b4 = loaded["baseline"], loaded["no_talks"], loaded["no_talks_s4"]
    paired = compare_results([a, b])
    unpaired = compare_results([a, b4])
    assert unpaired.paired == [True, False]
    assert any("do not share seeds" in w and "--seed 3" in w for w in unpaired.warnings)
    text = render(unpaired)
    assert "warning: no_talks_s4 and baseline do not share seeds" in text
    assert "(unpaired)" in text
    r = _row(unpaired, "crisis.senkaku", "no_talks_s4")
    assert not r.paired
    k1, k0 = (
        round(r.value * r.runs),
        round(_row(unpaired, "crisis.senkaku", "baseline").value * 200),
    )
    assert (r["diff"], r.diff_low, r.diff_high) == pytest.approx(
        newcombe_unpaired(k1, 200, k0, 200)
    )
    # common random numbers narrow the interval of a positively correlated outcome
    year = paired.years[0]
    wp = _row(paired, "milex_usd_bn.CHN", "no_talks", year)
    wu = _row(unpaired, "milex_usd_bn.CHN", "no_talks_s4", year)
    assert wp.diff_high - wp.diff_low < wu.diff_high - wu.diff_low


def test_newcombe_known_values():
    # Newcombe (1998b), table II example: 56/70 vs 48/80 -> 0.2 [0.0524, 0.3339]
    d, lo, hi = newcombe_unpaired(56, 70, 48, 80)
    assert (d, lo, hi) == pytest.approx((0.2, 0.0524, 0.3339), abs=5e-4)
    # paired, Newcombe (1998) method 10 by hand: a=12, b=9, c=2, d=21 (n=44)
    x1 = np.r_[np.ones(12), np.ones(9), np.zeros(2), np.zeros(21)]
    x0 = np.r_[np.ones(12), np.zeros(9), np.ones(2), np.zeros(21)]
    z = 1.959964

    def wilson(k, n):
        p = k / n
        c = (p + z * z / (2 * n)) / (1 + z * z / n)
        h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return c - h, c + h

    (l1, u1), (l0, u0) = wilson(21, 44), wilson(14, 44)
    phi = (12 * 21 - 9 * 2) / np.sqrt(21 * 23 * 14 * 30)
    p1, p0 = 21 / 44, 14 / 44
    low = p1 - p0 - np.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u0 - p0) + (u0 - p0) ** 2)
    high = p1 - p0 + np.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p0 - l0) + (p0 - l0) ** 2)
    assert newcombe_paired(x1, x0) == pytest.approx((7 / 44, low, high), abs=1e-6)
    # swapping the folders negates the interval; identical outcomes give 0 inside it
    d, lo, hi = newcombe_paired(x0, x1)
    assert (d, lo, hi) == pytest.approx((-7 / 44, -high, -low), abs=1e-6)
    d, lo, hi = newcombe_paired(x1, x1)
    assert d == 0 and lo < 0 < hi
    # positive correlation narrows the paired interval below the unpaired one
    _, ulo, uhi = newcombe_unpaired(21, 44, 14, 44)
    assert high - low < uhi - ulo


def test_formats(loaded):
    c = compare_results([loaded["baseline"], loaded["no_talks"]], years=[2025, 2030])
    assert sorted(set(c.rows.year.dropna())) == [2025, 2030]
    table = render(c, "table")
    assert "Theatre taiwan" in table and "P(rung ≥ 5)" in table and "pp [" in table
    md = render(c, "markdown")
    assert "| outcome | baseline | no_talks | no_talks − baseline |" in md
    data = json.loads(render(c, "json"))
    assert [f["paired"] for f in data["folders"]] == [True, True]
    import io

    frame = pd.read_csv(io.StringIO(render(c, "csv")))
    assert {"group", "outcome", "folder", "value", "low", "high", "diff", "paired"} <= set(
        frame.columns
    )
    assert set(frame.outcome) >= {"war.taiwan", "lost.senkaku", "crises_per_year.taiwan"}


def test_cli_stdout_file_and_figures(folders, tmp_path, capsys, monkeypatch):
    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    a, b, b4 = (str(folders[k]) for k in ("baseline", "no_talks", "no_talks_s4"))
    assert main(["compare", a, b4]) == 0
    out = capsys.readouterr().out
    assert "warning:" in out and "Theatre senkaku" in out
    assert main(["compare", a, b, "--format", "csv", "-q"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("group,outcome,label")
    assert main(["compare", a, b, "--out", "cmp.json"]) == 0
    assert json.loads((tmp_path / "cmp.json").read_text())["folders"][1]["paired"] is True
    assert os.listdir(tmp_path) == ["cmp.json"]  # nothing else in the working directory
    assert main(["compare", a, b, "--figures", "--kind", "war", "--out", "figs", "-q"]) == 0
    assert sorted(os.listdir(tmp_path / "figs")) == ["compare-war.png", "compare.txt"]
    # --figures without --out: under the first folder, never the working directory
    assert main(["compare", a, b, "--figures", "--kind", "war", "-q"]) == 0
    assert (Path(a) / "figures" / "compare-no_talks" / "compare-war.png").exists()
    assert sorted(os.listdir(tmp_path)) == ["cmp.json", "figs"]


def test_cli_help_has_examples():
    import subprocess
    import sys

    for cmd in ("compare", "plot", "report"):
        res = subprocess.run(
            [sys.executable, "-m", "sim", cmd, "--help"], capture_output=True, text=True, cwd=REPO
        )
        assert res.returncode == 0
        tail = res.stdout.rstrip().splitlines()[-3:]
        assert tail[0] == "examples:" and all(line.strip().startswith("sim ") for line in tail[1:])
        assert "--out" in res.stdout and "-q" in res.stdout
