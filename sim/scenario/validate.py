"""Check a merged scenario against the schema and fill in every default.

`sim.scenario.checks.check_structure` runs on each file of an ``extends`` chain on its own
(unknown keys, types, ranges), so errors name the file that holds the mistake. `resolve`
runs on the merged result: required fields, cross-references and defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.engine.calendar import format_month, parse_month
from sim.engine.declare import DeriveContext
from sim.engine.registry import EVENT_KINDS
from sim.errors import suggest
from sim.scenario import schema as S
from sim.scenario.checks import (
    IDENT,
    NAME,
    Checker,
    check_structure,
    provisional_where,
    resolve_calibration,
)

# --- resolving the merged scenario ---------------------------------------------------------


@dataclass(frozen=True)
class Resolving:
    """What the resolvers of a section read: the checker, what is resolved so far, the span.

    Attributes
    ----------
    c : Checker
        Raises located errors.
    context : DeriveContext
        Tables resolved so far, for cross-references and `Field.derive` rules.
    start, end : int
        First and last simulated month (`parse_month` numbers).
    """

    c: Checker
    context: DeriveContext
    start: int = 0
    end: int = 0

    @property
    def codes(self) -> list[str]:
        """Actor codes."""
        return list(self.context.actors)

    @property
    def theatre_names(self) -> list[str]:
        """Theatre names."""
        return list(self.context.theatres)

    def with_context(self, **changes: Any) -> DeriveContext:
        """Return the derive context with some attributes replaced."""
        return dataclasses.replace(self.context, **changes)

    def seeing(self, **resolved: Any) -> Resolving:
        """Return a copy whose context also holds newly resolved tables."""
        return dataclasses.replace(self, context=self.with_context(**resolved))


def resolve(raw: dict, file: str) -> dict:
    """Validate a merged scenario completely and return it with every default filled in.

    Sections are resolved in order (meta, model, actors, alliances, grievances, theatres,
    events), each seeing those before it; `DERIVED` defaults are computed by the rules
    declared with their fields (`Field.derive`).

    Raises
    ------
    ScenarioError
        At the first problem, naming `file` and the key path.
    """
    check_structure(raw, file)
    c = Checker(file)
    meta = resolve_meta(c, raw.get("meta", {}))
    start = parse_month(meta["start"])
    r = Resolving(
        c, DeriveContext(theatres=raw.get("theatres", {})), start, start + meta["months"] - 1
    )
    model = fill(c, raw.get("model", {}), S.MODEL_FIELDS, "model")
    r = r.seeing(model=model)
    actors = resolve_actors(r, raw.get("actors", {}))
    r = r.seeing(actors=actors)
    alliances = resolve_items(r, raw.get("alliances", []), ALLIANCES)
    r = r.seeing(alliances=alliances)
    grievances = resolve_items(r, raw.get("grievances", []), GRIEVANCES)
    theatres = resolve_theatres(r, raw.get("theatres", {}))
    r = r.seeing(theatres=theatres)
    triggers = resolve_items(r, raw.get("triggers", []), TRIGGERS)
    events = resolve_items(r, raw.get("events", []), EVENTS)
    events.sort(key=lambda e: parse_month(e["at"]))
    out: dict[str, Any] = {
        "meta": meta,
        "model": model,
        "actors": actors,
        "alliances": alliances,
        "grievances": grievances,
        "theatres": theatres,
        "events": events,
        "triggers": triggers,
    }
    if "sweep" in raw:
        out["sweep"] = raw["sweep"]
    if raw.get("calibration"):
        resolved = resolve_calibration(c, raw["calibration"], file)
        if resolved:  # a table with only provenance resolves to nothing (and dumps as nothing)
            out["calibration"] = resolved
    return out


def derive_fields(
    table: dict,
    fields: dict[str, S.Field],
    context: DeriveContext,
    c: Checker | None = None,
    where: str = "",
) -> None:
    """Replace every `DERIVED` value of `table` with its field's rule, in field order.

    The rule of an ``actor_map`` field gives the default of each entry; entries the table
    gives override them. With a checker `c`, a derived number outside its field's bounds
    is an error at ``where.<field>`` (it would not reload from ``sim show``).
    """
    for dotted, spec in fields.items():
        if spec.default is not S.DERIVED:
            continue
        assert spec.derive is not None, f"{dotted} is DERIVED without a derive rule"
        *parents, leaf = dotted.split(".")
        node = table
        for part in parents:
            node = node[part]
        value = node[leaf]
        if value is S.DERIVED:
            node[leaf] = spec.derive(table, context)
            derived = node[leaf]
            if c is not None and isinstance(derived, int | float) and spec.kind == "float":
                c.number(float(derived), spec, f"{where}.{dotted}" if where else dotted)
        elif spec.kind == "actor_map":
            node[leaf] = {**spec.derive(table, context), **value}


REF_KINDS = ("actor", "actors", "theatre", "theatres", "actor_map")
"""Field kinds whose values name actors or theatres of the scenario."""


def check_refs(
    r: Resolving,
    table: dict,
    fields: dict[str, S.Field],
    where: str,
    kinds: tuple[str, ...] = REF_KINDS,
    derived: bool = False,
) -> None:
    """Require that the actors and theatres a table names exist, in field order.

    Only fields of `kinds`, and only those with a `derive` rule when `derived` (checked
    after `derive_fields`) or those without one otherwise.
    """
    for dotted, spec in fields.items():
        if spec.kind not in kinds or (spec.derive is not None) != derived:
            continue
        node: Any = table
        for part in dotted.split("."):
            node = node[part]
        if node is None:
            continue
        what = "theatre" if spec.kind.startswith("theatre") else "actor"
        known = r.theatre_names if what == "theatre" else r.codes
        if spec.kind in ("actor", "theatre"):
            check_ref(r.c, node, known, f"{where}.{dotted}", what)
        elif spec.kind == "actor_map":
            for code in node:
                check_ref(r.c, code, known, f"{where}.{dotted}.{code}", what)
        else:
            for name in node:
                check_ref(r.c, name, known, f"{where}.{dotted}", what)


def resolve_meta(c: Checker, raw: dict) -> dict:
    """Fill ``[meta]`` and check the name."""
    meta = fill(c, raw, S.META_FIELDS, "meta")
    if not NAME.match(meta["name"]):
        c.fail("meta.name", f"'{meta['name']}' may hold only letters, digits, '_' and '-'")
    return meta


def resolve_actors(r: Resolving, raw: dict) -> dict:
    """Fill every actor, check reactions, then derive defaults (they read every actor)."""
    if len(raw) < 2:
        r.c.fail("actors", f"a scenario needs at least two actors, found {len(raw)}")
    codes = list(raw)
    actors = {}
    for code, actor in raw.items():
        where = f"actors.{code}"
        filled = fill(r.c, actor, S.ACTOR_FIELDS, where)
        for other in filled["arms"]["reaction"]:
            check_ref(r.c, other, codes, f"{where}.arms.reaction.{other}", "actor")
            if other == code:
                r.c.fail(f"{where}.arms.reaction.{other}", "an actor cannot react to itself")
        actors[code] = filled
    context = r.with_context(actors=actors)
    for code, actor in actors.items():
        derive_fields(
            actor, S.ACTOR_FIELDS, dataclasses.replace(context, name=code), r.c, f"actors.{code}"
        )
    return actors


def resolve_theatres(r: Resolving, raw: dict) -> dict:
    """Fill every theatre, check claimants and holder, derive defaults, resolve activities."""
    if not raw:
        r.c.fail("theatres", "a scenario needs at least one theatre")
    theatres = {}
    for name, theatre in raw.items():
        where = f"theatres.{name}"
        table = {k: v for k, v in theatre.items() if k != "greyzone"}
        filled = fill(r.c, table, S.THEATRE_FIELDS, where)
        if len(filled["claimants"]) < 2:
            r.c.fail(f"{where}.claimants", "a theatre needs at least two claimants")
        check_refs(r, filled, S.THEATRE_FIELDS, where)
        if filled["holder"] not in filled["claimants"]:
            r.c.fail(f"{where}.holder", f"holder '{filled['holder']}' is not among the claimants")
        derive_fields(filled, S.THEATRE_FIELDS, r.with_context(name=name))
        check_refs(r, filled, S.THEATRE_FIELDS, where, derived=True)
        acts = theatre.get("greyzone", {})
        filled["greyzone"] = {act: resolve_activity(r, acts, act, name, filled) for act in acts}
        theatres[name] = filled
    return theatres


def resolve_activity(r: Resolving, acts: dict, act: str, name: str, theatre: dict) -> dict:
    """Fill activity `act` of theatre `name` (`acts`: its activities as written)."""
    where = f"theatres.{name}.greyzone.{act}"
    a = fill(r.c, acts[act], S.ACTIVITY_FIELDS, where)
    check_refs(r, a, S.ACTIVITY_FIELDS, where)
    derive_fields(a, S.ACTIVITY_FIELDS, r.with_context(name=act, parent=theatre))
    check_refs(r, a, S.ACTIVITY_FIELDS, where, derived=True)
    if a["against"] == a["by"]:
        r.c.fail(f"{where}.against", "an activity cannot be directed at its own actor")
    if a["unit"] == "days" and a["rate_per_year"] > 365:
        r.c.fail(f"{where}.rate_per_year", f"{a['rate_per_year']} days per year is above 365")
    answered = a["responds_to"]
    if answered:
        if answered not in acts:
            r.c.fail(
                f"{where}.responds_to",
                f"unknown activity '{answered}' in theatre '{name}'{suggest(answered, list(acts))}",
            )
        if answered == act or acts[answered].get("responds_to"):
            r.c.fail(f"{where}.responds_to", "a response must answer a primary activity")
    return a


# --- id-keyed arrays: alliances, grievances, events ----------------------------------------

Fields = dict[str, S.Field]


@dataclass(frozen=True)
class ItemArray:
    """How one id-keyed array of tables is resolved.

    Attributes
    ----------
    section : str
        Top-level key (``alliances``).
    noun : str
        What a duplicate id is called in errors (``alliance``, ``event id``).
    fields : Callable
        ``fields(c, item, where)``: the fields of one item.
    before_id : Callable
        ``before_id(r, item, fields, where)``: checks made before the id is known.
    after_id : Callable
        ``after_id(r, item, fields, where)``: derived defaults and the remaining checks.
    named : bool
        Whether ids must be identifiers, are reported at ``<item>.id`` and name the item
        in later errors (``events.<id>``) instead of its position.
    """

    section: str
    noun: str
    fields: Callable[[Checker, dict, str], Fields]
    before_id: Callable[[Resolving, dict, Fields, str], None]
    after_id: Callable[[Resolving, dict, Fields, str], None]
    named: bool = False


def resolve_items(r: Resolving, raw_items: list[dict], spec: ItemArray) -> list[dict]:
    """Fill every item of an id-keyed array: defaults, id, duplicate ids, ``remove``."""
    items = []
    seen: set[str] = set()
    for i, item in enumerate(raw_items):
        where = provisional_where(spec.section, item, i)
        fields = spec.fields(r.c, item, where)
        filled = fill(r.c, item, fields, where)
        filled.pop("remove")  # merging extends chains has used it
        spec.before_id(r, filled, fields, where)
        derive_fields(filled, {"id": fields["id"]}, r.context)
        where = check_id(r.c, filled["id"], seen, spec, where)
        spec.after_id(r, filled, fields, where)
        items.append(filled)
    return items


def check_id(c: Checker, ident: str, seen: set[str], spec: ItemArray, where: str) -> str:
    """Require a new (and for named items, well-formed) id; return the item's new path."""
    at = f"{where}.id" if spec.named else where
    if spec.named and not IDENT.match(ident):
        c.fail(at, f"'{ident}' may hold only letters, digits, '_' and '-'")
    if ident in seen:
        c.fail(at, f"duplicate {spec.noun} '{ident}'")
    seen.add(ident)
    return f"{spec.section}.{ident}" if spec.named else where


def fixed_fields(fields: Fields) -> Callable[[Checker, dict, str], Fields]:
    """Return a `ItemArray.fields` giving the same fields for every item."""
    return lambda c, item, where: fields


def two_actors(message: str) -> Callable[[Resolving, dict, Fields, str], None]:
    """Return a `ItemArray.before_id` check: the references, then two different actors."""

    def check(r: Resolving, item: dict, fields: Fields, where: str) -> None:
        check_refs(r, item, fields, where)
        first, second = (key for key, spec in fields.items() if spec.kind == "actor")
        if item[first] == item[second]:
            r.c.fail(f"{where}.{second}", message)

    return check


def derive_and_check(r: Resolving, item: dict, fields: Fields, where: str) -> None:
    """Fill the derived defaults of an item and check the references among them."""
    derive_fields(item, fields, r.context)
    check_refs(r, item, fields, where, derived=True)


ALLIANCES = ItemArray(
    "alliances",
    "alliance",
    fixed_fields(S.ALLIANCE_FIELDS),
    two_actors("patron and client are the same actor"),
    derive_and_check,
)
GRIEVANCES = ItemArray(
    "grievances",
    "grievance",
    fixed_fields(S.GRIEVANCE_FIELDS),
    two_actors("an actor cannot hold a grievance against itself"),
    derive_and_check,
)


# --- triggers ------------------------------------------------------------------------------


def check_trigger(r: Resolving, trigger: dict, fields: Fields, where: str) -> None:
    """Derive the target; require a challenger in the theatre and a target other than `by`."""
    derive_and_check(r, trigger, fields, where)
    theatre = r.context.theatres[trigger["theatre"]]
    if len(theatre["claimants"]) < 2:
        r.c.fail(f"{where}.theatre", f"'{trigger['theatre']}' has no challenger to open a crisis")
    if trigger["target"] == trigger["by"]:
        r.c.fail(f"{where}.target", "the target's grievance rises toward `by`: give another actor")


TRIGGERS = ItemArray(
    "triggers",
    "trigger",
    fixed_fields(S.TRIGGER_FIELDS),
    check_refs,
    check_trigger,
    named=True,
)
"""``[[triggers]]``: ids KIND-THEATRE by default (`sim.engine.mechanisms.triggers`)."""


# --- events --------------------------------------------------------------------------------


def event_fields(c: Checker, item: dict, where: str) -> Fields:
    """Return the common fields and those of the event's kind."""
    if "kind" not in item:
        c.fail(f"{where}.kind", "missing required field 'kind'")
    return {**S.EVENT_COMMON_FIELDS, **S.EVENT_KIND_FIELDS[item["kind"]]}


def no_check(r: Resolving, item: dict, fields: Fields, where: str) -> None:
    """Check nothing."""


def check_event(r: Resolving, ev: dict, fields: Fields, where: str) -> None:
    """Check an event's months and references, derive its defaults, run its kind's checks.

    The rules of each kind (two parties for talks, a claimant that acts...) are declared
    with the kind (`sim.engine.declare.EventKind.checks`).
    """
    at = parse_month(ev["at"])
    if not r.start <= at <= r.end:
        r.c.fail(
            f"{where}.at",
            f"{ev['at']} is outside the simulated span "
            f"{format_month(r.start)} to {format_month(r.end)}",
        )
    if ev["until"] and parse_month(ev["until"]) < at:
        r.c.fail(f"{where}.until", "until is before at")
    check_refs(r, ev, fields, where, kinds=("actor", "actors"))
    check_refs(r, ev, fields, where, kinds=("theatre",))
    derive_and_check(r, ev, fields, where)
    problem = EVENT_KINDS[ev["kind"]].problem(ev, r.context)
    if problem is not None:
        r.c.fail(f"{where}.{problem.key}" if problem.key else where, problem.message)


EVENTS = ItemArray("events", "event id", event_fields, no_check, check_event, named=True)


def check_ref(c: Checker, value: str, known: list[str], where: str, what: str) -> None:
    """Require that `value` names a known actor or theatre."""
    if value not in known:
        c.fail(where, f"unknown {what} '{value}'{suggest(value, known)}")


def fill(c: Checker, table: dict, fields: dict[str, S.Field], path: str) -> dict:
    """Return a nested copy of `table` with defaults, failing on missing required fields."""
    out: dict[str, Any] = {}
    for dotted, spec in fields.items():
        node: Any = table
        present = True
        for part in dotted.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                present = False
                break
        if present:
            value = node
            if spec.kind == "float" and not isinstance(value, bool):
                value = float(value)
            elif spec.kind == "actor_map":
                value = {k: float(v) for k, v in value.items()}
            elif isinstance(value, list):
                value = list(value)
        elif spec.default is S.REQUIRED:
            c.fail(f"{path}.{dotted}", f"missing required field '{dotted}'")
        else:
            value = spec.default
            if isinstance(value, list | dict):
                value = type(value)(value)
        target = out
        *parents, leaf = dotted.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    for key in S.PROVENANCE_KEYS:
        if key in table:
            out[key] = table[key]
    return out
