"""The observed series of the hindcast, read from the reference data in ``data/``.

Each series names the simulated annual metric and subject it is compared with
(``annual.parquet``), its basis (calendar or Japanese fiscal year) and where it comes from.
Only figures in ``data/`` are used: later Senkaku, scramble and ADIZ figures quoted in the
press are deliberately not in that folder (data/README.md) and are not used here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sim.errors import SimError

MILEX_ACTORS = ("CHN", "JPN", "USA", "TWN", "RUS")


@dataclass(frozen=True)
class Series:
    """One observed annual series and the simulated metric it is compared with.

    Attributes
    ----------
    key : str
        Short name used in tables and figure panels (e.g. ``milex CHN``).
    metric, subject : str
        The simulated series in ``annual.parquet``.
    unit : str
        Unit for labels.
    basis : str
        ``calendar`` or ``fiscal`` (Japan's fiscal year April-March: FY t is compared with
        3/4 of simulated calendar year t plus 1/4 of calendar year t+1).
    values : dict year -> float
        Observations.
    source : str
        File and column.
    always_fitted : frozenset of int
        Years used in the calibration whatever the cut-off (the single Taiwan ADIZ point).
    """

    key: str
    metric: str
    subject: str
    unit: str
    basis: str
    values: dict[int, float]
    source: str
    always_fitted: frozenset[int] = field(default_factory=frozenset)

    def fitted(self, year: int, cutoff: int) -> bool:
        """Whether the observation of `year` is in-sample under a calibration cut-off."""
        return year <= cutoff or year in self.always_fitted


def data_dir() -> Path:
    """Return ``data/`` of the working directory or of the source checkout."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (root / "data" / "sipri_milex_2025release_long.csv").is_file():
            return root / "data"
    raise SimError("data/ with the reference CSVs not found (run from the repository folder)")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(text: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def load_observed(first: int = 2013, last: int = 2024, folder: Path | None = None) -> list[Series]:
    """Return the observed series for years `first`..`last`.

    Spending: SIPRI current USD (bn) per actor. Senkaku: ``cz_days`` (presence_days) and
    ``ts_intrusion_days`` (intrusion_days), calendar years. Scrambles: JASDF scrambles
    against Chinese aircraft, fiscal years. Taiwan ADIZ: PLA aircraft entering the ADIZ, 2020.
    """
    d = folder or data_dir()
    out: list[Series] = []
    milex: dict[str, dict[int, float]] = {a: {} for a in MILEX_ACTORS}
    for r in _rows(d / "sipri_milex_2025release_long.csv"):
        if r["variable"] != "milex_current_usd_m" or r["iso3"] not in milex:
            continue
        y, v = int(r["year"]), _num(r["value"])
        if first <= y <= last and v:
            milex[r["iso3"]][y] = v / 1000.0
    for a in MILEX_ACTORS:
        out.append(
            Series(
                f"milex {a}",
                "milex_usd_bn",
                a,
                "USD bn (current)",
                "calendar",
                milex[a],
                "data/sipri_milex_2025release_long.csv milex_current_usd_m",
            )
        )
    presence, intrusion = {}, {}
    for r in _rows(d / "senkaku_ccg_annual_2008_2018.csv"):
        y = int(r["year"])
        if not first <= y <= last:
            continue
        if (v := _num(r["cz_days"])) is not None:
            presence[y] = v
        if (v := _num(r["ts_intrusion_days"])) is not None:
            intrusion[y] = v
    out.append(
        Series(
            "presence_days",
            "presence_days",
            "senkaku",
            "days/year",
            "calendar",
            presence,
            "data/senkaku_ccg_annual_2008_2018.csv cz_days",
        )
    )
    out.append(
        Series(
            "intrusion_days",
            "intrusion_days",
            "senkaku",
            "days/year",
            "calendar",
            intrusion,
            "data/senkaku_ccg_annual_2008_2018.csv ts_intrusion_days",
        )
    )
    scr = {}
    for r in _rows(d / "jasdf_scrambles_fy2004_2018.csv"):
        y = int(r["fiscal_year"])
        if first <= y <= last and (v := _num(r["vs_china"])) is not None:
            scr[y] = v
    out.append(
        Series(
            "scrambles",
            "scrambles",
            "JPN",
            "scrambles/FY",
            "fiscal",
            scr,
            "data/jasdf_scrambles_fy2004_2018.csv vs_china (fiscal years)",
        )
    )
    adiz = {}
    for r in _rows(d / "taiwan_adiz_2020.csv"):
        y = int(r["year"])
        if first <= y <= last and (v := _num(r["pla_aircraft_entering_adiz"])) is not None:
            adiz[y] = v
    out.append(
        Series(
            "adiz_incursions",
            "adiz_incursions",
            "taiwan",
            "aircraft/year",
            "calendar",
            adiz,
            "data/taiwan_adiz_2020.csv pla_aircraft_entering_adiz",
            always_fitted=frozenset(adiz),
        )
    )
    return out
