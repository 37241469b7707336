"""How alike two clusters' networks are: the four topology distances and what they are computed from.

Each distance is in [0, 1], symmetric and 0 for identical inputs; :func:`pair_distances` gives all
four and their mean (``combined``):

- ``degree``: Kolmogorov–Smirnov distance between the firms' distributions of supply partners
  (:func:`ks_distance`);
- ``triads``: half the Euclidean distance between directed triad significance profiles (Milo et
  al. 2004) against degree-preserving random networks (:func:`triad_census`,
  :func:`significance_profile`, :func:`profile_distance`);
- ``spectral``: half the Wasserstein-1 distance between the eigenvalue distributions of the
  normalised Laplacians, after Wilson & Zhu 2008 (:func:`laplacian_spectrum`,
  :func:`wasserstein_spectral`, :func:`spectral_distance`);
- ``segment_mix``: Jensen–Shannon divergence (bits) between the distributions of local firms over
  segments (same templates) or over stages (different templates) (:func:`segment_mix`,
  :func:`js_divergence`).

All are computed on the local supply graph (local firms in the METRICS sense and the supply
links between them), from a :class:`Signature` built by :func:`chainnet.analysis.compare.signature`.
:mod:`chainnet.analysis.compare` re-exports every public name here and builds the distance
matrices and the comparison table on top. ``docs/compare.md`` gives every formula and reference.
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
from .structure import _member, rewire

#: The distance measures, in order; ``combined`` is their mean.
MEASURES = ("degree", "triads", "spectral", "segment_mix")
#: networkx's names of the 16 directed triad types (Holland & Leinhardt); the last 13 are connected.
TRIAD_TYPES = ("003", "012", "102", "021D", "021U", "021C", "111D", "111U", "030T", "030C", "201", "120D", "120U",
               "120C", "210", "300")
CONNECTED_TRIADS = TRIAD_TYPES[3:]
#: Above this many wedges (pairs of a firm's partners) the triad census is estimated from a sample.
TRIAD_EXACT_MAX_WEDGES = 2_000_000
_GRID = np.linspace(0.0, 2.0, 2001)


# -- signatures and the local supply graph they are computed on --------------------------------
@dataclass(frozen=True, eq=False)
class Signature:
    """What the topology distances need of one cluster, computed once
    (by :func:`chainnet.analysis.compare.signature`).

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


# -- the four distances together --------------------------------------------------------------------
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


__all__ = ["CONNECTED_TRIADS", "MEASURES", "TRIAD_EXACT_MAX_WEDGES", "TRIAD_TYPES", "Signature", "js_divergence",
           "ks_distance", "laplacian_spectrum", "pair_distances", "profile_distance", "segment_level", "segment_mix",
           "significance_profile", "spectral_distance", "triad_census", "triad_profile", "triad_profile_arrays",
           "wasserstein_spectral"]
