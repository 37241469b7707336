"""Chain completeness by segment: one bar per template segment in chain order, coloured by status."""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..model import Cluster
from . import _style as st

_HEADLINE = ("index", "segment_coverage", "link_coverage", "path_completeness")


@st.figure_function
def completeness_chart(cluster_or_audit: Cluster | Any, *, lang: str = "en", ax: Axes | None = None
                       ) -> tuple[Figure, Axes]:
    """Horizontal bars of local firms per segment, upstream at the top, coloured by status.

    Present segments are blue, weak ones (one local firm, 强链) orange; missing segments are a
    hatched stub named by their gap type (补链 fill / 延链 extend), with "external supply" when an
    external firm in the data makes them. The four headline figures (completeness index, segment
    coverage, link coverage, path completeness) head the chart.

    Parameters
    ----------
    cluster_or_audit : a Cluster (audited here) or an :class:`~chainnet.analysis.completeness.Audit`
    lang : ``"en"`` or ``"zh"``
    ax : axes to draw into (a new figure when None)

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> import chainnet
    >>> from chainnet.viz import completeness_chart
    >>> fig, ax = completeness_chart(chainnet.load_dataset("demo_copper"))
    >>> len(ax.patches) >= 18
    True
    """
    w = st.words(lang)
    if isinstance(cluster_or_audit, Cluster):
        from ..analysis.completeness import audit

        a = audit(cluster_or_audit, top=0)
        meta = cluster_or_audit.meta
    else:
        a = cluster_or_audit
        meta = {"id": a.cluster, "name": a.cluster_name, "name_zh": getattr(a, "cluster_name_zh", None)}
    segs = a.segments.reset_index(drop=True)
    gaps = {(r.template, r.segment): r.type for r in a.gaps.itertuples(index=False) if r.type in ("fill", "extend")}
    multi = len(a.templates) > 1
    n = len(segs) + (len(a.templates) if multi else 0)
    fig, ax = st.new_axes(ax, (7.5, 2.3 + 0.24 * n))
    zh = lang == "zh"
    names, ys, y = [], [], 0
    rows: list[tuple[float, Any]] = []
    last_t = None
    group_rows = []
    for r in segs.itertuples(index=False):
        if multi and r.template != last_t:
            group_rows.append((y, r.template))
            y += 1
            last_t = r.template
        rows.append((y, r))
        y += 1
    top = max([int(r.firms) for _, r in rows] + [1])
    stub = top * 0.06
    for yy, r in rows:
        label = r.name_zh if zh and isinstance(r.name_zh, str) else r.name
        names.append(label)
        ys.append(yy)
        if r.status == "missing":
            bar = ax.barh(yy, stub, height=0.62, color="white", edgecolor="#9A9A9A", hatch="///", linewidth=0.6,
                          zorder=2)
            gap = gaps.get((r.template, r.segment), "extend")
            text = f"{w['missing']} · {w[gap]}" if zh else f"missing · {w[gap]} ({st.WORDS['zh'][gap]})"
            if r.external_supply:
                text += "（外地有供给）" if zh else ", external supply"
            ax.text(stub + top * 0.015, yy, text, va="center", ha="left", fontsize=7.5, color="#6B6B6B",
                    gid="completeness.gap_label")
        else:
            bar = ax.barh(yy, int(r.firms), height=0.62, color=st.STATUS_BAR_COLORS[r.status], zorder=2)
            count = f"{int(r.firms):,}家" if zh else f"{int(r.firms):,}"
            if r.status == "weak":
                count += f" · {w['weak']}" if not zh else " · 薄弱"
            ax.text(int(r.firms) + top * 0.015, yy, count, va="center", ha="left", fontsize=7.5,
                    color="#A35F00" if r.status == "weak" else st.MUTED, gid="completeness.count")
        bar.patches[0].set_gid(f"completeness.{r.status}.{r.template}.{r.segment}")
    _stage_bands(ax, rows, lang)
    for yy, tid in group_rows:
        part = a.per_template.get(tid, {})
        comp = part.get("completeness", {})
        ax.text(0, yy, f"{part.get('name', tid)} · {w['index']} {st.pct(comp.get('index'))}",
                va="center", ha="left", fontsize=8.5, color=st.TEXT_COLOR, gid="completeness.template")
    ax.set_yticks(ys, names)
    ax.tick_params(axis="y", labelsize=8, length=0)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_ylim(y - 0.4, -0.6)
    ax.set_xlim(0, top * 1.32)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("本地企业数" if zh else "local firms", fontsize=8.5, color=st.MUTED)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [Patch(facecolor=st.STATUS_BAR_COLORS["present"], label=("齐全（≥2家）" if zh else "present (2+ firms)")),
               Patch(facecolor=st.STATUS_BAR_COLORS["weak"], label=("薄弱（1家）" if zh else "weak (1 firm)")),
               Patch(facecolor="white", edgecolor="#9A9A9A", hatch="///", label=("缺失" if zh else "missing"))]
    ax.legend(handles=handles, loc="lower right", fontsize=7.5, frameon=False)
    c = a.completeness
    # each figure and the title's second half stay whole: lines break between them, never inside
    tiles = ("，" if zh else " · ").join(st.keep_together(f"{w[k]} {st.pct(c[k])}") for k in _HEADLINE)
    name = st.cluster_title(meta, lang)
    st.title(ax, f"{name} · " + st.keep_together("产业链完整度") if zh else
             f"{name} — " + st.keep_together("chain completeness by segment"), tiles,
             left_pt=st.label_width(names, 8))
    return fig, ax


def _stage_bands(ax: Axes, rows: list[tuple[float, Any]], lang: str) -> None:
    """Faint alternating bands behind runs of segments of one stage, named at the right edge."""
    runs: list[list[tuple[float, Any]]] = []
    for yy, r in rows:
        if runs and runs[-1][-1][1].stage == r.stage and runs[-1][-1][1].template == r.template \
                and runs[-1][-1][0] == yy - 1:
            runs[-1].append((yy, r))
        else:
            runs.append([(yy, r)])
    for k, run in enumerate(runs):
        y0, y1 = run[0][0] - 0.5, run[-1][0] + 0.5
        if k % 2 == 0:
            ax.axhspan(y0, y1, color="#F3F5F8", zorder=0, linewidth=0)
        ax.text(1.01, (y0 + y1) / 2, st.words(lang)[run[0][1].stage], transform=ax.get_yaxis_transform(),
                ha="left", va="center", fontsize=7, color="#8A8A8A", gid="completeness.stage")
