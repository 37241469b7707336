"""The layout of ``report.xlsx``: which sheets, in which order, named and described in the report's language,
which number format each column takes, and how long per-firm sheets may grow.

The tables themselves come from :mod:`.tables` (the same ones the Markdown and HTML reports show); this
module adds what a workbook needs beside them: a first sheet with the headline figures and a list of
contents, the leaders, communities and bow-tie as tables of their own, numbers kept as numbers with a
display format (a share is 0.976 shown as 97.6%), and a cap on per-firm sheets with a note saying
where the full table is. :func:`chainnet._xlsx.write_workbook` writes it.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .._messages import msg, t
from .._xlsx import Sheet
from .tables import _firm_names, _head, _joined

#: per-firm sheets (and any other) keep at most this many rows: the workbook stays a document a
#: reader can open; the full tables are in ``firms.parquet`` / ``results.json``
ROW_CAP = 10_000

PERCENT = "0.0%"
COUNT = "#,##0"
#: number formats by catalogue term: a column whose header is the term's word takes the format
FORMATS: dict[str, str] = {
    **dict.fromkeys(("segment_coverage", "link_coverage", "link_coverage_min", "path_completeness", "index",
                     "local_sourcing", "flow_weight_share", "impact", "leader_dominance", "sme_attachment",
                     "leader_reach", "degree_centralization", "leader_dependence", "weight_share",
                     "completeness_lost", "index_drop", "index_after", "path_drop", "xl.share",
                     "xl.internal_links", "core_share"), PERCENT),
    **dict.fromkeys(("year", "#"), "0"),
    "chain_step": "0.00", "z": "0.00",
    **dict.fromkeys(("output", "sales"), "#,##0.00"),
    **dict.fromkeys(("pagerank", "betweenness"), "0.000000"),
    **dict.fromkeys(("upstreamness", "trophic_level", "null_mean", "null_sd", "observed"), "0.000"),
    **dict.fromkeys(("auc", "auc_lo", "auc_hi", "density"), "0.000"),
}
#: headline figures of the structure sheet that are shares (the others are counts or plain numbers)
_STRUCTURE_SHARES = frozenset({"core_share", "reciprocity", "degree_centralization", "xl.core_link_share"})


def report_sheets(result: Any, *, cap: int = ROW_CAP) -> dict[str, Sheet]:
    """The sheets of ``report.xlsx`` for an analysis (:class:`chainnet.report.Analysis`), by sheet name.

    Parameters
    ----------
    result : what :func:`chainnet.report.compute` returned
    cap : at most this many rows per sheet; a longer table keeps its first ``cap`` rows (in the
        order of the sheet's main measure) and says how many there are and where the full table is

    Returns
    -------
    Sheet name (in the report's language) -> :class:`chainnet._xlsx.Sheet`, the summary first.
    """
    lang = result.lang
    tables = _tables(result)
    sheets: dict[str, Sheet] = {}
    abouts: dict[str, str] = {}
    for key, (df, order, where) in tables.items():
        fixed = df.attrs.pop("row_formats", None)
        total = len(df)
        about = t(f"xl.about.{key}", lang)
        notes: tuple[str, ...] = ()
        if total > cap:
            df = df.head(cap)
            notes = (msg("xl.capped", lang, shown=cap, total=total, order=order, where=where),)
            about = msg("xl.capped_about", lang, about=about, shown=cap, total=total)
        name = t(f"xl.{key}", lang)
        formats = _formats(df, lang) | (fixed or {})
        sheets[name] = Sheet(df.reset_index(drop=True), formats=formats, notes=notes)
        abouts[name] = about
    summary = _summary(result)
    contents = pd.DataFrame({t("xl.sheet", lang): list(abouts), t("xl.holds", lang): list(abouts.values())})
    first = {t("xl.summary", lang): Sheet(summary[0], formats=summary[1], contents=contents, links=list(abouts))}
    return first | sheets


def _formats(df: pd.DataFrame, lang: str) -> dict[str, str]:
    """Number formats of a table's numeric columns: by the term of the header, else by the numbers."""
    by_word = {t(k, lang): f for k, f in FORMATS.items()}
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
            continue
        if col in by_word:
            out[col] = by_word[col]
        elif pd.api.types.is_integer_dtype(s.dtype):
            out[col] = COUNT
        else:
            out[col] = _float_format(s)
    return out


def _float_format(s: pd.Series) -> str:
    """A format showing about three significant digits of a column's typical (median) magnitude.

    >>> _float_format(pd.Series([0.0123, 0.05])), _float_format(pd.Series([12.5, 30.0])), _float_format(pd.Series([2e6]))
    ('#,##0.0000', '#,##0.0', '#,##0')
    """
    x = pd.to_numeric(s, errors="coerce").abs()
    x = x[(x > 0) & (x < math.inf)]
    if x.empty:
        return "0.000"
    decimals = min(6, max(0, 2 - math.floor(math.log10(float(x.median())))))
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _tables(result: Any) -> dict[str, tuple[pd.DataFrame, str, str]]:
    """sheet key -> (table in its order, the order in words, where the full table is), in workbook order."""
    lang, sh = result.lang, result.sheets
    firms_file = msg("xl.where_firms", lang, file="firms.parquet")
    results_file = msg("xl.where_results", lang)
    by = lambda key: t(key, lang)  # noqa: E731
    out: dict[str, tuple[pd.DataFrame, str, str]] = {
        "segments": (sh["segments"], by("segment"), results_file),
        "flows": (sh["flows"], by("flows"), results_file),
        "gaps": (sh["gaps"], by("impact"), results_file),
    }
    if "survey" in sh:
        out["survey"] = (sh["survey"], by("flow_weight_share"), results_file)
    out["candidates"] = (sh["candidates"], by("rank"), results_file)
    out["leaders"] = (_leaders(result), by("pagerank"), results_file)
    out["firm_centrality"] = (sh["leaders"], by("pagerank"), firms_file)
    fbs = sh["firms_by_segment"]
    seg = _segment_names(result, lang)  # the segment's name, as on every other sheet, not its id
    fbs = fbs.assign(**{by("segment"): fbs[by("segment")].map(lambda s: seg.get(s, s))})
    out["firms_by_segment"] = (_by_output(fbs, lang), by("output"), firms_file)
    st = result.structure
    if st is not None:
        out["structure"] = (_structure(st, lang), by("figure"), results_file)
        out["communities"] = (_communities(result), by("firms"), results_file)
        out["bowtie"] = (_bowtie(st.bowtie, lang), by("xl.part"), results_file)
    else:
        out["structure"] = (sh["structure"], "", results_file)
    if "profile" in sh:
        out["profile"] = (_profile(sh["profile"], result.profile, lang), "", results_file)
    for key in ("position", "resilience", "single_points"):
        if key in sh:
            order = by("index_drop") if key == "single_points" else ""
            out[key] = (sh[key], order, results_file)
    if "timeline" in sh:
        out["timeline"] = (sh["timeline"], by("year"), results_file)
    return out


def _by_output(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Firms by segment, largest output first (firms without output last; then by segment and firm id)."""
    out = t("output", lang)
    key = df[out].astype("float64").fillna(-math.inf)
    return df.iloc[key.reset_index(drop=True).sort_values(ascending=False, kind="stable").index]


def _leaders(result: Any) -> pd.DataFrame:
    """The declared leader firms (not every firm: that is the firm centrality sheet)."""
    lang, ld = result.lang, result.leaders
    names = _firm_names(result.cluster, lang)
    lead = ld.leaders
    if "segments_reached" in lead.columns:
        seg, sep = _segment_names(result, lang), "；" if lang == "zh" else "; "
        lead = lead.assign(segments_reached=lead["segments_reached"].map(
            lambda v: sep.join(seg.get(s, s) for s in v) if isinstance(v, (list, tuple)) else _joined(v)))
    lead = lead.assign(name=lead["firm_id"].map(names).fillna(lead["name"]))
    cols = ["name", "firm_id"] + [c for c in lead.columns if c not in ("name", "firm_id", "name_zh")]
    return _head(lead[cols], lang, {"name": "firm"})


def _structure(st: Any, lang: str) -> pd.DataFrame:
    """The structure's figures with, where measured, the random networks' mean and the z-score."""
    sig = st.significance.set_index("figure") if len(st.significance) else pd.DataFrame()
    cp = st.core_periphery
    rows: list[tuple[str, Any]] = [(k, st.figures[k]) for k in st.figures]
    rows += [(k, cp.get(src)) for k, src in (("xl.core_size", "core_size"), ("xl.core_fit", "fit"),
                                                  ("xl.core_density", "core_density"),
                                                  ("xl.periphery_density", "periphery_density"),
                                                  ("xl.core_link_share", "core_link_share")) if cp.get(src) is not None]
    table = pd.DataFrame({
        t("figure", lang): [t(k, lang) for k, _ in rows],
        t("value", lang): pd.array([_number(v) for _, v in rows], dtype="Float64"),
        t("null_mean", lang): pd.array([_sig(sig, k, "null_mean") for k, _ in rows], dtype="Float64"),
        t("z", lang): pd.array([_sig(sig, k, "z") for k, _ in rows], dtype="Float64"),
    })
    typology = pd.DataFrame({t("figure", lang): [t("typology", lang), t("pattern", lang)],
                             t("value", lang): [t(str(st.typology.get("type")), lang),
                                                t(str(st.typology.get("pattern")), lang)]})
    fmts = [PERCENT if k in _STRUCTURE_SHARES else COUNT if isinstance(v, int) else "0.000" for k, v in rows]
    out = pd.concat([table.astype({t("value", lang): object}), typology], ignore_index=True)
    # per row: a share is a percentage, a count a whole number; the random mean as its figure
    out.attrs["row_formats"] = {t("value", lang): [*fmts, None, None], t("null_mean", lang): [*fmts, None, None]}
    return out


def _profile(table: pd.DataFrame, pr: Any, lang: str) -> pd.DataFrame:
    """The profile's table with its figures as numbers (a share as 0.11 shown 11.0%, a score 63 shown 63/100).

    The rows follow :meth:`chainnet.analysis.profile.Profile.summary_table`; should they ever not
    (a row count that differs), the table is kept as it is, figures as text.
    """
    values: list[tuple[Any, str | None]] = [
        (pr.specialisation.figures.get(k), "0.00" if k.startswith("lq") else PERCENT)
        for k in ("micro", "micro_employment", "macro_national", "macro_world", "lq_output", "lq_employment")]
    values += [(s["share"], PERCENT) for s in pr.specialisation.reported_shares]
    c = pr.concentration
    values += [(c.hhi, "0.000"), (c.top1, PERCENT), (c.cr4, PERCENT), (c.small_firm_share, PERCENT)]
    values += [(None, None)] * (2 if pr.lifecycle.reasons else 1)
    values += [(r.score, '0"/100"') for r in pr.worldclass.dimensions.itertuples()]
    values += [(pr.worldclass.overall, '0"/100"'), (None, None)]
    if len(values) != len(table):
        return table
    col = table.columns[2]
    shown = [v if not _missing(v) else x for (v, _), x in zip(values, table[col], strict=True)]
    shown = [x if isinstance(x, str) or x is None else float(x) for x in shown]
    out = table.assign(**{col: pd.Series(shown, dtype=object, index=table.index)})
    out.attrs["row_formats"] = {col: [f if not _missing(v) else None for v, f in values]}
    return out


def _number(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _sig(sig: pd.DataFrame, key: str, col: str) -> float | None:
    return _number(sig.at[key, col]) if key in sig.index else None


def _communities(result: Any) -> pd.DataFrame:
    """One row per community: its size and share, roles, main segment, links inside and segment mix."""
    lang, st = result.lang, result.structure
    c = st.communities
    names = _firm_names(result.cluster, lang)
    label = _segment_names(result, lang)
    sep = "；" if lang == "zh" else "; "
    return pd.DataFrame({
        t("xl.community", lang): c["community"] + 1,
        t("firms", lang): c["size"], t("xl.share", lang): c["share"],
        t("xl.leader_count", lang): c["leaders"], t("backbone", lang): c["backbone"], t("xl.smes", lang): c["smes"],
        t("xl.main_segment", lang): c["main_segment"].map(lambda s: label.get(s, s)),
        t("xl.internal_links", lang): c["internal_links"],
        t("xl.leader_firms", lang): c["leader_ids"].map(lambda ids: sep.join(names.get(i, i) for i in ids)),
        t("xl.segment_mix", lang): c["segments"].map(
            lambda d: sep.join(f"{label.get(s, s)} {n}" for s, n in d.items()))})


def _segment_names(result: Any, lang: str) -> dict[str, str]:
    seg = result.audit.segments
    names = seg["name_zh"].where(seg["name_zh"].notna(), seg["name"]) if lang == "zh" and "name_zh" in seg else seg["name"]
    return dict(zip(seg["segment"], names))


def _bowtie(bt: dict[str, Any], lang: str) -> pd.DataFrame:
    """The bow-tie's parts as rows (an acyclic supply network has none: then the sheet says why)."""
    parts = [p for p in ("core", "in", "out", "tubes", "tendrils", "disconnected") if isinstance(bt.get(p), dict)]
    if bt.get("acyclic") or not parts:
        return pd.DataFrame({t("note", lang): [msg("st.acyclic", lang)]})
    return pd.DataFrame({t("xl.part", lang): [t(p, lang) for p in parts],
                         t("firms", lang): [int(bt[p]["size"]) for p in parts],
                         t("xl.share", lang): [float(bt[p]["share"]) for p in parts]})


def _summary(result: Any) -> tuple[pd.DataFrame, dict[str, list[str | None]]]:
    """The headline figures, one labelled row each, and the number format of each row."""
    lang, a, ld, st = result.lang, result.audit, result.leaders, result.structure
    s = result.cluster.summary()
    rows: list[tuple[str, Any, str | None]] = [
        (t("all_firms", lang), s["firms"], COUNT), (t("local_firms", lang), s["local_firms"], COUNT),
        (t("links", lang), s["links"], COUNT)]
    if st is not None:
        rows.append((t("n_links", lang), st.figures["n_links"], COUNT))
    c = a.completeness
    rows += [(t(k, lang), c[k], PERCENT) for k in ("segment_coverage", "link_coverage", "path_completeness", "index")]
    if "link_coverage_min" in c and not a.links_known:
        rows.append((t("link_coverage_min", lang), c["link_coverage_min"], PERCENT))
    rows.append((t("local_sourcing", lang), a.local_sourcing, PERCENT))
    rows += [(msg("xl.gap_count", lang, type=t(k, lang)), n, COUNT) for k, n in a.summary["gaps"].items()]
    rows.append((t("xl.leader_count", lang), len(ld.leaders), COUNT))
    rows += [(t(k, lang), v, PERCENT) for k, v in ld.figures.items()]
    if st is not None:
        rows += [(t("modularity", lang), st.figures.get("modularity"), "0.000"),
                 (t("n_communities", lang), st.figures.get("n_communities"), COUNT),
                 (t("typology", lang), t(str(st.typology.get("type")), lang), None),
                 (t("pattern", lang), t(str(st.typology.get("pattern")), lang), None)]
    # a figure not measured (links unknown) says so rather than leave a blank a reader may take for zero
    none = t("xl.not_measured", lang)
    table = pd.DataFrame({t("figure", lang): [r[0] for r in rows],
                          t("value", lang): pd.Series([none if _missing(r[1]) else r[1] for r in rows], dtype=object)})
    return table, {t("value", lang): [None if _missing(r[1]) else r[2] for r in rows]}


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


__all__ = ["FORMATS", "ROW_CAP", "report_sheets"]
