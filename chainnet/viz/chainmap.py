"""The chain map (产业链图谱): a cluster's firms laid out along its reference industry chain.

One lane per template segment, upstream to downstream; firms sit in the lane of their segment,
sized by output and coloured by role; supply links are arrows between them; the template's
expected flows run under the lanes, drawn by status (present, weak, broken, missing); missing
segments are hatched lanes named by their gap type (补链 fill, 延链 extend).

Layout rules (documented in ``docs/figures.md``):

- a firm in several segments of one chain is drawn once, in its most upstream segment; its other
  segments get a small hollow marker joined to it by a dotted line, and a supply link that names
  ``segment_from``/``segment_to`` starts or ends at that segment's marker;
- within a lane, firms are ordered by barycentre sweeps (Sugiyama et al. 1981) to reduce link
  crossings; the initial order is leaders, backbone firms, SMEs, each by output (ties broken by
  ``seed``), so the same input and seed give the same figure;
- a lane with more than ``collapse_threshold`` firms collapses its SMEs (then services,
  institutions and backbone firms, as needed) into one bubble per role with a count; leaders
  are never collapsed;
- external firms (outside the cluster boundary) are small grey dots at the right edge of their
  segment's lane (``show_external``); institutions and service firms without a segment sit in
  a last "support" lane (``show_support``);
- a cluster with several chains draws one band per chain, stacked; a firm in two chains is
  drawn in each band.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import EllipseCollection, LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle
from matplotlib.path import Path

from .._errors import ChainnetError
from ..model import Cluster
from ..template import Template, load_template
from . import _style as st
from ._chainlayout import (
    HEADER_PT,
    INCH,
    LABEL_MODES,
    LABEL_PT,
    LANE_W,
    ORIENTATIONS,
    PT,
    TRACK,
    Item,
    Lane,
    Layout,
)
from ._scale import AGGREGATE_MIN_FIRMS, aggregated


@st.figure_function
def chain_map(cluster: Cluster, *, audit: Any = None, lang: str = "en", ax: Axes | None = None,
              orientation: str = "horizontal", collapse_threshold: int = 25, seed: int = 0,
              show_external: bool = True, show_support: bool = True, labels: str = "auto",
              max_arrows: int = 400, aggregate_above: int = AGGREGATE_MIN_FIRMS,
              top_per_lane: int = 3) -> tuple[Figure, Axes]:
    """Draw a cluster's chain map: firms in lanes per template segment, links and flow statuses.

    Parameters
    ----------
    cluster : the cluster
    audit : its :func:`chainnet.analysis.completeness.audit` result (computed when None)
    lang : ``"en"`` or ``"zh"`` (Chinese firm and segment names, legend and title)
    ax : axes to draw into (a new figure sized to the chain when None)
    orientation : ``"horizontal"`` (lanes left to right) or ``"vertical"`` (top to bottom)
    collapse_threshold : a lane with more firms than this collapses its SMEs into a counted bubble
    seed : breaks ties in the initial order of firms within a lane
    show_external : draw external firms (small grey dots at the lane edge) and their links
    show_support : draw institutions and service firms without a segment in a last lane
    labels : ``"leaders"`` (label leader firms), ``"all"``, ``"none"`` or ``"auto"`` (every
        firm when at most 40 are drawn individually, else leaders)
    max_arrows : above this many drawn links, links are thin lines without arrow heads
    aggregate_above : with more local firms than this, draw the aggregate view: each lane's
        ``top_per_lane`` firms one by one (leaders first, then by output) and every other firm of
        the segment in one "+K more" bubble per role (the subtitle says so)
    top_per_lane : firms drawn one by one per lane in the aggregate view

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> import chainnet
    >>> from chainnet.viz import chain_map
    >>> fig, ax = chain_map(chainnet.load_dataset("demo_copper"), labels="leaders")
    >>> [t.get_text().split() for t in ax.texts if t.get_gid() == "chainmap.label"]
    [['Smelter', 'A', '(leader)']]
    """
    w = st.words(lang)
    if orientation not in ORIENTATIONS:
        raise ChainnetError(f"orientation={orientation!r}; use 'horizontal' or 'vertical'")
    if labels not in LABEL_MODES:
        raise ChainnetError(f"labels={labels!r}; use one of {', '.join(LABEL_MODES)}")
    if collapse_threshold < 1:
        raise ChainnetError(f"collapse_threshold={collapse_threshold} must be at least 1")
    if top_per_lane < 0:
        raise ChainnetError(f"top_per_lane={top_per_lane} must be at least 0")
    big = aggregated(int(cluster.local_mask.sum()), aggregate_above)
    if audit is None:
        from ..analysis.completeness import audit as run_audit

        audit = run_audit(cluster, top=0)
    tpls = _templates(cluster, audit)
    layout = Layout(cluster, audit, tpls, lang=lang, vertical=orientation == "vertical",
                     threshold=collapse_threshold, seed=seed, show_external=show_external,
                     show_support=show_support, labels=labels, aggregate=big, top_per_lane=top_per_lane)
    layout.build()
    note = aggregate_note(aggregate_above, top_per_lane, lang) if big else None
    return _Drawer(layout, ax, w, max_arrows=max_arrows, note=note).draw()


def _templates(cluster: Cluster, audit: Any) -> list[Template]:
    own = {t.id: t for t in cluster.templates}
    return [own[tid] if tid in own else load_template(tid) for tid in audit.templates]


# -- layout ---------------------------------------------------------------------------------------
class _Drawer:
    def __init__(self, layout: Layout, ax: Axes | None, w: dict[str, str], *, max_arrows: int,
                 note: str | None = None):
        self.L, self.w, self.max_arrows, self.note = layout, w, max_arrows, note
        # the width estimate runs a few percent short on digits and % signs; the aggregate view's
        # longer subtitle wraps with that margin so that it never runs past the figure's edge
        self.sub_fit = 0.92 if note else 1.0
        self.ax_given = ax
        self.vertical = layout.vertical

    def xy(self, u: float, v: float) -> tuple[float, float]:
        return (v, -u) if self.vertical else (u, -v)

    def draw(self) -> tuple[Figure, Axes]:
        L = self.L
        xs, ys = self._bounds()
        self.xlim = xs
        handles = self._legend_handles()
        main, sub = self._title_text()
        if self.note:
            sub += self.note
        if self.ax_given is None:
            self.fig, self.ax = self._figure(xs, ys, handles, main, sub)
        else:
            self.fig, self.ax = self.ax_given.figure, self.ax_given
        ax = self.ax
        for band in L.bands:
            self._band(band)
        self._links()
        self._items()
        ax.set_xlim(*xs)
        ax.set_ylim(*ys)
        ax.set_aspect("equal")
        ax.set_axis_off()
        st.title(ax, main, sub, width_pt=(xs[1] - xs[0]) * PT * self.sub_fit if self.ax_given is None else None)
        self._legend(handles)
        return self.fig, ax

    def _figure(self, xs: tuple[float, float], ys: tuple[float, float], handles: list[Any], main: str,
                sub: str) -> tuple[Figure, Axes]:
        """A figure whose axes gets exactly INCH inches per layout unit, with room for title and legend."""
        ax_w, ax_h = (xs[1] - xs[0]) * INCH, (ys[1] - ys[0]) * INCH
        fig_w = max(ax_w, 5.0) + 0.3
        self.ncol, rows = _legend_grid([h.get_label() for h in handles], (fig_w - 0.3) * 72)
        legend_h = rows * 0.2 + 0.12
        n_main = len(st.wrap(main, ax_w * 72, 12, max_lines=3))
        n_sub = len(st.wrap(sub, ax_w * 72 * self.sub_fit, 8.5, max_lines=4))
        title_h = (n_main * 12 * 1.2 + n_sub * 8.5 * 1.3 + 14) / 72
        fig_h = ax_h + title_h + legend_h + 0.3
        fig = Figure(figsize=(fig_w, fig_h))
        ax = fig.add_axes((0.15 / fig_w + (fig_w - 0.3 - ax_w) / 2 / fig_w, (0.15 + legend_h) / fig_h,
                           ax_w / fig_w, ax_h / fig_h))
        self.legend_y = 0.12 / fig_h
        return fig, ax

    def _bounds(self) -> tuple[tuple[float, float], tuple[float, float]]:
        L = self.L
        n_lanes = max(ln.pos for ln in L.lanes) + 1
        u_lo, u_hi = -0.5, n_lanes - 0.5
        v_lo, v_hi = -0.05, L.bands[-1]["end"] + 0.05
        if self.vertical:
            u_lo -= 0.1
            return (v_lo, v_hi), (-u_hi, -u_lo)
        return (u_lo - 0.05, u_hi + 0.05), (-v_hi, -v_lo)

    # bands: stage strip, headers, lanes, template flows ----------------------------------
    def _band(self, band: dict[str, Any]) -> None:
        ax, L, w = self.ax, self.L, self.w
        lanes = band["lanes"]
        t = band["template"]
        if len(L.tpls) > 1:
            comp = L.audit.per_template.get(t.id, {}).get("completeness", {})
            text = f"{st.template_title(t, L.lang)}  ·  {w['index']} {st.pct(comp.get('index'))}"
            x, y = self.xy(-0.45, band["start"] + 0.14)
            ax.text(x, y, text, ha="left", va="center", fontsize=9.5, color=st.TEXT_COLOR,
                    gid="chainmap.band")
        self._stages(lanes, band["stage"])
        h0, h1 = band["header"]
        b0, b1 = band["body"]
        for ln in lanes:
            self._header(ln, h0, h1)
            self._lane_body(ln, b0, b1)
        self._flow_arcs(band)

    def _rect(self, u0: float, u1: float, v0: float, v1: float, **kw: Any) -> Rectangle:
        (xa, ya), (xb, yb) = self.xy(u0, v0), self.xy(u1, v1)
        r = Rectangle((min(xa, xb), min(ya, yb)), abs(xb - xa), abs(yb - ya), **kw)
        self.ax.add_artist(r)
        return r

    def _stages(self, lanes: list[Lane], v: float) -> None:
        runs: list[list[Lane]] = []
        for ln in lanes:
            if runs and runs[-1][-1].stage == ln.stage:
                runs[-1].append(ln)
            else:
                runs.append([ln])
        for run in runs:
            stage = run[0].stage
            color = st.STAGE_COLORS.get(stage, "#8C8C8C")
            self._rect(run[0].pos - LANE_W / 2, run[-1].pos + LANE_W / 2, v, v + 0.22, facecolor=color,
                       edgecolor="none", gid="chainmap.stage")
            label = self.w.get(stage, _SUPPORT_SHORT[self.L.lang])
            x, y = self.xy((run[0].pos + run[-1].pos) / 2, v + 0.11)
            span_pt = (run[-1].pos - run[0].pos + LANE_W) * PT
            if st.text_width(label, 7.5) > span_pt - 4:
                label = label[:1] if self.L.lang == "zh" else label[:2] + "."
            self.ax.text(x, y, label, ha="center", va="center", fontsize=7.5, color="white",
                         rotation=90 if self.vertical else 0, gid="chainmap.stage_label")

    def _header(self, ln: Lane, h0: float, h1: float) -> None:
        ax = self.ax
        face = {"present": "#D9E3EE", "weak": "#F8DDB0", "missing": "#EFEFEF", "support": "#E3EFE9"}[ln.status]
        self._rect(ln.pos - LANE_W / 2, ln.pos + LANE_W / 2, h0, h1, facecolor=face, edgecolor="none",
                   gid=f"chainmap.header.{ln.tid}.{ln.seg}")
        count = self._count_text(ln)
        color = {"weak": "#A35F00", "missing": "#7A7A7A"}.get(ln.status, st.MUTED)
        if self.vertical:
            x, y = self.xy(ln.pos - 0.12, h1 - 0.08)
            ax.text(x, y, "\n".join(ln.header), ha="right", va="center", fontsize=ln.header_pt, color=st.TEXT_COLOR,
                    linespacing=1.1, gid="chainmap.header_label")
            x, y = self.xy(ln.pos + 0.22, h1 - 0.08)
            ax.text(x, y, count, ha="right", va="center", fontsize=HEADER_PT - 0.8, color=color,
                    gid="chainmap.header_count")
            return
        x, y = self.xy(ln.pos, h0 + 0.06)
        ax.text(x, y, "\n".join(ln.header), ha="center", va="top", fontsize=ln.header_pt, color=st.TEXT_COLOR,
                linespacing=1.12, gid="chainmap.header_label")
        x, y = self.xy(ln.pos, h1 - 0.05)
        ax.text(x, y, count, ha="center", va="bottom", fontsize=HEADER_PT - 0.8, color=color, linespacing=1.1,
                gid="chainmap.header_count")

    def _count_text(self, ln: Lane) -> str:
        w, zh = self.w, self.L.lang == "zh"
        if ln.status == "support":
            return f"{ln.n_local:,}家" if zh else f"{ln.n_local:,} {'firm' if ln.n_local == 1 else 'firms'}"
        if ln.status == "missing":
            base = w["missing"]
        elif zh:
            base = f"{ln.n_local:,}家" + ("·薄弱" if ln.status == "weak" else "")
        else:
            base = f"{ln.n_local:,} {'firm' if ln.n_local == 1 else 'firms'}" + (" · weak" if ln.status == "weak" else "")
        if self.L.show_external and ln.n_ext:
            ext = f"+外地{ln.n_ext:,}" if zh else f"+{ln.n_ext:,} ext."
            # too wide for the lane (large clusters): the external count goes on a second line
            one = f"{base} {ext}"
            return one if st.text_width(one, HEADER_PT - 0.8) <= LANE_W * PT - 4 else f"{base}\n{ext}"
        return base

    def _lane_body(self, ln: Lane, b0: float, b1: float) -> None:
        face, hatch = st.SEGMENT_STYLES.get(ln.status, ("#F1F6F3", None))
        r = self._rect(ln.pos - LANE_W / 2, ln.pos + LANE_W / 2, b0, b1, facecolor=face,
                       edgecolor="#C8C8C8" if hatch else "none", hatch=hatch, linewidth=0.6,
                       gid=f"chainmap.lane.{ln.tid}.{ln.seg}", zorder=0)
        r.set_hatch_linewidth(0.5) if hasattr(r, "set_hatch_linewidth") else None
        if ln.status != "missing":
            return
        w, zh = self.w, self.L.lang == "zh"
        gap = ln.gap or "extend"
        box = {"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}
        shift = 0.08 if ln.ext and not self.vertical else 0.0
        if zh and not self.vertical:
            # Chinese reads top to bottom with upright characters, one per line
            cols = [f"{w['missing']}·{w[gap]}"] + (["外地有供给"] if ln.external_supply else [])
            for k, col in enumerate(cols):
                x, y = self.xy(ln.pos - shift + (k - (len(cols) - 1) / 2) * 0.22, (b0 + b1) / 2)
                self.ax.text(x, y, "\n".join(col), ha="center", va="center", fontsize=7.5, color="#6B6B6B",
                             linespacing=1.0, gid="chainmap.gap_label", bbox=box)
            return
        text = f"{w['missing']} · {w[gap]}" if zh else f"missing · {w[gap]} ({st.WORDS['zh'][gap]})"
        if ln.external_supply:
            text += "（外地有供给）" if zh else "\nexternal supply"
        x, y = self.xy(ln.pos - shift, (b0 + b1) / 2)
        self.ax.text(x, y, text, ha="center", va="center", rotation=0 if self.vertical else 90, fontsize=7.5,
                     color="#6B6B6B", linespacing=1.3, gid="chainmap.gap_label", bbox=box)

    def _flow_arcs(self, band: dict[str, Any]) -> None:
        """Template flows as arcs under the lanes; ports spread so that arcs from one lane nest."""
        L, ax = self.L, self.ax
        v0 = band["body"][1]
        b = band["band"]
        rows = L._flows(b)
        pos = {id(r): (L.lanes_by(b, r.from_).pos, L.lanes_by(b, r.to).pos) for r in rows}
        out_port, in_port = {}, {}
        for key, port, side in ((0, out_port, 1), (1, in_port, -1)):
            groups: dict[int, list[Any]] = defaultdict(list)
            for r in rows:
                groups[pos[id(r)][key]].append(r)
            for lane_pos, grp in groups.items():
                # outgoing: farthest target leftmost (outer arc); incoming: farthest source rightmost
                grp.sort(key=lambda r: (-abs(pos[id(r)][1] - pos[id(r)][0]) if side > 0
                                        else abs(pos[id(r)][1] - pos[id(r)][0]), r.from_, r.to))
                k = len(grp)
                lo, hi = (0.06, 0.36) if side > 0 else (-0.36, -0.06)
                for j, r in enumerate(grp):
                    port[id(r)] = lane_pos + (lo + (hi - lo) * (j + 0.5) / k)
        z = {"missing": 2.0, "unknown": 2.05, "weak": 2.1, "present": 2.2, "broken": 2.3}
        tracks = band["tracks"]
        for r in sorted(rows, key=lambda r: (z[r.status], -abs(pos[id(r)][1] - pos[id(r)][0]))):
            color, lw, _ = st.FLOW_STYLES[r.status]
            ls = _FLOW_LINESTYLE.get(r.status, "-")
            u0, u1 = out_port[id(r)], in_port[id(r)]
            # down from the source lane to the flow's own track, along it, up into the target lane
            vt = v0 + 0.1 + (tracks[(r.from_, r.to)] + 0.5) * TRACK
            p0, p1, p2, p3 = self.xy(u0, v0), self.xy(u0, vt), self.xy(u1, vt), self.xy(u1, v0 + 0.02)
            body = FancyArrowPatch(path=Path([p0, p1, p2, p3], [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO]),
                                   arrowstyle="-", color=color, linewidth=lw, linestyle=ls, zorder=z[r.status],
                                   capstyle="butt", joinstyle="round", gid=f"chainmap.flow.{r.template}.{r.from_}.{r.to}")
            ax.add_artist(body)
            t = np.subtract(p3, p2)
            t = t / (float(np.hypot(*t)) or 1.0)
            head = FancyArrowPatch(tuple(np.asarray(p3) - t * 0.06), p3, arrowstyle="-|>",
                                   mutation_scale=5 + lw * 1.5, color=color, linewidth=0.1, shrinkA=0, shrinkB=0,
                                   zorder=z[r.status], gid="chainmap.flow_head")
            ax.add_artist(head)
            if r.status in ("weak", "broken", "unknown"):  # the flows to act on carry their status
                x, y = self.xy((u0 + u1) / 2, vt)
                ax.text(x, y, self.w[r.status], ha="center", va="center", fontsize=5.5, color=color,
                        rotation=90 if self.vertical else 0, zorder=z[r.status] + 0.05,
                        gid=f"chainmap.flow_label.{r.template}.{r.from_}.{r.to}",
                        bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"})

    # firms and links --------------------------------------------------------------------
    def _items(self) -> None:
        L, ax = self.L, self.ax
        for ln in L.lanes:
            groups: dict[str, list[Item]] = defaultdict(list)
            for it in ln.items + ln.ext:
                groups[it.kind].append(it)
            for kind, items in groups.items():
                offsets = [self.xy(it.u, it.v) for it in items]
                size = [2 * it.r for it in items]
                colors = [st.ROLE_COLORS.get(it.role, "#777777") for it in items]
                kw: dict[str, Any] = {"facecolors": colors, "edgecolors": "white", "linewidths": 0.6, "zorder": 4}
                gid = {"firm": "firms", "also": "also", "bubble": "collapsed", "ext": "external"}[kind]
                if kind == "also":
                    kw.update(facecolors="white", edgecolors=colors, linewidths=1.1)
                elif kind == "bubble":
                    kw.update(facecolors=[_tint(c, 0.55) for c in colors], edgecolors=colors, linewidths=1.0)
                elif kind == "ext":
                    kw.update(facecolors=st.ROLE_COLORS["external"], edgecolors="white", linewidths=0.4, alpha=0.75,
                              zorder=3)
                coll = EllipseCollection(size, size, np.zeros(len(items)), units="xy", offsets=offsets,
                                         offset_transform=ax.transData, **kw)
                coll.set_gid(f"chainmap.{gid}.{ln.tid}.{ln.seg}")
                ax.add_collection(coll, autolim=False)
            for it in ln.items + ln.ext:
                if it.label:
                    self._label(it)

    def _label(self, it: Item) -> None:
        gid = "chainmap.collapsed_label" if it.kind in ("bubble", "ext") and it.count > 1 else "chainmap.label"
        if it.kind == "ext":
            x, y = self.xy(it.u, it.v + it.r + 0.02)
            self.ax.text(x, y, "\n".join(it.label), ha="center", va="top", fontsize=LABEL_PT - 0.5,
                         color=st.MUTED, gid=gid, zorder=6)
            return
        x, y = self.xy(it.u + (it.r + 0.02 if self.vertical else 0.0), it.v + (0 if self.vertical else it.r + 0.015))
        lead = it.role == "leader" and it.kind == "firm"
        self.ax.text(x, y, "\n".join(it.label), ha="center", va="top", fontsize=LABEL_PT + (0.4 if lead else 0),
                     color="#8C3A00" if lead else st.TEXT_COLOR, linespacing=1.05, gid=gid,
                     zorder=6, bbox={"boxstyle": "round,pad=0.08", "facecolor": "white", "edgecolor": "none",
                                     "alpha": 0.75})

    def _links(self) -> None:
        L, ax = self.L, self.ax
        edges = [(L.items_by_id[a], L.items_by_id[b], n[0]) for (a, b), n in L.edges.items()]
        n = len(edges)
        alpha = 0.6 if n <= 60 else max(0.15, 0.6 * math.sqrt(60 / n))
        segs = []
        for a, b, k in edges:
            p, q = self._trim(a, b)
            ext = a.kind == "ext" or b.kind == "ext"
            if n > self.max_arrows:
                segs.append([p, q])
                continue
            same_lane = a.lane == b.lane and not ext
            arrow = FancyArrowPatch(p, q, arrowstyle="-|>", mutation_scale=5.5, shrinkA=0, shrinkB=0,
                                    color=st.LINK_COLOR, alpha=alpha * (0.6 if ext else 1.0),
                                    linewidth=0.6 + 0.35 * math.log1p(k - 1), linestyle="--" if ext else "-",
                                    connectionstyle=f"arc3,rad={0.5 if same_lane else 0.06}", zorder=1,
                                    gid="chainmap.link")
            ax.add_artist(arrow)
        if segs:
            lc = LineCollection(segs, colors=st.LINK_COLOR, linewidths=0.4, alpha=alpha, zorder=1)
            lc.set_gid("chainmap.links")
            ax.add_collection(lc, autolim=False)
        conn = [[self.xy(a.u, a.v), self.xy(b.u, b.v)] for a, b in L.connectors]
        if conn:
            lc = LineCollection(conn, colors="#8A8A8A", linewidths=0.7, linestyles=":", zorder=1)
            lc.set_gid("chainmap.connectors")
            ax.add_collection(lc, autolim=False)

    def _trim(self, a: Item, b: Item) -> tuple[tuple[float, float], tuple[float, float]]:
        p, q = np.array(self.xy(a.u, a.v)), np.array(self.xy(b.u, b.v))
        d = q - p
        n = float(np.hypot(*d)) or 1.0
        return tuple(p + d / n * (a.r + 0.01)), tuple(q - d / n * (b.r + 0.015))

    # title and legend ---------------------------------------------------------------------
    def _title_text(self) -> tuple[str, str]:
        L, w = self.L, self.w
        c = L.audit.completeness
        name = st.cluster_title(L.cluster.meta, L.lang)
        chains = " + ".join(st.template_title(t, L.lang) for t in L.tpls)
        if not L.cluster.links_known:  # a firm list: only segment coverage is measured
            sep = "　" if L.lang == "zh" else ": "
            return (f"{name} · 产业链图谱" if L.lang == "zh" else f"{name} — chain map",
                    f"{chains}{sep}{w['segment_coverage']} {st.pct(c['segment_coverage'])}"
                    + (f"；{w['links_unknown']}　节点面积与产值成正比" if L.lang == "zh"
                       else f"; {w['links_unknown']}. Node area ∝ output."))
        if L.lang == "zh":
            return (f"{name} · 产业链图谱",
                    f"{chains}　{w['index']} {st.pct(c['index'])}（{w['segment_coverage']} "
                    f"{st.pct(c['segment_coverage'])}，{w['link_coverage']} {st.pct(c['link_coverage'])}，"
                    f"{w['path_completeness']} {st.pct(c['path_completeness'])}）　节点面积与产值成正比")
        return (f"{name} — chain map",
                f"{chains}: {w['index']} {st.pct(c['index'])} ({w['segment_coverage']} "
                f"{st.pct(c['segment_coverage'])}, {w['link_coverage']} {st.pct(c['link_coverage'])}, "
                f"{w['path_completeness']} {st.pct(c['path_completeness'])}). Node area ∝ output.")

    def _legend_handles(self) -> list[Any]:
        L, w, zh = self.L, self.w, self.L.lang == "zh"
        drawn = {it.role for ln in L.lanes for it in ln.items if it.kind in ("firm", "bubble")}
        handles: list[Any] = [
            Line2D([], [], marker="o", linestyle="", markersize=7, markerfacecolor=st.ROLE_COLORS[role],
                   markeredgecolor="white", label=w[role])
            for role in ("leader", "backbone", "sme", "institution", "service") if role in drawn]
        if L.show_external and any(ln.ext for ln in L.lanes):
            handles.append(Line2D([], [], marker="o", linestyle="", markersize=5, alpha=0.75,
                                  markerfacecolor=st.ROLE_COLORS["external"], markeredgecolor="white",
                                  label=w["external"]))
        if L.connectors:
            handles.append(Line2D([], [], marker="o", linestyle=":", color="#8A8A8A", markersize=5,
                                  markerfacecolor="white", markeredgecolor=st.MUTED,
                                  label="兼营其他环节" if zh else "also in this segment"))
        if any(it.kind == "bubble" for ln in L.lanes for it in ln.items):
            handles.append(Line2D([], [], marker="o", linestyle="", markersize=9, markerfacecolor=_tint("#56B4E9", 0.55),
                                  markeredgecolor="#56B4E9", label="合并显示（数量）" if zh else "collapsed group (count)"))
        if L.cluster.links_known:  # a firm list has no supply link to show
            handles.append(Line2D([], [], color=st.LINK_COLOR, linewidth=0.8, alpha=0.8, marker=">", markersize=4,
                                  markevery=[1], label="企业供货关系" if zh else "supply link"))
        flow_words = ({"present": "上下游衔接齐全", "weak": "衔接薄弱（强链）", "broken": "断链（两端都有企业）",
                       "unknown": "关联未知（待调查核实）", "missing": "衔接缺失（环节缺失）"} if zh else
                      {"present": "template flow present", "weak": "flow weak (one pair)",
                       "broken": "flow broken (断链)", "unknown": "tie unknown (to survey)", "missing": "flow missing"})
        statuses = set(L.audit.flows["status"])
        for s in ("present", "weak", "broken", "unknown", "missing"):
            if s in statuses:
                color, lw, _ = st.FLOW_STYLES[s]
                handles.append(Line2D([], [], color=color, linewidth=lw,
                                      linestyle=_FLOW_LINESTYLE.get(s, "-"), label=flow_words[s]))
        seg_status = set(L.audit.segments["status"])
        if "weak" in seg_status:
            handles.append(Patch(facecolor=st.SEGMENT_STYLES["weak"][0], edgecolor="none",
                                 label="薄弱环节（仅1家）" if zh else "weak segment (one firm)"))
        if "missing" in seg_status:
            handles.append(Patch(facecolor="white", edgecolor="#B0B0B0", hatch="///",
                                 label="缺失环节（补链/延链）" if zh else "missing segment (fill / extend)"))
        return handles

    def _legend(self, handles: list[Any]) -> None:
        kw: dict[str, Any] = {"fontsize": 7.5, "frameon": False, "handlelength": 2.2, "columnspacing": 1.4}
        if self.ax_given is None:
            leg = self.fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, self.legend_y),
                                  ncol=self.ncol, **kw)
        else:
            leg = self.ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                                 ncol=min(len(handles), 4), **kw)
        leg.set_gid("chainmap.legend")


#: How each flow status is dashed on the map (and in its legend).
_FLOW_LINESTYLE = {"broken": "--", "missing": ":", "unknown": "-."}


def _legend_grid(labels: list[str], width_pt: float, size: float = 7.5) -> tuple[int, int]:
    """Columns and rows of a legend that fits ``width_pt`` (matplotlib fills it column by column)."""
    for ncol in range(min(len(labels), 7), 0, -1):
        rows = math.ceil(len(labels) / ncol)
        cols = [labels[i * rows:(i + 1) * rows] for i in range(ncol)]
        need = sum(max(st.text_width(t, size) for t in col) + (2.2 + 0.8 + 1.4) * size for col in cols if col)
        if need <= width_pt:
            return ncol, rows
    return 1, len(labels)


_SUPPORT_SHORT = {"en": "support", "zh": "支撑"}


def _tint(color: str, amount: float) -> tuple[float, float, float]:
    """``color`` mixed with white (amount 0 = colour, 1 = white)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def aggregate_note(above: int, top: int, lang: str) -> str:
    """The subtitle sentence of the aggregate chain map.

    >>> aggregate_note(5000, 3, "en")
    ' Aggregate view (more than 5,000 local firms): 3 largest firms per segment, leaders first; "+K more" counts the rest.'
    """
    if lang == "zh":
        return f"　汇总视图（本地企业超过{above:,}家）：每个环节显示最大的{top}家企业（龙头优先），「另有K家」为其余企业数。"
    return (f" Aggregate view (more than {above:,} local firms): {top} largest firm{'s' if top != 1 else ''} per "
            'segment, leaders first; "+K more" counts the rest.')
