"""Rolling origins of the hindcast: parameter sets fitted on data up to an earlier year.

The grey-zone series in ``data/`` stop in 2018, so nothing of them is held back by the main
fit (up to 2018). They are scored instead from rolling origins within the data: the same
calibration (``scripts/calibrate_hindcast.py --cutoff YEAR --origin``) run on the years up to
2015 and up to 2016, written as ``--set`` overrides of the hindcast scenario to
``sim/hindcast/origins/cutoff_<YEAR>.toml``. `sim validate` runs the scenario with each
origin's overrides and scores the years after it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from sim.errors import SimError

FOLDER = Path(__file__).resolve().parent / "origins"
"""Where the rolling origins are kept (package data, next to this module)."""

ROLLING = (2015, 2016)
"""The rolling origins of issue 15: fit <= 2015 (score 2016-18), fit <= 2016 (score 2017-18)."""


@dataclass(frozen=True)
class Origin:
    """A parameter set fitted on the years up to `cutoff`.

    Attributes
    ----------
    cutoff : int
        Last fitted year.
    overrides : dict
        ``--set`` overrides of the hindcast scenario (fitted and estimated values).
    note : str
        How it was fitted (the calibration block of the fit).
    """

    cutoff: int
    overrides: dict[str, float]
    note: str


def origin_path(cutoff: int, folder: Path | None = None) -> Path:
    """Return the file of the origin fitted up to `cutoff`."""
    return (folder or FOLDER) / f"cutoff_{cutoff}.toml"


def write_origin(path: Path, cutoff: int, overrides: dict[str, float], note: list[str]) -> None:
    """Write an origin file: the note as comments, `cutoff` and the overrides as a table."""
    lines = [f"# {line}" for line in note]
    lines += ["", f"cutoff = {cutoff}", "", "[set]"]
    lines += [f'"{key}" = {float(value)!r}' for key, value in overrides.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_origin(cutoff: int, folder: Path | None = None) -> Origin:
    """Read the origin fitted up to `cutoff`; raise `SimError` when there is none."""
    path = origin_path(cutoff, folder)
    if not path.is_file():
        raise SimError(
            f"no rolling origin fitted up to {cutoff} ({path}); run "
            f"python scripts/calibrate_hindcast.py --cutoff {cutoff} --origin"
        )
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    if int(data.get("cutoff", -1)) != cutoff:
        raise SimError(f"{path}: cutoff {data.get('cutoff')} is not {cutoff}")
    note = "\n".join(line[2:] for line in text.splitlines() if line.startswith("# "))
    return Origin(cutoff, {k: float(v) for k, v in data["set"].items()}, note)
