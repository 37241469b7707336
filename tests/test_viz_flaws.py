"""Figure flaws a report author noticed (issue 18): each test inspects what was drawn, not pixels."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.transforms import Bbox

import chainnet
from chainnet import Cluster
from chainnet._format import share
from chainnet.io import write_cluster
from chainnet.viz import _style as st
from chainnet.viz import leader_chart


def make(firms: list[tuple], links: list[tuple] = (), **meta) -> Cluster:
    """A cluster from (firm_id, role, segments[, output]) rows and (source, target) links."""
    rows = [{"firm_id": f[0], "name": f"Firm {f[0]}", "role": f[1], "segments": f[2],
             "output": f[3] if len(f) > 3 else None} for f in firms]
    lk = pd.DataFrame([{"source": a, "target": b} for a, b in links], columns=["source", "target"])
    return Cluster.from_frames(pd.DataFrame(rows), lk, meta={"id": "x", "name": "X", "template": "copper", **meta})


def drawn(fig):
    """Draw ``fig`` on an Agg canvas and return the renderer (for text extents)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def inside(box: Bbox, outer: Bbox, tol: float = 0.5) -> bool:
    return (box.x0 >= outer.x0 - tol and box.y0 >= outer.y0 - tol and box.x1 <= outer.x1 + tol
            and box.y1 <= outer.y1 + tol)


# -- shared share formatter ------------------------------------------------------------------------
@pytest.mark.parametrize("value", [0.0, 0.025, 0.05, 0.1, 0.125, 0.2, 0.3])
def test_share_axis_labels_each_tick_with_its_own_value(value):
    fig, ax = st.new_axes(None, (6, 2))
    ax.barh([0, 1], [value, 0.18])
    st.share_axis(ax.xaxis)
    drawn(fig)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(set(labels)) == len(labels) >= 3  # no two ticks read the same
    for loc, lab in zip(ax.get_xticks(), [t.get_text() for t in ax.get_xticklabels()]):
        assert lab.endswith("%")
        assert float(lab[:-1]) == pytest.approx(loc * 100, abs=1e-9)  # exact, not rounded


def test_leader_chart_ticks_are_exact_percentages_and_the_figures_box_fits():
    for name in ("tongling_copper", "demo_copper"):
        c = chainnet.load_dataset(name)
        for lang in ("en", "zh"):
            fig, ax = leader_chart(c, lang=lang)
            r = drawn(fig)
            for loc, tick in zip(ax.get_xticks(), ax.get_xticklabels()):
                if tick.get_text():
                    assert float(tick.get_text().rstrip("%")) == pytest.approx(loc * 100, abs=1e-9)
            box = next(t for t in ax.texts if (t.get_gid() or "").startswith("leaders.figures"))
            patch = box.get_bbox_patch().get_window_extent(r)
            assert inside(patch, fig.bbox), (name, lang, patch, fig.bbox)


def test_degree_centralization_reads_the_same_in_figure_cli_and_report(tmp_path):
    from click.testing import CliRunner

    from chainnet.cli import main
    from chainnet.report import analyze

    # a star of one hub and four leaves: Freeman's centralization (METRICS.md) is
    # sum(d_max - d_i) / ((n-1)(n-2)) = 4 * (4 - 1) / (4 * 3) = 1 -> "100.0%"
    firms = [("hub", "leader", "smelting")] + [(f"l{i}", "sme", "rod") for i in range(4)]
    c = make(firms, [("hub", f"l{i}") for i in range(4)], year=2020)
    want = share(1.0)
    assert want == "100.0%"
    _, ax = leader_chart(c)
    fig_text = next(t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("leaders.figures"))
    assert f"degree centralization: {want}" in fig_text
    folder = tmp_path / "x"
    write_cluster(c, folder)
    out = CliRunner().invoke(main, ["leaders", str(folder)])
    assert out.exit_code == 0, out.output
    line = next(ln for ln in out.output.splitlines() if ln.strip().startswith("degree centralization"))
    assert want in line and not re.search(r"\b1\.000\b", line)
    rep = analyze(c, tmp_path / "rep", formats=("md",), candidates=[], null_models=0)
    md = (rep / "report.md").read_text(encoding="utf-8")
    row = next(ln for ln in md.splitlines() if "degree centralization" in ln)
    assert want in row


# -- chain map -----------------------------------------------------------------------------------------
def test_wrap_words_breaks_chinese_names_between_words_only():
    # 空调与制冷设备 = 空调 与 制冷 设备: the only clean break is after the conjunction 与
    assert st.wrap_words("空调与制冷设备", 48, 7) == (["空调与", "制冷设备"], 7)
    # 烧结钕铁硼磁体 has no break opportunity: the font shrinks until it fits one line
    lines, size = st.wrap_words("烧结钕铁硼磁体", 48, 7)
    assert lines == ["烧结钕铁硼磁体"] and size < 7 and st.text_width(lines[0], size) <= 48
    # brackets and enumeration marks are break opportunities; no line is a lone character
    lines, _ = st.wrap_words("铜箔（电解铜箔、压延铜箔）", 48, 7)
    assert "".join(lines) == "铜箔（电解铜箔、压延铜箔）" and min(len(x) for x in lines) >= 2
    assert st.wrap_words("Copper ore mining and dressing", 48, 7)[0][0] == "Copper ore"


def test_chain_map_headers_never_split_a_word_and_never_collide():
    from chainnet.viz import chain_map

    c = chainnet.load_dataset("tongling_copper")
    fig, ax = chain_map(c, lang="zh")
    heads = [t for t in ax.texts if (t.get_gid() or "").startswith("chainmap.header_label")]
    names = {t.label(s, "zh") for t in c.templates for s in t.segment_ids} | {"支撑机构（科研、服务）"}
    assert "空调与\n制冷设备" in [t.get_text() for t in heads]
    for t in heads:  # every header is a whole segment name, nothing cut
        assert t.get_text().replace("\n", "") in names
    r = drawn(fig)
    boxes = [t.get_window_extent(r) for t in ax.texts
             if re.match(r"chainmap\.header_(label|count)", t.get_gid() or "")]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b) or min(a.x1, b.x1) - max(a.x0, b.x0) < 1 or min(a.y1, b.y1) - max(a.y0, b.y0) < 1


def test_chain_map_headers_of_a_large_cluster_do_not_collide():
    from chainnet.generate import generate
    from chainnet.viz import chain_map

    # thousands of firms per lane and hundreds of external ones: long count lines
    c = generate(["copper"], firms=30000, seed=1, links_per_firm=0.5, external_share=0.2).cluster
    fig, ax = chain_map(c)
    r = drawn(fig)
    counts = [t for t in ax.texts if (t.get_gid() or "").startswith("chainmap.header_count")]
    assert any("\n" in t.get_text() for t in counts)  # firm and external counts on two lines
    boxes = [t.get_window_extent(r) for t in ax.texts
             if re.match(r"chainmap\.header_(label|count)", t.get_gid() or "")]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            w = min(a.x1, b.x1) - max(a.x0, b.x0)
            h = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert w <= 0.5 or h <= 0.5


def test_chain_map_flows_run_on_separate_tracks_and_name_their_status():
    from chainnet.viz import chain_map

    c = chainnet.load_dataset("demo_copper")
    a = chainnet.audit(c, top=0)
    _, ax = chain_map(c, audit=a)
    runs = []
    for p in ax.patches:
        gid = p.get_gid() or ""
        if gid.startswith("chainmap.flow.") and not gid.startswith("chainmap.flow_head"):
            v = p.get_path().vertices
            assert len(v) == 4 and v[1][1] == pytest.approx(v[2][1])  # down, along its track, up
            runs.append((round(float(v[1][1]), 6), min(v[1][0], v[2][0]), max(v[1][0], v[2][0])))
    assert len(runs) == len(a.flows)
    for i, (y, x0, x1) in enumerate(runs):  # two flows on one track never share a stretch of it
        for y2, u0, u1 in runs[i + 1:]:
            assert y != y2 or x1 < u0 or u1 < x0
    labelled = {t.get_gid().split(".", 2)[2].rsplit(".", 0)[0] for t in ax.texts
                if (t.get_gid() or "").startswith("chainmap.flow_label.")}
    acting = a.flows[a.flows["status"].isin(["weak", "broken", "unknown"])]
    assert len(labelled) == len(acting) > 0


# -- network ---------------------------------------------------------------------------------------------
def test_small_network_labels_every_firm_and_counts_what_it_draws():
    from chainnet.viz import network

    # two groups of three linked firms, a linked pair and two firms without any supply partner
    firms = [(f"a{i}", "sme", "rod") for i in range(3)] + [(f"b{i}", "sme", "pcb") for i in range(3)] \
        + [("p0", "leader", "smelting"), ("p1", "sme", "cathode"), ("z0", "sme", "wire"), ("z1", "sme", "foil")]
    links = [("a0", "a1"), ("a1", "a2"), ("a2", "a0"), ("b0", "b1"), ("b1", "b2"), ("b2", "b0"), ("p0", "p1"),
             ("a0", "b0")]
    c = make(firms, links)
    fig, ax = network(c)
    discs = [p for p in ax.patches if (p.get_gid() or "").startswith("network.community")]
    sub = next(t.get_text() for t in ax.texts if "communit" in t.get_text())
    n = int(re.search(r"(\d+) communit", sub.replace("\n", " ")).group(1))
    assert n == len(discs) >= 2
    assert "2 firms without a community partner" in " ".join(sub.split())
    labels = [t for t in ax.texts if re.match(r"network\.(label|firm_label)", t.get_gid() or "")]
    assert len(labels) == len(firms)  # a small cluster names every firm
    r = drawn(fig)
    boxes = [t.get_window_extent(r) for t in ax.texts
             if re.match(r"network\.(label|firm_label|community_label)", t.get_gid() or "")]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            w = min(a.x1, b.x1) - max(a.x0, b.x0)
            h = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert w <= 0.5 or h <= 0.5


def test_network_isolates_sit_in_a_strip_and_leave_the_communities_room():
    from chainnet.viz import network

    c = chainnet.load_dataset("tongling_copper")
    _, ax = network(c)
    xy = ax.collections[-1].get_offsets()
    low = xy[:, 1] < -0.95
    assert low.any()  # the firms without a partner: the bottom strip
    rest = xy[~low]
    assert rest[:, 0].max() - rest[:, 0].min() > 1.6  # communities use most of the width (2.5)
    assert rest[:, 1].min() > xy[low, 1].max()  # and sit above the strip, not squeezed by a ring


# -- completeness ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_completeness_subtitle_breaks_between_figures(lang):
    from chainnet.viz import completeness_chart

    c = chainnet.load_dataset("tongling_copper")
    _, ax = completeness_chart(c, lang=lang)
    sub = next(t.get_text() for t in ax.texts if "%" in t.get_text())
    w = st.words(lang)
    a = chainnet.audit(c, top=0).completeness
    for k in ("index", "segment_coverage", "link_coverage", "path_completeness"):
        item = f"{w[k]} {st.pct(a[k])}"
        assert any(item in line for line in sub.split("\n")), (item, sub)
    main = ax.get_title(loc="left")
    tail = "产业链完整度" if lang == "zh" else "chain completeness by segment"
    assert any(tail in line for line in main.split("\n"))


def test_completeness_labels_stay_inside_the_figure_at_print_resolution():
    from chainnet.viz import completeness_chart

    fig, ax = completeness_chart(chainnet.load_dataset("suzhou_nano"))  # the longest segment names
    fig.set_dpi(200)
    r = drawn(fig)
    for t in [*ax.get_yticklabels(), *ax.texts]:
        if t.get_text():
            assert inside(t.get_window_extent(r), fig.bbox), t.get_text()


@pytest.mark.parametrize("name", ["suzhou_nano", "baotou_rare_earth"])
def test_chain_map_names_are_not_cut_where_there_is_room(name):
    from chainnet.viz import chain_map

    # the longest segment names ("Micro/nano processing (dispersion, surface modification,
    # nano-imprint)") and firm names ("Sintered NdFeB magnets leader 01 (modeled)") of the datasets
    c = chainnet.load_dataset(name)
    _, ax = chain_map(c)
    texts = [t.get_text() for t in ax.texts]
    assert not [t for t in texts if "…" in t]
    heads = {" ".join(t.get_text().split()) for t in ax.texts
             if (t.get_gid() or "").startswith("chainmap.header_label")}
    names = {" ".join(t.label(s, "en").split()) for t in c.templates for s in t.segment_ids}
    assert heads - {"Support: institutions and services"} <= names


def test_timeline_count_axis_groups_thousands() -> None:
    # a cluster grown to 900,000 firms: the right axis reads 900,000 (one number format everywhere)
    from chainnet.viz.timeline import timeline_chart

    df = pd.DataFrame({"year": [2010, 2015, 2020], "local_firms": [120_000, 450_000, 900_000],
                       "index": [0.5, 0.7, 0.9]})
    fig, ax = timeline_chart(df, figures=("index",))
    fig.canvas.draw()
    twin = next(a for a in fig.axes if a is not ax)
    labels = [tl.get_text() for tl in twin.get_yticklabels() if tl.get_text()]
    values = twin.get_yticks()
    big = [(v, s) for v, s in zip(values, labels) if v >= 1000]
    assert big, labels
    assert all(s == f"{v:,.0f}" for v, s in big), big
    plt.close(fig)
