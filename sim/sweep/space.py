"""Swept parameters: ``PATH=LO:HI`` ranges and ``PATH=V1,V2,...`` level lists.

Paths are the ``--set`` paths of the scenario format. Every parameter is checked against
the scenario before anything runs: the path must exist and hold a number or boolean, and
both ends of a range (and every listed value) must be valid values of the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ScenarioError, SimError
from sim.scenario.loader import Scenario
from sim.scenario.overrides import field_for, parse_value


@dataclass(frozen=True)
class Parameter:
    """One swept parameter.

    Attributes
    ----------
    path : str
        ``--set`` path.
    low, high : float
        Bounds of a continuous range (None for level lists).
    levels : tuple
        Discrete values (empty for ranges).
    integer : bool
        Values are rounded to integers (integer fields).
    """

    path: str
    low: float | None = None
    high: float | None = None
    levels: tuple = ()
    integer: bool = False

    @property
    def is_range(self) -> bool:
        """True for ``LO:HI`` ranges."""
        return not self.levels

    @property
    def bounds(self) -> tuple[float, float]:
        """``(low, high)`` of a range.

        Raises
        ------
        ValueError
            If the parameter lacks a bound (a level list, or built without both).
        """
        if self.low is None or self.high is None:
            raise ValueError(f"{self.path}: not a LO:HI range")
        return self.low, self.high

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map points of [0, 1] to parameter values (levels: equal-width bins)."""
        u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
        if self.is_range:
            low, high = self.bounds
            x = low + u * (high - low)
            return np.round(x) if self.integer else x
        idx = np.minimum((u * len(self.levels)).astype(np.int64), len(self.levels) - 1)
        return np.asarray(self.levels, dtype=object)[idx]

    def describe(self) -> str:
        """``path=lo:hi`` or ``path=a,b,c``."""
        if self.is_range:
            return f"{self.path}={self.low:g}:{self.high:g}"
        return f"{self.path}=" + ",".join(
            str(v).lower() if isinstance(v, bool) else str(v) for v in self.levels
        )


def parse_parameter(text: str, where: str = "--param") -> Parameter:
    """Parse ``PATH=LO:HI`` or ``PATH=V1,V2,...``."""
    if "=" not in text:
        raise SimError(f"{where}: '{text}' must look like PATH=LO:HI or PATH=V1,V2,...")
    path, spec = (x.strip() for x in text.split("=", 1))
    if ":" in spec and "," not in spec:
        lo, hi = spec.split(":", 1)
        try:
            low, high = float(lo), float(hi)
        except ValueError:
            raise SimError(f"{where}: {path}: range '{spec}' needs two numbers LO:HI") from None
        if not np.isfinite([low, high]).all() or high < low:
            raise SimError(f"{where}: {path}: range '{spec}' needs finite LO <= HI")
        return Parameter(path=path, low=low, high=high)
    values = [parse_value(v.strip()) for v in spec.split(",") if v.strip()]
    if not values:
        raise SimError(f"{where}: {path}: no values given")
    for v in values:
        if isinstance(v, str) or isinstance(v, list | dict):
            raise SimError(f"{where}: {path}: '{v}' is not a number or true/false")
    return Parameter(path=path, levels=tuple(values))


def parameters_from_table(table: Mapping[str, Any], file: str) -> list[Parameter]:
    """Parameters of a ``[sweep.params]`` table: ``"PATH" = "LO:HI"`` or a list of values."""
    out = []
    for path, spec in table.items():
        where = f"{file}: sweep.params.{path}"
        if isinstance(spec, str):
            out.append(parse_parameter(f"{path}={spec}", where))
        elif isinstance(spec, list) and spec:
            text = ",".join(str(v).lower() if isinstance(v, bool) else str(v) for v in spec)
            out.append(parse_parameter(f"{path}={text}", where))
        else:
            raise SimError(f'{where}: expected "LO:HI" or a list of values')
    return out


def check_parameters(scenario: Scenario, params: Iterable[Parameter]) -> list[Parameter]:
    """Validate paths, types and values against the scenario; returns typed parameters."""
    checked = []
    seen = set()
    for p in params:
        if p.path in seen:
            raise SimError(f"--param {p.path}: given twice")
        seen.add(p.path)
        raw = scenario._raw_merged()
        try:
            _, _, spec, _ = field_for(raw, p.path, f"{scenario.file} (--param)")
        except ScenarioError as exc:
            raise SimError(str(exc)) from None
        if spec.kind not in ("float", "int", "bool", "actor_map"):
            raise SimError(
                f"--param {p.path}: field of kind '{spec.kind}' cannot be swept "
                "(numbers and booleans only)"
            )
        if spec.kind == "bool" and p.is_range:
            raise SimError(f"--param {p.path}: a boolean takes values, e.g. {p.path}=false,true")
        integer = spec.kind == "int"
        p = Parameter(path=p.path, low=p.low, high=p.high, levels=p.levels, integer=integer)
        probes = list(p.bounds) if p.is_range else list(p.levels)
        for value in probes:
            v = int(round(value)) if integer and not isinstance(value, bool) else value
            try:
                scenario.with_overrides({p.path: v})
            except ScenarioError as exc:
                raise SimError(
                    f"--param {p.path}: value {value!r} is invalid: {exc.message}"
                ) from None
        checked.append(p)
    if not checked:
        raise SimError("a sweep needs at least one --param (or a [sweep] table)")
    return checked


def point_overrides(params: list[Parameter], row: Iterable[Any]) -> dict[str, Any]:
    """Return the overrides of one design point (values converted to plain Python types)."""
    out = {}
    for p, value in zip(params, row, strict=True):
        if isinstance(value, np.generic):
            value = value.item()
        if p.integer and not isinstance(value, bool):
            value = int(round(value))
        out[p.path] = value
    return out
