"""A cluster across years: headline figures per year (:func:`timeline`) and what changed (:func:`diff`).

Both rest on :meth:`chainnet.Cluster.snapshot`: a firm is present in year Y when ``founded`` is
unknown or <= Y and ``exited`` is unknown or > Y; a link when ``year`` is unknown or <= Y,
``until`` is unknown or >= Y, and both its firms are present. :func:`diff` also compares two
different clusters (two files, or two snapshots of one). ``docs/compare.md`` gives every figure.

>>> import chainnet
>>> t = timeline(chainnet.load_dataset("demo_copper"), years=[2000, 2010, 2020])
>>> t[["year", "local_firms", "supply_links"]].to_dict("records")
[{'year': 2000, 'local_firms': 2, 'supply_links': 1}, {'year': 2010, 'local_firms': 5, 'supply_links': 4}, {'year': 2020, 'local_firms': 11, 'supply_links': 10}]
>>> round(float(t["index"].iloc[-1]), 3)  # 2020: every firm and link of the data
0.519
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ChainnetError
from ..model import Cluster
from . import _sparse
from ._chain import FIGURES as COMPLETENESS_FIGURES
from ._json import clean, records
from ._result import Result, one_line
from ._snapshots import shared
from .centrality import FIGURES as LEADER_FIGURES
from .centrality import leader_figures

#: Size figures of :func:`headline` (counts; they grow with the cluster).
SIZE_FIGURES = ("firms", "local_firms", "external_firms", "links", "supply_links")
#: The figures :func:`headline` returns, in order.
HEADLINE_FIGURES = (*SIZE_FIGURES, "density", *COMPLETENESS_FIGURES, "local_sourcing", *LEADER_FIGURES)
#: The default timeline starts in the first year with at least this share of the local firms of
#: its busiest year (earlier years, with a handful of firms, say little and squeeze the figure).
START_SHARE = 0.1


def headline(cluster: Cluster) -> dict[str, Any]:
    """Headline figures of one cluster: size, density, completeness, local sourcing, the five leader figures.

    ``links`` counts every link row (all kinds); ``supply_links`` and ``density`` (m / (n(n − 1)))
    are those of the local supply graph. The leader figures equal those of
    :func:`chainnet.analysis.centrality.leaders` (without PageRank and betweenness, which they
    do not need). Completeness figures and ``leader_dependence`` are None for a cluster without
    a template.

    >>> import chainnet
    >>> h = headline(chainnet.load_dataset("demo_copper"))
    >>> h["local_firms"], h["supply_links"], round(h["index"], 3), h["leader_dominance"]
    (11, 10, 0.519, 0.76)
    """
    g = _sparse.supply_graph(cluster)
    role = cluster.firms["role"].to_numpy(dtype=object)
    out: dict[str, Any] = {
        "firms": len(cluster.firms), "local_firms": g.n, "external_firms": int(cluster.firms["external"].sum()),
        "links": len(cluster.links), "supply_links": g.m,
        "density": g.m / (g.n * (g.n - 1)) if g.n > 1 else None,
    }
    out.update(dict.fromkeys(COMPLETENESS_FIGURES))
    out["local_sourcing"] = None
    lead = leader_figures(g, role[g.rows])
    lead["leader_dependence"] = None
    if cluster.templates:
        from .completeness import prepare

        prep = prepare(cluster)
        comp = prep.completeness()
        out.update(comp)
        out["local_sourcing"] = prep.local_sourcing()
        if g.n and comp["index"] is not None:  # as leaders(): every firm declared leader removed with its links
            gone = prep.completeness(without=role == "leader")
            lead["leader_dependence"] = comp["index"] - gone["index"]
    if not cluster.links_known:  # a firm list: figures that need ties are not measured (not 0)
        lead = dict.fromkeys(lead)
        out["supply_links"] = out["density"] = None
    out.update(lead)
    return out


def change_years(cluster: Cluster) -> list[int]:
    """Years in which the cluster changes: a firm is founded or exits, a link starts, or a link
    ends (the year after its ``until``), sorted.

    >>> import chainnet
    >>> change_years(chainnet.load_dataset("demo_copper"))[:4]
    [1985, 1998, 2000, 2003]
    """
    f, ln = cluster.firms, cluster.links
    cols = [f["founded"], f["exited"], ln["year"], ln["until"].dropna().astype("int64") + 1]
    vals = pd.concat([c.dropna().astype("int64") for c in cols], ignore_index=True)
    return sorted(int(x) for x in vals.unique())


def default_years(cluster: Cluster) -> list[int]:
    """The years :func:`timeline` shows when none are given: every year from a start to an end.

    The end is the cluster's snapshot year (``year`` in cluster.toml) when given, else the last
    year in which something changes (:func:`change_years`). The start is the first year, from
    the first change on, in which the cluster has at least :data:`START_SHARE` (10%) of the
    local firms it has in its busiest year up to the end. A cluster without any dated firm or
    link gives its snapshot year alone.

    >>> import chainnet
    >>> default_years(chainnet.load_dataset("demo_copper"))[:3]
    [1998, 1999, 2000]
    """
    changes = change_years(cluster)
    snap = cluster.meta.get("year")
    snap = int(snap) if isinstance(snap, (int, np.integer)) and not isinstance(snap, bool) else None
    if not changes:
        if snap is None:
            raise ChainnetError(f"cluster {cluster.meta.get('id')!r} has no dated firm or link (founded, exited, "
                                "year, until) and no year in cluster.toml; pass the years to show")
        return [snap]
    end = snap if snap is not None else changes[-1]
    if end < changes[0]:
        end = changes[-1]
    years = np.arange(changes[0], end + 1)
    local = cluster.local_mask
    founded = cluster.firms["founded"].to_numpy(dtype=float, na_value=np.nan)[local]
    exited = cluster.firms["exited"].to_numpy(dtype=float, na_value=np.nan)[local]
    present = ((np.isnan(founded)[None, :] | (founded[None, :] <= years[:, None]))
               & (np.isnan(exited)[None, :] | (exited[None, :] > years[:, None])))
    counts = present.sum(axis=1)
    need = max(1, math.ceil(START_SHARE * counts.max())) if len(counts) else 1
    first = int(np.argmax(counts >= need)) if (counts >= need).any() else 0
    return [int(y) for y in years[first:]]


def timeline(cluster: Cluster, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Headline figures of a cluster year by year, from :meth:`Cluster.snapshot`.

    Parameters
    ----------
    cluster : the cluster (firms with ``founded``/``exited``, links with ``year``/``until``)
    years : the years, in any order (shown sorted, each once); default :func:`default_years`

    Returns
    -------
    DataFrame
        One row per year: ``year``, the :func:`headline` figures, and ``entered`` and ``left``:
        firms present in this year and not in the previous row's year, and the other way round
        (missing on the first row).

    Examples
    --------
    >>> import chainnet
    >>> t = timeline(chainnet.load_dataset("demo_copper"), years=range(2016, 2020))
    >>> t[["year", "firms", "entered", "left"]].to_dict("records")
    [{'year': 2016, 'firms': 10, 'entered': None, 'left': None}, {'year': 2017, 'firms': 11, 'entered': 1, 'left': 0}, {'year': 2018, 'firms': 12, 'entered': 1, 'left': 0}, {'year': 2019, 'firms': 13, 'entered': 1, 'left': 0}]
    >>> t["leader_dominance"].round(4).tolist()  # 35 of 44.5, 35 of 44.5, 38 of 47.5, 38 of 50
    [0.7865, 0.7865, 0.8, 0.76]
    """
    ys = default_years(cluster) if years is None else _check_years(years)
    rows, entered, left = [], [], []
    before: set[str] | None = None
    with shared(cluster) as cut:  # cut once per year, shared with the life cycle (_snapshots)
        masks = [cut.present(y) for y in ys]
        by_mask = all(m is not None for m in masks)  # firm ids unique: compare the firms' rows, not their ids
        for i, y in enumerate(ys):  # one snapshot at a time, let go once its row is taken
            if by_mask:
                now, was = masks[i], masks[i - 1] if i else None
                entered.append(None if was is None else int((now & ~was).sum()))
                left.append(None if was is None else int((was & ~now).sum()))
            else:
                ids = set(cut.get(y).firms["firm_id"])
                entered.append(None if before is None else len(ids - before))
                left.append(None if before is None else len(before - ids))
                before = ids
            # the life cycle may have taken this year's figures already (announced by analyze)
            rows.append({"year": y, **cut.figures(y, headline)})
            cut.done(y)
    df = pd.DataFrame(rows, columns=["year", *HEADLINE_FIGURES])
    df.insert(4, "entered", pd.array(entered, dtype="Int64"))
    df.insert(5, "left", pd.array(left, dtype="Int64"))
    return df


@dataclass(frozen=True, eq=False, repr=False)
class Timeline(Result):
    """Result of :func:`timeline_result`: the :func:`timeline` table with the common result shape.

    Attributes
    ----------
    cluster_id : the cluster's id
    table : one row per year, as :func:`timeline` returns it
    """

    cluster_id: str
    table: pd.DataFrame

    @property
    def figures(self) -> dict[str, float | int | None]:
        """Headline numbers: the number of years, the first and last year, and local firms and the
        completeness index in the first and the last year."""
        t = self.table
        if not len(t):
            return {"years": 0}
        first, last = t.iloc[0], t.iloc[-1]
        return {"years": len(t), "first_year": int(first["year"]), "last_year": int(last["year"]),
                "local_firms_first": clean(first["local_firms"]), "local_firms_last": clean(last["local_firms"]),
                "index_first": clean(first["index"]), "index_last": clean(last["index"])}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``timeline``: one row per year."""
        return {"timeline": self.table}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``cluster``, ``years`` and ``rows`` (one object per year), as ``chainnet timeline --format json``."""
        return {"cluster": self.cluster_id, "years": [int(y) for y in self.table["year"]],
                "rows": records(self.table)}

    def _brief(self) -> str:
        f = self.figures
        if not f["years"]:
            return "no years"
        return f"{f['years']} years {f['first_year']}-{f['last_year']}, index {_num(f['index_first'])} -> {_num(f['index_last'])}"


def timeline_result(cluster: Cluster, years: Iterable[int] | None = None) -> Timeline:
    """:func:`timeline` wrapped in a :class:`Timeline` (``timeline`` itself keeps returning the DataFrame).

    >>> import chainnet
    >>> timeline_result(chainnet.load_dataset("demo_copper"), years=[2010, 2020])
    <Timeline demo_copper: 2 years 2010-2020, index ... -> 0.519>
    """
    return Timeline(cluster_id=str(cluster.meta.get("id", "")), table=timeline(cluster, years))


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _check_years(years: Iterable[int]) -> list[int]:
    ys = list(years)
    bad = [y for y in ys if isinstance(y, bool) or not isinstance(y, (int, np.integer))]
    if bad:
        raise ChainnetError(f"years must be whole numbers; got {bad[0]!r}")
    if not ys:
        raise ChainnetError("years is empty; give at least one year")
    return sorted({int(y) for y in ys})


# -- diff -----------------------------------------------------------------------------------------
#: Figures compared by :func:`diff`.
DIFF_FIGURES = (*COMPLETENESS_FIGURES, "local_sourcing", *LEADER_FIGURES)
_FIRM_COLS = ["firm_id", "name", "role", "segments", "external", "local"]
_LINK_KEY = ["source", "target", "kind"]
_GAP_COLS = ["template", "type", "id", "status", "impact"]


@dataclass(frozen=True, eq=False)
class Diff(Result):
    """What changed from cluster ``a`` to cluster ``b`` (two years of one cluster, or two clusters).

    Attributes
    ----------
    a, b : labels of the two sides (``id`` or ``id@year``)
    firms_entered, firms_left : firms in ``b`` and not in ``a`` (by ``firm_id``), and the other
        way round: ``firm_id, name, role, segments, external, local``
    segments : one row per template segment of either side: local firms in ``a`` and ``b``,
        local firms that entered and left it, status in ``a`` and ``b``
    links_gained, links_lost : links (keyed by source, target and kind) only in ``b`` / only in ``a``
    gaps_closed, gaps_opened : audit gaps (keyed by template, type and id) of ``a`` gone in ``b``,
        and gaps of ``b`` that ``a`` did not have
    link_churn : share of ``a``'s links gone in ``b`` (None when ``a`` has no link)
    figures : per figure of :data:`DIFF_FIGURES`: ``a``, ``b`` and ``change`` (b − a)
    """

    a: str
    b: str
    firms_entered: pd.DataFrame
    firms_left: pd.DataFrame
    segments: pd.DataFrame
    links_gained: pd.DataFrame
    links_lost: pd.DataFrame
    gaps_closed: pd.DataFrame
    gaps_opened: pd.DataFrame
    link_churn: float | None
    figures: dict[str, dict[str, float | None]]

    @property
    def cluster_id(self) -> str:
        """``a->b``: the two sides' labels."""
        return f"{self.a}->{self.b}"

    def tables(self) -> dict[str, pd.DataFrame]:
        """Firms entered and left, segments, links gained and lost, gaps closed and opened."""
        return {k: getattr(self, k) for k in ("firms_entered", "firms_left", "segments", "links_gained",
                                              "links_lost", "gaps_closed", "gaps_opened")}

    @property
    def empty(self) -> bool:
        """True when nothing changed: no firm, link or gap came or went and every figure is equal."""
        tables = (self.firms_entered, self.firms_left, self.links_gained, self.links_lost, self.gaps_closed,
                  self.gaps_opened)
        return all(len(t) == 0 for t in tables) and all(f["change"] in (None, 0.0) for f in self.figures.values())

    @property
    def summary(self) -> dict[str, Any]:
        """Counts of what came and went, and the link churn."""
        return {"firms_entered": len(self.firms_entered), "firms_left": len(self.firms_left),
                "links_gained": len(self.links_gained), "links_lost": len(self.links_lost),
                "gaps_closed": len(self.gaps_closed), "gaps_opened": len(self.gaps_opened),
                "link_churn": self.link_churn}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with stable keys: ``a``, ``b``, ``summary``, ``figures``, ``segments``,
        ``firms_entered``, ``firms_left``, ``links_gained``, ``links_lost``, ``gaps_closed``, ``gaps_opened``."""
        return {"a": self.a, "b": self.b, "empty": self.empty, "summary": clean(self.summary),
                "figures": clean(self.figures), "segments": records(self.segments),
                "firms_entered": records(self.firms_entered), "firms_left": records(self.firms_left),
                "links_gained": records(self.links_gained), "links_lost": records(self.links_lost),
                "gaps_closed": records(self.gaps_closed), "gaps_opened": records(self.gaps_opened)}

    def __repr__(self) -> str:
        s = self.summary
        return one_line(f"<Diff {self.a} -> {self.b}: +{s['firms_entered']}/-{s['firms_left']} firms, "
                f"+{s['links_gained']}/-{s['links_lost']} links, {s['gaps_closed']} gaps closed, "
                f"{s['gaps_opened']} opened>")


def label(cluster: Cluster) -> str:
    """``id@year`` for a snapshot-like cluster with a year, else its id.

    >>> import chainnet
    >>> label(chainnet.load_dataset("demo_copper").snapshot(2012))
    'demo_copper@2012'
    """
    cid = str(cluster.meta.get("id", ""))
    y = cluster.meta.get("year")
    return f"{cid}@{y}" if y is not None else cid


def diff(a: Cluster, b: Cluster) -> Diff:
    """What changed from ``a`` to ``b``: firms in and out per segment, links, gaps, figures.

    Parameters
    ----------
    a, b : two clusters, typically ``c.snapshot(y1)`` and ``c.snapshot(y2)``; two different
        clusters work too (firms and links are matched by id)

    Returns
    -------
    Diff

    Examples
    --------
    >>> import chainnet
    >>> c = chainnet.load_dataset("demo_copper")
    >>> d = diff(c.snapshot(2012), c.snapshot(2019))
    >>> list(d.firms_entered["firm_id"])
    ['foil_a', 'foil_b', 'ccl_a', 'pcb_a', 'lab_a']
    >>> d.summary["links_gained"], d.link_churn  # four supply, one to an outside firm, two R&D; none lost
    (7, 0.0)
    >>> f = d.figures["leader_dominance"]  # supply weight touching the leader: 35 of 39.5, then 38 of 50
    >>> round(f["a"], 4), round(f["b"], 4), round(f["change"], 4)
    (0.8861, 0.76, -0.1261)
    >>> diff(c, c).empty
    True
    """
    from .completeness import audit

    fa, fb = _firm_rows(a), _firm_rows(b)
    entered = _only_in(fb, fa, ["firm_id"])
    left = _only_in(fa, fb, ["firm_id"])
    la, lb = _link_rows(a), _link_rows(b)
    gained, lost = _only_in(lb, la, _LINK_KEY), _only_in(la, lb, _LINK_KEY)
    churn = len(lost) / len(la) if len(la) else None

    aud_a = audit(a, top=0) if a.templates else None
    aud_b = audit(b, top=0) if b.templates else None
    ga, gb = _gap_rows(aud_a), _gap_rows(aud_b)
    key = ["template", "type", "id"]
    closed, opened = _only_in(ga, gb, key), _only_in(gb, ga, key)

    ha, hb = headline(a), headline(b)
    figures = {f: {"a": ha[f], "b": hb[f], "change": None if ha[f] is None or hb[f] is None else hb[f] - ha[f]}
               for f in DIFF_FIGURES}
    return Diff(a=label(a), b=label(b), firms_entered=entered, firms_left=left,
                segments=_segment_changes(a, b, aud_a, aud_b), links_gained=gained, links_lost=lost,
                gaps_closed=closed, gaps_opened=opened, link_churn=churn, figures=figures)


def _only_in(df: pd.DataFrame, other: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Rows of ``df`` whose key is not in ``other`` (order kept)."""
    seen = set(zip(*(other[k] for k in key)))
    keep = np.fromiter((t not in seen for t in zip(*(df[k] for k in key))), dtype=bool, count=len(df))
    return df[keep].reset_index(drop=True)


def _firm_rows(c: Cluster) -> pd.DataFrame:
    f = c.firms
    return pd.DataFrame({"firm_id": f["firm_id"], "name": f["name"], "role": f["role"],
                         "segments": f["segments"].map(list), "external": f["external"].astype(bool),
                         "local": c.local_mask}, columns=_FIRM_COLS).reset_index(drop=True)


def _link_rows(c: Cluster) -> pd.DataFrame:
    return c.links[[*_LINK_KEY, "weight"]].reset_index(drop=True)


def _gap_rows(a: Any) -> pd.DataFrame:
    if a is None:
        return pd.DataFrame(columns=_GAP_COLS)
    return a.gaps[_GAP_COLS].reset_index(drop=True)


def _local_pairs(c: Cluster) -> set[tuple[str, str]]:
    """(firm_id, segment) of every local firm."""
    f = c.firms[c.local_mask]
    return {(fid, s) for fid, segs in zip(f["firm_id"], f["segments"]) for s in segs}


def _segment_changes(a: Cluster, b: Cluster, aud_a: Any, aud_b: Any) -> pd.DataFrame:
    cols = ["template", "segment", "stage", "firms_a", "firms_b", "entered", "left", "status_a", "status_b"]
    parts = [x.segments[["template", "segment", "stage", "firms", "status"]] for x in (aud_a, aud_b) if x is not None]
    if not parts:
        return pd.DataFrame(columns=cols)
    keys = pd.concat([p[["template", "segment", "stage"]] for p in parts]).drop_duplicates(["template", "segment"])
    out = keys.reset_index(drop=True)
    at = list(zip(out["template"], out["segment"]))
    for side, aud in (("a", aud_a), ("b", aud_b)):
        seg = aud.segments if aud is not None else pd.DataFrame(columns=["template", "segment", "firms", "status"])
        firms = dict(zip(zip(seg["template"], seg["segment"]), seg["firms"]))
        status = dict(zip(zip(seg["template"], seg["segment"]), seg["status"]))
        out[f"firms_{side}"] = pd.array([firms.get(k) for k in at], dtype="Int64")
        out[f"status_{side}"] = pd.Series([status.get(k) for k in at], dtype=object)
    pa, pb = _local_pairs(a), _local_pairs(b)
    came = pd.Series([s for _, s in pb - pa], dtype=object).value_counts()
    went = pd.Series([s for _, s in pa - pb], dtype=object).value_counts()
    out["entered"] = out["segment"].map(came).fillna(0).astype(int)
    out["left"] = out["segment"].map(went).fillna(0).astype(int)
    return out[cols]


__all__ = ["DIFF_FIGURES", "HEADLINE_FIGURES", "Diff", "change_years", "default_years", "diff", "headline", "label",
           "timeline"]
