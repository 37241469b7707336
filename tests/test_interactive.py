"""The interactive map: the page's data (no browser) and the page itself in a headless Chromium.

Expected numbers come from the cluster's own tables (firms per lane, supply links of a firm),
counted here independently of the map code.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

import chainnet
from chainnet.cli import main
from chainnet.template import load_template
from chainnet.viz.interactive import interactive_map

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def tongling():
    return chainnet.load_dataset("tongling_copper")


def _data(page: str) -> dict:
    m = re.search(r'<script id="cn-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def _expected(c) -> tuple[int, int, dict[str, int]]:
    """Firms drawn, lanes, and firms per segment (first template segment of each firm) from the tables."""
    order = load_template("copper").order
    per: dict[str, int] = {}
    drawn, support = 0, 0
    for segs, ext in zip(c.firms["segments"], c.firms["external"]):
        mine = [s for s in order if s in set(segs)]
        if mine:
            drawn += 1
            per[mine[0]] = per.get(mine[0], 0) + 1
        elif not ext:
            drawn, support = drawn + 1, support + 1
    return drawn, len(order) + (1 if support else 0), per


def test_page_is_self_contained_and_carries_every_drawn_firm(tongling) -> None:
    page = interactive_map(tongling)
    assert not re.search(r"(src|href)=[\"']?https?:", page)
    assert "sourceMappingURL" not in page and "://" not in page.split('id="cn-data"')[0]
    data = _data(page)
    drawn, lanes, per = _expected(tongling)
    assert data["drawn"] == drawn == len(tongling.firms)
    assert len(data["groups"]) == lanes
    by_lane = {}
    for g in data["firms"]["group"]:
        by_lane[data["groups"][g]["segment"]] = by_lane.get(data["groups"][g]["segment"], 0) + 1
    assert {k: v for k, v in by_lane.items() if k != "_support"} == per
    assert not data["aggregate"]
    # the broken flow scrap -> rod and the missing hvac lane are there, as the audit says
    assert [(f["from"], f["to"]) for f in data["flows"] if f["status"] == "broken"] == [("scrap", "rod")]
    assert {g["type"] for g in data["gaps"]} == {"strengthen", "extend", "connect"}


def test_lanes_run_upstream_to_downstream_and_firms_sit_inside_their_lane(tongling) -> None:
    data = _data(interactive_map(tongling))
    order = load_template("copper").order
    xs = [g["cx"] for g in data["groups"] if g["segment"] in order]
    assert xs == sorted(xs) and [g["segment"] for g in data["groups"][: len(order)]] == order
    f = data["firms"]
    for x, y, g in zip(f["x"], f["y"], f["group"]):
        lane = data["groups"][g]
        assert lane["x0"] <= x <= lane["x1"] and lane["y0"] <= y <= lane["y1"]


def test_large_cluster_is_packed_in_a_grid_without_overlaps() -> None:
    c = _generated(600)
    data = _data(interactive_map(c, aggregate_above=100))
    f = data["firms"]
    pts = {(x, y) for x, y in zip(f["x"], f["y"]) if x is not None}
    assert len(pts) == data["drawn"]  # no two firms on one spot
    assert data["aggregate"] and data["aggregate_above"] == 100


def test_fast_layout_of_huge_clusters_keeps_lanes_and_order(monkeypatch) -> None:
    """Above ORDER_MAX firms the sweeps are skipped: same lanes, firms inside them, leaders first."""
    from chainnet.viz import _mapdata

    c = _generated(600)
    monkeypatch.setattr(_mapdata, "ORDER_MAX", 0)
    data = _data(interactive_map(c, aggregate_above=100))
    f = data["firms"]
    assert len({(x, y) for x, y in zip(f["x"], f["y"])}) == data["drawn"] == len(c.firms)
    for k, lane in enumerate(data["groups"]):
        local = [i for i, g in enumerate(f["group"]) if g == k and not f["external"][i]]
        for i in local:
            assert lane["x0"] <= f["x"][i] <= lane["x1"] and lane["y0"] <= f["y"][i] <= lane["y1"]
        # grid order = initial order: every leader sits before (row, column) every SME
        key = {i: (f["y"][i], f["x"][i]) for i in local}
        leaders = [key[i] for i in local if f["role"][i] == "leader"]
        smes = [key[i] for i in local if f["role"][i] == "sme"]
        if leaders and smes:
            assert max(leaders) < min(smes)


def _generated(n: int):
    from chainnet.generate import generate

    return generate("copper", firms=n, seed=3).cluster


def test_network_page_groups_firms_by_community() -> None:
    c = chainnet.load_dataset("demo_copper")
    data = _data(interactive_map(c, kind="network"))
    # local firms in the METRICS sense: not external, role leader, backbone or SME (demo: 11 of 13)
    local = [not e and r in ("leader", "backbone", "sme") for e, r in zip(c.firms["external"], c.firms["role"])]
    assert data["kind"] == "network" and data["drawn"] == sum(local) == 11
    assert sum(g["count"] for g in data["groups"]) == data["drawn"]


def test_report_gets_the_map_before_its_static_chain_figure() -> None:
    import html

    from chainnet.viz.interactive import embed_in_report

    c = chainnet.load_dataset("demo_copper")
    report = '<html><body><h2>Chain map</h2><figure id="fig-chain"><img src="x"></figure></body></html>'
    out = embed_in_report(report, c, lang="zh")
    assert out.index('<iframe class="chainnet-map"') < out.index('<figure id="fig-chain">')
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', out).group(1))
    assert _data(inner)["lang"] == "zh" and _data(inner)["drawn"] == len(c.firms)
    assert embed_in_report("<html></html>", c) == "<html></html>"


def test_bad_arguments_are_chainnet_errors() -> None:
    with pytest.raises(chainnet.ChainnetError, match="kind="):
        interactive_map(chainnet.load_dataset("demo_copper"), kind="pie")
    with pytest.raises(chainnet.ChainnetError, match="links unknown"):
        interactive_map(chainnet.load_dataset("jilin_carbon_fibre"), kind="network")


def test_cli_writes_html_and_refuses_other_kinds(tmp_path) -> None:
    out = tmp_path / "map.html"
    r = CliRunner().invoke(main, ["plot", "demo_copper", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    bad = tmp_path / "lead.html"
    r = CliRunner().invoke(main, ["plot", "demo_copper", "--kind", "leaders", "-o", str(bad)])
    assert r.exit_code != 0 and "chain or network" in r.output and not bad.exists()
    r = CliRunner().invoke(main, ["plot", "jilin_carbon_fibre", "--kind", "network", "-o", str(bad)])
    assert r.exit_code != 0 and "links unknown" in r.output and not bad.exists()


# -- in a real browser ----------------------------------------------------------------------------
browser_only = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium binary on PATH (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--enable-unsafe-swiftshader", "--use-angle=swiftshader"])
        yield b
        b.close()


def _open(browser, tmp_path, page_text: str, name: str = "map.html"):
    path = tmp_path / name
    path.write_text(page_text, encoding="utf-8")
    pg = browser.new_page(viewport={"width": 1200, "height": 800})
    seen: list[str] = []
    errors: list[str] = []
    pg.on("request", lambda r: seen.append(r.url))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(path.as_uri())
    pg.wait_for_selector("body[data-ready]", state="attached", timeout=15000)
    return pg, seen, errors


_COUNT_COLOUR = """(async (rgb) => {
  const img = new Image(); img.src = chainnetMap.exportPng(); await img.decode();
  const c = document.createElement("canvas"); c.width = img.width; c.height = img.height;
  const x = c.getContext("2d"); x.drawImage(img, 0, 0);
  const d = x.getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i] - rgb[0]) < 12 && Math.abs(d[i + 1] - rgb[1]) < 12 && Math.abs(d[i + 2] - rgb[2]) < 12) n++;
  }
  return n; })"""


@browser_only
def test_browser_renders_firms_and_lanes_and_fetches_nothing(browser, tmp_path, tongling) -> None:
    pg, seen, errors = _open(browser, tmp_path, interactive_map(tongling))
    drawn, lanes, per = _expected(tongling)
    stats = pg.evaluate("chainnetMap.stats()")
    assert (stats["firms"], stats["lanes"], stats["aggregates"]) == (drawn, lanes, 0)
    # the filter by segment keeps the firms of that lane only
    seg = load_template("copper").order.index("enamelled_wire")
    pg.select_option("#cn-f-group", str(seg))
    assert pg.evaluate("chainnetMap.stats()")["firms"] == per["enamelled_wire"]
    assert errors == []
    assert all(u.startswith("file:") for u in seen) and len(seen) == 1, seen
    pg.close()


@browser_only
def test_browser_search_highlight_and_language_switch(browser, tmp_path, tongling) -> None:
    pg, seen, errors = _open(browser, tmp_path, interactive_map(tongling))
    links = tongling.links[tongling.links["kind"] == "supply"]
    suppliers = set(links.loc[links["target"] == "jingda", "source"])
    customers = set(links.loc[links["source"] == "jingda", "target"])
    assert suppliers and customers
    pg.fill("#cn-search", "Jingda Special")
    assert "Tongling Jingda Special Magnet Wire" in pg.inner_text("#cn-results")
    pg.press("#cn-search", "Enter")
    assert pg.evaluate("chainnetMap.stats()")["selected"] == pg.evaluate("chainnetMap.byId('jingda')")
    hl = pg.evaluate("chainnetMap.highlighted()")
    assert set(hl["supplier"]) == suppliers and set(hl["customer"]) == customers
    assert f"({len(suppliers)})" in pg.inner_text("#cn-details")
    # language switch: controls, lane headers and the firm panel change to Chinese
    assert pg.get_attribute("#cn-search", "placeholder") == "Search firm by name or id"
    pg.click("#cn-lang")
    assert pg.get_attribute("#cn-search", "placeholder") == "按名称或编号搜索企业"
    assert pg.evaluate("chainnetMap.laneLabel(0)") == load_template("copper").label("ore", "zh")
    assert "铜陵精达特种电磁线股份有限公司" in pg.inner_text("#cn-details h3")
    assert pg.inner_text("#cn-gaps .cn-tag >> nth=0") in {"补链", "延链", "断链", "强链"}
    pg.fill("#cn-search", "精达")
    pg.press("#cn-search", "Enter")
    assert pg.evaluate("chainnetMap.stats()")["selected"] == pg.evaluate("chainnetMap.byId('jingda')")
    assert errors == [] and all(u.startswith("file:") for u in seen)
    pg.close()


@browser_only
def test_browser_hover_details_and_two_hops(browser, tmp_path, tongling) -> None:
    pg, _, errors = _open(browser, tmp_path, interactive_map(tongling))
    links = tongling.links[tongling.links["kind"] == "supply"]
    fid = "jingda"
    i = pg.evaluate(f"chainnetMap.byId('{fid}')")
    xy = pg.evaluate(f"(() => {{ const r = chainnetMap.renderer; const d = r.getNodeDisplayData('f{i}');"
                     "const p = r.framedGraphToViewport(d); return [p.x, p.y]; })()")
    box = pg.locator("#cn-graph").bounding_box()
    pg.mouse.move(box["x"] + xy[0], box["y"] + xy[1])
    pg.wait_for_selector("#cn-tip:not([hidden])", timeout=5000)
    tip = pg.inner_text("#cn-tip")
    n_in = int((links["target"] == fid).sum())
    n_out = int((links["source"] == fid).sum())
    for text in ("Tongling Jingda Special Magnet Wire", "铜陵精达特种电磁线股份有限公司", "enamelled_wire", "PageRank",
                 f"{n_in} / {n_out}", "reported", "zeng2022"):
        assert text in tip, (text, tip)
    # two hops: suppliers of suppliers too, counted from the links table
    pg.select_option("#cn-hops", "2")
    pg.evaluate(f"chainnetMap.select({i})")
    sup1 = set(links.loc[links["target"] == fid, "source"])
    sup2 = sup1 | set(links.loc[links["target"].isin(sup1), "source"])
    cus1 = set(links.loc[links["source"] == fid, "target"])
    cus2 = cus1 | set(links.loc[links["source"].isin(cus1), "target"])
    hl = pg.evaluate("chainnetMap.highlighted()")
    # a firm reached both ways is listed once, as a supplier (the walk upstream runs first)
    assert set(hl["supplier"]) == sup2 - {fid}
    assert set(hl["customer"]) == cus2 - sup2 - {fid}
    assert len(sup2) > len(sup1)
    assert errors == []
    pg.close()


@browser_only
def test_browser_aggregates_a_large_cluster_and_expands_on_click(browser, tmp_path) -> None:
    c = _generated(600)
    data = _data(interactive_map(c, aggregate_above=100))
    pg, _, errors = _open(browser, tmp_path, interactive_map(c, aggregate_above=100), "big.html")
    nonempty = sorted({g for g in data["firms"]["group"] if g >= 0})
    stats = pg.evaluate("chainnetMap.stats()")
    assert (stats["firms"], stats["aggregates"]) == (0, len(nonempty))
    lane = nonempty[0]
    # click the aggregate node on screen
    xy = pg.evaluate(f"(() => {{ const d = chainnetMap.renderer.getNodeDisplayData('g{lane}');"
                     "const p = chainnetMap.renderer.framedGraphToViewport(d); return [p.x, p.y]; })()")
    box = pg.locator("#cn-graph").bounding_box()
    pg.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    stats = pg.evaluate("chainnetMap.stats()")
    assert stats["firms"] == data["firms"]["group"].count(lane)
    assert stats["aggregates"] == len(nonempty) - 1
    # the exported PNG holds the WebGL layer: pixels of the firms just expanded (SME sky blue #56B4E9)
    assert pg.evaluate(_COUNT_COLOUR, [0x56, 0xB4, 0xE9]) > 20
    assert errors == []
    pg.close()
