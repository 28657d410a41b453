"""Parameter sweeps: parameter spaces, samplers (grid, LHS, Sobol, Morris), execution.

Parameter definitions (`space`), sampling (`samplers`), execution (`run`) and analysis
(`sim.analysis.sensitivity`, `sim.analysis.discovery`) are separate, as in EMA Workbench.

This package is also the public function ``sim.sweep(scenario, params, ...)``
(`sim.sweep.frame.sweep`, also `sim.api.sweep`): calling the module runs a sweep and
returns its summary as a DataFrame. (``import sim.sweep.run`` binds the name ``sim.sweep``
to this package, so the package itself is what must be callable.)
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    """A module that runs `sim.sweep.frame.sweep` when called."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from sim.sweep.frame import sweep

        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
