"""Investment-attraction (招商) and second-source candidates for chain gaps.

For a missing segment (``fill``/``extend`` gap) the candidates are firms outside the cluster that
make it: the cluster's own external firms (suppliers or customers already in the data) and firms of
other clusters or firm tables the user passes. For a weak segment (``strengthen``) they are
second sources: firms elsewhere that make it, and local firms in the neighbouring segments that
could move into it.

Ranking (documented in docs/completeness.md), best first:

1. already trades with the cluster's local firms (external partners only);
2. number of the gap segment's template neighbours (one flow up or down) the firm also makes;
3. role: leader, then backbone, then sme, then anything else;
4. output (larger first, unknown last);
5. name (for a stable order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import SimpleNamespace

import numpy as np
import pandas as pd

from .._errors import ChainnetError
from .._messages import Both, both, msg_both
from ..model import LOCAL_ROLES, Cluster
from ..template import Template
from ._chain import template_arrays

ROLE_RANK = {"leader": 3, "backbone": 2, "sme": 1}
COLUMNS = ["template", "gap", "type", "segment", "rank", "origin", "cluster", "firm_id", "name", "name_zh",
           "role", "output", "segments", "neighbours", "why", "why_zh"]
_POOL = ["origin", "cluster", "cluster_name", "cluster_name_zh", "firm_id", "name", "name_zh", "role", "output", "segments", "trades"]


def candidate_pool(cluster: Cluster, candidates: Cluster | pd.DataFrame | Iterable[Cluster | pd.DataFrame] | None,
                   *, partners: np.ndarray | None = None) -> pd.DataFrame:
    """Firms outside ``cluster`` that could be attracted: its external firms ('partner', first)
    and the firms of the given clusters or tables ('elsewhere'); those matching a local firm's
    name, and repeats of a name, are dropped. ``partners``: bool mask over the cluster's firms
    trading with local firms (computed when not given)."""
    f = cluster.firms
    if partners is None:
        supply = cluster.links[cluster.links["kind"] == "supply"]
        local_ids = set(f["firm_id"][cluster.local_mask])
        trading = (set(supply["source"][supply["target"].isin(local_ids)])
                   | set(supply["target"][supply["source"].isin(local_ids)]))
        partners = f["firm_id"].isin(trading).to_numpy()
    keep = f["external"].to_numpy(dtype=bool) & (f["segments"].map(len) > 0).to_numpy()
    ext = f[keep]
    parts = [_frame(ext, "partner", cluster, trades=partners[keep])]
    if candidates is not None:
        items = [candidates] if isinstance(candidates, (Cluster, pd.DataFrame)) else list(candidates)
        for i, item in enumerate(items):
            if isinstance(item, Cluster):
                if item.meta.get("id") == cluster.meta.get("id"):
                    continue
                firms = item.firms[item.firms["role"].isin(LOCAL_ROLES).to_numpy()]
                parts.append(_frame(firms, "elsewhere", item))
            elif isinstance(item, pd.DataFrame):
                parts.append(_table(item, i))
            else:
                raise ChainnetError(f"candidates[{i}] is a {type(item).__name__}; give Clusters or DataFrames of firms")
    pool = pd.concat(parts, ignore_index=True)
    if pool.empty:
        return pool
    local = f[cluster.local_mask]
    names = local["name"].dropna().astype(str).tolist() + local["name_zh"].dropna().astype(str).tolist()
    taken = set("\n".join(names).casefold().split("\n"))  # one casefold call, not 100,000 (names are stripped)
    seen: set[str] = set()
    keep = np.zeros(len(pool), dtype=bool)
    for i, (name, segs) in enumerate(zip(pool["name"].tolist(), pool["segments"].tolist())):
        k = _key(str(name))
        keep[i] = bool(segs) and k not in taken and k not in seen
        seen.add(k)
    return pool[keep].reset_index(drop=True)


def _key(name: str) -> str:
    return name.strip().casefold()


def _frame(firms: pd.DataFrame, origin: str, owner: Cluster, trades: np.ndarray | None = None) -> pd.DataFrame:
    meta = owner.meta
    return pd.DataFrame({
        "origin": origin, "cluster": meta.get("id", ""), "cluster_name": meta.get("name", ""),
        "cluster_name_zh": meta.get("name_zh") or meta.get("name", ""), "firm_id": firms["firm_id"].to_numpy(),
        "name": firms["name"].to_numpy(), "name_zh": firms["name_zh"].to_numpy(dtype=object),
        "role": firms["role"].to_numpy(), "output": firms["output"].to_numpy(dtype=float),
        "segments": firms["segments"].to_numpy(dtype=object),
        "trades": np.zeros(len(firms), dtype=bool) if trades is None else trades,
    }, columns=_POOL)


def _table(df: pd.DataFrame, i: int) -> pd.DataFrame:
    missing = [c for c in ("firm_id", "name", "segments") if c not in df.columns]
    if missing:
        raise ChainnetError(f"candidates[{i}] (a firms table) lacks column(s) {', '.join(missing)}; "
                            "give at least firm_id, name and segments (';'-separated segment ids)")

    def segs(v: object) -> tuple[str, ...]:
        if isinstance(v, (list, tuple, np.ndarray)):
            return tuple(str(x).strip() for x in v if str(x).strip())
        if isinstance(v, str):
            return tuple(x.strip() for x in v.split(";") if x.strip())
        return ()

    n = len(df)

    def col(name: str, default: object) -> np.ndarray:
        return df[name].to_numpy(dtype=object) if name in df.columns else np.full(n, default, dtype=object)

    return pd.DataFrame({
        "origin": "elsewhere", "cluster": col("cluster", "candidates"), "cluster_name": col("cluster", "candidates"),
        "cluster_name_zh": col("cluster", "candidates"),
        "firm_id": df["firm_id"].astype(str).to_numpy(), "name": df["name"].astype(str).to_numpy(),
        "name_zh": col("name_zh", None), "role": col("role", None),
        "output": pd.to_numeric(pd.Series(col("output", np.nan)), errors="coerce").to_numpy(dtype=float),
        "segments": [segs(v) for v in df["segments"].to_numpy(dtype=object)], "trades": np.zeros(n, dtype=bool),
    }, columns=_POOL)


def rank_candidates(cluster: Cluster, gaps: pd.DataFrame, templates: list[Template],
                    candidates: Cluster | pd.DataFrame | Iterable[Cluster | pd.DataFrame] | None = None,
                    *, top: int = 5, local_pairs: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None,
                    partners: Callable[[], np.ndarray] | None = None) -> pd.DataFrame:
    """Ranked candidates for each segment gap (``fill``, ``extend`` and weak-segment ``strengthen``).

    ``gaps`` is an audit's gap table; at most ``top`` firms per gap (for strengthen gaps: firms
    elsewhere first, up to half the places rounded up, then local firms; a group short of
    candidates leaves its places to the other). ``local_pairs`` (firm rows and
    segment ids of local firms) and ``partners`` (mask of firms trading with local firms) may be
    supplied by a caller that has them at hand (audit does); otherwise they are computed.
    """
    seg_gaps = gaps[gaps["segment"].notna()] if len(gaps) else gaps
    if top == 0 or seg_gaps.empty:
        return pd.DataFrame(columns=COLUMNS)
    tas = {t.id: template_arrays(t) for t in templates}
    vocab = {s: i for i, s in enumerate(dict.fromkeys(s for ta in tas.values() for s in ta.seg_ids))}
    outside = _Group.from_pool(candidate_pool(cluster, candidates, partners=partners() if partners else None), vocab)
    local = None
    if seg_gaps["type"].eq("strengthen").any():
        rows, segs = local_pairs() if local_pairs else _local_pairs(cluster)
        local = _Group.from_local(cluster, rows, segs, vocab)
    labels = {tid: _labels(ta.template) for tid, ta in tas.items()}
    out = []
    for g in seg_gaps.itertuples(index=False):
        ta = tas[g.template]
        nb_ids = [ta.seg_ids[j] for j in sorted(ta.neighbours[ta.seg_ids.index(g.segment)])]
        s, nb = vocab[g.segment], [vocab[x] for x in nb_ids]
        picks = [(outside, outside.best(outside.member[:, s], nb, top))]
        if g.type == "strengthen" and local is not None:  # local firms next to it that do not make it yet
            near = local.best(local.member[:, nb].any(axis=1) & ~local.member[:, s], nb, top)
            # `top` per gap in all: firms elsewhere get the first half (rounded up), local firms the
            # rest, and a group with fewer candidates leaves its places to the other
            n_out = min(len(picks[0][1]), max(top - len(near), -(-top // 2)))
            picks = [(outside, picks[0][1][:n_out]), (local, near[:top - n_out])]
        for grp, best in picks:
            for i, n_nb in best:
                out.append(grp.row(i, g, len(out), n_nb, set(nb_ids), labels[g.template]))
    df = pd.DataFrame(out, columns=COLUMNS)
    if len(df):
        df["rank"] = df.groupby("gap", sort=False).cumcount() + 1
    return df


class _Group:
    """Candidate firms of one origin as arrays, with a firm x segment membership matrix."""

    def __init__(self, cols: dict[str, np.ndarray], member: np.ndarray):
        self.cols = cols
        self.member = member
        self.role_rank = np.array([ROLE_RANK.get(r, 0) for r in cols["role"]], dtype=float)
        self.out_key = np.nan_to_num(cols["output"].astype(float), nan=-1.0)

    @classmethod
    def from_pool(cls, pool: pd.DataFrame, vocab: dict[str, int]) -> _Group:
        cols = {c: pool[c].to_numpy(dtype=object) for c in _POOL}
        cols["output"] = pool["output"].to_numpy(dtype=float)
        cols["trades"] = pool["trades"].to_numpy(dtype=bool)
        member = np.zeros((len(pool), len(vocab)), dtype=bool)
        for i, segs in enumerate(cols["segments"]):
            member[i, [vocab[x] for x in segs if x in vocab]] = True
        return cls(cols, member)

    @classmethod
    def from_local(cls, cluster: Cluster, rows: np.ndarray, segs: np.ndarray, vocab: dict[str, int]) -> _Group:
        f, n = cluster.firms, len(cluster.firms)
        codes = pd.Index(list(vocab)).get_indexer(segs)
        member = np.zeros((n, len(vocab)), dtype=bool)
        member[rows[codes >= 0], codes[codes >= 0]] = True
        cols = {c: f[c].to_numpy(dtype=object) for c in ("firm_id", "name", "name_zh", "role", "segments")}
        cols.update(origin=np.full(n, "local", dtype=object), cluster=np.full(n, cluster.meta.get("id", ""), dtype=object),
                    cluster_name=np.full(n, cluster.meta.get("name", ""), dtype=object),
                    cluster_name_zh=np.full(n, cluster.meta.get("name_zh") or cluster.meta.get("name", ""), dtype=object),
                    output=f["output"].to_numpy(dtype=float), trades=np.zeros(n, dtype=bool))
        return cls(cols, member)

    def best(self, mask: np.ndarray, nb: list[int], top: int) -> list[tuple[int, int]]:
        """The ``top`` best rows under ``mask`` (see the module docstring), with their neighbour counts."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return []
        n_nb = self.member[np.ix_(idx, nb)].sum(axis=1) if nb else np.zeros(idx.size, dtype=int)
        by_name = np.argsort(np.argsort(self.cols["name"][idx].astype(str), kind="stable"), kind="stable")
        order = np.lexsort((by_name, -self.out_key[idx], -self.role_rank[idx], -n_nb, ~self.cols["trades"][idx]))[:top]
        return [(int(i), int(k)) for i, k in zip(idx[order], n_nb[order])]

    def row(self, i: int, g: object, k: int, n_nb: int, nb: set[str], labels: dict[str, tuple[str, str]]) -> dict:
        c = {name: col[i] for name, col in self.cols.items()}
        why = _why(SimpleNamespace(**c), g.segment, nb, labels)
        name_zh = c["name_zh"] if isinstance(c["name_zh"], str) else None
        output = float(c["output"]) if c["output"] == c["output"] else None
        return {"template": g.template, "gap": f"{g.type}:{g.segment}", "type": g.type, "segment": g.segment,
                "rank": k, "origin": c["origin"], "cluster": c["cluster"], "firm_id": c["firm_id"], "name": c["name"],
                "name_zh": name_zh, "role": c["role"], "output": output, "segments": ";".join(c["segments"]),
                "neighbours": n_nb, "why": why[0], "why_zh": why[1]}


def _local_pairs(cluster: Cluster) -> tuple[np.ndarray, np.ndarray]:
    """(firm row, segment id) of every local firm's segments."""
    segs = cluster.firms["segments"].to_numpy(dtype=object)
    rows = [i for i in np.flatnonzero(cluster.local_mask) for _ in segs[i]]
    return np.asarray(rows, dtype=np.int64), np.asarray([x for i in np.flatnonzero(cluster.local_mask) for x in segs[i]],
                                                          dtype=object)


def _labels(t: Template) -> dict[str, tuple[str, str]]:
    s = t.segments
    return {i: (n, z if isinstance(z, str) else n) for i, n, z in zip(s["id"], s["name"], s["name_zh"])}


def _why(r: object, seg: str, nb: set[str], labels: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """Plain-language reason a candidate is listed (English, Chinese), from the catalogue (``cand.*``)."""
    role = both(f"{r.role}_firm") if r.role in ("leader", "backbone", "sme", "institution", "service") else \
        (Both(r.role, r.role) if isinstance(r.role, str) and r.role else both("any_firm"))
    near = [Both(*labels[x]) for x in r.segments if x in nb]
    also = msg_both("cand.also", segments=_join(near)) if near else Both("", "")
    output = msg_both("cand.output", output=r.output) if r.output == r.output and r.output >= 0 else Both("", "")
    segment = Both(*labels[seg])
    if r.origin == "local":
        why = msg_both("cand.local", role=role, near=_join(near), segment=segment, output=output)
    elif r.origin == "partner":
        trades = msg_both("cand.trades") if r.trades else Both("", "")
        why = msg_both("cand.partner", trades=trades, role=role, segment=segment, also=also, output=output)
    else:
        why = msg_both("cand.elsewhere", role=role, cluster=Both(r.cluster_name, r.cluster_name_zh), segment=segment,
                       also=also, output=output)
    return why.en, why.zh


def _join(items: list[Both]) -> Both:
    return Both(", ".join(x.en for x in items), "、".join(x.zh for x in items))
