"""The ``chainnet`` command line: a thin layer over the library.

Exit codes: 0 ok, 1 bad data (with every problem listed), 2 bad usage.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable
from typing import Any

import click

import chainnet.datasets as _datasets

from ._version import __version__
from ._errors import ChainnetError, DataWarning
from .io import FORMATS, read_cluster, write_cluster
from .model import Cluster
from .template import builtin_templates, load_template

CLUSTER_HELP = "PATH is a cluster folder, an .xlsx workbook, a .graphml/.gexf/.json file or a bundled dataset id."


class _Group(click.Group):
    """Turns library errors into a readable message and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DataWarning)
                try:
                    return super().invoke(ctx)
                finally:
                    for w in caught:
                        if issubclass(w.category, DataWarning):
                            click.echo(f"warning: {w.message}", err=True)
                        else:
                            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        except ChainnetError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


def _load(path: str) -> Cluster:
    return read_cluster(path)


def cluster_argument(f: Callable) -> Callable:
    """The PATH argument every cluster command takes."""
    return click.argument("path", metavar="PATH")(f)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="chainnet")
def main() -> None:
    """chainnet: industrial clusters as networks of firms.

    Audit a cluster against its reference industry chain (chain completeness, gaps to fill,
    extend, connect and strengthen) and measure how central its leader firms are.

    \b
    Examples:
      chainnet datasets
      chainnet validate demo_copper
      chainnet export demo_copper --to xlsx -o demo.xlsx
    """


@main.command()
@cluster_argument
def validate(path: str) -> None:
    """Check a cluster against the data contract and print a one-line summary.

    Every problem is listed at once with its file, row and column; the exit code is 1 when
    there is any. PATH is a cluster folder, an .xlsx workbook, a .graphml/.gexf/.json file or
    a bundled dataset id.

    \b
    Example:
      chainnet validate datasets/demo_copper
    """
    c = _load(path)
    s = c.summary()
    tpl = ", ".join(f"{t.id} ({len(t.segments)} segments)" for t in c.templates)
    click.echo(f"ok: {s['id']}: {s['firms']:,} firms ({s['local_firms']:,} local, {s['external_firms']:,} external), "
               f"{s['links']:,} links, {s['segments']} template segments [{tpl}]")


@main.command()
@cluster_argument
@click.option("--to", "fmt", type=click.Choice(FORMATS), required=True, help="Output format.")
@click.option("-o", "--output", required=True, type=click.Path(), help="Output file or folder.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def export(path: str, fmt: str, output: str, force: bool) -> None:
    """Write a cluster as a folder (CSV + TOML), an Excel workbook, GraphML, GEXF or node-link JSON.

    \b
    Example:
      chainnet export demo_copper --to gexf -o demo.gexf     # open in Gephi
    """
    c = _load(path)
    out = write_cluster(c, output, to=fmt, overwrite=force)
    click.echo(f"wrote {out}", err=True)


@main.group(invoke_without_command=True)
@click.pass_context
def templates(ctx: click.Context) -> None:
    """List the built-in reference chains; `templates show ID` prints one.

    \b
    Example:
      chainnet templates show copper
    """
    if ctx.invoked_subcommand is None:
        rows = []
        for tid in builtin_templates():
            t = load_template(tid)
            rows.append((t.id, str(len(t.segments)), str(len(t.flows)), t.name, t.name_zh or ""))
        _print_table(("id", "segments", "flows", "name", "name_zh"), rows)


@templates.command("show")
@click.argument("template_id", metavar="ID_OR_PATH")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "toml"]), default="table", show_default=True)
def templates_show(template_id: str, fmt: str) -> None:
    """Show one template's segments (upstream to downstream) and flows."""
    t = load_template(template_id)
    if fmt == "toml":
        click.echo(t.to_toml())
        return
    if fmt == "json":
        click.echo(json.dumps(t.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{t.id}: {t.name}" + (f" / {t.name_zh}" if t.name_zh else ""))
    seg = t.segments.set_index("id")
    rows = [(s, seg.at[s, "stage"], f"{seg.at[s, 'weight']:g}", seg.at[s, "name"], seg.at[s, "name_zh"] or "")
            for s in t.order]
    _print_table(("segment", "stage", "weight", "name", "name_zh"), rows)
    click.echo("")
    _print_table(("from", "to", "weight"), [(f.a, f.b, f"{f.w:g}") for f in
                                             t.flows.rename(columns={"from": "a", "to": "b", "weight": "w"}).itertuples()])


@main.command("datasets")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def datasets_cmd(fmt: str) -> None:
    """List the bundled datasets (use their id wherever a command takes PATH)."""
    rows = _datasets.info()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    _print_table(("id", "firms", "links", "templates", "year", "name"),
                 [(r["id"], str(r["firms"]), str(r["links"]), "+".join(r["templates"]), str(r["year"] or ""),
                   r["name"]) for r in rows])


_AUDIT_WORDS = {
    "en": {"title": "Chain completeness audit", "template": "template", "segment_coverage": "segment coverage",
           "link_coverage": "link coverage", "path_completeness": "path completeness", "index": "completeness index",
           "local_sourcing": "local sourcing rate", "segments": "Segments (upstream to downstream)",
           "flows": "Flows", "gaps": "Gaps (largest impact first)", "candidates": "Candidates",
           "none": "none", "yes": "yes",
           "seg_head": ("segment", "name", "stage", "weight", "status", "firms", "external", "local sourcing"),
           "flow_head": ("from", "to", "weight", "status", "pairs"),
           "gap_head": ("#", "type", "item", "impact (pts)", "reason"),
           "cand_head": ("gap", "#", "firm", "cluster", "why")},
    "zh": {"title": "产业链完整度审计", "template": "参考产业链", "segment_coverage": "环节覆盖率",
           "link_coverage": "衔接覆盖率", "path_completeness": "路径完整度", "index": "完整度指数",
           "local_sourcing": "本地配套率", "segments": "环节（从上游到下游）", "flows": "上下游衔接",
           "gaps": "补链 / 延链 / 断链 / 强链清单（按影响从大到小）", "candidates": "招商与配套候选企业",
           "none": "无", "yes": "有",
           "seg_head": ("环节", "名称", "阶段", "权重", "状态", "本地企业", "外地供给", "本地配套率"),
           "flow_head": ("上游环节", "下游环节", "权重", "状态", "企业对数"),
           "gap_head": ("序号", "类型", "对象", "影响（百分点）", "说明"),
           "cand_head": ("缺口", "排名", "企业", "所在集群", "理由")},
}
_STAGE_ZH = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}


@main.command("audit")
@cluster_argument
@click.option("--template", "template", metavar="ID_OR_PATH", default=None,
              help="Audit against this template (built-in id or .toml path) instead of the cluster's own.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="Output: aligned text tables, the full audit as JSON, or one table as CSV.")
@click.option("--table", "which", type=click.Choice(["segments", "flows", "gaps", "candidates"]), default=None,
              help="Only this table (table format; default all) / the table written as CSV (default gaps).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of names, headings and status words in table output.")
@click.option("--candidates", "candidate_paths", multiple=True, metavar="PATH",
              help="Cluster (folder, file or dataset id) or firms .csv to search for investment targets; repeatable.")
@click.option("--top", type=click.IntRange(min=0), default=5, show_default=True, help="Candidates kept per gap.")
def audit_cmd(path: str, template: str | None, fmt: str, which: str | None, lang: str,
              candidate_paths: tuple[str, ...], top: int) -> None:
    """Audit a cluster against its reference chain: completeness, gaps (补链/延链/断链/强链), candidates.

    Prints the four completeness figures, every segment's and flow's status, the gap list sorted
    by impact on the completeness index, and firms that could fill or strengthen a segment.
    PATH is a cluster folder, an .xlsx workbook, a .graphml/.gexf/.json file or a bundled dataset id.

    \b
    Examples:
      chainnet audit demo_copper
      chainnet audit demo_copper --lang zh
      chainnet audit demo_copper --format csv --table segments > segments.csv
      chainnet audit my_cluster --candidates demo_copper --format json
    """
    from pathlib import Path

    from .analysis.completeness import audit
    from .io import read_csv_table

    if fmt == "json" and which is not None:
        raise click.UsageError("--table applies to --format table or csv; JSON holds every table")
    c = _load(path)
    pools = [read_csv_table(Path(p)) if p.lower().endswith(".csv") else _load(p) for p in candidate_paths]
    a = audit(c, template=template, candidates=pools or None, top=top)
    if fmt == "json":
        click.echo(json.dumps(a.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(getattr(a, which or "gaps").to_csv(index=False), nl=False)
    else:
        click.echo(_audit_text(a, lang=lang, which=which))


def _audit_text(a: Any, *, lang: str, which: str | None) -> str:
    """The audit as headed, aligned text tables in English or Chinese."""
    from .analysis.completeness import GAP_ZH, STATUS_ZH

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
        figures = [(w[k], pct(a.completeness[k])) for k in ("segment_coverage", "link_coverage",
                                                             "path_completeness", "index")]
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
        out += ["", w["gaps"], format_table(head, rows) if rows else w["none"]]
    if which == "candidates" or (which is None and len(a.candidates)):
        rows = [(f"{word(r.type)} {names[(r.template, r.segment)] if zh else r.segment}", str(r.rank),
                 (r.name_zh if zh and isinstance(r.name_zh, str) else r.name), r.cluster, r.why_zh if zh else r.why)
                for r in a.candidates.itertuples(index=False)]
        out += ["", w["candidates"], format_table(w["cand_head"], rows) if rows else w["none"]]
    return "\n".join(out).lstrip("\n")


def _width(s: str) -> int:
    """Terminal cells taken by ``s``: East Asian wide characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    click.echo(format_table(header, rows))


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Aligned plain-text table; CJK text counts double width so columns line up in a terminal.

    >>> print(format_table(("a", "名称"), [("x", "铜"), ("yy", "b")]))
    a   名称
    --  ----
    x   铜
    yy  b
    """
    rows = [tuple("" if c is None else str(c) for c in r) for r in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(header), line(tuple("-" * w for w in widths))] + [line(r) for r in rows])


@main.command("leaders")
@cluster_argument
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="table: figures, leaders, top firms and role mismatches; json: everything; csv: the per-firm table.")
@click.option("--top", type=click.IntRange(min=0), default=20, show_default=True,
              help="Firms listed in table output (highest PageRank first).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the betweenness pivot sample.")
def leaders_cmd(path: str, fmt: str, top: int, seed: int) -> None:
    """Leader centrality: how much of the cluster hangs on its leader firms, and whether roles fit.

    Prints leader dominance, SME attachment, leader reach, degree centralization and leader
    dependence (docs/leaders.md), each leader's reach and weight, the most central firms
    (PageRank, betweenness, k-core) and firms whose declared role does not fit their size and
    position. PATH is a cluster folder, an .xlsx workbook, a .graphml/.gexf/.json file or a
    bundled dataset id.

    \b
    Examples:
      chainnet leaders demo_copper
      chainnet leaders demo_copper --format csv > firms.csv
    """
    from .analysis.centrality import leaders

    c = _load(path)
    r = leaders(c, seed=seed)
    if fmt == "json":
        click.echo(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        firms = r.firms.assign(segments=r.firms["segments"].map(";".join))
        click.echo(firms.to_csv(index=False), nl=False)
    else:
        click.echo(_leaders_text(c, r, top=top))


def _pct(x: float | None) -> str:
    return "—" if x is None or x != x else f"{x * 100:.1f}%"


def _num(x: Any, fmt: str = ".3f") -> str:
    return "—" if x is None or (isinstance(x, float) and x != x) else format(x, fmt)


def _leaders_text(c: Cluster, r: Any, *, top: int) -> str:
    """Leader centrality as headed, aligned text tables."""
    out = [f"Leader centrality: {c.name} ({c.id}), {len(r.firms):,} local firms, "
           f"{int(r.firms['out_degree'].sum()):,} local supply links"]
    dep = r.leader_dependence
    figures = [("leader dominance", _pct(r.leader_dominance), "share of supply weight with a leader at either end"),
               ("SME attachment", _pct(r.sme_attachment), "share of SMEs trading directly with a leader"),
               ("leader reach", _pct(r.leader_reach), "share of other firms within two supply hops of a leader"),
               ("degree centralization", _num(r.degree_centralization), "Freeman; 1 = a star"),
               ("leader dependence", "—" if dep is None else f"{dep * 100:.1f} pts",
                "completeness index lost if all leaders left"),
               ("betweenness", r.betweenness_method, "")]
    out.append(format_table(("", "", ""), figures).split("\n", 2)[2])
    rows = [(x.firm_id, x.name, _pct(x.weight_share), str(x.partners), str(x.firms_reached), str(x.smes_attached),
             str(x.smes_reached), str(len(x.segments_reached)),
             "—" if x.completeness_lost is None or x.completeness_lost != x.completeness_lost
             else f"{x.completeness_lost * 100:.1f}")
            for x in r.leaders.itertuples(index=False)]
    out += ["", "Leaders",
            format_table(("firm", "name", "weight share", "partners", "within 2 hops", "SMEs attached",
                          "SMEs within 2 hops", "segments reached", "completeness lost (pts)"), rows)
            if rows else "no local firm is declared a leader"]
    if top:
        best = r.firms.sort_values(["pagerank", "firm_id"], ascending=[False, True]).head(top)
        rows = [(x.firm_id, x.name, x.role, x.inferred_role, str(x.out_degree), str(x.in_degree), str(x.partners),
                 _num(x.pagerank, ".4f"), _num(x.betweenness, ".4f"), str(x.kcore))
                for x in best.itertuples(index=False)]
        out += ["", f"Firms by PageRank (top {len(rows)} of {len(r.firms):,})",
                format_table(("firm", "name", "role", "inferred", "sells to", "buys from", "partners", "pagerank",
                              "betweenness", "k-core"), rows)]
    mm = r.mismatches
    out += ["", f"Role mismatches ({len(mm):,})"]
    out.append(format_table(("firm", "name", "declared", "inferred", "what to check"),
                            [(x.firm_id, x.name, x.role, x.inferred_role, x.note) for x in mm.itertuples(index=False)])
               if len(mm) else "none: every declared role fits the firm's size and position")
    return "\n".join(out)


@main.command("structure")
@cluster_argument
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="table: headed sections; json: everything; csv: a figure,value table.")
@click.option("--null-models", "null_models", type=click.IntRange(min=0), default=20, show_default=True,
              help="Degree-preserving random networks for the z-scores (0: none).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of communities and random networks.")
def structure_cmd(path: str, fmt: str, null_models: int, seed: int) -> None:
    """Cluster structure: bow-tie, communities, core-periphery, mixing, typology and z-scores.

    Classifies the cluster (Markusen's Marshallian, hub-and-spoke, satellite platform,
    state-anchored; leader + backbone + SMEs or related firms) with the rule that fired and its
    numbers, and compares the structural figures with random networks that keep every firm's
    numbers of suppliers and buyers (docs/structure.md). PATH is a cluster folder, an .xlsx
    workbook, a .graphml/.gexf/.json file or a bundled dataset id.

    \b
    Examples:
      chainnet structure demo_copper
      chainnet structure demo_copper --null-models 100 --seed 7 --format json
    """
    from .analysis.structure import structure

    c = _load(path)
    s = structure(c, seed=seed, null_models=null_models)
    if fmt == "json":
        click.echo(json.dumps(s.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(s.table().to_csv(index=False), nl=False)
    else:
        click.echo(_structure_text(c, s))


def _structure_text(c: Cluster, s: Any) -> str:
    """Cluster structure as headed, aligned text tables."""
    f = s.figures
    sig = s.significance.set_index("figure")
    out = [f"Cluster structure: {c.name} ({c.id}), {f['n_firms']:,} local firms, {f['n_links']:,} local supply links"]
    names = {"density": "density", "reciprocity": "reciprocity", "core_share": "strongly connected core share",
             "modularity": "modularity", "assortativity": "degree assortativity",
             "transitivity": "transitivity", "average_clustering": "average clustering",
             "degree_centralization": "degree centralization", "max_kcore": "largest k-core"}
    rows = []
    for k, label in names.items():
        z = sig.at[k, "z"] if k in sig.index else None
        mean = sig.at[k, "null_mean"] if k in sig.index else None
        rows.append((label, _num(f[k], "d" if k == "max_kcore" else ".3f"), _num(mean), _num(z, "+.2f")))
    out.append(format_table(("figure", "value", "random mean", "z"), rows))
    nm = s.null_model
    out.append(f"random networks: {nm['null_models']} ({nm['swaps_per_link']} swap rounds each, seed {nm['seed']}); "
               "every firm keeps its numbers of suppliers and buyers")
    b = s.bowtie
    out += ["", "Bow-tie (direction of supply)"]
    if b.get("core") is None:
        out.append(b["note"])
    else:
        out.append(format_table(("part", "firms", "share"), [(p, f"{b[p]['size']:,}", _pct(b[p]["share"]))
                                                              for p in ("core", "in", "out", "tubes", "tendrils",
                                                                        "disconnected")]))
    out += ["", f"Communities: {f['n_communities']:,} of two or more firms, {f['singletons']:,} single firms; "
                f"{s.community_method}"]
    rows = [(str(x.community), f"{x.size:,}", str(x.leaders), str(x.backbone), str(x.smes), x.main_segment or "",
             _pct(x.internal_links), ", ".join(x.leader_ids)) for x in s.communities.head(10).itertuples(index=False)]
    if rows:
        out.append(format_table(("#", "firms", "leaders", "backbone", "SMEs", "main segment", "links inside",
                                 "leader firms"), rows))
    cp = s.core_periphery
    out += ["", "Core-periphery"]
    out.append("not defined (fewer than four firms or no links)" if cp["core_size"] is None else
               f"core of {cp['core_size']:,} firms ({_pct(cp['core_share'])}), fit {cp['fit']:.3f}, core density "
               f"{cp['core_density']:.3f}, periphery density {cp['periphery_density']:.3f}; roles in the core: "
               + ", ".join(f"{k} {v}" for k, v in (cp.get("core_roles") or {}).items()))
    out.append(f"method: {cp['method']}")
    t = s.typology
    out += ["", f"Typology: {t['type']}" + (f" (also {', '.join(t['matched'][1:])})" if len(t["matched"]) > 1 else "")]
    for x in t["rules"]:
        numbers = ", ".join(f"{k.replace('_', ' ')} {_num(v) if isinstance(v, float) else v}"
                            for k, v in x["values"].items())
        out += [f"  [{'x' if x['fired'] else ' '}] {x['type']}: {x['rule']}", f"      {numbers}"]
    out.append(f"pattern: {t['pattern']} ({t['pattern_rule']})")
    return "\n".join(out)


def _generate_structures() -> tuple[str, ...]:
    from .generate import STRUCTURES

    return STRUCTURES


@main.command("generate")
@click.option("--template", "templates", multiple=True, required=True, metavar="ID_OR_PATH",
              help="Reference chain: a built-in id or a .toml file; repeat it for a cluster of several chains.")
@click.option("--firms", type=click.IntRange(min=1), default=200, show_default=True,
              help="Firms (leader, backbone, SME), local and external; institutions and services come on top.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed; the same seed gives the same cluster.")
@click.option("-o", "--output", required=True, type=click.Path(), help="Output folder or file.")
@click.option("--leaders", type=click.IntRange(min=0), default=3, show_default=True, help="Local leader firms.")
@click.option("--backbone-share", type=click.FloatRange(0, 1), default=0.15, show_default=True,
              help="Share of backbone firms among the local non-leader firms.")
@click.option("--structure", type=click.Choice(_generate_structures()), default="hub_and_spoke", show_default=True,
              help="Network structure (Markusen's typology of industrial districts).")
@click.option("--missing", multiple=True, metavar="SEG", help="A segment no local firm holds (repeatable, or comma-separated).")
@click.option("--broken", multiple=True, metavar="A->B", help="A flow left unlinked although both segments are held.")
@click.option("--weak", multiple=True, metavar="SEG", help="A segment held by exactly one local firm.")
@click.option("--external-share", type=click.FloatRange(0, 1, max_open=True), default=0.1, show_default=True,
              help="Share of the firms outside the cluster boundary.")
@click.option("--links-per-firm", type=click.FloatRange(min=0), default=5.0, show_default=True,
              help="Links of all kinds per firm.")
@click.option("--id", "cluster_id", default=None, help="Cluster id (default synthetic_<template>_<seed>).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: from the suffix of OUTPUT, else folder).")
@click.option("--validate", is_flag=True, help="Build the cluster through full validation (slower).")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def generate_cmd(templates: tuple[str, ...], firms: int, seed: int, output: str, leaders: int, backbone_share: float,
                 structure: str, missing: tuple[str, ...], broken: tuple[str, ...], weak: tuple[str, ...],
                 external_share: float, links_per_firm: float, cluster_id: str | None, fmt: str | None,
                 validate: bool, force: bool) -> None:
    """Generate a synthetic cluster with known gaps, write it, and print its ground truth as JSON.

    Every segment not named missing or weak is held by two or more local firms and every flow
    not named broken is realised by two or more firm pairs, so `chainnet audit` on the output
    finds exactly the gaps given here. Progress goes to stderr for large clusters.

    \b
    Examples:
      chainnet generate --template copper --firms 500 --missing hvac --broken "scrap->rod" --weak tube -o synth
      chainnet generate --template steel --template petrochemical --structure state_anchored -o fused.xlsx
    """
    import time

    from .generate import generate

    start = time.perf_counter()

    def progress(msg: str) -> None:
        click.echo(f"[{time.perf_counter() - start:6.1f}s] {msg}", err=True)

    def split(items: tuple[str, ...]) -> list[str]:
        return [x.strip() for item in items for x in item.split(",") if x.strip()]

    g = generate(list(templates), firms=firms, leaders=leaders, backbone_share=backbone_share, structure=structure,
                 missing=split(missing), broken=split(broken), weak=split(weak), external_share=external_share,
                 links_per_firm=links_per_firm, seed=seed, id=cluster_id, validate=validate,
                 progress=progress if firms >= 100_000 else None)
    out = write_cluster(g.cluster, output, to=fmt, overwrite=force)
    if firms >= 100_000:
        progress(f"wrote {out}")
    else:
        click.echo(f"wrote {out}", err=True)
    click.echo(json.dumps(g.truth, ensure_ascii=False, indent=2))


@main.command("analyze")
@click.argument("path", metavar="[PATH]", required=False, default="tongling_copper")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Report folder to create.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the report, tables and figures.")
@click.option("--format", "formats", default="md,html,xlsx", show_default=True,
              help="Comma-separated report formats: md, html, xlsx (results.json and figures/ are always written).")
@click.option("--candidates", "candidate_paths", multiple=True, metavar="PATH",
              help="Other clusters whose firms may fill gaps (招商); repeatable. Default: every other bundled dataset.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for communities and random networks.")
@click.option("--null-models", type=click.IntRange(0), default=20, show_default=True,
              help="Degree-preserving random networks for the structure z-scores.")
@click.option("--dpi", type=click.IntRange(30, 1200), default=200, show_default=True, help="PNG resolution.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists and is not empty.")
@click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
def analyze_cmd(path: str, output: str, lang: str, formats: str, candidate_paths: tuple[str, ...], seed: int,
                null_models: int, dpi: int, force: bool, quiet: bool) -> None:
    """Analyse a cluster and write a report folder: chain map, gap lists, leaders, structure.

    Writes report.md, report.html (self-contained), report.xlsx (one sheet per list),
    figures/ (PNG and SVG) and results.json into OUTPUT. Without PATH it analyses the bundled
    Tongling copper cluster. PATH is a cluster folder, an .xlsx workbook, a graph file or a
    bundled dataset id.

    \b
    Examples:
      chainnet analyze -o tongling_report
      chainnet analyze my_cluster.xlsx -o report --lang zh
    """
    from .report import REPORT_FORMATS, analyze

    fmts = tuple(f.strip() for f in formats.split(",") if f.strip())
    bad = [f for f in fmts if f not in REPORT_FORMATS]
    if bad:
        raise click.BadParameter(f"unknown format(s) {', '.join(bad)}; use md, html, xlsx", param_hint="--format")
    say = (lambda msg: None) if quiet else (lambda msg: click.echo(f"chainnet: {msg} ...", err=True))
    say(f"reading {path}")
    c = _load(path)
    if candidate_paths:
        cands = [_load(p) for p in candidate_paths]
    else:
        cands = [_datasets.load(d) for d in _datasets.available() if d != c.id]
    out = analyze(c, output, lang=lang, formats=fmts, candidates=cands, seed=seed, null_models=null_models,
                  force=force, dpi=dpi, progress=say)
    click.echo(str(out))


PLOT_KINDS = ("chain", "network", "leaders", "completeness", "bowtie", "degree")


@main.command("plot")
@cluster_argument
@click.option("--kind", type=click.Choice(PLOT_KINDS), default="chain", show_default=True,
              help="chain: chain map; network: supply network by community; leaders: leader centrality; "
                   "completeness: firms per segment by status; bowtie: bow-tie structure; degree: degree distribution.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Figure file; the format follows its extension: .png, .svg or .pdf.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of names, legend and title.")
@click.option("--dpi", type=click.IntRange(min=10, max=2400), default=200, show_default=True,
              help="Resolution of PNG output.")
@click.option("--orientation", type=click.Choice(["horizontal", "vertical"]), default="horizontal",
              show_default=True, help="Chain map lanes left to right or top to bottom.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of layouts and community detection.")
def plot_cmd(path: str, kind: str, output: str, lang: str, dpi: int, orientation: str, seed: int) -> None:
    """Draw a figure of a cluster and save it as PNG, SVG or PDF.

    The same input and seed give byte-identical files. Chinese text (--lang zh) uses the Noto
    Sans CJK SC font installed with chainnet. PATH is a cluster folder, an .xlsx workbook, a
    .graphml/.gexf/.json file or a bundled dataset id.

    \b
    Examples:
      chainnet plot demo_copper -o chain.png
      chainnet plot demo_copper --lang zh --orientation vertical -o chain_zh.pdf
      chainnet plot demo_copper --kind network --seed 1 -o network.svg
    """
    from pathlib import Path

    if Path(output).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise click.BadParameter(f"cannot tell the figure format of {output!r}; use a file name ending in .png, "
                                 ".svg or .pdf", param_hint="-o/--output")
    from . import viz

    c = _load(path)
    makers = {
        "chain": lambda: viz.chain_map(c, lang=lang, orientation=orientation, seed=seed),
        "network": lambda: viz.network(c, lang=lang, seed=seed),
        "leaders": lambda: viz.leader_chart(c, lang=lang, seed=seed),
        "completeness": lambda: viz.completeness_chart(c, lang=lang),
        "bowtie": lambda: viz.bowtie(c, lang=lang, seed=seed),
        "degree": lambda: viz.degree_distribution(c, lang=lang),
    }
    fig, _ = makers[kind]()
    out = viz.save(fig, output, dpi=dpi)
    click.echo(f"wrote {out}", err=True)

def run() -> None:  # pragma: no cover - console entry point
    main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())



def _register_command_modules() -> None:
    """Add the commands of every module in :mod:`chainnet.commands` (each has ``register(main)``)."""
    import importlib
    import pkgutil

    from . import commands

    for mod in sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")):
        importlib.import_module(f"chainnet.commands.{mod}").register(main)


_register_command_modules()
