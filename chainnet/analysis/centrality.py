"""Leader centrality: how central the declared leader firms are, and whether declared roles fit.

Every figure here follows ``METRICS.md`` (section "Leader centrality") and is computed on the
local supply graph: local firms (not external; role leader, backbone or sme) and the supply links
between them. See ``docs/leaders.md`` for formulas and references.

>>> import chainnet
>>> from chainnet.analysis.centrality import leaders
>>> r = leaders(chainnet.load_dataset("demo_copper"))
>>> r.leader_dominance, round(r.sme_attachment, 3), r.leader_reach
(0.76, 0.429, 0.7)
>>> r.firms.sort_values("pagerank").iloc[-1]["firm_id"]
'pcb_a'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._i18n import LINKS_UNKNOWN, LINKS_UNKNOWN_ZH
from .._messages import Both, both, msg, msg_both, t
from . import _sparse
from ._json import clean, records
from ._result import Result

if TYPE_CHECKING:
    from ..model import Cluster

DAMPING = 0.85


@dataclass(frozen=True)
class RoleRule:
    """Thresholds of the role-consistency rule (see ``docs/leaders.md``).

    Parameters
    ----------
    margin : how far (in score, a percentile between 0 and 1) a firm may sit outside the band of
        its declared role before it is flagged
    leader_min_partners : a leader needs at least this many local supply partners
    sme_max_partners : an SME with this many local supply partners or more is flagged
    """

    margin: float = 0.1
    leader_min_partners: int = 3
    sme_max_partners: int = 10


@dataclass(frozen=True, eq=False, repr=False)
class LeaderResult(Result):
    """Leader centrality of one cluster.

    Attributes
    ----------
    cluster_id : the cluster's id
    firms : one row per local firm: degrees, weighted degrees, partners, PageRank, betweenness,
        k-core, role score, inferred role, ``role_consistent`` and a ``note`` saying what to check
    leaders : one row per local leader: its share of supply weight, partners, firms, SMEs and
        segments within reach, and the completeness index lost if it alone left
    leader_dominance, sme_attachment, leader_reach, degree_centralization, leader_dependence :
        the METRICS figures; None where a denominator is zero
    betweenness_method : ``"exact"`` or ``"sampled (k pivots, seed s)"``
    pagerank_iterations : power iterations PageRank took to reach ``pagerank_tol``
    pagerank_tol : L1 tolerance PageRank was run to
    rule : the role-consistency thresholds used
    """

    cluster_id: str
    firms: pd.DataFrame
    leaders: pd.DataFrame
    leader_dominance: float | None
    sme_attachment: float | None
    leader_reach: float | None
    degree_centralization: float | None
    leader_dependence: float | None
    betweenness_method: str
    pagerank_iterations: int
    pagerank_tol: float
    rule: RoleRule
    links_known: bool = True

    @property
    def reason(self) -> str | None:
        """Why the link figures are null: ``"links unknown: link figures not measured"``, else None."""
        return None if self.links_known else LINKS_UNKNOWN

    @property
    def figures(self) -> dict[str, float | None]:
        """The five cluster figures of METRICS.md."""
        return {k: getattr(self, k) for k in FIGURES}

    @property
    def mismatches(self) -> pd.DataFrame:
        """Firms whose declared role does not fit their size and position, with what to check."""
        cols = ["firm_id", "name", "role", "inferred_role", "partners", "score", "note", "note_zh"]
        cols += ["name_zh"] if "name_zh" in self.firms else []
        return self.firms.loc[~self.firms["role_consistent"], cols].reset_index(drop=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """``firms``, ``leaders`` and ``mismatches``."""
        return {"firms": self.firms, "leaders": self.leaders, "mismatches": self.mismatches}

    def _brief(self) -> str:
        d = self.leader_dominance
        return (f"{len(self.firms):,} local firms, {len(self.leaders):,} leaders, leader dominance "
                f"{'n/a' if d is None else f'{d:.3f}'}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the five figures, ``firms`` (one object per firm), ``leaders``, ``mismatches``."""
        return {
            "cluster": self.cluster_id,
            **clean(self.figures),
            "links": "known" if self.links_known else "unknown",
            "reason": self.reason, "reason_zh": None if self.links_known else LINKS_UNKNOWN_ZH,
            "n_firms": len(self.firms),
            "n_links": (int(self.firms["out_degree"].sum()) if len(self.firms) else 0) if self.links_known else None,
            "betweenness_method": self.betweenness_method,
            "pagerank": {"damping": DAMPING, "tol": self.pagerank_tol, "iterations": self.pagerank_iterations},
            "role_rule": asdict(self.rule),
            "leaders": records(self.leaders),
            "mismatches": records(self.mismatches),
            "firms": records(self.firms),
        }


FIGURES = ("leader_dominance", "sme_attachment", "leader_reach", "degree_centralization", "leader_dependence")


def leaders(cluster: Cluster, *, betweenness_exact_max: int = 5000, pivots: int = 100, seed: int = 0,
            pagerank_tol: float = 1e-10, rule: RoleRule | None = None,
            completeness_impact: bool = True, progress: Callable[[str], None] | None = None) -> LeaderResult:
    """Leader centrality of a cluster: per-firm centralities, the METRICS figures and a role check.

    Parameters
    ----------
    cluster : the cluster
    betweenness_exact_max : exact betweenness up to this many local firms, sampled above
    pivots : source firms sampled for betweenness above ``betweenness_exact_max``
    seed : seed of the pivot sample
    pagerank_tol : stop PageRank when the L1 change of the whole score vector is below this
    rule : thresholds of the role-consistency check (default :class:`RoleRule`)
    completeness_impact : compute ``leader_dependence`` and each leader's completeness loss (the
        chain is evaluated once, each removal is a what-if on it); when False both are None
    progress : called with a short message (and the graph's size) before each slow step

    Returns
    -------
    LeaderResult

    Examples
    --------
    >>> import chainnet
    >>> r = leaders(chainnet.load_dataset("demo_copper"))
    >>> r.leaders[["firm_id", "partners", "smes_attached"]].to_dict("records")
    [{'firm_id': 'smelter_a', 'partners': 5, 'smes_attached': 3}]
    >>> r.betweenness_method, round(r.degree_centralization, 3)
    ('exact', 0.389)
    """
    rule = rule or RoleRule()
    if not cluster.links_known:
        return _links_unknown(cluster, rule, pagerank_tol)
    say = progress or (lambda msg: None)
    g = _sparse.supply_graph(cluster)
    local = cluster.firms.iloc[g.rows].reset_index(drop=True)
    role = local["role"].to_numpy(dtype=object)
    figs = leader_figures(g, role)

    # a large graph's betweenness starts on the other core while PageRank runs here
    _sparse.start_betweenness(g, exact_max=betweenness_exact_max, pivots=pivots, seed=seed)
    say(f"leaders: PageRank of {g.n:,} firms and {g.m:,} supply links")
    pr, iters = _sparse.pagerank(g, alpha=DAMPING, tol=pagerank_tol)
    checked = _role_check(local, g, rule)
    say(f"leaders: betweenness of {g.n:,} firms ({'exact' if g.n <= betweenness_exact_max else f'{pivots} pivots'})")
    btw, method = _sparse.betweenness(g, exact_max=betweenness_exact_max, pivots=pivots, seed=seed)
    firms = pd.DataFrame({
        "firm_id": local["firm_id"], "name": local["name"],
        **({"name_zh": local["name_zh"]} if "name_zh" in local else {}),
        "role": local["role"], "segments": local["segments"],
        "out_degree": g.out_degree, "in_degree": g.in_degree,
        "out_weight": g.out_weight, "in_weight": g.in_weight, "partners": g.degree,
        "pagerank": pr, "betweenness": btw, "kcore": _sparse.core_number(g),
    })
    firms = pd.concat([firms, checked], axis=1)

    lead_rows = np.flatnonzero(role == "leader")
    losses: list[float | None] = [None] * len(lead_rows)
    figs["leader_dependence"] = None
    if completeness_impact and cluster.templates and g.n:
        say(f"leaders: completeness without each of {len(lead_rows):,} leaders")
        all_leaders = np.flatnonzero((cluster.firms["role"] == "leader").to_numpy())
        lost = completeness_losses(cluster, [all_leaders] + [g.rows[[i]] for i in lead_rows])
        figs["leader_dependence"], losses = lost[0], lost[1:]
    table = _leader_table(cluster, g, local, losses)
    return LeaderResult(cluster_id=cluster.meta.get("id", ""), firms=firms, leaders=table,
                        betweenness_method=method, pagerank_iterations=iters, pagerank_tol=pagerank_tol,
                        rule=rule, **figs)


def _links_unknown(cluster: Cluster, rule: RoleRule, pagerank_tol: float) -> LeaderResult:
    """A cluster without tie data: every figure that needs links is None (not measured, not 0);
    firms and leaders are listed with their roles and segments only."""
    local = cluster.firms[cluster.local_mask].reset_index(drop=True)
    n = len(local)
    na = np.full(n, np.nan)
    firms = pd.DataFrame({
        "firm_id": local["firm_id"], "name": local["name"],
        **({"name_zh": local["name_zh"]} if "name_zh" in local else {}),
        "role": local["role"], "segments": local["segments"],
        **{c: pd.array([pd.NA] * n, dtype="Int64") for c in ("out_degree", "in_degree")},
        "out_weight": na, "in_weight": na, "partners": pd.array([pd.NA] * n, dtype="Int64"),
        "pagerank": na, "betweenness": na, "kcore": pd.array([pd.NA] * n, dtype="Int64"),
        "score": na, "inferred_role": pd.Series([None] * n, dtype=object),
        "role_consistent": np.ones(n, dtype=bool), "note": np.full(n, LINKS_UNKNOWN, dtype=object),
        "note_zh": np.full(n, LINKS_UNKNOWN_ZH, dtype=object),
    })
    lead = local[local["role"] == "leader"]
    table = pd.DataFrame({"firm_id": lead["firm_id"], "name": lead["name"], "weight_share": None, "partners": None,
                          "firms_reached": None, "smes_attached": None, "smes_reached": None,
                          "segments_reached": lead["segments"], "completeness_lost": None}).reset_index(drop=True)
    return LeaderResult(cluster_id=cluster.meta.get("id", ""), firms=firms, leaders=table,
                        **dict.fromkeys(FIGURES), betweenness_method=LINKS_UNKNOWN, pagerank_iterations=0,
                        pagerank_tol=pagerank_tol, rule=rule, links_known=False)


def leader_figures(g: _sparse.SupplyGraph, role: np.ndarray) -> dict[str, float | None]:
    """leader_dominance, sme_attachment, leader_reach and degree_centralization (METRICS.md).

    ``role`` gives the role of each node of ``g``. Shares with a zero denominator are None;
    without leaders the leader shares are 0; with no local firm every figure is None.
    """
    n = g.n
    out: dict[str, float | None] = dict.fromkeys(FIGURES[:4])
    if n == 0:
        return out
    lead = role == "leader"
    sme = role == "sme"
    if g.m:
        out["leader_dominance"] = float(g.weight[lead[g.src] | lead[g.tgt]].sum() / g.weight.sum())
    if sme.any():
        touches_leader = (g.U @ lead.astype(float)) > 0
        out["sme_attachment"] = float((touches_leader & sme).sum() / sme.sum())
    if (~lead).any():
        near = _sparse.within_two_hops(g.U, lead)
        out["leader_reach"] = float((near & ~lead).sum() / (~lead).sum())
    out["degree_centralization"] = freeman_centralization(g.degree)
    return out


def freeman_centralization(degree: np.ndarray) -> float | None:
    """Freeman's degree centralization Σ(d_max − d_i) / ((n − 1)(n − 2)); 0 when n < 3, None when n = 0.

    >>> freeman_centralization(np.array([3, 1, 1, 1]))  # a star
    1.0
    """
    n = len(degree)
    if n == 0:
        return None
    if n < 3:
        return 0.0
    d = np.asarray(degree, dtype=float)
    return float((d.max() - d).sum() / ((n - 1) * (n - 2)))


# -- role consistency ------------------------------------------------------------------------
def _pct(x: pd.Series) -> np.ndarray:
    """Percentile rank in (0, 1] (average rank of ties / count of known values); NaN stays NaN."""
    return x.rank(method="average", pct=True).to_numpy(dtype=float)


def _role_check(local: pd.DataFrame, g: _sparse.SupplyGraph, rule: RoleRule) -> pd.DataFrame:
    """Role score, inferred role, consistency and a note, one row per local firm (see docs/leaders.md)."""
    n = g.n
    partners = g.degree
    size = _pct(local["output"].astype(float)) if "output" in local else np.full(n, np.nan)
    if "employees" in local:
        emp = _pct(local["employees"].astype(float))
        size = np.where(np.isnan(size), emp, size)
    weight = g.out_weight + g.in_weight
    parts = np.column_stack([size, _pct(pd.Series(partners, dtype=float)), _pct(pd.Series(weight))]) if n else \
        np.empty((0, 3))
    known = ~np.isnan(parts)
    score = np.where(known, parts, 0.0).sum(axis=1) / np.maximum(known.sum(axis=1), 1)
    declared = local["role"].to_numpy(dtype=object)
    desc = np.concatenate([[math.inf], np.sort(score)[::-1], [-math.inf]])  # desc[i] = i-th highest score
    k_lead = int((declared == "leader").sum())
    k_top = k_lead + int((declared == "backbone").sum())
    # the slots of the declared counts: ranks 1..k_lead leaders, then backbone, then SMEs
    cut_lead = desc[k_lead] if k_lead else math.inf
    cut_back = desc[k_top] if k_top else math.inf
    inferred = np.where((score >= cut_lead) & (partners >= rule.leader_min_partners), "leader",
                        np.where(score >= cut_back, "backbone", "sme")).astype(object)
    m = rule.margin
    is_lead, is_sme = declared == "leader", declared == "sme"
    # each declared role's band runs from the lowest to the highest score of its slots, widened by the margin
    lo = np.select([is_lead, is_sme], [cut_lead - m, -math.inf], default=cut_back - m)
    hi = np.select([is_lead, is_sme], [math.inf, desc[k_top + 1] + m], default=desc[k_lead + 1] + m)
    # the declared role stands when the score lies in its band and the absolute rules hold (the margin
    # gives the declared role the benefit of the doubt); otherwise the inferred role is the slot the
    # score reaches, and an SME that too many firms depend on is at least a backbone firm. A firm is a
    # mismatch exactly when its declared and inferred roles differ.
    fits = ((score >= lo) & (score <= hi) & ~(is_lead & (partners < rule.leader_min_partners))
            & ~(is_sme & (partners >= rule.sme_max_partners)))
    inferred = np.where(fits, declared, inferred).astype(object)
    hub = (inferred == "sme") & (partners >= rule.sme_max_partners)
    inferred[hub] = "backbone"
    flagged = inferred != declared
    rank = pd.Series(-score).rank(method="min").to_numpy(dtype=int) if n else np.empty(0, int)
    notes = np.full(n, "", dtype=object)
    notes_zh = np.full(n, "", dtype=object)
    for i in np.flatnonzero(flagged):
        basis = msg_both("role.basis_no_size" if np.isnan(size[i]) else "role.basis")
        note = _mismatch(str(declared[i]), str(inferred[i]), float(score[i]), int(partners[i]), int(rank[i]),
                         n, float(lo[i]), float(hi[i]), rule, basis=basis)
        notes[i], notes_zh[i] = note.en, note.zh
    consistent = ~flagged
    return pd.DataFrame({"score": score, "inferred_role": inferred, "role_consistent": consistent, "note": notes,
                         "note_zh": notes_zh})


def _mismatch(declared: str, inferred: str, score: float, partners: int, rank: int, n: int,
              lo: float, hi: float, rule: RoleRule, *, basis: Both) -> Both:
    """The note for one firm (English and Chinese, codes ``role.*`` of the catalogue): empty when its
    declared role fits, else what is off and what to check."""
    if declared == "leader" and partners < rule.leader_min_partners:
        return msg_both("role.weak_leader_none") if partners == 0 else msg_both("role.weak_leader", n=partners)
    if declared == "sme" and partners >= rule.sme_max_partners:
        return msg_both("role.busy_sme", n=partners,
                        inferred=both("leader_firm" if inferred == "leader" else "backbone_firm"))
    if lo <= score <= hi:
        return Both("", "")
    article = msg_both("article.sme") if inferred == "sme" else \
        Both(msg("article.firm", "en", role=inferred), msg("article.firm", "zh", role=t(inferred, "zh")))
    where = {"declared": both(declared), "rank": rank, "n": n, "basis": basis, "score": score}
    if partners == 0:
        return msg_both("role.no_links", **where)
    return msg_both("role.high" if score > hi else "role.low", **where, partners=partners, article=article)


# -- per-leader breakdown ----------------------------------------------------------------------
def _leader_table(cluster: Cluster, g: _sparse.SupplyGraph, local: pd.DataFrame,
                  losses: list[float | None]) -> pd.DataFrame:
    role = local["role"].to_numpy(dtype=object)
    sme = role == "sme"
    segs = local["segments"]
    seg_node = np.repeat(np.arange(g.n), segs.map(len).to_numpy(dtype=int))
    seg_val = np.array([s for t in segs for s in t], dtype=object)
    order = {s: i for i, s in enumerate(s for t in cluster.templates for s in t.segment_ids)}
    total = g.weight.sum()
    rows = []
    for i, lost in zip(np.flatnonzero(role == "leader"), losses):
        seed = np.zeros(g.n, dtype=bool)
        seed[i] = True
        near = _sparse.within_two_hops(g.U, seed)
        direct = np.zeros(g.n, dtype=bool)
        direct[g.U.indices[g.U.indptr[i]:g.U.indptr[i + 1]]] = True
        reached = sorted(set(seg_val[near[seg_node]]), key=lambda s: (order.get(s, len(order)), s))
        touching = (g.src == i) | (g.tgt == i)
        rows.append({
            "firm_id": local.at[i, "firm_id"], "name": local.at[i, "name"],
            "weight_share": float(g.weight[touching].sum() / total) if g.m else None,
            "partners": int(g.degree[i]), "firms_reached": int(near.sum() - 1),
            "smes_attached": int((direct & sme).sum()), "smes_reached": int((near & sme).sum()),
            "segments_reached": reached, "completeness_lost": lost,
        })
    cols = ["firm_id", "name", "weight_share", "partners", "firms_reached", "smes_attached", "smes_reached",
            "segments_reached", "completeness_lost"]
    return pd.DataFrame(rows, columns=cols)


def completeness_losses(cluster: Cluster, groups: list[np.ndarray]) -> list[float | None]:
    """Completeness index lost when each group of firms (row positions in ``cluster.firms``) is removed.

    None for every group when the cluster's links are unknown (the index is not measured).

    The cluster is encoded once (:func:`chainnet.analysis.completeness.prepare`) and each removal
    is a what-if on it: the same as ``completeness(cluster)["index"] - completeness(cluster,
    without=ids)["index"]`` per group.
    """
    from .completeness import prepare

    prep = prepare(cluster)
    base = prep.completeness()["index"]
    if base is None:
        return [None] * len(groups)
    out = []
    for rows in groups:
        drop = np.zeros(len(cluster.firms), dtype=bool)
        drop[rows] = True
        out.append(base - prep.completeness(without=drop)["index"])
    return out
