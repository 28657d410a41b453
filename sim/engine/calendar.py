"""Calendar months as ``"YYYY-MM"`` strings and integer month indices."""

from __future__ import annotations

import re

_MONTH = re.compile(r"^(\d{4})-(\d{2})\Z", re.ASCII)


def parse_month(text: str) -> int:
    """Return the absolute month number ``year * 12 + month - 1`` of ``"YYYY-MM"``.

    Raises
    ------
    ValueError
        If the text is not a valid ``YYYY-MM`` month.
    """
    match = _MONTH.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f'expected a month as "YYYY-MM", got {text!r}')
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"month {month:02d} of {text!r} is not between 01 and 12")
    return year * 12 + month - 1


def format_month(absolute: int) -> str:
    """Return ``"YYYY-MM"`` for an absolute month number."""
    return f"{absolute // 12:04d}-{absolute % 12 + 1:02d}"


def month_label(start: str, offset: int) -> str:
    """Return the ``"YYYY-MM"`` label of month ``offset`` (0-based) after ``start``."""
    return format_month(parse_month(start) + offset)
