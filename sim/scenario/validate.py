"""Check a merged scenario against the schema and fill in every default.

`check_structure` runs on each file of an ``extends`` chain on its own (unknown keys,
types, ranges), so errors name the file that holds the mistake. `resolve` runs on the
merged result: required fields, cross-references and defaults.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any

from sim.errors import ScenarioError
from sim.scenario import schema as S
from sim.scenario.months import format_month, parse_month

ACTOR_CODE = re.compile(r"^[A-Z]{3}\Z")
NAME = re.compile(r"^[A-Za-z0-9_-]+\Z")
IDENT = re.compile(r"^[A-Za-z0-9_-]+\Z")

LIST_SECTIONS = {
    "alliances": S.ALLIANCE_FIELDS,
    "grievances": S.GRIEVANCE_FIELDS,
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
        kind = spec.kind
        if value is None:
            self.fail(where, "missing value")
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.fail(where, f"expected a number, got {type_name(value)}")
            self.number(self.to_float(value, where), spec, where)
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(where, f"expected an integer, got {type_name(value)}")
            self.number(value, spec, where)
        elif kind == "bool":
            if not isinstance(value, bool):
                self.fail(where, f"expected true or false, got {type_name(value)}")
        elif kind in ("str", "actor", "theatre", "enum"):
            if not isinstance(value, str):
                self.fail(where, f"expected a string, got {type_name(value)}")
            if kind == "enum" and value not in spec.choices:
                self.fail(
                    where,
                    f"'{value}' is not one of {', '.join(spec.choices)}"
                    f"{suggest(value, spec.choices)}",
                )
        elif kind == "month":
            if not isinstance(value, str):
                self.fail(where, f'expected a month as "YYYY-MM", got {type_name(value)}')
            if value == "" and spec.default == "":
                return
            try:
                parse_month(value)
            except ValueError as exc:
                self.fail(where, str(exc))
        elif kind in ("actors", "theatres", "mechanisms"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.fail(where, f"expected a list of strings, got {type_name(value)}")
            if len(set(value)) != len(value):
                self.fail(where, "list has duplicates")
            if kind == "mechanisms":
                for item in value:
                    if item not in S.MECHANISMS:
                        self.fail(
                            where,
                            f"unknown mechanism '{item}'{suggest(item, S.MECHANISMS)}"
                            f"; known: {', '.join(S.MECHANISMS)}",
                        )
        elif kind == "actor_map":
            self.table(value, where)
            for code, number in value.items():
                key = f"{where}.{code}"
                if not ACTOR_CODE.match(code):
                    self.fail(key, f"'{code}' is not an actor code (three capital letters)")
                if isinstance(number, bool) or not isinstance(number, int | float):
                    self.fail(key, f"expected a number, got {type_name(number)}")
                self.number(self.to_float(number, key), spec, key)
        else:  # pragma: no cover - schema error
            raise AssertionError(kind)

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
    if "meta" in raw:
        c.fields(c.table(raw["meta"], "meta"), S.META_FIELDS, "meta")
    if "model" in raw:
        c.fields(c.table(raw["model"], "model"), S.MODEL_FIELDS, "model")
    if "actors" in raw:
        for code, actor in c.table(raw["actors"], "actors").items():
            if not ACTOR_CODE.match(code):
                c.fail(
                    f"actors.{code}",
                    f"actor code '{code}' is not three capital letters "
                    "(ISO 3166 alpha-3, e.g. JPN)",
                )
            c.fields(c.table(actor, f"actors.{code}"), S.ACTOR_FIELDS, f"actors.{code}")
    for section, fields in LIST_SECTIONS.items():
        if section in raw:
            for i, item in enumerate(list_of_tables(c, raw[section], section)):
                c.fields(item, fields, f"{section}[{i + 1}]")
    if "theatres" in raw:
        for name, theatre in c.table(raw["theatres"], "theatres").items():
            where = f"theatres.{name}"
            if not IDENT.match(name):
                c.fail(where, "theatre names may hold only letters, digits, '_' and '-'")
            c.fields(c.table(theatre, where), S.THEATRE_FIELDS, where, extra=("greyzone",))
            for act, spec in c.table(theatre.get("greyzone", {}), f"{where}.greyzone").items():
                aw = f"{where}.greyzone.{act}"
                if not IDENT.match(act):
                    c.fail(aw, "activity names may hold only letters, digits, '_' and '-'")
                c.fields(c.table(spec, aw), S.ACTIVITY_FIELDS, aw)
    if "events" in raw:
        for i, event in enumerate(list_of_tables(c, raw["events"], "events")):
            where = f"events[{i + 1}]"
            kind = event.get("kind")
            fields = dict(S.EVENT_COMMON_FIELDS)
            if kind is not None:
                c.value(kind, S.EVENT_COMMON_FIELDS["kind"], f"{where}.kind")
                fields.update(S.EVENT_KIND_FIELDS[kind])
            else:
                for extra in S.EVENT_KIND_FIELDS.values():
                    fields.update(extra)
            c.fields(event, fields, where)
    if "sweep" in raw:
        c.table(raw["sweep"], "sweep")


def list_of_tables(c: Checker, value: Any, path: str) -> list[dict]:
    """Require an array of tables."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        c.fail(path, f"expected an array of tables ([[{path}]]), got {type_name(value)}")
    return value


def item_id(section: str, item: dict) -> str | None:
    """Return the id of an alliance, grievance or event, or None if it cannot be derived yet."""
    if "id" in item:
        return str(item["id"])
    if section == "alliances":
        if "patron" in item and "client" in item:
            return f"{item['patron']}-{item['client']}"
        return None
    if section == "grievances":
        if "from" in item and "to" in item:
            return f"{item['from']}-{item['to']}"
        return None
    if "kind" not in item or "at" not in item:
        return None
    who: list[str] = []
    for key in ("parties", "actor", "by", "patron", "client", "to"):
        value = item.get(key)
        if isinstance(value, list):
            who.extend(str(v) for v in value)
        elif value is not None:
            who.append(str(value))
    if "theatre" in item:
        who.append(str(item["theatre"]))
    return "-".join([str(item["kind"]), str(item["at"])] + who)


def resolve(raw: dict, file: str) -> dict:
    """Validate a merged scenario completely and return it with every default filled in.

    Raises
    ------
    ScenarioError
        At the first problem, naming `file` and the key path.
    """
    check_structure(raw, file)
    c = Checker(file)
    out: dict[str, Any] = {}

    meta = fill(c, raw.get("meta", {}), S.META_FIELDS, "meta")
    if not NAME.match(meta["name"]):
        c.fail("meta.name", f"'{meta['name']}' may hold only letters, digits, '_' and '-'")
    start = parse_month(meta["start"])
    end = start + meta["months"] - 1
    out["meta"] = meta
    out["model"] = fill(c, raw.get("model", {}), S.MODEL_FIELDS, "model")

    actors_raw = raw.get("actors", {})
    if len(actors_raw) < 2:
        c.fail("actors", f"a scenario needs at least two actors, found {len(actors_raw)}")
    codes = list(actors_raw)
    actors = {}
    for code, actor in actors_raw.items():
        where = f"actors.{code}"
        filled = fill(c, actor, S.ACTOR_FIELDS, where)
        for other in filled["arms"]["reaction"]:
            check_ref(c, other, codes, f"{where}.arms.reaction.{other}", "actor")
            if other == code:
                c.fail(f"{where}.arms.reaction.{other}", "an actor cannot react to itself")
        actors[code] = filled
    for actor in actors.values():
        if actor["capability_usd_bn"] is S.DERIVED:
            monthly_survival = (1.0 - actor["capability_depreciation_per_year"]) ** (1.0 / 12.0)
            actor["capability_usd_bn"] = actor["milex_usd_bn"] / 12.0 / (1.0 - monthly_survival)
        arms = actor["arms"]
        if arms["grievance"] is S.DERIVED:
            arms["grievance"] = arms["fatigue"] * actor["milex_usd_bn"] - sum(
                k * actors[other]["milex_usd_bn"] for other, k in arms["reaction"].items()
            )
    out["actors"] = actors

    theatres_raw = raw.get("theatres", {})
    theatre_names = list(theatres_raw)
    alliances = []
    seen: set[str] = set()
    for i, item in enumerate(raw.get("alliances", [])):
        where = f"alliances[{i + 1}]"
        filled = fill(c, item, S.ALLIANCE_FIELDS, where)
        check_ref(c, filled["patron"], codes, f"{where}.patron", "actor")
        check_ref(c, filled["client"], codes, f"{where}.client", "actor")
        if filled["patron"] == filled["client"]:
            c.fail(f"{where}.client", "patron and client are the same actor")
        filled["id"] = item_id("alliances", item)
        if filled["id"] in seen:
            c.fail(where, f"duplicate alliance '{filled['id']}'")
        seen.add(filled["id"])
        if filled["covers"] is S.DERIVED:
            filled["covers"] = [
                t for t, th in theatres_raw.items() if filled["client"] in th.get("claimants", [])
            ]
        for t in filled["covers"]:
            check_ref(c, t, theatre_names, f"{where}.covers", "theatre")
        filled.pop("remove")
        alliances.append(filled)
    out["alliances"] = alliances

    grievances = []
    seen = set()
    for i, item in enumerate(raw.get("grievances", [])):
        where = f"grievances[{i + 1}]"
        filled = fill(c, item, S.GRIEVANCE_FIELDS, where)
        check_ref(c, filled["from"], codes, f"{where}.from", "actor")
        check_ref(c, filled["to"], codes, f"{where}.to", "actor")
        if filled["from"] == filled["to"]:
            c.fail(f"{where}.to", "an actor cannot hold a grievance against itself")
        filled["id"] = item_id("grievances", item)
        if filled["id"] in seen:
            c.fail(where, f"duplicate grievance '{filled['id']}'")
        seen.add(filled["id"])
        if filled["baseline"] is S.DERIVED:
            filled["baseline"] = filled["level"]
        filled.pop("remove")
        grievances.append(filled)
    out["grievances"] = grievances

    if not theatres_raw:
        c.fail("theatres", "a scenario needs at least one theatre")
    theatres = {}
    for name, theatre in theatres_raw.items():
        where = f"theatres.{name}"
        filled = fill(
            c, {k: v for k, v in theatre.items() if k != "greyzone"}, S.THEATRE_FIELDS, where
        )
        claimants = filled["claimants"]
        if len(claimants) < 2:
            c.fail(f"{where}.claimants", "a theatre needs at least two claimants")
        for code in claimants:
            check_ref(c, code, codes, f"{where}.claimants", "actor")
        check_ref(c, filled["holder"], codes, f"{where}.holder", "actor")
        if filled["holder"] not in claimants:
            c.fail(f"{where}.holder", f"holder '{filled['holder']}' is not among the claimants")
        stake = {code: 0.5 for code in claimants}
        for alliance in alliances:
            if name in alliance["covers"] and alliance["patron"] not in stake:
                stake[alliance["patron"]] = 0.3
        user_stake = theatre.get("stake", {})
        for code in user_stake:
            check_ref(c, code, codes, f"{where}.stake.{code}", "actor")
        stake.update(user_stake)
        filled["stake"] = {k: float(v) for k, v in stake.items()}
        filled["greyzone"] = {}
        acts = theatre.get("greyzone", {})
        for act, spec in acts.items():
            aw = f"{where}.greyzone.{act}"
            a = fill(c, spec, S.ACTIVITY_FIELDS, aw)
            check_ref(c, a["by"], codes, f"{aw}.by", "actor")
            if a["against"] is S.DERIVED:
                a["against"] = default_opponent(filled, a["by"])
            check_ref(c, a["against"], codes, f"{aw}.against", "actor")
            if a["against"] == a["by"]:
                c.fail(f"{aw}.against", "an activity cannot be directed at its own actor")
            if a["unit"] == "days" and a["rate_per_year"] > 365:
                c.fail(f"{aw}.rate_per_year", f"{a['rate_per_year']} days per year is above 365")
            if a["responds_to"]:
                if a["responds_to"] not in acts:
                    c.fail(
                        f"{aw}.responds_to",
                        f"unknown activity '{a['responds_to']}' in theatre "
                        f"'{name}'{suggest(a['responds_to'], list(acts))}",
                    )
                if a["responds_to"] == act or acts[a["responds_to"]].get("responds_to"):
                    c.fail(f"{aw}.responds_to", "a response must answer a primary activity")
            filled["greyzone"][act] = a
        theatres[name] = filled
    out["theatres"] = theatres

    out["events"] = resolve_events(c, raw.get("events", []), codes, theatres, alliances, start, end)
    if "sweep" in raw:
        out["sweep"] = raw["sweep"]
    return out


def default_opponent(theatre: dict, actor: str) -> str:
    """Return the holder, or the first other claimant when `actor` is the holder."""
    if actor != theatre["holder"]:
        return theatre["holder"]
    return next(c for c in theatre["claimants"] if c != actor)


def resolve_events(
    c: Checker,
    raw_events: list[dict],
    codes: list[str],
    theatres: dict,
    alliances: list[dict],
    start: int,
    end: int,
) -> list[dict]:
    """Validate and fill every event; the result is sorted by month (stable)."""
    events = []
    seen: set[str] = set()
    for i, item in enumerate(raw_events):
        where = f"events[{i + 1}]"
        if "kind" not in item:
            c.fail(f"{where}.kind", "missing required field 'kind'")
        fields = dict(S.EVENT_COMMON_FIELDS)
        fields.update(S.EVENT_KIND_FIELDS[item["kind"]])
        ev = fill(c, item, fields, where)
        ev.pop("remove")
        ev["id"] = item_id("events", item)
        if not IDENT.match(ev["id"]):
            c.fail(f"{where}.id", f"'{ev['id']}' may hold only letters, digits, '_' and '-'")
        if ev["id"] in seen:
            c.fail(f"{where}.id", f"duplicate event id '{ev['id']}'")
        seen.add(ev["id"])
        where = f"events.{ev['id']}"
        at = parse_month(ev["at"])
        if not start <= at <= end:
            c.fail(
                f"{where}.at",
                f"{ev['at']} is outside the simulated span "
                f"{format_month(start)} to {format_month(end)}",
            )
        if ev["until"]:
            if parse_month(ev["until"]) < at:
                c.fail(f"{where}.until", "until is before at")
        kind = ev["kind"]
        for key in ("actor", "by", "to", "patron", "client"):
            if key in ev and ev[key] is not None and ev[key] is not S.DERIVED:
                check_ref(c, ev[key], codes, f"{where}.{key}", "actor")
        if "parties" in ev:
            for code in ev["parties"]:
                check_ref(c, code, codes, f"{where}.parties", "actor")
            if kind in ("talks", "hotline") and len(ev["parties"]) != 2:
                c.fail(f"{where}.parties", f"{kind} needs exactly two parties")
            if not ev["parties"]:
                c.fail(f"{where}.parties", "needs at least one party")
        if "theatre" in ev:
            check_ref(c, ev["theatre"], list(theatres), f"{where}.theatre", "theatre")
            theatre = theatres[ev["theatre"]]
            if kind in ("incident", "blockade", "landing", "invasion"):
                if ev["by"] not in theatre["claimants"]:
                    c.fail(f"{where}.by", f"'{ev['by']}' is not a claimant of '{ev['theatre']}'")
            if kind in ("blockade", "landing", "invasion") and ev["by"] == theatre["holder"]:
                c.fail(f"{where}.by", f"'{ev['by']}' already holds '{ev['theatre']}'")
            if kind == "incident":
                if ev["against"] is S.DERIVED:
                    ev["against"] = default_opponent(theatre, ev["by"])
                check_ref(c, ev["against"], codes, f"{where}.against", "actor")
                if ev["against"] == ev["by"]:
                    c.fail(f"{where}.against", "an incident needs two different parties")
            if kind == "rules_of_engagement" and ev["activity"] not in theatre["greyzone"]:
                c.fail(
                    f"{where}.activity",
                    f"unknown activity '{ev['activity']}' in theatre "
                    f"'{ev['theatre']}'{suggest(ev['activity'], list(theatre['greyzone']))}",
                )
        if kind == "incident" and ev["rung"] is S.DERIVED:
            ev["rung"] = None
        if kind == "policy":
            given = [
                k
                for k in ("target_share_gdp", "target_milex_usd_bn", "growth_per_year")
                if ev[k] is not None
            ]
            if len(given) != 1:
                c.fail(
                    where,
                    "a policy event needs exactly one of target_share_gdp, "
                    "target_milex_usd_bn, growth_per_year",
                )
            if parse_month(ev["reach_by"]) <= at:
                c.fail(f"{where}.reach_by", "reach_by must be after at")
        if kind == "alliance":
            ids = [a["id"] for a in alliances]
            aid = f"{ev['patron']}-{ev['client']}"
            if aid not in ids:
                c.fail(where, f"no alliance '{aid}' to change{suggest(aid, ids)}")
        if kind == "visit" and ev["by"] == ev["to"]:
            c.fail(f"{where}.to", "visitor and host are the same actor")
        events.append(ev)
    events.sort(key=lambda e: parse_month(e["at"]))
    return events


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
