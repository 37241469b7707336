"""The data of the interactive map: one JSON-ready dict with firms, groups (lanes or communities),
supply links, template flows and gaps, in both languages.

The chain kind reuses the static chain map's :class:`~chainnet.viz._chainlayout.Layout` (lanes,
upstream-to-downstream order, barycentre order of firms within a lane), so lanes and firms sit
where the PNG puts them; lanes too long for one column are packed into a grid (see
:func:`_grid`). Firms are stored column-wise (one list per attribute) to keep the page small.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..model import Cluster
from . import _style as st
from ._chainlayout import LANE_W, R_MAX, Layout, segment_info, segment_label

#: Above this many firms drawn, the map opens with one aggregate node per group (lane or community).
AGGREGATE_ABOVE = 3000
#: Above this many firms, firms keep their initial order within a lane (no crossing-reduction sweeps).
ORDER_MAX = 20000
#: A lane with more local firms than this is packed as a grid rather than one column.
ONE_COLUMN_MAX = 40
_LOCAL_W, _EXT_W = 0.68, 0.16
GAP_WORDS = {"en": {"fill": "fill", "extend": "extend", "connect": "connect", "strengthen": "strengthen"},
             "zh": {"fill": "补链", "extend": "延链", "connect": "断链", "strengthen": "强链"}}
UI_WORDS = {
    "en": {"search": "Search firm by name or id", "segment": "Segment", "role": "Role", "scope": "Local/external",
           "evidence": "Evidence", "all": "all", "local": "local", "external": "external", "hops": "Hops",
           "gaps": "Gaps", "no_gaps": "No gaps", "suppliers": "Suppliers", "customers": "Customers",
           "export": "Export PNG", "reset": "Reset view", "lang": "中文", "name": "name", "name_zh": "Chinese name",
           "segments": "segments", "output": "output", "degree": "degree (in/out)", "pagerank": "PageRank",
           "source": "source", "firms": "firms", "expand": "click to expand", "collapse": "Collapse all",
           "aggregated": "Large cluster: firms are grouped; click a group to expand it",
           "links_unknown": st.WORDS["en"]["links_unknown"], "no_match": "no match", "flow": "flow",
           "community": "community", "support": "support", "none": "none"},
    "zh": {"search": "按名称或编号搜索企业", "segment": "环节", "role": "角色", "scope": "本地/外地",
           "evidence": "依据", "all": "全部", "local": "本地", "external": "外地", "hops": "跳数",
           "gaps": "缺口", "no_gaps": "无缺口", "suppliers": "供应商", "customers": "客户",
           "export": "导出PNG", "reset": "重置视图", "lang": "English", "name": "名称", "name_zh": "中文名称",
           "segments": "环节", "output": "产值", "degree": "度（入/出）", "pagerank": "PageRank",
           "source": "来源", "firms": "家企业", "expand": "点击展开", "collapse": "全部收起",
           "aggregated": "大型集群：企业按组聚合，点击一组即可展开",
           "links_unknown": st.WORDS["zh"]["links_unknown"], "no_match": "无匹配", "flow": "衔接",
           "community": "社区", "support": "支撑", "none": "无"},
}


def _words() -> dict[str, dict[str, str]]:
    out = {}
    for lang in st.LANGS:
        w = dict(st.WORDS[lang])
        w.update(UI_WORDS[lang])
        w.update({f"gap_{k}": v for k, v in GAP_WORDS[lang].items()})
        out[lang] = w
    return out


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _str(x: Any) -> str:
    return x if isinstance(x, str) else ""


def firm_columns(cluster: Cluster) -> dict[str, list[Any]]:
    """Per-firm attributes shown on hover: names, role, segments, output, degrees, PageRank, evidence."""
    f = cluster.firms
    ids = [str(x) for x in f["firm_id"].to_numpy(dtype=object)]
    index = {fid: i for i, fid in enumerate(ids)}
    sup = cluster.links[cluster.links["kind"] == "supply"]
    s = np.array([index.get(str(x), -1) for x in sup["source"].to_numpy(dtype=object)], dtype=int)
    t = np.array([index.get(str(x), -1) for x in sup["target"].to_numpy(dtype=object)], dtype=int)
    ok = (s >= 0) & (t >= 0) & (s != t)
    s, t = s[ok], t[ok]
    pr: list[float | None] = [None] * len(ids)
    if cluster.links_known and len(ids):
        from ..analysis import _sparse

        g = _sparse.supply_graph(cluster)
        if g.n:
            vals, _ = _sparse.pagerank(g, alpha=0.85, tol=1e-10)
            for row, v in zip(g.rows, vals):
                pr[int(row)] = round(float(v), 6)
    # to_numpy first: iterating an Arrow-backed column element by element is slow at 10^5 rows
    col = {name: (f[name].to_numpy(dtype=object).tolist() if name in f else [None] * len(ids)) for name in
           ("name_zh", "output", "evidence", "source")}
    return {
        "id": ids,
        "name": [str(x) for x in f["name"].to_numpy(dtype=object)],
        "name_zh": [_str(x) for x in col["name_zh"]],
        "role": [str(x) for x in f["role"].to_numpy(dtype=object)],
        "segments": [list(x) if isinstance(x, (list, tuple)) else [] for x in f["segments"].to_numpy(dtype=object)],
        "external": f["external"].to_numpy(dtype=bool).tolist(),
        "output": [_num(x) for x in col["output"]],
        "evidence": [_str(x) for x in col["evidence"]],
        "source": [_str(x) for x in col["source"]],
        "indeg": np.bincount(t, minlength=len(ids)).astype(int).tolist(),
        "outdeg": np.bincount(s, minlength=len(ids)).astype(int).tolist(),
        "pagerank": pr,
        "_links": (s.tolist(), t.tolist()),
    }


class _MapLayout(Layout):
    """The static chain layout; above :data:`ORDER_MAX` firms without the crossing-reduction sweeps.

    The sweeps (and the link mapping and external-firm placement they need) cost minutes at 10^5
    firms; the grid packing of large maps keeps the initial order instead: leaders, backbone firms,
    SMEs, each by output.
    """

    def __init__(self, *args: Any, fast: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fast = fast

    def _map_links(self) -> None:
        if not self.fast:
            super()._map_links()

    def _order(self) -> None:
        if not self.fast:
            super()._order()

    def _place_external(self, lane: Any, v_top: float) -> None:
        if not self.fast:
            super()._place_external(lane, v_top)


def _grid(items: list[int], x0: float, width: float, top: float, cell: float,
          pos: dict[int, tuple[float, float]]) -> float:
    """Place ``items`` row by row in cells of side ``cell`` from ``(x0, top)``; return the bottom."""
    cols = max(1, int(width / cell + 1e-9))
    for k, i in enumerate(items):
        r, c = divmod(k, cols)
        pos[i] = (x0 + (c + 0.5) * cell, top + (r + 0.5) * cell)
    return top + math.ceil(len(items) / cols) * cell


def chain_payload(cluster: Cluster, audit: Any, tpls: list[Any], *, seed: int = 0) -> dict[str, Any]:
    """Groups (one per lane), firm positions and flows of the chain map, in layout units (y down)."""
    lay = _MapLayout(cluster, audit, tpls, lang="en", vertical=False, threshold=10**9, seed=seed,
                     show_external=True, show_support=True, labels="none", fast=len(cluster.firms) > ORDER_MAX)
    lay.build()
    index = {fid: i for i, fid in enumerate(lay.fid)}
    names_zh = {(t.id, s): segment_label(row, "zh") for t in tpls for s, row in segment_info(t).items()}
    local: dict[int, list[int]] = {}
    ext: dict[int, list[int]] = {}
    firm_lane: dict[int, int] = {}
    for lane in lay.lanes:
        for it in lane.items:
            if it.kind == "firm" and index[it.firm] not in firm_lane:
                firm_lane[index[it.firm]] = lane.idx
                local.setdefault(lane.idx, []).append(index[it.firm])
        for it in lane.ext:
            if it.firm is not None and index[it.firm] not in firm_lane:
                firm_lane[index[it.firm]] = lane.idx
                ext.setdefault(lane.idx, []).append(index[it.firm])
    n_max = max((len(v) for v in local.values()), default=0)
    e_max = max((len(v) for v in ext.values()), default=0)
    pos: dict[int, tuple[float, float]] = {}
    size: dict[int, float] = {}
    bodies: dict[int, tuple[float, float]] = {}
    if n_max <= ONE_COLUMN_MAX and e_max <= ONE_COLUMN_MAX:
        # the static map's own coordinates
        for lane in lay.lanes:
            for it in [*lane.items, *lane.ext]:
                i = index.get(it.firm) if it.firm else None
                if i is not None and firm_lane.get(i) == lane.idx and i not in pos:
                    pos[i], size[i] = (it.u, it.v), it.r
        for band in lay.bands:
            bodies[band["band"]] = band["body"]
    else:
        # bands stacked: aim at a whole map about 1.6 times as wide as tall, like a screen
        n_lanes = max(sum(1 for ln in lay.lanes if ln.band == b["band"]) for b in lay.bands)
        height = max(2.0, 0.6 * n_lanes / len(lay.bands))
        cell = min(0.34, math.sqrt(_LOCAL_W * height / max(n_max, 1)))
        cell = _LOCAL_W / max(1, math.ceil(_LOCAL_W / cell - 1e-9))
        # external firms get smaller cells in their narrow strip, so they need no more rows than the local ones
        rows = max(1, math.ceil(n_max / round(_LOCAL_W / cell)))
        e_cell = min(cell, _EXT_W / max(1, math.ceil(e_max / rows)))
        top = 0.0
        for b in lay.bands:
            lanes = [ln for ln in lay.lanes if ln.band == b["band"]]
            bottom = top + 0.3
            for ln in lanes:
                x0 = ln.pos - LANE_W / 2 + 0.02
                end = _grid(local.get(ln.idx, []), x0, _LOCAL_W, top + 0.1, cell, pos)
                end_e = _grid(ext.get(ln.idx, []), x0 + _LOCAL_W + 0.02, _EXT_W, top + 0.1, e_cell, pos)
                bottom = max(bottom, end + 0.1, end_e + 0.1)
            bodies[b["band"]] = (top, bottom)
            top = bottom + 2.2  # room for the flows under this band and the headers of the next
        for i in pos:
            c = e_cell if lay.ext[i] else cell
            size[i] = c * (0.18 + 0.3 * min(1.0, float(lay.radius[i]) / R_MAX))
    groups = []
    for ln in lay.lanes:
        y0, y1 = bodies[ln.band]
        members = local.get(ln.idx, []) + ext.get(ln.idx, [])
        groups.append({
            "id": f"{ln.tid}:{ln.seg}", "template": ln.tid, "segment": ln.seg, "band": ln.band,
            "name": {"en": ln.name if ln.seg != "_support" else "Support: institutions and services",
                     "zh": names_zh.get((ln.tid, ln.seg), "支撑机构（科研、服务）")},
            "stage": ln.stage, "status": ln.status, "gap": ln.gap, "n_local": ln.n_local, "n_ext": ln.n_ext,
            "x0": ln.pos - LANE_W / 2, "x1": ln.pos + LANE_W / 2, "y0": y0, "y1": y1,
            "cx": float(ln.pos), "cy": (y0 + y1) / 2, "count": len(members),
            "output": sum(v for v in (_num(lay.output[i]) for i in members) if v is not None),
        })
    lane_of = {(g["template"], g["segment"]): k for k, g in enumerate(groups)}
    flows = []
    for r in audit.flows.to_dict("records"):
        t = str(r["template"])
        flows.append({"template": t, "from": str(r["from"]), "to": str(r["to"]), "status": str(r["status"]),
                      "a": lane_of.get((t, str(r["from"]))), "b": lane_of.get((t, str(r["to"])))})
    gaps = []
    for r in audit.gaps.to_dict("records"):
        t = str(r["template"])
        seg = r["segment"] if isinstance(r["segment"], str) else None
        gaps.append({"type": str(r["type"]), "id": str(r["id"]), "status": str(r["status"]),
                     "lane": lane_of.get((t, seg)) if seg else None,
                     "a": lane_of.get((t, r["from"])) if isinstance(r["from"], str) else None,
                     "b": lane_of.get((t, r["to"])) if isinstance(r["to"], str) else None,
                     "reason": {"en": _str(r["reason"]), "zh": _str(r["reason_zh"])}})
    n = len(lay.fid)
    return {"groups": groups, "flows": flows, "gaps": gaps,
            "group": [firm_lane.get(i, -1) for i in range(n)],
            "x": [round(pos[i][0], 4) if i in pos else None for i in range(n)],
            "y": [round(pos[i][1], 4) if i in pos else None for i in range(n)],
            "size": [round(size[i], 4) if i in size else None for i in range(n)]}


def network_payload(cluster: Cluster, *, seed: int = 0) -> dict[str, Any]:
    """Groups (one per community of local firms) and firm positions of the network map (y down).

    Communities are those of :func:`chainnet.analysis.structure.structure`; they are placed on a
    sunflower spiral by size (largest in the centre) and each community's firms on a sunflower
    disc, most connected first, so the picture is deterministic and fast at 10^5 firms.
    """
    from ..analysis.structure import structure

    sf = structure(cluster, seed=seed, null_models=0).firms
    index = {str(fid): i for i, fid in enumerate(cluster.firms["firm_id"])}
    comm: dict[int, list[int]] = {}
    deg = {str(f): int(d) for f, d in zip(sf["firm_id"], sf["degree"])} if "degree" in sf else {}
    for fid, c in zip(sf["firm_id"].astype(str), sf["community"]):
        comm.setdefault(int(c), []).append(index[fid])
    order = sorted(comm, key=lambda c: (-len(comm[c]), c))
    golden = math.pi * (3 - math.sqrt(5))
    pos: dict[int, tuple[float, float]] = {}
    groups = []
    radius = {c: 0.06 * math.sqrt(len(comm[c])) + 0.1 for c in order}
    placed: list[tuple[float, float, float]] = []
    for k, c in enumerate(order):
        r = radius[c]
        step = 0.0
        while True:  # next free spot on a spiral around the centre
            ang = k * golden + step
            dist = 0.0 if not placed else (max(p[2] for p in placed) * 0.5 + r) * (0.6 + step / 4)
            cx, cy = dist * math.cos(ang), dist * math.sin(ang)
            if all(math.hypot(cx - px, cy - py) >= pr + r + 0.05 for px, py, pr in placed):
                break
            step += 0.35
        placed.append((cx, cy, r))
        members = sorted(comm[c], key=lambda i: (-deg.get(str(cluster.firms["firm_id"].iat[i]), 0), i))
        for j, i in enumerate(members):
            rr = r * math.sqrt((j + 0.5) / len(members))
            pos[i] = (cx + rr * math.cos(j * golden), cy + rr * math.sin(j * golden))
        groups.append({"id": f"community:{c}", "name": {"en": f"community {c}", "zh": f"社区 {c}"},
                       "cx": cx, "cy": cy, "r": r, "count": len(members), "status": "present",
                       "output": 0.0})
    n = len(cluster.firms)
    gidx = {c: k for k, c in enumerate(order)}
    group = [-1] * n
    for c, members in comm.items():
        for i in members:
            group[i] = gidx[c]
    out = cluster.firms["output"].to_numpy(dtype=float) if "output" in cluster.firms else np.full(n, np.nan)
    roles = cluster.firms["role"].to_numpy(dtype=object)
    rad = st.output_radius(out, roles, 0.3, 1.0)
    cell = 0.1
    for i in range(n):
        if group[i] >= 0 and math.isfinite(out[i]):
            groups[group[i]]["output"] += float(out[i])
    return {"groups": groups, "flows": [], "gaps": [], "group": group,
            "x": [round(pos[i][0], 4) if i in pos else None for i in range(n)],
            "y": [round(pos[i][1], 4) if i in pos else None for i in range(n)],
            "size": [round(cell * 0.5 * float(rad[i]), 4) if i in pos else None for i in range(n)]}


def payload(cluster: Cluster, *, kind: str = "chain", lang: str = "en", audit: Any = None, seed: int = 0,
            aggregate_above: int = AGGREGATE_ABOVE) -> dict[str, Any]:
    """Everything the page needs, as a JSON-ready dict (see ``docs/interactive.md``)."""
    cols = firm_columns(cluster)
    src, tgt = cols.pop("_links")
    if kind == "chain":
        if audit is None:
            from ..analysis.completeness import audit as run_audit

            audit = run_audit(cluster, top=0)
        from .chainmap import _templates

        geo = chain_payload(cluster, audit, _templates(cluster, audit), seed=seed)
    else:
        geo = network_payload(cluster, seed=seed)
    drawn = sum(1 for x in geo["x"] if x is not None)
    meta = cluster.meta
    return {
        "kind": kind, "lang": lang, "links_known": bool(cluster.links_known),
        "title": {lg: st.cluster_title(meta, lg) for lg in st.LANGS},
        "words": _words(), "roles": st.ROLE_COLORS,
        "flow_styles": {k: {"color": c, "width": w, "dash": _dash(d)} for k, (c, w, d) in st.FLOW_STYLES.items()},
        "segment_styles": {k: c for k, (c, _) in st.SEGMENT_STYLES.items()},
        "stage_colors": st.STAGE_COLORS,
        "firms": {**cols, "group": geo["group"], "x": geo["x"], "y": geo["y"], "size": geo["size"]},
        "links": {"source": src, "target": tgt},
        "groups": geo["groups"], "flows": geo["flows"], "gaps": geo["gaps"],
        "drawn": drawn, "edge_size": round(0.12 * min((v for v in geo["size"] if v), default=0.05), 5), "aggregate": drawn > aggregate_above, "aggregate_above": aggregate_above,
    }


def _dash(style: Any) -> list[float]:
    if style == "solid":
        return []
    if style == "dashdot":
        return [6, 2.5, 1.5, 2.5]
    return [float(x) for x in style[1]]
