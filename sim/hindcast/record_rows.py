"""The rows of the historical record and its dating rules (`sim.hindcast.record` reads them).

The row types (`Trigger`, `Term`, `Election`, `Observation`) and the functions that date
an entry against a cut-off (`cutoff`, `add_months`, `observation_month`); the rules
themselves are in the docstring of `sim.hindcast.record`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sim.errors import SimError

CALENDAR = "calendar"
FISCAL = "fiscal (Apr-Mar)"
PENDING = "pending"

_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Trigger:
    """One political trigger as known at the cut-off.

    Attributes
    ----------
    date : str
        ``YYYY-MM-DD``, or ``YYYY-MM`` where only the month is known.
    kind, actor, theatre : str
        As in the file (e.g. ``us_arms_sale_taiwan``, ``USA``, ``taiwan``).
    value_usd_bn : float or None
        Arms sales only; None where not retrieved.
    followed_by_crisis : str
        ``yes``/``no``/``unknown``, or ``pending`` while the month after the trigger lies
        after the cut-off.
    status : str
        ``RETRIEVED`` or ``UNVERIFIED``.
    line : int
        Line number in the file (the header is line 1).
    """

    date: str
    kind: str
    actor: str
    theatre: str
    value_usd_bn: float | None
    followed_by_crisis: str
    status: str
    line: int

    @property
    def dated(self) -> str:
        """Latest month of any information in this row (``YYYY-MM``)."""
        month = self.date[:7]
        return month if self.followed_by_crisis == PENDING else add_months(month, 1)


@dataclass(frozen=True)
class Term:
    """A term of office of a head of government as known at the cut-off.

    Attributes
    ----------
    polity : str
        ``CHN``, ``JPN``, ``TWN`` or ``USA``.
    leader, party : str
        The office holder and party (``KMT``, ``DPP``, ``LDP``, ``DPJ``, ``JSP``, ``DEM``,
        ``REP``, ``CCP``).
    start : str
        ISO date the term began.
    end : str or None
        ISO date it ended; None if in office at the cut-off (or at 2026-12).
    status : str
        ``RETRIEVED`` or ``UNVERIFIED``.
    line : int
        Line number in the file.
    """

    polity: str
    leader: str
    party: str
    start: str
    end: str | None
    status: str
    line: int

    @property
    def dated(self) -> str:
        """Latest month of any information in this row (``YYYY-MM``)."""
        return (self.end or self.start)[:7]


@dataclass(frozen=True)
class Election:
    """An election, inauguration or leadership change as known at the cut-off.

    Attributes
    ----------
    date : str
        ISO date of the vote (or inauguration, leadership election).
    polity, kind : str
        E.g. ``TWN``, ``presidential_election``.
    winner, party : str or None
        None while the result date lies after the cut-off.
    status : str
        ``RETRIEVED`` or ``UNVERIFIED``.
    line : int
        Line number in the file.
    result_date : str
        ISO date the result was known (election day unless stated).
    """

    date: str
    polity: str
    kind: str
    winner: str | None
    party: str | None
    status: str
    line: int
    result_date: str

    @property
    def dated(self) -> str:
        """Latest month of any information in this row (``YYYY-MM``)."""
        return (self.date if self.winner is None else self.result_date)[:7]


@dataclass(frozen=True)
class Observation:
    """One annual grey-zone observation.

    Attributes
    ----------
    series : str
        E.g. ``senkaku_cz_days``, ``jasdf_scrambles_vs_china``.
    year : int
        Calendar year, or the fiscal year's first calendar year (FY2018 = Apr 2018-Mar 2019).
    period : str
        ``calendar`` or ``fiscal (Apr-Mar)``.
    value : float
        The figure.
    unit : str
        ``aircraft``, ``scrambles``, ``days``, ``vessel-days`` or ``incidents``.
    status : str
        ``RETRIEVED`` or ``UNVERIFIED``.
    line : int
        Line number in the file.
    """

    series: str
    year: int
    period: str
    value: float
    unit: str
    status: str
    line: int

    @property
    def dated(self) -> str:
        """Month the observation is dated at (end of its calendar or fiscal year)."""
        return observation_month(self.year, self.period)


# --------------------------------------------------------------------------- dates


def cutoff(as_of: int | str) -> str:
    """Return the cut-off month ``YYYY-MM`` of `as_of`.

    Parameters
    ----------
    as_of : int or str
        A year (``2016`` or ``"2016"``: the end of that year, i.e. ``"2016-12"``) or a month
        ``"YYYY-MM"``.

    Returns
    -------
    str
        The last month whose observations are visible.

    Raises
    ------
    SimError
        If `as_of` is neither (full dates, floats and booleans are refused).
    """
    if isinstance(as_of, bool):
        raise SimError(f"as_of must be a year or 'YYYY-MM', not {as_of!r}")
    if isinstance(as_of, int):
        if not 1000 <= as_of <= 9999:
            raise SimError(f"as_of year out of range: {as_of}")
        return f"{as_of:04d}-12"
    if isinstance(as_of, str):
        text = as_of.strip()
        if _YEAR.fullmatch(text):
            return f"{text}-12"
        if _MONTH.fullmatch(text):
            return text
    raise SimError(f"as_of must be a year or 'YYYY-MM', not {as_of!r}")


def add_months(month: str, n: int) -> str:
    """Return the month `n` months after `month` (both ``YYYY-MM``)."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def observation_month(year: int, period: str) -> str:
    """Return the month an annual observation is dated at.

    Parameters
    ----------
    year : int
        Calendar year, or the first calendar year of a Japanese fiscal year.
    period : str
        ``calendar`` (dated December of `year`) or ``fiscal (Apr-Mar)`` (dated March of
        `year` + 1).

    Returns
    -------
    str
        ``YYYY-MM``.
    """
    if period == CALENDAR:
        return f"{year:04d}-12"
    if period == FISCAL:
        return f"{year + 1:04d}-03"
    raise SimError(f"unknown period {period!r} (expected {CALENDAR!r} or {FISCAL!r})")


def _iso_date(text: str, where: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise SimError(f"{where}: bad date {text!r}") from exc


def _trigger_date(text: str, where: str) -> str:
    if _MONTH.fullmatch(text):
        return text
    return _iso_date(text, where)
