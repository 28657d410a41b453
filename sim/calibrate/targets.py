"""Calibration targets: what the model is fitted to, its statistics and their likelihood.

A target is a count over an exposure (``data/calibration_targets.csv``, built by
``scripts/build_calibration_targets.py``): ``rate`` targets count crises of a theatre that
peak at least at ``peak_min`` per year; ``share`` targets count, among such crises, those
meeting ``subset``. The model's counterpart is the same count in simulated runs, and the
likelihood of the observed count is its *predictive* probability given the simulated
counts: negative binomial for a rate (a Poisson rate with the Jeffreys-gamma posterior of
the simulated count), beta-binomial for a share. As the number of simulated runs grows it
tends to the exact Poisson or binomial likelihood at the model's expected value.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.special import gammaln

from sim.engine.ladder import LOG_COLUMNS
from sim.errors import SimError

KINDS = ("rate", "share")
SUBSETS = ("", "peak>=5", "peak>=6", "trigger!=deliberate")
RATE_SUBSETS = ("", "blockade", "holder_change")
"""A rate counts crises (``""``), runs with a blockade of the theatre (``blockade``) or
changes of the theatre's holder (``holder_change``: by war or capitulation)."""
REQUIRED = ("target", "theatre", "kind", "peak_min", "count", "base", "source")
JEFFREYS = 0.5
"""Prior pseudo-count of the simulated rate (gamma) and share (beta) behind the predictive."""


@dataclass(frozen=True)
class Target:
    """One calibration target (a row of the targets file).

    Attributes
    ----------
    target : str
        Name (``crises_per_year.taiwan``).
    theatre : str
        Theatre of the crises counted.
    kind : str
        ``rate`` (crises, or blockades, per year) or ``share`` (of crises).
    peak_min : int
        Crises counted peak at least at this rung.
    subset : str
        For shares, the condition of the numerator (`SUBSETS`); for rates what is
        counted (`RATE_SUBSETS`).
    count : int
        Observed count.
    base : float
        Exposure: years for a rate, crises for a share.
    vintage : int
        Last year of data the target may use (0 if not given).
    value, uncertainty : float
        ``count / base`` and its sampling sd (for tables and figures).
    years, source : str
        Years covered and provenance.
    """

    target: str
    theatre: str
    kind: str
    peak_min: int
    subset: str
    count: int
    base: float
    vintage: int = 0
    value: float = 0.0
    uncertainty: float = 0.0
    years: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form (manifests)."""
        return asdict(self)


def _parse(row: dict[str, str], path: Path, line: int) -> Target:
    """One row of a targets file; errors name the file, the line and the key."""

    def fail(key: str, why: str) -> SimError:
        return SimError(f"{path}: line {line}: {key}: {why}")

    for key in REQUIRED:
        if not (row.get(key) or "").strip():
            raise fail(key, "missing")
    kind, subset = row["kind"].strip(), (row.get("subset") or "").strip()
    if kind not in KINDS:
        raise fail("kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")
    ok = subset in SUBSETS[1:] if kind == "share" else subset in RATE_SUBSETS
    if not ok:
        raise fail(
            "subset",
            f"a share needs one of {', '.join(SUBSETS[1:])}; a rate none, "
            f"{', '.join(RATE_SUBSETS[1:])}",
        )
    try:
        count, base = int(row["count"]), float(row["base"])
        peak = int(row["peak_min"])
        vintage = int(row.get("vintage") or 0)
    except ValueError as exc:
        raise fail("count/base/peak_min/vintage", f"not a number ({exc})") from None
    if count < 0 or base <= 0 or (kind == "share" and count > base):
        raise fail("count", f"{count} of {base} is not a valid count")
    return Target(
        target=row["target"].strip(),
        theatre=row["theatre"].strip(),
        kind=kind,
        peak_min=peak,
        subset=subset,
        count=count,
        base=base,
        vintage=vintage,
        value=count / base,
        uncertainty=float(row.get("uncertainty") or 0.0),
        years=(row.get("years") or "").strip(),
        source=row["source"].strip(),
    )


def load_targets(path: str | Path, vintage: int | None = None) -> list[Target]:
    """Read a targets CSV (optionally only the rows of one ``vintage``)."""
    path = Path(path)
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise SimError(f"{path}: cannot read ({exc.strerror})") from None
    targets = [_parse(r, path, i + 2) for i, r in enumerate(rows)]
    if vintage is not None:
        targets = [t for t in targets if t.vintage == vintage]
    if not targets:
        which = f" of vintage {vintage}" if vintage is not None else ""
        raise SimError(f"{path}: no targets{which}")
    names = [t.target for t in targets]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise SimError(f"{path}: target {dup}: given twice (choose one --vintage)")
    return targets


def check_theatres(targets: Sequence[Target], theatres: Sequence[str], where: str) -> None:
    """Fail if a target names a theatre the scenario does not have."""
    for t in targets:
        if t.theatre not in theatres:
            raise SimError(
                f"{where}: target {t.target}: theatre {t.theatre!r} is not in the scenario "
                f"(theatres: {', '.join(theatres)})"
            )


def run_counts(
    log: np.ndarray,
    runs: int,
    years: float,
    targets: Sequence[Target],
    theatres: Sequence[str],
    deliberate: np.ndarray,
    per_run: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Per-run numerators and denominators of every target, shape (runs, S, 2) float.

    Parameters
    ----------
    log : (C, len(LOG_COLUMNS)) int
        The batch's crisis log (`BatchResult.crisis_log`), runs numbered 0..runs-1.
    runs : int
        Runs in the batch.
    years : float
        Simulated years per run (the exposure of a rate).
    targets : sequence of Target
    theatres : sequence of str
        Theatre names, in the structure's order.
    deliberate : (L,) bool
        Whether each trigger code is a challenger's deliberate choice.
    per_run : mapping of str to (runs, K) array, optional
        Counts per run and theatre for the rates of `RATE_SUBSETS` other than crises
        (``blockade``: 1 if the theatre was blockaded; ``holder_change``: changes).
    """
    col = {c: i for i, c in enumerate(LOG_COLUMNS)}
    run, theatre, peak = log[:, col["run"]], log[:, col["theatre"]], log[:, col["peak"]]
    trigger = log[:, col["trigger"]]
    chosen = np.where(trigger >= 0, deliberate[np.clip(trigger, 0, None)], False)
    out = np.zeros((runs, len(targets), 2))
    for s, t in enumerate(targets):
        base = (theatre == theatres.index(t.theatre)) & (peak >= t.peak_min)
        if t.kind == "rate":
            if t.subset:
                if per_run is None or t.subset not in per_run:
                    raise ValueError(f"rates of {t.subset} need its per-run counts")
                out[:, s, 0] = per_run[t.subset][:, theatres.index(t.theatre)]
            else:
                out[:, s, 0] = np.bincount(run[base], minlength=runs)
            out[:, s, 1] = years
            continue
        sub = {
            "peak>=5": peak >= 5,
            "peak>=6": peak >= 6,
            "trigger!=deliberate": ~chosen,
        }[t.subset]
        out[:, s, 0] = np.bincount(run[base & sub], minlength=runs)
        out[:, s, 1] = np.bincount(run[base], minlength=runs)
    return out


def log_predictive(targets: Sequence[Target], sums: np.ndarray) -> np.ndarray:
    """Log predictive probability of each observed count, (N, S), from summed counts.

    ``sums[i, s]`` is (simulated numerator, simulated exposure) of target s at particle i.
    """
    y = np.array([t.count for t in targets], dtype=float)
    base = np.array([t.base for t in targets], dtype=float)
    rate = np.array([t.kind == "rate" for t in targets])
    k, m = sums[..., 0], sums[..., 1]
    # rate: lambda ~ Gamma(k + 1/2, m); y ~ Poisson(lambda * base) -> negative binomial
    a = k + JEFFREYS
    with np.errstate(divide="ignore", invalid="ignore"):  # the other kind's rows
        return _predictive(y, base, rate, k, m, a)


def _predictive(
    y: np.ndarray, base: np.ndarray, rate: np.ndarray, k: np.ndarray, m: np.ndarray, a: np.ndarray
) -> np.ndarray:
    nb = (
        gammaln(y + a)
        - gammaln(a)
        - gammaln(y + 1)
        + a * (np.log(m) - np.log(m + base))
        + y * (np.log(base) - np.log(m + base))
    )
    # share: p ~ Beta(k + 1/2, m - k + 1/2); y ~ Binomial(base, p) -> beta-binomial
    al, be = k + JEFFREYS, m - k + JEFFREYS
    bb = (
        gammaln(base + 1)
        - gammaln(y + 1)
        - gammaln(base - y + 1)
        + gammaln(y + al)
        + gammaln(base - y + be)
        - gammaln(base + al + be)
        + gammaln(al + be)
        - gammaln(al)
        - gammaln(be)
    )
    return np.where(rate, nb, bb)


def replicate(targets: Sequence[Target], sums: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw replicate observations (as rates or shares) from each particle's predictive, (N, S)."""
    base = np.array([t.base for t in targets], dtype=float)
    out = np.empty(sums.shape[:2])
    for s, t in enumerate(targets):
        k, m = sums[:, s, 0], sums[:, s, 1]
        if t.kind == "rate":
            lam = rng.gamma(k + JEFFREYS, 1.0 / m)
            out[:, s] = rng.poisson(lam * t.base) / t.base
        else:
            p = rng.beta(k + JEFFREYS, m - k + JEFFREYS)
            out[:, s] = rng.binomial(int(base[s]), p) / t.base
    return out


def model_values(targets: Sequence[Target], sums: np.ndarray) -> np.ndarray:
    """Return the model's point value of each target (simulated rate or share), (N, S)."""
    k, m = sums[..., 0], sums[..., 1]
    return np.where(m > 0, k / np.where(m > 0, m, 1), np.nan)
