"""Timeline figure: a cluster's completeness and leader figures year by year, with its firm count."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from .._errors import ChainnetError
from ..model import Cluster
from . import _style as st

#: Shares drawn as lines by default (each between 0 and 1).
TIMELINE_FIGURES = ("index", "segment_coverage", "link_coverage", "path_completeness", "leader_dominance")
#: Counts that can be drawn as bars on a second axis.
TIMELINE_COUNTS = ("firms", "local_firms", "external_firms", "links", "supply_links")
#: Okabe & Ito colours, one per line; the completeness index is drawn thicker.
LINE_COLORS = {"index": "#000000", "segment_coverage": "#0072B2", "link_coverage": "#009E73",
               "path_completeness": "#56B4E9", "local_sourcing": "#CC79A7", "leader_dominance": "#D55E00",
               "sme_attachment": "#E69F00", "leader_reach": "#F0E442", "degree_centralization": "#999999",
               "leader_dependence": "#882255", "density": "#44AA99"}
_COUNT_WORDS = {
    "en": {"firms": "firms", "local_firms": "local firms", "external_firms": "external firms", "links": "links",
           "supply_links": "local supply links", "density": "density"},
    "zh": {"firms": "企业数", "local_firms": "本地企业数", "external_firms": "外地企业数", "links": "联系数",
           "supply_links": "本地供货联系数", "density": "网络密度"},
}


@st.figure_function
def timeline_chart(data: Cluster | pd.DataFrame, *, figures: tuple[str, ...] = TIMELINE_FIGURES,
                   count: str | None = "local_firms", years: Any = None, lang: str = "en",
                   ax: Axes | None = None, name: str | None = None) -> tuple[Figure, Axes]:
    """Line chart of a cluster's figures over the years, with a count as grey bars behind them.

    Parameters
    ----------
    data : a Cluster (its :func:`~chainnet.analysis.timeline.timeline` is computed) or a
        timeline DataFrame (a ``year`` column and the figures)
    figures : share figures drawn as lines on the left axis (0–100%)
    count : a count drawn as bars on the right axis (``local_firms`` by default; None for none)
    years : the years, for a Cluster (default: the timeline's default years)
    lang : ``"en"`` or ``"zh"``
    ax : axes to draw into (a new figure when None)
    name : the cluster's name in the title (default: from the Cluster; none for a DataFrame)

    Returns
    -------
    (Figure, Axes)
        ``ax`` holds the lines (gid ``timeline.<figure>``); the bars, when drawn, sit on a twin
        axes (gid ``timeline.count``).

    Examples
    --------
    >>> import chainnet
    >>> from chainnet.viz.timeline import timeline_chart
    >>> fig, ax = timeline_chart(chainnet.load_dataset("demo_copper"), years=range(2010, 2021))
    >>> [ln.get_label() for ln in ax.lines]
    ['completeness index', 'segment coverage', 'link coverage', 'path completeness', 'leader dominance']
    >>> len(ax.lines[0].get_xdata())
    11
    """
    w = st.words(lang)
    cw = _COUNT_WORDS[lang]
    if isinstance(data, Cluster):
        from ..analysis.timeline import timeline

        df = timeline(data, years=years)
        name = name if name is not None else st.cluster_title(data.meta, lang)
    elif isinstance(data, pd.DataFrame):
        df = data
    else:
        raise ChainnetError(f"timeline_chart needs a Cluster or a timeline DataFrame, not {type(data).__name__}")
    missing = [f for f in (*figures, *([count] if count else [])) if f not in df.columns]
    if "year" not in df.columns or missing:
        raise ChainnetError(f"the timeline has no column {(['year'] if 'year' not in df.columns else missing)[0]!r}; "
                            "use a DataFrame from chainnet.analysis.timeline.timeline()")
    if len(df) == 0:
        raise ChainnetError("the timeline has no year to draw")
    x = df["year"].to_numpy(dtype=int)
    fig, ax = st.new_axes(ax, (8.0, 4.6))
    twin = None
    if count:
        twin = ax.twinx()
        vals = df[count].to_numpy(dtype=float)
        bars = twin.bar(x, np.nan_to_num(vals), width=0.7, color="#E3E3E3", zorder=0, label=cw.get(count, count))
        for b in bars:
            b.set_gid("timeline.count")
        twin.set_ylabel(cw.get(count, count), fontsize=8.5, color=st.MUTED)
        twin.tick_params(labelsize=8, colors=st.MUTED)
        twin.yaxis.set_major_locator(MaxNLocator(integer=True))
        twin.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))  # 900,000, not 900000
        twin.set_ylim(0, max(1.0, float(np.nanmax(vals)) if np.isfinite(vals).any() else 1.0) * 1.15)
        for side in ("top", "left"):
            twin.spines[side].set_visible(False)
        # lines above the bars: the line axes is drawn after its twin and keeps no background
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
    for f in figures:
        y = pd.to_numeric(df[f], errors="coerce").to_numpy(dtype=float)
        (line,) = ax.plot(x, y, color=LINE_COLORS.get(f, "#666666"), linewidth=2.4 if f == "index" else 1.5,
                          marker="o", markersize=3.2 if len(x) <= 30 else 0, label=w.get(f, cw.get(f, f)), zorder=3)
        line.set_gid(f"timeline.{f}")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(lambda v, _: st.pct(v))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.set_xlim(x.min() - 0.6, x.max() + 0.6)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.6, zorder=0)
    ax.tick_params(labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    if twin is not None:
        h2, l2 = twin.get_legend_handles_labels()
        handles, labels = handles + h2[:1], labels + l2[:1]
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=min(3, len(labels)),
              fontsize=7.5, frameon=False)
    span = f"{x.min()}–{x.max()}" if x.min() != x.max() else str(x.min())
    if lang == "zh":
        main = f"{name} · 历年变化" if name else "历年变化"
        sub = f"{span}年；折线为份额（左轴），灰色柱为{cw.get(count, count)}（右轴）" if count else f"{span}年；折线为份额"
    else:
        main = f"{name} — over the years" if name else "Over the years"
        sub = (f"{span}; lines are shares (left axis), grey bars the {cw.get(count, count)} (right axis)" if count
               else f"{span}; lines are shares")
    st.title(ax, main, sub)
    if twin is not None:
        st.pin_fonts(twin)
    return fig, ax
