"""The report at any size: results.json cut to top-N lists, the full tables as Parquet, capped
Markdown/HTML tables and a capped interactive map (issue 15, report side).

Clusters are generated larger than the small ``top`` used here, so every cap is exercised in seconds.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chainnet
from chainnet.analysis.structure import structure
from chainnet.generate import generate
from chainnet.report import Document, Paragraph, Table, analyze, compute, render_html, render_markdown
from chainnet.report.full_tables import firm_table, link_table, write_parquet
from chainnet.viz.interactive import central_firms, embed_in_report

TOP = 7


@pytest.fixture(scope="module")
def big() -> chainnet.Cluster:
    return generate("copper", firms=300, seed=5).cluster


@pytest.fixture(scope="module")
def report(big: chainnet.Cluster, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scale") / "report"
    analyze(big, out, formats=("md", "html"), null_models=0, dpi=30, top=TOP, candidates=[])
    return out


def _lists(x: object, path: str = "") -> list[tuple[str, int]]:
    """Every list inside a JSON value, with its path and length."""
    if isinstance(x, dict):
        return [p for k, v in x.items() for p in _lists(v, f"{path}.{k}" if path else k)]
    if isinstance(x, list):
        return [(path, len(x))] + [p for v in x for p in _lists(v, path + "[]")]
    return []


def test_results_json_does_not_grow_with_the_cluster(big: chainnet.Cluster) -> None:
    small = generate("copper", firms=150, seed=5).cluster
    sizes = {}
    for name, c in (("small", small), ("big", big)):
        an = compute(c, null_models=0, candidates=[])
        sizes[name] = len(json.dumps(an.to_dict(top=TOP), ensure_ascii=False, default=str))
    # twice the firms (150 -> 300): the per-firm lists are cut to TOP rows either way, so what is
    # left are summaries over the template's segments, which the two clusters share
    assert sizes["big"] < 1.15 * sizes["small"]
    assert sizes["big"] < 5_000_000


def test_every_per_firm_list_is_cut_and_the_cut_is_stated(report: Path, big: chainnet.Cluster) -> None:
    res = json.loads((report / "results.json").read_text("utf-8"))
    ld = chainnet.leaders(big, seed=0)
    n_local = int(big.local_mask.sum())
    tables = res["tables"]
    assert tables["firms"] == "firms.parquet" and tables["links"] == "links.parquet" and tables["top"] == TOP
    assert tables["rows"] == {"firms": len(big.firms), "links": len(big.links)}
    assert tables["capped"]["leaders.firms"] == {"rows": n_local, "shown": TOP, "order": "pagerank, highest first"}
    assert res["leaders"]["n_firms"] == n_local == len(ld.firms)
    # the firms kept are the TOP highest PageRanks of the library's own table, highest first
    want = ld.firms.sort_values("pagerank", ascending=False, kind="stable")["firm_id"].head(TOP).tolist()
    assert [f["firm_id"] for f in res["leaders"]["firms"]] == want
    # the sum of out-degrees is the number of local supply links, counted here from the link table
    local = set(big.firms.loc[big.local_mask, "firm_id"])
    sup = big.links[big.links["kind"] == "supply"]
    n_local_links = len(sup[sup["source"].isin(local) & sup["target"].isin(local)
                            & (sup["source"] != sup["target"])].drop_duplicates(["source", "target"]))
    assert res["leaders"]["n_links"] == n_local_links
    pos = chainnet.position(big)
    assert len(res["position"]["firms"]) == TOP and tables["capped"]["position.firms"]["rows"] == len(pos.firms)
    # no list beyond TOP rows except the template-bounded ones (segments, flows, gaps, curves ...)
    n_seg = len(big.template.order)
    for path, n in _lists(res):
        if n > TOP:
            assert path.startswith(("audit.", "profile.", "resilience.curves", "resilience.auc", "timeline",
                                    "structure.significance", "structure.typology", "leaders.leaders",
                                    "position.segments")), path
            assert n <= 20 * n_seg + 13 * 21, path


def test_small_lists_are_kept_whole(tmp_path: Path) -> None:
    c = chainnet.load_dataset("demo_copper")
    res = compute(c, null_models=0, candidates=[]).to_dict(top=100)
    assert res["tables"]["capped"] == {}
    assert [f["firm_id"] for f in res["leaders"]["firms"]] == chainnet.leaders(c).firms["firm_id"].tolist()


def test_parquet_tables_equal_the_library_tables(report: Path, big: chainnet.Cluster) -> None:
    firms = pd.read_parquet(report / "firms.parquet")
    links = pd.read_parquet(report / "links.parquet")
    assert len(firms) == len(big.firms) and firms["firm_id"].tolist() == big.firms["firm_id"].tolist()
    assert len(links) == len(big.links)
    assert links["source"].tolist() == big.links["source"].tolist()
    assert links["target"].tolist() == big.links["target"].tolist()
    ld = chainnet.leaders(big, seed=0)
    got = firms.set_index("firm_id").loc[ld.firms["firm_id"]]
    np.testing.assert_allclose(got["pagerank"].to_numpy(float), ld.firms["pagerank"].to_numpy(float), rtol=0, atol=0)
    assert (got["kcore"].to_numpy(int) == ld.firms["kcore"].to_numpy(int)).all()
    # external firms and institutions are not local firms: no PageRank
    assert firms.loc[~firms["local"], "pagerank"].isna().all()
    assert int(firms["local"].sum()) == len(ld.firms)
    pos = chainnet.position(big)
    got = firms.set_index("firm_id").loc[pos.firms["firm_id"]]
    np.testing.assert_allclose(got["upstreamness"].to_numpy(float), pos.firms["upstreamness"].to_numpy(float))
    st = structure(big, seed=0, null_models=0)
    got = firms.set_index("firm_id").loc[st.firms["firm_id"]]
    assert (got["community"].to_numpy(int) == st.firms["community"].to_numpy(int)).all()
    assert int(links["against_chain"].sum()) == len(pos.against)
    segs = dict(zip(big.firms["firm_id"], big.firms["segments"]))
    assert all(s == ";".join(segs[f]) for f, s in zip(firms["firm_id"], firms["segments"]))


def test_parquet_is_written_deterministically(tmp_path: Path) -> None:
    c = chainnet.load_dataset("demo_copper")
    for k in (1, 2):
        write_parquet(firm_table(c, leaders=chainnet.leaders(c)), tmp_path / f"f{k}.parquet")
        write_parquet(link_table(c), tmp_path / f"l{k}.parquet")
    assert (tmp_path / "f1.parquet").read_bytes() == (tmp_path / "f2.parquet").read_bytes()
    assert (tmp_path / "l1.parquet").read_bytes() == (tmp_path / "l2.parquet").read_bytes()


@pytest.mark.parametrize(("lang", "line"), [
    ("en", "… and 10 more rows; the full table is in firms.parquet."),
    ("zh", "……另有 10 行；完整表格见 firms.parquet。"),
])
def test_a_long_table_is_cut_with_a_line_saying_where_the_rest_is(lang: str, line: str, tmp_path: Path) -> None:
    d = Document(lang)
    d.table(pd.DataFrame({"x": range(60)}), limit=50, where="firms.parquet", fmt=lambda v: f"<{v}>")
    table, note = d.blocks
    assert isinstance(table, Table) and table.df["x"].tolist() == [f"<{i}>" for i in range(50)]
    assert isinstance(note, Paragraph) and note.text == line
    assert line in render_markdown(d) and html.escape(line) in render_html(d, tmp_path)
    d = Document(lang)
    d.table(pd.DataFrame({"x": range(50)}), limit=50)
    assert len(d.blocks) == 1  # nothing left out, no line


def test_report_tables_stay_short(report: Path) -> None:
    md = (report / "report.md").read_text("utf-8")
    rows = 0
    for line in md.splitlines():
        rows = rows + 1 if line.startswith("|") else 0
        assert rows <= 62  # header, rule and at most 60 rows
    assert "the full table is in" in md or "more row" not in md


def test_central_firms_take_each_segment_in_turn() -> None:
    c = chainnet.load_dataset("demo_copper")
    # PageRank order (leaders(demo)): pcb_a, ccl_a, cable_a, smelter_a, strip_a, foil_a, rod_a, rod_b, foil_b,
    # refiner_b = mine_a. Firsts of their segments: every firm but refiner_b (2nd in cathode) and foil_b (2nd in
    # foil); rod_b is first in wire. So the first round is the nine firsts by PageRank, then refiner_b, foil_b.
    got = central_firms(c, top=11)
    assert got == ["pcb_a", "ccl_a", "cable_a", "smelter_a", "strip_a", "foil_a", "rod_a", "rod_b", "mine_a",
                   "foil_b", "refiner_b"]
    assert central_firms(c, top=4, leaders=chainnet.leaders(c)) == got[:4]


def _map_data(page: str) -> dict:
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    m = re.search(r'<script id="cn-data" type="application/json">(.*?)</script>', inner, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_embedded_map_of_a_large_cluster_is_capped_with_a_note(lang: str) -> None:
    c = chainnet.load_dataset("demo_copper")
    page = '<html><body><figure id="fig-chain"><img src="x"></figure></body></html>'
    out = embed_in_report(page, c, lang=lang, all_max=10, top=5)
    data = _map_data(out)
    assert sorted(data["firms"]["id"]) == sorted(central_firms(c, top=5))
    note = re.search(r'<p class="map-note">(.*?)</p>', out).group(1)
    assert ("shows 5 of the 13 firms" if lang == "en" else "13 家企业中的 5 家") in html.unescape(note)
    assert "<code>chainnet plot PATH -o map.html</code>" in note  # the command, as code
    whole = embed_in_report(page, c, lang=lang, all_max=13)
    assert "map-note" not in whole and len(_map_data(whole)["firms"]["id"]) == 13


def test_progress_names_each_file_with_its_size_in_the_report_language(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from chainnet.cli import main

    c = chainnet.load_dataset("demo_copper")
    r = CliRunner().invoke(main, ["analyze", "demo_copper", "-o", str(tmp_path / "r"), "--lang", "zh", "--format",
                                  "md", "--null-models", "0", "--dpi", "30", "--candidates", "demo_copper"])
    assert r.exit_code == 0, r.output
    assert f"写出 firms.parquet（{len(c.firms):,} 行）" in r.stderr
    assert f"写出 links.parquet（{len(c.links):,} 行）" in r.stderr
    assert "写出 results.json" in r.stderr and "写出 report.md" in r.stderr
    assert "report.html" not in r.stderr  # not asked for: neither written nor announced


def test_a_bad_top_is_refused_before_any_work(tmp_path: Path) -> None:
    c = chainnet.load_dataset("demo_copper")
    for bad in (0, -1, 2.5, True):
        with pytest.raises(chainnet.ChainnetError, match="top="):
            analyze(c, tmp_path / "r", top=bad)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_links_unknown_firm_table_has_no_columns_read_from_ties() -> None:
    c = chainnet.load_dataset("jilin_carbon_fibre")
    assert not c.links_known
    an = compute(c, null_models=0, candidates=[])
    t = firm_table(c, leaders=an.leaders, structure=an.structure, position=an.position, resilience=an.resilience)
    assert len(t) == len(c.firms) and t["firm_id"].tolist() == c.firms["firm_id"].tolist()
    assert not {"community", "bowtie", "upstreamness", "single_point"} & set(t.columns)
    assert "against_chain" not in link_table(c, position=an.position).columns
