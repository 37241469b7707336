"""Leader centrality: hand-worked graphs for every METRICS figure, agreement with networkx, the CLI."""

from __future__ import annotations

import json
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import chainnet
from chainnet import Cluster, Template
from chainnet.analysis import _sparse
from chainnet.analysis.centrality import RoleRule, freeman_centralization, leaders
from chainnet.cli import main

TPL = Template.from_dict({
    "id": "mini", "name": "Mini",
    "segment": [{"id": "up", "name": "Up", "stage": "upstream"},
                {"id": "mid", "name": "Mid", "stage": "midstream"},
                {"id": "down", "name": "Down", "stage": "downstream"}],
    "flow": [{"from": "up", "to": "mid"}, {"from": "mid", "to": "down"}],
})


def make(firms: list[tuple], links: list[tuple] = (), **cols: list) -> Cluster:
    """A cluster from (firm_id, role, segments[, external]) and (source, target[, weight[, kind]]) tuples."""
    f = pd.DataFrame({"firm_id": [x[0] for x in firms], "name": [x[0].upper() for x in firms],
                      "role": [x[1] for x in firms], "segments": [x[2] for x in firms],
                      "external": [x[3] if len(x) > 3 else False for x in firms], **cols})
    rows = [{"source": x[0], "target": x[1], "weight": x[2] if len(x) > 2 else 1.0,
             "kind": x[3] if len(x) > 3 else "supply"} for x in links]
    l_df = pd.DataFrame(rows, columns=["source", "target", "weight", "kind"])
    return Cluster.from_frames(f, l_df, meta={"id": "t", "name": "T", "template": "mini"}, templates=[TPL])


def star(n_leaves: int = 4) -> Cluster:
    """A leader 'h' selling to n SMEs with weights 1, 2, ..., n."""
    firms = [("h", "leader", "mid")] + [(f"s{i}", "sme", "down") for i in range(1, n_leaves + 1)]
    return make(firms, [("h", f"s{i}", float(i)) for i in range(1, n_leaves + 1)])


def path(leader: str) -> Cluster:
    """a -> b -> c -> d -> e with weights 1, 2, 3, 4; ``leader`` is the leader, the others SMEs."""
    ids = "abcde"
    firms = [(x, "leader" if x == leader else "sme", "mid") for x in ids]
    return make(firms, [(ids[i], ids[i + 1], float(i + 1)) for i in range(4)])


def by_id(r, col: str) -> dict:
    return dict(zip(r.firms["firm_id"], r.firms[col]))


# -- the METRICS figures on hand-worked graphs ----------------------------------------------------
def test_star_figures():
    r = leaders(star(4), completeness_impact=False)
    # Freeman: d = (4, 1, 1, 1, 1); sum(d_max - d_i) = 4 * 3 = 12 = (n - 1)(n - 2)
    assert r.degree_centralization == 1.0
    assert r.leader_dominance == 1.0  # every link touches the leader
    assert r.sme_attachment == 1.0 and r.leader_reach == 1.0
    # every pair of leaves (6 of the C(4, 2) = 6 pairs of other firms) passes through the centre
    b = by_id(r, "betweenness")
    assert b["h"] == pytest.approx(1.0) and b["s1"] == 0
    assert set(by_id(r, "kcore").values()) == {1}
    # PageRank with dangling leaves: p_h = 1 / (n + alpha); p_i = p_h (1 + alpha w_i / W), W = 10
    pr = by_id(r, "pagerank")
    ph = 1 / (5 + 0.85)
    assert pr["h"] == pytest.approx(ph, abs=1e-10)
    for i in range(1, 5):
        assert pr[f"s{i}"] == pytest.approx(ph * (1 + 0.85 * i / 10), abs=1e-10)
    f = r.firms.set_index("firm_id")
    assert (f.at["h", "out_degree"], f.at["h", "in_degree"], f.at["h", "out_weight"]) == (4, 0, 10.0)
    assert (f.at["s3", "in_degree"], f.at["s3", "in_weight"], f.at["s3", "partners"]) == (1, 3.0, 1)


def test_path_figures():
    r = leaders(path("a"), completeness_impact=False)
    # d = (1, 2, 2, 2, 1): sum(2 - d_i) = 2; (n - 1)(n - 2) = 12
    assert r.degree_centralization == pytest.approx(2 / 12)
    assert r.leader_dominance == pytest.approx(1 / 10)  # only a -> b (weight 1 of 10)
    assert r.sme_attachment == pytest.approx(1 / 4)  # b of b, c, d, e
    assert r.leader_reach == pytest.approx(2 / 4)  # b (1 hop) and c (2 hops) of b, c, d, e
    # undirected path a-b-c-d-e: b lies on 3 of the 6 pairs of other firms, c on 4, d on 3
    b = by_id(r, "betweenness")
    assert [b[x] for x in "abcde"] == pytest.approx([0, 3 / 6, 4 / 6, 3 / 6, 0])

    r = leaders(path("c"), completeness_impact=False)
    assert r.leader_dominance == pytest.approx((2 + 3) / 10)
    assert r.sme_attachment == pytest.approx(2 / 4)  # b and d
    assert r.leader_reach == 1.0  # a, b, d, e all within two hops of c


def test_leader_reach_counts_two_hops_only():
    # l - a - b - c - d: a (1 hop), b (2 hops) reached; c, d not; x isolated
    firms = [("l", "leader", "mid")] + [(x, "sme", "mid") for x in "abcdx"]
    r = leaders(make(firms, [("l", "a"), ("a", "b"), ("c", "b"), ("c", "d")]), completeness_impact=False)
    assert r.leader_reach == pytest.approx(2 / 5)
    assert r.sme_attachment == pytest.approx(1 / 5)


def test_external_firms_institutions_and_other_kinds_are_left_out():
    firms = [("l", "leader", "mid"), ("s", "sme", "down"), ("x", "sme", "down", True), ("lab", "institution", ())]
    links = [("l", "s", 1.0), ("l", "x", 9.0), ("s", "x", 5.0), ("lab", "l", 1.0, "rd"), ("s", "l", 3.0, "cooperation")]
    r = leaders(make(firms, links), completeness_impact=False)
    assert list(r.firms["firm_id"]) == ["l", "s"]
    assert r.leader_dominance == 1.0 and r.to_dict()["n_links"] == 1
    assert r.degree_centralization == 0.0  # n < 3


def test_null_cases():
    # no SMEs: sme_attachment is null
    r = leaders(make([("l", "leader", "mid"), ("b", "backbone", "up")], [("b", "l")]), completeness_impact=False)
    assert r.sme_attachment is None and r.leader_dominance == 1.0 and r.degree_centralization == 0.0
    # no leaders: the leader shares are 0, and so is leader_dependence
    r = leaders(make([(x, "sme", "mid") for x in "abc"], [("a", "b"), ("b", "c")]))
    assert (r.leader_dominance, r.sme_attachment, r.leader_reach, r.leader_dependence) == (0.0, 0.0, 0.0, 0.0)
    assert r.degree_centralization == pytest.approx(1.0)  # a 3-firm path is a star
    # no supply links: leader_dominance is null; n >= 3 with all degrees 0 gives 0
    r = leaders(make([("l", "leader", "mid"), ("a", "sme", "up"), ("b", "sme", "down")]), completeness_impact=False)
    assert r.leader_dominance is None and r.degree_centralization == 0.0 and r.sme_attachment == 0.0
    assert by_id(r, "pagerank") == pytest.approx(dict.fromkeys("lab", 1 / 3))
    # only leaders: leader_reach has no non-leader firm to count
    r = leaders(make([("l", "leader", "mid"), ("m", "leader", "up")], [("m", "l")]), completeness_impact=False)
    assert r.leader_reach is None and r.sme_attachment is None
    # no local firm at all
    r = leaders(make([("lab", "institution", ()), ("x", "sme", "up", True)]))
    assert all(v is None for v in r.figures.values())
    assert r.to_dict()["firms"] == [] and len(r.leaders) == 0
    assert freeman_centralization(np.array([])) is None


def test_leader_dependence_by_hand():
    # up -> mid -> down, all covered and realized: index 1. Without the leader in mid: segment
    # coverage 2/3, no flow realized, the sink not reached: index 2/9. Dependence 1 - 2/9 = 7/9.
    c = make([("u", "sme", "up"), ("l", "leader", "mid"), ("d", "sme", "down")], [("u", "l"), ("l", "d")])
    r = leaders(c)
    assert r.leader_dependence == pytest.approx(7 / 9)
    row = r.leaders.iloc[0]
    assert row["completeness_lost"] == pytest.approx(7 / 9)
    assert row["segments_reached"] == ["up", "mid", "down"]
    assert (row["partners"], row["firms_reached"], row["smes_attached"], row["smes_reached"]) == (2, 2, 2, 2)
    assert row["weight_share"] == 1.0
    # two leaders: dependence removes both, each leader's loss removes it alone
    c = make([("u", "leader", "up"), ("l", "leader", "mid"), ("d", "sme", "down")], [("u", "l"), ("l", "d")])
    r = leaders(c)
    # without u and l: only down covered (1/3), nothing realized or reached: index 1/9
    assert r.leader_dependence == pytest.approx(1 - 1 / 9)
    lost = dict(zip(r.leaders["firm_id"], r.leaders["completeness_lost"]))
    # without u: coverage 2/3, mid -> down realized (1/2), sink not reached from the source: 7/18
    assert lost["u"] == pytest.approx(1 - 7 / 18) and lost["l"] == pytest.approx(7 / 9)
    assert leaders(c, completeness_impact=False).leader_dependence is None


# -- role consistency ----------------------------------------------------------------------------
def test_weak_leader_and_central_sme_are_flagged():
    firms = [("big", "leader", "mid"), ("hub", "sme", "mid")] + [(f"s{i:02d}", "sme", "down") for i in range(12)]
    links = [("big", "hub")] + [("hub", f"s{i:02d}") for i in range(12)]
    r = leaders(make(firms, links), completeness_impact=False)
    note = dict(zip(r.firms["firm_id"], r.firms["note"]))
    assert "declared leader but only 1 local firm buys from or sells to it: a leader with weak pull" in note["big"]
    assert note["hub"].startswith("an SME that 13 local firms depend on")
    assert set(r.mismatches["firm_id"]) == {"big", "hub"}
    f = r.firms.set_index("firm_id")
    assert f.at["hub", "inferred_role"] == "leader" and f.at["big", "inferred_role"] != "leader"
    assert not f.at["big", "role_consistent"] and f.at["s00", "role_consistent"]
    # thresholds are parameters: a higher SME limit leaves the hub alone, but its score still sits
    # far above the SME band, so it stays flagged with the band message
    r = leaders(make(firms, links), completeness_impact=False, rule=RoleRule(sme_max_partners=20))
    assert "more like a leader firm" in dict(zip(r.firms["firm_id"], r.firms["note"]))["hub"]


def test_role_score_uses_size_when_given():
    # same position (each sells to one SME), sizes differ: the bigger backbone outranks the smaller
    firms = [("b1", "backbone", "mid"), ("b2", "backbone", "mid"), ("s1", "sme", "down"), ("s2", "sme", "down")]
    c = make(firms, [("b1", "s1"), ("b2", "s2")], output=[50.0, 1.0, 2.0, 3.0])
    f = leaders(c, completeness_impact=False).firms.set_index("firm_id")
    # output ranks 4, 1, 2, 3 of 4; partners and weight all tie (2.5 / 4)
    assert f.at["b1", "score"] == pytest.approx((4 / 4 + 2.5 / 4 + 2.5 / 4) / 3)
    assert f.at["b2", "score"] == pytest.approx((1 / 4 + 2.5 / 4 + 2.5 / 4) / 3)
    assert f.at["b1", "inferred_role"] == "backbone"


def test_demo_has_no_mismatch_and_a_smelter_leader():
    r = leaders(chainnet.load_dataset("demo_copper"))
    assert r.mismatches.empty
    assert r.firms.set_index("firm_id").at["smelter_a", "inferred_role"] == "leader"


def test_mismatches_are_exactly_the_firms_whose_roles_differ():
    # the backbone firm outranks the declared leader on size, partners and trade weight: it is
    # inferred a leader and must be listed, the leader inferred lower and listed too
    firms = ([("lead", "leader", "mid"), ("bb", "backbone", "mid")] + [(f"u{i}", "sme", "up") for i in range(3)]
             + [(f"d{i}", "sme", "down") for i in range(6)])
    links = ([("u0", "lead"), ("lead", "d0"), ("lead", "d1")] + [(f"u{i}", "bb") for i in range(3)]
             + [("bb", f"d{i}") for i in range(6)])
    r = leaders(make(firms, links, output=[1.0, 90.0] + [2.0] * 9), completeness_impact=False)
    f = r.firms.set_index("firm_id")
    assert f.at["bb", "inferred_role"] == "leader" and f.at["lead", "inferred_role"] != "leader"
    assert {"bb", "lead"} <= set(r.mismatches["firm_id"])
    # on every bundled cluster: listed <=> declared != inferred, and every note of a listed firm says something
    for name in ("demo_copper", "tongling_copper", "suzhou_nano"):
        r = leaders(chainnet.load_dataset(name), completeness_impact=False)
        differ = set(r.firms.loc[r.firms["role"] != r.firms["inferred_role"], "firm_id"])
        assert set(r.mismatches["firm_id"]) == differ, name
        assert (r.mismatches["role"] != r.mismatches["inferred_role"]).all()
        assert (r.mismatches["note"].str.len() > 0).all()


# -- agreement with networkx ---------------------------------------------------------------------
def random_cluster(n: int, m: int, seed: int) -> tuple[Cluster, nx.DiGraph]:
    G = nx.gnm_random_graph(n, m, seed=seed, directed=True)
    rng = np.random.default_rng(seed)
    for a, b in G.edges:
        G.edges[a, b]["weight"] = float(rng.integers(1, 10))
    firms = [(f"f{i}", "sme", "mid") for i in range(n)]
    c = make(firms, [(f"f{a}", f"f{b}", d["weight"]) for a, b, d in G.edges(data=True)])
    return c, nx.relabel_nodes(G, {i: f"f{i}" for i in range(n)})


def test_small_graph_agrees_with_networkx():
    c, G = random_cluster(80, 240, seed=3)
    r = leaders(c, completeness_impact=False)
    pr = nx.pagerank(G, alpha=0.85, weight="weight", tol=1e-14, max_iter=10_000)
    assert by_id(r, "pagerank") == pytest.approx(pr, abs=1e-10)
    assert by_id(r, "betweenness") == pytest.approx(nx.betweenness_centrality(G.to_undirected()), abs=1e-12)
    assert by_id(r, "kcore") == nx.core_number(G.to_undirected())
    assert r.betweenness_method == "exact"
    u = G.to_undirected()
    assert r.degree_centralization == pytest.approx(
        sum(max(d for _, d in u.degree) - d for _, d in u.degree) / (79 * 78))


def test_medium_graph_fast_paths_agree_with_networkx():
    c, G = random_cluster(2000, 6000, seed=5)
    g = _sparse.supply_graph(c)
    pr, _ = _sparse.pagerank(g, tol=1e-12)
    ref = nx.pagerank(G, weight="weight", tol=1e-15, max_iter=10_000)
    assert np.abs(pr - np.array([ref[i] for i in g.ids])).sum() < 1e-9
    u = G.to_undirected()
    core = nx.core_number(u)
    assert _sparse.core_number(g).tolist() == [core[i] for i in g.ids]
    # sampled betweenness: networkx's subset betweenness from the same pivots, extrapolated
    k, seed = 40, 7
    est, method = _sparse.betweenness(g, exact_max=1000, pivots=k, seed=seed)
    assert method == f"sampled ({k} pivots, seed {seed})"
    piv = np.random.default_rng(seed).choice(g.n, size=k, replace=False)
    sub = nx.betweenness_centrality_subset(u, sources=[g.ids[i] for i in piv], targets=list(u), normalized=False)
    n = g.n
    ref = np.array([2 * sub[f] / ((k - 1 if i in set(piv) else k) * (n - 2)) for i, f in enumerate(g.ids)])
    assert np.allclose(est, ref, rtol=1e-9, atol=1e-15)


def test_sampled_betweenness_tracks_exact():
    c, _ = random_cluster(400, 1200, seed=11)
    g = _sparse.supply_graph(c)
    exact, m1 = _sparse.betweenness(g)
    est, m2 = _sparse.betweenness(g, exact_max=100, pivots=200, seed=0)
    assert m1 == "exact" and m2.startswith("sampled")
    assert np.corrcoef(exact, est)[0, 1] > 0.95
    assert abs(est.sum() / exact.sum() - 1) < 0.1
    again, _ = _sparse.betweenness(g, exact_max=100, pivots=200, seed=0)
    assert np.array_equal(est, again)


def test_pagerank_tolerance_is_absolute():
    c, _ = random_cluster(300, 900, seed=2)
    g = _sparse.supply_graph(c)
    loose, it1 = _sparse.pagerank(g, tol=1e-4)
    assert np.abs(loose - _sparse.pagerank(g, tol=1e-12)[0]).sum() < 1e-4
    tight, it2 = _sparse.pagerank(g, tol=1e-12)
    assert it2 > it1 and abs(tight.sum() - 1) < 1e-12
    with pytest.raises(chainnet.ChainnetError, match="did not converge"):
        _sparse.pagerank(g, tol=1e-30, max_iter=5)


# -- results, inputs, CLI --------------------------------------------------------------------------
def test_to_dict_is_json_ready_and_inputs_untouched():
    c = chainnet.load_dataset("demo_copper")
    firms, links = c.firms.copy(), c.links.copy()
    d = leaders(c).to_dict()
    pd.testing.assert_frame_equal(c.firms, firms)
    pd.testing.assert_frame_equal(c.links, links)
    for key in ("leader_dominance", "sme_attachment", "leader_reach", "degree_centralization", "leader_dependence",
                "firms", "leaders", "mismatches", "betweenness_method"):
        assert key in d
    assert len(d["firms"]) == 11 and d["firms"][0]["segments"] == ["ore"]
    text = json.dumps(d, ensure_ascii=False, allow_nan=False)
    assert "NaN" not in text
    r = leaders(make([("l", "leader", "mid"), ("b", "backbone", "up")], [("b", "l")]), completeness_impact=False)
    assert r.to_dict()["sme_attachment"] is None and r.to_dict()["leader_dependence"] is None


def test_supply_graph_is_shared_and_rebuilt_when_tables_change():
    c = chainnet.load_dataset("demo_copper")
    g = _sparse.supply_graph(c)
    assert _sparse.supply_graph(c) is g
    c2 = c.without_firms(["smelter_a"])
    assert _sparse.supply_graph(c2).n == 10


def test_cli_leaders():
    runner = CliRunner()
    res = runner.invoke(main, ["leaders", "demo_copper"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("Leader centrality: Demo copper cluster")
    # the two figures worked out here from the tables, by their METRICS definitions
    c = chainnet.load_dataset("demo_copper")
    local = set(c.firms.loc[c.local_mask, "firm_id"])
    lead = set(c.firms.loc[c.firms["role"] == "leader", "firm_id"]) & local
    sup = c.links[(c.links["kind"] == "supply") & c.links["source"].isin(local) & c.links["target"].isin(local)]
    touching = sup["source"].isin(lead) | sup["target"].isin(lead)
    dominance = sup.loc[touching, "weight"].sum() / sup["weight"].sum()
    dependence = (chainnet.completeness(c)["index"] - chainnet.completeness(c.without_firms(lead))["index"])
    shown = {" ".join(ln.split()[:2]): ln.split()[2:4] for ln in lines if ln.startswith("leader d")}
    assert shown["leader dominance"][0] == f"{dominance:.1%}"
    assert shown["leader dependence"] == [f"{100 * dependence:.1f}", "pts"]
    assert "none: every declared role fits" in res.output
    res = runner.invoke(main, ["leaders", "demo_copper", "--format", "json"])
    d = json.loads(res.output)
    assert d["leader_dominance"] == 0.76 and d["leaders"][0]["firm_id"] == "smelter_a"
    res = runner.invoke(main, ["leaders", "demo_copper", "--format", "csv"])
    df = pd.read_csv(pd.io.common.StringIO(res.output))
    assert len(df) == 11 and df.loc[df["firm_id"] == "smelter_a", "segments"].item() == "smelting;cathode"
    assert math.isclose(df["pagerank"].sum(), 1.0)
    res = runner.invoke(main, ["leaders", "no_such_cluster"])
    assert res.exit_code == 1 and "no such file" in res.output
