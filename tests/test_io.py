"""Readers and writers: every format round-trips, encodings are detected, failures write nothing."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainnet
from chainnet.model import assert_same_cluster
from tests.conftest import FIRMS, LINKS, write_cluster_folder

FORMATS = {"folder": "", "xlsx": ".xlsx", "graphml": ".graphml", "gexf": ".gexf", "json": ".json"}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_bundled_dataset_round_trips(tmp_path: Path, fmt: str) -> None:
    c = chainnet.load_dataset("demo_copper")
    out = chainnet.write_cluster(c, tmp_path / f"out{FORMATS[fmt]}", to=fmt)
    back = chainnet.read_cluster(out)
    assert_same_cluster(c, back)
    f = back.firms.set_index("firm_id")
    assert f.at["smelter_a", "segments"] == ("smelting", "cathode")  # lists stay lists
    assert f.at["smelter_a", "name_zh"] == "冶炼厂A（龙头）"  # Chinese intact
    assert f.at["rod_a", "output"] == 8.2 and isinstance(f.at["rod_a", "output"], float)
    assert bool(f.at["battery_x", "external"]) is True


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_custom_template_travels_with_the_cluster(tmp_path: Path, mini_folder: Path, fmt: str) -> None:
    c = chainnet.read_cluster(mini_folder)
    out = chainnet.write_cluster(c, tmp_path / "sub" / f"out{FORMATS[fmt]}", to=fmt)
    back = chainnet.read_cluster(out)
    assert back.template.id == "mini" and back.template.segment_ids == ["ore", "metal", "parts"]
    assert len(back.firms) == 3


def test_gb18030_csv_and_xlsx_load_to_the_same_cluster(tmp_path: Path) -> None:
    utf8 = chainnet.read_cluster(write_cluster_folder(tmp_path / "u"))
    gb = chainnet.read_cluster(write_cluster_folder(tmp_path / "g", encoding="gb18030"))
    bom = chainnet.read_cluster(write_cluster_folder(tmp_path / "b", encoding="utf-8-sig"))
    assert_same_cluster(utf8, gb)
    assert_same_cluster(utf8, bom)
    assert gb.firms.set_index("firm_id").at["a", "name_zh"] == "阿尔法矿业"
    # an .xlsx workbook typed by hand (not written by chainnet) with the same tables
    wb = tmp_path / "g" / "hand.xlsx"
    meta = pd.DataFrame({"key": ["schema", "id", "name", "name_zh", "year", "template"],
                         "value": ["chainnet/1", "mini_cluster", "Mini cluster", "迷你集群", 2020, "mini.toml"]})
    firms = pd.DataFrame({"firm_id": ["a", "b", "c"], "name": ["Alpha Mining", "Beta Metals", "Gamma Parts"],
                          "name_zh": ["阿尔法矿业", "贝塔金属", "伽马零件"], "role": ["sme", "leader", "sme"],
                          "segments": ["ore", "metal;parts", "parts"], "external": [False, "no", "是"],
                          "output": [1.5, 20, 0.25]})
    links = pd.DataFrame({"source": ["a", "b", "a"], "target": ["b", "c", "c"],
                          "kind": ["supply", "supply", "cooperation"], "weight": [2.5, 1, 1], "year": [2018, 2019, None]})
    sources = pd.DataFrame({"key": ["test"], "cite": ["Made up for the tests"]})
    with pd.ExcelWriter(wb) as xw:
        meta.to_excel(xw, sheet_name="meta", index=False)
        sources.to_excel(xw, sheet_name="sources", index=False)
        firms.to_excel(xw, sheet_name="firms", index=False)
        links.to_excel(xw, sheet_name="links", index=False)
    assert_same_cluster(utf8, chainnet.read_cluster(wb))


def test_short_gbk_file_is_read_as_chinese(tmp_path: Path) -> None:
    firms = "firm_id,name,role,segments\nf1,铜陵有色,leader,ore\n"
    folder = write_cluster_folder(tmp_path / "x", firms=firms, links=None, encoding="gbk")
    with pytest.warns(chainnet.DataWarning, match="links unknown"):  # no links.csv (SCHEMA default)
        c = chainnet.read_cluster(folder)
    assert c.firms["name"].iloc[0] == "铜陵有色"


def test_writer_refuses_to_overwrite_and_leaves_nothing_on_failure(tmp_path: Path, monkeypatch) -> None:
    c = chainnet.load_dataset("demo_copper")
    out = tmp_path / "out"
    chainnet.write_cluster(c, out)
    with pytest.raises(chainnet.ChainnetError, match="already exists"):
        chainnet.write_cluster(c, out)

    import chainnet.io as cio

    def broken(cluster, path):
        Path(path).mkdir()
        (Path(path) / "firms.csv").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(cio, "_write_folder", broken)
    with pytest.raises(OSError):
        chainnet.write_cluster(c, tmp_path / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no half output, no temp folder left


def test_graph_and_tables_convert_both_ways() -> None:
    c = chainnet.load_dataset("demo_copper")
    G = c.graph(kinds="all", external=True)
    assert isinstance(G, nx.MultiDiGraph)
    assert G.number_of_nodes() == 13 and G.number_of_edges() == 14
    assert_same_cluster(c, chainnet.Cluster.from_graph(G))
    local = c.graph()
    assert isinstance(local, nx.DiGraph)
    assert "battery_x" not in local  # external firms only on request
    assert local.number_of_edges() == 10  # 11 supply links, one of them to the external battery maker
    assert local.nodes["smelter_a"]["segments"] == ["smelting", "cathode"]


# -- property: random clusters survive every writer and reader -----------------------------------
_ids = st.text(alphabet="abcdefgh0123_", min_size=1, max_size=6)
_names = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs"), exclude_characters=";,\"\n\r"),
                 min_size=1, max_size=12).map(str.strip).filter(bool)
_segs = ["ore", "metal", "parts"]


@st.composite
def clusters(draw):
    ids = draw(st.lists(_ids, min_size=1, max_size=8, unique=True))
    n = len(ids)
    firms = pd.DataFrame({
        "firm_id": ids,
        "name": draw(st.lists(_names, min_size=n, max_size=n)),
        "role": draw(st.lists(st.sampled_from(["leader", "backbone", "sme"]), min_size=n, max_size=n)),
        "segments": [";".join(s) for s in draw(st.lists(st.lists(st.sampled_from(_segs), min_size=1, max_size=3,
                                                                  unique=True), min_size=n, max_size=n))],
        "external": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        "output": draw(st.lists(st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False, allow_subnormal=False)),
                                min_size=n, max_size=n)),
        "note": draw(st.lists(_names, min_size=n, max_size=n)),
    })
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids),
                                    st.sampled_from(["supply", "rd", "cooperation"])), max_size=12, unique=True))
    pairs = [p for p in pairs if not (p[0] == p[1] and p[2] == "supply")]
    links = pd.DataFrame(pairs, columns=["source", "target", "kind"])
    links["weight"] = draw(st.lists(st.floats(1e-6, 1e6, allow_nan=False, allow_subnormal=False),
                                    min_size=len(links), max_size=len(links)))
    links["year"] = draw(st.lists(st.one_of(st.none(), st.integers(1950, 2030)), min_size=len(links), max_size=len(links)))
    return chainnet.Cluster.from_frames(firms, links, meta={"id": "rand", "name": "随机 cluster", "template": "mini.toml",
                                                            "year": 2021}, templates=[_mini()])


def _mini() -> chainnet.Template:
    from tests.conftest import MINI_TEMPLATE

    return chainnet.Template.from_toml(MINI_TEMPLATE)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(c=clusters())
def test_random_clusters_round_trip_through_every_format(tmp_path_factory, c) -> None:
    tmp = tmp_path_factory.mktemp("rt")
    for fmt, suffix in FORMATS.items():
        out = chainnet.write_cluster(c, tmp / f"c_{fmt}{suffix}", to=fmt)
        back = chainnet.read_cluster(out)
        assert_same_cluster(c, back)


def test_firms_and_links_tables_are_not_mutated_by_reading() -> None:
    firms = pd.read_csv(pd.io.common.StringIO(FIRMS), dtype=str)
    links = pd.read_csv(pd.io.common.StringIO(LINKS), dtype=str)
    f0, l0 = firms.copy(), links.copy()
    chainnet.Cluster.from_frames(firms, links, meta={"id": "m", "name": "M", "template": "mini"},
                                 templates=[_mini()])
    pd.testing.assert_frame_equal(firms, f0)
    pd.testing.assert_frame_equal(links, l0)
