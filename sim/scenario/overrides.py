"""``--set PATH=VALUE`` overrides, typed by the schema.

Paths: ``meta.months``, ``model.crisis.war_cost``, ``actors.JPN.milex_usd_bn``,
``actors.JPN.arms.reaction.CHN``, ``alliances.USA-TWN.commitment``,
``grievances.CHN-JPN.level``, ``theatres.senkaku.holder``, ``theatres.taiwan.stake.USA``,
``theatres.senkaku.greyzone.presence_days.rate_per_year``, ``events.<id>.at``,
``triggers.leader_visit-taiwan.rate_per_year``.
The same paths name the parameters of a sweep.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from sim.errors import ScenarioError, suggest
from sim.scenario import schema as S
from sim.scenario.checks import item_id

SECTIONS = tuple(section for section in S.TOP_LEVEL if section != "sweep")
"""Top-level tables a ``--set`` path may start with (``[sweep]`` is not a scenario value)."""


def toml_literal(value: Any) -> str:
    """Format a Python value as a TOML literal (for normalised override strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    raise TypeError(f"cannot express {type(value).__name__} as a TOML value")


def parse_value(text: str) -> Any:
    """Parse the VALUE of ``PATH=VALUE`` as a TOML value, else keep it as a bare string.

    Text that parses only together with further TOML lines (a newline, then ``w = 3``) or
    that nests too deeply for the parser stays a bare string, so the type check reports it.
    """
    try:
        parsed = tomllib.loads(f"v = {text}")
    except (tomllib.TOMLDecodeError, RecursionError):
        return text
    return parsed["v"] if list(parsed) == ["v"] else text


def split_assignment(text: str, file: str) -> tuple[str, str]:
    """Split ``PATH=VALUE``."""
    if not isinstance(text, str) or "=" not in text:
        raise ScenarioError(file, str(text), "override must look like PATH=VALUE")
    path, value = text.split("=", 1)
    path = path.strip()
    if not path:
        raise ScenarioError(file, "", f"override '{text}' has an empty path")
    return path, value.strip()


def field_for(raw: dict, path: str, file: str) -> tuple[dict, str, S.Field, str | None]:
    """Locate an override path in a merged raw scenario.

    Returns
    -------
    (table, key, field, map_key)
        The table the value lives in (created if needed), the key within it, its schema
        field, and for ``actor_map`` fields the actor code inside the map.
    """
    parts = path.split(".")
    head = parts[0]
    if head not in SECTIONS:
        raise ScenarioError(file, path, f"unknown section '{head}'{suggest(head, SECTIONS)}")
    if head in ("meta", "model", "calibration"):
        fields = {"meta": S.META_FIELDS, "model": S.MODEL_FIELDS}.get(head, S.CALIBRATION_FIELDS)
        return locate(raw.setdefault(head, {}), parts[1:], fields, path, file)
    if len(parts) < 3:
        raise ScenarioError(file, path, f"expected {head}.<id>.<field>")
    ident = parts[1]
    if head == "actors":
        actors = raw.get("actors", {})
        if ident not in actors:
            raise ScenarioError(
                file, path, f"unknown actor '{ident}'{suggest(ident, list(actors))}"
            )
        return locate(actors[ident], parts[2:], S.ACTOR_FIELDS, path, file)
    if head == "theatres":
        theatres = raw.get("theatres", {})
        if ident not in theatres:
            raise ScenarioError(
                file, path, f"unknown theatre '{ident}'{suggest(ident, list(theatres))}"
            )
        theatre = theatres[ident]
        if parts[2] == "greyzone":
            acts = theatre.get("greyzone", {})
            if len(parts) < 5 or parts[3] not in acts:
                name = parts[3] if len(parts) > 3 else ""
                raise ScenarioError(
                    file,
                    path,
                    f"unknown activity '{name}' in theatre '{ident}'{suggest(name, list(acts))}",
                )
            return locate(acts[parts[3]], parts[4:], S.ACTIVITY_FIELDS, path, file)
        return locate(theatre, parts[2:], S.THEATRE_FIELDS, path, file)
    items = raw.get(head, [])
    ids = [item_id(head, item) for item in items]
    if ident not in ids:
        raise ScenarioError(
            file, path, f"no {head[:-1]} with id '{ident}'{suggest(ident, [i for i in ids if i])}"
        )
    item = items[ids.index(ident)]
    if head == "events":
        item.setdefault("id", ident)
    if head == "alliances":
        fields = S.ALLIANCE_FIELDS
    elif head == "grievances":
        fields = S.GRIEVANCE_FIELDS
    elif head == "triggers":
        fields = S.TRIGGER_FIELDS
    else:
        fields = dict(S.EVENT_COMMON_FIELDS)
        kind = item.get("kind")  # an earlier --set may have made it anything
        fields.update(S.EVENT_KIND_FIELDS.get(kind, {}) if isinstance(kind, str) else {})
    return locate(item, parts[2:], fields, path, file)


def locate(
    table: dict, rest: list[str], fields: dict[str, S.Field], path: str, file: str
) -> tuple[dict, str, S.Field, str | None]:
    """Walk the remaining path parts inside one table."""
    for n in range(len(rest), 0, -1):
        dotted = ".".join(rest[:n])
        if dotted in fields:
            spec = fields[dotted]
            extra = rest[n:]
            if spec.kind == "actor_map":
                if len(extra) != 1:
                    raise ScenarioError(file, path, f"expected {dotted}.<ACTOR>")
                map_key = extra[0]
            elif extra or dotted in ("id", "remove"):
                raise ScenarioError(file, path, "this field cannot be overridden")
            else:
                map_key = None
            node = table
            *parents, leaf = dotted.split(".")
            for part in parents:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ScenarioError(file, path, f"'{part}' is not a table")
            return node, leaf, spec, map_key
    name = ".".join(rest)
    raise ScenarioError(file, path, f"unknown field '{name}'{suggest(name, list(fields))}")


def coerce(value: Any, spec: S.Field, path: str, file: str) -> Any:
    """Convert a parsed override value to the field's type where that is unambiguous."""
    kind = spec.kind
    if kind in ("float", "actor_map") and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind in ("str", "actor", "theatre", "enum", "month") and not isinstance(value, str):
        if isinstance(value, list | dict):
            return value
        try:
            return toml_literal(value)
        except TypeError:
            return str(value)
    if kind in ("actors", "theatres", "mechanisms") and isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def apply_overrides(
    raw: dict, overrides: Iterable[str] | Mapping[str, Any], file: str
) -> list[str]:
    """Apply overrides in place to a merged raw scenario.

    Returns
    -------
    list of str
        The overrides as normalised ``PATH=VALUE`` strings (TOML literals).
    """
    label = f"{file} (--set)"
    if isinstance(overrides, Mapping):
        pairs = [(str(k), v, False) for k, v in overrides.items()]
    else:
        pairs = []
        for text in overrides:
            path, value = split_assignment(text, label)
            pairs.append((path, value, True))
    applied = []
    for path, value, is_text in pairs:
        table, key, spec, map_key = field_for(raw, path, label)
        if is_text:
            value = parse_value(value)
        value = coerce(value, spec, path, label)
        if map_key is not None:
            target = table.setdefault(key, {})
            if not isinstance(target, dict):
                raise ScenarioError(label, path, f"'{key}' is not a table")
            target[map_key] = value
        else:
            table[key] = value
        try:
            applied.append(f"{path}={toml_literal(value)}")
        except TypeError:
            raise ScenarioError(
                label, path, "value must be a number, string, boolean or list"
            ) from None
    return applied
