"""Build ``data/calibration_targets.csv`` from the sourced data files in ``data/``.

Every target is a count over an exposure, so that its likelihood is exact (Poisson for
rates, binomial for shares; docs/calibration.md, section 1):

* ``kind = rate``: ``count`` crises (of a theatre, peaking at least at ``peak_min``) in
  ``base`` years, or with ``subset = blockade`` blockades of the theatre, or with
  ``subset = holder_change`` changes of its holder;
* ``kind = share``: of ``base`` crises (peaking at least at ``peak_min``), ``count``
  satisfy ``subset`` (``peak>=5``: reached armed force; ``trigger!=deliberate``: opened
  by something other than the challenger's own choice).

Three vintages: ``2025`` (every year up to 2025; the forecast from today), ``2022`` (every
year up to 2022; the shipped baseline posterior) and ``2018`` (up to 2018 only; the
hindcast posterior). The MID list ends in 2014, so its targets are the same in each.
Run from the repository root::

    python scripts/build_calibration_targets.py           # writes the file
    python scripts/build_calibration_targets.py --check   # fails if it is stale
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
OUT = DATA / "calibration_targets.csv"
COLUMNS = (
    "target",
    "vintage",
    "theatre",
    "kind",
    "peak_min",
    "subset",
    "count",
    "base",
    "value",
    "uncertainty",
    "years",
    "source",
)
MID_FIRST, MID_LAST = 1990, 2014
"""Years of the MID list in data/ (COW MID 5.0 ends in 2014)."""
DYADS = {"taiwan": "CHN-TWN", "senkaku": "CHN-JPN"}


def mid_disputes(dyad: str) -> list[dict[str, float]]:
    """MIDs of a dyad (1990-2014) with their highest hostility level on either side."""
    with open(DATA / "mid_disputes_list_1990_2014.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["dyad"] == dyad]
    return [
        {
            "start": float(r["start"]),
            "hostlev": max(float(r["hostlev_a"]), float(r["hostlev_b"])),
            "hiact": max(float(r["hiact_a"]), float(r["hiact_b"])),
            "fatal": max(float(r["fatal_a"]), float(r["fatal_b"])),
        }
        for r in rows
    ]


def major_crises(dyad: str, first: int, last: int) -> int:
    """Dated crises in ``crisis_triggers.csv`` whose first dyad is `dyad`, started in years."""
    with open(DATA / "crisis_triggers.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    n = 0
    for r in rows:
        first_dyad = r["dyads"].split(";")[0].strip()
        year = int(r["start"][:4])
        if first_dyad == dyad and first <= year <= last:
            n += 1
    return n


def _row(
    target: str,
    vintage: int,
    theatre: str,
    kind: str,
    peak_min: int,
    subset: str,
    count: int,
    base: float,
    years: str,
    source: str,
) -> dict[str, object]:
    value = count / base
    if kind == "rate":
        sd = math.sqrt(max(count, 1)) / base
    else:
        p = (count + 0.5) / (base + 1)
        sd = math.sqrt(p * (1 - p) / base)
    return {
        "target": target,
        "vintage": vintage,
        "theatre": theatre,
        "kind": kind,
        "peak_min": peak_min,
        "subset": subset,
        "count": count,
        "base": base,
        "value": round(value, 4),
        "uncertainty": round(sd, 4),
        "years": years,
        "source": source,
    }


def armed_force(dispute: dict[str, float]) -> bool:
    """Whether a MID reached an armed clash (rung >= 5): COW action 16+ or a fatality.

    COW's hostility level 4 ("use of force") also holds blockades (13), occupations (14)
    and seizures (15), which are coercion on the model's ladder (rung 4).
    """
    return dispute["hostlev"] >= 4 and (dispute["hiact"] >= 16 or dispute["fatal"] > 0)


def mid_targets(vintage: int) -> list[dict[str, object]]:
    """Crisis onset rates and the share reaching armed force, from COW MID 1990-2014."""
    rows = []
    years = MID_LAST - MID_FIRST + 1
    for theatre, dyad in DYADS.items():
        disputes = [d for d in mid_disputes(dyad) if d["hostlev"] >= 3]
        force = sum(armed_force(d) for d in disputes)
        src = (
            f"data/mid_disputes_list_1990_2014.csv: {dyad} MIDs whose highest hostility "
            "level (either side) is >= 3 (display of force), = crises opening at rung 3"
        )
        rows.append(
            _row(
                f"crises_per_year.{theatre}",
                vintage,
                theatre,
                "rate",
                3,
                "",
                len(disputes),
                years,
                f"{MID_FIRST}-{MID_LAST}",
                src,
            )
        )
        rows.append(
            _row(
                f"share_armed_force.{theatre}",
                vintage,
                theatre,
                "share",
                3,
                "peak>=5",
                force,
                len(disputes),
                f"{MID_FIRST}-{MID_LAST}",
                src + "; of those, an armed clash (COW highest action >= 16: attack, clash "
                "or worse; or a fatality) = peak at rung >= 5. Seizures and detentions (COW "
                "action 15: the 2003 and 2010 CHN-JPN MIDs) and blockades or occupations "
                "(13-14) are coercion, rung 4, not an armed clash (issue 22)",
            )
        )
    return rows


def war_targets(vintage: int) -> list[dict[str, object]]:
    """No interstate war in either theatre since 1990."""
    first = 1990
    rows = []
    for theatre, dyad in DYADS.items():
        rows.append(
            _row(
                f"wars_per_year.{theatre}",
                vintage,
                theatre,
                "rate",
                6,
                "",
                0,
                vintage - first + 1,
                f"{first}-{vintage}",
                f"data/mid_dyad_counts.csv: no {dyad} MID at hostility level 5 (war) in "
                "1990-2014 (max_hostlev 4); none since (no interstate war in East Asia "
                "through the vintage year)",
            )
        )
    return rows


def blockade_targets(vintage: int) -> list[dict[str, object]]:
    """No blockade or quarantine of either theatre since 1990."""
    first = 1990
    return [
        _row(
            f"blockades_per_year.{theatre}",
            vintage,
            theatre,
            "rate",
            0,
            "blockade",
            0,
            vintage - first + 1,
            f"{first}-{vintage}",
            f"data/mid_disputes_list_1990_2014.csv: no {dyad} MID with blockade (COW action "
            "13) as its highest action 1990-2014; data/crisis_triggers.csv: the crises since "
            "(to the vintage year) were drills and closure areas, not an interdiction of "
            "shipping",
        )
        for theatre, dyad in DYADS.items()
    ]


def holder_targets(vintage: int) -> list[dict[str, object]]:
    """Neither theatre changed hands since 1990 (by war or by capitulation)."""
    first = 1990
    return [
        _row(
            f"holder_changes_per_year.{theatre}",
            vintage,
            theatre,
            "rate",
            0,
            "holder_change",
            0,
            vintage - first + 1,
            f"{first}-{vintage}",
            f"{holder} administered {name} throughout {first}-{vintage} (since {since}); "
            "data/mid_disputes_list_1990_2014.csv: no MID with occupation of territory "
            "(COW action 14) in the dyad",
        )
        for theatre, name, holder, since in (
            ("taiwan", "Taiwan", "The Republic of China", "1949"),
            ("senkaku", "the Senkaku/Diaoyu islands", "Japan", "the 1972 reversion"),
        )
    ]


def major_crisis_targets(vintage: int) -> list[dict[str, object]]:
    """Rate of major crises (peak >= rung 4) and what opened them, crisis_triggers.csv."""
    first = 1995
    rows = []
    for theatre, dyad in DYADS.items():
        n = major_crises(dyad, first, vintage)
        src = (
            f"data/crisis_triggers.csv: crises with {dyad} as first dyad started "
            f"{first}-{vintage} (coercive drills, seizures, detentions) = crises peaking "
            "at rung >= 4"
        )
        rows.append(
            _row(
                f"major_crises_per_year.{theatre}",
                vintage,
                theatre,
                "rate",
                4,
                "",
                n,
                vintage - first + 1,
                f"{first}-{vintage}",
                src,
            )
        )
        if theatre == "taiwan" and n:
            rows.append(
                _row(
                    "share_major_triggered.taiwan",
                    vintage,
                    theatre,
                    "share",
                    4,
                    "trigger!=deliberate",
                    n,
                    n,
                    f"{first}-{vintage}",
                    src + "; every one followed a political trigger (visit, election, "
                    "inauguration, speech, arms sale), none was opened out of the blue",
                )
            )
    return rows


def build() -> str:
    """Return the CSV text of every target of both vintages."""
    rows = []
    for vintage in (2025, 2022, 2018):
        rows += mid_targets(vintage) + war_targets(vintage) + blockade_targets(vintage)
        rows += holder_targets(vintage)
        rows += major_crisis_targets(vintage)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) ``data/calibration_targets.csv``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is stale: run python scripts/build_calibration_targets.py")
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT} ({text.count(chr(10)) - 1} targets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
