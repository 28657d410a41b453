"""Compile resolved scenarios into parameter arrays with a leading run axis.

A `Structure` holds what cannot vary between runs of one batch (the actors, theatres,
alliances, activities, event kinds and who takes part in them). `Params` holds numbers:
every array has a leading axis over runs, so the runs of a sweep can each carry their own
values. Arrays compiled from one scenario have a leading axis of length 1 and broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from sim.errors import SimError
from sim.scenario.loader import Scenario
from sim.scenario.months import parse_month

GLOBAL_KEYS = (
    "grievance.decay_per_year",
    "grievance.crisis_gain_per_month",
    "grievance.war_gain_per_month",
    "crisis.opening_rung",
    "crisis.war_cost",
    "crisis.csf_exponent",
    "crisis.escalation_probability",
    "crisis.settlement_probability",
    "crisis.accident_probability",
    "crisis.initiation_rate_per_year",
    "alliances.no_basing_factor",
    "alliances.join_sensitivity",
    "war.decisive_probability_per_month",
    "war.attrition_per_month",
    "war.gdp_loss_per_month",
    "war.learning_per_month",
    "war.mobilisation_share_gdp",
    "war.nuclear_threshold",
    "war.nuclear_use_probability_per_month",
    "war.nuclear_gdp_loss",
    "diplomacy.talks_per_year",
    "diplomacy.talks_grievance_relief",
    "diplomacy.talks_misperception_relief",
    "diplomacy.misperception_recovery_per_year",
    "diplomacy.hotline_incident_relief",
    "diplomacy.hotline_accident_relief",
)


@dataclass(frozen=True)
class EventSpec:
    """Structure of one scheduled event occurrence (repeats are separate occurrences)."""

    id: str
    kind: str
    occurrence: int
    actors: tuple[int, ...] = ()
    theatre: int = -1
    activity: int = -1
    alliance: int = -1
    policy: str = ""


@dataclass(frozen=True)
class Structure:
    """Everything that must be the same for all runs of a batch."""

    actors: tuple[str, ...]
    actor_names: tuple[str, ...]
    theatres: tuple[str, ...]
    claimant: np.ndarray  # (K, N) bool
    alliance_ids: tuple[str, ...]
    patron: np.ndarray  # (A,) int
    client: np.ndarray  # (A,) int
    covers: np.ndarray  # (A, K) bool
    activities: tuple[str, ...]  # names, one per activity q (theatre-qualified)
    activity_names: tuple[str, ...]  # bare names
    act_theatre: np.ndarray  # (Q,) int
    act_by: np.ndarray  # (Q,) int
    act_against: np.ndarray  # (Q,) int
    act_days: np.ndarray  # (Q,) bool
    act_responds: np.ndarray  # (Q,) int, -1 for primary activities
    grievance_dyads: tuple[tuple[int, int], ...]
    talks_dyads: tuple[tuple[int, int], ...]
    events: tuple[EventSpec, ...]
    mechanisms: frozenset[str]
    months: int
    start: int  # absolute month of the first simulated month

    def signature(self) -> tuple:
        """Hashable summary used to check that scenarios can share a batch."""
        return (
            self.actors,
            self.theatres,
            self.claimant.tobytes(),
            self.alliance_ids,
            self.covers.tobytes(),
            self.activities,
            self.act_by.tobytes(),
            self.act_against.tobytes(),
            self.act_days.tobytes(),
            self.act_responds.tobytes(),
            self.grievance_dyads,
            self.talks_dyads,
            self.events,
            self.mechanisms,
            self.months,
            self.start,
        )


@dataclass
class Params:
    """Numeric parameters; every array's first axis runs over runs (length R or 1)."""

    gdp0: np.ndarray  # (R, N) USD bn/yr
    milex0: np.ndarray  # (R, N) USD bn/yr
    growth: np.ndarray  # (R, N) 1/yr
    cap0: np.ndarray  # (R, N) USD bn
    depreciation: np.ndarray  # (R, N) 1/yr
    region: np.ndarray  # (R, N)
    sigma0: np.ndarray  # (R, N)
    audience: np.ndarray  # (R, N)
    nuclear: np.ndarray  # (R, N) bool
    fatigue: np.ndarray  # (R, N) 1/yr
    arms_g: np.ndarray  # (R, N) USD bn/yr
    reaction: np.ndarray  # (R, N, N) 1/yr, reaction[i, j] = k_ij
    max_share: np.ndarray  # (R, N)
    grievance_sensitivity: np.ndarray  # (R, N)
    grievance0: np.ndarray  # (R, N, N)
    grievance_base: np.ndarray  # (R, N, N)
    holder0: np.ndarray  # (R, K) int
    stake: np.ndarray  # (R, K, N)
    interdependence: np.ndarray  # (R, K)
    defender_advantage: np.ndarray  # (R, K)
    baseline_rung: np.ndarray  # (R, K) int
    commitment0: np.ndarray  # (R, A)
    basing0: np.ndarray  # (R, A) bool
    act_rate: np.ndarray  # (R, Q) per year
    act_ratio: np.ndarray  # (R, Q)
    act_e_grievance: np.ndarray  # (R, Q)
    act_e_capability: np.ndarray  # (R, Q)
    act_e_rung: np.ndarray  # (R, Q)
    act_incident0: np.ndarray  # (R, Q)
    act_grievance: np.ndarray  # (R, Q)
    glob: dict[str, np.ndarray] = field(default_factory=dict)  # key -> (R,)
    ev_month: np.ndarray = field(default_factory=lambda: np.zeros((1, 0), dtype=np.int64))
    ev_value: np.ndarray = field(default_factory=lambda: np.zeros((1, 0, 4)))  # (R, E, 4)
    ev_flag: np.ndarray = field(default_factory=lambda: np.zeros((1, 0, 4)))  # (R, E, 4) 0/1

    def take(self, index: np.ndarray) -> Params:
        """Return parameters for runs ``index`` (rows picked from the leading axis)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "glob":
                out[f.name] = {k: v[index] for k, v in value.items()}
            else:
                out[f.name] = value[index]
        return Params(**out)

    def broadcast(self, runs: int, copy: bool = False) -> Params:
        """Return parameters broadcast to `runs` rows.

        Parameters
        ----------
        runs : int
            Rows wanted.
        copy : bool
            False: read-only views (no memory per run). True: contiguous copies, which the
            engine uses because numpy runs element-wise operations on contiguous operands
            several times faster than on views whose run axis has stride 0 (the inner loop
            would be only as long as the actor or theatre axis).
        """

        def rows(value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
            view = np.broadcast_to(value, shape)
            return np.ascontiguousarray(view) if copy else view

        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "glob":
                out[f.name] = {k: rows(v, (runs,)) for k, v in value.items()}
            else:
                out[f.name] = rows(value, (runs,) + value.shape[1:])
        return Params(**out)


def stack(params: list[Params]) -> Params:
    """Concatenate parameter sets along the run axis."""
    out = {}
    for f in fields(Params):
        if f.name == "glob":
            out[f.name] = {k: np.concatenate([p.glob[k] for p in params]) for k in params[0].glob}
        else:
            out[f.name] = np.concatenate([getattr(p, f.name) for p in params])
    return Params(**out)


def compile_scenario(scenario: Scenario) -> tuple[Structure, Params]:
    """Compile one resolved scenario into its structure and length-1 parameter arrays."""
    d = scenario.data
    codes = list(d["actors"])
    idx = {c: i for i, c in enumerate(codes)}
    n = len(codes)
    theatres = list(d["theatres"])
    tidx = {t: i for i, t in enumerate(theatres)}
    k = len(theatres)
    actors = [d["actors"][c] for c in codes]

    def row(values, dtype=np.float64) -> np.ndarray:
        return np.asarray(values, dtype=dtype)[None]

    reaction = np.zeros((n, n))
    for i, a in enumerate(actors):
        for other, value in a["arms"]["reaction"].items():
            reaction[i, idx[other]] = value
    g0 = np.zeros((n, n))
    gb = np.zeros((n, n))
    dyads = []
    for g in d["grievances"]:
        i, j = idx[g["from"]], idx[g["to"]]
        g0[i, j] = g["level"]
        gb[i, j] = g["baseline"]
        dyads.append((i, j))

    claimant = np.zeros((k, n), dtype=bool)
    stake = np.zeros((k, n))
    holder = []
    for t, name in enumerate(theatres):
        th = d["theatres"][name]
        for c in th["claimants"]:
            claimant[t, idx[c]] = True
        for c, v in th["stake"].items():
            stake[t, idx[c]] = v
        holder.append(idx[th["holder"]])

    alliances = d["alliances"]
    patron = np.array([idx[a["patron"]] for a in alliances], dtype=np.int64)
    client = np.array([idx[a["client"]] for a in alliances], dtype=np.int64)
    covers = np.zeros((len(alliances), k), dtype=bool)
    for a, al in enumerate(alliances):
        for t in al["covers"]:
            covers[a, tidx[t]] = True

    acts, bare, a_th, a_by, a_ag, a_days, a_resp = [], [], [], [], [], [], []
    a_num: dict[str, list[float]] = {
        key: []
        for key in (
            "rate_per_year",
            "ratio",
            "grievance_elasticity",
            "capability_elasticity",
            "rung_elasticity",
            "incident_probability",
            "grievance_per_unit",
        )
    }
    aidx: dict[tuple[str, str], int] = {}
    for name in theatres:
        for act, spec in d["theatres"][name]["greyzone"].items():
            aidx[(name, act)] = len(acts)
            acts.append(f"{name}.{act}")
            bare.append(act)
            a_th.append(tidx[name])
            a_by.append(idx[spec["by"]])
            a_ag.append(idx[spec["against"]])
            a_days.append(spec["unit"] == "days")
            for key in a_num:
                a_num[key].append(spec[key])
    for name in theatres:
        for spec in d["theatres"][name]["greyzone"].values():
            a_resp.append(aidx[(name, spec["responds_to"])] if spec["responds_to"] else -1)

    start = parse_month(d["meta"]["start"])
    months = d["meta"]["months"]
    aid = [a["id"] for a in alliances]
    events, ev_month, ev_value, ev_flag = [], [], [], []
    talks_dyads: list[tuple[int, int]] = []
    occurrence = 0
    for ev in d["events"]:
        at = parse_month(ev["at"]) - start
        until = parse_month(ev["until"]) - start if ev["until"] else months - 1
        step = ev["repeat_every_months"]
        times = list(range(at, min(until, months - 1) + 1, step)) if step else [at]
        spec, values, flags = _event_spec(ev, idx, tidx, aidx, aid, start)
        if ev["kind"] == "talks":
            i, j = sorted(spec["actors"])
            if (i, j) not in talks_dyads:
                talks_dyads.append((i, j))
        for month in times:
            events.append(EventSpec(id=ev["id"], kind=ev["kind"], occurrence=occurrence, **spec))
            occurrence += 1
            ev_month.append(month)
            ev_value.append(values(month))
            ev_flag.append(flags)

    structure = Structure(
        actors=tuple(codes),
        actor_names=tuple(a["name"] for a in actors),
        theatres=tuple(theatres),
        claimant=claimant,
        alliance_ids=tuple(aid),
        patron=patron,
        client=client,
        covers=covers,
        activities=tuple(acts),
        activity_names=tuple(bare),
        act_theatre=np.array(a_th, dtype=np.int64),
        act_by=np.array(a_by, dtype=np.int64),
        act_against=np.array(a_ag, dtype=np.int64),
        act_days=np.array(a_days, dtype=bool),
        act_responds=np.array(a_resp, dtype=np.int64),
        grievance_dyads=tuple(dyads),
        talks_dyads=tuple(talks_dyads),
        events=tuple(events),
        mechanisms=frozenset(d["model"]["mechanisms"]),
        months=months,
        start=start,
    )
    model = d["model"]
    glob = {}
    for key in GLOBAL_KEYS:
        group, name = key.split(".")
        glob[key] = np.array([float(model[group][name])])
    params = Params(
        gdp0=row([a["gdp_usd_bn"] for a in actors]),
        milex0=row([a["milex_usd_bn"] for a in actors]),
        growth=row([a["gdp_growth_per_year"] for a in actors]),
        cap0=row([a["capability_usd_bn"] for a in actors]),
        depreciation=row([a["capability_depreciation_per_year"] for a in actors]),
        region=row([a["forces_in_region_share"] for a in actors]),
        sigma0=row([a["misperception"] for a in actors]),
        audience=row([a["audience_cost"] for a in actors]),
        nuclear=row([a["nuclear"] for a in actors], bool),
        fatigue=row([a["arms"]["fatigue"] for a in actors]),
        arms_g=row([a["arms"]["grievance"] for a in actors]),
        reaction=reaction[None],
        max_share=row([a["arms"]["max_share_gdp"] for a in actors]),
        grievance_sensitivity=row([a["arms"]["grievance_sensitivity"] for a in actors]),
        grievance0=g0[None],
        grievance_base=gb[None],
        holder0=row(holder, np.int64),
        stake=stake[None],
        interdependence=row([d["theatres"][t]["interdependence"] for t in theatres]),
        defender_advantage=row([d["theatres"][t]["defender_advantage"] for t in theatres]),
        baseline_rung=row([d["theatres"][t]["baseline_rung"] for t in theatres], np.int64),
        commitment0=row([a["commitment"] for a in alliances]).reshape(1, -1),
        basing0=row([a["basing"] for a in alliances], bool).reshape(1, -1),
        act_rate=row(a_num["rate_per_year"]).reshape(1, -1),
        act_ratio=row(a_num["ratio"]).reshape(1, -1),
        act_e_grievance=row(a_num["grievance_elasticity"]).reshape(1, -1),
        act_e_capability=row(a_num["capability_elasticity"]).reshape(1, -1),
        act_e_rung=row(a_num["rung_elasticity"]).reshape(1, -1),
        act_incident0=row(a_num["incident_probability"]).reshape(1, -1),
        act_grievance=row(a_num["grievance_per_unit"]).reshape(1, -1),
        glob=glob,
        ev_month=np.array(ev_month, dtype=np.int64).reshape(1, -1),
        ev_value=np.array(ev_value, dtype=np.float64).reshape(1, -1, 4),
        ev_flag=np.array(ev_flag, dtype=np.float64).reshape(1, -1, 4),
    )
    return structure, params


def _event_spec(ev: dict, idx: dict, tidx: dict, aidx: dict, aid: list, start: int):
    """Return (structure kwargs, values(month) -> 4 numbers, 4 presence flags) of an event.

    Numbers by kind: policy (target kind code, target value, by month, -);
    incident (rung or -1); rules_of_engagement (incident probability); drill/visit
    (grievance increase, crisis probability); alliance (commitment, basing).
    """
    kind = ev["kind"]
    spec: dict = {}
    flags = [0.0, 0.0, 0.0, 0.0]
    numbers = [0.0, 0.0, 0.0, 0.0]
    if "parties" in ev:
        spec["actors"] = tuple(idx[c] for c in ev["parties"])
    if "theatre" in ev:
        spec["theatre"] = tidx[ev["theatre"]]
    if kind == "policy":
        spec["actors"] = (idx[ev["actor"]],)
        for code, key in enumerate(("target_share_gdp", "target_milex_usd_bn", "growth_per_year")):
            if ev[key] is not None:
                spec["policy"] = key
                numbers[0], numbers[1] = code, ev[key]
        by = parse_month(ev["reach_by"]) - start
        flags[0] = 1.0
        return spec, lambda month: [numbers[0], numbers[1], float(by), 0.0], flags
    if kind in ("incident", "blockade", "landing", "invasion"):
        spec["actors"] = (idx[ev["by"]],) + ((idx[ev["against"]],) if kind == "incident" else ())
        if kind == "incident" and ev["rung"] is not None:
            numbers[0], flags[0] = float(ev["rung"]), 1.0
    if kind == "rules_of_engagement":
        spec["activity"] = aidx[(ev["theatre"], ev["activity"])]
        numbers[0], flags[0] = ev["incident_probability"], 1.0
    if kind in ("drill", "visit"):
        if kind == "visit":
            spec["actors"] = (idx[ev["by"]], idx[ev["to"]])
        numbers[0], numbers[1] = ev["grievance_increase"], ev["crisis_probability"]
        flags[0] = flags[1] = 1.0
    if kind == "alliance":
        spec["alliance"] = aid.index(f"{ev['patron']}-{ev['client']}")
        if ev["commitment"] is not None:
            numbers[0], flags[0] = ev["commitment"], 1.0
        if ev["basing"] is not None:
            numbers[1], flags[1] = float(ev["basing"]), 1.0
    return spec, lambda month: list(numbers), flags


def compile_batch(scenarios: list[Scenario]) -> tuple[Structure, Params]:
    """Compile scenarios that differ only in numbers (the points of a sweep) into one batch.

    Raises
    ------
    SimError
        If the scenarios differ in structure (actors, theatres, events, mechanisms...).
    """
    compiled = [compile_scenario(s) for s in scenarios]
    structure = compiled[0][0]
    signature = structure.signature()
    for (other, _), scenario in zip(compiled[1:], scenarios[1:], strict=True):
        if other.signature() != signature:
            raise SimError(
                f"{scenario.file}: the swept values change the scenario's structure "
                "(actors, theatres, events, mechanisms or horizon); only numbers "
                "may vary within a sweep"
            )
    return structure, stack([p for _, p in compiled])


__all__ = ["EventSpec", "Params", "Structure", "compile_batch", "compile_scenario", "replace"]
