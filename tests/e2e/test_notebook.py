"""``docs/notebooks/quickstart.ipynb`` runs from top to bottom (nbclient, a fresh kernel).

The notebook is executed from a copy in a temporary directory, writing its result folders
and figures into the folder ``SIM_QUICKSTART_OUT`` names; the checks read them back, and
check that it writes nothing into its working directory and imports only the public API.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

# a Jupyter kernel: one at a time under xdist (tests/conftest.py)
pytestmark = pytest.mark.xdist_group("processes")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "notebooks" / "quickstart.ipynb"
TIMEOUT = 300
"""Seconds one cell may take (the whole notebook takes well under a minute)."""


def _outputs(nb, kind: str) -> list[dict]:
    return [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == kind
    ]


PUBLIC = {"run", "load_results", "compare", "sweep", "EscalationModel"}


def _code() -> str:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def test_notebook_uses_only_the_public_api_and_says_how_to_run():
    code = _code()
    assert not re.search(r"(from|import) sim\.", code), "internal modules imported"
    used = set(re.findall(r"\bsim\.(\w+)", code)) - {"__file__"}
    assert used <= PUBLIC, used - PUBLIC
    assert {"run", "compare", "sweep"} <= used
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    first = "".join(nb["cells"][0]["source"])
    assert "How to run this notebook" in first and "jupyter" in first
    assert "SIM_QUICKSTART_OUT" in first and "SIM_QUICKSTART_OUT" in code


@pytest.mark.slow
def test_quickstart_notebook_executes(tmp_path, monkeypatch):
    import nbclient
    import nbformat

    work, out = tmp_path / "cwd", tmp_path / "out"
    work.mkdir()
    monkeypatch.setenv("SIM_QUICKSTART_OUT", str(out))  # the kernel inherits it
    copy = work / NOTEBOOK.name
    shutil.copyfile(NOTEBOOK, copy)
    nb = nbformat.read(copy, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    # "python3" is ipykernel's native kernel: this interpreter, with this environment
    client = nbclient.NotebookClient(
        nb, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute()
    assert not _outputs(nb, "error")
    assert sorted(p.name for p in work.iterdir()) == [NOTEBOOK.name]  # nothing else here
    for folder in ("baseline", "low_commitment", "sweep"):
        assert (out / folder / "manifest.json").exists()
    for figure in ("compare", "response"):
        assert (out / "figures" / f"{figure}.png").stat().st_size > 1000
    printed = "".join(o.get("text", "") for o in _outputs(nb, "stream"))
    assert f"writing into {out}" in printed and "posterior" in printed
    tables = "".join(o["data"].get("text/plain", "") for o in _outputs(nb, "execute_result"))
    assert "param_low" in tables and "sign_share" in tables and "p_blockade" in tables
