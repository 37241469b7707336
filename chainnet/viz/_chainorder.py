"""The chain map's barycentre sweeps and their link crossings, counted from ranks (issue 15).

:func:`sweep_band` orders the items of a band's lanes (Sugiyama et al. 1981): 4 rounds of a
sweep downstream then upstream, each lane sorted by the mean position of its items' neighbours
in the lanes already swept, keeping the order with the fewest crossings. Positions are updated
lane by lane as each lane is sorted (the values a full recomputation gives), and each item's
neighbours before and after its lane are listed once. :class:`Crossings` groups a band's links by pair of lanes once; each count after a sweep needs
only every item's rank in its lane. :func:`_discordant` counts the crossing pairs of one pair of
lanes with a table of counts (small lanes, many links) or pair by pair.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np


class Crossings:
    """Link crossings between the lanes of one band, counted again after each sweep.

    The band's links (no external ends, none within a lane) are grouped by pair of lanes, once;
    a count needs only each item's rank in its lane. Two links of a pair cross when their ends
    are in strictly opposite order in both lanes; a pair of lanes with fewer than 2 or more than
    3000 links is not counted.
    """

    def __init__(self, layout: Any, band_lanes: list[Any]):
        lanes, by_id = layout.lanes, layout.items_by_id
        inside = {ln.idx for ln in band_lanes}
        self.slot: dict[int, int] = {}
        for ln in band_lanes:
            for it in ln.items:
                self.slot[id(it)] = len(self.slot)
        self.rank = np.zeros(len(self.slot), dtype=np.int64)
        pairs: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for ka, kb in layout.edges:
            a, b = by_id[ka], by_id[kb]
            if a.kind == "ext" or b.kind == "ext" or a.lane not in inside or b.lane not in inside or a.lane == b.lane:
                continue
            if lanes[a.lane].pos > lanes[b.lane].pos:
                a, b = b, a
            pairs[(a.lane, b.lane)].append((self.slot[id(a)], self.slot[id(b)]))
        self.pairs = [(np.asarray(p, dtype=np.int64).T, len(lanes[la].items), len(lanes[lb].items))
                      for (la, lb), p in pairs.items() if 2 <= len(p) <= 3000]
        for ln in band_lanes:
            self.update(ln)

    def update(self, lane: Any) -> None:
        """Take the lane's current order."""
        self.rank[[self.slot[id(it)] for it in lane.items]] = np.arange(len(lane.items))

    def count(self) -> int:
        total = 0
        for ends, na, nb in self.pairs:
            total += _discordant(self.rank[ends[0]], self.rank[ends[1]], na, nb)
        return total


def _discordant(x: np.ndarray, y: np.ndarray, nx: int, ny: int) -> int:
    """Number of pairs of points in strictly opposite order in ``x`` and ``y`` (integer ranks
    below ``nx`` and ``ny``): by a table of counts when it is small, else pair by pair.

    >>> _discordant(np.array([0, 1, 2, 2]), np.array([2, 1, 0, 1]), 3, 3)
    4
    """
    n = len(x)
    if nx * ny <= n * n:
        table = np.zeros((nx, ny), dtype=np.int64)
        np.add.at(table, (x, y), 1)
        # below[a, b]: points with rank above a in x and below b in y
        below = np.zeros((nx + 1, ny + 1), dtype=np.int64)
        below[:-1, 1:] = np.cumsum(np.cumsum(table[::-1], axis=0)[::-1], axis=1)
        return int((table * below[1:, :-1]).sum())
    return int(((x[:, None] < x[None, :]) & (y[:, None] > y[None, :])).sum())


def sweep_band(layout: Any, band_lanes: list[Any], nb: dict[int, list[Any]]) -> None:
    """Order the items of one band's lanes (``band_lanes`` upstream to downstream) in place.

    ``nb``: every item's neighbours (linked items, and a firm's main node and its markers),
    by ``id`` of the item, in the layout's order.
    """
    where: dict[int, float] = {}
    for lane in band_lanes:
        _set_positions(lane, where)
    sides = _sides(layout.lanes, band_lanes, nb)
    cross = Crossings(layout, band_lanes)
    best = [list(ln.items) for ln in band_lanes]
    best_x = cross.count()
    for _ in range(4):
        for forward, sweep in ((True, band_lanes[1:]), (False, band_lanes[-2::-1])):
            for lane in sweep:
                _sort_lane(lane, sides[forward], where)
                cross.update(lane)
            x = cross.count()
            if x < best_x:
                best_x, best = x, [list(ln.items) for ln in band_lanes]
    for lane, items in zip(band_lanes, best):
        lane.items = items


def _sides(lanes: list[Any], band_lanes: list[Any], nb: dict[int, list[Any]]) -> dict[bool, dict[int, list[int]]]:
    """Per item of the band, the ids of its neighbours in lanes before (True) and after (False) its own."""
    out: dict[bool, dict[int, list[int]]] = {True: {}, False: {}}
    for lane in band_lanes:
        for it in lane.items:
            near = [o for o in nb.get(id(it), ()) if lanes[o.lane].band == lane.band]
            out[True][id(it)] = [id(o) for o in near if lanes[o.lane].pos < lane.pos]
            out[False][id(it)] = [id(o) for o in near if lanes[o.lane].pos > lane.pos]
    return out


def _sort_lane(lane: Any, side: dict[int, list[int]], where: dict[int, float]) -> None:
    """Sort a lane by the mean position of each item's neighbours on one side (ties: current order)."""
    keys = []
    for i, it in enumerate(lane.items):
        own = where[id(it)]
        ps = [where[k] for k in side[id(it)]]
        keys.append((sum(ps) / len(ps) if ps else own, own, i))
    order = sorted(range(len(lane.items)), key=keys.__getitem__)
    lane.items = [lane.items[i] for i in order]
    _set_positions(lane, where)


def _set_positions(lane: Any, where: dict[int, float]) -> None:
    """Position of every item along its lane, from 0 to 1: ``(i + 0.5) / n``."""
    n = len(lane.items)
    for i, it in enumerate(lane.items):
        where[id(it)] = (i + 0.5) / n
