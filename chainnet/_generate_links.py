"""Link wiring of :func:`chainnet.generate.generate`: firm weights, the pools firms are drawn from,
the supply skeleton and the supply, cooperation, R&D, service and ownership ties.

Package-private: nothing here is public API; :mod:`chainnet.generate` documents the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._generate_tables import _Chain


@dataclass(frozen=True)
class _Shape:
    """How a structure shapes the network (numbers are modelling choices, see :mod:`chainnet.generate`)."""

    alpha: float            # Pareto tail index of firm attractiveness (smaller = heavier tail)
    leader_share: float     # share of the tie ends in a leader's segments that go to leaders (0 = no boost)
    anchor_share: float     # the same for the first leader (the anchor) when larger than leader_share
    leader_extra: tuple[int, int]  # range of extra (downstream) segments a leader holds
    backbone_boost: float   # attractiveness multiplier of backbone firms
    integrated: float       # share of backbone firms that also hold one downstream segment
    external_ties: float    # share of supply ties with one end outside the cluster, added to external_share
    kinds: dict[str, float] = field(default_factory=dict)  # shares of non-supply link kinds
    owned: float = 0.0      # share of local backbone firms owned by a leader (or outside parent)


def _first_leader(role: np.ndarray, local: np.ndarray) -> int:
    idx = np.flatnonzero((role == 0) & local)
    return int(idx[0]) if idx.size else -1


def _boost_leaders(mem_f: np.ndarray, mem_s: np.ndarray, mem_w: np.ndarray, role: np.ndarray, local: np.ndarray,
                   S: int, shape: _Shape, first_leader: int) -> None:
    """Set leaders' weights so that they take ``leader_share`` of the tie ends of their segments."""
    lead = (role[mem_f] == 0) & local[mem_f]
    if not lead.any():
        return
    other = np.bincount(mem_s[~lead], weights=mem_w[~lead], minlength=S)
    n_lead = np.bincount(mem_s[lead], minlength=S)
    share = np.where(mem_f[lead] == first_leader, shape.anchor_share, shape.leader_share)
    s = mem_s[lead]
    mem_w[lead] = np.maximum(share / (1 - share) * other[s] / n_lead[s], mem_w[lead])


class _Pools:
    """Firms holding each segment, split into local and external, with their sampling weights."""

    def __init__(self, mem_f: np.ndarray, mem_s: np.ndarray, mem_w: np.ndarray, local: np.ndarray, S: int):
        order = np.lexsort((~local[mem_f], mem_s))  # by segment, local first
        f, s, w, loc = mem_f[order], mem_s[order], mem_w[order], local[mem_f[order]]
        starts = np.searchsorted(s, np.arange(S + 1))
        self.local, self.local_w, self.ext, self.ext_w = [], [], [], []
        for k in range(S):
            a, b = starts[k], starts[k + 1]
            m = loc[a:b]
            self.local.append(f[a:b][m])
            self.local_w.append(w[a:b][m])
            self.ext.append(f[a:b][~m])
            self.ext_w.append(w[a:b][~m])

    def draw(self, rng: np.random.Generator, seg: int, n: int, *, external: bool) -> np.ndarray:
        pool, w = (self.ext[seg], self.ext_w[seg]) if external else (self.local[seg], self.local_w[seg])
        if n == 0 or pool.size == 0:
            return np.empty(0, np.int64)
        return pool[_weighted_index(rng, w, n)]


def _weighted_index(rng: np.random.Generator, w: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices drawn with replacement, with probability proportional to ``w``."""
    if n > 4096 and n > w.size // 8:
        # counts per index, then shuffled: linear time, no random memory access as in a search
        idx = np.repeat(np.arange(w.size), rng.multinomial(n, w / w.sum()))
        rng.shuffle(idx)
        return idx
    c = np.cumsum(w)
    return np.minimum(np.searchsorted(c, rng.random(n) * c[-1], side="right"), w.size - 1)


# -- links -------------------------------------------------------------------------------------
def _violates(src: np.ndarray, tgt: np.ndarray, M: np.ndarray, local: np.ndarray, bad_pair: np.ndarray) -> np.ndarray:
    """Supply ties between local firms that would realise a broken flow (in either reading of METRICS)."""
    out = np.zeros(src.size, bool)
    both = local[src] & local[tgt]
    for a, b in zip(*np.nonzero(bad_pair)):
        out |= both & M[src, a] & M[tgt, b]
    return out


def _skeleton(chain: _Chain, pools: _Pools, M: np.ndarray, local: np.ndarray, bad_pair: np.ndarray,
              is_missing: np.ndarray, rng: np.random.Generator) -> tuple[tuple[np.ndarray, ...], list[str]]:
    """Two distinct local pairs for every flow that is neither broken nor missing (a few per flow)."""
    rows: list[tuple[int, int, int]] = []
    used: set[tuple[int, int]] = set()
    weak_flows = []
    for k, (a, b) in enumerate(chain.flows):
        if bad_pair[a, b] or is_missing[a] or is_missing[b]:
            continue
        inhouse = bool((M[pools.local[a], b]).any())
        got: list[tuple[int, int]] = []
        for k_top in (6, 64):  # the heaviest firms first; look further only when they cannot pair
            A = _top(pools.local[a], pools.local_w[a], rng, k_top)
            B = _top(pools.local[b], pools.local_w[b], rng, k_top)
            for i, j in sorted(((i, j) for i in range(len(A)) for j in range(len(B))), key=lambda p: (p[0] + p[1], p)):
                f, g = int(A[i]), int(B[j])
                if f == g or (f, g) in used or (f, g) in got or \
                        _violates(np.array([f]), np.array([g]), M, local, bad_pair)[0]:
                    continue
                got.append((f, g))
                if len(got) == 2:
                    break
            if len(got) == 2 or (len(A) < k_top and len(B) < k_top):
                break
            got = []
        rows += [(f, g, k) for f, g in got]
        used.update(got)
        if len(got) + inhouse < 2:
            weak_flows.append(f"{chain.ids[a]}->{chain.ids[b]}")
    arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return (arr[:, 0], arr[:, 1], arr[:, 2]), weak_flows


def _top(pool: np.ndarray, w: np.ndarray, rng: np.random.Generator, k: int = 6) -> np.ndarray:
    """Up to k firms of a pool, heaviest first (ties broken at random, reproducibly)."""
    if pool.size <= k:
        return pool[np.lexsort((rng.random(pool.size), -w))]
    idx = np.argpartition(-w, k)[:k]
    return pool[idx[np.lexsort((pool[idx], -w[idx]))]]


def _supply_links(rng: np.random.Generator, chain: _Chain, pools: _Pools, M: np.ndarray, local: np.ndarray,
                  bad_pair: np.ndarray, n_target: int, skel: tuple[np.ndarray, ...],
                  external_ties: float) -> tuple[np.ndarray, ...]:
    """Supply ties along template flows: the skeleton first, then weighted random ties."""
    n_loc = np.array([p.size for p in pools.local])
    n_ext = np.array([p.size for p in pools.ext])
    fa = np.array([a for a, _ in chain.flows], dtype=np.int64)
    fb = np.array([b for _, b in chain.flows], dtype=np.int64)
    size = np.sqrt((n_loc[fa] + n_ext[fa]) * (n_loc[fb] + n_ext[fb]).astype(float))
    possible = (n_loc[fa] > 0) | (n_loc[fb] > 0)
    p = chain.flow_w * size * possible
    n_rand = max(n_target - skel[0].size, 0)
    if n_rand == 0 or p.sum() == 0:
        return skel
    src, tgt, flow = skel
    n_draw = int(n_rand * 1.08) + 16
    for _ in range(12):  # heavy tails repeat popular pairs: top up until the target is reached
        s_new, t_new, f_new = _draw_supply(rng, pools, fa, fb, n_loc, n_ext, bad_pair, p, n_draw, external_ties)
        keep = (s_new != t_new) & ~_violates(s_new, t_new, M, local, bad_pair)
        src = np.concatenate([src, s_new[keep]])
        tgt = np.concatenate([tgt, t_new[keep]])
        flow = np.concatenate([flow, f_new[keep]])
        first = _first_of_pairs(src, tgt)
        src, tgt, flow = src[first], tgt[first], flow[first]
        if src.size >= n_target:
            break
        n_draw = (n_target - src.size) * 4 + n_target // 10 + 16
    n_keep = max(n_target, skel[0].size)
    return src[:n_keep], tgt[:n_keep], flow[:n_keep]


def _draw_supply(rng: np.random.Generator, pools: _Pools, fa: np.ndarray, fb: np.ndarray, n_loc: np.ndarray,
                 n_ext: np.ndarray, bad_pair: np.ndarray, p: np.ndarray, n: int,
                 external_ties: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = rng.multinomial(n, p / p.sum())
    src_l, tgt_l, flow_l = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    for k in np.flatnonzero(counts).tolist():
        a, b = fa[k], fb[k]
        # tie modes: 0 local->local, 1 external->local, 2 local->external
        w = np.array([1.0 - external_ties, external_ties / 2, external_ties / 2])
        w *= [n_loc[a] > 0 and n_loc[b] > 0, n_ext[a] > 0 and n_loc[b] > 0, n_loc[a] > 0 and n_ext[b] > 0]
        if bad_pair[a, b]:
            w[0] = 0.0
        if w.sum() == 0:
            continue
        mode_n = rng.multinomial(int(counts[k]), w / w.sum())
        for mode, m in enumerate(mode_n.tolist()):
            if m == 0:
                continue
            src_l.append(pools.draw(rng, a, m, external=mode == 1))
            tgt_l.append(pools.draw(rng, b, m, external=mode == 2))
            flow_l.append(np.full(m, k, np.int64))
    return np.concatenate(src_l), np.concatenate(tgt_l), np.concatenate(flow_l)


def _first_of_pairs(src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    """Positions of the first row of each distinct (src, tgt) pair, in their original order."""
    key = src.astype(np.int64) * (int(max(src.max(initial=0), tgt.max(initial=0))) + 1) + tgt
    _, first = np.unique(key, return_index=True)
    return np.sort(first)


def _other_links(rng: np.random.Generator, shape: _Shape, structure: str, n_links: int, role: np.ndarray,
                 local: np.ndarray, external: np.ndarray, attract: np.ndarray, pools: _Pools,
                 N: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Cooperation, R&D, service and ownership ties (not supply)."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    firms_loc = np.flatnonzero(local)
    inst = np.flatnonzero(role == 3)
    serv = np.flatnonzero(role == 4)
    w_loc = attract[firms_loc]
    anchor = _first_leader(role, local)

    def pick(pool: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
        return pool[_weighted_index(rng, w, n)] if pool.size and n else np.empty(0, np.int64)

    def quota(kind: str) -> int:
        return round(shape.kinds.get(kind, 0.0) * n_links)

    # cooperation: firms of the same segment (competitors that also cooperate), undirected
    n = quota("cooperation")
    if n and firms_loc.size > 1:
        sizes = np.array([p.size for p in pools.local], float)
        counts = rng.multinomial(int(n * 1.2) + 4, sizes / sizes.sum())
        a_l, b_l = [], []
        for s, m in enumerate(counts.tolist()):
            if m and pools.local[s].size > 1:
                a_l.append(pools.draw(rng, s, m, external=False))
                b_l.append(pools.draw(rng, s, m, external=False))
        if a_l:
            a, b = np.concatenate(a_l), np.concatenate(b_l)
            a, b = np.minimum(a, b), np.maximum(a, b)
            out["cooperation"] = _distinct(a, b, n)
    # rd: institutions with firms; the anchor of a state-anchored cluster works with many of them
    n = quota("rd")
    if n and inst.size and firms_loc.size:
        w_inst = rng.pareto(1.5, inst.size) + 1.0
        a = pick(inst, w_inst, int(n * 1.2) + 4)
        b = pick(firms_loc, w_loc, a.size)
        if structure == "state_anchored" and anchor >= 0:
            b[rng.random(b.size) < 0.25] = anchor
        out["rd"] = _distinct(a, b, n)
    n = quota("service")
    if n and serv.size and firms_loc.size:
        a = pick(serv, rng.pareto(1.5, serv.size) + 1.0, int(n * 1.2) + 4)
        out["service"] = _distinct(a, pick(firms_loc, w_loc, a.size), n)
    # ownership: parents -> subsidiaries (one parent each): leaders own backbone firms; in a
    # satellite cluster outside firms own local branch plants
    n = quota("ownership")
    backbone = np.flatnonzero((role == 1) & local)
    parents = np.flatnonzero((role == 0) & (external if structure == "satellite" else local))
    if n and backbone.size and parents.size:
        m = min(n, round(shape.owned * backbone.size))
        subs = rng.choice(backbone, size=m, replace=False) if m else np.empty(0, np.int64)
        par = pick(parents, attract[parents], subs.size)
        out["ownership"] = _distinct(par, subs, m)
    return out


def _distinct(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    keep = a != b
    a, b = a[keep], b[keep]
    if a.size == 0:
        return a, b
    first = _first_of_pairs(a, b)[:n]
    return a[first], b[first]
