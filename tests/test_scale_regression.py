"""Regression pins for the scale work (issue 15): the faster engines give the same numbers.

On every bundled dataset, the figures and per-firm tables of leaders, structure, resilience,
life cycle and profile are checked to 1e-9 against either an independent computation
(networkx on a graph built here from the cluster's tables) or, where no independent engine
exists (seeded random networks, the full removal curve), the implementation that was in place
before the optimisation, kept below as a slow, plainly written reference function.
"""

from __future__ import annotations

import math
import random

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import chainnet
from chainnet.analysis import _sparse
from chainnet.analysis import lifecycle as lifecycle_mod
from chainnet.analysis import resilience as resilience_mod
from chainnet.analysis import structure as st_mod
from chainnet.analysis.centrality import leaders
from chainnet.analysis.lifecycle import lifecycle
from chainnet.analysis.profile import profile
from chainnet.analysis.resilience import lwcc_curve, removal_order, resilience
from chainnet.analysis.structure import structure

DATASETS = list(chainnet.available_datasets())
TOL = 1e-9
LOCAL_ROLES = ("leader", "backbone", "sme")


@pytest.fixture(scope="module", params=DATASETS)
def case(request):
    c = chainnet.load_dataset(request.param)
    if not c.links_known:
        pytest.skip("links unknown: no supply graph")
    return c


def local_digraph(c: chainnet.Cluster) -> nx.DiGraph:
    """The local supply graph built straight from the tables (METRICS: local firms, supply links)."""
    f = c.firms
    local = f[(~f["external"].astype(bool)) & f["role"].isin(LOCAL_ROLES)]
    G = nx.DiGraph()
    G.add_nodes_from(local["firm_id"])
    ids = set(local["firm_id"])
    for s, t, k, w in c.links[["source", "target", "kind", "weight"]].itertuples(index=False):
        if k == "supply" and s in ids and t in ids:
            G.add_edge(s, t, weight=float(w))
    return G


def close(a, b) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or (isinstance(a, float) and math.isnan(a))) and \
               (b is None or (isinstance(b, float) and math.isnan(b)))
    return abs(float(a) - float(b)) <= TOL


# -- leaders: against networkx --------------------------------------------------------------------
def test_leaders_per_firm_and_figures_match_networkx(case):
    c = case
    G = local_digraph(c)
    U = nx.Graph(G.to_undirected())
    r = leaders(c)
    t = r.firms.set_index("firm_id")
    assert set(t.index) == set(G.nodes)
    pr = nx.pagerank(G, alpha=0.85, weight="weight", tol=1e-15, max_iter=10_000)
    bt = nx.betweenness_centrality(U, normalized=True)
    core = nx.core_number(U)
    for v in G.nodes:
        assert t.at[v, "out_degree"] == G.out_degree(v) and t.at[v, "in_degree"] == G.in_degree(v)
        assert close(t.at[v, "out_weight"], G.out_degree(v, weight="weight"))
        assert close(t.at[v, "in_weight"], G.in_degree(v, weight="weight"))
        assert t.at[v, "partners"] == U.degree(v)
        assert close(t.at[v, "pagerank"], pr[v]), v
        assert close(t.at[v, "betweenness"], bt[v]), v
        assert t.at[v, "kcore"] == core[v]
    role = dict(zip(c.firms["firm_id"], c.firms["role"]))
    lead = {v for v in G if role[v] == "leader"}
    total = sum(w for *_, w in G.edges(data="weight"))
    dom = sum(w for a, b, w in G.edges(data="weight") if a in lead or b in lead) / total if total else None
    assert close(r.leader_dominance, dom)
    smes = [v for v in G if role[v] == "sme"]
    att = sum(any(u in lead for u in U[v]) for v in smes) / len(smes) if smes else None
    assert close(r.sme_attachment, att)
    others = [v for v in G if v not in lead]
    near = set()
    for v in lead:
        near |= set(nx.single_source_shortest_path_length(U, v, cutoff=2))
    assert close(r.leader_reach, sum(v in near for v in others) / len(others) if others else None)
    d = np.array([U.degree(v) for v in U])
    n = len(d)
    assert close(r.degree_centralization, (d.max() - d).sum() / ((n - 1) * (n - 2)) if n >= 3 else 0.0)
    if c.templates:
        base = chainnet.completeness(c)["index"]
        after = chainnet.completeness(c, without=sorted(c.firms.loc[c.firms["role"] == "leader", "firm_id"]))["index"]
        assert close(r.leader_dependence, base - after)


# -- structure: deterministic parts against networkx ------------------------------------------------
def test_structure_deterministic_figures_match_networkx(case):
    c = case
    G = local_digraph(c)
    U = nx.Graph(G.to_undirected())
    s = structure(c, null_models=0)
    fig = s.figures
    assert fig["n_firms"] == G.number_of_nodes() and fig["n_links"] == G.number_of_edges()
    assert close(fig["reciprocity"], nx.reciprocity(G) if G.number_of_edges() else None)
    tr = nx.transitivity(U)
    assert close(fig["transitivity"], tr)
    assert close(fig["average_clustering"], nx.average_clustering(U))
    if U.number_of_edges():
        assert close(fig["assortativity"], nx.degree_assortativity_coefficient(U))
    sccs = sorted(nx.strongly_connected_components(G), key=len, reverse=True)
    core = sccs[0] if sccs and len(sccs[0]) >= 2 else set()
    assert close(fig["core_share"], len(core) / G.number_of_nodes())
    part = dict(zip(s.firms["firm_id"], s.firms["bowtie"]))
    if core:
        v = next(iter(core))
        out = nx.descendants(G, v) - core
        inn = nx.ancestors(G, v) - core
        assert {k for k, p in part.items() if p == "core"} == core
        assert {k for k, p in part.items() if p == "out"} == out
        assert {k for k, p in part.items() if p == "in"} == inn
    kc = nx.core_number(U)
    assert dict(zip(s.firms["firm_id"], s.firms["kcore"])) == kc


def reference_communities(c: chainnet.Cluster, seed: int) -> tuple[list[int], float]:
    """Leiden straight through igraph on the undirected view, edges (lo, hi) sorted, seeded as chainnet seeds it."""
    g = _sparse.supply_graph(c)
    pairs = sorted({(min(a, b), max(a, b)) for a, b in zip(g.src.tolist(), g.tgt.tolist())})
    H = ig.Graph(n=g.n, edges=pairs, directed=False)
    ig.set_random_number_generator(random.Random(seed))
    try:
        part = H.community_leiden(objective_function="modularity", n_iterations=2)
    finally:
        ig.set_random_number_generator(random)
    return sorted(np.bincount(part.membership).tolist(), reverse=True), H.modularity(part.membership)


@pytest.mark.parametrize("seed", [0, 7])
def test_structure_communities_match_igraph_directly(case, seed):
    s = structure(case, null_models=0, seed=seed)
    sizes, q = reference_communities(case, seed)
    assert close(s.figures["modularity"], q)
    got = sorted(np.bincount(s.firms["community"].to_numpy()).tolist(), reverse=True)
    assert got == sizes


def reference_rewire(src, tgt, n, *, swaps_per_link, rng):
    """The pre-optimisation Maslov-Sneppen rounds, verbatim (np.unique-based checks)."""
    s = np.asarray(src, dtype=np.int64).copy()
    t = np.asarray(tgt, dtype=np.int64).copy()
    m = len(s)
    if m < 2:
        return s, t
    h = m // 2
    for _ in range(swaps_per_link):
        codes = np.sort(s * n + t)
        perm = rng.permutation(m)
        i, j = perm[:h], perm[h:2 * h]
        a, b, c, d = s[i], t[i], s[j], t[j]
        new1, new2 = a * n + d, c * n + b
        k = np.flatnonzero((a != d) & (c != b) & (a != c) & (b != d))
        new, inv, cnt = np.unique(np.concatenate([new1[k], new2[k]]), return_inverse=True, return_counts=True)
        pos = np.searchsorted(codes, new)
        pos[pos == len(codes)] = 0
        bad = ((cnt > 1) | (codes[pos] == new))[inv]
        k = k[~(bad[:len(k)] | bad[len(k):])]
        t[i[k]] = d[k]
        t[j[k]] = b[k]
    return s, t


def reference_null_figures(c: chainnet.Cluster, *, null_models: int, seed: int, swaps_per_link: int = 10):
    """Null-model figures of the pre-optimisation loop, each figure computed with networkx/igraph directly."""
    g = _sparse.supply_graph(c)
    rng = np.random.default_rng(seed)
    values = {f: [] for f in st_mod.NULL_FIGURES}
    for i in range(null_models):
        s, t = reference_rewire(g.src, g.tgt, g.n, swaps_per_link=swaps_per_link, rng=rng)
        D = nx.DiGraph()
        D.add_nodes_from(range(g.n))
        D.add_edges_from(zip(s.tolist(), t.tolist()))
        U = nx.Graph(D.to_undirected())
        big = max((len(x) for x in nx.strongly_connected_components(D)), default=0)
        pairs = sorted({(min(a, b), max(a, b)) for a, b in zip(s.tolist(), t.tolist())})
        H = ig.Graph(n=g.n, edges=pairs, directed=False)
        ig.set_random_number_generator(random.Random(seed + 1 + i))
        try:
            part = H.community_leiden(objective_function="modularity", n_iterations=2)
        finally:
            ig.set_random_number_generator(random)
        fig = {"core_share": big / g.n if big >= 2 else 0.0, "reciprocity": nx.reciprocity(D),
               "modularity": H.modularity(part.membership),
               "assortativity": nx.degree_assortativity_coefficient(U),
               "transitivity": nx.transitivity(U), "average_clustering": nx.average_clustering(U)}
        for f, v in fig.items():
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                values[f].append(v)
    return values


def test_structure_null_models_same_seed_same_numbers(case):
    c = case
    g = _sparse.supply_graph(c)
    if g.m < 2:
        pytest.skip("no random networks below two links")
    k, seed = 4, 3
    s = structure(c, null_models=k, seed=seed)
    ref = reference_null_figures(c, null_models=k, seed=seed)
    sig = s.significance.set_index("figure")
    assert s.null_model["null_models"] == k
    for f, vals in ref.items():
        x = np.asarray(vals, dtype=float)
        assert sig.at[f, "nulls"] == len(x)
        assert close(sig.at[f, "null_mean"], float(x.mean()))
        assert close(sig.at[f, "null_sd"], float(x.std(ddof=1)))


# -- resilience: curves against the pre-optimisation union-find and networkx ----------------------
def reference_lwcc_curve(g: _sparse.SupplyGraph, order: np.ndarray) -> np.ndarray:
    """The pre-optimisation curve: firms added back in reverse order, union-find over every link."""
    n = g.n
    indptr, indices = g.U.indptr.tolist(), g.U.indices.tolist()
    parent = list(range(n))
    size = [1] * n
    alive = [False] * n
    out = [0] * (n + 1)
    best = 0
    for k in range(n - 1, -1, -1):
        v = int(order[k])
        alive[v] = True
        rv = v
        for u in indices[indptr[v]:indptr[v + 1]]:
            if not alive[u]:
                continue
            ru = u
            while parent[ru] != ru:
                parent[ru] = parent[parent[ru]]
                ru = parent[ru]
            if ru != rv:
                if size[ru] < size[rv]:
                    ru, rv = rv, ru
                parent[rv] = ru
                size[ru] += size[rv]
                rv = ru
        if size[rv] > best:
            best = size[rv]
        out[k] = best
    return np.asarray(out, dtype=np.int64)


def test_lwcc_curve_matches_reference_and_networkx(case):
    g = _sparse.supply_graph(case)
    roles = case.firms["role"].to_numpy(dtype=object)[g.rows]
    btw, _ = _sparse.betweenness(g)
    rng = np.random.default_rng(5)
    orders = [removal_order(g, s, roles=roles, betweenness=btw) for s in ("role", "degree", "betweenness")]
    orders += [removal_order(g, "random", rng=rng) for _ in range(3)]
    U = nx.Graph()
    U.add_nodes_from(range(g.n))
    U.add_edges_from(zip(*g.edges))
    for order in orders:
        got = lwcc_curve(g, order)
        np.testing.assert_array_equal(got, reference_lwcc_curve(g, order))
        for k in np.linspace(0, g.n, 7).astype(int):
            H = U.subgraph(order[k:].tolist())
            want = max((len(x) for x in nx.connected_components(H)), default=0)
            assert got[k] == want


def test_resilience_equals_the_pre_optimisation_result(case, monkeypatch):
    c = case
    new = resilience(c, runs=4, seed=2)

    def uncached_betweenness(g, *, exact_max=5000, pivots=100, seed=0):
        G = nx.Graph()
        G.add_nodes_from(range(g.n))
        G.add_edges_from(zip(*g.edges))
        if g.n < 3 or g.m == 0:
            return np.zeros(g.n), "exact"
        b = nx.betweenness_centrality(G, normalized=True)
        return np.array([b[i] for i in range(g.n)]), "exact"

    monkeypatch.setattr(resilience_mod, "lwcc_curve", reference_lwcc_curve)
    monkeypatch.setattr(resilience_mod._sparse, "betweenness", uncached_betweenness)
    _sparse._CACHE.clear()
    old = resilience(c, runs=4, seed=2)
    monkeypatch.undo()
    _sparse._CACHE.clear()
    pd.testing.assert_frame_equal(new.curves, old.curves, rtol=0, atol=TOL)
    pd.testing.assert_frame_equal(new.auc, old.auc, rtol=0, atol=TOL)
    pd.testing.assert_frame_equal(new.single_points, old.single_points, rtol=0, atol=TOL)
    assert new.robustness == pytest.approx(old.robustness, abs=TOL)
    assert new.baseline == pytest.approx(old.baseline, abs=TOL)


# -- life cycle and profile: per-year transitivity ---------------------------------------------------
def reference_transitivity(g: _sparse.SupplyGraph) -> float | None:
    """The pre-optimisation formula: closed triples from the squared adjacency matrix."""
    d = g.degree.astype(float)
    triples = float((d * (d - 1)).sum())
    if triples == 0:
        return None
    U = sp.csr_array(g.U)
    return float((U @ U).multiply(U).sum()) / triples


def test_lifecycle_clustering_per_year_matches_networkx(case):
    lc = lifecycle(case)
    years = lc.series["year"].tolist()
    for y, got in zip(years, lc.series["clustering"]):
        snap = case.snapshot(y) if y is not None else case
        U = nx.Graph(local_digraph(snap).to_undirected())
        want = nx.transitivity(U) if any(d >= 2 for _, d in U.degree()) else None
        assert close(None if pd.isna(got) else got, want), y


def test_profile_and_lifecycle_equal_pre_optimisation(case, monkeypatch):
    new = profile(case).to_dict()
    monkeypatch.setattr(lifecycle_mod, "transitivity", reference_transitivity)
    old = profile(case).to_dict()

    def same(a, b, where=""):
        if isinstance(a, dict):
            assert a.keys() == b.keys(), where
            for k in a:
                same(a[k], b[k], f"{where}.{k}")
        elif isinstance(a, list):
            assert len(a) == len(b), where
            for i, (x, y) in enumerate(zip(a, b)):
                same(x, y, f"{where}[{i}]")
        elif isinstance(a, float) and isinstance(b, float):
            assert (math.isnan(a) and math.isnan(b)) or abs(a - b) <= TOL, where
        else:
            assert a == b, where

    same(new, old)


# -- the bounded null models, the shared betweenness, progress -------------------------------------
def test_null_budget_caps_random_networks_and_says_so():
    c = chainnet.load_dataset("tongling_copper")
    m = _sparse.supply_graph(c).m
    capped = structure(c, null_models=20, seed=4, null_budget=4 * m + 1)  # room for 4 networks
    plain = structure(c, null_models=4, seed=4)
    assert capped.null_model["null_models"] == 4 and capped.null_model["null_models_requested"] == 20
    assert "z-scores rest on 4 random networks" in capped.null_model["note"]
    assert (capped.significance["nulls"] == 4).all()
    # the first networks of a seeded run are the same whether or not the run is capped
    pd.testing.assert_frame_equal(capped.significance, plain.significance, rtol=0, atol=TOL)
    floor = structure(c, null_models=20, seed=4, null_budget=1)
    assert floor.null_model["null_models"] == st_mod.MIN_NULLS
    assert structure(c, null_models=2, null_budget=1).null_model["null_models"] == 2  # never more than asked
    assert structure(c, null_models=5, null_budget=None).null_model["note"] == ""


def test_betweenness_is_computed_once_per_graph_and_handed_out_as_a_copy():
    c = chainnet.load_dataset("shenzhen_battery")
    g = _sparse.supply_graph(c)
    a, _ = _sparse.betweenness(g, exact_max=10, pivots=50, seed=1)
    a[:] = -1.0  # a caller editing its copy must not reach the next caller
    b, how = _sparse.betweenness(g, exact_max=10, pivots=50, seed=1)
    assert how == "sampled (50 pivots, seed 1)" and (b >= 0).all()
    assert ("betweenness", 50, 1) in g.memo
    c2, _ = _sparse.betweenness(g, exact_max=10, pivots=50, seed=2)
    assert not np.array_equal(b, c2)  # another sample is another computation


def test_progress_messages_name_the_step_and_its_size():
    c = chainnet.load_dataset("tongling_copper")
    g = _sparse.supply_graph(c)
    said: list[str] = []
    structure(c, null_models=2, progress=said.append)
    leaders(c, progress=said.append)
    resilience(c, runs=1, progress=said.append)
    text = "\n".join(said)
    assert f"{g.m:,} links" in text and "random network 2 of 2" in text
    assert f"PageRank of {g.n:,} firms" in text and f"betweenness of the intact network ({g.n:,} firms" in text


def test_structure_text_says_when_the_budget_cut_the_random_networks():
    from chainnet.commands.leaders import _structure_text

    c = chainnet.load_dataset("tongling_copper")
    text = _structure_text(c, structure(c, null_models=6, null_budget=1))
    assert "random networks: 3 (10 swap rounds each, seed 0)" in text
    assert "3 of the 6 random networks requested" in text and "the z-scores rest on 3 random networks" in text
    assert "requested" not in _structure_text(c, structure(c, null_models=2))
