"""Life-cycle stage of a cluster (形成期 / 成长期 / 成熟期 / 升级期) from documented indicators.

The founding paper (Zeng et al. 2022, §2.2) describes four stages: **formation** (firms gather
around one or a few leaders, loose ties), **growth** (ties thicken, the division of labour
clears, leaders emerge, many entrants), **maturity** (stable partnerships, a nearly complete
chain, strong leaders, intermediaries, little entry) and **upgrading** (new technology, products
and segments start a new cycle). :func:`lifecycle` measures the cluster in each year of a window
(``Cluster.snapshot``), turns the series into indicators, and scores each stage by the share of
its conditions that hold. Every threshold is a field of :class:`LifecycleRules`; ``docs/profile.md``
lists the conditions.

Growth and upgrading are defined by change, so they need two or more years (firm ``founded``
years or link ``year`` s); with one year they are not assessed, and the verdict's confidence is
scaled down by the share of conditions that could be checked.

>>> import chainnet
>>> r = lifecycle(chainnet.load_dataset("demo_copper"))
>>> r.stage, r.scores["formation"], r.years[0], r.years[-1]
('formation', 0.6, 2014, 2020)
>>> lifecycle(chainnet.load_dataset("demo_copper"), rules=LifecycleRules(min_firms=20)).stage
'insufficient data'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._errors import ChainnetError
from .._messages import Both, msg_both
from .._messages import t as _t
from .._validate import isin
from . import _sparse
from ._json import clean, records
from ._result import Result
from ._snapshots import shared
from .centrality import leader_figures

if TYPE_CHECKING:
    from ..model import Cluster

STAGES = ("formation", "growth", "maturity", "upgrading")
#: Stage names in Chinese (read from the message catalogue).
STAGE_ZH = {k: _t(k, "zh") for k in (*STAGES, "insufficient data")}
#: Stages defined by change over time: never assessed from one year.
TREND_STAGES = ("growth", "upgrading")
INSUFFICIENT = "insufficient data"


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds of the stage rules (see ``docs/profile.md``); rates are per year.

    Parameters
    ----------
    window : years looked back from the last year when ``years`` is not given
    min_firms : fewer local firms than this in the last year gives "insufficient data"
    min_known : a trend indicator needs entry years (``founded``) for at least this share of
        local firms, or link years for this share of the links it counts
    small_cluster : formation: fewer local firms than this; growth: at least this many
    loose_links_per_firm : formation: fewer local supply links per local firm than this
    low_completeness : formation: completeness index below this
    few_leaders : formation: between 1 and this many local leaders
    young_median_age : formation: median age of local firms (years since ``founded``) below this;
        upgrading: at least this (an established base renewing itself)
    fast_growth : growth: local firm count growing at least this fast (compound annual rate)
    high_entry : growth: entrants per year at least this share of the local firms
    rising_links : growth: local supply links per firm rising by more than this per year
    leader_rise : growth: leader dominance up by at least this much over the window (or more leaders)
    rising_completeness : growth: completeness index rising by more than this per year
    stable_growth : maturity: firm count growth between minus and plus this
    low_entry : maturity: entrants per year below this share of the local firms
    high_completeness : maturity and upgrading: completeness index at least this
    strong_leader_dominance : maturity: leaders take part in at least this share of supply weight
    intermediaries_per_firm : maturity: at least this many local service providers per local firm
    dense_links_per_firm : maturity: at least this many local supply links per local firm
    min_new_segments : upgrading: at least this many template segments newly covered in the window
    rd_per_firm : upgrading: at least this many R&D ties per local firm
    rising_rd : upgrading: R&D ties per local firm rising by more than this per year
    min_evaluable : a stage is scored only when conditions carrying at least this share of its
        weight could be checked
    weights : weight of a condition (``"stage.condition"``), default 1
    """

    window: int = 6
    min_firms: int = 5
    min_known: float = 0.5
    small_cluster: int = 30
    loose_links_per_firm: float = 1.0
    low_completeness: float = 0.5
    few_leaders: int = 3
    young_median_age: float = 8.0
    fast_growth: float = 0.08
    high_entry: float = 0.06
    rising_links: float = 0.02
    leader_rise: float = 0.05
    rising_completeness: float = 0.005
    stable_growth: float = 0.03
    low_entry: float = 0.03
    high_completeness: float = 0.8
    strong_leader_dominance: float = 0.3
    intermediaries_per_firm: float = 0.01
    dense_links_per_firm: float = 2.0
    min_new_segments: int = 1
    rd_per_firm: float = 0.25
    rising_rd: float = 0.01
    min_evaluable: float = 0.5
    weights: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class _Condition:
    stage: str
    key: str
    en: str
    zh: str
    needs: tuple[str, ...]
    any_of: bool = False  # checked when any of ``needs`` is known (else all must be)


def _conditions(r: LifecycleRules) -> list[_Condition]:
    """The stage conditions, with their text filled from the thresholds."""
    C = _Condition
    return [
        C("formation", "small", f"fewer than {r.small_cluster} local firms", f"本地企业少于{r.small_cluster}家",
          ("firms",)),
        C("formation", "loose_ties", f"fewer than {r.loose_links_per_firm:g} local supply links per firm",
          f"每家企业本地供应链接少于{r.loose_links_per_firm:g}条", ("links_per_firm",)),
        C("formation", "incomplete_chain", f"completeness index below {r.low_completeness:g}",
          f"完整度指数低于{r.low_completeness:g}", ("completeness",)),
        C("formation", "few_leaders", f"1 to {r.few_leaders} leader firms", f"龙头企业1至{r.few_leaders}家",
          ("leaders",)),
        C("formation", "young_firms", f"median firm age below {r.young_median_age:g} years",
          f"企业年龄中位数低于{r.young_median_age:g}年", ("median_age",)),
        C("growth", "sizeable", f"at least {r.small_cluster} local firms", f"本地企业不少于{r.small_cluster}家",
          ("firms",)),
        C("growth", "fast_growth", f"firm count growing at least {r.fast_growth:.0%} a year",
          f"企业数年均增长不低于{r.fast_growth:.0%}", ("firm_growth",)),
        C("growth", "many_entrants", f"entrants at least {r.high_entry:.0%} of firms a year",
          f"每年新进入企业不少于企业数的{r.high_entry:.0%}", ("entry_rate",)),
        C("growth", "ties_thickening", f"supply links per firm rising more than {r.rising_links:g} a year",
          f"每家企业供应链接数年均增加超过{r.rising_links:g}", ("links_per_firm_trend",)),
        C("growth", "leaders_emerging", f"more leaders, or leader dominance up at least {r.leader_rise:g}",
          f"龙头企业增加或龙头主导度上升不少于{r.leader_rise:g}", ("leader_change", "leader_dominance_change"),
          any_of=True),
        C("growth", "chain_filling", f"completeness index rising more than {r.rising_completeness:g} a year",
          f"完整度指数年均上升超过{r.rising_completeness:g}", ("completeness_trend",)),
        C("maturity", "stable_count", f"firm count changing less than {r.stable_growth:.0%} a year",
          f"企业数年均变化小于{r.stable_growth:.0%}", ("firm_growth",)),
        C("maturity", "few_entrants", f"entrants below {r.low_entry:.0%} of firms a year",
          f"每年新进入企业少于企业数的{r.low_entry:.0%}", ("entry_rate",)),
        C("maturity", "near_complete_chain", f"completeness index at least {r.high_completeness:g}",
          f"完整度指数不低于{r.high_completeness:g}", ("completeness",)),
        C("maturity", "strong_leaders", f"leaders in at least {r.strong_leader_dominance:.0%} of supply weight",
          f"龙头主导度不低于{r.strong_leader_dominance:.0%}", ("leaders", "leader_dominance")),
        C("maturity", "intermediaries", f"at least {r.intermediaries_per_firm:g} service providers per firm",
          f"每家企业对应服务机构不少于{r.intermediaries_per_firm:g}家", ("services_per_firm",)),
        C("maturity", "dense_ties", f"at least {r.dense_links_per_firm:g} local supply links per firm",
          f"每家企业本地供应链接不少于{r.dense_links_per_firm:g}条", ("links_per_firm",)),
        C("maturity", "no_new_segments", "no chain segment newly covered in the window", "观察期内无新增环节",
          ("new_segments",)),
        C("upgrading", "mature_base", f"completeness index at least {r.high_completeness:g}",
          f"完整度指数不低于{r.high_completeness:g}", ("completeness",)),
        C("upgrading", "established_firms", f"median firm age at least {r.young_median_age:g} years",
          f"企业年龄中位数不低于{r.young_median_age:g}年", ("median_age",)),
        C("upgrading", "new_segments", f"at least {r.min_new_segments} chain segment(s) newly covered",
          f"新增覆盖环节不少于{r.min_new_segments}个", ("new_segments",)),
        C("upgrading", "rd_ties", f"at least {r.rd_per_firm:g} R&D ties per firm",
          f"每家企业研发合作不少于{r.rd_per_firm:g}项", ("rd_per_firm",)),
        C("upgrading", "rd_rising", f"R&D ties per firm rising more than {r.rising_rd:g} a year",
          f"每家企业研发合作数年均增加超过{r.rising_rd:g}", ("rd_per_firm_trend",)),
    ]


def _test(key: str, ind: dict[str, Any], r: LifecycleRules) -> bool:
    """Whether the condition ``stage.key`` holds on the indicators (all of its inputs are known)."""
    g = ind.get
    tests = {
        "formation.small": lambda: g("firms") < r.small_cluster,
        "formation.loose_ties": lambda: g("links_per_firm") < r.loose_links_per_firm,
        "formation.incomplete_chain": lambda: g("completeness") < r.low_completeness,
        "formation.few_leaders": lambda: 1 <= g("leaders") <= r.few_leaders,
        "formation.young_firms": lambda: g("median_age") < r.young_median_age,
        "growth.sizeable": lambda: g("firms") >= r.small_cluster,
        "growth.fast_growth": lambda: g("firm_growth") >= r.fast_growth,
        "growth.many_entrants": lambda: g("entry_rate") >= r.high_entry,
        "growth.ties_thickening": lambda: g("links_per_firm_trend") > r.rising_links,
        "growth.leaders_emerging": lambda: (g("leader_change") or 0) > 0
        or (g("leader_dominance_change") or 0) >= r.leader_rise,
        "growth.chain_filling": lambda: g("completeness_trend") > r.rising_completeness,
        "maturity.stable_count": lambda: abs(g("firm_growth")) < r.stable_growth,
        "maturity.few_entrants": lambda: g("entry_rate") < r.low_entry,
        "maturity.near_complete_chain": lambda: g("completeness") >= r.high_completeness,
        "maturity.strong_leaders": lambda: g("leaders") >= 1 and g("leader_dominance") >= r.strong_leader_dominance,
        "maturity.intermediaries": lambda: g("services_per_firm") >= r.intermediaries_per_firm,
        "maturity.dense_ties": lambda: g("links_per_firm") >= r.dense_links_per_firm,
        "maturity.no_new_segments": lambda: len(g("new_segments")) == 0,
        "upgrading.mature_base": lambda: g("completeness") >= r.high_completeness,
        "upgrading.established_firms": lambda: g("median_age") >= r.young_median_age,
        "upgrading.new_segments": lambda: len(g("new_segments")) >= r.min_new_segments,
        "upgrading.rd_ties": lambda: g("rd_per_firm") >= r.rd_per_firm,
        "upgrading.rd_rising": lambda: g("rd_per_firm_trend") > r.rising_rd,
    }
    return bool(tests[key]())


@dataclass(frozen=True, eq=False, repr=False)
class Lifecycle(Result):
    """The life-cycle verdict for one cluster.

    Attributes
    ----------
    cluster_id : the cluster's id
    stage : ``formation``, ``growth``, ``maturity``, ``upgrading`` or ``"insufficient data"``
    confidence : (best stage score - second best) x share of the best stage's condition weight
        that could be checked, in [0, 1]; 0 for "insufficient data"
    scores : each stage's score (met weight / checked weight), None when not assessed
    evaluable : share of each stage's condition weight that could be checked
    reasons : the conditions of the verdict's stage that hold (English); ``reasons_zh`` in Chinese
    conditions : one row per condition: stage, condition, text, inputs, met (True/False/None)
    indicators : the indicators the conditions read (None where the data cannot give them)
    series : one row per year analysed
    years : the years analysed
    notes : what limited the verdict and which data would lift it; ``notes_zh`` the same in Chinese
    rules : the thresholds used
    """

    cluster_id: str
    stage: str
    confidence: float
    scores: dict[str, float | None]
    evaluable: dict[str, float]
    reasons: list[str]
    reasons_zh: list[str]
    conditions: pd.DataFrame
    indicators: dict[str, Any]
    series: pd.DataFrame
    years: list[int]
    notes: list[str] = field(default_factory=list)
    notes_zh: list[str] = field(default_factory=list)
    rules: LifecycleRules = field(default_factory=LifecycleRules)

    @property
    def stage_zh(self) -> str:
        return STAGE_ZH[self.stage]

    @property
    def figures(self) -> dict[str, float | None]:
        """Headline numbers: the confidence and each stage's score (``score_<stage>``)."""
        return {"confidence": self.confidence, **{f"score_{k}": v for k, v in self.scores.items()}}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``conditions`` and the per-year ``series``."""
        return {"conditions": self.conditions, "series": self.series}

    def _brief(self) -> str:
        return f"stage {self.stage}, confidence {self.confidence:.2f}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: verdict, scores, reasons, conditions, indicators, per-year series, rules."""
        return {"cluster": self.cluster_id, "stage": self.stage, "stage_zh": self.stage_zh,
                "confidence": clean(self.confidence), "scores": clean(self.scores),
                "evaluable": clean(self.evaluable), "reasons": list(self.reasons),
                "reasons_zh": list(self.reasons_zh), "years": list(self.years), "notes": list(self.notes),
                "indicators": clean(self.indicators), "conditions": records(self.conditions),
                "series": records(self.series), "rules": clean(asdict(self.rules))}


def lifecycle(cluster: Cluster, years: list[int] | None = None, *, rules: LifecycleRules | None = None) -> Lifecycle:
    """Classify a cluster's life-cycle stage from its history (formation, growth, maturity, upgrading).

    Parameters
    ----------
    cluster : the cluster
    years : the years to compare (snapshots); default: every year of the last ``rules.window``
        years up to the cluster's ``year`` (or its latest firm/link year), from its first year with
        data. One year (or no entry and link years at all) gives a single-year verdict.
    rules : thresholds (default :class:`LifecycleRules`)

    Returns
    -------
    Lifecycle

    Examples
    --------
    >>> import chainnet
    >>> r = lifecycle(chainnet.load_dataset("tongling_copper"))
    >>> r.stage, r.years
    ('maturity', [2015, 2016, 2017, 2018, 2019, 2020, 2021])
    >>> r.reasons[:2]
    ['completeness index at least 0.8', 'at least 0.01 service providers per firm']
    >>> lifecycle(chainnet.load_dataset("tongling_copper"), years=[2021]).scores["growth"] is None
    True
    """
    rules = rules or LifecycleRules()
    ys = _years(cluster, years, rules)
    notes: list[Both] = []
    rows, end = [], cluster
    with shared(cluster) as cut:  # cut once per year, shared with the report's timeline (_snapshots)
        for y in ys:  # one snapshot at a time: each is let go once its row is taken (the last is kept)
            end = None  # the previous year goes before the next is cut: two would be held at once (~1 GB each at 10^6 firms)
            end = cut.get(y)
            rows.append(_year_row(end))
            cut.done(y)
    series = pd.DataFrame(rows if ys else [_year_row(cluster)])
    series.insert(0, "year", ys if ys else [cluster.meta.get("year")])
    ind, trend_ok = _indicators(cluster, end, series, rules, notes)
    table = _check(ind, rules, trend_ok)
    scores, evaluable = _score(table, rules)
    if not trend_ok:
        notes.append(msg_both("lc.no_trend"))
    n_end = int(ind["firms"] or 0)
    ranked = sorted(((s, st) for st, s in scores.items() if s is not None), key=lambda x: -x[0])
    if n_end < rules.min_firms or not ranked:
        if n_end < rules.min_firms:
            when = series["year"].iat[-1]
            notes.insert(0, msg_both("lc.few_firms", n=n_end, need=rules.min_firms,
                                     when=msg_both("lc.in_year", year=when) if when is not None else Both("", "")))
        else:
            notes.insert(0, msg_both("lc.no_stage"))
        stage, conf, reasons, reasons_zh = INSUFFICIENT, 0.0, [], []
    else:
        best, stage = ranked[0]
        second = ranked[1][0] if len(ranked) > 1 else 0.0
        conf = float(np.clip((best - second) * evaluable[stage], 0.0, 1.0))
        if len(ranked) > 1 and best == second:
            notes.append(msg_both("lc.tie", stage=Both(stage, STAGE_ZH[stage]), best=best,
                                  other=Both(ranked[1][1], STAGE_ZH[ranked[1][1]])))
        if best < 0.5:
            notes.append(msg_both("lc.poor_fit", stage=Both(stage, STAGE_ZH[stage]), best=best))
        won = table[(table["stage"] == stage).to_numpy() & _is_true(table["met"])]
        reasons, reasons_zh = list(won["text"]), list(won["text_zh"])
    return Lifecycle(cluster_id=cluster.meta.get("id", ""), stage=stage, confidence=conf, scores=scores,
                     evaluable=evaluable, reasons=reasons, reasons_zh=reasons_zh, conditions=table,
                     indicators=ind, series=series, years=[int(y) for y in series["year"] if y is not None],
                     notes=[x.en for x in notes], notes_zh=[x.zh for x in notes], rules=rules)


def _check(ind: dict[str, Any], rules: LifecycleRules, trend_ok: bool) -> pd.DataFrame:
    """One row per condition: its text, inputs, weight and ``met`` (True, False, or None when not checked)."""
    conds = _conditions(rules)
    weights = dict(rules.weights)
    unknown = set(weights) - {f"{c.stage}.{c.key}" for c in conds}
    if unknown:
        raise ChainnetError(f"LifecycleRules.weights names unknown conditions {sorted(unknown)}; use "
                            "'stage.condition', e.g. 'growth.fast_growth' (docs/profile.md lists them)")
    rows = []
    for c in conds:
        key = f"{c.stage}.{c.key}"
        have = [ind.get(n) is not None for n in c.needs]
        known = (any(have) if c.any_of else all(have)) and (trend_ok or c.stage not in TREND_STAGES)
        rows.append({"stage": c.stage, "condition": c.key, "text": c.en, "text_zh": c.zh,
                     "inputs": ", ".join(c.needs), "weight": float(weights.get(key, 1.0)),
                     "met": _test(key, ind, rules) if known else None})
    return pd.DataFrame(rows)


def _score(table: pd.DataFrame, rules: LifecycleRules) -> tuple[dict[str, float | None], dict[str, float]]:
    """Each stage's score (met weight / checked weight; None when too little is checked) and checked share."""
    scores: dict[str, float | None] = {}
    evaluable: dict[str, float] = {}
    for st in STAGES:
        t = table[table["stage"] == st]
        w = t["weight"].to_numpy(dtype=float)
        checked = t["met"].notna().to_numpy()
        evaluable[st] = float(w[checked].sum() / w.sum()) if w.sum() > 0 else 0.0
        ok = evaluable[st] >= rules.min_evaluable and w[checked].sum() > 0
        scores[st] = float(w[checked & _is_true(t["met"])].sum() / w[checked].sum()) if ok else None
    return scores, evaluable


def _is_true(s: pd.Series) -> np.ndarray:
    return np.array([x is True for x in s], dtype=bool)


def _years(cluster: Cluster, years: list[int] | None, rules: LifecycleRules) -> list[int]:
    if years is not None:
        ys = sorted({int(y) for y in years})
        if not ys:
            raise ChainnetError("years= is empty; give at least one year, or None for the default window")
        return ys
    known = cluster.years()
    end = cluster.meta.get("year") if isinstance(cluster.meta.get("year"), int) else (known[-1] if known else None)
    if end is None:
        return []
    if not known:
        return [end]
    start = max(end - rules.window, min(known))
    return list(range(start, end + 1)) if start < end else [end]


def _year_row(snap: Cluster) -> dict[str, Any]:
    """Figures of one snapshot: firms, links, leaders, completeness, segments, R&D, institutions."""
    firms = snap.firms
    local = snap.local_mask
    n = int(local.sum())
    g = _sparse.supply_graph(snap)
    role = firms["role"].to_numpy(dtype=object)
    lf = leader_figures(g, role[g.rows])
    inside = ~firms["external"].to_numpy(dtype=bool)
    ids = firms["firm_id"][local]
    links = snap.links
    rd = links[(links["kind"] == "rd").to_numpy(dtype=bool)]
    rd_n = int((isin(rd["source"], ids) | isin(rd["target"], ids)).sum()) if len(rd) else 0
    segs = {s for t in snap.templates for s in t.segment_ids}
    covered = sorted({s for t in firms["segments"].to_numpy(dtype=object)[local] for s in t} & segs)
    index = None
    if snap.templates:
        from .completeness import completeness

        index = completeness(snap)["index"]
    return {
        "firms": n, "leaders": int(((role == "leader") & local).sum()),
        # a firm list (links unknown) measures no tie: None, so stage conditions on ties are skipped
        **({"supply_links": g.m, "links_per_firm": g.m / n if n else None,
            "density": g.m / (n * (n - 1)) if n > 1 else None, "clustering": transitivity(g)} if snap.links_known
           else dict.fromkeys(("supply_links", "links_per_firm", "density", "clustering"))),
        "leader_dominance": lf["leader_dominance"], "completeness": index,
        "segments_covered": len(covered), "covered": covered,
        "rd_ties": rd_n, "rd_per_firm": rd_n / n if n else None,
        "institutions": int(((role == "institution") & inside).sum()),
        "services": int(((role == "service") & inside).sum()),
        "services_per_firm": int(((role == "service") & inside).sum()) / n if n else None,
    }


def transitivity(g: _sparse.SupplyGraph) -> float | None:
    """Global clustering (transitivity) of the undirected local supply graph: closed / connected triples.

    3 × triangles / connected triples = Σ closed ordered triples / Σ_i d_i (d_i − 1).

    None when no firm has two partners.
    """
    d = g.degree.astype(float)
    triples = float((d * (d - 1)).sum())
    if triples == 0:
        return None
    # igraph counts triangles by ordered neighbour marking, linear in practice (no squared matrix)
    return _sparse.transitivity(g)


def _slope(x: pd.Series, y: pd.Series) -> float | None:
    ok = y.notna().to_numpy()
    if ok.sum() < 2:
        return None
    xs, ys = x.to_numpy(dtype=float)[ok], y.to_numpy(dtype=float)[ok]
    if np.ptp(xs) == 0:
        return None
    return float(np.polyfit(xs, ys, 1)[0])


def _indicators(cluster: Cluster, end: Cluster, series: pd.DataFrame, rules: LifecycleRules,
                notes: list[Both]) -> tuple[dict[str, Any], bool]:
    """Indicators for the conditions (``end``: the snapshot of the last year); trend indicators
    only where entry or link years back them."""
    last, first = series.iloc[-1], series.iloc[0]
    local_end = end.firms[end.local_mask]
    founded = local_end["founded"].astype("Float64")
    f_known = float(founded.notna().mean()) if len(local_end) else 0.0
    sup = end.links[(end.links["kind"] == "supply").to_numpy(dtype=bool)]
    rd = end.links[(end.links["kind"] == "rd").to_numpy(dtype=bool)]
    l_known = float(sup["year"].notna().mean()) if len(sup) else 0.0
    r_known = float(rd["year"].notna().mean()) if len(rd) else 0.0
    year_end = series["year"].iat[-1]
    ind: dict[str, Any] = {k: _num(last[k]) for k in ("firms", "links_per_firm", "clustering", "leaders",
                                                      "leader_dominance", "completeness", "rd_per_firm",
                                                      "services_per_firm")}
    ind["institutions_per_firm"] = float(last["institutions"] / last["firms"]) if last["firms"] else None
    ind["median_age"] = float(year_end - founded.dropna().median()) \
        if year_end is not None and f_known >= rules.min_known else None
    ind["founded_known"], ind["link_years_known"] = f_known, l_known
    multi = len(series) >= 2
    firm_trend = multi and f_known >= rules.min_known
    link_trend = multi and (f_known >= rules.min_known or l_known >= rules.min_known)
    rd_trend = multi and (f_known >= rules.min_known or (len(rd) > 0 and r_known >= rules.min_known))
    trend_ok = firm_trend or link_trend
    span = float(year_end - series["year"].iat[0]) if multi else 0.0
    for k in ("firm_growth", "entry_rate", "entrants", "new_segments", "links_per_firm_trend", "completeness_trend",
              "leader_change", "leader_dominance_change", "rd_per_firm_trend"):
        ind[k] = None
    if not multi:
        notes.append(msg_both("lc.one_year"))
    elif not firm_trend:
        notes.append(msg_both("lc.entry_years", known=f_known, need=rules.min_known))
    if firm_trend:
        valid = series[series["firms"] > 0]
        n0, n1 = float(valid["firms"].iat[0]), float(last["firms"])
        t = float(year_end - valid["year"].iat[0])
        ind["firm_growth"] = (n1 / n0) ** (1 / t) - 1 if t > 0 and n0 > 0 else None
        f_all = cluster.firms[cluster.local_mask]
        fy = f_all["founded"].astype("Float64")
        ex = f_all["exited"].astype("Float64")
        entered = (fy > series["year"].iat[0]) & (fy <= year_end) & (ex.isna() | (ex > year_end))
        ind["entrants"] = int(entered.fillna(False).sum())
        ind["entry_rate"] = ind["entrants"] / n1 / span if n1 and span else None
        ind["new_segments"] = sorted(set(last["covered"]) - set(first["covered"]))
        ind["leader_change"] = int(last["leaders"] - first["leaders"])
    if link_trend:
        ind["links_per_firm_trend"] = _slope(series["year"], series["links_per_firm"].astype(float))
        ind["completeness_trend"] = _slope(series["year"], series["completeness"].astype(float))
        if last["leader_dominance"] is not None and first["leader_dominance"] is not None \
                and not pd.isna(first["leader_dominance"]):
            ind["leader_dominance_change"] = float(last["leader_dominance"] - first["leader_dominance"])
    if rd_trend:
        ind["rd_per_firm_trend"] = _slope(series["year"], series["rd_per_firm"].astype(float))
    return ind, trend_ok


def _num(x: Any) -> Any:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return None
    if isinstance(x, np.generic):
        return x.item()
    return x
