"""``chainnet audit``: chain completeness, gaps (补链/延链/断链/强链) and candidate firms."""

from __future__ import annotations

import json
from typing import Any

import click

from .._messages import t, words
from ._common import cluster_argument, format_table, load, split_many

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
    @click.option("--top", type=click.IntRange(min=0), default=5, show_default=True, help="Candidates kept per gap, in all (for a strengthen gap: firms elsewhere first, up to half, then "
                       "local firms).")
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

    w = words("audit", lang)
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
