"""The chain map's vectorised layout steps against plain per-firm and per-link references (issue 15).

The layout places firms per (segment set, external) pattern, keeps a log of placements instead of
a dict of lists per firm, codes candidate items with numpy and counts crossings from ranks grouped
per lane pair. Each step is checked here against the rule it implements, written out the slow,
obvious way: a dict of placements per firm id, every supply link resolved on its own, the
barycentre sweeps recomputing every position and counting crossings pair by pair.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from types import SimpleNamespace

import numpy as np
import pytest

import chainnet
from chainnet.analysis.completeness import audit as run_audit
from chainnet.generate import generate
from chainnet.viz._chainlayout import Layout
from chainnet.viz._chainlinks import placements
from chainnet.viz._chainorder import _discordant
from chainnet.viz._mapdata import _MapLayout
from chainnet.viz.chainmap import _templates


def _pairs_by_hand(x, y) -> int:
    return sum(1 for i, j in itertools.combinations(range(len(x)), 2) if (x[i] - x[j]) * (y[i] - y[j]) < 0)


def test_discordant_hand_case():
    # points (x, y): (0,2) (1,1) (2,0) (2,1); opposite order: 1-2, 1-3, 1-4, 2-3 (2-4 tie in y,
    # 3-4 tie in x)
    x, y = np.array([0, 1, 2, 2]), np.array([2, 1, 0, 1])
    assert _discordant(x, y, 3, 3) == 4
    assert _discordant(x, y, 50, 50) == 4  # the pair-by-pair branch


@pytest.mark.parametrize("n,nx,ny", [(60, 5, 7), (40, 30, 40), (200, 3, 200), (1, 4, 4), (0, 3, 3)])
def test_discordant_matches_pairs_by_hand(n, nx, ny):
    rng = np.random.default_rng(n + nx)
    x, y = rng.integers(0, nx, n), rng.integers(0, ny, n)
    assert _discordant(x, y, nx, ny) == _pairs_by_hand(x.tolist(), y.tolist())


def _members(layout) -> dict[str, list]:
    """The placements per firm id, as a dict filled placement by placement."""
    out: dict[str, list] = defaultdict(list)
    for entry, rows in layout.placed:
        for i in rows:
            out[layout.fid[i]].append(entry)
    return out


def test_placements_group_by_id_in_first_placement_order():
    items = [object() for _ in range(6)]
    fake = SimpleNamespace(
        fid=["a", "b", "c", "b", "d", "e"],  # row 3 repeats the id of row 1; "e" is never placed
        placed=[((0, items[0]), [2, 0]), ((1, items[1]), (1,)), ((2, items[2]), [3, 4, 2]),
                ((0, items[3]), (0,)), ((3, items[4]), [])])
    p = placements(fake)
    ref = _members(fake)
    assert p.key.tolist() == [0, 1, 2, 1, 4, 5]
    for i, fid in enumerate(fake.fid):
        k = p.key[i]
        got = p.multi.get(int(k)) or ([p.entries[p.single[k]]] if p.single[k] >= 0 else [])
        assert [(lane, id(it)) for lane, it in got] == [(lane, id(it)) for lane, it in ref.get(fid, [])]
    # firms drawn twice or more, in the order of their first placement: c, a, b
    assert [fake.fid[k] for k in p.multi] == ["c", "a", "b"]
    assert p.count.tolist() == [2, 2, 2, 0, 1, 0]


def _layout(cluster, cls=Layout, **kw):
    a = run_audit(cluster, top=0)
    opts = {"lang": "en", "vertical": False, "threshold": 25, "seed": 0, "show_external": True,
            "show_support": True, "labels": "auto"}
    opts.update(kw)
    lay = cls(cluster, a, _templates(cluster, a), **opts)
    lay.build()
    return lay


def _edges_by_rule(layout) -> list[tuple[int, int, float]]:
    """Every supply link resolved on its own (the rule of ``map_links``), aggregated in link order."""
    lanes, members = layout.lanes, _members(layout)
    links = layout.cluster.links
    links = links[links["kind"] == "supply"]
    named = {c: links[c].tolist() if c in links else [None] * len(links) for c in ("segment_from", "segment_to")}
    agg: dict[tuple[int, int], float] = {}
    for s, t, sf, st in zip(links["source"].tolist(), links["target"].tolist(), named["segment_from"],
                            named["segment_to"]):
        a, b = members.get(str(s)), members.get(str(t))
        if not a or not b:
            continue
        if isinstance(sf, str) and any(lanes[la].seg == sf for la, _ in a):
            a = [(la, it) for la, it in a if lanes[la].seg == sf]
        if isinstance(st, str) and any(lanes[lb].seg == st for lb, _ in b):
            b = [(lb, it) for lb, it in b if lanes[lb].seg == st]
        _, ia, ib = min(((lanes[la].band != lanes[lb].band, lanes[lb].pos < lanes[la].pos,
                          abs(lanes[lb].pos - lanes[la].pos), la, lb), n_a, n_b)
                        for n_a, (la, _) in enumerate(a) for n_b, (lb, _) in enumerate(b))
        ia, ib = a[ia][1], b[ib][1]
        if ia is ib:
            continue
        agg[(id(ia), id(ib))] = agg.get((id(ia), id(ib)), 0.0) + 1.0
    return [(ka, kb, n) for (ka, kb), n in agg.items()]


@pytest.fixture(scope="module")
def generated():
    return generate("copper", firms=2000, leaders=12, seed=3).cluster


CASES = ["ningbo_materials", "yantai_structural", "shenzhen_battery", "tongling_copper"]


@pytest.mark.parametrize("name", CASES)
def test_links_follow_the_rule_link_by_link(name):
    lay = _layout(chainnet.load_dataset(name))
    assert lay.edges, name
    assert [(a, b, n[0]) for (a, b), n in lay.edges.items()] == _edges_by_rule(lay)


def test_links_follow_the_rule_in_the_aggregate_view(generated):
    lay = _layout(generated, aggregate=True, top_per_lane=3)
    assert len(lay.edges) > 20
    assert [(a, b, n[0]) for (a, b), n in lay.edges.items()] == _edges_by_rule(lay)


# -- the barycentre sweeps, recomputing everything at every step -----------------------------------
def _positions(lay) -> dict[int, float]:
    return {id(it): (i + 0.5) / len(ln.items) for ln in lay.lanes for i, it in enumerate(ln.items)}


def _crossings(lay, band_lanes) -> int:
    where, lanes = _positions(lay), lay.lanes
    inside = {ln.idx for ln in band_lanes}
    pairs = defaultdict(list)
    for ka, kb in lay.edges:
        a, b = lay.items_by_id[ka], lay.items_by_id[kb]
        if a.kind == "ext" or b.kind == "ext" or a.lane not in inside or b.lane not in inside or a.lane == b.lane:
            continue
        if lanes[a.lane].pos > lanes[b.lane].pos:
            a, b = b, a
        pairs[(a.lane, b.lane)].append((where[id(a)], where[id(b)]))
    total = 0
    for pts in pairs.values():
        if 2 <= len(pts) <= 3000:  # every pair of links, by the signs of their differences
            x, y = np.asarray(pts).T
            total += int(np.triu(np.sign(x[:, None] - x[None, :]) * np.sign(y[:, None] - y[None, :]) < 0).sum())
    return total


def _sort_lane(lay, lane, nb, forward) -> None:
    lanes, where = lay.lanes, _positions(lay)
    keys = []
    for i, it in enumerate(lane.items):
        own = where[id(it)]
        ps = [where[id(o)] for o in nb.get(id(it), ()) if lanes[o.lane].band == lane.band
              and ((lanes[o.lane].pos < lane.pos) if forward else (lanes[o.lane].pos > lane.pos))]
        keys.append((sum(ps) / len(ps) if ps else own, own, i))
    lane.items = [lane.items[i] for i in sorted(range(len(lane.items)), key=keys.__getitem__)]


def _order_by_hand(lay) -> None:
    nb = lay._neighbours()
    by_band = defaultdict(list)
    for lane in lay.lanes:
        by_band[lane.band].append(lane)
    for band_lanes in by_band.values():
        band_lanes.sort(key=lambda ln: ln.pos)
        best, best_x = [list(ln.items) for ln in band_lanes], _crossings(lay, band_lanes)
        for _ in range(4):
            for forward, sweep in ((True, band_lanes[1:]), (False, band_lanes[-2::-1])):
                for lane in sweep:
                    _sort_lane(lay, lane, nb, forward)
                x = _crossings(lay, band_lanes)
                if x < best_x:
                    best_x, best = x, [list(ln.items) for ln in band_lanes]
        for lane, items in zip(band_lanes, best):
            lane.items = items


def _lane_orders(lay) -> list[list[tuple]]:
    return [[(it.kind, it.firm, it.role, it.count) for it in ln.items] for ln in lay.lanes]


@pytest.mark.parametrize("name", CASES)
def test_sweeps_give_the_order_of_a_full_recomputation(name, monkeypatch):
    c = chainnet.load_dataset(name)
    fast = _layout(c)
    monkeypatch.setattr(Layout, "_order", _order_by_hand)
    slow = _layout(c)
    assert _lane_orders(fast) == _lane_orders(slow)


def test_sweeps_of_the_interactive_layout(generated, monkeypatch):
    # one column per lane of up to ~400 firms: long lanes, thousands of links between them
    kw = {"cls": _MapLayout, "threshold": 10**9, "labels": "none", "fast": False}
    fast = _layout(generated, **kw)
    monkeypatch.setattr(Layout, "_order", _order_by_hand)
    slow = _layout(generated, **kw)
    assert _lane_orders(fast) == _lane_orders(slow)
    assert sum(len(ln.items) for ln in fast.lanes) > 1500
