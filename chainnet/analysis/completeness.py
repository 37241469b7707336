"""Chain completeness (产业链完整度) and the chain-chief gap audit (补链 / 延链 / 断链 / 强链).

Definitions follow the project's metric contract (docs/completeness.md gives every formula):
a template segment is *covered* when a local firm (not external; role leader, backbone or sme)
operates in it; a template flow a->b is *realised* by a supply link between local firms selling
as a and buying as b (``segment_from``/``segment_to`` decide when given), or by one local firm
making both (in-house).

``completeness`` is the fast core (all vectorised; other analyses call it many times);
``audit`` adds the per-segment and per-flow tables, the typed gap list with each gap's impact
on the index, and investment-attraction candidates.

Examples
--------
>>> import chainnet
>>> c = chainnet.load_dataset("demo_copper")
>>> {k: round(v, 3) for k, v in completeness(c).items()}
{'segment_coverage': 0.619, 'link_coverage': 0.523, 'path_completeness': 0.417, 'index': 0.519}
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ChainnetError
from .._messages import Both, listing, msg_both, t
from ..model import Cluster
from ..template import Template, load_template
from . import _chain
from ._chain import FIGURES, Chain, Prepared
from ._result import Result
from .candidates import rank_candidates

SEGMENT_STATUSES = ("present", "weak", "missing")
FLOW_STATUSES = ("present", "weak", "broken", "missing")
#: Flow status when the cluster's links are unknown and the flow is not made in-house.
UNKNOWN = "unknown"
GAP_TYPES = ("fill", "extend", "connect", "strengthen")
#: Chinese words used for statuses and gap types in tables and reports (read from the catalogue).
STATUS_ZH = {k: t(k, "zh") for k in ("present", "weak", "missing", "broken", "unknown")}
GAP_ZH = {k: t(k, "zh") for k in GAP_TYPES}
#: Impacts are rounded to this many decimals, so that equal what-ifs reached by different sums tie.
IMPACT_DECIMALS = 12

TemplateArg = Template | str | Path | Iterable[Template | str | Path] | None


def resolve(cluster: Cluster, template: TemplateArg = None) -> list[Template]:
    """The templates to audit against: ``template`` (one or several; Template, built-in id or
    path), else the cluster's own."""
    if template is None:
        if not cluster.templates:
            raise ChainnetError(f"cluster {cluster.meta.get('id')!r} has no template; pass template=")
        return list(cluster.templates)
    items = [template] if isinstance(template, (Template, str, Path)) else list(template)
    if not items:
        raise ChainnetError("template= is an empty list; give at least one template")
    return [load_template(t) for t in items]


def completeness(cluster: Cluster, *, template: TemplateArg = None,
                 without: Iterable[str] | None = None) -> dict[str, float]:
    """Chain completeness of a cluster against its template(s).

    Parameters
    ----------
    cluster : the cluster
    template : a Template, built-in id or path (or a list of them); default the cluster's templates.
        With several templates the figures pool all their segments, flows and sinks (each
        template's weights as given), so a bigger chain counts for more.
    without : firm ids treated as removed with all their links; the same result as
        ``completeness(cluster.without_firms(without))`` without rebuilding the tables.

    Returns
    -------
    dict with ``segment_coverage``, ``link_coverage``, ``path_completeness`` and ``index``
    (their mean), each in [0, 1]. A figure with nothing to count (a template without flows)
    is 1.0; items whose weights all sum to 0 count equally.

    Examples
    --------
    >>> import chainnet
    >>> c = chainnet.load_dataset("demo_copper")
    >>> round(completeness(c)["index"], 4)
    0.5195
    >>> round(completeness(c, without=["smelter_a"])["index"], 4)  # the leader gone
    0.3117
    """
    return prepare(cluster, template=template).completeness(without=without)


def prepare(cluster: Cluster, *, template: TemplateArg = None) -> Prepared:
    """Encode a cluster once for many completeness what-ifs (firm removals).

    Parameters
    ----------
    cluster : the cluster
    template : as in :func:`completeness`

    Returns
    -------
    Prepared
        ``.completeness(without=ids)`` gives :func:`completeness` of the cluster with those
        firms removed, in milliseconds; ``.local_sourcing()`` the local sourcing rate.

    Examples
    --------
    >>> import chainnet
    >>> p = prepare(chainnet.load_dataset("demo_copper"))
    >>> [round(p.completeness(without=[f])["index"], 3) for f in ("smelter_a", "refiner_b")]
    [0.312, 0.519]
    """
    return Prepared(cluster, resolve(cluster, template))


@dataclass(frozen=True, eq=False)
class Audit(Result):
    """Result of :func:`audit`: the figures, the segment, flow, gap and candidate tables.

    With several templates, ``completeness`` and the tables' rows pool them (each row carries
    its ``template``); ``per_template`` holds each template's own figures and gaps (impacts
    measured on that template's index alone).
    """

    cluster: str
    cluster_name: str
    templates: list[str]
    completeness: dict[str, float]
    segments: pd.DataFrame
    flows: pd.DataFrame
    gaps: pd.DataFrame
    candidates: pd.DataFrame
    per_template: dict[str, dict[str, Any]] = field(default_factory=dict)
    local_sourcing: float | None = None
    cluster_name_zh: str | None = None
    links_known: bool = True
    survey: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SURVEY_COLUMNS))

    @property
    def cluster_id(self) -> str:
        """The cluster's id (the same as :attr:`cluster`, kept for existing callers)."""
        return self.cluster

    @property
    def figures(self) -> dict[str, float | None]:
        """Headline numbers: the four completeness figures and the local sourcing rate."""
        return {**self.completeness, "local_sourcing": self.local_sourcing}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``segments``, ``flows``, ``gaps`` and ``candidates``."""
        return {"segments": self.segments, "flows": self.flows, "gaps": self.gaps, "candidates": self.candidates}

    @property
    def summary(self) -> dict[str, Any]:
        """The four figures, the cluster's local sourcing rate and counts by status and gap type."""
        flow_statuses = FLOW_STATUSES if self.links_known else (*FLOW_STATUSES, UNKNOWN)
        return {**self.completeness, "local_sourcing": self.local_sourcing,
                "segments": _counts(self.segments["status"], SEGMENT_STATUSES),
                "flows": _counts(self.flows["status"], flow_statuses),
                "gaps": _counts(self.gaps["type"], GAP_TYPES)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (missing values as None)."""
        return {
            "cluster": self.cluster, "cluster_name": self.cluster_name, "cluster_name_zh": self.cluster_name_zh,
            "template": "+".join(self.templates), "templates": list(self.templates),
            "completeness": dict(self.completeness), "summary": self.summary,
            "segments": records(self.segments), "flows": records(self.flows), "gaps": records(self.gaps),
            "candidates": records(self.candidates),
            "links": "known" if self.links_known else "unknown", "survey": records(self.survey),
            "per_template": {tid: {"name": p["name"], "name_zh": p["name_zh"], "completeness": dict(p["completeness"]),
                                   "gaps": records(p["gaps"])} for tid, p in self.per_template.items()},
        }

    def __repr__(self) -> str:
        c = self.completeness
        index = "links unknown" if c["index"] is None else f"index {c['index']:.3f}"
        return f"<Audit {self.cluster!r} ({'+'.join(self.templates)}): {index}, {len(self.gaps)} gaps>"


def audit(cluster: Cluster, *, template: TemplateArg = None,
          candidates: Cluster | pd.DataFrame | Iterable[Cluster | pd.DataFrame] | None = None,
          top: int = 5) -> Audit:
    """Audit a cluster against its reference chain(s): statuses, gaps with impacts, candidates.

    Parameters
    ----------
    cluster : the cluster
    template : as in :func:`completeness`
    candidates : where to look for firms that could fill a gap (招商 targets): other clusters
        (e.g. every bundled dataset) and/or DataFrames of firms (``firm_id``, ``name``,
        ``segments``; optional ``role``, ``output``, ``name_zh``, ``cluster``). The cluster's own
        external firms are always considered.
    top : candidates kept per gap (and per origin group for strengthen gaps)

    Returns
    -------
    Audit

    Examples
    --------
    >>> import chainnet
    >>> a = audit(chainnet.load_dataset("demo_copper"))
    >>> a.gaps[["type", "id"]].head(3).to_dict("records")
    [{'type': 'strengthen', 'id': 'smelting'}, {'type': 'strengthen', 'id': 'smelting->cathode'}, {'type': 'strengthen', 'id': 'ore'}]
    >>> a.summary["segments"]
    {'present': 3, 'weak': 7, 'missing': 8}
    """
    if top < 0:
        raise ChainnetError(f"top={top} must be >= 0")
    tpls = resolve(cluster, template)
    prep = Prepared(cluster, tpls)
    chains, known = prep.chains, prep.links_known
    base = [(c.covered, c.realized) for c in chains]
    overall = _chain.figures(chains, base, links_known=known)
    names = _FirmNames(cluster)
    seg_rows, flow_rows, gap_rows = [], [], []
    per_template: dict[str, dict[str, Any]] = {}
    for i, ch in enumerate(chains):
        seg_rows.append(_segment_table(ch))
        flow_rows.append(_flow_table(ch, links_known=known))
        gaps = _gaps(chains, i, base, names, links_known=known)
        t = ch.t.template
        per_template[t.id] = {"name": t.name, "name_zh": t.name_zh,
                              "completeness": _chain.figures([ch], links_known=known),
                              "gaps": _gap_table(gaps, "impact")}
        gap_rows += gaps
    gaps_all = _gap_table(gap_rows, "impact_all")
    flows = pd.concat(flow_rows, ignore_index=True)
    return Audit(
        cluster=cluster.meta.get("id", ""), cluster_name=cluster.meta.get("name", ""),
        templates=[t.id for t in tpls], completeness=overall,
        segments=pd.concat(seg_rows, ignore_index=True), flows=flows,
        gaps=gaps_all, candidates=rank_candidates(cluster, gaps_all, tpls, candidates, top=top,
                                                  local_pairs=prep.local_pairs, partners=prep.partners),
        per_template=per_template, local_sourcing=prep.local_sourcing(), cluster_name_zh=cluster.meta.get("name_zh"),
        links_known=known, survey=survey_table(flows, chains))


def local_sourcing(cluster: Cluster) -> float | None:
    """Local sourcing rate (本地配套率): share of the supply weight bought by local firms that comes
    from local firms; None when local firms buy nothing.

    >>> import chainnet
    >>> round(local_sourcing(chainnet.load_dataset("demo_copper")), 3)
    1.0
    """
    # the share reads only the links and the local mask, the same in every vocabulary's encoding:
    # reuse one already built (audit's) rather than encode the cluster again
    cached = _chain.cached_arrays(cluster)
    return _chain.local_share(next(iter(cached.values())) if cached else _chain.cluster_arrays(cluster, []))


# -- tables --------------------------------------------------------------------------------
def _segment_table(ch: Chain) -> pd.DataFrame:
    t, segs = ch.t.template, ch.t.template.segments
    status = np.where(ch.seg_firms >= 2, "present", np.where(ch.seg_firms == 1, "weak", "missing"))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(ch.bought > 0, ch.bought_local / np.where(ch.bought > 0, ch.bought, 1), np.nan)
    df = pd.DataFrame({
        "template": t.id, "segment": segs["id"], "name": segs["name"], "name_zh": segs["name_zh"],
        "stage": segs["stage"], "weight": segs["weight"].astype(float), "status": status,
        "firms": ch.seg_firms.astype(int), "external_firms": ch.ext_firms.astype(int),
        "external_supply": (ch.seg_firms == 0) & (ch.ext_firms > 0), "local_sourcing": share,
    })
    order = pd.Index(segs["id"]).get_indexer(t.order)
    return df.iloc[order].reset_index(drop=True)


def _flow_table(ch: Chain, *, links_known: bool = True) -> pd.DataFrame:
    cov = ch.covered
    both = cov[ch.t.flow_a] & cov[ch.t.flow_b]
    n = ch.flow_pairs
    unrealised = "broken" if links_known else UNKNOWN
    status = np.where(n >= 2, "present", np.where(n == 1, "weak", np.where(both, unrealised, "missing")))
    flows = ch.t.template.flows
    return pd.DataFrame({
        "template": ch.t.template.id, "from": flows["from"], "to": flows["to"],
        "weight": flows["weight"].astype(float), "status": status, "pairs": n.astype(int),
        "in_house": ch.flow_inhouse.astype(int), "supply_weight": ch.flow_supply,
    })


SURVEY_COLUMNS = ["from", "to", "pairs", "template", "weight", "link_share"]


def survey_table(flows: pd.DataFrame, chains: list[Chain]) -> pd.DataFrame:
    """The ties to verify when links are unknown: one row per ``unknown`` flow, ranked.

    ``pairs`` = local holders of ``from`` x local holders of ``to`` (the firm pairs a survey
    asks about); ``link_share`` = the flow's weight over all template flows (the link coverage
    it would add if confirmed). Ranked by ``link_share`` (largest first), then ``pairs``
    (fewest first: the cheapest questions), then template and chain order.
    """
    firms = {}
    for ch in chains:
        for sid, n in zip(ch.t.seg_ids, ch.seg_firms.tolist()):
            firms[(ch.t.template.id, sid)] = n
    total = float(flows["weight"].sum())
    unknown = flows[flows["status"] == UNKNOWN]
    rows = []
    cols = (unknown[c].tolist() for c in ("from", "to", "template", "weight"))
    for j, (a, b, tid, w) in enumerate(zip(*cols)):
        share = w / total if total > 0 else 1 / len(flows)
        rows.append(({"from": a, "to": b, "pairs": firms[(tid, a)] * firms[(tid, b)], "template": tid,
                      "weight": w, "link_share": round(share, IMPACT_DECIMALS)}, j))
    rows.sort(key=lambda x: (-x[0]["link_share"], x[0]["pairs"], x[1]))
    return pd.DataFrame([r for r, _ in rows], columns=SURVEY_COLUMNS)


# -- gaps ------------------------------------------------------------------------------------
class _FirmNames:
    def __init__(self, cluster: Cluster):
        self.en = cluster.firms["name"].to_numpy(dtype=object)
        zh = cluster.firms["name_zh"]
        self.zh = zh.where(zh.notna(), cluster.firms["name"]).to_numpy(dtype=object)

    def mask_of(self, firm: int) -> np.ndarray:
        """Bool mask over firms selecting one firm (by row)."""
        mask = np.zeros(len(self.en), dtype=bool)
        mask[firm] = True
        return mask


def _gaps(chains: list[Chain], i: int, base: list[tuple[np.ndarray, np.ndarray]],
          names: _FirmNames, *, links_known: bool = True) -> list[dict[str, Any]]:
    """Gap rows of template ``i`` with their impact on the pooled index (``impact_all``) and on
    the template's own index (``impact``); when links are unknown, on segment coverage instead,
    and no gap that needs tie data (connect, weak flow)."""
    ch = chains[i]
    ta = ch.t
    label = _Labels(ta.template)
    cov, real = base[i]
    key = "index" if links_known else "segment_coverage"

    def fig(cs: list[Chain], states: list[tuple[np.ndarray, np.ndarray]]) -> float:
        return _chain.figures(cs, states, links_known=links_known)[key]

    idx_all = fig(chains, base)
    idx_one = fig([ch], [base[i]])
    rows = []

    def what_if(states_all: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
        return (fig(chains, states_all), fig([ch], [states_all[i]]))

    def replace(state: tuple[np.ndarray, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [state if j == i else s for j, s in enumerate(base)]

    def add(kind: str, status: str, seg: str | None, a: str | None, b: str | None,
            after: tuple[float, float], rise: bool, reason: Both) -> None:
        d_all, d_one = ((after[0] - idx_all, after[1] - idx_one) if rise else (idx_all - after[0], idx_one - after[1]))
        rows.append({"template": ta.template.id, "type": kind, "id": seg if seg else f"{a}->{b}", "segment": seg,
                     "from": a, "to": b, "status": status, "impact": round(d_one, IMPACT_DECIMALS),
                     "impact_all": round(d_all, IMPACT_DECIMALS), "reason": reason[0], "reason_zh": reason[1]})

    for s in np.flatnonzero(~cov).tolist():
        c2, r2 = cov.copy(), real.copy()
        c2[s] = True
        touching = ((ta.flow_a == s) & cov[ta.flow_b]) | ((ta.flow_b == s) & cov[ta.flow_a])
        r2[touching] = True
        up, down = bool((ta.upstream[s] & cov).any()), bool((ta.downstream[s] & cov).any())
        kind = "fill" if up and down else "extend"
        add(kind, "missing", ta.seg_ids[s], None, None, what_if(replace((c2, r2))), True,
            _missing_reason(kind, s, ta, cov, up, down, int(ch.ext_firms[s]), int(touching.sum()), label,
                            links_known=links_known))
    both = cov[ta.flow_a] & cov[ta.flow_b]
    for k in np.flatnonzero(both & ~real).tolist() if links_known else ():
        r2 = real.copy()
        r2[k] = True
        a, b = int(ta.flow_a[k]), int(ta.flow_b[k])
        add("connect", "broken", None, ta.seg_ids[a], ta.seg_ids[b], what_if(replace((cov, r2))), True,
            _connect_reason(label(a), label(b), int(ch.seg_firms[a]), int(ch.seg_firms[b])))
    for s in np.flatnonzero(ch.seg_firms == 1).tolist():
        f = int(ch.firm_pair[ch.seg_pair == s][0])
        after = what_if([c.state(drop=names.mask_of(f)) for c in chains])
        add("strengthen", "weak", ta.seg_ids[s], None, None, after, False,
            _weak_segment_reason(label(s), Both(names.en[f], names.zh[f]), after[0] - idx_all, links_known=links_known))
    for k in np.flatnonzero(ch.flow_pairs == 1).tolist() if links_known else ():
        row = int(np.flatnonzero(ch.pair_flow == k)[0])
        f, g = int(ch.pair_src[row]), int(ch.pair_tgt[row])
        if f == g:
            after = what_if([c.state(drop=names.mask_of(f)) for c in chains])
        else:
            after = what_if([c.state(drop_pair=(f, g)) for c in chains])
        a, b = int(ta.flow_a[k]), int(ta.flow_b[k])
        add("strengthen", "weak", None, ta.seg_ids[a], ta.seg_ids[b], after, False,
            _weak_flow_reason(label(a), label(b), Both(names.en[f], names.zh[f]), Both(names.en[g], names.zh[g]),
                              f == g, after[0] - idx_all))
    return rows


_GAP_COLUMNS = ["template", "type", "id", "segment", "from", "to", "status", "impact", "reason", "reason_zh"]


def _gap_table(rows: list[dict[str, Any]], impact: str) -> pd.DataFrame:
    """Gap rows sorted by ``impact`` (largest first), then type (fill, extend, connect,
    strengthen), then id, then template (order kept), as a table whose impact column is ``impact``."""
    rank = {t: i for i, t in enumerate(GAP_TYPES)}
    order = sorted(range(len(rows)), key=lambda j: (-rows[j][impact], rank[rows[j]["type"]], rows[j]["id"], j))
    return pd.DataFrame([{**rows[j], "impact": rows[j][impact]} for j in order], columns=_GAP_COLUMNS)


class _Labels:
    def __init__(self, t: Template):
        segs = t.segments
        self.en = dict(zip(segs["id"], segs["name"]))
        self.zh = {s: (z if isinstance(z, str) else n) for s, n, z in zip(segs["id"], segs["name"], segs["name_zh"])}
        self.ids = list(segs["id"])

    def __call__(self, s: int) -> Both:
        sid = self.ids[s]
        return Both(f"{self.en[sid]} [{sid}]", self.zh[sid])


def _missing_reason(kind: str, s: int, ta: _chain.TemplateArrays, cov: np.ndarray, up: bool, down: bool,
                    n_ext: int, n_flows: int, label: _Labels, *, links_known: bool = True) -> Both:
    """Why a missing segment is a gap, rendered from the catalogue (codes ``gap.fill`` / ``gap.extend`` ...)."""
    rank = {sid: r for r, sid in enumerate(ta.template.order)}
    by_order = sorted(range(len(ta.seg_ids)), key=lambda j: rank[ta.seg_ids[j]])
    if kind == "fill":
        parts = [msg_both("gap.fill", segment=label(s),
                          ups=listing([label(j) for j in reversed(by_order) if ta.upstream[s, j] and cov[j]]),
                          downs=listing([label(j) for j in by_order if ta.downstream[s, j] and cov[j]]))]
    else:
        where = msg_both("gap.where_down" if up else "gap.where_up" if down else "gap.where_apart")
        parts = [msg_both("gap.extend", segment=label(s), where=where)]
    if n_flows:
        parts.append(msg_both("gap.opens_flows" if links_known else "gap.opens_flows_unknown", n=n_flows))
    if n_ext:
        parts.append(msg_both("gap.external_makers", n=n_ext))
    return Both("".join(p.en for p in parts), "".join(p.zh for p in parts))


def _connect_reason(a: Both, b: Both, na: int, nb: int) -> Both:
    return msg_both("gap.connect", a=a, b=b, na=na, nb=nb)


def _points(drop: float) -> str:
    return f"{abs(drop) * 100:.1f}"


def _weak_segment_reason(seg: Both, firm: Both, drop: float, *, links_known: bool = True) -> Both:
    what = Both(t("index"), t("index", "zh")) if links_known else Both(t("segment_coverage"), t("segment_coverage", "zh"))
    return msg_both("gap.weak_segment", firm=firm, segment=seg, what=what, points=_points(drop))


def _weak_flow_reason(a: Both, b: Both, f: Both, g: Both, in_house: bool, drop: float) -> Both:
    code = "gap.weak_flow_in_house" if in_house else "gap.weak_flow_pair"
    return msg_both(code, a=a, b=b, firm=f, other=g, points=_points(drop))


# -- helpers -----------------------------------------------------------------------------------
def _counts(s: pd.Series, keys: tuple[str, ...]) -> dict[str, int]:
    vc = s.value_counts()
    return {k: int(vc.get(k, 0)) for k in keys}


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values; NaN/NA become None (JSON null)."""
    out = []
    cols = list(df.columns)
    for row in zip(*(df[c].to_numpy(dtype=object) for c in cols)):
        d = {}
        for c, x in zip(cols, row):
            if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
                x = None
            elif isinstance(x, np.generic):
                x = x.item()
            d[c] = x
        out.append(d)
    return out


__all__ = ["FIGURES", "GAP_TYPES", "GAP_ZH", "STATUS_ZH", "UNKNOWN", "Audit", "Prepared", "audit", "completeness", "local_sourcing",
           "prepare"]
