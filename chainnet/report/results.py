"""``results.json``: every summary of a report, with its per-firm lists cut to a top N.

The full per-firm and per-link tables are written beside it as ``firms.parquet`` and
``links.parquet`` (:mod:`.full_tables`), so ``results.json`` stays a few hundred kB at any size.
A list longer than ``top`` rows keeps its first ``top`` rows in a stated order, and the
``tables`` key says which lists were cut, from how many rows, in which order, and where the full
tables are. A list of ``top`` rows or fewer is kept whole, in its own order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from .._errors import ChainnetError
from .._messages import LINKS_UNKNOWN, LINKS_UNKNOWN_ZH
from .._version import __version__
from ..analysis._json import records

#: Rows kept of each per-firm or per-link list of ``results.json`` (``analyze(..., top=N)``).
TOP_N = 100
#: Where the full tables are, relative to the report folder.
TABLE_FILES = {"firms": "firms.parquet", "links": "links.parquet"}


def _check_top(top: Any) -> None:
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ChainnetError(f"top={top!r}: the rows kept per list in results.json must be a whole number of 1 or more")


def _not_measured(result: Any) -> dict[str, Any]:
    """A result's dict, or (a firm list without ties: links unknown) why there is none."""
    if result is not None:
        return result.to_dict()
    return {"links": "unknown", "reason": LINKS_UNKNOWN, "reason_zh": LINKS_UNKNOWN_ZH}


def _timeline_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in df.to_dict("records")]


class _Caps:
    """Cuts tables to ``top`` rows and records what was cut (the ``tables.capped`` entry)."""

    def __init__(self, top: int):
        self.top = top
        self.capped: dict[str, dict[str, Any]] = {}

    def cut(self, key: str, df: pd.DataFrame, by: list[str], ascending: list[bool], order: str) -> pd.DataFrame:
        """``df`` whole when short, else its first ``top`` rows sorted by ``by`` (a stable sort: ties
        keep the table's order)."""
        if len(df) <= self.top:
            return df
        self.capped[key] = {"rows": len(df), "shown": self.top, "order": order}
        return df.sort_values(by, ascending=ascending, kind="stable").head(self.top)


def _leaders(ld: Any, caps: _Caps) -> dict[str, Any]:
    firms = ld.firms
    top = caps.cut("leaders.firms", firms, ["pagerank"], [False], "pagerank, highest first")
    mm = ld.mismatches
    # the dict of a copy holding only the rows shown: records() of 10^5 firms is the slow part
    d = replace(ld, firms=top).to_dict()
    d["n_firms"] = len(firms)
    d["n_links"] = (int(firms["out_degree"].sum()) if len(firms) else 0) if ld.links_known else None
    d["mismatches"] = records(caps.cut("leaders.mismatches", mm, ["firm_id"], [True], "firm_id"))
    return d


def _structure(st: Any, caps: _Caps) -> dict[str, Any]:
    com = st.communities
    d = replace(st, communities=com.iloc[:0]).to_dict() if len(com) > caps.top else st.to_dict()
    if len(com) > caps.top:  # communities are numbered by size: the largest first
        d["communities"]["list"] = records(com.head(caps.top))
        caps.capped["structure.communities.list"] = {"rows": len(com), "shown": caps.top,
                                                     "order": "size, largest first"}
    return d


def _position(pos: Any, caps: _Caps) -> dict[str, Any]:
    firms = pos.firms.assign(_check=~pos.firms["consistent"].astype(bool))
    top = caps.cut("position.firms", firms, ["_check", "against_links"], [False, False],
                   "firms to check first, then most links against the chain").drop(columns="_check")
    against = caps.cut("position.against", pos.against, ["weight"], [False], "weight, highest first")
    return replace(pos, firms=top, against=against).to_dict()


def _resilience(res: Any, caps: _Caps) -> dict[str, Any]:
    sp = caps.cut("resilience.single_points", res.single_points, ["index_drop"], [False],
                  "completeness index drop, highest first")
    d = replace(res, single_points=sp).to_dict()
    return d


def results_dict(an: Any, *, top: int = TOP_N) -> dict[str, Any]:
    """The content of ``results.json`` for an :class:`~chainnet.report.compute.Analysis`.

    Per-firm and per-link lists longer than ``top`` rows are cut to their first ``top`` rows in
    a stated order; ``tables`` names the full tables beside the file and lists every cut.
    """
    _check_top(top)
    caps = _Caps(top)
    known = an.structure is not None
    out = {
        "chainnet_version": __version__,
        "cluster": an.cluster.summary(),
        "lang": an.lang,
        "audit": an.audit.to_dict(),
        "leaders": _leaders(an.leaders, caps),
        "structure": _structure(an.structure, caps) if known else _not_measured(None),
        "profile": an.profile.to_dict(),
        "position": _position(an.position, caps) if an.position is not None else _not_measured(None),
        "resilience": _resilience(an.resilience, caps) if an.resilience is not None else _not_measured(None),
        "timeline": None if an.timeline is None else _timeline_records(an.timeline),
        "figures": an.figures,
    }
    out["tables"] = {**TABLE_FILES, "top": top,
                     "rows": {"firms": len(an.cluster.firms), "links": len(an.cluster.links)},
                     "capped": caps.capped}
    return out
