"""The generated documentation tables match the declarations.

`scripts/generate_docs.py` writes the field tables of ``docs/scenarios.md`` and the
parameter index of ``docs/MODEL.md`` from the mechanisms' declarations; these tests fail
when a declaration changed and the script was not rerun, and check that the index lists
every declared parameter with a source.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "generate_docs", REPO / "scripts" / "generate_docs.py"
)
assert _spec is not None and _spec.loader is not None
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def _index_rows() -> dict[str, str]:
    """Scenario path -> source cell of each row of MODEL.md's generated parameter index."""
    text = gen.MODEL_MD.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- BEGIN GENERATED: parameter-index -->\n(.*?)<!-- END GENERATED: parameter-index -->",
        text,
        re.DOTALL,
    )
    assert match, "docs/MODEL.md has no generated parameter index"
    rows = {}
    for line in match[1].splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows[cells[0].replace("`", "")] = cells[4]
    return rows


def test_docs_are_not_stale() -> None:
    """The docs equal what the generator writes (else: python scripts/generate_docs.py)."""
    stale = [str(p.relative_to(REPO)) for p in gen.stale()]
    assert not stale, f"{', '.join(stale)}: stale; run python scripts/generate_docs.py"


def test_every_declared_parameter_is_in_the_index() -> None:
    """Each declared parameter (mechanisms' and event kinds' numbers) has one index row."""
    rows = _index_rows()
    params = gen.all_params()
    assert params, "no declared parameters found"
    paths = [gen.scenario_path(mech, kind, p) for mech, kind, p in params]
    assert len(set(paths)) == len(paths), "two parameters share a scenario path"
    missing = [path for path in paths if path not in rows]
    assert not missing, f"not in the parameter index of docs/MODEL.md: {missing}"
    assert len(rows) == len(paths)


def test_every_parameter_has_a_source() -> None:
    """Each parameter names a source (judgement or a citation), and the index shows it."""
    rows = _index_rows()
    for mech, kind, p in gen.all_params():
        path = gen.scenario_path(mech, kind, p)
        assert p.spec.source.strip(), f"{path} ({mech}) declares no source"
        if p.spec.prior is not None:  # fitted: the index names the fit and the prior
            assert rows[path].startswith("fitted (docs/calibration.md"), path
            assert f"prior {p.spec.prior.kind}" in rows[path], path
            continue
        assert rows[path].startswith(p.spec.source), f"{path}: index shows {rows[path]!r}"
        if p.spec.literature:
            assert p.spec.literature in rows[path].replace("\\|", "|")


def test_scenario_tables_list_every_schema_field() -> None:
    """Every field of every scenario section appears in its generated table."""
    text = gen.SCENARIOS_MD.read_text(encoding="utf-8")
    for name, lines in gen.scenario_sections().items():
        begin = f"<!-- BEGIN GENERATED: {name} -->"
        assert begin in text, f"docs/scenarios.md has no block {name}"
        body = text.split(begin, 1)[1].split(f"<!-- END GENERATED: {name} -->", 1)[0]
        for line in lines:
            assert line in body


def test_war_cost_default_matches_the_code() -> None:
    """The documented default of ``crisis.war_cost`` is the declared one (it had drifted)."""
    from sim.scenario.schema import MODEL_FIELDS

    default = gen.number(MODEL_FIELDS["crisis.war_cost"].default)
    text = gen.SCENARIOS_MD.read_text(encoding="utf-8")
    assert f"| `crisis.war_cost` | number | `{default}` |" in text
