"""Cluster structure: bow-tie, communities, core-periphery, mixing, typology and null models by hand."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import chainnet
from chainnet.analysis import _sparse
from chainnet.analysis.structure import TypologyRules, rewire, structure
from chainnet.cli import main

from .test_centrality import make


def parts(s) -> dict[str, str]:
    return dict(zip(s.firms["firm_id"], s.firms["bowtie"]))


def test_bowtie_has_every_part():
    # core c1 -> c2 -> c3 -> c1; in i -> c1; out c2 -> o; tube i -> t -> o; in-tendril i -> r;
    # out-tendril q -> o; a separate pair x -> y
    ids = ["c1", "c2", "c3", "i", "o", "t", "r", "q", "x", "y"]
    links = [("c1", "c2"), ("c2", "c3"), ("c3", "c1"), ("i", "c1"), ("c2", "o"), ("i", "t"), ("t", "o"),
             ("i", "r"), ("q", "o"), ("x", "y")]
    s = structure(make([(x, "sme", "mid") for x in ids], links), null_models=0)
    b = s.bowtie
    assert not b["acyclic"]
    expected = {"core": 3, "in": 1, "out": 1, "tubes": 1, "tendrils": 2, "disconnected": 2}
    assert {k: b[k]["size"] for k in expected} == expected
    assert {k: b[k]["share"] for k in expected} == {k: v / 10 for k, v in expected.items()}
    p = parts(s)
    assert (p["c1"], p["i"], p["o"], p["t"], p["r"], p["q"], p["x"]) == (
        "core", "in", "out", "tubes", "tendrils", "tendrils", "disconnected")
    assert s.figures["core_share"] == pytest.approx(0.3)


def test_bowtie_agrees_with_networkx_on_a_random_graph():
    G = nx.gnm_random_graph(300, 600, seed=4, directed=True)
    c = make([(f"f{i}", "sme", "mid") for i in range(300)], [(f"f{a}", f"f{b}") for a, b in G.edges])
    p = parts(structure(c, null_models=0))
    core = max(nx.strongly_connected_components(G), key=len)
    v = next(iter(core))
    out = nx.descendants(G, v) - core
    inn = nx.ancestors(G, v) - core
    assert {f"f{i}" for i in core} == {k for k, x in p.items() if x == "core"}
    assert {f"f{i}" for i in out} == {k for k, x in p.items() if x == "out"}
    assert {f"f{i}" for i in inn} == {k for k, x in p.items() if x == "in"}
    wcc = next(w for w in nx.weakly_connected_components(G) if v in w)
    assert {f"f{i}" for i in set(G) - wcc} == {k for k, x in p.items() if x == "disconnected"}


def test_acyclic_graph_has_no_bowtie():
    s = structure(chainnet.load_dataset("demo_copper"), null_models=0)
    assert s.bowtie["acyclic"] and s.bowtie["core"] is None and "no cycle" in s.bowtie["note"]
    assert s.figures["core_share"] == 0.0 and s.firms["bowtie"].isna().all()


def two_cliques() -> chainnet.Cluster:
    """Clique A (a0..a4, leader a0, segment up) and clique B (b0..b4, SMEs, down), joined by a4 -> b0."""
    firms = [(f"a{i}", "leader" if i == 0 else "backbone", "up") for i in range(5)]
    firms += [(f"b{i}", "sme", "down") for i in range(5)]
    links = [(f"{g}{i}", f"{g}{j}") for g in "ab" for i in range(5) for j in range(i + 1, 5)] + [("a4", "b0")]
    return make(firms, links)


@pytest.mark.parametrize("method", ["leiden", "louvain"])
def test_communities_of_two_cliques(method):
    s = structure(two_cliques(), null_models=0, communities=method)
    # m = 21 edges; each clique: 10 inside, degree sum 21: Q = 2 (10/21 - (21/42)^2) = 19/42
    assert s.figures["modularity"] == pytest.approx(19 / 42)
    com = dict(zip(s.firms["firm_id"], s.firms["community"]))
    assert len({com[f"a{i}"] for i in range(5)}) == 1 and len({com[f"b{i}"] for i in range(5)}) == 1
    assert com["a0"] != com["b0"]
    t = s.communities.set_index("main_segment")
    assert (t.at["up", "size"], t.at["up", "leaders"], t.at["up", "backbone"], t.at["up", "smes"]) == (5, 1, 4, 0)
    assert t.at["up", "segments"] == {"up": 5} and t.at["down", "leader_ids"] == []
    assert t.at["up", "internal_links"] == pytest.approx(10 / 11)  # 10 of the 11 links touching it
    groups = s.firms.groupby("community")["firm_id"].apply(set).tolist()
    u = two_cliques().graph().to_undirected()
    assert nx.community.modularity(u, groups) == pytest.approx(s.figures["modularity"])


def test_core_periphery_finds_the_clique():
    # a 4-clique with one pendant firm on each member: at core size 4 every core pair is tied and
    # no periphery pair is, so the fit (phi) is 1
    firms = [(f"k{i}", "sme", "mid") for i in range(4)] + [(f"p{i}", "sme", "down") for i in range(4)]
    links = [(f"k{i}", f"k{j}") for i in range(4) for j in range(i + 1, 4)] + [(f"k{i}", f"p{i}") for i in range(4)]
    s = structure(make(firms, links), null_models=0)
    cp = s.core_periphery
    assert (cp["core_size"], cp["fit"], cp["core_density"], cp["periphery_density"]) == (4, 1.0, 1.0, 0.0)
    assert cp["core_link_share"] == 1.0 and not cp["uses_direction"]
    assert set(s.firms.loc[s.firms["core_periphery"] == "core", "firm_id"]) == {f"k{i}" for i in range(4)}


def test_mixing_and_clustering_by_hand():
    # triangle a, b, c plus d on a: triads sum C(d_i, 2) = 3 + 1 + 1 = 5, one triangle: 3/5;
    # local clustering a 1/3, b 1, c 1, d 0: mean 7/12
    c = make([(x, "sme", "mid") for x in "abcd"], [("a", "b"), ("b", "c"), ("a", "c"), ("a", "d")])
    f = structure(c, null_models=0).figures
    assert f["transitivity"] == pytest.approx(3 / 5) and f["average_clustering"] == pytest.approx(7 / 12)
    # a star is perfectly disassortative
    c = make([("h", "leader", "mid")] + [(f"s{i}", "sme", "down") for i in range(5)],
             [("h", f"s{i}") for i in range(5)])
    assert structure(c, null_models=0).figures["assortativity"] == pytest.approx(-1.0)
    # reciprocity: a <-> b, b -> c: 2 of 3 links have their reverse
    c = make([(x, "sme", "mid") for x in "abc"], [("a", "b"), ("b", "a"), ("b", "c")])
    f = structure(c, null_models=0).figures
    assert f["reciprocity"] == pytest.approx(2 / 3) and f["density"] == pytest.approx(3 / 6)


def test_mixing_agrees_with_networkx():
    G = nx.gnm_random_graph(150, 400, seed=8, directed=True)
    c = make([(f"f{i}", "sme", "mid") for i in range(150)], [(f"f{a}", f"f{b}") for a, b in G.edges])
    f = structure(c, null_models=0).figures
    u = G.to_undirected()
    assert f["assortativity"] == pytest.approx(nx.degree_assortativity_coefficient(u))
    assert f["transitivity"] == pytest.approx(nx.transitivity(u))
    assert f["average_clustering"] == pytest.approx(nx.average_clustering(u))
    assert f["reciprocity"] == pytest.approx(nx.overall_reciprocity(G))


# -- typology ------------------------------------------------------------------------------------
def test_marshallian_ring_of_smes():
    ids = [f"s{i}" for i in range(10)]
    c = make([(x, "sme", "mid") for x in ids], [(ids[i], ids[(i + 1) % 10]) for i in range(10)])
    t = structure(c, null_models=0).typology
    # top 5% of 10 firms = 1 hub on 2 of 10 links; the largest firm share of weight 2/10
    assert t["values"]["hub_share"] == pytest.approx(0.2)
    assert t["values"]["max_firm_weight_share"] == pytest.approx(0.2)
    assert t["type"] == "Marshallian" and t["matched"] == ["Marshallian"]
    assert t["pattern"] == "no leader"


def test_hub_and_spoke_star_and_thresholds_as_parameters():
    c = make([("h", "leader", "mid")] + [(f"s{i}", "sme", "down") for i in range(9)],
             [("h", f"s{i}") for i in range(9)])
    t = structure(c, null_models=0).typology
    assert t["type"] == "hub-and-spoke" and t["values"]["hub_share"] == 1.0
    assert "Marshallian" not in t["matched"]
    assert t["pattern"] == "leader + SMEs"
    t = structure(c, null_models=0, rules=TypologyRules(hub_share=1.01)).typology
    assert t["type"] == "mixed" and t["matched"] == []


def test_satellite_platform_by_external_ties_and_by_ownership():
    firms = [(f"s{i}", "sme", "mid") for i in range(4)] + [("ext", "leader", "down", True)]
    links = [(f"s{i}", "ext", 5.0) for i in range(4)] + [("s0", "s1"), ("s1", "s2"), ("s2", "s3"), ("s3", "s0")]
    t = structure(make(firms, links), null_models=0).typology
    # 20 of 24 units of local firms' supply weight cross the boundary
    assert t["values"]["external_share"] == pytest.approx(20 / 24)
    assert t["type"] == "satellite platform"
    links = [("ext", "s0", 1.0, "ownership"), ("ext", "s1", 1.0, "ownership"), ("s0", "s1"), ("s1", "s2"),
             ("s2", "s3"), ("s3", "s0")]
    t = structure(make(firms, links), null_models=0).typology
    assert t["values"]["branch_share"] == 0.5 and t["values"]["external_share"] == 0.0
    assert "satellite platform" in t["matched"]


def test_state_anchored_when_an_institution_is_central():
    firms = [("lab", "institution", ())] + [(x, "sme", "mid") for x in "abcde"]
    links = [("lab", x, 1.0, "rd") for x in "abcde"] + [("a", "b"), ("c", "d")]
    t = structure(make(firms, links), null_models=0).typology
    assert t["values"]["top_participant"] == "lab" and t["values"]["top_participant_is_institution"]
    assert t["values"]["institution_tie_share"] == pytest.approx(5 / 7)
    assert t["type"] == "state-anchored"


def test_founding_paper_patterns():
    firms = [("l", "leader", "mid"), ("b1", "backbone", "up"), ("b2", "backbone", "up"), ("b3", "backbone", "down"),
             ("s", "sme", "down")]
    links = [("b1", "l"), ("b2", "l"), ("l", "b3"), ("l", "s")]
    t = structure(make(firms, links), null_models=0).typology
    assert t["pattern"] == "leader + backbone + related firms" and "20%" in t["pattern_rule"]
    assert structure(chainnet.load_dataset("demo_copper"), null_models=0).typology["pattern"] == \
        "leader + backbone + SMEs"


# -- random networks -------------------------------------------------------------------------------
def test_rewire_keeps_degrees_and_makes_a_simple_graph():
    G = nx.gnm_random_graph(200, 800, seed=1, directed=True)
    src = np.array([a for a, _ in G.edges])
    tgt = np.array([b for _, b in G.edges])
    s, t = rewire(src, tgt, 200, swaps_per_link=5, rng=np.random.default_rng(0))
    assert np.array_equal(np.bincount(s, minlength=200), np.bincount(src, minlength=200))
    assert np.array_equal(np.bincount(t, minlength=200), np.bincount(tgt, minlength=200))
    assert not (s == t).any() and len(set(zip(s.tolist(), t.tolist()))) == len(s)
    assert (t != tgt).mean() > 0.5  # most links moved
    assert np.array_equal(src, np.array([a for a, _ in G.edges]))  # input untouched


def test_significance_is_seeded_and_z_scores_follow_the_formula():
    c = two_cliques()
    a = structure(c, null_models=6, seed=3)
    b = structure(c, null_models=6, seed=3)
    pd.testing.assert_frame_equal(a.significance, b.significance)
    row = a.significance.set_index("figure").loc["transitivity"]
    assert row["nulls"] == 6 and row["observed"] == pytest.approx(60 / 68)
    assert row["z"] == pytest.approx((row["observed"] - row["null_mean"]) / row["null_sd"])
    assert row["z"] > 0  # two cliques hold far more triangles than random graphs with their degrees
    d = structure(c, null_models=1).significance
    assert d["z"].isna().all()  # one random network gives no spread


def test_transitivity_formula_of_two_cliques():
    # each clique: 10 triangles; triads: a0..a3 have degree 4 (6 each), a4 degree 5 (10): per clique 34
    f = structure(two_cliques(), null_models=0).figures
    assert f["transitivity"] == pytest.approx(3 * 20 / (2 * (4 * 6 + 10)))


def test_empty_and_tiny_clusters():
    s = structure(make([("lab", "institution", ())]), null_models=3)
    assert s.figures["n_firms"] == 0 and s.bowtie["acyclic"] is None and s.core_periphery["core_size"] is None
    assert s.significance["z"].isna().all()
    s = structure(make([("a", "sme", "mid"), ("b", "sme", "mid")], [("a", "b")]), null_models=3)
    assert s.core_periphery["core_size"] is None and s.figures["assortativity"] is None
    json.dumps(s.to_dict(firms=True), allow_nan=False)


def test_to_dict_and_table():
    c = chainnet.load_dataset("demo_copper")
    firms = c.firms.copy()
    s = structure(c, null_models=2)
    pd.testing.assert_frame_equal(c.firms, firms)
    d = s.to_dict()
    for key in ("bowtie", "communities", "core_periphery", "typology", "significance", "modularity",
                "assortativity", "transitivity", "average_clustering"):
        assert key in d
    json.dumps(d, ensure_ascii=False, allow_nan=False)
    assert "firms" not in d and len(s.to_dict(firms=True)["firms"]) == 11
    t = s.table().set_index("figure")["value"]
    assert t["typology.pattern"] == "leader + backbone + SMEs" and t["n_firms"] == 11
    with pytest.raises(chainnet.ChainnetError, match="communities="):
        structure(c, communities="girvan")


def test_cli_structure():
    runner = CliRunner()
    res = runner.invoke(main, ["structure", "demo_copper", "--null-models", "2", "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Cluster structure: Demo copper cluster")
    assert "Typology: hub-and-spoke" in res.output and "no strongly connected core" in res.output
    res = runner.invoke(main, ["structure", "demo_copper", "--null-models", "0", "--format", "json"])
    d = json.loads(res.output)
    assert d["typology"]["pattern"] == "leader + backbone + SMEs" and d["significance"]["null_models"] == 0
    res = runner.invoke(main, ["structure", "demo_copper", "--null-models", "0", "--format", "csv"])
    assert res.output.startswith("figure,value\n")


def test_supply_graph_edge_weights_add_opposite_links():
    c = make([(x, "sme", "mid") for x in "abc"], [("a", "b", 2.0), ("b", "a", 3.0), ("b", "c", 1.0)])
    g = _sparse.supply_graph(c)
    lo, hi = g.edges
    assert list(zip(lo.tolist(), hi.tolist())) == [(0, 1), (1, 2)]
    assert g.edge_weight.tolist() == [5.0, 1.0]


def test_swap_refusals_match_a_count_of_every_proposal():
    """A proposed link is refused when it exists or is proposed twice in the round: checked against
    a plain count on rounds with many repeats."""
    from collections import Counter

    from chainnet.analysis.structure import _refused

    rng = np.random.default_rng(7)
    # small codes carry their position in a packed sort key; codes near 2**62 cannot, and are argsorted
    for base in (0, 2**62):
        for size in (0, 1, 2, 50, 2000):
            proposed = base + rng.integers(0, 300, size)
            codes = base + np.unique(rng.integers(0, 300, 40))
            seen = Counter(proposed.tolist())
            exists = set(codes.tolist())
            expected = [seen[p] > 1 or p in exists for p in proposed.tolist()]
            assert _refused(proposed, codes).tolist() == expected
