"""``chainnet leaders`` and ``chainnet structure``: leader centrality and network structure."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import click

from ..model import Cluster
from ._common import cluster_argument, format_table, links_unknown_note, load, not_measured

#: Clusters with at least this many local firms report progress on stderr (as ``chainnet resilience``).
PROGRESS_MIN_FIRMS = 5000


def _progress(c: Cluster) -> Callable[[str], None] | None:
    """A stderr progress printer (elapsed seconds, message) for large clusters, else None."""
    if int(c.local_mask.sum()) < PROGRESS_MIN_FIRMS:
        return None
    start = time.perf_counter()

    def say(msg: str) -> None:
        click.echo(f"[{time.perf_counter() - start:6.1f}s] {msg}", err=True)

    return say


def register(main: click.Group) -> None:
    """Add ``leaders`` and ``structure`` to the ``chainnet`` command group."""

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
        from ..analysis.centrality import leaders

        c = load(path)
        r = leaders(c, seed=seed, progress=_progress(c))
        if fmt == "json":
            click.echo(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
        elif fmt == "csv":
            firms = r.firms.assign(segments=r.firms["segments"].map(";".join))
            click.echo(firms.to_csv(index=False), nl=False)
        else:
            click.echo(_leaders_text(c, r, top=top))

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
        from ..analysis.structure import structure

        c = load(path)
        if not c.links_known:
            not_measured(c, "Cluster structure", fmt=fmt)
            return
        s = structure(c, seed=seed, null_models=null_models, progress=_progress(c))
        if fmt == "json":
            click.echo(json.dumps(s.to_dict(), ensure_ascii=False, indent=2))
        elif fmt == "csv":
            click.echo(s.table().to_csv(index=False), nl=False)
        else:
            click.echo(_structure_text(c, s))


def _pct(x: float | None) -> str:
    return "—" if x is None or x != x else f"{x * 100:.1f}%"


def _num(x: Any, fmt: str = ".3f") -> str:
    return "—" if x is None or (isinstance(x, float) and x != x) else format(x, fmt)


def _leaders_text(c: Cluster, r: Any, *, top: int) -> str:
    """Leader centrality as headed, aligned text tables."""
    note = links_unknown_note(c)
    if note:  # a firm list: leaders and their segments only; no figure that needs ties
        rows = [(x.firm_id, x.name, ", ".join(x.segments_reached)) for x in r.leaders.itertuples(index=False)]
        return "\n".join([f"Leader centrality: {c.name} ({c.id}), {len(r.firms):,} local firms", note,
                          "leader dominance, SME attachment, leader reach, degree centralization, leader dependence, "
                          "PageRank, betweenness and k-core: not measured (null in --format json)", "", "Leaders",
                          format_table(("firm", "name", "segments"), rows) if rows
                          else "no local firm is declared a leader"])
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
    if nm.get("note"):
        out.append(nm["note"])
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
