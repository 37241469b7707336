"""Synthetic clusters with known ground truth, for tests, teaching and benchmarks.

:func:`generate` builds a cluster of firms on one or more chain templates with gaps placed on
purpose: missing segments (no local firm), weak segments (exactly one local firm) and broken
flows (both segments held locally, but no local supply link between them). Every other
segment is held by at least two local firms and every other flow is realised by at least two
distinct local firm pairs, so a chain audit (see ``docs/completeness.md``) finds exactly the gaps
that were built in. The result carries that ground truth next to the cluster.

Degrees are heavy-tailed: each firm gets a Pareto attractiveness, and ties are drawn in
proportion to it, so a few firms collect most ties (as in preferential attachment). The
``structure`` argument shapes the network after Markusen's (1996) typology of industrial
districts: ``hub_and_spoke`` (a few vertically integrated leaders at the centre),
``marshallian`` (many small firms, no dominant one), ``satellite`` (branch plants tied to
outside firms) and ``state_anchored`` (one large public anchor plus research institutes).

Everything is vectorised with numpy; a cluster of 1,000,000 firms and 5,000,000 links takes
well under a minute. Every stochastic step draws from one ``numpy.random.Generator`` seeded
with ``seed``, so a seed always gives the same cluster.

References
----------
Markusen, A. (1996). Sticky places in slippery space: a typology of industrial districts.
Economic Geography 72(3), 293-313.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _validate as v
from ._errors import ChainnetError
from ._generate_links import _boost_leaders, _first_leader, _other_links, _Pools, _Shape, _skeleton, _supply_links
from ._generate_tables import (
    _Chain,
    _check_gaps,
    _check_given,
    _check_numbers,
    _external_roles,
    _firm_table,
    _flow_pair,
    _given_firms,
    _given_segments,
    _link_table,
    _role_codes,
    _templates,
    _truth,
    _unique,
)
from .model import Cluster, _with_template_refs
from .template import Template

STRUCTURES = ("hub_and_spoke", "marshallian", "satellite", "state_anchored")

_SHAPES = {
    "hub_and_spoke": _Shape(1.3, 0.35, 0.35, (1, 3), 3.0, 0.15, 0.0,
                            {"cooperation": 0.05, "rd": 0.04, "service": 0.02, "ownership": 0.01}, 0.2),
    "marshallian": _Shape(2.5, 0.0, 0.0, (0, 0), 1.5, 0.05, 0.0,
                          {"cooperation": 0.15, "rd": 0.04, "service": 0.03, "ownership": 0.0}, 0.0),
    "satellite": _Shape(1.6, 0.12, 0.12, (0, 1), 2.0, 0.05, 0.3,
                        {"cooperation": 0.03, "rd": 0.02, "service": 0.02, "ownership": 0.03}, 0.5),
    "state_anchored": _Shape(1.5, 0.12, 0.45, (2, 4), 2.0, 0.1, 0.0,
                             {"cooperation": 0.04, "rd": 0.10, "service": 0.02, "ownership": 0.01}, 0.2),
}
_STAGE_FIRMS = {"upstream": 0.5, "midstream": 1.0, "downstream": 0.8}   # where small firms sit
_STAGE_LEADERS = {"upstream": 1.2, "midstream": 1.0, "downstream": 0.3}  # where leaders sit


@dataclass(frozen=True)
class GeneratedCluster:
    """A synthetic cluster and the ground truth it was built with.

    Attributes
    ----------
    cluster : the generated :class:`~chainnet.Cluster`
    truth : plain, JSON-ready dict: ``missing``, ``missing_external`` (missing segments that an
        external firm covers), ``broken`` and ``weak_flows`` (as ``"a->b"``), ``weak``,
        ``gaps`` (the audit's expected gap list: type, segment, from, to, template),
        ``roles`` (firm counts), ``leaders`` (firm ids), ``structure``, ``counts`` and
        ``parameters``
    """

    cluster: Cluster
    truth: dict[str, Any]


def generate(template: str | Template | Sequence[str | Template] = "copper", *, firms: int = 200,
             leaders: int = 3, backbone_share: float = 0.15, structure: str = "hub_and_spoke",
             missing: Iterable[str] = (), broken: Iterable[str | tuple[str, str]] = (), weak: Iterable[str] = (),
             external_share: float = 0.1, institutions: int | None = None, services: int | None = None,
             links_per_firm: float = 5.0, seed: int = 0, id: str | None = None, year: int = 2020,
             missing_external: bool = True, given: pd.DataFrame | None = None,
             meta: dict[str, Any] | None = None, validate: bool = False,
             progress: Callable[[str], None] | None = None) -> GeneratedCluster:
    """Generate a synthetic cluster whose chain gaps are known.

    Parameters
    ----------
    template : a built-in template id, a :class:`~chainnet.Template`, or several of them for
        a cluster that holds several chains (internal fusion); shared segment ids are one segment
    firms : number of firms (roles leader, backbone, sme), local and external, including ``given``
    leaders : number of local leader firms, including leaders among ``given``
    backbone_share : share of the generated local non-leader firms that are backbone firms;
        the rest are SMEs
    structure : ``"hub_and_spoke"``, ``"marshallian"``, ``"satellite"`` or ``"state_anchored"``
    missing : segments no local firm holds (external firms may hold them, see ``missing_external``)
    broken : flows ``"a->b"`` (or ``(a, b)``) whose segments are both held locally, with no local
        supply link from a holder of ``a`` to a holder of ``b`` and no firm holding both
    weak : segments held by exactly one local firm
    external_share : share of ``firms`` outside the cluster boundary (suppliers and customers)
    institutions, services : numbers of research institutions and service providers
        (default 1% and 0.5% of ``firms``, at least 2 and 1)
    links_per_firm : links of all kinds per firm; the cluster gets ``round(links_per_firm * firms)``
        links when the firms allow that many distinct ties
    seed : seed of the random generator; the same arguments and seed give the same cluster
    id : cluster id (default ``synthetic_<template>_<seed>``)
    year : snapshot year; founding years and link years do not exceed it
    missing_external : let external firms hold the missing segments (``external_supply`` in an audit)
    given : firms to include as they are (e.g. reported firms of a real cluster), as a firms
        table; generated firms and links are built around them and never contradict the gaps
    meta : entries added to (or replacing) the generated metadata, e.g. ``name`` or ``sources``
    validate : build the cluster through :meth:`Cluster.from_frames` (checks everything; slower)
    progress : called with a short message after each step (for progress output)

    Returns
    -------
    GeneratedCluster
        ``.cluster`` and ``.truth``.

    Raises
    ------
    ChainnetError
        For unknown segments or flows, contradictory gaps, or too few firms to hold every
        segment twice.

    Examples
    --------
    >>> g = generate("copper", firms=120, missing=["hvac"], broken=["scrap->rod"], weak=["tube"], seed=1)
    >>> g.cluster
    <Cluster 'synthetic_copper_1': 123 firms, 600 links, template copper>
    >>> g.truth["missing"], g.truth["broken"], g.truth["weak"]
    (['hvac'], ['scrap->rod'], ['tube'])
    >>> sorted((gap["type"], gap["segment"] or gap["from"]) for gap in g.truth["gaps"])
    [('connect', 'scrap'), ('extend', 'hvac'), ('strengthen', 'tube')]
    """
    say = progress or (lambda _msg: None)
    if structure not in _SHAPES:
        raise ChainnetError(f"unknown structure {structure!r}; use one of {', '.join(STRUCTURES)}")
    shape = _SHAPES[structure]
    rng = np.random.default_rng(seed)
    tpls = _templates(template)
    chain = _Chain(tpls)
    missing_l, weak_l = _unique(missing), _unique(weak)
    broken_l = [_flow_pair(f) for f in broken]
    broken_l = list(dict.fromkeys(broken_l))
    _check_gaps(chain, missing_l, weak_l, broken_l)
    _check_numbers(firms=firms, leaders=leaders, backbone_share=backbone_share, external_share=external_share,
                   links_per_firm=links_per_firm, institutions=institutions, services=services)
    S = len(chain.ids)
    is_missing = np.zeros(S, bool)
    is_missing[[chain.pos[s] for s in missing_l]] = True
    is_weak = np.zeros(S, bool)
    is_weak[[chain.pos[s] for s in weak_l]] = True
    bad_pair = np.zeros((S, S), bool)  # [a, b]: holding a and selling to a holder of b is forbidden
    for a, b in broken_l:
        bad_pair[chain.pos[a], chain.pos[b]] = True

    # -- firms: given rows first, then leaders, backbone, SMEs, external, institutions, services
    gv = _given_firms(given, chain)
    g_local = (~gv["external"].to_numpy(bool)) & gv["role"].isin(v.FIRM_ROLES).to_numpy()
    g_firm = gv["role"].isin(v.FIRM_ROLES).to_numpy()
    g_seg = _given_segments(gv, chain)
    _check_given(gv, g_seg, g_local, is_missing, is_weak, bad_pair, chain)
    n_given = len(gv)
    n_ext = round(external_share * firms)
    n_ext_gen = max(n_ext - int((g_firm & ~g_local).sum()), 0)
    n_loc_gen = firms - int(g_firm.sum()) - n_ext_gen
    if n_loc_gen < 0:
        raise ChainnetError(f"firms={firms} is smaller than the {int(g_firm.sum())} given firms plus "
                            f"{n_ext_gen} external ones; raise firms")
    n_lead = min(max(leaders - int((g_local & (gv["role"] == "leader").to_numpy()).sum()), 0), n_loc_gen)
    n_back = round(backbone_share * (n_loc_gen - n_lead))
    n_inst = max(2, round(0.01 * firms)) if institutions is None else institutions
    n_serv = max(1, round(0.005 * firms)) if services is None else services
    n_gen = n_loc_gen + n_ext_gen + n_inst + n_serv
    N = n_given + n_gen
    role = np.concatenate([_role_codes(gv["role"]), np.repeat(np.arange(5, dtype=np.int8),
                                                              [n_lead, n_back, n_loc_gen - n_lead - n_back, n_inst,
                                                               n_serv]).astype(np.int8)])
    # external block sits between the local and the institutional block
    role = np.concatenate([role[:n_given + n_loc_gen], _external_roles(rng, n_ext_gen, structure, leaders),
                           role[n_given + n_loc_gen:]])
    external = np.zeros(N, bool)
    external[:n_given] = gv["external"].to_numpy(bool)
    external[n_given + n_loc_gen:n_given + n_loc_gen + n_ext_gen] = True
    is_firm = role <= 2
    local = is_firm & ~external
    loc_gen = np.arange(n_given, n_given + n_loc_gen)
    ext_gen = np.arange(n_given + n_loc_gen, n_given + n_loc_gen + n_ext_gen)

    # -- primary segments of generated firms ------------------------------------------------
    M = np.zeros((N, S), bool)  # firm holds segment
    if n_given:
        M[g_seg[0], g_seg[1]] = True
    given_cover = M[:n_given][g_local].sum(axis=0)
    required = ~is_missing & ~is_weak
    need = np.concatenate([np.repeat(np.flatnonzero(required), np.maximum(2 - given_cover[required], 0)),
                           np.flatnonzero(is_weak & (given_cover == 0))]).astype(np.int64)
    non_leaders = loc_gen[n_lead:]
    if need.size > non_leaders.size:
        raise ChainnetError(f"firms={firms} is too small: the chain needs {need.size} more local firms to hold "
                            f"every segment twice (weak ones once), but only {non_leaders.size} local non-leader "
                            "firms are generated; raise firms or lower external_share")
    primary = np.full(N, -1, np.int64)
    p_firm = chain.stage_weights(_STAGE_FIRMS, rng) * required
    if not p_firm.any():
        raise ChainnetError("every segment is missing or weak; at least one segment must be held by two firms")
    p_lead = chain.stage_weights(_STAGE_LEADERS, rng, power=2) * required
    if n_lead:
        primary[loc_gen[:n_lead]] = rng.choice(S, size=n_lead, replace=n_lead > np.count_nonzero(p_lead),
                                               p=p_lead / p_lead.sum())
    order = rng.permutation(non_leaders)
    primary[order[:need.size]] = need
    primary[order[need.size:]] = rng.choice(S, size=order.size - need.size, p=p_firm / p_firm.sum())
    if n_ext_gen:
        p_ext = chain.stage_weights(_STAGE_FIRMS, rng) * (1.0 + 2.0 * (chain.is_source | chain.is_sink))
        ext_seg = rng.choice(S, size=n_ext_gen, p=p_ext / p_ext.sum())
        if missing_external:
            cover = np.flatnonzero(is_missing)[:n_ext_gen]
            ext_seg[:cover.size] = cover
        primary[ext_gen] = ext_seg
    gen_firms = np.flatnonzero(is_firm & (np.arange(N) >= n_given))
    M[gen_firms, primary[gen_firms]] = True
    say(f"firms: {N:,} ({n_loc_gen + int(g_local.sum()):,} local, {n_ext_gen:,} external generated)")

    # -- extra segments: vertically integrated leaders and backbone firms --------------------
    allowed = chain.adj & required[None, :] & required[:, None] & ~bad_pair & ~bad_pair.T
    lo, hi = shape.leader_extra
    for k, f in enumerate(loc_gen[:n_lead].tolist()):
        n_extra = int(rng.integers(lo + (2 if k == 0 and structure == "state_anchored" else 0),
                                   hi + 1 + (2 if k == 0 and structure == "state_anchored" else 0)))
        cur = int(primary[f])
        for _ in range(n_extra):
            held = np.flatnonzero(M[f])
            ok = allowed[cur] & ~M[f] & ~bad_pair[held].any(axis=0) & ~bad_pair[:, held].any(axis=1)
            if not ok.any():
                break
            cur = int(rng.choice(np.flatnonzero(ok)))
            M[f, cur] = True
    backbone = loc_gen[n_lead:n_lead + n_back]
    pick = backbone[rng.random(backbone.size) < shape.integrated]
    if pick.size:
        deg = allowed.sum(axis=1)
        nbr = np.argsort(~allowed, axis=1, kind="stable")  # allowed neighbours first in each row
        ps = primary[pick]
        has = deg[ps] > 0
        pick, ps = pick[has], ps[has]
        M[pick, nbr[ps, (rng.random(pick.size) * deg[ps]).astype(np.int64)]] = True

    # -- attractiveness and membership weights ------------------------------------------------
    attract = rng.pareto(shape.alpha, N) + 1.0
    attract[role == 1] *= shape.backbone_boost
    if structure == "marshallian":
        attract[role == 0] *= shape.backbone_boost
    mem_f, mem_s = np.nonzero(M)  # sorted by firm, then segment
    mem_w = attract[mem_f].copy()
    if shape.leader_share > 0:
        _boost_leaders(mem_f, mem_s, mem_w, role, local, S, shape, first_leader=_first_leader(role, local))
    pools = _Pools(mem_f, mem_s, mem_w, local, S)
    say(f"segments assigned: {len(mem_f):,} firm-segment pairs")

    # -- links ------------------------------------------------------------------------------
    n_links = round(links_per_firm * firms)
    other = _other_links(rng, shape, structure, n_links, role, local, external, attract, pools, N)
    n_other = sum(len(x[0]) for x in other.values())
    skel, weak_flows = _skeleton(chain, pools, M, local, bad_pair, is_missing, rng)
    supply = _supply_links(rng, chain, pools, M, local, bad_pair, n_links - n_other, skel,
                           external_ties=min(0.6, external_share + shape.external_ties) if n_ext_gen else 0.0)
    say(f"links: {len(supply[0]) + n_other:,} ({len(supply[0]):,} supply)")

    # -- tables -----------------------------------------------------------------------------
    firms_df = _firm_table(gv, chain, role, external, primary, M, attract, rng, year, n_given)
    links_df = _link_table(firms_df, chain, supply, other, rng, year)
    tids = [t.id for t in tpls]
    base_meta: dict[str, Any] = {
        "schema": "chainnet/1",
        "id": id or f"synthetic_{'_'.join(tids)}_{seed}",
        "name": f"Synthetic {' + '.join(t.name for t in tpls)} cluster ({structure.replace('_', '-')}, seed {seed})",
        "name_zh": "模拟" + "、".join(t.name_zh or t.name for t in tpls) + f"集群（种子{seed}）",
        "region": "Synthetic (modeled)", "year": int(year),
        **({"templates": tids} if len(tpls) > 1 else {"template": tids[0]}),
        "sources": [{"key": "generated", "cite": "Generated by chainnet.generate; no firm or link is real.",
                     "note": "Every firm and link is modeled; gaps are exactly those placed on purpose (see "
                             "'generator': none when missing, weak and broken are empty)."}],
        "generator": {"seed": int(seed), "structure": structure, "firms": int(firms), "leaders": int(leaders),
                      "backbone_share": float(backbone_share), "external_share": float(external_share),
                      "links_per_firm": float(links_per_firm), "missing": missing_l,
                      "broken": [f"{a}->{b}" for a, b in broken_l], "weak": weak_l},
    }
    base_meta.update(meta or {})
    if validate:
        cluster = Cluster.from_frames(firms_df, links_df, meta=base_meta, templates=tpls)
    else:
        cluster = Cluster(_with_template_refs(base_meta, tpls), firms_df, links_df, tpls)
    say("cluster built" + (" and validated" if validate else ""))
    truth = _truth(cluster, chain, tpls, M, local, missing_l, weak_l, broken_l, weak_flows, structure, {
        "template": tids, "firms": firms, "leaders": leaders, "backbone_share": backbone_share,
        "structure": structure, "missing": missing_l, "broken": [f"{a}->{b}" for a, b in broken_l],
        "weak": weak_l, "external_share": external_share, "institutions": n_inst, "services": n_serv,
        "links_per_firm": links_per_firm, "seed": seed, "year": year, "missing_external": missing_external,
        "given": n_given})
    return GeneratedCluster(cluster, truth)



__all__ = ["STRUCTURES", "GeneratedCluster", "generate"]
