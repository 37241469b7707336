"""Figures: inspect what was drawn (artists, texts, colours), not pixels."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

import chainnet
from chainnet import ChainnetError, Cluster, Template
from chainnet.viz import (
    ROLE_COLORS,
    bowtie,
    chain_map,
    completeness_chart,
    degree_distribution,
    leader_chart,
    network,
    radar,
    save,
)
from chainnet.viz import _style as st

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo() -> Cluster:
    return chainnet.load_dataset("demo_copper")


@pytest.fixture(scope="module")
def demo_map(demo: Cluster):
    return chain_map(demo)


@pytest.fixture(scope="module")
def demo_map_zh(demo: Cluster):
    return chain_map(demo, lang="zh")


def make(firms: list[tuple], links: list[tuple] = (), **meta) -> Cluster:
    """A cluster from (firm_id, role, segments[, output[, external]]) rows and (source, target) links."""
    rows = [{"firm_id": f[0], "name": f"Firm {f[0]}", "role": f[1], "segments": f[2],
             "output": f[3] if len(f) > 3 else None, "external": f[4] if len(f) > 4 else False} for f in firms]
    lk = pd.DataFrame([{"source": a, "target": b} for a, b in links], columns=["source", "target"])
    return Cluster.from_frames(pd.DataFrame(rows), lk, meta={"id": "x", "name": "X", "template": "copper", **meta})


def gid(a) -> str:
    """An artist's id without the number chainnet adds to repeated ids (chainmap.link.7 -> chainmap.link)."""
    return re.sub(r"\.\d+$", "", a.get_gid() or "")


def by_gid(ax, prefix: str) -> list:
    return [a for a in ax.get_children() if gid(a).startswith(prefix)]


def lane_nodes(ax, kind: str, seg: str, template: str = "copper") -> int:
    found = by_gid(ax, f"chainmap.{kind}.{template}.{seg}")
    return sum(len(c.get_offsets()) for c in found)


def texts(ax, name: str) -> list[str]:
    """Texts drawn with this gid, line breaks (from wrapping) removed."""
    return [re.sub(r"\n(?=[\u4e00-\u9fff（])|\n", lambda m: "" if m.group(0) != "\n" or _cjk_join(m) else " ",
                   t.get_text()) for t in ax.texts if gid(t) == name]


def _cjk_join(m: re.Match) -> bool:
    s, i = m.string, m.start()
    return (i > 0 and "\u4e00" <= s[i - 1] <= "\uffff") or (i + 1 < len(s) and "\u4e00" <= s[i + 1] <= "\uffff")


# -- chain map ------------------------------------------------------------------------------------
def test_chain_map_places_each_firm_in_its_most_upstream_segment(demo_map):
    _, ax = demo_map
    # firms.csv of demo_copper, by hand: smelter_a makes smelting;cathode (node in smelting, marker in
    # cathode), rod_b makes rod;wire (node in rod, marker in wire), lab_a has no segment (support lane)
    expected = {"ore": 1, "smelting": 1, "cathode": 1, "rod": 2, "wire": 0, "strip": 1, "foil": 2, "ccl": 1,
                "pcb": 1, "cable": 1, "scrap": 0, "tube": 0, "battery": 0, "hvac": 0}
    assert {s: lane_nodes(ax, "firms", s) for s in expected} == expected
    assert {s: lane_nodes(ax, "also", s) for s in ("cathode", "wire", "smelting", "rod")} == \
        {"cathode": 1, "wire": 1, "smelting": 0, "rod": 0}
    assert lane_nodes(ax, "firms", "_support") == 1
    assert lane_nodes(ax, "external", "battery") == 1  # battery_x, outside the cluster
    assert len(by_gid(ax, "chainmap.connectors")[0].get_segments()) == 2


def test_chain_map_lanes_follow_the_template_order(demo, demo_map):
    _, ax = demo_map
    xs = [by_gid(ax, f"chainmap.lane.copper.{s}")[0].get_x() for s in demo.template.order]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    _, axv = chain_map(demo, orientation="vertical")
    ys = [by_gid(axv, f"chainmap.lane.copper.{s}")[0].get_y() for s in demo.template.order]
    assert ys == sorted(ys, reverse=True)


def test_chain_map_draws_one_arrow_per_supply_link(demo, demo_map):
    _, ax = demo_map
    arrows = [p for p in ax.patches if gid(p) == "chainmap.link"]
    assert all(isinstance(p, FancyArrowPatch) for p in arrows)
    assert len(arrows) == 11  # links.csv: 11 supply links, one of them to the external battery_x
    _, ax2 = chain_map(demo, show_external=False, max_arrows=5)  # many links: lines without heads
    assert [p for p in ax2.patches if gid(p) == "chainmap.link"] == []
    assert len(by_gid(ax2, "chainmap.links")[0].get_segments()) == 10
    assert lane_nodes(ax2, "external", "battery") == 0


def test_chain_map_labels_leaders_in_both_languages(demo, demo_map_zh):
    _, ax = chain_map(demo, labels="leaders")
    assert texts(ax, "chainmap.label") == ["Smelter A (leader)"]
    _, axz = demo_map_zh  # labels="auto": 12 firms drawn, so every one is named
    assert "冶炼厂A（龙头）" in texts(axz, "chainmap.label") and len(texts(axz, "chainmap.label")) == 12
    headers = texts(axz, "chainmap.header_label")
    assert "铜矿采选（铜精矿）" in headers and "上游" in texts(axz, "chainmap.stage_label")
    assert any("完整度指数 52%" in t.get_text() for t in axz.texts)
    _, axn = chain_map(demo, labels="none")
    assert texts(axn, "chainmap.label") == []


def test_chain_map_title_gives_the_completeness_index(demo_map):
    _, ax = demo_map
    sub = " ".join(t.get_text() for t in ax.texts if "completeness index" in t.get_text())
    # completeness(demo_copper)["index"] = 0.5195 (see chainnet.analysis.completeness)
    assert "completeness index 52%" in sub.replace("\n", " ")
    assert ax.get_title(loc="left").startswith("Demo copper cluster")


def test_chain_map_colours_firms_by_role(demo_map):
    _, ax = demo_map
    colour = {s: tuple(by_gid(ax, f"chainmap.firms.copper.{s}")[0].get_facecolor()[0]) for s in
              ("smelting", "ore", "pcb", "_support")}
    assert colour == {"smelting": to_rgba(ROLE_COLORS["leader"]), "ore": to_rgba(ROLE_COLORS["backbone"]),
                      "pcb": to_rgba(ROLE_COLORS["sme"]), "_support": to_rgba(ROLE_COLORS["institution"])}


def test_chain_map_draws_template_flows_by_status(demo, demo_map):
    _, ax = demo_map
    flows = {p.get_gid(): p for p in ax.patches if re.match(r"chainmap\.flow\.copper\.", p.get_gid() or "")}
    assert len(flows) == len(demo.template.flows) == 20
    broken = flows["chainmap.flow.copper.strip.foil"]  # the demo's one broken flow (断链)
    assert broken.get_linestyle() in ("--", "dashed")
    assert to_rgba(broken.get_edgecolor()) == to_rgba(st.FLOW_STYLES["broken"][0])
    assert flows["chainmap.flow.copper.cathode.rod"].get_linestyle() in ("-", "solid")
    assert flows["chainmap.flow.copper.tube.hvac"].get_linestyle() in (":", "dotted")
    weak = flows["chainmap.flow.copper.ore.smelting"]
    assert weak.get_linewidth() < flows["chainmap.flow.copper.cathode.rod"].get_linewidth()


def test_chain_map_hatches_missing_segments_with_their_gap_type(demo, demo_map):
    _, ax = demo_map
    hatched = {p.get_gid().split(".")[-1] for p in ax.patches
               if (p.get_gid() or "").startswith("chainmap.lane.") and p.get_hatch()}
    assert hatched == {"scrap", "tube", "enamelled_wire", "lead_frame", "motor", "battery", "semiconductor", "hvac"}
    gaps = texts(ax, "chainmap.gap_label")
    assert len(gaps) == 8 and all("extend" in g for g in gaps)
    assert sum("external supply" in g for g in gaps) == 1  # battery: battery_x makes it outside


def test_chain_map_names_a_hole_inside_the_chain_fill():
    # cathode missing between smelting (upstream) and rod (downstream): a fill gap (补链)
    c = make([("a", "sme", "ore"), ("b", "backbone", "smelting"), ("d", "sme", "rod")], [("a", "b")])
    _, ax = chain_map(c, lang="zh")
    assert [g for g in texts(ax, "chainmap.gap_label") if "补链" in g] == ["缺失·补链"]
    _, ax_en = chain_map(c)
    assert sum("fill" in g for g in texts(ax_en, "chainmap.gap_label")) == 1


def test_chain_map_collapses_crowded_lanes():
    smes = [(f"s{i:02d}", "sme", "rod", 1.0) for i in range(30)]
    c = make([("lead", "leader", "cathode", 50.0), *smes], [("lead", f"s{i:02d}") for i in range(30)])
    _, ax = chain_map(c, collapse_threshold=25)
    assert lane_nodes(ax, "firms", "rod") == 0
    assert lane_nodes(ax, "collapsed", "rod") == 1
    assert texts(ax, "chainmap.collapsed_label") == ["+30 SMEs"]
    # the 30 links from the leader end at the bubble: one aggregated arrow
    assert len([p for p in ax.patches if gid(p) == "chainmap.link"]) == 1
    _, axz = chain_map(c, collapse_threshold=25, lang="zh")
    assert texts(axz, "chainmap.collapsed_label") == ["+30家中小企业"]
    _, ax2 = chain_map(c, collapse_threshold=40)
    assert lane_nodes(ax2, "firms", "rod") == 30 and texts(ax2, "chainmap.collapsed_label") == []


def test_chain_map_keeps_leaders_when_collapsing():
    firms = [("lead", "leader", "rod", 9.0)] + [(f"b{i}", "backbone", "rod") for i in range(4)] + \
        [(f"s{i}", "sme", "rod") for i in range(6)]
    _, ax = chain_map(make(firms), collapse_threshold=5)
    # 11 firms > 5: SMEs collapse (1 + 4 + bubble = 6 > 5), then backbone firms: leader + 2 bubbles
    assert lane_nodes(ax, "firms", "rod") == 1
    assert sorted(texts(ax, "chainmap.collapsed_label")) == ["+4 backbone firms", "+6 SMEs"]


def test_chain_map_stacks_one_band_per_chain():
    c = make([("a", "leader", "cathode", 10.0), ("b", "sme", "rod"), ("c", "sme", "primary"), ("d", "sme", "rolled")],
             [("a", "b"), ("c", "d")], template=None, templates=["copper", "aluminium"])
    _, ax = chain_map(c)
    assert lane_nodes(ax, "firms", "cathode") == 1 and lane_nodes(ax, "firms", "primary", "aluminium") == 1
    copper = [p.get_y() for p in by_gid(ax, "chainmap.lane.copper.")]
    alu = [p.get_y() for p in by_gid(ax, "chainmap.lane.aluminium.")]
    assert max(alu) < min(copper)  # the second chain's band sits below the first
    assert len(texts(ax, "chainmap.band")) == 2


def test_chain_map_draws_into_a_given_axes(demo):
    fig = Figure(figsize=(16, 10))
    ax_in = fig.add_subplot(2, 1, 1)
    fig2, ax = chain_map(demo, ax=ax_in)
    assert fig2 is fig and ax is ax_in and ax.get_legend() is not None


def test_chain_map_rejects_bad_options(demo):
    for kw in ({"lang": "fr"}, {"orientation": "diagonal"}, {"collapse_threshold": 0}, {"labels": "some"}):
        with pytest.raises(ChainnetError):
            chain_map(demo, **kw)


MINI = Template.from_dict({"id": "mini", "name": "Mini", "name_zh": "迷你链",
                           "segment": [{"id": "a", "name": "Ore", "stage": "upstream"},
                                       {"id": "b", "name": "Metal", "stage": "midstream"},
                                       {"id": "c", "name": "Parts", "stage": "downstream"}],
                           "flow": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}]})


def test_chain_map_is_deterministic(tmp_path):
    firms = pd.DataFrame({"firm_id": list("pqrst"), "name": list("PQRST"), "role": ["leader"] + ["sme"] * 4,
                          "segments": ["a;b", "a", "b", "c", "c"]})
    links = pd.DataFrame({"source": ["q", "p", "p", "r"], "target": ["p", "s", "t", "t"]})
    c = Cluster.from_frames(firms, links, meta={"id": "m", "name": "M", "template": "mini"}, templates=[MINI])
    out = []
    for i in range(2):
        fig, _ = chain_map(c, seed=3, lang="zh")
        out.append(save(fig, tmp_path / f"m{i}.svg").read_bytes())
    assert out[0] == out[1]
    fig, ax = chain_map(c, seed=3)
    assert [lane_nodes(ax, "firms", s, "mini") for s in "abc"] == [2, 1, 2]


# -- other figures ------------------------------------------------------------------------------------
def test_network_draws_every_local_firm_by_community(demo):
    _, ax = network(demo, seed=1)
    nodes = by_gid(ax, "network.firms")[0]
    assert len(nodes.get_offsets()) == 11  # 13 firms less the lab (institution) and battery_x (external)
    assert len(by_gid(ax, "network.links")[0].get_segments()) == 10  # supply links between local firms
    assert texts(ax, "network.label") == ["Smelter A (leader)"]
    _, ax2 = network(demo, seed=1, max_nodes=4)
    assert len(by_gid(ax2, "network.firms")[0].get_offsets()) == 4
    assert any("showing the 4 firms" in t.get_text() for t in ax2.texts)


def test_leader_chart_shows_leaders_first(demo):
    _, ax = leader_chart(demo, top=4)
    ticks = ax.get_yticklabels()
    assert ticks[0].get_text() == "Smelter A (leader)" and len(ticks) == 4
    assert to_rgba(ticks[0].get_color()) != to_rgba(ticks[1].get_color())
    assert len([p for p in ax.patches if gid(p).startswith("leaders.")]) == 12
    assert "leader dominance: 76.0%" in texts(ax, "leaders.figures")[0]


def test_completeness_chart_bars_by_status(demo):
    _, ax = completeness_chart(demo, lang="zh")
    bars = {p.get_gid().split(".")[1] for p in ax.patches if (p.get_gid() or "").startswith("completeness.")}
    assert bars == {"present", "weak", "missing"}
    status = [p.get_gid().split(".")[1] for p in ax.patches if (p.get_gid() or "").startswith("completeness.")]
    # demo_copper audit: 3 present, 7 weak, 8 missing segments
    assert (status.count("present"), status.count("weak"), status.count("missing")) == (3, 7, 8)
    assert ax.get_yticklabels()[0].get_text() == "铜矿采选（铜精矿）"
    assert all(p.get_hatch() for p in ax.patches if "missing" in (p.get_gid() or ""))


def test_radar_one_polygon_per_cluster(demo):
    _, ax = radar({"demo": demo, "other": {"index": 1.0, "segment_coverage": 1.0, "link_coverage": 1.0,
                                             "path_completeness": 1.0}}, figures=("index", "segment_coverage",
                                                                                  "link_coverage", "path_completeness"))
    assert [ln.get_label() for ln in ax.lines] == ["demo", "other"]
    assert ax.lines[0].get_ydata()[0] == pytest.approx(0.5195, abs=1e-4)
    with pytest.raises(ChainnetError):
        radar([demo], ax=Figure().add_subplot())


def test_radar_saves(tmp_path):
    fig, _ = radar([{"index": 0.5, "segment_coverage": 0.5, "link_coverage": 0.5, "name": "甲"}],
                   figures=("index", "segment_coverage", "link_coverage"), lang="zh")
    assert save(fig, tmp_path / "r.pdf", dpi=50).read_bytes().startswith(b"%PDF")


def test_bowtie_of_an_acyclic_and_a_cyclic_graph(demo):
    _, ax = bowtie(demo)
    labels = {t.get_gid(): t.get_text().split("\n") for t in ax.texts if (t.get_gid() or "").startswith("bowtie.")}
    # demo_copper's local supply links, by hand: only sell mine_a, refiner_b; buy and sell smelter_a,
    # rod_b, foil_a, ccl_a; only buy rod_a, strip_a, foil_b (sells only outside), pcb_a, cable_a
    assert [labels[f"bowtie.{p}_label"][1] for p in ("in", "core", "out", "disconnected")] == \
        ["2 firms", "4 firms", "5 firms", "0 firms"]
    c = make([("a", "sme", "ore"), ("b", "sme", "smelting"), ("c", "sme", "cathode"), ("d", "sme", "ore"),
              ("e", "sme", "rod"), ("f", "sme", "rod")], [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a"), ("c", "e")])
    _, ax2 = bowtie(c)
    labels = {t.get_gid(): t.get_text() for t in ax2.texts if (t.get_gid() or "").startswith("bowtie.")}
    assert labels["bowtie.core_label"].split("\n")[:2] == ["core", "3 firms"]
    assert labels["bowtie.in_label"].split("\n")[1] == "1 firm"
    assert labels["bowtie.disconnected_label"].split("\n")[1] == "1 firm"


def test_degree_distribution_is_a_ccdf(demo):
    _, ax = degree_distribution(demo)
    lines = {gid(ln): ln for ln in ax.lines}
    # in-degrees of the 11 local firms (by hand): mine_a 0, refiner_b 0, rod_a 2, eight firms 1
    assert list(lines["degree.in"].get_xdata()) == [1, 2]
    assert list(lines["degree.in"].get_ydata()) == pytest.approx([9 / 11, 1 / 11])
    assert "2 firms at 0" in lines["degree.in"].get_label()
    assert ax.get_xscale() == "log"


# -- fonts and files -------------------------------------------------------------------------------------
ALL_KINDS = {
    "chain": lambda c, lang: chain_map(c, lang=lang),
    "network": lambda c, lang: network(c, lang=lang),
    "leaders": lambda c, lang: leader_chart(c, lang=lang),
    "completeness": lambda c, lang: completeness_chart(c, lang=lang),
    "bowtie": lambda c, lang: bowtie(c, lang=lang),
    "degree": lambda c, lang: degree_distribution(c, lang=lang),
}
MAGIC = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}


@pytest.mark.parametrize("kind", sorted(ALL_KINDS))
def test_every_figure_saves_in_every_format(demo, kind, tmp_path):
    fig, _ = ALL_KINDS[kind](demo, "zh" if kind in ("chain", "completeness") else "en")
    for fmt, magic in MAGIC.items():
        path = save(fig, tmp_path / f"{kind}.{fmt}", dpi=60)
        assert path.read_bytes().startswith(magic)


def test_chinese_renders_without_missing_glyphs(demo_map_zh, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, _ = demo_map_zh
        save(fig, tmp_path / "zh.png", dpi=60)
        pdf = save(fig, tmp_path / "zh.pdf").read_bytes()
        svg = save(fig, tmp_path / "zh.svg").read_text(encoding="utf-8")
    assert not [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert b"NotoSansCJKsc" in pdf
    assert "冶炼厂A（龙头）" in svg.replace("\n", "") or "冶炼厂A" in svg  # SVG keeps text as text
    assert "Noto Sans CJK SC" in svg


def test_a_given_axes_gets_chainnet_fonts(demo, tmp_path):
    fig = Figure(figsize=(7, 6))
    ax = fig.add_subplot()  # made outside chainnet's style, with matplotlib's default font
    completeness_chart(demo, lang="zh", ax=ax)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        save(fig, tmp_path / "given.png", dpi=50)
    assert not [w for w in caught if "missing from" in str(w.message)]


def test_save_is_deterministic_and_checks_the_extension(demo, tmp_path):
    fig, _ = network(demo, seed=2)
    pdfs = [save(fig, tmp_path / f"n{i}.pdf").read_bytes() for i in range(2)]
    assert pdfs[0] == pdfs[1]
    fig2, _ = network(demo, seed=2)
    assert save(fig2, tmp_path / "a.svg").read_bytes() == save(fig, tmp_path / "b.svg").read_bytes()
    for bad in ("x.jpg", "x"):
        with pytest.raises(ChainnetError, match=r"\.png, \.svg or \.pdf"):
            save(fig, tmp_path / bad)
    with pytest.raises(ChainnetError, match="does not exist"):
        save(fig, tmp_path / "no" / "x.png")


def test_missing_font_package_is_explained(monkeypatch):
    import importlib.util

    st.cjk_font_path.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    try:
        with pytest.raises(ChainnetError, match="pip install mplfonts"):
            st.cjk_font_path()
    finally:
        monkeypatch.undo()
        st.cjk_font_path.cache_clear()
    assert st.cjk_font_path().name == "NotoSansCJKsc-Regular.otf"


def test_only_viz_imports_matplotlib_and_never_pyplot():
    for path in (ROOT / "chainnet").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "viz" not in path.parts:
            assert not re.search(r"^\s*(import|from) matplotlib", text, re.M), path
        assert not re.search(r"(import|from)\s+matplotlib(\.pyplot|\s+import\s+pyplot)", text), path
