"""Cluster basics: summary, graphs by kind, snapshots in time."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

import chainnet
from chainnet import ChainnetError

FIRMS = pd.DataFrame({
    "firm_id": ["old", "mid", "new", "gone", "undated"],
    "name": ["Old", "Mid", "New", "Gone", "Undated"],
    "role": ["leader", "sme", "sme", "backbone", "sme"],
    "segments": ["smelting", "rod", "wire", "cathode", "rod"],
    "founded": [1990, 2005, 2015, 2000, None],
    "exited": [None, None, None, 2012, None],
})
LINKS = pd.DataFrame({
    "source": ["old", "gone", "mid", "old", "old"],
    "target": ["gone", "mid", "new", "mid", "undated"],
    "year": [2001, 2006, 2016, 2005, None],
    "until": [None, 2011, None, 2009, None],
})


def cluster() -> chainnet.Cluster:
    return chainnet.Cluster.from_frames(FIRMS, LINKS, meta={"id": "t", "name": "T", "template": "copper"})


def ids(df: pd.DataFrame, col: str = "firm_id") -> list[str]:
    return sorted(df[col])


def test_snapshot_firms_enter_and_leave() -> None:
    c = cluster()
    assert ids(c.snapshot(1989).firms) == ["undated"]  # nothing founded yet; undated firms are always there
    assert ids(c.snapshot(2005).firms) == ["gone", "mid", "old", "undated"]
    # 'gone' exited in 2012: present in 2011, absent in 2012
    assert "gone" in ids(c.snapshot(2011).firms) and "gone" not in ids(c.snapshot(2012).firms)
    assert ids(c.snapshot(2020).firms) == ["mid", "new", "old", "undated"]
    assert c.snapshot(2020).meta["year"] == 2020


def test_snapshot_links_start_end_and_need_both_firms() -> None:
    c = cluster()
    pairs = lambda y: sorted(zip(c.snapshot(y).links["source"], c.snapshot(y).links["target"]))  # noqa: E731
    # 2005: old->gone (since 2001), old->mid (2005-2009), old->undated (undated); gone->mid starts 2006
    assert pairs(2005) == [("old", "gone"), ("old", "mid"), ("old", "undated")]
    # 2010: old->mid ended 2009; gone->mid runs 2006-2011
    assert pairs(2010) == [("gone", "mid"), ("old", "gone"), ("old", "undated")]
    # 2012: 'gone' has left, so both of its links go; mid->new starts only in 2016
    assert pairs(2012) == [("old", "undated")]
    assert pairs(2016) == [("mid", "new"), ("old", "undated")]


def test_snapshot_before_any_firm_is_empty_of_dated_firms() -> None:
    firms = FIRMS[FIRMS["founded"].notna()]
    c = chainnet.Cluster.from_frames(firms, None, meta={"id": "t", "name": "T", "template": "copper"})
    s = c.snapshot(1900)
    assert len(s.firms) == 0 and len(s.links) == 0


def test_years_and_bad_year() -> None:
    c = cluster()
    assert c.years() == [1990, 2000, 2001, 2005, 2006, 2009, 2011, 2012, 2015, 2016]
    with pytest.raises(ChainnetError):
        c.snapshot("2010")


def test_graph_kinds_and_external() -> None:
    c = chainnet.load_dataset("demo_copper")
    rd = c.graph(kinds="rd")
    assert isinstance(rd, nx.DiGraph) and sorted(rd.edges()) == [("lab_a", "foil_a"), ("lab_a", "smelter_a")]
    both = c.graph(kinds=["supply", "cooperation"])
    assert isinstance(both, nx.MultiDiGraph)
    assert both.has_edge("smelter_a", "refiner_b", key="cooperation")
    assert both.has_edge("smelter_a", "refiner_b", key="supply") is False
    with pytest.raises(ChainnetError, match="unknown link kind"):
        c.graph(kinds="friendship")


def test_summary_counts_by_role_and_kind() -> None:
    s = chainnet.load_dataset("demo_copper").summary()
    # demo_copper: 2 leaders (one external), 3 backbone, 7 SMEs, 1 institution; 11 supply, 2 rd, 1 cooperation
    assert s["roles"] == {"sme": 7, "backbone": 3, "leader": 2, "institution": 1}
    assert s["link_kinds"] == {"supply": 11, "rd": 2, "cooperation": 1}
    assert s["local_firms"] == 11 and s["external_firms"] == 1


def test_without_firms_drops_their_links() -> None:
    c = chainnet.load_dataset("demo_copper").without_firms(["smelter_a"])
    assert "smelter_a" not in set(c.firms["firm_id"])
    assert not ((c.links["source"] == "smelter_a") | (c.links["target"] == "smelter_a")).any()
    assert len(c.links) == 14 - 7  # smelter_a is at an end of 7 links in links.csv


def test_in_place_edit_is_seen_by_every_analysis() -> None:
    """Caches follow the content of the tables, not their identity (issue 17, item 4)."""
    c = chainnet.load_dataset("tongling_copper")
    before = chainnet.leaders(c)  # fills the supply-graph cache
    segs_before = len(c.firm_segments)
    leader = before.leaders["firm_id"].iloc[0]
    row = c.firms.index[c.firms["firm_id"] == leader][0]
    c.firms.loc[row, "external"] = True  # in place: same DataFrame object, new content
    fresh = chainnet.Cluster(dict(c.meta), c.firms.copy(), c.links.copy(), list(c.templates))

    after = chainnet.leaders(c)
    assert leader not in set(after.firms["firm_id"])  # an external firm is not local any more
    assert len(after.firms) == int(c.local_mask.sum()) == len(before.firms) - 1
    expected = chainnet.leaders(fresh)
    assert after.figures == expected.figures
    pd.testing.assert_frame_equal(after.leaders, expected.leaders)
    assert chainnet.completeness(c) == chainnet.completeness(fresh)
    # firm_segments follows the edit too: the same rows, the edited firm now flagged external
    fs = c.firm_segments
    assert len(fs) == segs_before
    assert fs.loc[fs["firm_id"] == leader, "external"].all()


def test_in_place_link_edit_rebuilds_the_supply_graph() -> None:
    c = cluster()
    n_before = chainnet.leaders(c).firms["out_degree"].sum()
    c.links.loc[c.links.index[0], "kind"] = "rd"  # one supply link fewer, same frame object
    assert chainnet.leaders(c).firms["out_degree"].sum() == n_before - 1


def test_equals_holds_under_python_optimize() -> None:
    """`Cluster.equals` must not rely on `assert`, which `python -O` strips."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import chainnet\n"
        "a = chainnet.load_dataset('demo_copper')\n"
        "b = a.copy()\n"
        "b.firms.loc[0, 'name'] = 'Other'\n"
        "print(a.equals(a.copy()), a.equals(b), a.equals(a.without_firms([a.firms.firm_id[0]])))\n"
    )
    root = str(Path(chainnet.__file__).resolve().parent.parent)
    out = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": root, "PATH": ""}, cwd=root)
    assert out.stdout.split() == ["True", "False", "False"]
