"""Run every analysis of a report: typed results, the report's tables and document, the figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .. import _parallel
from .._messages import msg
from ..model import Cluster
from .document import Document, build_document
from .results import TOP_N
from .tables import build_sheets


@dataclass
class Analysis:
    """Everything ``analyze`` computed: the results objects, the report tables and the figure files."""

    cluster: Cluster
    lang: str
    audit: Any
    leaders: Any
    structure: Any
    profile: Any
    position: Any
    resilience: Any
    timeline: pd.DataFrame | None
    sheets: dict[str, pd.DataFrame]
    figures: dict[str, str]
    doc: Document

    def to_dict(self, *, top: int = TOP_N) -> dict[str, Any]:
        """The content of ``results.json``: every summary, per-firm lists cut to ``top`` rows
        (see :func:`chainnet.report.results.results_dict`)."""
        from .results import results_dict

        return results_dict(self, top=top)


def compute(cluster: Cluster, *, lang: str = "en", candidates: list[Cluster] | None = None, seed: int = 0,
            null_models: int = 20, figures_dir: Path | None = None, dpi: int = 200,
            progress: Callable[[str], None] | None = None) -> Analysis:
    """Run every analysis and build the report tables and blocks (figures saved into ``figures_dir``)."""
    from ..analysis._snapshots import shared
    from ..analysis.centrality import leaders
    from ..analysis.completeness import audit
    from ..analysis.position import position
    from ..analysis.profile import profile
    from ..analysis.resilience import DEFAULT_RUNS, resilience
    from ..analysis.structure import NULL_BUDGET, PARALLEL_MIN_LINKS, null_count, structure
    from ..analysis.timeline import headline

    say = _say(progress, lang)
    known = cluster.links_known  # a firm list (links unknown): no analysis read from ties is run
    say("prog.audit")
    a = audit(cluster, candidates=candidates)

    st = pos = res = worker = None
    if known:
        from ..analysis import _sparse

        g = _sparse.supply_graph(cluster)
        drawn = null_count(null_models, g.m, NULL_BUDGET)
        structure_msg = (("prog.structure_capped", {"n": drawn, "requested": null_models}) if 0 < drawn < null_models
                         else ("prog.structure", {"n": drawn}))  # as requested, or none below 2 links
        if g.m >= PARALLEL_MIN_LINKS:
            # a large cluster's structure (random networks included) and position run in a worker
            # process while this one computes leaders, the life cycle, resilience and the timeline
            _sparse.build_views(g)  # built once, before the fork, for both processes
            say(structure_msg[0], **structure_msg[1])
            say("prog.position")
            worker = _parallel.start(_structure_and_position, cluster, seed=seed, null_models=null_models,
                                     null_budget=NULL_BUDGET)
    say("prog.leaders")
    ld = leaders(cluster, seed=seed)
    if known and worker is None:
        say(structure_msg[0], **structure_msg[1])
        st = structure(cluster, seed=seed, null_models=null_models, null_budget=NULL_BUDGET)
    # the life cycle and the timeline cut each year once and derive its graphs from the cluster's;
    # the timeline's figures of a year the life cycle also follows are taken from its snapshot
    tl_years = _timeline_plan(cluster)
    with shared(cluster) as cut:
        cut.later(tl_years, headline)
        say("prog.profile")
        pr = profile(cluster)
        if known:
            if worker is None:
                say("prog.position")
                pos = position(cluster)
            say("prog.resilience")
            res = resilience(cluster, runs=DEFAULT_RUNS, seed=seed)
        tl = _timeline(cluster, tl_years, say)
    if worker is not None:
        st, pos = worker.result()
    if known:  # the graph views only the analyses read go before the figures fork a worker
        _sparse.release_views(g)
    figures: dict[str, str] = {}
    if figures_dir is not None:
        say("prog.figures")
        figures = draw_figures(cluster, a, ld, st, lang=lang, folder=figures_dir, seed=seed, dpi=dpi,
                               profile=pr, timeline=tl, resilience=res)
    sheets = build_sheets(cluster, a, ld, st, lang=lang, pr=pr, pos=pos, res=res, tl=tl)
    doc = build_document(cluster, a, ld, st, sheets, figures, lang=lang)
    return Analysis(cluster, lang, a, ld, st, pr, pos, res, tl, sheets, figures, doc)


def _structure_and_position(cluster: Cluster, *, seed: int, null_models: int, null_budget: int) -> tuple[Any, Any]:
    """``structure`` and ``position`` of a cluster: the share of ``compute`` a worker process takes."""
    from ..analysis.position import position
    from ..analysis.structure import structure

    return structure(cluster, seed=seed, null_models=null_models, null_budget=null_budget), position(cluster)


#: at most this many years in the report's timeline; a longer history is shown every k-th year
#: (a regular step from the first year, and always the last), and the report says so
TIMELINE_MAX_YEARS = 12


def _say(progress: Callable[[str], None] | None, lang: str) -> Callable[..., None]:
    """Progress as catalogue messages in the report's language."""
    if progress is None:
        return lambda code, **params: None
    return lambda code, **params: progress(msg(code, lang, **params))


def _timeline_plan(cluster: Cluster) -> list[int]:
    """The years of the report's timeline: :func:`timeline_years` when the data carry two years
    or more, else none."""
    from ..analysis.timeline import change_years

    if not change_years(cluster):  # no dated firm or link: nothing to follow over time
        return []
    years = timeline_years(cluster)
    return years if len(years) >= 2 else []


def _timeline(cluster: Cluster, years: list[int], say: Callable[..., None]) -> pd.DataFrame | None:
    """Headline figures per year of :func:`_timeline_plan`, or None without its years (the report says so)."""
    from ..analysis.timeline import timeline

    if not years:
        return None
    say("prog.timeline", n=len(years), first=years[0], last=years[-1])
    return timeline(cluster, years=years)


def timeline_years(cluster: Cluster) -> list[int]:
    """The years the report follows ``cluster`` over: its default years when there are at most
    :data:`TIMELINE_MAX_YEARS`, else every k-th of them from the first (k the smallest step that
    fits) and the last. A regular step never skips one year in the middle of an otherwise
    yearly series."""
    from ..analysis.timeline import default_years

    years = default_years(cluster)
    if len(years) > TIMELINE_MAX_YEARS:
        step = -(-(len(years) - 1) // (TIMELINE_MAX_YEARS - 1))
        years = sorted({*years[::step], years[-1]})
    return years


# -- figures -------------------------------------------------------------------------------------
FIGURE_KINDS = ("chain", "completeness", "leaders", "network", "bowtie", "degree")


def draw_figures(cluster: Cluster, a: Any, ld: Any, st: Any, *, lang: str, folder: Path, seed: int,
                 dpi: int = 200, profile: Any = None, timeline: pd.DataFrame | None = None,
                 resilience: Any = None) -> dict[str, str]:
    """Save every figure as PNG and SVG; returns kind -> PNG path relative to the report folder.

    The kinds of :data:`FIGURE_KINDS` are always drawn; ``profile`` and ``timeline`` when given.
    """
    from .. import viz

    folder.mkdir(parents=True, exist_ok=True)
    makers = {
        "chain": lambda: viz.chain_map(cluster, audit=a, lang=lang, seed=seed),
        "completeness": lambda: viz.completeness_chart(a, lang=lang),
        "leaders": lambda: viz.leader_chart(ld, lang=lang, meta=cluster.meta),
        "network": lambda: viz.network(cluster, lang=lang, seed=seed, structure=st),
        "bowtie": lambda: viz.bowtie(st, lang=lang, meta=cluster.meta),
        "degree": lambda: viz.degree_distribution(cluster, lang=lang),
    }
    if not cluster.links_known:  # figures drawn from ties would be empty: links unknown
        for kind in ("leaders", "network", "bowtie", "degree"):
            del makers[kind]
    if profile is not None:
        makers["profile"] = lambda: viz.profile_radar(profile, lang=lang)
    if resilience is not None:
        makers["resilience"] = lambda: viz.resilience_chart(resilience, lang=lang, meta=cluster.meta)
    if timeline is not None:
        name = cluster.meta.get("name_zh") if lang == "zh" and cluster.meta.get("name_zh") else cluster.name
        makers["timeline"] = lambda: viz.timeline_chart(timeline, lang=lang, name=name)
    # a large cluster's chain map and degree plot (the slowest two) are drawn by a worker process
    # while this one draws the rest; every figure is the same whichever process draws it
    big = len(cluster.firms) >= PARALLEL_MIN_FIRMS
    other = [k for k in makers if k in _WORKER_FIGURES] if big else []
    job = _parallel.start(_draw, makers, other, folder, dpi, parallel=bool(other))
    _draw(makers, [k for k in makers if k not in other], folder, dpi)
    job.result()
    return {kind: f"figures/{kind}.png" for kind in makers}


#: from this many firms ``draw_figures`` draws, and ``analyze`` writes the workbook, in a second
#: process (:mod:`chainnet._parallel`)
PARALLEL_MIN_FIRMS = 5_000
#: the figures a worker process draws (about half the drawing time of a large cluster)
_WORKER_FIGURES = ("chain", "degree")


def _draw(makers: dict[str, Callable[[], Any]], kinds: list[str], folder: Path, dpi: int) -> None:
    """Draw the figures ``kinds`` and save each as PNG and SVG into ``folder``."""
    from .. import viz

    for kind in kinds:
        fig, _ = makers[kind]()
        viz.save(fig, folder / f"{kind}.png", dpi=dpi)
        viz.save(fig, folder / f"{kind}.svg")



def _json_default(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    if isinstance(x, (set, tuple)):
        return list(x)
    return str(x)

