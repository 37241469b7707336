"""Resilience: how the cluster's network and chain hold up as firms leave.

* **Removal curves**: local firms are removed one after another (leaders first, by degree, by
  betweenness, or at random) and after each step three figures are tracked: the largest weakly
  connected component of the local supply network (share of the initial local firms), the
  completeness index and the path completeness. The area under each curve sums a strategy up in
  one number (Albert, Jeong & Barabási 2000; Schneider et al. 2011).
* **Single points of failure**: firms whose loss alone lowers the completeness index or cuts a
  template sink off from every source.
* **What-if**: the chain audit before and after removing given firms, with the gaps opened and closed.

``docs/resilience.md`` gives every definition and reference.

>>> import chainnet
>>> r = resilience(chainnet.load_dataset("demo_copper"), runs=5)
>>> r.single_points[["firm_id", "index_drop"]].head(2).round(3).to_dict("records")
[{'firm_id': 'smelter_a', 'index_drop': 0.208}, {'firm_id': 'mine_a', 'index_drop': 0.17}]
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import minimum_spanning_tree

from .. import _parallel
from .._errors import ChainnetError
from .._i18n import t as _t
from .._messages import Text
from . import _chain, _sparse
from ._json import clean, records
from ._result import Result

if TYPE_CHECKING:
    from ..model import Cluster
    from .completeness import Audit

STRATEGIES = ("role", "degree", "betweenness", "random")
MEASURES = ("lwcc", "index", "path_completeness")
ROLE_ORDER = ("leader", "backbone", "sme")
#: A drop of the completeness index smaller than this is treated as no drop (float noise).
EPS = 1e-12


# -- removal orders and curves -------------------------------------------------------------------
def removal_order(g: _sparse.SupplyGraph, strategy: str, *, roles: np.ndarray | None = None,
                  betweenness: np.ndarray | None = None, rng: np.random.Generator | None = None) -> np.ndarray:
    """The order in which the local firms (nodes of ``g``) are removed under ``strategy``.

    ``role``: leaders, then backbone firms, then SMEs, each by degree (distinct supply partners)
    from the highest; ``degree``: by degree; ``betweenness``: by betweenness (given, computed
    once on the intact network); ``random``: a permutation drawn from ``rng``. Ties go to the
    larger weighted degree (supply weight in and out), then to the firm listed first.

    >>> import chainnet
    >>> g = _sparse.supply_graph(chainnet.load_dataset("demo_copper"))
    >>> g.ids[removal_order(g, "degree")[:2]].tolist()
    ['smelter_a', 'rod_a']
    """
    n = g.n
    idx = np.arange(n)
    deg = g.degree
    wdeg = g.out_weight + g.in_weight
    if strategy == "random":
        if rng is None:
            raise ChainnetError("random removal needs rng=np.random.default_rng(seed)")
        return rng.permutation(n)
    if strategy == "degree":
        return np.lexsort((idx, -wdeg, -deg))
    if strategy == "role":
        if roles is None:
            raise ChainnetError("role removal needs roles= (the role of each local firm)")
        rank = np.array([ROLE_ORDER.index(r) if r in ROLE_ORDER else len(ROLE_ORDER) for r in roles])
        return np.lexsort((idx, -wdeg, -deg, rank))
    if strategy == "betweenness":
        if betweenness is None:
            raise ChainnetError("betweenness removal needs betweenness= (one score per local firm)")
        return np.lexsort((idx, -wdeg, -deg, -np.asarray(betweenness, dtype=float)))
    raise ChainnetError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")


def lwcc_curve(g: _sparse.SupplyGraph, order: np.ndarray) -> np.ndarray:
    """Size of the largest weakly connected component after removing ``order[:k]``, for k = 0 .. n.

    An undirected edge stays while both its ends do, i.e. for removal counts k up to the
    smaller position of its ends in ``order`` (its *last step*). Firms are added back in reverse
    order and joined by union-find; only the edges of a spanning forest built latest-last-step
    first (Kruskal, scipy's ``minimum_spanning_tree`` on weight n - last step) need joining,
    because at every k that forest's surviving edges connect exactly the firms all surviving
    edges connect. So the Python loop runs over at most n - 1 edges instead of every link.

    >>> import chainnet
    >>> g = _sparse.supply_graph(chainnet.load_dataset("demo_copper"))
    >>> lwcc_curve(g, removal_order(g, "degree"))[:4].tolist()  # all 11 firms hang together through smelter A
    [11, 5, 4, 3]
    """
    n = g.n
    out = np.zeros(n + 1, dtype=np.int64)
    if n == 0:
        return out
    pos = np.empty(n, dtype=np.int64)
    pos[np.asarray(order, dtype=np.int64)] = np.arange(n)
    lo, hi = g.edges
    last = np.minimum(pos[lo], pos[hi])
    if len(lo):
        forest = minimum_spanning_tree(sp.csr_array(((n - last).astype(float), (lo, hi)), shape=(n, n))).tocoo()
        f_last = n - np.rint(forest.data).astype(np.int64)
        by = np.argsort(-f_last, kind="stable")
        fu, fv, fl = forest.row[by].tolist(), forest.col[by].tolist(), f_last[by].tolist()
    else:
        fu, fv, fl = [], [], []
    parent = list(range(n))
    size = [1] * n
    best = 1
    after = [0] * len(fl)  # largest component once forest edge j (and all before it) is joined
    for e, (ru, rv) in enumerate(zip(fu, fv)):
        while parent[ru] != ru:
            parent[ru] = parent[parent[ru]]
            ru = parent[ru]
        while parent[rv] != rv:
            parent[rv] = parent[parent[rv]]
            rv = parent[rv]
        if ru != rv:  # always true in a forest; kept for safety
            if size[ru] < size[rv]:
                ru, rv = rv, ru
            parent[rv] = ru
            size[ru] += size[rv]
            if size[ru] > best:
                best = size[ru]
        after[e] = best
    # after removing k firms, the forest edges joined are those whose last step is k or later
    joined = np.searchsorted(-np.asarray(fl, dtype=np.int64), -np.arange(n), side="right")
    best_k = np.concatenate([[1], np.asarray(after, dtype=np.int64)])[joined]
    out[:n] = best_k
    return out


def step_counts(n: int, steps: int) -> np.ndarray:
    """Numbers of firms removed at each step: every count when ``n <= steps``, else ``steps`` equal fractions.

    >>> step_counts(4, 20).tolist(), step_counts(100, 4).tolist()
    ([0, 1, 2, 3, 4], [0, 25, 50, 75, 100])
    """
    if steps < 1:
        raise ChainnetError(f"steps={steps} must be at least 1")
    if n <= steps:
        return np.arange(n + 1)
    return np.unique(np.round(np.linspace(0, n, steps + 1)).astype(np.int64))


def area(x: np.ndarray, y: np.ndarray) -> float:
    """Trapezoid area under ``y`` over ``x`` (fractions removed, 0 to 1); in [0, 1] for y in [0, 1].

    >>> area(np.array([0.0, 0.5, 1.0]), np.array([1.0, 0.5, 0.0]))
    0.5
    """
    if len(x) < 2:
        return float(y[0]) if len(y) else float("nan")
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))


@dataclass(frozen=True, eq=False)
class ResilienceResult(Result):
    """Resilience of one cluster.

    Attributes
    ----------
    cluster_id : the cluster's id
    n_firms : local firms at the start (the denominator of the removed fraction and of ``lwcc``)
    curves : one row per strategy and step: firms ``removed``, ``fraction`` removed and each
        measure (for ``random`` the mean over runs, with ``_lo`` and ``_hi`` the lowest and
        highest run; NaN for the other strategies)
    auc : one row per strategy and measure: the area under the curve (``auc``; mean over runs for
        random, with ``auc_lo``/``auc_hi`` the lowest and highest run)
    robustness : Schneider et al.'s R per strategy: mean ``lwcc`` share over every single removal
        (1/N Σ_{k=1..N} s(k)); mean over runs for random
    single_points : firms whose loss alone lowers the completeness index or cuts a sink off, with a reason
        (``reason``, and ``reason_zh`` in Chinese)
    baseline : the completeness figures and ``lwcc`` of the intact cluster
    settings : strategies, steps, runs, seed, the betweenness method, templates
    """

    cluster_id: str
    n_firms: int
    curves: pd.DataFrame
    auc: pd.DataFrame
    robustness: dict[str, float]
    single_points: pd.DataFrame
    baseline: dict[str, float | None]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def figures(self) -> dict[str, float | int | None]:
        """Headline numbers: local firms, single points of failure, R per strategy (``robustness_<strategy>``)."""
        return {"n_firms": self.n_firms, "single_points": len(self.single_points),
                **{f"robustness_{k}": clean(v) for k, v in self.robustness.items()}}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``curves``, ``auc`` and ``single_points``."""
        return {"curves": self.curves, "auc": self.auc, "single_points": self.single_points}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (NaN as None)."""
        sp = self.single_points.assign(**{c: self.single_points[c].map(list)
                                          for c in ("segments", "segments_lost", "flows_lost", "sinks_cut")})
        return {"cluster": self.cluster_id, "n_firms": self.n_firms, "baseline": clean(self.baseline),
                "settings": clean(self.settings), "auc": records(self.auc), "robustness": clean(self.robustness),
                "single_points": records(sp), "curves": records(self.curves)}

    def __repr__(self) -> str:
        return (f"<ResilienceResult {self.cluster_id!r}: {self.n_firms:,} local firms, "
                f"{len(self.single_points):,} single points of failure>")


#: Random removal orders per run, shared by ``resilience()``, ``chainnet resilience`` and ``chainnet analyze``
#: so the report and the single command give the same numbers.
DEFAULT_RUNS = 10


def resilience(cluster: Cluster, *, strategies: Iterable[str] = STRATEGIES, steps: int = 20, runs: int = DEFAULT_RUNS,
               seed: int = 0, template: Any = None, betweenness_exact_max: int = 5000, pivots: int = 100,
               progress: Callable[[str], None] | None = None) -> ResilienceResult:
    """Removal curves, their areas and the single points of failure of a cluster.

    Parameters
    ----------
    cluster : the cluster
    strategies : any of ``role``, ``degree``, ``betweenness``, ``random`` (see :func:`removal_order`)
    steps : the curves are measured at ``steps`` equal fractions of the local firms (0 to 1);
        clusters with at most ``steps`` local firms are measured after every removal
    runs : random removal orders averaged (each a permutation from one generator seeded with ``seed``)
    seed : seed of the random orders and of the betweenness sample of large clusters
    template : a Template, built-in id or path, or a list (default: the cluster's own); without
        any, only ``lwcc`` is measured
    betweenness_exact_max, pivots : exact betweenness up to this many local firms, else sampled
        from ``pivots`` sources (as in :func:`chainnet.analysis.centrality.leaders`)
    progress : called with a short message as each strategy (and random run) is done

    Returns
    -------
    ResilienceResult

    Examples
    --------
    >>> import chainnet
    >>> r = resilience(chainnet.load_dataset("demo_copper"), strategies=["degree"])
    >>> r.curves[["removed", "lwcc"]].head(3).round(3).to_dict("list")
    {'removed': [0, 1, 2], 'lwcc': [1.0, 0.455, 0.364]}
    """
    from .completeness import prepare

    strategies = list(dict.fromkeys(strategies))
    bad = [s for s in strategies if s not in STRATEGIES]
    if bad or not strategies:
        raise ChainnetError(f"unknown strategy {', '.join(map(repr, bad)) or '(none given)'}; use any of "
                            f"{', '.join(STRATEGIES)}")
    if runs < 1:
        raise ChainnetError(f"runs={runs} must be at least 1")
    say = progress or (lambda msg: None)
    g = _sparse.supply_graph(cluster)
    n = g.n
    if n == 0:
        raise ChainnetError(f"cluster {cluster.meta.get('id')!r} has no local firms (not external; role leader, "
                            "backbone or sme): there is nothing to remove")
    ks = step_counts(n, steps)
    x = ks / n
    prep = prepare(cluster, template=template) if (template is not None or cluster.templates) else None
    roles = cluster.firms["role"].to_numpy(dtype=object)[g.rows]
    btw, method = (None, None)
    if "betweenness" in strategies:
        say(f"betweenness of the intact network ({n:,} firms, {g.m:,} supply links)")
        btw, method = _sparse.betweenness(g, exact_max=betweenness_exact_max, pivots=pivots, seed=seed)
    rng = np.random.default_rng(seed)
    # every removal order is drawn first (one random stream, in order); from PARALLEL_MIN_LINKS
    # supply links their curves are measured by worker processes beside this one (same numbers)
    big = g.m >= PARALLEL_MIN_LINKS
    measured = []
    for strategy in strategies:
        orders = ([removal_order(g, "random", rng=rng) for _ in range(runs)] if strategy == "random" else
                  [removal_order(g, strategy, roles=roles, betweenness=btw)])
        measured.append((strategy, [_parallel.start(_measure, g, prep, order, ks, parallel=big) for order in orders]))
    if big:
        say(f"removal curves of {sum(len(jobs) for _, jobs in measured)} orders ({n:,} firms, {len(ks)} steps each)")
        _parallel.gather([job for _, jobs in measured for job in jobs])
    rows, auc_rows, robust = [], [], {}
    for strategy, jobs in measured:
        curves = []
        for r, job in enumerate(jobs, 1):
            curves.append(dict(job.result()))
            if strategy == "random":
                say(f"random removal, run {r} of {runs}")
        robust[strategy] = float(np.mean([c.pop("R") for c in curves]))
        stacked = {m: np.vstack([c[m] for c in curves]) for m in MEASURES}
        for t, k in enumerate(ks):
            row: dict[str, Any] = {"strategy": strategy, "step": t, "removed": int(k), "fraction": float(x[t])}
            for m in MEASURES:
                vals = stacked[m][:, t]
                row[m] = float(vals.mean())
            for m in MEASURES:
                vals = stacked[m][:, t]
                row[f"{m}_lo"] = float(vals.min()) if strategy == "random" else np.nan
                row[f"{m}_hi"] = float(vals.max()) if strategy == "random" else np.nan
            rows.append(row)
        for m in MEASURES:
            areas = np.array([area(x, c[m]) for c in curves])
            rnd = strategy == "random"
            auc_rows.append({"strategy": strategy, "measure": m, "auc": float(areas.mean()),
                             "auc_lo": float(areas.min()) if rnd else np.nan,
                             "auc_hi": float(areas.max()) if rnd else np.nan})
        if strategy != "random":
            say(f"{strategy} removal done ({n:,} firms, {len(ks)} steps)")
    say(f"single points of failure ({n:,} firms)")
    single = single_points_of_failure(cluster, template=template, _prep=prep) if prep is not None else _no_spof()
    base = prep.completeness() if prep is not None else dict.fromkeys(_chain.FIGURES)
    lw = lwcc_curve(g, np.arange(n))[0] / n
    settings = {"strategies": strategies, "steps": int(len(ks) - 1), "per_firm": bool(n <= steps), "runs": runs,
                "seed": seed, "betweenness": method, "betweenness_order": Text.of("btw.static"),
                "templates": [t.id for t in prep.templates] if prep is not None else []}
    return ResilienceResult(cluster_id=cluster.meta.get("id", ""), n_firms=n, curves=pd.DataFrame(rows),
                            auc=pd.DataFrame(auc_rows), robustness=robust, single_points=single,
                            baseline={**base, "lwcc": float(lw)}, settings=settings)


#: from this many supply links the removal curves are measured in worker processes (chainnet._parallel)
PARALLEL_MIN_LINKS = 50_000


def _measure(g: _sparse.SupplyGraph, prep: Any, order: np.ndarray, ks: np.ndarray) -> dict[str, Any]:
    """The three measures at each step count of ``ks`` for one removal order, and Schneider's R."""
    n = g.n
    sizes = lwcc_curve(g, order)
    out: dict[str, Any] = {"lwcc": sizes[ks] / n, "R": float(sizes[1:].sum() / (n * n))}
    idx, path = np.full(len(ks), np.nan), np.full(len(ks), np.nan)
    if prep is not None:
        drop = np.zeros(len(prep.cluster.firms), dtype=bool)
        done = 0
        for t, k in enumerate(ks):
            drop[g.rows[order[done:k]]] = True
            done = k
            f = prep.completeness(without=drop)
            idx[t], path[t] = f["index"], f["path_completeness"]
    out["index"], out["path_completeness"] = idx, path
    return out


# -- single points of failure -----------------------------------------------------------------------
SPOF_COLUMNS = ["firm_id", "name", "role", "segments", "index_drop", "index_after", "path_drop", "segments_lost",
                "flows_lost", "sinks_cut", "splits_network", "reason", "reason_zh"]


def _no_spof() -> pd.DataFrame:
    return pd.DataFrame(columns=SPOF_COLUMNS)


def single_points_of_failure(cluster: Cluster, *, template: Any = None, _prep: Any = None) -> pd.DataFrame:
    """Firms whose loss alone lowers the completeness index or cuts a template sink off from every source.

    Only a firm that is the sole local firm of some segment, or takes part in every firm pair
    realising some flow, can change the figures; those candidates are found from the encoded
    chain and each is removed once as a what-if.

    Parameters
    ----------
    cluster : the cluster
    template : as in :func:`chainnet.analysis.completeness.completeness`

    Returns
    -------
    DataFrame
        One row per firm, largest ``index_drop`` first (then by firm id): the index after its
        loss, the drop of path completeness, the segments left without a local firm, the flows
        no longer realised, the sinks no longer reached, whether its loss splits the local supply
        network (an articulation point), and the reason in words (``reason``; ``reason_zh`` in Chinese).

    Examples
    --------
    >>> import chainnet
    >>> s = single_points_of_failure(chainnet.load_dataset("demo_copper"))
    >>> s.loc[0, "reason"][:80]
    'Smelter A (leader) [smelter_a, leader] is the only local firm in Copper smelting'
    >>> s.loc[0, "reason_zh"][:8]
    '冶炼厂A（龙头）'
    """
    from .completeness import prepare

    prep = _prep if _prep is not None else prepare(cluster, template=template)
    chains = prep.chains
    n_rows = prep.arrays.n_firms
    cand = np.zeros(n_rows, dtype=bool)
    for ch in chains:
        sole = ch.seg_firms[ch.seg_pair] == 1
        cand[ch.firm_pair[sole]] = True
        cand |= _in_every_pair(ch, n_rows)
    multi = len(chains) > 1
    base_states = [(c.covered, c.realized) for c in chains]
    base = _chain.figures(chains, base_states)
    base_reached = [_chain.reached(c.t, *s) for c, s in zip(chains, base_states)]
    f = cluster.firms
    names_zh = f["name_zh"].where(f["name_zh"].notna(), f["name"]) if "name_zh" in f else f["name"]
    g = _sparse.supply_graph(cluster)
    cut = np.zeros(n_rows, dtype=bool)
    if g.n > 2 and g.m:
        cut[g.rows[np.asarray(g.igraph.articulation_points(), dtype=np.int64)]] = True
    rows = []
    for r in np.flatnonzero(cand).tolist():
        drop = np.zeros(n_rows, dtype=bool)
        drop[r] = True
        states = [c.state(drop=drop) for c in chains]
        after = _chain.figures(chains, states)
        lost_s, lost_f, sinks, flow_ends = [], [], [], []
        for c, (cov, real), br in zip(chains, states, base_reached):
            t = c.t
            pre = f"{t.template.id}:" if multi else ""
            lost_s += [pre + t.seg_ids[i] for i in np.flatnonzero(c.covered & ~cov)]
            gone = np.flatnonzero(c.realized & ~real)
            lost_f += [f"{pre}{t.seg_ids[t.flow_a[k]]}->{t.seg_ids[t.flow_b[k]]}" for k in gone]
            flow_ends += [(t.template.id, t.seg_ids[t.flow_a[k]], t.seg_ids[t.flow_b[k]]) for k in gone]
            now = _chain.reached(t, cov, real)
            sinks += [pre + t.seg_ids[i] for i in np.flatnonzero(br & ~now & t.is_sink)]
        drop_i = base["index"] - after["index"]
        if drop_i <= EPS and not sinks:
            continue
        row = {"firm_id": f["firm_id"].iat[r], "name": f["name"].iat[r], "role": f["role"].iat[r],
               "segments": tuple(f["segments"].iat[r]), "index_drop": max(drop_i, 0.0), "index_after": after["index"],
               "path_drop": base["path_completeness"] - after["path_completeness"], "segments_lost": lost_s,
               "flows_lost": lost_f, "sinks_cut": sinks, "splits_network": bool(cut[r])}
        row["reason"], row["reason_zh"] = _spof_reason(row, prep, base["index"], names_zh.iat[r], flow_ends)
        rows.append(row)
    rows.sort(key=lambda x: (-round(x["index_drop"], 12), x["firm_id"]))
    return pd.DataFrame(rows, columns=SPOF_COLUMNS)


def _in_every_pair(ch: _chain.Chain, n_rows: int) -> np.ndarray:
    """Firms that take part in every realising pair of some flow (so its only pairs go with them)."""
    if not ch.pair_flow.size:
        return np.zeros(n_rows, dtype=bool)
    same = ch.pair_src == ch.pair_tgt
    flow = np.concatenate([ch.pair_flow, ch.pair_flow[~same]])
    firm = np.concatenate([ch.pair_src, ch.pair_tgt[~same]])
    key, counts = np.unique(flow * n_rows + firm, return_counts=True)
    fl, fm = np.divmod(key, n_rows)
    hit = counts == ch.flow_pairs[fl]
    out = np.zeros(n_rows, dtype=bool)
    out[fm[hit]] = True
    return out


def _spof_reason(row: dict[str, Any], prep: Any, before: float, name_zh: str,
                 flow_ends: list[tuple[str, str, str]]) -> tuple[str, str]:
    """Why a firm is a single point of failure, in English and Chinese; ``flow_ends`` holds the
    (template id, from, to) of ``row["flows_lost"]``, in the same order."""
    multi = len(prep.templates) > 1
    labels, labels_zh, plain_zh = {}, {}, {}
    for t in prep.templates:
        for sid, name, zh_name in zip(t.segments["id"], t.segments["name"], t.segments["name_zh"]):
            labels[sid] = f"{name} [{sid}]"
            labels[f"{t.id}:{sid}"] = f"{name} [{t.id}:{sid}]"
            zh_name = zh_name if isinstance(zh_name, str) else name  # as Template.label(sid, "zh")
            labels_zh[sid] = plain_zh[(t.id, sid)] = zh_name
            labels_zh[f"{t.id}:{sid}"] = f"{zh_name}（{t.id}）"

    def listing(items: list[str], k: int = 4) -> str:
        shown = [labels.get(s, s) for s in items[:k]]
        return ", ".join(shown) + (f" and {len(items) - k} more" if len(items) > k else "")

    def listing_zh(items: list[str], unit: str, k: int = 4) -> str:
        return "、".join(items[:k]) + (f"等{len(items)}{unit}" if len(items) > k else "")

    en = _spof_reason_en(row, before, listing)
    zh = f"{name_zh}（{row['firm_id']}，{_t(row['role'], 'zh')}）"
    parts = []
    if row["segments_lost"]:
        lost = row["segments_lost"]
        parts.append(f"是{listing_zh([labels_zh.get(s, s) for s in lost], '个环节')}{'' if len(lost) > 4 else '环节'}"
                     "唯一的本地企业")
    if flow_ends:
        flows = [f"{plain_zh[(tid, a)]}→{plain_zh[(tid, b)]}" + (f"（{tid}）" if multi else "")
                 for tid, a, b in flow_ends]
        parts.append(f"参与了实现{listing_zh(flows, '条上下游关系')}的全部本地企业对")
    zh += "，并且".join(parts)
    if row["sinks_cut"]:
        zh += (f"；失去该企业后，{listing_zh([labels_zh.get(s, s) for s in row['sinks_cut']], '个环节')}"
               "将无法再从产业链的源头环节到达")
    drop = row["index_drop"]
    zh += (f"。完整度指数将下降{drop * 100:.1f}个百分点（{before:.3f}→{row['index_after']:.3f}）"
           if drop > EPS else "。完整度指数不会变化")
    if row["splits_network"]:
        zh += "；其退出还会使本地供货网络分裂为互不相连的部分"
    return en, zh + "。"


def _spof_reason_en(row: dict[str, Any], before: float, listing: Callable[[list[str]], str]) -> str:
    """The English reason (``listing`` names segments)."""
    who = f"{row['name']} [{row['firm_id']}, {_t(row['role'], 'en')}]"  # the catalogue's role word (SME), as on every sheet
    parts = []
    if row["segments_lost"]:
        parts.append(f"is the only local firm in {listing(row['segments_lost'])}")
    if row["flows_lost"]:
        flows = ", ".join(row["flows_lost"][:4]) + (f" and {len(row['flows_lost']) - 4} more"
                                                     if len(row["flows_lost"]) > 4 else "")
        parts.append(f"takes part in every local firm pair realising {flows}")
    text = f"{who} " + " and ".join(parts) if parts else who
    if row["sinks_cut"]:
        text += f"; without it {listing(row['sinks_cut'])} could no longer be reached from a chain source"
    drop = row["index_drop"]
    text += (f". The completeness index would fall by {drop * 100:.1f} points ({before:.3f} -> {row['index_after']:.3f})"
             if drop > EPS else ". The completeness index would not change")
    if row["splits_network"]:
        text += "; its loss also splits the local supply network"
    return text + "."


# -- what-if ---------------------------------------------------------------------------------------
GAP_KEY = ["template", "type", "id"]


@dataclass(frozen=True, eq=False)
class WhatIf(Result):
    """The chain audit before and after removing firms.

    Attributes
    ----------
    cluster_id : the cluster's id
    removed : the firm ids removed
    before, after : the two :class:`~chainnet.analysis.completeness.Audit` results
    opened : gaps in ``after`` that ``before`` does not have (same template, type and id)
    closed : gaps of ``before`` gone in ``after`` because their segment or flow got better (a weak
        item became present, a missing segment covered, a broken flow realized)
    worsened : gaps of ``before`` gone in ``after`` because their segment or flow got worse (a weak
        segment whose only firm left became missing), with its status after in ``status_after``
    """

    cluster_id: str
    removed: list[str]
    before: Audit
    after: Audit
    opened: pd.DataFrame
    closed: pd.DataFrame
    worsened: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[*GAP_KEY, "status_after"]))

    @property
    def change(self) -> dict[str, float]:
        """Each completeness figure after minus before (None where not measured: links unknown)."""
        b, a = self.before.completeness, self.after.completeness
        return {k: None if b[k] is None or a[k] is None else a[k] - b[k] for k in b}

    @property
    def figures(self) -> dict[str, float | int]:
        """Headline numbers: the completeness index before and after, its change, gaps opened and closed."""
        b, a = self.before.completeness["index"], self.after.completeness["index"]
        return {"index_before": b, "index_after": a, "index_change": a - b, "gaps_opened": len(self.opened),
                "gaps_closed": len(self.closed), "gaps_worsened": len(self.worsened)}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``opened``, ``closed`` and ``worsened`` gaps, and the gap lists ``gaps_before`` and ``gaps_after``."""
        return {"opened": self.opened, "closed": self.closed, "worsened": self.worsened,
                "gaps_before": self.before.gaps,
                "gaps_after": self.after.gaps}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``before``/``after`` (each with the audit's ``completeness``, ``summary`` and ``gaps``),
        ``change``, ``gaps_opened``, ``gaps_closed`` and ``gaps_worsened``."""
        def side(a: Audit) -> dict[str, Any]:
            d = a.to_dict()
            return {"completeness": d["completeness"], "summary": d["summary"], "gaps": d["gaps"]}

        return {"cluster": self.cluster_id, "removed": list(self.removed), "before": side(self.before),
                "after": side(self.after), "change": clean(self.change), "gaps_opened": records(self.opened),
                "gaps_closed": records(self.closed), "gaps_worsened": records(self.worsened)}

    def __repr__(self) -> str:
        k = "index" if self.before.links_known else "segment_coverage"
        b, a = self.before.completeness[k], self.after.completeness[k]
        return (f"<WhatIf {self.cluster_id!r} without {len(self.removed)} firm(s): {k} {b:.3f} -> {a:.3f}, "
                f"{len(self.opened)} gaps opened, {len(self.closed)} closed>")


def whatif(cluster: Cluster, remove: Iterable[str], *, template: Any = None) -> WhatIf:
    """Audit the cluster before and after removing firms (and every link touching them).

    Parameters
    ----------
    cluster : the cluster
    remove : firm ids (any firms, local or not); an unknown id is an error naming the close matches
    template : as in :func:`chainnet.analysis.completeness.audit`

    Returns
    -------
    WhatIf

    Examples
    --------
    >>> import chainnet
    >>> w = whatif(chainnet.load_dataset("demo_copper"), ["smelter_a"])
    >>> round(w.change["index"], 3), w.opened[["type", "id"]].head(2).to_dict("records")
    (-0.208, [{'type': 'fill', 'id': 'smelting'}, {'type': 'strengthen', 'id': 'cathode'}])
    """
    from .completeness import audit

    remove = list(dict.fromkeys(str(x) for x in remove))
    if not remove:
        raise ChainnetError("name at least one firm to remove")
    known = cluster.firms["firm_id"].astype(str)
    unknown = [x for x in remove if not known.eq(x).any()]
    if unknown:
        ids = known.tolist()
        hints = []
        for x in unknown:
            close = difflib.get_close_matches(x, ids, n=3)
            hints.append(f"{x!r}" + (f" (did you mean {', '.join(map(repr, close))}?)" if close else ""))
        raise ChainnetError(f"unknown firm id{'s' if len(unknown) > 1 else ''} {', '.join(hints)} in cluster "
                            f"{cluster.meta.get('id')!r}; firm ids are in the firm_id column of firms.csv")
    before = audit(cluster, template=template, top=0)
    after = audit(cluster.without_firms(remove), template=template, top=0)
    bk = before.gaps[GAP_KEY].astype(str).agg("\x1f".join, axis=1) if len(before.gaps) else pd.Series([], dtype=str)
    ak = after.gaps[GAP_KEY].astype(str).agg("\x1f".join, axis=1) if len(after.gaps) else pd.Series([], dtype=str)
    opened = after.gaps[~ak.isin(set(bk)).to_numpy(dtype=bool)].reset_index(drop=True)
    gone = before.gaps[~bk.isin(set(ak)).to_numpy(dtype=bool)].reset_index(drop=True)
    after_status = _status_after(gone, after)
    better = np.array([_RANK.get(a, 0) >= _RANK[_GAP_STATUS[g]] for g, a in zip(gone["type"], after_status)],
                      dtype=bool)
    closed = gone[better].reset_index(drop=True)
    worsened = gone[~better].assign(status_after=after_status[~better]).reset_index(drop=True)
    return WhatIf(cluster_id=cluster.meta.get("id", ""), removed=remove, before=before, after=after,
                  opened=opened, closed=closed, worsened=worsened)


#: the status of the item a gap of each type is about, and how good each status is
_GAP_STATUS = {"fill": "missing", "extend": "missing", "connect": "broken", "strengthen": "weak"}
_RANK = {"missing": 0, "broken": 1, "unknown": 1, "weak": 2, "present": 3}


def _status_after(gaps: pd.DataFrame, after: Audit) -> np.ndarray:
    """The status, in ``after``, of the segment or flow each gap is about."""
    seg = {(str(r.template), str(r.segment)): str(r.status) for r in after.segments.itertuples(index=False)}
    fl = after.flows.rename(columns={"from": "a", "to": "b"})
    flow = {(str(r.template), str(r.a), str(r.b)): str(r.status) for r in fl.itertuples(index=False)}
    out = []
    for g in gaps.rename(columns={"from": "a", "to": "b"}).itertuples(index=False):
        if isinstance(g.segment, str):
            out.append(seg.get((str(g.template), g.segment), "missing"))
        else:
            out.append(flow.get((str(g.template), str(g.a), str(g.b)), "missing"))
    return np.array(out, dtype=object)


__all__ = ["DEFAULT_RUNS", "MEASURES", "STRATEGIES", "ResilienceResult", "WhatIf", "area", "lwcc_curve", "removal_order", "resilience",
           "single_points_of_failure", "step_counts", "whatif"]
