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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ChainnetError
from .._i18n import LINKS_UNKNOWN
from ..model import Cluster
from . import _sparse
from ._json import clean, records
from ._result import Result, one_line

# the distance measures live in .similarity; re-exported so `from chainnet.analysis.compare import ...` works
from .similarity import (
    CONNECTED_TRIADS,
    MEASURES,
    TRIAD_EXACT_MAX_WEDGES,  # noqa: F401
    TRIAD_TYPES,
    Signature,
    _canonical_graph,
    _kpm_cdf,
    _undirected,
    js_divergence,
    ks_distance,
    laplacian_spectrum,
    pair_distances,
    profile_distance,
    segment_level,
    segment_mix,
    significance_profile,
    spectral_distance,
    triad_census,
    triad_profile,
    triad_profile_arrays,
    wasserstein_spectral,
)
from .structure import NULL_FIGURES, NULL_MODELS, structure
from .timeline import HEADLINE_FIGURES, headline

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


# -- signatures: what the distances need of one cluster ------------------------------------------
# (built here, not in .similarity, so that SPECTRAL_EXACT_MAX is read from this module)
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


# -- distances -------------------------------------------------------------------------------------
def distances(clusters: Iterable[Cluster] | Mapping[str, Cluster], *, seed: int = 0, null_models: int = 10,
              swaps_per_link: int = 10, signatures: Sequence[Signature] | None = None) -> dict[str, pd.DataFrame]:
    """Distance matrices between clusters: one per measure of :data:`MEASURES`, and ``combined``.

    Parameters
    ----------
    clusters : clusters as a list, or a mapping from label to cluster, or the output folder of
        ``chainnet batch --analyses ...,similarity`` (its stored signatures are used, computed with
        seed 0 and 10 random networks; the other arguments are then ignored)
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
    from .batch_compare import batch_distances, is_batch_folder

    if is_batch_folder(clusters):  # a `chainnet batch` folder: its stored signatures, nothing reloaded
        return batch_distances(clusters)
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

    ``cluster`` itself is skipped if it is among ``others``. ``others`` may be the output folder of
    ``chainnet batch --analyses ...,similarity`` (stored signatures, seed 0, 10 random networks;
    there ``cluster`` may also be the label of one of its clusters, and clusters with the same id
    as ``cluster`` are skipped). Returns a DataFrame with ``cluster``
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
    from .batch_compare import batch_most_similar, is_batch_folder

    if is_batch_folder(others):  # a `chainnet batch` folder: its stored signatures, nothing reloaded
        return batch_most_similar(cluster, others, k, measure=measure)
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
class Comparison(Result):
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
    def cluster_id(self) -> str:
        """The compared clusters' labels joined by ``+``."""
        return "+".join(self.labels)

    @property
    def figures(self) -> dict[str, float | int | None]:
        """Headline numbers: how many clusters, the smallest and largest combined distance between two."""
        d = self.distances["combined"].to_numpy(dtype=float)
        off = d[~np.eye(len(d), dtype=bool)] if len(d) else d.ravel()
        off = off[~np.isnan(off)]
        return {"clusters": len(self.labels), "min_combined": float(off.min()) if len(off) else None,
                "max_combined": float(off.max()) if len(off) else None}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``clusters`` (:attr:`table`), ``nearest``, ``distance_<measure>`` and ``segments`` when there is one."""
        out = {"clusters": self.table, "nearest": self.nearest(),
               **{f"distance_{m}": df for m, df in self.distances.items()}}
        if self.segments is not None:
            out["segments"] = self.segments
        return out

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
        return one_line(f"<Comparison of {len(self.labels)} clusters: {', '.join(self.labels)}>")


TABLE_COLUMNS = ("cluster", "id", "name", "year", "templates", *HEADLINE_FIGURES[:5], "mean_partners",
                 "leader_share", "sme_share", *HEADLINE_FIGURES[5:], *STRUCTURE_FIGURES, "type", "pattern",
                 *(f"z_{f}" for f in NULL_FIGURES))


def compare(clusters: Iterable[Cluster] | Mapping[str, Cluster], *, seed: int = 0, null_models: int = NULL_MODELS,
            swaps_per_link: int = 10) -> Comparison:
    """Compare clusters: headline and size-fair figures side by side, and topology distances.

    Parameters
    ----------
    clusters : two or more clusters (one works too), as a list or a mapping from label to cluster
    seed : seed of communities and random networks
    null_models : degree-preserving random networks per cluster, for the structure z-scores and
        the triad significance profiles (default: the same as :func:`structure` and the report)
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
        if not c.links_known:  # a firm list: figures read from ties are not measured (None), not 0
            rows[-1].update(dict.fromkeys(("mean_partners", *STRUCTURE_FIGURES, *(f"z_{k}" for k in NULL_FIGURES))))
            rows[-1]["type"] = LINKS_UNKNOWN
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
