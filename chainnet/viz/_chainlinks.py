"""Supply links of a chain map mapped onto drawn items (firms, markers, collapsed bubbles).

Every link goes from one of its seller's drawn items to one of its buyer's, the pair chosen by
the rule of :func:`map_links`. Links whose ends have the same candidate items resolve the same
way, so the rule runs once per distinct pair of candidate lists (a few thousand at 10^5 firms,
where many firms share one bubble) instead of once per link; the result is the same as
resolving every link on its own, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class Placements:
    """Where each firm is drawn, from the layout's placement log (``layout.placed``).

    Firms sharing an id share their placements (keyed by the first row of the id), as a dict of
    lists by id would; ``multi`` holds the firms drawn more than once, in the order of their first
    placement.
    """

    #: per firm row, the row its placements are kept under (the first row with its id)
    key: np.ndarray
    #: per key row, its number of placements
    count: np.ndarray
    #: per key row with one placement, that placement's index in ``entries`` (else -1)
    single: np.ndarray
    #: key row -> its (lane, item) placements, for keys placed at least twice
    multi: dict[int, list[tuple[int, Any]]]
    #: key row -> indices in ``entries`` of the placements of ``multi``
    multi_events: dict[int, tuple[int, ...]]
    #: every placement's (lane, item)
    entries: list[tuple[int, Any]]
    #: whether every firm row has its own id
    unique: bool = True


def placements(layout: Any) -> Placements:
    """The layout's placements per firm, worked out with numpy from its placement log."""
    n = len(layout.fid)
    entries = [e for e, _ in layout.placed]
    rows = [np.asarray(g, dtype=np.int64).reshape(-1) for _, g in layout.placed]
    firm = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    event = np.repeat(np.arange(len(rows), dtype=np.int64), [len(r) for r in rows])
    unique = bool(pd.Index(layout.fid).is_unique)
    if unique:
        key_of = np.arange(n, dtype=np.int64)
    else:
        codes, _ = pd.factorize(np.asarray(layout.fid, dtype=object))
        first = np.full(int(codes.max()) + 1 if n else 0, -1, dtype=np.int64)
        first[codes[::-1]] = np.arange(n, dtype=np.int64)[::-1]
        key_of = first[codes]
    key = key_of[firm]
    count = np.bincount(key, minlength=n)
    order = np.argsort(key, kind="stable")  # by key, then in the order placed
    start = np.concatenate([[0], np.cumsum(count)[:-1]]) if n else np.empty(0, dtype=np.int64)
    single = np.full(n, -1, dtype=np.int64)
    one = np.flatnonzero(count == 1)
    single[one] = event[order[start[one]]]
    many = np.flatnonzero(count >= 2)
    # in the order of each firm's first placement (as a dict filled placement by placement)
    many = many[np.argsort(order[start[many]], kind="stable")]
    multi: dict[int, list[tuple[int, Any]]] = {}
    multi_events: dict[int, tuple[int, ...]] = {}
    for k, a, c in zip(many.tolist(), start[many].tolist(), count[many].tolist()):
        evs = tuple(event[order[a:a + c]].tolist())
        multi_events[k] = evs
        multi[k] = [entries[e] for e in evs]
    return Placements(key=key_of, count=count, single=single, multi=multi, multi_events=multi_events,
                      entries=entries, unique=unique)


def map_links(layout: Any, placed: Placements | None = None) -> dict[tuple[int, int], list[float]]:
    """Supply links aggregated per pair of drawn items: ``(id(a), id(b)) -> [number of links]``.

    A link naming ``segment_from``/``segment_to`` starts/ends at its firm's item in that segment
    when there is one; among the candidate pairs the one in the same band, running downstream,
    over the fewest lanes wins (ties: lane order). A link whose ends are one item is dropped. Keys
    are in the order of each pair's first link; drawn items are added to ``layout.items_by_id``.
    ``placed``: the layout's :func:`placements` (worked out when None).
    """
    if placed is None:
        placed = placements(layout)
    links = layout.cluster.links
    links = links[links["kind"] == "supply"]
    lanes = layout.lanes
    entries = placed.entries
    # a candidate list is a tuple of placement indices (each placement is one item in one lane)
    codes: dict[tuple[int, ...], int] = {}
    cands: list[list[tuple[int, Any]]] = []

    def code(evs: tuple[int, ...]) -> int:
        if evs not in codes:
            codes[evs] = len(cands)
            cands.append([entries[e] for e in evs])
        return codes[evs]

    seg_names = list(dict.fromkeys(ln.seg for ln in lanes))
    n_seg = len(seg_names)
    seg_code = {s: k for k, s in enumerate(seg_names)}
    key_code = np.full(len(placed.count), -1, dtype=np.int64)
    ev_code = np.full(len(entries), -1, dtype=np.int64)
    used = np.unique(placed.single[placed.single >= 0])
    ev_code[used] = [code((int(e),)) for e in used.tolist()]
    key_code[placed.single >= 0] = ev_code[placed.single[placed.single >= 0]]
    per_seg: dict[int, list[tuple[int, int]]] = {}
    for k, evs in placed.multi_events.items():
        key_code[k] = code(evs)
        segs = dict.fromkeys(lanes[entries[e][0]].seg for e in evs)
        if len(segs) < 2:  # every placement is in the named segment: the same candidates
            continue
        per_seg[k] = [(seg_code[seg], code(tuple(e for e in evs if lanes[entries[e][0]].seg == seg)))
                      for seg in segs]
    firm_code = key_code[placed.key] if len(placed.key) else np.empty(0, dtype=np.int64)
    seg_keys: list[int] = []
    seg_vals: list[int] = []
    if per_seg:
        split = np.isin(placed.key, np.fromiter(per_seg, dtype=np.int64, count=len(per_seg)))
        for i, k in zip(np.flatnonzero(split).tolist(), placed.key[split].tolist()):
            for sc, c in per_seg[k]:
                seg_keys.append(i * n_seg + sc)
                seg_vals.append(c)
    keys = np.asarray(seg_keys, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], np.asarray(seg_vals, dtype=np.int64)[order]
    ends = _firm_index(layout.fid, links, unique=placed.unique)
    src = _end(ends[0], links, "segment_from", firm_code, seg_code, keys, vals)
    tgt = _end(ends[1], links, "segment_to", firm_code, seg_code, keys, vals)
    ok = (src >= 0) & (tgt >= 0)
    idx = np.flatnonzero(ok)
    pair = src[ok] * max(len(cands), 1) + tgt[ok]
    uniq, first, count = np.unique(pair, return_index=True, return_counts=True)
    agg: dict[tuple[int, int], list[float]] = {}
    for k in np.argsort(idx[first], kind="stable"):
        a, b = cands[int(uniq[k] // max(len(cands), 1))], cands[int(uniq[k] % max(len(cands), 1))]
        ia, ib = _best(lanes, a, b)
        if ia is ib:
            continue
        agg.setdefault((id(ia), id(ib)), [0.0])[0] += float(count[k])
        layout.items_by_id.setdefault(id(ia), ia)
        layout.items_by_id.setdefault(id(ib), ib)
    return agg


def _firm_index(fid: list[str], links: pd.DataFrame, *, unique: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Position in ``fid`` of every link's source and target (-1: not a firm of the list).

    ``unique``: whether the ids in ``fid`` are unique (checked when None). With unique ids and no missing end the look-up runs on Arrow strings (no Python string per
    link end: about 1 GB less at 10^6 firms); otherwise each id's first row, by factorizing.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    ends = [pa.chunked_array(_arrow_text(links[col])) for col in ("source", "target")]
    if unique is None:
        unique = bool(pd.Index(fid).is_unique)
    if len(fid) and all(e.null_count == 0 for e in ends) and unique:
        value_set = pa.array(fid, type=pa.large_string())
        # both ends in one look-up: the hash table of the firm ids is built once
        both = pa.chunked_array([c for e in ends for c in e.cast(pa.large_string()).chunks], type=pa.large_string())
        found = pc.index_in(both, value_set=value_set).fill_null(-1).to_numpy().astype(np.int64)
        return found[:len(links)], found[len(links):]
    n, m = len(fid), len(links)
    both = np.concatenate([np.asarray(fid, dtype=object), links["source"].astype(str).to_numpy(dtype=object),
                           links["target"].astype(str).to_numpy(dtype=object)])
    codes, uniq = pd.factorize(both)
    where = np.full(len(uniq), -1, dtype=np.int64)
    where[codes[:n][::-1]] = np.arange(n)[::-1]  # the first row of an id, as a dict built in order would
    return where[codes[n:n + m]], where[codes[n + m:]]


def _arrow_text(col: pd.Series) -> Any:
    """A column's text as an Arrow array: an Arrow-backed string column as it is (no copy, the
    same values ``astype(str)`` keeps), any other column through ``astype(str)``."""
    import pyarrow as pa

    if isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow":
        return pa.array(col.array)
    return pa.array(col.astype(str))


def _end(firm: np.ndarray, links: pd.DataFrame, seg_col: str, firm_code: np.ndarray, seg_code: dict[str, int],
         keys: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """Candidate-list code of one end of every link (-1: the firm is not drawn): the firm's items
    in the link's named segment when it has some there, else all its items."""
    out = np.where(firm >= 0, firm_code[np.maximum(firm, 0)], -1)
    if seg_col in links and len(keys):
        seg = _segment_index(links[seg_col], list(seg_code))
        # only firms drawn in two segments or more have items per segment (the rows in ``keys``)
        split = np.zeros(len(firm_code), dtype=bool)
        split[keys // len(seg_code)] = True
        named = (seg >= 0) & (firm >= 0)
        named[named] = split[firm[named]]
        key = firm[named] * len(seg_code) + seg[named]
        at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        hit = keys[at] == key
        sub = out[named]
        sub[hit] = vals[at[hit]]
        out[named] = sub
    return out


def _segment_index(col: pd.Series, names: list[str]) -> np.ndarray:
    """Position of each link's named segment in ``names`` (-1: none or another), by an Arrow
    look-up for an Arrow-backed string column (no Python string per link)."""
    if isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow" and names:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(col.array)
        found = pc.index_in(arr, value_set=pa.array(names, type=arr.type)).fill_null(-1)
        return found.to_numpy(zero_copy_only=False).astype(np.int64)
    return pd.Index(names).get_indexer(col.astype(object))


def _best(lanes: list[Any], a: list[tuple[int, Any]], b: list[tuple[int, Any]]) -> tuple[Any, Any]:
    """The pair of candidate items a link is drawn between (see :func:`map_links`)."""
    best, score = None, None
    for la, ia in a:
        for lb, ib in b:
            A, B = lanes[la], lanes[lb]
            sc = (A.band != B.band, B.pos < A.pos, abs(B.pos - A.pos), la, lb)
            if score is None or sc < score:
                best, score = (ia, ib), sc
    return best
