"""The hand-labelled firm set in tests/data/import_labelled/ is well formed.

The set is the yardstick that ``chainnet import``'s segment placement is measured against
(precision and recall, see benchmarks/). These tests check the yardstick itself, not the
importer: segment ids belong to the template, industry codes are real GB/T 4754-2017 classes
with their official titles, institution and service rows carry no segment, and the mix of
row patterns is the one documented in the folder's README.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from chainnet.template import load_template

DATA = Path(__file__).resolve().parent / "data" / "import_labelled"
TEMPLATES = ["copper", "li_battery", "rare_earth_magnet", "aluminium"]
COLUMNS = ["name", "industry_code", "industry", "products", "scope", "expected_segments",
           "expected_role_hint", "why"]

# GB/T 4754-2017 classes used in the set, with their official titles (typed from the standard).
GBT4754 = {
    "0911": "铜矿采选", "0916": "铝矿采选", "0932": "稀土金属矿采选", "0939": "其他稀有金属矿采选",
    "1092": "石墨、滑石采选", "2612": "无机碱制造", "2613": "无机盐制造",
    "2651": "初级形态塑料及合成树脂制造", "2669": "其他专用化学产品制造", "2921": "塑料薄膜制造",
    "2927": "日用塑料制品制造", "3011": "水泥制造", "3091": "石墨及碳素制品制造", "3120": "炼钢",
    "3140": "铁合金冶炼", "3211": "铜冶炼", "3213": "镍钴冶炼", "3216": "铝冶炼", "3232": "稀土金属冶炼",
    "3240": "有色金属合金制造", "3251": "铜压延加工", "3252": "铝压延加工", "3311": "金属结构制造",
    "3312": "金属门窗制造", "3333": "金属包装容器及材料制造", "3360": "金属表面处理及热处理加工",
    "3381": "金属制厨房用器具制造", "3392": "有色金属铸造", "3393": "锻件及粉末冶金制品制造",
    "3415": "风能原动设备制造", "3464": "制冷、空调设备制造", "3491": "工业机器人制造",
    "3612": "新能源车整车制造", "3660": "汽车车身、挂车制造", "3670": "汽车零部件及配件制造",
    "3741": "飞机制造", "3744": "航空相关设备制造", "3811": "发电机及发电机组制造", "3812": "电动机制造",
    "3813": "微特电机及组件制造", "3821": "变压器、整流器和电感器制造", "3831": "电线、电缆制造",
    "3841": "锂离子电池制造", "3851": "家用制冷电器具制造", "3852": "家用空气调节器制造",
    "3912": "计算机零部件制造", "3922": "通信终端设备制造", "3961": "可穿戴智能设备制造",
    "3973": "集成电路制造", "3975": "半导体照明器件制造", "3982": "电子电路制造",
    "3984": "电声器件及零件制造", "3985": "电子专用材料制造", "3989": "其他电子元件制造",
    "4210": "金属废料和碎屑加工处理", "5013": "建筑幕墙装饰和装修", "5164": "金属及金属矿批发",
    "5169": "其他化工产品批发", "5431": "普通货物道路运输", "6210": "正餐服务", "6621": "商业银行服务",
    "6631": "融资租赁服务", "7010": "房地产开发经营", "7020": "物业管理", "7224": "供应链管理服务",
    "7243": "社会经济咨询", "7320": "工程和技术研究和试验发展", "7452": "检测服务", "8341": "普通高等教育",
}
NAME_ENDINGS = ("有限公司", "有限责任公司", "厂", "商行", "经营部", "大学", "学院", "研究院", "研究所")


def read(tid: str) -> list[dict[str, str]]:
    raw = (DATA / f"{tid}.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "plain UTF-8 without BOM"
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert rows[0] == COLUMNS
    assert all(len(r) == len(COLUMNS) for r in rows), "every row has all eight fields"
    return [dict(zip(COLUMNS, r)) for r in rows[1:]]


def pattern(row: dict[str, str]) -> str:
    if row["expected_role_hint"]:
        return "institution_or_service"
    if not row["expected_segments"]:
        return "no_segment"
    code, text = bool(row["industry_code"]), bool(row["products"] or row["scope"])
    return {(True, True): "code_and_text", (True, False): "code_only", (False, True): "text_only"}[(code, text)]


@pytest.mark.parametrize("tid", TEMPLATES)
def test_rows_are_well_formed(tid: str) -> None:
    segments = set(load_template(tid).segments["id"])
    rows = read(tid)
    assert len(rows) >= 55
    seen: Counter[str] = Counter()
    for line, row in enumerate(rows, start=2):
        where = f"{tid}.csv row {line}"
        expected = [s for s in row["expected_segments"].split(";") if s]
        assert set(expected) <= segments, f"{where}: unknown segment"
        assert len(expected) == len(set(expected)), f"{where}: repeated segment"
        seen.update(expected)
        assert row["expected_role_hint"] in {"", "institution", "service"}, where
        if row["expected_role_hint"]:
            assert not expected, f"{where}: institutions and services carry no segment in this set"
        code = row["industry_code"]
        assert (code == "") == (row["industry"] == ""), f"{where}: code and title go together"
        if code:
            assert re.fullmatch(r"\d{4}", code) and GBT4754.get(code) == row["industry"], where
        if row["scope"]:
            assert "一般项目：" in row["scope"] or "许可项目：" in row["scope"], f"{where}: licence style"
        assert row["why"].strip(), where
        assert row["name"].endswith(NAME_ENDINGS), where
    assert set(seen) == segments, f"every segment of {tid} is labelled at least once"


def test_names_are_unique_across_the_set() -> None:
    names = Counter(r["name"] for tid in TEMPLATES for r in read(tid))
    assert [n for n, c in names.items() if c > 1] == []


def test_mix_of_row_patterns_matches_the_readme() -> None:
    rows = [r for tid in TEMPLATES for r in read(tid)]
    mix = Counter(pattern(r) for r in rows)
    share = {k: v / len(rows) for k, v in mix.items()}
    assert len(rows) >= 240
    assert share["code_and_text"] >= 0.35 and share["code_only"] >= 0.15 and share["text_only"] >= 0.15
    assert share["no_segment"] >= 0.08 and share["institution_or_service"] >= 0.04
    assert sum(";" in r["expected_segments"] for r in rows) >= 15, "vertically integrated firms"
