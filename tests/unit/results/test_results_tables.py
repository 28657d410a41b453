"""Result columns built from buffers equal ``pa.array``'s, and ``sim run`` leaves pandas out.

`sim.results.tables` builds its columns with `numeric`, `strings` and `text` because
``pa.array`` imports pandas (pyarrow's pandas shim asks whether the values are a pandas
categorical). These tests check that the arrays equal what ``pa.array`` gives, that their
Parquet files are the same bytes, and that a ``sim run`` process never imports pandas.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.results.tables import numeric, strings, text

ROOT = Path(__file__).resolve().parents[3]


def parquet_bytes(array: pa.Array) -> bytes:
    """Bytes of a one-column Parquet file."""
    sink = io.BytesIO()
    pq.write_table(pa.table({"x": array}), sink)
    return sink.getvalue()


@pytest.mark.parametrize(
    ("values", "arrow"),
    [
        (np.array([3, -1, 7], dtype=np.int64), pa.int64()),
        (np.array([3, -1, 7], dtype=np.int64), pa.int32()),
        (np.array([1, 2, 200], dtype=np.int64), pa.int8()),
        (np.array([2**63 + 5, 1], dtype=np.uint64), pa.uint64()),
        (np.array([0.5, -0.0, np.inf, np.nan]), pa.float64()),
        (np.array([True, False, True] * 5), pa.bool_()),
        (np.array([], dtype=np.int16), pa.int16()),
    ],
)
def test_numeric_equals_pa_array(values: np.ndarray, arrow: pa.DataType) -> None:
    mask = np.arange(len(values)) % 2 == 1
    for m in (None, mask, np.zeros(len(values), dtype=bool)):
        # `pa.array` checks the int8 overflow; the engine's int8 columns fit
        safe = arrow != pa.int8()
        want = pa.array(values, arrow, mask=m, safe=safe)
        got = numeric(values, arrow, mask=m)
        assert got.type == want.type and got.null_count == want.null_count
        assert got.is_null().equals(want.is_null())
        assert got.equals(want) or np.isnan(values).any()  # NaN != NaN in `equals`
        assert parquet_bytes(got) == parquet_bytes(want)


def test_strings_and_text_equal_pa_array() -> None:
    names = ["CHN", "", "Ελλάδα", "USA,RUS"]
    codes = np.array([0, 3, 1, 2, 2, 0])
    want = pa.array(np.array(names, dtype=object)[codes], pa.string())
    assert strings(codes, names).equals(want)
    assert text(np.array(names, dtype=object)[codes]).equals(want)
    assert parquet_bytes(strings(codes, names)) == parquet_bytes(want)
    assert strings(np.array([], dtype=int), []).equals(pa.array([], pa.string()))
    odd = np.array(["a", None, "b"], dtype=object)  # not all strings: pa.array's way
    assert text(odd).equals(pa.array(odd, pa.string()))


def test_sim_run_does_not_import_pandas(tmp_path: Path) -> None:
    """A few runs of a scenario with a posterior and crises, as a fresh ``sim run`` process."""
    code = (
        "import sys, runpy; sys.argv = ['sim', 'run', sys.argv[1], '--runs', '5', "
        "'--workers', '1', '-q', '-o', sys.argv[2]]\n"
        "try:\n    runpy.run_module('sim', run_name='__main__')\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        "print('pandas' in sys.modules)"
    )
    scenario = ROOT / "scenarios" / "taiwan_invasion.toml"
    out = subprocess.run(
        [sys.executable, "-c", code, str(scenario), str(tmp_path / "r")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.split()[-1] == "False", out.stdout + out.stderr
    assert {p.name for p in (tmp_path / "r").glob("*.parquet")} >= {
        "runs.parquet",
        "outcomes.parquet",
        "crises.parquet",
    }
