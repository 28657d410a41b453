"""The faster ensemble path gives the same results as the plain one.

* The summary comes from the chunks' tallies and equals the summary counted from the
  merged ``outcomes.parquet``; a chunk without a tally file is counted from its table.
* A job of one chunk links the chunk's files as the final tables (no rewrite); the tables
  equal those of the same runs in several chunks.
* The final tables grown while chunks finish (`ChunkMerger`) equal a merge from scratch,
  and a write error while streaming leaves the merge to start over at the end.
* The worker pool starts once and serves the next job of the same size.
* ``annual.parquet`` reads back with its schema whichever chunks hold annual rows (the
  chunks build its string columns as dictionaries), and chunk files of the older format
  (strings, Arrow schema stored) still resume to the same tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.analysis.summary import summarise
from sim.analysis.tally import Tally, tally_from_outcomes
from sim.engine.params import compile_scenario
from sim.results.folder import ChunkMerger, tally_path
from sim.runner import executor
from sim.runner.ensemble import chunk_tallies, run
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[3]
INVASION = ROOT / "scenarios" / "taiwan_invasion.toml"  # wars, patrons joining
BASELINE = ROOT / "scenarios" / "baseline.toml"
SHORT = ["meta.months=60"]


def frames(folder: Path) -> dict[str, pd.DataFrame]:
    """The tables, annual sorted canonically (its row order follows the chunking)."""
    out = {t: pd.read_parquet(folder / f"{t}.parquet") for t in ("runs", "outcomes", "annual")}
    keys = ["run_id", "year", "metric", "subject"]
    out["annual"] = out["annual"].sort_values(keys, kind="stable").reset_index(drop=True)
    return out


@pytest.mark.slow
def test_summary_from_tallies_equals_summary_from_merged_outcomes(tmp_path):
    out = tmp_path / "r"
    results = run(INVASION, runs=300, seed=4, workers=1, chunk_size=70, out=out)
    structure = compile_scenario(load_scenario(results.manifest["scenario"]))[0]
    merged = summarise(tally_from_outcomes(out / "outcomes.parquet", structure), structure)
    assert results.summary == json.loads(json.dumps(merged))
    assert any(t["allies_joined"] for t in results.summary)


def test_chunk_without_tally_file_is_counted_from_its_outcomes(tmp_path):
    structure = compile_scenario(load_scenario(INVASION))[0]
    folder = tmp_path / "f"
    (folder / "chunks").mkdir(parents=True)
    out = tmp_path / "r"
    run(INVASION, runs=120, seed=2, workers=1, chunk_size=60, out=out)
    whole = tally_from_outcomes(out / "outcomes.parquet", structure)
    # rebuild chunk files from the merged table, the first one without a tally
    table = pq.read_table(out / "outcomes.parquet")
    half = table.num_rows // 2
    for c in (0, 1):
        part = table.slice(c * half, half)
        pq.write_table(part, folder / "chunks" / f"c{c:06d}.outcomes.parquet")
    tally_path(folder, 1).write_bytes(
        tally_from_outcomes(folder / "chunks" / "c000001.outcomes.parquet", structure).to_bytes()
    )
    counted = chunk_tallies(folder, [0, 1], structure)
    for name in Tally.__dataclass_fields__:
        assert (getattr(counted, name) == getattr(whole, name)).all(), name


def test_one_chunk_is_linked_not_rewritten(tmp_path, monkeypatch):
    one = tmp_path / "one"
    many = tmp_path / "many"
    rewrites = []
    real = ChunkMerger._append

    def counted(self, chunk):
        rewrites.append(chunk)
        real(self, chunk)

    monkeypatch.setattr(ChunkMerger, "_append", counted)
    run(BASELINE, runs=90, seed=3, overrides=SHORT, workers=1, out=one)
    assert rewrites == []
    run(BASELINE, runs=90, seed=3, overrides=SHORT, workers=1, chunk_size=40, out=many)
    assert rewrites == [0, 1, 2]
    a, b = frames(one), frames(many)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


@pytest.mark.slow
def test_streaming_merge_equals_a_merge_from_scratch(tmp_path, monkeypatch):
    streamed = tmp_path / "streamed"
    run(BASELINE, runs=150, seed=8, overrides=SHORT, workers=1, chunk_size=40, out=streamed)
    monkeypatch.setattr(ChunkMerger, "add", lambda self, chunk: self.ready.add(chunk))
    scratch = tmp_path / "scratch"
    run(BASELINE, runs=150, seed=8, overrides=SHORT, workers=1, chunk_size=40, out=scratch)
    a, b = frames(streamed), frames(scratch)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


def test_write_error_while_streaming_starts_the_merge_over(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = ChunkMerger._append

    def flaky(self, chunk):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real(self, chunk)

    monkeypatch.setattr(ChunkMerger, "_append", flaky)
    out = tmp_path / "flaky"
    run(BASELINE, runs=120, seed=8, overrides=SHORT, workers=1, chunk_size=40, out=out)
    monkeypatch.undo()
    ref = tmp_path / "ref"
    run(BASELINE, runs=120, seed=8, overrides=SHORT, workers=1, chunk_size=40, out=ref)
    a, b = frames(out), frames(ref)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
    assert not list(out.glob(".*.tmp-*"))


@pytest.mark.slow
@pytest.mark.xdist_group("processes")  # starts worker processes (tests/conftest.py)
def test_pool_is_reused_across_jobs(tmp_path):
    executor.shutdown_pool()
    try:
        a = run(BASELINE, runs=80, seed=1, overrides=SHORT, workers=2, chunk_size=40, out=None)
        # two workers: this process and a pool of one
        pool = executor._POOL.get(1)
        assert pool is not None
        b = run(BASELINE, runs=80, seed=1, overrides=SHORT, workers=2, chunk_size=40, out=None)
        assert executor._POOL.get(1) is pool
        pd.testing.assert_frame_equal(a.outcomes, b.outcomes, check_exact=True)
    finally:
        executor.shutdown_pool()
    assert not executor._POOL


@pytest.mark.slow
def test_annual_table_reads_back_as_its_schema_whatever_the_chunks(tmp_path, monkeypatch):
    """Chunks with every run's annual rows, some, or none concatenate to the same table."""
    import sim.runner.ensemble as ensemble
    from sim.results.tables import ANNUAL_SCHEMA

    monkeypatch.setattr(ensemble, "ANNUAL_SAMPLE", 50)  # chunk 0 all, 1 some, 2 none
    many = tmp_path / "many"
    run(
        BASELINE,
        runs=120,
        seed=5,
        overrides=SHORT,
        workers=1,
        chunk_size=40,
        annual="sample",
        out=many,
    )
    one = tmp_path / "one"
    run(BASELINE, runs=120, seed=5, overrides=SHORT, workers=1, annual="sample", out=one)
    for folder in (many, one):
        assert pq.read_schema(folder / "annual.parquet") == ANNUAL_SCHEMA
        assert pq.read_table(folder / "annual.parquet")["run_id"].to_numpy().max() == 49
    a, b = frames(one), frames(many)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
    off = tmp_path / "off"
    run(
        BASELINE, runs=120, seed=5, overrides=SHORT, workers=1, chunk_size=40, annual="off", out=off
    )
    empty = pq.read_table(off / "annual.parquet")
    assert empty.num_rows == 0 and empty.schema == ANNUAL_SCHEMA


class _Stop(KeyboardInterrupt):
    """Ctrl-C after the first chunks."""


def test_resume_from_chunk_files_of_the_older_format(tmp_path):
    """Chunk files written by an older version (string columns, Arrow schema stored)."""
    from sim.results.folder import chunk_path
    from sim.results.tables import ANNUAL_SCHEMA
    from sim.runner.ensemble import resume

    ref = tmp_path / "ref"
    run(BASELINE, runs=120, seed=6, overrides=SHORT, workers=1, chunk_size=40, out=ref)
    out = tmp_path / "out"

    def progress(done, total):
        if done >= 80:
            raise _Stop()

    with pytest.raises(KeyboardInterrupt):
        run(
            BASELINE,
            runs=120,
            seed=6,
            overrides=SHORT,
            workers=1,
            chunk_size=40,
            out=out,
            progress=progress,
        )
    for c in (0, 1):  # as the older version wrote them
        for name in ("runs", "outcomes", "crises", "annual"):
            path = chunk_path(out, c, name)
            table = pq.read_table(path)
            if name == "annual":
                table = table.cast(ANNUAL_SCHEMA)
            pq.write_table(table, path, compression="zstd")
            assert b"ARROW:schema" in pq.read_metadata(path).metadata
    resume(out, workers=1)
    assert pq.read_schema(out / "annual.parquet") == ANNUAL_SCHEMA
    a, b = frames(ref), frames(out)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
