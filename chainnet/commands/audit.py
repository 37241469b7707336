"""``chainnet audit``: chain completeness, gaps (补链/延链/断链/强链) and candidate firms."""

from __future__ import annotations

import json
from typing import Any

import click

from .._messages import t
from ._common import cluster_argument, format_table, load, split_many

_AUDIT_WORDS = {
    "en": {"title": "Chain completeness audit", "template": "template", "segment_coverage": "segment coverage",
           "link_coverage": "link coverage", "path_completeness": "path completeness", "index": "completeness index",
           "local_sourcing": "local sourcing rate", "segments": "Segments (upstream to downstream)",
           "flows": "Flows", "gaps": "Gaps (largest impact first)", "candidates": "Candidates",
           "none": "none", "yes": "yes",
           "seg_head": ("segment", "name", "stage", "weight", "status", "firms", "external", "local sourcing"),
           "flow_head": ("from", "to", "weight", "status", "pairs"),
           "gap_head": ("#", "type", "item", "impact (pts)", "reason"),
           "cand_head": ("gap", "#", "firm", "cluster", "why"),
           "gaps_unknown": "Gaps (largest rise of segment coverage first)",
           "survey_head": ("#", "from", "to", "firm pairs to ask", "flow weight share")},
    "zh": {"title": "产业链完整度审计", "template": "参考产业链", "segment_coverage": "环节覆盖率",
           "link_coverage": "衔接覆盖率", "path_completeness": "路径完整度", "index": "完整度指数",
           "local_sourcing": "本地配套率", "segments": "环节（从上游到下游）", "flows": "上下游衔接",
           "gaps": "补链 / 延链 / 断链 / 强链清单（按影响从大到小）", "candidates": "招商与配套候选企业",
           "none": "无", "yes": "有",
           "seg_head": ("环节", "名称", "阶段", "权重", "状态", "本地企业", "外地供给", "本地配套率"),
           "flow_head": ("上游环节", "下游环节", "权重", "状态", "企业对数"),
           "gap_head": ("序号", "类型", "对象", "影响（百分点）", "说明"),
           "cand_head": ("缺口", "排名", "企业", "所在集群", "理由"),
           "gaps_unknown": "补链 / 延链 / 强链清单（按环节覆盖率提升从大到小）",
           "survey_head": ("序号", "上游环节", "下游环节", "待核实企业对数", "衔接权重占比")},
}
_STAGE_ZH = {k: t(k, "zh") for k in ("upstream", "midstream", "downstream")}


def register(main: click.Group) -> None:
    """Add ``audit`` to the ``chainnet`` command group."""

    @main.command("audit")
    @cluster_argument
    @click.argument("more", nargs=-1, metavar="")
    @click.option("--template", "template", metavar="ID_OR_PATH", default=None,
                  help="Audit against this template (built-in id or .toml path) instead of the cluster's own.")
    @click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
                  help="Output: aligned text tables, the full audit as JSON, or one table as CSV.")
    @click.option("--table", "which", type=click.Choice(["segments", "flows", "gaps", "candidates", "survey"]),
                  default=None, help="Only this table (table format; default all) / the table written as CSV (default "
                                     "gaps). survey: the ties to verify when the cluster's links are unknown.")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of names, headings and status words in table output.")
    @click.option("--candidates", "candidate_paths", multiple=True, metavar="PATH",
                  help="Cluster (folder, file or dataset id) or firms .csv to search for investment targets: "
                       "--candidates A B, repeated, or A,B.")
    @click.option("--top", type=click.IntRange(min=0), default=5, show_default=True, help="Candidates kept per gap.")
    def audit_cmd(path: str, more: tuple[str, ...], template: str | None, fmt: str, which: str | None, lang: str,
                  candidate_paths: tuple[str, ...], top: int) -> None:
        """Audit a cluster against its reference chain: completeness, gaps (补链/延链/断链/强链), candidates.

        Prints the four completeness figures, every segment's and flow's status, the gap list sorted
        by impact on the completeness index, and firms that could fill or strengthen a segment.
        For a firm list without tie data (links = "unknown" in cluster.toml, or no links at all) the
        link figures are not measured: flows between covered segments are "unknown", not broken,
        and the ranked list of ties to survey is printed instead (docs/completeness.md).
        PATH is a cluster folder, an .xlsx workbook, a .graphml/.gexf/.json file or a bundled dataset id.

        \b
        Examples:
          chainnet audit demo_copper
          chainnet audit demo_copper --lang zh
          chainnet audit demo_copper --format csv --table segments > segments.csv
          chainnet audit my_cluster --candidates demo_copper --format json
        """
        from pathlib import Path

        from ..analysis.completeness import audit
        from ..io import read_csv_table

        if fmt == "json" and which is not None:
            raise click.UsageError("--table applies to --format table or csv; JSON holds every table")
        c = load(path)
        cand_ids = split_many(candidate_paths, more, option="--candidates")
        pools = [read_csv_table(Path(p)) if p.lower().endswith(".csv") else load(p) for p in cand_ids]
        a = audit(c, template=template, candidates=pools or None, top=top)
        if fmt == "json":
            click.echo(json.dumps(a.to_dict(), ensure_ascii=False, indent=2))
        elif fmt == "csv":
            click.echo(getattr(a, which or "gaps").to_csv(index=False), nl=False)
        else:
            click.echo(_audit_text(a, lang=lang, which=which))


def _audit_text(a: Any, *, lang: str, which: str | None) -> str:
    """The audit as headed, aligned text tables in English or Chinese."""
    from ..analysis.completeness import GAP_ZH, STATUS_ZH

    w = _AUDIT_WORDS[lang]
    zh = lang == "zh"
    multi = len(a.templates) > 1

    def pct(x: float | None) -> str:
        return "—" if x is None or x != x else f"{x * 100:.1f}%"

    def word(s: str) -> str:
        return STATUS_ZH.get(s, GAP_ZH.get(s, s)) if zh else s

    def seg_name(r: Any) -> str:
        return r.name_zh if zh and isinstance(r.name_zh, str) else r.name

    names = {(r.template, r.segment): seg_name(r) for r in a.segments.itertuples(index=False)}
    tpl = (("产业链" if zh else "template"),) if multi else ()
    out = []
    if which is None:
        if zh:
            chains = "、".join(f"{p['name_zh'] or p['name']}（{tid}）" for tid, p in a.per_template.items())
            out.append(f"{w['title']}：{a.cluster_name_zh or a.cluster_name}（{a.cluster}），{w['template']}：{chains}")
        else:
            out.append(f"{w['title']}: {a.cluster_name} ({a.cluster}), {w['template']} {'+'.join(a.templates)}")
        if not a.links_known:
            out.append(t("links_unknown", lang))
        figures = [(w[k], pct(a.completeness[k])) for k in ("segment_coverage", "link_coverage",
                                                             "path_completeness", "index")]
        if not a.links_known:
            figures.append((t("link_coverage_min", lang), pct(a.completeness["link_coverage_min"])))
        out.append(format_table(("", ""), [*figures, (w["local_sourcing"], pct(a.local_sourcing))]).split("\n", 2)[2])
    if which in (None, "segments"):
        rows = [(*((r.template,) if multi else ()), r.segment, seg_name(r), _STAGE_ZH[r.stage] if zh else r.stage,
                 f"{r.weight:g}", word(r.status), str(r.firms), w["yes"] if r.external_supply else "",
                 pct(r.local_sourcing)) for r in a.segments.itertuples(index=False)]
        out += ["", w["segments"], format_table(tpl + w["seg_head"], rows)]
    if which in (None, "flows"):
        col = {"from": "from_", "to": "to_"}
        rows = [(*((r.template,) if multi else ()), names[(r.template, r.from_)] if zh else r.from_,
                 names[(r.template, r.to_)] if zh else r.to_, f"{r.weight:g}", word(r.status), str(r.pairs))
                for r in a.flows.rename(columns=col).itertuples(index=False)]
        out += ["", w["flows"], format_table(tpl + w["flow_head"], rows)]
    if which in (None, "gaps"):
        rows = [(str(i), *((r.template,) if multi else ()), word(r.type), (names[(r.template, r.segment)] if zh else r.segment) if isinstance(r.segment, str)
                 else (f"{names[(r.template, r.from_)]}→{names[(r.template, r.to_)]}" if zh else r.id),
                 f"{r.impact * 100:.1f}", r.reason_zh if zh else r.reason)
                for i, r in enumerate(a.gaps.rename(columns={"from": "from_", "to": "to_"}).itertuples(index=False), 1)]
        head = (w["gap_head"][0], *tpl, *w["gap_head"][1:])
        out += ["", w["gaps"] if a.links_known else w["gaps_unknown"], format_table(head, rows) if rows else w["none"]]
    if which == "survey" or (which is None and not a.links_known):
        rows = [(str(i), names[(r.template, r.from_)] if zh else r.from_, names[(r.template, r.to_)] if zh else r.to_,
                 str(r.pairs), pct(r.link_share))
                for i, r in enumerate(a.survey.rename(columns={"from": "from_", "to": "to_"}).itertuples(index=False), 1)]
        out += ["", t("survey", lang), format_table(w["survey_head"], rows) if rows else w["none"]]
    if which == "candidates" or (which is None and len(a.candidates)):
        rows = [(f"{word(r.type)} {names[(r.template, r.segment)] if zh else r.segment}", str(r.rank),
                 (r.name_zh if zh and isinstance(r.name_zh, str) else r.name), r.cluster, r.why_zh if zh else r.why)
                for r in a.candidates.itertuples(index=False)]
        out += ["", w["candidates"], format_table(w["cand_head"], rows) if rows else w["none"]]
    return "\n".join(out).lstrip("\n")
