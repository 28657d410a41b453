"""A small two-actor crisis world used by the sweep tests."""

CRISIS_WORLD = {
    "meta": {
        "name": "crisis-world",
        "title": "Two states and one disputed island",
        "start": "2030-01",
        "months": 24,
        "seed": 7,
    },
    "model": {"mechanisms": ["crisis", "war", "events"]},
    "actors": {
        "AAA": {"name": "Alpha", "gdp_usd_bn": 1000, "milex_usd_bn": 20, "misperception": 0.5},
        "BBB": {"name": "Beta", "gdp_usd_bn": 1000, "milex_usd_bn": 20, "misperception": 0.5},
    },
    "theatres": {
        "island": {"claimants": ["AAA", "BBB"], "holder": "BBB", "stake": {"AAA": 0.8, "BBB": 0.8}}
    },
    "events": [{"at": "2030-02", "kind": "incident", "theatre": "island", "by": "AAA", "rung": 4}],
}
