"""Removal curves: how the local supply network and the chain hold up as firms are removed."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._errors import ChainnetError
from ..model import Cluster
from . import _style as st

#: Okabe & Ito colours, one per strategy (random in grey, with its band).
STRATEGY_COLORS = {"role": "#D55E00", "degree": "#0072B2", "betweenness": "#009E73", "random": "#7A7A7A"}
STRATEGY_STYLES = {"role": "solid", "degree": (0, (5, 2)), "betweenness": (0, (1, 1.5)), "random": "solid"}
_WORDS = {
    "en": {"role": "leaders first, then backbone", "degree": "by degree", "betweenness": "by betweenness",
           "random": "at random", "lwcc": "largest connected share of local firms",
           "index": "completeness index", "path_completeness": "path completeness",
           "x": "share of local firms removed", "title": "Removal curves", "auc": "area",
           "band": "random runs: lowest to highest", "sub": "{n} local firms; {runs} random runs, seed {seed}; "
                                                             "betweenness {method}"},
    "zh": {"role": "先龙头、后骨干", "degree": "按度", "betweenness": "按中介中心性", "random": "随机",
           "lwcc": "最大连通企业占比", "index": "完整度指数", "path_completeness": "路径完整度",
           "x": "移除的本地企业占比", "title": "移除曲线", "auc": "面积",
           "band": "随机移除：各次最低至最高", "sub": "本地企业{n}家；随机移除{runs}次，种子{seed}；中介中心性{method}"},
}
MEASURES = ("lwcc", "index", "path_completeness")


@st.figure_function
def resilience_chart(cluster_or_result: Cluster | Any, *, measure: str = "lwcc", lang: str = "en",
                     ax: Axes | None = None, runs: int = 10, seed: int = 0, steps: int = 20,
                     meta: dict[str, Any] | None = None) -> tuple[Figure, Axes]:
    """Removal curves of one measure: one line per strategy, the random runs' range as a band.

    Parameters
    ----------
    cluster_or_result : a Cluster (then :func:`chainnet.analysis.resilience.resilience` runs with
        ``runs``, ``seed`` and ``steps``) or a :class:`~chainnet.analysis.resilience.ResilienceResult`
    measure : ``lwcc`` (largest weakly connected share of the initial local firms),
        ``index`` (completeness index) or ``path_completeness``
    lang : ``"en"`` or ``"zh"``
    ax : axes to draw into (a new figure when None)
    runs, seed, steps : passed to the analysis when a Cluster is given
    meta : the cluster's metadata, for the title, when a result is given (default: its id)

    Returns
    -------
    (Figure, Axes)

    Examples
    --------
    >>> import chainnet
    >>> fig, ax = resilience_chart(chainnet.load_dataset("demo_copper"), runs=3)
    >>> [line.get_gid() for line in ax.get_lines()]
    ['resilience.role', 'resilience.degree', 'resilience.betweenness', 'resilience.random']
    """
    st.words(lang)
    if measure not in MEASURES:
        raise ChainnetError(f"measure={measure!r} is not one of {', '.join(MEASURES)}")
    w = _WORDS[lang]
    if isinstance(cluster_or_result, Cluster):
        from ..analysis.resilience import resilience

        res = resilience(cluster_or_result, runs=runs, seed=seed, steps=steps)
        meta = cluster_or_result.meta
    else:
        res = cluster_or_result
        meta = meta or {"id": res.cluster_id, "name": res.cluster_id}
    curves = res.curves
    if curves[measure].isna().all():
        raise ChainnetError(f"the result has no {measure} curve (the cluster has no template); draw measure='lwcc'")
    fig, ax = st.new_axes(ax, (7.2, 4.8))
    auc = res.auc.set_index(["strategy", "measure"])["auc"]
    for strategy in dict.fromkeys(curves["strategy"]):
        c = curves[curves["strategy"] == strategy]
        x = c["fraction"].to_numpy(dtype=float)
        color = STRATEGY_COLORS.get(strategy, "#333333")
        if strategy == "random" and c[f"{measure}_lo"].notna().any():
            ax.fill_between(x, c[f"{measure}_lo"].to_numpy(dtype=float), c[f"{measure}_hi"].to_numpy(dtype=float),
                            color=color, alpha=0.18, linewidth=0, gid="resilience.band", label=w["band"])
        a = auc.get((strategy, measure), np.nan)
        ax.plot(x, c[measure].to_numpy(dtype=float), color=color, linestyle=STRATEGY_STYLES.get(strategy, "solid"),
                linewidth=1.8, marker="o" if len(x) <= 25 else None, markersize=3, gid=f"resilience.{strategy}",
                label=f"{w.get(strategy, strategy)} ({w['auc']} {a:.2f})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(w["x"])
    ax.set_ylabel(w[measure])
    ax.grid(True, color="#E5E5E5", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    s = res.settings
    method = s.get("betweenness") or "—"
    if lang == "zh":
        method = "精确" if method == "exact" else method.replace("sampled", "抽样")
    sub = w["sub"].format(n=f"{res.n_firms:,}", runs=s.get("runs"), seed=s.get("seed"), method=method)
    st.title(ax, f"{w['title']}{'：' if lang == 'zh' else ': '}{st.cluster_title(meta, lang)}", sub)
    return fig, ax


__all__ = ["STRATEGY_COLORS", "resilience_chart"]
