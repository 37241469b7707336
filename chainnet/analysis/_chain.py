"""Vectorised engine behind chain completeness (private; see :mod:`chainnet.analysis.completeness`).

A cluster is turned once into integer arrays: the (local firm, segment) pairs of each template
and the distinct (flow, seller, buyer) pairs that realise each template flow. Every figure, and
every what-if used for gap impacts (a segment covered, a flow realised, a firm or a firm pair
removed), is then a few ``bincount`` calls on those arrays, never a rebuild from the tables.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

from .._codes import arrow, codes_in
from ..model import Cluster
from ..template import Template

FIGURES = ("segment_coverage", "link_coverage", "path_completeness", "index")
#: Figures that need tie data: None (not measured) when a cluster's links are unknown.
LINK_FIGURES = ("link_coverage", "path_completeness", "index")


@dataclass(frozen=True, eq=False)
class TemplateArrays:
    """A template as integer arrays: segments 0..S-1 in file order, flows 0..F-1 in file order."""

    template: Template
    seg_ids: list[str]
    seg_w: np.ndarray
    flow_a: np.ndarray
    flow_b: np.ndarray
    flow_w: np.ndarray
    flow_at: np.ndarray  # S x S, flow number of a->b or -1
    is_source: np.ndarray
    is_sink: np.ndarray
    propagation: tuple[int, ...]  # flows sorted by the topological rank of their upstream end
    neighbours: tuple[frozenset[int], ...]  # segments one flow away, either direction
    upstream: np.ndarray  # S x S bool, [s, u] = u is upstream of s
    downstream: np.ndarray


_TEMPLATE_CACHE: weakref.WeakKeyDictionary[Template, TemplateArrays] = weakref.WeakKeyDictionary()


def template_arrays(t: Template) -> TemplateArrays:
    """Integer view of a template, cached per Template object (templates are immutable)."""
    cached = _TEMPLATE_CACHE.get(t)
    if cached is not None:
        return cached
    seg_ids = list(t.segments["id"])
    pos = {s: i for i, s in enumerate(seg_ids)}
    S = len(seg_ids)
    fa = np.array([pos[a] for a in t.flows["from"]], dtype=np.int64)
    fb = np.array([pos[b] for b in t.flows["to"]], dtype=np.int64)
    flow_at = np.full((S, S), -1, dtype=np.int64)
    flow_at[fa, fb] = np.arange(fa.size)
    rank = {s: i for i, s in enumerate(t.order)}
    propagation = tuple(sorted(range(fa.size), key=lambda k: (rank[seg_ids[fa[k]]], k)))
    neighbours = [set() for _ in range(S)]
    for a, b in zip(fa.tolist(), fb.tolist()):
        neighbours[a].add(b)
        neighbours[b].add(a)
    up = np.zeros((S, S), dtype=bool)
    for b in (pos[s] for s in t.order):  # ancestors of b = direct parents and their ancestors
        for a in fa[fb == b].tolist():
            up[b, a] = True
            up[b] |= up[a]
    arr = TemplateArrays(
        template=t, seg_ids=seg_ids, seg_w=t.segments["weight"].to_numpy(dtype=float),
        flow_a=fa, flow_b=fb, flow_w=t.flows["weight"].to_numpy(dtype=float), flow_at=flow_at,
        is_source=np.bincount(fb, minlength=S) == 0, is_sink=np.bincount(fa, minlength=S) == 0,
        propagation=propagation, neighbours=tuple(frozenset(n) for n in neighbours),
        upstream=up, downstream=up.T.copy())
    _TEMPLATE_CACHE[t] = arr
    return arr


@dataclass(frozen=True, eq=False)
class ClusterArrays:
    """The parts of a cluster the completeness figures need, as integer arrays.

    Firms are numbered by their row; segments by a vocabulary (``vocab``). Links are the supply
    links whose both ends are known firms.
    """

    n_firms: int
    local: np.ndarray
    external: np.ndarray
    vocab: pd.Index
    pair_firm: np.ndarray  # (firm, segment) pairs of every firm, distinct, sorted by firm
    pair_seg: np.ndarray
    src: np.ndarray
    tgt: np.ndarray
    weight: np.ndarray
    seg_from: np.ndarray  # vocabulary code, -1 not given, -2 given but not in the vocabulary
    seg_to: np.ndarray


#: cluster -> {vocabulary: (content key, arrays)}; weak, like the supply graph's cache (_sparse)
_ARRAYS_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_ARRAY_FIRM_COLUMNS = ("firm_id", "segments", "role", "external")
_ARRAY_LINK_COLUMNS = ("kind", "source", "target", "segment_from", "segment_to", "weight")


def cluster_arrays(cluster: Cluster, vocab: list[str]) -> ClusterArrays:
    """Encode a cluster's firms and supply links against a segment vocabulary.

    Cached per cluster object and vocabulary while the columns read here keep their content
    (:func:`chainnet._fingerprint.fingerprint`), so ``audit``, ``leaders`` and ``resilience`` of
    one cluster share one encoding (several seconds at 10^6 firms); an in-place edit of the
    tables re-encodes. The arrays are shared: treat them as read-only.
    """
    from .._fingerprint import fingerprint

    key = (fingerprint(cluster.firms, _ARRAY_FIRM_COLUMNS), fingerprint(cluster.links, _ARRAY_LINK_COLUMNS))
    per_vocab = _ARRAYS_CACHE.setdefault(cluster, {})
    hit = per_vocab.get(tuple(vocab))
    if hit is not None and hit[0] == key:
        return hit[1]
    arrays = _cluster_arrays(cluster, vocab)
    per_vocab[tuple(vocab)] = (key, arrays)
    return arrays


def cached_arrays(cluster: Cluster) -> dict[tuple[str, ...], ClusterArrays]:
    """The encodings of ``cluster`` cached by :func:`cluster_arrays` that still match its content, by vocabulary."""
    from .._fingerprint import fingerprint

    per_vocab = _ARRAYS_CACHE.get(cluster)
    if not per_vocab:
        return {}
    key = (fingerprint(cluster.firms, _ARRAY_FIRM_COLUMNS), fingerprint(cluster.links, _ARRAY_LINK_COLUMNS))
    return {vocab: arrays for vocab, (k, arrays) in per_vocab.items() if k == key}


def remember_arrays(cluster: Cluster, encoded: dict[tuple[str, ...], ClusterArrays]) -> None:
    """Cache the encodings of ``cluster`` by vocabulary (built elsewhere, e.g. by :func:`subset_arrays`
    for a snapshot); each must equal what :func:`cluster_arrays` gives for its vocabulary."""
    from .._fingerprint import fingerprint

    key = (fingerprint(cluster.firms, _ARRAY_FIRM_COLUMNS), fingerprint(cluster.links, _ARRAY_LINK_COLUMNS))
    per_vocab = _ARRAYS_CACHE.setdefault(cluster, {})
    for vocab, arrays in encoded.items():
        per_vocab[tuple(vocab)] = (key, arrays)


def subset_arrays(arrays: ClusterArrays, keep: np.ndarray, new_row: np.ndarray, link_keep: np.ndarray,
                  local: np.ndarray) -> ClusterArrays:
    """The encoding of a cluster cut to the firms ``keep`` and the links ``link_keep`` (over
    ``arrays``' links, each kept link joining two kept firms), without re-reading any string.

    ``new_row`` maps an old firm row to its row among the kept firms; ``local`` is the cut
    cluster's local-firm mask. Firm rows keep their order, so the pairs stay sorted by firm.
    """
    m = keep[arrays.pair_firm]
    return ClusterArrays(
        n_firms=int(keep.sum()), local=local, external=arrays.external[keep], vocab=arrays.vocab,
        pair_firm=new_row[arrays.pair_firm[m]], pair_seg=arrays.pair_seg[m],
        src=new_row[arrays.src[link_keep]], tgt=new_row[arrays.tgt[link_keep]], weight=arrays.weight[link_keep],
        seg_from=arrays.seg_from[link_keep], seg_to=arrays.seg_to[link_keep])


def _cluster_arrays(cluster: Cluster, vocab: list[str]) -> ClusterArrays:
    firms, links = cluster.firms, cluster.links
    n = len(firms)
    voc = pd.Index(vocab)
    segs = firms["segments"].to_numpy(dtype=object)
    lens = np.fromiter(map(len, segs), dtype=np.int64, count=n)
    flat = list(chain.from_iterable(segs))
    codes = voc.get_indexer(flat) if flat else np.zeros(0, dtype=np.int64)
    pf = np.repeat(np.arange(n, dtype=np.int64), lens)
    keep = codes >= 0
    key = _unique(pf[keep] * max(len(voc), 1) + codes[keep])  # distinct, sorted by firm
    pair_firm, pair_seg = np.divmod(key, max(len(voc), 1))
    is_supply = links["kind"].to_numpy() == "supply"
    # only the columns read below: a take of every link column costs ~2 s at 5 million links
    supply = links[["source", "target", "weight", "segment_from", "segment_to"]][is_supply]
    from ._sparse import link_ends

    try:  # the firm row of each link end, shared with the supply graph and the snapshots
        src, tgt = (end[is_supply] for end in link_ends(cluster))
    except ValueError:  # a firm id twice: a link names the first of its rows
        # one hashing pass over every id string: firm ids come first, so their codes are their rows
        ends = pd.concat([firms["firm_id"], supply["source"], supply["target"]], ignore_index=True)
        codes_all = pd.factorize(ends)[0].astype(np.int64)
        row_of = np.full(int(codes_all.max(initial=-1)) + 2, -1, dtype=np.int64)  # code -> first firm row; -1 -> -1
        row_of[codes_all[:n][::-1]] = np.arange(n, dtype=np.int64)[::-1]
        src, tgt = row_of[codes_all[n:n + len(supply)]], row_of[codes_all[n + len(supply):]]
    known = (src >= 0) & (tgt >= 0)
    supply = supply[known]

    def side(col: str) -> np.ndarray:
        s = supply[col]
        given = s.notna().to_numpy()
        code = np.full(len(s), -1, dtype=np.int64)
        if given.any():
            if arrow(s) is not None:  # hashed in pyarrow: no Python string per link (2 s at 5 million)
                c = codes_in(s, pd.Series(list(voc), dtype=s.dtype))[given]
            else:
                c = voc.get_indexer(s[given])
            code[given] = np.where(c >= 0, c, -2)
        return code

    return ClusterArrays(
        n_firms=n, local=cluster.local_mask, external=firms["external"].to_numpy(dtype=bool), vocab=voc,
        pair_firm=pair_firm.astype(np.int64), pair_seg=pair_seg.astype(np.int64),
        src=src[known].astype(np.int64), tgt=tgt[known].astype(np.int64),
        weight=supply["weight"].to_numpy(dtype=float), seg_from=side("segment_from"), seg_to=side("segment_to"))


def _unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: numpy's hash-based ``np.unique`` is far slower on
    large integer arrays)."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if a.size else a


def _expand(firm: np.ndarray, explicit: np.ndarray, starts: np.ndarray, counts: np.ndarray,
            segs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per (row, segment): the explicit segment when given (>= 0), none when -2, else each
    segment of the row's firm (CSR ``starts``/``counts`` into ``segs``)."""
    n = np.where(explicit == -1, counts[firm], (explicit >= 0).astype(np.int64))
    rows = np.repeat(np.arange(firm.size, dtype=np.int64), n)
    seg = explicit[rows].copy()
    implicit = seg < 0
    if implicit.any():
        offset = np.arange(rows.size, dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
        r = rows[implicit]
        seg[implicit] = segs[starts[firm[r]] + offset[implicit]]
    return rows, seg


@dataclass(frozen=True, eq=False)
class Chain:
    """One template evaluated on one cluster: what is covered and which firm pairs realise each flow."""

    t: TemplateArrays
    firm_pair: np.ndarray  # local (firm, template segment) pairs
    seg_pair: np.ndarray
    seg_firms: np.ndarray  # local firms per segment
    ext_firms: np.ndarray  # external firms per segment
    pair_flow: np.ndarray  # distinct (flow, seller, buyer) realising pairs; in-house = (f, f)
    pair_src: np.ndarray
    pair_tgt: np.ndarray
    flow_pairs: np.ndarray
    flow_inhouse: np.ndarray
    flow_supply: np.ndarray  # weight of local supply links realising the flow
    bought: np.ndarray  # supply weight bought by the segment's local firms
    bought_local: np.ndarray  # ... of it from local firms

    @property
    def covered(self) -> np.ndarray:
        return self.seg_firms > 0

    @property
    def realized(self) -> np.ndarray:
        return self.flow_pairs > 0

    def state(self, *, drop: np.ndarray | None = None,
              drop_pair: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(covered, realized) with the firms in bool mask ``drop`` removed and/or the supply links
        seller -> buyer of ``drop_pair`` removed."""
        if drop is None and drop_pair is None:
            return self.covered, self.realized
        S, F = len(self.t.seg_ids), self.t.flow_a.size
        seg_firms, keep = self.seg_firms, np.ones(self.pair_flow.size, dtype=bool)
        if drop is not None:
            seg_firms = seg_firms - np.bincount(self.seg_pair[drop[self.firm_pair]], minlength=S)
            keep &= ~(drop[self.pair_src] | drop[self.pair_tgt])
        if drop_pair is not None:
            keep &= ~((self.pair_src == drop_pair[0]) & (self.pair_tgt == drop_pair[1]))
        return seg_firms > 0, np.bincount(self.pair_flow[keep], minlength=F) > 0


def build_chain(ca: ClusterArrays, t: Template) -> Chain:
    """Evaluate template ``t`` on encoded cluster ``ca`` (all vectorised)."""
    ta = template_arrays(t)
    S, F, N = len(ta.seg_ids), ta.flow_a.size, ca.n_firms
    tmap = pd.Index(ta.seg_ids).get_indexer(ca.vocab)
    tseg = tmap[ca.pair_seg]
    in_t = tseg >= 0
    loc = in_t & ca.local[ca.pair_firm]
    firm_pair, seg_pair = ca.pair_firm[loc], tseg[loc]  # still sorted by firm
    ext = in_t & ca.external[ca.pair_firm]
    counts = np.bincount(firm_pair, minlength=N)
    starts = np.cumsum(counts) - counts

    def explicit(code: np.ndarray) -> np.ndarray:
        """Link segment column as template codes: -1 not given, -2 given but not in this template."""
        mapped = tmap[np.maximum(code, 0)]
        return np.where(code >= 0, np.where(mapped >= 0, mapped, -2), code)

    # buyer side: every supply link into a local firm, once per segment the buyer buys as
    into = np.flatnonzero(ca.local[ca.tgt])
    rows, buy_seg = _expand(ca.tgt[into], explicit(ca.seg_to[into]), starts, counts, seg_pair)
    link = into[rows]
    w = ca.weight[link]
    from_local = ca.local[ca.src[link]]
    bought = np.bincount(buy_seg, weights=w, minlength=S)
    bought_local = np.bincount(buy_seg[from_local], weights=w[from_local], minlength=S)
    # seller side for local -> local links, then the template flow of each (sell, buy) segment pair
    link, buy_seg = link[from_local], buy_seg[from_local]
    rows, sell_seg = _expand(ca.src[link], explicit(ca.seg_from[link]), starts, counts, seg_pair)
    link, buy_seg = link[rows], buy_seg[rows]
    flow = ta.flow_at[sell_seg, buy_seg]
    hit = flow >= 0
    flow_l, link_l = flow[hit], link[hit]
    flow_supply = np.bincount(flow_l, weights=ca.weight[link_l], minlength=F)
    # in-house: a local firm holding both ends of a flow
    rows, other = _expand(firm_pair, np.full(firm_pair.size, -1, dtype=np.int64), starts, counts, seg_pair)
    own = ta.flow_at[seg_pair[rows], other]
    flow_h, firm_h = own[own >= 0], firm_pair[rows][own >= 0]
    flow_inhouse = np.bincount(flow_h, minlength=F)
    # distinct (flow, seller, buyer)
    pf = np.concatenate([flow_l, flow_h])
    ps = np.concatenate([ca.src[link_l], firm_h])
    pt = np.concatenate([ca.tgt[link_l], firm_h])
    if pf.size:
        if (F + 1) * (N + 1) * (N + 1) < 2**62:
            key = _unique((pf * (N + 1) + ps) * (N + 1) + pt)
            rest, pt = np.divmod(key, N + 1)
            pf, ps = np.divmod(rest, N + 1)
        else:  # pragma: no cover - keys would overflow int64 (hundreds of millions of firms)
            u = pd.DataFrame({"f": pf, "s": ps, "t": pt}).drop_duplicates()
            pf, ps, pt = (u[c].to_numpy() for c in "fst")
    return Chain(t=ta, firm_pair=firm_pair, seg_pair=seg_pair, seg_firms=np.bincount(seg_pair, minlength=S),
                 ext_firms=np.bincount(tseg[ext], minlength=S), pair_flow=pf, pair_src=ps, pair_tgt=pt,
                 flow_pairs=np.bincount(pf, minlength=F), flow_inhouse=flow_inhouse, flow_supply=flow_supply,
                 bought=bought, bought_local=bought_local)


class Prepared:
    """A cluster encoded once against its template(s), for many completeness what-ifs.

    Build it with :func:`chainnet.analysis.completeness.prepare`. ``completeness(without=...)``
    removes firms by filtering the encoded arrays, so a loop over many removals (per-leader
    dependence, resilience curves) costs a few milliseconds per step, not a rebuild.
    """

    def __init__(self, cluster: Cluster, templates: list[Template]):
        vocab = list(dict.fromkeys(s for t in templates for s in t.segments["id"]))
        self.cluster = cluster
        self.templates = list(templates)
        self.links_known = cluster.links_known
        self.arrays = cluster_arrays(cluster, vocab)
        self.chains = [build_chain(self.arrays, t) for t in templates]
        self._rows: dict[str, int] | None = None

    def mask(self, firm_ids: Iterable[str]) -> np.ndarray:
        """Boolean mask over the cluster's firms selecting ``firm_ids`` (unknown ids are ignored)."""
        if self._rows is None:
            self._rows = dict(zip(self.cluster.firms["firm_id"].tolist(), range(self.arrays.n_firms)))
        rows = [r for r in map(self._rows.get, firm_ids) if r is not None]
        m = np.zeros(self.arrays.n_firms, dtype=bool)
        m[rows] = True
        return m

    def completeness(self, *, without: Iterable[str] | np.ndarray | None = None) -> dict[str, float]:
        """The four figures; ``without``: firm ids (or a boolean mask over firms) treated as removed
        with all their links."""
        if without is None:
            return figures(self.chains, links_known=self.links_known)
        drop = without if isinstance(without, np.ndarray) else self.mask(without)
        return figures(self.chains, [c.state(drop=drop) for c in self.chains], links_known=self.links_known)

    def local_sourcing(self) -> float | None:
        """Share of the supply weight bought by local firms that comes from local firms (None: no purchases)."""
        return local_share(self.arrays)

    def partners(self) -> np.ndarray:
        """Boolean mask over firms: non-local firms with a supply link to or from a local firm."""
        ca = self.arrays
        m = np.zeros(ca.n_firms, dtype=bool)
        m[ca.src[ca.local[ca.tgt]]] = True
        m[ca.tgt[ca.local[ca.src]]] = True
        return m & ~ca.local

    def local_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(firm row, segment id) for every local firm and template segment it makes."""
        rows = np.concatenate([c.firm_pair for c in self.chains])
        segs = np.concatenate([np.asarray(c.t.seg_ids, dtype=object)[c.seg_pair] for c in self.chains])
        return rows, segs


def local_share(ca: ClusterArrays) -> float | None:
    """Supply weight into local firms from local firms / all supply weight into local firms."""
    into = ca.local[ca.tgt]
    total = ca.weight[into].sum()
    return float(ca.weight[into & ca.local[ca.src]].sum() / total) if total > 0 else None


def build(cluster: Cluster, templates: list[Template]) -> list[Chain]:
    """Evaluate each template on the cluster, encoding the cluster once."""
    return Prepared(cluster, templates).chains


def reached(t: TemplateArrays, covered: np.ndarray, realized: np.ndarray) -> np.ndarray:
    """Segments reached from a covered template source by a chain of realised flows."""
    r = covered & t.is_source
    fa, fb, real = t.flow_a.tolist(), t.flow_b.tolist(), realized.tolist()
    for k in t.propagation:
        if real[k] and r[fa[k]]:
            r[fb[k]] = True
    return r


def _share(weights: np.ndarray, flags: np.ndarray) -> float:
    """Weighted share of flagged items; equal weights when they sum to 0; 1.0 when nothing is expected."""
    if flags.size == 0:
        return 1.0
    total = weights.sum()
    if total <= 0:
        return float(flags.mean())
    return float(np.dot(weights, flags) / total)


def figures(chains: list[Chain], states: list[tuple[np.ndarray, np.ndarray]] | None = None, *,
            links_known: bool = True) -> dict[str, float | None]:
    """The four completeness figures, pooling the segments, flows and sinks of all ``chains``.

    With ``links_known=False`` (METRICS "When the cluster's links are unknown") link coverage,
    path completeness and the index are None, and ``link_coverage_min``, the weighted share of
    flows realised in-house (a lower bound of link coverage), is added.
    """
    if states is None:
        states = [(c.covered, c.realized) for c in chains]
    cov = np.concatenate([s[0] for s in states])
    real = np.concatenate([s[1] for s in states])
    if not links_known:
        return {"segment_coverage": _share(np.concatenate([c.t.seg_w for c in chains]), cov),
                "link_coverage": None, "path_completeness": None, "index": None,
                "link_coverage_min": _share(np.concatenate([c.t.flow_w for c in chains]), real)}
    sink_reached = np.concatenate([reached(c.t, cv, rl)[c.t.is_sink] for c, (cv, rl) in zip(chains, states)])
    out = {
        "segment_coverage": _share(np.concatenate([c.t.seg_w for c in chains]), cov),
        "link_coverage": _share(np.concatenate([c.t.flow_w for c in chains]), real),
        "path_completeness": _share(np.concatenate([c.t.seg_w[c.t.is_sink] for c in chains]), sink_reached),
    }
    out["index"] = (out["segment_coverage"] + out["link_coverage"] + out["path_completeness"]) / 3
    return out
