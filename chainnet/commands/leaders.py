"""``chainnet leaders`` and ``chainnet structure``: leader centrality and network structure."""

from __future__ import annotations

import json
from typing import Any

import click

from .._format import share
from .._messages import Text, msg, t
from ..model import Cluster
from ._common import cluster_argument, format_table, links_unknown_note, not_measured
from ._progress import QUIET_OPTION, Progress


def register(main: click.Group) -> None:
    """Add ``leaders`` and ``structure`` to the ``chainnet`` command group."""

    @main.command("leaders")
    @cluster_argument
    @click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
                  help="table: figures, leaders, top firms and role mismatches; json: everything; csv: the per-firm table.")
    @click.option("--top", type=click.IntRange(min=0), default=20, show_default=True,
                  help="Firms listed in table output (highest PageRank first).")
    @click.option("--seed", type=int, default=0, show_default=True, help="Seed of the betweenness pivot sample.")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of table output (JSON and CSV hold note and note_zh).")
    @QUIET_OPTION
    def leaders_cmd(path: str, fmt: str, top: int, seed: int, lang: str, quiet: bool) -> None:
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
          chainnet leaders tongling_copper --lang zh
        """
        from ..analysis.centrality import leaders

        progress = Progress(quiet=quiet, lang=lang)
        c = progress.load(path)
        progress("prog.cmd_leaders", c)
        r = leaders(c, seed=seed, progress=progress.library)
        if fmt == "json":
            click.echo(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
        elif fmt == "csv":
            firms = r.firms.assign(segments=r.firms["segments"].map(";".join))
            click.echo(firms.to_csv(index=False), nl=False)
        else:
            click.echo(_leaders_text(c, r, top=top, lang=lang))

    @main.command("structure")
    @cluster_argument
    @click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
                  help="table: headed sections; json: everything; csv: a figure,value table.")
    @click.option("--null-models", "null_models", type=click.IntRange(min=0), default=20, show_default=True,
                  help="Degree-preserving random networks for the z-scores (0: none).")
    @click.option("--seed", type=int, default=0, show_default=True, help="Seed of communities and random networks.")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of table output (JSON holds rule and rule_zh).")
    @QUIET_OPTION
    def structure_cmd(path: str, fmt: str, null_models: int, seed: int, lang: str, quiet: bool) -> None:
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
          chainnet structure tongling_copper --lang zh
        """
        from ..analysis.structure import structure

        progress = Progress(quiet=quiet, lang=lang)
        c = progress.load(path)
        if not c.links_known:
            not_measured(c, "cluster_structure", fmt=fmt, lang=lang)
            return
        progress("prog.cmd_structure", c, n=null_models)
        s = structure(c, seed=seed, null_models=null_models, progress=progress.library)
        if fmt == "json":
            click.echo(json.dumps(s.to_dict(), ensure_ascii=False, indent=2))
        elif fmt == "csv":
            click.echo(s.table().to_csv(index=False), nl=False)
        else:
            click.echo(_structure_text(c, s, lang=lang))


def _pct(x: float | None) -> str:
    return share(x)


def _num(x: Any, fmt: str = ".3f") -> str:
    return "—" if x is None or (isinstance(x, float) and x != x) else format(x, fmt)


def _head(code: str, lang: str) -> tuple[str, ...]:
    """Column headers of a command table: one catalogue message, cells separated by '|'."""
    return tuple(msg(code, lang).split("|"))


def _name(c: Cluster, lang: str) -> str:
    return c.meta.get("name_zh") if lang == "zh" and c.meta.get("name_zh") else c.name


def _firm_names(c: Cluster, lang: str) -> dict[str, str]:
    f = c.firms
    names = f["name_zh"].where(f["name_zh"].notna(), f["name"]) if lang == "zh" and "name_zh" in f else f["name"]
    return dict(zip(f["firm_id"], names))


def _leaders_text(c: Cluster, r: Any, *, top: int, lang: str = "en") -> str:
    """Leader centrality as headed, aligned text tables (words from the catalogue)."""
    note = links_unknown_note(c, lang=lang)
    names = _firm_names(c, lang)
    sep = "、" if lang == "zh" else ", "
    if note:  # a firm list: leaders and their segments only; no figure that needs ties
        rows = [(x.firm_id, names.get(x.firm_id, x.name), sep.join(x.segments_reached))
                for x in r.leaders.itertuples(index=False)]
        return "\n".join([msg("ld.title", lang, name=_name(c, lang), id=c.id, n=len(r.firms)), note,
                          msg("ld.unmeasured", lang), "", msg("ld.leaders", lang),
                          format_table(_head("ld.head_unknown", lang), rows) if rows else msg("ld.no_leader", lang)])
    out = [msg("ld.title_links", lang, name=_name(c, lang), id=c.id, n=len(r.firms),
               links=int(r.firms["out_degree"].sum()))]
    dep = r.leader_dependence
    figures = [(t("leader_dominance", lang), _pct(r.leader_dominance), msg("ld.dominance_def", lang)),
               (t("sme_attachment", lang), _pct(r.sme_attachment), msg("ld.attachment_def", lang)),
               (t("leader_reach", lang), _pct(r.leader_reach), msg("ld.reach_def", lang)),
               (t("degree_centralization", lang), share(r.degree_centralization), msg("ld.centralization_def", lang)),
               (t("leader_dependence", lang), "—" if dep is None else msg("ld.points", lang, x=dep * 100),
                msg("ld.dependence_def", lang)),
               (t("betweenness", lang), Text.zh_of(r.betweenness_method) if lang == "zh" else r.betweenness_method, "")]
    out.append(format_table(("", "", ""), figures).split("\n", 2)[2])
    rows = [(x.firm_id, names.get(x.firm_id, x.name), _pct(x.weight_share), str(x.partners), str(x.firms_reached),
             str(x.smes_attached), str(x.smes_reached), str(len(x.segments_reached)),
             "—" if x.completeness_lost is None or x.completeness_lost != x.completeness_lost
             else f"{x.completeness_lost * 100:.1f}")
            for x in r.leaders.itertuples(index=False)]
    out += ["", msg("ld.leaders", lang),
            format_table(_head("ld.head_leaders", lang), rows) if rows else msg("ld.no_leader", lang)]
    if top:
        best = r.firms.sort_values(["pagerank", "firm_id"], ascending=[False, True]).head(top)
        rows = [(x.firm_id, names.get(x.firm_id, x.name), _role(x.role, lang), _role(x.inferred_role, lang),
                 str(x.out_degree), str(x.in_degree), str(x.partners), _num(x.pagerank, ".4f"),
                 _num(x.betweenness, ".4f"), str(x.kcore))
                for x in best.itertuples(index=False)]
        out += ["", msg("ld.by_pagerank", lang, k=len(rows), n=len(r.firms)),
                format_table(_head("ld.head_firms", lang), rows)]
    mm = r.mismatches
    out += ["", msg("ld.mismatches", lang, n=len(mm))]
    out.append(format_table(_head("ld.head_mismatch", lang),
                            [(x.firm_id, names.get(x.firm_id, x.name), _role(x.role, lang),
                              _role(x.inferred_role, lang), x.note_zh if lang == "zh" else x.note)
                             for x in mm.itertuples(index=False)])
               if len(mm) else msg("ld.no_mismatch", lang))
    return "\n".join(out)


def _role(role: Any, lang: str) -> str:
    """A role as the command always showed it in English (``sme``), or its Chinese term."""
    return t(role, lang) if lang == "zh" and isinstance(role, str) else str(role)


def _structure_text(c: Cluster, s: Any, *, lang: str = "en") -> str:
    """Cluster structure as headed, aligned text tables (words from the catalogue)."""
    zh = lang == "zh"
    f = s.figures
    sig = s.significance.set_index("figure")
    out = [msg("st.title", lang, name=_name(c, lang), id=c.id, n=f["n_firms"], links=f["n_links"])]
    names = {"density": "density", "reciprocity": "reciprocity", "core_share": "strongly connected core share",
             "modularity": "modularity", "assortativity": "degree assortativity",
             "transitivity": "transitivity", "average_clustering": "average clustering",
             "degree_centralization": "degree centralization", "max_kcore": "largest k-core"}
    rows = []
    for k, label in names.items():
        z = sig.at[k, "z"] if k in sig.index else None
        mean = sig.at[k, "null_mean"] if k in sig.index else None
        if k == "degree_centralization":  # a share: written as one, like in the figure and the report
            rows.append((t(k, lang) if zh else label, share(f[k]), share(mean), _num(z, "+.2f")))
            continue
        rows.append((t(k, lang) if zh else label, _num(f[k], "d" if k == "max_kcore" else ".3f"), _num(mean),
                     _num(z, "+.2f")))
    out.append(format_table(_head("st.head_figures", lang), rows))
    nm = s.null_model
    swaps = f"≤{nm['swaps_per_link']}" if nm.get("mixing") else nm["swaps_per_link"]  # stopped once mixed
    out.append(msg("st.random", lang, n=nm["null_models"], swaps=swaps, seed=nm["seed"]))
    if nm["null_models"] != nm["null_models_requested"] and nm.get("note"):
        # fewer random networks than asked: their cost is bounded (docs/structure.md)
        out.append(msg("st.null_cap", lang, n=nm["null_models"], requested=nm["null_models_requested"],
                       links=nm["links"], budget=nm["null_budget"]))
    if nm.get("mixing"):  # large graphs: the rewiring stopped once mixed (docs/structure.md)
        from ..analysis.structure import MIX_CHECK_LINKS

        out.append(msg("st.null_mixed", lang, threshold=MIX_CHECK_LINKS,
                       rounds=", ".join(map(str, nm["swap_rounds"]))))
    b = s.bowtie
    out += ["", msg("st.bowtie", lang)]
    if b.get("core") is None:
        out.append(msg("st.acyclic" if b.get("acyclic") else "st.no_firms", lang) if zh else b["note"])
    else:
        out.append(format_table(_head("st.head_bowtie", lang),
                                [(t(p, lang) if zh else p, f"{b[p]['size']:,}", _pct(b[p]["share"]))
                                 for p in ("core", "in", "out", "tubes", "tendrils", "disconnected")]))
    out += ["", msg("st.communities", lang, n=f["n_communities"], single=f["singletons"],
                    method=Text.zh_of(s.community_method) if zh else s.community_method)]
    sep = "、" if zh else ", "
    rows = [(str(x.community), f"{x.size:,}", str(x.leaders), str(x.backbone), str(x.smes), x.main_segment or "",
             _pct(x.internal_links), sep.join(x.leader_ids)) for x in s.communities.head(10).itertuples(index=False)]
    if rows:
        out.append(format_table(_head("st.head_communities", lang), rows))
    cp = s.core_periphery
    out += ["", msg("st.core_periphery", lang)]
    roles = sep.join(f"{t(k, lang) if zh else k} {v}" for k, v in (cp.get("core_roles") or {}).items())
    out.append(msg("st.cp_none", lang) if cp["core_size"] is None else
               msg("st.cp", lang, size=cp["core_size"], share=_pct(cp["core_share"]), fit=cp["fit"],
                   core=cp["core_density"], periphery=cp["periphery_density"], roles=roles))
    out.append(msg("st.method_line", lang, method=msg("st.cp_method", lang) if zh else cp["method"]))
    ty = s.typology
    also = msg("st.also", lang, types=sep.join(t(x, lang) for x in ty["matched"][1:])) if len(ty["matched"]) > 1 else ""
    out += ["", msg("st.typology", lang, type=t(ty["type"], lang) if zh else ty["type"]) + also]
    for x in ty["rules"]:
        numbers = sep.join(f"{t(k, lang) if zh else k.replace('_', ' ')} "
                           f"{_num(v) if isinstance(v, float) else _value(v, lang)}" for k, v in x["values"].items())
        out += [f"  [{'x' if x['fired'] else ' '}] {t(x['type'], lang) if zh else x['type']}: "
                f"{x['rule_zh'] if zh else x['rule']}", f"      {numbers}"]
    out.append(msg("st.pattern", lang, pattern=t(ty["pattern"], lang) if zh else ty["pattern"],
                   why=ty["pattern_rule_zh"] if zh else ty["pattern_rule"]))
    return "\n".join(out)


def _value(v: Any, lang: str) -> Any:
    if isinstance(v, bool):
        return t("yes" if v else "no", lang) if lang == "zh" else v
    return v
