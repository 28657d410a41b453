"""Build ``scenarios/history_2000.toml``: the world of 2000 run through 2022 on dated inputs.

Usage (from the repository folder)::

    .venv/bin/python scripts/build_history_scenario.py [--check]

writes the scenario (``--check``: exits 1 if the file on disk differs from what the data
give). The scenario is ``scenarios/baseline.toml`` with what the record says about
2000-2022 put in its place (docs/hindcast.md, "Eras"):

- start January 2000, 276 months (to December 2022);
- every actor's GDP and military spending of 2000 (``data/milex_gdp_panel_2000_2024.csv``:
  SIPRI current USD; World Bank GDP, Taiwan's implied by SIPRI's share of GDP) and its
  nominal GDP growth of 2000-2022 (the compound rate between the two years of the same
  panel: an observed path reduced to its trend);
- Taiwan's posture from the party in power (``data/governments_1995_2026.csv``): KMT at the
  start, ``posture`` events at the DPP's inaugurations (May 2000, May 2016) and the KMT's
  (May 2008); the stochastic elections of the baseline are removed;
- every Taiwan trigger on its dated month (``data/political_triggers_1995_2025.csv``, the
  denominators: transits, arms-sale notifications, senior US visits, elections,
  inaugurations, statements), US elections in the November of their years, and the
  Japan-China flashpoints as dated sea incidents; the baseline's Senkaku triggers keep
  their rates for the other kinds;
- crisis memory at the start from the 1995-96 crisis (`trigger_fit.memory_at`);
- grey-zone activity started at its first observed values (UNVERIFIED or absent before
  2004: small starting rates, said so in the file);
- the baseline's events (2023 and later) removed; its grievances, alliances, stakes and
  model parameters kept (2022 judgements, said so in the file).

It is an in-sample check: the crisis parameters and the trigger response it runs with were
fitted on data to 2022 (``[calibration] posterior``).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tomllib
from pathlib import Path

import tomli_w

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sim.hindcast import record, trigger_fit  # noqa: E402

START_YEAR, END_YEAR = 2000, 2022
OUT = REPO / "scenarios" / "history_2000.toml"
PANEL = "data/milex_gdp_panel_2000_2024.csv"
TAIWAN_KINDS = {
    "taiwan_president_us_transit": ("transit", "TWN"),
    "us_arms_sale_taiwan": ("arms_sale", "USA"),
    "us_senior_visit_taiwan": ("leader_visit", "USA"),
    "taiwan_election": ("election", "TWN"),
    "taiwan_inauguration": ("inauguration", "TWN"),
    "taiwan_leader_statement": ("statement", "TWN"),
}
GREYZONE_START = {
    ("taiwan", "adiz_incursions"): (
        20.0,
        "UNVERIFIED judgement: Taiwan's MND published no ADIZ count before September 2020 "
        "(data/taiwan_adiz_2020.csv); PLA aircraft crossed the median line rarely before "
        "2019, so a small number, about 20 a year, is assumed",
    ),
    ("senkaku", "presence_days"): (
        1.0,
        "data/greyzone_annual_1995_2025.csv: Chinese government ships first entered the "
        "contiguous zone in 2008 (senkaku_cz_days from 2008); 1 day a year assumed before",
    ),
    ("senkaku", "intrusion_days"): (
        0.5,
        "data/greyzone_annual_1995_2025.csv: the first intrusion day is December 2008; 0.5 "
        "a year assumed before (the logit scale needs a positive share)",
    ),
    ("senkaku", "air_approaches"): (
        13.0,
        "data/jasdf_scrambles_fy2004_2018.csv: 13 scrambles against Chinese aircraft in "
        "FY2004, the first year of the series (FY2000 not in data/), one approach each",
    ),
    ("senkaku", "scrambles"): (13.0, "as air_approaches: FY2004 = 13 (the series' first year)"),
}


def panel() -> dict[tuple[str, int], dict[str, str]]:
    """Rows of the SIPRI / World Bank panel by (iso3, year)."""
    with (REPO / PANEL).open(newline="", encoding="utf-8") as fh:
        return {(r["iso3"], int(r["year"])): r for r in csv.DictReader(fh)}


def gdp(row: dict[str, str]) -> float:
    """World Bank GDP (USD bn), or SIPRI's implied GDP where the Bank has none (Taiwan)."""
    return float(row["gdp_wb_usd_bn"] or row["gdp_implied_from_sipri_usd_bn"])


def actors(base: dict, rows: dict) -> dict:
    """Return the baseline's actors with 2000 spending, GDP and the 2000-2022 GDP growth."""
    out = {}
    years = END_YEAR - START_YEAR
    for code, actor in base["actors"].items():
        a = dict(actor)
        first, last = rows[(code, START_YEAR)], rows[(code, END_YEAR)]
        a["gdp_usd_bn"] = round(gdp(first), 1)
        a["milex_usd_bn"] = round(float(first["milex_current_usd_m"]) / 1000.0, 2)
        growth = (gdp(last) / gdp(first)) ** (1.0 / years) - 1.0
        a["gdp_growth_per_year"] = round(growth, 4)
        a.pop("capability_usd_bn", None)
        gdp_src = "gdp_wb_usd_bn" if first["gdp_wb_usd_bn"] else "gdp_implied_from_sipri_usd_bn"
        a["sources"] = {
            **{k: v for k, v in actor.get("sources", {}).items() if k not in _REPLACED},
            "gdp_usd_bn": f"{PANEL}: {code} {START_YEAR} {gdp_src} = {gdp(first):.1f}",
            "milex_usd_bn": f"{PANEL}: {code} {START_YEAR} milex_current_usd_m = "
            f"{float(first['milex_current_usd_m']):.1f} (SIPRI)",
            "gdp_growth_per_year": f"{PANEL}: compound nominal growth of {gdp_src} "
            f"{START_YEAR}-{END_YEAR} ({gdp(first):.1f} -> {gdp(last):.1f} USD bn)",
        }
        out[code] = a
    return out


_REPLACED = ("gdp_usd_bn", "milex_usd_bn", "gdp_growth_per_year", "capability_usd_bn")


def posture_events() -> list[dict]:
    """Dated posture of Taiwan's government: 1 while the DPP governs (governments file)."""
    events = []
    previous = record.party_in_power("TWN", f"{START_YEAR}-01")
    for year in range(START_YEAR, END_YEAR + 1):
        for month in range(1, 13):
            at = f"{year:04d}-{month:02d}"
            party = record.party_in_power("TWN", at)
            if party != previous:
                events.append(
                    {
                        "id": f"twn_posture_{at}",
                        "at": at,
                        "kind": "posture",
                        "theatre": "taiwan",
                        "value": 1.0 if party == "DPP" else 0.0,
                        "description": f"{party} governs Taipei from {at}.",
                        "source": "data/governments_1995_2026.csv (party in power by month)",
                    }
                )
                previous = party
    return events


def dated_triggers(base: dict) -> list[dict]:
    """Taiwan triggers on their record months; US elections; dated Senkaku flashpoints."""
    cut = f"{END_YEAR}-12"
    months: dict[str, list[str]] = {kind: [] for kind, _ in TAIWAN_KINDS.values()}
    flashpoints: list[str] = []
    for t in record.triggers(cut):
        if t.date[:4] < str(START_YEAR):
            continue
        if t.kind in TAIWAN_KINDS:
            months[TAIWAN_KINDS[t.kind][0]].append(t.date[:7])
        elif t.kind == "japan_china_flashpoint":
            flashpoints.append(t.date[:7])
    by_id = {t["id"] if "id" in t else f"{t['kind']}-{t['theatre']}": t for t in base["triggers"]}
    out = []
    for record_kind, (kind, by) in TAIWAN_KINDS.items():
        # a month holds one occurrence per item: the second of a month goes to item -2
        rounds: list[list[str]] = []
        for month in sorted(months[kind]):
            n = next((i for i, r in enumerate(rounds) if month not in r), len(rounds))
            if n == len(rounds):
                rounds.append([])
            rounds[n].append(month)
        for n, dated in enumerate(rounds or [[]]):
            item = dict(by_id[f"{kind}-taiwan"])
            item.pop("rate_per_year", None)
            item.pop("rate_volatility", None)
            item.pop("notes", None)
            item["id"] = f"{kind}-taiwan" + (f"-{n + 1}" if n else "")
            item["months"] = dated
            item["by"] = by
            item["source"] = (
                f"data/political_triggers_1995_2025.csv: every {record_kind} occurrence "
                f"{START_YEAR}-{END_YEAR} on its month ({len(months[kind])} in all"
                + (f"; this item holds the {n + 1}nd of a month" if n else "")
                + "); crisis_probability drawn from the posterior (the reference chance "
                "at the propensity of 2000)"
            )
            out.append(item)
    us = dict(by_id["us_election-taiwan"])
    us["months"] = [f"{y}-11" for y in range(START_YEAR, END_YEAR + 1, 4)]
    us["source"] = "calendar: US presidential elections 2000-2020 (November)"
    out.append(us)
    for key, item in by_id.items():
        if item.get("theatre") != "senkaku":
            continue
        item = dict(item)
        if item["kind"] == "incident_sea":
            item.pop("rate_per_year", None)
            item.pop("rate_volatility", None)
            item["months"] = sorted(set(flashpoints))
            item["source"] = (
                "data/political_triggers_1995_2025.csv: the japan_china_flashpoint rows "
                f"{START_YEAR}-{END_YEAR} on their months ({len(flashpoints)}); "
                f"crisis_probability as baseline.toml ({key})"
            )
        if "months" in item and item["kind"] == "election":
            item["months"] = [m for m in item["months"] if m <= cut] or [
                f"{y}-07" for y in range(2001, END_YEAR + 1, 3)
            ]
        out.append(item)
    return out


def greyzone(base_theatres: dict) -> dict:
    """Return the baseline's theatres with 2000 posture, memory and grey-zone start rates."""
    theatres = {}
    for name, theatre in base_theatres.items():
        t = {k: v for k, v in theatre.items() if k != "greyzone"}
        t["greyzone"] = {}
        for act, spec in theatre.get("greyzone", {}).items():
            s = dict(spec)
            if (name, act) in GREYZONE_START:
                rate, source = GREYZONE_START[(name, act)]
                s["rate_per_year"] = rate
                s["source"] = source
                s.pop("notes", None)
            t["greyzone"][act] = s
        theatres[name] = t
    memory = trigger_fit.memory_at(f"{START_YEAR}-01")
    theatres["taiwan"]["posture"] = 0.0
    theatres["taiwan"]["crisis_memory"] = round(memory, 4)
    theatres["taiwan"]["source"] = (
        "posture 0: the KMT governs Taipei in January 2000 (data/governments_1995_2026.csv); "
        f"crisis_memory {memory:.4f}: the 1995-96 crisis seen from January 2000 with "
        "memory_months 24 (sim.hindcast.trigger_fit.memory_at). Stakes, interdependence and "
        "defender advantage as baseline.toml (2022 judgements)."
    )
    theatres["taiwan"].pop("notes", None)
    return theatres


def build() -> dict:
    """Return the scenario as a dict."""
    with (REPO / "scenarios" / "baseline.toml").open("rb") as fh:
        base = tomllib.load(fh)
    rows = panel()
    d = dict(base)
    d["meta"] = {
        **base["meta"],
        "name": "history_2000",
        "title": "The world of January 2000 run through 2022 on dated inputs (in-sample check)",
        "start": f"{START_YEAR}-01",
        "months": (END_YEAR - START_YEAR + 1) * 12,
        "description": (
            "Generated by scripts/build_history_scenario.py from baseline.toml and data/ "
            "(do not edit by hand). Actors at their 2000 GDP and spending, Taiwan's posture "
            "and triggers on their record dates, the 2023+ events removed. Grievances, "
            "alliances, stakes and model parameters are the baseline's 2022 judgements. "
            "docs/hindcast.md, 'Eras'."
        ),
    }
    d["meta"].pop("extends", None)
    d["calibration"] = {
        "posterior": "posteriors/history-2000",
        "source": (
            "scripts/build_history_scenario.py: the crisis posterior of baseline-2022 joined "
            "with the trigger fit to 2022, its reference chances at the propensity of 2000 "
            "(sim.hindcast.trigger_posterior, at_year=2000). In-sample: fitted on data to 2022."
        ),
    }
    d["actors"] = actors(base, rows)
    d["theatres"] = greyzone(base["theatres"])
    d["triggers"] = dated_triggers(base)
    d["events"] = posture_events()
    return d


def main() -> int:
    """Write (or check) the scenario."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args()
    text = "# Generated by scripts/build_history_scenario.py: do not edit by hand.\n"
    text += tomli_w.dumps(build(), multiline_strings=True)
    if args.check:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(REPO)} is stale: run scripts/build_history_scenario.py")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
