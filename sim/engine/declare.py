"""The vocabulary a mechanism uses to declare itself: parameters, state, records, step.

A mechanism is one module under `sim.engine.mechanisms` that ends with a `Mechanism`
value. Everything else is derived from these declarations: the scenario schema and
``--set`` typing (`sim.scenario.schema`), compiling a scenario into arrays
(`sim.engine.params`), the state arrays (`sim.engine.state`), the annual and outcome
tables (`sim.engine.simulate`, `sim.results.tables`), the event log (`sim.events_log`)
and the field tables of the documentation (`scripts/generate_docs.py`).

Parameters are declared as fields of a frozen dataclass (one per mechanism), keyword-only
with the scenario key taken from the field's name (`param`, `ParamBlock`), so the engine
reads them as attributes (``m.params.crisis.war_cost``, or typed through the block's
class, ``m.params[CrisisParams].war_cost``), each an array whose leading axis runs over
runs (length R, or 1 before broadcasting). State arrays (`world`, `outcome`, `scratch`)
take their arguments in `Var`'s order, and `param` in `Field`'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from sim.engine.context import Month
    from sim.engine.params import Structure

Array = np.ndarray
"""An array whose first axis runs over runs."""

REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()
"""Marker for fields without a default."""

DERIVED: Any = type("Derived", (), {"__repr__": lambda self: "DERIVED"})()
"""Marker for fields whose default is computed from other fields (see the field's doc)."""

JUDGEMENT = "judgement"
"""The `source` of a behavioural parameter that has not been fitted to data."""

Scope = Literal["model", "actor", "theatre", "alliance", "grievance", "activity", "event"]
"""Where a parameter lives in a scenario, and so the axes of its array after the run axis:

* ``model``: ``[model.<mechanism>]`` table, shape (R,);
* ``actor``: ``[actors.<code>]``, (R, N) (an ``actor_map`` is (R, N, N));
* ``theatre``: ``[theatres.<name>]``, (R, K) (an ``actor_map`` is (R, K, N));
* ``alliance``: ``[[alliances]]``, (R, A);
* ``grievance``: ``[[grievances]]``, an (R, N, N) matrix indexed [from, to];
* ``activity``: ``[theatres.<name>.greyzone.<activity>]``, (R, Q);
* ``event``: a number of one ``[[events]]`` occurrence, (R,) (see `EventKind`).
"""


@dataclass(frozen=True)
class DeriveContext:
    """What a `Field.derive` rule may read besides the table that holds its field.

    Attributes
    ----------
    name : str
        Key of that table in its section (a theatre's name for a theatre field); empty
        for items of arrays (alliances, grievances, events).
    parent : dict or None
        The resolved table the item belongs to (an activity's theatre).
    model : Mapping
        The resolved ``[model]`` table.
    actors : Mapping
        Actors by code, with defaults filled in.
    alliances : Sequence
        Resolved alliances; empty while the alliances themselves are resolved.
    theatres : Mapping
        Theatres by name: as written while alliances and grievances are resolved (before
        the theatres), resolved afterwards.
    """

    name: str = ""
    parent: dict | None = None
    model: Mapping[str, Any] = field(default_factory=dict)
    actors: Mapping[str, dict] = field(default_factory=dict)
    alliances: Sequence[dict] = ()
    theatres: Mapping[str, dict] = field(default_factory=dict)


Derive = Callable[[dict, DeriveContext], Any]
"""Rule computing a `DERIVED` default: (table holding the field, context) -> value."""

PRIOR_KINDS = ("uniform", "loguniform")
"""Prior families of a calibratable parameter (both uniform on a transformed scale)."""


@dataclass(frozen=True)
class Prior:
    """The prior of a calibratable parameter (``sim calibrate``, docs/calibration.md).

    Attributes
    ----------
    kind : str
        ``uniform`` on [lo, hi], or ``loguniform`` (uniform in log x).
    lo, hi : float
        Support (inside the parameter's declared bounds, ``lo < hi``; ``lo > 0`` for
        ``loguniform``).
    why : str
        Where the range comes from (literature or judgement).
    """

    kind: str
    lo: float
    hi: float
    why: str = ""

    def __post_init__(self) -> None:
        if self.kind not in PRIOR_KINDS:
            raise ValueError(f"prior kind must be one of {PRIOR_KINDS}, not {self.kind!r}")
        if not self.lo < self.hi or (self.kind == "loguniform" and self.lo <= 0):
            raise ValueError(f"bad prior support [{self.lo}, {self.hi}] for {self.kind}")


@dataclass(frozen=True)
class Field:
    """One scenario field: its type, default, range, unit, meaning and source.

    Attributes
    ----------
    kind : str
        ``float``, ``int``, ``bool``, ``str``, ``month`` (``"YYYY-MM"``), ``actor`` (an actor
        code of the scenario), ``actors`` (list of codes), ``theatre``, ``theatres`` (list),
        ``actor_map`` (table from actor code to float), ``enum``, ``mechanisms``.
    default : Any
        Default value, `REQUIRED` or `DERIVED`.
    derive : Derive or None
        For a `DERIVED` default, the rule that computes it, ``derive(table, context)``:
        `table` holds the field (nested, every other default filled in), `context` is a
        `DeriveContext`. The rule of an ``actor_map`` gives the default of every entry;
        entries the scenario gives win. Keyword-only: the fields after it may still be
        given by position in short structural fields (``F("int", 0, 0, 1200, "months")``).
    lo, hi : float or None
        Inclusive bounds for numbers (``hi`` also bounds the values of an ``actor_map``).
    unit : str
        Unit of the value, empty if dimensionless.
    doc : str
        One-sentence meaning, shown in ``docs/scenarios.md``.
    choices : tuple
        Allowed values of an ``enum``.
    source : str
        Where a default comes from: `JUDGEMENT` (with the literature range in `doc` or
        `literature`), a citation, or empty for structural fields without a number.
    literature : str
        For judgement calls, the range in the literature the default was taken from.
    prior : Prior or None
        For a calibratable behavioural parameter, its prior (``sim calibrate``); None
        for everything else.
    """

    kind: str
    default: Any = REQUIRED
    derive: Derive | None = field(default=None, kw_only=True)
    lo: float | None = None
    hi: float | None = None
    unit: str = ""
    doc: str = ""
    choices: tuple = ()
    source: str = ""
    literature: str = ""
    prior: Prior | None = None


@dataclass(frozen=True)
class Param:
    """A scenario field that the engine reads as an array (a `Field` with a scope).

    Attributes
    ----------
    key : str
        Path of the field inside its table (``"war_cost"``, ``"arms.fatigue"``).
    scope : Scope
        Table the field lives in, which fixes the array's axes.
    spec : Field
        Type, default, range, unit, meaning and source.
    """

    key: str
    scope: Scope
    spec: Field


def param(
    *,
    key: str | None = None,
    scope: Scope,
    kind: str,
    default: Any,
    derive: Derive | None = None,
    lo: float | None = None,
    hi: float | None = None,
    unit: str = "",
    doc: str,
    source: str = JUDGEMENT,
    literature: str = "",
    prior: Prior | None = None,
) -> Any:
    """Declare a parameter as a field of a `ParamBlock` dataclass.

    Keyword-only. One order for every declaration: name (`key`), where (`scope`), type
    (`kind`), start (`default`, `derive`), bounds, `unit`, `doc`, provenance (`source`,
    `literature`), `prior`; `Field` and `Var` (`world`, `outcome`, `scratch`: name,
    axes, dtype, fill or init, doc) keep it. The scenario key is the attribute's name,
    behind the block's `prefix` in tables several mechanisms share (see `ParamBlock`);
    `key` gives it where it differs. A `prior` marks it calibratable (``sim calibrate``).
    """
    spec = Field(
        kind=kind,
        default=default,
        derive=derive,
        lo=lo,
        hi=hi,
        unit=unit,
        doc=doc,
        source=source,
        literature=literature,
        prior=prior,
    )
    return field(metadata={"param": Param(key or "", scope, spec)})


SHARED_SCOPES: tuple[Scope, ...] = ("actor", "theatre", "alliance", "grievance")
"""Scopes whose tables hold the parameters of several mechanisms, where a block's `prefix`
applies (``[model.<mechanism>]``, an activity and an event are one mechanism's own)."""


class ParamBlock:
    """Base of the frozen dataclasses that hold one mechanism's parameter arrays.

    A subclass may give a `prefix` (``class ArmsParams(ParamBlock, prefix="arms.")``):
    the key of each of its parameters in a scope of `SHARED_SCOPES` without an explicit
    ``key=`` is then the prefix and the attribute's name (``actors.<code>.arms.fatigue``).
    """

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            declared = getattr(value, "metadata", {}).get("param")
            if isinstance(value, dataclasses.Field) and declared is not None and not declared.key:
                shared = prefix if declared.scope in SHARED_SCOPES else ""
                key = Param(shared + name, declared.scope, declared.spec)
                setattr(cls, name, field(metadata={"param": key}))

    @classmethod
    def declared(cls) -> tuple[tuple[str, Param], ...]:
        """(attribute, declaration) of every parameter, in declaration order."""
        return tuple((f.name, f.metadata["param"]) for f in dataclasses.fields(cls))  # type: ignore[arg-type]

    def arrays(self) -> dict[str, Array]:
        """Attribute -> array."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def with_arrays(self, arrays: Mapping[str, Array]) -> ParamBlock:
        """Return a block of the same kind holding `arrays`."""
        return type(self)(**arrays)


def block_name(blocks: Mapping[str, ParamBlock], block: type[ParamBlock]) -> str:
    """Return the mechanism whose parameters are of class `block`."""
    for name, value in blocks.items():
        if type(value) is block:
            return name
    raise KeyError(f"no parameters of class {block.__name__}")


Role = Literal["world", "outcome", "scratch"]
"""What a state array is: the world carried from month to month, an outcome accumulator
(read once at the end of a run), or this month's scratch (rebuilt at every step)."""

Axes = tuple[str, ...]
"""Axes after the run axis, by name: ``actor`` (N), ``theatre`` (K), ``alliance`` (A),
``activity`` (Q), ``trigger`` (J); e.g. ``("actor", "actor")`` for a dyad matrix."""

Init = Callable[[Any], Array]
"""Initial value of a state array (broadcast to R rows); see `Var.init`."""


@dataclass(frozen=True)
class Var:
    """One state array a mechanism owns.

    Attributes
    ----------
    name : str
        Attribute name under ``state.world``, ``state.outcome`` or ``state.scratch``.
    role : Role
        World, outcome or scratch.
    axes : Axes
        Axes after the run axis.
    dtype : type
        numpy dtype.
    fill : float or int or bool
        Initial value (world and outcome arrays at month 0, scratch arrays every month).
    init : Init or None
        Initial value instead of `fill`: from the parameters (`Params`) for world and
        outcome arrays, from the world arrays for scratch arrays.
    doc : str
        What the array holds, with its unit.
    """

    name: str
    role: Role
    axes: Axes
    dtype: type
    fill: float | int | bool = 0
    init: Init | None = None
    doc: str = ""


def world(
    name: str, /, *, axes: Axes, dtype: type, fill: Any = 0, init: Init | None = None, doc: str
) -> Var:
    """Declare a world array (carried from month to month); arguments in `Var`'s order."""
    return Var(name, "world", axes, dtype, fill, init, doc)


def outcome(
    name: str, /, *, axes: Axes, dtype: type, fill: Any = 0, init: Init | None = None, doc: str
) -> Var:
    """Declare an outcome accumulator; arguments in `Var`'s order."""
    return Var(name, "outcome", axes, dtype, fill, init, doc)


def scratch(
    name: str, /, *, axes: Axes, dtype: type, fill: Any = 0, init: Init | None = None, doc: str
) -> Var:
    """Declare a scratch array, rebuilt at the start of every month.

    It starts at `fill`, or at ``init(state.world)`` (e.g. this month's peak rung starts
    at the current rung). Arguments in `Var`'s order.
    """
    return Var(name, "scratch", axes, dtype, fill, init, doc)


@dataclass(frozen=True)
class Metric:
    """One group of annual series (rows of ``annual.parquet``).

    Attributes
    ----------
    name : str
        Value of the ``metric`` column.
    subjects : Callable[[Structure], tuple[str, ...]]
        Subjects (actor codes, theatre names, dyads) for a scenario.
    how : str
        How months aggregate into a year: ``mean``, ``sum``, ``max`` or ``last``.
    read : Callable[[State], Array]
        The month's value, shape (R, len(subjects)).
    doc : str
        Meaning and unit.
    """

    name: str
    subjects: Callable[[Structure], tuple[str, ...]]
    how: Literal["mean", "sum", "max", "last"]
    read: Callable[[Any], Array]
    doc: str = ""


MetricsOf = Callable[["Structure"], list["Metric"]]
"""Annual metrics that depend on the scenario (one metric per activity name, say)."""


@dataclass(frozen=True)
class Column:
    """One column of ``outcomes.parquet`` (one row per run and theatre).

    Attributes
    ----------
    name : str
        Column name (result-folder contract).
    arrow : str
        Arrow type: ``int8``, ``int32``, ``int64``, ``float64``, ``bool``, ``string``.
    read : Callable[[State, Structure], Array]
        (final state, structure) -> (R, K) values (object arrays for strings).
    null_below_zero : bool
        Integer columns whose negative values mean "never" are written as nulls.
    doc : str
        Meaning.
    """

    name: str
    arrow: str
    read: Callable[[Any, Structure], Array]
    null_below_zero: bool = False
    doc: str = ""


@dataclass(frozen=True)
class MonthView:
    """What a mechanism's event-log function reads: one run of a batch after a month.

    Attributes
    ----------
    s : Structure
        The batch's structure.
    st : State
        The state after the month (scratch arrays hold the month's happenings).
    params : Params
        The batch's parameters.
    run : int
        Row of the run in the batch.
    t : int
        The month just simulated.
    rung_before : (R, K) int
        Rungs before the month.
    activity : bool
        Whether to list grey-zone activity (verbose traces).
    """

    s: Any
    st: Any
    params: Any
    run: int
    t: int
    rung_before: Array
    activity: bool = False


LogRows = Callable[[MonthView], list[tuple[str, str, str]]]
"""Event-log entries of one month of one run: (theatre, kind, text) rows."""


@dataclass(frozen=True)
class Mechanism:
    """Everything the engine, the scenario schema and the documentation know of a mechanism.

    Attributes
    ----------
    name : str
        Name in ``[model] mechanisms`` and in ``model.<name>.*`` paths.
    doc : str
        One-line summary (the module docstring has the equations).
    params : type[ParamBlock] or None
        Frozen dataclass of its parameters, read as ``m.params.<name>``.
    fields : dict
        Structural fields without arrays, by scope (e.g. an activity's ``by``).
    state : tuple[Var, ...]
        State arrays it owns.
    metrics : MetricsOf or None
        Annual series it records.
    columns : tuple[Column, ...]
        Outcome columns it records.
    log : LogRows or None
        Event-log entries it writes for a month.
    needs : tuple[str, ...]
        Mechanisms whose state it changes or reads only when they are on (the step asks
        ``m.on(name)``); listed so that switching one off is visible in one place.
    step : Callable[[Month], None] or None
        Advance every run by one month; None for declarations without dynamics.
    event_kinds : tuple[EventKind, ...]
        Scheduled event kinds whose effects belong to this mechanism.
    trigger_labels : Callable[[dict], tuple[str, ...]] or None
        Labels of what can open a crisis in this mechanism, from the resolved scenario
        (``trigger`` in crises.parquet), e.g. ``"trigger:visit"``.
    switchable : bool
        False for the world, which is always on.
    """

    name: str
    doc: str
    params: type[ParamBlock] | None = None
    fields: Mapping[str, Mapping[str, Field]] = field(default_factory=dict)
    state: tuple[Var, ...] = ()
    metrics: MetricsOf | None = None
    columns: tuple[Column, ...] = ()
    log: LogRows | None = None
    needs: tuple[str, ...] = ()
    step: Callable[[Month], None] | None = None
    switchable: bool = True
    event_kinds: tuple[EventKind, ...] = ()
    trigger_labels: Callable[[dict], tuple[str, ...]] | None = None


class Problem(NamedTuple):
    """What is wrong with one scenario item (an event), for a located error.

    Attributes
    ----------
    key : str
        Field of the item at fault, empty for the item as a whole.
    message : str
        What is wrong, in one sentence.
    """

    key: str
    message: str


EventCheck = Callable[[dict, DeriveContext], "Problem | None"]
"""A rule an event kind declares: (resolved occurrence, context) -> the problem, or None."""


@dataclass(frozen=True)
class EventKind:
    """One kind of scheduled event: its fields, the numbers it carries and what it changes.

    Attributes
    ----------
    name : str
        Value of ``kind`` in ``[[events]]``.
    fields : dict[str, Field]
        Fields that fix who and where (parties, theatre, ...): part of the structure.
    values : type[ParamBlock] or None
        Numbers the occurrence carries with the run axis (sweepable), declared with scope
        ``event``; absent optional values compile to NaN, months to offsets from the start.
    spec : Callable[[dict, Any], dict]
        (resolved event, `sim.engine.params.Index`) -> keyword fields of its `EventSpec`.
    apply : Callable
        ``apply(month, spec, fire, values)``: the change in the runs where `fire` (R,).
    checks : tuple[EventCheck, ...]
        Rules of the kind (two different parties, a claimant that acts...), run in order
        on each occurrence once its defaults are filled in and the actors and theatres it
        names are known to exist; the first `Problem` is the scenario's error, at
        ``events.<id>.<key>`` (`sim.engine.event_checks` holds the shared ones).
    opens_channel : bool
        Whether an occurrence opens a dialogue channel between its two actors, whose
        rounds of talks the diplomacy mechanism then records (``talks`` series).
    """

    name: str
    fields: Mapping[str, Field]
    spec: Callable[[dict, Any], dict]
    apply: Callable[[Any, Any, Array, Any], None]
    values: type[ParamBlock] | None = None
    checks: tuple[EventCheck, ...] = field(default=(), kw_only=True)
    opens_channel: bool = field(default=False, kw_only=True)

    def problem(self, event: dict, context: DeriveContext) -> Problem | None:
        """Return the first problem the kind's `checks` find in a resolved occurrence."""
        for check in self.checks:
            found = check(event, context)
            if found is not None:
                return found
        return None

    def schema(self) -> dict[str, Field]:
        """Every field of this kind, for the scenario schema."""
        out = dict(self.fields)
        if self.values is not None:
            out.update({p.key: p.spec for _, p in self.values.declared()})
        return out

    def compile_values(self, event: dict, index: Any) -> ParamBlock:
        """Return the occurrence's numbers as length-1 arrays."""
        from sim.engine.calendar import parse_month

        assert self.values is not None
        arrays = {}
        for name, p in self.values.declared():
            value = event[p.key]
            if value is None:
                number = np.nan
            elif p.spec.kind == "month":
                number = float(parse_month(value) - index.start)
            else:
                number = float(value)
            arrays[name] = np.array([number])
        return self.values(**arrays)
