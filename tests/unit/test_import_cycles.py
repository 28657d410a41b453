"""No import cycle among the modules of sim/, counting the imports inside functions.

grimp (the graph builder import-linter uses; in the dev extras) reads every import
statement, at module level or inside a function; imports under ``if TYPE_CHECKING:`` are
left out, as they never run. The layer order itself is import-linter's ``layers``
contract (pyproject.toml, ``lint-imports`` in .ci/run).
"""

from __future__ import annotations

import networkx as nx
import pytest

grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter (dev extras)")


def import_graph() -> nx.DiGraph:
    graph = grimp.build_graph("sim", exclude_type_checking_imports=True, cache_dir=None)
    g = nx.DiGraph()
    for module in graph.modules:
        g.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            g.add_edge(module, imported)
    return g


def cycles(g: nx.DiGraph) -> list[list[str]]:
    return sorted(sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1)


def test_sim_has_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles (strongly connected modules): " + "; ".join(
        " <-> ".join(c) for c in found
    )


def test_function_local_imports_are_counted(tmp_path, monkeypatch):
    """The check sees an import inside a function (a deliberate cycle in a toy package)."""
    pkg = tmp_path / "toy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from toy import b\n")
    (pkg / "b.py").write_text("def f():\n    from toy import a\n    return a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("toy", cache_dir=None)
    g = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            g.add_edge(module, imported)
    assert cycles(g) == [["toy.a", "toy.b"]]
