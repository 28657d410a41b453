"""Where figures are written: ``DIR/figures/``, or ``-o`` as a file, folder or stem.

Rules (documented in ``sim plot --help``):

* no ``-o``: every figure goes to ``DIR/figures/<name>.<format>``;
* ``-o FILE`` and exactly one figure: the figure is written to FILE;
* ``-o PATH`` and several figures: if PATH ends in ``.png``, ``.svg`` or ``.pdf`` it is a
  filename *stem* (``-o out/run.png`` writes ``out/run-war.png``, ``out/run-ladder.png``…),
  otherwise PATH is a folder (``-o out`` writes ``out/war.png``…).

The format is ``--figure-format`` if given, else the suffix of ``-o``, else PNG.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.errors import SimError

FORMATS = ("png", "svg", "pdf")


def targets(
    names: Sequence[str], default_dir: Path, out: str | None, fmt: str | None
) -> list[Path]:
    """Output path of each figure name."""
    suffix = Path(out).suffix.lower().lstrip(".") if out else ""
    if fmt is None:
        fmt = suffix if suffix in FORMATS else "png"
    if fmt not in FORMATS:
        raise SimError(f"unknown --figure-format {fmt!r}; choose from {', '.join(FORMATS)}")
    if out is None:
        return [default_dir / f"{n}.{fmt}" for n in names]
    path = Path(out)
    if len(names) == 1 and not path.is_dir() and suffix:
        return [path]
    if suffix in FORMATS:
        return [path.with_name(f"{path.stem}-{n}.{fmt}") for n in names]
    if suffix and len(names) == 1:
        raise SimError(
            f"-o {out}: unknown figure format {suffix!r}; choose from {', '.join(FORMATS)}"
        )
    return [path / f"{n}.{fmt}" for n in names]
