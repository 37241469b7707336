"""Radar chart comparing clusters on chainnet's headline figures."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._errors import ChainnetError
from ..model import Cluster
from . import _style as st

#: Figures on the radar: every one is a share in [0, 1].
RADAR_FIGURES = ("index", "segment_coverage", "link_coverage", "path_completeness", "local_sourcing",
                 "leader_dominance", "sme_attachment", "leader_reach", "degree_centralization")
#: Paul Tol's bright palette, one colour per cluster.
CLUSTER_COLORS = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")


def radar_figures(cluster: Cluster) -> dict[str, float | None]:
    """The radar's figures of one cluster: completeness (audit), local sourcing and leader shares.

    >>> import chainnet
    >>> f = radar_figures(chainnet.load_dataset("demo_copper"))
    >>> round(f["index"], 3), f["leader_dominance"]
    (0.519, 0.76)
    """
    from ..analysis.centrality import leaders
    from ..analysis.completeness import audit

    a = audit(cluster, top=0)
    r = leaders(cluster, completeness_impact=False)
    return {**a.completeness, "local_sourcing": a.local_sourcing, **r.figures}


@st.figure_function
def radar(clusters: Iterable[Cluster | Mapping[str, Any]] | Mapping[str, Cluster | Mapping[str, Any]], *,
          lang: str = "en", ax: Axes | None = None, figures: tuple[str, ...] = RADAR_FIGURES,
          normalise: str = "none") -> tuple[Figure, Axes]:
    """Radar (spider) chart of several clusters on completeness and leader figures.

    Every default figure is a share in [0, 1], so they share one scale; ``normalise="max"``
    divides each axis by its largest value across the clusters instead (relative comparison).
    A figure that is not defined for a cluster (None, e.g. SME attachment without SMEs) is
    drawn at 0 and marked with a hollow dot.

    Parameters
    ----------
    clusters : Clusters, or mappings of figure name to value (e.g. :func:`radar_figures` output),
        as a list or as a mapping from the label to show to the cluster
    lang : ``"en"`` or ``"zh"``
    ax : a polar axes to draw into (a new figure when None)
    figures : the figures, one axis each (at least three)
    normalise : ``"none"`` (shares as they are) or ``"max"``

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> from chainnet.viz import radar
    >>> fig, ax = radar({"A": {"index": 0.5, "segment_coverage": 0.6, "link_coverage": 0.4},
    ...                  "B": {"index": 0.8, "segment_coverage": 0.9, "link_coverage": 0.7}},
    ...                 figures=("index", "segment_coverage", "link_coverage"))
    >>> len(ax.lines)
    2
    """
    w = st.words(lang)
    if normalise not in ("none", "max"):
        raise ChainnetError(f"normalise={normalise!r}; use 'none' or 'max'")
    if len(figures) < 3:
        raise ChainnetError("a radar needs at least three figures")
    items = list(clusters.items()) if isinstance(clusters, Mapping) else [(None, c) for c in clusters]
    if not items:
        raise ChainnetError("radar needs at least one cluster")
    labels, values = [], []
    for label, c in items:
        if isinstance(c, Cluster):
            vals = radar_figures(c)
            label = label or st.cluster_title(c.meta, lang)
        else:
            vals = dict(c)
            label = label or str(vals.get("name", vals.get("cluster", f"#{len(labels) + 1}")))
        labels.append(str(label))
        values.append([vals.get(f) for f in figures])
    raw = np.array([[np.nan if v is None else float(v) for v in row] for row in values], dtype=float)
    data = np.nan_to_num(raw, nan=0.0)
    if normalise == "max":
        top = data.max(axis=0)
        data = np.divide(data, top, out=np.zeros_like(data), where=top > 0)
    own = ax is None
    fig, ax = st.new_axes(ax, (7.0, 7.0 + 0.18 * len(labels)), polar=True)
    if own:
        fig.get_layout_engine().set(w_pad=0.35, h_pad=0.1)
    k = len(figures)
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    angles = [2 * math.pi * i / k for i in range(k)]
    for i, (label, row) in enumerate(zip(labels, data)):
        color = CLUSTER_COLORS[i % len(CLUSTER_COLORS)]
        ang = angles + angles[:1]
        vals = [*row, row[0]]
        (line,) = ax.plot(ang, vals, color=color, linewidth=1.8, label=label, zorder=3)
        line.set_gid(f"radar.cluster.{i}")
        ax.fill(ang, vals, color=color, alpha=0.12, zorder=2)
        missing = np.isnan(raw[i])
        if missing.any():
            ax.scatter(np.array(angles)[missing], np.zeros(missing.sum()), s=24, facecolors="white",
                       edgecolors=color, zorder=4)
    ax.set_xticks(angles, [w.get(f, f) for f in figures])
    ax.tick_params(axis="x", labelsize=8.5, pad=14)
    ax.set_xlim(0, 2 * math.pi)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0], ["25%", "50%", "75%", "100%"] if normalise == "none" else
                  ["0.25", "0.5", "0.75", "max"])
    ax.tick_params(axis="y", labelsize=7, colors="#8A8A8A")
    ax.set_rlabel_position(180 / k)
    ax.grid(color="#DDDDDD", linewidth=0.6)
    ax.spines["polar"].set_color("#CCCCCC")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=8, frameon=False,
              ncol=1 if max(len(x) for x in labels) > 30 else min(3, len(labels)))
    if lang == "zh":
        st.title(ax, "产业集群对比", "完整度与龙头企业指标（均为0–1之间的份额）" if normalise == "none"
                 else "各指标除以各集群中的最大值", width_pt=fig.get_figwidth() * 72 - 40, pad_extra=30)
    else:
        st.title(ax, "Cluster comparison", "completeness and leader figures (each a share between 0 and 1)"
                 if normalise == "none" else "each figure divided by its largest value across the clusters",
                 width_pt=fig.get_figwidth() * 72 - 40, pad_extra=30)
    return fig, ax
