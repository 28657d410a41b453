"""The historical record 1995-2026, read only up to a cut-off.

This is the single place from which later code reads the dated historical record in
``data/`` (see ``data/README.md``):

- ``political_triggers_1995_2025.csv``: political triggers (arms sales, transits, visits,
  elections, statements, Yasukuni visits) and whether a crisis followed; `triggers`.
- ``governments_1995_2026.csv``: terms of office of the heads of government; `governments`
  and `party_in_power`.
- ``elections_1995_2026.csv``: elections, inaugurations and party-leadership changes that
  changed Japan's prime minister; `elections`.
- ``greyzone_annual_1995_2025.csv``: annual grey-zone series (Taiwan ADIZ, JASDF scrambles,
  Senkaku coast-guard presence); `greyzone`.

Every reader takes a cut-off `as_of` (a year, ``2016`` or ``"2016"``, meaning December of
that year, or a month ``"YYYY-MM"``) and returns only what was known at the end of that
month. There is no reader without a cut-off. The dating rules are:

- a trigger, an election and the start of a term are dated at their month;
- a term's ``end`` is blanked (``None``) while it lies after the cut-off, so a term in force
  at the cut-off looks open-ended;
- a trigger's ``followed_by_crisis`` judgement is dated one month after the trigger (a crisis
  "within about a month"); before that it reads ``"pending"``;
- an election's ``winner`` and ``party`` are dated at its result date (``result_date``,
  blank = election day; the US 2000 election was decided on 2000-12-13); before it they are
  ``None``;
- a calendar-year observation is dated at December of its year, a Japanese fiscal-year
  observation (FY t = April t to March t+1) at March of year t+1.

Free text (descriptions, notes, sources) is not returned, since it often mentions later
events ("drills followed", "record until 2019"); each row carries its ``line`` number in the
file for provenance.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import SimError
from sim.hindcast.record_rows import (
    _YEAR,
    PENDING,
    Election,
    Observation,
    Term,
    Trigger,
    _iso_date,
    _trigger_date,
    add_months,
    cutoff,
    observation_month,
)

if TYPE_CHECKING:
    import pandas as pd

TRIGGERS_FILE = "political_triggers_1995_2025.csv"
GOVERNMENTS_FILE = "governments_1995_2026.csv"
ELECTIONS_FILE = "elections_1995_2026.csv"
GREYZONE_FILE = "greyzone_annual_1995_2025.csv"
LINKS_FILE = "crisis_trigger_links.csv"

STATUSES = ("RETRIEVED", "UNVERIFIED")
POLITIES = ("CHN", "JPN", "TWN", "USA")

_COLUMNS = {
    TRIGGERS_FILE: (
        "date",
        "kind",
        "actor",
        "theatre",
        "description",
        "value_usd_bn",
        "followed_by_crisis",
        "status",
        "source",
    ),
    GOVERNMENTS_FILE: ("polity", "leader", "party", "start", "end", "status", "source"),
    ELECTIONS_FILE: (
        "date",
        "polity",
        "kind",
        "winner",
        "party",
        "status",
        "source",
        "result_date",
    ),
    GREYZONE_FILE: ("series", "year", "period", "value", "unit", "status", "source", "note"),
}


# --------------------------------------------------------------------------- files


def data_dir() -> Path:
    """Return ``data/`` of the working directory or of the source checkout."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (root / "data" / GREYZONE_FILE).is_file():
            return root / "data"
    raise SimError("data/ with the historical record not found (run from the repository folder)")


@lru_cache(maxsize=32)
def _read(path: Path, _key: tuple[int, int]) -> tuple[tuple[int, dict[str, str]], ...]:
    """Read and check a record file; rows with their line numbers (uncensored, private).

    Cached by the path and the file's size and modification time (`_key`), so a changed
    file is read again.
    """
    if not path.is_file():
        raise SimError(f"{path}: not found")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        expected = _COLUMNS.get(path.name)
        if expected is not None and tuple(reader.fieldnames or ()) != expected:
            raise SimError(f"{path.name}: columns {reader.fieldnames} (expected {list(expected)})")
        rows = tuple((number, dict(row)) for number, row in enumerate(reader, start=2))
    for number, row in rows:
        if row.get("status") not in STATUSES:
            raise SimError(f"{path.name}:{number}: status {row.get('status')!r} not in {STATUSES}")
        if not (row.get("source") or "").strip():
            raise SimError(f"{path.name}:{number}: empty source")
    return rows


def _rows(name: str, folder: Path | None) -> tuple[tuple[int, dict[str, str]], ...]:
    path = (folder or data_dir()) / name
    try:
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = (-1, -1)
    return _read(path, key)


def _number(text: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise SimError(f"{where}: not a number: {text!r}") from exc


# --------------------------------------------------------------------------- readers


def triggers(as_of: int | str, *, folder: Path | None = None) -> tuple[Trigger, ...]:
    """Return the political triggers dated on or before the cut-off.

    Parameters
    ----------
    as_of : int or str
        Cut-off: a year or ``"YYYY-MM"`` (see `cutoff`).
    folder : Path, optional
        Folder with the record files (default: ``data/``).

    Returns
    -------
    tuple of Trigger
        In file (date) order; ``followed_by_crisis`` is ``"pending"`` for triggers of the
        cut-off month.
    """
    last = cutoff(as_of)
    out = []
    for line, row in _rows(TRIGGERS_FILE, folder):
        where = f"{TRIGGERS_FILE}:{line}"
        when = _trigger_date(row["date"], where)
        if when[:7] > last:
            continue
        outcome = row["followed_by_crisis"] if add_months(when[:7], 1) <= last else PENDING
        out.append(
            Trigger(
                date=when,
                kind=row["kind"],
                actor=row["actor"],
                theatre=row["theatre"],
                value_usd_bn=_number(row["value_usd_bn"], where),
                followed_by_crisis=outcome,
                status=row["status"],
                line=line,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Crisis:
    """One named crisis in a theatre and the trigger occurrence it answered.

    Attributes
    ----------
    start : str
        ISO date the crisis began (``crisis_triggers.csv``).
    end : str or None
        ISO date it ended; None while that lies after the cut-off.
    theatre : str
        ``taiwan`` or ``senkaku``.
    trigger_date, trigger_kind : str
        The linked row of the triggers file (``crisis_trigger_links.csv``).
    status : str
        ``RETRIEVED`` or ``UNVERIFIED``.
    line : int
        Line in ``crisis_trigger_links.csv``.
    """

    start: str
    end: str | None
    theatre: str
    trigger_date: str
    trigger_kind: str
    status: str
    line: int


def crises(as_of: int | str, *, folder: Path | None = None) -> tuple[Crisis, ...]:
    """Return the named crises that began on or before the cut-off, with their triggers.

    Parameters
    ----------
    as_of : int or str
        Cut-off: a year or ``"YYYY-MM"`` (see `cutoff`).
    folder : Path, optional
        Folder with the record files (default: ``data/``).

    Returns
    -------
    tuple of Crisis
        In file (date) order.
    """
    last = cutoff(as_of)
    out = []
    for line, row in _rows(LINKS_FILE, folder):
        where = f"{LINKS_FILE}:{line}"
        start = _iso_date(row["crisis_start"], where)
        if start[:7] > last:
            continue
        end = _iso_date(row["crisis_end"], where)
        out.append(
            Crisis(
                start=start,
                end=end if end[:7] <= last else None,
                theatre=row["theatre"],
                trigger_date=_trigger_date(row["trigger_date"], where),
                trigger_kind=row["trigger_kind"],
                status=row["status"],
                line=line,
            )
        )
    return tuple(out)


def governments(as_of: int | str, *, folder: Path | None = None) -> tuple[Term, ...]:
    """Return the terms of office begun on or before the cut-off.

    Parameters
    ----------
    as_of : int or str
        Cut-off: a year or ``"YYYY-MM"`` (see `cutoff`).
    folder : Path, optional
        Folder with the record files (default: ``data/``).

    Returns
    -------
    tuple of Term
        Sorted by polity and start; ``end`` is None for a term still running at the cut-off.
    """
    last = cutoff(as_of)
    out = []
    for line, row in _rows(GOVERNMENTS_FILE, folder):
        where = f"{GOVERNMENTS_FILE}:{line}"
        start = _iso_date(row["start"], where)
        if start[:7] > last:
            continue
        end = _iso_date(row["end"], where) if row["end"].strip() else None
        if end is not None and end[:7] > last:
            end = None
        out.append(
            Term(
                polity=row["polity"],
                leader=row["leader"],
                party=row["party"],
                start=start,
                end=end,
                status=row["status"],
                line=line,
            )
        )
    return tuple(sorted(out, key=lambda term: (term.polity, term.start)))


def elections(as_of: int | str, *, folder: Path | None = None) -> tuple[Election, ...]:
    """Return the elections, inaugurations and leadership changes dated on or before the cut-off.

    Parameters
    ----------
    as_of : int or str
        Cut-off: a year or ``"YYYY-MM"`` (see `cutoff`).
    folder : Path, optional
        Folder with the record files (default: ``data/``).

    Returns
    -------
    tuple of Election
        In file (date) order; ``winner`` and ``party`` are None while the result date lies
        after the cut-off.
    """
    last = cutoff(as_of)
    out = []
    for line, row in _rows(ELECTIONS_FILE, folder):
        where = f"{ELECTIONS_FILE}:{line}"
        when = _iso_date(row["date"], where)
        if when[:7] > last:
            continue
        result = _iso_date(row["result_date"], where) if row["result_date"].strip() else when
        if result < when:
            raise SimError(f"{where}: result_date before the election")
        known = result[:7] <= last
        out.append(
            Election(
                date=when,
                polity=row["polity"],
                kind=row["kind"],
                winner=row["winner"] if known else None,
                party=row["party"] if known else None,
                status=row["status"],
                line=line,
                result_date=result,
            )
        )
    return tuple(out)


def greyzone(
    as_of: int | str, series: str | Iterable[str] | None = None, *, folder: Path | None = None
) -> tuple[Observation, ...]:
    """Return the annual grey-zone observations dated on or before the cut-off.

    Parameters
    ----------
    as_of : int or str
        Cut-off: a year or ``"YYYY-MM"`` (see `cutoff`). A calendar-year value is dated at
        December of its year, a fiscal-year value at March after its fiscal year, so
        ``as_of=2019`` gives calendar 2019 and FY2018 but not FY2019.
    series : str or iterable of str, optional
        Only these series (default: all).
    folder : Path, optional
        Folder with the record files (default: ``data/``).

    Returns
    -------
    tuple of Observation
        Sorted by series and year.
    """
    last = cutoff(as_of)
    wanted = {series} if isinstance(series, str) else None if series is None else set(series)
    out = []
    for line, row in _rows(GREYZONE_FILE, folder):
        where = f"{GREYZONE_FILE}:{line}"
        if wanted is not None and row["series"] not in wanted:
            continue
        if not _YEAR.fullmatch(row["year"]):
            raise SimError(f"{where}: bad year {row['year']!r}")
        year = int(row["year"])
        if observation_month(year, row["period"]) > last:
            continue
        value = _number(row["value"], where)
        if value is None:
            raise SimError(f"{where}: empty value")
        out.append(
            Observation(
                series=row["series"],
                year=year,
                period=row["period"],
                value=value,
                unit=row["unit"],
                status=row["status"],
                line=line,
            )
        )
    return tuple(sorted(out, key=lambda obs: (obs.series, obs.year)))


def party_in_power(polity: str, month: int | str, *, folder: Path | None = None) -> str:
    """Return the party of the head of government in office at the end of `month`.

    Parameters
    ----------
    polity : str
        ``CHN``, ``JPN``, ``TWN`` or ``USA``.
    month : int or str
        ``"YYYY-MM"``, or a year (its December). Only the record up to this month is read.
    folder : Path, optional
        Folder with the record files (default: ``data/``).

    Returns
    -------
    str
        E.g. ``"DPP"``; a term that starts during `month` counts (Taiwan's May inaugurations
        give the new party for May).

    Raises
    ------
    SimError
        For an unknown polity, or a month not covered by exactly one running term.
    """
    if polity not in POLITIES:
        raise SimError(f"unknown polity {polity!r} (expected one of {', '.join(POLITIES)})")
    running = [t for t in governments(month, folder=folder) if t.polity == polity and t.end is None]
    if len(running) != 1:
        raise SimError(f"{polity} {cutoff(month)}: {len(running)} terms in force (expected 1)")
    return running[0].party


def to_frame(rows: Sequence[Trigger | Term | Election | Observation]) -> pd.DataFrame:
    """Return rows from one of the readers as a pandas DataFrame (one column per field)."""
    import pandas as pd

    records: list[dict[str, Any]] = [asdict(row) for row in rows]
    return pd.DataFrame.from_records(records)
