"""Cluster profile: specialisation, concentration, life-cycle stage, world-class scores, CLI and radar.

Expected values are worked by hand in the comments; the life-cycle cases are generated clusters
given histories (entry and link years) built to look like each stage.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import chainnet
from chainnet import ChainnetError, Cluster, Template
from chainnet.analysis.concentration import concentration, shares_figures
from chainnet.analysis.lifecycle import STAGE_ZH, LifecycleRules, lifecycle, transitivity
from chainnet.analysis.profile import Profile, profile
from chainnet.analysis.specialisation import economy_inputs, specialisation
from chainnet.analysis.worldclass import (
    DEFAULT_BENCHMARK,
    INDICATORS,
    load_benchmark,
    score_value,
    worldclass,
)
from chainnet.cli import main
from chainnet.generate import generate

MINI = Template.from_dict({
    "id": "mini", "name": "Mini",
    "segment": [{"id": "up", "name": "Up", "stage": "upstream"},
                {"id": "mid", "name": "Mid", "stage": "midstream"},
                {"id": "down", "name": "Down", "stage": "downstream"}],
    "flow": [{"from": "up", "to": "mid"}, {"from": "mid", "to": "down"}],
})


def make(firms: list[dict], links: list[dict] = (), **meta) -> Cluster:
    """A cluster on the mini template; firms are dicts with at least firm_id, role, segments."""
    f = pd.DataFrame([{"name": r["firm_id"].upper(), **r} for r in firms])
    cols = ["source", "target", "kind", "weight", "year"]
    ln = pd.DataFrame([{"kind": "supply", "weight": 1.0, **r} for r in links], columns=cols) if links else None
    return Cluster.from_frames(f, ln, meta={"id": "t", "name": "T", "template": "mini", **meta}, templates=[MINI])


def three_firms(**meta) -> Cluster:
    """Outputs 50, 30, 20: two firms in 'up', one in 'mid'."""
    return make([{"firm_id": "a", "role": "leader", "segments": "up", "output": 50.0, "employees": 500},
                 {"firm_id": "b", "role": "sme", "segments": "up", "output": 30.0, "employees": 300},
                 {"firm_id": "c", "role": "sme", "segments": "mid", "output": 20.0, "employees": 200}], **meta)


# -- specialisation -----------------------------------------------------------------------------
ECONOMY = {"cluster_output": 200, "regional_gdp": 1000, "national_gdp": 100_000, "national_industry_output": 2000,
           "world_industry_output": 10_000, "cluster_employment": 5000, "regional_employment": 100_000,
           "national_industry_employment": 200_000, "national_employment": 10_000_000}


def test_specialisation_hand_worked():
    s = specialisation(three_firms(economy=ECONOMY))
    f = s.figures
    assert f["micro"] == pytest.approx(0.2)              # 200 / 1000
    assert f["micro_employment"] == pytest.approx(0.05)  # 5000 / 100000
    assert f["macro_national"] == pytest.approx(0.1)     # 200 / 2000
    assert f["macro_world"] == pytest.approx(0.02)       # 200 / 10000
    assert f["lq_output"] == pytest.approx(10.0)         # (200 / 1000) / (2000 / 100000) = 0.2 / 0.02
    assert f["lq_employment"] == pytest.approx(2.5)      # (5000 / 100000) / (200000 / 1e7) = 0.05 / 0.02
    assert (s.table["note"] == "").all()
    assert "cluster_output = 200 (economy)" in s.table.set_index("indicator").at["micro", "basis"]


def test_lq_with_gross_industrial_output_pair():
    eco = {"cluster_output": 300, "regional_industry_output": 1500, "national_industry_output": 3000,
           "national_total_industry_output": 60_000}
    f = specialisation(three_firms(economy=eco)).figures
    assert f["micro"] == pytest.approx(0.2)        # 300 / 1500, no GDP given
    assert f["lq_output"] == pytest.approx(4.0)    # (300 / 1500) / (3000 / 60000) = 0.2 / 0.05


def test_specialisation_missing_inputs_are_none_with_a_note():
    s = specialisation(three_firms())
    assert all(v is None for v in s.figures.values())
    notes = s.table.set_index("indicator")["note"]
    assert "regional_gdp" in notes["micro"] and "regional_industry_output" in notes["micro"]
    assert "world_industry_output" in notes["macro_world"]
    assert "national_employment" in notes["lq_employment"]
    # cluster output falls back to the firms' outputs: 50 + 30 + 20
    inp = economy_inputs(three_firms())
    assert inp["cluster_output"].value == 100.0 and inp["cluster_output"].source.startswith("firms.output")
    assert inp["cluster_employment"].value == 1000.0


def test_economy_fields_from_facts_dotted_keys_and_bad_values():
    facts = {"output_2019": {"value": 80, "year": 2019, "unit": "100 million CNY"},
             "output_2020": {"value": 90, "year": 2020, "unit": "100 million CNY", "qualifier": "over"},
             "jobs_2020": {"value": 4000, "year": 2020, "unit": "jobs"},
             "national_share": {"value": 0.3, "unit": "share", "source": "x"}}
    c = three_firms(year=2020, facts=facts, **{"economy.regional_gdp": 450})
    inp = economy_inputs(c)
    assert (inp["cluster_output"].value, inp["cluster_output"].source) == (90.0, "facts.output_2020")
    assert inp["cluster_employment"].value == 4000.0
    s = specialisation(c)
    assert s.figures["micro"] == pytest.approx(0.2)           # 90 / 450
    assert s.figures["macro_national"] == 0.3                  # reported share, no national output given
    bad = economy_inputs(three_firms(economy={"regional_gdp": "lots", "wage_growth": -0.02}))
    assert bad["regional_gdp"].value is None and "not a number" in bad["regional_gdp"].note
    assert bad["wage_growth"].value == -0.02                  # growth rates may fall


def test_bundled_facts_feed_specialisation():
    s = specialisation(chainnet.load_dataset("shenzhen_battery"))
    assert s.figures["macro_national"] == 0.7
    ningbo = specialisation(chainnet.load_dataset("ningbo_materials"))
    assert [r["product"] for r in ningbo.reported_shares] == ["rare_earth_magnets"]
    assert ningbo.figures["macro_national"] is None           # a product's share is not the cluster's


# -- concentration -----------------------------------------------------------------------------
def test_hhi_and_top_shares_hand_worked():
    f = shares_figures([50, 30, 20])
    # shares .5, .3, .2: HHI = .25 + .09 + .04 = .38 (3,800 on the 0-10,000 scale)
    assert f["hhi"] == pytest.approx(0.38) and f["hhi_10000"] == pytest.approx(3800)
    assert f["top1"] == 0.5 and f["cr4"] == pytest.approx(1.0) and f["cr10"] == pytest.approx(1.0)
    assert f["equivalent_firms"] == pytest.approx(1 / 0.38)
    # ten equal firms and one twice as big: shares 2/12 and 10 x 1/12; CR4 = (2 + 3) / 12
    g = shares_figures([2] + [1] * 10)
    assert g["cr4"] == pytest.approx(5 / 12) and g["hhi"] == pytest.approx((4 + 10) / 144)
    assert shares_figures([0, 0])["hhi"] is None


def test_concentration_of_a_cluster_and_by_segment():
    c = make([{"firm_id": "a", "role": "leader", "segments": "up", "output": 50.0},
              {"firm_id": "b", "role": "sme", "segments": "up;mid", "output": 30.0},
              {"firm_id": "c", "role": "sme", "segments": "mid", "output": 20.0},
              {"firm_id": "d", "role": "sme", "segments": "mid"},
              {"firm_id": "x", "role": "leader", "segments": "down", "output": 900.0, "external": True}])
    k = concentration(c)
    assert (k.basis, k.n_firms, k.n_known) == ("output", 4, 3)
    assert k.hhi == pytest.approx(0.38)                       # the external firm is left out
    assert any("1 of 4 local firms have no output" in n for n in k.notes)
    seg = k.segments.set_index("segment")
    # up: a 50, b 30 -> .625² + .375² = .53125; mid: b 30, c 20 -> .6² + .4² = .52 (d has no output)
    assert seg.at["up", "hhi"] == pytest.approx(0.53125)
    assert seg.at["mid", "hhi"] == pytest.approx(0.52) and seg.at["mid", "firms"] == 3
    assert seg.at["up", "top_firm"] == "A"
    assert pd.isna(seg.at["down", "hhi"])


def test_small_firm_share_from_output_or_above_scale():
    # outputs 0.1 and 0.15 are below 0.2 亿元 (20 million CNY): 2 of 4
    c = make([{"firm_id": x, "role": "sme", "segments": "up", "output": o}
              for x, o in zip("abcd", (0.1, 0.15, 5.0, 10.0))])
    assert concentration(c).small_firm_share == 0.5
    c2 = make([{"firm_id": x, "role": "sme", "segments": "up", "output": 1.0, "above_scale": f}
               for x, f in zip("abcd", ("true", "false", "false", "false"))])
    k = concentration(c2)
    assert k.small_firm_share == 0.75 and k.small_firm_basis.startswith("above_scale")


def test_concentration_falls_back_to_employees_then_none():
    c = make([{"firm_id": "a", "role": "sme", "segments": "up", "employees": 30},
              {"firm_id": "b", "role": "sme", "segments": "up", "employees": 10}])
    k = concentration(c)
    assert k.basis == "employees" and k.hhi == pytest.approx(0.75 ** 2 + 0.25 ** 2)
    bare = concentration(make([{"firm_id": "a", "role": "sme", "segments": "up"}]))
    assert bare.hhi is None and bare.basis is None and "add column output" in bare.notes[0]


# -- world-class scores --------------------------------------------------------------------------
def test_score_value_directions():
    assert score_value(0.6, "higher", 0.9, 0.3) == pytest.approx(50.0)     # (0.6 - 0.3) / 0.6
    assert score_value(1.2, "higher", 0.9, 0.3) == 100.0                   # clipped
    assert score_value(0.1, "higher", 0.9, 0.3) == 0.0
    assert score_value(0.55, "lower", 0.3, 0.8) == pytest.approx(50.0)     # (0.55 - 0.8) / (0.3 - 0.8)
    assert score_value(0.05, "band", (0.1, 0.3), (0.0, 0.7)) == pytest.approx(50.0)   # half way up from 0
    assert score_value(0.5, "band", (0.1, 0.3), (0.0, 0.7)) == pytest.approx(50.0)    # (0.7 - 0.5) / 0.4
    assert score_value(None, "higher", 1, 0) is None


def gvc_cluster() -> Cluster:
    """Two local firms (a: up, b: mid), an external supplier x, a local lab; hand-checkable figures."""
    firms = [{"firm_id": "a", "role": "leader", "segments": "up", "output": 10.0, "export_share": 0.5,
              "global_rank": 3},
             {"firm_id": "b", "role": "sme", "segments": "mid", "output": 30.0, "export_share": 0.1},
             {"firm_id": "x", "role": "backbone", "segments": "up", "external": True},
             {"firm_id": "lab", "role": "institution", "segments": ""}]
    links = [{"source": "x", "target": "a", "weight": 1.0}, {"source": "a", "target": "b", "weight": 3.0},
             {"source": "lab", "target": "a", "kind": "rd"}]
    return make(firms, links)


HAND_BENCH = {
    "id": "hand", "name": "Hand-made", "note": "made up for a test",
    "indicators": {
        "external_link_share": {"direction": "higher", "target": 0.5, "floor": 0.0},
        "export_share": {"direction": "higher", "target": 0.4, "floor": 0.2},
        "global_top10_firms": {"direction": "higher", "target": 1, "floor": 0, "weight": 2},
        "world_market_share": {"direction": "higher", "target": 0.2, "floor": 0.0},
        "completeness": {"direction": "higher", "target": 0.9, "floor": 0.3},
        "institutions_per_100_firms": {"direction": "higher", "target": 100, "floor": 0},
    },
}


def test_worldclass_hand_made_benchmark():
    w = worldclass(gvc_cluster(), HAND_BENCH)
    ind = w.indicators.set_index("indicator")
    # external: x -> a (1) crosses the boundary, a -> b (3) does not: 1 / 4 -> (0.25 - 0) / 0.5 = 50
    assert ind.at["external_link_share", "value"] == pytest.approx(0.25)
    assert ind.at["external_link_share", "score"] == pytest.approx(50.0)
    # exports weighted by output: (0.5 * 10 + 0.1 * 30) / 40 = 0.2 -> at the floor: 0
    assert ind.at["export_share", "value"] == pytest.approx(0.2) and ind.at["export_share", "score"] == 0.0
    # a has global_rank 3 <= 10: one firm -> target 1: 100
    assert ind.at["global_top10_firms", "score"] == 100.0
    # GVC = (50 * 1 + 0 * 1 + 100 * 2) / 4 = 62.5; world market share has no data: 3 of 4 indicators
    gvc = w.dimensions.set_index("dimension").loc["global_value_chain"]
    assert gvc["score"] == pytest.approx(62.5) and (gvc["available"], gvc["total"]) == (3, 4)
    # completeness: up and mid covered (2/3), up->mid realised (1/2), sink down not reached (0): 7/18
    assert ind.at["completeness", "value"] == pytest.approx(7 / 18)
    assert ind.at["completeness", "score"] == pytest.approx((7 / 18 - 0.3) / 0.6 * 100)
    # one local institution, two local firms: 50 per 100 firms -> 50
    assert ind.at["institutions_per_100_firms", "value"] == pytest.approx(50.0)
    eco = w.dimensions.set_index("dimension")
    assert eco.at["agglomeration", "total"] == 0 and pd.isna(eco.at["agglomeration", "score"])
    assert w.scores["agglomeration"] is None
    assert w.benchmark.note == "made up for a test"
    # overall = mean of the three dimensions with data
    have = [s for s in w.scores.values() if s is not None]
    assert w.overall == pytest.approx(sum(have) / len(have))


def test_innovation_and_ecosystem_indicators_hand_worked():
    w = worldclass(gvc_cluster())
    v = w.indicators.set_index("indicator")["value"]
    assert v["rd_ties_per_firm"] == pytest.approx(0.5)               # 1 R&D tie, 2 local firms
    assert v["rd_local_share"] == 1.0                                # the lab is inside the cluster
    assert v["research_supported_segments"] == pytest.approx(0.5)   # up (a has R&D) of {up, mid}
    assert v["sme_attachment"] == 1.0                                # b trades with leader a
    # without leader a the 'up' segment and the up->mid flow are gone: index 7/18 -> 1/9
    assert v["leader_dependence"] == pytest.approx(7 / 18 - 1 / 9)
    assert v["local_sourcing"] == pytest.approx(0.75)                # a buys 1 outside, b buys 3 inside


def test_worldclass_missing_data_never_raises():
    w = worldclass(make([{"firm_id": "a", "role": "sme", "segments": "up"}]))
    ind = w.indicators.set_index("indicator")
    assert pd.isna(ind.at["export_share", "score"])
    assert "export_share" in ind.at["export_share", "basis"]
    assert "land_price_growth" in ind.at["land_price_growth", "basis"]
    assert "external firm" in ind.at["external_link_share", "basis"]


def test_default_benchmark_says_what_it_is_based_on():
    b = load_benchmark()
    assert b.path == str(DEFAULT_BENCHMARK)
    note = b.note.lower()
    assert "illustrative" in note and "not measured" in note and "replace" in note
    assert "示意" in b.note_zh
    assert set(b.indicators) == set(INDICATORS)


def test_benchmark_extends_default_and_errors(tmp_path: Path):
    p = tmp_path / "mine.toml"
    p.write_text('extends = "default"\nid = "mine"\nname = "Mine"\nnote = "our survey 2024"\n'
                 '[indicators.completeness]\ntarget = 0.95\n', encoding="utf-8")
    b = load_benchmark(p)
    assert b.indicators["completeness"].target == 0.95 and b.indicators["completeness"].floor == 0.3
    assert b.note == "our survey 2024" and len(b.indicators) == len(INDICATORS)
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "b"\nname = "B"\n[indicators.completeness]\ndirection = "higher"\ntarget = 0.2\n'
                   'floor = 0.5\n[indicators.happiness]\ndirection = "higher"\n', encoding="utf-8")
    with pytest.raises(ChainnetError) as e:
        load_benchmark(bad)
    msg = str(e.value)
    assert "3 problems in benchmark bad.toml" in msg
    assert "'note' (a string) is required" in msg and "target > floor" in msg and "happiness" in msg
    with pytest.raises(ChainnetError, match="does not exist"):
        load_benchmark(tmp_path / "none.toml")


# -- life cycle ----------------------------------------------------------------------------------
SIX = Template.from_dict({
    "id": "six", "name": "Six",
    "segment": [{"id": "up1", "name": "Up 1", "stage": "upstream"}, {"id": "up2", "name": "Up 2", "stage": "upstream"},
                {"id": "mid1", "name": "Mid 1", "stage": "midstream"},
                {"id": "mid2", "name": "Mid 2", "stage": "midstream"},
                {"id": "down1", "name": "Down 1", "stage": "downstream"},
                {"id": "down2", "name": "Down 2", "stage": "downstream"}],
    "flow": [{"from": "up1", "to": "mid1"}, {"from": "up2", "to": "mid1"}, {"from": "mid1", "to": "mid2"},
             {"from": "mid2", "to": "down1"}, {"from": "mid2", "to": "down2"}],
})
END = 2020


def history(c: Cluster, founded: np.ndarray, lag: int, rng: np.random.Generator, *, floor: int | None = None,
            rd_years: tuple[int, int] | None = None, firms: pd.DataFrame | None = None,
            links: pd.DataFrame | None = None) -> Cluster:
    """The cluster with these entry years; a link starts ``0..lag`` years after its later firm (not
    before ``floor``); R&D ties start in ``rd_years``; extra firms and links are added."""
    f = c.firms.copy()
    f["founded"] = pd.array(founded, dtype="Int64")
    ln = c.links.copy()
    fy = dict(zip(f["firm_id"], founded))
    start = np.maximum(ln["source"].map(fy).to_numpy(float), ln["target"].map(fy).to_numpy(float))
    if floor is not None:
        start = np.maximum(start, floor)
    year = np.minimum(start + rng.integers(0, lag + 1, len(ln)), END).astype(int)
    if rd_years is not None:
        rd = (ln["kind"] == "rd").to_numpy()
        year[rd] = rng.integers(rd_years[0], rd_years[1] + 1, rd.sum())
    ln["year"] = pd.array(year, dtype="Int64")
    if firms is not None:
        f, ln = pd.concat([f, firms], ignore_index=True), pd.concat([ln, links], ignore_index=True)
    return Cluster.from_frames(f, ln, meta=c.meta, templates=[SIX])


def formation_cluster() -> Cluster:
    """14 local firms around one leader (2013), the rest entering 2015-2019; loose ties; no downstream."""
    c = generate(SIX, firms=16, leaders=1, backbone_share=0.1, missing=["down1", "down2"], links_per_firm=0.8,
                 institutions=1, services=0, seed=1, year=END).cluster
    rng = np.random.default_rng(1)
    role = c.firms["role"].to_numpy()
    return history(c, np.where(role == "leader", 2013, rng.integers(2015, 2020, len(role))), 1, rng)


def growth_cluster() -> Cluster:
    """Half the firms enter 2015-2020, a new leader in 2017, the downstream filling in, ties spreading."""
    c = generate(SIX, firms=120, leaders=3, missing=["down2"], links_per_firm=4.0, seed=2, year=END).cluster
    rng = np.random.default_rng(2)
    f = c.firms
    role, n = f["role"].to_numpy(), len(f)
    founded = np.where(rng.random(n) < 0.5, rng.integers(1995, 2013, n), rng.integers(2015, 2021, n))
    founded = np.where(role == "leader", 2000, founded)
    founded[np.flatnonzero(role == "leader")[-1]] = 2017
    down = f["segments"].map(lambda s: "down1" in s).to_numpy() & (role != "leader")
    founded = np.where(down, rng.integers(2016, 2021, n), founded)
    founded = np.where(np.isin(role, ["institution", "service"]), 1990, founded)
    return history(c, founded, 6, rng, floor=2012)


def maturity_cluster() -> Cluster:
    """Firms all in place by 2008 (two late entrants), every segment held, services, no R&D ties."""
    c = generate(SIX, firms=150, leaders=3, links_per_firm=5.0, services=4, seed=3, year=END).cluster
    rng = np.random.default_rng(3)
    role = c.firms["role"].to_numpy()
    founded = rng.integers(1985, 2008, len(role))
    founded[np.flatnonzero(role == "sme")[:2]] = 2016
    c = c.with_tables(links=c.links[(c.links["kind"] != "rd").to_numpy()])
    return history(c, founded, 2, rng)


def upgrading_cluster() -> Cluster:
    """A mature base (firms by 2008) to which 8 firms of a new segment (down2) and R&D ties come 2016-2020."""
    c = generate(SIX, firms=150, leaders=3, structure="state_anchored", missing=["down2"], links_per_firm=5.0,
                 services=4, institutions=8, seed=4, year=END).cluster
    rng = np.random.default_rng(4)
    founded = rng.integers(1985, 2008, len(c.firms))
    mid2 = c.firms.loc[c.local_mask & c.firms["segments"].map(lambda s: "mid2" in s).to_numpy(), "firm_id"].tolist()
    new = pd.DataFrame({"firm_id": [f"new{i}" for i in range(8)], "name": [f"New {i}" for i in range(8)],
                        "role": "sme", "segments": [("down2",)] * 8, "external": False, "output": 0.5,
                        "founded": rng.integers(2016, 2020, 8)})
    ties = pd.DataFrame({"source": [mid2[i % len(mid2)] for i in range(16)],
                         "target": [f"new{i % 8}" for i in range(16)], "kind": "supply", "weight": 1.0, "segment_from": "mid2", "segment_to": "down2", "year": 2020})
    return history(c, founded, 2, rng, rd_years=(2016, 2020), firms=new, links=ties)


@pytest.mark.parametrize(("make_cluster", "stage", "key_reasons"), [
    (formation_cluster, "formation", {"small", "loose_ties", "few_leaders", "young_firms"}),
    (growth_cluster, "growth", {"fast_growth", "many_entrants", "ties_thickening", "leaders_emerging"}),
    (maturity_cluster, "maturity", {"stable_count", "few_entrants", "near_complete_chain", "no_new_segments"}),
    (upgrading_cluster, "upgrading", {"new_segments", "rd_ties", "rd_rising", "mature_base"}),
])
def test_stage_of_generated_histories(make_cluster, stage, key_reasons):
    r = lifecycle(make_cluster())
    assert r.stage == stage, (r.scores, r.indicators)
    assert r.years == list(range(2014, 2021))
    met = set(r.conditions.query("stage == @stage and met == True")["condition"])
    assert key_reasons <= met
    assert r.reasons == list(r.conditions.query("stage == @stage and met == True")["text"])
    assert 0 < r.confidence <= 1
    assert r.scores[stage] == max(s for s in r.scores.values() if s is not None)


def test_lifecycle_indicators_hand_worked():
    # 4 firms in 2010 (up, mid); 5 enter in 2011-2012, two of them in the new segment 'down'
    firms = [{"firm_id": f"o{i}", "role": "leader" if i == 0 else "sme", "segments": "up" if i < 2 else "mid",
              "founded": 2010} for i in range(4)]
    firms += [{"firm_id": f"n{i}", "role": "sme", "segments": "down" if i < 2 else "mid", "founded": 2011 + i % 2}
              for i in range(5)]
    links = [{"source": "o0", "target": "o2", "year": 2010}, {"source": "o1", "target": "o3", "year": 2012},
             {"source": "o2", "target": "n0", "year": 2012}]
    r = lifecycle(make(firms, links, year=2012), years=[2010, 2012])
    ind = r.indicators
    assert ind["firm_growth"] == pytest.approx(0.5)           # (9 / 4) ** (1 / 2) - 1
    assert ind["entrants"] == 5
    assert ind["entry_rate"] == pytest.approx(5 / 9 / 2)      # entrants / firms at the end / years
    assert ind["new_segments"] == ["down"]
    # links per firm: 1 / 4 in 2010, 3 / 9 in 2012 -> slope (1/3 - 1/4) / 2
    assert ind["links_per_firm_trend"] == pytest.approx((1 / 3 - 1 / 4) / 2)
    assert ind["median_age"] == 1.0                           # founded 2010 x4, 2011 x3, 2012 x2: median 2011
    assert list(r.series["firms"]) == [4, 9]


def test_transitivity_hand_worked():
    # triangle a-b-c plus c-d: 1 triangle, connected triples 1 + 1 + 3 = 5 -> 3 * 1 / 5
    firms = [{"firm_id": x, "role": "sme", "segments": "mid"} for x in "abcd"]
    links = [{"source": s, "target": t} for s, t in (("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"))]
    from chainnet.analysis import _sparse

    assert transitivity(_sparse.supply_graph(make(firms, links))) == pytest.approx(0.6)


@pytest.mark.parametrize("seed", range(5))
def test_transitivity_equals_networkx_on_random_supply_graphs(seed):
    """The ratio of exact counts (local clustering times pairs, rounded) against networkx's
    triangle count; reciprocal links join into one undirected edge."""
    import networkx as nx

    from chainnet.analysis import _sparse

    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    ids = [f"f{i}" for i in range(n)]
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, (int(rng.integers(4, 4 * n)), 2)) if a != b}
    firms = [{"firm_id": x, "role": "sme", "segments": "mid"} for x in ids]
    links = [{"source": ids[a], "target": ids[b]} for a, b in sorted(pairs)]
    H = nx.Graph()
    H.add_nodes_from(range(n))
    H.add_edges_from(pairs)
    want = nx.transitivity(H)
    got = transitivity(_sparse.supply_graph(make(firms, links)))
    triples = sum(d * (d - 1) for _, d in H.degree())
    if triples == 0:
        assert got is None
    else:
        assert got == pytest.approx(want, rel=1e-15, abs=0)


def test_single_year_refuses_trend_stages_and_lowers_confidence():
    c = maturity_cluster()
    full = lifecycle(c)
    one = lifecycle(c, years=[END])
    assert one.scores["growth"] is None and one.scores["upgrading"] is None
    assert one.stage == "maturity" and one.confidence < full.confidence
    assert one.evaluable["maturity"] == pytest.approx(4 / 7)   # the four conditions that need no trend
    assert any("one year only" in n for n in one.notes)
    assert any("growth and upgrading are not assessed" in n for n in one.notes)


def test_insufficient_data_with_too_few_firms_or_no_years():
    tiny = make([{"firm_id": x, "role": "sme", "segments": "up", "founded": 2000} for x in "abc"], year=2020)
    r = lifecycle(tiny)
    assert r.stage == "insufficient data" and r.confidence == 0.0 and r.reasons == []
    assert "only 3 local firms" in r.notes[0] and "at least 5" in r.notes[0]
    r2 = lifecycle(tiny, rules=LifecycleRules(min_firms=2))
    assert r2.stage != "insufficient data"
    # no founded or link years: one year whatever the window
    bare = make([{"firm_id": f"f{i}", "role": "sme", "segments": "up"} for i in range(8)], year=2020)
    r3 = lifecycle(bare)
    assert r3.years == [2020] and r3.scores["growth"] is None
    with pytest.raises(ChainnetError, match="years= is empty"):
        lifecycle(bare, years=[])


def test_condition_weights():
    c = maturity_cluster()
    base = lifecycle(c)
    # maturity meets all 7 conditions; growth only 'sizeable' (1 of 6). Weighting 'sizeable' 5: 5 / 10
    heavy = lifecycle(c, rules=LifecycleRules(weights=(("growth.sizeable", 5.0),)))
    assert base.scores["growth"] == pytest.approx(1 / 6) and heavy.scores["growth"] == pytest.approx(0.5)
    with pytest.raises(ChainnetError, match="unknown conditions"):
        lifecycle(c, rules=LifecycleRules(weights=(("growth.speed", 2.0),)))


# -- profile, CLI, radar --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_profile() -> Profile:
    return profile(chainnet.load_dataset("demo_copper"))


def test_profile_to_dict_and_tables(demo_profile: Profile):
    d = json.loads(json.dumps(demo_profile.to_dict(), allow_nan=False))
    assert set(d) >= {"specialisation", "concentration", "lifecycle", "worldclass"}
    assert d["worldclass"]["benchmark"]["id"] == "default"
    en, zh = demo_profile.summary_table("en"), demo_profile.summary_table("zh")
    assert list(en.columns) == ["section", "figure", "value", "note"] and len(en) == len(zh)
    assert en.iloc[-1]["figure"] == "benchmark" and "not measured" in en.iloc[-1]["note"].lower()
    assert STAGE_ZH[demo_profile.lifecycle.stage] in "".join(zh["数值"])
    long = demo_profile.table()
    assert list(long.columns) == ["section", "indicator", "value", "score", "basis"]
    assert set(long["section"]) == {"specialisation", "concentration", "lifecycle", "worldclass"}
    with pytest.raises(ChainnetError, match="lang="):
        demo_profile.summary_table("fr")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_cli_profile_formats(tmp_path: Path):
    r = run("profile", "demo_copper")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Profile of Demo copper cluster (small, fully modeled) (2020)\n")
    from chainnet.analysis.benchmark import load_benchmark

    assert f"World-class indicators (benchmark: {load_benchmark().name})" in r.output  # the default benchmark
    zh = run("profile", "demo_copper", "--lang", "zh")
    assert zh.exit_code == 0 and "集群画像" in zh.output and "对标世界级集群" in zh.output
    j = run("profile", "demo_copper", "--format", "json")
    assert j.exit_code == 0 and json.loads(j.output)["cluster"] == "demo_copper"
    csv = run("profile", "demo_copper", "--format", "csv")
    assert csv.exit_code == 0 and csv.output.splitlines()[0] == "section,indicator,value,score,basis"


def test_cli_profile_benchmark_and_figure(tmp_path: Path):
    bench = tmp_path / "b.toml"
    bench.write_text('id = "b"\nname = "Bench B"\nnote = "from our survey"\n[indicators.completeness]\n'
                     'direction = "higher"\ntarget = 1.0\nfloor = 0.0\n', encoding="utf-8")
    out = tmp_path / "radar.svg"
    r = run("profile", "demo_copper", "--benchmark", str(bench), "-o", str(out), "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output.split("\nwrote ")[0])
    ind = {i["indicator"]: i for i in d["worldclass"]["indicators"]}
    # the demo's completeness index is 0.5195 (docs/completeness.md) -> 51.9 against target 1, floor 0
    assert ind["completeness"]["score"] == pytest.approx(ind["completeness"]["value"] * 100)
    assert ind["export_share"]["weight"] is None
    assert out.read_text(encoding="utf-8").startswith("<?xml") and "from our survey" in out.read_text("utf-8")
    bad = run("profile", "demo_copper", "-o", str(tmp_path / "x.jpg"))
    assert bad.exit_code == 2 and "cannot tell the figure format" in bad.output
    missing = run("profile", "demo_copper", "--benchmark", str(tmp_path / "none.toml"))
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_radar_draws_scores_benchmark_and_no_data(demo_profile: Profile):
    from chainnet.viz.profile import profile_radar

    _, ax = profile_radar(demo_profile)
    gids = {a.get_gid() for a in ax.get_children() if a.get_gid()}
    assert {"profile.benchmark", "profile.cluster", "profile.note"} <= gids
    cluster_line = next(a for a in ax.lines if a.get_gid() == "profile.cluster")
    scores = [s if s is not None else 0.0 for s in demo_profile.worldclass.scores.values()]
    assert list(cluster_line.get_ydata())[:4] == pytest.approx(scores)
    bench = next(a for a in ax.lines if a.get_gid() == "profile.benchmark")
    assert set(bench.get_ydata()) == {100.0}
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0].startswith("Global value chain\n") and "1 of 4 indicators" in labels[0]
    _, ax_zh = profile_radar(demo_profile, lang="zh")
    assert ax_zh.get_xticklabels()[2].get_text().startswith("产业链生态")
    assert "对标世界级集群" in ax_zh.get_title(loc="left")
    # a dimension without data: hollow marker at 0
    w = worldclass(gvc_cluster(), HAND_BENCH)
    _, ax2 = profile_radar(w)
    assert any(a.get_gid() == "profile.nodata" for a in ax2.get_children())
    assert "no data" in ax2.get_xticklabels()[3].get_text()
