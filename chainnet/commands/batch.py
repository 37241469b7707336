"""``chainnet batch``: many clusters at once on Dask, with progress on stderr."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..batch import BatchProgress


def register(main: click.Group) -> None:
    """Add ``batch`` to the ``chainnet`` command group."""

    @main.command("batch")
    @click.argument("paths", nargs=-1, required=True, metavar="PATH...")
    @click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False), metavar="OUT",
                  help="Output folder (clusters.parquet, segments.parquet, gaps.parquet, errors.csv, summary.xlsx, "
                       "summary.md).")
    @click.option("--recursive", is_flag=True, help="Search folders of clusters through all their subfolders.")
    @click.option("--scheduler", default=None, metavar="ADDRESS",
                  help="A running Dask scheduler, e.g. tcp://host:8786 (default: a local Dask cluster sized to this "
                       "machine; 'serial': this process, no Dask).")
    @click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
                  help="Worker processes of the local cluster (default: one per core); with --scheduler, wait "
                       "until N workers have joined.")
    @click.option("--analyses", default="audit,leaders", show_default=True, metavar="LIST",
                  help="Comma-separated, any of audit, leaders, structure, profile, position, resilience, "
                       "similarity. The default two are the fast ones; similarity stores topology signatures "
                       "for `chainnet compare OUT`.")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of summary.md and of the sheet names of summary.xlsx.")
    @click.option("--force", is_flag=True, help="Replace OUT even if it holds an earlier batch or other files "
                                                "(other files are moved aside, not deleted).")
    @click.option("--resume", is_flag=True, help="Keep the clusters already done in OUT whose files are unchanged "
                                                 "(by content hash); compute new, changed and failed ones.")
    def batch_cmd(paths: tuple[str, ...], out: str, recursive: bool, scheduler: str | None, workers: int | None,
                  analyses: str, lang: str, force: bool, resume: bool) -> None:
        """Analyse many clusters at once on Dask and write one set of tables for all of them.

        Each PATH is a cluster (folder, .xlsx, .graphml/.gexf/.json, dataset id) or a folder of
        clusters. Each cluster is one Dask task; a cluster that fails is listed in errors.csv
        and the rest complete. Progress (done/total, failures, elapsed, ETA) goes to stderr.
        Exit code 0 when every cluster succeeded, 1 when some failed (the tables are written
        all the same). Schemas: docs/batch.md.

        \b
        Examples:
          chainnet batch clusters/ -o out
          chainnet batch clusters/ -o out --resume --analyses audit,leaders,structure
          chainnet batch clusters/ -o out --scheduler tcp://10.0.0.5:8786
        """
        from .._errors import ChainnetError
        from ..batch import parse_analyses, run_batch

        if force and resume:
            raise click.UsageError("--force starts again and --resume continues: give one of them")
        try:
            parse_analyses(analyses)
        except ChainnetError as exc:
            raise click.BadParameter(str(exc), param_hint="--analyses") from None
        bar = _ProgressBar()
        r = run_batch(list(paths), out, scheduler=scheduler, workers=workers, analyses=analyses, lang=lang,
                      resume=resume, force=force, recursive=recursive, progress=bar)
        bar.close()
        n_err = len(r.errors)
        click.echo(f"wrote {r.out}: {len(r.clusters)} clusters analysed ({len(r.skipped)} unchanged, kept), "
                   f"{n_err} failed" + (f" (see {r.out / 'errors.csv'})" if n_err else ""), err=True)
        if n_err:
            sys.exit(1)


class _ProgressBar:
    """Draws ``[####....] done/total  failed  elapsed  ETA`` on stderr: in place on a terminal,
    otherwise a line every 10% (and at the end) so logs stay short."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.announced = False
        self.last_step = -1
        self.drawn = False

    def __call__(self, p: BatchProgress) -> None:
        if not self.announced:
            self.announced = True
            where = p.scheduler if p.scheduler not in (None, "local", "serial") else (
                "this process" if p.scheduler == "serial" else "a local Dask cluster")
            click.echo(f"running {p.total} clusters on {where}" + (f" ({p.skipped} unchanged, kept)" if p.skipped
                                                                   else ""), err=True)
            if p.dashboard:
                click.echo(f"Dask dashboard: {p.dashboard}", err=True)
        step = p.done * 10 // max(p.total, 1)
        if not self.tty and step == self.last_step and p.done != p.total:
            return
        self.last_step = step
        width = 30
        fill = width * p.done // max(p.total, 1)
        eta = "—" if p.eta is None else _clock(p.eta)
        line = (f"[{'#' * fill}{'.' * (width - fill)}] {p.done}/{p.total} clusters  {p.failed} failed  "
                f"elapsed {_clock(p.elapsed)}  ETA {eta}")
        click.echo(("\r" + line) if self.tty else line, err=True, nl=not self.tty)
        self.drawn = True

    def close(self) -> None:
        if self.tty and self.drawn:
            click.echo("", err=True)


def _clock(seconds: float) -> str:
    """``h:mm:ss`` or ``m:ss``.

    >>> _clock(75.2), _clock(3725)
    ('1:15', '1:02:05')
    """
    s = round(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
