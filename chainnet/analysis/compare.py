"""Comparing clusters: one table of headline and size-fair figures, and how alike their networks are.

:func:`compare` puts several clusters side by side: size, completeness, leader and structure
figures, z-scores against degree-preserving random networks, and (when they share a template) a
segment-by-segment table. Topology similarity rests on four distances, each in [0, 1], symmetric
and 0 for identical inputs, and their mean:

- ``degree``: Kolmogorov–Smirnov distance between the firms' distributions of supply partners;
- ``triads``: half the Euclidean distance between directed triad significance profiles (Milo et
  al. 2004) against degree-preserving random networks;
- ``spectral``: half the Wasserstein-1 distance between the eigenvalue distributions of the
  normalised Laplacians (after Wilson & Zhu 2008);
- ``segment_mix``: Jensen–Shannon divergence (bits) between the distributions of local firms over
  segments (same templates) or over stages (different templates).

All are computed on the local supply graph (local firms in the METRICS sense and the supply
links between them). ``docs/compare.md`` gives every formula and reference.

>>> import chainnet
>>> demo = chainnet.load_dataset("demo_copper")
>>> d = distances({"2020": demo, "2010": demo.snapshot(2010)}, null_models=3)
>>> list(d), d["combined"].shape
(['degree', 'triads', 'spectral', 'segment_mix', 'combined'], (2, 2))
>>> float(d["combined"].iloc[0, 0])
0.0
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._errors import ChainnetError
from ..model import Cluster
from ..template import STAGES
from . import _sparse
from ._json import clean, records
from .structure import NULL_FIGURES, _member, rewire, structure
from .timeline import HEADLINE_FIGURES, headline

#: The distance measures, in order; ``combined`` is their mean.
MEASURES = ("degree", "triads", "spectral", "segment_mix")
#: networkx's names of the 16 directed triad types (Holland & Leinhardt); the last 13 are connected.
TRIAD_TYPES = ("003", "012", "102", "021D", "021U", "021C", "111D", "111U", "030T", "030C", "201", "120D", "120U",
               "120C", "210", "300")
CONNECTED_TRIADS = TRIAD_TYPES[3:]
#: Structure figures in the comparison table (besides their z-scores).
STRUCTURE_FIGURES = ("reciprocity", "core_share", "modularity", "assortativity", "transitivity",
                     "average_clustering", "cp_core_share", "n_communities")
#: Size-fair figures: shares, densities and z-scores, comparable across clusters of any size.
FAIR_FIGURES = ("density", "mean_partners", "leader_share", "sme_share", "segment_coverage", "link_coverage",
                "path_completeness", "index", "local_sourcing", "leader_dominance", "sme_attachment", "leader_reach",
                "degree_centralization", "leader_dependence", "reciprocity", "core_share", "modularity",
                "assortativity", "transitivity", "average_clustering", "cp_core_share",
                *(f"z_{f}" for f in NULL_FIGURES))
#: Above this many local firms the spectrum is estimated (kernel polynomial method), not computed.
SPECTRAL_EXACT_MAX = 3000
#: Above this many wedges (pairs of a firm's partners) the triad census is estimated from a sample.
TRIAD_EXACT_MAX_WEDGES = 2_000_000
_GRID = np.linspace(0.0, 2.0, 2001)


# -- signatures: what the distances need of one cluster ------------------------------------------
@dataclass(frozen=True, eq=False)
class Signature:
    """What the topology distances need of one cluster, computed once.

    Attributes
    ----------
    label : the cluster's label
    degrees : sorted number of supply partners of each local firm
    triads : the connected triad census, the random networks' mean and sd, z-scores and the
        significance profile (None without random networks)
    spectrum : sorted normalised-Laplacian eigenvalues (exact), or None when estimated
    spectrum_cdf : the spectral distribution function on a grid over [0, 2] when estimated
    mix_segments : share of local firms per segment id (a firm split equally over its segments)
    mix_stages : share of local firms per stage
    templates : the cluster's template ids
    """

    label: str
    degrees: np.ndarray
    triads: dict[str, Any]
    spectrum: np.ndarray | None
    spectrum_cdf: np.ndarray | None
    mix_segments: dict[str, float]
    mix_stages: dict[str, float]
    templates: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)


def signature(cluster: Cluster, *, seed: int = 0, null_models: int = 10, swaps_per_link: int = 10,
              label: str | None = None) -> Signature:
    """The inputs of every topology distance for one cluster (see :func:`distances`).

    Firms are put in ``firm_id`` order first, so the result does not depend on the row order of
    the firms table, and the random networks depend only on the data and ``seed``.

    >>> import chainnet
    >>> s = signature(chainnet.load_dataset("demo_copper"), null_models=0)
    >>> s.degrees.tolist()  # smelter_a trades with 5 local firms; five firms with 2, five with 1
    [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 5]
    >>> {k: round(v * 11, 9) for k, v in s.mix_stages.items()}  # 11 local firms
    {'upstream': 3.0, 'midstream': 6.0, 'downstream': 2.0}
    """
    n, src, tgt = _canonical_graph(cluster)
    U = _undirected(n, src, tgt)
    rng = np.random.default_rng(seed)
    tri = triad_profile_arrays(n, src, tgt, null_models=null_models, swaps_per_link=swaps_per_link, rng=rng)
    if n <= SPECTRAL_EXACT_MAX:
        spectrum, cdf = laplacian_spectrum(U), None
    else:
        spectrum, cdf = None, _kpm_cdf(U, rng=np.random.default_rng(seed))
    seg, stage = segment_mix(cluster)
    return Signature(label=label or str(cluster.meta.get("id", "")), degrees=np.sort(np.diff(U.indptr)),
                     triads=tri, spectrum=spectrum, spectrum_cdf=cdf, mix_segments=seg, mix_stages=stage,
                     templates=tuple(t.id for t in cluster.templates),
                     settings={"seed": seed, "null_models": null_models, "swaps_per_link": swaps_per_link})


def _canonical_graph(cluster: Cluster) -> tuple[int, np.ndarray, np.ndarray]:
    """The local supply graph with nodes numbered in firm_id order: (n, src, tgt) sorted by (src, tgt)."""
    g = _sparse.supply_graph(cluster)
    order = np.argsort(g.ids.astype(str), kind="stable")
    rank = np.empty(g.n, dtype=np.int64)
    rank[order] = np.arange(g.n)
    s, t = rank[g.src], rank[g.tgt]
    o = np.lexsort((t, s))
    return g.n, s[o], t[o]


def _undirected(n: int, src: np.ndarray, tgt: np.ndarray) -> sp.csr_array:
    """Symmetric 0/1 adjacency of the undirected simple view, indices sorted."""
    lo, hi = np.minimum(src, tgt), np.maximum(src, tgt)
    code = np.unique(lo.astype(np.int64) * max(n, 1) + hi)
    lo, hi = code // max(n, 1), code % max(n, 1)
    m = sp.csr_array((np.ones(2 * len(lo)), (np.concatenate([lo, hi]), np.concatenate([hi, lo]))), shape=(n, n))
    m.sort_indices()
    return m


# -- degree distribution -------------------------------------------------------------------------
def ks_distance(x: Sequence[float], y: Sequence[float]) -> float:
    """Two-sample Kolmogorov–Smirnov distance sup_k |F_x(k) − F_y(k)| of two samples (0 when both are empty,
    1 when only one is).

    >>> ks_distance([3, 1, 1, 1], [1, 2, 1])  # F at 1: 3/4 vs 2/3; at 2: 3/4 vs 1; at 3: 1 vs 1
    0.25
    """
    a, b = np.sort(np.asarray(x, dtype=float)), np.sort(np.asarray(y, dtype=float))
    if len(a) == 0 or len(b) == 0:
        return 0.0 if len(a) == len(b) else 1.0
    at = np.union1d(a, b)
    fa = np.searchsorted(a, at, side="right") / len(a)
    fb = np.searchsorted(b, at, side="right") / len(b)
    return float(np.abs(fa - fb).max())


# -- triad significance profile ----------------------------------------------------------------
@functools.cache
def _tricode_table() -> np.ndarray:
    """Triad type (index into TRIAD_TYPES) of each of the 64 codes of three nodes v, u, w.

    Bits: v→u 1, u→v 2, v→w 4, w→v 8, u→w 16, w→u 32. Built with networkx's own census of
    each 3-node graph, so the names are networkx's.
    """
    pairs = ((0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1))
    out = np.empty(64, dtype=np.int64)
    for code in range(64):
        G = nx.DiGraph()
        G.add_nodes_from(range(3))
        G.add_edges_from(p for k, p in enumerate(pairs) if code >> k & 1)
        census = nx.triadic_census(G)
        out[code] = TRIAD_TYPES.index(next(t for t, c in census.items() if c))
    return out


def triad_census(n: int, src: np.ndarray, tgt: np.ndarray, *, max_wedges: int = TRIAD_EXACT_MAX_WEDGES,
                 rng: np.random.Generator | None = None) -> tuple[np.ndarray, bool]:
    """Counts of the 13 connected directed triad types (:data:`CONNECTED_TRIADS`) of a simple digraph.

    Every connected triad has a firm tied to both others (undirected view): it is seen once as a
    wedge (a firm and two of its partners) when open, three times when closed. Wedges are
    enumerated exactly up to ``max_wedges``; above it that many are drawn uniformly at random
    (with ``rng``) and the counts scaled up, an unbiased estimate. Returns ``(counts, exact)``.

    >>> census, exact = triad_census(3, np.array([0, 0, 1]), np.array([1, 2, 2]))  # a->b, a->c, b->c
    >>> dict(zip(CONNECTED_TRIADS, census.tolist()))["030T"], exact
    (1.0, True)
    """
    src = np.asarray(src, dtype=np.int64)
    tgt = np.asarray(tgt, dtype=np.int64)
    U = _undirected(n, src, tgt)
    deg = np.diff(U.indptr).astype(np.int64)
    per_node = deg * (deg - 1) // 2
    total = int(per_node.sum())
    counts = np.zeros(len(CONNECTED_TRIADS))
    if total == 0:
        return counts, True
    exact = total <= max_wedges
    if exact:
        owner = np.repeat(np.arange(n), deg)
        pos = np.arange(len(U.indices)) - U.indptr[owner]  # position within the owner's partner list
        cnt = deg[owner] - 1 - pos  # partners after this one
        first = np.repeat(np.arange(len(U.indices)), cnt)
        offset = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        v = owner[first]
        u, w = U.indices[first], U.indices[first + 1 + offset]
    else:
        rng = rng if rng is not None else np.random.default_rng(0)
        pick = rng.integers(0, total, size=max_wedges)
        v = np.searchsorted(np.cumsum(per_node), pick, side="right")
        i = rng.integers(0, deg[v])
        j = rng.integers(0, deg[v] - 1)
        j = j + (j >= i)
        u, w = U.indices[U.indptr[v] + i], U.indices[U.indptr[v] + j]
    codes = np.sort(src * n + tgt)

    def has(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return _member(a.astype(np.int64) * n + b, codes)

    uw, wu = has(u, w), has(w, u)
    code = has(v, u) + 2 * has(u, v) + 4 * has(v, w) + 8 * has(w, v) + 16 * uw + 32 * wu
    kind = _tricode_table()[code] - 3
    closed = uw | wu
    counts = np.bincount(kind, weights=np.where(closed, 1.0, 3.0), minlength=len(CONNECTED_TRIADS)) / 3.0
    if not exact:
        counts *= total / max_wedges
    return counts, exact


def significance_profile(observed: Sequence[float], null: Sequence[Sequence[float]]) -> dict[str, Any]:
    """Milo et al. (2004) significance profile from observed triad counts and random networks' counts.

    Z_i = (N_i − mean_i) / max(sd_i, 1) with the sample sd (ddof 1) of the random networks'
    counts; the floor of one triad avoids dividing by zero when every random network has the same
    count. SP = Z / |Z| (all zeros when Z is). Needs at least two random networks.

    >>> p = significance_profile([3, 0], [[1, 0], [3, 0], [2, 0]])  # mean 2, sd 1: Z = (1, 0)
    >>> p["z"], p["profile"]
    ([1.0, 0.0], [1.0, 0.0])
    """
    obs = np.asarray(observed, dtype=float)
    x = np.asarray(null, dtype=float)
    if x.ndim != 2 or len(x) < 2:
        raise ChainnetError("a significance profile needs the counts of at least two random networks")
    mean, sd = x.mean(axis=0), x.std(axis=0, ddof=1)
    z = (obs - mean) / np.maximum(sd, 1.0)
    norm = float(np.sqrt((z * z).sum()))
    prof = z / norm if norm > 0 else np.zeros_like(z)
    return {"null_mean": mean.tolist(), "null_sd": sd.tolist(), "z": z.tolist(), "profile": prof.tolist()}


def triad_profile_arrays(n: int, src: np.ndarray, tgt: np.ndarray, *, null_models: int, swaps_per_link: int,
                         rng: np.random.Generator) -> dict[str, Any]:
    """Census, random networks and significance profile of a graph given as arrays (see :func:`triad_profile`)."""
    counts, exact = triad_census(n, src, tgt, rng=rng)
    out: dict[str, Any] = {"types": list(CONNECTED_TRIADS), "counts": counts.tolist(), "exact": exact,
                           "null_models": null_models, "null_mean": None, "null_sd": None, "z": None,
                           "profile": None}
    if null_models >= 2:
        null = []
        for _ in range(null_models):
            s, t = rewire(src, tgt, n, swaps_per_link=swaps_per_link, rng=rng)
            null.append(triad_census(n, s, t, rng=rng)[0])
        out.update(significance_profile(counts, null))
    return out


def triad_profile(cluster: Cluster, *, null_models: int = 10, seed: int = 0, swaps_per_link: int = 10) -> pd.DataFrame:
    """The connected triad census of the local supply graph and its significance profile (Milo et al. 2004).

    Random networks keep every firm's numbers of suppliers and buyers (directed degree-preserving
    swaps, as in :func:`chainnet.analysis.structure.structure`).

    Returns
    -------
    DataFrame
        One row per connected triad type: ``triad``, ``count``, ``null_mean``, ``null_sd``, ``z``,
        ``profile`` (the last four missing with fewer than two random networks)

    Examples
    --------
    >>> import chainnet
    >>> t = triad_profile(chainnet.load_dataset("demo_copper"), null_models=0).set_index("triad")
    >>> # out-stars: smelter_a's 4 local buyers, C(4, 2) = 6, and refiner_b's 2 buyers, 1;
    >>> # chains: mine -> smelter -> 4 buyers, smelter -> rod_b -> cable, refiner -> foil_a -> ccl -> pcb
    >>> int(t.at["021D", "count"]), int(t.at["021C", "count"]), int(t.at["021U", "count"])
    (7, 7, 1)
    """
    n, src, tgt = _canonical_graph(cluster)
    p = triad_profile_arrays(n, src, tgt, null_models=null_models, swaps_per_link=swaps_per_link,
                             rng=np.random.default_rng(seed))
    empty = [None] * len(CONNECTED_TRIADS)
    return pd.DataFrame({"triad": p["types"], "count": p["counts"],
                         **{k: p[k] if p[k] is not None else empty for k in ("null_mean", "null_sd", "z", "profile")}})


def profile_distance(a: Sequence[float] | None, b: Sequence[float] | None) -> float | None:
    """Half the Euclidean distance between two significance profiles, in [0, 1] (None when either is None).

    Profiles are unit vectors (or zero), so this is sqrt((1 − cos θ) / 2) between two non-zero ones.

    >>> profile_distance([1, 0], [0, 1])  # sqrt(2) / 2
    0.7071067811865476
    >>> profile_distance([1, 0], [-1, 0])
    1.0
    """
    if a is None or b is None:
        return None
    return float(np.linalg.norm(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) / 2)


# -- spectra ------------------------------------------------------------------------------------
def _normalised_adjacency(U: sp.csr_array) -> sp.csr_array:
    U = U.astype(float)
    d = np.asarray(U.sum(axis=1)).ravel()
    inv = np.zeros_like(d)
    inv[d > 0] = 1.0 / np.sqrt(d[d > 0])
    return (sp.diags_array(inv) @ U @ sp.diags_array(inv)).tocsr()


def laplacian_spectrum(U: sp.csr_array) -> np.ndarray:
    """Sorted eigenvalues of the normalised Laplacian I − D^−1/2 A D^−1/2 of an undirected graph.

    A firm without partners contributes an eigenvalue 0 (its row of the Laplacian is zero, as in
    :func:`networkx.normalized_laplacian_matrix`). Eigenvalues lie in [0, 2].

    >>> U = sp.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))  # a path of three
    >>> np.round(laplacian_spectrum(U), 6).tolist()
    [0.0, 1.0, 2.0]
    """
    n = U.shape[0]
    if n == 0:
        return np.empty(0)
    d = np.asarray(U.sum(axis=1)).ravel()
    L = np.diag((d > 0).astype(float)) - _normalised_adjacency(U).toarray()
    return np.clip(np.linalg.eigvalsh(L), 0.0, 2.0)


def _kpm_cdf(U: sp.csr_array, *, rng: np.random.Generator, moments: int = 120, vectors: int = 20) -> np.ndarray:
    """Spectral distribution function of the normalised Laplacian on :data:`_GRID`, by the kernel
    polynomial method (Weiße et al. 2006): Chebyshev moments of L − I from Rademacher vectors,
    Jackson damping."""
    n = U.shape[0]
    iso = np.asarray(U.sum(axis=1)).ravel() == 0
    M = (-_normalised_adjacency(U) - sp.diags_array(iso.astype(float))).tocsr()  # L − I, spectrum in [−1, 1]
    mu = np.zeros(moments)
    for _ in range(vectors):
        z = rng.choice([-1.0, 1.0], size=n)
        t0, t1 = z, M @ z
        mu[0] += z @ t0
        mu[1] += z @ t1
        for k in range(2, moments):
            t0, t1 = t1, 2 * (M @ t1) - t0
            mu[k] += z @ t1
    mu /= n * vectors
    k = np.arange(moments)
    N = moments + 1
    jackson = ((N - k) * np.cos(np.pi * k / N) + np.sin(np.pi * k / N) / np.tan(np.pi / N)) / N
    theta = np.arccos(np.clip(_GRID - 1.0, -1.0, 1.0))
    # share of eigenvalues at or above x = cos(theta): (1/pi)[g0 mu0 theta + 2 sum g_k mu_k sin(k theta)/k]
    ks = k[1:, None]
    upper = (jackson[0] * mu[0] * theta + 2 * ((jackson[1:, None] * mu[1:, None]) * np.sin(ks * theta) / ks).sum(0))
    cdf = np.clip(1.0 - upper / np.pi, 0.0, 1.0)
    return np.maximum.accumulate(cdf)


def wasserstein_spectral(a: np.ndarray, b: np.ndarray) -> float:
    """Wasserstein-1 distance ∫|F_a − F_b| between the empirical distributions of two sets of
    eigenvalues (each eigenvalue weighing 1/n); 0 when both are empty, 2 (the range) when one is.

    >>> wasserstein_spectral(np.array([0.0, 2.0]), np.array([0.0, 1.0, 2.0]))  # |1/2 − 1/3| over [0, 2)
    0.3333333333333333
    """
    a, b = np.sort(np.asarray(a, dtype=float)), np.sort(np.asarray(b, dtype=float))
    if len(a) == 0 or len(b) == 0:
        return 0.0 if len(a) == len(b) else 2.0
    at = np.union1d(a, b)
    fa = np.searchsorted(a, at[:-1], side="right") / len(a)
    fb = np.searchsorted(b, at[:-1], side="right") / len(b)
    return float((np.abs(fa - fb) * np.diff(at)).sum())


def _spectral_cdf(s: Signature) -> np.ndarray:
    if s.spectrum_cdf is not None:
        return s.spectrum_cdf
    if len(s.spectrum) == 0:
        return np.zeros_like(_GRID)
    return np.searchsorted(s.spectrum, _GRID, side="right") / len(s.spectrum)


def spectral_distance(a: Signature, b: Signature) -> float:
    """Half the Wasserstein-1 distance between two clusters' normalised-Laplacian spectral distributions, in [0, 1].

    Exact for two computed spectra; on a grid of 2,001 points over [0, 2] (trapezoid rule) when
    either was estimated.
    """
    if a.spectrum is not None and b.spectrum is not None:
        return wasserstein_spectral(a.spectrum, b.spectrum) / 2
    if any(s.spectrum is not None and len(s.spectrum) == 0 for s in (a, b)):
        return 1.0  # no firm on one side only (an estimated spectrum has thousands of firms)
    fa, fb = _spectral_cdf(a), _spectral_cdf(b)
    return float(np.trapezoid(np.abs(fa - fb), _GRID) / 2)


# -- segment mix ----------------------------------------------------------------------------------
def segment_mix(cluster: Cluster) -> tuple[dict[str, float], dict[str, float]]:
    """Shares of local firms per segment and per stage; a firm in k segments counts 1/k in each.

    >>> import chainnet
    >>> seg, stage = segment_mix(chainnet.load_dataset("demo_copper"))
    >>> seg["smelting"], seg["rod"], round(sum(seg.values()), 12)  # smelter_a: smelting and cathode
    (0.045454545454545456, 0.13636363636363635, 1.0)
    """
    f = cluster.firms[cluster.local_mask]
    stage_of: dict[str, str] = {}
    for t in cluster.templates:
        for sid, st in zip(t.segments["id"], t.segments["stage"]):
            stage_of.setdefault(sid, st)
    seg: dict[str, float] = {}
    for segs in f["segments"]:
        for s in segs:
            seg[s] = seg.get(s, 0.0) + 1.0 / len(segs)
    total = sum(seg.values())
    if total == 0:
        return {}, {}
    seg = {s: v / total for s, v in seg.items()}
    stage = dict.fromkeys(STAGES, 0.0)
    for s, v in seg.items():
        stage[stage_of.get(s, "midstream")] += v
    return seg, stage


def js_divergence(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Jensen–Shannon divergence in bits (log base 2), in [0, 1], between two distributions given as
    mappings (absent keys are 0); 0 when both are empty, 1 when only one is.

    >>> js_divergence({"up": 1.0}, {"mid": 1.0})
    1.0
    >>> js_divergence({"a": 0.5, "b": 0.5}, {"a": 0.5, "c": 0.5})  # M = (1/2, 1/4, 1/4): KL = 1/2 each
    0.5
    """
    if not p or not q:
        return 0.0 if not p and not q else 1.0
    keys = sorted(set(p) | set(q))
    a = np.array([p.get(k, 0.0) for k in keys], dtype=float)
    b = np.array([q.get(k, 0.0) for k in keys], dtype=float)
    a, b = a / a.sum(), b / b.sum()
    m = (a + b) / 2

    def kl(x: np.ndarray) -> float:
        nz = x > 0
        return float((x[nz] * np.log2(x[nz] / m[nz])).sum())

    return min(1.0, max(0.0, (kl(a) + kl(b)) / 2))


def segment_level(signatures: Iterable[Signature]) -> str:
    """``"segment"`` when every cluster has the same templates, else ``"stage"``."""
    tpls = {tuple(sorted(s.templates)) for s in signatures}
    return "segment" if len(tpls) == 1 and next(iter(tpls)) else "stage"


# -- distances -------------------------------------------------------------------------------------
def pair_distances(a: Signature, b: Signature, *, level: str | None = None) -> dict[str, float | None]:
    """The four distances and their mean (``combined``, over the ones defined) between two signatures.

    ``level`` is ``"segment"`` or ``"stage"`` for the segment mix (default: :func:`segment_level`).
    """
    level = level or segment_level([a, b])
    out: dict[str, float | None] = {
        "degree": ks_distance(a.degrees, b.degrees),
        "triads": profile_distance(a.triads["profile"], b.triads["profile"]),
        "spectral": spectral_distance(a, b),
        "segment_mix": js_divergence(*((a.mix_segments, b.mix_segments) if level == "segment" else
                                       (a.mix_stages, b.mix_stages))),
    }
    vals = [v for v in out.values() if v is not None]
    out["combined"] = float(np.mean(vals)) if vals else None
    return out


def distances(clusters: Iterable[Cluster] | Mapping[str, Cluster], *, seed: int = 0, null_models: int = 10,
              swaps_per_link: int = 10, signatures: Sequence[Signature] | None = None) -> dict[str, pd.DataFrame]:
    """Distance matrices between clusters: one per measure of :data:`MEASURES`, and ``combined``.

    Parameters
    ----------
    clusters : clusters as a list, or a mapping from label to cluster
    seed : seed of the random networks of the triad profiles (the same for every cluster)
    null_models : random networks per cluster for the triad profiles (fewer than 2: no triad
        distance, and ``combined`` is the mean of the other three)
    swaps_per_link : swap rounds per random network
    signatures : precomputed :func:`signature` results, in the order of ``clusters`` (then
        ``clusters`` is only used for the labels)

    Returns
    -------
    dict of DataFrame
        Square, labelled by cluster; ``combined`` = mean of the measures defined for the pair

    Examples
    --------
    >>> import chainnet
    >>> demo = chainnet.load_dataset("demo_copper")
    >>> d = distances({"2020": demo, "2010": demo.snapshot(2010)}, null_models=0)
    >>> bool(d["triads"].isna().all().all())  # no random networks: no triad profiles
    True
    >>> # partners (1,1,1,1,1,2,2,2,2,2,5) vs (1,1,1,2,3): largest gap at k = 1, 3/5 - 5/11 = 8/55
    >>> round(float(d["degree"].loc["2020", "2010"]) * 55, 9)
    8.0
    """
    labels, items = _labelled(clusters)
    sigs = list(signatures) if signatures is not None else [
        signature(c, seed=seed, null_models=null_models, swaps_per_link=swaps_per_link, label=lab)
        for lab, c in zip(labels, items)]
    return _matrices(labels, sigs)


def _matrices(labels: list[str], sigs: list[Signature]) -> dict[str, pd.DataFrame]:
    level = segment_level(sigs)
    k = len(sigs)
    mats = {m: np.full((k, k), np.nan) for m in (*MEASURES, "combined")}
    for i in range(k):
        for j in range(i, k):
            d = pair_distances(sigs[i], sigs[j], level=level)
            for m, v in d.items():
                val = 0.0 if i == j and v is not None else v  # exactly 0 on the diagonal
                mats[m][i, j] = mats[m][j, i] = np.nan if val is None else val
    return {m: pd.DataFrame(x, index=labels, columns=labels) for m, x in mats.items()}


def most_similar(cluster: Cluster, others: Iterable[Cluster] | Mapping[str, Cluster], k: int = 3, *,
                 measure: str = "combined", seed: int = 0, null_models: int = 10) -> pd.DataFrame:
    """The ``k`` clusters most like ``cluster`` (smallest distance first): "clusters most like this one".

    ``cluster`` itself is skipped if it is among ``others``. Returns a DataFrame with ``cluster``
    (label), the four distances and ``combined``, sorted by ``measure`` then label. The segment
    mix is compared by segment when every cluster has the same templates, else by stage.

    >>> import chainnet
    >>> demo = chainnet.load_dataset("demo_copper")  # nothing changes after 2019, so 2019 is the same network
    >>> others = {"demo in 2010": demo.snapshot(2010), "demo in 2019": demo.snapshot(2019)}
    >>> near = most_similar(demo, others, k=1, null_models=0)
    >>> near.loc[0, "cluster"], float(near.loc[0, "combined"])
    ('demo in 2019', 0.0)
    """
    if measure not in (*MEASURES, "combined"):
        raise ChainnetError(f"measure={measure!r}; use one of {', '.join((*MEASURES, 'combined'))}")
    if k < 1:
        raise ChainnetError(f"k={k} must be at least 1")
    labels, items = _labelled(others)
    keep = [i for i, c in enumerate(items) if c is not cluster]
    labels, items = [labels[i] for i in keep], [items[i] for i in keep]
    me = signature(cluster, seed=seed, null_models=null_models)
    sigs = [signature(c, seed=seed, null_models=null_models, label=lab) for lab, c in zip(labels, items)]
    level = segment_level([me, *sigs])
    rows = [{"cluster": s.label, **pair_distances(me, s, level=level)} for s in sigs]
    df = pd.DataFrame(rows, columns=["cluster", *MEASURES, "combined"])
    df = df.assign(_key=df[measure].fillna(np.inf)).sort_values(["_key", "cluster"], kind="stable")
    return df.drop(columns="_key").head(k).reset_index(drop=True)


# -- the comparison table ----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Comparison:
    """Result of :func:`compare`.

    Attributes
    ----------
    labels : one label per cluster (its id; ``id@year`` or ``id#k`` when ids repeat)
    table : one row per cluster: size, completeness, leader, structure figures and z-scores
    distances : distance matrices per measure and ``combined`` (see :func:`distances`)
    segment_level : ``"segment"`` (same templates) or ``"stage"``: how the segment mix is compared
    shared_templates : templates every cluster has
    segments : segment-by-segment table on the shared templates (None when there is none)
    triads : per cluster, the triad census and significance profile
    settings : seed, null_models, swaps_per_link
    audits : the audits behind the table and the segments (for figures; not in :meth:`to_dict`)
    """

    labels: list[str]
    table: pd.DataFrame
    distances: dict[str, pd.DataFrame]
    segment_level: str
    shared_templates: list[str]
    segments: pd.DataFrame | None
    triads: dict[str, dict[str, Any]]
    settings: dict[str, Any]
    audits: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def same_template(self) -> bool:
        return self.segment_level == "segment"

    def nearest(self) -> pd.DataFrame:
        """For each cluster, the other cluster at the smallest combined distance."""
        d = self.distances["combined"]
        rows = []
        for lab in self.labels:
            others = d.loc[lab].drop(lab).dropna()
            if len(others):
                best = sorted(others.items(), key=lambda kv: (kv[1], kv[0]))[0]
                rows.append({"cluster": lab, "nearest": best[0], "combined": float(best[1])})
        return pd.DataFrame(rows, columns=["cluster", "nearest", "combined"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``clusters``, ``settings``, ``figures`` (one object per cluster),
        ``distances`` (measure → row label → column label → value), ``nearest``, ``segment_level``,
        ``shared_templates``, ``segments``, ``triads``."""
        return {
            "clusters": list(self.labels), "settings": clean(self.settings), "figures": records(self.table),
            "distances": {m: {r: {c: clean(df.at[r, c]) for c in df.columns} for r in df.index}
                          for m, df in self.distances.items()},
            "nearest": records(self.nearest()), "segment_level": self.segment_level,
            "shared_templates": list(self.shared_templates),
            "segments": None if self.segments is None else records(self.segments),
            "triads": clean(self.triads),
        }

    def __repr__(self) -> str:
        return f"<Comparison of {len(self.labels)} clusters: {', '.join(self.labels)}>"


TABLE_COLUMNS = ("cluster", "id", "name", "year", "templates", *HEADLINE_FIGURES[:5], "mean_partners",
                 "leader_share", "sme_share", *HEADLINE_FIGURES[5:], *STRUCTURE_FIGURES, "type", "pattern",
                 *(f"z_{f}" for f in NULL_FIGURES))


def compare(clusters: Iterable[Cluster] | Mapping[str, Cluster], *, seed: int = 0, null_models: int = 10,
            swaps_per_link: int = 10) -> Comparison:
    """Compare clusters: headline and size-fair figures side by side, and topology distances.

    Parameters
    ----------
    clusters : two or more clusters (one works too), as a list or a mapping from label to cluster
    seed : seed of communities and random networks
    null_models : degree-preserving random networks per cluster, for the structure z-scores and
        the triad significance profiles
    swaps_per_link : swap rounds per random network

    Returns
    -------
    Comparison

    Examples
    --------
    >>> import chainnet
    >>> demo = chainnet.load_dataset("demo_copper")
    >>> cmp = compare([demo, demo.snapshot(2010)], null_models=0)
    >>> cmp.labels, cmp.segment_level, cmp.shared_templates
    (['demo_copper@2020', 'demo_copper@2010'], 'segment', ['copper'])
    >>> cmp.table[["cluster", "local_firms", "supply_links", "leader_share"]].to_dict("records")
    [{'cluster': 'demo_copper@2020', 'local_firms': 11, 'supply_links': 10, 'leader_share': 0.09090909090909091}, {'cluster': 'demo_copper@2010', 'local_firms': 5, 'supply_links': 4, 'leader_share': 0.2}]
    >>> cmp.segments.set_index("segment").loc["rod", ["demo_copper@2020 status", "demo_copper@2010 status"]].tolist()
    ['present', 'weak']
    """
    from .completeness import audit

    labels, items = _labelled(clusters)
    if not items:
        raise ChainnetError("compare needs at least one cluster")
    rows, sigs, audits, triads = [], [], {}, {}
    for lab, c in zip(labels, items):
        h = headline(c)
        s = structure(c, seed=seed, null_models=null_models, swaps_per_link=swaps_per_link)
        role = c.firms["role"][c.local_mask]
        n = len(role)
        z = s.significance.set_index("figure")["z"]
        f = s.figures
        rows.append({
            "cluster": lab, "id": c.meta.get("id"), "name": c.meta.get("name"), "year": c.meta.get("year"),
            "templates": "+".join(t.id for t in c.templates), **{k: h[k] for k in HEADLINE_FIGURES[:5]},
            "mean_partners": float(np.mean(_sparse.supply_graph(c).degree)) if n else None,
            "leader_share": float((role == "leader").sum() / n) if n else None,
            "sme_share": float((role == "sme").sum() / n) if n else None,
            **{k: h[k] for k in HEADLINE_FIGURES[5:]},
            **{k: f.get(k) for k in STRUCTURE_FIGURES if k != "cp_core_share"},
            "cp_core_share": s.core_periphery.get("core_share"),
            "type": s.typology["type"], "pattern": s.typology["pattern"],
            **{f"z_{k}": None if pd.isna(z.get(k)) else float(z[k]) for k in NULL_FIGURES},
        })
        sig = signature(c, seed=seed, null_models=null_models, swaps_per_link=swaps_per_link, label=lab)
        sigs.append(sig)
        triads[lab] = sig.triads
        if c.templates:
            audits[lab] = audit(c, top=0)
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    shared = [t.id for t in items[0].templates if all(t.id in {u.id for u in c.templates} for c in items[1:])]
    segs = segment_table(labels, audits, shared) if shared and len(audits) == len(items) else None
    return Comparison(labels=labels, table=table, distances=_matrices(labels, sigs), segment_level=segment_level(sigs),
                      shared_templates=shared, segments=segs, triads=triads,
                      settings={"seed": seed, "null_models": null_models, "swaps_per_link": swaps_per_link},
                      audits=audits)


def segment_table(labels: list[str], audits: Mapping[str, Any], templates: Sequence[str]) -> pd.DataFrame:
    """Segment by segment on shared templates: ``template, segment, name, name_zh, stage``, then
    ``<label> status`` and ``<label> firms`` (local firms) for each cluster."""
    first = audits[labels[0]].segments
    base = first[first["template"].isin(templates)][["template", "segment", "name", "name_zh", "stage"]]
    out = base.reset_index(drop=True)
    idx = pd.MultiIndex.from_frame(out[["template", "segment"]])
    for lab in labels:
        s = audits[lab].segments.set_index(["template", "segment"])
        out[f"{lab} status"] = s["status"].reindex(idx).to_numpy(dtype=object)
        out[f"{lab} firms"] = s["firms"].reindex(idx).to_numpy()
    return out


def compare_table(clusters: Iterable[Cluster] | Mapping[str, Cluster], *, seed: int = 0,
                  null_models: int = 10) -> pd.DataFrame:
    """Notebook shortcut: :func:`compare`'s table, one row per cluster.

    >>> import chainnet
    >>> t = compare_table([chainnet.load_dataset("demo_copper")], null_models=0)
    >>> t.loc[0, ["cluster", "local_firms", "leader_dominance", "type"]].to_dict()
    {'cluster': 'demo_copper', 'local_firms': 11, 'leader_dominance': 0.76, 'type': 'hub-and-spoke'}
    """
    return compare(clusters, seed=seed, null_models=null_models).table


def _labelled(clusters: Iterable[Cluster] | Mapping[str, Cluster]) -> tuple[list[str], list[Cluster]]:
    """Labels and clusters: the mapping's keys, else ids made unique (``id@year``, then ``id#k``)."""
    if isinstance(clusters, Cluster):
        raise ChainnetError("give a list of clusters (or a mapping from label to cluster), not one cluster")
    if isinstance(clusters, Mapping):
        return [str(k) for k in clusters], list(clusters.values())
    items = list(clusters)
    bad = [type(c).__name__ for c in items if not isinstance(c, Cluster)]
    if bad:
        raise ChainnetError(f"expected Cluster objects, got {bad[0]}")
    ids = [str(c.meta.get("id", "")) for c in items]
    labels = list(ids)
    if len(set(ids)) < len(ids):
        labels = [f"{i}@{c.meta.get('year')}" if ids.count(i) > 1 else i for i, c in zip(ids, items)]
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if labels.count(lab) == 1 else f"{lab}#{seen[lab]}")
    return out, items


__all__ = ["CONNECTED_TRIADS", "MEASURES", "TRIAD_TYPES", "Comparison", "Signature", "compare", "compare_table",
           "distances", "js_divergence", "ks_distance", "laplacian_spectrum", "most_similar", "pair_distances",
           "profile_distance", "segment_level", "segment_mix", "segment_table", "signature", "significance_profile",
           "spectral_distance", "triad_census", "triad_profile", "wasserstein_spectral"]
