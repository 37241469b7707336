"""``chainnet analyze``: from a cluster to a report folder (chain map + lists), in English or Chinese.

The report is assembled once as a list of blocks (headings, paragraphs, tables, figures) and
rendered to Markdown and to a self-contained HTML page (figures embedded), next to an Excel
workbook with one sheet per list, the figures as PNG and SVG, and ``results.json``. Everything is
written into a temporary folder first and moved into place only when complete.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import ChainnetError
from ._messages import LINKS_UNKNOWN, LINKS_UNKNOWN_ZH, msg, t
from ._version import __version__
from .model import Cluster

REPORT_FORMATS = ("md", "html", "xlsx")


@dataclass
class _Doc:
    """A report as blocks: ('h', level, text) ('p', text) ('table', DataFrame) ('fig', name, caption)."""

    lang: str
    blocks: list[tuple] = field(default_factory=list)

    def h(self, level: int, text: str) -> None:
        self.blocks.append(("h", level, text))

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def table(self, df: pd.DataFrame, *, limit: int = 50) -> None:
        more = len(df) - limit
        self.blocks.append(("table", df.head(limit)))
        if more > 0:
            self.p(msg("rep.more_rows", self.lang, n=more))

    def fig(self, name: str, caption: str) -> None:
        self.blocks.append(("fig", name, caption))


@dataclass
class Analysis:
    """Everything ``analyze`` computed: the results objects, the report tables and the figure files."""

    cluster: Cluster
    lang: str
    audit: Any
    leaders: Any
    structure: Any
    profile: Any
    position: Any
    resilience: Any
    timeline: pd.DataFrame | None
    sheets: dict[str, pd.DataFrame]
    figures: dict[str, str]
    doc: _Doc

    def to_dict(self) -> dict[str, Any]:
        return {
            "chainnet_version": __version__,
            "cluster": self.cluster.summary(),
            "lang": self.lang,
            "audit": self.audit.to_dict(),
            "leaders": self.leaders.to_dict(),
            "structure": _not_measured(self.structure),
            "profile": self.profile.to_dict(),
            "position": _not_measured(self.position),
            "resilience": _not_measured(self.resilience),
            "timeline": None if self.timeline is None else _records(self.timeline),
            "figures": self.figures,
        }


def _not_measured(result: Any) -> dict[str, Any]:
    """A result's dict, or (a firm list without ties: links unknown) why there is none."""
    if result is not None:
        return result.to_dict()
    return {"links": "unknown", "reason": LINKS_UNKNOWN, "reason_zh": LINKS_UNKNOWN_ZH}


def analyze(cluster: Cluster, out: str | os.PathLike, *, lang: str = "en", formats: Iterable[str] = REPORT_FORMATS,
            candidates: list[Cluster] | None = None, seed: int = 0, null_models: int = 20, force: bool = False,
            dpi: int = 200, progress: Callable[[str], None] | None = None) -> Path:
    """Analyse a cluster and write the report folder ``out``.

    Parameters
    ----------
    cluster : the cluster
    out : the report folder; it must not exist or be empty, unless ``force`` (and then only a
        folder chainnet wrote is replaced: see :mod:`chainnet._output`)
    lang : ``"en"`` or ``"zh"``: language of the report, tables and figures
    formats : any of ``md``, ``html``, ``xlsx`` (``results.json`` and ``figures/`` are always written)
    candidates : other clusters whose firms may fill gaps (招商 candidates)
    seed, null_models : for the structure analysis (communities and random networks)
    force : replace a non-empty ``out`` that chainnet wrote
    dpi : resolution of the PNG figures
    progress : called with a short message before each step

    Returns
    -------
    Path of the report folder.
    """
    formats = tuple(formats)
    bad = [f for f in formats if f not in REPORT_FORMATS]
    if bad:
        raise ChainnetError(f"unknown report format(s) {bad}; use any of {', '.join(REPORT_FORMATS)}")
    if lang not in ("en", "zh"):
        raise ChainnetError(f"lang must be 'en' or 'zh', not {lang!r}")
    from ._output import staged_output

    say = _say(progress, lang)
    with staged_output(out, kind="folder", force=force) as tmp:
        result = compute(cluster, lang=lang, candidates=candidates, seed=seed, null_models=null_models,
                         figures_dir=tmp / "figures", dpi=dpi, progress=progress)
        say("prog.write")
        (tmp / "results.json").write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1,
                                                     allow_nan=False, default=_json_default), encoding="utf-8")
        if "md" in formats:
            (tmp / "report.md").write_text(render_markdown(result.doc), encoding="utf-8")
        if "html" in formats:
            (tmp / "report.html").write_text(render_html(result.doc, tmp), encoding="utf-8")
        if "xlsx" in formats:
            write_workbook(result.sheets, tmp / "report.xlsx")
    return Path(out)


def compute(cluster: Cluster, *, lang: str = "en", candidates: list[Cluster] | None = None, seed: int = 0,
            null_models: int = 20, figures_dir: Path | None = None, dpi: int = 200,
            progress: Callable[[str], None] | None = None) -> Analysis:
    """Run every analysis and build the report tables and blocks (figures saved into ``figures_dir``)."""
    from .analysis.centrality import leaders
    from .analysis.completeness import audit
    from .analysis.structure import structure

    say = _say(progress, lang)
    known = cluster.links_known  # a firm list (links unknown): no analysis read from ties is run
    say("prog.audit")
    a = audit(cluster, candidates=candidates)
    say("prog.leaders")
    ld = leaders(cluster, seed=seed)
    st = pos = res = None
    if known:
        say("prog.structure", n=null_models)
        st = structure(cluster, seed=seed, null_models=null_models)
    say("prog.profile")
    from .analysis.profile import profile

    pr = profile(cluster)
    from .analysis.position import position
    from .analysis.resilience import DEFAULT_RUNS, resilience

    if known:
        say("prog.position")
        pos = position(cluster)
        say("prog.resilience")
        res = resilience(cluster, runs=DEFAULT_RUNS, seed=seed)
    tl = _timeline(cluster, say)
    figures: dict[str, str] = {}
    if figures_dir is not None:
        say("prog.figures")
        figures = draw_figures(cluster, a, ld, st, lang=lang, folder=figures_dir, seed=seed, dpi=dpi,
                               profile=pr, timeline=tl, resilience=res)
    sheets = build_sheets(cluster, a, ld, st, lang=lang, pr=pr, pos=pos, res=res, tl=tl)
    doc = build_document(cluster, a, ld, st, sheets, figures, lang=lang)
    return Analysis(cluster, lang, a, ld, st, pr, pos, res, tl, sheets, figures, doc)


#: at most this many years in the report's timeline (evenly spread, always the first and last)
TIMELINE_MAX_YEARS = 12


def _say(progress: Callable[[str], None] | None, lang: str) -> Callable[..., None]:
    """Progress as catalogue messages in the report's language."""
    if progress is None:
        return lambda code, **params: None
    return lambda code, **params: progress(msg(code, lang, **params))


def _timeline(cluster: Cluster, say: Callable[..., None]) -> pd.DataFrame | None:
    """Headline figures per year when the data carry two years or more, else None (the report says so)."""
    from .analysis.timeline import change_years, default_years, timeline

    if not change_years(cluster):  # no dated firm or link: nothing to follow over time
        return None
    years = default_years(cluster)
    if len(years) < 2:
        return None
    if len(years) > TIMELINE_MAX_YEARS:
        idx = sorted({round(i * (len(years) - 1) / (TIMELINE_MAX_YEARS - 1)) for i in range(TIMELINE_MAX_YEARS)})
        years = [years[i] for i in idx]
    say("prog.timeline", n=len(years), first=years[0], last=years[-1])
    return timeline(cluster, years=years)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in df.to_dict("records")]


# -- figures -------------------------------------------------------------------------------------
FIGURE_KINDS = ("chain", "completeness", "leaders", "network", "bowtie", "degree")


def draw_figures(cluster: Cluster, a: Any, ld: Any, st: Any, *, lang: str, folder: Path, seed: int,
                 dpi: int = 200, profile: Any = None, timeline: pd.DataFrame | None = None,
                 resilience: Any = None) -> dict[str, str]:
    """Save every figure as PNG and SVG; returns kind -> PNG path relative to the report folder.

    The kinds of :data:`FIGURE_KINDS` are always drawn; ``profile`` and ``timeline`` when given.
    """
    from . import viz

    folder.mkdir(parents=True, exist_ok=True)
    makers = {
        "chain": lambda: viz.chain_map(cluster, audit=a, lang=lang, seed=seed),
        "completeness": lambda: viz.completeness_chart(a, lang=lang),
        "leaders": lambda: viz.leader_chart(ld, lang=lang, meta=cluster.meta),
        "network": lambda: viz.network(cluster, lang=lang, seed=seed, structure=st),
        "bowtie": lambda: viz.bowtie(st, lang=lang, meta=cluster.meta),
        "degree": lambda: viz.degree_distribution(cluster, lang=lang),
    }
    if not cluster.links_known:  # figures drawn from ties would be empty: links unknown
        for kind in ("leaders", "network", "bowtie", "degree"):
            del makers[kind]
    if profile is not None:
        makers["profile"] = lambda: viz.profile_radar(profile, lang=lang)
    if resilience is not None:
        makers["resilience"] = lambda: viz.resilience_chart(resilience, lang=lang, meta=cluster.meta)
    if timeline is not None:
        name = cluster.meta.get("name_zh") if lang == "zh" and cluster.meta.get("name_zh") else cluster.name
        makers["timeline"] = lambda: viz.timeline_chart(timeline, lang=lang, name=name)
    out = {}
    for kind, make in makers.items():
        fig, _ = make()
        viz.save(fig, folder / f"{kind}.png", dpi=dpi)
        viz.save(fig, folder / f"{kind}.svg")
        out[kind] = f"figures/{kind}.png"
    return out


# -- tables --------------------------------------------------------------------------------------
def _name_col(df: pd.DataFrame, lang: str) -> pd.Series:
    if lang == "zh" and "name_zh" in df.columns:
        return df["name_zh"].where(df["name_zh"].notna(), df["name"])
    return df["name"]


def _pct(x: Any) -> str:
    return "–" if x is None or (isinstance(x, float) and x != x) else f"{100 * x:.1f}%"


def _head(df: pd.DataFrame, lang: str, rename: dict[str, str] | None = None) -> pd.DataFrame:
    """``df`` with readable headers from the catalogue (``rename`` maps a column to another term key)."""
    rename = rename or {}
    return df.rename(columns={c: t(rename.get(c, c), lang) for c in df.columns})


def _words(values: pd.Series, lang: str, prefix: str = "") -> pd.Series:
    """Words of a column (roles, stages, statuses ...) in ``lang``; empty cells stay empty."""
    return values.map(lambda v: t(prefix + v, lang) if isinstance(v, str) and v else v)


def _firm_names(cluster: Cluster, lang: str) -> dict[str, str]:
    """firm_id -> the firm's name in ``lang`` (``name_zh`` where present)."""
    return dict(zip(cluster.firms["firm_id"], _name_col(cluster.firms, lang)))


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


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """``report.xlsx``: one sheet per list, header frozen, columns sized; text never a formula."""
    from ._xlsx import write_workbook as write

    write(sheets, path, file="report.xlsx", freeze_header=True, fit_widths=True)


# -- the document ----------------------------------------------------------------------------------
def _pct_table(df: pd.DataFrame) -> pd.DataFrame:
    return df.map(lambda v: _pct(v) if isinstance(v, float) else v)


def build_document(cluster: Cluster, a: Any, ld: Any, st: Any, sheets: dict[str, pd.DataFrame],
                   figures: dict[str, str], *, lang: str) -> _Doc:
    """The report as blocks: every heading, sentence and header from the message catalogue."""
    zh = lang == "zh"
    d = _Doc(lang)
    name = cluster.meta.get("name_zh") if zh and cluster.meta.get("name_zh") else cluster.name
    d.h(1, msg("rep.title", lang, name=name))
    s = cluster.summary()
    chains = ("、" if zh else ", ").join((tp.name_zh if zh and tp.name_zh else tp.name) for tp in cluster.templates)
    c = a.completeness
    figs = {k: _pct(c[k]) for k in c}
    if not a.links_known:
        d.p(msg("rep.lead_unknown", lang, firms=s["firms"], local=s["local_firms"], chains=chains, **figs))
    else:
        d.p(msg("rep.lead", lang, firms=s["firms"], local=s["local_firms"], external=s["external_firms"],
                links=s["links"], chains=chains, local_sourcing=_pct(a.local_sourcing), **figs))
    counts = a.summary["gaps"]
    gap_line = ("，" if zh else ", ").join(msg("rep.gap_count", lang, type=t(k, lang), n=n) for k, n in counts.items()
                                          if n) or t("none", lang)
    if st is not None:
        kind, pattern = t(str(st.typology.get("type")), lang), t(str(st.typology.get("pattern")), lang)
        d.p(msg("rep.gaps_typology", lang, gaps=gap_line, type=kind, pattern=pattern))
    else:
        d.p(msg("rep.gaps_survey", lang, gaps=gap_line, n=len(a.survey)))
    d.h(2, t("summary", lang))
    d.table(sheets["summary"].assign(**{sheets["summary"].columns[1]: sheets["summary"].iloc[:, 1].map(
        lambda v: _pct(v) if isinstance(v, float) else v)}))
    if "chain" in figures:
        d.h(2, t("chain_map", lang))
        d.fig("chain", t("chain_map", lang))
    d.h(2, t("completeness", lang))
    if "completeness" in figures:
        d.fig("completeness", t("completeness", lang))
    d.h(3, t("segments", lang))
    segs = sheets["segments"].copy()
    segs[t("local_sourcing", lang)] = segs[t("local_sourcing", lang)].map(_pct)
    d.table(segs)
    d.h(3, t("flows", lang))
    d.table(sheets["flows"])
    if "survey" in sheets:
        d.h(3, t("survey", lang))
        d.p(msg("rep.survey_note", lang))
        d.table(_pct_table(sheets["survey"]), limit=40)
    d.h(3, t("gaps", lang))
    gaps = sheets["gaps"].copy()
    impact = t("impact", lang)
    gaps[impact] = gaps[impact].map(lambda v: f"{100 * v:.1f}")
    d.table(gaps.rename(columns={impact: t("impact_points", lang)}), limit=40)
    if len(sheets["candidates"]):
        d.h(3, t("candidates", lang))
        d.table(sheets["candidates"].map(_fmt), limit=30)
    d.h(2, t("leader_centrality", lang))
    if not ld.links_known:
        d.p(t("links_unknown", lang))
    if "leaders" in figures:
        d.fig("leaders", t("leader_centrality", lang))
    d.table(pd.DataFrame([(t(k, lang), _pct(v)) for k, v in ld.figures.items()],
                         columns=[t("figure", lang), t("value", lang)]))
    names = _firm_names(cluster, lang)
    if len(ld.leaders):
        d.h(3, t("leaders", lang))
        lead = ld.leaders.assign(name=ld.leaders["firm_id"].map(names).fillna(ld.leaders["name"]),
                                 segments_reached=ld.leaders["segments_reached"].map(_joined))
        d.table(_head(lead, lang, {"name": "firm"}).map(_fmt))
    mm = ld.mismatches
    if len(mm):
        d.h(3, t("mismatches", lang))
        shown = pd.DataFrame({t("firm_id", lang): mm["firm_id"], t("firm", lang): mm["firm_id"].map(names),
                              t("declared_role", lang): _words(mm["role"], lang),
                              t("inferred_role", lang): _words(mm["inferred_role"], lang),
                              t("note", lang): mm["note_zh"] if zh else mm["note"]})
        d.table(shown, limit=20)
    if st is None:  # structure, position and resilience are read from ties
        for key in ("structure", "position", "resilience"):
            d.h(2, t(key, lang))
            d.p(t("links_unknown", lang))
        return _doc_tail(d, cluster, sheets, figures, lang=lang)
    d.h(2, t("structure", lang))
    rule = "rule_zh" if zh else "rule"
    d.p(msg("rep.typology", lang, type=kind, pattern=pattern,
            rules=("；" if zh else "; ").join(r[rule] for r in st.typology.get("rules", []) if r.get("fired"))))
    for kind in ("network", "bowtie", "degree"):
        if kind in figures:
            d.fig(kind, t(kind, lang))
    sig = st.significance
    if len(sig):
        d.h(3, t("significance", lang))
        d.table(_head(sig.assign(figure=_words(sig["figure"], lang)), lang).map(_fmt))
    d.h(2, t("position", lang))
    pos = sheets["position"]
    drop = [t(k, lang) for k in ("template", "chain_step", "sales")]
    d.table(pos.drop(columns=[c for c in drop if c in pos.columns]).map(_fmt))
    d.h(2, t("resilience", lang))
    if "resilience" in figures:
        d.fig("resilience", t("resilience", lang))
    d.table(sheets["resilience"].map(_fmt))
    sp = sheets["single_points"]
    if len(sp):
        d.h(3, t("single_points", lang))
        keep = [t(k, lang) for k in ("firm_id", "firm", "role", "index_drop", "reason")]
        d.table(sp[keep].map(_fmt), limit=15)
    return _doc_tail(d, cluster, sheets, figures, lang=lang)


def _doc_tail(d: _Doc, cluster: Cluster, sheets: dict[str, pd.DataFrame], figures: dict[str, str], *,
              lang: str) -> _Doc:
    """Profile, timeline and sources: the end of every report."""
    d.h(2, t("profile", lang))
    if "profile" in figures:
        d.fig("profile", t("profile", lang))
    d.table(sheets["profile"], limit=60)
    d.h(2, t("timeline", lang))
    if "timeline" in sheets:
        if "timeline" in figures:
            d.fig("timeline", t("timeline", lang))
        tl = sheets["timeline"]
        cols = [t(k, lang) for k in ("year", "all_firms", "local_firms", "links", "index", "segment_coverage",
                                     "link_coverage", "leader_dominance", "leader_dependence")]
        d.table(tl[[c for c in cols if c in tl.columns]].map(_fmt))
    else:
        d.p(msg("rep.no_timeline", lang))
    d.h(2, t("sources", lang))
    for src in cluster.meta.get("sources", []):
        d.p(f"[{src.get('key')}] {src.get('cite', '')}" + (f" {src['note']}" if src.get("note") else ""))
    ev = cluster.firms["evidence"].value_counts()
    d.p(msg("rep.evidence", lang, reported=int(ev.get("reported", 0)), modeled=int(ev.get("modeled", 0))))
    d.p(msg("rep.version", lang, version=__version__))
    return d


def _fmt(x: Any) -> Any:
    if isinstance(x, float):
        return "–" if x != x else f"{x:.3g}" if abs(x) < 1e4 else f"{x:,.0f}"
    return x


def _json_default(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    if isinstance(x, (set, tuple)):
        return list(x)
    return str(x)


# -- renderers -----------------------------------------------------------------------------------
def _text(x: Any) -> str:
    """A value as one line of plain text (lists joined by ';', line breaks folded to spaces)."""
    if x is None or (isinstance(x, float) and x != x):
        return ""
    if isinstance(x, (list, tuple)):
        x = ";".join(map(str, x))
    return " ".join(str(x).splitlines())


#: Characters that start Markdown syntax inline: escaped with a backslash (CommonMark, GFM tables).
#: ``_`` is escaped only at a word's edge: inside a word (``firm_id``) it cannot start emphasis.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*[]|#!~"})
_MD_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")


def md_escape(x: Any) -> str:
    """Text that shows as itself in Markdown: HTML escaped, Markdown specials backslashed, one line.

    Firm and cluster names come from user data; a name can neither open an HTML tag, a link,
    code or emphasis, nor break a table row.

    >>> md_escape("<script>x</script> | `y` *z* _w_ firm_id\\nnext")
    '&lt;script&gt;x&lt;/script&gt; \\\\| \\\\`y\\\\` \\\\*z\\\\* \\\\_w\\\\_ firm_id next'
    """
    text = _MD_UNDERSCORE.sub(r"\\_", _text(x).translate(_MD_SPECIAL))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_markdown(doc: _Doc) -> str:
    """The report as Markdown; every text from the data is escaped (:func:`md_escape`)."""
    lines: list[str] = []
    for b in doc.blocks:
        if b[0] == "h":
            lines += ["#" * b[1] + " " + md_escape(b[2]), ""]
        elif b[0] == "p":
            lines += [md_escape(b[1]), ""]
        elif b[0] == "table":
            df = b[1]
            lines.append("| " + " | ".join(md_escape(c) for c in df.columns) + " |")
            lines.append("|" + "---|" * len(df.columns))
            lines += ["| " + " | ".join(md_escape(v) for v in row) + " |" for row in df.itertuples(index=False)]
            lines.append("")
        elif b[0] == "fig":
            lines += [f"![{md_escape(b[2])}](figures/{b[1]}.png)", ""]
    return "\n".join(lines)


_CSS = """
body{font-family:"chainnet CJK","Helvetica Neue",Arial,"Noto Sans","DejaVu Sans",sans-serif;
max-width:1400px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.7em;border-bottom:2px solid #333}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1em 0;font-size:.9em;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top;white-space:nowrap}
td.long{white-space:normal;min-width:28em}th{background:#f2f2f2}
tr:nth-child(even) td{background:#fafafa}figure{margin:1em 0}img{max-width:100%;height:auto}
figcaption{color:#555;font-size:.9em}
"""


def _doc_text(doc: _Doc) -> str:
    out = []
    for b in doc.blocks:
        if b[0] in ("h", "fig"):
            out.append(b[-1])
        elif b[0] == "p":
            out.append(b[1])
        elif b[0] == "table":
            out += [_text(c) for c in b[1].columns]
            out += [_text(v) for row in b[1].itertuples(index=False) for v in row]
    return "".join(out)


def embedded_font_css(text: str) -> str:
    """An @font-face rule carrying Noto Sans CJK SC cut down to the characters of ``text``.

    Readers without a Chinese font (many Linux machines, some e-mail viewers) would see boxes;
    the subset is small (tens of kB) because a report uses a few hundred distinct characters.
    """
    chars = {ch for ch in text if ord(ch) > 0x2E7F}
    if not chars:
        return ""
    from fontTools import subset

    from .viz._style import cjk_font_path

    opts = subset.Options()
    opts.flavor = None
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    font = subset.load_font(str(cjk_font_path()), opts)
    try:  # the font reads its file lazily: close it, or the handle outlives the call
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=sorted(ord(c) for c in chars | set("0123456789%.,:;()-+ ")))
        sub.subset(font)
        buf = io.BytesIO()
        font.save(buf)
    finally:
        font.close()
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return ('@font-face{font-family:"chainnet CJK";font-display:block;'
            "unicode-range:U+2E80-9FFF,U+F900-FAFF,U+FE30-FE4F,U+FF00-FFEF;"
            f'src:url(data:font/otf;base64,{data}) format("opentype");}}')


def _td(v: Any) -> str:
    text = _text(v)
    cls = ' class="long"' if len(text) > 30 else ""
    return f"<td{cls}>{html.escape(text)}</td>"


def render_html(doc: _Doc, folder: Path) -> str:
    """A self-contained page: figures and the Chinese font subset embedded, no outside requests."""
    css = embedded_font_css(_doc_text(doc)) + _CSS
    parts = [f'<!DOCTYPE html>\n<html lang="{"zh-CN" if doc.lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">',
             f"<title>{html.escape(next((b[2] for b in doc.blocks if b[0] == 'h'), 'chainnet report'))}</title>",
             f"<style>{css}</style>\n</head>\n<body>"]
    for b in doc.blocks:
        if b[0] == "h":
            parts.append(f"<h{b[1]}>{html.escape(b[2])}</h{b[1]}>")
        elif b[0] == "p":
            parts.append(f"<p>{html.escape(b[1])}</p>")
        elif b[0] == "table":
            df = b[1]
            head = "".join(f"<th>{html.escape(_text(c))}</th>" for c in df.columns)
            rows = "".join("<tr>" + "".join(_td(v) for v in row) + "</tr>" for row in df.itertuples(index=False))
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif b[0] == "fig":
            png = folder / "figures" / f"{b[1]}.png"
            data = base64.b64encode(png.read_bytes()).decode("ascii")
            parts.append(f'<figure id="fig-{b[1]}"><img alt="{html.escape(b[2])}" data-figure="{b[1]}" '
                         f'src="data:image/png;base64,{data}"><figcaption>{html.escape(b[2])}</figcaption></figure>')
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)
