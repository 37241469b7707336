"""Structure figures: the bow-tie of the supply graph and its degree distributions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch, PathPatch, Polygon
from matplotlib.path import Path

from .._errors import ChainnetError
from ..model import Cluster
from . import _style as st

PART_COLORS = {"core": "#0072B2", "in": "#56B4E9", "out": "#E69F00", "tubes": "#CC79A7", "tendrils": "#009E73",
               "disconnected": "#9A9A9A"}
_PART_WORDS = {
    "en": {"core": "core", "in": "IN", "out": "OUT", "tubes": "tubes", "tendrils": "tendrils",
           "disconnected": "disconnected"},
    "zh": {"core": "核心", "in": "入部", "out": "出部", "tubes": "管道", "tendrils": "卷须", "disconnected": "不连通"},
}
_DAG_WORDS = {
    "en": {"core": "buy and sell", "in": "only sell", "out": "only buy", "disconnected": "no supply link"},
    "zh": {"core": "既买又卖", "in": "只卖", "out": "只买", "disconnected": "无供货关系"},
}


def _local_supply(cluster: Cluster) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Ids, in-degrees and out-degrees of the local firms on the local supply graph (every supply
    link between two local firms counts; the graph the analyses cache for the cluster)."""
    from ..analysis._sparse import supply_graph

    g = supply_graph(cluster)
    return ([str(x) for x in g.ids], np.bincount(g.tgt, minlength=g.n).astype(np.int64),
            np.bincount(g.src, minlength=g.n).astype(np.int64))


@st.figure_function
def bowtie(cluster_or_result: Cluster | Any, *, lang: str = "en", ax: Axes | None = None, seed: int = 0,
           meta: dict[str, Any] | None = None) -> tuple[Figure, Axes]:
    """Bow-tie diagram (Broder et al. 2000) of the local supply graph: six parts sized by share.

    The core (largest strongly connected component) is a circle, IN and OUT are the wings,
    tubes run under the core, tendrils sit above it and disconnected firms in a corner; each
    shape's area grows with its share of local firms and is labelled with its count and share.
    Supply graphs without a cycle have no core; for a Cluster the diagram then shows the firms
    that only sell, both buy and sell, only buy, or have no supply link, and says so.

    Parameters
    ----------
    cluster_or_result : a Cluster, or a :class:`~chainnet.analysis.structure.StructureResult`
    lang : ``"en"`` or ``"zh"``
    ax : axes to draw into (a new figure when None)
    meta : the cluster's metadata, for the title, when a result is given (default: its id)
    seed : seed passed to :func:`~chainnet.analysis.structure.structure` for a Cluster

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> import chainnet
    >>> from chainnet.viz import bowtie
    >>> fig, ax = bowtie(chainnet.load_dataset("demo_copper"))  # acyclic: no core
    >>> sorted(p.get_gid() for p in ax.patches if p.get_gid())[:2]
    ['bowtie.core', 'bowtie.disconnected']
    """
    words = _PART_WORDS[lang] if lang in _PART_WORDS else st.words(lang)
    cluster = cluster_or_result if isinstance(cluster_or_result, Cluster) else None
    if cluster is not None:
        from ..analysis.structure import structure

        res = structure(cluster, seed=seed, null_models=0)
        meta = cluster.meta
    else:
        res = cluster_or_result
        meta = meta or {"id": res.cluster_id, "name": res.cluster_id}
    b = res.bowtie
    n = int(res.figures.get("n_firms") or 0)
    fig, ax = st.new_axes(ax, (8.0, 5.2))
    acyclic = b.get("core") is None
    if acyclic and cluster is not None and n:
        _, indeg, outdeg = _local_supply(cluster)
        counts = {"in": int(((outdeg > 0) & (indeg == 0)).sum()), "core": int(((outdeg > 0) & (indeg > 0)).sum()),
                  "out": int(((outdeg == 0) & (indeg > 0)).sum()), "disconnected": int(((outdeg == 0) & (indeg == 0)).sum())}
        parts = {k: {"size": v, "share": v / n} for k, v in counts.items()}
        labels = _DAG_WORDS[lang]
    elif acyclic:
        parts, labels = {}, words
    else:
        parts = {k: b[k] for k in ("core", "in", "out", "tubes", "tendrils", "disconnected")}
        labels = words
    _draw_bowtie(ax, parts, labels, lang, dag=acyclic)
    name = st.cluster_title(meta, lang)
    if lang == "zh":
        sub = (f"本地企业{n:,}家；面积与所占比例成正比" if not acyclic else
               "供货关系中没有环路（没有两家企业能沿供货关系互相到达），因此没有强连通核心；"
               "按企业在无环供货网络中的位置分组" if parts else "没有强连通核心")
        st.title(ax, f"{name} · 蝴蝶结结构", sub)
    else:
        sub = (f"{n:,} local firms; areas grow with each part's share" if not acyclic else
               "the supply graph has no cycle (no two firms reach each other along supply links), so there is no "
               "strongly connected core; firms are grouped by their position in the acyclic graph instead"
               if parts else "no strongly connected core")
        st.title(ax, f"{name} — bow-tie structure", sub)
    return fig, ax


def _size(share: float) -> float:
    return math.sqrt(max(share, 0.0))


def _draw_bowtie(ax: Axes, parts: dict[str, dict[str, float]], labels: dict[str, str], lang: str, *,
                 dag: bool) -> None:
    ax.set_xlim(-4.2, 4.2)
    ax.set_ylim(-2.6, 2.4)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if not parts:
        ax.text(0, 0, "—", ha="center", va="center", fontsize=20, color="#AAAAAA")
        return

    def text(part: str) -> str:
        p = parts[part]
        unit = "家" if lang == "zh" else (" firm" if p["size"] == 1 else " firms")
        return f"{labels[part]}\n{p['size']:,}{unit}\n{st.pct(p['share'], 1)}"

    core = parts["core"]
    rc = 0.45 + 0.95 * _size(core["share"])
    for side, part in ((-1, "in"), (1, "out")):
        p = parts[part]
        reach = 0.9 + 1.9 * _size(p["share"])
        h = 0.5 + 2.6 * _size(p["share"])
        x_inner, x_outer = side * rc * 0.5, side * (rc + reach)
        poly = Polygon([(x_inner, rc * 0.6), (x_outer, h / 2), (x_outer, -h / 2), (x_inner, -rc * 0.6)],
                       closed=True, facecolor=PART_COLORS[part], alpha=0.85, edgecolor="white", linewidth=1.2,
                       zorder=1, gid=f"bowtie.{part}")
        ax.add_patch(poly)
        ax.text((side * rc + x_outer) / 2 + side * 0.1, 0, text(part), ha="center", va="center", fontsize=8.5,
                color=st.TEXT_COLOR, zorder=5, gid=f"bowtie.{part}_label", linespacing=1.25)
    if dag:
        shape = FancyBboxPatch((-rc, -rc * 0.75), 2 * rc, 1.5 * rc, boxstyle="round,pad=0.02,rounding_size=0.2",
                               facecolor=PART_COLORS["core"], edgecolor="white", linewidth=1.5, zorder=2,
                               gid="bowtie.core")
    else:
        shape = Circle((0, 0), rc, facecolor=PART_COLORS["core"], edgecolor="white", linewidth=1.5, zorder=2,
                       gid="bowtie.core")
    ax.add_patch(shape)
    ax.text(0, 0, text("core"), ha="center", va="center", fontsize=9, color="white", zorder=5, gid="bowtie.core_label",
            linespacing=1.25)
    if "tubes" in parts:
        p = parts["tubes"]
        lw = 2 + 22 * _size(p["share"])
        path = Path([(-rc - 0.5, -0.55), (-rc, -rc - 1.1), (rc, -rc - 1.1), (rc + 0.5, -0.55)],
                    [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
        ax.add_patch(PathPatch(path, facecolor="none", edgecolor=PART_COLORS["tubes"], linewidth=lw, alpha=0.85,
                               capstyle="round", zorder=0, gid="bowtie.tubes"))
        ax.text(0, -rc - 0.95, text("tubes").replace("\n", " · ", 1), ha="center", va="top", fontsize=8,
                color=st.TEXT_COLOR, zorder=5, gid="bowtie.tubes_label")
    if "tendrils" in parts:
        p = parts["tendrils"]
        s = 0.35 + 0.9 * _size(p["share"])
        ax.add_patch(FancyBboxPatch((-s / 2, rc + 0.35), s, s * 0.6, boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=PART_COLORS["tendrils"], edgecolor="white", zorder=2,
                                    gid="bowtie.tendrils"))
        for side in (-1, 1):
            ax.plot([side * s / 2, side * (rc + 0.4)], [rc + 0.35 + s * 0.3, 0.45], color=PART_COLORS["tendrils"],
                    linewidth=1.0, zorder=0)
        ax.text(0, rc + 0.42 + s * 0.6, text("tendrils").replace("\n", " · ", 1), ha="center", va="bottom",
                fontsize=8, color=st.TEXT_COLOR, zorder=5, gid="bowtie.tendrils_label")
    p = parts["disconnected"]
    s = 0.3 + 0.9 * _size(p["share"])
    ax.add_patch(FancyBboxPatch((3.9 - s, -2.45), s, s * 0.7, boxstyle="round,pad=0.02,rounding_size=0.1",
                                facecolor=PART_COLORS["disconnected"], edgecolor="white", zorder=2,
                                gid="bowtie.disconnected"))
    ax.text(3.85 - s, -2.45 + s * 0.35, text("disconnected"), ha="right", va="center", fontsize=8,
            color=st.TEXT_COLOR, zorder=5, gid="bowtie.disconnected_label", linespacing=1.2)
    ax.annotate("", xy=(1.6, -2.35), xytext=(-1.6, -2.35), zorder=1,
                arrowprops={"arrowstyle": "-|>", "color": "#9A9A9A", "lw": 1.0})
    ax.text(0, -2.3, "供货方向" if lang == "zh" else "direction of supply", ha="center", va="bottom", fontsize=7.5,
            color="#8A8A8A")


@st.figure_function
def degree_distribution(cluster_or_result: Cluster | Any, *, lang: str = "en", ax: Axes | None = None
                        ) -> tuple[Figure, Axes]:
    """Log-log complementary cumulative distribution P(K ≥ k) of in-, out- and total degree.

    Degrees are counted on the local supply graph (local firms, supply links between them);
    total degree is in + out. Firms with degree 0 cannot be drawn on a log axis and are counted
    in the legend.

    Parameters
    ----------
    cluster_or_result : a Cluster, or a :class:`~chainnet.analysis.centrality.LeaderResult`
        (its ``in_degree`` and ``out_degree`` columns)
    lang : ``"en"`` or ``"zh"``
    ax : axes to draw into (a new figure when None)

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> import chainnet
    >>> from chainnet.viz import degree_distribution
    >>> fig, ax = degree_distribution(chainnet.load_dataset("demo_copper"))
    >>> [ln.get_label().split(" (")[0] for ln in ax.lines]
    ['in-degree', 'out-degree', 'total degree']
    """
    st.words(lang)
    if isinstance(cluster_or_result, Cluster):
        _, indeg, outdeg = _local_supply(cluster_or_result)
        meta = cluster_or_result.meta
    elif hasattr(cluster_or_result, "firms") and "in_degree" in cluster_or_result.firms:
        f = cluster_or_result.firms
        indeg, outdeg = f["in_degree"].to_numpy(dtype=int), f["out_degree"].to_numpy(dtype=int)
        meta = {"id": cluster_or_result.cluster_id, "name": cluster_or_result.cluster_id}
    else:
        raise ChainnetError("degree_distribution takes a Cluster or a LeaderResult (chainnet.analysis.centrality)")
    fig, ax = st.new_axes(ax, (6.4, 4.6))
    zh = lang == "zh"
    names = {"in": ("入度", "in-degree"), "out": ("出度", "out-degree"), "total": ("总度数", "total degree")}
    styles = {"in": ("#0072B2", "o"), "out": ("#E69F00", "s"), "total": ("#3B3B3B", "^")}
    for key, deg in (("in", indeg), ("out", outdeg), ("total", indeg + outdeg)):
        k, p = ccdf(deg)
        zero = int((deg == 0).sum())
        label = names[key][0 if zh else 1] + (f"（{zero:,}家为0，未画出）" if zh else f" ({zero:,} firms at 0 not shown)")
        color, marker = styles[key]
        (line,) = ax.plot(k, p, marker=marker, markersize=4, linewidth=1.3, color=color, label=label,
                          drawstyle="steps-post", markerfacecolor="white" if key != "total" else color)
        line.set_gid(f"degree.{key}")
    if len(indeg) and (indeg + outdeg).max() > 0:
        ax.set_xscale("log")
        ax.set_yscale("log")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(lambda x, _: f"{x:g}")
    ax.set_xlabel("度 k" if zh else "degree k", fontsize=9, color=st.MUTED)
    ax.set_ylabel("P(K ≥ k)", fontsize=9, color=st.MUTED)
    ax.grid(which="major", color="#E5E5E5", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7.5, frameon=False, loc="lower left")
    name = st.cluster_title(meta, lang)
    n = len(indeg)
    if zh:
        st.title(ax, f"{name} · 度分布", f"本地企业{n:,}家之间的供货网络，互补累积分布（双对数坐标）", left_pt=40)
    else:
        st.title(ax, f"{name} — degree distribution",
                 f"local supply graph of {n:,} firms; complementary cumulative distribution, log-log", left_pt=40)
    return fig, ax


def ccdf(degrees: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distinct positive degrees k and the share of all firms with degree at least k.

    >>> k, p = ccdf([0, 1, 1, 2, 4])
    >>> k.tolist(), p.tolist()
    ([1, 2, 4], [0.8, 0.4, 0.2])
    """
    d = np.asarray(degrees, dtype=int)
    if len(d) == 0:
        return np.empty(0, dtype=int), np.empty(0)
    k = np.unique(d[d > 0])
    p = np.array([(d >= x).sum() / len(d) for x in k], dtype=float)
    return k, p
