"""Ship the fitted trigger response with a scenario: a posterior folder runs can draw from.

`write_posterior` joins two independent posteriors into one calibration folder that
``[calibration] posterior`` can name: the crisis parameters of a ``sim calibrate`` folder
(resampled by their weights) and the trigger response fitted on the record up to an
origin (`sim.hindcast.trigger_fit`). Draw d of the result pairs draw d of each, which is a
sample of their product: the two were fitted to different data (the crisis targets and
the trigger occurrences), and the crisis fit held the trigger numbers at the medians of
the trigger fit (an approximation; docs/calibration.md says so).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import SimError
from sim.hindcast import trigger_rates
from sim.hindcast.trigger_fit import (
    EFFECTS,
    FIRST_YEAR,
    KINDS,
    PRIOR_KIND_SD,
    PRIOR_MU,
    PRIOR_SIGMA_SCALE,
    PRIORS,
    TriggerPosterior,
)

THEATRE_KINDS = {
    "leader_visit": "leader_visit-taiwan",
    "arms_sale": "arms_sale-taiwan",
    "election": "election-taiwan",
    "inauguration": "inauguration-taiwan",
    "statement": "statement-taiwan",
    "transit": "transit-taiwan",
}
"""Trigger ids of the shipped Taiwan scenarios, by fitted kind."""
RATE_KINDS = trigger_rates.KINDS
"""Kinds whose occurrences are a Poisson process in the shipped scenarios (the others are
on the calendar): their rates and the rates' volatility are drawn from their posterior
(`sim.hindcast.trigger_rates`)."""


def trigger_columns(
    post: TriggerPosterior, ids: dict[str, str | tuple[str, ...]], at_year: int | None = None
) -> dict[str, np.ndarray]:
    """Posterior columns of the trigger response: per-kind chances and the effects.

    The chances are at the propensity of `at_year` (default the origin's year): a scenario
    that starts before the origin (the historical run) starts the propensity's walk there.
    """
    probs = post.crisis_probability(at_year)
    columns = {
        f"triggers.{ident}.crisis_probability": probs[:, k]
        for k, kind in enumerate(KINDS)
        if kind in ids
        for ident in ((ids[kind],) if isinstance(ids[kind], str) else ids[kind])
    }
    for name in EFFECTS:
        columns[f"model.triggers.{name}"] = post.effect(name)
    columns["model.triggers.propensity_volatility"] = post.volatility()
    return columns


def write_posterior(
    post: TriggerPosterior,
    crisis_folder: Path,
    out: Path,
    scenario_file: str,
    seed: int = 1,
    ids: dict[str, str | tuple[str, ...]] | None = None,
    command: list[str] | None = None,
    at_year: int | None = None,
    rates: bool = True,
) -> Path:
    """Write the joint posterior folder (``calibration.json``, ``posterior.parquet``).

    Parameters
    ----------
    post : TriggerPosterior
        The trigger response fitted at the origin.
    crisis_folder : Path
        A complete ``sim calibrate`` folder fitted with data up to the same origin.
    out : Path
        Folder to write (created; its files are replaced).
    scenario_file : str
        The scenario the posterior is for (recorded).
    seed : int
        Seed of the resampling of the crisis draws.
    ids : dict, optional
        Trigger id (or ids) of each fitted kind (default `THEATRE_KINDS`).
    command : list of str, optional
        The command that wrote it (recorded).
    at_year : int, optional
        Year whose propensity the per-kind chances are at (default the origin's).
    rates : bool
        Whether to carry the Poisson kinds' rate draws (False for a scenario whose
        triggers are dated, not Poisson).
    """
    import pyarrow as pa

    from sim.results.folder import atomic_write_bytes, atomic_write_table
    from sim.scenario.posterior import MANIFEST, POSTERIOR, file_hash, load_posterior, read_manifest

    crisis = load_posterior(crisis_folder)
    crisis_manifest = read_manifest(Path(crisis_folder))
    if crisis_manifest.get("vintage") is not None and int(crisis_manifest["vintage"]) > int(
        post.origin[:4]
    ):
        raise SimError(
            f"{crisis_folder}: fitted with data up to {crisis_manifest['vintage']}, after the "
            f"trigger fit's origin {post.origin}"
        )
    draws = len(post.draws)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(crisis.weights), size=draws, replace=True, p=crisis.weights)
    columns: dict[str, Any] = {p: crisis.values[pick, j] for j, p in enumerate(crisis.paths)}
    ids = ids or dict(THEATRE_KINDS)
    columns.update(trigger_columns(post, ids, at_year))
    if rates:
        fitted = trigger_rates.fit(post.origin)
        volatility, drawn = fitted.draws(draws, seed=seed + 1)
        for kind in RATE_KINDS:
            if kind in ids and isinstance(ids[kind], str):
                columns[f"triggers.{ids[kind]}.rate_per_year"] = drawn[kind]
                columns[f"triggers.{ids[kind]}.rate_volatility"] = volatility
    columns["weight"] = np.full(draws, 1.0 / draws)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_table(out / POSTERIOR, pa.table(columns))
    parameters = [
        {"path": p["path"], "from": str(crisis_folder), "why": p.get("why", "")}
        for p in crisis_manifest["parameters"]
    ]
    parameters += [
        {
            "path": path,
            "from": f"trigger response fitted on the record up to {post.origin}",
            "why": _why(path),
        }
        for path in columns
        if path.startswith(("triggers.", "model.triggers.")) and path != "weight"
    ]
    manifest = {
        "kind": "calibration",
        "status": "complete",
        "scenario_file": scenario_file,
        "vintage": int(post.origin[:4]),
        "origin": post.origin,
        "propensity_year": at_year or int(post.origin[:4]),
        "method": "product of the crisis posterior of "
        f"{crisis_folder} (resampled by weight, seed {seed}) and the trigger-response "
        "posterior (sim.hindcast.trigger_fit: random-walk Metropolis on the record's trigger "
        "occurrences)",
        "trigger_fit": {
            "occurrences": post.occurrences,
            "crises": post.crises,
            "acceptance": post.acceptance,
            "summary": post.summary(),
        },
        "crisis_posterior": {
            "folder": str(crisis_folder),
            "sha256": crisis.sha256,
            "vintage": crisis_manifest.get("vintage"),
        },
        "parameters": parameters,
        "command": command or [],
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "posterior_sha256": file_hash(out / POSTERIOR),
    }
    atomic_write_bytes(out / MANIFEST, json.dumps(manifest, indent=2, default=float).encode())
    return out


def _why(path: str) -> str:
    """Return the prior of a trigger-response column, in words."""
    if path.endswith("crisis_probability"):
        return (
            f"logit = mu + d_kind + lambda_T (the propensity at the origin's year); mu ~ "
            f"N({PRIOR_MU[0]:.2f}, {PRIOR_MU[1]}^2), d_kind ~ N(0, {PRIOR_KIND_SD}^2), "
            f"lambda a random walk from 0 in {FIRST_YEAR} with annual steps sigma z, "
            f"z ~ N(0, 1)"
        )
    name = path.rsplit(".", 1)[1]
    if name == "rate_per_year":
        return (
            "the kind's rate in the origin's year: a Poisson local level (log rate a random "
            f"walk) fitted on the annual counts {FIRST_YEAR} to the origin, log r_{FIRST_YEAR} ~ "
            f"N({trigger_rates.PRIOR_LEVEL[0]}, {trigger_rates.PRIOR_LEVEL[1]}^2)"
        )
    if name == "rate_volatility":
        return f"sigma ~ Half-Normal({trigger_rates.PRIOR_SIGMA_SCALE}), shared by the kinds"
    if name == "propensity_volatility":
        return f"sigma ~ Half-Normal({PRIOR_SIGMA_SCALE})"
    mean, sd = PRIORS[name]
    return f"prior N({mean}, {sd}^2)"
