"""Load scenario files: TOML parsing, ``extends`` chains, ``--set`` overrides, validation."""

from __future__ import annotations

import copy
import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.engine.calendar import month_label, parse_month
from sim.errors import ScenarioError
from sim.scenario.checks import check_structure, item_id
from sim.scenario.overrides import apply_overrides
from sim.scenario.validate import resolve

ARRAY_SECTIONS = ("alliances", "grievances", "events", "triggers")


@dataclass
class Scenario:
    """A fully resolved scenario: every default filled in, every reference checked.

    Attributes
    ----------
    data : dict
        The resolved scenario as nested tables (what ``sim show`` prints).
    file : str
        The file it was loaded from (``<memory>`` when built from a dict).
    chain : list of str
        The ``extends`` chain, leaf first.
    overrides : list of str
        The ``PATH=VALUE`` overrides applied, in order.
    digest : str
        SHA-256 over the contents of every file in the chain and the overrides.
    """

    data: dict
    file: str = "<memory>"
    chain: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    digest: str = ""

    @property
    def name(self) -> str:
        """Short machine name from ``meta.name``."""
        return self.data["meta"]["name"]

    @property
    def title(self) -> str:
        """Human title (falls back to the name)."""
        return self.data["meta"]["title"] or self.name

    @property
    def months(self) -> int:
        """Number of simulated months."""
        return self.data["meta"]["months"]

    @property
    def start(self) -> str:
        """First simulated month, ``YYYY-MM``."""
        return self.data["meta"]["start"]

    @property
    def seed(self) -> int:
        """Default master seed."""
        return self.data["meta"]["seed"]

    @property
    def actor_codes(self) -> list[str]:
        """Actor codes in file order (the actor axis of the engine)."""
        return list(self.data["actors"])

    @property
    def theatre_names(self) -> list[str]:
        """Theatre names in file order (the theatre axis of the engine)."""
        return list(self.data["theatres"])

    @property
    def mechanisms(self) -> list[str]:
        """Mechanisms switched on."""
        return list(self.data["model"]["mechanisms"])

    def posterior(self) -> Any:
        """Return the `sim.scenario.posterior.Posterior` it names, or None.

        ``[calibration] posterior`` (absent or ``"none"``: None). The engine's
        `compile_scenario` calls this, so that it reads no file itself.
        """
        name = self.data.get("calibration", {}).get("posterior")
        if not name or name == "none":
            return None
        from sim.scenario.posterior import load_posterior

        return load_posterior(name)

    def month_label(self, offset: int) -> str:
        """``YYYY-MM`` of month `offset` (0-based)."""
        return month_label(self.start, offset)

    def month_index(self, label: str) -> int:
        """0-based month offset of a ``YYYY-MM`` label."""
        return parse_month(label) - parse_month(self.start)

    def with_overrides(self, overrides: Iterable[str] | Mapping[str, Any]) -> Scenario:
        """Return a new scenario with more overrides applied to the same files."""
        return _build(
            self._raw_merged(), self.file, self.chain, self.overrides, overrides, self._contents
        )

    # set by _build, kept out of the dataclass repr
    _merged: dict = field(default_factory=dict, repr=False)
    _contents: list[bytes] = field(default_factory=list, repr=False)

    def _raw_merged(self) -> dict:
        return copy.deepcopy(self._merged)


def drop_none(value: Any) -> Any:
    """Remove None values (unset optional fields of a resolved scenario, e.g. from JSON)."""
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value]
    return value


def read_toml(path: Path, label: str) -> dict:
    """Parse one TOML file, turning every failure into a located `ScenarioError`."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(label, "", "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(label, "", "is a directory, not a scenario file") from None
    except OSError as exc:
        raise ScenarioError(label, "", f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(label, "", f"not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(label, "", f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise ScenarioError(label, "", "TOML nesting too deep") from None


def merge(parent: dict, child: dict, file: str) -> dict:
    """Merge `child` over `parent`: tables key by key, arrays of tables by id.

    An item of an array with ``remove = true`` deletes the inherited item with its id.
    """
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if key in ARRAY_SECTIONS and isinstance(value, list):
            out[key] = merge_items(key, out.get(key, []), value, file)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value, file)
        else:
            out[key] = copy.deepcopy(value)
    return out


def merge_items(section: str, parent: list, child: list, file: str) -> list:
    """Merge an array of tables by item id (see `merge`)."""
    items = [copy.deepcopy(p) for p in parent if isinstance(p, dict)]
    ids = [item_id(section, p) for p in items]
    own: set[str] = set()
    noun = {
        "alliances": "alliance",
        "grievances": "grievance",
        "events": "event id",
        "triggers": "trigger",
    }
    for i, item in enumerate(child):
        if not isinstance(item, dict):
            raise ScenarioError(file, f"{section}[{i + 1}]", "expected a table")
        iid = item_id(section, item)
        if iid is None:
            raise ScenarioError(
                file, f"{section}[{i + 1}]", "cannot tell which item this is: give an id"
            )
        if iid in own:
            raise ScenarioError(file, f"{section}[{i + 1}]", f"duplicate {noun[section]} '{iid}'")
        own.add(iid)
        if iid in ids:
            j = ids.index(iid)
            if item.get("remove") is True:
                del items[j]
                del ids[j]
            else:
                items[j] = merge(items[j], item, file)
        elif item.get("remove") is True:
            raise ScenarioError(
                file, f"{section}.{iid}.remove", f"no inherited item with id '{iid}' to remove"
            )
        else:
            items.append(copy.deepcopy(item))
            ids.append(iid)
    return items


def read_chain(path: Path) -> tuple[list[tuple[str, dict]], list[bytes]]:
    """Read `path` and every file it extends; returns (label, raw) pairs, leaf first."""
    chain: list[tuple[str, dict]] = []
    contents: list[bytes] = []
    seen: list[Path] = []
    current = path
    label = str(path)
    while True:
        resolved = current.resolve()
        if resolved in seen:
            cycle = " -> ".join(str(p.name) for p in seen + [resolved])
            raise ScenarioError(chain[-1][0], "meta.extends", f"extends forms a cycle: {cycle}")
        seen.append(resolved)
        raw = read_toml(current, label)
        check_structure(raw, label)
        try:
            contents.append(current.read_bytes())
        except OSError:  # pragma: no cover - read just above
            contents.append(b"")
        chain.append((label, raw))
        parent = raw.get("meta", {}).get("extends", "")
        if not parent:
            return chain, contents
        nxt = current.parent / parent
        try:
            found = nxt.is_file()
        except (OSError, ValueError) as exc:  # e.g. a name too long for the file system
            reason = getattr(exc, "strerror", None) or str(exc)
            raise ScenarioError(
                label, "meta.extends", f"extended file cannot be opened ({reason})"
            ) from None
        if not found:
            raise ScenarioError(
                label, "meta.extends", f"extended file '{parent}' not found (looked for {nxt})"
            )
        current, label = nxt, str(nxt)


def load_scenario(
    source: str | Path | Scenario | Mapping[str, Any],
    overrides: Iterable[str] | Mapping[str, Any] = (),
) -> Scenario:
    """Load, merge, override and validate a scenario.

    Parameters
    ----------
    source : str, Path, Scenario or mapping
        A scenario file, a loaded scenario (overrides are applied to it), or an already
        parsed scenario table.
    overrides : iterable of ``"PATH=VALUE"`` or mapping of path to value
        Applied after ``extends`` merging, before validation.

    Returns
    -------
    Scenario
        The resolved scenario.

    Raises
    ------
    ScenarioError
        For any problem, naming the file and the key.
    """
    if isinstance(source, Scenario):
        return source.with_overrides(overrides) if overrides else source
    if isinstance(source, Mapping):
        raw = drop_none(copy.deepcopy(dict(source)))
        check_structure(raw, "<memory>")
        raw.get("meta", {}).pop("extends", None)
        return _build(raw, "<memory>", ["<memory>"], [], overrides, [b""])
    path = Path(source)
    chain, contents = read_chain(path)
    merged: dict = {}
    for label, raw in reversed(chain):
        merged = merge(merged, raw, label)
    merged.setdefault("meta", {})["extends"] = chain[0][1].get("meta", {}).get("extends", "")
    return _build(merged, str(path), [label for label, _ in chain], [], overrides, contents)


def _build(
    merged: dict,
    file: str,
    chain: list[str],
    previous: list[str],
    overrides: Iterable[str] | Mapping[str, Any],
    contents: list[bytes],
) -> Scenario:
    raw = copy.deepcopy(merged)
    applied = apply_overrides(raw, previous, file) if previous else []
    if overrides:
        applied += apply_overrides(raw, overrides, file)
    data = resolve(raw, file if not applied else f"{file} (with --set)")
    digest = hashlib.sha256()
    for blob in contents:
        digest.update(hashlib.sha256(blob).digest())
    for item in applied:
        digest.update(item.encode())
    return Scenario(
        data=data,
        file=file,
        chain=chain,
        overrides=applied,
        digest=digest.hexdigest(),
        _merged=merged,
        _contents=contents,
    )
