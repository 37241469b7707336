"""Small multiples: the chain maps of several clusters (or years of one cluster) stacked on one figure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._errors import ChainnetError
from ..model import Cluster
from . import _style as st
from .chainmap import chain_map


def chain_maps(clusters: Iterable[Cluster] | Mapping[str, Cluster], *, audits: Mapping[str, Any] | None = None,
               lang: str = "en", ncols: int = 1, width: float = 13.0, row_height: float | None = None,
               labels: str = "leaders", **options: Any) -> tuple[Figure, np.ndarray]:
    """Chain maps of several clusters as small multiples, one panel each, in reading order.

    With one column (the default) the panels of clusters on the same template line up lane by
    lane, so a segment can be followed down the page.

    Parameters
    ----------
    clusters : clusters as a list, or a mapping from panel title to cluster
    audits : their audits by the same keys (mapping) or cluster ids (list); computed when missing
    lang : ``"en"`` or ``"zh"``
    ncols : panels per row
    width : figure width in inches
    row_height : height of a row of panels in inches (default: each row as tall as its tallest
        map needs at the panel width, plus room for its title and legend)
    labels : which firms are named (see :func:`~chainnet.viz.chain_map`); ``"leaders"`` by default
    options : passed on to :func:`~chainnet.viz.chain_map` (``orientation``, ``collapse_threshold``,
        ``show_external`` ...)

    Returns
    -------
    (Figure, ndarray of Axes)
        One axes per panel, in the order of ``clusters``.

    Examples
    --------
    >>> import chainnet
    >>> from chainnet.viz.multiples import chain_maps
    >>> demo = chainnet.load_dataset("demo_copper")
    >>> fig, axes = chain_maps({"2010": demo.snapshot(2010), "2020": demo})
    >>> len(axes), [ax.get_title(loc="left").split(" — ")[0] for ax in axes]
    (2, ['2010', '2020'])
    """
    st.words(lang)
    items = list(clusters.items()) if isinstance(clusters, Mapping) else [(None, c) for c in clusters]
    if not items:
        raise ChainnetError("chain_maps needs at least one cluster")
    if any(not isinstance(c, Cluster) for _, c in items):
        raise ChainnetError("chain_maps draws Cluster objects; load each with chainnet.read_cluster first")
    if ncols < 1:
        raise ChainnetError(f"ncols={ncols} must be at least 1")
    ncols = min(ncols, len(items))
    nrows = -(-len(items) // ncols)
    with st.style():
        fig = Figure(figsize=(width, (row_height or 4.0) * nrows + 0.3), layout="constrained")
        grid = fig.subplots(nrows, ncols, squeeze=False)
        axes = grid.ravel()
        for ax, (key, c) in zip(axes, items):
            audit = None
            if audits is not None:
                audit = audits.get(key if key is not None else c.meta.get("id"))
            chain_map(c, audit=audit, lang=lang, ax=ax, labels=labels, **options)
            if key is not None:
                _retitle(ax, str(key), c, lang)
        for ax in axes[len(items):]:
            ax.set_axis_off()
        if row_height is None:  # the maps keep their aspect: give each row the height its tallest map needs
            heights = [max(_aspect(ax) for ax in row[:len(items) - r * ncols]) * (width / ncols - 0.4) + _EXTRA_IN
                       for r, row in enumerate(grid)]
            grid[0, 0].get_subplotspec().get_gridspec().set_height_ratios(heights)
            fig.set_size_inches(width, sum(heights) + 0.3)
        for ax in axes:
            st.pin_fonts(ax)
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
    return fig, axes[:len(items)]


#: Inches a chain map panel needs beside its drawing: title, subtitle and legend.
_EXTRA_IN = 2.0


def _aspect(ax: Axes) -> float:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return abs(y1 - y0) / abs(x1 - x0) if x1 != x0 else 1.0


def _retitle(ax: Axes, key: str, c: Cluster, lang: str) -> None:
    """Put the panel's key in front of the chain map's title (the cluster name stays after it)."""
    old = ax.get_title(loc="left")
    name = st.cluster_title(c.meta, lang)
    rest = old.split(" — ", 1)[1] if " — " in old else old.replace(name, "", 1).lstrip(" ·")
    ax.set_title(f"{key} — {rest}" if rest else key, loc="left")
