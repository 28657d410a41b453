"""Shared scenario builders of the engine tests (imported by tests in several layers).

`rich_scenario` lived in ``test_engine_determinism.py``; tests in ``tests/unit/engine`` and
``tests/e2e`` use it, so it lives here, on the path of every test (``tests/``).
"""

from __future__ import annotations


def rich_scenario(months: int = 96) -> dict:
    """Four actors, two theatres, every mechanism, every event kind, busy grey zone."""

    def actor(name, gdp, milex, **kw):
        return {"name": name, "gdp_usd_bn": gdp, "milex_usd_bn": milex, **kw}

    events = [
        {"at": "2010-03", "kind": "talks", "parties": ["CCC", "DDD"], "repeat_every_months": 12},
        {"at": "2010-05", "kind": "hotline", "parties": ["CCC", "DDD"]},
        {
            "at": "2010-04",
            "kind": "policy",
            "actor": "DDD",
            "target_share_gdp": 0.02,
            "reach_by": "2014-03",
        },
        {
            "at": "2011-01",
            "kind": "policy",
            "actor": "CCC",
            "growth_per_year": 0.07,
            "reach_by": "2013-01",
        },
        {
            "at": "2010-06",
            "kind": "rules_of_engagement",
            "theatre": "strait",
            "activity": "balloon",
            "incident_probability": 0.3,
        },
        {
            "at": "2010-07",
            "kind": "drill",
            "theatre": "isle",
            "parties": ["PPP", "DDD"],
            "repeat_every_months": 12,
            "crisis_probability": 0.2,
        },
        {"at": "2011-02", "kind": "visit", "theatre": "strait", "by": "PPP", "to": "EEE"},
        {"at": "2010-09", "kind": "incident", "theatre": "isle", "by": "CCC", "rung": 3},
        {"at": "2012-01", "kind": "blockade", "theatre": "strait", "by": "CCC"},
        {"at": "2013-06", "kind": "landing", "theatre": "isle", "by": "CCC"},
        {
            "at": "2014-01",
            "kind": "alliance",
            "patron": "PPP",
            "client": "EEE",
            "commitment": 0.9,
            "basing": True,
        },
        {"at": "2015-03", "kind": "invasion", "theatre": "strait", "by": "CCC"},
    ]
    start = 2010 * 12 + 2  # 2010-03

    def inside(month: str) -> bool:
        y, m = month.split("-")
        return int(y) * 12 + int(m) - 1 < start + months

    events = [e for e in events if inside(e["at"]) and inside(e.get("reach_by", e["at"]))]
    return {
        "meta": {"name": "rich", "start": "2010-03", "months": months},
        "model": {
            "crisis": {"war_cost": 0.1, "initiation_rate_per_year": 1.0},
            "war": {"nuclear_threshold": 0.4, "nuclear_use_probability_per_month": 0.2},
        },
        "actors": {
            "CCC": actor(
                "Challenger",
                5000.0,
                120.0,
                nuclear=True,
                misperception=1.0,
                arms={"reaction": {"DDD": 0.05, "PPP": 0.02}},
            ),
            "DDD": actor(
                "Client one", 1500.0, 20.0, misperception=0.6, arms={"reaction": {"CCC": 0.02}}
            ),
            "PPP": actor("Patron", 12000.0, 400.0, nuclear=True, forces_in_region_share=0.3),
            "EEE": actor("Client two", 600.0, 12.0, gdp_growth_per_year=-0.02),
        },
        "alliances": [
            {"patron": "PPP", "client": "DDD", "commitment": 0.8, "basing": True},
            {"patron": "PPP", "client": "EEE", "commitment": 0.4},
        ],
        "grievances": [
            {"from": "CCC", "to": "DDD", "level": 0.6},
            {"from": "CCC", "to": "EEE", "level": 0.8, "baseline": 0.7},
            {"from": "DDD", "to": "CCC", "level": 0.3},
        ],
        "theatres": {
            "isle": {
                "claimants": ["CCC", "DDD"],
                "holder": "DDD",
                "greyzone": {
                    "presence": {
                        "by": "CCC",
                        "unit": "days",
                        "rate_per_year": 300,
                        "incident_probability": 0.001,
                    },
                    "incursion": {"by": "CCC", "rate_per_year": 60, "incident_probability": 0.004},
                    "scramble": {
                        "by": "DDD",
                        "against": "CCC",
                        "responds_to": "incursion",
                        "ratio": 1.5,
                    },
                },
            },
            "strait": {
                "claimants": ["CCC", "EEE"],
                "holder": "EEE",
                "defender_advantage": 1.5,
                "greyzone": {
                    "adiz": {"by": "CCC", "rate_per_year": 700, "incident_probability": 0.0005},
                    "balloon": {"by": "CCC", "rate_per_year": 3, "incident_probability": 0.0},
                },
            },
        },
        "events": events,
    }
