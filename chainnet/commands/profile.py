"""``chainnet profile``: specialisation, concentration, life-cycle stage and world-class gap scores."""

from __future__ import annotations

import re
from typing import Any

import click

from .._messages import words
from ._common import (
    FORCE_OPTION,
    FORMAT_OPTION,
    check_figure_output,
    emit_csv,
    emit_json,
    format_table,
    save_figure,
    width,
)
from ._progress import QUIET_OPTION, Progress


def register(main: click.Group) -> None:
    """Add ``profile`` to the ``chainnet`` command group."""

    @main.command("profile")
    @click.argument("path", metavar="PATH")
    @FORMAT_OPTION
    @click.option("--benchmark", metavar="FILE", default=None,
                  help="Benchmark profile (.toml) for the world-class scores; default: the bundled illustrative one.")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of headings, figure names and the radar chart.")
    @click.option("-o", "--output", "figure", metavar="FIGURE", default=None, type=click.Path(dir_okay=False),
                  help="Also draw the four-dimension radar against the benchmark to this .png, .svg or .pdf file.")
    @FORCE_OPTION
    @QUIET_OPTION
    def profile_cmd(path: str, fmt: str, benchmark: str | None, lang: str, figure: str | None, force: bool,
                    quiet: bool) -> None:
        """Profile a cluster: specialisation, concentration, life-cycle stage and world-class gaps.

        Prints micro and macro specialisation and location quotients (from the optional [economy]
        table of cluster.toml, [facts] or firm outputs), the Herfindahl-Hirschman index and top-k
        shares of local firms' output, the life-cycle stage (formation, growth, maturity,
        upgrading) with the indicators behind it and a confidence, and 0-100 scores on the four
        world-class dimensions against a benchmark profile. The bundled benchmark's targets are
        illustrative, not measured: pass your own with --benchmark. PATH is a cluster folder, an
        .xlsx workbook, a graph file or a bundled dataset id.

        \b
        Examples:
          chainnet profile tongling_copper
          chainnet profile tongling_copper --lang zh -o radar.png
          chainnet profile my_cluster --benchmark my_targets.toml --format json
          chainnet profile my_cluster --format csv > profile.csv
        """
        from ..analysis.profile import profile

        check_figure_output(figure, force=force)
        progress = Progress(quiet=quiet, lang=lang)
        c = progress.load(path)
        progress("prog.cmd_profile", c)
        p = profile(c, benchmark)
        if fmt == "json":
            emit_json(p.to_dict())
        elif fmt == "csv":
            emit_csv(p.table())
        else:
            click.echo(profile_text(p, lang=lang))
        if figure is not None:
            from ..viz.profile import profile_radar

            fig, _ = profile_radar(p, lang=lang)
            click.echo(f"wrote {save_figure(fig, figure, force=force)}", err=True)


def profile_text(p: Any, *, lang: str = "en") -> str:
    """The profile as headed, aligned text tables in English or Chinese."""
    h = words("profile", lang)
    name = (p.cluster_name_zh or p.cluster_name) if lang == "zh" else p.cluster_name
    from ..analysis.worldclass import DIMENSION_NAMES, INDICATORS

    summary = p.summary_table(lang)
    rows_s = [tuple(r) for r in summary.itertuples(index=False)]
    rows_s[-1] = (*rows_s[-1][:3], "")  # the benchmark's note is printed in full below the tables
    parts = [h["title"].format(name=name) + (f" ({p.year})" if p.year else ""), "",
             format_table(tuple(summary.columns), _wrapped(rows_s, SUMMARY_WIDTHS))]

    w = p.worldclass
    rows = []
    for r in w.indicators.itertuples():
        if r.weight is None or r.weight != r.weight:
            continue
        dim = DIMENSION_NAMES[r.dimension][1 if lang == "zh" else 0]
        label = INDICATORS[r.indicator][2 if lang == "zh" else 1]
        rows.append((dim, label, _num(r.value), _bound(r.target), _bound(r.floor),
                     "—" if r.score is None or r.score != r.score else f"{r.score:.0f}",
                     r.basis_zh if lang == "zh" else r.basis))
    bname = (w.benchmark.name_zh or w.benchmark.name) if lang == "zh" else w.benchmark.name
    parts += ["", h["indicators"].format(b=bname), format_table(h["ind_head"], _wrapped(rows, INDICATOR_WIDTHS))]
    seg = p.concentration.segments
    seg = seg[seg["hhi"].notna()]
    if len(seg):
        parts += ["", h["segments"], format_table(h["seg_head"], [
            (r.segment, r.firms, f"{r.hhi:.3f}", f"{r.cr4:.0%}",
             (r.top_firm_zh if lang == "zh" else r.top_firm) or "") for r in seg.itertuples()])]
    b = w.benchmark
    notes = [f"{h['bench']}: {(b.note_zh or b.note) if lang == 'zh' else b.note}"]
    zh = lang == "zh"
    notes += list(p.lifecycle.notes_zh if zh else p.lifecycle.notes)
    notes += list(p.concentration.notes_zh if zh else p.concentration.notes)
    parts += ["", h["notes"]] + ["  - " + "\n    ".join(_wrap_cell(n, NOTE_WIDTH)) for n in notes]
    return "\n".join(parts)


#: widest cell (terminal columns) of each column of the two profile tables: long values and notes
#: wrap onto continuation lines, so that a table stays within about 120 columns
SUMMARY_WIDTHS = (16, 36, 26, 36)
INDICATOR_WIDTHS = (21, 26, 7, 9, 5, 5, 36)
NOTE_WIDTH = 112


def _wrapped(rows: list[tuple[Any, ...]], widths: tuple[int, ...]) -> list[tuple[str, ...]]:
    """Rows with each cell wrapped to its column's width: a long cell continues on the lines below."""
    out: list[tuple[str, ...]] = []
    for r in rows:
        cells = [_wrap_cell("" if c is None else str(c), w) for c, w in zip(r, widths)]
        out.extend(tuple(c[k] if k < len(c) else "" for c in cells) for k in range(max(len(c) for c in cells)))
    return out


_NO_LINE_START = set("）)」』】，。、；：！？,.;:!?%")
_NO_LINE_END = set("（(「『【")


def _wrap_cell(text: str, limit: int) -> list[str]:
    """``text`` in lines of at most ``limit`` terminal columns: breaks between words, anywhere in CJK
    text, and inside a word only when the word alone is too long.

    >>> _wrap_cell("at least 2 local supply links per firm", 16)
    ['at least 2 local', 'supply links per', 'firm']
    >>> _wrap_cell("完整度指数不低于0.8", 8)
    ['完整度指', '数不低于', '0.8']
    """
    lines, cur = [], ""
    for tok in re.findall(r"[\u2e80-\u9fff\uff00-\uffef]|[^\s\u2e80-\u9fff\uff00-\uffef]+|\s+", text):
        if tok.isspace():
            cur += " " if cur else ""
            continue
        while width(tok) > limit:  # a word longer than the column: cut it
            room = limit - width(cur)
            if room <= 0:
                lines.append(cur.rstrip())
                cur, room = "", limit
            k = 0
            while k < len(tok) and width(tok[:k + 1]) <= room:
                k += 1
            cur, tok = cur + tok[:k], tok[k:]
            lines.append(cur.rstrip())
            cur = ""
        if cur and width(cur + tok) > limit and tok[0] not in _NO_LINE_START:
            carry = ""
            while len(cur) > 1 and cur[-1] in _NO_LINE_END:  # an opening bracket goes with what it opens
                carry, cur = cur[-1] + carry, cur[:-1]
            lines.append(cur.rstrip())
            cur = carry
        cur += tok
    if cur.strip() or not lines:
        lines.append(cur.rstrip())
    return lines


def _num(x: Any) -> str:
    if x is None or x != x:
        return "—"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _bound(x: Any) -> str:
    if isinstance(x, list):
        return f"{x[0]:g}–{x[1]:g}"
    return "—" if x is None or x != x else f"{x:g}"
