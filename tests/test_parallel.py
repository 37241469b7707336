"""Steps run in worker processes (chainnet._parallel) give exactly the results of one process.

The worker processes are real forked children: the tests check the process ids they ran in, a
child that fails or dies, and that every analysis handed to them (structure's community searches,
sampled betweenness, the report's structure, figures and workbook) writes the same numbers and
files as a run with ``CHAINNET_WORKERS=1``.
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse import csgraph

import chainnet
from chainnet import _parallel
from chainnet.analysis import _sparse
from chainnet.analysis import structure as structure_module
from chainnet.generate import generate

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are forked on Linux")


def _pid(tag: str) -> tuple[str, int]:
    return tag, os.getpid()


@pytest.fixture
def two_workers(monkeypatch):
    monkeypatch.setenv(_parallel.WORKERS_ENV, "2")


def test_a_step_runs_in_a_child_and_its_value_comes_back(two_workers) -> None:
    job = _parallel.start(_pid, "a")
    assert job.in_child
    tag, pid = job.result()
    assert tag == "a" and pid != os.getpid()
    assert job.result() == (tag, pid)  # kept, not computed again
    assert job._call is None  # the arguments are let go (a random network's graph is large)
    here = _parallel.start(_pid, "b", parallel=False)
    assert here._call is None


def test_one_worker_computes_everything_here(monkeypatch) -> None:
    monkeypatch.setenv(_parallel.WORKERS_ENV, "1")
    jobs = [_parallel.start(_pid, t) for t in "abc"]
    assert _parallel.gather(jobs) == [(t, os.getpid()) for t in "abc"]


def test_at_most_one_child_beside_the_caller_with_two_workers(two_workers) -> None:
    # the first step goes to a child; the others wait and are computed here or by the freed worker
    jobs = [_parallel.start(_pid, t) for t in "abcd"]
    assert sum(j.in_child for j in jobs) == 1
    values = _parallel.gather(jobs)
    assert [v[0] for v in values] == list("abcd")
    assert values[0][1] != os.getpid()
    assert not _parallel._running and not _parallel._pending


def test_threads_and_daemonic_processes_compute_alone(two_workers) -> None:
    import multiprocessing
    import threading

    seen = []
    t = threading.Thread(target=lambda: seen.append(_parallel.workers()))
    t.start()
    t.join()
    assert seen == [1] and _parallel.workers() == 2
    ctx = multiprocessing.get_context("fork")
    q = ctx.SimpleQueue()
    p = ctx.Process(target=lambda: q.put(_parallel.workers()), daemon=True)
    p.start()
    p.join()
    assert q.get() == 1


def test_not_parallel_means_here_at_once(two_workers) -> None:
    job = _parallel.start(_pid, "x", parallel=False)
    assert not job.in_child and job.result() == ("x", os.getpid())


def _fails(parent: int) -> None:
    raise ValueError(f"bad input (raised in {'the caller' if os.getpid() == parent else 'a child'})")


def test_an_error_in_the_child_is_raised_here_with_its_own_type(two_workers) -> None:
    job = _parallel.start(_fails, os.getpid())
    assert job.in_child
    with pytest.raises(ValueError, match=r"raised in the caller"):
        job.result()


def _dies_in_a_child(parent: int) -> str:
    if os.getpid() != parent:
        os._exit(9)  # as if killed (e.g. out of memory)
    return "computed by the caller"


def test_a_child_that_dies_costs_time_not_the_result(two_workers) -> None:
    job = _parallel.start(_dies_in_a_child, os.getpid())
    assert job.in_child
    assert job.result() == "computed by the caller"


def test_workers_reads_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(_parallel.WORKERS_ENV, "3")
    assert _parallel.workers() == 3
    monkeypatch.setenv(_parallel.WORKERS_ENV, "0")
    assert _parallel.workers() == 1
    monkeypatch.setenv(_parallel.WORKERS_ENV, "two")
    with pytest.warns(UserWarning, match="not a whole number"):
        assert _parallel.workers() == 1
    monkeypatch.delenv(_parallel.WORKERS_ENV)
    assert _parallel.workers() == len(os.sched_getaffinity(0))


# -- the analyses handed to workers ---------------------------------------------------------------
@pytest.fixture(scope="module")
def mid():
    """A generated copper cluster of 2,000 firms (about 1,800 local firms and 7,000 supply links)."""
    return generate("copper", firms=2000, leaders=12, seed=3).cluster


def _structure(cluster, workers: str, monkeypatch):
    monkeypatch.setenv(_parallel.WORKERS_ENV, workers)
    monkeypatch.setattr(structure_module, "PARALLEL_MIN_LINKS", 1)
    return structure_module.structure(cluster, seed=4, null_models=5)


def test_structure_in_workers_equals_one_process(mid, monkeypatch) -> None:
    serial = _structure(mid, "1", monkeypatch)
    parallel = _structure(mid, "2", monkeypatch)
    assert serial.null_model["null_models"] == 5
    assert parallel.figures == serial.figures
    pd.testing.assert_frame_equal(parallel.significance, serial.significance, check_exact=True)
    pd.testing.assert_frame_equal(parallel.firms, serial.firms, check_exact=True)
    pd.testing.assert_frame_equal(parallel.communities, serial.communities, check_exact=True)
    assert parallel.null_model == serial.null_model


def test_structure_z_scores_are_recomputed_from_the_random_networks(mid, monkeypatch) -> None:
    # independent of the worker code: draw the same random networks by hand (one stream, in order)
    # and compute their modularity with the same community search; the table's mean and sd match
    s = _structure(mid, "2", monkeypatch)
    g = _sparse.supply_graph(mid)
    rng = np.random.default_rng(4)
    q = []
    for i in range(5):
        src, tgt = structure_module.rewire(g.src, g.tgt, g.n, swaps_per_link=10, rng=rng)
        order = np.lexsort((tgt, src))
        null = _sparse.SupplyGraph(ids=g.ids, rows=g.rows, src=src[order].astype(np.int32),
                                   tgt=tgt[order].astype(np.int32), weight=g.weight[order])
        q.append(structure_module._communities(null, seed=4 + 1 + i, weighted=False)[1])
    row = s.significance.set_index("figure").loc["modularity"]
    assert row["null_mean"] == pytest.approx(np.mean(q), abs=1e-15)
    assert row["null_sd"] == pytest.approx(np.std(q, ddof=1), abs=1e-15)


def test_split_betweenness_equals_one_pass_and_any_worker_count(mid, monkeypatch) -> None:
    g = _sparse.supply_graph(mid)
    whole, how = _sparse.betweenness(g, exact_max=100, pivots=60, seed=2)
    assert how.startswith("sampled")
    results = []
    for workers in ("1", "2"):
        monkeypatch.setenv(_parallel.WORKERS_ENV, workers)
        monkeypatch.setattr(_sparse, "BETWEENNESS_SPLIT_FIRMS", 1)
        g2 = _sparse.SupplyGraph(ids=g.ids, rows=g.rows, src=g.src, tgt=g.tgt, weight=g.weight)  # no memo
        results.append(_sparse.betweenness(g2, exact_max=100, pivots=60, seed=2)[0])
    g3 = _sparse.SupplyGraph(ids=g.ids, rows=g.rows, src=g.src, tgt=g.tgt, weight=g.weight)
    _sparse.start_betweenness(g3, exact_max=100, pivots=60, seed=2)  # started early, collected later
    assert ("betweenness halves", 60, 2) in g3.memo
    results.append(_sparse.betweenness(g3, exact_max=100, pivots=60, seed=2)[0])
    assert np.array_equal(results[0], results[1]) and np.array_equal(results[0], results[2])
    assert np.allclose(results[0], whole, rtol=1e-12, atol=1e-18)  # only the order of additions differs


def test_resilience_in_workers_equals_one_process(mid, monkeypatch) -> None:
    from chainnet.analysis import resilience as resilience_module

    monkeypatch.setattr(resilience_module, "PARALLEL_MIN_LINKS", 1)
    out = []
    for workers in ("1", "2"):
        monkeypatch.setenv(_parallel.WORKERS_ENV, workers)
        out.append(resilience_module.resilience(mid, runs=4, seed=3))
    one, two = out
    assert one.settings["templates"], "the what-ifs of completeness are measured too"
    pd.testing.assert_frame_equal(one.curves, two.curves, check_exact=True)
    pd.testing.assert_frame_equal(one.auc, two.auc, check_exact=True)
    assert one.robustness == two.robustness
    # the curve of the first removal order by hand: the largest weak component after removing the
    # 5% most connected firms (degree order), recomputed with scipy from the links that remain
    g = _sparse.supply_graph(mid)
    k = int(one.curves.query("strategy == 'degree' and step == 1")["removed"].iloc[0])
    gone = np.zeros(g.n, dtype=bool)
    gone[resilience_module.removal_order(g, "degree")[:k]] = True
    keep = ~gone[g.src] & ~gone[g.tgt]
    A = sp.coo_array((np.ones(int(keep.sum())), (g.src[keep], g.tgt[keep])), shape=(g.n, g.n))
    _, lab = csgraph.connected_components(A, directed=True, connection="weak")
    largest = np.bincount(lab[~gone]).max()
    got = one.curves.query("strategy == 'degree' and step == 1")["lwcc"].iloc[0]
    assert got == pytest.approx(largest / g.n, abs=1e-12)


def _xml_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:  # the workbook's creation time is the only part that differs
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_report_in_workers_writes_the_same_files(mid, monkeypatch, tmp_path) -> None:
    compute_module = sys.modules["chainnet.report.compute"]  # the module, not the function of that name

    forked = []
    fork = _parallel.Job._fork
    monkeypatch.setattr(_parallel.Job, "_fork", lambda job: (forked.append(job._call[0].__name__), fork(job)))
    out = {}
    for workers in ("1", "2"):
        monkeypatch.setenv(_parallel.WORKERS_ENV, workers)
        monkeypatch.setattr(structure_module, "PARALLEL_MIN_LINKS", 1)
        monkeypatch.setattr(compute_module, "PARALLEL_MIN_FIRMS", 1)
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        out[workers] = chainnet.report.analyze(mid, tmp_path / f"w{workers}", null_models=3, seed=1,
                                               candidates=[])
    # with two workers: structure, then the workbook and the chain map went to a child
    assert {"structure", "_side"} <= set(forked)
    one, two = out["1"], out["2"]
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    assert {"figures/chain.svg", "figures/degree.svg", "report.xlsx", "results.json"} <= {str(f) for f in files}
    for f in files:
        if f.suffix == ".xlsx":
            assert _xml_parts(one / f) == _xml_parts(two / f), f
        else:
            assert (one / f).read_bytes() == (two / f).read_bytes(), f


def test_analyze_workers_option(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from chainnet.cli import main

    seen = []
    monkeypatch.setattr(_parallel, "start", lambda *a, **k: seen.append(_parallel.workers()) or _start(*a, **k))
    result = CliRunner().invoke(main, ["analyze", "demo_copper", "-o", str(tmp_path / "r"), "--workers", "1", "-q",
                                       "--formats", "md", "--null-models", "2"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "report.md").exists()
    assert seen and set(seen) == {1}  # every step was asked for with one process allowed
    bad = CliRunner().invoke(main, ["analyze", "demo_copper", "-o", str(tmp_path / "s"), "--workers", "0"])
    assert bad.exit_code == 2 and "--workers" in bad.output and not (tmp_path / "s").exists()


_start = _parallel.start
