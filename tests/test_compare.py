"""Comparing clusters: each topology distance on hand-worked graphs, properties of the distances, the
comparison table, the segment table and the compare command."""

from __future__ import annotations

import json
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainnet
from chainnet import Cluster, Template
from chainnet.analysis import compare as C
from chainnet.analysis.compare import (
    CONNECTED_TRIADS,
    compare,
    distances,
    js_divergence,
    ks_distance,
    laplacian_spectrum,
    most_similar,
    pair_distances,
    profile_distance,
    signature,
    significance_profile,
    triad_census,
    triad_profile,
    wasserstein_spectral,
)
from chainnet.cli import main

TPL = Template.from_dict({
    "id": "mini", "name": "Mini",
    "segment": [{"id": "up", "name": "Up", "stage": "upstream"},
                {"id": "mid", "name": "Mid", "stage": "midstream"},
                {"id": "down", "name": "Down", "stage": "downstream"}],
    "flow": [{"from": "up", "to": "mid"}, {"from": "mid", "to": "down"}],
})
OTHER = Template.from_dict({
    "id": "other", "name": "Other",
    "segment": [{"id": "raw", "name": "Raw", "stage": "upstream"},
                {"id": "goods", "name": "Goods", "stage": "downstream"}],
    "flow": [{"from": "raw", "to": "goods"}],
})


def make(firms: list[tuple], links: list[tuple] = (), *, cid: str = "t", template: Template = TPL,
         year: int | None = None) -> Cluster:
    """A cluster from (firm_id, role, segments) and (source, target) tuples."""
    f = pd.DataFrame({"firm_id": [x[0] for x in firms], "name": [x[0].upper() for x in firms],
                      "role": [x[1] for x in firms], "segments": [x[2] for x in firms]})
    lk = pd.DataFrame([{"source": a, "target": b} for a, b in links], columns=["source", "target"])
    meta = {"id": cid, "name": cid.upper(), "template": template.id, **({"year": year} if year else {})}
    return Cluster.from_frames(f, lk, meta=meta, templates=[template])


def graph(links: list[tuple[str, str]], *, extra: tuple[str, ...] = (), cid: str = "t") -> Cluster:
    nodes = sorted({x for ln in links for x in ln} | set(extra))
    return make([(x, "sme", "mid") for x in nodes], links, cid=cid)


STAR = [("h", "a"), ("h", "b"), ("h", "c")]  # K1,3: partners 3, 1, 1, 1
PATH = [("a", "b"), ("b", "c")]  # P3: partners 1, 2, 1


# -- degree distribution ---------------------------------------------------------------------------
def test_degree_distance_star_and_path_by_hand():
    # F_star: 3/4 at k <= 1 and k <= 2, 1 at k = 3; F_path: 2/3 at k <= 1, 1 at k >= 2
    # |diff|: 1/12 at 1, 1/4 at 2, 0 at 3: D = 1/4
    d = pair_distances(signature(graph(STAR), null_models=0), signature(graph(PATH), null_models=0))
    assert d["degree"] == pytest.approx(0.25)


def test_degree_distance_counts_firms_without_partners():
    # one isolated firm added to the star: partners (0, 3, 1, 1, 1): F(0) = 1/5 vs 0 -> D = 1/5 at k = 0,
    # at k = 1: 4/5 vs 3/4 (1/20); at 2: 4/5 vs 3/4; at 3: 1 vs 1: D = 1/5
    a = signature(graph(STAR), null_models=0)
    b = signature(graph(STAR, extra=("z",)), null_models=0)
    assert pair_distances(a, b)["degree"] == pytest.approx(0.2)


def test_ks_distance_of_empty_samples():
    assert ks_distance([], []) == 0.0 and ks_distance([], [1]) == 1.0


# -- triad census and profile ------------------------------------------------------------------------
def test_triad_census_by_hand():
    # a->b, b->c, a->c (transitive: 030T); c->d, e->c.
    # connected triples: {a,b,c} 030T; {a,c,d}, {b,c,d}, {e,c,d} chains x->c->d: 021C;
    # {a,c,e}, {b,c,e}: two firms selling to c: 021U. 8 wedges: c has 4 partners (6 pairs), a and b 1 each;
    # the closed triple is seen at a, b and c.
    c = graph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("e", "c")])
    t = triad_profile(c, null_models=0).set_index("triad")["count"]
    assert t.to_dict() == {**dict.fromkeys(CONNECTED_TRIADS, 0.0), "030T": 1.0, "021C": 3.0, "021U": 2.0}


def test_triad_census_names_follow_networkx():
    # out-star h->a, h->b, h->c: three 021D; a 3-cycle: 030C; a mutual pair and a third firm tied both ways: 201
    assert triad_profile(graph(STAR), null_models=0).set_index("triad").at["021D", "count"] == 3
    assert triad_profile(graph([("a", "b"), ("b", "c"), ("c", "a")]), null_models=0).set_index(
        "triad").at["030C", "count"] == 1
    two_mutual = graph([("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")])
    assert triad_profile(two_mutual, null_models=0).set_index("triad").at["201", "count"] == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_triad_census_agrees_with_networkx(seed):
    G = nx.gnm_random_graph(40, 140, seed=seed, directed=True)
    src, tgt = (np.array(x) for x in zip(*G.edges))
    census, exact = triad_census(40, src, tgt)
    ref = nx.triadic_census(G)
    assert exact and census.tolist() == [float(ref[t]) for t in CONNECTED_TRIADS]


def test_sampled_triad_census_estimates_the_exact_one():
    G = nx.gnm_random_graph(600, 4000, seed=5, directed=True)
    src, tgt = (np.array(x) for x in zip(*G.edges))
    exact, _ = triad_census(600, src, tgt)
    est, was_exact = triad_census(600, src, tgt, max_wedges=20_000, rng=np.random.default_rng(0))
    assert not was_exact
    # the wedge total is kept exactly; the big classes within a few percent
    assert (est * np.where(np.isin(CONNECTED_TRIADS, ["030T", "030C"]), 3, 1)).sum() == pytest.approx(
        (exact * np.where(np.isin(CONNECTED_TRIADS, ["030T", "030C"]), 3, 1)).sum(), rel=0.05)
    big = exact > 500
    assert np.allclose(est[big], exact[big], rtol=0.08)


def test_significance_profile_by_hand():
    # mean (2, 5), sd (1.414..., 0): the sd of the second type is floored at 1
    p = significance_profile([4, 7], [[1, 5], [3, 5]])
    z1 = (4 - 2) / math.sqrt(2)
    z2 = (7 - 5) / 1.0
    assert p["z"] == pytest.approx([z1, z2])
    assert p["profile"] == pytest.approx([z1 / math.hypot(z1, z2), z2 / math.hypot(z1, z2)])
    assert significance_profile([5, 5], [[5, 5], [5, 5]])["profile"] == [0.0, 0.0]
    with pytest.raises(chainnet.ChainnetError, match="at least two"):
        significance_profile([1], [[1]])


def test_profile_distance_by_hand():
    assert profile_distance([1, 0], [0, 1]) == pytest.approx(math.sqrt(2) / 2)
    assert profile_distance([1, 0], [-1, 0]) == 1.0
    assert profile_distance([0, 0], [0.6, 0.8]) == pytest.approx(0.5)  # a zero profile: half the unit length
    assert profile_distance(None, [1, 0]) is None


def test_star_cannot_be_rewired_so_its_profile_is_zero():
    # every swap of two links of an out-star would repeat a link: the random networks equal the star
    s = signature(graph(STAR), null_models=3)
    assert s.triads["z"] == [0.0] * 13 and s.triads["profile"] == [0.0] * 13


# -- spectra ----------------------------------------------------------------------------------------------
def test_laplacian_spectrum_by_hand_and_against_networkx():
    U = C._undirected(4, np.array([0, 0, 0]), np.array([1, 2, 3]))  # star K1,3
    assert laplacian_spectrum(U) == pytest.approx([0, 1, 1, 2])
    G = nx.gnm_random_graph(30, 40, seed=2)
    G.add_nodes_from(range(30, 33))  # isolated firms: eigenvalue 0 each
    lo, hi = (np.array(x) for x in zip(*G.edges))
    ours = laplacian_spectrum(C._undirected(33, lo, hi))
    ref = np.sort(nx.normalized_laplacian_spectrum(G))
    assert ours == pytest.approx(np.clip(ref, 0, 2), abs=1e-9)


def test_spectral_distance_star_and_path_by_hand():
    # K1,3: {0, 1, 1, 2}; P3: {0, 1, 2}. F: 1/4 vs 1/3 on [0, 1), 3/4 vs 2/3 on [1, 2): W1 = 1/12 + 1/12 = 1/6;
    # the distance is half of it
    assert wasserstein_spectral(np.array([0, 1, 1, 2.0]), np.array([0, 1, 2.0])) == pytest.approx(1 / 6)
    d = pair_distances(signature(graph(STAR), null_models=0), signature(graph(PATH), null_models=0))
    assert d["spectral"] == pytest.approx(1 / 12)


def test_spectral_distance_single_link_and_path_by_hand():
    # K2: {0, 2}; P3: {0, 1, 2}: F 1/2 vs 1/3 on [0, 1), 1/2 vs 2/3 on [1, 2): W1 = 1/3, distance 1/6
    d = pair_distances(signature(graph([("a", "b")]), null_models=0), signature(graph(PATH), null_models=0))
    assert d["spectral"] == pytest.approx(1 / 6)


def test_estimated_spectrum_is_close_to_the_exact_one(monkeypatch):
    G = nx.gnm_random_graph(400, 900, seed=3, directed=True)
    c = graph([(f"f{a:03d}", f"f{b:03d}") for a, b in G.edges])
    other = graph([(f"f{a:03d}", f"f{b:03d}") for a, b in nx.gnm_random_graph(400, 500, seed=4, directed=True).edges])
    exact = pair_distances(signature(c, null_models=0), signature(other, null_models=0))["spectral"]
    monkeypatch.setattr(C, "SPECTRAL_EXACT_MAX", 100)
    a, b = signature(c, null_models=0), signature(other, null_models=0)
    assert a.spectrum is None and a.spectrum_cdf is not None
    assert pair_distances(a, a)["spectral"] == 0.0
    assert pair_distances(a, b)["spectral"] == pytest.approx(pair_distances(b, a)["spectral"])
    assert abs(pair_distances(a, b)["spectral"] - exact) < 0.01


# -- segment mix --------------------------------------------------------------------------------------------
def test_js_divergence_by_hand():
    assert js_divergence({"up": 1.0}, {"down": 1.0}) == 1.0
    assert js_divergence({"a": 0.5, "b": 0.5}, {"a": 0.5, "c": 0.5}) == pytest.approx(0.5)
    assert js_divergence({}, {}) == 0.0 and js_divergence({}, {"a": 1.0}) == 1.0


def test_segment_mix_distance_by_hand():
    # X: firms in up, up, mid, down -> (1/2, 1/4, 1/4); Y: up, mid, mid, down -> (1/4, 1/2, 1/4);
    # M = (3/8, 3/8, 1/4); KL(X||M) = 1/2 log2(4/3) + 1/4 log2(2/3) = KL(Y||M) = JS
    x = make([("a", "sme", "up"), ("b", "sme", "up"), ("c", "sme", "mid"), ("d", "sme", "down")])
    y = make([("a", "sme", "up"), ("b", "sme", "mid"), ("c", "sme", "mid"), ("d", "sme", "down")])
    js = 0.5 * math.log2(4 / 3) + 0.25 * math.log2(2 / 3)
    assert pair_distances(signature(x, null_models=0), signature(y, null_models=0))["segment_mix"] == pytest.approx(js)


def test_segment_mix_splits_a_firm_over_its_segments_and_uses_stages_across_templates():
    # one firm in up and mid: 1/2 each; the other template's firm is all upstream
    x = make([("a", "sme", "up;mid")])
    y = make([("r", "sme", "raw")], template=OTHER, cid="o")
    sx, sy = signature(x, null_models=0), signature(y, null_models=0)
    assert sx.mix_segments == {"up": 0.5, "mid": 0.5}
    # stages: (1/2, 1/2, 0) vs (1, 0, 0): M = (3/4, 1/4, 0); JS = 1/2 [1/2 log2(2/3) + 1/2 log2 2] + 1/2 log2(4/3)
    js = 0.5 * (0.5 * math.log2(2 / 3) + 0.5 * math.log2(2)) + 0.5 * math.log2(4 / 3)
    assert C.segment_level([sx, sy]) == "stage"
    assert pair_distances(sx, sy)["segment_mix"] == pytest.approx(js)


def test_combined_is_the_mean_of_the_measures_defined():
    a, b = signature(graph(STAR), null_models=0), signature(graph(PATH), null_models=0)
    d = pair_distances(a, b)
    assert d["triads"] is None
    assert d["combined"] == pytest.approx((d["degree"] + d["spectral"] + d["segment_mix"]) / 3)
    a, b = signature(graph(STAR), null_models=3), signature(graph(PATH), null_models=3)
    d = pair_distances(a, b)
    assert d["combined"] == pytest.approx(np.mean([d[m] for m in C.MEASURES]))


# -- properties ---------------------------------------------------------------------------------------------
@st.composite
def small_clusters(draw) -> Cluster:
    n = draw(st.integers(0, 7))
    firms = [(f"f{i}", draw(st.sampled_from(["leader", "backbone", "sme"])),
              draw(st.sampled_from(["up", "mid", "down", "up;mid"]))) for i in range(n)]
    pairs = draw(st.lists(st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, max(n - 1, 0))).filter(
        lambda p: p[0] != p[1]), max_size=12, unique=True)) if n > 1 else []
    if n == 0:
        return make([("z", "institution", "")])  # no local firm at all
    return make(firms, [(f"f{a}", f"f{b}") for a, b in pairs])


PROP = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROP
@given(small_clusters())
def test_distance_to_itself_is_zero(c):
    s = signature(c, null_models=2)
    for m, v in pair_distances(s, s).items():
        assert v is None or v == 0.0, m
    shuffled = c.with_tables(firms=c.firms.iloc[::-1])  # the row order of the firms does not matter
    for m, v in pair_distances(s, signature(shuffled, null_models=2)).items():
        assert v is None or v == pytest.approx(0.0, abs=1e-9), m


@PROP
@given(small_clusters(), small_clusters())
def test_distances_are_symmetric_and_bounded(a, b):
    sa, sb = signature(a, null_models=2), signature(b, null_models=2)
    ab, ba = pair_distances(sa, sb), pair_distances(sb, sa)
    for m in (*C.MEASURES, "combined"):
        assert (ab[m] is None) == (ba[m] is None)
        if ab[m] is not None:
            assert ab[m] == pytest.approx(ba[m], abs=1e-12)
            assert 0.0 <= ab[m] <= 1.0 + 1e-12


# -- distance matrices and most similar -------------------------------------------------------------------------
def test_distance_matrix_is_symmetric_with_a_zero_diagonal():
    cs = {"star": graph(STAR), "path": graph(PATH), "cycle": graph([("a", "b"), ("b", "c"), ("c", "a")])}
    d = distances(cs, null_models=2)
    for m, df in d.items():
        assert list(df.index) == list(df.columns) == ["star", "path", "cycle"]
        assert np.allclose(df.to_numpy(), df.to_numpy().T, equal_nan=True), m
        assert (np.diag(df.to_numpy()) == 0).all() or m == "triads"


def test_most_similar_ranks_and_skips_the_cluster_itself():
    star = graph(STAR)
    bigger_star = graph([("h", x) for x in "abcd"], cid="s5")
    path = graph(PATH, cid="p")
    r = most_similar(star, [path, star, bigger_star], k=2, null_models=0, measure="degree")
    # degree: star vs bigger star: F(1) 3/4 vs 4/5, F(3) 1 vs 4/5: 1/5; vs path 1/4
    assert r["cluster"].tolist() == ["s5", "p"]
    assert r["degree"].tolist() == pytest.approx([0.2, 0.25])
    with pytest.raises(chainnet.ChainnetError, match="measure"):
        most_similar(star, [path], measure="nope")


def test_labels_are_made_unique():
    a = make([("a", "sme", "up")], year=2010)
    b = make([("a", "sme", "up")], year=2012)
    assert C._labelled([a, b])[0] == ["t@2010", "t@2012"]
    assert C._labelled([a, a])[0] == ["t@2010#1", "t@2010#2"]
    with pytest.raises(chainnet.ChainnetError, match="list of clusters"):
        C._labelled(a)


# -- the comparison ------------------------------------------------------------------------------------------------
def test_compare_table_and_segment_table_by_hand():
    # A: leader L (mid) sells to two SMEs in down; a mine M (up) sells to L. B: only L and one SME.
    a = make([("m", "backbone", "up"), ("l", "leader", "mid"), ("s1", "sme", "down"), ("s2", "sme", "down")],
             [("m", "l"), ("l", "s1"), ("l", "s2")], cid="a")
    b = make([("l", "leader", "mid"), ("s1", "sme", "down")], [("l", "s1")], cid="b")
    cmp = compare([a, b], null_models=0)
    t = cmp.table.set_index("cluster")
    assert t.loc["a", ["local_firms", "supply_links"]].tolist() == [4, 3]
    assert t.loc["a", "density"] == pytest.approx(3 / 12) and t.loc["b", "density"] == pytest.approx(1 / 2)
    assert t.loc["a", "mean_partners"] == pytest.approx(6 / 4)
    assert t.loc["a", "leader_share"] == pytest.approx(1 / 4) and t.loc["a", "sme_share"] == pytest.approx(1 / 2)
    assert t.loc["a", "index"] == pytest.approx(1.0)
    # B: up missing: segments 2/3, flows 1/2 (mid->down), paths 0 (no source covered... up is the only source)
    assert t.loc["b", ["segment_coverage", "link_coverage", "path_completeness"]].tolist() == pytest.approx(
        [2 / 3, 1 / 2, 0.0])
    assert t["z_modularity"].isna().all()  # no random networks
    assert cmp.same_template and cmp.shared_templates == ["mini"]
    seg = cmp.segments.set_index("segment")
    assert seg.loc["down", ["a status", "a firms", "b status", "b firms"]].tolist() == ["present", 2, "weak", 1]
    assert seg.loc["up", ["a status", "b status"]].tolist() == ["weak", "missing"]
    assert cmp.nearest()["nearest"].tolist() == ["b", "a"]


def test_compare_across_templates_uses_stages_and_has_no_segment_table():
    a = make([("l", "leader", "mid"), ("s", "sme", "down")], [("l", "s")], cid="a")
    b = make([("r", "sme", "raw"), ("g", "sme", "goods")], [("r", "g")], cid="b", template=OTHER)
    cmp = compare([a, b], null_models=2)
    assert cmp.segment_level == "stage" and cmp.segments is None and cmp.shared_templates == []
    assert not cmp.same_template
    assert cmp.table["templates"].tolist() == ["mini", "other"]


def test_compare_to_dict_is_json_ready():
    demo = chainnet.load_dataset("demo_copper")
    out = json.loads(json.dumps(compare([demo, demo.snapshot(2012)], null_models=2).to_dict(), allow_nan=False))
    assert list(out) == ["clusters", "settings", "figures", "distances", "nearest", "segment_level",
                         "shared_templates", "segments", "triads"]
    assert out["clusters"] == ["demo_copper@2020", "demo_copper@2012"]
    assert out["distances"]["combined"]["demo_copper@2020"]["demo_copper@2020"] == 0.0
    assert set(out["distances"]) == {"degree", "triads", "spectral", "segment_mix", "combined"}
    assert out["figures"][0]["z_modularity"] is not None
    assert out["triads"]["demo_copper@2020"]["types"] == list(CONNECTED_TRIADS)


# -- the command ---------------------------------------------------------------------------------------------------
def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmp")
    demo = chainnet.load_dataset("demo_copper")
    return [str(chainnet.write_cluster(demo, root / "full")), str(chainnet.write_cluster(demo.snapshot(2012),
                                                                                          root / "early"))]


def test_compare_command_table(two_folders):
    r = run("compare", *two_folders, "--null-models", "2")
    assert r.exit_code == 0, r.output
    out = r.output
    assert out.splitlines()[:2] == ["Cluster comparison: 2 clusters",
                                    "same template (copper): segment mix compared segment by segment"]
    for head in ("Size", "Size-fair", "Leaders", "Topology distances", "Most similar",
                 "Segments on the shared template copper: status (local firms)"):
        assert any(ln.startswith(head) for ln in out.splitlines()), head
    local = next(ln for ln in out.splitlines() if ln.startswith("local firms"))
    assert local.split()[2:] == ["11", "7"]  # 2012: mine, smelter, refiner, rod_a, rod_b, strip_a, cable_a


def test_compare_command_json_and_csv(two_folders):
    r = run("compare", *two_folders, "--null-models", "0", "--format", "json")
    out = json.loads(r.output)
    assert [f["local_firms"] for f in out["figures"]] == [11, 7]
    r = run("compare", *two_folders, "--null-models", "0", "--format", "csv")
    lines = r.output.splitlines()
    assert lines[0].startswith("cluster,id,name,year,templates,firms,local_firms") and len(lines) == 3


@pytest.mark.parametrize(("figure", "ext", "magic"), [("radar", "png", b"\x89PNG"), ("maps", "svg", b"<?xml")])
def test_compare_command_draws_figures(two_folders, tmp_path, figure, ext, magic):
    out = tmp_path / f"f.{ext}"
    r = run("compare", *two_folders, "--null-models", "0", "--figure", figure, "-o", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:len(magic)] == magic


def test_compare_command_usage_errors(two_folders):
    assert run("compare", two_folders[0]).exit_code == 2
    r = run("compare", *two_folders, "-o", "x.jpg")
    assert r.exit_code == 2 and "-o/--output" in r.output
