"""A cluster across years: snapshots, the timeline and diff on a hand-made cluster with entries, exits and
links that end; property tests; the timeline and diff commands."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainnet
from chainnet import Cluster, Template
from chainnet.analysis.centrality import leaders
from chainnet.analysis.timeline import change_years, default_years, diff, headline, timeline
from chainnet.cli import main

from .conftest import MINI_TEMPLATE, write_cluster_folder

# The mini chain: ore -> metal -> parts (weights 1). One firm per segment at any time:
#   x  external backbone (ore), founded 2000
#   s  leader (metal), founded 2005
#   m  SME (ore), founded 2010
#   p  SME (parts), founded 2012, exited 2016 (so present 2012-2015)
#   q  SME (parts), founded 2015
# Links (supply): x->s 2000 (external), m->s 2010 (weight 2), s->p 2012-2014, s->q 2015, m->q 2016-2017;
# and one cooperation link m-s from 2011.
HISTORY_TOML = """
schema = "chainnet/1"
id = "history"
name = "History cluster"
year = 2020
template = "mini.toml"
"""
HISTORY_FIRMS = """firm_id,name,role,segments,external,founded,exited
x,X Ore Abroad,backbone,ore,true,2000,
s,Smelter S,leader,metal,false,2005,
m,Mine M,sme,ore,false,2010,
p,Parts P,sme,parts,false,2012,2016
q,Parts Q,sme,parts,false,2015,
"""
HISTORY_LINKS = """source,target,kind,weight,year,until
x,s,supply,1,2000,
m,s,supply,2,2010,
s,p,supply,1,2012,2014
s,q,supply,1,2015,
m,q,supply,1,2016,2017
m,s,cooperation,1,2011,
"""


@pytest.fixture
def history_folder(tmp_path: Path) -> Path:
    return write_cluster_folder(tmp_path / "history", toml=HISTORY_TOML, firms=HISTORY_FIRMS, links=HISTORY_LINKS)


@pytest.fixture
def history(history_folder: Path) -> Cluster:
    return chainnet.read_cluster(history_folder)


def ids(c: Cluster) -> list[str]:
    return sorted(c.firms["firm_id"])


def links(c: Cluster) -> list[tuple[str, str, str]]:
    return sorted(zip(c.links["source"], c.links["target"], c.links["kind"]))


# -- snapshots ---------------------------------------------------------------------------------------
def test_snapshot_firms_enter_and_leave(history):
    assert ids(history.snapshot(1999)) == []
    assert ids(history.snapshot(2011)) == ["m", "s", "x"]
    assert ids(history.snapshot(2015)) == ["m", "p", "q", "s", "x"]
    assert ids(history.snapshot(2016)) == ["m", "q", "s", "x"]  # p exited in 2016: gone that year


def test_snapshot_links_end_after_their_until(history):
    assert ("s", "p", "supply") in links(history.snapshot(2014))
    # 2015: p is still there, but the link s->p ended in 2014
    assert ("s", "p", "supply") not in links(history.snapshot(2015)) and "p" in ids(history.snapshot(2015))
    assert ("m", "q", "supply") in links(history.snapshot(2017))
    assert ("m", "q", "supply") not in links(history.snapshot(2018))


def test_change_years_and_default_years(history):
    # founded 2000 2005 2010 2012 2015, exited 2016, link years 2000 2010 2011 2012 2015 2016, ends 2015 2018
    assert change_years(history) == [2000, 2005, 2010, 2011, 2012, 2015, 2016, 2018]
    # end: the snapshot year 2020; start: the first year with a local firm (10% of 3 rounds up to 1): 2005
    assert default_years(history) == list(range(2005, 2021))


def test_default_years_without_dates():
    t = Template.from_toml(MINI_TEMPLATE)
    firms = pd.DataFrame({"firm_id": ["a"], "name": ["A"], "role": ["sme"], "segments": ["ore"]})
    c = Cluster.from_frames(firms, meta={"id": "nodates", "name": "N", "year": 2019, "template": "mini"}, templates=[t])
    assert default_years(c) == [2019]
    c2 = Cluster.from_frames(firms, meta={"id": "nodates", "name": "N", "template": "mini"}, templates=[t])
    with pytest.raises(chainnet.ChainnetError, match="pass the years"):
        default_years(c2)


# -- timeline ----------------------------------------------------------------------------------------
def test_timeline_counts_by_hand(history):
    t = timeline(history, years=[2016, 2011, 2013, 2018]).set_index("year")
    assert list(t.index) == [2011, 2013, 2016, 2018]
    # 2011: x (external), s, m; links x->s, m->s, m-s cooperation; local supply: m->s
    assert t.loc[2011, ["firms", "local_firms", "external_firms", "links", "supply_links"]].tolist() == [3, 2, 1, 3, 1]
    # 2013: + p; local supply m->s, s->p
    assert t.loc[2013, ["firms", "local_firms", "supply_links"]].tolist() == [4, 3, 2]
    # 2016: p gone, q in; local supply m->s, s->q, m->q
    assert t.loc[2016, ["firms", "local_firms", "supply_links", "entered", "left"]].tolist() == [4, 3, 3, 1, 1]
    # 2018: m->q ended in 2017
    assert t.loc[2018, ["supply_links", "entered", "left"]].tolist() == [2, 0, 0]
    assert pd.isna(t.loc[2011, "entered"]) and pd.isna(t.loc[2011, "left"])
    # density m / (n (n - 1)): 2016: 3 / 6
    assert t.loc[2016, "density"] == pytest.approx(0.5)


def test_timeline_completeness_and_leaders_by_hand(history):
    t = timeline(history, years=[2011, 2013, 2016]).set_index("year")
    # 2011: ore (m) and metal (s) covered, parts not: 2/3; ore->metal realised by m->s, metal->parts not: 1/2;
    # the only sink, parts, is not reached: 0; index (2/3 + 1/2 + 0) / 3 = 7/18
    assert t.loc[2011, ["segment_coverage", "link_coverage", "path_completeness"]].tolist() == pytest.approx(
        [2 / 3, 1 / 2, 0.0])
    assert t.loc[2011, "index"] == pytest.approx(7 / 18)
    # without the leader s: ore only: (1/3 + 0 + 0) / 3 = 1/9; dependence 7/18 - 2/18 = 5/18
    assert t.loc[2011, "leader_dependence"] == pytest.approx(5 / 18)
    assert t.loc[2013, "index"] == pytest.approx(1.0)
    # 2016: supply weight m->s 2, s->q 1, m->q 1; with the leader s at an end: 3 of 4
    assert t.loc[2016, "leader_dominance"] == pytest.approx(0.75)
    # SMEs m and q both trade with s: attachment 1; local sourcing: s buys 2 from m and 1 from x (2000) -> 2/3 in 2011
    assert t.loc[2016, "sme_attachment"] == pytest.approx(1.0)
    assert t.loc[2011, "local_sourcing"] == pytest.approx(2 / 3)


def test_headline_matches_leaders(history):
    demo = chainnet.load_dataset("demo_copper")
    for c in (demo, demo.snapshot(2012), history.snapshot(2016), history.snapshot(1999)):
        h = headline(c)
        r = leaders(c)
        for k, v in r.figures.items():
            assert h[k] == (pytest.approx(v) if v is not None else None), (c, k)


def test_timeline_rejects_bad_years(history):
    with pytest.raises(chainnet.ChainnetError, match="whole numbers"):
        timeline(history, years=[2010.5])
    with pytest.raises(chainnet.ChainnetError, match="empty"):
        timeline(history, years=[])


# -- diff -----------------------------------------------------------------------------------------------
def test_diff_firms_links_and_segments_by_hand(history):
    d = diff(history.snapshot(2013), history.snapshot(2016))
    assert (d.a, d.b) == ("history@2013", "history@2016")
    assert list(d.firms_entered["firm_id"]) == ["q"] and list(d.firms_left["firm_id"]) == ["p"]
    assert sorted(zip(d.links_gained["source"], d.links_gained["target"])) == [("m", "q"), ("s", "q")]
    assert list(zip(d.links_lost["source"], d.links_lost["target"])) == [("s", "p")]
    # 2013 links: x->s, m->s, s->p, m-s cooperation; s->p gone: churn 1/4
    assert d.link_churn == pytest.approx(1 / 4)
    seg = d.segments.set_index("segment")
    assert seg.loc["parts", ["firms_a", "firms_b", "entered", "left"]].tolist() == [1, 1, 1, 1]
    assert seg.loc["ore", ["firms_a", "firms_b", "entered", "left"]].tolist() == [1, 1, 0, 0]
    assert d.figures["leader_dominance"]["change"] == pytest.approx(0.75 - 1.0)  # 2013: every link touches s
    assert not d.empty


def test_diff_gaps_closed_and_opened(history):
    d = diff(history.snapshot(2011), history.snapshot(2013))
    # 2011: parts missing beyond the covered frontier (extend); 2013: parts held by p alone (strengthen), and
    # the flow metal->parts realised by one pair (strengthen)
    assert list(zip(d.gaps_closed["type"], d.gaps_closed["id"])) == [("extend", "parts")]
    assert sorted(zip(d.gaps_opened["type"], d.gaps_opened["id"])) == [("strengthen", "metal->parts"),
                                                                       ("strengthen", "parts")]
    assert d.figures["index"]["change"] == pytest.approx(1 - 7 / 18)
    seg = d.segments.set_index("segment")
    assert seg.loc["parts", ["status_a", "status_b"]].tolist() == ["missing", "weak"]


def test_diff_to_dict_has_stable_keys(history):
    out = json.loads(json.dumps(diff(history.snapshot(2011), history.snapshot(2018)).to_dict()))
    assert list(out) == ["a", "b", "empty", "summary", "figures", "segments", "firms_entered", "firms_left",
                         "links_gained", "links_lost", "gaps_closed", "gaps_opened"]
    assert list(out["summary"]) == ["firms_entered", "firms_left", "links_gained", "links_lost", "gaps_closed",
                                    "gaps_opened", "link_churn"]
    assert set(out["figures"]["index"]) == {"a", "b", "change"}
    assert out["firms_entered"][0]["segments"] == ["parts"]


def test_diff_of_a_cluster_with_itself_is_empty(history):
    d = diff(history, history)
    assert d.empty and d.link_churn == 0.0 and d.summary["firms_entered"] == 0


# -- properties --------------------------------------------------------------------------------------------
@st.composite
def dated_clusters(draw) -> Cluster:
    n = draw(st.integers(1, 7))
    segs = ["ore", "metal", "parts"]
    rows = []
    for i in range(n):
        founded = draw(st.integers(1990, 2020))
        exited = draw(st.one_of(st.none(), st.integers(founded + 1, 2025)))
        rows.append({"firm_id": f"f{i}", "name": f"F{i}", "role": draw(st.sampled_from(["leader", "backbone", "sme"])),
                     "segments": draw(st.sampled_from(segs)), "external": draw(st.booleans()),
                     "founded": founded, "exited": exited})
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
                          max_size=10, unique=True))
    lrows = []
    for a, b in pairs:
        year = draw(st.one_of(st.none(), st.integers(1990, 2022)))
        until = draw(st.one_of(st.none(), st.integers(year or 1990, 2025)))
        lrows.append({"source": f"f{a}", "target": f"f{b}", "weight": 1.0, "year": year, "until": until})
    firms = pd.DataFrame(rows).astype({"exited": "Int64"})
    lk = pd.DataFrame(lrows, columns=["source", "target", "weight", "year", "until"]).astype(
        {"year": "Int64", "until": "Int64"})
    return Cluster.from_frames(firms, lk, meta={"id": "prop", "name": "P", "year": 2020, "template": "mini"},
                               templates=[Template.from_toml(MINI_TEMPLATE)])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_clusters())
def test_snapshot_before_any_firm_is_empty(c):
    s = c.snapshot(1989)
    assert len(s.firms) == 0 and len(s.links) == 0
    h = headline(s)
    assert h["firms"] == 0 and h["local_firms"] == 0 and h["leader_dominance"] is None


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_clusters(), st.integers(1995, 2024))
def test_diff_of_a_snapshot_with_itself_is_empty(c, year):
    assert diff(c.snapshot(year), c.snapshot(year)).empty


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dated_clusters(), st.integers(1995, 2024), st.integers(1995, 2024))
def test_diff_counts_add_up(c, y1, y2):
    a, b = c.snapshot(y1), c.snapshot(y2)
    d = diff(a, b)
    assert len(a.firms) + len(d.firms_entered) - len(d.firms_left) == len(b.firms)
    assert len(a.links) + len(d.links_gained) - len(d.links_lost) == len(b.links)
    seg = d.segments
    assert ((seg["firms_a"] + seg["entered"] - seg["left"]) == seg["firms_b"]).all()
    if d.link_churn is not None:
        assert 0 <= d.link_churn <= 1


# -- commands ------------------------------------------------------------------------------------------------
def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_timeline_command_table_json_csv(history_folder):
    r = run("timeline", str(history_folder), "--years", "2011,2013:2014")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("History cluster (history) year by year")
    assert lines[1].split()[:5] == ["year", "firms", "local", "entered", "left"]
    assert [ln.split()[0] for ln in lines[3:]] == ["2011", "2013", "2014"]
    assert lines[3].split()[10] == f"{700 / 18:.1f}%"  # index 7/18
    r = run("timeline", str(history_folder), "--years", "2015:2016", "--format", "json")
    out = json.loads(r.output)
    assert out["cluster"] == "history" and out["years"] == [2015, 2016]
    assert out["rows"][1]["entered"] == 0 and out["rows"][1]["left"] == 1 and out["rows"][0]["entered"] is None
    r = run("timeline", str(history_folder), "--years", "2016", "--format", "csv")
    assert r.output.splitlines()[0].startswith("year,firms,local_firms,external_firms,entered,left,links")


def test_timeline_command_draws_a_figure(history_folder, tmp_path):
    out = tmp_path / "t.png"
    r = run("timeline", str(history_folder), "--years", "2010:2018", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("spec", ["2020:2015", "20x5", "2015:2020:0"])
def test_timeline_command_rejects_bad_years(history_folder, spec):
    r = run("timeline", str(history_folder), "--years", spec)
    assert r.exit_code == 2 and "--years" in r.output


def test_diff_command_years(history_folder):
    r = run("diff", str(history_folder), "--years", "2013", "2016")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "Changes from history@2013 to history@2016"
    assert lines[1] == ("firms: +1 entered, -1 left; links: +2 gained, -1 lost (link churn 25.0%); "
                        "gaps: 0 closed, 0 opened")
    dominance = next(ln for ln in lines if ln.startswith("leader dominance"))
    assert dominance.split()[2:] == ["100.0%", "75.0%", "-25.0", "pts"]
    assert any(ln.split()[:2] == ["q", "Parts"] for ln in lines)
    r = run("diff", str(history_folder), "--years", "2013", "2013")
    assert r.output.splitlines() == ["Changes from history@2013 to history@2013", "nothing changed"]


def test_diff_command_two_files_json(history_folder, tmp_path):
    other = write_cluster_folder(tmp_path / "other", toml=HISTORY_TOML.replace('"history"', '"other"'),
                                 firms=HISTORY_FIRMS.replace("q,Parts Q,sme", "q,Parts Q,backbone"),
                                 links=HISTORY_LINKS.replace("m,q,supply,1,2016,2017\n", ""))
    r = run("diff", str(history_folder), str(other), "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert (out["a"], out["b"]) == ("history@2020", "other@2020")
    assert out["links_lost"] == [{"source": "m", "target": "q", "kind": "supply", "weight": 1.0}]
    assert out["summary"]["link_churn"] == pytest.approx(1 / 6)


@pytest.mark.parametrize("args", [["x"], ["a", "b", "c"]])
def test_diff_command_usage_errors(args):
    r = run("diff", *args)
    assert r.exit_code == 2


def test_headline_none_for_empty_cluster(history):
    h = headline(history.snapshot(1990))
    assert h["density"] is None and h["local_sourcing"] is None and h["leader_dependence"] is None
    assert not math.isnan(h["segment_coverage"])
