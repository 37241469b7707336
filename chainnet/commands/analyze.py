"""``chainnet analyze``: the full report folder (Markdown, HTML, Excel, Word, figures, JSON)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

import chainnet.datasets as _datasets

from .. import _parallel
from .._messages import msg
from .._output import check_output
from ._common import load, split_many

if TYPE_CHECKING:
    from ..model import Cluster


def register(main: click.Group) -> None:
    """Add ``analyze`` to the ``chainnet`` command group."""

    @main.command("analyze")
    @click.argument("paths", metavar="[PATH]", nargs=-1)
    @click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Report folder to create.")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of the report, tables and figures.")
    @click.option("--formats", "--format", "formats", default="md,html,xlsx,docx", show_default=True,
                  help="Comma-separated report files to write: md, html, xlsx, docx (results.json and figures/ are "
                       "always written). --format is the same option.")
    @click.option("--candidates", "candidate_paths", multiple=True, metavar="PATH",
                  help="Other clusters whose firms may fill gaps (招商): --candidates A B, repeated, or A,B. "
                       "Default: every other bundled dataset.")
    @click.option("--seed", type=int, default=0, show_default=True, help="Seed for communities and random networks.")
    @click.option("--null-models", type=click.IntRange(0), default=20, show_default=True,
                  help="Degree-preserving random networks for the structure z-scores.")
    @click.option("--dpi", type=click.IntRange(30, 1200), default=200, show_default=True, help="PNG resolution.")
    @click.option("--force", is_flag=True,
                  help="Replace OUTPUT if it is a report folder chainnet wrote (other folders are never replaced).")
    @click.option("--workers", type=click.IntRange(1), default=None,
                  help="Processes computing at once for a large cluster (default: the machine's cores, or "
                       "CHAINNET_WORKERS); 1: everything in one process. Results are the same either way.")
    @click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
    def analyze_cmd(paths: tuple[str, ...], output: str, lang: str, formats: str, candidate_paths: tuple[str, ...],
                    seed: int, null_models: int, dpi: int, workers: int | None, force: bool, quiet: bool) -> None:
        """Analyse a cluster and write a report folder: chain map, gap lists, leaders, structure.

        Writes report.md, report.html (self-contained), report.xlsx (a summary sheet, then one
        formatted sheet per table), report.docx (Word: headings, tables, numbered figures, page
        numbers), figures/ (PNG and SVG), results.json (summaries, top-100 lists) and
        firms.parquet and links.parquet (every firm and link with its measures) into OUTPUT.
        Without PATH it analyses the bundled
        Tongling copper cluster. PATH is a cluster folder, an .xlsx workbook, a graph file or a
        bundled dataset id. A large cluster (50,000 supply links or more) is analysed on the
        machine's cores at once: structure and position in a worker process beside the rest.

        \b
        Examples:
          chainnet analyze -o tongling_report
          chainnet analyze my_cluster.xlsx -o report --lang zh
          chainnet analyze my_cluster -o report --candidates tongling_copper other_cluster/
        """
        from ..report import REPORT_FORMATS, analyze

        fmts = tuple(f.strip() for f in formats.split(",") if f.strip())
        bad = [f for f in fmts if f not in REPORT_FORMATS]
        if bad:
            raise click.BadParameter(f"unknown format(s) {', '.join(bad)}; use {', '.join(REPORT_FORMATS)}",
                                     param_hint="--formats")
        say = (lambda text: None) if quiet else (lambda text: click.echo(f"chainnet: {text} ...", err=True))
        # the first PATH is the cluster; `--candidates a b` leaves `b` among the trailing arguments
        path = paths[0] if paths else "tongling_copper"
        cand_ids = split_many(candidate_paths, paths[1:], option="--candidates")
        check_output(output, kind="folder", force=force)  # before any work
        say(msg("prog.read", lang, path=path))
        c = load(path)
        if cand_ids:
            cands = [load(p) for p in cand_ids]
        else:
            cands = _Bundled([d for d in _datasets.available() if d != c.id])
        with _parallel.limited(workers):
            out = analyze(c, output, lang=lang, formats=fmts, candidates=cands, seed=seed, null_models=null_models,
                          force=force, dpi=dpi, progress=say)
        click.echo(str(out))
        say(msg("prog.done_open", lang, path=out / "report.html") if "html" in fmts else msg("prog.done", lang))


class _Bundled:
    """The other bundled datasets as candidates, read on first use: a cluster without a segment
    gap never needs them (the audit ranks candidates only for gaps), so it does not read them."""

    def __init__(self, ids: list[str]):
        self.ids = ids
        self._clusters: list[Cluster] | None = None

    def __iter__(self) -> Iterator[Cluster]:
        if self._clusters is None:
            self._clusters = [_datasets.load(d) for d in self.ids]
        return iter(self._clusters)
