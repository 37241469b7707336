"""Shared year snapshots (chainnet.analysis._snapshots): the same tables as ``Cluster.snapshot`` and,
for the graphs derived from the whole cluster's codes, the same arrays as a rebuild from strings."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest

import chainnet
from chainnet.analysis import _chain, _sparse
from chainnet.analysis._snapshots import shared
from chainnet.analysis.completeness import completeness
from chainnet.analysis.lifecycle import lifecycle
from chainnet.analysis.timeline import change_years, headline, timeline


def _clusters() -> list[chainnet.Cluster]:
    gen = chainnet.generate("copper", firms=1500, seed=3).cluster
    # dated firms (some undated, some exited) and links (some undated, some ended)
    f = gen.firms.copy()
    rng = np.random.default_rng(7)
    f["founded"] = pd.array(rng.integers(1990, 2021, len(f)), dtype="Int64")
    f.loc[rng.random(len(f)) < 0.05, "founded"] = pd.NA
    f["exited"] = pd.array([pd.NA] * len(f), dtype="Int64")
    f.loc[rng.random(len(f)) < 0.05, "exited"] = 2016
    ln = gen.links.copy()
    ln["year"] = pd.array(rng.integers(1995, 2021, len(ln)), dtype="Int64")
    ln["until"] = pd.array([pd.NA] * len(ln), dtype="Int64")
    ln.loc[rng.random(len(ln)) < 0.1, "until"] = 2012
    dated = gen.with_tables(f, ln)
    return [chainnet.load_dataset("demo_copper"), chainnet.load_dataset("tongling_copper"), gen, dated]


def _same_arrays(a: object, b: object) -> None:
    for fld in dataclasses.fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, fld.name), getattr(b, fld.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, fld.name
            np.testing.assert_array_equal(x, y, err_msg=fld.name)
        elif isinstance(x, pd.Index):
            assert x.equals(y), fld.name
        else:
            assert x == y, fld.name


@pytest.mark.parametrize("k", range(4))
def test_snapshots_equal_cluster_snapshot_and_rebuilt_graphs(k: int) -> None:
    c = _clusters()[k]
    completeness(c)  # the whole cluster's encoding is cached, as after audit()
    _sparse.supply_graph(c)
    years = change_years(c)
    years = sorted({years[0] - 1, *years[:: max(1, len(years) // 8)], years[-1], years[-1] + 1})
    vocab = list(dict.fromkeys(s for t in c.templates for s in t.segments["id"]))
    with shared(c) as cut:
        for y in years:
            s, ref = cut.get(y), c.snapshot(y)
            assert cut.get(y) is s  # cut once
            # derived, not rebuilt: both caches hold the snapshot's arrays before anything asks for them
            assert s in _sparse._CACHE and tuple(vocab) in _chain.cached_arrays(s)
            pd.testing.assert_frame_equal(s.firms, ref.firms)
            pd.testing.assert_frame_equal(s.links, ref.links)
            assert s.meta == ref.meta or (s is c and c.meta.get("year") == y)
            np.testing.assert_array_equal(cut.present(y), c.firms["firm_id"].isin(ref.firms["firm_id"]).to_numpy())
            # the cached (derived) graph and encoding equal a build from the snapshot's strings
            _same_arrays(_sparse.supply_graph(s), _sparse.build_supply_graph(ref.firms, ref.links, ref.local_mask))
            _same_arrays(_chain.cluster_arrays(s, vocab), _chain._cluster_arrays(ref, vocab))


def test_whole_year_is_the_cluster_itself() -> None:
    c = chainnet.load_dataset("tongling_copper")
    with shared(c) as cut:
        last = cut.get(c.meta["year"])
    # nothing in tongling_copper starts after its year: the snapshot of that year is the cluster
    assert len(c.snapshot(c.meta["year"]).links) == len(c.links)
    assert last is c


def test_timeline_and_lifecycle_unchanged_by_sharing() -> None:
    c = _clusters()[3]
    years = [2000, 2008, 2012, 2013, 2016, 2020]
    ref = pd.DataFrame([{"year": y, **headline(c.snapshot(y))} for y in years])
    with shared(c):
        got = timeline(c, years=years)
        lc = lifecycle(c)
    for col in ref.columns:
        a, b = got[col].tolist(), ref[col].tolist()
        assert [None if v is None or v != v else v for v in a] == [None if v is None or v != v else v for v in b], col
    ids = [set(c.snapshot(y).firms["firm_id"]) for y in years]
    assert got["entered"].tolist()[1:] == [len(b - a) for a, b in itertools.pairwise(ids)]
    assert got["left"].tolist()[1:] == [len(a - b) for a, b in itertools.pairwise(ids)]
    assert lc.to_dict() == lifecycle(c).to_dict()  # outside the scope: cut on its own


def test_link_ends_are_firm_rows_and_repeated_ids_fall_back_to_cluster_snapshot():
    """Link ends are the rows of the firms named by ids (-1 for an id that is no firm); with a
    firm id twice, the scope cuts years with ``Cluster.snapshot`` instead."""
    base = chainnet.load_dataset("demo_copper")
    links = base.links.copy()
    links.loc[0, "target"] = "no-such-firm"
    c = chainnet.Cluster(base.meta, base.firms, links, base.templates)
    src, tgt = _sparse.link_ends(c)
    ids = c.firms["firm_id"].tolist()
    assert [ids[i] for i in src] == c.links["source"].tolist()
    assert tgt[0] == -1 and [ids[i] for i in tgt[1:]] == c.links["target"].tolist()[1:]
    firms = pd.concat([base.firms, base.firms.iloc[[0]]], ignore_index=True)
    twice = chainnet.Cluster(base.meta, firms, base.links, base.templates)
    with pytest.raises(ValueError):
        _sparse.link_ends(twice)
    year = int(base.firms["founded"].max())
    with shared(twice) as cut:
        assert cut.present(year) is None
        pd.testing.assert_frame_equal(cut.get(year).firms, twice.snapshot(year).firms)


def test_link_ends_follow_an_edit_and_give_the_supply_graph_of_an_id_look_up():
    c = chainnet.generate("copper", firms=800, seed=5).cluster
    src, tgt = _sparse.link_ends(c)
    assert not src.flags.writeable  # shared by every caller
    g = _sparse.build_supply_graph(c.firms, c.links, c.local_mask, ends=(src, tgt))
    by_id = _sparse.build_supply_graph(c.firms, c.links, c.local_mask)  # local ids looked up by string
    for name in ("rows", "src", "tgt", "weight"):
        np.testing.assert_array_equal(getattr(g, name), getattr(by_id, name))
    c.links.loc[0, "target"] = c.firms["firm_id"].iloc[3]  # an in-place edit: the cache must notice
    assert _sparse.link_ends(c)[1][0] == 3


def test_lifecycle_holds_one_year_snapshot_at_a_time(monkeypatch) -> None:
    """Each year's snapshot (about 1 GB at 10^6 firms) is let go before the next year is cut."""
    import weakref

    from chainnet.analysis import _snapshots

    c = _clusters()[3]  # dated firms and links: every year is a cut of its own
    cut = _snapshots.Snapshots._cut
    made: list[weakref.ref] = []
    alive_at_cut: list[int] = []

    def tracked(self, year):
        alive_at_cut.append(sum(r() is not None for r in made))
        snap = cut(self, year)
        if snap is not self.cluster:
            made.append(weakref.ref(snap))
        return snap

    monkeypatch.setattr(_snapshots.Snapshots, "_cut", tracked)
    r = lifecycle(c)
    assert len(r.years) >= 3 and len(made) == len(r.years)
    assert alive_at_cut == [0] * len(r.years)
