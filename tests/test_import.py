"""chainnet import: a registry firm list to a cluster (hand-made exports, hand-worked expectations)."""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import chainnet
from chainnet import ChainnetError, DataWarning, ValidationError
from chainnet.cli import main
from chainnet.creditcode import check_character, is_valid, normalise
from chainnet.importer import import_firms
from chainnet.importer.gbt4754 import TITLES, parse_industry, section
from chainnet.template import Template

# Check characters worked by hand (GB 32100-2015, weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28):
#   91340700MA2N00000: 9*1+1*3+3*9+4*27+7*26+M(21)*20+A(10)*29+2*25+N(22)*13 = 1375; 1375 mod 31 = 11;
#                      31-11 = 20 -> 'L'
#   91340700MA2N00001: 1375 + 1*28 = 1403; 1403 mod 31 = 8; 31-8 = 23 -> 'P' (0-9, A-H = 10-17, J-N = 18-22, P = 23)
#   00000000000000000: sum 0 -> (31-0) mod 31 = 0 -> '0'
CODE_A = "91340700MA2N00000L"
CODE_B = "91340700MA2N00001P"

HEADER = "企业名称,统一社会信用代码,所属行业,主营产品,经营范围,营业收入(万元),从业人员,成立日期,所属区县\n"
ROWS = [
    f"甲冶炼有限公司,{CODE_A},C3211 铜冶炼,阴极铜,,500000,2000,2003-04-01,铜官区",
    "乙铜箔有限公司,,C3985,锂电铜箔,,1500,120,2016,义安区",
    "丙贸易有限公司,,F5162,,铜材销售；货物进出口,800,12,2019,铜官区",
    "丁漆包线厂,,,,漆包线、电磁线的生产和销售,,,2008,义安区",
    "戊电缆有限公司,,3831,,,1999,,2011,芜湖市",
    "己科技有限公司,,,,技术服务；技术开发；销售,100,5,2020,铜官区",
    "某某大学,,P8341,,,,,1958,铜官区",
    "庚融资租赁有限公司,,J6631,,,,,2015,铜官区",
    "辛实业有限公司,,3831,,,,,2012,铜官区",
    "壬金属制品有限公司,,3831,不锈钢水槽,,,,2012,铜官区",
]


def write_csv(path: Path, rows: list[str] = ROWS, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path.write_bytes((header + "\n".join(rows) + "\n").encode(encoding))
    return path


def quiet_import(*args, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        r = import_firms(*args, **kw)
    return r, [str(w.message) for w in caught]


def by_name(result) -> pd.DataFrame:
    return result.decisions.set_index("name")


# -- credit codes ----------------------------------------------------------------------------
def test_check_character_worked_by_hand() -> None:
    assert check_character("91340700MA2N00000") == "L"
    assert check_character("91340700MA2N00001") == "P"
    assert check_character("00000000000000000") == "0"
    assert is_valid(CODE_A) and is_valid(CODE_B)
    assert not is_valid("91340700MA2N00000P") and not is_valid("91340700MA2N0000L")
    assert not is_valid("91340700MA2N0000IL")  # I is not in the alphabet


def test_credit_codes_normalised_from_full_width_and_spaces() -> None:
    assert normalise("９１３４０７００ＭＡ２Ｎ００００ｌ") == "91340700MA2N0000L"
    assert normalise(" 9134 0700-MA2N 00000l ") == CODE_A


# -- GB/T 4754 -------------------------------------------------------------------------------
def test_industry_text_forms() -> None:
    assert parse_industry("C3251 铜压延加工") == "3251"
    assert parse_industry("铜压延加工") == "3251"
    assert parse_industry("制造业-有色金属冶炼和压延加工业-铜冶炼") == "3211"
    assert parse_industry(911) == "0911"  # Excel lost the leading zero
    assert parse_industry(3841.0) == "3841"
    assert parse_industry("") is None
    assert (section("0911"), section("5162"), section("6631"), section("7320")) == ("B", "F", "J", "M")


def test_every_template_code_has_its_class_title() -> None:
    for tid in chainnet.builtin_templates():
        t = chainnet.load_template(tid)
        for codes in t.segments["codes"]:
            for c in codes:
                assert c in TITLES, f"{tid}: code {c} has no GB/T 4754-2017 title"
        assert all(len(w) for ws in t.segments["keywords"] for w in ws)


def test_template_codes_and_keywords_are_validated() -> None:
    base = {"id": "x", "name": "X", "segment": [{"id": "a", "name": "A", "stage": "upstream", "codes": [3251],
                                                  "keywords": ["铜", ""]}]}
    with pytest.raises(ValidationError) as e:
        Template.from_dict(base)
    assert "segment.codes" in str(e.value) and "segment.keywords" in str(e.value)
    ok = Template.from_dict({**base, "segment": [{**base["segment"][0], "codes": ["3251", "381"], "keywords": ["铜箔"]}]})
    assert ok.to_dict()["segment"][0]["codes"] == ["3251", "381"]
    assert Template.from_toml(ok.to_toml()).segments.equals(ok.segments)


# -- reading exports -------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings_give_the_same_cluster(tmp_path: Path, encoding: str) -> None:
    r, _ = quiet_import(write_csv(tmp_path / "名录.csv", encoding=encoding), template="copper")
    d = by_name(r)
    assert d.at["乙铜箔有限公司", "segments"] == "foil"
    assert r.cluster.meta["links"] == "unknown"
    assert len(r.decisions) == len(ROWS)


def test_xlsx_with_title_row_and_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["nothing here"])
    ws2 = wb.create_sheet("名录")
    ws2.append(["2023年规上工业企业名录"])  # a title line above the header
    ws2.append(["序号", "公司名称", "国民经济行业代码", "主要产品", "备注"])
    ws2.append([1, "=甲铜管有限公司", 3251, "空调用铜管", "x"])
    ws2["B3"].data_type = "s"  # a name that starts with '=' is text, as registries export it
    ws2.append([2, "乙铜矿有限公司", 911, "铜精矿", None])
    wb.save(tmp_path / "list.xlsx")
    r, _ = quiet_import(tmp_path / "list.xlsx", template="copper", sheet="名录")
    d = by_name(r)
    assert d.at["=甲铜管有限公司", "segments"] == "tube"  # 空调 modifies 铜管: not an hvac maker
    assert d.at["=甲铜管有限公司", "row"] == 3
    assert d.at["乙铜矿有限公司", "segments"] == "ore"
    assert d.at["乙铜矿有限公司", "basis"] == "code:0911;products:铜精矿;size"
    assert "备注" in r.cluster.firms.columns  # unrecognised columns kept as attributes
    out = r.write(tmp_path / "out")
    cell = openpyxl.load_workbook(out / "review.xlsx")["decisions"]["C2"]
    assert cell.value == "=甲铜管有限公司" and cell.data_type == "s"
    with pytest.raises(ChainnetError, match="no sheet 'other'"):
        import_firms(tmp_path / "list.xlsx", template="copper", sheet="other")


def test_english_headers_and_map(tmp_path: Path) -> None:
    p = tmp_path / "firms.csv"
    p.write_text("Company Name,Industry Code,Main Products,Revenue (CNY),Staff,Turnover note\n"
                 "Alpha Foil Co,3985,copper foil,30000000,40,a\nBeta Cable Co,3831,power cable,10000000,500,b\n",
                 encoding="utf-8")
    r, _ = quiet_import(p, template="copper")
    d = by_name(r)
    # 30,000,000 CNY = 0.3 亿元 >= 0.2 -> backbone; 0.1 亿元 -> sme although 500 staff (revenue decides)
    assert (d.at["Alpha Foil Co", "role"], d.at["Beta Cable Co", "role"]) == ("backbone", "sme")
    assert r.cluster.firms.set_index("name").at["Alpha Foil Co", "output"] == pytest.approx(0.3)
    q = tmp_path / "odd.csv"
    q.write_text("单位,产品线\nGamma Rod Works,copper rod\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="columns found: 单位, 产品线"):
        import_firms(q, template="copper")
    r2, _ = quiet_import(q, template="copper", column_map=["单位=name", "产品线=products"])
    assert by_name(r2).at["Gamma Rod Works", "segments"] == "rod"
    with pytest.raises(ChainnetError, match="unknown field 'nme'"):
        import_firms(q, template="copper", column_map=["单位=nme"])


# -- placement -------------------------------------------------------------------------------
def test_placement_and_basis(tmp_path: Path) -> None:
    r, _ = quiet_import(write_csv(tmp_path / "a.csv"), template="copper")
    d = by_name(r)
    # code 3211 fits smelting and cathode; the product 阴极铜 picks cathode
    assert d.at["甲冶炼有限公司", "segments"] == "cathode"
    assert d.at["甲冶炼有限公司", "basis"] == "code:3211;products:阴极铜;size"
    assert d.at["乙铜箔有限公司", "basis"] == "code:3985;products:锂电铜箔;size"
    # scope only; the trade clause does not count, the making clause does
    assert d.at["丁漆包线厂", "segments"] == "enamelled_wire"
    assert d.at["丁漆包线厂", "basis"].startswith("scope:漆包线")
    # code 3831 fits enamelled_wire and cable: the name decides, else both with low confidence,
    # unless the products name something outside the chain
    assert (d.at["戊电缆有限公司", "segments"], d.at["戊电缆有限公司", "basis"]) == ("cable", "code:3831;name:电缆;size")
    assert d.at["辛实业有限公司", "segments"] == "enamelled_wire;cable"
    assert d.at["辛实业有限公司", "confidence"] == 0.5
    assert d.at["壬金属制品有限公司", "segments"] == ""
    # generic words (技术服务, 销售) and a trade firm (section F) place nothing
    for nm in ("己科技有限公司", "丙贸易有限公司"):
        assert d.at[nm, "segments"] == "" and not d.at[nm, "placed"]
    assert set(r.unplaced["name"]) == {"己科技有限公司", "丙贸易有限公司", "壬金属制品有限公司"}
    assert "己科技有限公司" not in set(r.cluster.firms["name"])


def test_roles_by_name_section_size_and_leaders(tmp_path: Path) -> None:
    r, _ = quiet_import(write_csv(tmp_path / "a.csv"), template="copper", leaders=[CODE_A])
    d = by_name(r)
    assert d.at["甲冶炼有限公司", "role"] == "leader" and "manual" in d.at["甲冶炼有限公司", "basis"]
    assert d.at["乙铜箔有限公司", "role"] == "sme"          # 1500万元 < 2000万元
    assert d.at["戊电缆有限公司", "role"] == "sme"          # 1999万元
    assert d.at["某某大学", "role"] == "institution" and d.at["某某大学", "basis"] == "name"
    assert d.at["庚融资租赁有限公司", "role"] == "service"
    r2, _ = quiet_import(write_csv(tmp_path / "a.csv"), template="copper", backbone_revenue=0.15)
    assert by_name(r2).at["戊电缆有限公司", "role"] == "backbone"  # 0.1999 亿元 >= 0.15
    # no revenue: employees decide (>= 300)
    p = write_csv(tmp_path / "b.csv", ["大铜杆厂,,3251,铜杆,,,300,,", "小铜杆厂,,3251,铜杆,,,299,,"])
    d3 = by_name(quiet_import(p, template="copper")[0])
    assert (d3.at["大铜杆厂", "role"], d3.at["小铜杆厂", "role"]) == ("backbone", "sme")
    with pytest.raises(ChainnetError, match="no firm named or coded '不存在公司'"):
        import_firms(p, template="copper", leaders=["不存在公司"])


def test_region_makes_outside_firms_external(tmp_path: Path) -> None:
    r, _ = quiet_import(write_csv(tmp_path / "a.csv"), template="copper", region="铜官,义安")
    f = r.cluster.firms.set_index("name")
    assert bool(f.at["戊电缆有限公司", "external"]) and not f.at["乙铜箔有限公司", "external"]


def test_bad_and_duplicate_credit_codes(tmp_path: Path) -> None:
    rows = [f"甲公司,{CODE_B},3251,铜杆,,,,,", "乙公司,91340700MA2N00001L,3251,铜线,,,,,",
            f"甲公司(分),{CODE_B.lower()},3251,,,3000,,,"]
    r, msgs = quiet_import(write_csv(tmp_path / "c.csv", rows), template="copper")
    assert any("row 3, column '统一社会信用代码'" in m and "gives 'P'" in m for m in msgs)
    assert any("rows 2, 4" in m and "merged" in m for m in msgs)
    d = by_name(r)
    assert len(r.decisions) == 2 and d.at["甲公司", "merged_rows"] == "2;4"
    # the merged firm takes revenue from the later row: 3000万元 = 0.3 亿元 -> backbone
    assert d.at["甲公司", "role"] == "backbone"
    assert set(r.cluster.firms["firm_id"]) == {CODE_B, "r3"}


def test_credit_code_checked_in_a_cluster_firms_csv(tmp_path: Path) -> None:
    firms = pd.DataFrame({"firm_id": ["a", "b"], "name": ["A", "B"], "role": ["sme", "sme"],
                          "segments": ["ore", "rod"], "credit_code": [CODE_A, "91340700MA2N00000X"]})
    with pytest.warns(DataWarning, match=r"firms, row 3, column 'credit_code'"):
        chainnet.Cluster.from_frames(firms, meta={"id": "t", "name": "T", "template": "copper"})


# -- manual edits ----------------------------------------------------------------------------
def test_review_reimport_manual_wins(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "a.csv")
    r, _ = quiet_import(src, template="copper")
    out = r.write(tmp_path / "out")
    wb = openpyxl.load_workbook(out / "review.xlsx")
    ws = wb["decisions"]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[head.index("name")].value == "己科技有限公司":
            row[head.index("segments")].value = "pcb"
        if row[head.index("name")].value == "戊电缆有限公司":
            row[head.index("segments")].value = "cable"
            row[head.index("role")].value = "骨干"  # Chinese role words are accepted
    wb.save(tmp_path / "edited.xlsx")
    r2, _ = quiet_import(src, template="copper", review=tmp_path / "edited.xlsx")
    d = by_name(r2)
    assert (d.at["己科技有限公司", "segments"], d.at["己科技有限公司", "basis"]) == ("pcb", "manual")
    assert (d.at["戊电缆有限公司", "segments"], d.at["戊电缆有限公司", "role"]) == ("cable", "backbone")
    assert d.at["乙铜箔有限公司", "basis"] != "manual"
    ws.cell(row=2, column=head.index("segments") + 1).value = "nonsense"
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(ValidationError, match=r"row 2, column 'segments': unknown segment id"):
        import_firms(src, template="copper", review=tmp_path / "bad.xlsx")


def test_hand_edits_in_firms_csv_win_on_rerun(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "a.csv")
    out = tmp_path / "out"
    run = CliRunner().invoke
    assert run(main, ["import", str(src), "--template", "copper", "-o", str(out)]).exit_code == 0
    firms = pd.read_csv(out / "firms.csv", dtype=str, keep_default_na=False)
    firms.loc[firms["name"] == "乙铜箔有限公司", "segments"] = "foil;ccl"
    firms.to_csv(out / "firms.csv", index=False)
    res = run(main, ["import", str(src), "--template", "copper", "-o", str(out)])
    assert res.exit_code == 1 and "not empty" in res.output
    res = run(main, ["import", str(src), "--template", "copper", "-o", str(out), "--force"])
    assert res.exit_code == 0, res.output
    again = pd.read_csv(out / "firms.csv", dtype=str, keep_default_na=False).set_index("name")
    assert again.at["乙铜箔有限公司", "segments"] == "foil;ccl" and again.at["乙铜箔有限公司", "basis"] == "manual"
    assert run(main, ["validate", str(out)]).exit_code == 0


# -- errors: clear message, nothing written ----------------------------------------------------
def test_errors_write_nothing(tmp_path: Path) -> None:
    run = CliRunner().invoke
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    res = run(main, ["import", str(empty), "--template", "copper", "-o", str(tmp_path / "o1")])
    assert res.exit_code == 1 and "empty" in res.output and not (tmp_path / "o1").exists()
    noname = tmp_path / "noname.csv"
    noname.write_text("行业代码,主营产品\n3251,铜杆\n", encoding="utf-8")
    res = run(main, ["import", str(noname), "--template", "copper", "-o", str(tmp_path / "o2")])
    assert res.exit_code == 1 and "row 1" in res.output and "columns found: 行业代码, 主营产品" in res.output
    assert not (tmp_path / "o2").exists()
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("名称,主营产品\n甲,铜杆,多余\n", encoding="utf-8")
    res = run(main, ["import", str(ragged), "--template", "copper", "-o", str(tmp_path / "o3")])
    assert res.exit_code == 1 and "row 2" in res.output and "Traceback" not in res.output
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    res = run(main, ["import", str(write_csv(tmp_path / "a.csv")), "--template", "copper", "-o", str(foreign),
                     "--force"])
    assert res.exit_code == 1 and (foreign / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".chainnet")) == []


def test_cli_writes_a_valid_cluster_with_links(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "a.csv")
    ties = tmp_path / "ties.csv"
    ties.write_text(f"source,target,weight\n{CODE_A},乙铜箔有限公司,2\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["import", str(src), "--template", "copper", "-o", str(out), "--links", str(ties),
                                    "--leaders", "甲冶炼有限公司", "--id", "tl", "--year", "2023", "--lang", "zh"])
    assert res.exit_code == 0, res.output
    c = chainnet.read_cluster(out)
    assert c.meta["id"] == "tl" and c.meta["year"] == 2023 and c.meta["links"] == "known"
    assert {"basis", "industry_code", "credit_code"} <= set(c.firms.columns)
    assert c.links[["source", "target"]].values.tolist() == [[CODE_A, "r3"]]
    assert {"decisions", "unplaced", "segments"} <= set(openpyxl.load_workbook(out / "review.xlsx").sheetnames)
    assert "入链" in res.output


def test_docs_list_every_template_code_and_keyword() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "templates.md").read_text(encoding="utf-8")
    for tid in chainnet.builtin_templates():
        t = chainnet.load_template(tid)
        section = text.split(f"### `{tid}` codes and keywords")[1].split("###")[0]
        for row in t.segments.itertuples(index=False):
            line = next(ln for ln in section.splitlines() if ln.startswith(f"| `{row.id}` |"))
            assert all(w in line for w in row.keywords), (tid, row.id)
            assert all(f"{c} {TITLES[c]}" in line for c in row.codes), (tid, row.id)


def test_registry_example_is_not_a_cluster_dataset() -> None:
    assert "registry_examples" not in chainnet.available_datasets()


def test_xlsx_with_drop_down_list_and_stale_dimension_imports_every_row(tmp_path: Path) -> None:
    """A registry workbook as Excel users leave it: a drop-down list on a column (openpyxl warns
    about the data-validation extension) and a stale <dimension> that names fewer rows than the
    sheet has. Every firm row must be read, and the CLI must finish with no library warning."""
    import re
    import zipfile

    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    for row in ROWS:
        ws.append(row.split(","))
    dv = DataValidation(type="list", formula1='"铜官区,义安区"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("I2:I100")
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    stale = tmp_path / "registry.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:C3" />', data)
                assert n == 1  # the file really carries a (now stale) dimension
            zout.writestr(item, data)
    r = CliRunner().invoke(main, ["import", str(stale), "--template", "copper", "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "Data Validation" not in r.output and "extension" not in r.output
    review = pd.read_excel(tmp_path / "out" / "review.xlsx", sheet_name="decisions")
    assert len(review) == len(ROWS)  # one decision per input firm, none dropped by the stale dimension
