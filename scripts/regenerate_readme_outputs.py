"""Regenerate the command outputs quoted in README.md and docs/sweeps.md.

Every quoted output sits in a fenced block right after a marker line
``<!-- output: NAME -->``; this script runs the commands of each NAME (in a temporary
folder, so nothing tracked is overwritten and ``results/`` stays untouched), and rewrites
the block. Timings (seconds, runs per second, workers) vary from machine to machine, so
they are masked as ``...`` in the quoted text.

    python scripts/regenerate_readme_outputs.py            # rewrite the blocks
    python scripts/regenerate_readme_outputs.py --check    # exit 1 if any block is stale
    python scripts/regenerate_readme_outputs.py --only tour-run --only tour-trace
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", REPO / "docs" / "sweeps.md"]
MARKER = re.compile(r"^<!-- output: (?P<name>[\w-]+) -->\n", re.M)
TIMING = re.compile(r", [\d.]+ s( \([\d,]+ runs/s, \d+ workers?\))?")


def mask(text: str) -> str:
    """Replace machine-dependent timings by ``...``."""
    return TIMING.sub(", ...", text)


@dataclass
class Step:
    """One command: what the docs show, what runs, and which lines of output are quoted.

    A step with `code` runs that Python code instead of ``sim ARGV`` and shows no command
    line (its block is ``text``, not ``console``).
    """

    shown: str
    argv: list[str]
    keep: Callable[[list[str]], list[str]] = lambda lines: lines
    code: Callable[[], str] | None = None


def readme_python() -> str:
    """Return the README's one Python block (its output is quoted right after it)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)[0]


def first(n: int, ellipsis: bool = True) -> Callable[[list[str]], list[str]]:
    """Keep the first `n` lines (and ``...`` if there were more)."""
    return lambda lines: lines[:n] + (["..."] if ellipsis and len(lines) > n else [])


def nothing(lines: list[str]) -> list[str]:
    """Quote no output."""
    return []


def crisis_lines(lines: list[str]) -> list[str]:
    """Keep the first crisis lines of a trace with their plain-word explanations."""
    keep = [i for i, line in enumerate(lines) if "crisis" in line and "] " in line]
    if not keep:
        return first(6)(lines)
    start = keep[0]
    return lines[start : start + 6] + ["..."]


BLOCKADE = [
    "scenarios/taiwan_blockade.toml",
    "--param",
    "actors.CHN.misperception=0:2",
    "--param",
    "alliances.USA-TWN.commitment=0:1",
]

BLOCKS: dict[str, list[Step]] = {
    "tour-run": [
        Step("sim check scenarios/baseline.toml -q", ["check", "scenarios/baseline.toml", "-q"]),
        Step(
            "sim run scenarios/taiwan_invasion.toml --runs 2000 --seed 3 --out results/invasion",
            [
                "run",
                "scenarios/taiwan_invasion.toml",
                "--runs",
                "2000",
                "--seed",
                "3",
                "--out",
                "results/invasion",
            ],  # fmt: skip
            first(7),
        ),
    ],
    "tour-trace": [
        Step("sim trace results/invasion 17", ["trace", "results/invasion", "17"], crisis_lines)
    ],
    "tour-runs": [
        Step(
            "sim runs results/invasion --where 'holder_final.taiwan==CHN' --limit 3",
            ["runs", "results/invasion", "--where", "holder_final.taiwan==CHN", "--limit", "3"],
        )
    ],
    "tour-compare": [
        Step(
            "sim run scenarios/baseline.toml --runs 300 --seed 1 --out results/base -q",
            [
                "run",
                "scenarios/baseline.toml",
                "--runs",
                "300",
                "--seed",
                "1",
                "--out",
                "results/base",
                "-q",
            ],
            nothing,
        ),  # fmt: skip
        Step(
            "sim run scenarios/baseline.toml --runs 300 --seed 1 --set "
            "alliances.USA-TWN.commitment=0.1 --out results/low -q",
            [
                "run",
                "scenarios/baseline.toml",
                "--runs",
                "300",
                "--seed",
                "1",
                "--set",
                "alliances.USA-TWN.commitment=0.1",
                "--out",
                "results/low",
                "-q",
            ],
            nothing,
        ),  # fmt: skip
        Step(
            "sim compare results/base results/low --outcome 'war.taiwan or blockade.taiwan' -q",
            [
                "compare",
                "results/base",
                "results/low",
                "--outcome",
                "war.taiwan or blockade.taiwan",
                "-q",
            ],
        ),  # fmt: skip
    ],
    "tour-discover": [
        Step(
            "sim sweep scenarios/taiwan_blockade.toml --param actors.CHN.misperception=0:2 \\\n"
            "      --param alliances.USA-TWN.commitment=0:1 --sampler lhs --points 64 --runs 200 "
            "--seed 1 \\\n      --out results/blockade-lhs -q",
            [
                "sweep",
                *BLOCKADE,
                "--sampler",
                "lhs",
                "--points",
                "64",
                "--runs",
                "200",
                "--seed",
                "1",
                "--out",
                "results/blockade-lhs",
                "-q",
            ],  # fmt: skip
            nothing,
        ),
        Step(
            "sim discover results/blockade-lhs --outcome rung5.taiwan",
            ["discover", "results/blockade-lhs", "--outcome", "rung5.taiwan"],
        ),
    ],
    "python-api": [Step("", [], code=readme_python)],
    "sweeps-commitment": [
        Step(
            "sim sweep scenarios/taiwan_blockade.toml --set model.crisis.war_cost=0.1 \\\n"
            "      --set actors.CHN.misperception=1.0 --param alliances.USA-TWN.commitment=0:1 "
            "\\\n      --sampler grid --points 6 --runs 1000 --seed 2 --out "
            "results/blockade-commitment",
            [
                "sweep",
                "scenarios/taiwan_blockade.toml",
                "--set",
                "model.crisis.war_cost=0.1",
                "--set",
                "actors.CHN.misperception=1.0",
                "--param",
                "alliances.USA-TWN.commitment=0:1",
                "--sampler",
                "grid",
                "--points",
                "6",
                "--runs",
                "1000",
                "--seed",
                "2",
                "--out",
                "results/blockade-commitment",
            ],  # fmt: skip
            first(2, ellipsis=False),
        )
    ],
    "sweeps-sobol": [
        Step(
            "sim sweep scenarios/taiwan_blockade.toml --param actors.CHN.misperception=0:2 \\\n"
            "      --param alliances.USA-TWN.commitment=0:1 --param "
            "theatres.taiwan.defender_advantage=1.5:4 \\\n"
            "      --param model.crisis.war_cost=0.1:0.4 --sampler sobol --points 64 --runs 100 "
            "--seed 1 \\\n      --out results/blockade-sobol -q",
            [
                "sweep",
                *BLOCKADE,
                "--param",
                "theatres.taiwan.defender_advantage=1.5:4",
                "--param",
                "model.crisis.war_cost=0.1:0.4",
                "--sampler",
                "sobol",
                "--points",
                "64",
                "--runs",
                "100",
                "--seed",
                "1",
                "--out",
                "results/blockade-sobol",
                "-q",
            ],  # fmt: skip
            nothing,
        ),
        Step(
            "sim analyze results/blockade-sobol --outcome rung5.taiwan",
            ["analyze", "results/blockade-sobol", "--outcome", "rung5.taiwan"],
        ),
    ],
}
"""The quoted outputs, by marker name, in the order their commands must run."""


def run_block(name: str, cwd: Path) -> str:
    """Run the commands of a block in `cwd`; return the fenced console block."""
    steps = BLOCKS[name]
    out = ["```text" if all(s.code for s in steps) else "```console"]
    for step in steps:
        command = ["-c", step.code()] if step.code else ["-m", "sim", *step.argv]
        done = subprocess.run(
            [sys.executable, *command],
            cwd=cwd,
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "100"},
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"{name}: sim {' '.join(step.argv)} failed:\n{done.stderr}")
        if not step.code:
            out.append(f"$ {step.shown}")
        lines = [mask(line).rstrip() for line in step.keep(done.stdout.splitlines())]
        while lines and not lines[-1]:
            lines.pop()
        out += lines
    out.append("```")
    return "\n".join(out) + "\n"


def replace_blocks(text: str, blocks: dict[str, str]) -> str:
    """Replace the fenced block after each marker whose name is in `blocks`."""
    pieces, pos = [], 0
    for match in MARKER.finditer(text):
        name = match.group("name")
        if name not in blocks:
            continue
        start = match.end()
        if not text.startswith("```", start):
            raise SystemExit(f"marker {name}: no fenced block right after it")
        end = text.index("```\n", text.index("\n", start) + 1) + 4
        pieces += [text[pos:start], blocks[name]]
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def markers(text: str) -> list[str]:
    """Return the marker names in a document."""
    return [m.group("name") for m in MARKER.finditer(text)]


def main(argv: list[str] | None = None) -> int:
    """Regenerate (or check) the quoted outputs; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a block is stale")
    parser.add_argument("--only", action="append", default=[], help="only these block names")
    args = parser.parse_args(argv)
    wanted = args.only or list(BLOCKS)
    unknown = [n for n in wanted if n not in BLOCKS]
    if unknown:
        parser.error(f"unknown block(s): {', '.join(unknown)} (known: {', '.join(BLOCKS)})")
    with tempfile.TemporaryDirectory(prefix="sim-docs-") as tmp:
        cwd = Path(tmp)
        (cwd / "scenarios").symlink_to(REPO / "scenarios")
        # tour-trace and tour-runs read results/invasion, which tour-run writes
        needs_run = bool({"tour-trace", "tour-runs"} & set(wanted))
        order = [n for n in BLOCKS if n in wanted or (n == "tour-run" and needs_run)]
        generated = {name: run_block(name, cwd) for name in order}
    generated = {n: b for n, b in generated.items() if n in wanted}
    stale = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        new = replace_blocks(text, generated)
        if new != text:
            stale.append(doc.relative_to(REPO))
            if not args.check:
                doc.write_text(new, encoding="utf-8")
    if args.check and stale:
        print(f"stale quoted outputs in: {', '.join(map(str, stale))}; run {Path(__file__).name}")
        return 1
    print(("up to date" if not stale else f"rewrote {', '.join(map(str, stale))}") + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
