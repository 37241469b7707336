"""Leader centrality chart: how much of the local supply network's PageRank, betweenness and degree the leaders hold."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._errors import ChainnetError
from .._format import share
from ..model import Cluster
from . import _style as st

#: Paul Tol's muted palette: distinct from the role colours.
MEASURE_COLORS = {"pagerank": "#332288", "betweenness": "#44AA99", "degree": "#DDCC77"}
#: padding of the figures box, in points
_BOX_PAD_PT = 3.0
_MEASURE_WORDS = {
    "en": {"pagerank": "PageRank", "betweenness": "betweenness", "degree": "degree (partners)"},
    "zh": {"pagerank": "PageRank", "betweenness": "中介中心性", "degree": "度（合作伙伴数）"},
}


@st.figure_function
def leader_chart(cluster_or_result: Cluster | Any, *, lang: str = "en", ax: Axes | None = None, top: int = 10,
                 seed: int = 0, meta: dict[str, Any] | None = None) -> tuple[Figure, Axes]:
    """Bar chart of each leader's (and the other most central firms') share of PageRank, betweenness and degree.

    Each measure is shown as the firm's share of the cluster total over local firms, so the three
    are comparable; leaders are named in the role colour. The METRICS figures (leader dominance,
    SME attachment, leader reach, degree centralization, leader dependence) are printed beside.

    Parameters
    ----------
    cluster_or_result : a Cluster, or a :class:`~chainnet.analysis.centrality.LeaderResult`
        (then names come from its firms table)
    lang : ``"en"`` or ``"zh"``
    ax : axes to draw into (a new figure when None)
    meta : the cluster's metadata, for the title, when a result is given (default: its id)
    top : firms shown: every leader, then the highest-PageRank other firms up to this many
    seed : seed of the betweenness sample for large clusters (when a Cluster is given)

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> import chainnet
    >>> from chainnet.viz import leader_chart
    >>> fig, ax = leader_chart(chainnet.load_dataset("demo_copper"), top=3)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Smelter A (leader)', 'PCB maker A', 'Laminate maker A']
    """
    w = st.words(lang)
    if top < 1:
        raise ChainnetError(f"top={top} must be at least 1")
    if isinstance(cluster_or_result, Cluster):
        from ..analysis.centrality import leaders

        res = leaders(cluster_or_result, seed=seed)
        meta = cluster_or_result.meta
    else:
        res = cluster_or_result
        meta = meta or {"id": res.cluster_id, "name": res.cluster_id}
    f = res.firms
    fig, ax = st.new_axes(ax, (7.5, 1.6 + 0.42 * min(max(top, int((f["role"] == "leader").sum())), len(f) or 1)))
    if fig.get_layout_engine() is not None:
        # the figures box's padding is not part of its text's extent: leave room for it at the edge
        fig.get_layout_engine().set(w_pad=(_BOX_PAD_PT + 6) / 72)
    shares = {
        "pagerank": _share(f["pagerank"]),
        "betweenness": _share(f["betweenness"]),
        "degree": _share(f["partners"]),
    }
    lead = np.flatnonzero((f["role"] == "leader").to_numpy())
    rest = [i for i in np.argsort(-f["pagerank"].to_numpy(dtype=float), kind="stable") if i not in set(lead)]
    lead_sorted = sorted(lead, key=lambda i: -float(f["pagerank"].iat[i]))
    rows = list(lead_sorted) + rest[:max(0, top - len(lead_sorted))]
    names = st.firm_names(f, lang)
    mw = _MEASURE_WORDS[lang]
    y = np.arange(len(rows))
    h = 0.26
    for k, (m, vals) in enumerate(shares.items()):
        bars = ax.barh(y + (k - 1) * h, [vals[i] for i in rows], height=h, color=MEASURE_COLORS[m],
                       label=mw[m], zorder=2)
        for b in bars:
            b.set_gid(f"leaders.{m}")
    ax.set_yticks(y, [names[i] for i in rows])
    for tick, i in zip(ax.get_yticklabels(), rows):
        if f["role"].iat[i] == "leader":
            tick.set_color("#8C3A00")
    ax.invert_yaxis()
    st.share_axis(ax.xaxis)
    ax.set_xlabel("占本地企业合计的份额" if lang == "zh" else "share of the cluster total over local firms",
                  fontsize=8.5, color=st.MUTED)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.legend(loc="lower right", fontsize=7.5, frameon=False)
    figs = res.figures
    lines = [f"{w[k]}: {share(figs[k])}" for k in figs]
    ax.text(1.03, 1.0, "\n".join(lines), transform=ax.transAxes, ha="left", va="top", fontsize=7.5,
            color=st.TEXT_COLOR, gid="leaders.figures", linespacing=1.5,
            bbox={"boxstyle": f"round,pad={_BOX_PAD_PT / 7.5}", "facecolor": "#F5F5F5", "edgecolor": "none"})
    name = st.cluster_title(meta, lang)
    n_lead = len(lead)
    left = st.label_width([names[i] for i in rows], 8)
    if lang == "zh":
        st.title(ax, f"{name} · " + st.keep_together("龙头企业中心性"), f"本地企业{len(f):,}家，其中龙头企业{n_lead}家；"
                 f"PageRank（阻尼0.85，加权）、中介中心性（{_method_zh(res.betweenness_method)}）与合作伙伴数的份额",
                 left_pt=left)
    else:
        st.title(ax, f"{name} — " + st.keep_together("leader centrality"), f"{len(f):,} local firms, {n_lead} leader"
                 f"{'' if n_lead == 1 else 's'}; shares of PageRank (damping 0.85, weighted), betweenness "
                 f"({res.betweenness_method}) and supply partners", left_pt=left)
    return fig, ax


def _share(x: Any) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    total = np.nansum(a)
    return a / total if total > 0 else np.zeros_like(a)


def _method_zh(method: str) -> str:
    return "精确计算" if method == "exact" else f"抽样估计：{method}"
