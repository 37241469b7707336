"""Cluster structure: bow-tie, communities, core-periphery, mixing, a typology and its significance.

All figures are computed on the local supply graph (local firms in the METRICS sense and the
supply links between them), except the typology's boundary and institution figures, which look
at links across the cluster boundary and at institutions. ``docs/structure.md`` gives every
formula, threshold and reference.

>>> import chainnet
>>> from chainnet.analysis.structure import structure
>>> s = structure(chainnet.load_dataset("demo_copper"), null_models=0)
>>> s.bowtie["acyclic"], s.typology["pattern"]
(True, 'leader + backbone + SMEs')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.sparse import csgraph

from .. import _parallel
from .._errors import ChainnetError
from .._messages import Text, msg, msg_both
from . import _sparse
from ._json import clean, records
from ._result import Result
from .centrality import freeman_centralization, leader_figures

if TYPE_CHECKING:
    from ..model import Cluster

BOWTIE_PARTS = ("core", "in", "out", "tubes", "tendrils", "disconnected")
#: Figures compared with degree-preserving random networks.
NULL_FIGURES = ("core_share", "reciprocity", "modularity", "assortativity", "transitivity", "average_clustering")
COMMUNITY_METHODS = {k: msg(f"st.{k}") for k in ("leiden", "louvain")}
LEIDEN_ITERATIONS = 2
#: Default cost bound of the random networks: at most this many links summed over all of them
#: (each is rewired and analysed like the observed graph, so the cost is linear in this number).
NULL_BUDGET = 1_000_000
#: Random networks kept however large the graph, so that z-scores still have a spread.
MIN_NULLS = 3
#: Above this many links each random network would stop rewiring once its overlap with the
#: observed links has settled (:func:`rewire_until_mixed`) instead of running all
#: ``swaps_per_link`` rounds. None (the default): off, every network gets every round. The
#: overlap settles before the clustering figures do (docs/structure.md, "Mixing check"), so the
#: check is kept for experiments, not used.
MIX_CHECK_LINKS: int | None = None
#: Mixing criterion: stop when a round lowers the overlap with the observed links by less than this share of it ...
MIX_TOL = 0.1
#: ... but not before this many rounds.
MIX_MIN_ROUNDS = 3
#: from this many supply links the community searches (of the observed graph and of each random
#: network) run in parallel worker processes (:mod:`chainnet._parallel`); same numbers either way
PARALLEL_MIN_LINKS = 50_000
CP_METHOD = ("Borgatti-Everett discrete core-periphery fit (core-periphery pairs ignored), searched over "
             "the nested order of firms by k-core number then degree; undirected, unweighted")


@dataclass(frozen=True)
class TypologyRules:
    """Thresholds of the typology rules (see ``docs/structure.md``); all are shares in [0, 1].

    Parameters
    ----------
    hub_fraction : the top this share of local firms by partners (at least one firm) are the hubs
    hub_share : hub-and-spoke when the hubs take part in at least this share of supply links
    sme_share : Marshallian needs at least this share of SMEs among local firms ...
    dominant_share : ... and no firm with this share of supply weight or more
    external_share : satellite platform when at least this share of local firms' supply weight
        crosses the cluster boundary ...
    branch_share : ... or at least this share of local firms are tied by ownership to outside firms
    institution_tie_share : state-anchored when institutions are at an end of at least this share
        of the ties inside the boundary (all kinds), or an institution has the most ties
    pattern_sme_share : leader + backbone + SMEs when SMEs are at least this share of local firms,
        else leader + backbone + related firms
    """

    hub_fraction: float = 0.05
    hub_share: float = 0.5
    sme_share: float = 0.6
    dominant_share: float = 0.25
    external_share: float = 0.5
    branch_share: float = 0.3
    institution_tie_share: float = 0.25
    pattern_sme_share: float = 0.5


@dataclass(frozen=True, eq=False, repr=False)
class StructureResult(Result):
    """Structure of one cluster's local supply graph.

    Attributes
    ----------
    cluster_id : the cluster's id
    figures : scalar figures: size, density, reciprocity, core share, modularity, assortativity,
        transitivity, average clustering, degree centralization
    bowtie : part sizes and shares (None when the graph has no cycle), ``acyclic`` and a note
    communities : one row per community of two or more firms: size, roles, segments, leaders
    community_method : how communities were found
    core_periphery : the core-periphery fit (method, core size and share, fit, densities)
    typology : ``type`` (first rule that fired), ``matched``, ``rules`` with numbers, ``pattern``
    significance : one row per figure: observed, null mean and sd, z-score
    null_model : description of the random networks (count, swaps, seed)
    firms : one row per local firm: bow-tie part, community, core or periphery, k-core
    """

    cluster_id: str
    figures: dict[str, Any]
    bowtie: dict[str, Any]
    communities: pd.DataFrame
    community_method: str
    core_periphery: dict[str, Any]
    typology: dict[str, Any]
    significance: pd.DataFrame
    null_model: dict[str, Any]
    firms: pd.DataFrame
    rules: TypologyRules = field(default_factory=TypologyRules)

    def to_dict(self, *, firms: bool = False) -> dict[str, Any]:
        """JSON-ready dict; ``firms=True`` adds the per-firm assignments."""
        out = {
            "cluster": self.cluster_id,
            **clean(self.figures),
            "bowtie": clean(self.bowtie),
            "communities": {"method": self.community_method, "modularity": clean(self.figures["modularity"]),
                            "count": int(self.figures["n_communities"]),
                            "singletons": int(self.figures["singletons"]), "list": records(self.communities)},
            "core_periphery": clean(self.core_periphery),
            "typology": clean(self.typology),
            "significance": {**clean(self.null_model), "figures": {
                r["figure"]: {k: r[k] for k in ("observed", "null_mean", "null_sd", "z")}
                for r in records(self.significance)}},
            "rules": asdict(self.rules),
        }
        if firms:
            out["firms"] = records(self.firms)
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """``summary`` (:meth:`table`), ``communities``, ``significance`` and ``firms``."""
        return {"summary": self.table(), "communities": self.communities, "significance": self.significance,
                "firms": self.firms}

    def _brief(self) -> str:
        return (f"{self.figures.get('n_firms', len(self.firms)):,} local firms, "
                f"{self.typology.get('type')}, {len(self.communities):,} communities")

    def table(self) -> pd.DataFrame:
        """The scalar results as a two-column ``figure, value`` table (for CSV)."""
        d = self.to_dict()
        rows: list[tuple[str, Any]] = []

        def walk(prefix: str, x: Any) -> None:
            if isinstance(x, dict):
                for k, v in x.items():
                    walk(f"{prefix}.{k}" if prefix else str(k), v)
            elif isinstance(x, list) and prefix not in ("communities.list", "typology.rules"):
                rows.append((prefix, ";".join(str(v) for v in x)))
            elif isinstance(x, list):
                for i, v in enumerate(x):
                    walk(f"{prefix}.{i}", v)
            else:
                rows.append((prefix, x))

        walk("", d)
        return pd.DataFrame(rows, columns=["figure", "value"])


#: Degree-preserving random networks behind the structure z-scores, by default: the same in
#: ``structure``, ``compare`` and the report, so the same cluster and seed give the same z-scores.
NULL_MODELS = 20


def structure(cluster: Cluster, *, seed: int = 0, null_models: int = NULL_MODELS, swaps_per_link: int = 10,
              communities: str = "leiden", weighted: bool = False,
              rules: TypologyRules | None = None, null_budget: int | None = NULL_BUDGET,
              progress: Callable[[str], None] | None = None) -> StructureResult:
    """Structure of a cluster's local supply graph, with a typology and z-scores against random networks.

    Parameters
    ----------
    cluster : the cluster
    seed : seed of community detection and of the random networks
    null_models : how many degree-preserving random networks to compare with (0: no z-scores)
    swaps_per_link : rounds of edge swaps per random network; each round proposes one swap to every link
    communities : ``"leiden"`` (Traag et al. 2019, the default: better partitions, faster) or
        ``"louvain"`` (Blondel et al. 2008); both maximise modularity
    weighted : use supply weights in community detection and modularity (random networks keep
        each link's weight with its seller)
    rules : typology thresholds (default :class:`TypologyRules`)
    null_budget : bound on the cost of the random networks, in links summed over all of them:
        when ``null_models`` × links exceeds it, only ``max(3, null_budget // links)`` random
        networks are drawn (``null_model["null_models"]`` says how many; ``null_models_requested``
        how many were asked for). None: no bound
    progress : called with a short message (and the graph's size) before each slow step

    Returns
    -------
    StructureResult

    Examples
    --------
    >>> import chainnet
    >>> s = structure(chainnet.load_dataset("demo_copper"), null_models=3, seed=1)
    >>> s.figures["n_firms"], s.figures["n_links"], s.figures["transitivity"]
    (11, 10, 0.0)
    >>> s.typology["type"], s.typology["matched"]
    ('hub-and-spoke', ['hub-and-spoke'])
    >>> list(s.significance["figure"])[:2]
    ['core_share', 'reciprocity']
    """
    if communities not in COMMUNITY_METHODS:
        raise ChainnetError(f"communities={communities!r}: use one of {', '.join(COMMUNITY_METHODS)}")
    rules = rules or TypologyRules()
    say = progress or (lambda msg: None)
    g = _sparse.supply_graph(cluster)
    # only the columns read here: a copy of every firm column costs ~0.3 GB at 10^6 firms
    local = cluster.firms[["firm_id", "name", "role", "segments"]].iloc[g.rows].reset_index(drop=True)
    say(f"structure: communities, bow-tie and core-periphery of {g.n:,} firms and {g.m:,} supply links")
    kcore = _sparse.core_number(g)  # builds the igraph view before any worker is forked
    big = g.m >= PARALLEL_MIN_LINKS
    observed = _parallel.start(_topology, g, seed=seed, weighted=weighted, method=communities, parallel=big)
    parts, bow = bowtie(g)
    cp_core, cp = core_periphery(g, kcore)
    typ = typology(cluster, g, local, rules)
    # the random networks are drawn here (one random stream, in order); their figures are computed
    # by the workers while the next one is drawn, and here once every network is drawn
    nulls, null = _random_networks(g, null_models=null_models, swaps_per_link=swaps_per_link, seed=seed,
                                   weighted=weighted, method=communities, budget=null_budget, say=say,
                                   parallel=big)
    (topo, membership), *null_figures = _parallel.gather([observed, *nulls])
    sig = _significance_table(topo, null_figures)
    comm = _community_table(local, g, membership)
    figures = {
        "n_firms": g.n, "n_links": g.m,
        "density": g.m / (g.n * (g.n - 1)) if g.n > 1 else None,
        **topo,
        "degree_centralization": freeman_centralization(g.degree),
        "max_kcore": int(kcore.max()) if g.n else None,
        "n_communities": len(comm),
        "singletons": int((np.bincount(membership) == 1).sum()) if g.n else 0,
    }
    cp["core_roles"] = _counts(local["role"][cp_core]) if cp_core is not None else None
    firms = pd.DataFrame({
        "firm_id": local["firm_id"], "name": local["name"], "role": local["role"],
        "bowtie": parts, "community": membership, "core_periphery":
            np.where(cp_core, "core", "periphery") if cp_core is not None else None,
        "kcore": kcore,
    })
    method = Text.of("st.method", algorithm=msg_both(f"st.{communities}"), seed=seed,
                     weighted=msg_both("st.weighted" if weighted else "st.unweighted"))
    return StructureResult(cluster_id=cluster.meta.get("id", ""), figures=figures, bowtie=bow, communities=comm,
                           community_method=method, core_periphery=cp, typology=typ, significance=sig,
                           null_model=null, firms=firms, rules=rules)


# -- bow-tie ---------------------------------------------------------------------------------
def bowtie(g: _sparse.SupplyGraph) -> tuple[np.ndarray, dict[str, Any]]:
    """Broder et al. (2000) bow-tie of the directed supply graph: each firm's part, and part sizes.

    core = the largest strongly connected component (two or more firms); in = firms that reach
    the core; out = firms the core reaches; tubes = other firms reached from ``in`` that reach
    ``out`` without passing the core; tendrils = the rest of the core's weakly connected
    component; disconnected = firms outside it. When no two firms reach each other (the supply
    graph has no cycle, common in supply chains) there is no core and the parts are None.
    """
    n = g.n
    parts = np.full(n, None, dtype=object)
    if n == 0:
        return parts, {"acyclic": None, **dict.fromkeys(BOWTIE_PARTS), "note": "no local firms"}
    _, lab = csgraph.connected_components(g.A, directed=True, connection="strong")
    sizes = np.bincount(lab)
    big = int(np.argmax(sizes))
    if sizes[big] < 2:
        note = ("no two local firms reach each other along supply links (the supply graph has no cycle), so "
                "there is no strongly connected core and no bow-tie")
        return parts, {"acyclic": True, **dict.fromkeys(BOWTIE_PARTS), "note": note}
    core = lab == big
    everyone = np.ones(n, dtype=bool)
    out = _sparse.reach(g.A, core, everyone) & ~core
    inn = _sparse.reach(g.AT, core, everyone) & ~core
    rest = ~(core | out | inn)
    from_in = _sparse.reach(g.A, inn, rest) & rest
    to_out = _sparse.reach(g.AT, out, rest) & rest
    _, wlab = csgraph.connected_components(g.A, directed=True, connection="weak")
    attached = wlab == wlab[np.flatnonzero(core)[0]]
    tubes = from_in & to_out
    masks = {"core": core, "in": inn, "out": out, "tubes": tubes, "tendrils": rest & attached & ~tubes,
             "disconnected": rest & ~attached}
    info: dict[str, Any] = {"acyclic": False}
    for name, mask in masks.items():
        parts[mask] = name
        info[name] = {"size": int(mask.sum()), "share": float(mask.sum() / n)}
    info["note"] = ""
    return parts, info


# -- core-periphery -------------------------------------------------------------------------
def core_periphery(g: _sparse.SupplyGraph, kcore: np.ndarray) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Borgatti-Everett (1999) discrete core-periphery fit over the nested k-core/degree order.

    Firms are ordered by k-core number, then degree (both descending). For each core size c
    (the first c firms; 2 <= c <= n - 2) the fit is the correlation between the undirected
    adjacency and the ideal pattern (core-core pairs tied, periphery-periphery pairs not,
    core-periphery pairs ignored), a phi coefficient over the counted pairs. The best c wins;
    ties go to the smaller core. Returns the core mask (None when n < 4 or no fit is defined)
    and a summary.
    """
    n = g.n
    info: dict[str, Any] = {"method": CP_METHOD, "uses_direction": False, "core_size": None, "core_share": None,
                            "fit": None, "core_density": None, "periphery_density": None, "core_link_share": None}
    lo, hi = g.edges
    if n < 4 or len(lo) == 0:
        return None, info
    order = np.lexsort((np.arange(n), -g.degree, -kcore))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    r_lo = np.minimum(rank[lo], rank[hi])
    r_hi = np.maximum(rank[lo], rank[hi])
    c = np.arange(2, n - 1, dtype=float)
    ci = c.astype(np.int64)
    e_cc = np.concatenate([[0], np.cumsum(np.bincount(r_hi, minlength=n))])[ci].astype(float)  # r_hi < c
    e_lo = np.concatenate([[0], np.cumsum(np.bincount(r_lo, minlength=n))])[ci].astype(float)  # r_lo < c
    e_pp = len(lo) - e_lo
    p_cc = c * (c - 1) / 2
    p_pp = (n - c) * (n - c - 1) / 2
    n11, n10, n01, n00 = e_cc, p_cc - e_cc, e_pp, p_pp - e_pp
    den = np.sqrt(p_cc * p_pp * (n11 + n01) * (n10 + n00))
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(den > 0, (n11 * n00 - n10 * n01) / np.where(den > 0, den, 1.0), np.nan)
    if np.all(np.isnan(phi)):
        return None, info
    best = int(np.nanargmax(phi))
    size = int(ci[best])
    core = rank < size
    info.update(core_size=size, core_share=size / n, fit=float(phi[best]), core_density=float(e_cc[best] / p_cc[best]),
                periphery_density=float(e_pp[best] / p_pp[best]),
                core_link_share=float(1 - e_pp[best] / len(lo)))
    return core, info


# -- mixing, clustering, communities ----------------------------------------------------------
def _topology(g: _sparse.SupplyGraph, *, seed: int, weighted: bool,
              method: str) -> tuple[dict[str, Any], np.ndarray]:
    """The figures also computed on random networks, and the community membership."""
    membership, modularity = _communities(g, seed=seed, weighted=weighted, method=method)
    out = {"core_share": _core_share(g), "reciprocity": _reciprocity(g), "modularity": modularity,
           "assortativity": _assortativity(g), "transitivity": None, "average_clustering": None}
    if g.n:
        out["transitivity"], out["average_clustering"] = _clustering(g)
    return out, membership


def _clustering(g: _sparse.SupplyGraph) -> tuple[float | None, float]:
    """Transitivity and average clustering (mean c_i, 0 for fewer than two partners) from one
    triangle pass (:func:`chainnet.analysis._sparse.clustering`): the values igraph's
    ``transitivity_undirected`` and ``transitivity_avglocal_undirected`` give in two passes."""
    trans, local = _sparse.clustering(g)
    return trans, float(local.mean())


def _core_share(g: _sparse.SupplyGraph) -> float | None:
    """Share of firms in the largest strongly connected component of two or more firms (0 if none)."""
    if g.n == 0:
        return None
    _, lab = csgraph.connected_components(g.A, directed=True, connection="strong")
    big = int(np.bincount(lab).max())
    return big / g.n if big >= 2 else 0.0


def _reciprocity(g: _sparse.SupplyGraph) -> float | None:
    """Share of supply links whose reverse link also exists."""
    if g.m == 0:
        return None
    n = g.n
    code = np.sort(g.src.astype(np.int64) * n + g.tgt)
    # the reverse links sorted too: searching sorted queries walks the table once (5.4 s -> 0.2 s
    # at 4 million links); the count does not depend on the order of the queries
    return float(_member(np.sort(g.tgt.astype(np.int64) * n + g.src), code).sum() / g.m)


def _assortativity(g: _sparse.SupplyGraph) -> float | None:
    """Newman's (2002) degree assortativity of the undirected view: Pearson r of degrees at the ends of edges."""
    lo, hi = g.edges
    if len(lo) == 0:
        return None
    d = g.degree.astype(float)
    x = np.concatenate([d[lo], d[hi]])
    y = np.concatenate([d[hi], d[lo]])
    x = x - x.mean()
    y = y - y.mean()
    den = math.sqrt(float((x * x).sum()) * float((y * y).sum()))
    return float((x * y).sum() / den) if den > 0 else None


def _communities(g: _sparse.SupplyGraph, *, seed: int, weighted: bool,
                 method: str = "leiden") -> tuple[np.ndarray, float | None]:
    """Communities of the undirected view, numbered by size (0 = largest), and their modularity."""
    if g.n == 0:
        return np.empty(0, dtype=np.int64), None
    if len(g.edges[0]) == 0:
        return np.arange(g.n), None
    G = g.igraph
    w = g.edge_weight.tolist() if weighted else None
    with _sparse.igraph_seed(seed):
        if method == "leiden":
            # igraph's Graph.community_leiden(objective_function="modularity", weights=w,
            # n_iterations=...) with its defaults spelled out, minus the VertexClustering wrapper
            # (its pure-Python max() over the membership costs 0.16 s per call at 90,000 firms)
            members, _ = _sparse._igraph().GraphBase.community_leiden(
                G, edge_weights=w, node_weights=None, node_in_weights=None, resolution=1.0,
                normalize_resolution=True, beta=0.01, initial_membership=None, n_iterations=LEIDEN_ITERATIONS)
        else:
            members = G.community_multilevel(weights=w).membership
    raw = np.asarray(members, dtype=np.int64)
    q = float(G.modularity(raw.tolist(), weights=w))
    sizes = np.bincount(raw)
    first = np.full(len(sizes), g.n)
    np.minimum.at(first, raw, np.arange(g.n))
    relabel = np.empty(len(sizes), dtype=np.int64)
    relabel[np.lexsort((first, -sizes))] = np.arange(len(sizes))
    return relabel[raw], q


def _community_table(local: pd.DataFrame, g: _sparse.SupplyGraph, membership: np.ndarray) -> pd.DataFrame:
    """Communities of two or more firms with their role and segment mix and internal share of links."""
    cols = ["community", "size", "share", "leaders", "backbone", "smes", "segments", "main_segment", "internal_links",
            "leader_ids"]
    if g.n == 0:
        return pd.DataFrame(columns=cols)
    sizes = np.bincount(membership)
    k_all = len(sizes)
    keep = np.flatnonzero(sizes >= 2)
    role = local["role"].to_numpy(dtype=object)
    by_role = {r: np.bincount(membership[role == r], minlength=k_all) for r in ("leader", "backbone", "sme")}
    lens = local["segments"].map(len).to_numpy(dtype=int)
    seg_codes, seg_names = pd.factorize(pd.Series([x for t in local["segments"] for x in t], dtype=object))
    n_seg = max(len(seg_names), 1)
    seg_matrix = np.bincount(np.repeat(membership, lens) * n_seg + seg_codes,
                             minlength=k_all * n_seg).reshape(k_all, n_seg)
    cs, ct = membership[g.src], membership[g.tgt]
    inside = np.bincount(cs[cs == ct], minlength=k_all)
    touching = np.bincount(cs, minlength=k_all) + np.bincount(ct, minlength=k_all) - inside
    lead = np.flatnonzero(role == "leader")
    ids = local["firm_id"].to_numpy(dtype=object)
    lead_ids: dict[int, list[str]] = {}
    for i in lead:
        lead_ids.setdefault(int(membership[i]), []).append(str(ids[i]))
    rows = []
    for k in keep:
        counts = seg_matrix[k]
        top = [j for j in np.argsort(-counts, kind="stable") if counts[j] > 0]
        rows.append({
            "community": int(k), "size": int(sizes[k]), "share": float(sizes[k] / g.n),
            "leaders": int(by_role["leader"][k]), "backbone": int(by_role["backbone"][k]),
            "smes": int(by_role["sme"][k]),
            "segments": {str(seg_names[j]): int(counts[j]) for j in top},
            "main_segment": str(seg_names[top[0]]) if top else None,
            "internal_links": float(inside[k] / touching[k]) if touching[k] else None,
            "leader_ids": lead_ids.get(int(k), [])[:10],
        })
    return pd.DataFrame(rows, columns=cols)


# -- typology -------------------------------------------------------------------------------
def typology(cluster: Cluster, g: _sparse.SupplyGraph, local: pd.DataFrame,
             rules: TypologyRules) -> dict[str, Any]:
    """Markusen (1996) district type and the founding paper's organisation pattern, with the numbers used."""
    role = local["role"].to_numpy(dtype=object)
    n = g.n
    n_lead, n_back, n_sme = (int((role == r).sum()) for r in ("leader", "backbone", "sme"))
    sme_share = n_sme / n if n else None
    lf = leader_figures(g, role)
    hub_share = max_share = None
    top_firm = None
    if g.m:
        k = max(1, math.ceil(rules.hub_fraction * n))
        hubs = np.zeros(n, dtype=bool)
        hubs[np.lexsort((np.arange(n), -g.degree))[:k]] = True
        hub_share = float((hubs[g.src] | hubs[g.tgt]).sum() / g.m)
        touch = g.out_weight + g.in_weight
        top = int(np.argmax(touch))
        max_share, top_firm = float(touch[top] / g.weight.sum()), str(g.ids[top])
    boundary = _boundary(cluster, n)
    v = {"local_firms": n, "leaders": n_lead, "backbone": n_back, "smes": n_sme, "sme_share": sme_share,
         "hub_share": hub_share, "hubs": max(1, math.ceil(rules.hub_fraction * n)) if n else 0,
         "max_firm_weight_share": max_share, "top_firm": top_firm, "leader_dominance": lf["leader_dominance"],
         **boundary}

    def ge(x: float | None, t: float) -> bool:
        return x is not None and x >= t

    r = rules
    # (type, catalogue parameters of its sentence "typ.<type>", fired, values shown)
    checks = [
        ("state-anchored", {"share": r.institution_tie_share},
         bool(v["top_participant_is_institution"]) or ge(v["institution_tie_share"], r.institution_tie_share),
         ["institution_tie_share", "top_participant", "top_participant_is_institution"]),
        ("satellite platform", {"external": r.external_share, "branch": r.branch_share},
         ge(v["external_share"], r.external_share) or ge(v["branch_share"], r.branch_share),
         ["external_share", "branch_share"]),
        ("hub-and-spoke", {"fraction": r.hub_fraction, "hubs": v["hubs"], "share": r.hub_share},
         ge(hub_share, r.hub_share), ["hubs", "hub_share"]),
        ("Marshallian", {"sme": r.sme_share, "dominant": r.dominant_share, "share": r.hub_share},
         ge(sme_share, r.sme_share) and max_share is not None and max_share < r.dominant_share
         and hub_share is not None and hub_share < r.hub_share,
         ["sme_share", "max_firm_weight_share", "top_firm", "hub_share"]),
    ]
    out_rules = [{"type": t, "rule": msg(f"typ.{t}", "en", **p), "rule_zh": msg(f"typ.{t}", "zh", **p),
                  "fired": fired, "values": {k: v[k] for k in keys}}
                 for t, p, fired, keys in checks]
    matched = [x["type"] for x in out_rules if x["fired"]]
    pattern, why, why_zh = _pattern(n_lead, n_back, sme_share, rules)
    return {"type": matched[0] if matched else "mixed", "matched": matched, "rules": out_rules, "values": v,
            "pattern": pattern, "pattern_rule": why, "pattern_rule_zh": why_zh}


def _pattern(n_lead: int, n_back: int, sme_share: float | None, rules: TypologyRules) -> tuple[str, str, str]:
    """The founding paper's pattern and why, in English and Chinese (catalogue codes ``pat.*``)."""
    t = rules.pattern_sme_share
    if n_lead == 0:
        pattern = "no leader"
    elif n_back == 0:
        pattern = "leader + SMEs"
    elif sme_share is not None and sme_share >= t:
        pattern = "leader + backbone + SMEs"
    else:
        pattern = "leader + backbone + related firms"
    p = {"leaders": n_lead, "backbone": n_back, "sme": sme_share or 0.0, "threshold": t}
    return pattern, msg(f"pat.{pattern}", "en", **p), msg(f"pat.{pattern}", "zh", **p)


def _boundary(cluster: Cluster, n_local: int) -> dict[str, Any]:
    """Figures on links across the boundary and on institutions (all link kinds)."""
    firms, links = cluster.firms, cluster.links
    src, tgt = _sparse.link_ends(cluster)
    ext = firms["external"].to_numpy(dtype=bool)
    local = cluster.local_mask
    inst = (firms["role"] == "institution").to_numpy()
    src_local, tgt_local, src_ext, tgt_ext = local[src], local[tgt], ext[src], ext[tgt]
    kind = links["kind"].to_numpy(dtype=object)
    w = links["weight"].to_numpy(dtype=float)
    supply = kind == "supply"
    cross = supply & ((src_local & tgt_ext) | (src_ext & tgt_local))
    inside = supply & src_local & tgt_local
    den = w[cross].sum() + w[inside].sum()
    own = (kind == "ownership") & ((src_local & tgt_ext) | (src_ext & tgt_local))
    owned = np.union1d(src[own & src_local], tgt[own & tgt_local])
    within = ~src_ext & ~tgt_ext
    is_inst = inst[src] | inst[tgt]
    ties = np.bincount(src[within], minlength=len(firms)) + np.bincount(tgt[within], minlength=len(firms))
    top = int(np.argmax(ties)) if within.any() else None
    tied = top is not None and int((ties == ties[top]).sum()) > 1
    top_id = str(firms["firm_id"].iat[top]) if top is not None else None
    return {
        "external_share": float(w[cross].sum() / den) if den > 0 else None,
        "branch_share": len(owned) / n_local if n_local else None,
        "institution_tie_share": float((is_inst & within).sum() / within.sum()) if within.any() else None,
        "top_participant": top_id,
        "top_participant_is_institution": bool(top is not None and inst[top] and not tied),
    }


# -- significance ---------------------------------------------------------------------------
def null_count(requested: int, links: int, budget: int | None) -> int:
    """How many random networks :func:`structure` draws: ``requested``, or fewer when their links
    would exceed ``budget`` (but at least :data:`MIN_NULLS`, never more than requested); none for a
    graph of fewer than 2 links (no swap is possible).

    >>> null_count(20, 10_000, 2_000_000), null_count(20, 393_329, 2_000_000), null_count(20, 4_000_000, 2_000_000)
    (20, 5, 3)
    >>> null_count(20, 1, None)
    0
    """
    if links < 2:
        return 0
    if budget is None or requested * links <= budget:
        return requested
    return min(requested, max(MIN_NULLS, budget // max(links, 1)))


def _random_networks(g: _sparse.SupplyGraph, *, null_models: int, swaps_per_link: int, seed: int,
                     weighted: bool, method: str, budget: int | None = None,
                     say: Callable[[str], None] | None = None,
                     parallel: bool = False) -> tuple[list[_parallel.Job], dict[str, Any]]:
    """Draw the random networks (in order, from one random stream seeded ``seed``) and start the
    computation of their figures (:func:`_null_topology`, in worker processes when ``parallel``);
    returns the jobs and the description of the null model."""
    rng = np.random.default_rng(seed)
    k = null_count(null_models, g.m, budget)
    mixed = MIX_CHECK_LINKS is not None and g.m > MIX_CHECK_LINKS
    rounds: list[int] = []
    jobs = []
    for i in range(k):
        if say is not None:
            say(f"structure: random network {i + 1} of {k} ({g.m:,} links, "
                f"{'up to ' if mixed else ''}{swaps_per_link} swap rounds)")
        s, t, r = rewire_until_mixed(g.src, g.tgt, g.n, max_rounds=swaps_per_link, rng=rng,
                                     tol=MIX_TOL if mixed else None)
        rounds.append(r)
        # no name is bound to the random network: when its figures are computed at once (one
        # process, or inside a worker) its graph and igraph view go before the next one is drawn
        jobs.append(_parallel.start(_null_topology, _null_graph(g, s, t), seed=seed + 1 + i, weighted=weighted,
                                    method=method, parallel=parallel))
        del s, t
    info = {"null_model": "directed degree-preserving edge swaps (Maslov & Sneppen 2002): every firm keeps its "
            "numbers of suppliers and buyers; no self-loops or repeated links",
            "null_models": k, "null_models_requested": null_models, "null_budget": budget,
            "swaps_per_link": swaps_per_link, "swap_rounds": rounds,
            "mixing": _mixing_rule(swaps_per_link) if mixed else None, "seed": seed,
            "note": _null_note(k, null_models, g.m, budget, rounds if mixed else None),
            "links": g.m}
    return jobs, info


def _null_graph(g: _sparse.SupplyGraph, s: np.ndarray, t: np.ndarray) -> _sparse.SupplyGraph:
    """The random network with links ``s`` -> ``t`` (each keeping the weight of the observed link
    at its position) as a supply graph on the nodes of ``g``, links sorted by seller and buyer."""
    order = _sparse.link_order(s, t, g.n)
    return _sparse.SupplyGraph(ids=g.ids, rows=g.rows, src=s[order].astype(np.int32), tgt=t[order].astype(np.int32),
                               weight=g.weight[order])


def _null_topology(null: _sparse.SupplyGraph, *, seed: int, weighted: bool, method: str) -> dict[str, Any]:
    """The figures of one random network compared with the observed graph (its membership is not kept)."""
    return _topology(null, seed=seed, weighted=weighted, method=method)[0]


def _significance_table(observed: dict[str, Any], nulls: list[dict[str, Any]]) -> pd.DataFrame:
    """Observed value, mean and standard deviation over the random networks and z-score of each figure."""
    rows = []
    for f in NULL_FIGURES:
        x = np.asarray([fig[f] for fig in nulls if fig[f] is not None], dtype=float)
        mean = float(x.mean()) if len(x) else None
        sd = float(x.std(ddof=1)) if len(x) >= 2 else None
        obs = observed[f]
        z = (obs - mean) / sd if obs is not None and mean is not None and sd else None
        rows.append({"figure": f, "observed": obs, "null_mean": mean, "null_sd": sd, "z": z, "nulls": len(x)})
    return pd.DataFrame(rows, columns=["figure", "observed", "null_mean", "null_sd", "z", "nulls"])


def _mixing_rule(max_rounds: int) -> str:
    return msg("st.mixing", "en", links=MIX_CHECK_LINKS, tol=MIX_TOL, min_rounds=MIX_MIN_ROUNDS, max_rounds=max_rounds)


def _null_note(k: int, requested: int, links: int, budget: int | None, rounds: list[int] | None) -> str:
    """The note on the random networks: how many when the budget cut them, and the swap rounds when the
    mixing check stopped them early (English; the text output renders it in either language)."""
    parts = []
    if k != requested and links >= 2:
        parts.append(msg("st.null_cap", "en", n=k, requested=requested, links=links, budget=budget))
    if rounds:
        parts.append(msg("st.null_mixed", "en", threshold=MIX_CHECK_LINKS, rounds=", ".join(map(str, rounds))))
    return "; ".join(parts)


def rewire(src: np.ndarray, tgt: np.ndarray, n: int, *, swaps_per_link: int,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Directed Maslov-Sneppen edge swaps: a → b, c → d become a → d, c → b.

    Every firm keeps its in- and out-degree. Each of ``swaps_per_link`` rounds pairs all links at
    random and proposes one swap per pair; a swap is refused when it would make a self-loop or a
    link that exists (before the round) or that another swap of the round also makes. The inputs
    are not changed.

    >>> s, t = rewire(np.array([0, 1]), np.array([2, 3]), 4, swaps_per_link=1, rng=np.random.default_rng(0))
    >>> sorted(zip(s.tolist(), t.tolist()))
    [(0, 3), (1, 2)]
    """
    s, t, _ = rewire_until_mixed(src, tgt, n, max_rounds=swaps_per_link, rng=rng, tol=None)
    return s, t


def rewire_until_mixed(src: np.ndarray, tgt: np.ndarray, n: int, *, max_rounds: int, rng: np.random.Generator,
                       tol: float | None = MIX_TOL,
                       min_rounds: int = MIX_MIN_ROUNDS) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`rewire`, stopped early once the random network has mixed; returns ``(src, tgt, rounds)``.

    After each round the overlap (share of the observed links still present) is measured; the
    rewiring stops after round r >= ``min_rounds`` when the overlap fell by at most ``tol`` of
    its value in that round (o(r-1) − o(r) <= tol · o(r-1)): the network has forgotten its starting
    point as far as the overlap shows, which levels off at its stationary value (the chance that
    a random network with these degrees has a given link) instead of 0. At most ``max_rounds``
    rounds; ``tol=None`` always runs all of them (then the result is exactly :func:`rewire`'s).
    Rounds consume the random generator in the same order either way, so stopping early gives the
    first rounds of the full run.

    A directed ring of 200 firms: the ring links left after rounds 1 to 4 are 6, 2, 1 and 2; in
    round 4 the overlap stops falling, so the rewiring stops there. Every firm keeps one
    supplier and one buyer.

    >>> ring = np.arange(200)
    >>> s, t, r = rewire_until_mixed(ring, (ring + 1) % 200, 200, max_rounds=10, rng=np.random.default_rng(0))
    >>> r, int(((t - s) % 200 == 1).sum()), set(np.bincount(s).tolist()), set(np.bincount(t).tolist())
    (4, 2, {1}, {1})
    """
    s = np.asarray(src, dtype=np.int64).copy()
    t = np.asarray(tgt, dtype=np.int64).copy()
    m = len(s)
    if m < 2:
        return s, t, 0
    h = m // 2
    observed = np.sort(s * n + t) if tol is not None else None
    overlap = 1.0
    for r in range(1, max_rounds + 1):
        codes = np.sort(s * n + t)  # the links after round r - 1
        if observed is not None and r > 1:
            # the overlap after round r - 1, checked before round r draws (sorted queries search fast)
            last, overlap = overlap, float(_member(codes, observed).mean())
            if r - 1 >= min_rounds and last - overlap <= tol * last:
                return s, t, r - 1
        perm = rng.permutation(m)
        i, j = perm[:h], perm[h:2 * h]
        a, b, c, d = s[i], t[i], s[j], t[j]
        new1, new2 = a * n + d, c * n + b
        k = np.flatnonzero((a != d) & (c != b) & (a != c) & (b != d))
        k = k[~_refused(np.concatenate([new1[k], new2[k]]), codes).reshape(2, -1).any(axis=0)]
        t[i[k]] = d[k]
        t[j[k]] = b[k]
    return s, t, max_rounds


def _refused(proposed: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Which proposed link codes a swap round refuses: those proposed more than once, and those
    in the sorted ``codes`` (links that exist).

    One sort serves both checks: repeats are neighbours, and sorted queries search fast. Each
    code carries its position in its low digits (code × len + position), so a plain sort, which
    numpy vectorises, orders the proposals and tells where each came from: 1.07 → 0.25 s per
    round at 4 million links against an argsort. Codes too large to carry a position in 63 bits
    (tens of millions of firms) are argsorted. The mask is that of ``np.unique`` with inverse
    and counts.

    >>> _refused(np.array([7, 3, 9, 3, 5]), np.array([5, 8])).tolist()
    [False, True, False, True, True]
    """
    m = len(proposed)
    if m == 0:
        return np.zeros(0, dtype=bool)
    if (int(proposed.max()) + 1) * m < 2**63:
        key = np.sort(proposed * m + np.arange(m))
        ranked, order = np.divmod(key, m)
    else:
        order = np.argsort(proposed)
        ranked = proposed[order]
    repeat = ranked[1:] == ranked[:-1]
    bad = _member(ranked, codes)
    bad[1:] |= repeat
    bad[:-1] |= repeat
    out = np.empty(m, dtype=bool)
    out[order] = bad
    return out


def _member(x: np.ndarray, sorted_codes: np.ndarray) -> np.ndarray:
    if len(sorted_codes) == 0:
        return np.zeros(len(x), dtype=bool)
    pos = np.searchsorted(sorted_codes, x)
    pos[pos == len(sorted_codes)] = 0
    return sorted_codes[pos] == x


def _counts(s: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in s.value_counts().items()}
