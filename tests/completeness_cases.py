"""Hand-made clusters for the completeness tests; expected values are worked out in the tests."""

from __future__ import annotations

import pandas as pd

from chainnet import Cluster, Template


def line_template() -> Template:
    """a -> b -> c -> d -> e -> f -> g, plus x with no flow (a sink that is also a source).

    Segment weights a1 b2 c1 d2 e1 f1 g1 x1 (sum 10); flow weights a->b 2, b->c 1, c->d 1,
    d->e 2, e->f 2, f->g 2 (sum 10); sinks g and x (weights 1 + 1).
    """
    seg = [("a", "上游甲", "upstream", 1), ("b", "上游乙", "upstream", 2), ("c", "中游丙", "midstream", 1),
           ("d", "中游丁", "midstream", 2), ("e", "下游戊", "downstream", 1), ("f", "下游己", "downstream", 1),
           ("g", "终端庚", "downstream", 1), ("x", "独立辛", "downstream", 1)]
    flows = [("a", "b", 2), ("b", "c", 1), ("c", "d", 1), ("d", "e", 2), ("e", "f", 2), ("f", "g", 2)]
    return Template.from_dict({
        "id": "line", "name": "Line chain", "name_zh": "直线链",
        "segment": [{"id": s, "name": f"Segment {s.upper()}", "name_zh": z, "stage": st, "weight": w}
                    for s, z, st, w in seg],
        "flow": [{"from": a, "to": b, "weight": w} for a, b, w in flows]})


def line_cluster() -> Cluster:
    """Firms and links laid out so that every status and every gap type occurs (see test_completeness)."""
    firms = pd.DataFrame([
        ("f1", "F1 Leader", "leader", "a", False),
        ("f2", "F2 Backbone", "backbone", "a", False),
        ("f3", "F3 Integrated", "sme", "b;c", False),
        ("f4", "F4", "sme", "b", False),
        ("f5", "F5", "sme", "e", False),
        ("f6", "F6", "backbone", "f", False),
        ("f7", "F7", "sme", "f", False),
        ("f8", "F8", "sme", "x", False),
        ("i1", "Institute I1", "institution", "d", False),
        ("x1", "Outside X1", "backbone", "g", True),
        ("x2", "Outside X2", "sme", "f", True),
        ("x3", "Outside X3", "sme", "a", True),
    ], columns=["firm_id", "name", "role", "segments", "external"])
    links = pd.DataFrame([
        ("f1", "f4", "supply", 4.0, None, None),
        ("f2", "f3", "supply", 2.0, None, "b"),
        ("f4", "f3", "supply", 1.0, None, "b"),
        ("x3", "f4", "supply", 4.0, None, None),
        ("f3", "i1", "supply", 1.0, None, None),
        ("i1", "f5", "supply", 2.0, None, None),
        ("f5", "x2", "supply", 3.0, None, None),
        ("f6", "f7", "supply", 1.0, None, None),
        ("f5", "f6", "cooperation", 1.0, None, None),
        ("f6", "x1", "supply", 1.0, None, None),
    ], columns=["source", "target", "kind", "weight", "segment_from", "segment_to"])
    return Cluster.from_frames(firms, links, meta={"id": "line_demo", "name": "Line demo", "template": "line"},
                               templates=[line_template()])


def two_templates() -> tuple[Template, Template]:
    """t1: p -> q (weights 1, 1; flow 1); t2: r -> s (weights 1, 1; flow 2)."""
    t1 = Template.from_dict({"id": "t1", "name": "T1", "segment": [
        {"id": "p", "name": "P", "stage": "upstream"}, {"id": "q", "name": "Q", "stage": "downstream"}],
        "flow": [{"from": "p", "to": "q", "weight": 1}]})
    t2 = Template.from_dict({"id": "t2", "name": "T2", "segment": [
        {"id": "r", "name": "R", "stage": "upstream"}, {"id": "s", "name": "S", "stage": "downstream"}],
        "flow": [{"from": "r", "to": "s", "weight": 2}]})
    return t1, t2


def fused_cluster() -> Cluster:
    """P1 makes p (chain t1) and r (chain t2); Q1 makes q; P1 sells to Q1; nobody makes s."""
    firms = pd.DataFrame({"firm_id": ["p1", "q1"], "name": ["P1", "Q1"], "role": ["leader", "sme"],
                          "segments": ["p;r", "q"]})
    links = pd.DataFrame({"source": ["p1"], "target": ["q1"]})
    return Cluster.from_frames(firms, links, meta={"id": "fused", "name": "Fused", "templates": ["t1", "t2"]}, templates=list(two_templates()))
