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


PANEL = "milex_gdp_panel_2000_2024.csv"
"""The SIPRI/World Bank panel the economy's growth and volatilities are estimated from."""


@dataclass(frozen=True)
class Economy:
    """An actor's economy estimated from the panel on years up to a cut-off.

    Attributes
    ----------
    growth : float
        Mean annual growth of nominal GDP in local currency over the fitted years
        (``first``..cut-off), as a rate: exp(mean annual log change) - 1.
    gdp_volatility, fx_volatility, burden_volatility : float
        Standard deviations of the annual log changes of local-currency GDP, of the local
        currency per USD and of the defence burden, over 2000..cut-off (a longer window:
        a standard deviation needs more years than a mean).
    """

    growth: float
    gdp_volatility: float
    fx_volatility: float
    burden_volatility: float


def panel_economy(
    actor: str, cutoff: int, first: int = 2013, folder: Path | None = None
) -> Economy:
    """Estimate `actor`'s growth and volatilities from the panel, using years <= `cutoff` only.

    GDP in local currency is ``milex_local_currency_cy / (milex_share_gdp_pct / 100)``, the
    exchange rate ``milex_local_currency_cy / milex_current_usd_m`` and the burden
    ``milex_share_gdp_pct``, as in docs/MODEL.md 7.8. Growth is the mean annual log change
    over ``first``..`cutoff` (the change into ``first`` counts); volatilities are standard
    deviations (n - 1) of annual log changes from 2000 to `cutoff`.
    """
    import math

    d = folder or data_dir()
    gdp: dict[int, float] = {}
    fx: dict[int, float] = {}
    burden: dict[int, float] = {}
    for r in _rows(d / PANEL):
        y = int(r["year"])
        if r["iso3"] != actor or y > cutoff:
            continue
        local, share, usd = (
            _num(r["milex_local_currency_cy"]),
            _num(r["milex_share_gdp_pct"]),
            _num(r["milex_current_usd_m"]),
        )
        if local and share and usd:
            gdp[y], fx[y], burden[y] = local / (share / 100.0), local / usd, share
    if len(gdp) < 3:
        raise SimError(f"{PANEL}: fewer than three usable years for {actor} up to {cutoff}")

    def changes(series: dict[int, float], since: int = 0) -> list[float]:
        return [
            math.log(series[y] / series[y - 1])
            for y in sorted(series)
            if y >= since and y - 1 in series
        ]

    def sd(x: list[float]) -> float:
        mean = sum(x) / len(x)
        return math.sqrt(sum((v - mean) ** 2 for v in x) / (len(x) - 1))

    growth = changes(gdp, first)
    return Economy(
        growth=math.exp(sum(growth) / len(growth)) - 1.0,
        gdp_volatility=sd(changes(gdp)),
        fx_volatility=sd(changes(fx)),
        burden_volatility=sd(changes(burden)),
    )


@dataclass(frozen=True)
class Latent:
    """The grey-zone latent process estimated on the annual series up to a cut-off.

    Attributes
    ----------
    persistence : float
        Pooled within-series AR(1) coefficient of the log annual counts.
    volatility : float
        Residual standard deviation of that AR(1), n - 1 - (number of series) d.o.f.
    transitions : int
        Pooled year-to-year transitions used.
    """

    persistence: float
    volatility: float
    transitions: int


def latent_estimate(cutoff: int, folder: Path | None = None) -> Latent:
    """Estimate the latent grey-zone persistence and volatility on years <= `cutoff` only.

    The method of docs/MODEL.md 7.3 (whose defaults 0.66 and 0.22 are this estimate at
    2018): log annual counts of ``cz_days`` and ``ts_intrusion_days`` from 2013 and of
    scrambles against China from FY2009, each demeaned (its own means of y_{t-1} and y_t),
    one AR(1) coefficient fitted to the pooled transitions by least squares.
    """
    import math

    d = folder or data_dir()
    cz: list[float] = []
    ts: list[float] = []
    for r in _rows(d / "senkaku_ccg_annual_2008_2018.csv"):
        y = int(r["year"])
        if 2013 <= y <= cutoff:
            cz.append(math.log(_num(r["cz_days"]) or float("nan")))
            ts.append(math.log(_num(r["ts_intrusion_days"]) or float("nan")))
    scr = [
        math.log(v)
        for r in _rows(d / "jasdf_scrambles_fy2004_2018.csv")
        if 2009 <= int(r["fiscal_year"]) <= cutoff and (v := _num(r["vs_china"]))
    ]
    num = den = 0.0
    pairs: list[tuple[float, float]] = []
    for series in (cz, ts, scr):
        if len(series) < 3:
            continue
        prev, cur = series[:-1], series[1:]
        mp, mc = sum(prev) / len(prev), sum(cur) / len(cur)
        pairs += [(a - mp, b - mc) for a, b in zip(prev, cur, strict=True)]
    num = sum(a * b for a, b in pairs)
    den = sum(a * a for a, _ in pairs)
    rho = num / den
    k = sum(len(s) >= 3 for s in (cz, ts, scr))
    dof = len(pairs) - 1 - k
    if dof < 1:
        raise SimError(f"too few grey-zone transitions up to {cutoff} for the latent estimate")
    sigma = math.sqrt(sum((b - rho * a) ** 2 for a, b in pairs) / dof)
    return Latent(rho, sigma, len(pairs))
