"""The report as typed blocks (headings, paragraphs, tables, figures), built once and rendered to
Markdown and HTML; every heading, sentence and header comes from the message catalogue."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._messages import msg, t
from .._version import __version__
from ..model import Cluster
from .tables import _fmt, _head, _joined, _name_col, _pct, _words


@dataclass(frozen=True)
class Heading:
    """A heading of ``level`` 1-3."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of plain text."""

    text: str


@dataclass(frozen=True)
class Table:
    """A table, shown as it is (the full list is in the workbook)."""

    df: pd.DataFrame


@dataclass(frozen=True)
class Figure:
    """A figure of ``figures/<name>.png`` with its caption."""

    name: str
    caption: str


Block = Heading | Paragraph | Table | Figure


@dataclass
class Document:
    """A report as a list of typed blocks."""

    lang: str
    blocks: list[Block] = field(default_factory=list)

    def h(self, level: int, text: str) -> None:
        self.blocks.append(Heading(level, text))

    def p(self, text: str) -> None:
        self.blocks.append(Paragraph(text))

    def table(self, df: pd.DataFrame, *, limit: int = 50, where: str = "results.json",
              fmt: Callable[[Any], Any] | None = None) -> None:
        """Add the first ``limit`` rows of ``df`` (formatted cell by cell with ``fmt``, after the cut,
        so a 10^5-row list costs no more than its shown rows) and, when rows are left out, a line
        saying how many and where the full table is (``where``: a file of the report folder)."""
        more = len(df) - limit
        shown = df.head(limit)
        self.blocks.append(Table(shown if fmt is None else shown.map(fmt)))
        if more > 0:
            self.p(msg("rep.more_in", self.lang, n=more, where=where))

    def fig(self, name: str, caption: str) -> None:
        self.blocks.append(Figure(name, caption))

    @property
    def title(self) -> str:
        return next((b.text for b in self.blocks if isinstance(b, Heading)), "chainnet report")


def _pct_cell(v: Any) -> Any:
    return _pct(v) if isinstance(v, float) else v


def build_document(cluster: Cluster, a: Any, ld: Any, st: Any, sheets: dict[str, pd.DataFrame],
                   figures: dict[str, str], *, lang: str) -> Document:
    """The report as blocks: every heading, sentence and header from the message catalogue."""
    zh = lang == "zh"
    d = Document(lang)
    name = cluster.meta.get("name_zh") if zh and cluster.meta.get("name_zh") else cluster.name
    d.h(1, msg("rep.title", lang, name=name))
    s = cluster.summary()
    chains = ("、" if zh else ", ").join((tp.name_zh if zh and tp.name_zh else tp.name) for tp in cluster.templates)
    c = a.completeness
    figs = {k: _pct(c[k]) for k in c}
    if not a.links_known:
        d.p(msg("rep.lead_unknown", lang, bodies=_bodies(cluster, lang), chains=chains, **figs))
    else:
        d.p(msg("rep.lead", lang, bodies=_bodies(cluster, lang), links=s["links"], chains=chains,
                local_sourcing=_pct(a.local_sourcing), **figs))
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
        d.table(sheets["survey"], limit=40, fmt=_pct_cell)
    d.h(3, t("gaps", lang))
    gaps = sheets["gaps"].copy()
    impact = t("impact", lang)
    gaps[impact] = gaps[impact].map(lambda v: f"{100 * v:.1f}")
    d.table(gaps.rename(columns={impact: t("impact_points", lang)}), limit=40)
    if len(sheets["candidates"]):
        d.h(3, t("candidates", lang))
        d.table(sheets["candidates"], limit=30, fmt=_fmt)
    d.h(2, t("leader_centrality", lang))
    if not ld.links_known:
        d.p(t("links_unknown", lang))
    if "leaders" in figures:
        d.fig("leaders", t("leader_centrality", lang))
    d.table(pd.DataFrame([(t(k, lang), _pct(v)) for k, v in ld.figures.items()],
                         columns=[t("figure", lang), t("value", lang)]))
    # a Series, not a dict: mapping ids through it is vectorised (a dict of 10^5 names costs seconds)
    names = pd.Series(_name_col(cluster.firms, lang).to_numpy(dtype=object),
                      index=cluster.firms["firm_id"].to_numpy(dtype=object))
    if len(ld.leaders):
        d.h(3, t("leaders", lang))
        lead = ld.leaders.assign(name=ld.leaders["firm_id"].map(names).fillna(ld.leaders["name"]),
                                 segments_reached=ld.leaders["segments_reached"].map(_joined))
        d.table(_head(lead, lang, {"name": "firm"}), where="firms.parquet", fmt=_fmt)
    mm = ld.mismatches
    if len(mm):
        d.h(3, t("mismatches", lang))
        shown = pd.DataFrame({t("firm_id", lang): mm["firm_id"], t("firm", lang): mm["firm_id"].map(names),
                              t("declared_role", lang): _words(mm["role"], lang),
                              t("inferred_role", lang): _words(mm["inferred_role"], lang),
                              t("note", lang): mm["note_zh"] if zh else mm["note"]})
        d.table(shown, limit=20, where="firms.parquet")
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
        d.p(msg("rep.null_models", lang, n=st.null_model["null_models"], seed=st.null_model["seed"]))
        d.table(_head(sig.assign(figure=_words(sig["figure"], lang)), lang), fmt=_fmt)
    d.h(2, t("position", lang))
    pos = sheets["position"]
    drop = [t(k, lang) for k in ("template", "chain_step", "sales")]
    d.table(pos.drop(columns=[c for c in drop if c in pos.columns]), fmt=_fmt)
    d.h(2, t("resilience", lang))
    if "resilience" in figures:
        d.fig("resilience", t("resilience", lang))
    d.table(sheets["resilience"], fmt=_fmt)
    sp = sheets["single_points"]
    if len(sp):
        d.h(3, t("single_points", lang))
        keep = [t(k, lang) for k in ("firm_id", "firm", "role", "index_drop", "reason")]
        d.table(sp[keep], limit=15, where="firms.parquet", fmt=_fmt)
    return _doc_tail(d, cluster, sheets, figures, lang=lang)


def _bodies(cluster: Cluster, lang: str) -> str:
    """'N firms and bodies (L local firms, E external, I institutions, S services)': the parts add up to N."""
    f = cluster.firms
    ext = f["external"].to_numpy(dtype=bool)
    parts = [("local_firms", int(cluster.local_mask.sum())), ("external", int(ext.sum()))]
    parts += [(role, int(((f["role"] == role).to_numpy() & ~ext).sum())) for role in ("institution", "service")]
    shown = [p for k, p in enumerate(parts) if k == 0 or p[1]]
    words = {"local_firms": ("local firms", "本地企业"), "external": ("external", "外部企业"),
             "institution": ("institutions", "科研机构"), "service": ("services", "服务机构")}
    sep = "，" if lang == "zh" else ", "
    return msg("rep.bodies", lang, firms=len(f), parts=sep.join(
        msg("rep.part", lang, n=n, what=words[k][lang == "zh"]) for k, n in shown))


def _doc_tail(d: Document, cluster: Cluster, sheets: dict[str, pd.DataFrame], figures: dict[str, str], *,
              lang: str) -> Document:
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
        year = tl[t("year", lang)] if t("year", lang) in tl.columns else tl.iloc[:, 0]
        steps = sorted({int(b) - int(a) for a, b in itertools.pairwise(year)})
        if steps and steps[-1] > 1:
            d.p(msg("rep.year_step", lang, step=steps[-1], n=len(tl)))
        cols = [t(k, lang) for k in ("year", "all_firms", "local_firms", "links", "index", "segment_coverage",
                                     "link_coverage", "leader_dominance", "leader_dependence")]
        d.table(tl[[c for c in cols if c in tl.columns]], fmt=_fmt)
    else:
        d.p(msg("rep.no_timeline", lang))
    d.h(2, t("sources", lang))
    for src in cluster.meta.get("sources", []):
        d.p(f"[{src.get('key')}] {src.get('cite', '')}" + (f" {src['note']}" if src.get("note") else ""))
    ev = cluster.firms["evidence"].value_counts()
    d.p(msg("rep.evidence", lang, reported=int(ev.get("reported", 0)), modeled=int(ev.get("modeled", 0))))
    d.p(msg("rep.version", lang, version=__version__))
    return d

