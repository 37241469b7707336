"""The interactive map: one self-contained HTML file (data, script and styles inlined, nothing fetched).

The page is built from ``chainnet/viz/web/`` (``map.html``, ``map.css``, ``map.js`` and the vendored
sigma.js and graphology files, see ``web/VENDORED.md``) and the JSON of
:func:`chainnet.viz._mapdata.payload`. Interactions and the aggregation threshold are documented in
``docs/interactive.md``.
"""

from __future__ import annotations

import html
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .._errors import ChainnetError
from ..model import Cluster
from . import _style as st
from ._mapdata import AGGREGATE_ABOVE, payload

KINDS = ("chain", "network")
_MAP_SOURCE = re.compile(r"^//# sourceMappingURL=.*$", re.M)


def _web(name: str) -> str:
    return resources.files("chainnet.viz").joinpath("web", name).read_text(encoding="utf-8")


def _inline_js(text: str) -> str:
    """Script text safe inside ``<script>``: no source-map comment (a URL), no closing tag."""
    return _MAP_SOURCE.sub("", text).replace("</script", "<\\/script")


def interactive_map(cluster: Cluster, *, kind: str = "chain", lang: str = "en", audit: Any = None, seed: int = 0,
                    aggregate_above: int = AGGREGATE_ABOVE) -> str:
    """The interactive chain or network map of a cluster as one self-contained HTML page.

    Parameters
    ----------
    cluster : the cluster
    kind : ``"chain"`` (lanes per template segment, as :func:`chainnet.viz.chain_map`) or
        ``"network"`` (local firms grouped by community)
    lang : language the page opens in (``"en"`` or ``"zh"``; the page switches between both)
    audit : the cluster's completeness audit to reuse (chain kind; computed when None)
    seed : seed of the layout (same seed, same page)
    aggregate_above : above this many drawn firms the map opens with one node per lane or
        community, expanded on click

    Returns
    -------
    str : the HTML text

    Examples
    --------
    >>> import chainnet
    >>> page = interactive_map(chainnet.load_dataset("demo_copper"))
    >>> page.startswith("<!DOCTYPE html>"), "http://" in page or "https://" in page
    (True, False)
    """
    st.words(lang)
    if kind not in KINDS:
        raise ChainnetError(f"kind={kind!r}; use 'chain' or 'network'")
    if kind == "network" and not cluster.links_known:
        raise ChainnetError(f"{cluster.id}: links unknown: there is no supply network to draw; the chain map "
                            "(kind='chain') works without links")
    if aggregate_above < 1:
        raise ChainnetError(f"aggregate_above={aggregate_above} must be at least 1")
    data = payload(cluster, kind=kind, lang=lang, audit=audit, seed=seed, aggregate_above=aggregate_above)
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    # inside <script type="application/json"> only "</" could end the element early
    text = text.replace("</", "<\\/").replace("<!--", "<\\!--")
    parts = {
        "LANG": lang, "TITLE": html.escape(data["title"][lang]), "CSS": _web("map.css"), "DATA": text,
        "GRAPHOLOGY": _inline_js(_web("graphology.umd.min.js")), "SIGMA": _inline_js(_web("sigma.min.js")),
        "JS": _inline_js(_web("map.js")),
    }
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: parts[m.group(1)], _web("map.html"))


def save_html(page: str, path: str | os.PathLike) -> Path:
    """Write an HTML page as UTF-8 and return its path."""
    out = Path(path)
    if not out.parent.exists():
        raise ChainnetError(f"folder {str(out.parent)!r} does not exist; create it first")
    out.write_text(page, encoding="utf-8")
    return out


def embed(page: str, *, title: str = "", height: int = 640) -> str:
    """An ``<iframe>`` holding ``page`` (``srcdoc``), to place a map inside another HTML document."""
    return (f'<iframe class="chainnet-map" title="{html.escape(title)}" style="width:100%;height:{height}px;'
            f'border:1px solid #ddd" srcdoc="{html.escape(page, quote=True)}"></iframe>')


#: ``embed_in_report`` embeds the map of every firm up to this many firms (a page of about 2 MB) ...
EMBED_ALL_MAX = 10_000
#: ... and above it the map of this many firms, the most central of each segment in turn.
EMBED_TOP = 1_000


def central_firms(cluster: Cluster, *, top: int = EMBED_TOP, leaders: Any = None) -> list[str]:
    """Ids of at most ``top`` local firms, the most central of every segment taken in turn.

    Each firm is ranked within each of its segments by PageRank (highest first, then firm id);
    firms are taken by their best rank over their segments, so every segment with firms gets its
    first firm, then its second, and so on, until ``top`` firms are taken (ties in a round by
    PageRank, then id). ``leaders`` is the cluster's :func:`chainnet.leaders` result (its PageRank
    is reused; computed on the supply graph when None).

    Examples
    --------
    >>> import chainnet
    >>> c = chainnet.load_dataset("demo_copper")
    >>> central_firms(c, top=3)
    ['pcb_a', 'ccl_a', 'cable_a']
    """
    if leaders is not None:
        pr = leaders.firms[["firm_id", "pagerank"]]
    else:
        from ..analysis import _sparse

        g = _sparse.supply_graph(cluster)
        vals, _ = _sparse.pagerank(g, alpha=0.85, tol=1e-10) if g.n else ([], 0)
        pr = pd.DataFrame({"firm_id": cluster.firms["firm_id"].to_numpy()[g.rows], "pagerank": vals})
    fs = cluster.firm_segments[["firm_id", "segment"]].merge(pr, on="firm_id")
    fs = fs.sort_values(["segment", "pagerank", "firm_id"], ascending=[True, False, True], kind="stable")
    fs["rank"] = fs.groupby("segment", sort=False).cumcount()
    best = fs.groupby("firm_id", sort=False).agg(rank=("rank", "min"), pagerank=("pagerank", "first")).reset_index()
    best = best.sort_values(["rank", "pagerank", "firm_id"], ascending=[True, False, True], kind="stable")
    return [str(x) for x in best["firm_id"].head(top)]


def _shown_cluster(cluster: Cluster, ids: list[str]) -> Cluster:
    """The cluster cut to the firms ``ids`` and the links between them (for drawing only)."""
    keep = set(ids)
    f, ln = cluster.firms, cluster.links
    inside = ln["source"].isin(keep).to_numpy() & ln["target"].isin(keep).to_numpy()
    return cluster.with_tables(f[f["firm_id"].isin(keep)], ln[inside])


def embed_in_report(report_html: str, cluster: Cluster, *, audit: Any = None, lang: str = "en", seed: int = 0,
                    leaders: Any = None, all_max: int = EMBED_ALL_MAX, top: int = EMBED_TOP) -> str:
    """``report_html`` with the interactive chain map placed just before its static chain figure.

    The static figure (``<figure id="fig-chain">``) stays: it is what prints and what shows where
    scripts do not run; the map's frame is hidden in print. A report without that figure is
    returned unchanged. A cluster of more than ``all_max`` firms gets the map of ``top`` of them
    (:func:`central_firms`; ``leaders`` reuses its PageRank) with a note above it saying so: the
    map of 10^5 firms is a 22 MB page that takes a minute to build, too much for a report.
    """
    if CHAIN_FIGURE not in report_html:
        return report_html
    return insert_frame(report_html, report_frame(cluster, audit=audit, lang=lang, seed=seed, leaders=leaders,
                                                  all_max=all_max, top=top))


#: where :func:`insert_frame` places the map: the report page's static chain figure
CHAIN_FIGURE = '<figure id="fig-chain">'


def report_frame(cluster: Cluster, *, audit: Any = None, lang: str = "en", seed: int = 0, leaders: Any = None,
                 all_max: int = EMBED_ALL_MAX, top: int = EMBED_TOP) -> str:
    """The HTML :func:`embed_in_report` places in a report page (the map's frame, and its note when
    the cluster has more than ``all_max`` firms), built without the page."""
    note = ""
    shown = cluster
    if len(cluster.firms) > all_max:
        from .._messages import msg

        ids = central_firms(cluster, top=top, leaders=leaders)
        shown = _shown_cluster(cluster, ids)
        text = html.escape(msg("rep.map_top", lang, shown=len(ids), n=len(cluster.firms)))
        note = '<p class="map-note">' + re.sub(r"`([^`]*)`", r"<code>\1</code>", text) + "</p>"
    page = interactive_map(shown, kind="chain", lang=lang, audit=audit, seed=seed)
    return ('<style>@media print{iframe.chainnet-map{display:none}}</style>'
            + note + embed(page, title=st.cluster_title(cluster.meta, lang), height=720))


def insert_frame(report_html: str, frame: str) -> str:
    """``report_html`` with ``frame`` (from :func:`report_frame`) just before its static chain
    figure; unchanged without that figure."""
    at = report_html.find(CHAIN_FIGURE)
    if at < 0:
        return report_html
    return report_html[:at] + frame + "\n" + report_html[at:]
