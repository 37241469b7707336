"""Write the example registry export of a fictional copper cluster (青禾市), with its answer file.

How to run, from the repository root (needs only openpyxl)::

    python datasets/registry_examples/make_example.py            # rewrites the files beside this script
    python datasets/registry_examples/make_example.py --out DIR  # writes into DIR instead

It writes ``copper_registry_export.csv`` (GBK, CRLF, as Chinese Excel saves "CSV (逗号分隔)"),
``copper_registry_export.xlsx`` (the same table on the first sheet; text columns as text cells,
amounts as numbers) and ``copper_registry_answers.csv`` (UTF-8: the expected segments, role hint
and external flag of every row, and the deliberate flaws). Rerunning gives byte-identical files.

Every firm is fictional (evidence = modeled). The unified social credit codes (统一社会信用代码)
follow GB 32100-2015 and are computed here; their administrative-division part uses codes that
belong to no real county (3499xx, 3599xx, 3699xx, 3799xx), so no code can be a real firm's.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

HEADER = ["企业名称", "统一社会信用代码", "行业代码", "所属行业", "经营范围", "主营产品", "营业收入(万元)",
          "参保人数", "注册资本(万元)", "成立日期", "注册地址", "所属区县"]
ANSWER_HEADER = ["row", "企业名称", "统一社会信用代码", "expected_segments", "expected_role_hint",
                 "expected_external", "suggested_leader", "flaw", "why"]

# GB 32100-2015: the 31 characters allowed (no I, O, S, V, Z) and the weights of positions 1-17.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

# Fictional administrative divisions (no real county has these codes).
DIVISION = {"东区": "349902", "西区": "349903", "高新区": "349971",
            "云岭市": "359902", "安澜市": "369902", "鹤川市": "379902"}
CITY_DISTRICT = {"云岭市": "北城区", "安澜市": "江南区", "鹤川市": "河西区"}

GENERAL_TAIL = "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"


def check_character(first17: str) -> str:
    """GB 32100-2015 check character of the first 17 characters of a credit code.

    >>> check_character("91349902MA0000000")
    '6'
    """
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def org_check(body8: str) -> str:
    """GB 11714 check character of an 8-character organization code body."""
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, weights))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def credit_code(rng: random.Random, *, authority: str, division: str, founded: str) -> str:
    """A well-formed 18-character code: authority + category, division, organization code, check."""
    if authority == "12" or founded < "2015":
        body = "".join(rng.choice("0123456789") for _ in range(8))     # legacy numeric organization code
    else:
        body = "MA" + "".join(rng.choice(CHARSET) for _ in range(6))   # codes issued since 2015
    first17 = authority + division + body + org_check(body)
    return first17 + check_character(first17)


# One row per firm, in export order. Columns: name, where (district of 青禾市 or another city),
# industry code, scope (licence items), products, revenue 万元 (None = blank), insured employees,
# registered capital 万元, founding date, street, expected segments, role hint, why.
# Authority "12" = 事业单位 (public institution); every other row is an enterprise ("91").
FIRMS: list[dict] = [
    {"name": "青禾有色金属集团有限公司", "where": "西区", "code": "3211",
         "scope": "一般项目：常用有色金属冶炼；有色金属压延加工；金属矿石销售；货物进出口。许可项目：危险化学品生产。",
         "products": "阴极铜；阳极铜；工业硫酸", "revenue": 4850000, "staff": 9800, "capital": 120000, "founded": "1996-03-18",
         "street": "冶炼路1号", "seg": "smelting;cathode", "leader": True,
         "why": "3211 smelting and refining; 阳极铜 and 阴极铜"},
    {"name": "青禾澄源铜箔有限公司", "where": "高新区", "code": "3985",
         "scope": "一般项目：电子专用材料制造；电子专用材料研发；电子专用材料销售；货物进出口。",
         "products": "锂电铜箔；电子电路铜箔", "revenue": 320000, "staff": 1200, "capital": 50000, "founded": "2010-06-08",
         "street": "科创大道18号", "seg": "foil", "why": "copper foil (3985 is shared; products decide)"},
    {"name": "青禾松溪漆包线有限公司", "where": "东区", "code": "3831",
         "scope": "一般项目：电线、电缆经营；电工器材制造；有色金属压延加工。许可项目：电线、电缆制造。",
         "products": "漆包圆铜线；漆包扁铜线", "revenue": 210000, "staff": 860, "capital": 30000, "founded": "2003-09-22",
         "street": "工业路66号", "seg": "enamelled_wire", "leader": True,
         "why": "magnet wire registered under 3831; not cable"},
    {"name": "青禾泽原铜业有限公司", "where": "西区", "code": "3251",
         "scope": "一般项目：有色金属压延加工；有色金属合金制造；金属材料销售。",
         "products": "低氧光亮铜杆；铜单线", "revenue": 180000, "staff": 420, "capital": 20000, "founded": "2006-04-11",
         "street": "铜都大道208号", "seg": "rod;wire", "why": "rod and drawn wire"},
    {"name": "青禾禾丰铜板带有限公司", "where": "高新区", "code": "3251",
         "scope": "一般项目：有色金属压延加工；有色金属合金销售；新材料技术研发。",
         "products": "高精度铜合金板带；黄铜带", "revenue": 95000, "staff": 520, "capital": 15000, "founded": "2012-11-30",
         "street": "科创大道66号", "seg": "strip", "why": "copper alloy strip"},
    {"name": "青禾瑞川精密铜管有限公司", "where": "东区", "code": "3251",
         "scope": "一般项目：有色金属压延加工；制冷、空调设备销售。",
         "products": "空调制冷用内螺纹铜管；光面铜管", "revenue": 60000, "staff": 380, "capital": 12000, "founded": "2008-07-15",
         "street": "工业路12号", "seg": "tube", "why": "copper tube (sold to HVAC makers)"},
    {"name": "青禾麟泽覆铜板有限公司", "where": "高新区", "code": "3985",
         "scope": "一般项目：电子专用材料制造；电子专用材料销售；合成材料销售。",
         "products": "FR-4覆铜板；半固化片", "revenue": 88000, "staff": 640, "capital": 18000, "founded": "2011-03-02",
         "street": "创新路9号", "seg": "ccl", "why": "copper-clad laminate"},
    {"name": "青禾砚湖电路有限公司", "where": "高新区", "code": "3982",
         "scope": "一般项目：电子电路制造；电子元器件制造；电子产品销售。",
         "products": "多层印制电路板；HDI板", "revenue": 76000, "staff": 1500, "capital": 16000, "founded": "2013-05-20",
         "street": "创新路27号", "seg": "pcb", "why": "3982 printed circuit boards"},
    {"name": "青禾栖梧电子有限公司", "where": "高新区", "code": "3989",
         "scope": "一般项目：电子元器件制造；模具制造；金属表面处理及热处理加工。",
         "products": "集成电路引线框架", "revenue": 24000, "staff": 310, "capital": 6000, "founded": "2016-08-09",
         "street": "创新路55号", "seg": "lead_frame", "why": "lead frames"},
    {"name": "青禾松溪电缆有限公司", "where": "西区", "code": "3831",
         "scope": "一般项目：电线、电缆经营；电力设施器材制造。许可项目：电线、电缆制造。",
         "products": "电力电缆；控制电缆", "revenue": 56000, "staff": 450, "capital": 11000, "founded": "2005-12-01",
         "street": "铜都大道96号", "seg": "cable", "why": "power and control cable"},
    {"name": "青禾禾丰电机有限公司", "where": "东区", "code": "3812",
         "scope": "一般项目：电动机制造；电机及其控制系统研发；通用设备修理。",
         "products": "三相异步电动机", "revenue": 31000, "staff": 360, "capital": 8000, "founded": "2001-10-10",
         "street": "机电路8号", "seg": "motor", "why": "3812 motors"},
    {"name": "青禾变压器有限公司", "where": "东区", "code": "3821",
         "scope": "一般项目：变压器、整流器和电感器制造；输配电及控制设备制造。",
         "products": "干式变压器；油浸式变压器", "revenue": 18500, "staff": 210, "capital": 5000, "founded": "1999-06-18",
         "street": "机电路20号", "seg": "motor", "why": "3821 transformers"},
    {"name": "青禾再生资源有限公司", "where": "西区", "code": "4210",
         "scope": "一般项目：再生资源回收（除生产性废旧金属）；生产性废旧金属回收；再生资源加工。",
         "products": "废杂铜分拣打包", "revenue": 12000, "staff": 60, "capital": 2000, "founded": "2014-02-25",
         "street": "循环经济园3号", "seg": "scrap", "why": "scrap copper recycling"},
    {"name": "青禾瑞川新能源有限公司", "where": "高新区", "code": "3841",
         "scope": "一般项目：电池制造；电池销售；新兴能源技术研发。",
         "products": "动力锂离子电池", "revenue": 45000, "staff": 900, "capital": 20000, "founded": "2018-04-16",
         "street": "新能源大道1号", "seg": "battery", "why": "3841 lithium-ion batteries"},
    {"name": "青禾麟泽半导体有限公司", "where": "高新区", "code": "3973",
         "scope": "一般项目：集成电路制造；集成电路销售。",
         "products": "集成电路封装测试", "revenue": 38000, "staff": 700, "capital": 15000, "founded": "2017-09-01",
         "street": "创新路88号", "seg": "semiconductor", "why": "IC packaging"},
    {"name": "青禾制冷设备有限公司", "where": "东区", "code": "3464",
         "scope": "一般项目：制冷、空调设备制造；制冷、空调设备销售。",
         "products": "商用空调机组", "revenue": 8600, "staff": 150, "capital": 3000, "founded": "2009-03-27",
         "street": "机电路36号", "seg": "hvac", "why": "3464 air-conditioning equipment"},
    {"name": "青禾矿业有限责任公司", "where": "西区", "code": "0911",
         "scope": "许可项目：矿产资源（非煤矿山）开采。一般项目：选矿；金属矿石销售。",
         "products": "铜精矿；硫精矿", "revenue": 65000, "staff": 1100, "capital": 30000, "founded": "1994-08-08",
         "street": "矿山路1号", "seg": "ore", "why": "0911 copper mining; concentrate"},
    {"name": "青禾泽原线材有限公司", "where": "西区", "code": "3251",
         "scope": "一般项目：有色金属压延加工；金属丝绳及其制品制造。",
         "products": "镀锡铜线；铜绞线", "revenue": 4800, "staff": 45, "capital": 1000, "founded": "2015-10-19",
         "street": "铜都大道310号", "seg": "wire", "why": "drawn and tinned wire"},
    {"name": "青禾澄源电工材料有限公司", "where": "东区", "code": "3831",
         "scope": "一般项目：电工器材制造；电线、电缆经营。",
         "products": "漆包线", "revenue": 3200, "staff": 38, "capital": 800, "founded": "2017-05-05",
         "street": "工业路101号", "seg": "enamelled_wire", "flaw": "fullwidth",
         "why": "magnet wire"},
    {"name": "青禾禾丰精密五金有限公司", "where": "东区", "code": "3989",
         "scope": "一般项目：电子元器件制造；五金产品制造。",
         "products": "连接器端子", "revenue": 1500, "staff": 28, "capital": 500, "founded": "2019-01-08",
         "street": "工业路150号", "seg": "lead_frame", "why": "connector terminals"},
    {"name": "青禾砚湖电子材料有限公司", "where": "高新区", "code": "",
         "scope": "一般项目：电子专用材料制造；有色金属压延加工。",
         "products": "压延铜箔", "revenue": 2600, "staff": 35, "capital": 1000, "founded": "2020-07-21",
         "street": "创新路120号", "seg": "foil", "why": "rolled copper foil; no industry code"},
    {"name": "青禾栖梧电路科技有限公司", "where": "高新区", "code": "3982",
         "scope": "一般项目：电子电路制造；电子元器件批发。",
         "products": "柔性线路板", "revenue": 1800, "staff": 60, "capital": 600, "founded": "2019-11-11",
         "street": "创新路131号", "seg": "pcb", "flaw": "wrong_check", "why": "flexible circuits"},
    {"name": "青禾松溪铜材加工厂", "where": "西区", "code": "3251",
         "scope": "一般项目：有色金属压延加工。", "products": "紫铜带；铜排", "revenue": 900, "staff": 12, "capital": 100,
         "founded": "2004-05-30", "street": "铜都大道415号", "seg": "strip", "why": "copper strip and busbar"},
    {"name": "青禾临渚金属制品有限公司", "where": "西区", "code": "",
         "scope": "一般项目：有色金属压延加工；金属制品销售。", "products": "精密铜管；毛细铜管", "revenue": 650, "staff": 15,
         "capital": 200, "founded": "2016-03-14", "street": "铜都大道502号", "seg": "tube", "why": "copper tube; no code"},
    {"name": "青禾泽原微电机有限公司", "where": "东区", "code": "3813",
         "scope": "一般项目：微特电机及组件制造；电子元器件制造。", "products": "微型直流电机", "revenue": 2200, "staff": 90,
         "capital": 700, "founded": "2012-08-08", "street": "机电路58号", "seg": "motor", "why": "3813 micro motors"},
    {"name": "青禾瑞川电气有限公司", "where": "东区", "code": "3821",
         "scope": "一般项目：变压器、整流器和电感器制造；电力电子元器件制造。", "products": "电抗器；互感器",
         "revenue": None, "staff": 85, "capital": 1500, "founded": "2010-12-12", "street": "机电路77号", "seg": "motor",
         "flaw": "no_revenue", "why": "3821 reactors and instrument transformers"},
    {"name": "青禾麟泽再生金属有限公司", "where": "西区", "code": "4210",
         "scope": "一般项目：生产性废旧金属回收；再生资源加工。", "products": "废铜回收", "revenue": 700, "staff": 8,
         "capital": 300, "founded": "2021-06-01", "street": "循环经济园9号", "seg": "scrap", "why": "scrap copper"},
    {"name": "青禾澄源光电有限公司", "where": "高新区", "code": "3975",
         "scope": "一般项目：半导体照明器件制造；光电子器件制造。", "products": "LED封装器件", "revenue": 1200, "staff": 75,
         "capital": 500, "founded": "2014-09-09", "street": "创新路142号", "seg": "semiconductor", "why": "LED packaging"},
    {"name": "青禾禾丰空调科技有限公司", "where": "东区", "code": "",
         "scope": "一般项目：制冷、空调设备制造；家用电器制造。", "products": "空调室外机；热泵机组", "revenue": 3900,
         "staff": 120, "capital": 1000, "founded": "2018-02-02", "street": "机电路90号", "seg": "hvac",
         "why": "air-conditioning units; no code"},
    {"name": "青禾栖梧新能源科技有限公司", "where": "高新区", "code": "3841",
         "scope": "一般项目：电池制造；储能技术服务。", "products": "储能锂电池", "revenue": None, "staff": 140,
         "capital": 5000, "founded": "2022-03-18", "street": "新能源大道26号", "seg": "battery", "flaw": "no_revenue",
         "why": "lithium-ion cells"},
    {"name": "青禾砚湖铜杆有限公司", "where": "西区", "code": "3251", "scope": "", "products": "", "revenue": 5400, "staff": 60,
         "capital": 2000, "founded": "2011-01-20", "street": "铜都大道620号", "seg": "rod",
         "why": "code only; 3251 is shared, the name says 铜杆"},
    {"name": "青禾松溪电子有限公司", "where": "高新区", "code": "3985",
         "scope": "一般项目：电子专用材料制造；电子专用材料销售。", "products": "电子电路铜箔", "revenue": 14000, "staff": 230,
         "capital": 4000, "founded": "2016-06-06", "street": "科创大道99号", "seg": "foil", "why": "copper foil"},
    {"name": "青禾泽原覆铜板有限公司", "where": "高新区", "code": "3985", "scope": "", "products": "", "revenue": 6300,
         "staff": 110, "capital": 2000, "founded": "2015-04-04", "street": "科创大道121号", "seg": "ccl",
         "why": "code only; 3985 is shared, the name says 覆铜板"},
    {"name": "青禾临渚电缆有限公司", "where": "西区", "code": "3831",
         "scope": "一般项目：电线、电缆经营。许可项目：电线、电缆制造。", "products": "铜芯电线；电力电缆", "revenue": 7700,
         "staff": 95, "capital": 2000, "founded": "2007-07-07", "street": "铜都大道701号", "seg": "cable",
         "why": "building wire and power cable"},
    {"name": "青禾禾丰漆包线有限公司", "where": "东区", "code": "3831",
         "scope": "一般项目：电工器材制造。", "products": "漆包线", "revenue": 1100, "staff": 22, "capital": 300,
         "founded": "2013-10-10", "street": "工业路188号", "seg": "enamelled_wire", "flaw": "no_code", "why": "magnet wire"},
    {"name": "青禾瑞川电子科技有限公司", "where": "高新区", "code": "3982",
         "scope": "一般项目：电子电路制造。", "products": "双面印制电路板", "revenue": 800, "staff": 40, "capital": 200,
         "founded": "2020-01-15", "street": "创新路160号", "seg": "pcb", "flaw": "no_code", "why": "printed circuit boards"},
    {"name": "青禾澄源铜业贸易有限公司", "where": "东区", "code": "5164",
         "scope": "一般项目：金属材料销售；有色金属合金销售；货物进出口。", "products": "电解铜；铜杆", "revenue": 48000,
         "staff": 9, "capital": 5000, "founded": "2012-12-20", "street": "商务大道8号", "seg": "",
         "why": "pure trading (5164); makes nothing"},
    {"name": "青禾饮食服务有限公司", "where": "东区", "code": "6210", "scope": "许可项目：餐饮服务。", "products": "",
         "revenue": 800, "staff": 45, "capital": 100, "founded": "2009-09-19", "street": "人民路15号", "seg": "", "why": "restaurant"},
    {"name": "青禾置业有限公司", "where": "东区", "code": "7010", "scope": "许可项目：房地产开发经营。", "products": "",
         "revenue": 26000, "staff": 30, "capital": 10000, "founded": "2011-05-05", "street": "人民路100号", "seg": "",
         "why": "real estate"},
    {"name": "青禾商贸有限公司", "where": "西区", "code": "",
         "scope": "一般项目：五金产品零售；日用百货销售；金属材料销售。", "products": "", "revenue": 300, "staff": 5,
         "capital": 50, "founded": "2017-08-18", "street": "解放路33号", "seg": "", "why": "retail and trading"},
    {"name": "青禾建材有限公司", "where": "西区", "code": "3021", "scope": "一般项目：水泥制品制造；建筑材料销售。",
         "products": "商品混凝土", "revenue": 9800, "staff": 70, "capital": 3000, "founded": "2010-10-01", "street": "建材路6号",
         "seg": "", "why": "concrete; not copper"},
    {"name": "青禾学院", "where": "东区", "code": "8341", "scope": "", "products": "", "revenue": None, "staff": 1200,
         "capital": None, "founded": "1978-09-01", "street": "学府路1号", "seg": "", "hint": "institution", "authority": "12",
         "why": "college (public institution, 事业单位 code 12...)"},
    {"name": "青禾铜基新材料研究院", "where": "高新区", "code": "7320", "scope": "", "products": "", "revenue": None,
         "staff": 85, "capital": None, "founded": "2015-11-18", "street": "科创大道1号", "seg": "", "hint": "institution",
         "authority": "12", "why": "public research institute"},
    {"name": "青禾农村商业银行股份有限公司", "where": "东区", "code": "6621", "scope": "许可项目：银行业务。", "products": "",
         "revenue": 56000, "staff": 900, "capital": 100000, "founded": "2011-11-11", "street": "人民路1号", "seg": "",
         "hint": "service", "why": "bank"},
    {"name": "青禾检验检测有限公司", "where": "高新区", "code": "7452",
         "scope": "许可项目：检验检测服务。一般项目：技术服务、技术开发。", "products": "", "revenue": 1600, "staff": 48,
         "capital": 500, "founded": "2016-12-01", "street": "科创大道200号", "seg": "", "hint": "service",
         "why": "testing and inspection"},
    {"name": "青禾物流有限公司", "where": "西区", "code": "5431",
         "scope": "许可项目：道路货物运输（不含危险货物）。一般项目：普通货物仓储服务。", "products": "",
         "revenue": 3500, "staff": 110, "capital": 1000, "founded": "2013-03-03", "street": "物流园2号", "seg": "",
         "hint": "service", "why": "road freight"},
    {"name": "青禾融资担保有限公司", "where": "东区", "code": "", "scope": "许可项目：融资担保业务。", "products": "",
         "revenue": 2100, "staff": 25, "capital": 20000, "founded": "2012-06-16", "street": "商务大道20号", "seg": "",
         "hint": "service", "why": "guarantee company"},
    {"name": "青禾临渚矿业有限公司", "where": "西区", "code": "0911", "scope": "", "products": "", "revenue": 8000,
         "staff": 210, "capital": 5000, "founded": "2002-02-22", "street": "矿山路18号", "seg": "ore", "why": "code only: 0911"},
    {"name": "青禾栖梧冶炼有限公司", "where": "西区", "code": "3211", "scope": "", "products": "", "revenue": 22000,
         "staff": 180, "capital": 6000, "founded": "2008-08-18", "street": "冶炼路30号", "seg": "smelting;cathode",
         "why": "code only: 3211 covers smelting and refining"},
    {"name": "青禾松溪精密铜带有限公司", "where": "高新区", "code": "3251",
         "scope": "一般项目：有色金属压延加工；有色金属合金制造。", "products": "引线框架用铜合金带", "revenue": 15000,
         "staff": 160, "capital": 4000, "founded": "2014-07-07", "street": "科创大道150号", "seg": "strip",
         "why": "strip for lead frames (a material, not frames)"},
    {"name": "青禾砚湖电机有限公司", "where": "东区", "code": "3812", "scope": "", "products": "", "revenue": 2500, "staff": 70,
         "capital": 800, "founded": "2006-06-26", "street": "机电路110号", "seg": "motor", "why": "code only: 3812"},
    {"name": "青禾瑞川变压器有限公司", "where": "东区", "code": "3821", "scope": "", "products": "", "revenue": 3100, "staff": 66,
         "capital": 1000, "founded": "2005-05-25", "street": "机电路130号", "seg": "motor", "why": "code only: 3821"},
    {"name": "青禾临渚空调有限公司", "where": "东区", "code": "3852", "scope": "", "products": "", "revenue": 27000,
         "staff": 600, "capital": 8000, "founded": "2004-04-24", "street": "机电路150号", "seg": "hvac", "why": "code only: 3852"},
    {"name": "青禾泽原铜箔科技有限公司", "where": "高新区", "code": "",
         "scope": "一般项目：电子专用材料制造；电子专用材料销售。", "products": "锂电铜箔", "revenue": 5200, "staff": 88,
         "capital": 3000, "founded": "2021-09-09", "street": "科创大道230号", "seg": "foil", "why": "copper foil; no code"},
    {"name": "青禾澄源连接器有限公司", "where": "高新区", "code": "3989",
         "scope": "一般项目：电子元器件制造；汽车零部件及配件制造。", "products": "汽车连接器", "revenue": 6800, "staff": 150,
         "capital": 2000, "founded": "2015-02-15", "street": "创新路200号", "seg": "lead_frame", "why": "connectors"},
    {"name": "青禾麟泽铜业有限公司", "where": "西区", "code": "3251",
         "scope": "一般项目：有色金属压延加工；电工器材制造。", "products": "低氧铜杆；漆包线", "revenue": 36000, "staff": 300,
         "capital": 8000, "founded": "2009-09-29", "street": "铜都大道800号", "seg": "rod;enamelled_wire",
         "why": "integrated: rod and magnet wire"},
    {"name": "青禾松溪新材料有限公司", "where": "西区", "code": "3211",
         "scope": "一般项目：常用有色金属冶炼；有色金属压延加工。", "products": "阴极铜；铜杆；铜线", "revenue": 150000,
         "staff": 800, "capital": 30000, "founded": "2007-11-17", "street": "冶炼路50号", "seg": "smelting;cathode;rod;wire",
         "why": "integrated smelter with rod and wire lines"},
    {"name": "青禾禾丰电子有限公司", "where": "高新区", "code": "3985",
         "scope": "一般项目：电子专用材料制造；电子专用材料销售。", "products": "电解铜箔；覆铜板", "revenue": 42000,
         "staff": 520, "capital": 10000, "founded": "2012-02-12", "street": "科创大道260号", "seg": "foil;ccl",
         "why": "integrated: foil and laminate"},
    {"name": "青禾瑞川线缆有限公司", "where": "西区", "code": "3831",
         "scope": "一般项目：电线、电缆经营；有色金属压延加工。许可项目：电线、电缆制造。",
         "products": "铜单线拉丝；电力电缆", "revenue": 19000, "staff": 210, "capital": 5000, "founded": "2010-03-13",
         "street": "铜都大道860号", "seg": "wire;cable", "why": "draws wire and makes cable"},
    {"name": "青禾临渚电机有限公司", "where": "东区", "code": "3812",
         "scope": "一般项目：电动机制造；变压器、整流器和电感器制造。", "products": "电动机；变压器", "revenue": 4400,
         "staff": 95, "capital": 1000, "founded": "2011-07-17", "street": "机电路170号", "seg": "motor",
         "why": "motors and transformers"},
    {"name": "青禾机械修理厂", "where": "西区", "code": "4320", "scope": "一般项目：通用设备修理；专用设备修理。",
         "products": "", "revenue": 260, "staff": 9, "capital": 30, "founded": "2003-03-23", "street": "解放路88号", "seg": "",
         "why": "machine repair; not a chain segment"},
    {"name": "青禾砚湖汽车销售服务有限公司", "where": "东区", "code": "",
         "scope": "一般项目：汽车新车销售；汽车零配件零售；机动车修理和维护。", "products": "", "revenue": 12000,
         "staff": 40, "capital": 1000, "founded": "2014-04-14", "street": "人民路220号", "seg": "", "why": "car dealer"},
    {"name": "青禾栖梧印务有限公司", "where": "东区", "code": "2319", "scope": "许可项目：包装装潢印刷品印刷。",
         "products": "包装印刷", "revenue": 1300, "staff": 35, "capital": 300, "founded": "2008-12-08", "street": "解放路120号",
         "seg": "", "why": "printing"},
    {"name": "青禾泽原电工有限公司", "where": "西区", "code": "",
         "scope": "一般项目：有色金属压延加工。", "products": "软铜绞线；铜编织带", "revenue": 1700, "staff": 26, "capital": 500,
         "founded": "2018-08-28", "street": "铜都大道900号", "seg": "wire", "why": "stranded and braided wire; no code"},
    {"name": "青禾澄源制冷科技有限公司", "where": "东区", "code": "3464",
         "scope": "一般项目：制冷、空调设备制造。", "products": "冷水机组；冷库机组", "revenue": 5600, "staff": 100,
         "capital": 1500, "founded": "2016-10-16", "street": "机电路190号", "seg": "hvac", "why": "chillers"},
    {"name": "青禾禾丰光电科技有限公司", "where": "高新区", "code": "3975", "scope": "", "products": "", "revenue": 2900,
         "staff": 95, "capital": 1000, "founded": "2019-09-19", "street": "创新路230号", "seg": "semiconductor",
         "why": "code only: 3975 LED"},
    {"name": "青禾栖梧矿山设备有限公司", "where": "西区", "code": "3511", "scope": "一般项目：矿山机械制造；矿山机械销售。",
         "products": "球磨机；浮选机", "revenue": 7300, "staff": 130, "capital": 2000, "founded": "2005-10-25",
         "street": "矿山路60号", "seg": "", "why": "mining machinery serves the chain but is not a segment"},
    {"name": "青禾麟泽包装材料有限公司", "where": "东区", "code": "2231", "scope": "一般项目：纸制品制造。",
         "products": "瓦楞纸箱", "revenue": 2400, "staff": 50, "capital": 500, "founded": "2013-06-26", "street": "工业路260号",
         "seg": "", "why": "cardboard boxes"},
    {"name": "青禾科技创业服务中心有限公司", "where": "高新区", "code": "7540",
         "scope": "一般项目：科技中介服务；创业空间服务；园区管理服务。", "products": "", "revenue": 900, "staff": 20,
         "capital": 2000, "founded": "2015-05-15", "street": "科创大道8号", "seg": "", "hint": "service",
         "why": "incubator and technology intermediary"},
    # firms of other cities (become external = true with --region 青禾)
    {"name": "云岭矿业集团有限公司", "where": "云岭市", "code": "0911",
         "scope": "许可项目：矿产资源（非煤矿山）开采。一般项目：选矿。", "products": "铜精矿", "revenue": 560000,
         "staff": 5600, "capital": 200000, "founded": "1998-01-08", "street": "矿业大道1号", "seg": "ore", "why": "copper concentrate"},
    {"name": "云岭冶炼有限公司", "where": "云岭市", "code": "3211", "scope": "一般项目：常用有色金属冶炼。",
         "products": "阴极铜", "revenue": 900000, "staff": 3200, "capital": 150000, "founded": "2002-06-18",
         "street": "冶金路10号", "seg": "smelting;cathode", "why": "3211 smelter"},
    {"name": "安澜电缆股份有限公司", "where": "安澜市", "code": "3831",
         "scope": "一般项目：电线、电缆经营。许可项目：电线、电缆制造。", "products": "电力电缆；特种电缆", "revenue": 250000,
         "staff": 1800, "capital": 40000, "founded": "2000-09-09", "street": "滨江路66号", "seg": "cable", "why": "cable"},
    {"name": "安澜电子电路有限公司", "where": "安澜市", "code": "3982", "scope": "一般项目：电子电路制造。",
         "products": "印制电路板", "revenue": 130000, "staff": 2400, "capital": 30000, "founded": "2006-03-16",
         "street": "电子城路5号", "seg": "pcb", "why": "printed circuit boards"},
    {"name": "鹤川空调股份有限公司", "where": "鹤川市", "code": "3852",
         "scope": "一般项目：家用电器制造；制冷、空调设备制造。", "products": "家用空调", "revenue": 1200000, "staff": 15000,
         "capital": 300000, "founded": "1995-05-05", "street": "家电大道1号", "seg": "hvac", "why": "air conditioners"},
    {"name": "鹤川动力电池有限公司", "where": "鹤川市", "code": "3841", "scope": "一般项目：电池制造。",
         "products": "动力电池", "revenue": 800000, "staff": 9000, "capital": 250000, "founded": "2016-01-26",
         "street": "新能源路8号", "seg": "battery", "why": "batteries"},
    {"name": "云岭再生资源有限公司", "where": "云岭市", "code": "4210",
         "scope": "一般项目：生产性废旧金属回收；再生资源加工。", "products": "废杂铜", "revenue": 9000, "staff": 40,
         "capital": 1000, "founded": "2012-07-27", "street": "循环路3号", "seg": "scrap", "why": "scrap copper"},
    {"name": "安澜电机有限公司", "where": "安澜市", "code": "3812", "scope": "一般项目：电动机制造。",
         "products": "电动机", "revenue": 45000, "staff": 800, "capital": 10000, "founded": "2004-11-24",
         "street": "机电路9号", "seg": "motor", "why": "motors"},
]

# The firm listed twice (same credit code; the second row writes the address differently).
DUPLICATE_OF = "青禾禾丰铜板带有限公司"
DUPLICATE_AFTER = "青禾松溪新材料有限公司"

INDUSTRY = {
    "0911": "铜矿采选", "2231": "纸和纸板容器制造", "2319": "包装装潢及其他印刷", "3021": "水泥制品制造",
    "3211": "铜冶炼", "3251": "铜压延加工", "3464": "制冷、空调设备制造", "3511": "矿山机械制造",
    "3812": "电动机制造", "3813": "微特电机及组件制造", "3821": "变压器、整流器和电感器制造",
    "3831": "电线、电缆制造", "3841": "锂离子电池制造", "3852": "家用空气调节器制造", "3973": "集成电路制造",
    "3975": "半导体照明器件制造", "3982": "电子电路制造", "3985": "电子专用材料制造", "3989": "其他电子元件制造",
    "4210": "金属废料和碎屑加工处理", "4320": "通用设备修理", "5164": "金属及金属矿批发", "5431": "普通货物道路运输",
    "6210": "正餐服务", "6621": "商业银行服务", "7010": "房地产开发经营", "7320": "工程和技术研究和试验发展",
    "7452": "检测服务", "7540": "创业空间服务", "8341": "普通高等教育",
}

FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def build() -> tuple[list[list], list[list]]:
    """The export rows (header first) and the answer rows (header first)."""
    rng = random.Random(13)
    export, answers = [HEADER], [ANSWER_HEADER]
    rows = list(FIRMS)
    dup = next(f for f in rows if f["name"] == DUPLICATE_OF)
    rows.insert(rows.index(next(f for f in rows if f["name"] == DUPLICATE_AFTER)) + 1,
                dict(dup, flaw="duplicate", street=dup["street"].replace("号", " 号")))
    codes: dict[str, str] = {}
    for i, f in enumerate(rows, start=2):
        where = f["where"]
        external = where in CITY_DISTRICT
        division = DIVISION[where]
        code = codes.get(f["name"]) or credit_code(rng, authority=f.get("authority", "91"), division=division,
                                                  founded=f["founded"])
        codes[f["name"]] = code
        flaw = f.get("flaw", "")
        shown = code
        if flaw == "no_code":
            shown = ""
        elif flaw == "wrong_check":
            shown = code[:17] + CHARSET[(CHARSET.index(code[17]) + 7) % 31]
        elif flaw == "fullwidth":
            wide = "".join(FULLWIDTH.get(c, c) for c in code)
            shown = wide[:8] + " " + wide[8:]
        if external:
            address, district = f"{where}{CITY_DISTRICT[where]}{f['street']}", CITY_DISTRICT[where]
        else:
            address, district = f"青禾市{where}{f['street']}", where
        if flaw == "duplicate":
            address = address.replace("青禾市", "青禾市 ")
        scope = f["scope"]
        if "一般项目" in scope and "许可项目" not in scope:
            scope = scope + GENERAL_TAIL
        export.append([f["name"], shown, f["code"], INDUSTRY.get(f["code"], ""), scope, f["products"],
                       f["revenue"], f["staff"], f.get("capital"), f["founded"], address, district])
        answers.append([i, f["name"], code if flaw != "no_code" else "", f["seg"], f.get("hint", ""),
                        "true" if external else "false", "yes" if f.get("leader") else "", flaw, f["why"]])
    return export, answers


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx (zip) with fixed timestamps so that reruns are byte-identical."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":   # openpyxl stamps the save time here
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", body)
            dst.writestr(fixed, body)
    return out.getvalue()


def write(out: Path) -> None:
    """Write the three files into ``out``."""
    import datetime as dt

    export, answers = build()
    out.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(["" if v is None else v for v in r] for r in export)
    (out / "copper_registry_export.csv").write_bytes(text.getvalue().encode("gbk"))

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r in export:
        ws.append(r)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"          # text cells, also for codes such as 0911
    wb.properties.created = dt.datetime(2024, 1, 1)
    wb.properties.creator = "chainnet example (fictional data)"
    buf = io.BytesIO()
    wb.save(buf)
    (out / "copper_registry_export.xlsx").write_bytes(_fixed_zip(buf.getvalue()))

    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(answers)
    (out / "copper_registry_answers.csv").write_text(text.getvalue(), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: beside this script)")
    write(parser.parse_args().out)


if __name__ == "__main__":
    main()
