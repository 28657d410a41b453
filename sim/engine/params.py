"""Compile resolved scenarios into parameter arrays with a leading run axis.

A `Structure` holds what cannot vary between runs of one batch (the actors, theatres,
alliances, activities, event occurrences and who takes part in them). `Params` holds
numbers: one frozen dataclass of arrays per mechanism (``params.crisis.war_cost``), the
months of the event occurrences and one record of values per occurrence. Every array has a
leading axis over runs, so the runs of a sweep can each carry their own values; arrays
compiled from one scenario have a leading axis of length 1 and broadcast.

Nothing here names a parameter: the arrays are built from the mechanisms' declarations
(`sim.engine.registry`), by the scope each parameter declares.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from sim.engine.blocks import Index, compile_block
from sim.engine.calendar import parse_month
from sim.engine.declare import Array, Param, ParamBlock, block_name
from sim.errors import SimError

if TYPE_CHECKING:
    from sim.scenario.loader import Scenario


@dataclass(frozen=True)
class EventSpec:
    """Structure of one scheduled event occurrence (repeats are separate occurrences)."""

    id: str
    kind: str
    occurrence: int
    actors: tuple[int, ...] = ()
    theatre: int = -1
    activity: int = -1
    alliance: int = -1
    policy: str = ""


@dataclass(frozen=True)
class Structure:
    """Everything that must be the same for all runs of a batch."""

    actors: tuple[str, ...]
    actor_names: tuple[str, ...]
    theatres: tuple[str, ...]
    claimant: np.ndarray  # (K, N) bool
    alliance_ids: tuple[str, ...]
    patron: np.ndarray  # (A,) int
    client: np.ndarray  # (A,) int
    covers: np.ndarray  # (A, K) bool
    hosts: np.ndarray  # (A, K) bool: the client hosts the patron for theatre k (basing)
    activities: tuple[str, ...]  # names, one per activity q (theatre-qualified)
    activity_names: tuple[str, ...]  # bare names
    act_theatre: np.ndarray  # (Q,) int
    act_by: np.ndarray  # (Q,) int
    act_against: np.ndarray  # (Q,) int
    act_days: np.ndarray  # (Q,) bool
    act_responds: np.ndarray  # (Q,) int, -1 for primary activities
    grievance_dyads: tuple[tuple[int, int], ...]
    talks_dyads: tuple[tuple[int, int], ...]
    events: tuple[EventSpec, ...]
    mechanisms: frozenset[str]
    months: int
    start: int  # absolute month of the first simulated month
    trigger_labels: tuple[str, ...] = ()  # what can open a crisis (crises.parquet `trigger`)
    triggers: int = 0  # J, the ``[[triggers]]`` items (the axis ``trigger``)

    def trigger(self, label: str) -> int:
        """Code of a crisis trigger label (see `trigger_labels`)."""
        return self.trigger_labels.index(label)

    def on(self, mechanism: str) -> bool:
        """Whether `mechanism` is switched on in this scenario."""
        return mechanism in self.mechanisms

    def signature(self) -> tuple:
        """Hashable summary used to check that scenarios can share a batch."""
        return (
            self.actors,
            self.theatres,
            self.claimant.tobytes(),
            self.alliance_ids,
            self.covers.tobytes(),
            self.hosts.tobytes(),
            self.activities,
            self.act_by.tobytes(),
            self.act_against.tobytes(),
            self.act_days.tobytes(),
            self.act_responds.tobytes(),
            self.grievance_dyads,
            self.talks_dyads,
            self.events,
            self.mechanisms,
            self.months,
            self.start,
            self.trigger_labels,
            self.triggers,
        )


B = TypeVar("B", bound=ParamBlock)


def _map_block(block: ParamBlock, fn: Callable[[Array], Array]) -> ParamBlock:
    return block.with_arrays({k: fn(v) for k, v in block.arrays().items()})


@dataclass
class Params:
    """Numeric parameters; every array's first axis runs over runs (length R or 1).

    Attributes
    ----------
    blocks : dict[str, ParamBlock]
        Mechanism name -> its parameter arrays; also readable as ``params.<name>``, or
        typed by the block's class, ``params[CrisisParams]``.
    event_month : (R, E) int
        Month offset of each event occurrence.
    event_values : tuple[ParamBlock or None, ...]
        The numbers of each occurrence (its kind's declared values), arrays of shape (R,).
    draw_weights : (D,) float or None
        Set when the rows are the D draws of a posterior (`with_posterior`): each run then
        uses the row `sim.engine.rng.draw_of` picks from its seed (`for_seeds`).
    posterior : dict or None
        Which posterior (folder, sha256, draws, parameters, held), for manifests.
    draw_values : (D, P) float or None
        The drawn values of the posterior parameters that are not held, in the order of
        the record's ``parameters`` less ``held`` (``runs.parquet`` carries them).
    """

    blocks: dict[str, ParamBlock]
    event_month: np.ndarray = field(default_factory=lambda: np.zeros((1, 0), dtype=np.int64))
    event_values: tuple[ParamBlock | None, ...] = ()
    draw_weights: np.ndarray | None = None
    posterior: dict | None = None
    draw_values: np.ndarray | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("blocks", "draw_weights", "posterior", "draw_values"):
            raise AttributeError(name)
        try:
            return self.blocks[name]
        except KeyError:
            raise AttributeError(f"no parameters declared for '{name}'") from None

    def __getitem__(self, block: type[B]) -> B:
        """Return the parameters of class `block` (``params[CrisisParams].war_cost``), typed."""
        value = self.blocks[block_name(self.blocks, block)]
        assert isinstance(value, block)
        return value

    @property
    def rows(self) -> int:
        """Length of the run axis (1 before broadcasting)."""
        return int(self.blocks["world"].arrays()["gdp_usd_bn"].shape[0])

    def map(self, fn: Callable[[Array], Array]) -> Params:
        """Apply `fn` to every array (each keeps its meaning; only rows change)."""
        return Params(
            blocks={k: _map_block(b, fn) for k, b in self.blocks.items()},
            event_month=fn(self.event_month),
            event_values=tuple(None if v is None else _map_block(v, fn) for v in self.event_values),
        )

    def for_seeds(self, seeds: np.ndarray) -> Params:
        """Return the rows of runs with these seeds: their posterior draws, or self."""
        if self.draw_weights is None:
            return self
        from sim.engine.rng import draw_of

        return self.take(draw_of(self.draw_weights, seeds))

    def take(self, index: np.ndarray) -> Params:
        """Return parameters for runs ``index`` (rows picked from the leading axis)."""
        return self.map(lambda a: a[index])

    def broadcast(self, runs: int, copy: bool = False) -> Params:
        """Return parameters broadcast to `runs` rows.

        Parameters
        ----------
        runs : int
            Rows wanted.
        copy : bool
            False: read-only views (no memory per run). True: contiguous copies, which the
            engine uses because numpy runs element-wise operations on contiguous operands
            several times faster than on views whose run axis has stride 0 (the inner loop
            would be only as long as the actor or theatre axis).
        """

        def rows(value: Array) -> Array:
            view = np.broadcast_to(value, (runs,) + value.shape[1:])
            return np.ascontiguousarray(view) if copy else view

        return self.map(rows)


def _concatenate(blocks: list[ParamBlock]) -> ParamBlock:
    """One block whose arrays are those of `blocks` joined along the run axis."""
    parts = [b.arrays() for b in blocks]
    return blocks[0].with_arrays({k: np.concatenate([q[k] for q in parts]) for k in parts[0]})


def stack(params: list[Params]) -> Params:
    """Concatenate parameter sets along the run axis."""
    first = params[0]
    blocks = {name: _concatenate([p.blocks[name] for p in params]) for name in first.blocks}
    values: list[ParamBlock | None] = []
    for e, value in enumerate(first.event_values):
        parts = [p.event_values[e] for p in params]
        values.append(None if value is None else _concatenate([q for q in parts if q is not None]))
    return Params(
        blocks=blocks,
        event_month=np.concatenate([p.event_month for p in params]),
        event_values=tuple(values),
    )


def _structure(d: dict, ix: Index) -> dict[str, Any]:
    codes, theatres = list(ix.actors), list(ix.theatres)
    n, k = len(codes), len(theatres)
    claimant = np.zeros((k, n), dtype=bool)
    for t, name in enumerate(theatres):
        for c in d["theatres"][name]["claimants"]:
            claimant[t, ix.actors[c]] = True
    alliances = d["alliances"]
    covers = np.zeros((len(alliances), k), dtype=bool)
    hosts = np.zeros((len(alliances), k), dtype=bool)
    for a, al in enumerate(alliances):
        for t in al["covers"]:
            covers[a, ix.theatres[t]] = True
        for t in al.get("host_theatres", []):
            hosts[a, ix.theatres[t]] = True
    acts = [(t, act, spec) for t in theatres for act, spec in d["theatres"][t]["greyzone"].items()]
    return dict(
        actors=tuple(codes),
        actor_names=tuple(a["name"] for a in d["actors"].values()),
        theatres=tuple(theatres),
        claimant=claimant,
        alliance_ids=tuple(a["id"] for a in alliances),
        patron=np.array([ix.actors[a["patron"]] for a in alliances], dtype=np.int64),
        client=np.array([ix.actors[a["client"]] for a in alliances], dtype=np.int64),
        covers=covers,
        hosts=hosts,
        activities=tuple(f"{t}.{act}" for t, act, _ in acts),
        activity_names=tuple(act for _, act, _ in acts),
        act_theatre=np.array([ix.theatres[t] for t, _, _ in acts], dtype=np.int64),
        act_by=np.array([ix.actors[s["by"]] for *_, s in acts], dtype=np.int64),
        act_against=np.array([ix.actors[s["against"]] for *_, s in acts], dtype=np.int64),
        act_days=np.array([s["unit"] == "days" for *_, s in acts], dtype=bool),
        act_responds=np.array(
            [ix.activities[(t, s["responds_to"])] if s["responds_to"] else -1 for t, _, s in acts],
            dtype=np.int64,
        ),
        grievance_dyads=tuple((ix.actors[g["from"]], ix.actors[g["to"]]) for g in d["grievances"]),
    )


def _event_times(ev: dict, start: int, months: int) -> list[int]:
    at = parse_month(ev["at"]) - start
    until = parse_month(ev["until"]) - start if ev["until"] else months - 1
    step = ev["repeat_every_months"]
    return list(range(at, min(until, months - 1) + 1, step)) if step else [at]


def _compile_events(d: dict, ix: Index, months: int) -> tuple[list, list, list, list]:
    """Occurrences: (specs, months, value records, talks dyads)."""
    specs: list[EventSpec] = []
    times: list[int] = []
    values: list[ParamBlock | None] = []
    talks: list[tuple[int, int]] = []
    from sim.engine.registry import EVENT_KINDS

    for ev in d["events"]:
        kind = EVENT_KINDS[ev["kind"]]
        spec = kind.spec(ev, ix)
        record = kind.compile_values(ev, ix) if kind.values is not None else None
        if kind.opens_channel:
            i, j = sorted(spec["actors"])
            if (i, j) not in talks:
                talks.append((i, j))
        for month in _event_times(ev, ix.start, months):
            specs.append(EventSpec(id=ev["id"], kind=ev["kind"], occurrence=len(specs), **spec))
            times.append(month)
            values.append(record)
    return specs, times, values, talks


def _trigger_labels(d: dict, specs: list[EventSpec], mechanisms: Any) -> tuple[str, ...]:
    """Every label a crisis of this scenario can carry as its trigger, in a fixed order."""
    from sim.engine.ladder import ACCIDENT_TRIGGER, DELIBERATE_TRIGGERS

    labels = [ACCIDENT_TRIGGER, *DELIBERATE_TRIGGERS]
    for theatre in d["theatres"].values():
        labels.extend(f"incident:{act}" for act in theatre["greyzone"])
    labels.extend(f"event:{spec.id}" for spec in specs)
    for mechanism in mechanisms:
        if mechanism.trigger_labels is not None:
            labels.extend(mechanism.trigger_labels(d))
    return tuple(dict.fromkeys(labels))


def override_paths(overrides: Iterable[str]) -> frozenset[str]:
    """Return the paths set by ``PATH=VALUE`` overrides."""
    return frozenset(o.split("=", 1)[0].strip() for o in overrides)


def compile_scenario(
    scenario: Scenario, posterior: bool = True, held: Iterable[str] | None = None
) -> tuple[Structure, Params]:
    """Compile one resolved scenario into its structure and length-1 parameter arrays.

    If the scenario names a posterior (``[calibration] posterior``) and `posterior` is
    true, the parameters have one row per posterior draw instead (`with_posterior`).
    A posterior parameter that is `held` keeps the scenario's value in every draw; by
    default the paths the scenario's ``--set`` overrides set are held, so that ``--set``
    (and a swept value) always wins over the posterior.
    """
    structure, params = _compile(scenario)
    post = scenario.posterior() if posterior else None  # read by the scenario layer
    if post is not None:
        keep = override_paths(scenario.overrides) if held is None else frozenset(held)
        ids = tuple(t["id"] for t in scenario.data.get("triggers", []))
        actors = tuple(scenario.data["actors"])
        theatres = tuple(scenario.data["theatres"])
        params = with_posterior(params, post, keep, ids, actors, theatres)
    return structure, params


TRIGGER_NUMBERS = (
    "crisis_probability",
    "rate_per_year",
    "rate_volatility",
    "grievance_increase",
)
"""Numbers of a ``[[triggers]]`` item that a posterior may carry (``triggers.ID.NAME``)."""


def with_posterior(
    params: Params,
    post: Any,
    held: frozenset[str] = frozenset(),
    trigger_ids: tuple[str, ...] = (),
    actor_ids: tuple[str, ...] = (),
    theatre_ids: tuple[str, ...] = (),
) -> Params:
    """Return `params` with one row per posterior draw.

    A posterior may carry model-scope parameters (``model.MECHANISM.KEY``), actor- and
    theatre-scope ones (``actors.ID.KEY``, ``theatres.ID.KEY``; `actor_ids` and
    `theatre_ids` are the scenario's actors and theatres in order) and the
    numbers of trigger items (``triggers.ID.crisis_probability``; `trigger_ids` are the
    scenario's trigger ids in order). Posterior parameters in `held` keep their value in `params`
    (the record lists them); those of triggers the scenario does not have (it removed an
    inherited one) are unused (listed as ``unused``).

    Raises
    ------
    SimError
        If a posterior parameter is neither a model-scope parameter of a declared
        mechanism nor a number of a trigger.
    """
    from sim.engine.registry import MECHANISMS

    rows = len(post.weights)
    out = params.broadcast(rows, copy=True)
    blocks = dict(out.blocks)
    unused = {
        path
        for path in post.paths
        if path.startswith("triggers.") and path.split(".")[1] not in trigger_ids
    }
    drawn = [j for j, path in enumerate(post.paths) if path not in held and path not in unused]
    for j, path in enumerate(post.paths):
        parts = path.split(".")
        if len(parts) == 3 and parts[0] == "triggers" and parts[2] in TRIGGER_NUMBERS:
            if path in held or path in unused:  # a trigger the scenario removed has no number
                continue
            arrays = blocks["triggers"].arrays()
            column = arrays[parts[2]].copy()
            column[:, trigger_ids.index(parts[1])] = post.values[:, j]
            arrays[parts[2]] = column
            blocks["triggers"] = blocks["triggers"].with_arrays(arrays)
            continue
        ids = {"actors": actor_ids, "theatres": theatre_ids}.get(parts[0], ())
        if len(parts) == 3 and parts[1] in ids:
            scope = SCOPED_TABLES[parts[0]]
            found_scoped = scoped_param(scope, parts[2])
            if found_scoped is None:
                raise SimError(f"{post.folder}: parameter {path}: not an {scope}-scope parameter")
            block, name, _ = found_scoped
            if path in held:
                continue
            arrays = blocks[block].arrays()
            column = np.array(arrays[name], dtype=np.float64, copy=True)
            column[:, ids.index(parts[1])] = post.values[:, j]
            arrays[name] = column.astype(arrays[name].dtype)
            blocks[block] = blocks[block].with_arrays(arrays)
            continue
        mech = next((m for m in MECHANISMS if len(parts) == 3 and m.name == parts[1]), None)
        found = None
        if mech is not None and mech.params is not None and parts[0] == "model":
            found = next((a for a, prm in mech.params.declared() if prm.key == parts[2]), None)
        if found is None or mech is None:
            raise SimError(f"{post.folder}: parameter {path}: not a model-scope parameter")
        if path in held:
            continue
        arrays = blocks[mech.name].arrays()
        arrays[found] = post.values[:, j].astype(arrays[found].dtype)
        blocks[mech.name] = blocks[mech.name].with_arrays(arrays)
    record = post.record()
    record["held"] = [p for p in post.paths if p in held]
    if unused:
        record["unused"] = [p for p in post.paths if p in unused]
    return Params(
        blocks=blocks,
        event_month=out.event_month,
        event_values=out.event_values,
        draw_weights=post.weights,
        posterior=record,
        draw_values=post.values[:, drawn],
    )


def actor_param(key: str) -> tuple[str, str, Param] | None:
    """(mechanism, attribute, declaration) of the actor-scope parameter `key`, or None."""
    return scoped_param("actor", key)


def scoped_param(scope: str, key: str) -> tuple[str, str, Param] | None:
    """(mechanism, attribute, declaration) of the `scope` parameter `key`, or None.

    `scope` is ``actor`` (``actors.ID.KEY``) or ``theatre`` (``theatres.ID.KEY``): the
    parameters a posterior or ``--prior`` may set for one actor or theatre.
    """
    from sim.engine.registry import MECHANISMS

    for mech in MECHANISMS:
        if mech.params is None:
            continue
        for attr, prm in mech.params.declared():
            if prm.scope == scope and prm.key == key:
                return mech.name, attr, prm
    return None


SCOPED_TABLES = {"actors": "actor", "theatres": "theatre"}
"""Scenario tables whose items a posterior may set one parameter of (``TABLE.ID.KEY``)."""


def _compile(scenario: Scenario) -> tuple[Structure, Params]:
    """Compile a scenario at its own values (no posterior)."""
    d = scenario.data
    theatres = list(d["theatres"])
    acts = [(t, act) for t in theatres for act in d["theatres"][t]["greyzone"]]
    start = parse_month(d["meta"]["start"])
    ix = Index(
        actors={c: i for i, c in enumerate(d["actors"])},
        theatres={t: i for i, t in enumerate(theatres)},
        alliances={a["id"]: i for i, a in enumerate(d["alliances"])},
        activities={key: q for q, key in enumerate(acts)},
        start=start,
    )
    months = d["meta"]["months"]
    specs, times, values, talks = _compile_events(d, ix, months)
    from sim.engine.registry import MECHANISMS

    structure = Structure(
        **_structure(d, ix),
        talks_dyads=tuple(talks),
        events=tuple(specs),
        mechanisms=frozenset(d["model"]["mechanisms"]),
        months=months,
        start=start,
        trigger_labels=_trigger_labels(d, specs, MECHANISMS),
        triggers=len(d.get("triggers", [])),
    )

    blocks = {
        mech.name: compile_block(mech.params, d, ix, mech.name)
        for mech in MECHANISMS
        if mech.params is not None
    }
    params = Params(
        blocks=blocks,
        event_month=np.array(times, dtype=np.int64).reshape(1, -1),
        event_values=tuple(values),
    )
    return structure, params


def compile_batch(
    scenarios: list[Scenario], posterior: bool = False, held: Iterable[str] = ()
) -> tuple[Structure, Params]:
    """Compile scenarios that differ only in numbers (the points of a sweep) into one batch.

    Without `posterior`, one parameter row per scenario. With it, scenarios that name a
    posterior have one row per draw each, point-major (row ``i * D + d`` is draw d of
    scenario i), and the result carries the posterior's weights, record and drawn values;
    each scenario holds the paths in `held` and those its own overrides set.

    Raises
    ------
    SimError
        If the scenarios differ in structure (actors, theatres, events, mechanisms...) or
        name different posteriors.
    """
    compiled = [
        compile_scenario(s, posterior, frozenset(held) | override_paths(s.overrides))
        for s in scenarios
    ]
    structure = compiled[0][0]
    signature = structure.signature()
    for (other, _), scenario in zip(compiled[1:], scenarios[1:], strict=True):
        if other.signature() != signature:
            raise SimError(
                f"{scenario.file}: the swept values change the scenario's structure "
                "(actors, theatres, events, mechanisms or horizon); only numbers "
                "may vary within a sweep"
            )
    stacked = stack([p for _, p in compiled])
    first = compiled[0][1]
    if first.draw_weights is None:
        return structure, stacked
    records = {json.dumps(p.posterior, sort_keys=True) for _, p in compiled}
    if len(records) > 1 or any(p.draw_weights is None for _, p in compiled):
        raise SimError(
            f"{scenarios[0].file}: the sweep's points name different posteriors, or hold "
            "different parameters; only numbers may vary within a sweep"
        )
    stacked.draw_weights = first.draw_weights
    stacked.posterior = first.posterior
    stacked.draw_values = first.draw_values
    return structure, stacked


__all__ = [
    "EventSpec",
    "Index",
    "Params",
    "Structure",
    "compile_batch",
    "compile_scenario",
    "stack",
]
