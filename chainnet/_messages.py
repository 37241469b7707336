"""The one message catalogue: every word and sentence chainnet shows a reader, in English and Chinese.

Two tables:

- :data:`TERMS`: words and short labels (statuses, gap types, roles, stages, figures, column
  headers, headings), ``key -> (en, zh)``, read with :func:`t`;
- :data:`MESSAGES`: sentences with parameters, ``code -> (en, zh)``, rendered with :func:`msg`
  (gettext style: analyses keep a code and its parameters, the catalogue writes the words).

One term has one translation everywhere: ``leader`` is 龙头/链主 in tables, figures and prose.

Parameters of a message may be plain values, or :class:`Both` (an English and a Chinese text of
the same thing, e.g. a segment's name), which :func:`msg` picks by language. A field written
``{n:plural|flow|flows}`` gives the singular when ``n == 1`` and the plural otherwise (Chinese has
no plural; its templates do not use it).
"""

from __future__ import annotations

import functools
import re
import string
from typing import Any, NamedTuple

LANGS = ("en", "zh")


class Both(NamedTuple):
    """One text in English and in Chinese (a segment name, a firm name, a listing)."""

    en: str
    zh: str

    def pick(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Text(str):
    """An English string (what JSON and scripts see) that also carries its Chinese rendering as ``.zh``.

    >>> m = Text("exact", "精确计算")
    >>> import copy, pickle
    >>> m == "exact", m.zh, Text.zh_of("plain"), copy.deepcopy(m).zh, pickle.loads(pickle.dumps(m)).zh
    (True, '精确计算', 'plain', '精确计算', '精确计算')
    """

    zh: str

    def __new__(cls, en: str, zh: str) -> Text:
        obj = super().__new__(cls, en)
        obj.zh = zh
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        # copy, deepcopy and pickle rebuild it from both texts
        return (Text, (str(self), self.zh))

    @staticmethod
    def zh_of(x: Any) -> Any:
        """The Chinese rendering of ``x`` if it carries one, else ``x``."""
        return getattr(x, "zh", x)

    @classmethod
    def of(cls, code: str, **params: Any) -> Text:
        """The message ``code`` in English, carrying its Chinese rendering."""
        return cls(msg(code, "en", **params), msg(code, "zh", **params))


TERMS: dict[str, tuple[str, str]] = {
    # statuses and gap types (METRICS.md)
    "present": ("present", "齐全"), "weak": ("weak", "薄弱"), "missing": ("missing", "缺失"),
    "broken": ("broken", "断开"), "unknown": ("unknown (to verify)", "待核实"),
    "fill": ("fill (补链)", "补链"), "extend": ("extend (延链)", "延链"), "connect": ("connect (断链)", "断链"),
    "strengthen": ("strengthen (强链)", "强链"),
    # a cluster whose ties are unknown (links = "unknown" in cluster.toml; METRICS.md)
    "links_unknown": ("links unknown: link figures not measured", "企业间关联未知：未测算关联指标"),
    "survey": ("Ties to survey (links unknown), ranked", "待调查核实的企业关联（关联未知），按优先级排序"),
    "flow_weight_share": ("flow weight share", "衔接权重占比"),
    "link_coverage_min": ("link coverage, lower bound (in-house only)", "衔接覆盖率下限（仅企业内部）"),
    # roles: one term, one translation
    "leader": ("leader", "龙头/链主"), "backbone": ("backbone", "骨干"), "sme": ("SME", "中小企业"),
    "institution": ("institution", "科研机构"), "service": ("service", "服务机构"),
    "external": ("external firm", "外地企业"),
    "leader_firm": ("leader firm", "龙头/链主企业"), "backbone_firm": ("backbone firm", "骨干企业"),
    "sme_firm": ("SME", "中小企业"), "institution_firm": ("institution", "科研机构"),
    "service_firm": ("service provider", "服务机构"), "any_firm": ("firm", "企业"),
    # chain stages and life-cycle stages
    "upstream": ("upstream", "上游"), "midstream": ("midstream", "中游"), "downstream": ("downstream", "下游"),
    "formation": ("formation", "形成期"), "growth": ("growth", "成长期"), "maturity": ("maturity", "成熟期"),
    "upgrading": ("upgrading", "升级期"), "insufficient data": ("insufficient data", "数据不足"),
    # where a candidate firm comes from
    "origin_local": ("local firm", "本地企业"), "origin_partner": ("trading partner outside", "集群外供货伙伴"),
    "origin_elsewhere": ("another cluster", "其他集群"),
    # figures
    "segment_coverage": ("segment coverage", "环节覆盖率"), "link_coverage": ("link coverage", "衔接覆盖率"),
    "path_completeness": ("path completeness", "路径完整度"), "index": ("completeness index", "完整度指数"),
    "local_sourcing": ("local sourcing rate", "本地配套率"),
    "leader_dominance": ("leader dominance", "龙头主导度"), "sme_attachment": ("SME attachment", "中小企业配套率"),
    "leader_reach": ("leader reach", "龙头辐射度"), "degree_centralization": ("degree centralization", "度中心势"),
    "leader_dependence": ("leader dependence", "龙头依赖度"),
    "lwcc": ("largest connected share of local firms", "本地企业最大连通占比"),
    # structure figures compared with random networks (docs/structure.md)
    "core_share": ("share of firms in the strongly connected core", "强连通核心企业占比"),
    "reciprocity": ("reciprocity", "互惠性"), "modularity": ("modularity", "模块度"),
    "assortativity": ("degree assortativity", "度同配性"), "transitivity": ("transitivity", "传递性"),
    "average_clustering": ("average clustering", "平均聚类系数"),
    "observed": ("observed", "观测值"), "null_mean": ("random networks: mean", "随机网络均值"),
    "null_sd": ("random networks: standard deviation", "随机网络标准差"), "z": ("z-score", "z 值"),
    "nulls": ("random networks", "随机网络个数"),
    # resilience (docs/resilience.md)
    "strategy": ("removal order", "移除顺序"), "measure": ("measure", "测度"),
    "auc": ("area under the curve", "曲线下面积"), "auc_lo": ("lowest (random runs)", "最低（随机）"),
    "auc_hi": ("highest (random runs)", "最高（随机）"),
    "strategy_role": ("leaders first", "龙头优先"), "strategy_degree": ("by degree", "按度数"),
    "strategy_betweenness": ("by betweenness", "按介数"), "strategy_random": ("random (min-max)", "随机（最小-最大）"),
    # headings
    "report": ("Cluster report", "产业集群分析报告"), "summary": ("Summary", "概要"),
    "chain_map": ("Chain map", "产业链图谱"), "completeness": ("Chain completeness", "产业链完整度"),
    "segments": ("Segments", "环节"), "flows": ("Flows between segments", "环节间链接"),
    "gaps": ("Gaps: what to fill, extend, connect and strengthen", "补链、延链、断链、强链清单"),
    "candidates": ("Candidate firms (investment attraction)", "招商候选企业"),
    "leaders": ("Leader firms", "龙头/链主企业"), "leader_centrality": ("Leader centrality", "龙头中心性"),
    "mismatches": ("Role consistency", "角色一致性"), "structure": ("Structure", "集群结构"),
    "typology": ("Typology", "集群类型"), "bowtie": ("Bow-tie", "蝴蝶结结构"),
    "communities": ("Communities", "社区"), "significance": ("Against random networks", "与随机网络比较"),
    "firms_by_segment": ("Firms by segment", "各环节企业"), "figures": ("Figures", "图"),
    "sources": ("Sources and evidence", "数据来源与证据"),
    "profile": ("Specialisation, life cycle and world-class gaps", "专业化、生命周期与世界级差距"),
    "timeline": ("Over the years", "历年变化"),
    "position": ("Chain position (upstreamness)", "产业链位置（上游度）"),
    "resilience": ("Resilience: removal curves", "韧性：企业退出曲线"),
    "single_points": ("Single points of failure", "单点故障企业"), "data": ("Data", "数据"),
    "network": ("Supply network", "供货网络"), "degree": ("Degree distribution", "度分布"),
    # column headers (readable: never an internal column name)
    "segment": ("segment", "环节"), "name": ("name", "名称"), "stage": ("stage", "阶段"),
    "status": ("status", "状态"), "firms": ("local firms", "本地企业数"), "external_supply": ("external supply", "外部供给"),
    "from": ("from", "上游环节"), "to": ("to", "下游环节"), "pairs": ("firm pairs", "企业对数"),
    "type": ("type", "类型"), "impact": ("impact", "影响"), "impact_points": ("impact (points)", "影响（百分点）"),
    "reason": ("reason", "原因"), "item": ("item", "对象"),
    "firm": ("firm", "企业"), "firm_id": ("firm id", "企业代码"), "role": ("role", "角色"),
    "output": ("output (100m CNY)", "产值（亿元）"),
    "pagerank": ("PageRank", "PageRank"), "betweenness": ("betweenness", "介数"), "partners": ("partners", "合作伙伴数"),
    "note": ("note", "说明"), "figure": ("figure", "指标"), "value": ("value", "数值"),
    "rank": ("rank", "排名"), "origin": ("origin", "来源"), "cluster": ("found in cluster", "所在集群"),
    "segments_made": ("segments made", "从事环节"), "neighbours": ("neighbouring segments made", "相邻环节数"),
    "why": ("why", "理由"), "out_degree": ("firms supplied", "供货对象数"), "in_degree": ("suppliers", "供应商数"),
    "kcore": ("k-core", "k 核"), "inferred_role": ("role read from the data", "数据推断角色"),
    "declared_role": ("declared role", "申报角色"), "score": ("role score", "角色得分"),
    "weight_share": ("share of supply weight", "供货权重占比"), "firms_reached": ("firms reached", "辐射企业数"),
    "smes_attached": ("SMEs attached", "直接配套中小企业数"), "smes_reached": ("SMEs reached", "辐射中小企业数"),
    "segments_reached": ("segments reached", "辐射环节"), "completeness_lost": ("completeness index lost", "完整度指数损失"),
    "upstreamness": ("upstreamness", "上游度"), "trophic_level": ("trophic level", "营养级"),
    "sales": ("local sales", "本地销售额"), "index_drop": ("completeness index drop", "完整度指数下降"),
    "segments_lost": ("segments lost", "失去的环节"), "flows_lost": ("flows lost", "失去的衔接"),
    "sinks_cut": ("end segments cut off", "被切断的末端环节"), "year": ("year", "年份"),
    "local_firms": ("local firms", "本地企业数"), "all_firms": ("firms and bodies", "企业与机构数"),
    "links": ("ties", "联系数"), "template": ("reference chain", "参照产业链"), "density": ("density", "密度"),
    "n_firms": ("local firms in the supply network", "供货网络中的本地企业数"),
    "n_links": ("local supply links", "本地供货联系数"), "max_kcore": ("largest k-core", "最大 k 核"),
    "n_communities": ("communities", "社区数"), "singletons": ("firms without local supply links", "无本地供货联系的企业数"),
    "pattern": ("pattern", "组织模式"), "external_firms": ("external firms", "外部企业数"),
    "entered": ("firms entered", "新进入企业数"), "left": ("firms left", "退出企业数"),
    "supply_links": ("supply links", "供货联系数"), "chain_step": ("chain step", "产业链步序"),
    "index_after": ("completeness index after", "退出后完整度指数"), "path_drop": ("path completeness drop", "路径完整度下降"),
    "splits_network": ("splits the network", "是否割裂网络"), "firm_segments": ("segments", "从事环节"), "yes": ("yes", "是"), "no": ("no", "否"), "none": ("none", "无"),
    "basis_output": ("output", "产值"), "basis_employees": ("employees", "就业人数"),
    "lq_output": ("location quotient (output)", "区位商（产值）"),
    "lq_employment": ("location quotient (employment)", "区位商（就业）"),
    "cluster_structure": ("Cluster structure", "集群结构"), "chain_position": ("Chain position", "产业链位置"),
    "resilience_short": ("Resilience", "韧性"),
    "core": ("core", "核心"), "in": ("in", "流入"), "out": ("out", "流出"), "tubes": ("tubes", "管道"),
    "tendrils": ("tendrils", "卷须"), "disconnected": ("disconnected", "不连通"),
    # the numbers behind the typology rules
    "institution_tie_share": ("institution tie share", "科研机构联系占比"), "top_participant": ("top participant", "联系最多的主体"),
    "top_participant_is_institution": ("top participant is an institution", "联系最多的主体是否为科研机构"),
    "external_share": ("external share", "跨边界供货权重占比"), "branch_share": ("branch share", "外部控股企业占比"),
    "hubs": ("hubs", "枢纽企业数"), "hub_share": ("hub share", "枢纽企业参与联系占比"), "sme_share": ("SME share", "中小企业占比"),
    "max_firm_weight_share": ("max firm weight share", "单家企业最大供货权重占比"), "top_firm": ("top firm", "最大企业"),
    # the generic to_text of every result (analysis/_result.py)
    "result.figures": ("figures", "主要指标"), "result.tables": ("tables", "数据表"), "result.rows": ("rows", "行"),
    "result.none": ("n/a", "无"),
    # typology (Markusen 1996) and the founding paper's patterns
    "hub-and-spoke": ("hub-and-spoke", "轴辐式"), "Marshallian": ("Marshallian", "马歇尔式"),
    "satellite platform": ("satellite platform", "卫星平台式"), "state-anchored": ("state-anchored", "国家锚定式"),
    "mixed": ("mixed", "混合型"), "no leader": ("no leader", "无龙头"), "leader + SMEs": ("leader + SMEs", "龙头 + 中小企业"),
    "leader + backbone + SMEs": ("leader + backbone + SMEs", "龙头 + 骨干 + 中小企业"),
    "leader + backbone + related firms": ("leader + backbone + related firms", "龙头 + 骨干 + 关联企业"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    # -- gap reasons (analysis/completeness.py) -------------------------------------------------
    "gap.fill": ("No local firm makes {segment}, although the chain is present upstream ({ups}) and "
                 "downstream ({downs}): a hole inside the chain.",
                 "本地没有企业从事{segment}，但其上游（{ups}）和下游（{downs}）都有本地企业：链条中间断档，需要补链。"),
    "gap.extend": ("No local firm makes {segment}, which lies {where}: adding it would extend the chain.",
                   "本地没有企业从事{segment}，该环节位于{where}：引进可以延长产业链。"),
    "gap.where_down": ("downstream of the local chain", "本地链条下游"),
    "gap.where_up": ("upstream of the local chain", "本地链条上游"),
    "gap.where_apart": ("apart from every locally covered segment", "与本地已有环节均不相连的位置"),
    "gap.opens_flows_unknown": (" Covering it would open {n:,} expected {n:plural|flow|flows} with local neighbours "
                                "(ties to survey: the cluster's links are unknown).",
                                "补上后可与本地相邻环节形成{n:,}条上下游关系（本集群企业关联数据未知，需调查核实）。"),
    "gap.opens_flows": (" Covering it would realise {n:,} expected {n:plural|flow|flows} with local neighbours.",
                        "补上后可与本地相邻环节接通{n:,}条上下游关系。"),
    "gap.external_makers": (" {n:,} external {n:plural|firm|firms} in the data already {n:plural|makes|make} it.",
                            "数据中已有{n:,}家外地企业从事该环节，可作为招商对象。"),
    "gap.connect": ("{a} ({na:,} local {na:plural|firm|firms}) and {b} ({nb:,} local {nb:plural|firm|firms}) are "
                    "both present, but no local firm supplies the second from the first and none makes both: the "
                    "chain is broken here; broker local supply between them.",
                    "{a}（本地{na:,}家）和{b}（本地{nb:,}家）都有本地企业，但本地没有从前者到后者的供货，也没有企业同时从事两者："
                    "链条在此断开，需要对接本地供需。"),
    "gap.weak_segment": ("Only one local firm ({firm}) makes {segment}: a single point of failure; if it left, the "
                         "{what} would fall by {points} points.",
                         "本地只有一家企业（{firm}）从事{segment}，存在单点风险；该企业一旦退出，{what}将下降{points}个百分点。"),
    "gap.weak_flow_in_house": ("The flow {a} -> {b} is made locally only in-house, by {firm}; if it failed, the "
                               "completeness index would fall by {points} points.",
                               "{a}→{b}在本地只在{firm}内部完成；一旦中断，完整度指数将下降{points}个百分点。"),
    "gap.weak_flow_pair": ("The flow {a} -> {b} rests on one pair of local firms ({firm} -> {other}); if it failed, "
                           "the completeness index would fall by {points} points.",
                           "{a}→{b}在本地只依靠一对企业（{firm}→{other}）；一旦中断，完整度指数将下降{points}个百分点。"),
    "list.more": ("{items} and {more:,} more", "{items}等{total:,}个环节"),
    # -- why a candidate firm is listed (analysis/candidates.py) --------------------------------
    "cand.local": ("local {role} in {near}, next to {segment}; could add it as a second source{output}",
                   "本地{role}，从事相邻环节{near}，可拓展进入{segment}形成第二来源{output}"),
    "cand.partner": ("{trades}{role} outside the cluster making {segment}{also}{output}",
                     "{trades}集群外的{role}，从事{segment}{also}{output}"),
    "cand.elsewhere": ("{role} in {cluster} making {segment}{also}{output}",
                       "{cluster}的{role}，从事{segment}{also}{output}"),
    "cand.trades": ("already trades with local firms; ", "已与本地企业有供货往来；"),
    "cand.also": (", also makes {segments} next to it in the chain", "，同时从事相邻环节{segments}"),
    "cand.output": ("; output {output:g} (100 million CNY)", "；产值{output:g}亿元"),
    # -- role consistency notes (analysis/centrality.py) ----------------------------------------
    "role.weak_leader_none": ("declared leader but no local firm buys from or sells to it: a leader with weak pull; "
                              "check its links or its role",
                              "申报为龙头/链主，但没有本地企业向其采购或供货：带动力弱；请核实其关联或角色"),
    "role.weak_leader": ("declared leader but only {n:,} local {n:plural|firm buys|firms buy} from or "
                         "{n:plural|sells|sell} to it: a leader with weak pull; check its links or its role",
                         "申报为龙头/链主，但只有{n:,}家本地企业与其有采购或供货往来：带动力弱；请核实其关联或角色"),
    "role.busy_sme": ("an SME that {n:,} local {n:plural|firm|firms} depend on (they buy from or sell to it); check "
                      "whether it is a {inferred}",
                      "该中小企业有{n:,}家本地企业依赖（向其采购或供货）；请核实是否为{inferred}"),
    "role.no_links": ("declared {declared} but has no local supply links and ranks {rank:,} of {n:,} local firms by "
                      "{basis} (score {score:.2f}): check whether its links are missing from the data or its role "
                      "is wrong",
                      "申报为{declared}，但没有本地供货联系，按{basis}在{n:,}家本地企业中排第{rank:,}位（得分{score:.2f}）："
                      "请核实是数据缺少其关联还是角色有误"),
    "role.high": ("declared {declared} but ranks {rank:,} of {n:,} local firms by {basis} (score {score:.2f}), with "
                  "{partners:,} local {partners:plural|partner|partners}: more like {article}; check its role",
                  "申报为{declared}，但按{basis}在{n:,}家本地企业中排第{rank:,}位（得分{score:.2f}），有本地合作伙伴"
                  "{partners:,}家：更像{article}；请核实其角色"),
    "role.low": ("declared {declared} but ranks {rank:,} of {n:,} local firms by {basis} (score {score:.2f}), with "
                 "{partners:,} local {partners:plural|partner|partners}: more like {article}; check its role or "
                 "missing links",
                 "申报为{declared}，但按{basis}在{n:,}家本地企业中排第{rank:,}位（得分{score:.2f}），有本地合作伙伴"
                 "{partners:,}家：更像{article}；请核实其角色或是否缺少关联"),
    "role.basis": ("size, partners and trade weight", "规模、合作伙伴数和交易权重"),
    "role.basis_no_size": ("partners and trade weight", "合作伙伴数和交易权重"),
    "article.sme": ("an SME", "中小企业"), "article.firm": ("a {role} firm", "{role}企业"),
    # -- typology rules (analysis/structure.py) -------------------------------------------------
    "typ.state-anchored": ("an institution has the most ties inside the cluster boundary (all link kinds), or "
                           "institutions are at an end of at least {share:.0%} of those ties",
                           "集群边界内联系最多的主体是科研机构，或科研机构参与了至少{share:.0%}的联系（所有联系类型）"),
    "typ.satellite platform": ("at least {external:.0%} of local firms' supply weight crosses the cluster boundary, "
                               "or at least {branch:.0%} of local firms are tied by ownership to outside firms",
                               "本地企业至少{external:.0%}的供货权重跨越集群边界，或至少{branch:.0%}的本地企业与外部企业有股权关系"),
    "typ.hub-and-spoke": ("the top {fraction:.0%} of local firms by partners ({hubs:,} {hubs:plural|firm|firms}) take "
                          "part in at least {share:.0%} of local supply links",
                          "合作伙伴最多的前{fraction:.0%}本地企业（{hubs:,}家）参与了至少{share:.0%}的本地供货联系"),
    "typ.Marshallian": ("SMEs are at least {sme:.0%} of local firms, no firm has {dominant:.0%} or more of the supply "
                        "weight, and the hubs take part in less than {share:.0%} of supply links",
                        "中小企业至少占本地企业的{sme:.0%}，没有企业占供货权重的{dominant:.0%}以上，且枢纽企业参与的供货联系不足{share:.0%}"),
    "pat.no leader": ("no local firm is declared a leader", "没有本地企业申报为龙头/链主"),
    "pat.leader + SMEs": ("{leaders:,} {leaders:plural|leader|leaders}, no backbone firm",
                          "龙头/链主{leaders:,}家，没有骨干企业"),
    "pat.leader + backbone + SMEs": ("{leaders:,} {leaders:plural|leader|leaders}, {backbone:,} backbone "
                                     "{backbone:plural|firm|firms}; SMEs are {sme:.0%} of local firms (at least "
                                     "{threshold:.0%})",
                                     "龙头/链主{leaders:,}家，骨干企业{backbone:,}家；中小企业占本地企业的{sme:.0%}"
                                     "（不低于{threshold:.0%}）"),
    "pat.leader + backbone + related firms": ("{leaders:,} {leaders:plural|leader|leaders}, {backbone:,} backbone "
                                              "{backbone:plural|firm|firms}; SMEs are {sme:.0%} of local firms (less "
                                              "than {threshold:.0%}), so the ring around the leaders is made of "
                                              "larger related firms",
                                              "龙头/链主{leaders:,}家，骨干企业{backbone:,}家；中小企业占本地企业的{sme:.0%}"
                                              "（低于{threshold:.0%}），龙头周围主要是规模较大的关联企业"),
    # -- the report (chainnet/report.py) --------------------------------------------------------
    "rep.title": ("{name}: Cluster report", "{name}：产业集群分析报告"),
    "rep.lead": ("{bodies}, {links:,} ties; reference "
                 "chain: {chains}. Completeness index {index}: segment coverage {segment_coverage}, link coverage "
                 "{link_coverage}, path completeness {path_completeness}; local sourcing rate {local_sourcing}.",
                 "{bodies}，{links:,} 条联系；参照产业链：{chains}。"
                 "完整度指数 {index}，环节覆盖率 {segment_coverage}，衔接覆盖率 {link_coverage}，路径完整度 {path_completeness}，"
                 "本地配套率 {local_sourcing}。"),
    # the opening count: its parts (local firms, external, institutions, services) add up to the total
    "st.null_cap": ("{n} of the {requested} random networks requested: {requested} × {links:,} links exceeds the "
                    "budget of {budget:,} links (null_budget), so the z-scores rest on {n} random networks",
                    "只生成了所请求 {requested} 个随机网络中的 {n} 个：{requested} × {links:,} 条联系超出合计 {budget:,} 条的"
                    "计算量上限，因此 z 值基于 {n} 个随机网络"),
    "rep.bodies": ("{firms:,} firms and bodies ({parts})", "{firms:,} 家企业与机构（{parts}）"),
    "rep.part": ("{n:,} {what}", "{what} {n:,} 家"),
    "rep.null_models": ("z-scores against {n} degree-preserving random networks (seed {seed}).",
                        "z 值基于 {n} 个保持度序列的随机网络（种子 {seed}）。"),
    "rep.year_step": ("Every {step} years (the last step may be shorter): {n} years shown.",
                      "年份间隔 {step} 年（最后一段可能更短），共 {n} 个年份。"),
    "rep.lead_unknown": ("links unknown: link figures not measured. {bodies} "
                         "and no tie data; reference chain: {chains}. Segment coverage {segment_coverage}; link "
                         "coverage is at least {link_coverage_min} (flows made in-house). Flows between covered "
                         "segments are 'unknown', not broken; the gap list below is the ranked list of ties to survey.",
                         "企业间关联未知：未测算关联指标。{bodies}，没有企业间关联数据；"
                         "参照产业链：{chains}。环节覆盖率 {segment_coverage}，企业内部衔接覆盖率下限 {link_coverage_min}。"
                         "两端环节都有本地企业的上下游衔接标为“待核实”，不判定为断链；下文列出按优先级排序的待调查企业关联。"),
    "rep.gaps_typology": ("Gaps: {gaps}. Typology: {type} ({pattern}).", "差距清单：{gaps}。集群类型：{type}（{pattern}）。"),
    "rep.gaps_survey": ("Gaps: {gaps}; {n:,} {n:plural|tie|ties} to survey.", "差距清单：{gaps}；待调查企业关联 {n:,} 条。"),
    "rep.gap_count": ("{type} {n:,}", "{type} {n:,}"),
    "rep.survey_note": ("Each row is an expected flow between covered segments: holders of 'from' x holders of 'to' = "
                        "local firm pairs to ask; ranked by the flow's weight (largest first), then by pairs (fewest "
                        "first).",
                        "每条为一条上下游衔接：上游环节企业数 × 下游环节企业数 = 需核实的本地企业对数；按衔接权重从大到小、"
                        "企业对数从少到多排序。"),
    "rep.more_rows": ("… {n:,} more rows in report.xlsx.", "……另有 {n:,} 行见 report.xlsx。"),
    "rep.typology": ("Typology: {type} — {pattern}. {rules}", "集群类型：{type}——{pattern}。{rules}"),
    # -- the report at any size: capped tables, the embedded map, steps with their size (issue 15)
    "rep.more_in": ("… and {n:,} more {n:plural|row|rows}; the full table is in {where}.",
                    "……另有 {n:,} 行；完整表格见 {where}。"),
    "rep.map_top": ("The interactive map shows {shown:,} of the {n:,} firms: in every segment its most central "
                    "firms by PageRank, taken in turn; lane colours and gaps are those of the whole cluster. Every "
                    "firm is in firms.parquet; `chainnet plot PATH -o map.html` draws the map of all of them.",
                    "交互地图显示 {n:,} 家企业中的 {shown:,} 家：各环节按 PageRank 轮流选取最核心的企业；"
                    "环节颜色和缺口反映整个集群。全部企业见 firms.parquet；`chainnet plot PATH -o map.html` 可绘制全部企业的地图。"),
    "prog.write_table": ("writing {file} ({n:,} rows)", "写出 {file}（{n:,} 行）"),
    "prog.write_file": ("writing {file}", "写出 {file}"),
    "prog.map": ("embedding the interactive chain map ({n:,} firms)", "嵌入交互式产业链地图（{n:,} 家企业）"),
    "rep.no_timeline": ("No timeline: the data date firms and links (founded, exited, year, until) in fewer than two "
                        "years.", "无历年变化：数据中企业与联系的年份（founded、exited、year、until）不足两年。"),
    "rep.evidence": ("Firm evidence: {reported:,} reported, {modeled:,} modeled (modeled data are constructed, not "
                     "facts).", "企业证据：报道 {reported:,} 家，模拟 {modeled:,} 家（模拟数据不是事实）。"),
    "rep.version": ("chainnet {version}", "chainnet {version}"),
    # -- world-class indicators: what each value rests on, or what is missing (analysis/worldclass.py)
    "wc.no_external": ("the data hold no external firm (external = true): add the cluster's outside suppliers and "
                       "customers to firms.csv", "数据中没有外地企业（external = true）：请在 firms.csv 中补充集群外的供应商和客户"),
    "wc.no_supply_local": ("no supply link touches a local firm", "没有涉及本地企业的供货联系"),
    "wc.external_links": ("{a:,} of {b:,} supply links of local firms, by weight", "本地企业{b:,}条供货联系中的{a:,}条（按权重计）"),
    "wc.top10": ("{k:,} local firm(s) with global_rank <= {top} ({ranked:,} ranked)",
                 "全球排名前{top}的本地企业{k:,}家（{ranked:,}家有排名）"),
    "wc.need_rank": ("add column global_rank to firms.csv (the firm's world rank in its main product, 1 = largest) "
                     "for ranked firms", "请在 firms.csv 中为有排名的企业补充 global_rank 列（主营产品的全球排名，1 = 最大）"),
    "wc.institutions": ("{inst:,} local institution(s), {n:,} local firms", "本地科研机构{inst:,}家，本地企业{n:,}家"),
    "wc.no_local": ("no local firm", "没有本地企业"),
    "wc.rd_ties": ("{n:,} R&D ties of local firms", "本地企业研发合作{n:,}条"),
    "wc.rd_local": ("{a:,} of {b:,} firm-institution R&D ties", "企业与科研机构研发合作{b:,}条中的{a:,}条"),
    "wc.no_rd": ("no R&D tie between a local firm and an institution: add links of kind rd",
                 "本地企业与科研机构之间没有研发合作：请补充 kind 为 rd 的联系"),
    "wc.completeness": ("completeness index against {templates}", "对照参考产业链 {templates} 的完整度指数"),
    "wc.leaders": ("{n:,} local leader(s)", "本地龙头/链主{n:,}家"),
    "wc.no_template": ("the cluster has no template", "集群没有参考产业链"),
    "wc.local_sourcing": ("supply weight bought by local firms", "本地企业采购的供货权重"),
    "wc.no_buy": ("local firms buy nothing (no supply link into a local firm)", "本地企业没有采购（没有流入本地企业的供货联系）"),
    "wc.sme_attachment": ("local SMEs trading with a leader", "与龙头/链主有交易的本地中小企业"),
    "wc.no_sme": ("no local SME", "没有本地中小企业"),
    "wc.lq_need": ("needs regional and national employment or output: {note}", "需要区域和全国的就业或产值数据：{note}"),
    "wc.hhi": ("{basis} of {n:,} local firms", "本地企业{n:,}家的{basis}"),
    "wc.need_output": ("add column output (亿元) to firms.csv", "请在 firms.csv 中补充 output 列（亿元）"),
    "wc.need_small": ("add column above_scale or output to firms.csv", "请在 firms.csv 中补充 above_scale 或 output 列"),
    "wc.need_growth": ("add [economy] {key} (annual growth, 0.05 = 5%) to cluster.toml",
                       "请在 cluster.toml 的 [economy] 中补充 {key}（年增长率，0.05 = 5%）"),
    "wc.export_weighted": ("export_share of {n:,} local firms, weighted by output", "本地企业{n:,}家的 export_share（按产值加权）"),
    "wc.export_mean": ("mean export_share of {n:,} local firms (no outputs to weight)",
                       "本地企业{n:,}家 export_share 的平均值（无产值可加权）"),
    "wc.need_export": ("add column export_share (0-1) to firms.csv or [economy] export_share to cluster.toml",
                       "请在 firms.csv 中补充 export_share 列（0-1），或在 cluster.toml 的 [economy] 中补充 export_share"),
    "wc.no_covered": ("no chain segment is covered by a local firm", "没有环节有本地企业"),
    "wc.research": ("{a:,} of {b:,} covered segments", "有本地企业的{b:,}个环节中的{a:,}个"),
    "wc.not_in_benchmark": ("not in benchmark {id}; {basis}", "不在对标基准 {id} 中；{basis}"),
    # -- life-cycle notes (analysis/lifecycle.py)
    "lc.no_trend": ("growth and upgrading are not assessed: they need two or more years of data (firm founded years "
                    "or link years)", "未评估成长期和升级期：需要两年及以上的数据（企业成立年份或联系年份）"),
    "lc.few_firms": ("only {n:,} local {n:plural|firm|firms}{when}; the classifier needs at least {need:,}",
                     "{when}本地企业仅{n:,}家；判断阶段至少需要{need:,}家"),
    "lc.in_year": (" in {year}", "{year}年"),
    "lc.no_stage": ("no stage could be assessed: too few indicators have data", "无法判断所处阶段：有数据的指标太少"),
    "lc.tie": ("{stage} and {other} score the same ({best:.2f}); the earlier stage is reported",
               "{stage}与{other}得分相同（{best:.2f}）；报告较早的阶段"),
    "lc.poor_fit": ("no stage fits well: the best, {stage}, meets {best:.0%} of its checked conditions",
                    "没有阶段拟合良好：得分最高的{stage}只满足其已检查条件的{best:.0%}"),
    "lc.one_year": ("one year only: trends (firm growth, entry, thickening ties, new segments) need two or more years; "
                    "add founded years to firms.csv and year to links.csv",
                    "只有一年数据：趋势（企业增长、进入、联系加密、新环节）需要两年及以上；请在 firms.csv 中补充 founded 列、"
                    "在 links.csv 中补充 year 列"),
    "lc.entry_years": ("entry years are known for {known:.0%} of local firms (at least {need:.0%} needed): add column "
                       "founded to firms.csv for firm growth, entry and new segments",
                       "仅{known:.0%}的本地企业有成立年份（至少需要{need:.0%}）：请在 firms.csv 中补充 founded 列，以测算企业增长、进入和新环节"),
    # -- concentration notes (analysis/concentration.py)
    "conc.no_size": ("no local firm has an output or employees figure: add column output (亿元) to firms.csv",
                     "没有本地企业有产值或就业人数：请在 firms.csv 中补充 output 列（亿元）"),
    "conc.employees": ("no local firm has an output: shares are of employees; add column output (亿元)",
                       "没有本地企业有产值：份额按就业人数计算；请补充 output 列（亿元）"),
    "conc.unknown": ("{missing:,} of {n:,} local firms have no {basis} and are left out of the shares",
                     "本地企业{n:,}家中{missing:,}家缺少{basis}数据，未计入份额"),
    "conc.no_small": ("share of firms below designated size needs column above_scale (true/false) or output",
                      "规下企业占比需要 above_scale 列（true/false）或 output 列"),
    # -- how betweenness was computed (analysis/_sparse.py)
    "btw.exact": ("exact", "精确计算"),
    "btw.sampled": ("sampled ({k} pivots, seed {seed})", "抽样计算（{k}个枢轴，随机种子{seed}）"),
    "btw.static": ("static (computed once on the intact network)", "静态（在完整网络上计算一次）"),
    # -- how upstreamness was solved (analysis/_upstreamness.py)
    "solver.direct": ("direct (LU)", "直接求解（LU 分解）"),
    "solver.series": ("Neumann series ({n} steps)", "诺伊曼级数（{n}步）"),
    "solver.gmres": ("Neumann series, then GMRES", "诺伊曼级数，再用 GMRES"),
    "solver.none": ("none", "无"),
    # -- progress of `chainnet analyze` ---------------------------------------------------------
    "prog.read": ("reading {path}", "读取 {path}"),
    "prog.done": ("done", "完成"), "prog.done_open": ("done: open {path}", "完成：请打开 {path}"),
    "prog.audit": ("auditing the chain (completeness, gaps, candidates)", "审计产业链（完整度、差距、候选企业）"),
    "prog.leaders": ("measuring leader centrality", "测算龙头中心性"),
    "prog.structure": ("analysing structure ({n:,} random networks)", "分析集群结构（{n:,} 个随机网络）"),
    "prog.structure_capped": ("analysing structure ({n:,} random networks; {requested:,} requested, fewer by the link budget)",
                              "分析集群结构（{n:,} 个随机网络；请求 {requested:,} 个，受联系数预算限制而减少）"),
    "prog.profile": ("profiling specialisation, life cycle and world-class gaps", "分析专业化、生命周期与世界级差距"),
    "prog.position": ("placing firms and segments in the chain (upstreamness)", "测算企业与环节的产业链位置（上游度）"),
    "prog.resilience": ("testing resilience (removal curves, single points of failure)", "检验韧性（企业退出曲线、单点故障）"),
    "prog.timeline": ("following the cluster over {n:,} years ({first}–{last})", "追踪集群历年变化（{n:,} 年，{first}–{last}）"),
    "prog.figures": ("drawing figures", "绘制图表"),
    "prog.write": ("writing the report", "写出报告"),
}


def _merge_command_messages() -> None:
    from ._messages_tables import COMMAND_MESSAGES, SHEET_TERMS

    MESSAGES.update(COMMAND_MESSAGES)
    TERMS.update(SHEET_TERMS)


_merge_command_messages()

class _Formatter(string.Formatter):
    """str.format plus ``{n:plural|one|many}`` and :class:`Both` parameters picked by language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("plural|"):
            one, many = format_spec.split("|")[1:3]
            return one if value == 1 else many
        if isinstance(value, Both):
            value = value.pick(self.lang)
        return super().format_field(value, format_spec)


def _check(lang: str) -> int:
    if lang not in LANGS:
        from ._errors import ChainnetError

        raise ChainnetError(f"lang={lang!r} is not supported; use 'en' or 'zh'")
    return LANGS.index(lang)


def t(key: str, lang: str = "en") -> str:
    """The word for ``key`` in ``lang``; unknown keys come back unchanged.

    >>> t("fill", "zh"), t("weak", "en"), t("leader", "zh"), t("whatever", "zh")
    ('补链', 'weak', '龙头/链主', 'whatever')
    """
    pair = TERMS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]


def both(key: str) -> Both:
    """The term ``key`` in both languages."""
    pair = TERMS.get(key, (key, key))
    return Both(*pair)


def msg(code: str, lang: str = "en", **params: Any) -> str:
    """The sentence ``code`` in ``lang`` with its parameters filled in.

    >>> msg("gap.opens_flows", "en", n=1), msg("gap.opens_flows", "zh", n=2)
    (' Covering it would realise 1 expected flow with local neighbours.', '补上后可与本地相邻环节接通2条上下游关系。')
    >>> msg("rep.title", "zh", name=Both("Tongling", "铜陵"))
    '铜陵：产业集群分析报告'
    """
    template = MESSAGES[code][_check(lang)]
    plain, plurals = _compiled(template)
    if "plural|" in plain:  # a form the fast path does not know: the full formatter
        return _Formatter(lang).format(template, **params)
    # the same text by str.format (C, ~10x faster than string.Formatter: per-firm notes at 10^6 firms)
    values = {k: v.pick(lang) if isinstance(v, Both) else v for k, v in params.items()}
    for i, (name, one, many) in enumerate(plurals):
        values[f"_plural{i}"] = one if params[name] == 1 else many
    return plain.format(**values)


_PLURAL = re.compile(r"\{(\w+):plural\|([^|{}]*)\|([^|{}]*)\}")


@functools.lru_cache(maxsize=1024)
def _compiled(template: str) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """``template`` with each ``{name:plural|one|many}`` field replaced by ``{_pluralI}``, and those fields."""
    if "plural|" not in template or "{{" in template:
        return template, ()
    plurals: list[tuple[str, str, str]] = []

    def number(m: re.Match) -> str:
        plurals.append((m.group(1), m.group(2), m.group(3)))
        return "{_plural" + str(len(plurals) - 1) + "}"

    return _PLURAL.sub(number, template), tuple(plurals)


def msg_both(code: str, **params: Any) -> Both:
    """The sentence ``code`` rendered in English and in Chinese (for the ``reason`` / ``reason_zh`` pairs)."""
    return Both(msg(code, "en", **params), msg(code, "zh", **params))


def words(table: str, lang: str) -> dict[str, Any]:
    """The word table of a command's text output (:mod:`chainnet._messages_tables`) in ``lang``.

    >>> words("audit", "zh")["title"]
    '产业链完整度审计'
    """
    from ._messages_tables import TABLES

    return TABLES[table][LANGS[_check(lang)]]


def listing(items: list[Both], k: int = 3) -> Both:
    """Up to ``k`` names joined (', ' in English, '、' in Chinese), and how many more.

    >>> listing([Both("a", "甲"), Both("b", "乙")])
    Both(en='a, b', zh='甲、乙')
    >>> listing([Both(c, c) for c in "abcd"]).zh
    'a、b、c等4个环节'
    """
    en = ", ".join(x.en for x in items[:k])
    zh = "、".join(x.zh for x in items[:k])
    if len(items) > k:
        return Both(msg("list.more", "en", items=en, more=len(items) - k, total=len(items)),
                    msg("list.more", "zh", items=zh, more=len(items) - k, total=len(items)))
    return Both(en, zh)


#: The reason given wherever a figure that needs tie data is null because the links are unknown.
LINKS_UNKNOWN = TERMS["links_unknown"][0]
LINKS_UNKNOWN_ZH = TERMS["links_unknown"][1]
