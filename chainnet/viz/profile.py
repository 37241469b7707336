"""Radar of a cluster's world-class gap scores on the founding paper's four dimensions."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..model import Cluster
from . import _style as st

CLUSTER_COLOR = "#0072B2"
BENCHMARK_COLOR = "#D55E00"
_WORDS = {
    "en": {"title": "{name} — world-class gap profile", "cluster": "this cluster",
           "benchmark": "benchmark target (100)", "sub": "Scores 0–100 against “{b}”; 100 = the benchmark's "
           "world-class target, 0 = its floor", "cov": "{a} of {b} indicators", "nodata": "no data"},
    "zh": {"title": "{name} · 对标世界级集群", "cluster": "本集群", "benchmark": "基准目标值（100分）",
           "sub": "对照“{b}”的0–100分；100分为基准的世界级目标值，0分为其零分值", "cov": "{b}项指标中{a}项有数据",
           "nodata": "无数据"},
}


@st.figure_function
def profile_radar(cluster_or_profile: Cluster | Any, *, benchmark: str | Path | None = None, lang: str = "en",
                  ax: Axes | None = None) -> tuple[Figure, Axes]:
    """Radar of the four world-class dimension scores against the benchmark's target.

    Each axis is one of the paper's gap dimensions (global value chain, endogenous innovation,
    chain ecosystem, agglomeration effects), scored 0-100; the dashed outline at 100 is the
    benchmark's world-class target. A dimension without data is drawn at 0 with a hollow marker
    and labelled "no data". The benchmark's note (what its targets are based on) is printed
    under the chart.

    Parameters
    ----------
    cluster_or_profile : a Cluster, a :class:`~chainnet.analysis.profile.Profile` or a
        :class:`~chainnet.analysis.worldclass.WorldClass`
    benchmark : benchmark profile when a Cluster is given (default: the bundled one)
    lang : ``"en"`` or ``"zh"``
    ax : a polar axes to draw into (a new figure when None)

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> import chainnet
    >>> from chainnet.viz.profile import profile_radar
    >>> fig, ax = profile_radar(chainnet.load_dataset("demo_copper"))
    >>> [t.get_text().split("\\n")[0] for t in ax.get_xticklabels()]
    ['Global value chain', 'Endogenous innovation', 'Chain ecosystem', 'Agglomeration effects']
    """
    from ..analysis.worldclass import DIMENSION_NAMES, WorldClass, worldclass

    w = _WORDS["zh" if st.words(lang) is st.WORDS["zh"] else "en"]
    meta: dict[str, Any]
    if isinstance(cluster_or_profile, Cluster):
        wc = worldclass(cluster_or_profile, benchmark)
        meta = cluster_or_profile.meta
    elif isinstance(cluster_or_profile, WorldClass):
        wc, meta = cluster_or_profile, {"id": cluster_or_profile.cluster_id}
    else:
        wc = cluster_or_profile.worldclass
        meta = {"id": cluster_or_profile.cluster_id, "name": cluster_or_profile.cluster_name,
                "name_zh": cluster_or_profile.cluster_name_zh}
    dims = wc.dimensions
    raw = np.array([np.nan if s is None or s != s else float(s) for s in dims["score"]], dtype=float)
    vals = np.nan_to_num(raw, nan=0.0)
    own = ax is None
    fig, ax = st.new_axes(ax, (8.0, 7.4), polar=True)
    if own:
        fig.get_layout_engine().set(w_pad=0.4, h_pad=0.15)
    k = len(dims)
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ang = [2 * math.pi * i / k for i in range(k)]
    loop = [*ang, ang[0]]
    (bench,) = ax.plot(loop, [100.0] * (k + 1), color=BENCHMARK_COLOR, linewidth=1.4, linestyle=(0, (5, 3)),
                       label=w["benchmark"], zorder=2)
    bench.set_gid("profile.benchmark")
    (line,) = ax.plot(loop, [*vals, vals[0]], color=CLUSTER_COLOR, linewidth=2.0, marker="o", markersize=4,
                      label=w["cluster"], zorder=3)
    line.set_gid("profile.cluster")
    fill = ax.fill(loop, [*vals, vals[0]], color=CLUSTER_COLOR, alpha=0.15, zorder=2)
    fill[0].set_gid("profile.area")
    missing = np.isnan(raw)
    if missing.any():
        dots = ax.scatter(np.array(ang)[missing], np.zeros(int(missing.sum())), s=36, facecolors="white",
                          edgecolors=CLUSTER_COLOR, zorder=4)
        dots.set_gid("profile.nodata")
    labels = []
    for r, v in zip(dims.itertuples(), raw):
        name = DIMENSION_NAMES[r.dimension][1 if lang == "zh" else 0]
        score = w["nodata"] if np.isnan(v) else f"{v:.0f}/100"
        labels.append(f"{name}\n{score} · {w['cov'].format(a=r.available, b=r.total)}")
    ax.set_xticks(ang, labels)
    ax.tick_params(axis="x", labelsize=8.5, pad=10)
    for t, a in zip(ax.get_xticklabels(), ang):
        x = math.sin(a)  # clockwise from the top: right-hand labels start at the axis, left-hand ones end there
        t.set_horizontalalignment("left" if x > 0.1 else "right" if x < -0.1 else "center")
    ax.set_xlim(0, 2 * math.pi)
    ax.set_ylim(0, 105)
    ax.set_yticks([25, 50, 75, 100], ["25", "50", "75", "100"])
    ax.tick_params(axis="y", labelsize=7, colors="#8A8A8A")
    ax.set_rlabel_position(45)
    ax.grid(color="#DDDDDD", linewidth=0.6)
    ax.spines["polar"].set_color("#CCCCCC")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8, frameon=False, ncol=2)
    b = wc.benchmark
    bname = (b.name_zh or b.name) if lang == "zh" else b.name
    note = (b.note_zh or b.note) if lang == "zh" else b.note
    width = fig.get_figwidth() * 72 * 0.62
    foot = ax.annotate("\n".join(st.wrap(note, fig.get_figwidth() * 72 - 60, 7.0, max_lines=5)), xy=(0.5, -0.2),
                       xycoords="axes fraction",
                       ha="center", va="top", fontsize=7.0, color=st.MUTED, annotation_clip=False)
    foot.set_gid("profile.note")
    name = st.cluster_title(meta, lang)
    st.title(ax, w["title"].format(name=name), w["sub"].format(b=bname), width_pt=width, pad_extra=38)
    return fig, ax


__all__ = ["profile_radar"]
