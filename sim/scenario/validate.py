"""Check a merged scenario against the schema and fill in every default.

`check_structure` runs on each file of an ``extends`` chain on its own (unknown keys,
types, ranges), so errors name the file that holds the mistake. `resolve` runs on the
merged result: required fields, cross-references and defaults.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.engine.calendar import format_month, parse_month
from sim.engine.declare import DeriveContext
from sim.engine.mechanisms.arms import POLICY_TARGETS
from sim.errors import ScenarioError
from sim.scenario import schema as S

ACTOR_CODE = re.compile(r"^[A-Z]{3}\Z")
NAME = re.compile(r"^[A-Za-z0-9_-]+\Z")
IDENT = re.compile(r"^[A-Za-z0-9_-]+\Z")

LIST_SECTIONS = {
    "alliances": S.ALLIANCE_FIELDS,
    "grievances": S.GRIEVANCE_FIELDS,
    "triggers": S.TRIGGER_FIELDS,
}


def suggest(word: str, options: list[str] | tuple[str, ...]) -> str:
    """Return a ``" (did you mean 'x'?)"`` hint, or an empty string."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def nested_fields(fields: dict[str, S.Field]) -> dict[str, Any]:
    """Turn dotted field names into a nested tree of `Field` leaves."""
    tree: dict[str, Any] = {}
    for dotted, spec in fields.items():
        node = tree
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = spec
    return tree


class Checker:
    """Walks raw TOML tables against field trees, raising `ScenarioError` on the first fault."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, message: str) -> None:
        """Raise a located error."""
        raise ScenarioError(self.file, key, message)

    def table(self, value: Any, path: str) -> dict:
        """Require a table."""
        if not isinstance(value, dict):
            self.fail(path, f"expected a table, got {type_name(value)}")
        return value

    def fields(
        self, table: dict, fields: dict[str, S.Field], path: str, extra: tuple[str, ...] = ()
    ) -> None:
        """Check keys and values of one table against a flat field map (dotted names)."""
        self.tree(table, nested_fields(fields), path, fields, extra)

    def tree(
        self, table: dict, tree: dict, path: str, flat: dict[str, S.Field], extra: tuple[str, ...]
    ) -> None:
        """Check a table against a nested field tree."""
        known = list(tree) + list(S.PROVENANCE_KEYS) + list(extra)
        for key, value in table.items():
            where = f"{path}.{key}" if path else key
            if key in S.PROVENANCE_KEYS:
                self.provenance(key, value, where, flat)
                continue
            if key in extra:
                continue
            if key not in tree:
                self.fail(where, f"unknown key '{key}'{suggest(key, known)}")
            node = tree[key]
            if isinstance(node, S.Field):
                self.value(value, node, where)
            else:
                self.tree(self.table(value, where), node, where, flat, ())

    def provenance(self, key: str, value: Any, where: str, flat: dict[str, S.Field]) -> None:
        """Check ``source``, ``notes`` (strings) and ``sources`` (field -> string)."""
        if key in ("source", "notes"):
            if not isinstance(value, str):
                self.fail(where, f"expected a string, got {type_name(value)}")
            return
        self.table(value, where)
        for field, text in value.items():
            if field not in flat:
                self.fail(
                    f"{where}.{field}",
                    f"'sources' names unknown field '{field}'{suggest(field, list(flat))}",
                )
            if not isinstance(text, str):
                self.fail(f"{where}.{field}", f"expected a string, got {type_name(text)}")

    def value(self, value: Any, spec: S.Field, where: str) -> None:
        """Check one value's type and range (not references to actors or theatres)."""
        if value is None:
            self.fail(where, "missing value")
        check = VALUE_CHECKS.get(spec.kind)
        if check is None:  # pragma: no cover - schema error
            raise AssertionError(spec.kind)
        check(self, value, spec, where)

    def to_float(self, value: int | float, where: str) -> float:
        """Convert to float, failing cleanly on integers too large for a double."""
        try:
            return float(value)
        except OverflowError:
            self.fail(where, "number too large")
            raise  # pragma: no cover - fail raises

    def number(self, number: float, spec: S.Field, where: str) -> None:
        """Check finiteness and bounds."""
        if isinstance(number, float) and not math.isfinite(number):
            self.fail(where, f"expected a finite number, got {number}")
        if spec.lo is not None and number < spec.lo:
            self.fail(
                where,
                f"{number} is below the minimum {fmt(spec.lo)}"
                + (f" {spec.unit}" if spec.unit else ""),
            )
        if spec.hi is not None and number > spec.hi:
            self.fail(
                where,
                f"{number} is above the maximum {fmt(spec.hi)}"
                + (f" {spec.unit}" if spec.unit else ""),
            )


def fmt(x: float) -> str:
    """Format a bound without trailing zeros."""
    return f"{x:g}"


def type_name(value: Any) -> str:
    """Describe a TOML value's type for error messages."""
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


# --- value checks by kind ------------------------------------------------------------------

ValueCheck = Callable[[Checker, Any, S.Field, str], None]


def check_float(c: Checker, value: Any, spec: S.Field, where: str) -> None:
    """Require a finite number within the field's bounds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        c.fail(where, f"expected a number, got {type_name(value)}")
    c.number(c.to_float(value, where), spec, where)


def check_int(c: Checker, value: Any, spec: S.Field, where: str) -> None:
    """Require an integer within the field's bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        c.fail(where, f"expected an integer, got {type_name(value)}")
    c.number(value, spec, where)


def check_bool(c: Checker, value: Any, spec: S.Field, where: str) -> None:
    """Require true or false."""
    if not isinstance(value, bool):
        c.fail(where, f"expected true or false, got {type_name(value)}")


def check_str(c: Checker, value: Any, spec: S.Field, where: str) -> None:
    """Require a string (actor codes and theatre names are checked against the scenario later)."""
    if not isinstance(value, str):
        c.fail(where, f"expected a string, got {type_name(value)}")


def check_enum(c: Checker, value: Any, spec: S.Field, where: str) -> None:
    """Require one of the field's choices."""
    check_str(c, value, spec, where)
    if value not in spec.choices:
        c.fail(
            where,
            f"'{value}' is not one of {', '.join(spec.choices)}{suggest(value, spec.choices)}",
        )


def check_month(c: Checker, value: Any, spec: S.Field, where: str) -> None:
    """Require a ``YYYY-MM`` month (or the empty default of an optional month)."""
    if not isinstance(value, str):
        c.fail(where, f'expected a month as "YYYY-MM", got {type_name(value)}')
    if value == "" and spec.default == "":
        return
    try:
        parse_month(value)
    except ValueError as exc:
        c.fail(where, str(exc))


def check_names(c: Checker, value: Any, spec: S.Field, where: str) -> None:
    """Require a list of distinct strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.fail(where, f"expected a list of strings, got {type_name(value)}")
    if len(set(value)) != len(value):
        c.fail(where, "list has duplicates")


def check_mechanisms(c: Checker, value: Any, spec: S.Field, where: str) -> None:
    """Require a list of distinct names of switchable mechanisms."""
    check_names(c, value, spec, where)
    for item in value:
        if item not in S.MECHANISMS:
            c.fail(
                where,
                f"unknown mechanism '{item}'{suggest(item, S.MECHANISMS)}"
                f"; known: {', '.join(S.MECHANISMS)}",
            )


def check_actor_map(c: Checker, value: Any, spec: S.Field, where: str) -> None:
    """Require a table from actor codes to numbers within the field's bounds."""
    c.table(value, where)
    for code, number in value.items():
        key = f"{where}.{code}"
        if not ACTOR_CODE.match(code):
            c.fail(key, f"'{code}' is not an actor code (three capital letters)")
        if isinstance(number, bool) or not isinstance(number, int | float):
            c.fail(key, f"expected a number, got {type_name(number)}")
        c.number(c.to_float(number, key), spec, key)


def check_months(c: Checker, value: Any, spec: S.Field, where: str) -> None:
    """Require a list of distinct ``YYYY-MM`` months."""
    check_names(c, value, spec, where)
    for i, month in enumerate(value):
        check_month(c, month, spec, f"{where}[{i + 1}]")


VALUE_CHECKS: dict[str, ValueCheck] = {
    "float": check_float,
    "int": check_int,
    "bool": check_bool,
    "str": check_str,
    "actor": check_str,
    "theatre": check_str,
    "enum": check_enum,
    "month": check_month,
    "actors": check_names,
    "theatres": check_names,
    "mechanisms": check_mechanisms,
    "actor_map": check_actor_map,
    "months": check_months,
}
"""Type and range check of a value, by field kind."""


# --- structure of one file -----------------------------------------------------------------


def check_structure(raw: dict, file: str) -> None:
    """Check one file of a chain on its own: keys, types and ranges; nothing required.

    Raises
    ------
    ScenarioError
        At the first problem, naming `file` and the key path.
    """
    c = Checker(file)
    for key in raw:
        if key not in S.TOP_LEVEL:
            c.fail(key, f"unknown top-level table '{key}'{suggest(key, S.TOP_LEVEL)}")
    for section, check in STRUCTURE_CHECKS.items():
        if section in raw:
            check(c, raw[section], section)


def structure_table(fields: dict[str, S.Field]) -> Callable[[Checker, Any, str], None]:
    """Return the structure check of a single table (``[meta]``, ``[model]``)."""

    def check(c: Checker, value: Any, section: str) -> None:
        c.fields(c.table(value, section), fields, section)

    return check


def structure_items(fields: dict[str, S.Field]) -> Callable[[Checker, Any, str], None]:
    """Return the structure check of an array of tables with fixed fields."""

    def check(c: Checker, value: Any, section: str) -> None:
        for i, item in enumerate(list_of_tables(c, value, section)):
            c.fields(item, fields, provisional_where(section, item, i))

    return check


def structure_actors(c: Checker, value: Any, section: str) -> None:
    """Check ``[actors.<CODE>]`` tables: codes, keys, types and ranges."""
    for code, actor in c.table(value, section).items():
        if not ACTOR_CODE.match(code):
            c.fail(
                f"actors.{code}",
                f"actor code '{code}' is not three capital letters (ISO 3166 alpha-3, e.g. JPN)",
            )
        c.fields(c.table(actor, f"actors.{code}"), S.ACTOR_FIELDS, f"actors.{code}")


def structure_theatres(c: Checker, value: Any, section: str) -> None:
    """Check ``[theatres.<name>]`` tables and their grey-zone activities."""
    for name, theatre in c.table(value, section).items():
        where = f"theatres.{name}"
        if not IDENT.match(name):
            c.fail(where, "theatre names may hold only letters, digits, '_' and '-'")
        c.fields(c.table(theatre, where), S.THEATRE_FIELDS, where, extra=("greyzone",))
        for act, spec in c.table(theatre.get("greyzone", {}), f"{where}.greyzone").items():
            aw = f"{where}.greyzone.{act}"
            if not IDENT.match(act):
                c.fail(aw, "activity names may hold only letters, digits, '_' and '-'")
            c.fields(c.table(spec, aw), S.ACTIVITY_FIELDS, aw)


def structure_events(c: Checker, value: Any, section: str) -> None:
    """Check ``[[events]]``: the fields of each event's kind (of every kind if it has none)."""
    for i, event in enumerate(list_of_tables(c, value, section)):
        where = provisional_where("events", event, i)
        kind = event.get("kind")
        fields = dict(S.EVENT_COMMON_FIELDS)
        if kind is not None:
            c.value(kind, S.EVENT_COMMON_FIELDS["kind"], f"{where}.kind")
            fields.update(S.EVENT_KIND_FIELDS[kind])
        else:
            for extra in S.EVENT_KIND_FIELDS.values():
                fields.update(extra)
        c.fields(event, fields, where)


def structure_sweep(c: Checker, value: Any, section: str) -> None:
    """Require ``[sweep]`` to be a table (`sim.sweep` reads it)."""
    c.table(value, section)


def structure_calibration(c: Checker, value: Any, section: str) -> None:
    """Require ``[calibration]`` to hold at most ``posterior`` (a folder) and provenance."""
    c.table(value, section)
    for key, item in value.items():
        if key in S.PROVENANCE_KEYS:
            continue
        if key != "posterior":
            c.fail(f"{section}.{key}", "unknown key (known: posterior, source, notes)")
        if not isinstance(item, str) or not item:
            c.fail(f"{section}.{key}", f"expected a folder name, got {type_name(item)}")


def resolve_calibration(c: Checker, table: dict, file: str) -> dict:
    """Resolve ``[calibration]``: the posterior folder, made absolute and checked to exist.

    A relative folder is taken from the scenario file's folder, then from the folder of
    the shipped scenarios; ``"none"`` switches a posterior off (``--set
    calibration.posterior=none``).
    """
    name = table.get("posterior")
    if not name or name == "none":
        return {"posterior": "none"} if name else {}
    from sim.scenario.posterior import find_folder

    found = find_folder(name, file)
    if found is None:
        c.fail("calibration.posterior", f"folder {name!r} not found")
    return {"posterior": str(found)}


STRUCTURE_CHECKS: dict[str, Callable[[Checker, Any, str], None]] = {
    "meta": structure_table(S.META_FIELDS),
    "model": structure_table(S.MODEL_FIELDS),
    "actors": structure_actors,
    **{section: structure_items(fields) for section, fields in LIST_SECTIONS.items()},
    "theatres": structure_theatres,
    "events": structure_events,
    "sweep": structure_sweep,
    "calibration": structure_calibration,
}
"""Structure check of each top-level table, in the order they are checked."""


def list_of_tables(c: Checker, value: Any, path: str) -> list[dict]:
    """Require an array of tables."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        c.fail(path, f"expected an array of tables ([[{path}]]), got {type_name(value)}")
    return value


# --- resolving the merged scenario ---------------------------------------------------------

ID_FIELDS: dict[str, S.Field] = {
    "alliances": S.ALLIANCE_FIELDS["id"],
    "grievances": S.GRIEVANCE_FIELDS["id"],
    "events": S.EVENT_COMMON_FIELDS["id"],
    "triggers": S.TRIGGER_FIELDS["id"],
}
"""The id field of each id-keyed array (its `derive` rule gives the default id)."""


def item_id(section: str, item: dict) -> str | None:
    """Return the id of an alliance, grievance or event, or None if it cannot be derived yet."""
    if "id" in item:
        return str(item["id"])
    derive = ID_FIELDS[section].derive
    assert derive is not None
    return derive(item, DeriveContext())


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


def provisional_where(section: str, item: Any, i: int) -> str:
    """Name an item in errors before it is checked.

    Alliances by their id when it can be read (``alliances.USA-TWN``, from ``id`` or the
    patron and client, as ``--set alliances.USA-TWN.commitment=...`` names them); other
    items, and alliances without a readable id, by position (``events[3]``, from 1).
    """
    if section == "alliances" and isinstance(item, dict):
        try:
            ident = item_id(section, item)
        except Exception:  # noqa: BLE001  (malformed items are reported by the checks)
            ident = None
        if isinstance(ident, str) and ident and IDENT.match(ident):
            return f"{section}.{ident}"
    return f"{section}[{i + 1}]"


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
    """Check an event's months and references, derive its defaults, run its kind's checks."""
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
    if "parties" in ev:
        check_parties(r, ev, where)
    check_refs(r, ev, fields, where, kinds=("theatre",))
    BEFORE_DERIVING.get(ev["kind"], no_check)(r, ev, fields, where)
    derive_and_check(r, ev, fields, where)
    AFTER_DERIVING.get(ev["kind"], no_check)(r, ev, fields, where)


EVENTS = ItemArray("events", "event id", event_fields, no_check, check_event, named=True)

PAIRS = ("talks", "hotline")
"""Event kinds between exactly two parties."""


def check_parties(r: Resolving, ev: dict, where: str) -> None:
    """Require two parties for talks and hotlines, and at least one for any event."""
    kind = ev["kind"]
    if kind in PAIRS and len(ev["parties"]) != 2:
        r.c.fail(f"{where}.parties", f"{kind} needs exactly two parties")
    if not ev["parties"]:
        r.c.fail(f"{where}.parties", "needs at least one party")


def check_claimant(r: Resolving, ev: dict, fields: Fields, where: str) -> None:
    """Require that the acting actor claims the theatre."""
    theatre = r.context.theatres[ev["theatre"]]
    if ev["by"] not in theatre["claimants"]:
        r.c.fail(f"{where}.by", f"'{ev['by']}' is not a claimant of '{ev['theatre']}'")


def check_challenger(r: Resolving, ev: dict, fields: Fields, where: str) -> None:
    """Require that the acting actor claims the theatre and does not hold it."""
    check_claimant(r, ev, fields, where)
    if ev["by"] == r.context.theatres[ev["theatre"]]["holder"]:
        r.c.fail(f"{where}.by", f"'{ev['by']}' already holds '{ev['theatre']}'")


def check_incident(r: Resolving, ev: dict, fields: Fields, where: str) -> None:
    """Require two different parties."""
    if ev["against"] == ev["by"]:
        r.c.fail(f"{where}.against", "an incident needs two different parties")


def check_rules(r: Resolving, ev: dict, fields: Fields, where: str) -> None:
    """Require that the activity exists in the theatre."""
    acts = list(r.context.theatres[ev["theatre"]]["greyzone"])
    if ev["activity"] not in acts:
        r.c.fail(
            f"{where}.activity",
            f"unknown activity '{ev['activity']}' in theatre "
            f"'{ev['theatre']}'{suggest(ev['activity'], acts)}",
        )


def check_policy(r: Resolving, ev: dict, fields: Fields, where: str) -> None:
    """Require exactly one target and a `reach_by` after the event."""
    given = [key for key in POLICY_TARGETS if ev[key] is not None]
    if len(given) != 1:
        r.c.fail(where, f"a policy event needs exactly one of {', '.join(POLICY_TARGETS)}")
    if parse_month(ev["reach_by"]) <= parse_month(ev["at"]):
        r.c.fail(f"{where}.reach_by", "reach_by must be after at")


def check_alliance_change(r: Resolving, ev: dict, fields: Fields, where: str) -> None:
    """Require that the alliance exists."""
    ids = [a["id"] for a in r.context.alliances]
    aid = item_id("alliances", {"patron": ev["patron"], "client": ev["client"]})
    if aid not in ids:
        r.c.fail(where, f"no alliance '{aid}' to change{suggest(str(aid), ids)}")


def check_visit(r: Resolving, ev: dict, fields: Fields, where: str) -> None:
    """Require different visitor and host."""
    if ev["by"] == ev["to"]:
        r.c.fail(f"{where}.to", "visitor and host are the same actor")


EventCheck = Callable[[Resolving, dict, Fields, str], None]

BEFORE_DERIVING: dict[str, EventCheck] = {
    "incident": check_claimant,
    "blockade": check_challenger,
    "landing": check_challenger,
    "invasion": check_challenger,
}
"""Per-kind checks of the acting actor against the theatre, before derived defaults."""

AFTER_DERIVING: dict[str, EventCheck] = {
    "incident": check_incident,
    "rules_of_engagement": check_rules,
    "policy": check_policy,
    "alliance": check_alliance_change,
    "visit": check_visit,
}
"""Per-kind checks that need the whole event (derived defaults included)."""


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
