"""Bundled datasets: they validate, carry their sources, keep reported and modeled apart, rebuild identically."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import chainnet
from chainnet.analysis.completeness import audit
from chainnet.datasets import data_dir

ROOT = Path(__file__).resolve().parent.parent
BUILT = ["tongling_copper", "yantai_structural", "shenzhen_battery", "ningbo_materials", "zhanjiang_materials",
         "baotou_rare_earth", "suzhou_nano", "jilin_carbon_fibre"]

# firms named in the sources (shared/DOMAIN.md), with the role and the segments the sources state
NAMED = {
    "tongling_copper": {
        "tongling_nonferrous": ("leader", {"smelting", "cathode"}, "铜陵有色"),
        "tongguan_copper_foil": (None, {"foil"}, "铜冠铜箔"),
        "jingda": ("leader", {"enamelled_wire"}, "精达"),
        "jingda_liya": (None, {"enamelled_wire"}, None),
        "hailiang_anhui": ("leader", {"strip"}, "海亮"),
        "quanwei_copper": (None, {"cathode", "rod", "enamelled_wire"}, "全威"),
        "jinwei_copper": (None, {"strip"}, "金威"),
        "huayou_cobalt": (None, set(), "华友"),
        "jinbao_electronics": (None, set(), "金宝"),
    },
    "yantai_structural": {"wanhua_chemical": ("leader", set(), "万华"), "nanshan_aluminium": ("leader", set(), "南山")},
    "shenzhen_battery": {"findreams": ("leader", {"cell"}, "弗迪"), "sunwoda": ("leader", set(), "欣旺达"),
                         "btr": ("leader", {"anode"}, "贝特瑞"), "dynanonic": ("leader", {"cathode"}, "德方"),
                         "byd": (None, {"ev"}, "比亚迪")},
    "zhanjiang_materials": {"baowu_zhanjiang": ("leader", {"steelmaking"}, "宝武"),
                            "basf_guangdong": ("leader", set(), "巴斯夫")},
}
REPORTED_LINKS = {
    "tongling_copper": {("tongling_nonferrous", "tongguan_copper_foil", "ownership"),
                        ("tongling_nonferrous", "jinwei_copper", "ownership"), ("jingda", "jingda_liya", "ownership")},
    "shenzhen_battery": {("byd", "findreams", "ownership")},
}


@pytest.fixture(scope="module", params=BUILT)
def dataset(request: pytest.FixtureRequest) -> chainnet.Cluster:
    return chainnet.load_dataset(request.param)


def test_every_dataset_is_bundled() -> None:
    assert set(BUILT) | {"demo_copper"} == set(chainnet.available_datasets())


def test_dataset_validates_and_carries_sources(dataset: chainnet.Cluster) -> None:
    meta = dataset.meta
    keys = {s["key"] for s in meta["sources"]}
    assert all(s.get("cite") for s in meta["sources"]) and "modeled" in keys
    assert meta["year"] and meta["region"] and meta["name_zh"]
    f, links = dataset.firms, dataset.links
    reported = f["evidence"] == "reported"
    assert f.loc[reported, "source"].isin(keys).all(), "every reported firm names a declared source"
    assert f.loc[~reported, "source"].isna().all()
    assert links.loc[links["evidence"] == "reported", "source_key"].isin(keys).all()
    assert links.loc[links["evidence"] == "modeled", "source_key"].isna().all()
    for name, fact in meta["facts"].items():
        assert fact["source"] in keys - {"modeled"}, name
        assert "value" in fact


def test_modeled_firms_have_generic_names(dataset: chainnet.Cluster) -> None:
    f = dataset.firms[dataset.firms["evidence"] == "modeled"]
    assert len(f) > 0
    assert f["name"].str.contains("modeled").all()
    assert f["name_zh"].str.contains("模拟").all()


def test_named_firms_appear_with_their_stated_role_and_products(dataset: chainnet.Cluster) -> None:
    f = dataset.firms.set_index("firm_id")
    named = NAMED.get(dataset.id, {})
    assert set(f.index[f["evidence"] == "reported"]) == set(named)
    for fid, (role, segments, zh) in named.items():
        row = f.loc[fid]
        assert row["evidence"] == "reported" and isinstance(row["source"], str)
        assert role is None or row["role"] == role, fid
        assert segments <= set(row["segments"]), fid
        assert zh is None or zh in row["name_zh"], fid
        assert "modeled" not in row["name"]
        assert isinstance(row["note"], str) and row["source"] in row["note"]  # the note says what is stated where
    links = dataset.links
    rep = links[links["evidence"] == "reported"]
    assert set(zip(rep["source"], rep["target"], rep["kind"])) == REPORTED_LINKS.get(dataset.id, set())
    # every supply tie between two reported firms is marked modeled: no source states one
    both = links["source"].isin(named) & links["target"].isin(named) & (links["kind"] == "supply")
    assert (links.loc[both, "evidence"] == "modeled").all()


def test_tongling_timeline_matches_the_reported_counts() -> None:
    c = chainnet.load_dataset("tongling_copper")
    f = c.firms[c.local_mask]
    above = f["above_scale"] == "true"
    founded = f["founded"]
    facts = c.meta["facts"]
    for year, key in ((2011, "above_scale_firms_2011"), (2012, "above_scale_firms_2012"),
                      (2020, "above_scale_firms_2020"), (2021, "above_scale_firms_2021")):
        active = founded.isna() | (founded <= year)
        assert int((above & active).sum()) == facts[key]["value"], year
    assert facts["above_scale_firms_2020"]["value"] == 63 and facts["above_scale_firms_2021"]["source"] == "anhui_daily2021"
    assert (f.loc[~above, "role"] == "sme").all() and (~above).sum() >= 100  # plus SMEs
    assert (f.loc[above & (f["evidence"] == "modeled"), "output"] >= 0.2).all()  # 规上: revenue >= 20 million CNY
    # links never start before both ends exist
    yr = dict(zip(c.firms["firm_id"], c.firms["founded"]))
    L = c.links.dropna(subset=["year"])
    start = pd.concat([L["source"].map(yr), L["target"].map(yr)], axis=1).max(axis=1)
    assert (L["year"] >= start).all() and (L["year"] <= 2021).all()


@pytest.mark.parametrize(("name", "checks"), [
    ("yantai_structural", lambda c: (c.meta["templates"] == ["aluminium", "polyurethane"]
                                     and (c.firms["role"] == "backbone").sum() >= 200
                                     and c.meta["facts"]["output_2020"]["value"] == 1500)),
    ("shenzhen_battery", lambda c: (c.local_mask.sum() >= 1200
                                    and c.firms.loc[c.firms["segments"].map(lambda s: "ev" in s), "external"].all()
                                    and c.meta["facts"]["national_share_2025"]["value"] == 0.7)),
    ("ningbo_materials", lambda c: (c.meta["templates"] == ["rare_earth_magnet", "petrochemical"]
                                    and c.meta["facts"]["national_share_rare_earth_magnets"]["value"] == 0.4)),
    ("zhanjiang_materials", lambda c: c.meta["templates"] == ["steel", "petrochemical"]),
    ("baotou_rare_earth", lambda c: c.template.id == "rare_earth_magnet"),
    ("suzhou_nano", lambda c: c.template.id == "nano_materials" and c.meta["facts"]["output"]["value"] == 1000),
    ("jilin_carbon_fibre", lambda c: (c.template.id == "carbon_fibre" and not c.links_known and len(c.links) == 0
                                      and c.meta["links"] == "unknown")),
])
def test_dataset_specifics(name: str, checks: Callable[[chainnet.Cluster], bool]) -> None:
    assert checks(chainnet.load_dataset(name))


def test_audit_finds_the_modeled_gaps(dataset: chainnet.Cluster) -> None:
    gaps = audit(dataset).gaps
    gen = dataset.meta["generator"]
    found = {s if isinstance(s, str) else f"{a}->{b}" for s, a, b in zip(gaps["segment"], gaps["from"], gaps["to"])}
    assert found == set(gen["missing"]) | set(gen["weak"]) | set(gen["broken"])


def test_tables_from_the_paper() -> None:
    t1 = pd.read_csv(data_dir() / "tables" / "provinces_table1.csv")
    assert list(t1["province"]) == ["Guangdong", "Zhejiang", "Jiangsu", "Jiangxi", "Hunan", "Yunnan", "Shanxi"]
    assert list(t1["province_zh"]) == ["广东", "浙江", "江苏", "江西", "湖南", "云南", "山西"]
    assert t1.notna().all().all() and t1["source"].str.startswith("zeng2022").all()
    assert t1.loc[t1["province"] == "Zhejiang", "focus_materials"].item().startswith("magnetic materials")
    nb = pd.read_csv(data_dir() / "tables" / "national_bases.csv")
    assert dict(zip(nb["base_type_zh"], nb["count"])) == {"高技术产业基地": 7, "新型工业化产业示范基地": 58,
                                                         "高新技术产业化基地": 94, "国家火炬计划特色产业基地": 119}
    assert nb["count"].sum() == 278


def test_readme_documents_every_dataset() -> None:
    text = (ROOT / "datasets" / "README.md").read_text(encoding="utf-8")
    for name in [*BUILT, "demo_copper", "provinces_table1.csv", "national_bases.csv", "python datasets/build.py"]:
        assert name in text, name


def test_build_is_deterministic(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_datasets", ROOT / "datasets" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    build.build(tmp_path)
    for sub in [*BUILT, "tables"]:
        files = sorted(p.name for p in (tmp_path / sub).iterdir())
        assert files == sorted(p.name for p in (ROOT / "datasets" / sub).iterdir()), sub
        for name in files:
            assert (tmp_path / sub / name).read_bytes() == (ROOT / "datasets" / sub / name).read_bytes(), (sub, name)
