"""How the engine's cost per run grows with actors N, theatres K and months T.

Usage::

    /work/venv/bin/python benchmarks/scaling.py [--batch 5000] [--repeats 3]
        [--actors 2 4 8 16] [--theatres 1 2 4 8] [--months 60 120 240 480]

Synthetic scenarios are built as dicts (no files): N actors with made-up numbers, K
theatres each claimed by a pair of actors with two grey-zone activities (a count and a
days activity, one with a response), grievances both ways between claimants, an alliance
from the largest actor to the holder of each theatre it does not claim, talks between
every pair of claimants and every mechanism on. One dimension varies at a time around
N = 4, K = 2, T = 120. Each figure is the CPU time per run of one `simulate` call on a
batch of `--batch` runs (annual series recorded), pinned to one core, median of repeats.
"""

from __future__ import annotations

import argparse
import itertools
import string

import _common
import numpy as np

from sim.engine.params import compile_scenario
from sim.engine.simulate import simulate
from sim.runner.seeds import run_seeds
from sim.scenario import load_scenario


def codes(n: int) -> list[str]:
    """`n` three-letter actor codes, AAA, AAB, ..."""
    letters = string.ascii_uppercase
    return ["".join(c) for c in itertools.islice(itertools.product(letters, repeat=3), n)]


def synthetic(n: int, k: int, months: int) -> dict:
    """A scenario table with n actors, k theatres and the given horizon."""
    actors = codes(n)
    table: dict = {
        "meta": {"name": f"synthetic-n{n}-k{k}-t{months}", "start": "2020-01", "months": months},
        "actors": {},
        "theatres": {},
        "grievances": [],
        "alliances": [],
        "events": [],
    }
    for i, c in enumerate(actors):
        size = 1000.0 * (1 + i)
        table["actors"][c] = {
            "name": f"Actor {c}",
            "gdp_usd_bn": size,
            "milex_usd_bn": 0.02 * size,
            "nuclear": i == n - 1,
            "arms": {"reaction": {o: 0.02 for o in actors if o != c}},
        }
    pairs = set()
    for t in range(k):
        a, b = actors[t % n], actors[(t + 1 + t // n) % n]
        if a == b:
            b = actors[(t + 2) % n]
        pairs.add(tuple(sorted((a, b))))
        table["theatres"][f"th{t}"] = {
            "claimants": [a, b],
            "holder": b,
            "stake": {a: 0.6, b: 0.8},
            "greyzone": {
                "patrols": {
                    "by": a,
                    "unit": "count",
                    "rate_per_year": 200,
                    "incident_probability": 2e-4,
                },
                "presence": {
                    "by": a,
                    "unit": "days",
                    "rate_per_year": 120,
                    "incident_probability": 1e-4,
                },
                "intercepts": {"by": b, "unit": "count", "responds_to": "patrols", "ratio": 0.8},
            },
        }
        patron = actors[-1]
        if patron not in (a, b) and not any(al["client"] == b for al in table["alliances"]):
            table["alliances"].append(
                {"patron": patron, "client": b, "commitment": 0.6, "basing": True}
            )
    for a, b in sorted(pairs):
        table["grievances"] += [
            {"from": a, "to": b, "level": 0.4},
            {"from": b, "to": a, "level": 0.3},
        ]
        table["events"].append({"at": "2020-01", "kind": "talks", "parties": [a, b]})
    return table


def cost_per_run(n: int, k: int, months: int, batch: int, repeats: int) -> tuple[float, str]:
    """Median CPU seconds per run, and a size note."""
    structure, params = compile_scenario(load_scenario(synthetic(n, k, months)))
    seeds = run_seeds(1, np.arange(batch))
    simulate(structure, params, seeds[:50])  # warm-up
    _, cpu = _common.timed(lambda: simulate(structure, params, seeds), repeats)
    note = (
        f"{len(structure.actors)} actors, {len(structure.theatres)} theatres, "
        f"{len(structure.activities)} activities, {len(structure.alliance_ids)} alliances"
    )
    return _common.median(cpu) / batch, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--actors", type=int, nargs="+", default=[2, 4, 8, 16])
    parser.add_argument("--theatres", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--months", type=int, nargs="+", default=[60, 120, 240, 480])
    args = parser.parse_args()
    pinned = _common.pin_one_core()
    print(_common.host_line())
    print(
        f"simulate      batch {args.batch}, pinned to one core: {pinned}, CPU time, "
        f"median of {args.repeats}"
    )
    print(
        f"{'vary':<6}{'N':>4}{'K':>4}{'T':>5} {'ms/run':>8} {'us/run/month':>13} "
        f"{'x first':>8}  scenario"
    )
    for label, grid in (
        ("N", [(n, 2, 120) for n in args.actors]),
        ("K", [(4, k, 120) for k in args.theatres]),
        ("T", [(4, 2, t) for t in args.months]),
    ):
        first = None
        for n, k, t in grid:
            per_run, note = cost_per_run(n, k, t, args.batch, args.repeats)
            first = first or per_run
            print(
                f"{label:<6}{n:>4}{k:>4}{t:>5} {1e3 * per_run:>8.3f} "
                f"{1e6 * per_run / t:>13.2f} {per_run / first:>8.2f}  {note}"
            )


if __name__ == "__main__":
    main()
