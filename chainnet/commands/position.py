"""``chainnet position``, ``upstreamness``, ``resilience`` and ``whatif``: chain position and resilience."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from ._common import FORMAT_OPTION, emit_csv, emit_json, format_table, load

#: Clusters with at least this many local firms report progress on stderr.
PROGRESS_MIN_FIRMS = 5000
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
    def position_cmd(path: str, fmt: str, template: str | None, final_use: float, ignore_output: bool,
                     margin: float, top: int) -> None:
        """Chain position of firms and segments: upstreamness, trophic level and checks against the chain.

        Upstreamness (Antràs et al. 2012) is the average number of production stages between a
        firm's output and final use (1 = sells only to final use or outside the cluster); the
        trophic level (MacKay et al. 2020) counts stages up from the raw-material end. Firms
        whose position does not fit their declared segments, and supply links running against
        the chain (a downstream segment selling to an upstream one), are listed with what to
        check. CSV output is the per-firm table. PATH is a cluster folder, an .xlsx workbook, a
        graph file or a bundled dataset id.

        \b
        Examples:
          chainnet position demo_copper
          chainnet position demo_copper --format csv > positions.csv
          chainnet position my_cluster --ignore-output --final-use 0.2
        """
        from ..analysis.position import position

        c = load(path)
        p = position(c, use_output=not ignore_output, final_use=final_use, margin=margin, template=template)
        if fmt == "json":
            emit_json(p.to_dict())
        elif fmt == "csv":
            emit_csv(p.firms.assign(segments=p.firms["segments"].map(";".join)))
        else:
            click.echo(position_text(c, p, top=top))

    @main.command("upstreamness")
    @click.option("--io-table", "io_table", metavar="FILE", required=True,
                  help="Input-output table (.csv): industry, one column per industry, output[, exports, imports, "
                       "inventory_change].")
    @FORMAT_OPTION
    def upstreamness_cmd(io_table: str, fmt: str) -> None:
        """Upstreamness of the industries of an input-output table (Antràs, Chor, Fally & Hillberry 2012).

        The CSV's first column `industry` names each industry; then one column per industry in
        the same order (row i, column j = value of industry i's output used as input by industry
        j); then `output` (gross output of i) and optionally `exports`, `imports` and
        `inventory_change`. Shares are taken of output - exports + imports - inventory_change.
        CSV output has the columns industry,upstreamness. For the firms of a cluster use
        `chainnet position`.

        \b
        Examples:
          chainnet upstreamness --io-table io2017.csv
          chainnet upstreamness --io-table io2017.csv --format csv > upstreamness.csv
        """
        from ..analysis.position import upstreamness_io

        u = upstreamness_io(Path(io_table))
        if fmt == "json":
            emit_json({"file": io_table, "industries": [{"industry": a, "upstreamness": float(b)}
                                                         for a, b in zip(u["industry"], u["upstreamness"])]})
        elif fmt == "csv":
            emit_csv(u)
        else:
            click.echo(f"Upstreamness of {len(u)} industries in {io_table} (1 = all output goes to final use)")
            click.echo(format_table(("industry", "upstreamness"),
                                    [(a, f"{b:.3f}") for a, b in zip(u["industry"], u["upstreamness"])]))

    @main.command("resilience")
    @click.argument("path", metavar="PATH")
    @FORMAT_OPTION
    @click.option("--runs", type=click.IntRange(min=1), default=10, show_default=True,
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
                  help="Language of the figure.")
    def resilience_cmd(path: str, fmt: str, runs: int, seed: int, steps: int, strategies: tuple[str, ...],
                       template: str | None, figure: str | None, measure: str, lang: str) -> None:
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
          chainnet resilience demo_copper --runs 50 --seed 1 -o curves.png
          chainnet resilience my_cluster --format csv > curves.csv
        """
        from ..analysis.resilience import STRATEGIES, resilience

        if figure is not None and Path(figure).suffix.lower() not in _FIGURE_SUFFIXES:
            raise click.BadParameter(f"cannot tell the figure format of {figure!r}; use a file name ending in "
                                     ".png, .svg or .pdf", param_hint="-o/--output")
        c = load(path)
        start = time.perf_counter()

        def say(msg: str) -> None:
            click.echo(f"[{time.perf_counter() - start:6.1f}s] {msg}", err=True)

        big = int(c.local_mask.sum()) >= PROGRESS_MIN_FIRMS
        r = resilience(c, strategies=strategies or STRATEGIES, steps=steps, runs=runs, seed=seed,
                       template=template, progress=say if big else None)
        if fmt == "json":
            emit_json(r.to_dict())
        elif fmt == "csv":
            emit_csv(r.curves)
        else:
            click.echo(resilience_text(c, r))
        if figure is not None:
            from ..viz import save
            from ..viz.resilience import resilience_chart

            fig, _ = resilience_chart(r, measure=measure, lang=lang)
            click.echo(f"wrote {save(fig, figure)}", err=True)

    @main.command("whatif")
    @click.argument("path", metavar="PATH")
    @click.option("--remove", "remove", multiple=True, required=True, metavar="FIRM_ID",
                  help="Firm to remove (with all its links); repeatable or comma-separated.")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
                  help="Output: aligned tables, or JSON with before, after, change, gaps_opened and gaps_closed.")
    @click.option("--template", metavar="ID_OR_PATH", default=None,
                  help="Audit against this template (default: the cluster's own).")
    def whatif_cmd(path: str, remove: tuple[str, ...], fmt: str, template: str | None) -> None:
        """What if these firms left? The chain audit before and after, and the gaps opened and closed.

        PATH is a cluster folder, an .xlsx workbook, a graph file or a bundled dataset id.

        \b
        Examples:
          chainnet whatif demo_copper --remove smelter_a
          chainnet whatif demo_copper --remove mine_a,refiner_b --format json
        """
        from ..analysis.resilience import whatif

        ids = [x.strip() for item in remove for x in item.split(",") if x.strip()]
        c = load(path)
        w = whatif(c, ids, template=template)
        if fmt == "json":
            emit_json(w.to_dict())
        else:
            click.echo(whatif_text(c, w))


# -- text ---------------------------------------------------------------------------------------
def _num(x: Any, fmt: str = ".3f") -> str:
    return "—" if x is None or (isinstance(x, float) and x != x) else format(x, fmt)


def _pct(x: Any) -> str:
    return "—" if x is None or (isinstance(x, float) and x != x) else f"{x * 100:.1f}%"


def _more(shown: int, total: int) -> str:
    return f", the first {shown:,} shown; --format json or csv lists all" if shown < total else ""


def position_text(c: Any, p: Any, *, top: int = 20) -> str:
    """Chain position as headed, aligned text tables."""
    f = p.figures
    s = p.settings
    rule = ("sales = supply weight out" if not s["use_output"] else "sales = max(output, supply weight out)")
    if s["final_use"]:
        rule += f"; firms without output: supply weight out / (1 - {s['final_use']:g})"
    out = [f"Chain position: {c.name} ({c.id}), {f['firms']:,} local firms, {f['links']:,} local supply links"]
    rows = [("trophic incoherence F0", _num(f["trophic_incoherence"]), "0 = every link goes exactly one level up"),
            ("chain step vs upstreamness", _num(f["step_correlation"], "+.3f"),
             "Spearman; -1 = firms further down the template sit closer to final use"),
            ("supply weight along the chain", _pct(f["along_share"]), "of the weight running along or against it"),
            ("links against the chain", f"{f['against_links']:,}", ""),
            ("firms to check", f"{f['firms_to_check']:,}", ""),
            ("unbounded upstreamness", f"{f['unbounded_firms']:,}", "firms in closed loops with no sales outside"),
            ("rule", rule, f"solver: {s['solver']}")]
    out.append(format_table(("", "", ""), rows).split("\n", 2)[2])
    seg = p.segments
    rows = [(r.segment, r.stage, str(r.firms), _num(r.sales, ".1f"), _num(r.upstreamness), _num(r.trophic_level),
             r.note) for r in seg.itertuples(index=False)]
    out += ["", "Segments (template order; sales-weighted means of their local firms)",
            format_table(("segment", "stage", "firms", "sales", "upstreamness", "trophic level", "note"), rows)]
    firms = p.firms.sort_values(["upstreamness", "firm_id"], ascending=[False, True])
    firms = firms.head(top) if top else firms
    rows = [(r.firm_id, r.name, r.role, r.stage, _num(r.sales, ".1f"), _num(r.local_sales, ".1f"),
             _num(r.upstreamness), _num(r.trophic_level)) for r in firms.itertuples(index=False)]
    out += ["", f"Firms by upstreamness (top {len(rows)} of {len(p.firms):,})",
            format_table(("firm", "name", "role", "stage", "sales", "to local firms", "upstreamness",
                          "trophic level"), rows)]
    mm = p.mismatches
    shown = mm.head(top) if top else mm
    out += ["", f"Firms to check ({len(mm):,}){_more(len(shown), len(mm))}"]
    out.append(format_table(("firm", "name", "stage", "upstreamness", "what to check"),
                            [(r.firm_id, r.name, r.stage, _num(r.upstreamness), r.note)
                             for r in shown.itertuples(index=False)])
               if len(mm) else "none: every firm's position fits its declared segments")
    ag = p.against
    shown = ag.head(top) if top else ag
    out += ["", f"Supply links against the chain ({len(ag):,}){_more(len(shown), len(ag))}"]
    out.append(format_table(("seller", "buyer", "segments", "weight", "why"),
                            [(r.source, r.target, f"{r.segment_from} -> {r.segment_to}", _num(r.weight, "g"), r.reason)
                             for r in shown.itertuples(index=False)])
               if len(ag) else "none: every supply link runs along the chain or within a stage")
    return "\n".join(out)


_MEASURE_HEAD = {"lwcc": "Largest connected share of local firms", "index": "Completeness index",
                 "path_completeness": "Path completeness"}
_STRATEGY_HEAD = {"role": "leaders first", "degree": "by degree", "betweenness": "by betweenness",
                  "random": "random (min-max)"}


def resilience_text(c: Any, r: Any) -> str:
    """Resilience as headed, aligned text tables."""
    s = r.settings
    grid = "after every firm" if s["per_firm"] else f"in {s['steps']} steps"
    out = [f"Resilience: {c.name} ({c.id}), {r.n_firms:,} local firms, measured {grid}; "
           f"{s['runs']} random runs, seed {s['seed']}"
           + (f"; betweenness {s['betweenness']}, {s['betweenness_order']}" if s["betweenness"] else "")]
    b = r.baseline
    out.append(f"intact: largest connected share {_pct(b['lwcc'])}, completeness index {_num(b['index'])}, "
               f"path completeness {_num(b['path_completeness'])}")
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
        rows.append((_STRATEGY_HEAD[st], *cells, _num(r.robustness[st])))
    out += ["", "Area under the removal curve (1 = nothing lost until every firm is gone)",
            format_table(("strategy", "largest connected", "completeness index", "path completeness",
                          "R (Schneider)"), rows)]
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
        out += ["", f"{_MEASURE_HEAD[m]} after each step",
                format_table(("removed", "share", *(_STRATEGY_HEAD[st] for st in strategies)), rows)]
    sp = r.single_points
    out += ["", f"Single points of failure ({len(sp):,})"]
    out.append(format_table(("firm", "role", "index drop (pts)", "sinks cut off", "why"),
                            [(x.firm_id, x.role, f"{x.index_drop * 100:.1f}", ", ".join(x.sinks_cut), x.reason)
                             for x in sp.itertuples(index=False)])
               if len(sp) else "none: no single firm's loss lowers the completeness index or cuts a chain end off")
    return "\n".join(out)


_FIGURE_NAMES = (("segment_coverage", "segment coverage"), ("link_coverage", "link coverage"),
                 ("path_completeness", "path completeness"), ("index", "completeness index"))


def whatif_text(c: Any, w: Any) -> str:
    """The what-if as headed, aligned text tables."""
    names = dict(zip(c.firms["firm_id"].astype(str), c.firms["name"]))
    who = ", ".join(f"{x} ({names[x]})" for x in w.removed)
    out = [f"What if: {c.name} ({c.id}) without {who}"]
    b, a = w.before.completeness, w.after.completeness
    rows = [(label, _pct(b[k]), _pct(a[k]), f"{(a[k] - b[k]) * 100:+.1f} pts") for k, label in _FIGURE_NAMES]
    out.append(format_table(("figure", "before", "after", "change"), rows))
    for title, df in (("Gaps opened", w.opened), ("Gaps closed", w.closed)):
        out += ["", f"{title} ({len(df):,})"]
        out.append(format_table(("type", "gap", "impact (pts)", "why"),
                                [(g.type, g.id, f"{g.impact * 100:.1f}", g.reason) for g in df.itertuples(index=False)])
                   if len(df) else "none")
    return "\n".join(out)
