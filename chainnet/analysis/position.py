"""Chain position: how far each firm, segment or industry sits from final use, and whether that fits the chain.

Two views of position along the local supply network (``docs/position.md`` gives every formula):

* **upstreamness** (Antràs, Chor, Fally & Hillberry 2012; Fally 2012): the average number of
  production stages between a firm's output and final use, ``U = (I - Δ)^-1 1`` with ``Δ_ij``
  the share of firm i's sales that goes to firm j. A firm that sells only to final use (or
  outside the cluster) has ``U = 1``.
* **trophic level** (Levine 1980; the improved levels of MacKay, Johnson & Sansom 2020): the
  position from the raw-material end, solved from the graph Laplacian, with the trophic
  incoherence ``F0`` (0 when every link goes exactly one level up).

The consistency check compares them with the template: links that run against the chain (a
downstream segment selling to an upstream one) and firms whose upstreamness does not fit
their declared stage. :func:`upstreamness_io` computes upstreamness of industries from an
input-output table.

>>> import chainnet
>>> p = position(chainnet.load_dataset("demo_copper"))
>>> p.firms.set_index("firm_id").loc[["mine_a", "pcb_a"], "upstreamness"].round(3).tolist()
[1.932, 1.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import csgraph

from .._errors import ChainnetError
from .._i18n import t as _t
from .._validate import codes_in
from . import _chain, _sparse
from ._json import clean, records
from ._result import Result
from ._upstreamness import DIRECT_MAX, LEAK_EPS, Solved, solve_upstreamness  # noqa: F401  (public here too)
from .io_table import IO_OPTIONAL, upstreamness_io  # noqa: F401  (re-exported: public here since the start)

if TYPE_CHECKING:
    from ..model import Cluster
    from ..template import Template

STAGE_RANK = {"upstream": 0, "midstream": 1, "downstream": 2}
DIRECTIONS = ("along", "within", "against", "unrelated")


# -- the linear algebra ------------------------------------------------------------------------
def trophic_levels(W: sp.sparray | np.ndarray, *, tol: float = 1e-10) -> tuple[np.ndarray, float | None]:
    """Improved trophic levels and trophic incoherence of a weighted directed graph (MacKay et al. 2020).

    Solves ``Λ h = v`` with ``Λ = diag(u) - W - Wᵀ`` (the graph Laplacian of the symmetrised
    weights), ``u`` the total (in + out) weight and ``v`` in-weight minus out-weight of each
    node; in each weakly connected component the lowest level is set to 0. ``F0`` =
    Σ w_ij (h_j - h_i - 1)² / Σ w_ij: 0 for a perfectly layered network, 1 at most.
    Nodes without links get NaN.

    Parameters
    ----------
    W : n x n non-negative weights, ``W[i, j]`` on the link i -> j (seller -> buyer)
    tol : relative tolerance of the conjugate-gradient solve above ``DIRECT_MAX`` nodes

    Returns
    -------
    (levels, F0)
        ``F0`` is None when there is no link.

    Examples
    --------
    >>> h, f0 = trophic_levels(np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]]))  # a -> b -> c
    >>> h.tolist(), f0
    ([0.0, 1.0, 2.0], 0.0)
    """
    W = sp.csr_array(W, dtype=float)
    n = W.shape[0]
    w_in = np.asarray(W.sum(axis=0)).ravel()
    w_out = np.asarray(W.sum(axis=1)).ravel()
    u = w_in + w_out
    h = np.full(n, np.nan)
    if W.nnz == 0:
        return h, None
    S = (W + W.T).tocsr()
    ncomp, label = csgraph.connected_components(S, directed=False)
    linked = u > 0
    # ground one node per component (its level 0 for now); the reduced Laplacian is then positive definite
    first = np.unique(label, return_index=True)[1]
    keep = linked.copy()
    keep[first] = False
    idx = np.flatnonzero(keep)
    L = (sp.diags_array(u) - S).tocsr()[idx][:, idx]
    v = (w_in - w_out)[idx]
    h[linked] = 0.0
    if len(idx):
        if len(idx) <= DIRECT_MAX:
            h[idx] = np.linalg.solve(L.toarray(), v)
        else:
            h[idx] = _pcg(L, v, tol=tol, max_iter=10 * len(idx))
    lowest = np.full(ncomp, np.inf)
    np.minimum.at(lowest, label[linked], h[linked])
    h[linked] -= lowest[label[linked]]
    h[linked] = np.where(np.abs(h[linked]) < 1e-12, 0.0, h[linked])
    coo = W.tocoo()
    f0 = float(np.sum(coo.data * (h[coo.col] - h[coo.row] - 1.0) ** 2) / coo.data.sum())
    return h, (0.0 if f0 < 1e-12 else f0)


def _pcg(A: sp.csr_array, b: np.ndarray, *, tol: float, max_iter: int) -> np.ndarray:
    """Conjugate gradients with a Jacobi (diagonal) preconditioner for a positive definite ``A``;
    stops when the residual norm is below ``tol`` times that of ``b``."""
    dinv = 1.0 / A.diagonal()
    x = np.zeros_like(b)
    r = b.copy()
    z = dinv * r
    p = z.copy()
    rz = r @ z
    stop = tol * np.linalg.norm(b)
    for _ in range(max_iter):
        if np.linalg.norm(r) <= stop:
            return x
        Ap = A @ p
        step = rz / (p @ Ap)
        x += step * p
        r -= step * Ap
        z = dinv * r
        rz, rz_old = r @ z, rz
        p = z + (rz / rz_old) * p
    raise ChainnetError("trophic levels did not converge; please report this network")  # pragma: no cover


# -- firms ---------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PositionResult(Result):
    """Chain position of one cluster.

    Attributes
    ----------
    cluster_id : the cluster's id
    firms : one row per local firm: sales (total, to local firms, outside), upstreamness,
        trophic level, declared stage and chain step, links against the chain, ``consistent``,
        a ``note`` saying what to check and the same in Chinese (``note_zh``)
    segments : one row per template segment: local firms, their sales, sales-weighted mean
        upstreamness and trophic level, and a note where the order contradicts the template
        (``note``, and ``note_zh`` in Chinese)
    against : supply links that run against the chain, with the reason in words (``reason``,
        and ``reason_zh`` in Chinese)
    figures : ``trophic_incoherence`` (F0), ``along_share`` (supply weight running along the
        chain / weight along or against), firm counts
    unbounded : local firms in (or selling into) closed loops, whose upstreamness is unbounded
    settings : the sales rule and solver used
    """

    cluster_id: str
    firms: pd.DataFrame
    segments: pd.DataFrame
    against: pd.DataFrame
    figures: dict[str, Any]
    unbounded: list[str]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def mismatches(self) -> pd.DataFrame:
        """Firms whose position does not fit their declared segments, with what to check."""
        return self.firms[~self.firms["consistent"]].reset_index(drop=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """``firms``, ``segments``, ``against`` and ``mismatches``."""
        return {"firms": self.firms, "segments": self.segments, "against": self.against,
                "mismatches": self.mismatches}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (NaN as None)."""
        return {
            "cluster": self.cluster_id, "figures": clean(self.figures), "settings": clean(self.settings),
            "unbounded": list(self.unbounded), "segments": records(self.segments),
            "against": records(self.against), "firms": records(_listify(self.firms)),
        }

    def __repr__(self) -> str:
        return (f"<PositionResult {self.cluster_id!r}: {len(self.firms):,} firms, "
                f"{int((~self.firms['consistent']).sum()):,} to check, {len(self.against):,} links against the chain>")


def position(cluster: Cluster, *, use_output: bool = True, final_use: float = 0.0, margin: float = 0.5,
             template: Any = None) -> PositionResult:
    """Upstreamness and trophic level of every local firm and segment, checked against the chain.

    Parameters
    ----------
    cluster : the cluster
    use_output : take a firm's total sales as ``max(output, its supply weight out)`` when
        ``output`` is known (link weights and output in the same unit, 亿元 as in the data
        contract); when False, or when ``output`` is missing, sales are the firm's supply
        weight out divided by ``1 - final_use``
    final_use : assumed share of sales going to final use for firms whose sales come from their
        links only (0 <= final_use < 1); 0 means only sales outside the cluster count as final
    margin : how far (in production stages) a firm's upstreamness may sit beyond the median of
        an earlier or later stage before it is flagged (see ``docs/position.md``)
    template : a Template, built-in id or path, or a list (default: the cluster's own)

    Returns
    -------
    PositionResult

    Examples
    --------
    >>> import chainnet
    >>> p = position(chainnet.load_dataset("demo_copper"))
    >>> p.segments.set_index("segment").loc[["ore", "foil", "pcb"], "upstreamness"].round(3).tolist()
    [1.932, 1.143, 1.0]
    >>> p.figures["trophic_incoherence"], p.figures["along_share"]
    (0.0, 1.0)
    """
    from .completeness import resolve

    if not 0 <= final_use < 1:
        raise ChainnetError(f"final_use={final_use!r} must be at least 0 and below 1")
    if margin < 0:
        raise ChainnetError(f"margin={margin!r} must be >= 0")
    tpls = resolve(cluster, template)
    g = _sparse.supply_graph(cluster)
    cols = [c for c in ("firm_id", "name", "name_zh", "role", "segments") if c in cluster.firms]
    local = cluster.firms[cols].iloc[g.rows].reset_index(drop=True)  # only the columns read here
    sales = firm_sales(cluster, g, use_output=use_output, final_use=final_use)
    inv = np.divide(1.0, sales["sales"], out=np.zeros(g.n), where=sales["sales"] > 0)
    delta = sp.csr_array((g.weight * inv[g.src], (g.src, g.tgt)), shape=(g.n, g.n))
    solved = solve_upstreamness(delta)
    h, f0 = trophic_levels(g.A)
    seg = _SegmentInfo(tpls)
    links = _link_directions(cluster, seg)
    firms = pd.DataFrame({
        "firm_id": local["firm_id"], "name": local["name"],
        **({"name_zh": local["name_zh"]} if "name_zh" in local else {}),
        "role": local["role"], "segments": local["segments"],
        "sales": sales["sales"], "local_sales": g.out_weight, "outside_sales": sales["outside"],
        "upstreamness": solved.values, "trophic_level": h,
    })
    stage, step = seg.firm_stage(local["segments"])
    firms["stage"] = stage
    firms["chain_step"] = step
    ag = links[links["direction"] == "against"]
    row_to_node = np.full(len(cluster.firms), -1)
    row_to_node[g.rows] = np.arange(g.n)
    ends = np.concatenate([row_to_node[ag["src_row"].to_numpy(dtype=int)], row_to_node[ag["tgt_row"].to_numpy(dtype=int)]])
    firms["against_links"] = np.bincount(ends[ends >= 0], minlength=g.n)
    firms["consistent"], firms["note"], firms["note_zh"] = _firm_check(firms, solved.unbounded, margin)
    segments = seg.table(firms, margin)
    weight = links["weight"].to_numpy(dtype=float)
    along = weight[(links["direction"] == "along").to_numpy()].sum()
    against_w = weight[(links["direction"] == "against").to_numpy()].sum()
    figures = {
        "firms": g.n, "links": g.m, "trophic_incoherence": f0,
        "step_correlation": _spearman(firms["chain_step"].to_numpy(dtype=float), solved.values),
        "along_share": float(along / (along + against_w)) if along + against_w > 0 else None,
        "against_links": len(ag), "unbounded_firms": int(solved.unbounded.sum()),
        "firms_to_check": int((~firms["consistent"]).sum()),
    }
    settings = {"use_output": use_output, "final_use": final_use, "margin": margin, "solver": solved.method,
                "templates": [t.id for t in tpls]}
    against = ag.drop(columns=["src_row", "tgt_row", "direction"]).reset_index(drop=True)
    return PositionResult(cluster_id=cluster.meta.get("id", ""), firms=firms, segments=segments, against=against,
                          figures=figures, unbounded=[str(x) for x in local["firm_id"][solved.unbounded]],
                          settings=settings)


def upstreamness(cluster: Cluster, *, use_output: bool = True, final_use: float = 0.0) -> pd.DataFrame:
    """Upstreamness of every local firm: ``firm_id``, ``sales``, ``local_sales``, ``outside_sales``, ``upstreamness``.

    Parameters are those of :func:`position`; NaN marks firms in (or selling into) closed
    loops that trade everything among themselves.

    >>> import chainnet
    >>> u = upstreamness(chainnet.load_dataset("demo_copper"))
    >>> u.set_index("firm_id").loc[["refiner_b", "foil_a", "ccl_a"], "upstreamness"].round(3).tolist()
    [1.134, 1.209, 1.323]
    """
    if not 0 <= final_use < 1:
        raise ChainnetError(f"final_use={final_use!r} must be at least 0 and below 1")
    g = _sparse.supply_graph(cluster)
    s = firm_sales(cluster, g, use_output=use_output, final_use=final_use)
    inv = np.divide(1.0, s["sales"], out=np.zeros(g.n), where=s["sales"] > 0)
    solved = solve_upstreamness(sp.csr_array((g.weight * inv[g.src], (g.src, g.tgt)), shape=(g.n, g.n)))
    return pd.DataFrame({"firm_id": g.ids, "sales": s["sales"], "local_sales": g.out_weight,
                         "outside_sales": s["outside"], "upstreamness": solved.values})


def firm_sales(cluster: Cluster, g: _sparse.SupplyGraph, *, use_output: bool = True,
               final_use: float = 0.0) -> dict[str, np.ndarray]:
    """Total sales of each local firm (node of ``g``) and its supply weight to buyers that are not local firms.

    ``sales = max(output, local + outside)`` where ``output`` is known and ``use_output``;
    otherwise ``(local + outside) / (1 - final_use)``.
    """
    firms, links = cluster.firms, cluster.links
    # the three columns read, the link ends found among the local ids as the supply graph finds
    # them (pyarrow for Arrow strings): no copy of every link column, no Python string per end
    supply = (links["kind"] == "supply").to_numpy(dtype=bool)
    local_ids = firms["firm_id"].iloc[g.rows]
    seller = codes_in(links["source"][supply], local_ids)
    buyer = codes_in(links["target"][supply], local_ids)
    out = (seller >= 0) & (buyer < 0)
    outside = np.bincount(seller[out], weights=links["weight"].to_numpy(dtype=float)[supply][out], minlength=g.n)
    linked = g.out_weight + outside
    sales = linked / (1.0 - final_use)
    if use_output and "output" in firms:
        output = firms["output"].to_numpy(dtype=float)[g.rows]
        known = ~np.isnan(output)
        sales = np.where(known, np.maximum(np.where(known, output, 0.0), linked), sales)
    return {"sales": sales, "outside": outside}


# -- the template side ---------------------------------------------------------------------------
class _SegmentInfo:
    """Segments of the template(s): stage, chain step and the direction of every segment pair."""

    def __init__(self, templates: list[Template]):
        self.templates = templates
        self.vocab = list(dict.fromkeys(s for t in templates for s in t.segment_ids))
        pos = {s: i for i, s in enumerate(self.vocab)}
        V = len(self.vocab)
        self.stage = np.full(V, -1)
        self.step = np.full(V, np.nan)
        self.label = [""] * V
        self.label_zh = [""] * V
        self.tpl = [""] * V
        # rel[a, b]: 1 b is downstream of a, -1 upstream (against), 0 same segment or same stage, 2 unrelated
        rel = np.full((V, V), 2, dtype=np.int8)
        self.by_dag = np.zeros((V, V), dtype=bool)
        for t in templates:
            ta = _chain.template_arrays(t)
            codes = np.array([pos[s] for s in ta.seg_ids])
            stages = np.array([STAGE_RANK[x] for x in t.segments["stage"]])
            depth = _depth(t)
            top = max(depth.values()) or 1
            for i, sid in enumerate(ta.seg_ids):
                c = codes[i]
                self.stage[c] = stages[i]
                self.step[c] = depth[sid] / top
                self.label[c] = f"{t.segments['name'].iloc[i]} [{sid}]"
                self.label_zh[c] = t.label(sid, "zh")
                self.tpl[c] = t.id
            block = np.sign(stages[None, :] - stages[:, None]).astype(np.int8)
            block[ta.downstream] = 1
            block[ta.upstream] = -1
            rel[np.ix_(codes, codes)] = block
            self.by_dag[np.ix_(codes, codes)] = ta.downstream | ta.upstream
        np.fill_diagonal(rel, 0)
        self.rel = rel
        self.pos = pos

    def firm_stage(self, segments: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Declared stage(s) of each firm ('upstream', 'midstream+downstream', '' for none) and its
        mean chain step (0 = a template source, 1 = the deepest segment)."""
        n = len(segments)
        ex = segments.reset_index(drop=True).explode().dropna()
        codes = pd.Index(self.vocab).get_indexer(ex.to_numpy(dtype=object)) if len(ex) else np.empty(0, int)
        firm = ex.index.to_numpy(dtype=np.int64)[codes >= 0]
        codes = codes[codes >= 0]
        mask = np.zeros(n, dtype=np.int64)
        np.bitwise_or.at(mask, firm, 1 << self.stage[codes])
        k = np.bincount(firm, minlength=n)
        step = np.bincount(firm, weights=self.step[codes], minlength=n) / np.where(k > 0, k, 1)
        names = {v: k for k, v in STAGE_RANK.items()}
        words = np.array(["+".join(names[r] for r in range(3) if m >> r & 1) for m in range(8)], dtype=object)
        return words[mask], np.where(k > 0, step, np.nan)

    def table(self, firms: pd.DataFrame, margin: float) -> pd.DataFrame:
        """Per template segment: firms, sales, sales-weighted upstreamness and trophic level, note (en, zh)."""
        rows = []
        ex = firms[["segments", "sales", "upstreamness", "trophic_level"]].explode("segments").dropna(subset=["segments"])
        groups = dict(list(ex.groupby("segments", sort=False)))
        for t in self.templates:
            vals = {}
            for r in t.segments.itertuples(index=False):
                grp = groups.get(r.id)
                u = _weighted(grp, "upstreamness") if grp is not None else math.nan
                h = _weighted(grp, "trophic_level") if grp is not None else math.nan
                vals[r.id] = u
                rows.append({"template": t.id, "segment": r.id, "name": r.name, "name_zh": r.name_zh,
                             "stage": r.stage, "chain_step": self.step[self.pos[r.id]],
                             "firms": 0 if grp is None else len(grp),
                             "sales": 0.0 if grp is None else float(grp["sales"].sum()),
                             "upstreamness": u, "trophic_level": h, "note": "", "note_zh": ""})
            notes = _segment_notes(t, vals, margin)
            for row in rows:
                if row["template"] == t.id and row["segment"] in notes:
                    row["note"], row["note_zh"] = notes[row["segment"]]
        return pd.DataFrame(rows, columns=["template", "segment", "name", "name_zh", "stage", "chain_step", "firms",
                                           "sales", "upstreamness", "trophic_level", "note", "note_zh"])


def _depth(t: Template) -> dict[str, int]:
    """Longest chain of flows from a template source to each segment."""
    depth = dict.fromkeys(t.segment_ids, 0)
    for s in t.order:
        for nxt in t.graph.successors(s):
            depth[nxt] = max(depth[nxt], depth[s] + 1)
    return depth


def _weighted(grp: pd.DataFrame, col: str) -> float:
    """Sales-weighted mean of ``col`` over firms with a value; the plain mean when their sales are all 0."""
    x = grp[col].to_numpy(dtype=float)
    w = grp["sales"].to_numpy(dtype=float)
    ok = ~np.isnan(x)
    if not ok.any():
        return math.nan
    if w[ok].sum() > 0:
        return float(np.dot(x[ok], w[ok]) / w[ok].sum())
    return float(x[ok].mean())


def _segment_notes(t: Template, u: dict[str, float], margin: float) -> dict[str, tuple[str, str]]:
    """A note (English, Chinese) on each segment whose mean upstreamness is ``margin`` or more below
    that of a segment downstream of it in the template."""
    notes = {}
    for s in t.order:
        if math.isnan(u[s]):
            continue
        higher = [d for d in t.order if d in t.downstream_of(s) and not math.isnan(u[d]) and u[d] >= u[s] + margin]
        if higher:
            names = ", ".join(higher[:3]) + (f" and {len(higher) - 3} more" if len(higher) > 3 else "")
            names_zh = "、".join(t.label(d, "zh") for d in higher[:3]) + (f"等{len(higher)}个环节"
                                                                          if len(higher) > 3 else "环节")
            en = (f"local firms here sit closer to final use (upstreamness {u[s]:.2f}) than those of "
                  f"{names}, which lie downstream in the template: the local chain does not continue "
                  "from this segment (its output goes outside or to final use)")
            zh = (f"本环节的本地企业（上游度{u[s]:.2f}）比参考产业链中位于其下游的{names_zh}的本地企业更接近最终使用："
                  "本地链条没有从本环节继续延伸（其产出流向集群外或直接用于最终使用）")
            notes[s] = (en, zh)
    return notes


# -- links against the chain ----------------------------------------------------------------------
def _link_directions(cluster: Cluster, seg: _SegmentInfo) -> pd.DataFrame:
    """Every supply link whose firms have template segments, with its direction and, when against, a reason."""
    ca = _chain.cluster_arrays(cluster, seg.vocab)
    counts = np.bincount(ca.pair_firm, minlength=ca.n_firms)
    starts = np.cumsum(counts) - counts
    link = np.arange(ca.src.size)
    rows, sell = _chain._expand(ca.src, ca.seg_from, starts, counts, ca.pair_seg)
    link = link[rows]
    rows, buy = _chain._expand(ca.tgt[link], ca.seg_to[link], starts, counts, ca.pair_seg)
    link, sell = link[rows], sell[rows]
    rel = seg.rel[sell, buy] if link.size else np.empty(0, dtype=np.int8)
    m = ca.src.size
    n_along = np.bincount(link[rel == 1], minlength=m)
    n_within = np.bincount(link[rel == 0], minlength=m)
    n_against = np.bincount(link[rel == -1], minlength=m)
    n_pairs = np.bincount(link, minlength=m)
    # one Python string per direction, shared by every link (not one per link: 5 million at 10^6)
    code = np.where(n_along > 0, 0, np.where(n_within > 0, 1, np.where(n_against > 0, 2, 3)))
    direction = np.array(["along", "within", "against", "unrelated"], dtype=object)[code]
    has = n_pairs > 0
    out = pd.DataFrame({"src_row": ca.src[has], "tgt_row": ca.tgt[has], "weight": ca.weight[has],
                        "direction": direction[has]})
    bad = np.flatnonzero(direction == "against")
    if not len(bad):
        return out.assign(source="", target="", segment_from="", segment_to="", reason="", reason_zh="")
    hit = rel == -1
    first_link, first = np.unique(link[hit], return_index=True)
    a = sell[hit][first]
    b = buy[hit][first]
    f = cluster.firms
    ids = f["firm_id"].to_numpy(dtype=object)
    names = f["name"].to_numpy(dtype=object)
    names_zh = (f["name_zh"].where(f["name_zh"].notna(), f["name"]) if "name_zh" in f else f["name"]).to_numpy(
        dtype=object)
    reasons = [_against_reason((names[s], names_zh[s]), ids[s], (names[t], names_zh[t]), ids[t], seg, int(x), int(y))
               for s, t, x, y in zip(ca.src[first_link], ca.tgt[first_link], a, b)]
    info = pd.DataFrame({"link": first_link, "source": ids[ca.src[first_link]], "target": ids[ca.tgt[first_link]],
                         "segment_from": [seg.vocab[x] for x in a], "segment_to": [seg.vocab[y] for y in b],
                         "reason": [r[0] for r in reasons], "reason_zh": [r[1] for r in reasons]})
    keep = np.flatnonzero(has)
    out.index = keep
    out = out.join(info.set_index("link"))
    for c in ("source", "target", "segment_from", "segment_to", "reason", "reason_zh"):
        out[c] = out[c].fillna("")
    cols = ["src_row", "tgt_row", "direction", "source", "target", "segment_from", "segment_to", "weight", "reason",
            "reason_zh"]
    ag = out[cols]
    order = np.lexsort((_sort_codes(ag["target"]), _sort_codes(ag["source"]), -ag["weight"].to_numpy(dtype=float)))
    return ag.iloc[order].reset_index(drop=True)


def _sort_codes(s: pd.Series) -> np.ndarray:
    """Integers that sort as the text of ``s`` does (by code point, as numpy's str arrays compare),
    without a fixed-width str array of every link (about 0.25 GB per column at 4.4 million links).

    >>> _sort_codes(pd.Series(["b", "", "a", "b", 10])).tolist()
    [3, 0, 2, 3, 1]
    """
    codes, _ = pd.factorize(s.astype(str), sort=True)
    return codes


def _against_reason(seller: tuple[str, str], sid: str, buyer: tuple[str, str], bid: str, seg: _SegmentInfo,
                    a: int, b: int) -> tuple[str, str]:
    """Why a link runs against the chain, in English and Chinese (firm names as (name, name_zh))."""
    la, lb = seg.label[a], seg.label[b]
    za, zb = seg.label_zh[a], seg.label_zh[b]
    if seg.by_dag[a, b]:
        why = f"{lb} is upstream of {la} in the {seg.tpl[a]} chain"
        why_zh = f"在{seg.tpl[a]}产业链中，{zb}位于{za}的上游"
    else:
        names = {v: k for k, v in STAGE_RANK.items()}
        sa, sb = names[int(seg.stage[a])], names[int(seg.stage[b])]
        why = f"{lb} is a {sb} segment and {la} a {sa} one in the {seg.tpl[a]} chain"
        why_zh = f"在{seg.tpl[a]}产业链中，{zb}属于{_t(sb, 'zh')}环节，而{za}属于{_t(sa, 'zh')}环节"
    en = (f"{seller[0]} ({sid}, {la}) sells to {buyer[0]} ({bid}, {lb}), but {why}: the link runs against the chain. "
          "Check that source is the seller and target the buyer, and the two firms' segments; if it is a "
          "real return flow (scrap, toll processing), name it with segment_from/segment_to.")
    zh = (f"{seller[1]}（{sid}，{za}）向{buyer[1]}（{bid}，{zb}）供货，但{why_zh}：该链接为逆链供货。"
          "请检查source是否为卖方、target是否为买方，以及两家企业的环节；如确属回流（废料回收、来料加工），"
          "请用segment_from/segment_to注明。")
    return en, zh


# -- firm check -----------------------------------------------------------------------------------
def _firm_check(firms: pd.DataFrame, unbounded: np.ndarray,
                margin: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flag firms with links against the chain, unbounded upstreamness, or (when they sell to local
    firms) upstreamness beyond the median of an earlier or later stage by ``margin`` stages.
    Returns ``consistent`` and the notes in English and Chinese."""
    n = len(firms)
    u = firms["upstreamness"].to_numpy(dtype=float)
    ranks = np.array([STAGE_RANK.get(s, -1) for s in firms["stage"].tolist()], dtype=int).reshape(n)
    medians = {k: float(np.median(u[(ranks == k) & ~np.isnan(u)])) for k in STAGE_RANK.values()
               if ((ranks == k) & ~np.isnan(u)).any()}
    sells_local = firms["local_sales"].to_numpy(dtype=float) > 0
    names = {v: k for k, v in STAGE_RANK.items()}
    # per firm: the highest median of an earlier stage it exceeds, the lowest of a later stage it is below
    above = np.full(n, -1)
    below = np.full(n, -1)
    for j in sorted(medians, key=medians.get):
        hit = sells_local & (ranks > j) & (u >= medians[j] + margin)
        above[hit] = j
    for j in sorted(medians, key=medians.get, reverse=True):
        hit = sells_local & (ranks >= 0) & (ranks < j) & (u <= medians[j] - margin) & (above < 0)
        below[hit] = j
    ag = firms["against_links"].to_numpy()
    flagged = unbounded | (above >= 0) | (below >= 0) | (ag > 0)
    notes = np.full(n, "", dtype=object)
    notes_zh = np.full(n, "", dtype=object)
    for i in np.flatnonzero(flagged):
        parts, zh = [], []
        if unbounded[i]:
            parts.append("its upstreamness is unbounded: it sells (directly or through its buyers) into a loop of "
                         "local firms that sell nothing outside; give their output, or check the links' direction")
            zh.append("其上游度无界：它（直接或经由其买方）向一组不对外销售的本地企业构成的闭环供货；"
                      "请补充这些企业的产值，或检查链接方向")
        if above[i] >= 0:
            j = int(above[i])
            parts.append(f"declared {names[ranks[i]]} but its upstreamness {u[i]:.2f} is above the median of local "
                         f"{names[j]} firms ({medians[j]:.2f}): most of what it sells goes to local firms that sell "
                         "on again; check its segments, or whether its links' source is the seller")
            zh.append(f"申报阶段为{_t(names[ranks[i]], 'zh')}，但其上游度{u[i]:.2f}高于本地{_t(names[j], 'zh')}企业的"
                      f"中位数（{medians[j]:.2f}）：其销售大部分流向继续转售的本地企业；请检查其环节，"
                      "或其链接的source是否为卖方")
        if below[i] >= 0:
            j = int(below[i])
            parts.append(f"declared {names[ranks[i]]} but its upstreamness {u[i]:.2f} is below the median of local "
                         f"{names[j]} firms ({medians[j]:.2f}): most of its output leaves the local chain; check its "
                         "segments, or whether local buyers are missing from the data")
            zh.append(f"申报阶段为{_t(names[ranks[i]], 'zh')}，但其上游度{u[i]:.2f}低于本地{_t(names[j], 'zh')}企业的"
                      f"中位数（{medians[j]:.2f}）：其产出大部分离开本地链条；请检查其环节，或数据中是否缺少本地买方")
        if ag[i]:
            parts.append(f"{ag[i]} of its supply links run{'s' if ag[i] == 1 else ''} against the chain "
                         "(see the list of links)")
            zh.append(f"其供货链接中有{ag[i]}条为逆链供货（见链接列表）")
        notes[i] = "; ".join(parts)
        notes_zh[i] = "；".join(zh)
    return ~flagged, notes, notes_zh


def _spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman rank correlation over pairs where both are known; None with fewer than 3 or no spread."""
    ok = ~np.isnan(x) & ~np.isnan(y)
    if ok.sum() < 3:
        return None
    rx, ry = pd.Series(x[ok]).rank(), pd.Series(y[ok]).rank()
    if rx.nunique() < 2 or ry.nunique() < 2:
        return None
    return float(rx.corr(ry))


def _listify(df: pd.DataFrame) -> pd.DataFrame:
    if "segments" in df:
        return df.assign(segments=df["segments"].map(list))
    return df


__all__ = ["DIRECTIONS", "PositionResult", "Solved", "firm_sales", "position", "solve_upstreamness", "trophic_levels",
           "upstreamness", "upstreamness_io"]
