"""The supply network of a cluster's local firms, laid out by community."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import EllipseCollection, LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from .._errors import ChainnetError
from ..model import Cluster
from . import _netagg
from . import _style as st
from ._scale import AGGREGATE_MIN_FIRMS, aggregated

R_MIN, R_MAX = 0.012, 0.05
#: Firms on their own (no community partner) per row of the strip at the bottom, and a row's height.
STRIP_PER_ROW = 40
STRIP_ROW = 0.1
#: Label every firm when at most this many are drawn (else leaders only).
LABEL_ALL = 40


@st.figure_function
def network(cluster: Cluster, *, lang: str = "en", ax: Axes | None = None, seed: int = 0,
            structure: Any = None, max_nodes: int = 400, label_leaders: bool = True,
            label_all: bool | None = None, aggregate_above: int = AGGREGATE_MIN_FIRMS, max_communities: int = 20,
            top_leaders: int = 10) -> tuple[Figure, Axes]:
    """Draw the local supply network: firms coloured by role, grouped by community.

    Communities are those of :func:`chainnet.analysis.structure.structure` (Leiden by default). Each
    community is laid out with a seeded spring layout and the communities are placed by a
    spring layout of the graph between them, so the same ``seed`` gives the same picture.
    Above ``max_nodes`` local firms, the firms with most supply partners are drawn (every
    leader among them) and the subtitle says how many were left out.

    With more than ``aggregate_above`` local firms the figure is an aggregate view instead (the
    subtitle says so): the ``max_communities`` largest communities as discs whose area is
    proportional to their firms, the other firms in one grey disc, lines as wide as the supply
    links between discs, and the ``top_leaders`` leaders with most supply partners named. Without
    ``structure`` only the communities are computed then.

    Parameters
    ----------
    cluster : the cluster
    lang : ``"en"`` or ``"zh"``
    ax : axes to draw into (a new figure when None)
    seed : seed of community detection and of the layouts
    structure : a :class:`~chainnet.analysis.structure.StructureResult` of ``cluster`` to reuse
    max_nodes : most firms drawn
    label_leaders : write the names of leader firms
    label_all : write the name of every drawn firm (default: when at most :data:`LABEL_ALL` are drawn)
    aggregate_above : draw the aggregate view above this many local firms
    max_communities : communities drawn as their own disc in the aggregate view
    top_leaders : leaders drawn and named in the aggregate view

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> import chainnet
    >>> from chainnet.viz import network
    >>> fig, ax = network(chainnet.load_dataset("demo_copper"))
    >>> len(ax.collections[-1].get_offsets())
    11
    """
    w = st.words(lang)
    if max_nodes < 1:
        raise ChainnetError(f"max_nodes={max_nodes} must be at least 1")
    if aggregated(int(cluster.local_mask.sum()), aggregate_above):
        if max_communities < 1 or top_leaders < 0:
            raise ChainnetError(f"max_communities={max_communities} must be at least 1 and top_leaders={top_leaders} "
                                "at least 0")
        view = _netagg.community_view(cluster, structure, seed=seed)
        return _netagg.draw_aggregate(cluster, view, lang=lang, ax=ax, seed=seed, above=aggregate_above,
                                      max_communities=max_communities, top_leaders=top_leaders)
    if structure is None:
        from ..analysis.structure import structure as run_structure

        structure = run_structure(cluster, seed=seed, null_models=0)
    sf = structure.firms
    firms = cluster.firms.set_index("firm_id")
    ids = [str(x) for x in sf["firm_id"]]
    comm = dict(zip(ids, (int(c) for c in sf["community"])))
    G = nx.Graph()
    G.add_nodes_from(ids)
    links = cluster.links[(cluster.links["kind"] == "supply") & cluster.links["source"].isin(comm)
                          & cluster.links["target"].isin(comm)]
    G.add_edges_from(zip(links["source"].astype(str), links["target"].astype(str)))
    n_all = G.number_of_nodes()
    keep = _keep(G, ids, sf["role"].to_numpy(dtype=object), max_nodes)
    H = _induced(G, keep)
    pos = _layout(H, comm, seed)

    given_ax = ax
    fig, ax = st.new_axes(ax, (7.5, 7.0))
    role = dict(zip(ids, sf["role"].astype(str)))
    out = firms["output"].reindex(keep).to_numpy(dtype=float) if "output" in firms else np.full(len(keep), np.nan)
    radius = st.output_radius(out, [role[f] for f in keep], R_MIN, R_MAX)
    taken = _community_discs(ax, H, pos, comm, cluster, structure, lang, fig)
    segs = [(pos[a], pos[b]) for a, b in H.edges()]
    alpha = 0.5 if len(segs) <= 200 else max(0.08, 0.5 * math.sqrt(200 / len(segs)))
    edges = LineCollection(segs, colors=st.LINK_COLOR, linewidths=0.5, alpha=alpha, zorder=1)
    edges.set_gid("network.links")
    ax.add_collection(edges)
    # leaders last, so that they are drawn on top
    rank = {"sme": 0, "backbone": 1, "leader": 2}
    order = sorted(range(len(keep)), key=lambda i: (rank.get(role[keep[i]], 0), i))
    keep = [keep[i] for i in order]
    radius = radius[order]
    xy = np.array([pos[f] for f in keep]) if keep else np.empty((0, 2))
    nodes = EllipseCollection(2 * radius, 2 * radius, np.zeros(len(keep)), units="xy", offsets=xy,
                              offset_transform=ax.transData,
                              facecolors=[st.ROLE_COLORS.get(role[f], "#777777") for f in keep],
                              edgecolors="white", linewidths=0.5, zorder=3)
    nodes.set_gid("network.firms")
    ax.add_collection(nodes)
    every = len(keep) <= LABEL_ALL if label_all is None else label_all
    if label_leaders or every:
        names = dict(zip(cluster.firms["firm_id"].astype(str), st.firm_names(cluster.firms, lang)))
        shown_lab = [(f, r) for f, r in zip(keep, radius) if every or role[f] == "leader"]
        # leaders first, so that they get the spot right under their node
        shown_lab.sort(key=lambda fr: role[fr[0]] != "leader")
        _leader_labels(ax, [(names[f], pos[f], r, role[f] == "leader") for f, r in shown_lab], fig, taken)
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-1.25, 1.25)
    ax.set_aspect("equal")
    ax.set_axis_off()
    handles = [Line2D([], [], marker="o", linestyle="", markersize=7, markerfacecolor=st.ROLE_COLORS[r],
                      markeredgecolor="white", label=w[r]) for r in ("leader", "backbone", "sme")
               if r in set(role.values())]
    ax.legend(handles=handles, loc="lower left", fontsize=7.5, frameon=False, ncol=len(handles) or 1,
              bbox_to_anchor=(0.0, -0.04))
    q = structure.figures.get("modularity")
    method = str(structure.community_method).split()[0] if getattr(structure, "community_method", None) else "?"
    name = st.cluster_title(cluster.meta, lang)
    shown = len(keep)
    sizes: dict[int, int] = {}
    for f in keep:
        sizes[comm[f]] = sizes.get(comm[f], 0) + 1
    circles = sum(1 for n in sizes.values() if n >= 2)
    alone = sum(1 for n in sizes.values() if n == 1)
    # the axes is square (equal aspect) and centred, so the title may only be as wide as the axes
    width = (min(fig.get_figwidth(), fig.get_figheight()) - 1.3) * 72 if given_ax is None else None
    if lang == "zh":
        sub = f"本地企业{n_all:,}家，供货关系{G.number_of_edges():,}条"
        if q is not None:
            sub += f"；{circles}个社区（圆圈，{method}，模块度 {q:.2f}）"
            sub += f"；{alone}家没有同社区伙伴（底部一行）" if alone else ""
        if shown < n_all:
            sub += f"；仅显示合作伙伴最多的{shown:,}家（含全部龙头企业）"
        st.title(ax, f"{name} · " + st.keep_together("供货网络"), sub, width_pt=width)
    else:
        sub = f"{n_all:,} local firms, {G.number_of_edges():,} supply links"
        if q is not None:
            sub += (f"; {circles} communit{'y' if circles == 1 else 'ies'} (circles; {method}, modularity {q:.2f})"
                    + (f"; {alone} firm{'s' if alone != 1 else ''} without a community partner (bottom row)"
                       if alone else ""))
        if shown < n_all:
            sub += f"; showing the {shown:,} firms with most partners (every leader)"
        st.title(ax, f"{name} — " + st.keep_together("supply network"), sub, width_pt=width)
    return fig, ax


def _points_per_unit(ax: Axes, fig: Figure) -> float:
    box = ax.get_position()
    return box.width * fig.get_figwidth() * 72 / 2.5  # points per data unit (x range is 2.5)


def _leader_labels(ax: Axes, items: list[tuple[str, np.ndarray, float, bool]], fig: Figure,
                   placed: list[tuple[float, float, float, float]]) -> None:
    """Firm names under their nodes (leaders first, in the role colour), each pushed further down
    where it would overlap a name or community label already placed (boxes: x centre, top, w, h)."""
    pt = _points_per_unit(ax, fig)
    for text, (x, y), r, lead in items:
        size = 7.0 if lead else 6.0
        lines = st.wrap(text, 110, size, max_lines=2)
        w = (max(st.text_width(t, size) for t in lines) + 3) / pt
        h = (len(lines) * size * 1.25 + 2) / pt
        top = y - r - 2 / pt
        while any(abs(x - px) < (w + pw) / 2 and top > py - ph and top - h < py for px, py, pw, ph in placed):
            top -= 3 / pt
        placed.append((x, top, w, h))
        ax.text(x, top, "\n".join(lines), ha="center", va="top", fontsize=size,
                color="#8C3A00" if lead else st.TEXT_COLOR, gid="network.label" if lead else "network.firm_label",
                zorder=5, linespacing=1.05,
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})


def _keep(G: nx.Graph, ids: list[str], roles: np.ndarray, max_nodes: int) -> list[str]:
    """Firms to draw: all when few enough, else leaders first, then by number of partners."""
    if len(ids) <= max_nodes:
        return list(ids)
    deg = dict(G.degree())
    order = sorted(range(len(ids)), key=lambda i: (roles[i] != "leader", -deg.get(ids[i], 0), i))
    chosen = set(order[:max_nodes])
    return [f for i, f in enumerate(ids) if i in chosen]


def _layout(H: nx.Graph, comm: dict[str, int], seed: int) -> dict[str, np.ndarray]:
    """Communities placed by a spring layout of the graph between them, each one laid out inside its disc."""
    groups: dict[int, list[str]] = {}
    for f in H.nodes:
        groups.setdefault(comm[f], []).append(f)
    big = {k: v for k, v in groups.items() if len(v) >= 2}
    single = sorted(f for k, v in groups.items() if len(v) < 2 for f in v)
    C = nx.Graph()
    C.add_nodes_from(sorted(big))
    for a, b in H.edges():
        ca, cb = comm[a], comm[b]
        if ca != cb and ca in big and cb in big:
            C.add_edge(ca, cb, weight=C.get_edge_data(ca, cb, {"weight": 0})["weight"] + 1)
    total = sum(len(v) for v in big.values()) or 1
    radius = {k: 0.12 + 0.55 * math.sqrt(len(v) / total) for k, v in big.items()}
    if len(C) == 1:
        centres = {next(iter(C.nodes)): np.zeros(2)}
    elif len(C):
        centres = nx.spring_layout(C, seed=seed, weight="weight", k=1.5 / math.sqrt(len(C)), iterations=200)
        centres = _spread(centres, radius)
    else:
        centres = {}
    pos: dict[str, np.ndarray] = {}
    for k, members in big.items():
        sub = _induced(H, members)
        p = nx.spring_layout(sub, seed=seed, k=1.0 / math.sqrt(len(members)), iterations=100)
        arr = np.array([p[f] for f in members])
        arr -= arr.mean(axis=0)
        # keep each firm's direction from the spring layout but even out the distances, so that a
        # community fills its disc evenly instead of piling up in the middle
        dist = np.hypot(arr[:, 0], arr[:, 1])
        angle = np.arctan2(arr[:, 1], arr[:, 0])
        rank = np.empty(len(members))
        rank[np.lexsort((np.arange(len(members)), dist))] = np.arange(len(members))
        r = radius[k] * 0.9 * np.sqrt((rank + 0.5) / len(members))
        for f, x, y in zip(members, r * np.cos(angle), r * np.sin(angle)):
            pos[f] = centres[k] + np.array([x, y])
    # firms on their own (a community of one) sit in rows at the bottom; the communities fill the rest
    rows = math.ceil(len(single) / STRIP_PER_ROW) if single else 0
    strip = min(0.5, rows * STRIP_ROW) if rows else 0.0
    top, bottom = 1.12, -1.12 + strip + (0.12 if rows else 0.0)
    if pos:
        arr = np.array(list(pos.values()))
        lo, hi = arr.min(axis=0), arr.max(axis=0)
        mid, span = (lo + hi) / 2, np.maximum(hi - lo, 1e-9)
        scale = min(2.2 / span[0], (top - bottom) / span[1])
        centre = np.array([0.0, (top + bottom) / 2])
        pos = {f: centre + (xy - mid) * scale for f, xy in pos.items()}
    per_row = math.ceil(len(single) / rows) if rows else 1
    dy = strip / rows if rows else 0.0
    for i, f in enumerate(single):
        r, k = divmod(i, per_row)
        n_row = min(per_row, len(single) - r * per_row)
        x = 0.0 if n_row == 1 else -1.15 + 2.3 * k / (n_row - 1)
        pos[f] = np.array([x, -1.15 + (rows - 1 - r + 0.5) * dy])
    return pos


def _induced(G: nx.Graph, nodes: list[str]) -> nx.Graph:
    """The subgraph of ``nodes`` with the nodes in the order given.

    ``G.subgraph`` iterates a small node set in the order of a Python set, which follows the
    per-process string hash: the seeded spring layout then started from a different order in
    every process and the same seed gave a different picture.
    """
    keep = set(nodes)
    H = nx.Graph()
    H.add_nodes_from(nodes)
    H.add_edges_from((a, b) for a, b in G.edges(nodes) if a in keep and b in keep)
    return H


def _spread(centres: dict[int, np.ndarray], radius: dict[int, float], rounds: int = 200) -> dict[int, np.ndarray]:
    """Push community centres apart until their discs do not overlap (deterministic)."""
    keys = sorted(centres)
    xy = np.array([centres[k] for k in keys], dtype=float)
    r = np.array([radius[k] for k in keys])
    xy *= (r.sum() / max(np.abs(xy).max(), 1e-9))
    for _ in range(rounds):
        moved = False
        for i in range(len(keys)):
            for j in range(i + 1, len(keys)):
                d = xy[j] - xy[i]
                dist = float(np.hypot(*d))
                need = r[i] + r[j] + 0.04
                if dist < need:
                    step = (need - dist) / 2 * (d / dist if dist > 1e-9 else np.array([1.0, 0.0]))
                    xy[i] -= step
                    xy[j] += step
                    moved = True
        if not moved:
            break
    return dict(zip(keys, xy))


def _community_discs(ax: Axes, H: nx.Graph, pos: dict[str, np.ndarray], comm: dict[str, int],
                     cluster: Cluster, structure: Any, lang: str, fig: Figure) -> list[tuple[float, float, float, float]]:
    """A light disc behind each community of two or more drawn firms, named by its main segment;
    returns the label boxes (x centre, top, width, height in data units) for the firm labels to avoid."""
    pt = _points_per_unit(ax, fig)
    boxes = []
    main = dict(zip(structure.communities["community"], structure.communities["main_segment"]))
    label = {}
    for t in cluster.templates:
        for s in t.segment_ids:
            label.setdefault(s, t.label(s, lang))
    groups: dict[int, list[str]] = {}
    for f in H.nodes:
        groups.setdefault(comm[f], []).append(f)
    for k, members in sorted(groups.items()):
        if len(members) < 2:
            continue
        arr = np.array([pos[f] for f in members])
        c = arr.mean(axis=0)
        r = float(np.hypot(*(arr - c).T).max()) + 0.05
        ax.add_artist(Circle(tuple(c), r, facecolor="#EEF2F6", edgecolor="#C9D3DD", linewidth=0.6, zorder=0,
                             gid="network.community"))
        seg = main.get(k)
        text = f"C{k + 1}" + (f" · {label.get(seg, seg)}" if isinstance(seg, str) else "")
        ax.text(c[0], c[1] + r + 0.01, text, ha="center", va="bottom", fontsize=7, color=st.MUTED,
                gid="network.community_label")
        boxes.append((float(c[0]), c[1] + r + 0.01 + 9 / pt, (st.text_width(text, 7) + 4) / pt, 9 / pt))
    return boxes
