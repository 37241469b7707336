"""Commands ``compare`` (clusters side by side), ``timeline`` (one cluster year by year) and ``diff``."""

from __future__ import annotations

import re
from typing import Any

import click
import pandas as pd

from .._format import share
from ._common import (
    FORCE_OPTION,
    FORMAT_OPTION,
    check_figure_output,
    emit_csv,
    emit_json,
    format_table,
    load,
    save_figure,
)
from ._progress import QUIET_OPTION, Progress, size

_LANG = click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                     help="Language of the figure.")


def register(main: click.Group) -> None:
    main.add_command(compare_cmd)
    main.add_command(timeline_cmd)
    main.add_command(diff_cmd)


def parse_years(text: str) -> list[int]:
    """Years from ``2015:2022`` (both ends included), ``2010:2020:5`` (a step) or ``2012,2016,2021``
    (pieces may be mixed: ``2005,2010:2012``).

    >>> parse_years("2015:2018"), parse_years("2010:2020:5"), parse_years("2012, 2016:2017")
    ([2015, 2016, 2017, 2018], [2010, 2015, 2020], [2012, 2016, 2017])
    """
    years: list[int] = []
    for piece in (p.strip() for p in text.split(",")):
        m = re.fullmatch(r"(\d{3,4})(?::(\d{3,4})(?::(\d+))?)?", piece)
        if not m:
            raise click.BadParameter(f"{piece!r} is not a year, a range like 2015:2022 or a list like 2012,2021",
                                     param_hint="--years")
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        step = int(m.group(3)) if m.group(3) else 1
        if b < a or step < 1:
            raise click.BadParameter(f"{piece!r}: the range must run forward with a positive step",
                                     param_hint="--years")
        years.extend(range(a, b + 1, step))
    return sorted(set(years))


# -- formatting -----------------------------------------------------------------------------------
def _num(x: Any, fmt: str = ".3f") -> str:
    if x is None or (isinstance(x, float) and x != x) or x is pd.NA:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int) or (hasattr(x, "is_integer") and fmt == "d"):
        return f"{int(x):,}"
    if isinstance(x, (float,)) or hasattr(x, "dtype"):
        return format(float(x), fmt)
    return str(x)


def _pct(x: Any) -> str:
    return share(x)


def _signed(x: Any, pct: bool) -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and x != x):
        return "—"
    return f"{float(x) * 100:+.1f} pts" if pct else f"{float(x):+.3f}"


_SECTIONS: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("Size", [("firms", "firms", "d"), ("local_firms", "local firms", "d"), ("external_firms", "external firms", "d"),
              ("links", "links (all kinds)", "d"), ("supply_links", "local supply links", "d")]),
    ("Size-fair", [("density", "density", ".4f"), ("mean_partners", "mean supply partners", ".2f"),
                   ("leader_share", "leaders among local firms", "%"), ("sme_share", "SMEs among local firms", "%")]),
    ("Completeness (each against its own template)", [
        ("templates", "template", "s"), ("segment_coverage", "segment coverage", "%"),
        ("link_coverage", "link coverage", "%"), ("path_completeness", "path completeness", "%"),
        ("index", "completeness index", "%"), ("local_sourcing", "local sourcing rate", "%")]),
    ("Leaders", [("leader_dominance", "leader dominance", "%"), ("sme_attachment", "SME attachment", "%"),
                 ("leader_reach", "leader reach", "%"), ("degree_centralization", "degree centralization", "%"),
                 ("leader_dependence", "leader dependence (pts)", "pts")]),
    ("Structure (z: against degree-preserving random networks)", [
        ("type", "type", "s"), ("pattern", "pattern", "s"), ("n_communities", "communities", "d"),
        ("modularity", "modularity", ".3f"), ("z_modularity", "  z", "+.2f"),
        ("assortativity", "assortativity", ".3f"), ("z_assortativity", "  z", "+.2f"),
        ("transitivity", "transitivity", ".3f"), ("z_transitivity", "  z", "+.2f"),
        ("average_clustering", "average clustering", ".3f"), ("z_average_clustering", "  z", "+.2f"),
        ("reciprocity", "reciprocity", ".3f"), ("z_reciprocity", "  z", "+.2f"),
        ("core_share", "strongly connected core share", "%"), ("z_core_share", "  z", "+.2f"),
        ("cp_core_share", "core-periphery core share", "%")]),
]


def _cell(x: Any, fmt: str) -> str:
    if fmt == "%":
        return _pct(x)
    if fmt == "pts":
        return "—" if x is None or (isinstance(x, float) and x != x) else f"{float(x) * 100:.1f}"
    if fmt == "s":
        return "—" if x is None or (isinstance(x, float) and x != x) else str(x)
    if fmt == "d":
        return "—" if x is None or (isinstance(x, float) and x != x) else f"{int(x):,}"
    return _num(x, fmt)


def _compare_text(cmp: Any, clusters: list[Any]) -> str:
    t = cmp.table
    labels = list(t["cluster"])
    out = [f"Cluster comparison: {len(labels)} clusters"]
    if cmp.same_template:
        out.append(f"same template ({', '.join(cmp.shared_templates)}): segment mix compared segment by segment")
    else:
        out.append("templates differ: clusters are compared on template-free figures, the segment mix by stage; "
                   "completeness is each cluster against its own template")
    unknown = [lab for lab, c in zip(cmp.labels, clusters) if not c.links_known]
    if unknown:
        out.append(f"{', '.join(unknown)}: links unknown: link figures not measured (shown as —)")
    for title, rows in _SECTIONS:
        body = [(label, *(_cell(v, fmt) for v in t[key])) for key, label, fmt in rows]
        out += ["", title, format_table(("figure", *labels), body)]
    nm = cmp.settings
    out.append(f"random networks: {nm['null_models']} per cluster ({nm['swaps_per_link']} swap rounds each, "
               f"seed {nm['seed']}); every firm keeps its numbers of suppliers and buyers")
    if len(labels) > 1:
        d = cmp.distances
        rows = []
        for i, a in enumerate(labels):
            for b in labels[i + 1:]:
                rows.append((f"{a} / {b}", *(_num(d[m].at[a, b]) for m in ("degree", "triads", "spectral",
                                                                           "segment_mix", "combined"))))
        out += ["", "Topology distances (0 = alike, 1 = most different; docs/compare.md)",
                format_table(("pair", "degree", "triads", "spectral", "segment mix", "combined"), rows)]
        near = cmp.nearest()
        out += ["", "Most similar (combined distance)",
                format_table(("cluster", "most like", "distance"),
                             [(r.cluster, r.nearest, _num(r.combined)) for r in near.itertuples(index=False)])]
    if cmp.segments is not None:
        s = cmp.segments
        multi = len(cmp.shared_templates) > 1
        rows = [(*((r["template"],) if multi else ()), r["segment"], r["stage"],
                 *(f"{r[f'{lab} status']} ({int(r[f'{lab} firms'])})" for lab in labels))
                for r in s.to_dict("records")]
        out += ["", f"Segments on the shared template{'s' if multi else ''} "
                    f"{' + '.join(cmp.shared_templates)}: status (local firms)",
                format_table((*(("template",) if multi else ()), "segment", "stage", *labels), rows)]
    return "\n".join(out)


# -- compare ------------------------------------------------------------------------------------------
@click.command("compare")
@click.argument("paths", nargs=-1, required=True, metavar="PATH PATH...")
@FORMAT_OPTION
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Also draw a figure (.png, .svg or .pdf): see --figure.")
@click.option("--figure", "figure", type=click.Choice(["radar", "maps"]), default="radar", show_default=True,
              help="radar: completeness and leader shares of every cluster; maps: their chain maps as small multiples.")
@click.option("--null-models", "null_models", type=click.IntRange(min=0), default=20, show_default=True,
              help="Degree-preserving random networks per cluster (z-scores and triad profiles; 0: none); the "
                   "same default as `analyze` and `structure`, so their z-scores agree.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of communities and random networks.")
@_LANG
@FORCE_OPTION
@QUIET_OPTION
def compare_cmd(paths: tuple[str, ...], fmt: str, output: str | None, figure: str, null_models: int, seed: int,
                lang: str, force: bool, quiet: bool) -> None:
    """Compare clusters side by side: size, completeness, leaders, structure, and how alike they are.

    One column per cluster: counts, size-fair shares and densities, the completeness and leader
    figures, structure figures with z-scores against random networks; then topology distances
    (degree distribution, triad profile, spectrum, segment mix, combined) and, when the clusters
    share a template, a segment-by-segment table (docs/compare.md). PATH is a cluster folder, an
    .xlsx workbook, a .graphml/.gexf/.json file or a bundled dataset id; or one output folder of
    `chainnet batch` (its stored figures, and each cluster's nearest neighbour when the batch ran
    the similarity analysis; nothing is reloaded).

    \b
    Examples:
      chainnet compare demo_copper tongling_copper
      chainnet compare tongling_copper baotou_rare_earth shenzhen_battery --format csv > clusters.csv
      chainnet compare demo_copper tongling_copper -o radar.png
      chainnet compare demo_copper tongling_copper --figure maps -o maps.pdf
      chainnet compare batch_out --format csv > clusters.csv
    """
    from ..analysis.batch_compare import is_batch_folder
    from ..analysis.compare import compare

    if len(paths) == 1 and is_batch_folder(paths[0]):
        _compare_batch(paths[0], fmt)
        return
    if len(paths) < 2:
        raise click.UsageError("give at least two clusters to compare (for one cluster across years use "
                               "`chainnet timeline` or `chainnet diff PATH --years A B`)")
    check_figure_output(output, force=force)
    progress = Progress(quiet=quiet, lang=lang)
    clusters = [progress.load(p) for p in paths]
    if progress.big:
        sizes = [size(c) for c in clusters]
        progress("prog.cmd_compare", n=len(clusters), firms=sum(s["firms"] for s in sizes),
                 links=sum(s["links"] for s in sizes))
    cmp = compare(clusters, seed=seed, null_models=null_models)
    if fmt == "json":
        emit_json(cmp.to_dict())
    elif fmt == "csv":
        emit_csv(cmp.table)
    else:
        click.echo(_compare_text(cmp, clusters))
    if output is not None:
        from .. import viz

        if figure == "radar":
            rows = {r["cluster"]: {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
                    for r in cmp.table.to_dict("records")}
            fig, _ = viz.radar(rows, lang=lang)
        else:
            from ..viz.multiples import chain_maps

            fig, _ = chain_maps(dict(zip(cmp.labels, clusters)), audits=cmp.audits, lang=lang)
        click.echo(f"wrote {save_figure(fig, output, force=force)}", err=True)


def _compare_batch(path: str, fmt: str) -> None:
    """The figures of a batch folder, one row per cluster, with its nearest neighbour when signatures exist."""
    from ..analysis.batch_compare import batch_distances, read_batch

    table, _ = read_batch(path)
    has_signatures = "signature" in table.columns
    table = table.drop(columns=["signature", "content_hash", "analyses", "warnings"], errors="ignore")
    if has_signatures:
        d = batch_distances(path)["combined"]
        near = {lab: sorted(d.loc[lab].drop(lab).dropna().items(), key=lambda kv: (kv[1], kv[0]))[:1]
                for lab in d.index}
        labels = list(d.index)
        table = table.assign(nearest=[near[lab][0][0] if near[lab] else None for lab in labels],
                             distance=[float(near[lab][0][1]) if near[lab] else None for lab in labels])
    if fmt == "csv":
        emit_csv(table)
    elif fmt == "json":
        from ..analysis._json import records

        emit_json(records(table))
    else:
        cols = [c for c in ("cluster", "firms", "links", "index", "leader_dominance", "nearest", "distance")
                if c in table.columns]
        click.echo(format_table(tuple(cols), [tuple(_num(v) if isinstance(v, float) else v for v in r)
                                              for r in table[cols].itertuples(index=False)]))


# -- timeline -------------------------------------------------------------------------------------------
_TIMELINE_COLS = [("year", "year", "s"), ("firms", "firms", "d"), ("local_firms", "local", "d"),
                  ("entered", "entered", "d"), ("left", "left", "d"), ("supply_links", "supply links", "d"),
                  ("density", "density", ".4f"), ("segment_coverage", "segments", "%"), ("link_coverage", "flows", "%"),
                  ("path_completeness", "paths", "%"), ("index", "index", "%"),
                  ("leader_dominance", "leader dominance", "%"), ("leader_dependence", "leader dependence", "pts")]


@click.command("timeline")
@click.argument("path", metavar="PATH")
@click.option("--years", "years_text", default=None, metavar="SPEC",
              help="Years: 2015:2022 (both included), 2010:2020:5, or 2012,2016,2021. Default: from the first "
                   "year with a tenth of the cluster's local firms to its snapshot year.")
@FORMAT_OPTION
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Also draw the timeline as a line figure (.png, .svg or .pdf).")
@_LANG
@FORCE_OPTION
@QUIET_OPTION
def timeline_cmd(path: str, years_text: str | None, fmt: str, output: str | None, lang: str, force: bool,
                 quiet: bool) -> None:
    """A cluster year by year: firms, links, completeness and leader figures from its dated data.

    A firm counts in year Y when founded in or before Y and not exited by Y; a link when it
    started in or before Y, had not ended before Y and both its firms count (docs/compare.md).
    The bundled tongling_copper has founding and link years (modeled) up to its 2021 snapshot.

    \b
    Examples:
      chainnet timeline tongling_copper --years 2011:2021
      chainnet timeline tongling_copper --format csv > tongling_years.csv
      chainnet timeline tongling_copper -o tongling_years.png --lang zh
    """
    from ..analysis.timeline import timeline

    check_figure_output(output, force=force)
    years = parse_years(years_text) if years_text else None
    progress = Progress(quiet=quiet, lang=lang)
    c = progress.load(path)
    progress("prog.cmd_timeline", c)
    df = timeline(c, years=years)
    if fmt == "json":
        from ..analysis._json import records

        emit_json({"cluster": c.meta.get("id"), "years": [int(y) for y in df["year"]], "rows": records(df)})
    elif fmt == "csv":
        emit_csv(df)
    else:
        from .._messages import msg, t

        rows = [tuple(_cell(r[k], f) for k, _, f in _TIMELINE_COLS) for r in df.to_dict("records")]
        zh = lang == "zh"
        name = c.meta.get("name_zh") if zh and c.meta.get("name_zh") else c.name
        note = "" if c.links_known else msg("tl.links_unknown", lang) + "\n"
        head = tuple(t({"firms": "all_firms"}.get(k, k), lang) if zh else label for k, label, _ in _TIMELINE_COLS)
        click.echo(msg("tl.title", lang, name=name, id=c.id) + "\n" + note + format_table(head, rows))
    if output is not None:
        from ..viz.timeline import timeline_chart

        name = c.meta.get("name_zh") if lang == "zh" and c.meta.get("name_zh") else c.name
        fig, _ = timeline_chart(df, lang=lang, name=name)
        click.echo(f"wrote {save_figure(fig, output, force=force)}", err=True)


# -- diff -------------------------------------------------------------------------------------------------
@click.command("diff")
@click.argument("paths", nargs=-1, required=True, metavar="A [B]")
@click.option("--years", "years", type=int, nargs=2, default=None, metavar="Y1 Y2",
              help="Compare A in Y1 with A (or B) in Y2, from the firms' and links' years.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output: aligned text tables, or everything as JSON.")
@click.option("--top", type=click.IntRange(min=0), default=20, show_default=True,
              help="Firms, links and gaps listed per list in table output (JSON has all).")
def diff_cmd(paths: tuple[str, ...], years: tuple[int, int] | None, fmt: str, top: int) -> None:
    """What changed between two clusters, or one cluster in two years.

    Firms that entered and left (per segment), links gained and lost, link churn (share of A's
    links gone in B), gaps closed and opened, and the change in the completeness and leader
    figures. A and B are cluster folders, workbooks, graph files or bundled dataset ids.

    \b
    Examples:
      chainnet diff tongling_copper --years 2012 2021
      chainnet diff my_cluster_2019.xlsx my_cluster_2023.xlsx --format json
    """
    from ..analysis.timeline import diff

    if len(paths) > 2:
        raise click.UsageError("give two clusters (A B), or one cluster and --years Y1 Y2")
    if len(paths) == 1 and years is None:
        raise click.UsageError("with one cluster, give two years: chainnet diff PATH --years 2012 2021")
    a = load(paths[0])
    b = load(paths[1]) if len(paths) == 2 else a
    if years is not None:
        a, b = a.snapshot(years[0]), b.snapshot(years[1])
    d = diff(a, b)
    if fmt == "json":
        emit_json(d.to_dict())
    else:
        click.echo(_diff_text(d, top=top))


_DIFF_LABELS = {"segment_coverage": "segment coverage", "link_coverage": "link coverage",
                "path_completeness": "path completeness", "index": "completeness index",
                "local_sourcing": "local sourcing rate", "leader_dominance": "leader dominance",
                "sme_attachment": "SME attachment", "leader_reach": "leader reach",
                "degree_centralization": "degree centralization", "leader_dependence": "leader dependence"}


def _diff_text(d: Any, *, top: int) -> str:
    s = d.summary
    out = [f"Changes from {d.a} to {d.b}"]
    if d.empty:
        return out[0] + "\nnothing changed"
    churn = _pct(s["link_churn"])
    out.append(f"firms: +{s['firms_entered']:,} entered, -{s['firms_left']:,} left; links: +{s['links_gained']:,} "
               f"gained, -{s['links_lost']:,} lost (link churn {churn}); gaps: {s['gaps_closed']} closed, "
               f"{s['gaps_opened']} opened")
    rows = []
    for k, f in d.figures.items():
        pct = True  # every figure here is a share (degree centralization too), its change in points
        fmt = "pts" if k == "leader_dependence" else "%"
        rows.append((_DIFF_LABELS[k] + (" (pts)" if fmt == "pts" else ""), _cell(f["a"], fmt), _cell(f["b"], fmt),
                     _signed(f["change"], pct)))
    out += ["", "Figures", format_table(("figure", d.a, d.b, "change"), rows)]
    seg = d.segments
    changed = seg[(seg["entered"] > 0) | (seg["left"] > 0) | (seg["status_a"] != seg["status_b"])]
    if len(changed):
        rows = [(r["segment"], r["stage"], _cell(r["firms_a"], "d"), _cell(r["firms_b"], "d"), f"+{r['entered']}",
                 f"-{r['left']}", f"{r['status_a'] or '—'} -> {r['status_b'] or '—'}")
                for r in changed.to_dict("records")]
        out += ["", "Segments that changed (local firms)",
                format_table(("segment", "stage", d.a, d.b, "entered", "left", "status"), rows)]

    def listing(title: str, df: pd.DataFrame, cells: Any, head: tuple[str, ...]) -> None:
        if len(df) == 0:
            return
        more = f" (first {top} of {len(df):,}; --format json lists all)" if len(df) > top else ""
        out.extend(["", f"{title}{more}"])
        if top:
            out.append(format_table(head, [cells(r) for r in df.head(top).to_dict("records")]))

    def firm(r: dict) -> tuple:
        return (r["firm_id"], r["name"], r["role"], ";".join(r["segments"]), "yes" if r["local"] else "no")

    def link(r: dict) -> tuple:
        return (r["source"], r["target"], r["kind"], _num(r["weight"], "g"))

    def gap(r: dict) -> tuple:
        return (r["type"], r["id"], r["status"], f"{r['impact'] * 100:.1f}")

    listing("Firms entered", d.firms_entered, firm, ("firm", "name", "role", "segments", "local"))
    listing("Firms left", d.firms_left, firm, ("firm", "name", "role", "segments", "local"))
    listing("Links gained", d.links_gained, link, ("source", "target", "kind", "weight"))
    listing("Links lost", d.links_lost, link, ("source", "target", "kind", "weight"))
    listing("Gaps closed", d.gaps_closed, gap, ("type", "item", "status then", "impact then (pts)"))
    listing("Gaps opened", d.gaps_opened, gap, ("type", "item", "status now", "impact (pts)"))
    return "\n".join(out)
