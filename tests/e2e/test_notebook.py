"""``docs/notebooks/quickstart.ipynb`` runs from top to bottom (nbclient, a fresh kernel).

The notebook is executed from a copy in a temporary directory, where it writes its result
folders and figures; the checks read them back.
"""

from __future__ import annotations

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


@pytest.mark.slow
def test_quickstart_notebook_executes(tmp_path):
    import nbclient
    import nbformat

    copy = tmp_path / NOTEBOOK.name
    shutil.copyfile(NOTEBOOK, copy)
    nb = nbformat.read(copy, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    # "python3" is ipykernel's native kernel: this interpreter, with this environment
    client = nbclient.NotebookClient(
        nb, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    assert not _outputs(nb, "error")
    for folder in ("baseline", "no_talks", "sweep"):
        assert (tmp_path / "results" / folder / "manifest.json").exists()
    for figure in ("war", "ladder", "response"):
        assert (tmp_path / "figures" / f"{figure}.png").stat().st_size > 1000
    printed = "".join(out.get("text", "") for out in _outputs(nb, "stream"))
    assert "taiwan" in printed and "senkaku" in printed  # the comparison table
    images = [o for o in _outputs(nb, "display_data") if "image/png" in o.get("data", {})]
    assert len(images) == 3
