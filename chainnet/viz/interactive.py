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


def embed_in_report(report_html: str, cluster: Cluster, *, audit: Any = None, lang: str = "en", seed: int = 0) -> str:
    """``report_html`` with the interactive chain map placed just before its static chain figure.

    The static figure (``<figure id="fig-chain">``) stays: it is what prints and what shows where
    scripts do not run; the map's frame is hidden in print. A report without that figure is
    returned unchanged.
    """
    at = report_html.find('<figure id="fig-chain">')
    if at < 0:
        return report_html
    page = interactive_map(cluster, kind="chain", lang=lang, audit=audit, seed=seed)
    frame = ('<style>@media print{iframe.chainnet-map{display:none}}</style>'
             + embed(page, title=st.cluster_title(cluster.meta, lang), height=720))
    return report_html[:at] + frame + "\n" + report_html[at:]
