"""Layout of the chain map: lanes per template segment, firms placed and ordered along them.

Coordinates are layout units: ``u`` runs across lanes (one unit per lane, upstream to
downstream), ``v`` along a lane; :mod:`chainnet.viz.chainmap` maps them to the page for either
orientation and draws.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..model import Cluster
from ..template import Template
from . import _style as st
from ._chainlinks import map_links, placements
from ._chainorder import sweep_band

ORIENTATIONS = ("horizontal", "vertical")
LABEL_MODES = ("auto", "leaders", "all", "none")
#: Inches per layout unit (one lane pitch) when chain_map makes its own figure.
INCH = 0.8
PT = INCH * 72.0
LANE_W = 0.9
R_MIN, R_MAX, R_EXT = 0.055, 0.25, 0.04
GAP = 0.05
HEADER_PT = 7.0
LABEL_PT = 6.3
#: Label every firm when a chain map draws at most this many firms individually (labels="auto").
AUTO_LABEL_ALL = 40
_COLLAPSE_ORDER = ("sme", "service", "institution", "backbone")
_ROLE_RANK = {"leader": 0, "backbone": 1, "institution": 2, "service": 3, "sme": 4}
_SUPPORT = "_support"


@dataclass(eq=False)
class Item:
    kind: str                 # firm | also | bubble | ext
    lane: int
    role: str
    r: float
    firm: str | None = None
    count: int = 1
    output: float = float("nan")
    label: list[str] = field(default_factory=list)
    u: float = 0.0            # across the lane (lane centre + offset)
    v: float = 0.0            # along the lane


@dataclass(eq=False)
class Lane:
    idx: int
    band: int
    pos: int
    tid: str
    seg: str
    name: str
    stage: str
    status: str
    n_local: int = 0
    n_ext: int = 0
    gap: str | None = None
    external_supply: bool = False
    items: list[Item] = field(default_factory=list)
    ext: list[Item] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    header_pt: float = 7.0


class Layout:
    """Lanes, items and their coordinates in layout units (u across lanes, v along them)."""

    def __init__(self, cluster: Cluster, audit: Any, tpls: list[Template], *, lang: str, vertical: bool,
                 threshold: int, seed: int, show_external: bool, show_support: bool, labels: str,
                 aggregate: bool = False, top_per_lane: int = 3):
        self.cluster, self.audit, self.tpls = cluster, audit, tpls
        #: aggregate view (large clusters): top firms per lane, every other firm in "+K more" bubbles
        self.aggregate, self.top_per_lane = aggregate, top_per_lane
        self.lang, self.vertical, self.threshold = lang, vertical, threshold
        self.rng = np.random.default_rng(seed)
        self.show_external, self.show_support, self.labels = show_external, show_support, labels
        self.lanes: list[Lane] = []
        #: every placement in order: (lane index, item) and the rows of the firms it draws
        self.placed: list[tuple[tuple[int, Item], Any]] = []
        self.edges: dict[tuple[int, int], list[float]] = {}
        self.items_by_id: dict[int, Item] = {}
        self.connectors: list[tuple[Item, Item]] = []
        self.bands: list[dict[str, Any]] = []

    # firms ------------------------------------------------------------------------------
    def build(self) -> None:
        f = self.cluster.firms
        # tolist() first: iterating an Arrow string column element by element is ~10x slower
        self.fid = [str(x) for x in f["firm_id"].tolist()]
        self.role = [str(x) for x in f["role"].tolist()]
        self.ext = f["external"].to_numpy(dtype=bool)
        self.segs = [tuple(s) if isinstance(s, (list, tuple)) else () for s in f["segments"].tolist()]
        out = f["output"].to_numpy(dtype=float) if "output" in f else np.full(len(f), np.nan)
        self.output = out
        # sizes are relative to local firms: an external giant must not shrink the cluster's own firms
        local = ~self.ext
        self.radius = np.full(len(f), R_EXT)
        self.radius[local] = st.output_radius(out[local], np.asarray(self.role, dtype=object)[local], R_MIN, R_MAX)
        self.names = st.firm_names(f, self.lang)
        self._make_lanes()
        self._place_members()
        self._map_links()
        self._order()
        self._pack()

    def _radius(self, i: int) -> float:
        return float(self.radius[i])

    def _make_lanes(self) -> None:
        a = self.audit
        seg_rows = {(r.template, r.segment): r for r in a.segments.itertuples(index=False)}
        gaps = {(r.template, r.segment): r.type for r in a.gaps.itertuples(index=False)
                if r.type in ("fill", "extend")}
        for b, t in enumerate(self.tpls):
            info = segment_info(t)
            for pos, s in enumerate(t.order):
                row = seg_rows.get((t.id, s))
                lane = Lane(idx=len(self.lanes), band=b, pos=pos, tid=t.id, seg=s,
                             name=segment_label(info[s], self.lang), stage=info[s]["stage"],
                             status=row.status if row is not None else "missing",
                             n_local=int(row.firms) if row is not None else 0,
                             n_ext=int(row.external_firms) if row is not None else 0,
                             gap=gaps.get((t.id, s)), external_supply=bool(row.external_supply) if row is not None
                             else False)
                self.lanes.append(lane)
        self.lane_of = {(ln.tid, ln.seg): ln for ln in self.lanes}
        self.rank = [{s: i for i, s in enumerate(t.order)} for t in self.tpls]

    def _place_members(self) -> None:
        prim: dict[int, list[int]] = {}
        also: dict[int, list[int]] = {}
        ext: dict[int, list[int]] = {}
        support = self._place_patterns(prim, also, ext)
        if support:
            lane = Lane(idx=len(self.lanes), band=0, pos=len(self.tpls[0].order), tid=self.tpls[0].id,
                         seg=_SUPPORT, name=_SUPPORT_WORD[self.lang], stage="support", status="support",
                         n_local=len(support))
            self.lanes.append(lane)
            prim[lane.idx] = support
        individual = sum(len(v) for v in prim.values())
        self.label_all = self.labels == "all" or (self.labels == "auto" and individual <= AUTO_LABEL_ALL)
        if self.aggregate:  # the few firms drawn one by one are the largest: they are named
            self.label_all = self.labels in ("all", "auto")
        fill = self._fill_lane_top if self.aggregate else self._fill_lane
        for lane in self.lanes:
            fill(lane, prim.get(lane.idx, []), also.get(lane.idx, []), ext.get(lane.idx, []))

    def _place_patterns(self, prim: dict[int, list[int]], also: dict[int, list[int]],
                        ext: dict[int, list[int]]) -> list[int]:
        """Fill the lanes' primary, extra-segment and external firm lists (each in firm order) and
        return the support firms. Firms share a few (segment set, external) patterns (10^5 firms,
        ~100 patterns): each pattern is placed once, its firms added to its lanes together."""
        set_code, uniq_sets = pd.factorize(pd.Series(self.segs, dtype=object))
        pat, code = np.unique(set_code * 2 + self.ext.astype(np.int64), return_inverse=True)
        code = code.reshape(-1)
        patterns = {(uniq_sets[int(p) // 2], bool(p % 2)): k for k, p in enumerate(pat.tolist())}
        by_pat = np.argsort(code, kind="stable")
        bounds = np.cumsum(np.bincount(code, minlength=len(patterns)))
        prim_parts: dict[int, list[np.ndarray]] = defaultdict(list)
        also_parts: dict[int, list[np.ndarray]] = defaultdict(list)
        ext_parts: dict[int, list[np.ndarray]] = defaultdict(list)
        support_parts: list[np.ndarray] = []
        for (segs, is_ext), k in patterns.items():
            firms = by_pat[(bounds[k - 1] if k else 0):bounds[k]]
            placed = False
            for b, t in enumerate(self.tpls):
                mine = sorted((s for s in set(segs) if s in self.rank[b]), key=self.rank[b].__getitem__)
                if not mine:
                    continue
                placed = True
                if is_ext:
                    if self.show_external:
                        ext_parts[self.lane_of[(t.id, mine[0])].idx].append(firms)
                    continue
                prim_parts[self.lane_of[(t.id, mine[0])].idx].append(firms)
                for s in mine[1:]:
                    also_parts[self.lane_of[(t.id, s)].idx].append(firms)
            if not placed and not is_ext and self.show_support:
                support_parts.append(firms)
        # a firm is in a lane's list at most once, so firm order is index order
        for parts, out in ((prim_parts, prim), (also_parts, also), (ext_parts, ext)):
            for lane, arrs in parts.items():
                out[lane] = np.sort(np.concatenate(arrs)).tolist()
        return np.sort(np.concatenate(support_parts)).tolist() if support_parts else []

    def _fill_lane(self, lane: Lane, prim: list[int], also: list[int], ext: list[int]) -> None:
        members = [(i, "firm") for i in prim] + [(i, "also") for i in also]
        collapsed: dict[str, list[int]] = {}
        for role in _COLLAPSE_ORDER:
            if len(members) + len(collapsed) <= self.threshold:
                break
            group = [i for i, _ in members if self.role[i] == role]
            if group:
                collapsed[role] = group
                members = [(i, k) for i, k in members if self.role[i] != role]
        rnd = self.rng.random(len(self.fid))
        members.sort(key=lambda m: (m[1] == "also", _ROLE_RANK.get(self.role[m[0]], 5),
                                    -np.nan_to_num(self.output[m[0]], nan=-1.0), rnd[m[0]]))
        for i, kind in members:
            labelled = kind == "firm" and (self.label_all or self.role[i] == "leader") and self.labels != "none"
            self._add_firm(lane, i, kind=kind, labelled=labelled)
        for role, group in collapsed.items():
            self._add_bubble(lane, role, group, more=False)
        self._close_lane(lane, ext)

    def _fill_lane_top(self, lane: Lane, prim: list[int], also: list[int], ext: list[int]) -> None:
        """Aggregate view: the lane's ``top_per_lane`` firms one by one (leaders, then backbone
        firms ..., each by output), and every other firm of the segment (those drawn in another
        lane too) in one "+K more" bubble per role, so the lane's counts add up to its header."""
        rnd = self.rng.random(len(self.fid))
        p = np.asarray(prim, dtype=np.int64)
        rank = self._role_rank()[p]
        order = p[np.lexsort((rnd[p], -np.nan_to_num(self.output[p], nan=-1.0), rank))]
        for i in (int(x) for x in order[:self.top_per_lane]):
            self._add_firm(lane, i, kind="firm", labelled=self.label_all)
        rest = np.concatenate([order[self.top_per_lane:], np.asarray(also, dtype=np.int64)])
        codes, names = self._role_codes()
        rest_codes = codes[rest]
        present = {names[k]: k for k in np.unique(rest_codes).tolist()}
        for role in sorted(present, key=lambda r: (_ROLE_RANK.get(r, 5), r)):
            self._add_bubble(lane, role, rest[rest_codes == present[role]], more=True)
        self._close_lane(lane, ext)

    def _role_rank(self) -> np.ndarray:
        """Every firm's role rank (leader 0 ... sme 4, other roles 5), computed once."""
        if getattr(self, "_rank_cache", None) is None:
            codes, roles = self._role_codes()
            self._rank_cache = np.array([_ROLE_RANK.get(r, 5) for r in roles], dtype=np.int64)[codes]
        return self._rank_cache

    def _role_codes(self) -> tuple[np.ndarray, list[str]]:
        """Every firm's role as a code into a list of the roles (made once)."""
        if getattr(self, "_roles_cache", None) is None:
            codes, roles = pd.factorize(np.asarray(self.role, dtype=object))
            self._roles_cache = (codes, roles.tolist())
        return self._roles_cache

    def _add_firm(self, lane: Lane, i: int, *, kind: str, labelled: bool) -> None:
        """Firm ``i`` drawn one by one in ``lane``: its own segment (``firm``) or another (``also``, smaller)."""
        r = self._radius(i)
        item = Item(kind=kind, lane=lane.idx, role=self.role[i], r=r if kind == "firm" else max(0.045, 0.6 * r),
                    firm=self.fid[i], output=self.output[i])
        if labelled:
            item.label = self._wrap_label(self.names[i], lane)
        lane.items.append(item)
        self.placed.append(((lane.idx, item), (i,)))

    def _add_bubble(self, lane: Lane, role: str, group: Any, *, more: bool) -> None:
        """The firms ``group`` of one role in ``lane`` as one counted bubble ("+K more" when ``more``)."""
        item = Item(kind="bubble", lane=lane.idx, role=role, r=min(0.3, 0.09 + 0.016 * math.sqrt(len(group))),
                    count=len(group))
        item.label = self._count_lines(len(group), role, lane, more=more)
        lane.items.append(item)
        self.placed.append(((lane.idx, item), group))

    def _close_lane(self, lane: Lane, ext: list[int]) -> None:
        """The lane's external firms, then every item of the lane indexed."""
        self._fill_external(lane, ext)
        for item in lane.items:
            self.items_by_id[id(item)] = item

    def _fill_external(self, lane: Lane, ext: list[int]) -> None:
        """External firms of the lane: a dot each, or one counted bubble above the collapse threshold."""
        if len(ext) > self.threshold:
            item = Item(kind="ext", lane=lane.idx, role="external", r=0.11, count=len(ext))
            item.label = self._count_lines(len(ext), "external", lane, width=0.4 * PT)
            lane.ext.append(item)
            self.placed.append(((lane.idx, item), ext))
        else:
            for i in ext:
                item = Item(kind="ext", lane=lane.idx, role="external", r=R_EXT, firm=self.fid[i])
                lane.ext.append(item)
                self.placed.append(((lane.idx, item), (i,)))

    def _count_lines(self, n: int, role: str, lane: Lane, *, width: float | None = None,
                     more: bool = False) -> list[str]:
        """'+183 SMEs' on one line, or split after the count when the lane (or ``width``) is too narrow;
        ``more``: '+183 more SMEs' (the aggregate view, where the lane's top firms are drawn too)."""
        text = count_label(n, role, self.lang, more=more)
        if width is None:
            width = 1.15 * PT if self.vertical else (LANE_W - 0.2) * PT
        if st.text_width(text, LABEL_PT) <= width:
            return [text]
        head, tail = (text.split("家", 1) if self.lang == "zh" else text.split(" ", 1))
        if more and self.lang != "zh":  # '+183 more' / 'SMEs' rather than '+183' / 'more SMEs'
            head, tail = f"{head} {tail.split(' ', 1)[0]}", tail.split(" ", 1)[1]
        return [head + ("家" if self.lang == "zh" else ""), tail]

    def _wrap_label(self, text: str, lane: Lane) -> list[str]:
        width = (LANE_W - (0.2 if self.show_external and not self.vertical else 0.04)) * PT
        if self.vertical:
            width = 1.15 * PT
        return st.wrap(text, width, LABEL_PT, max_lines=5)

    # links ------------------------------------------------------------------------------
    def _map_links(self) -> None:
        lanes = self.lanes
        placed = placements(self)
        self.edges = map_links(self, placed)
        # a firm's extra-segment markers are tied to its main node
        for entries in placed.multi.values():
            main = [it for _, it in entries if it.kind == "firm"]
            for _, it in entries:
                if it.kind == "also" and main:
                    same_band = [m for m in main if lanes[m.lane].band == lanes[it.lane].band]
                    if same_band:
                        self.connectors.append((same_band[0], it))

    # order ------------------------------------------------------------------------------
    def _neighbours(self) -> dict[int, list[Item]]:
        nb: dict[int, list[Item]] = defaultdict(list)
        for ka, kb in self.edges:
            a, b = self.items_by_id[ka], self.items_by_id[kb]
            if a.kind == "ext" or b.kind == "ext":
                continue
            nb[ka].append(b)
            nb[kb].append(a)
        for a, b in self.connectors:
            nb[id(a)].append(b)
            nb[id(b)].append(a)
        return nb

    def _order(self) -> None:
        """Barycentre sweeps per band (see :func:`chainnet.viz._chainorder.sweep_band`)."""
        nb = self._neighbours()
        by_band: dict[int, list[Lane]] = defaultdict(list)
        for lane in self.lanes:
            by_band[lane.band].append(lane)
        for band_lanes in by_band.values():
            band_lanes.sort(key=lambda ln: ln.pos)
            sweep_band(self, band_lanes, nb)

    # coordinates ------------------------------------------------------------------------
    def _extent(self, it: Item) -> float:
        """Room an item takes along its lane."""
        if self.vertical:
            lab = max((st.text_width(t, LABEL_PT) for t in it.label), default=0.0) / PT
            return max(2 * it.r, lab + 0.04) + GAP
        lab = len(it.label) * LABEL_PT * 1.22 / PT + (0.03 if it.label else 0.0)
        return 2 * it.r + lab + GAP

    def _header_lines(self, lane: Lane) -> tuple[list[str], float]:
        """The lane's name in lines that break between words only (a smaller font before a split word)."""
        if self.vertical:
            return st.wrap_words(lane.name, HEADER_W_VERTICAL * PT - 6, HEADER_PT, max_lines=2)
        return st.wrap_words(lane.name, LANE_W * PT - 3, HEADER_PT, max_lines=6)

    def _pack(self) -> None:
        v0 = 0.0
        for b, t in enumerate(self.tpls):
            lanes = [ln for ln in self.lanes if ln.band == b]
            band: dict[str, Any] = {"band": b, "template": t, "lanes": lanes, "start": v0}
            v = v0 + (0.32 if len(self.tpls) > 1 else 0.0)
            band["stage"] = v
            v += 0.22 + 0.06
            for ln in lanes:
                ln.header, ln.header_pt = self._header_lines(ln)
            if self.vertical:
                head = HEADER_W_VERTICAL
            else:
                # the count line under the name takes two lines when the firm and external counts
                # do not fit the lane side by side (large clusters)
                two = any(st.text_width(f"{ln.n_local:,} firms · weak +{ln.n_ext:,} ext.", HEADER_PT - 0.8)
                          > LANE_W * PT - 4 for ln in lanes if ln.n_ext and self.show_external)
                n_lines = max(len(ln.header) for ln in lanes) + (2 if two else 1)
                head = n_lines * HEADER_PT * 1.25 / PT + 0.12
            band["header"] = (v, v + head)
            v += head + 0.1
            ext_room = max((len(ln.ext) * (2 * R_EXT + 0.04) if not any(e.count > 1 for e in ln.ext) else 0.5
                            for ln in lanes), default=0.0)
            lengths = {ln.idx: sum(self._extent(it) for it in ln.items) for ln in lanes}
            # aggregate view: the counted external bubble keeps the top of every lane to itself,
            # so that it never covers a lane's first (largest) firm
            lead = ext_room if self.aggregate and any(e.count > 1 for ln in lanes for e in ln.ext) else 0.0
            body = max([1.3, ext_room + 0.2, *(x + lead for x in lengths.values())]) + 0.2
            band["body"] = (v, v + body)
            for ln in lanes:
                cur = v + 0.1 + lead + (body - 0.2 - lead - lengths[ln.idx]) / 2
                for it in ln.items:
                    e = self._extent(it)
                    it.u = float(ln.pos)
                    if self.vertical:
                        it.v = cur + e / 2
                    else:
                        it.v = cur + it.r + GAP / 2
                    cur += e
                self._place_external(ln, v + 0.12)
            v += body
            band["tracks"] = self._tracks(b)
            depth = (max(band["tracks"].values(), default=0) + 1) * TRACK + 0.16
            band["flows"] = (v, v + depth)
            v += depth
            band["end"] = v
            self.bands.append(band)
            v += 0.45
            v0 = v

    def _place_external(self, lane: Lane, v_top: float) -> None:
        if not lane.ext:
            return
        where = {}
        for ka, kb in self.edges:
            a, b = self.items_by_id[ka], self.items_by_id[kb]
            if a.kind == "ext" and b.kind != "ext":
                where.setdefault(id(a), []).append(b.v)
            elif b.kind == "ext" and a.kind != "ext":
                where.setdefault(id(b), []).append(a.v)
        lane.ext.sort(key=lambda it: (np.mean(where[id(it)]) if id(it) in where else math.inf, it.firm or ""))
        cur = v_top
        for it in lane.ext:
            it.u = lane.pos + (0.3 if it.count > 1 else 0.37)
            it.v = cur + it.r
            cur += 2 * it.r + 0.04

    def _tracks(self, band: int) -> dict[tuple[str, str], int]:
        """A track (row under the lanes) per template flow: flows whose spans overlap get different
        tracks, shorter flows nearer the lanes, so every flow can be followed from end to end."""
        spans = []
        for r in self._flows(band):
            a, b = self.lanes_by(band, r.from_).pos, self.lanes_by(band, r.to).pos
            spans.append((min(a, b), max(a, b), r.from_, r.to))
        spans.sort(key=lambda x: (x[1] - x[0], x[0], x[2], x[3]))
        used: list[list[tuple[int, int]]] = []
        out = {}
        for lo, hi, a, b in spans:
            k = next((k for k, row in enumerate(used) if all(hi < x0 or lo > x1 for x0, x1 in row)), len(used))
            if k == len(used):
                used.append([])
            used[k].append((lo, hi))
            out[(a, b)] = k
        return out

    def lanes_by(self, band: int, seg: str) -> Lane:
        return self.lane_of[(self.tpls[band].id, seg)]

    def _flows(self, band: int) -> list[Any]:
        f = self.audit.flows
        f = f[f["template"] == self.tpls[band].id].rename(columns={"from": "from_"})
        return list(f.itertuples(index=False))


def segment_info(t: Template) -> dict[str, dict[str, Any]]:
    """A template's segment rows by id (the first row of an id, as :meth:`Template.label` reads)."""
    out: dict[str, dict[str, Any]] = {}
    for r in t.segments.to_dict("records"):
        out.setdefault(r["id"], r)
    return out


def segment_label(row: dict[str, Any], lang: str) -> str:
    """A segment's display name in ``lang``, as :meth:`chainnet.template.Template.label` gives it."""
    if lang == "zh" and isinstance(row["name_zh"], str):
        return row["name_zh"]
    return row["name"]


HEADER_W_VERTICAL = 2.0
#: Layout units between two tracks of template flows under the lanes.
TRACK = 0.11
_SUPPORT_WORD = {"en": "Support: institutions and services", "zh": "支撑机构（科研、服务）"}


def count_label(n: int, role: str, lang: str, *, more: bool = False) -> str:
    """The count of a collapsed bubble: '+183 SMEs', or with ``more`` '+183 more SMEs'.

    >>> count_label(1234, "sme", "en", more=True), count_label(1, "leader", "en", more=True)
    ('+1,234 more SMEs', '+1 more leader')
    """
    if lang == "zh":
        return f"{'另有' if more else '+'}{n:,}家{st.WORDS['zh'][role + '_pl']}"
    if more:
        return f"+{n:,} more {_ONE[role] if n == 1 and role in _ONE else st.WORDS['en'][role + '_pl']}"
    return f"+{n:,} {st.WORDS['en'][role + '_pl']}"


#: One firm of a role, in English ('+1 more leader').
_ONE = {"leader": "leader", "backbone": "backbone firm", "sme": "SME", "institution": "institution",
        "service": "service"}
