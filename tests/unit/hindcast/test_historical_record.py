"""The historical record in data/ and its cut-off reader, sim.hindcast.record."""

from __future__ import annotations

import csv
import hashlib
import inspect
import shutil
from datetime import date
from pathlib import Path

import pytest

from sim.errors import SimError
from sim.hindcast import record

DATA = Path(__file__).resolve().parents[3] / "data"
ORIGINS = (2012, 2016, 2019, 2022)
STATUSES = {"RETRIEVED", "UNVERIFIED"}
# sha256 of political_triggers_1995_2025.csv in the shared reference collection (2026-12-07)
TRIGGERS_SHA256 = "f79ba63c85284399043c3febf78bc1f05f24c6eaa5a05da9d1157238b64e56f4"
NEW_FILES = (
    record.TRIGGERS_FILE,
    record.GOVERNMENTS_FILE,
    record.ELECTIONS_FILE,
    record.GREYZONE_FILE,
)
UNITS = {"aircraft", "scrambles", "days", "vessel-days", "incidents"}
PERIODS = {"calendar", "fiscal (Apr-Mar)"}


def rows(name: str, folder: Path = DATA) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def iso(text: str) -> date:
    return date.fromisoformat(text)


def term_problems(terms: list[dict[str, str]]) -> list[str]:
    """Overlaps, gaps and open ends in the terms of office, per polity."""
    problems = []
    for polity in sorted({t["polity"] for t in terms}):
        own = sorted((t for t in terms if t["polity"] == polity), key=lambda t: t["start"])
        if iso(own[0]["start"]) > date(1995, 1, 1):
            problems.append(f"{polity}: first term starts after 1995-01-01")
        for a, b in zip(own, own[1:], strict=False):
            if not a["end"]:
                problems.append(f"{polity}: {a['leader']} open-ended before {b['leader']}")
            elif iso(a["end"]) < iso(b["start"]):
                problems.append(f"{polity}: gap {a['end']} -> {b['start']}")
            elif iso(a["end"]) > iso(b["start"]):
                problems.append(f"{polity}: overlap {a['leader']} / {b['leader']}")
        for t in own:
            if t["end"] and iso(t["end"]) <= iso(t["start"]):
                problems.append(f"{polity}: {t['leader']} ends before it starts")
        if own[-1]["end"]:
            problems.append(f"{polity}: nobody in office at 2026-12")
    return problems


# --------------------------------------------------------------------------- the files


def test_triggers_file_is_the_shared_copy_byte_for_byte():
    digest = hashlib.sha256((DATA / record.TRIGGERS_FILE).read_bytes()).hexdigest()
    assert digest == TRIGGERS_SHA256


@pytest.mark.parametrize("name", NEW_FILES)
def test_every_row_has_a_source_and_a_status(name):
    table = rows(name)
    assert table
    for number, row in enumerate(table, start=2):
        assert row["source"].strip(), f"{name}:{number}: empty source"
        assert row["status"] in STATUSES, f"{name}:{number}: status {row['status']!r}"


def test_status_counts_are_the_documented_ones():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for name in NEW_FILES:
        table = rows(name)
        retrieved = sum(r["status"] == "RETRIEVED" for r in table)
        line = f"| `{name}` | {len(table)} | {retrieved} | {len(table) - retrieved} |"
        assert line in readme, f"README status table out of date: {line}"


def test_dates_parse():
    for row in rows(record.TRIGGERS_FILE):
        if len(row["date"]) == 7:
            iso(row["date"] + "-01")
        else:
            iso(row["date"])
    for row in rows(record.GOVERNMENTS_FILE):
        iso(row["start"])
        if row["end"]:
            iso(row["end"])
        assert row["polity"] in record.POLITIES
    for row in rows(record.ELECTIONS_FILE):
        iso(row["date"])
        if row["result_date"]:
            assert iso(row["result_date"]) >= iso(row["date"])
        assert row["winner"].strip() and row["party"].strip()
    for row in rows(record.GREYZONE_FILE):
        assert 1995 <= int(row["year"]) <= 2025
        float(row["value"])


def test_terms_neither_overlap_nor_leave_a_gap():
    terms = rows(record.GOVERNMENTS_FILE)
    assert {t["polity"] for t in terms} == set(record.POLITIES)
    assert term_problems(terms) == []


def test_the_term_check_can_fail():
    terms = rows(record.GOVERNMENTS_FILE)
    gap = [dict(t) for t in terms]
    gap[0]["end"] = "2002-11-14"  # Jiang ends a day before Hu starts
    assert any("gap" in p for p in term_problems(gap))
    overlap = [dict(t) for t in terms]
    overlap[0]["end"] = "2002-11-16"
    assert any("overlap" in p for p in term_problems(overlap))


def test_greyzone_series_never_mix_units_or_periods():
    table = rows(record.GREYZONE_FILE)
    by_series: dict[str, set[tuple[str, str]]] = {}
    seen = set()
    for row in table:
        by_series.setdefault(row["series"], set()).add((row["unit"], row["period"]))
        key = (row["series"], row["year"])
        assert key not in seen, f"duplicate {key}"
        seen.add(key)
        assert row["unit"] in UNITS and row["period"] in PERIODS
        if row["series"].endswith("_days"):
            assert row["unit"] == "days"
        if row["series"].startswith("jasdf_"):
            assert row["period"] == "fiscal (Apr-Mar)"
    for series, kinds in by_series.items():
        assert len(kinds) == 1, f"{series} mixes {kinds}"


def test_elections_agree_with_triggers_and_terms():
    triggers = {
        (r["date"], r["kind"]): r["status"]
        for r in rows(record.TRIGGERS_FILE)
        if r["kind"] in ("taiwan_election", "taiwan_inauguration")
    }
    kinds = {"presidential_election": "taiwan_election", "inauguration": "taiwan_inauguration"}
    mine = {
        (r["date"], kinds[r["kind"]]): r["status"]
        for r in rows(record.ELECTIONS_FILE)
        if r["polity"] == "TWN" and r["kind"] in kinds
    }
    assert mine == triggers  # same dates, same status as the shared rows they copy
    terms = rows(record.GOVERNMENTS_FILE)
    for polity in ("TWN", "USA"):
        starts = {t["start"] for t in terms if t["polity"] == polity and t["start"] >= "1995"}
        inaugurations = {
            r["date"]
            for r in rows(record.ELECTIONS_FILE)
            if r["polity"] == polity and r["kind"] == "inauguration"
        }
        assert starts == inaugurations, polity
    parties = {(t["leader"], t["party"]) for t in terms}
    for r in rows(record.ELECTIONS_FILE):
        if r["kind"] != "legislative_election":
            assert (r["winner"], r["party"]) in parties, r


# --------------------------------------------------------------------------- the reader


def test_readers_have_no_default_cutoff():
    for reader in (record.triggers, record.governments, record.elections, record.greyzone):
        assert inspect.signature(reader).parameters["as_of"].default is inspect.Parameter.empty


@pytest.mark.parametrize("bad", ["2012-13", "2012-1", "2012-01-05", "12", 2012.0, True, None])
def test_bad_cutoffs_are_refused(bad):
    with pytest.raises(SimError):
        record.cutoff(bad)


def assert_nothing_after(last: str) -> None:
    """Nothing any reader returns under cut-off `last` (``YYYY-MM``) is dated after it."""
    for t in record.triggers(last):
        assert t.date[:7] <= last
        if t.followed_by_crisis != record.PENDING:
            assert record.add_months(t.date[:7], 1) <= last
        assert t.dated <= last
    for g in record.governments(last):
        assert g.start[:7] <= last
        assert g.end is None or g.end[:7] <= last
        assert g.dated <= last
    for e in record.elections(last):
        assert e.date[:7] <= last
        assert e.winner is None or e.result_date[:7] <= last
        assert e.dated <= last
    for o in record.greyzone(last):
        # independent of the reader: FY y runs Apr y - Mar y+1, calendar y ends Dec y
        end = f"{o.year + 1}-03" if o.period == "fiscal (Apr-Mar)" else f"{o.year}-12"
        assert end <= last, o
        assert o.dated == end


@pytest.mark.parametrize("origin", ORIGINS)
def test_no_reader_returns_anything_after_the_origin(origin):
    assert_nothing_after(f"{origin}-12")
    for month in ("01", "03", "04", "06"):
        assert_nothing_after(f"{origin}-{month}")
    # the year and the month string mean the same cut-off
    assert record.greyzone(origin) == record.greyzone(f"{origin}-12")
    assert record.governments(origin) == record.governments(str(origin))
    # and the reader does return the past: the latest year per basis
    fiscal = [o.year for o in record.greyzone(origin, "jasdf_scrambles_total")]
    calendar = [o.year for o in record.greyzone(origin, "senkaku_cz_days")]
    assert max(fiscal) == origin - 1 and max(calendar) == origin


def test_fiscal_year_is_dated_at_the_march_after_it():
    def fy(as_of: str) -> list[int]:
        return [o.year for o in record.greyzone(as_of, "jasdf_scrambles_total")]

    assert 2018 not in fy("2019-02") and 2018 in fy("2019-03")
    assert 2019 not in fy("2019-12") and 2019 in fy("2020-03")
    assert [o.year for o in record.greyzone(2019, "senkaku_cz_days")][-1] == 2019


def test_term_ends_and_election_results_are_censored():
    terms = {t.leader: t for t in record.governments("2012-11") if t.polity == "JPN"}
    assert terms["Yoshihiko Noda"].end is None  # ended 2012-12-26
    noda = [t for t in record.governments("2012-12") if t.leader == "Yoshihiko Noda"]
    assert noda[0].end == "2012-12-26"
    us2000 = [e for e in record.elections("2000-11") if e.date == "2000-11-07"]
    assert us2000[0].winner is None and us2000[0].party is None
    assert [e for e in record.elections("2000-12") if e.date == "2000-11-07"][0].party == "REP"
    pelosi = [t for t in record.triggers("2022-08") if t.date == "2022-08-02"]
    assert pelosi[0].followed_by_crisis == record.PENDING
    assert [t for t in record.triggers("2022-09") if t.date == "2022-08-02"][
        0
    ].followed_by_crisis == "yes"


def test_party_in_power():
    assert record.party_in_power("TWN", "2000-04") == "KMT"
    assert record.party_in_power("TWN", "2000-05") == "DPP"
    assert record.party_in_power("TWN", "2016-05") == "DPP"
    assert record.party_in_power("TWN", 2012) == "KMT"
    assert record.party_in_power("JPN", "2009-08") == "LDP"
    assert record.party_in_power("JPN", "2009-09") == "DPJ"
    assert record.party_in_power("JPN", "2012-12") == "LDP"
    assert record.party_in_power("USA", "2021-01") == "DEM"
    assert record.party_in_power("USA", "2025-01") == "REP"
    assert record.party_in_power("CHN", "2026-12") == "CCP"
    with pytest.raises(SimError):
        record.party_in_power("RUS", "2020-01")


def test_a_tampered_file_cannot_leak_or_pass(tmp_path):
    for name in NEW_FILES:
        shutil.copy(DATA / name, tmp_path / name)
    with (tmp_path / record.GREYZONE_FILE).open("a", encoding="utf-8") as fh:
        fh.write("senkaku_cz_days,2030,calendar,365,days,UNVERIFIED,test row,\n")
    assert all(o.year < 2030 for o in record.greyzone(2026, folder=tmp_path))
    assert any(o.year == 2030 for o in record.greyzone(2030, folder=tmp_path))
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(DATA / record.ELECTIONS_FILE, bad / record.ELECTIONS_FILE)
    with (bad / record.ELECTIONS_FILE).open("a", encoding="utf-8") as fh:
        fh.write("2001-01-01,USA,inauguration,X,REP,MAYBE,a source,\n")
    with pytest.raises(SimError, match="status"):
        record.elections(2026, folder=bad)


def test_to_frame():
    frame = record.to_frame(record.greyzone(2016, "senkaku_cz_days"))
    assert list(frame["year"]) == [2012, 2013, 2014, 2015, 2016]
    assert set(frame["unit"]) == {"days"}
