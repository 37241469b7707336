"""Brandes' dependencies of sampled pivots (chainnet.analysis._brandes) against hand-worked
cases, igraph (the engine it replaced for the sampled betweenness) and networkx."""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from chainnet.analysis._brandes import bfs_view, dependencies


def _adjacency(n: int, edges: list[tuple[int, int]]) -> sp.csr_array:
    """Symmetric 0/1 adjacency of the simple undirected graph with ``edges`` (no self-loops)."""
    pairs = {(min(a, b), max(a, b)) for a, b in edges if a != b}
    lo = np.array([p[0] for p in pairs], dtype=np.int64)
    hi = np.array([p[1] for p in pairs], dtype=np.int64)
    rows, cols = np.concatenate([lo, hi]), np.concatenate([hi, lo])
    U = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    U.sort_indices()
    return U


def test_four_cycle_by_hand():
    # 0-1-2-3-0 from pivot 0: 1 and 3 are reached directly; 2 by two shortest paths, one
    # through 1 and one through 3, so each of them carries half of that pair
    U = _adjacency(4, [(0, 1), (1, 2), (2, 3), (3, 0)])
    assert dependencies(bfs_view(U), [0]).tolist() == [0.0, 0.5, 0.0, 0.5]


def test_star_by_hand():
    # a star with centre 0 and leaves 1..4: from leaf 1, the centre lies on the paths to the
    # other three leaves; from the centre nothing lies between; summed over pivots 1 and 0
    U = _adjacency(5, [(0, k) for k in range(1, 5)])
    assert dependencies(bfs_view(U), [1, 0]).tolist() == [3.0, 0.0, 0.0, 0.0, 0.0]


def test_disconnected_and_isolated_pivots():
    # two paths 0-1-2 and 3-4-5, and an isolated firm 6: a pivot counts only its own component
    U = _adjacency(7, [(0, 1), (1, 2), (3, 4), (4, 5)])
    v = bfs_view(U)
    assert dependencies(v, [0]).tolist() == [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert dependencies(v, [6]).tolist() == [0.0] * 7
    assert dependencies(v, [0, 3, 6]).tolist() == [0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]


def test_view_is_a_renumbering():
    rng = np.random.default_rng(3)
    U = _adjacency(60, [tuple(e) for e in rng.integers(0, 60, (150, 2))])
    v = bfs_view(U)
    assert sorted(v.order.tolist()) == list(range(60))
    assert (v.order[v.position] == np.arange(60)).all()
    back = v.adj[v.position][:, v.position]  # original numbering again
    assert (back != (U != 0)).nnz == 0


@pytest.mark.parametrize("seed", range(4))
def test_equals_igraph_and_networkx(seed):
    rng = np.random.default_rng(seed)
    n = 300
    edges = [tuple(map(int, e)) for e in rng.integers(0, n, (700, 2))]
    U = _adjacency(n, edges)
    sources = np.sort(rng.choice(n, size=25, replace=False))
    got = dependencies(bfs_view(U), sources)

    G = ig.Graph(n=n, edges=sorted({(min(a, b), max(a, b)) for a, b in edges if a != b}))
    want_ig = 2.0 * np.asarray(G.betweenness(directed=False, sources=sources.tolist()))
    np.testing.assert_allclose(got, want_ig, rtol=1e-12, atol=1e-12)

    H = nx.Graph()
    H.add_nodes_from(range(n))
    H.add_edges_from(edges)
    H.remove_edges_from(nx.selfloop_edges(H))
    b = nx.betweenness_centrality_subset(H, sources=sources.tolist(), targets=list(range(n)), normalized=False)
    np.testing.assert_allclose(got, 2.0 * np.array([b[i] for i in range(n)]), rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 40).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
    st.sets(st.integers(0, n - 1), min_size=1, max_size=n))))
def test_any_graph_equals_igraph(case):
    n, edges, sources = case
    U = _adjacency(n, edges)
    src = sorted(sources)
    G = ig.Graph(n=n, edges=sorted({(min(a, b), max(a, b)) for a, b in edges if a != b}))
    want = 2.0 * np.asarray(G.betweenness(directed=False, sources=src))
    np.testing.assert_allclose(dependencies(bfs_view(U), src), want, rtol=1e-12, atol=1e-12)
