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
import itertools
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import ChainnetError
from ._format import share
from ._i18n import LINKS_UNKNOWN, LINKS_UNKNOWN_ZH, t
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
            self.p(f"… {more:,} more rows in report.xlsx." if self.lang == "en" else f"……另有 {more:,} 行见 report.xlsx。")

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

    say = progress or (lambda msg: None)
    with staged_output(out, kind="folder", force=force) as tmp:
        result = compute(cluster, lang=lang, candidates=candidates, seed=seed, null_models=null_models,
                         figures_dir=tmp / "figures", dpi=dpi, progress=say)
        say("writing the report")
        (tmp / "results.json").write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1,
                                                     allow_nan=False, default=_json_default), encoding="utf-8")
        if "md" in formats:
            (tmp / "report.md").write_text(render_markdown(result.doc), encoding="utf-8")
        if "html" in formats:
            page = render_html(result.doc, tmp)
            # the interactive chain map, before the static chain figure (which stays for print)
            from .viz import interactive as viz_interactive

            page = viz_interactive.embed_in_report(page, cluster, audit=result.audit, lang=lang, seed=seed)
            (tmp / "report.html").write_text(page, encoding="utf-8")
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

    say = progress or (lambda msg: None)
    known = cluster.links_known  # a firm list (links unknown): no analysis read from ties is run
    say("auditing the chain (completeness, gaps, candidates)")
    a = audit(cluster, candidates=candidates)
    say("measuring leader centrality")
    ld = leaders(cluster, seed=seed)
    st = pos = res = None
    if known:
        say(f"analysing structure ({null_models} random networks)")
        st = structure(cluster, seed=seed, null_models=null_models)
    say("profiling specialisation, life cycle and world-class gaps")
    from .analysis.profile import profile

    pr = profile(cluster)
    from .analysis.position import position
    from .analysis.resilience import resilience

    if known:
        say("placing firms and segments in the chain (upstreamness)")
        pos = position(cluster)
        say("testing resilience (removal curves, single points of failure)")
        res = resilience(cluster, runs=5, seed=seed)
    tl = _timeline(cluster, say)
    figures: dict[str, str] = {}
    if figures_dir is not None:
        say("drawing figures")
        figures = draw_figures(cluster, a, ld, st, lang=lang, folder=figures_dir, seed=seed, dpi=dpi,
                               profile=pr, timeline=tl, resilience=res)
    sheets = build_sheets(cluster, a, ld, st, lang=lang)
    sheets["profile"] = pr.summary_table(lang)
    if known:
        sheets["position"] = pos.segments
        sheets["resilience"] = res.auc
        sheets["single_points"] = res.single_points.assign(
            **{c: res.single_points[c].map(lambda v: ";".join(map(str, v)))
               for c in ("segments", "segments_lost", "flows_lost", "sinks_cut")})
    else:  # the same sheets, so scripts reading the workbook find them: each says why it is empty
        for name in ("position", "resilience", "single_points"):
            sheets[name] = _note_sheet(lang)
    if tl is not None:
        sheets["timeline"] = tl
    doc = build_document(cluster, a, ld, st, sheets, figures, lang=lang)
    return Analysis(cluster, lang, a, ld, st, pr, pos, res, tl, sheets, figures, doc)


#: at most this many years in the report's timeline; a longer history is shown every k-th year
#: (a regular step from the first year, and always the last), and the report says so
TIMELINE_MAX_YEARS = 12


def _timeline(cluster: Cluster, say: Callable[[str], None]) -> pd.DataFrame | None:
    """Headline figures per year when the data carry two years or more, else None (the report says so)."""
    from .analysis.timeline import change_years, timeline

    if not change_years(cluster):  # no dated firm or link: nothing to follow over time
        return None
    years = timeline_years(cluster)
    if len(years) < 2:
        return None
    say(f"following the cluster over {len(years)} years ({years[0]}–{years[-1]})")
    return timeline(cluster, years=years)


def timeline_years(cluster: Cluster) -> list[int]:
    """The years the report follows ``cluster`` over: its default years when there are at most
    :data:`TIMELINE_MAX_YEARS`, else every k-th of them from the first (k the smallest step that
    fits) and the last. A regular step never skips one year in the middle of an otherwise
    yearly series."""
    from .analysis.timeline import default_years

    years = default_years(cluster)
    if len(years) > TIMELINE_MAX_YEARS:
        step = -(-(len(years) - 1) // (TIMELINE_MAX_YEARS - 1))
        years = sorted({*years[::step], years[-1]})
    return years


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
    return share(x, none="–")


def build_sheets(cluster: Cluster, a: Any, ld: Any, st: Any, *, lang: str) -> dict[str, pd.DataFrame]:
    """One table per list, headers and words in ``lang`` (sheet names stay English for scripts)."""
    tr = {k: t(k, lang) for k in ("segment", "name", "stage", "status", "firms", "external_supply", "from", "to",
                                  "pairs", "type", "impact", "reason", "figure", "value", "firm", "role", "output",
                                  "pagerank", "betweenness", "partners", "note")}
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
        tr["segment"]: seg["segment"], tr["name"]: seg["label"], tr["stage"]: seg["stage"].map(lambda s: t(s, lang)),
        tr["status"]: seg["status"].map(lambda s: t(s, lang)), tr["firms"]: seg["firms"],
        tr["external_supply"]: seg["external_supply"].map(lambda b: t("yes" if b else "no", lang)),
        t("local_sourcing", lang): seg["local_sourcing"]})
    label = dict(zip(seg["segment"], seg["label"]))
    sheets["flows"] = pd.DataFrame({tr["from"]: a.flows["from"].map(label), tr["to"]: a.flows["to"].map(label),
                                    tr["status"]: a.flows["status"].map(lambda s: t(s, lang)),
                                    tr["pairs"]: a.flows["pairs"]})
    g = a.gaps
    reason = g["reason_zh"] if lang == "zh" and "reason_zh" in g.columns else g["reason"]
    sheets["gaps"] = pd.DataFrame({tr["type"]: g["type"].map(lambda s: t(s, lang)), "id": g["id"],
                                   tr["impact"]: g["impact"], tr["reason"]: reason})
    if not a.links_known:  # the ties to verify, ranked (METRICS: links unknown)
        sv = a.survey
        sheets["survey"] = pd.DataFrame({"#": range(1, len(sv) + 1), tr["from"]: sv["from"].map(label),
                                         tr["to"]: sv["to"].map(label), tr["pairs"]: sv["pairs"],
                                         t("flow_weight_share", lang): sv["link_share"]})
    sheets["candidates"] = a.candidates.copy()
    lf = ld.firms.sort_values("pagerank", ascending=False)
    sheets["leaders"] = pd.DataFrame({
        tr["firm"]: _name_col(lf, lang), "firm_id": lf["firm_id"], tr["role"]: lf["role"].map(lambda s: t(s, lang)),
        "out_degree": lf["out_degree"], "in_degree": lf["in_degree"], tr["partners"]: lf["partners"],
        tr["pagerank"]: lf["pagerank"], tr["betweenness"]: lf["betweenness"], "kcore": lf["kcore"],
        "inferred_role": lf["inferred_role"].map(lambda s: t(s, lang)), tr["note"]: lf["note"]})
    fs = cluster.firm_segments.merge(cluster.firms[["firm_id", "name", "name_zh", "output"]], on="firm_id")
    fs = fs[~fs["external"].astype(bool)]
    order = {s: i for tpl in cluster.templates for i, s in enumerate(tpl.order)}
    fs = fs.assign(_o=fs["segment"].map(order)).sort_values(["_o", "role", "firm_id"])
    sheets["firms_by_segment"] = pd.DataFrame({tr["segment"]: fs["segment"], "firm_id": fs["firm_id"],
                                               tr["firm"]: _name_col(fs, lang),
                                               tr["role"]: fs["role"].map(lambda s: t(s, lang)),
                                               tr["output"]: fs["output"]})
    sheets["structure"] = st.table() if st is not None else _note_sheet(lang)
    return sheets


def _note_sheet(lang: str) -> pd.DataFrame:
    """A one-cell table saying a list was not measured because the cluster's links are unknown."""
    return pd.DataFrame({t("note", lang): [t("links_unknown", lang)]})


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """``report.xlsx``: one sheet per list, header frozen, columns sized; text never a formula."""
    from ._xlsx import write_workbook as write

    write(sheets, path, file="report.xlsx", freeze_header=True, fit_widths=True)


# -- the document ----------------------------------------------------------------------------------
def build_document(cluster: Cluster, a: Any, ld: Any, st: Any, sheets: dict[str, pd.DataFrame],
                   figures: dict[str, str], *, lang: str) -> _Doc:
    zh = lang == "zh"
    d = _Doc(lang)
    name = cluster.meta.get("name_zh") if zh and cluster.meta.get("name_zh") else cluster.name
    d.h(1, f"{name}: {t('report', lang)}")
    s = cluster.summary()
    tpl = ", ".join((tp.name_zh if zh and tp.name_zh else tp.name) for tp in cluster.templates)
    c = a.completeness
    whole = _bodies_line(cluster, zh)
    if not a.links_known:
        d.p(t("links_unknown", lang) + ("。" if zh else ". ") + (
            f"{whole}，没有企业间关联数据；参照产业链：{tpl}。"
            f"环节覆盖率 {_pct(c['segment_coverage'])}，企业内部衔接覆盖率下限 {_pct(c['link_coverage_min'])}。"
            "两端环节都有本地企业的上下游衔接标为“待核实”，不判定为断链；下文列出按优先级排序的待调查企业关联。"
            if zh else
            f"{whole} and no tie data; reference chain: "
            f"{tpl}. Segment coverage {_pct(c['segment_coverage'])}; link coverage is at least "
            f"{_pct(c['link_coverage_min'])} (flows made in-house). Flows between covered segments are 'unknown', "
            "not broken; the gap list below is the ranked list of ties to survey."))
    elif zh:
        d.p(f"{whole}，{s['links']:,} 条联系；参照产业链：{tpl}。完整度指数 {_pct(c['index'])}，"
            f"环节覆盖率 {_pct(c['segment_coverage'])}，衔接覆盖率 {_pct(c['link_coverage'])}，"
            f"路径完整度 {_pct(c['path_completeness'])}，本地配套率 {_pct(a.local_sourcing)}。")
    else:
        d.p(f"{whole}, {s['links']:,} ties; reference chain: {tpl}. Completeness index {_pct(c['index'])}: segment coverage "
            f"{_pct(c['segment_coverage'])}, link coverage {_pct(c['link_coverage'])}, path completeness "
            f"{_pct(c['path_completeness'])}; local sourcing rate {_pct(a.local_sourcing)}.")
    counts = a.summary["gaps"]
    gap_line = ", ".join(f"{t(k, lang)} {n}" for k, n in counts.items() if n)
    if st is not None:
        kind, pattern = t(str(st.typology.get("type")), lang), t(str(st.typology.get("pattern")), lang)
        d.p((f"差距清单：{gap_line or '无'}。" if zh else f"Gaps: {gap_line or 'none'}.")
            + (f" {t('typology', lang)}：{kind}（{pattern}）。" if zh else f" Typology: {kind} ({pattern})."))
    else:
        d.p(f"差距清单：{gap_line or '无'}；待调查企业关联 {len(a.survey)} 条。" if zh else
             f"Gaps: {gap_line or 'none'}; {len(a.survey)} ties to survey.")
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
        d.p("每条为一条上下游衔接：上游环节企业数 × 下游环节企业数 = 需核实的本地企业对数；按衔接权重从大到小、"
            "企业对数从少到多排序。" if zh else
            "Each row is an expected flow between covered segments: holders of 'from' x holders of 'to' = local "
            "firm pairs to ask; ranked by the flow's weight (largest first), then by pairs (fewest first).")
        d.table(sheets["survey"].map(lambda v: _pct(v) if isinstance(v, float) else v), limit=40)
    d.h(3, t("gaps", lang))
    gaps = sheets["gaps"].copy()
    impact = t("impact", lang)
    gaps[impact] = gaps[impact].map(lambda v: f"{100 * v:.1f}")
    gaps = gaps.rename(columns={impact: impact + (" (points)" if lang == "en" else "（百分点）")})
    d.table(gaps, limit=40)
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
    if len(ld.leaders):
        d.h(3, t("leaders", lang))
        d.table(ld.leaders.map(_fmt))
    mm = ld.mismatches
    if len(mm):
        d.h(3, t("mismatches", lang))
        d.table(mm[["firm_id", "name", "role", "inferred_role", "note"]], limit=20)
    if st is None:  # structure, position and resilience are read from ties
        for key in ("structure", "position", "resilience"):
            d.h(2, t(key, lang))
            d.p(t("links_unknown", lang))
        return _doc_tail(d, cluster, sheets, figures, lang=lang)
    d.h(2, t("structure", lang))
    d.p(f"{t('typology', lang)}: {kind} — {pattern}. "
        + "; ".join(r["rule"] for r in st.typology.get("rules", []) if r.get("fired")))
    for kind in ("network", "bowtie", "degree"):
        if kind in figures:
            d.fig(kind, t(kind, lang))
    sig = st.significance
    if len(sig):
        d.h(3, t("significance", lang))
        nm = st.null_model
        d.p(f"z 值基于 {nm['null_models']} 个保持度序列的随机网络（种子 {nm['seed']}）。" if zh else
            f"z-scores against {nm['null_models']} degree-preserving random networks (seed {nm['seed']}).")
        d.table(sig.map(_fmt))
    d.h(2, t("position", lang))
    pos = sheets["position"]
    note = "note_zh" if zh and "note_zh" in pos.columns else "note"
    d.table(pos[[c for c in ("segment", "name_zh" if zh else "name", "stage", "firms", "upstreamness",
                             "trophic_level", note) if c in pos.columns]].map(_fmt))
    d.h(2, t("resilience", lang))
    if "resilience" in figures:
        d.fig("resilience", t("resilience", lang))
    d.table(sheets["resilience"].map(_fmt))
    sp = sheets["single_points"]
    if len(sp):
        d.h(3, t("single_points", lang))
        reason = "reason_zh" if zh and "reason_zh" in sp.columns else "reason"
        shown = sp[["firm_id", "name", "role", "index_drop", reason]].copy()
        if zh:
            zh_names = dict(zip(cluster.firms["firm_id"], _name_col(cluster.firms, "zh")))
            shown["name"] = shown["firm_id"].map(zh_names).fillna(shown["name"])
            shown["role"] = shown["role"].map(lambda r: t(r, "zh"))
            shown.columns = ["企业代码", "企业", "角色", "完整度指数下降", "原因"]
        d.table(shown.map(_fmt), limit=15)
    return _doc_tail(d, cluster, sheets, figures, lang=lang)


def _doc_tail(d: _Doc, cluster: Cluster, sheets: dict[str, pd.DataFrame], figures: dict[str, str], *,
              lang: str) -> _Doc:
    """Profile, timeline and sources: the end of every report."""
    zh = lang == "zh"
    d.h(2, t("profile", lang))
    if "profile" in figures:
        d.fig("profile", t("profile", lang))
    d.table(sheets["profile"], limit=60)
    if "timeline" in sheets:
        d.h(2, t("timeline", lang))
        if "timeline" in figures:
            d.fig("timeline", t("timeline", lang))
        tl = sheets["timeline"]
        gaps = sorted({int(b) - int(a) for a, b in itertools.pairwise(tl["year"])})
        if gaps and gaps[-1] > 1:
            d.p(f"年份间隔 {gaps[-1]} 年（最后一段可能更短），共 {len(tl)} 个年份。" if zh else
                f"Every {gaps[-1]} years (the last step may be shorter): {len(tl)} years shown.")
        cols = [c for c in ("year", "firms", "local_firms", "links", "index", "segment_coverage", "link_coverage",
                            "leader_dominance", "leader_dependence") if c in tl.columns]
        d.table(tl[cols].map(_fmt))
    else:
        d.h(2, t("timeline", lang))
        d.p("无历年变化：数据中企业与联系的年份（founded、exited、year、until）不足两年。" if zh else
            "No timeline: the data date firms and links (founded, exited, year, until) in fewer than two years.")
    d.h(2, t("sources", lang))
    for src in cluster.meta.get("sources", []):
        d.p(f"[{src.get('key')}] {src.get('cite', '')}" + (f" {src['note']}" if src.get("note") else ""))
    ev = cluster.firms["evidence"].value_counts()
    d.p(f"企业证据：报道 {int(ev.get('reported', 0))} 家，模拟 {int(ev.get('modeled', 0))} 家（模拟数据不是事实）。"
         if zh else f"Firm evidence: {int(ev.get('reported', 0))} reported, {int(ev.get('modeled', 0))} modeled "
                    "(modeled data are constructed, not facts).")
    d.p(f"chainnet {__version__}")
    return d


def _bodies_line(cluster: Cluster, zh: bool) -> str:
    """'N firms and bodies (L local firms, E external, I institutions, S services)': the parts add up to N."""
    f = cluster.firms
    ext = f["external"].to_numpy(dtype=bool)
    parts = [("local firms", "本地企业", int(cluster.local_mask.sum())), ("external", "外部企业", int(ext.sum()))]
    parts += [(word, word_zh, int(((f["role"] == role).to_numpy() & ~ext).sum()))
              for role, word, word_zh in (("institution", "institutions", "科研机构"), ("service", "services", "服务机构"))]
    shown = [p for k, p in enumerate(parts) if k == 0 or p[2]]
    if zh:
        return f"{len(f):,} 家企业与机构（" + "，".join(f"{w} {n:,} 家" for _, w, n in shown) + "）"
    return f"{len(f):,} firms and bodies (" + ", ".join(f"{n:,} {w}" for w, _, n in shown) + ")"


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
