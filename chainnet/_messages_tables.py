"""Word tables of the command outputs, by language: part of the message catalogue (:mod:`chainnet._messages`).

Read with :func:`chainnet._messages.words`. Terms shared with reports and figures are in ``TERMS`` and
sentences with parameters in ``MESSAGES``; these tables hold the layout words of each command's text
output (titles, headings, column headers as tuples).
"""

from __future__ import annotations

from typing import Any

TABLES: dict[str, dict[str, dict[str, Any]]] = {}

#: Sentences with parameters of the command outputs (merged into ``MESSAGES``; rendered with ``msg``).
COMMAND_MESSAGES: dict[str, tuple[str, str]] = {
    # -- commands that need ties, on a cluster whose links are unknown (commands/_common.py)
    "cmd.not_measured": ("{what}: {name} ({id})\nlinks unknown: link figures not measured. {what} is read from the "
                         "ties between firms, and this cluster has none on record (links = \"unknown\" in "
                         "cluster.toml). Add links.csv (supply ties) to measure it; `chainnet audit` lists the ties "
                         "to survey first.",
                         "{what}：{name}（{id}）\n企业间关联未知：未测算关联指标。{what}依据企业之间的关联测算，而本集群没有关联记录"
                         "（cluster.toml 中 links = \"unknown\"）。补充 links.csv（供货关联）后即可测算；"
                         "`chainnet audit` 会首先列出待调查核实的企业关联。"),
    # -- progress of the commands on large clusters (commands/_progress.py) ---------------------
    "prog.read_size": ("reading {path} ({mb:,.0f} MB)", "读取 {path}（{mb:,.0f} MB）"),
    "prog.loaded": ("read {firms:,} local firms and {links:,} links", "已读取本地企业{firms:,}家、关联{links:,}条"),
    "prog.plot": ("drawing “{kind}” for {firms:,} local firms and {links:,} local supply links{what}",
                  "绘制“{kind}”（本地企业{firms:,}家，本地供货联系{links:,}条）{what}"),
    "prog.plot_what": ("; first: {what}", "；先测算：{what}"),
    "prog.save": ("writing {path}", "写出 {path}"),
    "prog.communities": ("finding communities (Leiden)", "社区发现（Leiden）"),
    "prog.structure_only": ("the cluster's structure (bow-tie, communities, core-periphery)",
                            "集群结构（蝴蝶结、社区、核心-边缘）"),
    "prog.timeline_only": ("the cluster year by year", "集群历年变化"),
    "prog.cmd_leaders": ("leader centrality of {firms:,} local firms and {links:,} local supply links",
                         "测算龙头中心性（本地企业{firms:,}家，本地供货联系{links:,}条）"),
    "prog.cmd_structure": ("structure of {firms:,} local firms and {links:,} local supply links ({n:,} random "
                           "networks requested)", "分析集群结构（本地企业{firms:,}家，本地供货联系{links:,}条，"
                           "请求{n:,}个随机网络）"),
    "prog.cmd_resilience": ("removal curves of {firms:,} local firms and {links:,} local supply links ({k} "
                            "strateg{k_s}, {steps} steps, {runs} random orders)",
                            "测算企业退出曲线（本地企业{firms:,}家，本地供货联系{links:,}条；{k}种策略，{steps}步，"
                            "{runs}个随机顺序）"),
    "prog.cmd_position": ("chain position (upstreamness) of {firms:,} local firms and {links:,} local supply links",
                          "测算产业链位置（上游度）（本地企业{firms:,}家，本地供货联系{links:,}条）"),
    "prog.cmd_profile": ("profile (specialisation, life cycle, world-class gaps) of {firms:,} local firms",
                         "分析专业化、生命周期与世界级差距（本地企业{firms:,}家）"),
    "prog.cmd_compare": ("comparing {n} clusters ({firms:,} local firms and {links:,} local supply links in all)",
                         "比较{n}个集群（共本地企业{firms:,}家，本地供货联系{links:,}条）"),
    "prog.cmd_timeline": ("following {firms:,} local firms and {links:,} local supply links year by year",
                          "追踪历年变化（本地企业{firms:,}家，本地供货联系{links:,}条）"),
    # -- `chainnet leaders` (commands/leaders.py) ----------------------------------------------
    "ld.title": ("Leader centrality: {name} ({id}), {n:,} local firms", "龙头中心性：{name}（{id}），本地企业{n:,}家"),
    "ld.title_links": ("Leader centrality: {name} ({id}), {n:,} local firms, {links:,} local supply links",
                       "龙头中心性：{name}（{id}），本地企业{n:,}家，本地供货联系{links:,}条"),
    "ld.unmeasured": ("leader dominance, SME attachment, leader reach, degree centralization, leader dependence, "
                      "PageRank, betweenness and k-core: not measured (null in --format json)",
                      "龙头主导度、中小企业配套率、龙头辐射度、度中心势、龙头依赖度、PageRank、介数和 k 核：未测算"
                      "（--format json 中为 null）"),
    "ld.leaders": ("Leaders", "龙头/链主企业"),
    "ld.no_leader": ("no local firm is declared a leader", "没有本地企业申报为龙头/链主"),
    "ld.dominance_def": ("share of supply weight with a leader at either end", "至少一端为龙头/链主的供货权重占比"),
    "ld.attachment_def": ("share of SMEs trading directly with a leader", "与龙头/链主直接交易的中小企业占比"),
    "ld.reach_def": ("share of other firms within two supply hops of a leader", "距龙头/链主两步供货以内的其他企业占比"),
    "ld.centralization_def": ("Freeman; 1 = a star", "Freeman 度中心势；1 = 星形"),
    "ld.dependence_def": ("completeness index lost if all leaders left", "全部龙头/链主退出时完整度指数的损失"),
    "ld.points": ("{x:.1f} pts", "{x:.1f} 个百分点"),
    "ld.by_pagerank": ("Firms by PageRank (top {k:,} of {n:,})", "按 PageRank 排序的企业（{n:,}家中的前{k:,}家）"),
    "ld.mismatches": ("Role mismatches ({n:,})", "角色不一致（{n:,}）"),
    "ld.no_mismatch": ("none: every declared role fits the firm's size and position", "无：每家企业的申报角色都与其规模和位置相符"),
    "ld.head_unknown": ("firm|name|segments", "企业代码|企业|辐射环节"),
    "ld.head_leaders": ("firm|name|weight share|partners|within 2 hops|SMEs attached|SMEs within 2 hops|segments reached|"
                        "completeness lost (pts)",
                        "企业代码|企业|供货权重占比|合作伙伴数|两步以内企业数|直接配套中小企业数|两步以内中小企业数|辐射环节数|"
                        "完整度指数损失（百分点）"),
    "ld.head_firms": ("firm|name|role|inferred|sells to|buys from|partners|pagerank|betweenness|k-core",
                      "企业代码|企业|角色|推断角色|供货对象数|供应商数|合作伙伴数|PageRank|介数|k 核"),
    "ld.head_mismatch": ("firm|name|declared|inferred|what to check", "企业代码|企业|申报角色|推断角色|需核实"),
    # -- `chainnet structure` ---------------------------------------------------------------------
    "st.title": ("Cluster structure: {name} ({id}), {n:,} local firms, {links:,} local supply links",
                 "集群结构：{name}（{id}），本地企业{n:,}家，本地供货联系{links:,}条"),
    "st.head_figures": ("figure|value|random mean|z", "指标|数值|随机网络均值|z 值"),
    "st.random": ("random networks: {n} ({swaps} swap rounds each, seed {seed}); every firm keeps its numbers of "
                  "suppliers and buyers", "随机网络：{n}个（每个交换{swaps}轮，随机种子{seed}）；每家企业的供应商数和客户数保持不变"),
    "st.null_mixed": ("above {threshold:,} links the random networks stop rewiring once mixed: {rounds} swap rounds "
                      "(docs/structure.md, mixing check)",
                      "联系超过 {threshold:,} 条时，随机网络充分混合后即停止重连：实际交换轮数 {rounds}"
                      "（见 docs/structure.md 混合检验）"),
    "st.mixing": ("above {links:,} links, rewiring stops after round r >= {min_rounds} once the share of the observed "
                  "links still present fell by at most {tol:.0%} of itself in round r (at most {max_rounds} rounds)",
                  "联系超过 {links:,} 条时，自第 {min_rounds} 轮起，若某一轮中仍保留的观测联系占比下降不超过其自身的 "
                  "{tol:.0%}，即停止重连（最多 {max_rounds} 轮）"),
    "st.bowtie": ("Bow-tie (direction of supply)", "蝴蝶结结构（按供货方向）"),
    "st.head_bowtie": ("part|firms|share", "部分|企业数|占比"),
    "st.acyclic": ("no two local firms reach each other along supply links (the supply graph has no cycle), so there "
                   "is no strongly connected core and no bow-tie",
                   "沿供货联系没有两家本地企业能够相互到达（供货网络无环），因此没有强连通核心，也没有蝴蝶结结构"),
    "st.no_firms": ("no local firms", "没有本地企业"),
    "st.communities": ("Communities: {n:,} of two or more firms, {single:,} single firms; {method}",
                       "社区：两家及以上企业的社区{n:,}个，单独企业{single:,}家；{method}"),
    "st.method": ("{algorithm}, modularity, seed {seed}, {weighted}, undirected",
                  "{algorithm}，模块度，随机种子{seed}，{weighted}，无向"),
    "st.leiden": ("Leiden (Traag et al. 2019; igraph, 2 iterations)", "Leiden 算法（Traag et al. 2019；igraph，迭代2次）"),
    "st.louvain": ("Louvain (Blondel et al. 2008; igraph multilevel)", "Louvain 算法（Blondel et al. 2008；igraph 多层级）"),
    "st.weighted": ("weighted", "加权"), "st.unweighted": ("unweighted", "不加权"),
    "st.head_communities": ("#|firms|leaders|backbone|SMEs|main segment|links inside|leader firms",
                            "序号|企业数|龙头/链主|骨干|中小企业|主要环节|内部联系占比|龙头/链主企业"),
    "st.core_periphery": ("Core-periphery", "核心-边缘结构"),
    "st.cp_none": ("not defined (fewer than four firms or no links)", "无定义（企业少于四家或没有联系）"),
    "st.cp": ("core of {size:,} firms ({share}), fit {fit:.3f}, core density {core:.3f}, periphery density "
              "{periphery:.3f}; roles in the core: {roles}",
              "核心企业{size:,}家（{share}），拟合度{fit:.3f}，核心密度{core:.3f}，边缘密度{periphery:.3f}；核心中的角色：{roles}"),
    "st.cp_method": ("Borgatti-Everett discrete core-periphery fit (core-periphery pairs ignored), searched over the "
                     "nested order of firms by k-core number then degree; undirected, unweighted",
                     "Borgatti-Everett 离散核心-边缘拟合（不考虑核心-边缘之间的联系），按 k 核数、再按度数排序的嵌套顺序搜索；"
                     "无向，不加权"),
    "st.method_line": ("method: {method}", "方法：{method}"),
    "st.typology": ("Typology: {type}", "集群类型：{type}"), "st.also": (" (also {types})", "（同时符合：{types}）"),
    "st.pattern": ("pattern: {pattern} ({why})", "组织模式：{pattern}（{why}）"),
    # -- `chainnet timeline` ---------------------------------------------------------------------
    "tl.title": ("{name} ({id}) year by year; entered/left: firms since the previous row",
                 "{name}（{id}）历年变化；新进入/退出企业数均相对于上一行年份"),
    "tl.links_unknown": ("links unknown: link figures not measured (shown as —)", "企业间关联未知：未测算关联指标（显示为 —）"),
}

TABLES["audit"] = {
    "en": {"title": "Chain completeness audit", "template": "template", "segment_coverage": "segment coverage",
           "link_coverage": "link coverage", "path_completeness": "path completeness", "index": "completeness index",
           "local_sourcing": "local sourcing rate", "segments": "Segments (upstream to downstream)",
           "flows": "Flows", "gaps": "Gaps (largest impact first)", "candidates": "Candidates",
           "none": "none", "yes": "yes",
           "seg_head": ("segment", "name", "stage", "weight", "status", "firms", "external", "local sourcing"),
           "flow_head": ("from", "to", "weight", "status", "pairs"),
           "gap_head": ("#", "type", "item", "impact (pts)", "reason"),
           "cand_head": ("gap", "#", "firm", "cluster", "why"),
           "gaps_unknown": "Gaps (largest rise of segment coverage first)",
           "survey_head": ("#", "from", "to", "firm pairs to ask", "flow weight share")},
    "zh": {"title": "产业链完整度审计", "template": "参考产业链", "segment_coverage": "环节覆盖率",
           "link_coverage": "衔接覆盖率", "path_completeness": "路径完整度", "index": "完整度指数",
           "local_sourcing": "本地配套率", "segments": "环节（从上游到下游）", "flows": "上下游衔接",
           "gaps": "补链 / 延链 / 断链 / 强链清单（按影响从大到小）", "candidates": "招商与配套候选企业",
           "none": "无", "yes": "有",
           "seg_head": ("环节", "名称", "阶段", "权重", "状态", "本地企业", "外地供给", "本地配套率"),
           "flow_head": ("上游环节", "下游环节", "权重", "状态", "企业对数"),
           "gap_head": ("序号", "类型", "对象", "影响（百分点）", "说明"),
           "cand_head": ("缺口", "排名", "企业", "所在集群", "理由"),
           "gaps_unknown": "补链 / 延链 / 强链清单（按环节覆盖率提升从大到小）",
           "survey_head": ("序号", "上游环节", "下游环节", "待核实企业对数", "衔接权重占比")},
}

TABLES["position"] = {
    "en": {"title": "Chain position: {name} ({id}), {firms:,} local firms, {links:,} local supply links",
           "f0": ("trophic incoherence F0", "0 = every link goes exactly one level up"),
           "corr": ("chain step vs upstreamness",
                    "Spearman; -1 = firms further down the template sit closer to final use"),
           "along": ("supply weight along the chain", "of the weight running along or against it"),
           "against": "links against the chain", "check": "firms to check",
           "unbounded": ("unbounded upstreamness", "firms in closed loops with no sales outside"),
           "rule": "rule", "solver": "solver: {}",
           "rule_links": "sales = supply weight out", "rule_output": "sales = max(output, supply weight out)",
           "rule_final": "; firms without output: supply weight out / (1 - {:g})",
           "segments": "Segments (template order; sales-weighted means of their local firms)",
           "seg_head": ("segment", "stage", "firms", "sales", "upstreamness", "trophic level", "note"),
           "firms": "Firms by upstreamness (top {shown} of {total:,})",
           "firm_head": ("firm", "name", "role", "stage", "sales", "to local firms", "upstreamness",
                         "trophic level"),
           "to_check": "Firms to check ({n:,}){more}",
           "check_head": ("firm", "name", "stage", "upstreamness", "what to check"),
           "check_none": "none: every firm's position fits its declared segments",
           "links": "Supply links against the chain ({n:,}){more}",
           "link_head": ("seller", "buyer", "segments", "weight", "why"),
           "link_none": "none: every supply link runs along the chain or within a stage"},
    "zh": {"title": "产业链位置：{name}（{id}），本地企业{firms:,}家，本地供货链接{links:,}条",
           "f0": ("营养级不一致度 F0", "0 = 每条链接恰好上升一个营养级"),
           "corr": ("链条步序与上游度", "Spearman 秩相关；-1 = 在参考产业链中越靠下游的企业越接近最终使用"),
           "along": ("顺链供货权重占比", "占顺链与逆链供货权重之和"),
           "against": "逆链供货链接", "check": "待核查企业",
           "unbounded": ("上游度无界的企业", "处于闭环且不对外销售的企业"),
           "rule": "规则", "solver": "求解方法：{}",
           "rule_links": "销售额 = 供货权重合计", "rule_output": "销售额 = max(产值, 供货权重合计)",
           "rule_final": "；无产值的企业：供货权重合计 / (1 - {:g})",
           "segments": "环节（按参考产业链顺序；本地企业按销售额加权的平均值）",
           "seg_head": ("环节", "名称", "阶段", "企业数", "销售额", "上游度", "营养级", "说明"),
           "firms": "按上游度排列的本地企业（共{total:,}家，显示前{shown}家）",
           "firm_head": ("企业", "名称", "角色", "阶段", "销售额", "售予本地企业", "上游度", "营养级"),
           "to_check": "待核查企业（{n:,}）{more}",
           "check_head": ("企业", "名称", "阶段", "上游度", "核查事项"),
           "check_none": "无：每家企业的位置都与其申报环节相符",
           "links": "逆链供货链接（{n:,}）{more}",
           "link_head": ("卖方", "买方", "环节", "权重", "原因"),
           "link_none": "无：每条供货链接都顺链或在同一阶段内"},
}

TABLES["resilience_measures"] = {"en": {"lwcc": "Largest connected share of local firms", "index": "Completeness index",
                        "path_completeness": "Path completeness"},
                 "zh": {"lwcc": "本地企业最大连通占比", "index": "完整度指数", "path_completeness": "路径完整度"}}

TABLES["resilience_strategies"] = {"en": {"role": "leaders first", "degree": "by degree", "betweenness": "by betweenness",
                         "random": "random (min-max)"},
                  "zh": {"role": "龙头优先", "degree": "按度数", "betweenness": "按介数", "random": "随机（最小-最大）"}}

TABLES["resilience"] = {
    "en": {"title": "Resilience: {name} ({id}), {n:,} local firms, measured {grid}; {runs} random runs, seed {seed}",
           "per_firm": "after every firm", "steps": "in {} steps",
           "btw": "; betweenness {}, {}",
           "intact": "intact: largest connected share {lwcc}, completeness index {index}, path completeness {path}",
           "auc": "Area under the removal curve (1 = nothing lost until every firm is gone)",
           "auc_head": ("strategy", "largest connected", "completeness index", "path completeness",
                        "R (Schneider)"),
           "after": "{} after each step", "curve_head": ("removed", "share"),
           "spof": "Single points of failure ({:,})",
           "spof_head": ("firm", "role", "index drop (pts)", "sinks cut off", "why"),
           "spof_none": "none: no single firm's loss lowers the completeness index or cuts a chain end off"},
    "zh": {"title": "韧性：{name}（{id}），本地企业{n:,}家，{grid}测量；随机移除{runs}次，随机种子{seed}",
           "per_firm": "每移除一家企业", "steps": "分{}步",
           "btw": "；介数{}，{}",
           "intact": "初始状态：最大连通占比{lwcc}，完整度指数{index}，路径完整度{path}",
           "auc": "移除曲线下面积（1 = 直到全部企业移除前没有任何损失）",
           "auc_head": ("策略", "最大连通占比", "完整度指数", "路径完整度", "R（Schneider）"),
           "after": "每步之后的{}", "curve_head": ("已移除", "占比"),
           "spof": "单点故障企业（{:,}）",
           "spof_head": ("企业", "角色", "指数降幅（百分点）", "被切断的末端环节", "原因"),
           "spof_none": "无：没有哪一家企业的退出会单独降低完整度指数或切断链条末端"},
}

TABLES["whatif"] = {
    "en": {"title": "What if: {name} ({id}) without {who}", "who": "{} ({})", "sep": ", ",
           "head": ("figure", "before", "after", "change"), "pts": "{:+.1f} pts",
           "opened": "Gaps opened ({:,})", "closed": "Gaps closed ({:,})",
           "worsened": "Gaps that got worse, not closed ({:,})", "became": "became {}", "now": "now",
           "gap_head": ("type", "gap", "impact (pts)", "why"), "none": "none"},
    "zh": {"title": "假设：{name}（{id}）失去{who}", "who": "{}（{}）", "sep": "、",
           "head": ("指标", "之前", "之后", "变化"), "pts": "{:+.1f}个百分点",
           "opened": "新出现的缺口（{:,}）", "closed": "消失的缺口（{:,}）",
           "worsened": "恶化的缺口（{:,}）", "became": "变为{}", "now": "现状",
           "gap_head": ("类型", "缺口", "影响（百分点）", "原因"), "none": "无"},
}

TABLES["profile"] = {
    "en": {"title": "Profile of {name}", "indicators": "World-class indicators (benchmark: {b})",
           "ind_head": ("dimension", "indicator", "value", "target", "floor", "score", "basis"),
           "segments": "Concentration by segment", "seg_head": ("segment", "firms", "HHI", "CR4", "largest firm"),
           "notes": "Notes", "bench": "benchmark"},
    "zh": {"title": "{name} 集群画像", "indicators": "对标世界级集群指标（基准：{b}）",
           "ind_head": ("维度", "指标", "数值", "目标值", "零分值", "得分", "依据"),
           "segments": "各环节集中度", "seg_head": ("环节", "企业数", "HHI", "CR4", "最大企业"),
           "notes": "说明", "bench": "对标基准"},
}

TABLES["profile_summary"] = {
    "en": {"specialisation": "Specialisation", "concentration": "Concentration", "lifecycle": "Life cycle",
           "worldclass": "World-class gaps", "micro": "micro specialisation (output / regional economy)",
           "micro_employment": "micro specialisation (jobs / regional jobs)",
           "macro_national": "macro specialisation (share of national industry)",
           "macro_world": "share of world industry output", "lq_output": "location quotient (output)",
           "lq_employment": "location quotient (employment)", "hhi": "HHI of local firms' {basis}",
           "cr4": "top-4 share (CR4)", "top1": "largest firm's share", "small": "firms below designated size",
           "stage": "stage", "because": "because", "overall": "overall", "benchmark": "benchmark",
           "of": "{a} of {b} indicators", "conf": "confidence {c:.2f}", "none": "—", "reported": "reported",
           "shares": "reported national shares of products"},
    "zh": {"specialisation": "专业化", "concentration": "集中度", "lifecycle": "生命周期",
           "worldclass": "对标世界级集群", "micro": "微观专业化（产值/区域经济）",
           "micro_employment": "微观专业化（就业/区域就业）", "macro_national": "宏观专业化（占全国产业比重）",
           "macro_world": "占全球产业比重", "lq_output": "区位商（产值）", "lq_employment": "区位商（就业）",
           "hhi": "本地企业{basis}赫芬达尔指数", "cr4": "前四家企业份额（CR4）", "top1": "最大企业份额",
           "small": "规下企业占比", "stage": "所处阶段", "because": "判断依据", "overall": "综合得分",
           "benchmark": "对标基准", "of": "{b}项指标中{a}项有数据", "conf": "置信度{c:.2f}", "none": "—",
           "reported": "公开报道", "shares": "公开报道的产品全国占比"},
}

#: Words of the report workbook (``report.xlsx``: chainnet/report/workbook.py), merged into ``TERMS``:
#: ``xl.<sheet>`` names a sheet (at most 31 characters, Excel's limit), ``xl.about.<sheet>`` says in
#: one line what it holds (the summary's list of contents).
SHEET_TERMS: dict[str, tuple[str, str]] = {
    "xl.summary": ("Summary", "摘要"), "xl.segments": ("Chain completeness", "链条完整度"),
    "xl.flows": ("Flows", "上下游衔接"), "xl.gaps": ("Gaps", "补链延链清单"), "xl.survey": ("Ties to verify", "待核实衔接"),
    "xl.candidates": ("Candidates", "招商候选企业"), "xl.leaders": ("Leaders", "龙头企业"),
    "xl.firm_centrality": ("Firm centrality", "企业中心性"), "xl.firms_by_segment": ("Firms by segment", "各环节企业"),
    "xl.structure": ("Structure", "集群结构"), "xl.communities": ("Communities", "社区"),
    "xl.bowtie": ("Bow-tie", "蝴蝶结结构"), "xl.profile": ("Profile", "集群画像"),
    "xl.position": ("Chain position", "产业链位置"), "xl.resilience": ("Resilience", "韧性"),
    "xl.single_points": ("Single points of failure", "单点故障企业"), "xl.timeline": ("Timeline", "历年变化"),
    "xl.about.segments": ("each segment of the reference chain: status, local firms, local sourcing rate",
                          "参考产业链的每个环节：状态、本地企业数、本地配套率"),
    "xl.about.flows": ("each expected upstream-downstream flow: status and local firm pairs realising it",
                       "每条应有的上下游衔接：状态及实现衔接的本地企业对数"),
    "xl.about.gaps": ("gaps to fill, extend, connect and strengthen, largest impact on the completeness index first",
                      "补链、延链、断链、强链缺口，按对完整度指数的影响从大到小"),
    "xl.about.survey": ("segment pairs whose firm ties to verify first (links unknown)",
                        "应首先调查核实企业关联的环节对（企业间关联未知）"),
    "xl.about.candidates": ("firms that could fill each gap, ranked", "可填补各缺口的候选企业及排名"),
    "xl.about.leaders": ("the declared leader firms: supply weight, reach, SMEs attached, completeness index lost "
                         "without them", "申报的龙头/链主企业：供货权重占比、辐射范围、直接配套中小企业、退出时完整度指数损失"),
    "xl.about.firm_centrality": ("every local firm's centrality (PageRank, betweenness, k-core), highest PageRank "
                                 "first", "每家本地企业的中心性（PageRank、介数、k 核），按 PageRank 从高到低"),
    "xl.about.firms_by_segment": ("local firms of each segment with role and output, largest output first",
                                  "各环节的本地企业及其角色和产值，按产值从大到小"),
    "xl.about.structure": ("network figures of the local supply network, against random networks (z-scores)",
                           "本地供货网络的结构指标，及与随机网络的比较（z 值）"),
    "xl.about.communities": ("communities of firms trading mostly among themselves: size, roles, segments",
                             "主要相互交易的企业社区：规模、角色构成、环节"),
    "xl.about.bowtie": ("bow-tie parts along the direction of supply: firms and share", "按供货方向划分的蝴蝶结结构各部分：企业数及占比"),
    "xl.about.profile": ("specialisation, concentration, life cycle and world-class gaps", "专业化、集中度、生命周期及对标世界级集群的差距"),
    "xl.about.position": ("each segment's place in the chain: upstreamness and trophic level",
                          "各环节在产业链中的位置：上游度与营养级"),
    "xl.about.resilience": ("area under the removal curves, by removal order", "按移除顺序的企业退出曲线下面积"),
    "xl.about.single_points": ("firms whose loss alone lowers the completeness index or cuts a chain end off",
                               "单独退出即会降低完整度指数或切断链条末端的企业"),
    "xl.about.timeline": ("headline figures year by year", "历年主要指标"),
    "xl.about.not_measured": ("not measured: the cluster's links are unknown", "未测算：本集群企业间关联未知"),
    "xl.not_measured": ("not measured", "未测算"), "xl.contents": ("Contents", "目录"), "xl.sheet": ("sheet", "工作表"), "xl.holds": ("contents", "内容"),
    "xl.part": ("part", "部分"), "xl.share": ("share", "占比"), "xl.community": ("community", "社区"),
    "xl.main_segment": ("main segment", "主要环节"), "xl.internal_links": ("share of links inside", "内部联系占比"),
    "xl.leader_firms": ("leader firms (names)", "龙头/链主企业名称"), "xl.segment_mix": ("segments (local firms)", "环节构成（本地企业数）"),
    "xl.leader_count": ("leader firms", "龙头/链主企业数"), "xl.smes": ("SMEs", "中小企业"),
    "xl.core_size": ("core-periphery: firms in the core", "核心-边缘结构：核心企业数"),
    "xl.core_fit": ("core-periphery: fit", "核心-边缘结构：拟合度"),
    "xl.core_density": ("core-periphery: core density", "核心-边缘结构：核心密度"),
    "xl.periphery_density": ("core-periphery: periphery density", "核心-边缘结构：边缘密度"),
    "xl.core_link_share": ("core-periphery: links touching the core", "核心-边缘结构：与核心相连的联系占比"),
}

COMMAND_MESSAGES.update({
    "xl.gap_count": ("gaps: {type}", "缺口：{type}"),
    "xl.capped": ("Shown: the first {shown:,} of {total:,} rows ({order}). The full table: {where}.",
                  "本表仅列出{total:,}行中的前{shown:,}行（{order}）。完整表见 {where}。"),
    "xl.where_firms": ("{file} beside results.json", "results.json 旁的 {file}"),
    "xl.where_results": ("results.json", "results.json"),
    "xl.capped_about": ("{about} (first {shown:,} of {total:,})", "{about}（共{total:,}行，列出前{shown:,}行）"),
})
