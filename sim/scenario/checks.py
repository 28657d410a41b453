"""Check one scenario file's tables on their own: keys, types, ranges (`check_structure`).

Runs on each file of an ``extends`` chain, so errors name the file that holds the mistake;
`sim.scenario.validate` resolves the merged result with the same `Checker` and field
checks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from sim.engine.calendar import parse_month
from sim.engine.declare import DeriveContext
from sim.errors import ScenarioError, suggest
from sim.scenario import schema as S

ACTOR_CODE = re.compile(r"^[A-Z]{3}\Z")
NAME = re.compile(r"^[A-Za-z0-9_-]+\Z")
IDENT = re.compile(r"^[A-Za-z0-9_-]+\Z")

LIST_SECTIONS = {
    "alliances": S.ALLIANCE_FIELDS,
    "grievances": S.GRIEVANCE_FIELDS,
    "triggers": S.TRIGGER_FIELDS,
}


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
