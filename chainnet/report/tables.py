"""The report's tables (one per workbook sheet): readable headers and words from the message catalogue."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._format import share
from .._messages import t
from ..model import Cluster


def _name_col(df: pd.DataFrame, lang: str) -> pd.Series:
    if lang == "zh" and "name_zh" in df.columns:
        return df["name_zh"].where(df["name_zh"].notna(), df["name"])
    return df["name"]


def _pct(x: Any) -> str:
    return share(x, none="–")


def _head(df: pd.DataFrame, lang: str, rename: dict[str, str] | None = None) -> pd.DataFrame:
    """``df`` with readable headers from the catalogue (``rename`` maps a column to another term key)."""
    rename = rename or {}
    return df.rename(columns={c: t(rename.get(c, c), lang) for c in df.columns})


def _words(values: pd.Series, lang: str, prefix: str = "") -> pd.Series:
    """Words of a column (roles, stages, statuses ...) in ``lang``; empty cells stay empty.

    >>> _words(pd.Series(["leader", None, "", "sme", "leader"], dtype=object), "zh").tolist()
    ['龙头/链主', nan, '', '中小企业', '龙头/链主']
    """
    def word(v: Any) -> Any:
        return t(prefix + v, lang) if isinstance(v, str) and v else v

    if not len(values) or not (values.dtype == object or str(values.dtype) == "str"):
        return values.map(word)
    # each distinct value looked up once (a per-firm column repeats a handful of words: 3 million
    # catalogue look-ups at 10^6 firms before), then spread by its code; the same Series as map()
    codes, uniques = pd.factorize(values)
    words = np.empty(len(uniques) + 1, dtype=object)
    words[:-1] = [word(v) for v in uniques]
    out = words[codes]
    blank = codes < 0  # None / NaN cells: kept as they are
    if blank.any():
        out[blank] = values.to_numpy(dtype=object)[blank]
    return pd.Series(out, index=values.index, name=values.name)


def _firm_names(cluster: Cluster, lang: str) -> dict[str, str]:
    """firm_id -> the firm's name in ``lang`` (``name_zh`` where present)."""
    # lists, not the Arrow columns themselves: iterating those makes a scalar object per cell
    return dict(zip(cluster.firms["firm_id"].tolist(), _name_col(cluster.firms, lang).tolist()))


def _joined(v: Any) -> Any:
    return ";".join(map(str, v)) if isinstance(v, (list, tuple, set)) else v


def build_sheets(cluster: Cluster, a: Any, ld: Any, st: Any, *, lang: str, pr: Any = None, pos: Any = None,
                 res: Any = None, tl: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """One table per list, headers and words in ``lang`` from the message catalogue (sheet names stay
    English for scripts; no header is an internal column name)."""
    zh = lang == "zh"
    tr = {k: t(k, lang) for k in ("segment", "name", "stage", "status", "firms", "external_supply", "from", "to",
                                  "pairs", "type", "impact", "reason", "figure", "value", "firm", "role", "output",
                                  "pagerank", "betweenness", "partners", "note", "item", "firm_id")}
    summary = [(t(k, lang), a.completeness[k]) for k in ("segment_coverage", "link_coverage", "path_completeness",
                                                          "index")]
    summary.append((t("local_sourcing", lang), a.local_sourcing))
    summary += [(t(k, lang), ld.figures[k]) for k in ld.figures]
    if st is not None:
        summary.append((t("typology", lang), t(str(st.typology.get("type")), lang)))
    else:
        summary.insert(4, (t("link_coverage_min", lang), a.completeness["link_coverage_min"]))
    sheets = {"summary": pd.DataFrame(summary, columns=[tr["figure"], tr["value"]])}

    seg = a.segments.copy()
    seg["label"] = _name_col(seg, lang)
    sheets["segments"] = pd.DataFrame({
        tr["segment"]: seg["segment"], tr["name"]: seg["label"], tr["stage"]: _words(seg["stage"], lang),
        tr["status"]: _words(seg["status"], lang), tr["firms"]: seg["firms"],
        tr["external_supply"]: seg["external_supply"].map(lambda b: t("yes" if b else "no", lang)),
        t("local_sourcing", lang): seg["local_sourcing"]})
    label = dict(zip(seg["segment"], seg["label"]))
    sheets["flows"] = pd.DataFrame({tr["from"]: a.flows["from"].map(label), tr["to"]: a.flows["to"].map(label),
                                    tr["status"]: _words(a.flows["status"], lang), tr["pairs"]: a.flows["pairs"]})
    g = a.gaps
    reason = g["reason_zh"] if zh and "reason_zh" in g.columns else g["reason"]
    sheets["gaps"] = pd.DataFrame({tr["type"]: _words(g["type"], lang), tr["item"]: g["id"],
                                   tr["impact"]: g["impact"], tr["reason"]: reason})
    if not a.links_known:  # the ties to verify, ranked (METRICS: links unknown)
        sv = a.survey
        sheets["survey"] = pd.DataFrame({"#": range(1, len(sv) + 1), tr["from"]: sv["from"].map(label),
                                         tr["to"]: sv["to"].map(label), tr["pairs"]: sv["pairs"],
                                         t("flow_weight_share", lang): sv["link_share"]})
    sheets["candidates"] = _candidates_sheet(a.candidates, label, lang=lang, multi=len(cluster.templates) > 1)
    names = _firm_names(cluster, lang)
    lf = ld.firms.sort_values("pagerank", ascending=False)
    note = lf["note_zh"] if zh and "note_zh" in lf.columns else lf["note"]
    sheets["leaders"] = pd.DataFrame({
        tr["firm"]: _name_col(lf, lang), tr["firm_id"]: lf["firm_id"], tr["role"]: _words(lf["role"], lang),
        t("out_degree", lang): lf["out_degree"], t("in_degree", lang): lf["in_degree"], tr["partners"]: lf["partners"],
        tr["pagerank"]: lf["pagerank"], tr["betweenness"]: lf["betweenness"], t("kcore", lang): lf["kcore"],
        t("inferred_role", lang): _words(lf["inferred_role"], lang), tr["note"]: note})
    fs = cluster.firm_segments.merge(cluster.firms[["firm_id", "name", "name_zh", "output"]], on="firm_id")
    fs = fs[~fs["external"].astype(bool)]
    order = {s: i for tpl in cluster.templates for i, s in enumerate(tpl.order)}
    fs = fs.assign(_o=fs["segment"].map(order)).sort_values(["_o", "role", "firm_id"])
    sheets["firms_by_segment"] = pd.DataFrame({tr["segment"]: fs["segment"], tr["firm_id"]: fs["firm_id"],
                                               tr["firm"]: _name_col(fs, lang), tr["role"]: _words(fs["role"], lang),
                                               tr["output"]: fs["output"]})
    sheets["structure"] = _structure_sheet(st, lang) if st is not None else _note_sheet(lang)
    if pr is not None:
        sheets["profile"] = pr.summary_table(lang)
    if pos is not None and res is not None:
        sheets["position"] = _position_sheet(pos.segments, lang)
        sheets["resilience"] = _resilience_sheet(res.auc, lang)
        sheets["single_points"] = _single_points_sheet(res.single_points, names, lang)
    elif pr is not None:  # the same sheets, so scripts reading the workbook find them: each says why it is empty
        for name in ("position", "resilience", "single_points"):
            sheets[name] = _note_sheet(lang)
    if tl is not None:
        sheets["timeline"] = _head(tl, lang, {"firms": "all_firms"})
    return sheets


def _candidates_sheet(cand: pd.DataFrame, label: dict[str, str], *, lang: str, multi: bool) -> pd.DataFrame:
    """Candidate firms with readable headers: the firm's name and the reason in ``lang``."""
    zh = lang == "zh"
    name = cand["name_zh"].where(cand["name_zh"].notna(), cand["name"]) if zh else cand["name"]
    out = {t("template", lang): cand["template"]} if multi else {}
    out.update({
        t("type", lang): _words(cand["type"], lang), t("segment", lang): cand["segment"].map(lambda s: label.get(s, s)),
        t("rank", lang): cand["rank"], t("origin", lang): _words(cand["origin"], lang, "origin_"),
        t("cluster", lang): cand["cluster"], t("firm_id", lang): cand["firm_id"], t("firm", lang): name,
        t("role", lang): _words(cand["role"], lang), t("output", lang): cand["output"],
        t("firm_segments", lang): cand["segments"], t("neighbours", lang): cand["neighbours"],
        t("why", lang): cand["why_zh"] if zh else cand["why"]})
    return pd.DataFrame(out)


#: Figures of the structure sheet, in order (the full structure is in results.json).
_STRUCTURE_FIGURES = ("n_firms", "n_links", "density", "core_share", "reciprocity", "modularity", "assortativity",
                      "transitivity", "average_clustering", "degree_centralization", "max_kcore", "n_communities",
                      "singletons")


def _structure_sheet(st: Any, lang: str) -> pd.DataFrame:
    """The structure's headline figures and typology, one readable row each."""
    flat = dict(zip(*[st.table()[c] for c in st.table().columns[:2]]))
    rows = [(t(k, lang), flat[k]) for k in _STRUCTURE_FIGURES if k in flat]
    rows += [(t("typology", lang), t(str(st.typology.get("type")), lang)),
             (t("pattern", lang), t(str(st.typology.get("pattern")), lang))]
    return pd.DataFrame(rows, columns=[t("figure", lang), t("value", lang)])


def _position_sheet(seg: pd.DataFrame, lang: str) -> pd.DataFrame:
    zh = lang == "zh"
    df = seg.assign(name=_name_col(seg, lang), stage=_words(seg["stage"], lang),
                    note=seg["note_zh"] if zh and "note_zh" in seg.columns else seg["note"])
    cols = [c for c in ("template", "segment", "name", "stage", "chain_step", "firms", "sales", "upstreamness",
                        "trophic_level", "note") if c in df.columns]
    return _head(df[cols], lang)


def _resilience_sheet(auc: pd.DataFrame, lang: str) -> pd.DataFrame:
    return _head(auc.assign(strategy=_words(auc["strategy"], lang, "strategy_"), measure=_words(auc["measure"], lang)),
                 lang)


def _single_points_sheet(sp: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    zh = lang == "zh"
    df = sp.assign(name=sp["firm_id"].map(names).fillna(sp["name"]), role=_words(sp["role"], lang),
                   splits_network=sp["splits_network"].map(lambda b: t("yes" if b else "no", lang)),
                   reason=sp["reason_zh"] if zh and "reason_zh" in sp.columns else sp["reason"],
                   **{c: sp[c].map(_joined) for c in ("segments", "segments_lost", "flows_lost", "sinks_cut")})
    df = df.drop(columns=[c for c in ("reason_zh",) if c in df.columns])
    return _head(df, lang, {"name": "firm", "segments": "firm_segments"})


def _note_sheet(lang: str) -> pd.DataFrame:
    """A one-cell table saying a list was not measured because the cluster's links are unknown."""
    return pd.DataFrame({t("note", lang): [t("links_unknown", lang)]})



def _fmt(x: Any) -> Any:
    if isinstance(x, float):
        return "–" if x != x else f"{x:.3g}" if abs(x) < 1e4 else f"{x:,.0f}"
    return x

