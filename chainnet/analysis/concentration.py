"""Concentration of output among a cluster's local firms: Herfindahl-Hirschman index and top-k shares.

The index and the shares are computed for the whole cluster and per chain segment, beside the
share of firms below designated size (规下), a low-threshold signal of the founding paper's
agglomeration gap (Zeng et al. 2022, §3(4)). ``docs/profile.md`` gives every formula.

>>> import chainnet
>>> c = concentration(chainnet.load_dataset("demo_copper"))
>>> c.basis, c.n_firms, round(c.hhi, 3), round(c.cr4, 3)
('output', 11, 0.371, 0.878)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._messages import Both, both, msg_both
from ._json import clean, records
from ._result import Result

if TYPE_CHECKING:
    from ..model import Cluster

#: A firm with annual output below this is "below designated size" (规下): 20 million CNY = 0.2 亿元.
ABOVE_SCALE_OUTPUT = 0.2
TOP_K = (1, 4, 10)


@dataclass(frozen=True, eq=False, repr=False)
class Concentration(Result):
    """Concentration of output among a cluster's local firms.

    Attributes
    ----------
    cluster_id : the cluster's id
    basis : ``"output"`` (firm ``output``), ``"employees"`` (when no firm has an output) or None
    n_firms : local firms; ``n_known``: those with a value of ``basis``
    hhi : Herfindahl-Hirschman index Σ s_i² of the shares s_i, in (0, 1]; ``hhi_10000`` the same
        on the 0-10,000 scale (shares in percent)
    top1, cr4, cr10 : shares of the largest 1, 4 and 10 firms (all firms when fewer)
    equivalent_firms : 1 / hhi, the number of equal-sized firms with the same index
    small_firm_share : share of local firms below designated size (规下), from ``above_scale`` or
        output < 0.2 亿元; ``small_firm_basis`` says which
    segments : one row per template segment: firms, known values, total, HHI (both scales),
        top1/cr4/cr10 and the largest firm
    notes : what is missing or approximate; ``notes_zh`` the same in Chinese
    """

    cluster_id: str
    basis: str | None
    n_firms: int
    n_known: int
    hhi: float | None
    hhi_10000: float | None
    top1: float | None
    cr4: float | None
    cr10: float | None
    equivalent_firms: float | None
    small_firm_share: float | None
    small_firm_basis: str | None
    segments: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    notes_zh: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """``segments``: concentration segment by segment."""
        return {"segments": self.segments}

    @property
    def figures(self) -> dict[str, float | None]:
        return {k: getattr(self, k) for k in ("hhi", "hhi_10000", "top1", "cr4", "cr10", "equivalent_firms",
                                              "small_firm_share")}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: basis, counts, the figures, the per-segment table and notes."""
        return {"cluster": self.cluster_id, "basis": self.basis, "n_firms": self.n_firms, "n_known": self.n_known,
                **clean(self.figures), "small_firm_basis": self.small_firm_basis,
                "segments": records(self.segments), "notes": list(self.notes)}


def shares_figures(values: Any) -> dict[str, float | None]:
    """HHI (0-1 and 0-10,000), top-1/4/10 shares and equivalent number of firms of positive values.

    Zero values count as firms with no share; with no positive value every figure is None.

    >>> f = shares_figures([50, 30, 20])   # shares .5, .3, .2: .25 + .09 + .04 = .38
    >>> round(f["hhi"], 10), round(f["hhi_10000"], 6), f["top1"], f["cr4"]
    (0.38, 3800.0, 0.5, 1.0)
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v >= 0)]
    total = v.sum()
    if total <= 0:
        return {"hhi": None, "hhi_10000": None, "top1": None, "cr4": None, "cr10": None, "equivalent_firms": None}
    s = np.sort(v / total)[::-1]
    hhi = float((s * s).sum())
    out: dict[str, float | None] = {"hhi": hhi, "hhi_10000": hhi * 10_000}
    for k in TOP_K:
        out["top1" if k == 1 else f"cr{k}"] = float(s[:k].sum())
    out["equivalent_firms"] = 1.0 / hhi
    return out


def concentration(cluster: Cluster) -> Concentration:
    """Concentration of output among the cluster's local firms, overall and per chain segment.

    Shares are of firm ``output`` (亿元); when no local firm has an output, of ``employees``.
    Firms without a value are left out of the shares (a note counts them). A firm in several
    segments counts with its whole output in each (outputs are not split by segment).

    Parameters
    ----------
    cluster : the cluster

    Returns
    -------
    Concentration

    Examples
    --------
    >>> import chainnet
    >>> c = concentration(chainnet.load_dataset("demo_copper"))
    >>> seg = c.segments.set_index("segment")
    >>> seg.loc["foil", ["firms", "hhi"]].round(3).tolist()   # 9.5 and 4.4: .683² + .317²
    [2.0, 0.567]
    """
    local = cluster.firms[cluster.local_mask].reset_index(drop=True)
    said: list[Both] = []
    basis, vals = None, pd.Series(np.nan, index=local.index, dtype=float)
    for col in ("output", "employees"):
        if col in local:
            x = pd.to_numeric(local[col], errors="coerce").astype(float)
            if x.notna().any():
                basis, vals = col, x
                break
    n, known = len(local), int(vals.notna().sum())
    if basis is None:
        said.append(msg_both("conc.no_size"))
    else:
        if basis == "employees":
            said.append(msg_both("conc.employees"))
        if known < n:
            said.append(msg_both("conc.unknown", missing=n - known, n=n, basis=both(f"basis_{basis}")))
    figs = shares_figures(vals.dropna())
    small, small_basis = _small_share(local)
    if small is None:
        said.append(msg_both("conc.no_small"))
    return Concentration(cluster_id=cluster.meta.get("id", ""), basis=basis, n_firms=n, n_known=known,
                         small_firm_share=small, small_firm_basis=small_basis,
                         segments=_segment_table(cluster, local, vals), notes=[x.en for x in said],
                         notes_zh=[x.zh for x in said], **figs)


def _small_share(local: pd.DataFrame) -> tuple[float | None, str | None]:
    """Share of local firms below designated size: from ``above_scale`` when given, else output < 0.2 亿元."""
    if "above_scale" in local:
        from .._validate import FALSE, TRUE

        txt = local["above_scale"].astype("string").str.strip().str.lower()
        flag = pd.Series(np.where(txt.isin(TRUE), 1.0, np.where(txt.isin(FALSE), 0.0, np.nan)), dtype=float)
        if flag.notna().any():
            return float(1.0 - flag.mean()), f"above_scale column ({int(flag.notna().sum())} local firms)"
    if "output" in local:
        x = pd.to_numeric(local["output"], errors="coerce").astype(float).dropna()
        if len(x):
            return float((x < ABOVE_SCALE_OUTPUT).mean()), \
                f"output < {ABOVE_SCALE_OUTPUT} 亿元 ({len(x)} local firms with output)"
    return None, None


def _segment_table(cluster: Cluster, local: pd.DataFrame, vals: pd.Series) -> pd.DataFrame:
    cols = ["template", "segment", "firms", "known", "total", "hhi", "hhi_10000", "top1", "cr4", "cr10", "top_firm", "top_firm_zh"]
    pairs = pd.DataFrame({"row": np.repeat(np.arange(len(local)), local["segments"].map(len).to_numpy(dtype=int)),
                          "segment": [s for t in local["segments"] for s in t]})
    pairs["value"] = vals.to_numpy()[pairs["row"].to_numpy()] if len(pairs) else []
    rows = []
    for t in cluster.templates:
        for seg in t.segment_ids:
            p = pairs[pairs["segment"] == seg]
            v = p["value"].dropna()
            f = shares_figures(v)
            row = int(p.loc[v.idxmax(), "row"]) if len(v) and v.max() > 0 else None
            top = None if row is None else local.at[row, "name"]
            top_zh = None if row is None or "name_zh" not in local else local.at[row, "name_zh"]
            rows.append({"template": t.id, "segment": seg, "firms": len(p), "known": len(v),
                         "total": float(v.sum()) if len(v) else None, "hhi": f["hhi"], "hhi_10000": f["hhi_10000"],
                         "top1": f["top1"], "cr4": f["cr4"], "cr10": f["cr10"], "top_firm": top,
                         "top_firm_zh": top_zh if isinstance(top_zh, str) and top_zh else top})
    return pd.DataFrame(rows, columns=cols)
