"""Chain position: upstreamness (firms and IO tables), trophic levels, consistency with the chain.

Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainnet
from chainnet import ChainnetError, Cluster, ValidationError
from chainnet.analysis.position import (
    DIRECT_MAX,
    position,
    solve_upstreamness,
    trophic_levels,
    upstreamness,
    upstreamness_io,
)
from chainnet.cli import main
from chainnet.commands.position import position_text
from tests.conftest import MINI, MINI_ZH


def cluster(firms: list[tuple], links: list[tuple] = (), *, names_zh: dict[str, str] | None = None,
            template: dict = MINI) -> Cluster:
    """Firms as (firm_id, segments[, output[, role[, external]]]); links as (source, target[, weight[, seg_from, seg_to]]);
    ``names_zh`` gives some firms a Chinese name."""
    rows = [{"firm_id": f[0], "name": f"Firm {f[0]}", "segments": f[1],
             "output": f[2] if len(f) > 2 else None, "role": f[3] if len(f) > 3 else "sme",
             "external": f[4] if len(f) > 4 else False, "name_zh": (names_zh or {}).get(f[0])} for f in firms]
    lk = pd.DataFrame([{"source": x[0], "target": x[1], "weight": x[2] if len(x) > 2 else 1.0,
                        "segment_from": x[3] if len(x) > 3 else None, "segment_to": x[4] if len(x) > 4 else None}
                       for x in links], columns=["source", "target", "weight", "segment_from", "segment_to"])
    return Cluster.from_frames(pd.DataFrame(rows), lk, meta={"id": "t", "name": "T", "template": "mini"},
                               templates=[chainnet.Template.from_dict(template)])


def io_csv(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


# A three-industry economy with a loop (A -> B, A -> C, B -> C, C -> A):
#   Z = [[0, 40, 20], [0, 0, 30], [16, 0, 0]], output Y = (100, 60, 80), no trade.
#   Δ = Z / Y (row-wise): Δ_AB = 0.4, Δ_AC = 0.2, Δ_BC = 0.5, Δ_CA = 0.2.
#   U_A = 1 + 0.4 U_B + 0.2 U_C,  U_B = 1 + 0.5 U_C,  U_C = 1 + 0.2 U_A.
#   U_B = 1 + 0.5 (1 + 0.2 U_A) = 1.5 + 0.1 U_A
#   U_A = 1 + 0.4 (1.5 + 0.1 U_A) + 0.2 (1 + 0.2 U_A) = 1.8 + 0.08 U_A  ->  U_A = 1.8 / 0.92 = 45/23
#   U_C = 1 + 0.2 * 45/23 = 32/23,  U_B = 1.5 + 4.5/23 = 39/23.
IO3 = """
industry,A,B,C,output
A,0,40,20,100
B,0,0,30,60
C,16,0,0,80
"""


def test_io_table_three_industries_by_hand(tmp_path: Path) -> None:
    u = upstreamness_io(io_csv(tmp_path / "io.csv", IO3))
    assert list(u.columns) == ["industry", "upstreamness"]
    assert u["industry"].tolist() == ["A", "B", "C"]
    assert u["upstreamness"].tolist() == pytest.approx([45 / 23, 39 / 23, 32 / 23], rel=1e-12)


def test_io_table_net_exports_and_inventories_by_hand() -> None:
    # The same Z; A exports 30 and imports 10, B adds 10 to inventories:
    #   adjusted output A = 100 - 30 + 10 = 80, B = 60 - 10 = 50, C = 80.
    #   Δ_AB = 40/80 = 0.5, Δ_AC = 20/80 = 0.25, Δ_BC = 30/50 = 0.6, Δ_CA = 16/80 = 0.2.
    #   U_C = 1 + 0.2 U_A;  U_B = 1 + 0.6 U_C = 1.6 + 0.12 U_A
    #   U_A = 1 + 0.5 U_B + 0.25 U_C = 1 + 0.8 + 0.06 U_A + 0.25 + 0.05 U_A = 2.05 + 0.11 U_A -> U_A = 205/89
    #   U_C = 1 + 41/89 = 130/89,  U_B = 1 + 0.6 * 130/89 = 167/89.
    t = pd.DataFrame({"industry": ["A", "B", "C"], "A": [0, 0, 16], "B": [40, 0, 0], "C": [20, 30, 0],
                      "output": [100, 60, 80], "exports": [30, 0, 0], "imports": [10, 0, 0],
                      "inventory_change": [0, 10, 0]})
    u = upstreamness_io(t)
    assert u["upstreamness"].tolist() == pytest.approx([205 / 89, 167 / 89, 130 / 89], rel=1e-12)


def test_industry_selling_only_to_final_use_is_exactly_one() -> None:
    # A sells 40 of 100 to B, B sells 30 of 60 to C, C sells nothing to industries:
    #   U_C = 1 exactly; U_B = 1 + 0.5 = 1.5; U_A = 1 + 0.4 * 1.5 = 1.6.
    t = pd.DataFrame({"industry": ["A", "B", "C"], "A": [0, 0, 0], "B": [40, 0, 0], "C": [0, 30, 0],
                      "output": [100, 60, 80]})
    u = upstreamness_io(t)["upstreamness"].tolist()
    assert u[2] == 1.0
    assert u[:2] == pytest.approx([1.6, 1.5], rel=1e-12)


def test_firms_and_industries_share_one_solver(tmp_path: Path) -> None:
    # the IO3 economy as three firms (output = gross output, links = Z): the firm measure and the
    # industry measure are the same mathematics and must give the same 45/23, 39/23, 32/23
    c = cluster([("a", "ore", 100.0), ("b", "metal", 60.0), ("c", "parts", 80.0)],
                [("a", "b", 40.0), ("a", "c", 20.0), ("b", "c", 30.0), ("c", "a", 16.0)])
    firms = upstreamness(c).set_index("firm_id").loc[["a", "b", "c"], "upstreamness"].tolist()
    industries = upstreamness_io(io_csv(tmp_path / "io.csv", IO3))["upstreamness"].tolist()
    assert firms == pytest.approx([45 / 23, 39 / 23, 32 / 23], rel=1e-12)
    assert industries == pytest.approx(firms, rel=1e-12)


@pytest.mark.parametrize(("text", "expect"), [
    ("industry,A,B,output\nA,0,1,10\nB,0,0,10\nC,0,0,10\n", ["3 industry rows but 2 industry columns"]),
    ("industry,A,C,output\nA,0,1,10\nB,0,0,10\n", ["column 3 is 'C' but row 3 is industry 'B'"]),
    ("industry,A,B,output\nA,0,x,10\nB,0,0,ten\n", ["row 2, column 'B': not a number: 'x'",
                                                      "row 3, column 'output': not a number: 'ten'"]),
    ("industry,A,B,output,exports\nA,0,1,10,10\nB,0,0,10,0\n", ["row 2, column 'output'", "must be positive",
                                                                 "A: 0"]),
    ("industry,A,B,output\nA,0,10,10\nB,5,0,5\n", ["singular"]),
    ("industry,A,B\nA,0,1\nB,0,0\n", ["no output column"]),
    ("industry,A,B,output\nA,0,,10\nB,0,0,10\n", ["row 2, column 'B': empty cell"]),
])
def test_io_table_bad_input_is_reported_with_file_row_column(tmp_path: Path, text: str, expect: list[str]) -> None:
    path = io_csv(tmp_path / "bad_io.csv", text)
    with pytest.raises(ValidationError) as exc:
        upstreamness_io(path)
    msg = str(exc.value)
    assert "bad_io.csv" in msg
    for e in expect:
        assert e in msg, msg
    r = CliRunner().invoke(main, ["upstreamness", "--io-table", str(path)])
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    assert "bad_io.csv" in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_upstreamness_cli_formats(tmp_path: Path) -> None:
    path = io_csv(tmp_path / "io.csv", IO3)
    r = CliRunner().invoke(main, ["upstreamness", "--io-table", str(path), "--format", "csv"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "industry,upstreamness"
    assert [x.split(",")[0] for x in lines[1:]] == ["A", "B", "C"]
    assert float(lines[1].split(",")[1]) == pytest.approx(45 / 23)
    r = CliRunner().invoke(main, ["upstreamness", "--io-table", str(path), "--format", "json"])
    data = json.loads(r.output)
    assert [d["industry"] for d in data["industries"]] == ["A", "B", "C"]
    r = CliRunner().invoke(main, ["upstreamness", "--io-table", str(path)])
    assert r.exit_code == 0 and "1.957" in r.output  # 45/23 = 1.9565...
    r = CliRunner().invoke(main, ["upstreamness", "--io-table", str(tmp_path / "nope.csv")])
    assert r.exit_code == 1 and "file not found" in r.output


# -- firms ------------------------------------------------------------------------------------------
def test_chain_of_three_firms() -> None:
    # a -> b -> c with no output given: a sells everything to b, b everything to c, c nothing.
    # U_c = 1, U_b = 1 + 1 = 2, U_a = 1 + 2 = 3; trophic levels 0, 1, 2 and F0 = 0.
    c = cluster([("a", "ore"), ("b", "metal"), ("c", "parts")], [("a", "b", 2.0), ("b", "c", 5.0)])
    p = position(c)
    f = p.firms.set_index("firm_id")
    assert f["upstreamness"].tolist() == pytest.approx([3.0, 2.0, 1.0])
    assert f["trophic_level"].tolist() == pytest.approx([0.0, 1.0, 2.0])
    assert p.figures["trophic_incoherence"] == 0.0
    assert p.figures["along_share"] == 1.0
    assert p.figures["step_correlation"] == pytest.approx(-1.0)
    assert p.against.empty and p.mismatches.empty


def test_output_and_outside_sales_count_as_final_use() -> None:
    # a (output 10) sells 4 to b; b (no output) sells 3 to c and 1 to external x; c sells nothing.
    # sales_a = max(10, 4) = 10 -> Δ_ab = 0.4; sales_b = 3 + 1 = 4 -> Δ_bc = 0.75.
    # U_c = 1, U_b = 1 + 0.75 = 1.75, U_a = 1 + 0.4 * 1.75 = 1.7.
    c = cluster([("a", "ore", 10.0), ("b", "metal"), ("c", "parts"), ("x", "parts", None, "sme", True)],
                [("a", "b", 4.0), ("b", "c", 3.0), ("b", "x", 1.0)])
    u = upstreamness(c).set_index("firm_id")
    assert u["upstreamness"].tolist() == pytest.approx([1.7, 1.75, 1.0])
    assert u.loc["b", "outside_sales"] == 1.0
    # ignoring output: a sells all of its 4 to b -> U_a = 1 + 1.75 = 2.75
    assert upstreamness(c, use_output=False).set_index("firm_id").loc["a", "upstreamness"] == pytest.approx(2.75)
    # final_use = 0.5 for firms without output: sales_b = 4 / 0.5 = 8 -> Δ_bc = 3/8, U_b = 1.375;
    # c sells nothing so U_c = 1; a keeps its output: U_a = 1 + 0.4 * 1.375 = 1.55
    u2 = upstreamness(c, final_use=0.5).set_index("firm_id")["upstreamness"]
    assert u2.tolist() == pytest.approx([1.55, 1.375, 1.0])


def test_demo_copper_firms_by_hand() -> None:
    # rod_b: output 6, sells 2.5 to cable_a (sells nothing): U = 1 + 2.5/6 = 17/12.
    # smelter_a: output 180, sells 6 rod_a, 4 rod_b, 15 strip_a, 3 foil_b (all U = 1 but rod_b):
    #   U = 1 + (6 + 4 * 17/12 + 15 + 3) / 180 = 1 + (24 + 17/3) / 180 = 629/540.
    # mine_a: output 12.5, sells 10 to smelter_a: U = 1 + 0.8 * 629/540 = 1304/675.
    # foil_a: output 9.5 sells 1.5 to ccl_a (output 3.1, sells 1 to pcb_a): U_ccl = 1 + 1/3.1,
    #   U_foil_a = 1 + 1.5/9.5 * U_ccl; segment foil = (9.5 U_foil_a + 4.4 * 1) / 13.9 (foil_b: U = 1).
    p = position(chainnet.load_dataset("demo_copper"))
    u = p.firms.set_index("firm_id")["upstreamness"]
    assert u["rod_b"] == pytest.approx(17 / 12)
    assert u["smelter_a"] == pytest.approx(629 / 540)
    assert u["mine_a"] == pytest.approx(1304 / 675)
    u_ccl = 1 + 1 / 3.1
    u_foil_a = 1 + 1.5 / 9.5 * u_ccl
    seg = p.segments.set_index("segment")
    assert seg.loc["foil", "upstreamness"] == pytest.approx((9.5 * u_foil_a + 4.4) / 13.9)
    assert math.isnan(seg.loc["scrap", "upstreamness"]) and seg.loc["scrap", "firms"] == 0
    # every demo link goes one template step along the local chain: levels are whole numbers, F0 = 0
    assert p.figures["trophic_incoherence"] == 0.0
    assert p.firms.set_index("firm_id").loc[["mine_a", "smelter_a", "rod_b", "cable_a", "pcb_a"],
                                             "trophic_level"].tolist() == pytest.approx([0, 1, 2, 3, 4])


def test_closed_loop_is_reported_not_divided_by_zero() -> None:
    # a and b sell everything to each other (no output given), c sells to a: no leak from {a, b},
    # so U_a, U_b and U_c (which sells into the loop) are unbounded. d is unaffected: U_d = 1.
    c = cluster([("a", "metal"), ("b", "metal"), ("c", "ore"), ("d", "parts")],
                [("a", "b"), ("b", "a"), ("c", "a")])
    p = position(c)
    assert sorted(p.unbounded) == ["a", "b", "c"]
    u = p.firms.set_index("firm_id")["upstreamness"]
    assert u[["a", "b", "c"]].isna().all() and u["d"] == 1.0
    assert "unbounded" in p.firms.set_index("firm_id").loc["c", "note"]
    # with outputs the loop leaks: a (output 10) sells 5 to b, b (output 10) sells 5 to a:
    # U_a = 1 + 0.5 U_b, U_b = 1 + 0.5 U_a -> U_a = U_b = 2.
    c2 = cluster([("a", "metal", 10.0), ("b", "metal", 10.0)], [("a", "b", 5.0), ("b", "a", 5.0)])
    assert upstreamness(c2)["upstreamness"].tolist() == pytest.approx([2.0, 2.0])


def test_links_against_the_chain_are_listed_in_words() -> None:
    # parts firm p sells to ore firm o: ore is upstream of parts -> against the chain.
    # m (metal + parts) sells to p naming segment_from=metal: metal -> parts is along.
    c = cluster([("o", "ore"), ("m", "metal;parts"), ("p", "parts")],
                [("o", "m", 3.0), ("m", "p", 2.0, "metal", "parts"), ("p", "o", 1.0)])
    p = position(c)
    assert p.against[["source", "target", "segment_from", "segment_to"]].to_dict("records") == [
        {"source": "p", "target": "o", "segment_from": "parts", "segment_to": "ore"}]
    reason = p.against.loc[0, "reason"]
    assert "Ore [ore] is upstream of Parts [parts] in the mini chain" in reason
    assert "runs against the chain" in reason and "segment_from/segment_to" in reason
    # along weight 3 + 2 = 5, against 1 -> 5/6
    assert p.figures["along_share"] == pytest.approx(5 / 6)
    notes = p.firms.set_index("firm_id")["note"]
    assert "1 of its supply links runs against the chain" in notes["p"]
    assert not p.firms.set_index("firm_id").loc["m", "against_links"]
    # the same facts in Chinese; without Chinese names the English ones stand in
    assert p.against.loc[0, "reason_zh"] == (
        "Firm p（p，Parts）向Firm o（o，Ore）供货，但在mini产业链中，Ore位于Parts的上游：该链接为逆链供货。"
        "请检查source是否为卖方、target是否为买方，以及两家企业的环节；如确属回流（废料回收、来料加工），"
        "请用segment_from/segment_to注明。")
    # o -> m -> p -> o sell everything around a loop (no output): all three are unbounded, and p and o
    # each have the one link against the chain
    zh = p.firms.set_index("firm_id")["note_zh"]
    assert zh["p"] == ("其上游度无界：它（直接或经由其买方）向一组不对外销售的本地企业构成的闭环供货；"
                       "请补充这些企业的产值，或检查链接方向；其供货链接中有1条为逆链供货（见链接列表）")
    assert "逆链供货" not in zh["m"] and zh["m"].startswith("其上游度无界")


def test_chinese_texts_use_chinese_firm_and_segment_names() -> None:
    # as above with Chinese segment names (矿石, 金属, 零件) and a Chinese name for p only:
    # p keeps 零件厂, o falls back to its English name
    c = cluster([("o", "ore"), ("m", "metal;parts"), ("p", "parts")],
                [("o", "m", 3.0), ("m", "p", 2.0, "metal", "parts"), ("p", "o", 1.0)],
                names_zh={"p": "零件厂"}, template=MINI_ZH)
    p = position(c)
    assert p.against.loc[0, "reason_zh"].startswith(
        "零件厂（p，零件）向Firm o（o，矿石）供货，但在mini产业链中，矿石位于零件的上游：该链接为逆链供货。")
    # the English text is unchanged by the Chinese names
    assert p.against.loc[0, "reason"].startswith("Firm p (p, Parts [parts]) sells to Firm o (o, Ore [ore]), but "
                                                 "Ore [ore] is upstream of Parts [parts] in the mini chain")
    # the new columns come last and are in the JSON
    assert list(p.firms.columns[-2:]) == ["note", "note_zh"]
    assert list(p.segments.columns[-2:]) == ["note", "note_zh"]
    assert list(p.against.columns[-2:]) == ["reason", "reason_zh"]
    d = p.to_dict()
    assert d["against"][0]["reason_zh"] == p.against.loc[0, "reason_zh"]
    assert {"note", "note_zh"} <= set(d["firms"][0]) and {"note", "note_zh"} <= set(d["segments"][0])
    text = position_text(c, p, lang="zh")
    assert "逆链供货链接（1）" in text and "零件→矿石" in text and "零件厂" in text and "上游度" in text
    assert "Supply links against the chain (1)" in position_text(c, p)


def test_firm_far_above_its_stage_is_flagged() -> None:
    # upstream firms o1, o2 sell nothing locally: U = 1, median of upstream firms = 1.
    # downstream d1 -> d2 -> d3 (all parts, selling everything on): U = 3, 2, 1.
    # d1 (3 >= 1 + 0.5) and d2 (2 >= 1.5) are flagged; d3 sells nothing locally and is not.
    c = cluster([("o1", "ore"), ("o2", "ore"), ("d1", "parts"), ("d2", "parts"), ("d3", "parts")],
                [("d1", "d2"), ("d2", "d3")])
    p = position(c)
    flagged = p.mismatches.set_index("firm_id")["note"]
    assert sorted(flagged.index) == ["d1", "d2"]
    assert "declared downstream but its upstreamness 3.00 is above the median of local upstream firms (1.00)" \
        in flagged["d1"]
    assert p.mismatches.set_index("firm_id").loc["d1", "note_zh"] == (
        "申报阶段为下游，但其上游度3.00高于本地上游企业的中位数（1.00）：其销售大部分流向继续转售的本地企业；"
        "请检查其环节，或其链接的source是否为卖方")
    assert p.firms.set_index("firm_id").loc["d3", "note_zh"] == ""
    # segment ore: U = 1 (o1, o2); parts: sales-weighted (d1 sells 1, d2 1, d3 0) (3 + 2) / 2 = 2.5 >= 1 + 0.5,
    # and parts lies downstream of ore: ore gets a note
    seg = position(c).segments.set_index("segment")
    assert seg.loc["ore", "note"].startswith("local firms here sit closer to final use (upstreamness 1.00) than "
                                             "those of parts")
    assert seg.loc["ore", "note_zh"] == ("本环节的本地企业（上游度1.00）比参考产业链中位于其下游的Parts环节的本地企业"
                                         "更接近最终使用：本地链条没有从本环节继续延伸（其产出流向集群外或直接用于最终使用）")
    assert seg.loc["metal", "note_zh"] == seg.loc["parts", "note_zh"] == ""
    assert position(c, margin=1.5).mismatches["firm_id"].tolist() == ["d1"]  # 2 < 1 + 1.5


def test_position_rejects_bad_options() -> None:
    c = chainnet.load_dataset("demo_copper")
    with pytest.raises(ChainnetError, match="final_use"):
        position(c, final_use=1.0)
    with pytest.raises(ChainnetError, match="margin"):
        position(c, margin=-1)


# -- the linear algebra -----------------------------------------------------------------------------
def test_trophic_levels_triangle_by_hand() -> None:
    # a -> b, b -> c, a -> c, unit weights. u = in + out = (2, 2, 2), v = in - out = (-2, 0, 2).
    # Λ = [[2,-1,-1],[-1,2,-1],[-1,-1,2]]; with h_a = 0: row b: 2 h_b - h_c = 0; row c: -h_b + 2 h_c = 2
    #   -> h_c = 2 h_b, 3 h_b = 2 -> h = (0, 2/3, 4/3).
    # F0 = [(2/3 - 1)^2 + (2/3 - 1)^2 + (4/3 - 1)^2] / 3 = (3/9) / 3 = 1/9.
    h, f0 = trophic_levels(np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]]))
    assert h.tolist() == pytest.approx([0, 2 / 3, 4 / 3])
    assert f0 == pytest.approx(1 / 9)


def test_trophic_levels_components_and_isolated_nodes() -> None:
    # two chains a -> b and c -> d -> e, and an isolated f: each component starts at 0, f has none
    W = sp.csr_array(([1.0, 1.0, 1.0], ([0, 2, 3], [1, 3, 4])), shape=(6, 6))
    h, f0 = trophic_levels(W)
    assert h[:5].tolist() == pytest.approx([0, 1, 0, 1, 2])
    assert math.isnan(h[5]) and f0 == 0.0
    assert trophic_levels(np.zeros((2, 2)))[1] is None


def test_large_systems_are_solved_iteratively_to_the_same_answer() -> None:
    # a long chain of n > DIRECT_MAX firms each selling half its output to the next:
    # U_last = 1, U_i = 1 + 0.5 U_{i+1} -> tends to 2; check the identity directly
    n = DIRECT_MAX + 500
    D = sp.csr_array((np.full(n - 1, 0.5), (np.arange(n - 1), np.arange(1, n))), shape=(n, n))
    s = solve_upstreamness(D)
    assert "Neumann" in s.method
    assert np.abs(s.values - (1 + D @ s.values)).max() < 1e-9
    assert s.values[-1] == 1.0 and s.values[-2] == pytest.approx(1.5)


def test_iterative_trophic_levels_match_a_chain() -> None:
    n = DIRECT_MAX + 300  # a chain 0 -> 1 -> ... -> n-1: levels 0, 1, ..., n-1 (conjugate gradients)
    W = sp.csr_array((np.ones(n - 1), (np.arange(n - 1), np.arange(1, n))), shape=(n, n))
    h, f0 = trophic_levels(W)
    assert np.abs(h - np.arange(n)).max() < 1e-4
    assert f0 < 1e-8


@st.composite
def networks(draw: st.DrawFn) -> tuple[list[tuple], list[tuple]]:
    n = draw(st.integers(2, 7))
    ids = [f"f{i}" for i in range(n)]
    segs = ["ore", "metal", "parts"]
    firms = [(ids[i], segs[draw(st.integers(0, 2))],
              draw(st.one_of(st.none(), st.floats(0.1, 50, allow_nan=False)))) for i in range(n)]
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
                          max_size=3 * n, unique=True))
    links = [(ids[a], ids[b], draw(st.floats(0.1, 20, allow_nan=False))) for a, b in pairs]
    return firms, links


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_upstreamness_identity_on_random_networks(net: tuple[list[tuple], list[tuple]]) -> None:
    # U_i = 1 + Σ_j Δ_ij U_j with Δ_ij = w_ij / sales_i, sales_i = max(output_i, Σ_j w_ij) (output known)
    # or Σ_j w_ij; firms in or selling into closed loops are NaN; every bounded U is >= 1.
    firms, links = net
    c = cluster(firms, links)
    u = upstreamness(c).set_index("firm_id")["upstreamness"]
    out = {f[0]: f[2] for f in firms}
    sold = {f[0]: 0.0 for f in firms}
    for a, _, w in links:
        sold[a] += w
    for f, _, _ in firms:
        if math.isnan(u[f]):
            continue
        sales = max(out[f], sold[f]) if out[f] is not None else sold[f]
        rhs = 1.0 + sum(w / sales * u[b] for a, b, w in links if a == f)
        assert u[f] == pytest.approx(rhs, rel=1e-9, abs=1e-9)
        assert u[f] >= 1.0 - 1e-12
        assert all(not math.isnan(u[b]) for a, b, _ in links if a == f)  # bounded firms sell only to bounded ones


# -- CLI --------------------------------------------------------------------------------------------
def test_position_cli_formats() -> None:
    r = CliRunner().invoke(main, ["position", "demo_copper"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Chain position: Demo copper cluster")
    n_check = int((~chainnet.position(chainnet.load_dataset("demo_copper")).firms["consistent"]).sum())
    assert f"Firms to check ({n_check})" in r.output
    r = CliRunner().invoke(main, ["position", "demo_copper", "--format", "csv"])
    assert r.exit_code == 0
    head = r.output.splitlines()[0].split(",")
    assert head[:2] == ["firm_id", "name"] and "upstreamness" in head and "trophic_level" in head
    assert len(r.output.splitlines()) == 12  # header + 11 local firms
    r = CliRunner().invoke(main, ["position", "demo_copper", "--format", "json"])
    data = json.loads(r.output)
    assert {"figures", "segments", "firms", "against", "unbounded", "settings"} <= set(data)
    assert data["settings"]["use_output"] is True
    r = CliRunner().invoke(main, ["position", "demo_copper", "--ignore-output", "--format", "json"])
    assert json.loads(r.output)["settings"]["use_output"] is False


def test_position_cli_in_chinese() -> None:
    r = CliRunner().invoke(main, ["position", "demo_copper", "--lang", "zh", "--top", "3"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("产业链位置：示例铜产业集群")
    assert "上游度" in r.output and "营养级" in r.output and "矿山A" in r.output
    assert "待核查企业（0）" in r.output and "铜矿采选（铜精矿）" in r.output
    # CSV and JSON carry both languages whatever --lang says
    r = CliRunner().invoke(main, ["position", "demo_copper", "--format", "csv", "--lang", "zh"])
    assert r.output.splitlines()[0].split(",")[-2:] == ["note", "note_zh"]
    r = CliRunner().invoke(main, ["position", "demo_copper", "--format", "json"])
    data = json.loads(r.output)
    assert "note_zh" in data["firms"][0] and "note_zh" in data["segments"][0]
