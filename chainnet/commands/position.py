"""``chainnet position``, ``upstreamness``, ``resilience`` and ``whatif``: chain position and resilience."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .._io_table import ROLE_NAMES
from .._messages import words
from ..analysis.resilience import DEFAULT_RUNS
from ._common import (
    FORCE_OPTION,
    FORMAT_OPTION,
    check_figure_output,
    emit_csv,
    emit_json,
    format_table,
    load,
    not_measured,
    save_figure,
    split_many,
)
from ._progress import QUIET_OPTION, Progress

_FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def register(main: click.Group) -> None:
    """Add ``position``, ``upstreamness``, ``resilience`` and ``whatif`` to the ``chainnet`` group."""

    @main.command("position")
    @click.argument("path", metavar="PATH")
    @FORMAT_OPTION
    @click.option("--template", metavar="ID_OR_PATH", default=None,
                  help="Template to compare positions with (default: the cluster's own).")
    @click.option("--final-use", type=click.FloatRange(0, 1, max_open=True), default=0.0, show_default=True,
                  help="Share of sales assumed to go to final use for firms without a known output.")
    @click.option("--ignore-output", is_flag=True,
                  help="Take sales from supply links only (when link weights are not in the unit of output).")
    @click.option("--margin", type=click.FloatRange(min=0), default=0.5, show_default=True,
                  help="Production stages a firm may sit beyond another stage's median before it is flagged.")
    @click.option("--top", type=click.IntRange(min=0), default=20, show_default=True,
                  help="Rows of each firm and link list in table output (0: all).")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of headings, names and notes in table output (JSON and CSV hold both).")
    @QUIET_OPTION
    def position_cmd(path: str, fmt: str, template: str | None, final_use: float, ignore_output: bool,
                     margin: float, top: int, lang: str, quiet: bool) -> None:
        """Chain position of firms and segments: upstreamness, trophic level and checks against the chain.

        Upstreamness (Antràs et al. 2012) is the average number of production stages between a
        firm's output and final use (1 = sells only to final use or outside the cluster); the
        trophic level (MacKay et al. 2020) counts stages up from the raw-material end. Firms
        whose position does not fit their declared segments, and supply links running against
        the chain (a downstream segment selling to an upstream one), are listed with what to
        check. CSV output is the per-firm table (with note and note_zh). PATH is a cluster folder,
        an .xlsx workbook, a graph file or a bundled dataset id.

        \b
        Examples:
          chainnet position demo_copper
          chainnet position demo_copper --lang zh
          chainnet position demo_copper --format csv > positions.csv
          chainnet position my_cluster --ignore-output --final-use 0.2
        """
        from ..analysis.position import position

        progress = Progress(quiet=quiet, lang=lang)
        c = progress.load(path)
        if not c.links_known:
            not_measured(c, "chain_position", fmt=fmt, lang=lang)
            return
        progress("prog.cmd_position", c)
        p = position(c, use_output=not ignore_output, final_use=final_use, margin=margin, template=template)
        if fmt == "json":
            emit_json(p.to_dict())
        elif fmt == "csv":
            emit_csv(p.firms.assign(segments=p.firms["segments"].map(";".join)))
        else:
            click.echo(position_text(c, p, top=top, lang=lang))

    @main.command("upstreamness")
    @click.option("--io-table", "io_table", metavar="FILE", required=True,
                  help="Input-output table (.csv or .xlsx): sector labels, the square intermediate-use block, then "
                       "output (总产出) and optionally exports (出口), imports (进口), inventory_change (存货增加/存货变动).")
    @click.option("--io-columns", "io_columns", multiple=True, metavar="ROLE=NAME",
                  help="Header of a column named otherwise, e.g. --io-columns 'output=Total output'; repeatable or "
                       "comma-separated. Roles: " + ", ".join(ROLE_NAMES) + ".")
    @click.option("--sheet", metavar="NAME", default=None,
                  help="Sheet of an .xlsx table (default: the first with an output column).")
    @FORMAT_OPTION
    def upstreamness_cmd(io_table: str, io_columns: tuple[str, ...], sheet: str | None, fmt: str) -> None:
        """Upstreamness of the industries of an input-output table (Antràs, Chor, Fally & Hillberry 2012).

        The table is read as statistics offices publish it (China's official tables as they
        are): title rows may come first; the header starts at the first row with an `output`
        (or 总产出) column and may span a few rows (merged group headings, names, codes);
        column 1 holds the sector labels; then one column per sector with the
        same labels in the same order (row i, column j = value of industry i's output used by
        industry j); then the totals and final-use columns, of which `output`/总产出,
        `exports`/出口, `imports`/进口 and `inventory_change`/存货增加/存货变动 are used and the
        rest ignored. Total and value-added rows (中间投入合计, 增加值, 总投入) are skipped.
        Shares are taken of output - exports + imports - inventory_change. Negative cells are
        accepted with one warning; the command fails only where an adjusted output is zero or
        negative or the series does not converge. CSV output has the columns
        industry,upstreamness. For the firms of a cluster use `chainnet position`.

        \b
        Examples:
          chainnet upstreamness --io-table io2017.csv
          chainnet upstreamness --io-table 2017投入产出表.xlsx --sheet 基本流量表
          chainnet upstreamness --io-table io.csv --io-columns "output=Total output,imports=Imports cif"
          chainnet upstreamness --io-table io2017.csv --format csv > upstreamness.csv
        """
        from ..analysis.io_table import upstreamness_io

        u = upstreamness_io(Path(io_table), columns=_role_columns(io_columns), sheet=sheet)
        info = u.attrs["io_table"]
        if fmt == "json":
            emit_json({"file": io_table, **{k: info[k] for k in ("header_row", "columns", "ignored_columns",
                                                                 "adjusted_output", "solver", "notes")},
                       "industries": [{"industry": a, "upstreamness": float(b)}
                                      for a, b in zip(u["industry"], u["upstreamness"])]})
        elif fmt == "csv":
            emit_csv(u)
        else:
            click.echo(f"Upstreamness of {len(u)} industries in {info['file']} (1 = all output goes to final use)")
            used = ", ".join(f"{k} = {v!r}" for k, v in info["columns"].items())
            click.echo(f"header row {info['header_row']}; columns used: {used}; shares of {info['adjusted_output']}")
            for note in info["notes"]:
                click.echo(f"note: {note}")
            click.echo(format_table(("industry", "upstreamness"),
                                    [(a, f"{b:.3f}") for a, b in zip(u["industry"], u["upstreamness"])]))

    @main.command("resilience")
    @click.argument("path", metavar="PATH")
    @FORMAT_OPTION
    @click.option("--runs", type=click.IntRange(min=1), default=DEFAULT_RUNS, show_default=True,
                  help="Random removal orders averaged.")
    @click.option("--seed", type=int, default=0, show_default=True,
                  help="Seed of the random orders and of the betweenness sample; the same seed gives the same output.")
    @click.option("--steps", type=click.IntRange(min=1), default=20, show_default=True,
                  help="Measure after each 1/STEPS of the local firms (after every firm when there are fewer).")
    @click.option("--strategy", "strategies", multiple=True,
                  type=click.Choice(["role", "degree", "betweenness", "random"]),
                  help="Removal strategy; repeatable (default: all four).")
    @click.option("--template", metavar="ID_OR_PATH", default=None,
                  help="Template for the completeness measures (default: the cluster's own).")
    @click.option("-o", "--output", "figure", metavar="FIGURE", default=None, type=click.Path(dir_okay=False),
                  help="Also draw the removal curves to this .png, .svg or .pdf file.")
    @click.option("--measure", type=click.Choice(["lwcc", "index", "path_completeness"]), default="lwcc",
                  show_default=True, help="Measure drawn in the figure.")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of table output and of the figure (JSON holds reason and reason_zh).")
    @FORCE_OPTION
    @QUIET_OPTION
    def resilience_cmd(path: str, fmt: str, runs: int, seed: int, steps: int, strategies: tuple[str, ...],
                       template: str | None, figure: str | None, measure: str, lang: str, force: bool,
                       quiet: bool) -> None:
        """Removal curves and single points of failure: how the cluster holds up as firms leave.

        Local firms are removed leaders first (then backbone, then SMEs), by degree, by
        betweenness (computed once on the intact network) and at random (RUNS orders, mean and
        range); after each step the largest connected share of local firms, the completeness
        index and the path completeness are measured. The area under each curve (0 to 1; higher
        is more robust) sums a strategy up. Single points of failure are firms whose loss alone
        lowers the completeness index or cuts a chain end off. CSV output is the curves table.
        Large clusters report progress on stderr. PATH is a cluster folder, an .xlsx workbook, a
        graph file or a bundled dataset id.

        \b
        Examples:
          chainnet resilience demo_copper
          chainnet resilience demo_copper --lang zh
          chainnet resilience demo_copper --runs 50 --seed 1 -o curves.png
          chainnet resilience my_cluster --format csv > curves.csv
        """
        from ..analysis.resilience import STRATEGIES, resilience

        check_figure_output(figure, force=force)
        progress = Progress(quiet=quiet, lang=lang)
        c = progress.load(path)
        if not c.links_known:
            not_measured(c, "resilience_short", fmt=fmt, lang=lang)
            return
        k = len(strategies or STRATEGIES)
        progress("prog.cmd_resilience", c, k=k, k_s="y" if k == 1 else "ies", steps=steps, runs=runs)
        r = resilience(c, strategies=strategies or STRATEGIES, steps=steps, runs=runs, seed=seed,
                       template=template, progress=progress.library)
        if fmt == "json":
            emit_json(r.to_dict())
        elif fmt == "csv":
            emit_csv(r.curves)
        else:
            click.echo(resilience_text(c, r, lang=lang, template=template))
        if figure is not None:
            from ..viz.resilience import resilience_chart

            fig, _ = resilience_chart(r, measure=measure, lang=lang)
            click.echo(f"wrote {save_figure(fig, figure, force=force)}", err=True)

    @main.command("whatif")
    @click.argument("path", metavar="PATH")
    @click.argument("more", nargs=-1, metavar="[FIRM_ID]...")
    @click.option("--remove", "remove", multiple=True, required=True, metavar="FIRM_ID",
                  help="Firms to remove (with all their links): --remove a b c, repeated, or comma-separated.")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
                  help="Output: aligned tables, or JSON with before, after, change, gaps_opened and gaps_closed.")
    @click.option("--template", metavar="ID_OR_PATH", default=None,
                  help="Audit against this template (default: the cluster's own).")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of headings, names and reasons in table output (JSON holds both).")
    def whatif_cmd(path: str, more: tuple[str, ...], remove: tuple[str, ...], fmt: str, template: str | None,
                   lang: str) -> None:
        """What if these firms left? The chain audit before and after, and the gaps opened and closed.

        PATH is a cluster folder, an .xlsx workbook, a graph file or a bundled dataset id.

        \b
        Examples:
          chainnet whatif demo_copper --remove smelter_a
          chainnet whatif demo_copper --remove mine_a refiner_b --format json
          chainnet whatif demo_copper --remove smelter_a --lang zh
        """
        from ..analysis.resilience import whatif

        ids = split_many(remove, more, option="--remove")
        c = load(path)
        w = whatif(c, ids, template=template)
        if fmt == "json":
            emit_json(w.to_dict())
        else:
            click.echo(whatif_text(c, w, lang=lang))


def _role_columns(values: tuple[str, ...]) -> dict[str, str]:
    """``--io-columns`` as {role: header}: ROLE=NAME items, repeated or comma-separated.

    >>> _role_columns(("output=Total output,imports=M", "exports = X"))
    {'output': 'Total output', 'imports': 'M', 'exports': 'X'}
    """
    out = {}
    for item in (x for v in values for x in v.split(",")):
        role, eq, name = item.partition("=")
        if not eq or not role.strip() or not name.strip():
            raise click.BadParameter(f"{item!r} is not ROLE=NAME (e.g. 'output=Total output')",
                                     param_hint="--io-columns")
        if role.strip() not in ROLE_NAMES:
            raise click.BadParameter(f"unknown role {role.strip()!r}; roles: {', '.join(ROLE_NAMES)}",
                                     param_hint="--io-columns")
        out[role.strip()] = name.strip()
    return out


# -- text ---------------------------------------------------------------------------------------
def _num(x: Any, fmt: str = ".3f") -> str:
    return "—" if x is None or (isinstance(x, float) and x != x) else format(x, fmt)


def _pct(x: Any) -> str:
    return "—" if x is None or (isinstance(x, float) and x != x) else f"{x * 100:.1f}%"


def _more(shown: int, total: int, lang: str = "en") -> str:
    if shown >= total:
        return ""
    if lang == "zh":
        return f"，仅显示前{shown:,}条；--format json 或 csv 列出全部"
    return f", the first {shown:,} shown; --format json or csv lists all"


def _cluster_name(c: Any, lang: str) -> str:
    zh = c.meta.get("name_zh")
    return zh if lang == "zh" and isinstance(zh, str) and zh else c.name


def _firm_name(row: Any, lang: str) -> str:
    zh = getattr(row, "name_zh", None)
    return zh if lang == "zh" and isinstance(zh, str) and zh else row.name


def _stage(stage: str, lang: str) -> str:
    """A declared stage ('upstream', 'midstream+downstream', '') in ``lang``."""
    from .._i18n import t

    return "+".join(t(s, lang) for s in stage.split("+")) if lang == "zh" and stage else stage


def _solver_zh(method: str) -> str:
    """How upstreamness was solved, in Chinese: the analysis's text carries it (catalogue ``solver.*``)."""
    from .._messages import Text

    return Text.zh_of(method)




def position_text(c: Any, p: Any, *, top: int = 20, lang: str = "en") -> str:
    """Chain position as headed, aligned text tables in English or Chinese."""
    from .._i18n import t

    w = words("position", lang)
    zh = lang == "zh"
    f = p.figures
    s = p.settings
    rule = w["rule_output"] if s["use_output"] else w["rule_links"]
    if s["final_use"]:
        rule += w["rule_final"].format(s["final_use"])
    out = [w["title"].format(name=_cluster_name(c, lang), id=c.id, firms=f["firms"], links=f["links"])]
    rows = [(w["f0"][0], _num(f["trophic_incoherence"]), w["f0"][1]),
            (w["corr"][0], _num(f["step_correlation"], "+.3f"), w["corr"][1]),
            (w["along"][0], _pct(f["along_share"]), w["along"][1]),
            (w["against"], f"{f['against_links']:,}", ""),
            (w["check"], f"{f['firms_to_check']:,}", ""),
            (w["unbounded"][0], f"{f['unbounded_firms']:,}", w["unbounded"][1]),
            (w["rule"], rule, w["solver"].format(_solver_zh(s["solver"]) if zh else s["solver"]))]
    out.append(format_table(("", "", ""), rows).split("\n", 2)[2])
    seg = p.segments
    seg_zh = {r.segment: (r.name_zh if isinstance(r.name_zh, str) else r.name) for r in seg.itertuples(index=False)}
    rows = [(r.segment, *((seg_zh[r.segment],) if zh else ()), t(r.stage, lang), str(r.firms), _num(r.sales, ".1f"),
             _num(r.upstreamness), _num(r.trophic_level), r.note_zh if zh else r.note)
            for r in seg.itertuples(index=False)]
    out += ["", w["segments"], format_table(w["seg_head"], rows)]
    firms = p.firms.sort_values(["upstreamness", "firm_id"], ascending=[False, True])
    firms = firms.head(top) if top else firms
    rows = [(r.firm_id, _firm_name(r, lang), t(r.role, lang) if zh else r.role, _stage(r.stage, lang),
             _num(r.sales, ".1f"), _num(r.local_sales, ".1f"), _num(r.upstreamness), _num(r.trophic_level))
            for r in firms.itertuples(index=False)]
    out += ["", w["firms"].format(shown=len(rows), total=len(p.firms)), format_table(w["firm_head"], rows)]
    mm = p.mismatches
    shown = mm.head(top) if top else mm
    out += ["", w["to_check"].format(n=len(mm), more=_more(len(shown), len(mm), lang))]
    out.append(format_table(w["check_head"],
                            [(r.firm_id, _firm_name(r, lang), _stage(r.stage, lang), _num(r.upstreamness),
                              r.note_zh if zh else r.note) for r in shown.itertuples(index=False)])
               if len(mm) else w["check_none"])
    ag = p.against
    shown = ag.head(top) if top else ag
    out += ["", w["links"].format(n=len(ag), more=_more(len(shown), len(ag), lang))]
    out.append(format_table(w["link_head"],
                            [(r.source, r.target,
                              f"{seg_zh.get(r.segment_from, r.segment_from)}→{seg_zh.get(r.segment_to, r.segment_to)}"
                              if zh else f"{r.segment_from} -> {r.segment_to}",
                              _num(r.weight, "g"), r.reason_zh if zh else r.reason)
                             for r in shown.itertuples(index=False)])
               if len(ag) else w["link_none"])
    return "\n".join(out)




def _betweenness_zh(method: str, order: str) -> tuple[str, str]:
    """How betweenness was computed, in Chinese: the analysis's texts carry their Chinese (catalogue)."""
    from .._messages import Text

    return Text.zh_of(method), Text.zh_of(order)


def _segment_labels_zh(c: Any, template: Any, ids: list[str]) -> dict[str, str]:
    """Chinese names of segment ids (``seg`` or ``template:seg`` with several templates)."""
    from ..analysis.completeness import resolve

    out = {}
    for tp in resolve(c, template):
        for sid in tp.segments["id"]:
            out.setdefault(sid, tp.label(sid, "zh"))
            out[f"{tp.id}:{sid}"] = f"{tp.label(sid, 'zh')}（{tp.id}）"
    return {k: out.get(k, k) for k in ids}


def resilience_text(c: Any, r: Any, *, lang: str = "en", template: Any = None) -> str:
    """Resilience as headed, aligned text tables in English or Chinese (``template`` as given to
    :func:`~chainnet.analysis.resilience.resilience`, used to name segments in Chinese)."""
    from .._i18n import t

    w = words("resilience", lang)
    zh = lang == "zh"
    heads = words("resilience_strategies", lang)
    s = r.settings
    grid = w["per_firm"] if s["per_firm"] else w["steps"].format(s["steps"])
    btw = _betweenness_zh(s["betweenness"], s["betweenness_order"]) if zh and s["betweenness"] else \
        (s["betweenness"], s["betweenness_order"])
    out = [w["title"].format(name=_cluster_name(c, lang), id=c.id, n=r.n_firms, grid=grid, runs=s["runs"],
                             seed=s["seed"]) + (w["btw"].format(*btw) if s["betweenness"] else "")]
    b = r.baseline
    out.append(w["intact"].format(lwcc=_pct(b["lwcc"]), index=_num(b["index"]), path=_num(b["path_completeness"])))
    auc = r.auc.set_index(["strategy", "measure"])
    strategies = s["strategies"]
    rows = []
    for st in strategies:
        cells = []
        for m in ("lwcc", "index", "path_completeness"):
            a = auc.loc[(st, m)]
            cell = _num(a["auc"])
            if st == "random" and a["auc_lo"] == a["auc_lo"]:
                cell += f" [{_num(a['auc_lo'])}-{_num(a['auc_hi'])}]"
            cells.append(cell)
        rows.append((heads[st], *cells, _num(r.robustness[st])))
    out += ["", w["auc"], format_table(w["auc_head"], rows)]
    cur = r.curves
    for m in ("lwcc", "index", "path_completeness"):
        if cur[m].isna().all():
            continue
        piv = {st: cur[cur["strategy"] == st].reset_index(drop=True) for st in strategies}
        first = piv[strategies[0]]
        rows = []
        for i in range(len(first)):
            cells = []
            for st in strategies:
                x = piv[st].loc[i]
                cell = _num(x[m])
                if st == "random":
                    cell += f" ({_num(x[f'{m}_lo'])}-{_num(x[f'{m}_hi'])})"
                cells.append(cell)
            rows.append((f"{first.loc[i, 'removed']:,}", f"{first.loc[i, 'fraction'] * 100:.0f}%", *cells))
        out += ["", w["after"].format(words("resilience_measures", lang)[m]),
                format_table((*w["curve_head"], *(heads[st] for st in strategies)), rows)]
    sp = r.single_points
    sinks = _segment_labels_zh(c, template, sorted({x for v in sp["sinks_cut"] for x in v})) if zh and len(sp) else {}
    out += ["", w["spof"].format(len(sp))]
    out.append(format_table(w["spof_head"],
                            [(x.firm_id, t(x.role, lang) if zh else x.role, f"{x.index_drop * 100:.1f}",
                              ("、" if zh else ", ").join(sinks.get(k, k) for k in x.sinks_cut),
                              x.reason_zh if zh else x.reason)
                             for x in sp.itertuples(index=False)])
               if len(sp) else w["spof_none"])
    return "\n".join(out)


_FIGURE_NAMES = (("segment_coverage", "segment coverage"), ("link_coverage", "link coverage"),
                 ("path_completeness", "path completeness"), ("index", "completeness index"))


def whatif_text(c: Any, w: Any, *, lang: str = "en") -> str:
    """The what-if as headed, aligned text tables in English or Chinese."""
    from .._i18n import t
    from ..analysis.completeness import GAP_ZH

    ww = words("whatif", lang)
    zh = lang == "zh"
    f = c.firms
    shown = f["name_zh"].where(f["name_zh"].notna(), f["name"]) if zh and "name_zh" in f else f["name"]
    names = dict(zip(f["firm_id"].astype(str), shown))
    who = ww["sep"].join(ww["who"].format(x, names[x]) for x in w.removed)
    out = [ww["title"].format(name=_cluster_name(c, lang), id=c.id, who=who)]
    b, a = w.before.completeness, w.after.completeness
    if not w.before.links_known:
        out.append(t("links_unknown", lang))
    rows = [(t(k, lang) if zh else label, _pct(b[k]), _pct(a[k]),
             "—" if b[k] is None or a[k] is None else ww["pts"].format((a[k] - b[k]) * 100))
            for k, label in _FIGURE_NAMES]
    out.append(format_table(ww["head"], rows))
    seg = {}
    for audit in (w.before, w.after):
        for r in audit.segments.itertuples(index=False):
            seg[(r.template, r.segment)] = r.name_zh if isinstance(r.name_zh, str) else r.name

    def gap(g: Any) -> str:
        if not zh:
            return g.id
        if isinstance(g.segment, str):
            return seg.get((g.template, g.segment), g.segment)
        return f"{seg.get((g.template, g.from_), g.from_)}→{seg.get((g.template, g.to_), g.to_)}"

    for key, df in (("opened", w.opened), ("closed", w.closed)):
        out += ["", ww[key].format(len(df))]
        df = df.rename(columns={"from": "from_", "to": "to_"})
        out.append(format_table(ww["gap_head"],
                                [(GAP_ZH.get(g.type, g.type) if zh else g.type, gap(g), f"{g.impact * 100:.1f}",
                                  g.reason_zh if zh else g.reason) for g in df.itertuples(index=False)])
                   if len(df) else ww["none"])
    if len(w.worsened):  # e.g. a weak segment whose only firm left: it became missing, it did not close
        out += ["", ww["worsened"].format(len(w.worsened))]
        df = w.worsened.rename(columns={"from": "from_", "to": "to_"})
        out.append(format_table((*ww["gap_head"][:2], ww["now"]),
                                [(GAP_ZH.get(g.type, g.type) if zh else g.type, gap(g),
                                  ww["became"].format(t(g.status_after, lang) if zh else g.status_after))
                                 for g in df.itertuples(index=False)]))
    return "\n".join(out)
