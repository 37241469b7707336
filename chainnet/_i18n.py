"""Words chainnet prints in reports and tables, in English and Chinese."""

from __future__ import annotations

LANGS = ("en", "zh")

TERMS: dict[str, tuple[str, str]] = {
    # statuses and gap types
    "present": ("present", "齐全"), "weak": ("weak", "薄弱"), "missing": ("missing", "缺失"),
    "broken": ("broken", "断开"), "unknown": ("unknown (to verify)", "待核实"),
    # a cluster whose ties are unknown (links = "unknown" in cluster.toml; METRICS.md)
    "links_unknown": ("links unknown: link figures not measured", "企业间关联未知：未测算关联指标"),
    "survey": ("Ties to survey (links unknown), ranked", "待调查核实的企业关联（关联未知），按优先级排序"),
    "flow_weight_share": ("flow weight share", "衔接权重占比"),
    "link_coverage_min": ("link coverage, lower bound (in-house only)", "衔接覆盖率下限（仅企业内部）"),
    "fill": ("fill (补链)", "补链"), "extend": ("extend (延链)", "延链"), "connect": ("connect (断链)", "断链"),
    "strengthen": ("strengthen (强链)", "强链"),
    # roles
    "leader": ("leader", "龙头/链主"), "backbone": ("backbone", "骨干"), "sme": ("SME", "中小企业"),
    "institution": ("institution", "科研机构"), "service": ("service", "服务机构"),
    # figures
    "segment_coverage": ("segment coverage", "环节覆盖率"), "link_coverage": ("link coverage", "衔接覆盖率"),
    "path_completeness": ("path completeness", "路径完整度"), "index": ("completeness index", "完整度指数"),
    "local_sourcing": ("local sourcing rate", "本地配套率"),
    "leader_dominance": ("leader dominance", "龙头主导度"), "sme_attachment": ("SME attachment", "中小企业配套率"),
    "leader_reach": ("leader reach", "龙头辐射度"), "degree_centralization": ("degree centralization", "度中心势"),
    "leader_dependence": ("leader dependence", "龙头依赖度"),
    # headings
    "report": ("Cluster report", "产业集群分析报告"), "summary": ("Summary", "概要"),
    "chain_map": ("Chain map", "产业链图谱"), "completeness": ("Chain completeness", "产业链完整度"),
    "segments": ("Segments", "环节"), "flows": ("Flows between segments", "环节间链接"),
    "gaps": ("Gaps: what to fill, extend, connect and strengthen", "补链、延链、断链、强链清单"),
    "candidates": ("Candidate firms (investment attraction)", "招商候选企业"),
    "leaders": ("Leader firms", "龙头企业"), "leader_centrality": ("Leader centrality", "龙头中心性"),
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
    # table headers
    "segment": ("segment", "环节"), "name": ("name", "名称"), "stage": ("stage", "阶段"),
    "status": ("status", "状态"), "firms": ("local firms", "本地企业数"), "external_supply": ("external supply", "外部供给"),
    "from": ("from", "上游环节"), "to": ("to", "下游环节"), "pairs": ("firm pairs", "企业对数"),
    "type": ("type", "类型"), "impact": ("impact", "影响"), "reason": ("reason", "原因"),
    "firm": ("firm", "企业"), "role": ("role", "角色"), "output": ("output (100m CNY)", "产值（亿元）"),
    "pagerank": ("PageRank", "PageRank"), "betweenness": ("betweenness", "介数"), "partners": ("partners", "合作伙伴数"),
    "note": ("note", "说明"), "figure": ("figure", "指标"), "value": ("value", "数值"),
    "upstream": ("upstream", "上游"), "midstream": ("midstream", "中游"), "downstream": ("downstream", "下游"),
    "yes": ("yes", "是"), "no": ("no", "否"),
    # typology (Markusen 1996) and the founding paper's patterns
    "hub-and-spoke": ("hub-and-spoke", "轴辐式"), "Marshallian": ("Marshallian", "马歇尔式"),
    "satellite platform": ("satellite platform", "卫星平台式"), "state-anchored": ("state-anchored", "国家锚定式"),
    "leader + backbone + SMEs": ("leader + backbone + SMEs", "龙头 + 骨干 + 中小企业"),
    "leader + backbone + related firms": ("leader + backbone + related firms", "龙头 + 骨干 + 关联企业"),
}


#: The reason given wherever a figure that needs tie data is null because the links are unknown.
LINKS_UNKNOWN = TERMS["links_unknown"][0]
LINKS_UNKNOWN_ZH = TERMS["links_unknown"][1]


def t(key: str, lang: str = "en") -> str:
    """The word for ``key`` in ``lang``; unknown keys come back unchanged.

    >>> t("fill", "zh"), t("weak", "en"), t("whatever", "zh")
    ('补链', 'weak', 'whatever')
    """
    pair = TERMS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]
