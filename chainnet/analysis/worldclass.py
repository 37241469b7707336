"""World-class gap profile: scores 0-100 on the founding paper's four gap dimensions.

Zeng et al. (2022, §3) compare China's materials clusters with world-class ones on four
dimensions: **global value chain** (全球价值链), **endogenous innovation** (内生创新), **chain
ecosystem** (产业链生态) and **agglomeration effects** (集聚效应). :func:`worldclass` measures each
dimension by indicators found in the data and scores every indicator against a **benchmark
profile** (a TOML file): its ``target`` (the world-class reference, scored 100) and ``floor``
(scored 0), linear in between and clipped to [0, 100]. A dimension's score is the weighted mean
of its indicators that have data, reported with its coverage.

The bundled default profile (``chainnet/profiles/default.toml``) holds illustrative targets set
by the chainnet developers, not measured values; its ``note`` says so and is carried into every
result. ``docs/profile.md`` lists the indicators and the file format.

>>> import chainnet
>>> w = worldclass(chainnet.load_dataset("demo_copper"))
>>> w.dimensions.set_index("dimension").loc["chain_ecosystem", ["available", "total"]].tolist()
[4, 4]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._i18n import LINKS_UNKNOWN, LINKS_UNKNOWN_ZH
from .._messages import Both, both, msg, t
from .._messages import msg_both as B
from .._validate import isin
from ._json import clean, records
from ._result import Result
from .benchmark import (
    DEFAULT_BENCHMARK,
    DIMENSION_NAMES,
    DIMENSIONS,
    INDICATORS,
    Benchmark,
    BenchmarkIndicator,
    load_benchmark,
    score_value,
)

if TYPE_CHECKING:
    from ..model import Cluster
    from .concentration import Concentration
    from .specialisation import Specialisation

#: ``global_rank`` at or below this counts a firm among the world's top firms of its product.
GLOBAL_TOP = 10


# -- indicator values --------------------------------------------------------------------------
def indicator_values(cluster: Cluster, *, spec: Specialisation | None = None,
                     conc: Concentration | None = None) -> dict[str, tuple[float | None, str]]:
    """Every world-class indicator of a cluster as ``id -> (value, basis or what is missing)``.

    >>> import chainnet
    >>> v = indicator_values(chainnet.load_dataset("demo_copper"))
    >>> v["institutions_per_100_firms"]
    (9.090909090909092, '1 local institution(s), 11 local firms')
    """
    return {k: (v, b.en) for k, (v, b) in _values(cluster, spec=spec, conc=conc).items()}


def _values(cluster: Cluster, *, spec: Specialisation | None = None,
            conc: Concentration | None = None) -> dict[str, tuple[float | None, Both]]:
    """:func:`indicator_values` with each basis in English and Chinese (catalogue codes ``wc.*``)."""
    from .centrality import completeness_losses, leader_figures
    from .completeness import completeness, local_sourcing
    from .concentration import concentration
    from .specialisation import economy_inputs, specialisation

    spec = spec or specialisation(cluster)
    conc = conc or concentration(cluster)
    firms, links = cluster.firms, cluster.links
    local = cluster.local_mask
    n = int(local.sum())
    ext = firms["external"].to_numpy(dtype=bool)
    role = firms["role"].to_numpy(dtype=object)
    ids_local = firms["firm_id"][local]
    out: dict[str, tuple[float | None, str]] = {}

    # global value chain
    sup = links[(links["kind"] == "supply").to_numpy(dtype=bool)]
    s_loc, t_loc = isin(sup["source"], ids_local), isin(sup["target"], ids_local)
    ids_ext = firms["firm_id"][ext]
    touching = s_loc | t_loc
    crossing = (s_loc & isin(sup["target"], ids_ext)) | (t_loc & isin(sup["source"], ids_ext))
    w = sup["weight"].to_numpy(dtype=float)
    if not ext.any():
        out["external_link_share"] = (None, B("wc.no_external"))
    elif w[touching].sum() <= 0:
        out["external_link_share"] = (None, B("wc.no_supply_local"))
    else:
        out["external_link_share"] = (float(w[crossing].sum() / w[touching].sum()),
                                      B("wc.external_links", a=int(crossing.sum()), b=int(touching.sum())))
    out["export_share"] = _export_share(cluster, economy_inputs(cluster)["export_share"])
    if "global_rank" in firms:
        rank = pd.to_numeric(firms.loc[local, "global_rank"], errors="coerce")
        if rank.notna().any():
            k = int((rank <= GLOBAL_TOP).sum())
            out["global_top10_firms"] = (float(k), B("wc.top10", k=k, top=GLOBAL_TOP,
                                                                 ranked=int(rank.notna().sum())))
    out.setdefault("global_top10_firms", (None, B("wc.need_rank")))
    out["world_market_share"] = _spec_figure(spec, "macro_world")

    # endogenous innovation
    inst_local = int(((role == "institution") & ~ext).sum())
    out["institutions_per_100_firms"] = (
        (100.0 * inst_local / n, B("wc.institutions", inst=inst_local, n=n)) if n else (None, B("wc.no_local")))
    rd = links[(links["kind"] == "rd").to_numpy(dtype=bool)]
    r_src, r_tgt = isin(rd["source"], ids_local), isin(rd["target"], ids_local)
    n_rd = int((r_src | r_tgt).sum())
    out["rd_ties_per_firm"] = (n_rd / n, B("wc.rd_ties", n=n_rd)) if n else (None, B("wc.no_local"))
    inst_all = firms["firm_id"][role == "institution"]
    inst_in = firms["firm_id"][(role == "institution") & ~ext]
    fi = (r_src & isin(rd["target"], inst_all)) | (r_tgt & isin(rd["source"], inst_all))
    fi_local = (r_src & isin(rd["target"], inst_in)) | (r_tgt & isin(rd["source"], inst_in))
    out["rd_local_share"] = (float(fi_local.sum() / fi.sum()), B("wc.rd_local", a=int(fi_local.sum()), b=int(fi.sum()))) \
        if fi.any() else (None, B("wc.no_rd"))
    out["research_supported_segments"] = _research_segments(cluster, rd[fi], ids_local)

    # chain ecosystem
    if cluster.templates and n:
        idx = completeness(cluster)["index"]
        out["completeness"] = (idx, B("wc.completeness", templates="+".join(t.id for t in cluster.templates)))
        lead_rows = np.flatnonzero(role == "leader")
        dep = completeness_losses(cluster, [lead_rows])[0] if len(lead_rows) else 0.0
        out["leader_dependence"] = (dep, B("wc.leaders", n=int(((role == "leader") & local).sum())))
    else:
        why = B("wc.no_local") if not n else B("wc.no_template")
        out["completeness"] = out["leader_dependence"] = (None, why)
    ls = local_sourcing(cluster)
    out["local_sourcing"] = (ls, B("wc.local_sourcing")) if ls is not None else (None, B("wc.no_buy"))
    from . import _sparse

    g = _sparse.supply_graph(cluster)
    sa = leader_figures(g, role[g.rows])["sme_attachment"]
    out["sme_attachment"] = (sa, B("wc.sme_attachment")) if sa is not None else (None, B("wc.no_sme"))
    if not cluster.links_known:  # a firm list: no figure that needs ties is measured
        for key in ("completeness", "leader_dependence", "sme_attachment", "local_sourcing", "external_link_share",
                    "rd_ties_per_firm", "rd_local_share", "research_supported_segments"):
            out[key] = (None, Both(LINKS_UNKNOWN, LINKS_UNKNOWN_ZH))

    # agglomeration
    lq, lq_basis = spec.figures.get("lq_employment"), "lq_employment"
    if lq is None:
        lq, lq_basis = spec.figures.get("lq_output"), "lq_output"
    out["location_quotient"] = (lq, Both(lq_basis, t(lq_basis, "zh"))) if lq is not None else \
        (None, B("wc.lq_need", note=_zh(_note(spec, "lq_employment"))))
    out["national_share"] = _spec_figure(spec, "macro_national")
    out["output_hhi"] = (conc.hhi, B("wc.hhi", basis=both(f"basis_{conc.basis}"), n=conc.n_known)) \
        if conc.hhi is not None else (None, B("wc.need_output"))
    out["small_firm_share"] = (conc.small_firm_share, _zh(conc.small_firm_basis or "")) \
        if conc.small_firm_share is not None else (None, B("wc.need_small"))
    inp = economy_inputs(cluster)
    for k in ("land_price_growth", "wage_growth"):
        out[k] = (inp[k].value, _zh(inp[k].source or "")) if inp[k].value is not None else \
            (None, B("wc.need_growth", key=k))
    return out


def _spec_figure(spec: Specialisation, key: str) -> tuple[float | None, Both]:
    row = spec.table.set_index("indicator").loc[key]
    v = spec.figures.get(key)
    return (v, _zh(str(row["basis"]))) if v is not None else (None, _zh(str(row["note"])))


def _zh(note: str) -> Both:
    """A specialisation or concentration note (English) with its Chinese rendering (see profile._zh_note)."""
    from .profile import _zh_note

    return Both(note, _zh_note(note))


def _note(spec: Specialisation, key: str) -> str:
    return str(spec.table.set_index("indicator").at[key, "note"])


def _export_share(cluster: Cluster, fallback: Any) -> tuple[float | None, Both]:
    firms = cluster.firms[cluster.local_mask]
    if "export_share" in firms:
        x = pd.to_numeric(firms["export_share"], errors="coerce").astype(float)
        x = x.where((x >= 0) & (x <= 1))
        if x.notna().any():
            out = pd.to_numeric(firms["output"], errors="coerce").astype(float) if "output" in firms else None
            both = x.notna() & (out.notna() & (out > 0) if out is not None else False)
            if out is not None and both.any():
                share = float((x[both] * out[both]).sum() / out[both].sum())
                return share, B("wc.export_weighted", n=int(both.sum()))
            return float(x.mean()), B("wc.export_mean", n=int(x.notna().sum()))
    if fallback.value is not None and 0 <= fallback.value <= 1:
        return fallback.value, _zh(str(fallback.source))
    return None, B("wc.need_export")


def _research_segments(cluster: Cluster, rd_fi: pd.DataFrame, ids_local: pd.Series) -> tuple[float | None, Both]:
    fs = cluster.firm_segments
    segs = {s for t in cluster.templates for s in t.segment_ids}
    loc = fs[isin(fs["firm_id"], ids_local) & fs["segment"].isin(segs).to_numpy()]
    # distinct values as lists: iterating an Arrow column makes a Python object per cell
    covered = set(loc["segment"].unique().tolist())
    if not covered:
        return None, B("wc.no_covered")
    with_rd = set(rd_fi["source"].unique().tolist()) | set(rd_fi["target"].unique().tolist())
    supported = set(loc.loc[loc["firm_id"].isin(with_rd).to_numpy(), "segment"].unique().tolist())
    return len(supported) / len(covered), B("wc.research", a=len(supported), b=len(covered))


# -- scores ------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class WorldClass(Result):
    """World-class gap profile of one cluster.

    Attributes
    ----------
    cluster_id : the cluster's id
    benchmark : the benchmark profile scored against (its ``note`` says what it is based on)
    dimensions : one row per dimension: ``score`` (0-100, None without data), ``available`` and
        ``total`` indicators, ``coverage`` (available / total), ``weight``
    indicators : one row per indicator: dimension, value, direction, target, floor, weight,
        score, basis (where the value came from, or which data to add)
    overall : weighted mean of the dimension scores that have data (None if none)
    """

    cluster_id: str
    benchmark: Benchmark
    dimensions: pd.DataFrame
    indicators: pd.DataFrame
    overall: float | None
    notes: list[str] = field(default_factory=list)

    @property
    def figures(self) -> dict[str, float | None]:
        """Headline numbers: the overall score and each dimension's score."""
        return {"overall": clean(self.overall), **self.scores}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``dimensions`` and ``indicators``."""
        return {"dimensions": self.dimensions, "indicators": self.indicators}

    @property
    def scores(self) -> dict[str, float | None]:
        """Dimension -> score."""
        return {d: clean(s) for d, s in zip(self.dimensions["dimension"], self.dimensions["score"])}

    def to_dict(self) -> dict[str, Any]:
        return {"cluster": self.cluster_id, "overall": clean(self.overall),
                "benchmark": {"id": self.benchmark.id, "name": self.benchmark.name, "note": self.benchmark.note,
                              "path": self.benchmark.path},
                "dimensions": records(self.dimensions), "indicators": records(self.indicators),
                "notes": list(self.notes)}


def worldclass(cluster: Cluster, benchmark: str | Path | dict[str, Any] | Benchmark | None = None, *,
               spec: Specialisation | None = None, conc: Concentration | None = None) -> WorldClass:
    """Score a cluster 0-100 on the four world-class dimensions against a benchmark profile.

    Parameters
    ----------
    cluster : the cluster
    benchmark : a benchmark TOML path, a mapping, a :class:`Benchmark`, or None for the bundled
        illustrative default (see :func:`load_benchmark`)
    spec, conc : already computed :func:`~chainnet.analysis.specialisation.specialisation` and
        :func:`~chainnet.analysis.specialisation.concentration` results (computed when None)

    Returns
    -------
    WorldClass

    Examples
    --------
    >>> import chainnet
    >>> w = worldclass(chainnet.load_dataset("demo_copper"))
    >>> row = w.indicators.set_index("indicator").loc["completeness"]
    >>> round(float(row["value"]), 4), round(float(row["score"]), 2)  # (0.5195 - 0.3) / (0.9 - 0.3) * 100
    (0.5195, 36.58)
    """
    bench = load_benchmark(benchmark)
    values = _values(cluster, spec=spec, conc=conc)
    rows = []
    for iid, (dim, _, _) in INDICATORS.items():
        b = bench.indicators.get(iid)
        value, basis = values[iid]
        rows.append({"dimension": dim, "indicator": iid, "value": value,
                     "direction": b.direction if b else None,
                     "target": (list(b.target) if isinstance(b.target, tuple) else b.target) if b else None,
                     "floor": (list(b.floor) if isinstance(b.floor, tuple) else b.floor) if b else None,
                     "weight": b.weight if b else None, "score": b.score(value) if b else None,
                     "basis": basis.en if b else msg("wc.not_in_benchmark", "en", id=bench.id, basis=basis),
                     "basis_zh": basis.zh if b else msg("wc.not_in_benchmark", "zh", id=bench.id, basis=basis)})
    ind = pd.DataFrame(rows)
    dims = []
    for d in DIMENSIONS:
        t = ind[(ind["dimension"] == d) & ind["weight"].notna()]
        have = t[t["score"].notna()]
        w = have["weight"].to_numpy(dtype=float)
        score = float(np.dot(w, have["score"].to_numpy(dtype=float)) / w.sum()) if len(have) and w.sum() > 0 else None
        dims.append({"dimension": d, "score": score, "available": len(have), "total": len(t),
                     "coverage": len(have) / len(t) if len(t) else None, "weight": bench.dimensions.get(d, 1.0)})
    dim_df = pd.DataFrame(dims)
    ok = dim_df[dim_df["score"].notna() & (dim_df["weight"] > 0)]
    overall = float(np.average(ok["score"], weights=ok["weight"])) if len(ok) else None
    notes = [f"benchmark {bench.id}: {bench.note}"]
    notes += [f"{DIMENSION_NAMES[r.dimension][0]}: no indicator has data" for r in dim_df.itertuples()
              if r.score is None and r.total]
    return WorldClass(cluster_id=cluster.meta.get("id", ""), benchmark=bench, dimensions=dim_df, indicators=ind,
                      overall=overall, notes=notes)


__all__ = ["DEFAULT_BENCHMARK", "DIMENSIONS", "DIMENSION_NAMES", "GLOBAL_TOP", "INDICATORS", "Benchmark",
           "BenchmarkIndicator", "WorldClass", "indicator_values", "load_benchmark", "score_value", "worldclass"]
