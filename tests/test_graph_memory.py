"""What the supply graph's views and the random networks hold in memory (issue 15, 10^6 firms).

- the igraph view is built from one integer array, not from a list of Python pairs: the test
  checks it is the same graph (the same edges in the same order) as the pairs give;
- ``structure`` lets each random network's graph go before it draws the next one;
- ``analyze`` builds the views both of its processes read before it forks the worker.
"""

from __future__ import annotations

import sys
import weakref

import numpy as np
import pytest

import chainnet
from chainnet import _parallel
from chainnet.analysis import _sparse
from chainnet.analysis import structure as structure_module
from chainnet.generate import generate


def _graph(src: list[int], tgt: list[int], n: int) -> _sparse.SupplyGraph:
    s, t = np.asarray(src, dtype=np.int32), np.asarray(tgt, dtype=np.int32)
    order = np.lexsort((t, s))
    return _sparse.SupplyGraph(ids=np.array([f"f{i}" for i in range(n)], dtype=object), rows=np.arange(n),
                               src=s[order], tgt=t[order], weight=np.ones(len(s)))


@pytest.mark.parametrize("src, tgt, n", [
    ([0, 1, 2, 2, 3, 1], [1, 0, 3, 1, 0, 2], 5),  # a reciprocated pair (one edge), an isolated firm
    ([], [], 3),  # no link
    ([], [], 0),  # no firm
])
def test_igraph_view_is_the_simple_undirected_graph(src, tgt, n) -> None:
    G = _graph(src, tgt, n).igraph
    # by hand: each pair of firms tied in either direction once, smaller node first, sorted
    pairs = sorted({(min(a, b), max(a, b)) for a, b in zip(src, tgt)})
    assert G.vcount() == n and not G.is_directed()
    assert G.get_edgelist() == pairs


def test_igraph_view_equals_one_built_from_python_pairs() -> None:
    rng = np.random.default_rng(7)
    n, m = 3000, 12000
    src, tgt = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != tgt
    g = _graph(src[keep].tolist(), tgt[keep].tolist(), n)
    lo, hi = g.edges
    ig = _sparse._igraph()
    old = ig.Graph(n=n, edges=list(zip(lo.tolist(), hi.tolist())), directed=False)  # the former construction
    new = g.igraph
    assert new.get_edgelist() == old.get_edgelist()
    assert new.coreness() == old.coreness()
    assert new.transitivity_local_undirected(mode="zero") == old.transitivity_local_undirected(mode="zero")
    with _sparse.igraph_seed(3):
        a = new.community_leiden(objective_function="modularity", n_iterations=2).membership
    with _sparse.igraph_seed(3):
        b = old.community_leiden(objective_function="modularity", n_iterations=2).membership
    assert a == b


@pytest.fixture(scope="module")
def small():
    """A generated copper cluster of 600 firms."""
    return generate("copper", firms=600, leaders=6, seed=2).cluster


def test_a_random_network_goes_before_the_next_is_drawn(small, monkeypatch) -> None:
    monkeypatch.setenv(_parallel.WORKERS_ENV, "1")  # every network's figures computed at once, here
    drawn: list[weakref.ref] = []
    alive_at_draw: list[int] = []
    topology, rewire = structure_module._null_topology, structure_module.rewire_until_mixed

    def spy_topology(null, **kw):
        drawn.append(weakref.ref(null))
        return topology(null, **kw)

    def spy_rewire(*args, **kw):
        alive_at_draw.append(sum(r() is not None for r in drawn))
        return rewire(*args, **kw)

    monkeypatch.setattr(structure_module, "_null_topology", spy_topology)
    monkeypatch.setattr(structure_module, "rewire_until_mixed", spy_rewire)
    s = structure_module.structure(small, seed=5, null_models=4)
    assert len(drawn) == 4 and alive_at_draw == [0, 0, 0, 0]  # none held while the next is drawn
    assert all(r() is None for r in drawn)
    # the same numbers as without the spies (the significance rests on the 4 networks)
    monkeypatch.undo()
    monkeypatch.setenv(_parallel.WORKERS_ENV, "1")
    again = structure_module.structure(small, seed=5, null_models=4)
    assert s.significance.equals(again.significance)
    assert s.null_model["null_models"] == 4


def test_build_views_caches_what_first_use_builds(small) -> None:
    g = _sparse.supply_graph(small)
    fresh = _sparse.SupplyGraph(ids=g.ids, rows=g.rows, src=g.src, tgt=g.tgt, weight=g.weight)
    assert _sparse.build_views(g) is g
    for name in ("A", "AT", "U"):
        assert (vars(g)[name] != getattr(fresh, name)).nnz == 0
    for name in ("degree", "out_degree", "in_degree", "out_weight", "in_weight"):
        assert np.array_equal(vars(g)[name], getattr(fresh, name))
    # by hand: out-degree is the number of links each firm sells on
    assert np.array_equal(g.out_degree, np.bincount(g.src, minlength=g.n))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are forked on Linux")
def test_analyze_builds_the_shared_views_before_it_forks(small, monkeypatch, tmp_path) -> None:
    compute_module = sys.modules["chainnet.report.compute"]
    monkeypatch.setenv(_parallel.WORKERS_ENV, "2")
    monkeypatch.setattr(structure_module, "PARALLEL_MIN_LINKS", 1)
    seen = {}
    start = compute_module._parallel.start

    def spy_start(fn, *args, **kw):
        if fn.__name__ == "structure":  # the first step compute() hands to a worker
            g = _sparse.supply_graph(args[0])
            seen["views"] = {name for name in _sparse.SHARED_VIEWS if name in vars(g)}
        return start(fn, *args, **kw)

    monkeypatch.setattr(compute_module._parallel, "start", spy_start)
    a = chainnet.report.compute(small, null_models=0, seed=1, candidates=[])
    assert seen["views"] == set(_sparse.SHARED_VIEWS)
    assert a.structure.figures["n_links"] == _sparse.supply_graph(small).m


def test_sales_outside_the_cluster_by_hand(small) -> None:
    from chainnet.analysis.position import firm_sales

    g = _sparse.supply_graph(small)
    node = {fid: i for i, fid in enumerate(g.ids)}
    outside = [0.0] * g.n
    for src, tgt, kind, w in small.links[["source", "target", "kind", "weight"]].itertuples(index=False):
        if kind == "supply" and src in node and tgt not in node:
            outside[node[src]] += w
    assert any(outside)  # the generated cluster sells outside
    got = firm_sales(small, g, use_output=False)
    assert np.allclose(got["outside"], outside, rtol=0, atol=1e-12)
    assert np.allclose(got["sales"], np.asarray(outside) + g.out_weight, rtol=0, atol=1e-12)


def test_links_against_the_chain_sorted_by_weight_then_ids(small) -> None:
    from chainnet.analysis.position import position

    links = small.links.copy()
    supply = np.flatnonzero((links["kind"] == "supply").to_numpy())[::7]  # every 7th supply link turned round
    links.loc[supply, ["source", "target"]] = links.loc[supply, ["target", "source"]].to_numpy()
    links.loc[supply, ["segment_from", "segment_to"]] = links.loc[supply, ["segment_to", "segment_from"]].to_numpy()
    links.loc[supply[::2], "weight"] = 1.0  # ties in weight, ordered by the ids
    p = position(small.with_tables(links=links))
    ag = p.against
    assert len(ag) >= 20 and ag["weight"].duplicated().any()
    key = [(-w, s, t) for w, s, t in zip(ag["weight"], ag["source"], ag["target"])]
    assert key == sorted(key)
    assert set(ag.columns) >= {"source", "target", "weight", "segment_from", "segment_to", "reason"}


def test_analyze_lets_the_analysis_views_go_before_the_figures(small, monkeypatch, tmp_path) -> None:
    from chainnet.report import analyze

    monkeypatch.setenv(_parallel.WORKERS_ENV, "1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    released = analyze(small, tmp_path / "released", null_models=3, seed=1, candidates=[])
    g = _sparse.supply_graph(small)
    # let go after the analyses, and nothing written afterwards built them again
    assert not set(_sparse.ANALYSIS_VIEWS) & set(vars(g))
    assert {"AT", "out_weight"} <= set(vars(g))  # the PageRank of the report's maps reads these
    # the same report as when every view is kept
    monkeypatch.setattr(_sparse, "ANALYSIS_VIEWS", ())
    monkeypatch.setattr(_sparse.release_views, "__defaults__", ((),))
    kept = analyze(small, tmp_path / "kept", null_models=3, seed=1, candidates=[])
    assert "igraph" in vars(_sparse.supply_graph(small))
    for name in ("results.json", "report.md", "firms.parquet", "links.parquet"):
        one, two = (released / name).read_bytes(), (kept / name).read_bytes()
        if name == "results.json":
            one, two = one.replace(b"released", b"X"), two.replace(b"kept", b"X")
        assert one == two, name
