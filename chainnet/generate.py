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

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import _validate as v
from ._errors import ChainnetError, ValidationError
from .model import Cluster, _with_template_refs
from .template import Template, load_template

STRUCTURES = ("hub_and_spoke", "marshallian", "satellite", "state_anchored")


@dataclass(frozen=True)
class _Shape:
    """How a structure shapes the network (numbers are modelling choices, see the module doc)."""

    alpha: float            # Pareto tail index of firm attractiveness (smaller = heavier tail)
    leader_share: float     # share of the tie ends in a leader's segments that go to leaders (0 = no boost)
    anchor_share: float     # the same for the first leader (the anchor) when larger than leader_share
    leader_extra: tuple[int, int]  # range of extra (downstream) segments a leader holds
    backbone_boost: float   # attractiveness multiplier of backbone firms
    integrated: float       # share of backbone firms that also hold one downstream segment
    external_ties: float    # share of supply ties with one end outside the cluster, added to external_share
    kinds: dict[str, float] = field(default_factory=dict)  # shares of non-supply link kinds
    owned: float = 0.0      # share of local backbone firms owned by a leader (or outside parent)


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
_ROLE_CODES = ("leader", "backbone", "sme", "institution", "service")


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
                     "note": "Every firm and link is modeled; the gaps were placed on purpose (see 'generator')."}],
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


# -- the chain (one or several templates as one segment graph) -----------------------------------
class _Chain:
    def __init__(self, tpls: list[Template]):
        ids: list[str] = []
        rows: dict[str, dict[str, Any]] = {}
        for t in tpls:
            for r in t.segments.to_dict("records"):
                if r["id"] not in rows:
                    ids.append(r["id"])
                    rows[r["id"]] = r
        self.ids = ids
        self.pos = {s: i for i, s in enumerate(ids)}
        S = len(ids)
        self.adj = np.zeros((S, S), bool)
        for t in tpls:
            for a, b in zip(t.flows["from"], t.flows["to"]):
                self.adj[self.pos[a], self.pos[b]] = True
        self.flows = [(int(a), int(b)) for a, b in zip(*np.nonzero(self.adj))]
        flow_w = {}
        for t in tpls:
            for a, b, w in zip(t.flows["from"], t.flows["to"], t.flows["weight"]):
                flow_w.setdefault((self.pos[a], self.pos[b]), float(w))
        self.flow_w = np.array([flow_w[f] for f in self.flows])
        self.weight = np.array([float(rows[s]["weight"]) for s in ids])
        self.stage = [rows[s]["stage"] for s in ids]
        self.is_source = ~self.adj.any(axis=0)
        self.is_sink = ~self.adj.any(axis=1)
        self.short = [_short(rows[s]["name"]) for s in ids]
        self.short_zh = [_short(rows[s]["name_zh"]) if isinstance(rows[s]["name_zh"], str) else _short(rows[s]["name"])
                         for s in ids]

    def stage_weights(self, factors: dict[str, float], rng: np.random.Generator, power: float = 1.0) -> np.ndarray:
        base = self.weight ** power * np.array([factors[s] for s in self.stage])
        return base * rng.dirichlet(np.full(len(self.ids), 5.0)) * len(self.ids)


def _short(name: str) -> str:
    """A segment name without parenthesised detail: 'Enamelled (magnet) wire' -> 'Enamelled wire'."""
    return re.sub(r"\s+", " ", re.sub(r"\s*[（(][^）)]*[）)]", "", name)).strip() or name


def _templates(template: str | Template | Sequence[str | Template]) -> list[Template]:
    items = [template] if isinstance(template, (str, Template)) else list(template)
    if not items:
        raise ChainnetError("give at least one template")
    return [t if isinstance(t, Template) else load_template(t) for t in items]


def _unique(items: Iterable[str]) -> list[str]:
    items = [items] if isinstance(items, str) else list(items)
    return list(dict.fromkeys(str(s) for s in items))


def _flow_pair(f: str | tuple[str, str]) -> tuple[str, str]:
    if isinstance(f, str):
        parts = [p.strip() for p in f.split("->")]
        if len(parts) != 2 or not all(parts):
            raise ChainnetError(f"broken flow {f!r} must be written 'from->to', e.g. 'scrap->rod'")
        return parts[0], parts[1]
    a, b = f
    return str(a), str(b)


def _check_gaps(chain: _Chain, missing: list[str], weak: list[str], broken: list[tuple[str, str]]) -> None:
    problems = []
    known = ", ".join(chain.ids)
    for label, segs in (("missing", missing), ("weak", weak)):
        problems += [f"{label} segment {s!r} is not in the template(s) (segments: {known})"
                     for s in segs if s not in chain.pos]
    problems += [f"segment {s!r} cannot be both missing and weak" for s in missing if s in weak]
    for a, b in broken:
        if a not in chain.pos or b not in chain.pos or not chain.adj[chain.pos[a], chain.pos[b]]:
            flows = ", ".join(f"{chain.ids[x]}->{chain.ids[y]}" for x, y in chain.flows)
            problems.append(f"broken flow {a}->{b} is not a flow of the template(s) (flows: {flows})")
        elif a in missing or b in missing:
            problems.append(f"broken flow {a}->{b} has a missing segment; a broken flow needs both segments held")
    if problems:
        raise ChainnetError("cannot generate: " + "; ".join(problems))


def _check_numbers(**kw: Any) -> None:
    problems = []
    if not isinstance(kw["firms"], (int, np.integer)) or kw["firms"] < 1:
        problems.append(f"firms must be a whole number >= 1, got {kw['firms']!r}")
    if kw["leaders"] < 0:
        problems.append("leaders must be >= 0")
    if not 0 <= kw["backbone_share"] <= 1:
        problems.append("backbone_share must be between 0 and 1")
    if not 0 <= kw["external_share"] < 1:
        problems.append("external_share must be >= 0 and < 1")
    if kw["links_per_firm"] < 0:
        problems.append("links_per_firm must be >= 0")
    problems += [f"{k} must be >= 0" for k in ("institutions", "services") if kw[k] is not None and kw[k] < 0]
    if problems:
        raise ChainnetError("cannot generate: " + "; ".join(problems))


# -- given firms -------------------------------------------------------------------------------
def _given_firms(given: pd.DataFrame | None, chain: _Chain) -> pd.DataFrame:
    if given is None or len(given) == 0:
        return pd.DataFrame(columns=list(v.FIRM_COLUMNS))
    df, problems = v.normalise_firms(given, file="given firms", segment_ids=set(chain.ids))
    if problems:
        raise ValidationError(problems, subject="the given firms")
    clash = df["firm_id"].str.match(r"^[feis]\d+$")
    if clash.any():
        raise ChainnetError(f"given firm ids {list(df.loc[clash, 'firm_id'])[:5]} look like generated ids "
                            "(a letter f, e, i or s and digits); rename them")
    return df


def _given_segments(gv: pd.DataFrame, chain: _Chain) -> tuple[np.ndarray, np.ndarray]:
    pairs = gv["segments"].explode().dropna()
    return pairs.index.to_numpy(np.int64), np.array([chain.pos[s] for s in pairs], dtype=np.int64)


def _check_given(gv: pd.DataFrame, g_seg: tuple[np.ndarray, np.ndarray], g_local: np.ndarray,
                 is_missing: np.ndarray, is_weak: np.ndarray, bad_pair: np.ndarray, chain: _Chain) -> None:
    if not len(gv):
        return
    M = np.zeros((len(gv), len(chain.ids)), bool)
    M[g_seg] = True
    M &= g_local[:, None]
    problems = [f"given firm {gv['firm_id'].iat[i]!r} holds missing segment {chain.ids[s]!r}"
                for i, s in zip(*np.nonzero(M & is_missing))]
    problems += [f"weak segment {chain.ids[s]!r} is held by {n} given local firms (a weak segment has one)"
                 for s, n in enumerate(M.sum(axis=0)) if is_weak[s] and n > 1]
    for a, b in zip(*np.nonzero(bad_pair)):
        both = np.flatnonzero(M[:, a] & M[:, b])
        problems += [f"given firm {gv['firm_id'].iat[i]!r} holds both ends of broken flow "
                     f"{chain.ids[a]}->{chain.ids[b]}" for i in both]
    if problems:
        raise ChainnetError("the given firms contradict the gaps: " + "; ".join(problems))


def _role_codes(roles: pd.Series) -> np.ndarray:
    return np.array([_ROLE_CODES.index(r) for r in roles], dtype=np.int8)


def _external_roles(rng: np.random.Generator, n: int, structure: str, leaders: int) -> np.ndarray:
    """External firms: big outside firms (role leader: parents of branch plants) first in satellites."""
    out = np.where(rng.random(n) < 0.3, 1, 2).astype(np.int8)
    if structure == "satellite":
        out[:min(max(leaders, 1), n)] = 0
    return out


def _first_leader(role: np.ndarray, local: np.ndarray) -> int:
    idx = np.flatnonzero((role == 0) & local)
    return int(idx[0]) if idx.size else -1


def _boost_leaders(mem_f: np.ndarray, mem_s: np.ndarray, mem_w: np.ndarray, role: np.ndarray, local: np.ndarray,
                   S: int, shape: _Shape, first_leader: int) -> None:
    """Set leaders' weights so that they take ``leader_share`` of the tie ends of their segments."""
    lead = (role[mem_f] == 0) & local[mem_f]
    if not lead.any():
        return
    other = np.bincount(mem_s[~lead], weights=mem_w[~lead], minlength=S)
    n_lead = np.bincount(mem_s[lead], minlength=S)
    share = np.where(mem_f[lead] == first_leader, shape.anchor_share, shape.leader_share)
    s = mem_s[lead]
    mem_w[lead] = np.maximum(share / (1 - share) * other[s] / n_lead[s], mem_w[lead])


class _Pools:
    """Firms holding each segment, split into local and external, with their sampling weights."""

    def __init__(self, mem_f: np.ndarray, mem_s: np.ndarray, mem_w: np.ndarray, local: np.ndarray, S: int):
        order = np.lexsort((~local[mem_f], mem_s))  # by segment, local first
        f, s, w, loc = mem_f[order], mem_s[order], mem_w[order], local[mem_f[order]]
        starts = np.searchsorted(s, np.arange(S + 1))
        self.local, self.local_w, self.ext, self.ext_w = [], [], [], []
        for k in range(S):
            a, b = starts[k], starts[k + 1]
            m = loc[a:b]
            self.local.append(f[a:b][m])
            self.local_w.append(w[a:b][m])
            self.ext.append(f[a:b][~m])
            self.ext_w.append(w[a:b][~m])

    def draw(self, rng: np.random.Generator, seg: int, n: int, *, external: bool) -> np.ndarray:
        pool, w = (self.ext[seg], self.ext_w[seg]) if external else (self.local[seg], self.local_w[seg])
        if n == 0 or pool.size == 0:
            return np.empty(0, np.int64)
        return pool[_weighted_index(rng, w, n)]


def _weighted_index(rng: np.random.Generator, w: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices drawn with replacement, with probability proportional to ``w``."""
    if n > 4096 and n > w.size // 8:
        # counts per index, then shuffled: linear time, no random memory access as in a search
        idx = np.repeat(np.arange(w.size), rng.multinomial(n, w / w.sum()))
        rng.shuffle(idx)
        return idx
    c = np.cumsum(w)
    return np.minimum(np.searchsorted(c, rng.random(n) * c[-1], side="right"), w.size - 1)


# -- links -------------------------------------------------------------------------------------
def _violates(src: np.ndarray, tgt: np.ndarray, M: np.ndarray, local: np.ndarray, bad_pair: np.ndarray) -> np.ndarray:
    """Supply ties between local firms that would realise a broken flow (in either reading of METRICS)."""
    out = np.zeros(src.size, bool)
    both = local[src] & local[tgt]
    for a, b in zip(*np.nonzero(bad_pair)):
        out |= both & M[src, a] & M[tgt, b]
    return out


def _skeleton(chain: _Chain, pools: _Pools, M: np.ndarray, local: np.ndarray, bad_pair: np.ndarray,
              is_missing: np.ndarray, rng: np.random.Generator) -> tuple[tuple[np.ndarray, ...], list[str]]:
    """Two distinct local pairs for every flow that is neither broken nor missing (a few per flow)."""
    rows: list[tuple[int, int, int]] = []
    used: set[tuple[int, int]] = set()
    weak_flows = []
    for k, (a, b) in enumerate(chain.flows):
        if bad_pair[a, b] or is_missing[a] or is_missing[b]:
            continue
        inhouse = bool((M[pools.local[a], b]).any())
        got: list[tuple[int, int]] = []
        for k_top in (6, 64):  # the heaviest firms first; look further only when they cannot pair
            A = _top(pools.local[a], pools.local_w[a], rng, k_top)
            B = _top(pools.local[b], pools.local_w[b], rng, k_top)
            for i, j in sorted(((i, j) for i in range(len(A)) for j in range(len(B))), key=lambda p: (p[0] + p[1], p)):
                f, g = int(A[i]), int(B[j])
                if f == g or (f, g) in used or (f, g) in got or \
                        _violates(np.array([f]), np.array([g]), M, local, bad_pair)[0]:
                    continue
                got.append((f, g))
                if len(got) == 2:
                    break
            if len(got) == 2 or (len(A) < k_top and len(B) < k_top):
                break
            got = []
        rows += [(f, g, k) for f, g in got]
        used.update(got)
        if len(got) + inhouse < 2:
            weak_flows.append(f"{chain.ids[a]}->{chain.ids[b]}")
    arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return (arr[:, 0], arr[:, 1], arr[:, 2]), weak_flows


def _top(pool: np.ndarray, w: np.ndarray, rng: np.random.Generator, k: int = 6) -> np.ndarray:
    """Up to k firms of a pool, heaviest first (ties broken at random, reproducibly)."""
    if pool.size <= k:
        return pool[np.lexsort((rng.random(pool.size), -w))]
    idx = np.argpartition(-w, k)[:k]
    return pool[idx[np.lexsort((pool[idx], -w[idx]))]]


def _supply_links(rng: np.random.Generator, chain: _Chain, pools: _Pools, M: np.ndarray, local: np.ndarray,
                  bad_pair: np.ndarray, n_target: int, skel: tuple[np.ndarray, ...],
                  external_ties: float) -> tuple[np.ndarray, ...]:
    """Supply ties along template flows: the skeleton first, then weighted random ties."""
    n_loc = np.array([p.size for p in pools.local])
    n_ext = np.array([p.size for p in pools.ext])
    fa = np.array([a for a, _ in chain.flows], dtype=np.int64)
    fb = np.array([b for _, b in chain.flows], dtype=np.int64)
    size = np.sqrt((n_loc[fa] + n_ext[fa]) * (n_loc[fb] + n_ext[fb]).astype(float))
    possible = (n_loc[fa] > 0) | (n_loc[fb] > 0)
    p = chain.flow_w * size * possible
    n_rand = max(n_target - skel[0].size, 0)
    if n_rand == 0 or p.sum() == 0:
        return skel
    src, tgt, flow = skel
    n_draw = int(n_rand * 1.08) + 16
    for _ in range(12):  # heavy tails repeat popular pairs: top up until the target is reached
        s_new, t_new, f_new = _draw_supply(rng, pools, fa, fb, n_loc, n_ext, bad_pair, p, n_draw, external_ties)
        keep = (s_new != t_new) & ~_violates(s_new, t_new, M, local, bad_pair)
        src = np.concatenate([src, s_new[keep]])
        tgt = np.concatenate([tgt, t_new[keep]])
        flow = np.concatenate([flow, f_new[keep]])
        first = _first_of_pairs(src, tgt)
        src, tgt, flow = src[first], tgt[first], flow[first]
        if src.size >= n_target:
            break
        n_draw = (n_target - src.size) * 4 + n_target // 10 + 16
    n_keep = max(n_target, skel[0].size)
    return src[:n_keep], tgt[:n_keep], flow[:n_keep]


def _draw_supply(rng: np.random.Generator, pools: _Pools, fa: np.ndarray, fb: np.ndarray, n_loc: np.ndarray,
                 n_ext: np.ndarray, bad_pair: np.ndarray, p: np.ndarray, n: int,
                 external_ties: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = rng.multinomial(n, p / p.sum())
    src_l, tgt_l, flow_l = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    for k in np.flatnonzero(counts).tolist():
        a, b = fa[k], fb[k]
        # tie modes: 0 local->local, 1 external->local, 2 local->external
        w = np.array([1.0 - external_ties, external_ties / 2, external_ties / 2])
        w *= [n_loc[a] > 0 and n_loc[b] > 0, n_ext[a] > 0 and n_loc[b] > 0, n_loc[a] > 0 and n_ext[b] > 0]
        if bad_pair[a, b]:
            w[0] = 0.0
        if w.sum() == 0:
            continue
        mode_n = rng.multinomial(int(counts[k]), w / w.sum())
        for mode, m in enumerate(mode_n.tolist()):
            if m == 0:
                continue
            src_l.append(pools.draw(rng, a, m, external=mode == 1))
            tgt_l.append(pools.draw(rng, b, m, external=mode == 2))
            flow_l.append(np.full(m, k, np.int64))
    return np.concatenate(src_l), np.concatenate(tgt_l), np.concatenate(flow_l)


def _first_of_pairs(src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    """Positions of the first row of each distinct (src, tgt) pair, in their original order."""
    key = src.astype(np.int64) * (int(max(src.max(initial=0), tgt.max(initial=0))) + 1) + tgt
    _, first = np.unique(key, return_index=True)
    return np.sort(first)


def _other_links(rng: np.random.Generator, shape: _Shape, structure: str, n_links: int, role: np.ndarray,
                 local: np.ndarray, external: np.ndarray, attract: np.ndarray, pools: _Pools,
                 N: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Cooperation, R&D, service and ownership ties (not supply)."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    firms_loc = np.flatnonzero(local)
    inst = np.flatnonzero(role == 3)
    serv = np.flatnonzero(role == 4)
    w_loc = attract[firms_loc]
    anchor = _first_leader(role, local)

    def pick(pool: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
        return pool[_weighted_index(rng, w, n)] if pool.size and n else np.empty(0, np.int64)

    def quota(kind: str) -> int:
        return round(shape.kinds.get(kind, 0.0) * n_links)

    # cooperation: firms of the same segment (competitors that also cooperate), undirected
    n = quota("cooperation")
    if n and firms_loc.size > 1:
        sizes = np.array([p.size for p in pools.local], float)
        counts = rng.multinomial(int(n * 1.2) + 4, sizes / sizes.sum())
        a_l, b_l = [], []
        for s, m in enumerate(counts.tolist()):
            if m and pools.local[s].size > 1:
                a_l.append(pools.draw(rng, s, m, external=False))
                b_l.append(pools.draw(rng, s, m, external=False))
        if a_l:
            a, b = np.concatenate(a_l), np.concatenate(b_l)
            a, b = np.minimum(a, b), np.maximum(a, b)
            out["cooperation"] = _distinct(a, b, n)
    # rd: institutions with firms; the anchor of a state-anchored cluster works with many of them
    n = quota("rd")
    if n and inst.size and firms_loc.size:
        w_inst = rng.pareto(1.5, inst.size) + 1.0
        a = pick(inst, w_inst, int(n * 1.2) + 4)
        b = pick(firms_loc, w_loc, a.size)
        if structure == "state_anchored" and anchor >= 0:
            b[rng.random(b.size) < 0.25] = anchor
        out["rd"] = _distinct(a, b, n)
    n = quota("service")
    if n and serv.size and firms_loc.size:
        a = pick(serv, rng.pareto(1.5, serv.size) + 1.0, int(n * 1.2) + 4)
        out["service"] = _distinct(a, pick(firms_loc, w_loc, a.size), n)
    # ownership: parents -> subsidiaries (one parent each): leaders own backbone firms; in a
    # satellite cluster outside firms own local branch plants
    n = quota("ownership")
    backbone = np.flatnonzero((role == 1) & local)
    parents = np.flatnonzero((role == 0) & (external if structure == "satellite" else local))
    if n and backbone.size and parents.size:
        m = min(n, round(shape.owned * backbone.size))
        subs = rng.choice(backbone, size=m, replace=False) if m else np.empty(0, np.int64)
        par = pick(parents, attract[parents], subs.size)
        out["ownership"] = _distinct(par, subs, m)
    return out


def _distinct(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    keep = a != b
    a, b = a[keep], b[keep]
    if a.size == 0:
        return a, b
    first = _first_of_pairs(a, b)[:n]
    return a[first], b[first]


# -- tables ------------------------------------------------------------------------------------
def _str(values: np.ndarray | list) -> pd.api.extensions.ExtensionArray:
    return pd.array(np.asarray(values, dtype=object), dtype="str")


def _coded(codes: np.ndarray, categories: Sequence[str] | pd.api.extensions.ExtensionArray) -> pd.api.extensions.ExtensionArray:
    """Strings ``categories[codes]`` (code -1 = missing) as a str array.

    Taking from a small str array skips the per-string check that building one from objects does.
    """
    cats = categories if isinstance(categories, pd.api.extensions.ExtensionArray) else _str(list(categories))
    return cats.take(np.asarray(codes, dtype=np.int64), allow_fill=True)


def _int(values: np.ndarray, mask: np.ndarray | None = None) -> pd.arrays.IntegerArray:
    values = np.asarray(values, dtype=np.int64)
    return pd.arrays.IntegerArray(values, np.zeros(values.size, bool) if mask is None else mask)


def _no_int(n: int) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, bool))


def _numbered(prefix: np.ndarray, groups: np.ndarray, middle: str, end: str) -> list[str]:
    """Names like 'Copper foil firm 07 (modeled)': a running number within each group."""
    num = pd.Series(groups).groupby(groups, sort=False).cumcount().to_numpy() + 1
    w = max(2, len(str(int(num.max(initial=1)))))
    return [f"{p}{middle}{k:0{w}d}{end}" for p, k in zip(prefix.tolist(), num.tolist())]


def _firm_table(gv: pd.DataFrame, chain: _Chain, role: np.ndarray, external: np.ndarray, primary: np.ndarray,
                M: np.ndarray, attract: np.ndarray, rng: np.random.Generator, year: int,
                n_given: int) -> pd.DataFrame:
    N = role.size
    idx = np.arange(n_given, N)
    r, ext, prim = role[idx], external[idx], primary[idx]
    n = idx.size
    # ids: f (local firms), e (external firms), i (institutions), s (services)
    letter = np.where(r == 3, "i", np.where(r == 4, "s", np.where(ext, "e", "f")))
    width = len(str(max(n, 1)))
    ids = [f"{c}{k:0{width}d}" for c, k in zip(letter.tolist(), range(1, n + 1))]
    # segments: one shared tuple per segment for single-segment firms, built ones for the others
    seg_tuple = np.empty(len(chain.ids) + 1, dtype=object)
    for s, sid in enumerate(chain.ids):
        seg_tuple[s] = (sid,)
    seg_tuple[-1] = ()
    segs = seg_tuple[np.where(prim >= 0, prim, len(chain.ids))]
    _multi_segments(segs, M[idx], prim, chain.ids)
    # names
    cat = np.where(r == 0, 0, 1) + 2 * ext  # 0 leader, 1 firm, 2/3 external
    p_en = np.array([*chain.short, "Research institute", "Service provider"], dtype=object)
    p_zh = np.array([*chain.short_zh, "科研机构", "服务机构"], dtype=object)
    key = np.where(r == 3, -1, np.where(r == 4, -2, prim * 4 + cat))
    pk = np.where(r == 3, len(chain.ids), np.where(r == 4, len(chain.ids) + 1, prim))
    names = np.empty(n, dtype=object)
    names_zh = np.empty(n, dtype=object)
    for c, en, zh in ((0, (" leader ", " (modeled)"), ("龙头企业", "（模拟）")),
                      (1, (" firm ", " (modeled)"), ("企业", "（模拟）")),
                      (2, (" leader ", " (external, modeled)"), ("龙头企业", "（外地，模拟）")),
                      (3, (" firm ", " (external, modeled)"), ("企业", "（外地，模拟）")),
                      (-1, (" ", " (modeled)"), ("", "（模拟）"))):
        sel = np.flatnonzero((cat == c) & (r <= 2)) if c >= 0 else np.flatnonzero(r >= 3)
        if sel.size:
            names[sel] = _numbered(p_en[pk[sel]], key[sel], *en)
            names_zh[sel] = _numbered(p_zh[pk[sel]], key[sel], *zh)
    # sizes (output in 100 million CNY; institutions and services have none)
    scale = np.array([120.0, 3.0, 0.08, np.nan, np.nan])[r]
    output = np.round(scale * np.minimum(attract[idx], 400.0) ** 0.5 * rng.lognormal(0.0, 0.5, n), 2)
    output = np.where(np.isnan(output), np.nan, np.maximum(output, 0.01))
    staff = np.where(np.isnan(output), rng.integers(20, 400, n), np.round(np.nan_to_num(output) * 35
                                                                           * rng.lognormal(0, 0.3, n)) + 5)
    age = np.select([r == 0, r == 1, r == 2], [rng.integers(15, 60, n), rng.integers(3, 35, n),
                                               rng.geometric(0.12, n)], rng.integers(1, 40, n))
    parks = ["Park 1", "Park 2", "Park 3", "Park 4", "Outside the cluster"]
    region = np.where(ext, 4, rng.integers(0, 4, n))
    gen = pd.DataFrame({
        "firm_id": _str(ids), "name": _str(names), "role": _coded(r, _ROLE_CODES),
        "segments": pd.Series(segs, dtype=object), "name_zh": _str(names_zh),
        "external": ext.astype(bool), "output": output.astype(float), "employees": _int(staff.astype(np.int64)),
        "founded": _int(year - age), "exited": _no_int(n), "region": _coded(region, parks),
        "evidence": _coded(np.zeros(n, np.int8), ["modeled"]), "source": _coded(np.full(n, -1, np.int8), ["-"]),
    })
    if not n_given:
        return gen
    for c in gv.columns:
        if c not in gen.columns:
            gen[c] = pd.Series(np.nan, index=gen.index, dtype=gv[c].dtype if gv[c].dtype != bool else object)
    out = pd.concat([gv, gen[gv.columns]], ignore_index=True)
    return out.astype({c: gv[c].dtype for c in v.FIRM_COLUMNS if c != "segments"})


def _multi_segments(segs: np.ndarray, M: np.ndarray, prim: np.ndarray, ids: list[str]) -> None:
    """Fill ``segs`` for firms holding several segments: primary segment first, then in template order."""
    count = M.sum(axis=1)
    names = np.array(ids, dtype=object)
    for k in np.unique(count[count > 1]).tolist():
        rows = np.flatnonzero(count == k)
        c = np.nonzero(M[rows])[1]
        c = c.reshape(-1, k)
        c = np.take_along_axis(c, np.argsort(c != prim[rows][:, None], axis=1, kind="stable"), axis=1)
        segs[rows] = list(zip(*(names[c[:, j]] for j in range(k))))


def _link_table(firms: pd.DataFrame, chain: _Chain, supply: tuple[np.ndarray, ...],
                other: dict[str, tuple[np.ndarray, np.ndarray]], rng: np.random.Generator, year: int) -> pd.DataFrame:
    ids = firms["firm_id"].array
    src_l, tgt_l, kind_l = [supply[0]], [supply[1]], [np.zeros(supply[0].size, np.int8)]
    kinds = ["supply"]
    for k, (a, b) in other.items():
        kinds.append(k)
        src_l.append(a)
        tgt_l.append(b)
        kind_l.append(np.full(a.size, len(kinds) - 1, np.int8))
    src, tgt, kind = np.concatenate(src_l), np.concatenate(tgt_l), np.concatenate(kind_l)
    n, ns = src.size, supply[0].size
    fa = np.array([a for a, _ in chain.flows] + [-1], dtype=np.int64)
    fb = np.array([b for _, b in chain.flows] + [-1], dtype=np.int64)
    flow = np.concatenate([supply[2], np.full(n - ns, len(chain.flows), np.int64)])
    weight = np.round(rng.lognormal(-1.0, 1.2, n), 3)
    weight[ns:] = 1.0
    weight = np.maximum(weight, 0.001)
    founded = firms["founded"].to_numpy(dtype=float, na_value=np.nan)
    start = np.fmax(founded[src], founded[tgt])
    lag = rng.geometric(0.35, n) - 1
    yr = np.where(np.isnan(start), year - lag, np.minimum(np.nan_to_num(start) + lag, year))
    return pd.DataFrame({
        "source": _coded(src, ids), "target": _coded(tgt, ids), "kind": _coded(kind, kinds),
        "weight": weight.astype(float), "segment_from": _coded(fa[flow], chain.ids),
        "segment_to": _coded(fb[flow], chain.ids), "year": _int(yr.astype(np.int64)), "until": _no_int(n),
        "evidence": _coded(np.zeros(n, np.int8), ["modeled"]), "source_key": _coded(np.full(n, -1, np.int8), ["-"]),
    })


# -- ground truth ------------------------------------------------------------------------------
def _truth(cluster: Cluster, chain: _Chain, tpls: list[Template], M: np.ndarray, local: np.ndarray,
           missing: list[str], weak: list[str], broken: list[tuple[str, str]], weak_flows: list[str],
           structure: str, params: dict[str, Any]) -> dict[str, Any]:
    covered = M[local].any(axis=0)
    ext_cover = M[~local].any(axis=0)
    gaps = []
    for t in tpls:
        tset = set(t.segment_ids)
        for s in missing:
            if s not in tset:
                continue
            up = any(covered[chain.pos[u]] for u in t.upstream_of(s))
            down = any(covered[chain.pos[d]] for d in t.downstream_of(s))
            gaps.append({"type": "fill" if up and down else "extend", "segment": s, "from": None, "to": None,
                         "template": t.id})
        flows = set(zip(t.flows["from"], t.flows["to"]))
        gaps += [{"type": "connect", "segment": None, "from": a, "to": b, "template": t.id}
                 for a, b in broken if (a, b) in flows]
        gaps += [{"type": "strengthen", "segment": s, "from": None, "to": None, "template": t.id}
                 for s in weak if s in tset]
        gaps += [{"type": "strengthen", "segment": None, "from": f.split("->")[0], "to": f.split("->")[1],
                  "template": t.id} for f in weak_flows if tuple(f.split("->")) in flows]
    roles = cluster.firms["role"].value_counts()
    lead = cluster.firms.loc[(cluster.firms["role"] == "leader").to_numpy() & ~cluster.firms["external"].to_numpy(bool),
                             "firm_id"]
    return {
        "templates": [t.id for t in tpls], "structure": structure,
        "missing": list(missing), "missing_external": [s for s in missing if ext_cover[chain.pos[s]]],
        "broken": [f"{a}->{b}" for a, b in broken], "weak": list(weak), "weak_flows": weak_flows,
        "gaps": gaps,
        "roles": {r: int(roles.get(r, 0)) for r in _ROLE_CODES},
        "leaders": lead.tolist(),
        "counts": {"firms": len(cluster.firms), "local_firms": int(cluster.local_mask.sum()),
                   "external_firms": int(cluster.firms["external"].sum()), "links": len(cluster.links),
                   "supply_links": int((cluster.links["kind"] == "supply").sum())},
        "parameters": {k: (list(x) if isinstance(x, tuple) else x) for k, x in params.items()},
    }


__all__ = ["STRUCTURES", "GeneratedCluster", "generate"]
