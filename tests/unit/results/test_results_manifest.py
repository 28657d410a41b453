"""The typed manifest contract: what ``manifest.json`` holds, its schema versions, and
that folders written in schema version 1 (no ``schema_version`` key) still load and resume.

``tests/manifests/v1_*.json`` are manifests exactly as the code wrote them before the
key existed: a 30-run ensemble and a 2x2 grid sweep of ``two_state.toml``. The tests
re-run the same jobs (same tables, bit for bit), put the version 1 manifest in place and
check that the folder loads, resumes and keeps every key.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import sim
from sim.errors import ResultsError, SimError
from sim.results.folder import MANIFEST, TABLES, file_facts
from sim.results.manifest import SCHEMA_VERSION, Manifest
from sim.runner.ensemble import resume, run
from sim.sweep.run import resume_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[3]
TWO_STATE = ROOT / "scenarios" / "two_state.toml"
V1 = ROOT / "tests" / "manifests"

# the jobs that wrote tests/manifests/v1_*.json
JOBS = {
    "ensemble": lambda out: run(
        TWO_STATE, runs=30, seed=5, out=out, workers=1, chunk_size=10, overrides=["meta.months=24"]
    ),
    "sweep": lambda out: run_sweep(
        TWO_STATE,
        params=["actors.AAA.misperception=0:2", "actors.BBB.audience_cost=0,1"],
        sampler="grid",
        points=2,
        runs=4,
        seed=5,
        out=out,
        workers=1,
        chunk_size=5,
        overrides=["meta.months=24"],
        seeding="per-point",  # as sweeps were seeded before schema version 3
    ),
}
RESUMERS = {"ensemble": resume, "sweep": resume_sweep}


def v1_manifest(kind: str) -> dict:
    return json.loads((V1 / f"v1_{kind}.json").read_text())


def write_json(folder: Path, manifest: dict) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))


@pytest.fixture(scope="module", params=list(JOBS))
def written(request, tmp_path_factory) -> tuple[str, Path]:
    """A folder of the job that wrote the version 1 manifest, written by this code."""
    out = tmp_path_factory.mktemp("manifest") / request.param
    JOBS[request.param](out)
    return request.param, out


@pytest.fixture
def v1_folder(written, tmp_path) -> tuple[str, Path]:
    """The same folder with its manifest replaced by the version 1 one.

    The file facts are those of the tables on disk (the only part of the fixture that
    depends on the pyarrow version that wrote it).
    """
    kind, source = written
    folder = tmp_path / kind
    shutil.copytree(source, folder)
    manifest = v1_manifest(kind)
    manifest["files"] = {
        name: {"rows": f.rows, "bytes": f.bytes, "sha256": f.sha256}
        for name, f in file_facts(folder).items()
    }
    write_json(folder, manifest)
    return kind, folder


@pytest.mark.parametrize("kind", list(JOBS))
def test_v1_manifest_parses_as_version_1_and_round_trips_every_key(kind):
    old = v1_manifest(kind)
    manifest = Manifest.from_dict(old, f"v1_{kind}.json")
    assert manifest.schema_version == 1 and manifest.kind == kind
    assert (manifest.sweep is not None) == (kind == "sweep")
    assert manifest.extra == {}
    new = manifest.to_dict()
    assert set(new) == set(old) | {"schema_version"}
    assert new["schema_version"] == SCHEMA_VERSION
    assert {k: new[k] for k in old} == old
    assert list(new)[-1] == "scenario"


def test_new_manifest_has_the_v1_keys_plus_schema_version(written):
    kind, folder = written
    new = json.loads((folder / MANIFEST).read_text())
    added = {"schema_version"} | ({"seeding"} if kind == "sweep" else set())  # version 3
    assert set(new) == set(v1_manifest(kind)) | added
    assert new["schema_version"] == SCHEMA_VERSION
    # the keys outside tools rely on
    for key in (
        "scenario",
        "scenario_sha256",
        "master_seed",
        "runs",
        "package_version",
        "git_commit",
        "command",
        "started",
        "finished",
        "wall_seconds",
    ):
        assert key in new, key


def test_v1_folder_loads(v1_folder, written):
    kind, folder = v1_folder
    results = sim.load_results(folder)
    assert results.typed_manifest.schema_version == 1
    assert results.manifest == json.loads((folder / MANIFEST).read_text())
    reference = sim.load_results(written[1])
    for table in TABLES:
        assert results.table(table).equals(reference.table(table)), table


def test_v1_folder_interrupted_resumes_to_the_same_tables_in_the_current_version(
    v1_folder, written
):
    kind, folder = v1_folder
    manifest = v1_manifest(kind)
    manifest.update(status="incomplete", runs_done=0, interrupted_by="KeyboardInterrupt")
    for key in ("finished", "wall_seconds", "runs_per_second", "summary", "files"):
        manifest.pop(key, None)
    manifest["a_key_from_elsewhere"] = {"kept": True}
    write_json(folder, manifest)
    for table in TABLES:  # interrupted before the merge: no final tables, no chunks yet
        (folder / f"{table}.parquet").unlink()
    (folder / "chunks").mkdir()
    done = RESUMERS[kind](folder, workers=1)
    reference = sim.load_results(written[1])
    for table in TABLES:
        assert done.table(table).equals(reference.table(table)), table
    new = json.loads((folder / MANIFEST).read_text())
    assert new["schema_version"] == SCHEMA_VERSION and new["status"] == "complete"
    assert new["a_key_from_elsewhere"] == {"kept": True}
    assert "interrupted_by" not in new
    assert set(v1_manifest(kind)) <= set(new)


def test_manifest_of_a_later_schema_version_is_refused_in_one_line(v1_folder):
    kind, folder = v1_folder
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["schema_version"] = SCHEMA_VERSION + 1
    write_json(folder, manifest)
    with pytest.raises(ResultsError, match="newer than this sim reads") as info:
        sim.load_results(folder)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda m: m.pop("master_seed"), "'master_seed' is missing"),
        (lambda m: m.update(schema_version="two"), "schema_version"),
        (lambda m: m.update(command="sim run"), "command"),
        (lambda m: m.update(git_dirty="yes"), "git_dirty"),
    ],
)
def test_malformed_key_is_refused_in_one_line_naming_it(v1_folder, change, fragment):
    kind, folder = v1_folder
    manifest = json.loads((folder / MANIFEST).read_text())
    change(manifest)
    write_json(folder, manifest)
    with pytest.raises(ResultsError, match=fragment) as info:
        sim.load_results(folder)
    assert "\n" not in str(info.value)


def test_resume_of_a_malformed_manifest_says_it_cannot_be_resumed(v1_folder):
    kind, folder = v1_folder
    manifest = v1_manifest(kind)
    manifest.update(status="incomplete", chunk_size=0)
    write_json(folder, manifest)
    with pytest.raises(SimError, match="'chunk_size' should be .*the job cannot be resumed"):
        RESUMERS[kind](folder, workers=1)
