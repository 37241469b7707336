"""Resilience: removal curves, single points of failure and what-ifs.

Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import chainnet
from chainnet import ChainnetError, Cluster
from chainnet.analysis import _sparse
from chainnet.analysis.resilience import (
    area,
    lwcc_curve,
    removal_order,
    resilience,
    single_points_of_failure,
    step_counts,
    whatif,
)
from chainnet.cli import main
from chainnet.viz.resilience import resilience_chart
from tests.conftest import MINI, MINI_ZH


def cluster(firms: list[tuple], links: list[tuple] = (), *, names_zh: dict[str, str] | None = None,
            template: dict = MINI) -> Cluster:
    """Firms as (firm_id, segments[, role]); supply links as (source, target) with weight 1;
    ``names_zh`` gives some firms a Chinese name."""
    rows = [{"firm_id": f[0], "name": f"Firm {f[0]}", "segments": f[1], "role": f[2] if len(f) > 2 else "sme",
             "name_zh": (names_zh or {}).get(f[0])} for f in firms]
    lk = pd.DataFrame([{"source": a, "target": b} for a, b in links], columns=["source", "target"])
    return Cluster.from_frames(pd.DataFrame(rows), lk, meta={"id": "t", "name": "T", "template": "mini"},
                               templates=[chainnet.Template.from_dict(template)])


@pytest.fixture(scope="module")
def star() -> Cluster:
    # hub h (metal) sells to four leaves (parts)
    return cluster([("h", "metal"), *[(f"l{i}", "parts") for i in range(4)]], [("h", f"l{i}") for i in range(4)])


@pytest.fixture(scope="module")
def path5() -> Cluster:
    # a - b - c - d - e, a path of five firms
    ids = list("abcde")
    return cluster([(x, "metal", "leader" if x == "c" else "sme") for x in ids], list(itertools.pairwise(ids)))


def test_star_loses_everything_with_its_hub(star: Cluster) -> None:
    # by degree the hub goes first: every leaf is then alone -> largest component 1 of 5 until all go.
    # sizes after k removals: 5, 1, 1, 1, 1, 0 -> shares 1, .2, .2, .2, .2, 0
    # R = (1/5) Σ_{k=1..5} s(k) = (1/5)(4 * 0.2 + 0) = 0.16
    # AUC (per firm, x = 0, .2, ..., 1): 0.2 * [(1 + .2)/2 + 3 * .2 + (.2 + 0)/2] = 0.2 * 1.3 = 0.26
    r = resilience(star, strategies=["degree"])
    assert r.curves["lwcc"].tolist() == pytest.approx([1, 0.2, 0.2, 0.2, 0.2, 0])
    assert r.robustness["degree"] == pytest.approx(0.16)
    auc = r.auc.set_index("measure")["auc"]
    assert auc["lwcc"] == pytest.approx(0.26)
    assert r.settings["per_firm"] is True


def test_path_by_degree_and_by_role(path5: Cluster) -> None:
    g = _sparse.supply_graph(path5)
    # degrees a 1, b 2, c 2, d 2, e 1 with equal weights: ties go to the firm listed first -> b, c, d, a, e
    order = removal_order(g, "degree")
    assert g.ids[order].tolist() == list("bcdae")
    # remove b: {a}, {c, d, e} -> 3; then c: {d, e} -> 2; then d: 1; then a: {e} 1; then e: 0
    assert lwcc_curve(g, order).tolist() == [5, 3, 2, 1, 1, 0]
    # leaders first: c (the leader) splits the path in two halves of 2
    role = removal_order(g, "role", roles=np.array(["sme", "sme", "leader", "sme", "sme"], dtype=object))
    assert g.ids[role[0]] == "c"
    assert lwcc_curve(g, role)[1] == 2


def test_completeness_measured_along_the_curve(path5: Cluster) -> None:
    # every firm makes metal only: segment coverage 1/3 (metal covered), no flow realised, ore (the only
    # source) uncovered -> path 0; index = (1/3 + 0 + 0)/3 = 1/9 until the last metal firm goes, then 0.
    r = resilience(path5, strategies=["degree"])
    assert r.curves["index"].tolist() == pytest.approx([1 / 9] * 5 + [0])
    assert r.curves["path_completeness"].tolist() == pytest.approx([0] * 6)
    # AUC of the index: 0.2 * [4 * (1/9) + (1/9 + 0)/2] = 0.2 * (4.5/9) = 0.1
    assert r.auc.set_index("measure").loc["index", "auc"] == pytest.approx(0.1)


def test_random_removal_is_reproducible_for_a_seed(path5: Cluster) -> None:
    a = resilience(path5, strategies=["random"], runs=7, seed=3)
    b = resilience(path5, strategies=["random"], runs=7, seed=3)
    pd.testing.assert_frame_equal(a.curves, b.curves)
    pd.testing.assert_frame_equal(a.auc, b.auc)
    c = a.curves
    assert (c["lwcc_lo"] <= c["lwcc"] + 1e-12).all() and (c["lwcc"] <= c["lwcc_hi"] + 1e-12).all()
    auc = a.auc.set_index("measure").loc["lwcc"]
    assert auc["auc_lo"] <= auc["auc"] <= auc["auc_hi"]
    # start and end are fixed whatever the order: all 5 firms connected, then none
    assert c["lwcc"].iloc[0] == 1.0 and c["lwcc"].iloc[-1] == 0.0


def test_step_grid_and_area() -> None:
    assert step_counts(3, 20).tolist() == [0, 1, 2, 3]
    assert step_counts(1000, 4).tolist() == [0, 250, 500, 750, 1000]
    assert step_counts(10, 3).tolist() == [0, 3, 7, 10]  # round(10/3) = 3, round(20/3) = 7
    # a straight line from 1 to 0 has area 1/2; a constant 1 has area 1
    assert area(np.array([0, 0.25, 1.0]), np.array([1.0, 0.75, 0.0])) == pytest.approx(0.5)
    assert area(np.array([0, 1.0]), np.array([1.0, 1.0])) == 1.0
    with pytest.raises(ChainnetError, match="steps"):
        step_counts(5, 0)


def test_bad_arguments(path5: Cluster) -> None:
    with pytest.raises(ChainnetError, match="unknown strategy 'hubs'"):
        resilience(path5, strategies=["hubs"])
    with pytest.raises(ChainnetError, match="runs"):
        resilience(path5, runs=0)
    empty = cluster([("x", "ore", "institution")])
    with pytest.raises(ChainnetError, match="no local firms"):
        resilience(empty)


# -- single points of failure -----------------------------------------------------------------------
def test_single_points_of_failure_by_hand() -> None:
    # o1 (ore) sells to m1 and m2 (metal), both sell to p1 (parts). Intact: every segment covered,
    # both flows realised, sink parts reached -> index 1.
    # Without o1: coverage 2/3, flows 1/2 (metal->parts still m1->p1), ore (the source) gone -> path 0:
    #   index (2/3 + 1/2 + 0)/3 = 7/18, drop 11/18. Without p1: coverage 2/3, flows 1/2, path 0 -> same.
    # m1 or m2 alone: the other keeps metal and both flows -> no drop, not listed.
    c = cluster([("o1", "ore"), ("m1", "metal"), ("m2", "metal"), ("p1", "parts")],
                [("o1", "m1"), ("o1", "m2"), ("m1", "p1"), ("m2", "p1")])
    s = single_points_of_failure(c)
    assert s["firm_id"].tolist() == ["o1", "p1"]  # equal drops: by firm id
    assert s["index_drop"].tolist() == pytest.approx([11 / 18, 11 / 18])
    assert s["index_after"].tolist() == pytest.approx([7 / 18, 7 / 18])
    o1 = s.iloc[0]
    assert o1["segments_lost"] == ["ore"] and o1["flows_lost"] == ["ore->metal"] and o1["sinks_cut"] == ["parts"]
    assert not o1["splits_network"]  # o1 - m1 - p1 - m2 - o1 is a cycle
    assert o1["reason"] == ("Firm o1 [o1, SME] is the only local firm in Ore [ore] and takes part in every local firm "
                            "pair realising ore->metal; without it Parts [parts] could no longer be reached from a "
                            "chain source. The completeness index would fall by 61.1 points (1.000 -> 0.389).")
    # the same facts in Chinese: 11/18 = 0.6111 -> 61.1 percentage points, 7/18 = 0.389; no Chinese
    # names, so the English ones stand in; the role in Chinese
    assert o1["reason_zh"] == ("Firm o1（o1，中小企业）是Ore环节唯一的本地企业，并且参与了实现Ore→Metal的全部本地企业对；"
                               "失去该企业后，Parts将无法再从产业链的源头环节到达。"
                               "完整度指数将下降61.1个百分点（1.000→0.389）。")
    assert list(s.columns[-2:]) == ["reason", "reason_zh"]


def test_single_points_of_failure_in_chinese_names() -> None:
    # the case above with Chinese segment names and a Chinese name for p1 (o1 keeps its English one).
    # p1 is the only parts firm and in every metal->parts pair (m1->p1, m2->p1); without it parts,
    # the sink, is gone: drop 11/18 as for o1.
    c = cluster([("o1", "ore"), ("m1", "metal"), ("m2", "metal"), ("p1", "parts", "leader")],
                [("o1", "m1"), ("o1", "m2"), ("m1", "p1"), ("m2", "p1")],
                names_zh={"p1": "零件厂"}, template=MINI_ZH)
    s = single_points_of_failure(c).set_index("firm_id")
    assert s.loc["p1", "reason_zh"] == ("零件厂（p1，龙头/链主）是零件环节唯一的本地企业，并且参与了实现金属→零件的全部"
                                        "本地企业对；失去该企业后，零件将无法再从产业链的源头环节到达。"
                                        "完整度指数将下降61.1个百分点（1.000→0.389）。")
    assert s.loc["o1", "reason_zh"].startswith("Firm o1（o1，中小企业）是矿石环节唯一的本地企业，并且参与了实现矿石→金属")
    # the English reason is unchanged by the Chinese names
    assert s.loc["p1", "reason"].startswith("Firm p1 [p1, leader] is the only local firm in Parts [parts]")


def test_single_points_of_failure_in_demo_copper() -> None:
    # smelter_a is the only smelting firm: its loss takes the index from 0.5195 to 0.3117
    # (the completeness doctest), the largest drop in the cluster; refiner_b shares cathode with
    # smelter_a and realises no flow alone, so it is not a single point of failure.
    s = single_points_of_failure(chainnet.load_dataset("demo_copper"))
    assert s.loc[0, "firm_id"] == "smelter_a"
    assert s.loc[0, "index_drop"] == pytest.approx(0.5195 - 0.3117, abs=1e-4)
    assert s.loc[0, "splits_network"]
    assert "refiner_b" not in set(s["firm_id"])
    assert (np.diff(s["index_drop"].to_numpy()) <= 1e-12).all()
    zh = s.loc[0, "reason_zh"]
    assert zh.startswith("冶炼厂A（龙头）（smelter_a，龙头/链主）是铜冶炼（粗铜、阳极铜）环节唯一的本地企业")
    assert "完整度指数将下降20.8个百分点（0.519→0.312）" in zh and zh.endswith("其退出还会使本地供货网络分裂为互不相连的部分。")


# -- what-if ----------------------------------------------------------------------------------------
def test_whatif_gaps_opened_and_closed() -> None:
    w = whatif(chainnet.load_dataset("demo_copper"), ["smelter_a"])
    assert w.change["index"] == pytest.approx(0.3117 - 0.5195, abs=1e-4)
    opened = set(zip(w.opened["type"], w.opened["id"]))
    closed = set(zip(w.closed["type"], w.closed["id"]))
    # smelting had one firm (a strengthen gap); without it ore and cathode are still covered: a fill gap.
    # The strengthen gap did not close: its segment became missing
    assert ("fill", "smelting") in opened and ("strengthen", "smelting") not in closed
    worse = dict(zip(zip(w.worsened["type"], w.worsened["id"]), w.worsened["status_after"]))
    assert worse[("strengthen", "smelting")] == "missing"
    assert not opened & closed
    # removing firms never improves a segment or flow, so nothing is closed; every gap of before
    # is still there, opened under another type, or worsened
    assert closed == set()
    after = set(zip(w.after.gaps["type"], w.after.gaps["id"]))
    for g in zip(w.before.gaps["type"], w.before.gaps["id"]):
        assert (g in after) != (g in worse)
    assert w.figures["gaps_worsened"] == len(w.worsened) == 4


def test_whatif_unknown_firm() -> None:
    with pytest.raises(ChainnetError, match=r"unknown firm id 'smelterA' \(did you mean 'smelter_a'\?\)"):
        whatif(chainnet.load_dataset("demo_copper"), ["smelterA"])


def test_whatif_cli_json_keys() -> None:
    r = CliRunner().invoke(main, ["whatif", "demo_copper", "--remove", "smelter_a", "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert {"before", "after", "gaps_opened", "gaps_closed", "change", "removed"} <= set(d)
    for side in ("before", "after"):
        assert set(d[side]["completeness"]) == {"segment_coverage", "link_coverage", "path_completeness", "index"}
    assert d["removed"] == ["smelter_a"]
    assert {"type", "id", "impact", "reason", "reason_zh"} <= set(d["gaps_opened"][0])
    r = CliRunner().invoke(main, ["whatif", "demo_copper", "--remove", "mine_a,refiner_b", "--remove", "pcb_a"])
    assert r.exit_code == 0
    assert "without mine_a (Mine A), refiner_b (Refiner B), pcb_a (PCB maker A)" in r.output
    r = CliRunner().invoke(main, ["whatif", "demo_copper", "--remove", "nobody"])
    assert r.exit_code == 1
    assert "Error: unknown firm id 'nobody'" in r.output and "Traceback" not in r.output


def test_whatif_cli_in_chinese() -> None:
    r = CliRunner().invoke(main, ["whatif", "demo_copper", "--remove", "smelter_a", "--lang", "zh"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("假设：示例铜产业集群（小型，全部为模拟数据）（demo_copper）失去smelter_a（冶炼厂A（龙头））")
    # index 0.5195 -> 0.3117: -20.8 percentage points
    assert ["完整度指数", "51.9%", "31.2%", "-20.8个百分点"] in [ln.split() for ln in r.output.splitlines()]
    w = chainnet.whatif(chainnet.load_dataset("demo_copper"), ["smelter_a"])
    assert f"新出现的缺口（{len(w.opened)}）" in r.output and f"消失的缺口（{len(w.closed)}）" in r.output
    assert "补链  铜冶炼（粗铜、阳极铜）" in r.output and "本地没有企业从事铜冶炼" in r.output


# -- CLI and figure ---------------------------------------------------------------------------------
def test_resilience_cli(tmp_path: Path) -> None:
    args = ["resilience", "demo_copper", "--runs", "4", "--seed", "2"]
    r1 = CliRunner().invoke(main, [*args, "--format", "json"])
    r2 = CliRunner().invoke(main, [*args, "--format", "json"])
    assert r1.exit_code == 0, r1.output
    assert r1.output == r2.output  # deterministic for a seed
    d = json.loads(r1.output)
    assert {"auc", "curves", "single_points", "robustness", "baseline", "settings"} <= set(d)
    assert d["single_points"][0]["reason_zh"].startswith("冶炼厂A（龙头）")
    assert d["settings"]["seed"] == 2 and d["settings"]["runs"] == 4
    r = CliRunner().invoke(main, [*args, "--format", "csv"])
    assert r.output.splitlines()[0].startswith("strategy,step,removed,fraction,lwcc,index,path_completeness")
    fig = tmp_path / "curves.png"
    r = CliRunner().invoke(main, [*args, "--strategy", "degree", "-o", str(fig)])
    assert r.exit_code == 0 and fig.stat().st_size > 0
    n_single = len(d["single_points"])
    assert f"Single points of failure ({n_single})" in r.output
    # every firm whose loss alone lowers the completeness index is one of them (worked out by removal)
    c = chainnet.load_dataset("demo_copper")
    base = chainnet.completeness(c)["index"]
    lowering = {f for f in c.firms.loc[c.local_mask, "firm_id"]
                if chainnet.completeness(c.without_firms([f]))["index"] < base - 1e-12}
    assert lowering and lowering <= {s["firm_id"] for s in d["single_points"]}
    r = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "x.gif")])
    assert r.exit_code == 2 and "cannot tell the figure format" in r.output
    r = CliRunner().invoke(main, [*args, "--strategy", "degree", "--lang", "zh"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("韧性：示例铜产业集群")
    assert f"单点故障企业（{n_single}）" in r.output and "按度数" in r.output and "移除曲线下面积" in r.output
    # the sinks cut off by smelter_a's loss, named in Chinese, and its Chinese reason
    assert "印制电路板、电线电缆" in r.output and "完整度指数将下降20.8个百分点" in r.output


def test_resilience_chart_draws_each_strategy(star: Cluster) -> None:
    res = resilience(star, runs=3)
    _, ax = resilience_chart(res, measure="index")
    assert [ln.get_gid() for ln in ax.get_lines()] == [f"resilience.{s}" for s in
                                                        ("role", "degree", "betweenness", "random")]
    assert ax.get_ylabel() == "completeness index"
    assert any((c.get_gid() or "").startswith("resilience.band") for c in ax.collections)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lbl.startswith("by degree (area ") for lbl in labels)
    _, ax_zh = resilience_chart(res, lang="zh")
    assert ax_zh.get_xlabel() == "移除的本地企业占比"
    with pytest.raises(ChainnetError, match="measure"):
        resilience_chart(res, measure="nodes")


def test_whatif_takes_several_ids_after_one_remove() -> None:
    """`--remove a b` (the form in the issue), repeated flags and commas all name the same firms."""
    from click.testing import CliRunner

    from chainnet.cli import main

    outs = []
    for args in (["--remove", "smelter_a", "refiner_b"], ["--remove", "smelter_a", "--remove", "refiner_b"],
                 ["--remove", "smelter_a,refiner_b"]):
        r = CliRunner().invoke(main, ["whatif", "demo_copper", *args, "--format", "json"])
        assert r.exit_code == 0, r.output
        outs.append(json.loads(r.output))
    assert [o["removed"] for o in outs] == [["smelter_a", "refiner_b"]] * 3
    assert outs[0]["after"] == outs[1]["after"] == outs[2]["after"]
