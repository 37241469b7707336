"""``chainnet plot``: one figure of a cluster as PNG, SVG or PDF."""

from __future__ import annotations

import click

from .._messages import msg, t
from ._common import FORCE_OPTION, check_figure_output, cluster_argument, save_figure
from ._progress import QUIET_OPTION, Progress

PLOT_KINDS = ("chain", "network", "leaders", "completeness", "bowtie", "degree", "resilience", "profile", "timeline")


def register(main: click.Group) -> None:
    """Add ``plot`` to the ``chainnet`` command group."""

    @main.command("plot")
    @cluster_argument
    @click.option("--kind", type=click.Choice(PLOT_KINDS), default="chain", show_default=True,
                  help="chain: chain map; network: supply network by community; leaders: leader centrality; "
                       "completeness: firms per segment by status; bowtie: bow-tie structure; degree: degree distribution; "
                       "resilience: removal curves; profile: world-class gap radar; timeline: figures over the years.")
    @click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
                  help="Figure file; the format follows its extension: .png, .svg or .pdf, or .html for the "
                       "interactive map (--kind chain or network; one self-contained file).")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of names, legend and title.")
    @click.option("--dpi", type=click.IntRange(min=10, max=2400), default=200, show_default=True,
                  help="Resolution of PNG output.")
    @click.option("--orientation", type=click.Choice(["horizontal", "vertical"]), default="horizontal",
                  show_default=True, help="Chain map lanes left to right or top to bottom.")
    @click.option("--seed", type=int, default=0, show_default=True, help="Seed of layouts and community detection.")
    @FORCE_OPTION
    @QUIET_OPTION
    def plot_cmd(path: str, kind: str, output: str, lang: str, dpi: int, orientation: str, seed: int,
                 force: bool, quiet: bool) -> None:
        """Draw a figure of a cluster and save it as PNG, SVG or PDF.

        The same input and seed give byte-identical files. Chinese text (--lang zh) uses the Noto
        Sans CJK SC font installed with chainnet. Above 5,000 local firms the chain map and the
        network are aggregate views (docs/figures.md) and the slow steps are reported on stderr.
        PATH is a cluster folder, an .xlsx workbook, a .graphml/.gexf/.json file or a bundled
        dataset id.

        \b
        Examples:
          chainnet plot demo_copper -o chain.png
          chainnet plot demo_copper --lang zh --orientation vertical -o chain_zh.pdf
          chainnet plot demo_copper --kind network --seed 1 -o network.svg
          chainnet plot tongling_copper -o map.html
        """
        from pathlib import Path

        if Path(output).suffix.lower() == ".html":
            _html(path, kind, output, lang, seed, force, Progress(quiet=quiet, lang=lang))
            return
        check_figure_output(output, force=force)
        from .. import viz
        from ..analysis.resilience import DEFAULT_RUNS

        progress = Progress(quiet=quiet, lang=lang)
        c = progress.load(path)
        if kind in ("network", "leaders", "bowtie", "degree", "resilience") and not c.links_known:
            raise click.ClickException(f"{c.id}: links unknown: link figures not measured, so there is no {kind} "
                                       "figure to draw (links = \"unknown\" in cluster.toml); the chain map "
                                       "(--kind chain) and --kind completeness work without links")
        makers = {
            "chain": lambda: viz.chain_map(c, lang=lang, orientation=orientation, seed=seed),
            "network": lambda: viz.network(c, lang=lang, seed=seed),
            "leaders": lambda: viz.leader_chart(c, lang=lang, seed=seed),
            "completeness": lambda: viz.completeness_chart(c, lang=lang),
            "bowtie": lambda: viz.bowtie(c, lang=lang, seed=seed),
            "degree": lambda: viz.degree_distribution(c, lang=lang),
            # the same analyses and options as `chainnet analyze` draws them with
            "resilience": lambda: viz.resilience_chart(c, lang=lang, seed=seed, runs=DEFAULT_RUNS),
            "profile": lambda: viz.profile_radar(c, lang=lang),
            "timeline": lambda: viz.timeline_chart(c, lang=lang, years=_timeline_years(c)),
        }
        what = _FIRST.get(kind)
        progress("prog.plot", c, kind=_figure_name(kind, lang),
                 what=msg("prog.plot_what", lang, what=msg(what, lang)) if what else "")
        fig, _ = makers[kind]()
        progress("prog.save", path=output)
        click.echo(f"wrote {save_figure(fig, output, force=force, dpi=dpi)}", err=True)


def _figure_name(kind: str, lang: str) -> str:
    """The figure's name in ``lang`` (the report's caption word), for the progress line."""
    return t({"chain": "chain_map", "leaders": "leader_centrality"}.get(kind, kind), lang)


#: The analysis each figure runs before drawing (a catalogue message), for the progress line.
_FIRST = {"chain": "prog.audit", "completeness": "prog.audit", "network": "prog.communities",
          "leaders": "prog.leaders", "bowtie": "prog.structure_only", "resilience": "prog.resilience",
          "profile": "prog.profile", "timeline": "prog.timeline_only"}


def _html(path: str, kind: str, output: str, lang: str, seed: int, force: bool, progress: Progress) -> None:
    """The interactive map of ``--kind chain`` or ``network`` as one self-contained HTML file."""
    if kind not in ("chain", "network"):
        raise click.BadParameter(f"an .html file holds the interactive map of --kind chain or network, not {kind!r}; "
                                 "use .png, .svg or .pdf for this figure", param_hint="-o/--output")
    from .._output import check_output, staged_output
    from ..viz import interactive

    check_output(output, kind="file", force=force)  # before the computation, like every output
    c = progress.load(path)
    if kind == "network" and not c.links_known:
        raise click.ClickException(f"{c.id}: links unknown: there is no supply network to draw "
                                   "(links = \"unknown\" in cluster.toml); the chain map (--kind chain) works without links")
    progress("prog.plot", c, kind=_figure_name(kind, lang), what="")
    page = interactive.interactive_map(c, kind=kind, lang=lang, seed=seed)
    with staged_output(output, kind="file", force=force) as tmp:
        interactive.save_html(page, tmp)
    click.echo(f"wrote {output}", err=True)


def _timeline_years(c: object) -> list[int]:
    """The years ``chainnet analyze`` follows the cluster over."""
    from ..report import timeline_years

    return timeline_years(c)
