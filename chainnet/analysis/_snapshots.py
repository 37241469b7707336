"""Year snapshots of one cluster, shared by the analyses of one report and built from integer codes.

``analyze`` follows a cluster over two overlapping sets of years: the life cycle (the last seven
years) and the report's timeline (up to twelve years, the last always included). Each snapshot
used to be cut with string look-ups (``Cluster.snapshot``) and then re-encoded from scratch by
the supply graph (:func:`chainnet.analysis._sparse.supply_graph`) and the completeness arrays
(:func:`chainnet.analysis._chain.cluster_arrays`), about a second per year at 10^5 firms.

Inside :func:`shared` the snapshots of one cluster are

- cut once per year and reused by every analysis that asks for that year;
- cut by integer row codes of each link's ends (one string look-up per cluster, not per year);
- given their supply graph and completeness arrays derived from the whole cluster's (a filter
  and a renumbering), the same arrays a rebuild gives, so every figure is unchanged;
- the cluster itself when the year drops no firm and no link and the cluster's ``year`` is that
  year (then the graph and encodings already built for ``leaders`` and ``audit`` are reused).

A snapshot has the same content as :meth:`chainnet.Cluster.snapshot`. Treat it as read-only,
like the cluster (the caches of the graph and the arrays check the content anyway).

A snapshot of a large cluster is large (about 1 GB at 10^6 firms with its graph and arrays), so
the scope does not keep every year for the rest of the report. An analysis takes one year at a
time and calls :meth:`Snapshots.done` when it has finished with it: the scope lets that snapshot
go. Figures a later analysis will ask of the same year are announced with
:meth:`Snapshots.later`; ``done`` computes them from the snapshot at hand before letting it go,
and :meth:`Snapshots.figures` hands them over later without cutting the year again.

>>> import chainnet
>>> c = chainnet.load_dataset("demo_copper")
>>> with shared(c) as snaps:
...     s = snaps.get(2010)
...     s is snaps.get(2010), len(s.firms), len(s.links) == len(c.snapshot(2010).links)
(True, 6, True)
>>> def firm_count(snapshot):
...     return len(snapshot.firms)
>>> with shared(c) as snaps:
...     snaps.later([2010], firm_count)  # a later analysis will want the firm count of 2010
...     links = len(snaps.get(2010).links)  # an earlier one works on the snapshot of 2010 ...
...     snaps.done(2010)  # ... and is done with it: the count is taken now, the snapshot let go
...     snaps.figures(2010, firm_count), 2010 in snaps.held()
(6, False)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..model import Cluster

_ACTIVE: ContextVar[Snapshots | None] = ContextVar("chainnet_snapshots", default=None)


class Snapshots:
    """The snapshots of one cluster, cut once per year (see the module docstring)."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self._years: dict[int, Cluster] = {}
        self._ends: tuple[np.ndarray, np.ndarray] | None = None
        self._present: dict[int, np.ndarray] = {}
        self._arrays: dict | None = None  # the cluster's cached completeness encodings, by vocabulary
        self._later: dict[int, list[Callable[[Cluster], Any]]] = {}  # year -> figures announced for it
        self._figures: dict[tuple[int, Callable[[Cluster], Any]], Any] = {}  # (year, function) -> its value

    def get(self, year: int) -> Cluster:
        """The cluster as it stood in ``year`` (the content of ``Cluster.snapshot(year)``), kept
        by the scope until :meth:`done` (or the end of the scope)."""
        if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
            return self.cluster.snapshot(year)  # its error message
        y = int(year)
        hit = self._years.get(y)
        if hit is None:
            hit = self._years[y] = self._cut(y)
        return hit

    def present(self, year: int) -> np.ndarray | None:
        """Boolean mask over ``cluster.firms``: the firms of the snapshot of ``year`` (None when
        that snapshot is cut by ``Cluster.snapshot``, e.g. for duplicate firm ids). The mask
        alone: it cuts no snapshot."""
        if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
            return self.cluster.snapshot(year)  # its error message
        y = int(year)
        if y not in self._present:
            try:
                self.ends()
            except ValueError:
                return None
            self._present[y] = self._firm_mask(y)
        return self._present[y]

    def later(self, years: Iterable[int], fn: Callable[[Cluster], Any]) -> None:
        """Announce that a later analysis will ask for ``fn(snapshot)`` of each of ``years``
        (through :meth:`figures`): an analysis done with one of those snapshots before then
        computes it while the snapshot is at hand (:meth:`done`), so the scope need not keep it."""
        for y in years:
            wanted = self._later.setdefault(int(y), [])
            if fn not in wanted:
                wanted.append(fn)

    def figures(self, year: int, fn: Callable[[Cluster], Any]) -> Any:
        """``fn`` of the snapshot of ``year``, computed once in the scope (taken from the snapshot
        when an earlier analysis was :meth:`done` with it, if announced by :meth:`later`)."""
        key = (int(year), fn)
        if key not in self._figures:
            self._figures[key] = fn(self.get(year))
        return self._figures[key]

    def done(self, year: int) -> None:
        """The caller has finished with the snapshot of ``year``: the figures announced for that
        year by :meth:`later` are computed from it now, and the scope lets it go (asked again,
        the year is cut again; the caller may keep its own reference)."""
        y = int(year)
        if y not in self._years:
            return
        for fn in self._later.pop(y, []):
            self.figures(y, fn)
        del self._years[y]

    def held(self) -> list[int]:
        """The years whose snapshots the scope holds now, sorted."""
        return sorted(self._years)

    def ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Row of each link's source and target firm in ``cluster.firms`` (-1: not a firm)."""
        if self._ends is None:
            from . import _sparse

            # ValueError for repeated firm ids: Cluster.snapshot's look-up by id is then the reference
            self._ends = _sparse.link_ends(self.cluster)
        return self._ends

    def _firm_mask(self, year: int) -> np.ndarray:
        """The firms present in ``year`` (rows of ``cluster.firms``)."""
        f = self.cluster.firms
        return ((f["founded"].isna() | (f["founded"] <= year))
                & (f["exited"].isna() | (f["exited"] > year))).to_numpy(dtype=bool)

    def _cut(self, year: int) -> Cluster:
        from ..model import Cluster

        c = self.cluster
        f, ln = c.firms, c.links
        keep = self._present.get(year)
        if keep is None:
            keep = self._firm_mask(year)
        lk = ((ln["year"].isna() | (ln["year"] <= year))
              & (ln["until"].isna() | (ln["until"] >= year))).to_numpy(dtype=bool)
        try:
            src, tgt = self.ends()
        except ValueError:
            return c.snapshot(year)
        self._present[year] = keep
        present = np.append(keep, False)  # code -1 (not a firm) is never present
        lk &= present[src] & present[tgt]
        meta = {**c.meta, "year": year}
        if keep.all() and lk.all() and c.meta.get("year") == year and _plain_index(f) and _plain_index(ln):
            return c  # nothing to cut: the same content, and the caches built on c stay valid
        snap = Cluster(meta, f[keep].reset_index(drop=True), ln[lk].reset_index(drop=True), c.templates)
        if self._arrays is None:  # looked up once: the cluster does not change inside the scope
            from . import _chain

            self._arrays = _chain.cached_arrays(c)
        _derive_caches(c, snap, keep, lk, src, tgt, self._arrays)
        return snap


def _plain_index(df: pd.DataFrame) -> bool:
    return isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1


def _derive_caches(parent: Cluster, snap: Cluster, keep: np.ndarray, lk: np.ndarray, src: np.ndarray,
                   tgt: np.ndarray, encoded: dict) -> None:
    """Give ``snap`` the supply graph and the completeness arrays derived from ``parent``'s codes."""
    from . import _chain, _sparse

    new_row = np.full(len(keep) + 1, -1, dtype=np.int64)  # parent row -> snapshot row; index -1 -> -1
    new_row[np.flatnonzero(keep)] = np.arange(int(keep.sum()), dtype=np.int64)
    is_supply = (parent.links["kind"] == "supply").to_numpy(dtype=bool)
    # the supply graph: local firms of the snapshot, its supply links in their order (as a rebuild)
    local = snap.local_mask
    rows = np.flatnonzero(local)
    rank = np.full(len(keep) + 1, -1, dtype=np.int64)  # parent row -> local node of the snapshot
    rank[np.flatnonzero(keep)[rows]] = np.arange(len(rows), dtype=np.int64)
    sel = np.flatnonzero(lk & is_supply)
    s, t = rank[src[sel]], rank[tgt[sel]]
    ok = (s >= 0) & (t >= 0)
    w = parent.links["weight"].to_numpy(dtype=float)[sel][ok]
    s, t = s[ok], t[ok]
    order = _sparse.link_order(s, t, len(rows))
    g = _sparse.SupplyGraph(ids=snap.firms["firm_id"].to_numpy(dtype=object)[rows], rows=rows,
                            src=s[order].astype(np.int32), tgt=t[order].astype(np.int32), weight=w[order])
    _sparse.remember(snap, g)
    # the completeness arrays, for every vocabulary already encoded for the parent (``encoded``)
    arr_links = np.flatnonzero(is_supply & (src >= 0) & (tgt >= 0))  # the parent arrays' links, in order
    derived = {vocab: _chain.subset_arrays(arrays, keep, new_row, lk[arr_links], local)
               for vocab, arrays in encoded.items()
               # another length: not the encoding of these tables, so the snapshot builds its own
               if len(arrays.src) == len(arr_links) and arrays.n_firms == len(keep)}
    if derived:
        _chain.remember_arrays(snap, derived)


@contextmanager
def shared(cluster: Cluster) -> Iterator[Snapshots]:
    """Share the snapshots of ``cluster`` inside the block (re-entrant: an open scope of the same
    cluster is reused)."""
    active = _ACTIVE.get()
    if active is not None and active.cluster is cluster:
        yield active
        return
    token = _ACTIVE.set(Snapshots(cluster))
    try:
        yield _ACTIVE.get()  # type: ignore[misc]
    finally:
        _ACTIVE.reset(token)


__all__ = ["Snapshots", "shared"]
