"""The supply network of a large cluster, aggregated: communities as discs, the top leaders on top.

Drawing 10^5 firms one by one gives an unreadable hairball and takes minutes (a spring layout of
10^5 nodes); above :data:`chainnet.viz._scale.AGGREGATE_MIN_FIRMS` local firms
:func:`chainnet.viz.network` draws this view instead. Each of the largest communities is one disc
whose area is proportional to its number of firms; smaller communities and firms without a
community partner share one grey disc; lines between discs have a width proportional to the
supply links between them; the leaders with most supply partners are drawn in their community's
disc and named. The layout is a seeded spring layout of at most ``max_communities + 1`` discs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import EllipseCollection, LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..model import Cluster
from . import _style as st

#: Radius of the largest disc and of a leader's dot, in data units (the axes spans -1.25 .. 1.25).
DISC_MAX, LEADER_R = 0.3, 0.03
#: Radius of the ring the disc centres sit on.
RING = 0.68
#: A community gets its own disc when it holds at least this share of the local firms (and is
#: among the ``max_communities`` largest); smaller ones join the grey disc.
MIN_SHARE = 0.005
OTHER = -1


def community_view(cluster: Cluster, structure: Any, *, seed: int) -> dict[str, Any]:
    """Firms, communities and links of the aggregate view, as plain arrays.

    ``structure`` is a :class:`~chainnet.analysis.structure.StructureResult` or None; without one
    only the communities are computed, exactly as :func:`~chainnet.analysis.structure.structure`
    finds them with this ``seed`` (the rest of that analysis is not needed for the figure).
    """
    if structure is not None:
        ids = structure.firms["firm_id"].astype(str).to_numpy(dtype=object)
        role = structure.firms["role"].astype(str).to_numpy(dtype=object)
        member = structure.firms["community"].to_numpy(dtype=np.int64)
        q = structure.figures.get("modularity")
        method = str(structure.community_method).split()[0] if getattr(structure, "community_method", None) else "?"
        main = dict(zip(structure.communities["community"], structure.communities["main_segment"]))
    else:
        from ..analysis import _sparse
        from ..analysis.structure import _communities, _community_table

        g = _sparse.supply_graph(cluster)
        local = cluster.firms.iloc[g.rows].reset_index(drop=True)
        member, q = _communities(g, seed=seed, weighted=False)
        ids = local["firm_id"].astype(str).to_numpy(dtype=object)
        role = local["role"].astype(str).to_numpy(dtype=object)
        table = _community_table(local, g, member)
        main = dict(zip(table["community"], table["main_segment"]))
        method = "Leiden"
    lo, hi = _partner_pairs(cluster, ids)
    n = len(ids)
    degree = np.bincount(np.concatenate([lo, hi[hi != lo]]), minlength=n)
    return {"ids": ids, "role": role, "member": member, "lo": lo, "hi": hi, "degree": degree,
            "modularity": q, "method": method, "main_segment": main}


def _partner_pairs(cluster: Cluster, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Supply partners among the firms ``ids`` as positions ``(lo, hi)``, ``lo <= hi``, each
    undirected pair once, sorted: the edges of the cached supply graph when ``ids`` are its
    firms in its order (no hashing of every link end: ~7 s at 5 million links), else matched by id."""
    from ..analysis import _sparse

    g = _sparse.supply_graph(cluster)
    if len(ids) == g.n and np.array_equal(ids, g.ids):
        lo, hi = g.edges
        return lo.astype(np.int64), hi.astype(np.int64)
    links = cluster.links
    links = links[links["kind"] == "supply"]
    n = len(ids)
    both = np.concatenate([ids, links["source"].astype(str).to_numpy(dtype=object),
                           links["target"].astype(str).to_numpy(dtype=object)])
    codes, uniq = pd.factorize(both)
    where = np.full(len(uniq), -1, dtype=np.int64)
    where[codes[:n]] = np.arange(n)
    a, b = where[codes[n:n + len(links)]], where[codes[n + len(links):]]
    ok = (a >= 0) & (b >= 0)
    lo, hi = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
    pairs = np.unique(lo * n + hi)  # partners, as the drawn-firm view counts them (undirected, once)
    return pairs // max(n, 1), pairs % max(n, 1)


def draw_aggregate(cluster: Cluster, view: dict[str, Any], *, lang: str, ax: Axes | None, seed: int,
                   above: int, max_communities: int, top_leaders: int) -> tuple[Figure, Axes]:
    """Draw the aggregate network of ``view`` (from :func:`community_view`)."""
    w = st.words(lang)
    zh = lang == "zh"
    member, role, degree = view["member"], view["role"], view["degree"]
    n = len(member)
    sizes = np.bincount(member) if n else np.zeros(0, dtype=np.int64)
    # communities are numbered by size (0 = largest); the largest ones of two or more firms get a disc
    big = [int(k) for k in np.flatnonzero((sizes >= 2) & (sizes >= MIN_SHARE * n))][:max_communities]
    disc_of = np.full(len(sizes), OTHER, dtype=np.int64)
    disc_of[big] = big
    group = disc_of[member] if n else np.zeros(0, dtype=np.int64)
    n_other = int((group == OTHER).sum())
    other_comms = int((sizes >= 2).sum()) - len(big)
    keys = big + ([OTHER] if n_other else [])
    count = {k: int(sizes[k]) for k in big} | ({OTHER: n_other} if n_other else {})
    # links between discs: distinct firm pairs, counted per pair of discs
    ga, gb = group[view["lo"]], group[view["hi"]]
    cross = ga != gb
    pa, pb = np.minimum(ga[cross], gb[cross]), np.maximum(ga[cross], gb[cross])
    between: dict[tuple[int, int], int] = {}
    if cross.any():
        span = len(sizes) + 1
        u, c = np.unique((pa + 1) * span + (pb + 1), return_counts=True)
        between = {(int(x // span) - 1, int(x % span) - 1): int(m) for x, m in zip(u, c)}
    centre, radius = _place(keys, count)

    given = ax is not None
    fig, ax = st.new_axes(ax, (7.5, 7.0))
    label = {}
    for t in cluster.templates:
        for s in t.segment_ids:
            label.setdefault(s, t.label(s, lang))
    if between:
        top = max(between.values())
        segs = [(centre[a], centre[b]) for a, b in between]
        widths = [0.4 + 5.0 * math.sqrt(m / top) for m in between.values()]
        lines = LineCollection(segs, colors=st.LINK_COLOR, linewidths=widths, alpha=0.35, zorder=1)
        lines.set_gid("network.links")
        ax.add_collection(lines)
    xy = np.array([centre[k] for k in keys]) if keys else np.empty((0, 2))
    d = np.array([2 * radius[k] for k in keys])
    discs = EllipseCollection(d, d, np.zeros(len(keys)), units="xy", offsets=xy, offset_transform=ax.transData,
                              facecolors=["#F1F1F1" if k == OTHER else "#DCE6F0" for k in keys],
                              edgecolors=["#BDBDBD" if k == OTHER else "#9FB3C8" for k in keys], linewidths=0.8,
                              zorder=2)
    discs.set_gid("network.communities")
    ax.add_collection(discs)
    pt = _points_per_unit(ax, fig)
    placed: list[tuple[float, float, float, float]] = []
    for k in keys:
        cx, cy = centre[k]
        if k == OTHER:
            head = (f"另有{other_comms:,}个较小社区及独立企业" if other_comms else "无同社区伙伴的企业") if zh else \
                (f"+{other_comms:,} smaller communit{'y' if other_comms == 1 else 'ies'} and firms on their own"
                 if other_comms else "firms without a community partner")
        else:
            seg = view["main_segment"].get(k)
            head = f"C{k + 1}" + (f" · {label.get(seg, seg)}" if isinstance(seg, str) else "")
        lines_ = [*st.wrap(head, 130, 7, max_lines=2), f"{count[k]:,}家企业" if zh else f"{count[k]:,} firms"]
        hgt = (len(lines_) * 7 * 1.25 + 3) / pt
        wid = (max(st.text_width(x, 7) for x in lines_) + 4) / pt
        # outside its disc, away from the ring's centre (above a lone disc)
        th = math.atan2(cy - 0.02, cx) if (cx, cy) != (0.0, 0.0) else math.pi / 2
        lx, ly = cx + (radius[k] + 0.03) * math.cos(th), cy + (radius[k] + 0.03) * math.sin(th)
        ha = "center" if abs(math.cos(th)) < 0.35 else ("left" if math.cos(th) > 0 else "right")
        top_y = ly + (hgt if math.sin(th) > 0.35 else hgt / 2 if math.sin(th) > -0.35 else 0.0)
        box_x = lx + {"center": 0.0, "left": wid / 2, "right": -wid / 2}[ha]
        placed.append((box_x, top_y, wid, hgt))
        ax.text(lx, top_y, "\n".join(lines_), ha=ha, va="top", fontsize=7, color=st.TEXT_COLOR, zorder=6,
                multialignment="center",
                linespacing=1.05, gid="network.community_label",
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.75})
    # the leaders with most supply partners, in their community's disc
    lead = np.flatnonzero(role == "leader")
    lead = lead[np.lexsort((lead, -degree[lead]))][:top_leaders]
    by_disc: dict[int, list[int]] = {}
    for i in lead:
        by_disc.setdefault(int(group[i]), []).append(int(i))
    pos = {}
    for k, firms in by_disc.items():
        (cx, cy), r = centre[k], radius[k]
        for j, i in enumerate(firms):
            angle = -math.pi / 2 + 2 * math.pi * j / len(firms)
            ring = 0.6 * r if len(firms) > 1 else 0.55 * r
            pos[i] = (cx + ring * math.cos(angle), cy + ring * math.sin(angle))
    shown = [int(i) for i in lead]
    if shown:
        dots = EllipseCollection(np.full(len(shown), 2 * LEADER_R), np.full(len(shown), 2 * LEADER_R),
                                 np.zeros(len(shown)), units="xy", offsets=np.array([pos[i] for i in shown]),
                                 offset_transform=ax.transData, facecolors=st.ROLE_COLORS["leader"],
                                 edgecolors="white", linewidths=0.6, zorder=4)
        dots.set_gid("network.firms")
        ax.add_collection(dots)
        from .network import _leader_labels

        names = dict(zip(cluster.firms["firm_id"].astype(str).tolist(), st.firm_names(cluster.firms, lang)))
        _leader_labels(ax, [(names[view["ids"][i]], np.array(pos[i]), LEADER_R, True) for i in shown], fig, placed)
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-1.25, 1.25)
    ax.set_aspect("equal")
    ax.set_axis_off()
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=7, markerfacecolor=st.ROLE_COLORS["leader"],
               markeredgecolor="white", label=w["leader"]),
        Line2D([], [], marker="o", linestyle="", markersize=11, markerfacecolor="#DCE6F0", markeredgecolor="#9FB3C8",
               label="社区（面积与企业数成正比）" if zh else "community (area ∝ firms)"),
        Line2D([], [], color=st.LINK_COLOR, linewidth=2.5, alpha=0.5,
               label="社区间供货关系（线宽与数量成正比）" if zh else "supply links between (width ∝ links)"),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=7.5, frameon=False, ncol=3, bbox_to_anchor=(0.0, -0.04))
    n_comm = int((sizes >= 2).sum())
    q, method = view["modularity"], view["method"]
    links = len(view["lo"])
    width = (min(fig.get_figwidth(), fig.get_figheight()) - 1.3) * 72 if not given else None
    name = st.cluster_title(cluster.meta, lang)
    if zh:
        sub = f"本地企业{n:,}家，供货关系{links:,}条；{n_comm:,}个社区（{method}" + \
            (f"，模块度 {q:.2f}" if q is not None else "") + "）。"
        sub += (f"汇总视图（本地企业超过{above:,}家）：最大的{len(big)}个社区各画为一个圆（面积与企业数成正比），"
                f"线宽与社区间供货关系数成正比；显示合作伙伴最多的{len(shown)}家龙头企业")
        st.title(ax, f"{name} · " + st.keep_together("供货网络"), sub, width_pt=width)
    else:
        sub = f"{n:,} local firms, {links:,} supply links; {n_comm:,} communit{'y' if n_comm == 1 else 'ies'} ({method}" + \
            (f", modularity {q:.2f}" if q is not None else "") + "). "
        sub += (f"Aggregate view (more than {above:,} local firms): the {len(big)} largest communities as discs "
                f"(area ∝ firms), line width ∝ supply links between them; the {len(shown)} "
                f"leader{'s' if len(shown) != 1 else ''} with most partners drawn")
        st.title(ax, f"{name} — " + st.keep_together("supply network"), sub, width_pt=width)
    return fig, ax


def _points_per_unit(ax: Axes, fig: Figure) -> float:
    box = ax.get_position()
    return box.width * fig.get_figwidth() * 72 / 2.5


def _place(keys: list[int], count: dict[int, int]) -> tuple[dict[int, tuple[float, float]], dict[int, float]]:
    """Disc centres on a ring, largest first from the top clockwise, and radii (area ∝ firms),
    shrunk together until neighbours on the ring keep a gap."""
    if not keys:
        return {}, {}
    top = max(count.values())
    radius = {k: max(0.035, DISC_MAX * math.sqrt(count[k] / top)) for k in keys}
    if len(keys) == 1:
        return {keys[0]: (0.0, 0.0)}, radius
    angle = {k: math.pi / 2 - 2 * math.pi * j / len(keys) for j, k in enumerate(keys)}
    gap = 2 * RING * math.sin(math.pi / len(keys))
    need = max(radius[a] + radius[b] for a, b in zip(keys, keys[1:] + keys[:1]))
    shrink = min(1.0, 0.85 * gap / need)
    return ({k: (RING * math.cos(angle[k]), RING * math.sin(angle[k]) + 0.02) for k in keys},
            {k: radius[k] * shrink for k in keys})
