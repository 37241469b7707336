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
    codes: dict[tuple[tuple[int, int], ...], int] = {}
    cands: list[list[tuple[int, Any]]] = []

    def code(placed: list[tuple[int, Any]]) -> int:
        key = tuple((lane, id(it)) for lane, it in placed)
        if key not in codes:
            codes[key] = len(cands)
            cands.append(placed)
        return codes[key]

    by_firm: dict[str, int] = {}
    by_seg: dict[str, int] = {}
    for fid, placed in layout.members.items():
        if not placed:
            continue
        by_firm[fid] = code(placed)
        for seg in dict.fromkeys(lanes[lane].seg for lane, _ in placed):
            hit = [(lane, it) for lane, it in placed if lanes[lane].seg == seg]
            by_seg[f"{fid}\x00{seg}"] = code(hit)
    src = _end(links, "source", "segment_from", by_firm, by_seg)
    tgt = _end(links, "target", "segment_to", by_firm, by_seg)
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


def _end(links: pd.DataFrame, col: str, seg_col: str, by_firm: dict[str, int], by_seg: dict[str, int]) -> np.ndarray:
    """Candidate-list code of one end of every link (-1: the firm is not drawn)."""
    fid = links[col].astype(str).astype(object)
    out = fid.map(by_firm).fillna(-1).to_numpy(dtype=np.int64).copy()
    if seg_col in links:
        seg = links[seg_col].astype(object)
        named = seg.map(lambda s: isinstance(s, str) and bool(s)).to_numpy(dtype=bool)
        if named.any():
            keys = fid[named] + "\x00" + seg[named].astype(str)
            hit = keys.map(by_seg).fillna(-1).to_numpy(dtype=np.int64)
            sub = out[named]
            out[named] = np.where(hit >= 0, hit, sub)
    return out


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
