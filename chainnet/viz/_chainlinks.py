"""Supply links of a chain map mapped onto drawn items (firms, markers, collapsed bubbles).

Every link goes from one of its seller's drawn items to one of its buyer's, the pair chosen by
the rule of :func:`map_links`. Links whose ends have the same candidate items resolve the same
way, so the rule runs once per distinct pair of candidate lists (a few thousand at 10^5 firms,
where many firms share one bubble) instead of once per link; the result is the same as
resolving every link on its own, in the same order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def map_links(layout: Any) -> dict[tuple[int, int], list[float]]:
    """Supply links aggregated per pair of drawn items: ``(id(a), id(b)) -> [number of links]``.

    A link naming ``segment_from``/``segment_to`` starts/ends at its firm's item in that segment
    when there is one; among the candidate pairs the one in the same band, running downstream,
    over the fewest lanes wins (ties: lane order). A link whose ends are one item is dropped. Keys
    are in the order of each pair's first link; drawn items are added to ``layout.items_by_id``.
    """
    links = layout.cluster.links
    links = links[links["kind"] == "supply"]
    lanes = layout.lanes
    codes: dict[tuple[tuple[int, Any], ...], int] = {}
    cands: list[list[tuple[int, Any]]] = []

    def code(placed: list[tuple[int, Any]]) -> int:
        # items compare and hash by identity (eq=False): the same key as their (lane, id) pairs
        key = tuple(placed)
        if key not in codes:
            codes[key] = len(cands)
            cands.append(placed)
        return codes[key]

    seg_names = list(dict.fromkeys(ln.seg for ln in lanes))
    n_seg = len(seg_names)
    seg_code = {s: k for k, s in enumerate(seg_names)}
    firm_code = np.full(len(layout.fid), -1, dtype=np.int64)
    seg_keys: list[int] = []
    seg_vals: list[int] = []
    members = layout.members
    for i, fid in enumerate(layout.fid):
        placed = members.get(fid)
        if not placed:
            continue
        firm_code[i] = code(placed)
        if len(placed) < 2:  # one placement: in its own segment
            continue
        segs = dict.fromkeys(lanes[lane].seg for lane, _ in placed)
        if len(segs) < 2:  # every placement is in the named segment: the same candidates
            continue
        for seg in segs:
            seg_keys.append(i * n_seg + seg_code[seg])
            seg_vals.append(code([(lane, it) for lane, it in placed if lanes[lane].seg == seg]))
    keys = np.asarray(seg_keys, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], np.asarray(seg_vals, dtype=np.int64)[order]
    ends = _firm_index(layout.fid, links)
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


def _firm_index(fid: list[str], links: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Position in ``fid`` of every link's source and target (-1: not a firm of the list).

    With unique ids and no missing end the look-up runs on Arrow strings (no Python string per
    link end: about 1 GB less at 10^6 firms); otherwise each id's first row, by factorizing.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    ends = [pa.chunked_array(_arrow_text(links[col])) for col in ("source", "target")]
    if len(fid) and all(e.null_count == 0 for e in ends) and pd.Index(fid).is_unique:
        value_set = pa.array(fid, type=pa.large_string())
        return tuple(pc.index_in(e.cast(pa.large_string()), value_set=value_set).fill_null(-1)
                     .to_numpy().astype(np.int64) for e in ends)  # type: ignore[return-value]
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
        named = (seg >= 0) & (firm >= 0)
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
