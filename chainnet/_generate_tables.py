"""Building blocks of :func:`chainnet.generate.generate`: the chain, the checks of its arguments,
the given firms, the firm and link tables and the ground truth.

Package-private: nothing here is public API; :mod:`chainnet.generate` documents the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _validate as v
from ._errors import ChainnetError, ValidationError
from .model import Cluster
from .template import Template, load_template

_ROLE_CODES = ("leader", "backbone", "sme", "institution", "service")


# -- the chain (one or several templates as one segment graph) -----------------------------------
class _Chain:
    def __init__(self, tpls: list[Template]):
        ids: list[str] = []
        rows: dict[str, dict[str, Any]] = {}
        for t in tpls:
            for r in t.segments.to_dict("records"):
                if r["id"] not in rows:
                    ids.append(r["id"])
                    rows[r["id"]] = r
        self.ids = ids
        self.pos = {s: i for i, s in enumerate(ids)}
        S = len(ids)
        self.adj = np.zeros((S, S), bool)
        for t in tpls:
            for a, b in zip(t.flows["from"], t.flows["to"]):
                self.adj[self.pos[a], self.pos[b]] = True
        self.flows = [(int(a), int(b)) for a, b in zip(*np.nonzero(self.adj))]
        flow_w = {}
        for t in tpls:
            for a, b, w in zip(t.flows["from"], t.flows["to"], t.flows["weight"]):
                flow_w.setdefault((self.pos[a], self.pos[b]), float(w))
        self.flow_w = np.array([flow_w[f] for f in self.flows])
        self.weight = np.array([float(rows[s]["weight"]) for s in ids])
        self.stage = [rows[s]["stage"] for s in ids]
        self.is_source = ~self.adj.any(axis=0)
        self.is_sink = ~self.adj.any(axis=1)
        self.short = [_short(rows[s]["name"]) for s in ids]
        self.short_zh = [_short(rows[s]["name_zh"]) if isinstance(rows[s]["name_zh"], str) else _short(rows[s]["name"])
                         for s in ids]

    def stage_weights(self, factors: dict[str, float], rng: np.random.Generator, power: float = 1.0) -> np.ndarray:
        base = self.weight ** power * np.array([factors[s] for s in self.stage])
        return base * rng.dirichlet(np.full(len(self.ids), 5.0)) * len(self.ids)


def _short(name: str) -> str:
    """A segment name without parenthesised detail: 'Enamelled (magnet) wire' -> 'Enamelled wire'."""
    return re.sub(r"\s+", " ", re.sub(r"\s*[（(][^）)]*[）)]", "", name)).strip() or name


def _templates(template: str | Template | Sequence[str | Template]) -> list[Template]:
    items = [template] if isinstance(template, (str, Template)) else list(template)
    if not items:
        raise ChainnetError("give at least one template")
    return [t if isinstance(t, Template) else load_template(t) for t in items]


def _unique(items: Iterable[str]) -> list[str]:
    items = [items] if isinstance(items, str) else list(items)
    return list(dict.fromkeys(str(s) for s in items))


def _flow_pair(f: str | tuple[str, str]) -> tuple[str, str]:
    if isinstance(f, str):
        parts = [p.strip() for p in f.split("->")]
        if len(parts) != 2 or not all(parts):
            raise ChainnetError(f"broken flow {f!r} must be written 'from->to', e.g. 'scrap->rod'")
        return parts[0], parts[1]
    a, b = f
    return str(a), str(b)


def _check_gaps(chain: _Chain, missing: list[str], weak: list[str], broken: list[tuple[str, str]]) -> None:
    problems = []
    known = ", ".join(chain.ids)
    for label, segs in (("missing", missing), ("weak", weak)):
        problems += [f"{label} segment {s!r} is not in the template(s) (segments: {known})"
                     for s in segs if s not in chain.pos]
    problems += [f"segment {s!r} cannot be both missing and weak" for s in missing if s in weak]
    for a, b in broken:
        if a not in chain.pos or b not in chain.pos or not chain.adj[chain.pos[a], chain.pos[b]]:
            flows = ", ".join(f"{chain.ids[x]}->{chain.ids[y]}" for x, y in chain.flows)
            problems.append(f"broken flow {a}->{b} is not a flow of the template(s) (flows: {flows})")
        elif a in missing or b in missing:
            problems.append(f"broken flow {a}->{b} has a missing segment; a broken flow needs both segments held")
    if problems:
        raise ChainnetError("cannot generate: " + "; ".join(problems))


def _check_numbers(**kw: Any) -> None:
    problems = []
    if not isinstance(kw["firms"], (int, np.integer)) or kw["firms"] < 1:
        problems.append(f"firms must be a whole number >= 1, got {kw['firms']!r}")
    if kw["leaders"] < 0:
        problems.append("leaders must be >= 0")
    if not 0 <= kw["backbone_share"] <= 1:
        problems.append("backbone_share must be between 0 and 1")
    if not 0 <= kw["external_share"] < 1:
        problems.append("external_share must be >= 0 and < 1")
    if kw["links_per_firm"] < 0:
        problems.append("links_per_firm must be >= 0")
    problems += [f"{k} must be >= 0" for k in ("institutions", "services") if kw[k] is not None and kw[k] < 0]
    if problems:
        raise ChainnetError("cannot generate: " + "; ".join(problems))


# -- given firms -------------------------------------------------------------------------------
def _given_firms(given: pd.DataFrame | None, chain: _Chain) -> pd.DataFrame:
    if given is None or len(given) == 0:
        return pd.DataFrame(columns=list(v.FIRM_COLUMNS))
    df, problems = v.normalise_firms(given, file="given firms", segment_ids=set(chain.ids))
    if problems:
        raise ValidationError(problems, subject="the given firms")
    clash = df["firm_id"].str.match(r"^[feis]\d+$")
    if clash.any():
        raise ChainnetError(f"given firm ids {list(df.loc[clash, 'firm_id'])[:5]} look like generated ids "
                            "(a letter f, e, i or s and digits); rename them")
    return df


def _given_segments(gv: pd.DataFrame, chain: _Chain) -> tuple[np.ndarray, np.ndarray]:
    pairs = gv["segments"].explode().dropna()
    return pairs.index.to_numpy(np.int64), np.array([chain.pos[s] for s in pairs], dtype=np.int64)


def _check_given(gv: pd.DataFrame, g_seg: tuple[np.ndarray, np.ndarray], g_local: np.ndarray,
                 is_missing: np.ndarray, is_weak: np.ndarray, bad_pair: np.ndarray, chain: _Chain) -> None:
    if not len(gv):
        return
    M = np.zeros((len(gv), len(chain.ids)), bool)
    M[g_seg] = True
    M &= g_local[:, None]
    problems = [f"given firm {gv['firm_id'].iat[i]!r} holds missing segment {chain.ids[s]!r}"
                for i, s in zip(*np.nonzero(M & is_missing))]
    problems += [f"weak segment {chain.ids[s]!r} is held by {n} given local firms (a weak segment has one)"
                 for s, n in enumerate(M.sum(axis=0)) if is_weak[s] and n > 1]
    for a, b in zip(*np.nonzero(bad_pair)):
        both = np.flatnonzero(M[:, a] & M[:, b])
        problems += [f"given firm {gv['firm_id'].iat[i]!r} holds both ends of broken flow "
                     f"{chain.ids[a]}->{chain.ids[b]}" for i in both]
    if problems:
        raise ChainnetError("the given firms contradict the gaps: " + "; ".join(problems))


def _role_codes(roles: pd.Series) -> np.ndarray:
    return np.array([_ROLE_CODES.index(r) for r in roles], dtype=np.int8)


def _external_roles(rng: np.random.Generator, n: int, structure: str, leaders: int) -> np.ndarray:
    """External firms: big outside firms (role leader: parents of branch plants) first in satellites."""
    out = np.where(rng.random(n) < 0.3, 1, 2).astype(np.int8)
    if structure == "satellite":
        out[:min(max(leaders, 1), n)] = 0
    return out


# -- tables ------------------------------------------------------------------------------------
def _str(values: np.ndarray | list) -> pd.api.extensions.ExtensionArray:
    return pd.array(np.asarray(values, dtype=object), dtype="str")


def _coded(codes: np.ndarray, categories: Sequence[str] | pd.api.extensions.ExtensionArray) -> pd.api.extensions.ExtensionArray:
    """Strings ``categories[codes]`` (code -1 = missing) as a str array.

    Taking from a small str array skips the per-string check that building one from objects does.
    """
    cats = categories if isinstance(categories, pd.api.extensions.ExtensionArray) else _str(list(categories))
    return cats.take(np.asarray(codes, dtype=np.int64), allow_fill=True)


def _int(values: np.ndarray, mask: np.ndarray | None = None) -> pd.arrays.IntegerArray:
    values = np.asarray(values, dtype=np.int64)
    return pd.arrays.IntegerArray(values, np.zeros(values.size, bool) if mask is None else mask)


def _no_int(n: int) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, bool))


def _numbered(prefix: np.ndarray, groups: np.ndarray, middle: str, end: str) -> list[str]:
    """Names like 'Copper foil firm 07 (modeled)': a running number within each group."""
    num = pd.Series(groups).groupby(groups, sort=False).cumcount().to_numpy() + 1
    w = max(2, len(str(int(num.max(initial=1)))))
    return [f"{p}{middle}{k:0{w}d}{end}" for p, k in zip(prefix.tolist(), num.tolist())]


def _firm_table(gv: pd.DataFrame, chain: _Chain, role: np.ndarray, external: np.ndarray, primary: np.ndarray,
                M: np.ndarray, attract: np.ndarray, rng: np.random.Generator, year: int,
                n_given: int) -> pd.DataFrame:
    N = role.size
    idx = np.arange(n_given, N)
    r, ext, prim = role[idx], external[idx], primary[idx]
    n = idx.size
    # ids: f (local firms), e (external firms), i (institutions), s (services)
    letter = np.where(r == 3, "i", np.where(r == 4, "s", np.where(ext, "e", "f")))
    width = len(str(max(n, 1)))
    ids = [f"{c}{k:0{width}d}" for c, k in zip(letter.tolist(), range(1, n + 1))]
    # segments: one shared tuple per segment for single-segment firms, built ones for the others
    seg_tuple = np.empty(len(chain.ids) + 1, dtype=object)
    for s, sid in enumerate(chain.ids):
        seg_tuple[s] = (sid,)
    seg_tuple[-1] = ()
    segs = seg_tuple[np.where(prim >= 0, prim, len(chain.ids))]
    _multi_segments(segs, M[idx], prim, chain.ids)
    # names
    cat = np.where(r == 0, 0, 1) + 2 * ext  # 0 leader, 1 firm, 2/3 external
    p_en = np.array([*chain.short, "Research institute", "Service provider"], dtype=object)
    p_zh = np.array([*chain.short_zh, "科研机构", "服务机构"], dtype=object)
    key = np.where(r == 3, -1, np.where(r == 4, -2, prim * 4 + cat))
    pk = np.where(r == 3, len(chain.ids), np.where(r == 4, len(chain.ids) + 1, prim))
    names = np.empty(n, dtype=object)
    names_zh = np.empty(n, dtype=object)
    for c, en, zh in ((0, (" leader ", " (modeled)"), ("龙头企业", "（模拟）")),
                      (1, (" firm ", " (modeled)"), ("企业", "（模拟）")),
                      (2, (" leader ", " (external, modeled)"), ("龙头企业", "（外地，模拟）")),
                      (3, (" firm ", " (external, modeled)"), ("企业", "（外地，模拟）")),
                      (-1, (" ", " (modeled)"), ("", "（模拟）"))):
        sel = np.flatnonzero((cat == c) & (r <= 2)) if c >= 0 else np.flatnonzero(r >= 3)
        if sel.size:
            names[sel] = _numbered(p_en[pk[sel]], key[sel], *en)
            names_zh[sel] = _numbered(p_zh[pk[sel]], key[sel], *zh)
    # sizes (output in 100 million CNY; institutions and services have none)
    scale = np.array([120.0, 3.0, 0.08, np.nan, np.nan])[r]
    output = np.round(scale * np.minimum(attract[idx], 400.0) ** 0.5 * rng.lognormal(0.0, 0.5, n), 2)
    output = np.where(np.isnan(output), np.nan, np.maximum(output, 0.01))
    staff = np.where(np.isnan(output), rng.integers(20, 400, n), np.round(np.nan_to_num(output) * 35
                                                                           * rng.lognormal(0, 0.3, n)) + 5)
    age = np.select([r == 0, r == 1, r == 2], [rng.integers(15, 60, n), rng.integers(3, 35, n),
                                               rng.geometric(0.12, n)], rng.integers(1, 40, n))
    parks = ["Park 1", "Park 2", "Park 3", "Park 4", "Outside the cluster"]
    region = np.where(ext, 4, rng.integers(0, 4, n))
    gen = pd.DataFrame({
        "firm_id": _str(ids), "name": _str(names), "role": _coded(r, _ROLE_CODES),
        "segments": pd.Series(segs, dtype=object), "name_zh": _str(names_zh),
        "external": ext.astype(bool), "output": output.astype(float), "employees": _int(staff.astype(np.int64)),
        "founded": _int(year - age), "exited": _no_int(n), "region": _coded(region, parks),
        "evidence": _coded(np.zeros(n, np.int8), ["modeled"]), "source": _coded(np.full(n, -1, np.int8), ["-"]),
    })
    if not n_given:
        return gen
    for c in gv.columns:
        if c not in gen.columns:
            gen[c] = pd.Series(np.nan, index=gen.index, dtype=gv[c].dtype if gv[c].dtype != bool else object)
    out = pd.concat([gv, gen[gv.columns]], ignore_index=True)
    return out.astype({c: gv[c].dtype for c in v.FIRM_COLUMNS if c != "segments"})


def _multi_segments(segs: np.ndarray, M: np.ndarray, prim: np.ndarray, ids: list[str]) -> None:
    """Fill ``segs`` for firms holding several segments: primary segment first, then in template order."""
    count = M.sum(axis=1)
    names = np.array(ids, dtype=object)
    for k in np.unique(count[count > 1]).tolist():
        rows = np.flatnonzero(count == k)
        c = np.nonzero(M[rows])[1]
        c = c.reshape(-1, k)
        c = np.take_along_axis(c, np.argsort(c != prim[rows][:, None], axis=1, kind="stable"), axis=1)
        segs[rows] = list(zip(*(names[c[:, j]] for j in range(k))))


def _link_table(firms: pd.DataFrame, chain: _Chain, supply: tuple[np.ndarray, ...],
                other: dict[str, tuple[np.ndarray, np.ndarray]], rng: np.random.Generator, year: int) -> pd.DataFrame:
    ids = firms["firm_id"].array
    src_l, tgt_l, kind_l = [supply[0]], [supply[1]], [np.zeros(supply[0].size, np.int8)]
    kinds = ["supply"]
    for k, (a, b) in other.items():
        kinds.append(k)
        src_l.append(a)
        tgt_l.append(b)
        kind_l.append(np.full(a.size, len(kinds) - 1, np.int8))
    src, tgt, kind = np.concatenate(src_l), np.concatenate(tgt_l), np.concatenate(kind_l)
    n, ns = src.size, supply[0].size
    fa = np.array([a for a, _ in chain.flows] + [-1], dtype=np.int64)
    fb = np.array([b for _, b in chain.flows] + [-1], dtype=np.int64)
    flow = np.concatenate([supply[2], np.full(n - ns, len(chain.flows), np.int64)])
    weight = np.round(rng.lognormal(-1.0, 1.2, n), 3)
    weight[ns:] = 1.0
    weight = np.maximum(weight, 0.001)
    founded = firms["founded"].to_numpy(dtype=float, na_value=np.nan)
    start = np.fmax(founded[src], founded[tgt])
    lag = rng.geometric(0.35, n) - 1
    yr = np.where(np.isnan(start), year - lag, np.minimum(np.nan_to_num(start) + lag, year))
    return pd.DataFrame({
        "source": _coded(src, ids), "target": _coded(tgt, ids), "kind": _coded(kind, kinds),
        "weight": weight.astype(float), "segment_from": _coded(fa[flow], chain.ids),
        "segment_to": _coded(fb[flow], chain.ids), "year": _int(yr.astype(np.int64)), "until": _no_int(n),
        "evidence": _coded(np.zeros(n, np.int8), ["modeled"]), "source_key": _coded(np.full(n, -1, np.int8), ["-"]),
    })


# -- ground truth ------------------------------------------------------------------------------
def _truth(cluster: Cluster, chain: _Chain, tpls: list[Template], M: np.ndarray, local: np.ndarray,
           missing: list[str], weak: list[str], broken: list[tuple[str, str]], weak_flows: list[str],
           structure: str, params: dict[str, Any]) -> dict[str, Any]:
    covered = M[local].any(axis=0)
    ext_cover = M[~local].any(axis=0)
    gaps = []
    for t in tpls:
        tset = set(t.segment_ids)
        for s in missing:
            if s not in tset:
                continue
            up = any(covered[chain.pos[u]] for u in t.upstream_of(s))
            down = any(covered[chain.pos[d]] for d in t.downstream_of(s))
            gaps.append({"type": "fill" if up and down else "extend", "segment": s, "from": None, "to": None,
                         "template": t.id})
        flows = set(zip(t.flows["from"], t.flows["to"]))
        gaps += [{"type": "connect", "segment": None, "from": a, "to": b, "template": t.id}
                 for a, b in broken if (a, b) in flows]
        gaps += [{"type": "strengthen", "segment": s, "from": None, "to": None, "template": t.id}
                 for s in weak if s in tset]
        gaps += [{"type": "strengthen", "segment": None, "from": f.split("->")[0], "to": f.split("->")[1],
                  "template": t.id} for f in weak_flows if tuple(f.split("->")) in flows]
    roles = cluster.firms["role"].value_counts()
    lead = cluster.firms.loc[(cluster.firms["role"] == "leader").to_numpy() & ~cluster.firms["external"].to_numpy(bool),
                             "firm_id"]
    return {
        "templates": [t.id for t in tpls], "structure": structure,
        "missing": list(missing), "missing_external": [s for s in missing if ext_cover[chain.pos[s]]],
        "broken": [f"{a}->{b}" for a, b in broken], "weak": list(weak), "weak_flows": weak_flows,
        "gaps": gaps,
        "roles": {r: int(roles.get(r, 0)) for r in _ROLE_CODES},
        "leaders": lead.tolist(),
        "counts": {"firms": len(cluster.firms), "local_firms": int(cluster.local_mask.sum()),
                   "external_firms": int(cluster.firms["external"].sum()), "links": len(cluster.links),
                   "supply_links": int((cluster.links["kind"] == "supply").sum())},
        "parameters": {k: (list(x) if isinstance(x, tuple) else x) for k, x in params.items()},
    }

