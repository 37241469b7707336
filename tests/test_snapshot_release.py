"""Snapshots are let go once an analysis is done with a year (chainnet.analysis._snapshots): the
scope of ``analyze`` holds no year after the life cycle and the timeline, no year is cut twice, and
every figure equals one computed from ``Cluster.snapshot`` with no scope at all."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pandas as pd
import pytest

import chainnet
from chainnet.analysis import _snapshots
from chainnet.analysis._snapshots import shared
from chainnet.analysis.lifecycle import _year_row, lifecycle
from chainnet.analysis.timeline import headline, timeline
from chainnet.report.compute import _timeline_plan, compute


def _dated() -> chainnet.Cluster:
    """A generated cluster with entry, exit and link years (some unknown, some links ended)."""
    gen = chainnet.generate("copper", firms=800, seed=5).cluster
    rng = np.random.default_rng(11)
    f = gen.firms.copy()
    f["founded"] = pd.array(rng.integers(1995, 2021, len(f)), dtype="Int64")
    f.loc[rng.random(len(f)) < 0.05, "founded"] = pd.NA
    f["exited"] = pd.array([pd.NA] * len(f), dtype="Int64")
    f.loc[rng.random(len(f)) < 0.05, "exited"] = 2017
    ln = gen.links.copy()
    ln["year"] = pd.array(rng.integers(1998, 2021, len(ln)), dtype="Int64")
    ln["until"] = pd.array([pd.NA] * len(ln), dtype="Int64")
    ln.loc[rng.random(len(ln)) < 0.1, "until"] = 2014
    return gen.with_tables(f, ln)


@pytest.fixture
def cuts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The years cut by any Snapshots scope during the test, in order."""
    seen: list[int] = []
    real = _snapshots.Snapshots._cut

    def spy(self: _snapshots.Snapshots, year: int) -> chainnet.Cluster:
        seen.append(year)
        return real(self, year)

    monkeypatch.setattr(_snapshots.Snapshots, "_cut", spy)
    return seen


def _same(a: list, b: list) -> bool:
    def norm(v: object) -> object:
        return None if v is None or (isinstance(v, float) and v != v) else v
    return [norm(v) for v in a] == [norm(v) for v in b]


def test_done_lets_the_snapshot_go() -> None:
    c = _dated()
    with shared(c) as cut:
        s = cut.get(2010)
        ref = weakref.ref(s)
        assert cut.held() == [2010]
        del s
        cut.done(2010)
        gc.collect()
        # nothing else holds it: not the scope, not the caches of its graph and arrays
        assert cut.held() == [] and ref() is None
        again = cut.get(2010)  # asked again: cut again, the same content
        pd.testing.assert_frame_equal(again.firms, c.snapshot(2010).firms)
        pd.testing.assert_frame_equal(again.links, c.snapshot(2010).links)
        cut.done(1900)  # a year never cut: nothing to do


def test_announced_figures_are_taken_before_the_snapshot_goes(cuts: list[int]) -> None:
    c = _dated()
    calls: list[int] = []

    def links(snapshot: chainnet.Cluster) -> int:
        calls.append(1)
        return len(snapshot.links)

    with shared(c) as cut:
        cut.later([2005, 2012], links)
        cut.later([2012], links)  # announced twice: computed once
        cut.get(2012)
        cut.done(2012)
        assert calls == [1] and cut.held() == []
        # handed over without cutting 2012 again; 2005 was never cut, so it is cut now
        assert cut.figures(2012, links) == len(c.snapshot(2012).links)
        assert cut.figures(2005, links) == len(c.snapshot(2005).links)
        assert cuts == [2012, 2005] and len(calls) == 2
        cut.done(2005)
        assert cut.held() == []


def test_present_cuts_no_snapshot(cuts: list[int]) -> None:
    c = _dated()
    with shared(c) as cut:
        mask = cut.present(2008)
        assert cuts == [] and cut.held() == []
    expected = c.firms["firm_id"].isin(c.snapshot(2008).firms["firm_id"]).to_numpy()
    np.testing.assert_array_equal(mask, expected)


def test_lifecycle_keeps_no_year_and_is_unchanged(cuts: list[int]) -> None:
    c = _dated()
    with shared(c) as cut:
        lc = lifecycle(c)
        assert cut.held() == []
    assert cuts == lc.years  # each year cut once, one at a time
    # the series equals rows of Cluster.snapshot (cut by strings, no scope), year by year
    ref = pd.DataFrame([_year_row(c.snapshot(y)) for y in lc.years])
    for col in ref.columns:
        assert _same(lc.series[col].tolist(), ref[col].tolist()), col


def test_analyze_cuts_each_year_once_and_keeps_none(cuts: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    c = _dated()
    held: list[list[int]] = []
    real = _snapshots.Snapshots.done

    def spy_done(self: _snapshots.Snapshots, year: int) -> None:
        real(self, year)
        held.append(self.held())

    monkeypatch.setattr(_snapshots.Snapshots, "done", spy_done)
    r = compute(c, seed=0, null_models=0)
    years = _timeline_plan(c)
    lc_years = r.profile.lifecycle.years
    assert set(years) & set(lc_years), "the case must have years both analyses follow"
    # every year of either analysis cut exactly once, and no snapshot held after each is done
    assert sorted(cuts) == sorted(set(years) | set(lc_years))
    assert all(h == [] for h in held)
    # the timeline equals one built from Cluster.snapshot with no scope
    ref = pd.DataFrame([{"year": y, **headline(c.snapshot(y))} for y in years])
    for col in ref.columns:
        assert _same(r.timeline[col].tolist(), ref[col].tolist()), col
    plain = timeline(c, years=years)
    pd.testing.assert_frame_equal(r.timeline, plain)
