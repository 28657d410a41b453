"""Which parameters are calibrated, their priors, and the unconstrained scale SMC moves on.

A parameter is calibratable when its declaration carries a `Prior` (`sim.engine.declare`);
only model-scope parameters of switched-on mechanisms qualify (one number per scenario,
``--set model.<mechanism>.<key>``). Both prior kinds are uniform on a unit scale ``u``
(``x`` itself, or ``log x``), and the sampler works with ``z = logit(u)``, on which the
prior density is the logistic density: moves never leave the support.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.engine.declare import Prior
from sim.errors import SimError
from sim.scenario.loader import Scenario


@dataclass(frozen=True)
class Calibrated:
    """One calibrated parameter.

    Attributes
    ----------
    path : str
        Its ``--set`` path (``model.crisis.war_cost``).
    prior : Prior
        Its prior.
    unit : str
        Its unit (from the declaration).
    doc : str
        Its meaning (from the declaration).
    """

    path: str
    prior: Prior
    unit: str = ""
    doc: str = ""

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form (manifests)."""
        p = self.prior
        return {"path": self.path, "prior": p.kind, "lo": p.lo, "hi": p.hi, "why": p.why}


def declared_priors() -> list[Calibrated]:
    """Every model-scope parameter with a declared prior, in registry order."""
    from sim.engine.registry import MECHANISMS

    out = []
    for mechanism in MECHANISMS:
        if mechanism.params is None:
            continue
        for _, param in mechanism.params.declared():
            if param.spec.prior is not None and param.scope == "model":
                path = f"model.{mechanism.name}.{param.key}"
                out.append(Calibrated(path, param.spec.prior, param.spec.unit, param.spec.doc))
    return out


def parse_prior(text: str) -> tuple[str, Prior]:
    """Parse ``PATH=KIND:LO:HI`` (``--prior``), e.g. ``model.crisis.war_cost=loguniform:0.1:4``.

    Raises
    ------
    SimError
        In one line naming the option, if the text is malformed.
    """
    path, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or len(parts) != 3:
        raise SimError(f"--prior {text!r}: expected PATH=KIND:LO:HI (e.g. loguniform:0.1:4)")
    try:
        lo, hi = float(parts[1]), float(parts[2])
        prior = Prior(parts[0], lo, hi, f"set on the command line ({spec})")
    except ValueError as exc:
        raise SimError(f"--prior {text!r}: {exc}") from None
    return path.strip(), prior


def calibrated_parameters(
    scenario: Scenario, only: Iterable[str] = (), priors: Mapping[str, Prior] | None = None
) -> list[Calibrated]:
    """Parameters to calibrate in `scenario`: declared priors of its switched-on mechanisms.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    only : iterable of str
        If given, just these paths (each must be calibratable).
    priors : mapping of path to Prior, optional
        Priors that replace the declared ones (a prior-sensitivity refit, ``--prior``);
        each path must be calibratable here.
    """
    on = set(scenario.data["model"]["mechanisms"]) | {"world"}
    available = [c for c in declared_priors() if c.path.split(".")[1] in on]
    for path, prior in (priors or {}).items():
        if path not in {c.path for c in available}:
            actor = actor_parameter(scenario, path, prior)
            if actor is None:
                raise SimError(f"{scenario.file}: --prior {path}: not calibratable here")
            available.append(actor)
            continue
        available = [
            Calibrated(c.path, prior, c.unit, c.doc) if c.path == path else c for c in available
        ]
    added = [c.path for c in available if c.path.startswith(("actors.", "theatres."))]
    wanted = list(only)
    wanted += [p for p in added if wanted and p not in wanted]  # --prior adds an actor's
    if not wanted:
        if not available:
            raise SimError(f"{scenario.file}: no calibratable parameter is switched on")
        return available
    by_path = {c.path: c for c in available}
    unknown = [p for p in wanted if p not in by_path]
    if unknown:
        raise SimError(
            f"{scenario.file}: --param {unknown[0]}: not calibratable here "
            f"(calibratable: {', '.join(sorted(by_path))})"
        )
    return [by_path[p] for p in wanted]


def actor_parameter(scenario: Scenario, path: str, prior: Prior) -> Calibrated | None:
    """Return the actor- or theatre-scope parameter `path` with `prior`.

    Actor- and theatre-scope parameters carry no declared prior (one number per actor or
    theatre is a choice of the scenario, not of the model): ``--prior
    actors.ID.KEY=KIND:LO:HI`` (``actors.CHN.misperception``) or ``theatres.ID.KEY=...``
    (``theatres.senkaku.initiation_rate_multiplier``) adds one to the calibrated set.
    Returns None unless ID is an actor (theatre) of `scenario` and KEY a numeric actor-
    (theatre-) scope parameter of a switched-on mechanism, with the prior inside its bounds.
    """
    from sim.engine.params import SCOPED_TABLES, scoped_param

    parts = path.split(".")
    if len(parts) != 3 or parts[0] not in SCOPED_TABLES:
        return None
    if parts[1] not in scenario.data[parts[0]]:
        return None
    found = scoped_param(SCOPED_TABLES[parts[0]], parts[2])
    if found is None or found[0] not in scenario.data["model"]["mechanisms"]:
        return None
    spec = found[2].spec
    if spec.kind != "float":
        return None
    low = -np.inf if spec.lo is None else spec.lo
    high = np.inf if spec.hi is None else spec.hi
    if prior.lo < low or prior.hi > high:
        raise SimError(
            f"{scenario.file}: --prior {path}: [{prior.lo}, {prior.hi}] leaves the "
            f"parameter's bounds [{spec.lo}, {spec.hi}]"
        )
    return Calibrated(path, prior, spec.unit, spec.doc)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def to_natural(params: Sequence[Calibrated], z: np.ndarray) -> np.ndarray:
    """Map unconstrained values (N, D) to parameter values (N, D)."""
    u = _sigmoid(np.asarray(z, dtype=float))
    out = np.empty_like(u)
    for d, c in enumerate(params):
        lo, hi = c.prior.lo, c.prior.hi
        if c.prior.kind == "loguniform":
            out[:, d] = np.exp(np.log(lo) + u[:, d] * (np.log(hi) - np.log(lo)))
        else:
            out[:, d] = lo + u[:, d] * (hi - lo)
    return out


def to_unit(params: Sequence[Calibrated], x: np.ndarray) -> np.ndarray:
    """Map parameter values (N, D) to the unit scale ``u`` on which the prior is uniform."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    for d, c in enumerate(params):
        lo, hi = c.prior.lo, c.prior.hi
        if c.prior.kind == "loguniform":
            out[:, d] = (np.log(x[:, d]) - np.log(lo)) / (np.log(hi) - np.log(lo))
        else:
            out[:, d] = (x[:, d] - lo) / (hi - lo)
    return out


def log_prior_z(z: np.ndarray) -> np.ndarray:
    """Log prior density on the unconstrained scale (the logistic density), shape (N,)."""
    z = np.asarray(z, dtype=float)
    return -(np.logaddexp(0.0, z) + np.logaddexp(0.0, -z)).sum(axis=1)


def sample_prior_z(rng: np.random.Generator, n: int, dims: int) -> np.ndarray:
    """Draw `n` points from the prior on the unconstrained scale, (n, dims)."""
    u = rng.uniform(size=(n, dims))
    u = np.clip(u, 1e-12, 1 - 1e-12)
    return np.log(u) - np.log1p(-u)
