"""Readable default names of result folders: the scenario, the overrides in words, a hash.

``results/baseline-2023__commitment-0.5__a1b2c3`` for ``sim run scenarios/baseline.toml
--set alliances.USA-TWN.commitment=0.5``; ``baseline-2023__a1b2c3`` without overrides;
sweeps add ``sweep`` after the scenario name. The words are each override's last path part
and its value (at most `WORDS_MAX` characters; more overrides are counted, ``+2``); the
hash (6 hex digits of SHA-256) is over the scenario's contents and every override in full,
so two different set-ups never share a name. The manifest's ``overrides`` always lists
them in full. A name already taken in the folder gets ``-2``, ``-3``... so a repeated
command never overwrites or refuses.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

WORDS_MAX = 40
"""Longest run of override words in a folder name (characters)."""

SEP = "__"
"""Separator between the parts of a name."""


def _word(override: str) -> str:
    path, _, value = override.partition("=")
    word = f"{path.strip().split('.')[-1]}-{value.strip()}"
    return re.sub(r"[^A-Za-z0-9._-]+", "", word.replace(",", "_").replace(" ", "_"))


def override_words(overrides: Iterable[str]) -> str:
    """Return the overrides in words (``commitment-0.5__war_cost-0.1``), or ``""``."""
    words = [w for w in (_word(o) for o in overrides) if w]
    text = ""
    for i, word in enumerate(words):
        joined = f"{text}{SEP if text else ''}{word}"
        if len(joined) > WORDS_MAX and text:
            return f"{text}+{len(words) - i}"
        text = joined[: WORDS_MAX + 10]
    return text


def folder_name(name: str, overrides: Iterable[str], digest: str = "", kind: str = "") -> str:
    """Return ``NAME[__KIND][__WORDS]__HASH`` (see the module doc)."""
    items = list(overrides)
    key = "\n".join([digest, kind, *items]).encode()
    parts = [name, kind, override_words(items), hashlib.sha256(key).hexdigest()[:6]]
    return SEP.join(p for p in parts if p)


def free_folder(parent: Path, name: str) -> Path:
    """Return ``parent/name``, or ``parent/name-2``, ``-3``... if that exists and is not empty."""
    path, n = parent / name, 1
    while path.exists() and any(path.iterdir()):
        n += 1
        path = parent / f"{name}-{n}"
    return path
