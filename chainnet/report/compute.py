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
    result, wait = compute_started(cluster, lang=lang, candidates=candidates, seed=seed, null_models=null_models,
                                   figures_dir=figures_dir, dpi=dpi, progress=progress)
    wait()
    return result


def compute_started(cluster: Cluster, *, lang: str = "en", candidates: list[Cluster] | None = None, seed: int = 0,
                    null_models: int = 20, figures_dir: Path | None = None, dpi: int = 200,
                    workbook: Path | None = None,
                    progress: Callable[[str], None] | None = None) -> tuple[Analysis, Callable[[], None]]:
    """:func:`compute`, returning before a worker process has finished its share of the figures.

    Returns the analysis and a function that waits until every figure file is saved (and
    ``workbook``, when given, written): ``analyze`` writes the tables and ``results.json`` meanwhile.
    For a large cluster a worker process writes ``workbook`` (``report.xlsx``) and then draws the
    chain map while this process draws the other figures; otherwise everything is done here first.
    """
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
    st = pos = res = worker = None
    if known:
        from ..analysis import _sparse

        g = _sparse.supply_graph(cluster)
        drawn = null_count(null_models, g.m, NULL_BUDGET)
        structure_msg = (("prog.structure_capped", {"n": drawn, "requested": null_models}) if 0 < drawn < null_models
                         else ("prog.structure", {"n": drawn}))  # as requested, or none below 2 links
        if g.m >= PARALLEL_MIN_LINKS:
            # a large cluster's structure (random networks included) runs in a worker process while
            # this one audits the chain and computes leaders, the life cycle, resilience and the
            # timeline; position goes to the worker if it is free by then (the steps of leaders and
            # resilience hand pending steps to free workers), else this process computes it while
            # structure finishes. structure reads no part of the audit, so it starts first: the
            # worker would otherwise wait for the chain's encoding (about 10 s at 10^6 firms)
            _sparse.build_views(g)  # built once, before the fork, for both processes
            say(structure_msg[0], **structure_msg[1])
            say("prog.position")
            worker = [_parallel.start(structure, cluster, seed=seed, null_models=null_models, null_budget=NULL_BUDGET),
                      _parallel.start(position, cluster)]
    say("prog.audit")
    a = audit(cluster, candidates=candidates)
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
        st, pos = _parallel.gather(worker)
    if known:  # the graph views only the analyses read go before the figures fork a worker
        _sparse.release_views(g)
    sheets = build_sheets(cluster, a, ld, st, lang=lang, pr=pr, pos=pos, res=res, tl=tl)
    # the workbook reads the tables, not the figures or the document: written while they are drawn
    result = Analysis(cluster, lang, a, ld, st, pr, pos, res, tl, sheets, {}, Document(lang))
    big = len(cluster.firms) >= PARALLEL_MIN_FIRMS
    first: list[tuple[Callable[..., Any], tuple]] = []
    if workbook is not None:
        from .render_xlsx import write_workbook

        say("prog.write_file", file=workbook.name)
        first.append((write_workbook, (result, workbook)))
    job = None
    if figures_dir is not None:
        say("prog.figures")
        makers = figure_makers(cluster, a, ld, st, lang=lang, seed=seed, profile=pr, timeline=tl, resilience=res)
        result.figures, job = _start_figures(makers, figures_dir, dpi, big=big, first=first)
    elif first:
        job = _parallel.start(_side, first, {}, [], None, dpi, parallel=big)
    result.doc = build_document(cluster, a, ld, st, sheets, result.figures, lang=lang)
    return result, (job.result if job is not None else lambda: None)


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
    makers = figure_makers(cluster, a, ld, st, lang=lang, seed=seed, profile=profile, timeline=timeline,
                           resilience=resilience)
    figures, job = _start_figures(makers, folder, dpi, big=len(cluster.firms) >= PARALLEL_MIN_FIRMS)
    job.result()
    return figures


def figure_makers(cluster: Cluster, a: Any, ld: Any, st: Any, *, lang: str, seed: int, profile: Any = None,
                  timeline: pd.DataFrame | None = None, resilience: Any = None) -> dict[str, Callable[[], Any]]:
    """kind -> a function drawing that figure (``(fig, ax)``), for every figure of the report."""
    from .. import viz

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
    return makers


def _start_figures(makers: dict[str, Callable[[], Any]], folder: Path, dpi: int, *, big: bool,
                   first: list[tuple[Callable[..., Any], tuple]] | None = None) -> tuple[dict[str, str], Any]:
    """Draw the figures of ``makers`` into ``folder``; returns kind -> PNG path relative to the
    report folder, and the job of the worker's share (wait for it with ``.result()``).

    For a large cluster (``big``) a worker process does the steps ``first`` (e.g. writing the
    workbook) and then draws :data:`_WORKER_FIGURES` while this process draws the rest; every file
    is the same whichever process writes it. Otherwise all is done here, ``first`` first.
    """
    folder.mkdir(parents=True, exist_ok=True)
    first = first or []
    other = [k for k in makers if k in _WORKER_FIGURES] if big else []
    job = _parallel.start(_side, first, makers, other, folder, dpi, parallel=big and bool(first or other))
    _draw(makers, [k for k in makers if k not in other], folder, dpi)
    return {kind: f"figures/{kind}.png" for kind in makers}, job


#: from this many firms ``compute`` draws figures, and writes the workbook, in a second process
#: as well as this one (:mod:`chainnet._parallel`)
PARALLEL_MIN_FIRMS = 5_000
#: the figures a worker process draws (after the workbook, when ``analyze`` writes one): the chain
#: map, the slowest figure of a large cluster
_WORKER_FIGURES = ("chain",)


def _side(first: list[tuple[Callable[..., Any], tuple]], makers: dict[str, Callable[[], Any]], kinds: list[str],
          folder: Path | None, dpi: int) -> None:
    """A worker's share of the figures: the steps ``first``, then the figures ``kinds``."""
    for fn, args in first:
        fn(*args)
    if kinds:
        _draw(makers, kinds, folder, dpi)


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

