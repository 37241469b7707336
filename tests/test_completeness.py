"""Chain completeness and the gap audit, on hand-worked clusters (expected values computed by hand)."""

from __future__ import annotations

import json
from fractions import Fraction as Fr

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainnet
from chainnet import ChainnetError, Cluster, Template
from chainnet.analysis.completeness import audit, completeness, local_sourcing
from tests.completeness_cases import fused_cluster, line_cluster, line_template, two_templates


def approx(x: Fr | float) -> object:
    return pytest.approx(float(x), abs=1e-12)


# ---------------------------------------------------------------------------------------------
# The line cluster (tests/completeness_cases.py). Template a->b->c->d->e->f->g plus isolated x;
# segment weights a1 b2 c1 d2 e1 f1 g1 x1 (10); flow weights a->b 2, b->c 1, c->d 1, d->e 2,
# e->f 2, f->g 2 (10); sinks g, x (1 + 1).
#
# Local firms: f1 (a), f2 (a), f3 (b;c), f4 (b), f5 (e), f6 (f), f7 (f), f8 (x).
# Not local: i1 institution making d; x1 (g), x2 (f), x3 (a) external.
#
# Covered: a(2) b(2) c(1) e(1) f(2) x(1) -> weight 1+2+1+1+1+1 = 7 -> segment_coverage 7/10.
#   d: only the institution -> missing, no external supply. g: only external x1 -> missing,
#   external_supply. a and f also have external firms but are covered (external_supply false).
# Flows: a->b by f1->f4 and f2->f3 (segment_to b) = 2 pairs, present.
#   b->c only in-house at f3 = 1 pair, weak. f4->f3 names segment_to b, so it is b->b (no flow);
#   without it, it would realise b->c.
#   c->d, d->e, f->g: missing (d, g not covered). The links f3->i1, i1->f5, f6->x1 touch
#   non-local firms and realise nothing.
#   e->f: e and f covered, f5->x2 is external, f5->f6 is cooperation -> broken.
#   link_coverage = (2 + 1) / 10 = 3/10.
# Paths: a (covered source) -> b -> c; c->d not realised, so g is not reached; x is a sink that is
#   also a source, covered, so reached. path_completeness = 1/2.
# index = (7/10 + 3/10 + 1/2) / 3 = 1/2.
# ---------------------------------------------------------------------------------------------
LINE = {"segment_coverage": Fr(7, 10), "link_coverage": Fr(3, 10), "path_completeness": Fr(1, 2),
        "index": Fr(1, 2)}


def test_line_figures():
    got = completeness(line_cluster())
    assert list(got) == ["segment_coverage", "link_coverage", "path_completeness", "index"]
    for k, v in LINE.items():
        assert got[k] == approx(v), k


def test_line_segment_table():
    seg = audit(line_cluster()).segments.set_index("segment")
    assert list(seg.index) == ["a", "b", "c", "d", "e", "f", "g", "x"]  # upstream to downstream
    assert seg["status"].to_dict() == {"a": "present", "b": "present", "c": "weak", "d": "missing",
                                       "e": "weak", "f": "present", "g": "missing", "x": "weak"}
    assert seg["firms"].to_dict() == {"a": 2, "b": 2, "c": 1, "d": 0, "e": 1, "f": 2, "g": 0, "x": 1}
    assert seg["external_supply"].to_dict() == {s: s == "g" for s in "abcdefgx"}
    # local sourcing, by hand:
    #  b: bought by f4 (f1 4 local, x3 4 external) and by f3 as b (f2 2, f4 1, both local): 7/11
    #  e: f5 buys 2 from the institution i1, which is not a local firm: 0
    #  f: f7 buys 1 from f6: 1.  a, c (f3 buys only as b), d, g, x buy nothing: null
    ls = seg["local_sourcing"]
    assert ls["b"] == approx(Fr(7, 11))
    assert ls["e"] == 0.0
    assert ls["f"] == 1.0
    assert ls[["a", "c", "d", "g", "x"]].isna().all()


def test_line_flow_table():
    flows = audit(line_cluster()).flows
    flows.index = flows["from"] + "->" + flows["to"]
    assert flows["status"].to_dict() == {"a->b": "present", "b->c": "weak", "c->d": "missing",
                                         "d->e": "missing", "e->f": "broken", "f->g": "missing"}
    assert flows["pairs"].to_dict() == {"a->b": 2, "b->c": 1, "c->d": 0, "d->e": 0, "e->f": 0, "f->g": 0}
    assert flows["in_house"].to_dict()["b->c"] == 1


# Gap impacts, by hand (base index 1/2):
#  x strengthen: f8 removed -> x uncovered, no sink reached: (6/10 + 3/10 + 0)/3 = 3/10 -> 1/5
#  d fill (c upstream and e downstream covered): d covered, c->d and d->e realised:
#     (9/10 + 6/10 + 1/2)/3 = 2/3 -> 1/6  (e->f still broken, so g stays unreached)
#  g extend (f upstream covered, nothing downstream): g covered, f->g realised; f is not reached
#     (d->e, e->f not realised): (8/10 + 5/10 + 1/2)/3 = 3/5 -> 1/10
#  e->f connect: (7/10 + 5/10 + 1/2)/3 = 17/30 -> 1/15
#  b->c strengthen (in-house at f3, so f3 removed): b keeps f4, c uncovered; a->b keeps f1->f4;
#     (6/10 + 2/10 + 1/2)/3 = 13/30 -> 1/15
#  c strengthen (f3 removed): the same what-if -> 1/15
#  e strengthen (f5 removed): (6/10 + 3/10 + 1/2)/3 = 7/15 -> 1/30
# Order: impact, then fill < extend < connect < strengthen, then id ("b->c" < "c").
LINE_GAPS = [("strengthen", "x", Fr(1, 5)), ("fill", "d", Fr(1, 6)), ("extend", "g", Fr(1, 10)),
             ("connect", "e->f", Fr(1, 15)), ("strengthen", "b->c", Fr(1, 15)), ("strengthen", "c", Fr(1, 15)),
             ("strengthen", "e", Fr(1, 30))]


def test_line_gaps_types_impacts_and_order():
    gaps = audit(line_cluster()).gaps
    assert list(zip(gaps["type"], gaps["id"])) == [(t, i) for t, i, _ in LINE_GAPS]
    for got, (_, _, want) in zip(gaps["impact"], LINE_GAPS):
        assert got == approx(want)
    assert gaps.loc[gaps["id"] == "e->f", ["from", "to", "status"]].iloc[0].tolist() == ["e", "f", "broken"]
    assert gaps.loc[gaps["id"] == "d", "segment"].item() == "d"
    assert gaps["reason"].str.len().gt(20).all() and gaps["reason_zh"].str.contains("本地").all()
    assert "Institute" not in " ".join(gaps["reason"])


def test_segment_to_decides():
    # Dropping segment_to from f4->f3 lets it count as b (f4) -> c (f3): b->c now has 2 pairs
    # (f3 in-house and f4->f3), link_coverage stays 3/10, the b->c and c gaps change.
    c = line_cluster()
    links = c.links.copy()
    links.loc[(links["source"] == "f4") & (links["target"] == "f3"), "segment_to"] = np.nan
    a = audit(c.with_tables(links=links))
    flows = a.flows.set_index(a.flows["from"] + "->" + a.flows["to"])
    assert flows.loc["b->c", "status"] == "present" and flows.loc["b->c", "pairs"] == 2
    assert "b->c" not in set(a.gaps["id"])


def test_segment_from_decides():
    # p (1), q (1), r (1); flows p->q, p->r, q->r (1 each); A makes p;q, B makes r; A sells to B.
    # With segment_from = q the link realises only q->r; p->q is made in-house by A.
    #   link_coverage 2/3, all covered, r reached (p -> q -> r): index (1 + 2/3 + 1)/3 = 8/9.
    # Without segment_from it realises p->r and q->r too: index 1.
    t = Template.from_dict({"id": "tri", "name": "Tri", "segment": [
        {"id": s, "name": s, "stage": "upstream"} for s in "pqr"],
        "flow": [{"from": "p", "to": "q"}, {"from": "p", "to": "r"}, {"from": "q", "to": "r"}]})
    firms = pd.DataFrame({"firm_id": ["A", "B"], "name": ["A", "B"], "role": ["sme", "sme"], "segments": ["p;q", "r"]})
    for seg_from, want in (("q", Fr(8, 9)), (None, Fr(1))):
        links = pd.DataFrame({"source": ["A"], "target": ["B"], "segment_from": [seg_from]})
        c = Cluster.from_frames(firms, links, meta={"id": "tri", "name": "Tri", "template": "tri"}, templates=[t])
        assert completeness(c)["index"] == approx(want), seg_from
    assert completeness(c)["index"] == 1.0


def test_external_links_never_realise_and_institutions_are_not_local():
    c = line_cluster()
    firms = c.firms.copy()
    # x2 (f) brought inside the cluster: f5 -> x2 now realises e->f (link_coverage 5/10);
    # f gets a third local firm. i1 turned into an SME: d covered (9/10) and f3 -> i1 (c->d, 1)
    # and i1 -> f5 (d->e, 2) realised, so a -> ... -> g is a realised chain except f->g: path 1/2.
    firms.loc[firms["firm_id"] == "x2", "external"] = False
    firms.loc[firms["firm_id"] == "i1", "role"] = "sme"
    got = completeness(c.with_tables(firms=firms))
    assert got["segment_coverage"] == approx(Fr(9, 10))
    assert got["link_coverage"] == approx(Fr(8, 10))
    assert got["path_completeness"] == approx(Fr(1, 2))


def test_local_sourcing_rate():
    # supply into local firms: f1->f4 4, f2->f3 2, f4->f3 1, f6->f7 1 local; x3->f4 4 external;
    # i1->f5 2 from the institution -> 8 / 14 = 4/7. Links into x2, x1, i1 do not count.
    assert local_sourcing(line_cluster()) == approx(Fr(4, 7))
    a = audit(line_cluster())
    assert a.local_sourcing == approx(Fr(4, 7)) and a.summary["local_sourcing"] == approx(Fr(4, 7))


def test_template_without_flows():
    # One segment z, no flows: link_coverage is 1 (nothing expected); z is source and sink.
    t = Template.from_dict({"id": "one", "name": "One", "segment": [{"id": "z", "name": "Z", "stage": "upstream"}]})
    firms = pd.DataFrame({"firm_id": ["a"], "name": ["A"], "role": ["sme"], "segments": ["z"], "external": [True]})
    c = Cluster.from_frames(firms, None, meta={"id": "one", "name": "One", "template": "one"}, templates=[t])
    assert completeness(c) == {"segment_coverage": 0.0, "link_coverage": 1.0, "path_completeness": 0.0,
                               "index": approx(Fr(1, 3))}
    firms["external"] = False
    c = Cluster.from_frames(firms, None, meta={"id": "one", "name": "One", "template": "one"}, templates=[t])
    assert completeness(c)["index"] == 1.0


# ---------------------------------------------------------------------------------------------
# Two templates (internal fusion). t1: p -> q (1, 1; flow 1); t2: r -> s (1, 1; flow 2).
# P1 makes p and r, Q1 makes q, P1 sells to Q1 (realises p->q; in t2 nothing); s missing.
# Overall pools: segments 3/4; flows 1/(1+2) = 1/3; sinks q, s: 1/2; index (3/4+1/3+1/2)/3 = 19/36.
# t1 alone: 1, 1, 1 -> 1.  t2 alone: 1/2, 0, 0 -> 1/6.
# Gaps (overall): s extend -> everything covered and realised: 1 - 19/36 = 17/36;
#   p strengthen: P1 removed -> only q covered: (1/4)/3 = 1/12 -> 16/36; r strengthen: the same;
#   q strengthen: Q1 removed -> p, r covered: (1/2)/3 = 1/6 -> 13/36;
#   p->q strengthen: the P1->Q1 link removed -> (3/4)/3 = 1/4 -> 10/36.
# Per template: t1 p, q: 1 - (1/2)/3 = 5/6; p->q: 1 - 1/3 = 2/3.  t2 s: 1 - 1/6 = 5/6; r: 1/6.
# ---------------------------------------------------------------------------------------------
def test_multi_template_overall_and_per_template():
    c = fused_cluster()
    got = completeness(c)
    assert got["segment_coverage"] == approx(Fr(3, 4))
    assert got["link_coverage"] == approx(Fr(1, 3))
    assert got["path_completeness"] == approx(Fr(1, 2))
    assert got["index"] == approx(Fr(19, 36))
    t1, t2 = two_templates()
    assert completeness(c, template=t1)["index"] == 1.0
    assert completeness(c, template=t2)["index"] == approx(Fr(1, 6))
    a = audit(c)
    assert a.templates == ["t1", "t2"]
    assert list(a.segments["template"]) == ["t1", "t1", "t2", "t2"]
    assert [(g.template, g.type, g.id) for g in a.gaps.itertuples()] == [
        ("t2", "extend", "s"), ("t1", "strengthen", "p"), ("t2", "strengthen", "r"),
        ("t1", "strengthen", "q"), ("t1", "strengthen", "p->q")]
    assert list(a.gaps["impact"]) == [approx(Fr(n, 36)) for n in (17, 16, 16, 13, 10)]
    assert a.per_template["t1"]["completeness"]["index"] == 1.0
    assert a.per_template["t2"]["completeness"]["index"] == approx(Fr(1, 6))
    p1 = a.per_template["t1"]["gaps"].set_index("id")["impact"]
    assert p1.to_dict() == {"p": approx(Fr(5, 6)), "q": approx(Fr(5, 6)), "p->q": approx(Fr(2, 3))}
    p2 = a.per_template["t2"]["gaps"].set_index("id")["impact"]
    assert p2.to_dict() == {"s": approx(Fr(5, 6)), "r": approx(Fr(1, 6))}
    d = a.to_dict()
    assert d["template"] == "t1+t2" and set(d["per_template"]) == {"t1", "t2"}


def test_to_dict_contract_is_json_with_nulls():
    d = audit(line_cluster()).to_dict()
    text = json.dumps(d, ensure_ascii=False, allow_nan=False)  # no NaN anywhere
    assert json.loads(text) == d
    assert {"cluster", "template", "completeness", "segments", "flows", "gaps"} <= set(d)
    assert d["cluster"] == "line_demo" and d["template"] == "line"
    assert set(d["completeness"]) == {"segment_coverage", "link_coverage", "path_completeness", "index"}
    seg = {r["segment"]: r for r in d["segments"]}
    assert {"segment", "status", "firms", "external_supply", "local_sourcing"} <= set(seg["a"])
    assert seg["a"]["local_sourcing"] is None and seg["g"]["external_supply"] is True
    assert all({"from", "to", "status", "pairs"} <= set(f) for f in d["flows"])
    assert d["gaps"][0] == {**d["gaps"][0], "type": "strengthen", "segment": "x", "from": None, "to": None,
                            "impact": approx(Fr(1, 5))}
    assert d["gaps"][3]["from"] == "e" and d["gaps"][3]["to"] == "f" and d["gaps"][3]["segment"] is None
    assert d["summary"]["gaps"] == {"fill": 1, "extend": 1, "connect": 1, "strengthen": 4}


def test_candidates_ranked():
    other = pd.DataFrame([
        ("o1", "O1 Big", "leader", "d;e", 50.0),   # makes d and e, e is next to d
        ("o2", "O2", "sme", "d", 80.0),            # makes d only
        ("o3", "O3", "backbone", "g", 10.0),
        ("o4", "O4", "sme", "c", 1.0),
        ("o5", "F1 Leader", "leader", "d", 99.0),  # same name as local f1: already here, skipped
    ], columns=["firm_id", "name", "role", "segments", "output"])
    oc = Cluster.from_frames(other, None, meta={"id": "other", "name": "Other cluster", "template": "line"}, templates=[line_template()])
    extra = pd.DataFrame({"firm_id": ["z"], "name": ["Zed"], "segments": ["d"]})
    cand = audit(line_cluster(), candidates=[oc, extra, line_cluster()]).candidates
    by = {g: list(df["firm_id"]) for g, df in cand.groupby("gap", sort=False)}
    # d (fill): O1 covers a neighbour of d (e), O2 none; then by role (O2 sme) vs Zed (no role) -> O1, O2, Zed
    assert by["fill:d"] == ["o1", "o2", "z"]
    # g (extend): x1 is external to this cluster and already buys from f6, so it ranks first
    assert by["extend:g"] == ["x1", "o3"]
    # c (strengthen): O4 makes c elsewhere; f4 is the local firm next to c (b) not making it
    assert by["strengthen:c"] == ["o4", "f4"]
    assert cand.loc[cand["firm_id"] == "x1", "why"].item().startswith("already trades with local firms")
    assert (cand.loc[cand["gap"] == "fill:d", "rank"] == [1, 2, 3]).all()
    assert audit(line_cluster(), top=0).candidates.empty


def test_template_argument_forms_and_errors(tmp_path):
    c = line_cluster()
    p = tmp_path / "line.toml"
    p.write_text(line_template().to_toml(), encoding="utf-8")
    assert completeness(c, template=str(p)) == completeness(c, template=line_template()) == completeness(c)
    assert completeness(c, template=p)["index"] == approx(Fr(1, 2))
    other = completeness(c, template="copper")  # no firm makes a copper segment
    assert other["segment_coverage"] == 0.0 and other["index"] == 0.0
    with pytest.raises(ChainnetError, match="unknown template"):
        completeness(c, template="no_such_chain")
    with pytest.raises(ChainnetError, match="no template"):
        completeness(Cluster(dict(c.meta), c.firms, c.links, []))


def test_inputs_not_mutated():
    c = line_cluster()
    firms, links = c.firms.copy(), c.links.copy()
    audit(c, candidates=[line_cluster()])
    completeness(c, without=["f3"])
    pd.testing.assert_frame_equal(c.firms, firms)
    pd.testing.assert_frame_equal(c.links, links)


def test_demo_dataset_by_hand():
    # demo_copper: covered ore smelting cathode(2) rod wire strip(1.5) foil(1.5) ccl(1.5) pcb(1.5)
    # cable = 13 of 21; realised ore->smelting 1, smelting->cathode 1.5 (in-house), cathode->rod 1.5,
    # cathode->strip 1, cathode->foil 1, rod->wire 1.5 (in-house), wire->cable 1, foil->ccl 1.5,
    # ccl->pcb 1.5 = 11.5 of 22; sinks pcb 1.5 and cable 1 reached of 6.
    got = completeness(chainnet.load_dataset("demo_copper"))
    assert got["segment_coverage"] == approx(Fr(13, 21))
    assert got["link_coverage"] == approx(Fr(23, 44))
    assert got["path_completeness"] == approx(Fr(5, 12))


# ---------------------------------------------------------------------------------------------
# Property tests on random small clusters, against a plain re-implementation of METRICS.md.
# ---------------------------------------------------------------------------------------------
SEGS = ["s0", "s1", "s2", "s3", "s4"]
TPL = Template.from_dict({"id": "small", "name": "Small", "segment": [
    {"id": s, "name": s, "stage": "upstream", "weight": w} for s, w in zip(SEGS, [1, 2, 1, 0.5, 1])],
    "flow": [{"from": a, "to": b, "weight": w} for a, b, w in
             [("s0", "s1", 1), ("s1", "s2", 2), ("s0", "s2", 0.5), ("s2", "s3", 1)]]})
ROLES = ["leader", "backbone", "sme", "institution", "service"]


@st.composite
def clusters(draw: st.DrawFn) -> Cluster:
    n = draw(st.integers(1, 7))
    rows, owned = [], []
    for i in range(n):
        role = draw(st.sampled_from(ROLES))
        segs = draw(st.lists(st.sampled_from(SEGS), unique=True, min_size=1 if role in ROLES[:3] else 0, max_size=3))
        owned.append(segs)
        rows.append((f"f{i}", f"F{i}", role, ";".join(segs), draw(st.booleans())))
    ends = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                   st.sampled_from(["supply", "supply", "cooperation"])), max_size=12, unique=True))
    links = []
    for a, b, kind in ends:
        if a == b:
            continue
        sf = draw(st.none() | st.sampled_from(owned[a])) if owned[a] else None
        sto = draw(st.none() | st.sampled_from(owned[b])) if owned[b] else None
        links.append((f"f{a}", f"f{b}", kind, draw(st.sampled_from([0.5, 1.0, 3.0])), sf, sto))
    return canonical_cluster(rows, links)


def canonical_cluster(firm_rows: list[tuple], link_rows: list[tuple]) -> Cluster:
    """A cluster from already-valid rows, skipping validation (which costs more than the audit of
    a tiny cluster); test_canonical_cluster_matches_from_frames keeps it honest."""
    firms = pd.DataFrame(firm_rows, columns=["firm_id", "name", "role", "segments", "external"])
    firms["segments"] = [tuple(x for x in s.split(";") if x) for s in firms["segments"]]
    firms["name_zh"], firms["output"] = np.nan, np.nan
    links = pd.DataFrame(link_rows, columns=["source", "target", "kind", "weight", "segment_from", "segment_to"])
    return Cluster({"id": "rnd", "name": "Random", "template": "small"}, firms, links.astype({"weight": float}), [TPL])


def test_canonical_cluster_matches_from_frames():
    firms = [("f0", "F0", "sme", "s0;s1", False), ("f1", "F1", "institution", "", False),
             ("f2", "F2", "leader", "s2", True), ("f3", "F3", "backbone", "s2;s3", False)]
    links = [("f0", "f3", "supply", 1.0, "s1", None), ("f1", "f0", "rd", 2.0, None, None),
             ("f3", "f2", "supply", 0.5, None, "s2"), ("f0", "f2", "supply", 1.0, None, None)]
    fast = canonical_cluster(firms, links)
    checked = Cluster.from_frames(fast.firms.assign(segments=[";".join(x) for x in fast.firms["segments"]]),
                                  fast.links, meta=fast.meta, templates=[TPL])
    assert audit(fast).to_dict() == audit(checked).to_dict()


def reference(c: Cluster) -> dict[str, float]:
    """METRICS.md read literally, with Python sets and networkx."""
    local = {r.firm_id for r in c.firms.itertuples() if not r.external and r.role in ROLES[:3]}
    segs = dict(zip(c.firms["firm_id"], c.firms["segments"]))
    w = dict(zip(TPL.segments["id"], TPL.segments["weight"]))
    covered = {s for f in local for s in segs[f]}
    realized = set()
    for r in c.links.itertuples():
        if r.kind == "supply" and r.source in local and r.target in local:
            sf = {r.segment_from} if isinstance(r.segment_from, str) else set(segs[r.source])
            sto = {r.segment_to} if isinstance(r.segment_to, str) else set(segs[r.target])
            realized |= {(a, b) for a in sf for b in sto}
    realized |= {(a, b) for f in local for a in segs[f] for b in segs[f]}
    flows = {(a, b): fw for a, b, fw in zip(TPL.flows["from"], TPL.flows["to"], TPL.flows["weight"])}
    real = {k for k in flows if k in realized}
    g = nx.DiGraph(list(real))
    g.add_nodes_from(SEGS)
    starts = [s for s in TPL.sources if s in covered]
    reach = set(starts) | {d for s in starts for d in nx.descendants(g, s)}
    out = {"segment_coverage": sum(w[s] for s in covered) / sum(w.values()),
           "link_coverage": sum(flows[k] for k in real) / sum(flows.values()),
           "path_completeness": sum(w[t] for t in TPL.sinks if t in reach) / sum(w[t] for t in TPL.sinks)}
    out["index"] = sum(out.values()) / 3
    return out


PROP = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROP
@given(clusters())
def test_matches_reference_and_bounds(c):
    got = completeness(c)
    want = reference(c)
    for k in want:
        assert 0.0 <= got[k] <= 1.0
        assert got[k] == pytest.approx(want[k], abs=1e-12), k
    a = audit(c, top=0)  # candidates: see test_candidates_make_the_gap_segment
    assert a.completeness == got
    assert ((a.gaps["impact"] >= 0) & (a.gaps["impact"] <= 1)).all()
    all_there = (a.segments["status"] != "missing").all() and a.flows["status"].isin(["present", "weak"]).all()
    assert (got["index"] == 1.0) == all_there


@PROP
@given(clusters(), st.data())
def test_adding_a_local_firm_never_lowers_segment_coverage(c, data):
    segs = data.draw(st.lists(st.sampled_from(SEGS), unique=True, min_size=1, max_size=3))
    role = data.draw(st.sampled_from(ROLES[:3]))
    new = pd.DataFrame({"firm_id": ["new"], "name": ["New"], "role": [role], "segments": [tuple(segs)],
                        "external": [False]})
    bigger = c.with_tables(firms=pd.concat([c.firms, new], ignore_index=True))
    assert completeness(bigger)["segment_coverage"] >= completeness(c)["segment_coverage"]


@PROP
@given(clusters(), st.data())
def test_adding_a_supply_link_never_lowers_link_coverage(c, data):
    ids = list(c.firms["firm_id"])
    a = data.draw(st.sampled_from(ids))
    b = data.draw(st.sampled_from(ids))
    new = pd.DataFrame({"source": [a], "target": [b], "kind": ["supply"], "weight": [1.0]})
    more = c.with_tables(links=pd.concat([c.links, new], ignore_index=True))
    assert completeness(more)["link_coverage"] >= completeness(c)["link_coverage"]


@PROP
@given(clusters(), st.data())
def test_without_equals_removing_the_firms(c, data):
    gone = data.draw(st.lists(st.sampled_from(list(c.firms["firm_id"])), unique=True))
    assert completeness(c, without=gone) == completeness(c.without_firms(gone))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), clusters())
def test_candidates_make_the_gap_segment(c, other):
    other = Cluster({**other.meta, "id": "other"}, other.firms.assign(name="Other " + other.firms["name"]),
                    other.links, other.templates)
    a = audit(c, candidates=[other])
    segs = dict(zip(zip(other.firms["firm_id"], ["other"] * len(other.firms)), other.firms["segments"]))
    segs |= dict(zip(zip(c.firms["firm_id"], ["rnd"] * len(c.firms)), c.firms["segments"]))
    for r in a.candidates.itertuples():
        makes = r.segment in segs[(r.firm_id, r.cluster)]
        assert makes == (r.origin != "local"), r
        assert r.gap in {f"{g.type}:{g.segment}" for g in a.gaps.itertuples()}
