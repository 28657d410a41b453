"""Every declaration keeps its scenario key, scope, type, default, bounds, unit, text and prior.

`declared_params_snapshot.json` was taken from the declarations before they became
keyword-only (keys from the field names); the test walks every mechanism's parameter
block, structural fields and state arrays and every scheduled event kind's fields and
values, and compares them with it. A parameter added later is not in the snapshot and
passes; a snapshotted one that changes or disappears fails. To take the snapshot again
after an intended change: ``python tests/unit/engine/test_declared_params.py``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.engine.declare import DERIVED, REQUIRED, Field
from sim.engine.registry import EVENT_KINDS, MECHANISMS

SNAPSHOT = Path(__file__).with_name("declared_params_snapshot.json")


def _value(v: Any) -> Any:
    """Return `v` as JSON can hold it (markers by name, non-finite floats as strings)."""
    if v is REQUIRED or v is DERIVED:
        return repr(v)
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    if isinstance(v, tuple):
        return [_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items()}
    return v


def _spec(spec: Field) -> dict[str, Any]:
    prior = spec.prior
    return {
        "kind": spec.kind,
        "default": _value(spec.default),
        "lo": _value(spec.lo),
        "hi": _value(spec.hi),
        "unit": spec.unit,
        "doc": spec.doc,
        "source": spec.source,
        "literature": spec.literature,
        "choices": _value(spec.choices),
        "derive": None if spec.derive is None else spec.derive.__name__,
        "prior": None if prior is None else [prior.kind, prior.lo, prior.hi, prior.why],
    }


def declared() -> dict[str, dict[str, Any]]:
    """Return every declaration by a stable name: ``<owner>:<attribute or field>``."""
    out: dict[str, dict[str, Any]] = {}
    for m in MECHANISMS:
        if m.params is not None:
            for attr, p in m.params.declared():
                out[f"{m.name}:{attr}"] = {"scope": p.scope, "key": p.key, **_spec(p.spec)}
        for scope, fields in m.fields.items():
            for name, spec in fields.items():
                out[f"{m.name}.fields.{scope}:{name}"] = _spec(spec)
        for var in m.state:
            out[f"{m.name}.state:{var.name}"] = {
                "role": var.role,
                "axes": list(var.axes),
                "dtype": np.dtype(var.dtype).name,
                "fill": _value(var.fill),
                "init": var.init is not None,
                "doc": var.doc,
            }
    for kind in EVENT_KINDS.values():
        for name, spec in kind.fields.items():
            out[f"event.{kind.name}.fields:{name}"] = _spec(spec)
        if kind.values is not None:
            for attr, p in kind.values.declared():
                out[f"event.{kind.name}:{attr}"] = {"scope": p.scope, "key": p.key, **_spec(p.spec)}
    return out


def test_declarations_match_the_snapshot() -> None:
    snapshot = json.loads(SNAPSHOT.read_text())
    now = json.loads(json.dumps(declared()))  # the same JSON round trip as the snapshot's
    missing = sorted(set(snapshot) - set(now))
    assert not missing, f"declarations gone: {missing}"
    changed = {k: (snapshot[k], now[k]) for k in snapshot if snapshot[k] != now[k]}
    assert not changed, f"declarations changed (snapshot, now): {changed}"


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(declared(), indent=1, sort_keys=True) + "\n")
