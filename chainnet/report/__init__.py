"""``chainnet analyze``: from a cluster to a report folder (chain map + lists), in English or Chinese.

The package runs in one direction: :mod:`.compute` runs every analysis (typed results) and builds
:mod:`.tables` (one per workbook sheet) and the :mod:`.document` (typed blocks); :mod:`.render_md`,
:mod:`.render_html`, :mod:`.render_xlsx` and :mod:`.render_docx` write them. Every word comes from the message catalogue
(:mod:`chainnet._messages`). Everything is written into a temporary folder first and moved into
place only when complete.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from .._errors import ChainnetError
from ..model import Cluster
from .compute import (
    FIGURE_KINDS,
    TIMELINE_MAX_YEARS,
    Analysis,
    _json_default,
    _say,
    compute,
    compute_started,
    draw_figures,
    timeline_years,
)
from .document import Block, Document, Figure, Heading, Paragraph, Table, build_document
from .full_tables import firm_table, link_table, write_parquet
from .render_docx import render_docx, write_docx
from .render_html import embedded_font_css, render_html
from .render_md import md_escape, render_markdown
from .render_xlsx import write_workbook
from .results import TABLE_FILES, TOP_N, _check_top, results_dict
from .tables import build_sheets

REPORT_FORMATS = ("md", "html", "xlsx", "docx")
#: the old name of :class:`Document`
_Doc = Document


def analyze(cluster: Cluster, out: str | os.PathLike, *, lang: str = "en", formats: Iterable[str] = REPORT_FORMATS,
            candidates: list[Cluster] | None = None, seed: int = 0, null_models: int = 20, force: bool = False,
            dpi: int = 200, top: int = TOP_N, progress: Callable[[str], None] | None = None) -> Path:
    """Analyse a cluster and write the report folder ``out``.

    Parameters
    ----------
    cluster : the cluster
    out : the report folder; it must not exist or be empty, unless ``force`` (and then only a
        folder chainnet wrote is replaced: see :mod:`chainnet._output`)
    lang : ``"en"`` or ``"zh"``: language of the report, tables and figures
    formats : any of ``md``, ``html``, ``xlsx``, ``docx`` (``results.json``, ``firms.parquet``,
        ``links.parquet`` and ``figures/`` are always written)
    candidates : other clusters whose firms may fill gaps (招商 candidates)
    seed, null_models : for the structure analysis (communities and random networks)
    force : replace a non-empty ``out`` that chainnet wrote
    dpi : resolution of the PNG figures
    top : rows kept of each per-firm or per-link list in ``results.json`` (every firm and link is in
        ``firms.parquet`` and ``links.parquet``)
    progress : called with a short message before each step

    Returns
    -------
    Path of the report folder.
    """
    formats = tuple(formats)
    bad = [f for f in formats if f not in REPORT_FORMATS]
    if bad:
        raise ChainnetError(f"unknown report format(s) {bad}; use any of {', '.join(REPORT_FORMATS)}")
    if lang not in ("en", "zh"):
        raise ChainnetError(f"lang must be 'en' or 'zh', not {lang!r}")
    _check_top(top)  # before any work
    from .._output import staged_output

    say = _say(progress, lang)
    with staged_output(out, kind="folder", force=force) as tmp:
        # a large cluster's workbook and chain map are written by a worker process meanwhile
        result, figures_saved = compute_started(
            cluster, lang=lang, candidates=candidates, seed=seed, null_models=null_models,
            figures_dir=tmp / "figures", dpi=dpi, workbook=tmp / "report.xlsx" if "xlsx" in formats else None,
            progress=progress)
        _write_results(result, tmp, top=top, say=say)
        if "md" in formats:
            say("prog.write_file", file="report.md")
            (tmp / "report.md").write_text(render_markdown(result.doc), encoding="utf-8")
        frame = None
        if "html" in formats and "chain" in result.figures:
            # the interactive chain map, placed before the static chain figure (which stays for print)
            from ..viz import interactive as viz_interactive

            n = len(cluster.firms)
            say("prog.map", n=n if n <= viz_interactive.EMBED_ALL_MAX else min(n, viz_interactive.EMBED_TOP))
            frame = viz_interactive.report_frame(cluster, audit=result.audit, lang=lang, seed=seed,
                                                 leaders=result.leaders)
        figures_saved()  # the HTML page and the Word document embed the PNG files
        if "html" in formats:
            say("prog.write_file", file="report.html")
            page = render_html(result.doc, tmp)
            if frame is not None:
                page = viz_interactive.insert_frame(page, frame)
            (tmp / "report.html").write_text(page, encoding="utf-8")
        if "docx" in formats:
            say("prog.write_file", file="report.docx")
            write_docx(result.doc, tmp, tmp / "report.docx")
    return Path(out)


def _write_results(result: Analysis, folder: Path, *, top: int, say: Callable[..., None]) -> None:
    """``firms.parquet`` and ``links.parquet`` (every firm and link with its measures), then
    ``results.json`` (summaries and top-``top`` lists, naming the two tables)."""
    c = result.cluster
    firms = firm_table(c, leaders=result.leaders, structure=result.structure, position=result.position,
                       resilience=result.resilience)
    say("prog.write_table", file=TABLE_FILES["firms"], n=len(firms))
    write_parquet(firms, folder / TABLE_FILES["firms"])
    say("prog.write_table", file=TABLE_FILES["links"], n=len(c.links))
    write_parquet(link_table(c, position=result.position), folder / TABLE_FILES["links"])
    say("prog.write_file", file="results.json")
    (folder / "results.json").write_text(json.dumps(result.to_dict(top=top), ensure_ascii=False, indent=1,
                                                    allow_nan=False, default=_json_default), encoding="utf-8")


__all__ = ["FIGURE_KINDS", "REPORT_FORMATS", "TIMELINE_MAX_YEARS", "TOP_N", "Analysis", "Block", "Document", "Figure",
           "Heading", "Paragraph", "Table", "analyze", "build_document", "build_sheets", "compute", "draw_figures",
           "embedded_font_css", "md_escape", "render_docx", "render_html", "render_markdown", "results_dict",
           "timeline_years", "write_docx", "write_workbook"]
