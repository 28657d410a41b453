"""The typed contract of a result folder's ``manifest.json``.

`Manifest` is what the runner writes and what readers parse: what the job is (an ensemble
or a sweep of one resolved scenario), how to redo or resume it (seed, runs, chunking),
where it came from (`Provenance`), how far it got (status, runs done, timings) and, once
complete, the facts of its tables and (ensembles) the per-theatre summary.

Schema versions
---------------
1
    Folders written before manifests carried a ``schema_version`` key. They have every
    key of version 2 except ``schema_version`` and load as version 1.
2
    Adds ``schema_version``. Otherwise the same keys as version 1, so tools that read
    version 1 read version 2 unchanged.
3
    Sweeps add ``seeding`` (``common``: common random numbers with ``sim run`` and
    posterior draws; absent in earlier sweeps, which are ``per-point``). Ensembles and
    posterior records may carry ``posterior.held`` (calibrated parameters held at a set
    or swept value). Readers of version 2 read version 3's other keys unchanged.

A manifest of a later version than `SCHEMA_VERSION` is refused rather than misread.
Keys this module does not know are kept (`Manifest.extra`) and written back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from sim.errors import ResultsError

SCHEMA_VERSION = 3
"""Version of the manifest layout this code writes (see the module docstring)."""

Kind = Literal["ensemble", "sweep"]
Status = Literal["running", "incomplete", "complete"]
KINDS: tuple[Kind, ...] = ("ensemble", "sweep")
STATUSES: tuple[Status, ...] = ("running", "incomplete", "complete")


@dataclass
class Provenance:
    """Versions, git commit and host of the process that started the job."""

    package_version: str
    git_commit: str | None
    git_dirty: bool | None
    python: str
    numpy: str
    scipy: str
    pyarrow: str
    host: str
    platform: str


@dataclass
class SweepDesign:
    """What a sweep adds to the manifest: its design and how runs map to points.

    Attributes
    ----------
    sampler : str
        Sampler name (``lhs``, ``grid``, ``sobol``, ...).
    design_meta : dict
        What the matching analysis needs (e.g. a Sobol base sample size).
    parameters : list of dict
        Swept parameters (``path``, ``low``, ``high``, ``levels``, ``integer``).
    swept : list of str
        Paths of the swept parameters, in design order.
    points : int
        Design points.
    runs_per_point : int
        Replications of each point (``run_id = point_id * runs_per_point + k``).
    seeding : {"common", "per-point"} or None
        ``common`` (schema version 3): replication k of every point has the seed of run k
        of ``sim run`` with the same master seed and draws its calibrated parameters from
        the scenario's posterior, as ``sim run`` does (swept and ``--set`` paths held).
        ``per-point`` or None (folders written before, whose manifests have no such key):
        ``SeedSequence([master, point, k])`` and the scenario's own values.
    """

    sampler: str
    design_meta: dict[str, Any]
    parameters: list[dict[str, Any]]
    swept: list[str]
    points: int
    runs_per_point: int
    seeding: str | None = None


@dataclass
class FileFacts:
    """Rows, size and SHA-256 of one final table."""

    rows: int
    bytes: int
    sha256: str


@dataclass
class Manifest:
    """Everything ``manifest.json`` records; see the module docstring for versions.

    The JSON keys are the field names, with `sweep` and `provenance` flattened into the
    top level. Fields from `runs_done` on are filled in while the job runs; None means the
    key is not written.

    Attributes
    ----------
    kind : {"ensemble", "sweep"}
        What the folder holds.
    status : {"running", "incomplete", "complete"} or None
        "complete" only once the final tables are written (None: no status recorded).
    scenario_name, scenario_title, scenario_file, scenario_chain, scenario_sha256
        The scenario as resolved: name, title, file, ``extends`` chain and the hash over
        every file of the chain and the overrides.
    overrides : list of str
        ``--set`` overrides applied.
    runs : int
        Runs of the whole job.
    master_seed : int
        Master seed; every run's seed derives from it.
    chunk_size, chunks : int
        Runs per chunk and number of chunks (the plan, needed to resume).
    workers : int
        Worker processes of the last (or current) execution.
    scheduler : str or None
        Dask scheduler address, if any.
    annual_mode : str
        ``--annual`` as given; `annual_runs` is what it meant: runs with a lower
        ``run_id`` keep per-run annual rows.
    months, start : int, str
        Horizon and first month (``YYYY-MM``).
    theatres, actors, alliances : list of str
        Names in the order the tables use.
    command : list of str
        Command line that started the job.
    started : str
        ISO time the job started.
    provenance : Provenance
        Versions, git commit and host.
    scenario : dict
        The resolved scenario (enough to compile the runs again).
    sweep : SweepDesign or None
        The design of a sweep (None for ensembles).
    schema_version : int
        Layout version the manifest was read in (`SCHEMA_VERSION` for new ones; writing
        always writes the current layout).
    runs_done, resumed_runs : int or None
        Runs on disk; runs that a resume found already done.
    finished : str or None
        ISO time the job completed.
    wall_seconds, runs_per_second : float or None
        Timings of the (last) execution, written once the job is complete.
    summary : list of dict or None
        Per-theatre summary records (complete ensembles).
    files : dict of str to FileFacts or None
        Facts of the final tables (complete folders).
    interrupted_by : str or None
        Exception that interrupted the job (incomplete folders).
    posterior : dict or None
        The posterior the runs drew their calibrated parameters from (folder, sha256,
        draws, parameters; `sim.scenario.posterior.Posterior.record`), or None when every
        run used the scenario's own values.
    extra : dict
        Keys this version does not know, kept as read.
    """

    kind: Kind
    status: Status | None
    scenario_name: str
    scenario_title: str
    scenario_file: str
    scenario_chain: list[str]
    scenario_sha256: str
    overrides: list[str]
    runs: int
    master_seed: int
    chunk_size: int
    workers: int
    scheduler: str | None
    annual_mode: str
    annual_runs: int
    months: int
    start: str
    theatres: list[str]
    actors: list[str]
    alliances: list[str]
    command: list[str]
    started: str
    provenance: Provenance
    scenario: dict[str, Any]
    sweep: SweepDesign | None = None
    chunks: int | None = None
    schema_version: int = SCHEMA_VERSION
    runs_done: int | None = None
    resumed_runs: int | None = None
    finished: str | None = None
    wall_seconds: float | None = None
    runs_per_second: float | None = None
    summary: list[dict[str, Any]] | None = None
    files: dict[str, FileFacts] | None = None
    interrupted_by: str | None = None
    posterior: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object to write (current layout; the resolved scenario last)."""
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "status": self.status,
            "scenario_name": self.scenario_name,
            "scenario_title": self.scenario_title,
            "scenario_file": self.scenario_file,
            "scenario_chain": self.scenario_chain,
            "scenario_sha256": self.scenario_sha256,
            "overrides": self.overrides,
        }
        if self.sweep is not None:
            out.update(_fields(self.sweep))
        if self.chunks is not None:
            out["chunks"] = self.chunks
        out.update(
            {
                "runs": self.runs,
                "master_seed": self.master_seed,
                "chunk_size": self.chunk_size,
                "workers": self.workers,
                "scheduler": self.scheduler,
                "annual_mode": self.annual_mode,
                "annual_runs": self.annual_runs,
                "months": self.months,
                "start": self.start,
                "theatres": self.theatres,
                "actors": self.actors,
                "alliances": self.alliances,
                "command": self.command,
                "started": self.started,
                **_fields(self.provenance),
            }
        )
        for key in ("runs_done", "resumed_runs", "finished"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.finished is not None:  # both written on completion, even when None
            out["wall_seconds"] = self.wall_seconds
            out["runs_per_second"] = self.runs_per_second
        if self.summary is not None:
            out["summary"] = self.summary
        if self.files is not None:
            out["files"] = {name: _fields(facts) for name, facts in self.files.items()}
        if self.interrupted_by is not None:
            out["interrupted_by"] = self.interrupted_by
        if self.posterior is not None:
            out["posterior"] = self.posterior
        out.update(self.extra)
        out["scenario"] = self.scenario
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | Path) -> Manifest:
        """Parse a manifest read from `source` (a version 1 or 2 JSON object).

        Raises
        ------
        ResultsError
            In one line naming `source` and the key, if a key is missing or malformed or
            the manifest is of a later schema version than this code reads.
        """
        read = _Reader(data, str(source))
        version = read.optional("schema_version", _at_least(1), "a positive integer")
        if version is not None and version > SCHEMA_VERSION:
            raise ResultsError(
                f"{source}: manifest schema_version {version} is newer than this sim reads "
                f"(up to {SCHEMA_VERSION}); update the package"
            )
        kind = read.required("kind", lambda v: v in KINDS, "'ensemble' or 'sweep'")
        sweep = None
        if kind == "sweep":
            sweep = SweepDesign(
                sampler=read.required("sampler", _is(str), "a sampler name"),
                design_meta=read.required("design_meta", _is(dict), "a table"),
                parameters=read.required("parameters", _parameters, "a list of parameters"),
                swept=read.required("swept", _strings, "a list of parameter paths"),
                points=read.required("points", _at_least(1), "a positive integer"),
                runs_per_point=read.required("runs_per_point", _at_least(1), "a positive integer"),
                seeding=read.optional(
                    "seeding", lambda v: v in ("common", "per-point"), "'common' or 'per-point'"
                ),
            )
        manifest = cls(
            kind=kind,
            status=read.optional("status", lambda v: v in STATUSES, " or ".join(STATUSES)),
            scenario_name=read.required("scenario_name", _is(str), "a string"),
            scenario_title=read.required("scenario_title", _is(str), "a string"),
            scenario_file=read.required("scenario_file", _is(str), "a string"),
            scenario_chain=read.required("scenario_chain", _strings, "a list of files"),
            scenario_sha256=read.required("scenario_sha256", _is(str), "a string"),
            overrides=read.required("overrides", _strings, "a list of PATH=VALUE"),
            runs=read.required("runs", _at_least(1), "a positive integer"),
            master_seed=read.required("master_seed", _at_least(0), "an integer >= 0"),
            chunk_size=read.required("chunk_size", _at_least(1), "a positive integer"),
            workers=read.required("workers", _at_least(1), "a positive integer"),
            scheduler=read.nullable("scheduler", _is(str), "an address or null"),
            annual_mode=read.required("annual_mode", _is(str), "a string"),
            annual_runs=read.required("annual_runs", _at_least(0), "an integer >= 0"),
            months=read.required("months", _at_least(1), "a positive integer"),
            start=read.required("start", _month, "a month YYYY-MM"),
            theatres=read.required("theatres", _strings, "a list of theatre names"),
            actors=read.required("actors", _strings, "a list of actor codes"),
            alliances=read.required("alliances", _strings, "a list of alliance ids"),
            command=read.required("command", _strings, "a command line (list of strings)"),
            started=read.required("started", _is(str), "an ISO time"),
            provenance=Provenance(
                package_version=read.required("package_version", _is(str), "a string"),
                git_commit=read.nullable("git_commit", _is(str), "a commit or null"),
                git_dirty=read.nullable("git_dirty", _is(bool), "true, false or null"),
                python=read.required("python", _is(str), "a string"),
                numpy=read.required("numpy", _is(str), "a string"),
                scipy=read.required("scipy", _is(str), "a string"),
                pyarrow=read.required("pyarrow", _is(str), "a string"),
                host=read.required("host", _is(str), "a string"),
                platform=read.required("platform", _is(str), "a string"),
            ),
            scenario=read.required("scenario", _is(dict), "the resolved scenario (a table)"),
            sweep=sweep,
            chunks=read.optional("chunks", _at_least(1), "a positive integer"),
            schema_version=1 if version is None else version,
            runs_done=read.optional("runs_done", _at_least(0), "an integer >= 0"),
            resumed_runs=read.optional("resumed_runs", _at_least(0), "an integer >= 0"),
            finished=read.optional("finished", _is(str), "an ISO time"),
            wall_seconds=read.nullable("wall_seconds", _number, "a number"),
            runs_per_second=read.nullable("runs_per_second", _number, "a number or null"),
            summary=read.optional("summary", _records, "a list of summary records"),
            files=_file_facts(read),
            interrupted_by=read.optional("interrupted_by", _is(str), "an exception name"),
            posterior=read.optional("posterior", _is(dict), "a posterior record (a table)"),
        )
        manifest.extra = {k: v for k, v in data.items() if k not in read.seen}
        return manifest


def _fields(obj: Provenance | SweepDesign | FileFacts) -> dict[str, Any]:
    """Return a flat dataclass's fields in declaration order.

    A sweep's unset seeding is left out, so that manifests of earlier versions are
    written back with their own keys.
    """
    out = dict(vars(obj))
    if isinstance(obj, SweepDesign) and obj.seeding is None:
        del out["seeding"]
    return out


class _Reader:
    """Takes keys out of a manifest, checking each; remembers which keys it took."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.data = data
        self.source = source
        self.seen: set[str] = set()

    def optional(self, key: str, ok: Callable[[Any], bool], what: str) -> Any:
        """Return the value of `key`, None if absent; it must satisfy `ok` if present."""
        self.seen.add(key)
        if key not in self.data:
            return None
        value = self.data[key]
        if not ok(value):
            raise ResultsError(f"{self.source}: '{key}' should be {what}, got {value!r:.40}")
        return value

    def nullable(self, key: str, ok: Callable[[Any], bool], what: str) -> Any:
        """Like `optional`, but null is allowed too."""
        self.seen.add(key)
        return None if self.data.get(key) is None else self.optional(key, ok, what)

    def required(self, key: str, ok: Callable[[Any], bool], what: str) -> Any:
        """Return the value of `key`, which must be present and satisfy `ok`."""
        if key not in self.data:
            raise ResultsError(f"{self.source}: '{key}' is missing (should be {what})")
        return self.optional(key, ok, what)


def _is(kind: type) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, kind)


def _at_least(least: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= least


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _strings(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _records(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, dict) for x in v)


def _parameters(v: Any) -> bool:
    return _records(v) and all(isinstance(p.get("path"), str) for p in v)


def _month(v: Any) -> bool:
    from sim.engine.calendar import parse_month

    try:
        parse_month(v)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def _file_facts(read: _Reader) -> dict[str, FileFacts] | None:
    """Parse the ``files`` table: rows, bytes and SHA-256 of each final table."""
    files = read.optional("files", _is(dict), "a table of file facts")
    if files is None:
        return None
    facts: dict[str, FileFacts] = {}
    for name, entry in cast(dict[str, Any], files).items():
        if not (
            isinstance(entry, dict)
            and _at_least(0)(entry.get("rows"))
            and _at_least(0)(entry.get("bytes"))
            and isinstance(entry.get("sha256"), str)
        ):
            raise ResultsError(f"{read.source}: the facts of {name} are not rows, bytes and sha256")
        facts[name] = FileFacts(rows=entry["rows"], bytes=entry["bytes"], sha256=entry["sha256"])
    return facts
