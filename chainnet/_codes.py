"""Firm ids, link ends and segments as integer codes, for checks over millions of links.

Link ends are coded once as positions among the unique firm ids (pyarrow ``index_in``); the
``segment_from``/``segment_to`` check and the duplicate merge work on those codes, and the
(firm, segment) pairs a firms table declares are packed into one integer each.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd


def arrow(s: pd.Series):
    """The pyarrow array behind a string column, or None (pyarrow makes set lookups ~50x faster)."""
    if isinstance(s.array, pd.arrays.ArrowStringArray):
        import pyarrow as pa

        return pa.array(s.array)
    return None


def codes_in(values: pd.Series, ids: pd.Series) -> np.ndarray:
    """Position of each value among the unique ``ids`` (int64), -1 where absent; NaN counts as absent."""
    if not len(values):  # an empty links table: no need to hash a million firm ids
        return np.empty(0, dtype=np.int64)
    return index_in(values, ids.drop_duplicates())


def index_in(values: pd.Series, uniq: pd.Series) -> np.ndarray:
    """:func:`codes_in` for ``uniq`` already free of duplicates (a caller coding several columns)."""
    if not len(values):
        return np.empty(0, dtype=np.int64)
    arr, ref = arrow(values), arrow(uniq)
    if arr is not None and ref is not None:
        import pyarrow.compute as pc

        out = pc.index_in(arr, value_set=ref.cast(arr.type)).fill_null(-1)
        return out.to_numpy(zero_copy_only=False).astype(np.int64)
    return pd.Index(uniq).get_indexer(values).astype(np.int64)


def unknown_segments(segments: pd.Series, segment_ids: Collection[str]) -> list[tuple[str, np.ndarray]]:
    """Each segment id not in ``segment_ids``, in order of first appearance, with the rows naming it.

    A cluster repeats few distinct segment lists, so each distinct list is looked at once.

    >>> [(s, r.tolist()) for s, r in unknown_segments(pd.Series([("a", "x"), ("y",), ("a", "x")]), ["a"])]
    [('x', [True, False, True]), ('y', [False, True, False])]
    """
    lists, distinct = pd.factorize(segments.to_numpy(dtype=object))
    known = set(segment_ids)
    where: dict[str, list[int]] = {}
    for k, t in enumerate(distinct):
        for seg in t:
            if seg not in known and k not in where.setdefault(seg, []):
                where[seg].append(k)
    return [(seg, np.isin(lists, ks)) for seg, ks in where.items()]


def owned_pairs(firms: pd.DataFrame, uniq: pd.Series, seg_list: list[str]) -> np.ndarray:
    """The (firm, segment) pairs of the firms table packed as ``firm * len(seg_list) + segment``.

    ``firm`` is the position of the firm's id in ``uniq`` (the unique firm ids, as link ends are
    coded); segments outside ``seg_list`` are left out (a link naming one is reported as not a
    segment of the template instead). Each distinct segment list is coded once, then spread over
    its firms with numpy (no exploded table of a million rows).
    """
    fid = firms["firm_id"]
    firm = (np.arange(len(firms), dtype=np.int64) if len(uniq) == len(fid)  # ids unique: row = position
            else index_in(fid, uniq))
    firm = np.where(fid.isna().to_numpy(), -1, firm)
    lists, distinct = pd.factorize(firms["segments"].to_numpy(dtype=object))
    where = {seg: k for k, seg in enumerate(seg_list)}
    coded = [[where.get(x, -1) for x in t] for t in distinct]
    flat = np.array([c for t in coded for c in t], dtype=np.int64)
    start = np.cumsum([0] + [len(t) for t in coded])[:-1].astype(np.int64)
    width = np.array([len(t) for t in coded], dtype=np.int64)
    n = width[lists] if len(coded) else np.zeros(len(firms), dtype=np.int64)
    row = np.repeat(np.arange(len(firms)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    seg = flat[start[lists[row]] + k] if len(row) else np.empty(0, dtype=np.int64)
    ok = (firm[row] >= 0) & (seg >= 0)
    return firm[row][ok] * len(seg_list) + seg[ok]


def in_pairs(packed: np.ndarray, owned: np.ndarray, size: int) -> np.ndarray:
    """``np.isin(packed, owned)`` for packed pairs below ``size``.

    A flat bool table when it is small (a million firms and 40 segments: 40 MB; one look-up
    per link), else a binary search per link.
    """
    if size <= 100_000_000:
        table = np.zeros(size, dtype=bool)
        table[owned] = True
        return table[packed]
    owned = np.unique(owned)
    if not len(owned):
        return np.zeros(len(packed), dtype=bool)
    pos = np.minimum(np.searchsorted(owned, packed), len(owned) - 1)
    return owned[pos] == packed
