"""Figures at scale: the aggregate chain map and network figure (issue 15).

A generated cluster of 2,000 firms is drawn with a threshold of 500 local firms, so the
aggregate views are exercised quickly. What was drawn (points, lines, texts and their extents)
is checked against counts computed here from the cluster's own tables, and bounded.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import EllipseCollection, LineCollection
from matplotlib.colors import to_hex

import chainnet
from chainnet import ChainnetError
from chainnet.analysis.structure import structure
from chainnet.generate import generate
from chainnet.viz import ROLE_COLORS, chain_map, network
from chainnet.viz._scale import AGGREGATE_MIN_FIRMS

ROOT = Path(__file__).resolve().parent.parent
ABOVE = 500
TOP = 3


@pytest.fixture(scope="module")
def big():
    return generate("copper", firms=2000, leaders=12, seed=3).cluster


@pytest.fixture(scope="module")
def big_map(big):
    return chain_map(big, aggregate_above=ABOVE, top_per_lane=TOP)


@pytest.fixture(scope="module")
def big_structure(big):
    return structure(big, seed=0, null_models=0)


def _gid(artist) -> str:
    """An artist's id without the number that makes repeated ids unique (``x.label.3`` -> ``x.label``)."""
    return re.sub(r"\.\d+$", "", artist.get_gid() or "")


def _points(ax, gid_prefix: str) -> dict[str, np.ndarray]:
    return {c.get_gid(): np.asarray(c.get_offsets()) for c in ax.collections
            if isinstance(c, EllipseCollection) and (c.get_gid() or "").startswith(gid_prefix)}


def _lane_of_x(ax) -> dict[int, str]:
    """Lane position (x, one unit per lane in the horizontal map) -> segment id, from the lane rectangles."""
    out = {}
    for p in ax.patches:
        gid = p.get_gid() or ""
        if gid.startswith("chainmap.lane."):
            out[round(p.get_x() + p.get_width() / 2)] = gid.split(".")[-1]
    return out


def _local_by_segment(c) -> dict[str, Counter]:
    """Local firms per segment and role, counted from the firm table."""
    f = c.firms[~c.firms["external"].astype(bool)]
    out: dict[str, Counter] = {}
    for segs, role in zip(f["segments"], f["role"]):
        for s in set(segs):
            out.setdefault(s, Counter())[role] += 1
    return out


_ROLE_OF_WORDS = {"SME": "sme", "SMEs": "sme", "backbone firm": "backbone", "backbone firms": "backbone",
                  "leader": "leader", "leaders": "leader", "institution": "institution", "institutions": "institution",
                  "service": "service", "services": "service"}


def test_chain_map_aggregate_counts_add_up(big, big_map):
    """Per lane: firms drawn one by one plus the '+K more' counts of each role are exactly the
    local firms of that segment and role, and the header count is their number."""
    _fig, ax = big_map
    lanes = _lane_of_x(ax)
    expected = _local_by_segment(big)
    drawn: dict[str, Counter] = {s: Counter() for s in lanes.values()}
    colour_role = {to_hex(v): k for k, v in ROLE_COLORS.items() if k != "external"}
    for gid, xy in _points(ax, "chainmap.firms.").items():
        seg = gid.split(".")[3]
        coll = next(c for c in ax.collections if c.get_gid() == gid)
        for colour in coll.get_facecolors()[:len(xy)]:
            drawn[seg][colour_role[to_hex(colour)]] += 1
    for seg in drawn:
        if seg in expected:
            assert sum(drawn[seg].values()) == min(TOP, sum(expected[seg].values())), seg
    more: dict[str, Counter] = {s: Counter() for s in lanes.values()}
    for t in ax.texts:
        m = re.fullmatch(r"\+([\d,]+) more (.+)", t.get_text().replace("\n", " "))
        if m and _gid(t) in ("chainmap.collapsed_label", "chainmap.label"):
            more[lanes[round(t.get_position()[0])]][_ROLE_OF_WORDS[m.group(2)]] += int(m.group(1).replace(",", ""))
    checked = 0
    for seg, roles in expected.items():
        if seg not in more:
            continue
        for role, n in roles.items():
            assert drawn[seg][role] + more[seg][role] == n, (seg, role)
        checked += 1
    assert checked >= 15
    headers = {lanes[round(t.get_position()[0])]: int(t.get_text().split()[0].replace(",", ""))
               for t in ax.texts if _gid(t) == "chainmap.header_count" and t.get_text()[0].isdigit()}
    for seg, n in headers.items():
        if seg in expected:
            assert n == sum(expected[seg].values()), seg


def test_chain_map_aggregate_is_bounded_and_says_so(big, big_map):
    fig, ax = big_map
    n_lanes = len(_lane_of_x(ax))
    points = sum(len(xy) for xy in _points(ax, "chainmap.").values())
    # per lane: TOP firms, at most one bubble per role (5), and external firms one by one up to
    # the collapse threshold (25), else one counted bubble: bounded whatever the cluster's size
    assert points <= n_lanes * (TOP + 5 + 25)
    segments = sum(len(c.get_segments()) for c in ax.collections if isinstance(c, LineCollection))
    assert segments <= points * points
    assert len(ax.patches) < 400 and len(ax.texts) < 400
    sub = " ".join(t.get_text() for t in fig.texts + ax.texts)
    assert f"more than {ABOVE:,} local firms" in sub.replace("\n", " ")


@pytest.mark.parametrize(("lang", "orientation"), [("en", "horizontal"), ("zh", "horizontal"), ("en", "vertical")])
def test_chain_map_lane_headers_do_not_collide(big, big_map, lang, orientation):
    if (lang, orientation) == ("en", "horizontal"):
        fig, ax = big_map
    else:
        fig, ax = chain_map(big, aggregate_above=ABOVE, top_per_lane=TOP, lang=lang, orientation=orientation)
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts
             if _gid(t) in ("chainmap.header_label", "chainmap.header_count") and t.get_text()]
    assert len(boxes) >= 30
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)


def test_chain_map_below_threshold_is_unchanged():
    c = chainnet.load_dataset("tongling_copper")
    assert int(c.local_mask.sum()) <= AGGREGATE_MIN_FIRMS
    fig, ax = chain_map(c)
    assert not any("more" in t.get_text() for t in ax.texts)
    assert not any("Aggregate view" in t.get_text() for t in fig.texts + ax.texts)


def test_network_aggregate_community_sizes(big, big_structure):
    """Disc labels carry each community's number of firms as structure() found them; the grey disc
    holds every other firm and counts the communities left out."""
    _fig, ax = network(big, structure=big_structure, aggregate_above=ABOVE, max_communities=6, top_leaders=5)
    sizes = big_structure.firms["community"].value_counts()
    n = len(big_structure.firms)
    shown = {}
    other = None
    for t in ax.texts:
        if _gid(t) != "network.community_label":
            continue
        text = t.get_text().replace("\n", " ")
        count = int(re.search(r"([\d,]+) firms$", text).group(1).replace(",", ""))
        m = re.match(r"C(\d+)\b", text)
        if m:
            shown[int(m.group(1)) - 1] = count
        else:
            other = (text, count)
    assert shown, "no community disc"
    assert len(shown) <= 6
    for k, count in shown.items():
        assert count == sizes[k]
    # the drawn communities are the largest ones
    assert min(shown.values()) >= sizes.drop(list(shown)).max()
    assert other is not None
    assert other[1] == n - sum(shown.values())
    left_out = int((sizes >= 2).sum()) - len(shown)
    assert other[0].startswith(f"+{left_out:,} smaller communit")
    discs = _points(ax, "network.communities")["network.communities"]
    assert len(discs) == len(shown) + 1


def test_network_aggregate_leaders_and_bounds(big, big_structure):
    _fig, ax = network(big, structure=big_structure, aggregate_above=ABOVE, max_communities=6, top_leaders=5)
    # the 5 leaders with most supply partners, from an undirected networkx graph of local supply links
    local = _local_ids(big)
    sup = big.links[big.links["kind"] == "supply"]
    G = nx.Graph()
    G.add_nodes_from(local)
    G.add_edges_from((a, b) for a, b in zip(sup["source"].astype(str), sup["target"].astype(str))
                     if a in local and b in local)
    leaders = big.firms.loc[big.firms["role"] == "leader", ["firm_id", "name"]].astype(str)
    ranked = sorted(zip(leaders["firm_id"], leaders["name"]), key=lambda fn: -G.degree(fn[0]))
    degrees = sorted((G.degree(f) for f, _ in ranked), reverse=True)
    assert degrees[4] > degrees[5], "the test cluster needs a clear top 5"
    names = {t.get_text().replace("\n", " ") for t in ax.texts if _gid(t) == "network.label"}
    assert names == {name for _, name in ranked[:5]}
    dots = _points(ax, "network.firms")["network.firms"]
    assert len(dots) == 5
    segments = sum(len(c.get_segments()) for c in ax.collections if isinstance(c, LineCollection))
    assert segments <= 7 * 6 // 2
    assert len(ax.texts) < 40


def test_network_aggregate_without_structure_uses_its_communities(big, big_structure):
    a = network(big, structure=big_structure, aggregate_above=ABOVE, max_communities=6)[1]
    b = network(big, aggregate_above=ABOVE, max_communities=6)[1]
    labels = [sorted(t.get_text() for t in ax.texts if _gid(t) == "network.community_label") for ax in (a, b)]
    assert labels[0] == labels[1]


def test_bad_aggregate_options(big):
    with pytest.raises(ChainnetError, match="aggregate_above"):
        chain_map(big, aggregate_above=0)
    with pytest.raises(ChainnetError, match="top_per_lane"):
        chain_map(big, top_per_lane=-1)
    with pytest.raises(ChainnetError, match="max_communities"):
        network(big, aggregate_above=ABOVE, max_communities=0)


def test_network_same_seed_same_file_in_every_process(tmp_path):
    """The seeded layouts must not depend on Python's per-process string hash."""
    code = ("import sys, chainnet; from chainnet import viz; "
            "fig, _ = viz.network(chainnet.load_dataset('demo_copper'), seed=1); viz.save(fig, sys.argv[1])")
    out = []
    for h in ("1", "2"):
        path = tmp_path / f"n{h}.svg"
        env = {**os.environ, "PYTHONHASHSEED": h, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, env=env, timeout=120)
        out.append(path.read_bytes())
    assert out[0] == out[1]


# -- progress of the commands on large clusters ------------------------------------------------------
@pytest.fixture(scope="module")
def big_folder(big, tmp_path_factory):
    from chainnet.io import write_cluster

    out = tmp_path_factory.mktemp("big") / "cluster"
    write_cluster(big, out)
    return out


def _local_ids(c) -> set[str]:
    """Local firms as METRICS.md defines them: not external, role leader, backbone or SME."""
    f = c.firms
    return set(f.loc[~f["external"].astype(bool) & f["role"].isin(["leader", "backbone", "sme"]), "firm_id"].astype(str))


def _local_supply(c) -> tuple[int, int]:
    local = _local_ids(c)
    sup = c.links[c.links["kind"] == "supply"]
    return len(local), sum(1 for a, b in zip(sup["source"].astype(str), sup["target"].astype(str))
                           if a in local and b in local)


@pytest.mark.parametrize("args", [["plot", "--kind", "chain", "-o", "{tmp}/c.png"],
                                  ["plot", "--kind", "network", "--lang", "zh", "-o", "{tmp}/n.png"],
                                  ["leaders", "--top", "1"], ["position", "--top", "1"]])
def test_commands_report_their_steps_with_sizes(big, big_folder, tmp_path, monkeypatch, args):
    from click.testing import CliRunner

    from chainnet.cli import main

    monkeypatch.setattr("chainnet.commands._progress.PROGRESS_MIN_FIRMS", 500)
    monkeypatch.setattr("chainnet.commands._progress.PROGRESS_MIN_MB", 0.0)
    args = [a.format(tmp=tmp_path) for a in args]
    firms, links = _local_supply(big)
    r = CliRunner().invoke(main, [args[0], str(big_folder), *args[1:]])
    assert r.exit_code == 0, r.output
    lines = r.stderr.splitlines()
    assert all(re.match(r"\[ *\d+\.\ds\] ", x) for x in lines if not x.startswith("wrote "))
    if "zh" in args:
        assert f"本地企业{firms:,}家，本地供货联系{links:,}条" in r.stderr
    else:
        assert f"{firms:,} local firms and {links:,} local supply links" in r.stderr
    assert re.search(r"[(（]\d+ MB[)）]", lines[0])  # reading, with the input's size on disk
    quiet = CliRunner().invoke(main, [args[0], str(big_folder), *args[1:], "--quiet"]
                               + (["--force"] if args[0] == "plot" else []))
    assert quiet.exit_code == 0, quiet.output
    assert all(x.startswith("wrote ") for x in quiet.stderr.splitlines())


def test_small_clusters_print_no_progress(tmp_path):
    from click.testing import CliRunner

    from chainnet.cli import main

    r = CliRunner().invoke(main, ["plot", "tongling_copper", "--kind", "network", "-o", str(tmp_path / "n.png")])
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines() == [f"wrote {tmp_path / 'n.png'}"]


def test_partner_pairs_from_the_supply_graph_are_those_matched_by_id():
    """The aggregate view's partner pairs come from the supply graph when its firms are the
    structure's; by id (here forced by listing the firms in reverse) they are the same pairs."""
    from chainnet.viz._netagg import _partner_pairs

    c = generate("copper", firms=1200, seed=4).cluster
    ids = structure(c, null_models=0).firms["firm_id"].astype(str).to_numpy(dtype=object)
    lo, hi = _partner_pairs(c, ids)
    n = len(ids)
    rlo, rhi = _partner_pairs(c, ids[::-1].copy())
    back = np.sort(np.minimum(n - 1 - rlo, n - 1 - rhi) * n + np.maximum(n - 1 - rlo, n - 1 - rhi))
    assert np.array_equal(lo * n + hi, back)
    # and by hand from the link table: each undirected pair of local firms with a supply link, once
    pos = {f: i for i, f in enumerate(ids)}
    sup = c.links[c.links["kind"] == "supply"]
    want = {tuple(sorted((pos[a], pos[b]))) for a, b in zip(sup["source"], sup["target"]) if a in pos and b in pos}
    assert set(zip(lo.tolist(), hi.tolist())) == want and len(lo) == len(want)
