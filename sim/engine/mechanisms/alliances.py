"""Alliances: patrons act in their clients' crises from rung 4, and decide to join wars.

From coercion (rung 4) below war, each patron whose client is a party in a covered
theatre decides once per crisis whether to deploy forces (signal, deploy, supply: its
force then counts fully in both sides' perceived balance), with probability

    P(act) = commitment * logistic(beta * (V_patron - cost_patron(r)))
    cost_patron(r) = kappa (1 + iota_k) (r / 6)^2 * F_opponent / (F_opponent + F_patron)

and its credibility moves with what it did: commitment rises by ``credibility_gain`` of
the way to 1 when it acts and falls by ``credibility_loss`` when it stands aside
(reputation: Weisiger & Yarhi-Milo 2015; against: Press 2005). At war (rung 6+) the
patron decides once per war whether to join (the same form at r = 6); a joining patron
fights from then on and the theatre climbs to rung 7, regional war.

Basing: a patron reaches a theatre in full only from a client's territory next to it
(the alliance's own ``basing``, or a third country's: an alliance whose ``host_theatres``
include the theatre and whose basing is on); otherwise ``no_basing_factor`` of its force
arrives (`sim.engine.forces.patron_reach`). A host whose territory the patron fights from
becomes a party and a target: it is counted among the crisis's parties, its force counts
(``host_force_share``) and at war it fights and loses GDP (alliance credibility: Snyder
1984; Fearon 1997; Leeds 2003).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine import streams
from sim.engine.arrays import any_last
from sim.engine.context import Month
from sim.engine.declare import (
    DERIVED,
    REQUIRED,
    Array,
    Column,
    DeriveContext,
    Mechanism,
    MonthView,
    ParamBlock,
    outcome,
    param,
    scratch,
    world,
)
from sim.engine.declare import Field as F
from sim.engine.forces import (
    MIN_STAKE,
    gather,
    host_alliances,
    host_basing,
    patron_reach,
    regional_force,
)
from sim.engine.ladder import COERCION_RUNG, REGIONAL_WAR_RUNG, WAR_RUNG, add_party, note_rungs
from sim.engine.subset import on_rows

if TYPE_CHECKING:
    from sim.engine.params import Structure

LOGIT_CLIP = 50.0
"""Bound on the logistic's argument (exp overflows beyond ~700; 50 is already certain)."""


@dataclass(frozen=True)
class AlliancesParams(ParamBlock):
    """Commitments and basing per alliance; how patrons weigh joining."""

    commitment: Array = param(
        scope="alliance",
        kind="float",
        default=0.5,
        lo=0,
        hi=1,
        doc="Credibility of the commitment to fight for the client.",
        literature="allies honoured commitments in about 75% of wars 1816-1944 (Leeds, Long & "
        "Mitchell 2000); lower for ambiguous commitments",
    )
    basing: Array = param(
        scope="alliance",
        kind="bool",
        default=False,
        doc="Whether the patron may fight from the client's territory.",
        source="scenario",
    )
    no_basing_factor: Array = param(
        scope="model",
        kind="float",
        default=0.5,
        lo=0,
        hi=1,
        doc="Share of a patron's regional force that reaches a theatre without basing.",
    )
    host_force_share: Array = param(
        scope="model",
        kind="float",
        default=1.0,
        lo=0,
        hi=1,
        doc="Share of a host country's regional force that fights when its patron fights "
        "from its territory (it is then a target).",
        literature="a host whose bases are struck is itself attacked and defends itself "
        "(Japan: 2015 security legislation on 'survival-threatening situations'); 0.3-1",
    )
    credibility_gain: Array = param(
        scope="model",
        kind="float",
        default=0.1,
        lo=0,
        hi=1,
        doc="Share of the way to full commitment a patron's credibility gains when it acts "
        "in its client's crisis.",
        literature="reputation effects of past behaviour (Weisiger & Yarhi-Milo 2015); "
        "small or none (Press 2005)",
    )
    credibility_loss: Array = param(
        scope="model",
        kind="float",
        default=0.1,
        lo=0,
        hi=1,
        doc="Share of its commitment a patron's credibility loses when it stands aside in its "
        "client's crisis.",
        literature="reputation effects of past behaviour (Weisiger & Yarhi-Milo 2015); "
        "small or none (Press 2005)",
    )
    join_sensitivity: Array = param(
        scope="model",
        kind="float",
        default=4.0,
        lo=0,
        hi=100,
        doc="Slope of the patron's join probability in stake minus cost.",
    )


def step(m: Month) -> None:
    """Patrons act in their clients' coercive crises, then decide whether to join wars."""
    if len(m.structure.alliance_ids) == 0:
        return
    # only runs with a crisis at rung 4 or more can see a patron act; the others are
    # left as they are
    w = m.state.world
    on_rows(act, m, any_last(w.crisis & (w.rung >= COERCION_RUNG)))


def _probability(m: Month, a: int, k: int, opponent: np.ndarray, rung: np.ndarray) -> np.ndarray:
    """(R,) chance that alliance a's patron acts in theatre k at `rung` (module doc)."""
    p, s = m.params, m.structure
    force = regional_force(m.state, p)
    f_opp = gather(force, opponent[:, None])[:, 0]
    reach = patron_reach(m.state, p, s)[:, k, a]
    f_pat = force[:, s.patron[a]] * reach
    share = f_opp / np.maximum(f_opp + f_pat, 1e-9)
    scale = (np.asarray(rung, dtype=np.float64) / float(WAR_RUNG)) ** 2
    cost = p.crisis.war_cost * (1.0 + p.world.interdependence[:, k]) * share * scale
    stake = np.maximum(p.world.stake[:, k, s.patron[a]], 0.0)
    logit = np.clip(p.alliances.join_sensitivity * (stake - cost), -LOGIT_CLIP, LOGIT_CLIP)
    prob = m.state.world.commitment[:, a] / (1.0 + np.exp(-logit))
    return np.where(stake < MIN_STAKE, 0.0, prob)


def _hosts_join(m: Month, mask: np.ndarray, k: int, a: int) -> None:
    """Count the third countries hosting alliance a's patron for theatre k as parties."""
    st, s = m.state, m.structure
    hosted = host_basing(st, s)
    for h in host_alliances(s, a):
        host = s.client[h]
        add_party(st, mask & hosted[:, k, h], k, host)


def act(m: Month) -> None:
    """Deployments from rung 4 below war, and joins at war, in the runs of `m`."""
    st, s = m.state, m.structure
    draws = m.rng.uniform(m.t, streams.ALLIANCE_DEPLOY, len(s.alliance_ids) * len(s.theatres))
    joins = m.rng.uniform(m.t, streams.ALLIANCE_JOIN, len(s.alliance_ids) * len(s.theatres))
    for a in range(len(s.alliance_ids)):
        for k in map(int, np.nonzero(s.covers[a])[0]):
            u = len(s.theatres) * a + k
            _deploy(m, a, k, draws[:, u])
            _join(m, a, k, joins[:, u])
    note_rungs(st)


def _sides(m: Month, a: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(R,) whether alliance a's client is a party in theatre k, and its opponent."""
    w, client = m.state.world, m.structure.client[a]
    is_ch = w.challenger[:, k] == client
    is_df = w.defender[:, k] == client
    opponent = np.where(is_ch, w.defender[:, k], w.challenger[:, k])
    return w.crisis[:, k] & (is_ch | is_df), opponent


def _deploy(m: Month, a: int, k: int, u: np.ndarray) -> None:
    """Let the patron decide, once per crisis, whether to act in its client's crisis."""
    st, p, s = m.state, m.params, m.structure
    w = st.world
    party, opponent = _sides(m, a, k)
    can = party & (w.rung[:, k] >= COERCION_RUNG) & (w.rung[:, k] < WAR_RUNG)
    can &= ~w.deploy_decided[:, k, a]
    if not can.any():
        return
    go = can & (u < _probability(m, a, k, opponent, w.rung[:, k]))
    w.deploy_decided[:, k, a] |= can
    w.deployed[:, k, a] |= go
    st.outcome.ever_deployed[:, k, a] |= go
    add_party(st, go, k, s.patron[a])
    _hosts_join(m, go, k, a)
    c = w.commitment[:, a]
    gain, loss = p.alliances.credibility_gain, p.alliances.credibility_loss
    c = np.where(go, c + gain * (1.0 - c), c)
    w.commitment[:, a] = np.where(can & ~go, c * (1.0 - loss), c)
    st.scratch.deployed_now[:, k, a] |= go


def _join(m: Month, a: int, k: int, u: np.ndarray) -> None:
    """Let the patron decide, once per war, whether to join it."""
    st, s = m.state, m.structure
    w, x = st.world, st.scratch
    party, opponent = _sides(m, a, k)
    can = party & (w.rung[:, k] >= WAR_RUNG) & ~w.decided[:, k, a]
    if not can.any():
        return
    join = can & (u < _probability(m, a, k, opponent, np.full(m.runs, WAR_RUNG)))
    w.decided[:, k, a] |= can
    w.joined[:, k, a] |= join
    st.outcome.ever_joined[:, k, a] |= join
    x.joined_now[:, k, a] |= join
    add_party(st, join, k, s.patron[a])
    _hosts_join(m, join, k, a)
    w.rung[:, k] = np.where(join, np.maximum(w.rung[:, k], REGIONAL_WAR_RUNG), w.rung[:, k])


def _allies_joined(st: Any, s: Structure) -> np.ndarray:
    """(R, K) comma-separated codes of the patrons that joined a war there."""
    joined_any = st.outcome.ever_joined
    runs, k = joined_any.shape[:2]
    out = np.full((runs, k), "", dtype=object)
    for a, patron in enumerate(s.patron):
        code = s.actors[patron]
        hit = joined_any[:, :, a]
        out = np.where(hit, np.where(out == "", code, out + "," + code), out)
    return out


def log_month(v: MonthView) -> list[tuple[str, str, str]]:
    """Patrons joining a war this month."""
    s, x = v.s, v.st.scratch
    return [
        (theatre, "intervention", f"{s.actors[s.patron[a]]} joins the war ({aid})")
        for k, theatre in enumerate(s.theatres)
        for a, aid in enumerate(s.alliance_ids)
        if x.joined_now[v.run, k, a]
    ]


def client_theatres(alliance: dict, context: DeriveContext) -> list[str]:
    """Return every theatre the client claims, in scenario order."""
    return [
        name
        for name, theatre in context.theatres.items()
        if alliance["client"] in theatre.get("claimants", [])
    ]


MECHANISM = Mechanism(
    name="alliances",
    doc="Patrons decide whether to join their clients' wars (credibility, stake, cost).",
    params=AlliancesParams,
    fields={
        "alliance": {
            "patron": F(kind="actor", default=REQUIRED, doc="The protecting actor."),
            "client": F(kind="actor", default=REQUIRED, doc="The protected actor."),
            "covers": F(
                kind="theatres",
                default=DERIVED,
                derive=client_theatres,
                doc="Theatres covered; default every theatre the client claims.",
            ),
            "host_theatres": F(
                kind="theatres",
                default=[],
                doc="Theatres beyond those covered for which the client lets the patron fight "
                "from its territory while basing is on (third-country basing: US forces in "
                "Japan for a Taiwan war); the client then becomes a party and a target.",
            ),
        }
    },
    state=(
        world(
            "commitment",
            axes=("alliance",),
            dtype=np.float64,
            init=lambda p: p.alliances.commitment,
            doc="Current commitment, 0-1.",
        ),
        world(
            "basing",
            axes=("alliance",),
            dtype=bool,
            init=lambda p: p.alliances.basing,
            doc="Current basing access.",
        ),
        world(
            "joined",
            axes=("theatre", "alliance"),
            dtype=bool,
            doc="The patron fights in the current war.",
        ),
        world(
            "decided",
            axes=("theatre", "alliance"),
            dtype=bool,
            doc="The patron has decided for the current war.",
        ),
        world(
            "deployed",
            axes=("theatre", "alliance"),
            dtype=bool,
            doc="The patron has deployed forces to the current crisis.",
        ),
        world(
            "deploy_decided",
            axes=("theatre", "alliance"),
            dtype=bool,
            doc="The patron has decided whether to act in the current crisis.",
        ),
        outcome(
            "ever_joined",
            axes=("theatre", "alliance"),
            dtype=bool,
            doc="The patron joined a war there.",
        ),
        outcome(
            "ever_deployed",
            axes=("theatre", "alliance"),
            dtype=bool,
            doc="The patron deployed forces to a crisis there.",
        ),
        scratch(
            "joined_now",
            axes=("theatre", "alliance"),
            dtype=bool,
            doc="The patron joined this month.",
        ),
        scratch(
            "deployed_now",
            axes=("theatre", "alliance"),
            dtype=bool,
            doc="The patron deployed this month.",
        ),
    ),
    columns=(
        Column(
            "allies_joined",
            "string",
            _allies_joined,
            doc="Comma-separated codes of the patrons that joined a war in the theatre.",
        ),
    ),
    log=log_month,
    needs=("crisis",),
    step=step,
)
