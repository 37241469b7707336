"""``chainnet plot``: one figure of a cluster as PNG, SVG or PDF."""

from __future__ import annotations

import click

from ._common import FORCE_OPTION, check_figure_output, cluster_argument, load, save_figure

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
    def plot_cmd(path: str, kind: str, output: str, lang: str, dpi: int, orientation: str, seed: int,
                 force: bool) -> None:
        """Draw a figure of a cluster and save it as PNG, SVG or PDF.

        The same input and seed give byte-identical files. Chinese text (--lang zh) uses the Noto
        Sans CJK SC font installed with chainnet. PATH is a cluster folder, an .xlsx workbook, a
        .graphml/.gexf/.json file or a bundled dataset id.

        \b
        Examples:
          chainnet plot demo_copper -o chain.png
          chainnet plot demo_copper --lang zh --orientation vertical -o chain_zh.pdf
          chainnet plot demo_copper --kind network --seed 1 -o network.svg
          chainnet plot tongling_copper -o map.html
        """
        from pathlib import Path

        if Path(output).suffix.lower() == ".html":
            _html(path, kind, output, lang, seed, force)
            return
        check_figure_output(output, force=force)
        from .. import viz
        from ..analysis.resilience import DEFAULT_RUNS

        c = load(path)
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
        fig, _ = makers[kind]()
        click.echo(f"wrote {save_figure(fig, output, force=force, dpi=dpi)}", err=True)


def _html(path: str, kind: str, output: str, lang: str, seed: int, force: bool) -> None:
    """The interactive map of ``--kind chain`` or ``network`` as one self-contained HTML file."""
    if kind not in ("chain", "network"):
        raise click.BadParameter(f"an .html file holds the interactive map of --kind chain or network, not {kind!r}; "
                                 "use .png, .svg or .pdf for this figure", param_hint="-o/--output")
    from .._output import check_output, staged_output
    from ..viz import interactive

    check_output(output, kind="file", force=force)  # before the computation, like every output
    c = load(path)
    if kind == "network" and not c.links_known:
        raise click.ClickException(f"{c.id}: links unknown: there is no supply network to draw "
                                   "(links = \"unknown\" in cluster.toml); the chain map (--kind chain) works without links")
    page = interactive.interactive_map(c, kind=kind, lang=lang, seed=seed)
    with staged_output(output, kind="file", force=force) as tmp:
        interactive.save_html(page, tmp)
    click.echo(f"wrote {output}", err=True)


def _timeline_years(c: object) -> list[int]:
    """The years ``chainnet analyze`` follows the cluster over."""
    from ..report import timeline_years

    return timeline_years(c)
