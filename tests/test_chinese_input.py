"""Chinese input habits (issue 14, section 2): role words, separators, delimiters, row numbers, echoed values.

Every expected row number below is counted by hand from the text of the file (header = row 1,
blank lines included), as a person sees it in a spreadsheet or editor.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
import pytest

import chainnet
from chainnet import ValidationError
from tests.conftest import FIRMS, LINKS, write_cluster_folder


def problems_of(path: Path) -> str:
    with pytest.raises(ValidationError) as exc:
        chainnet.read_cluster(path)
    return str(exc.value)


def test_chinese_role_words_read_as_schema_roles(tmp_path: Path) -> None:
    firms = """firm_id,name,role,segments
a,甲,龙头,ore
b,乙,链主企业,metal
c,丙,骨干,parts
d,丁,骨干企业,ore
e,戊,中小企业,metal
f,己,科研机构,
g,庚,高校,
h,辛,服务机构,
i,壬,Leader,parts
"""
    with pytest.warns(chainnet.DataWarning, match="links unknown"):  # a firm list without links.csv
        c = chainnet.read_cluster(write_cluster_folder(tmp_path / "x", firms=firms, links=None))
    roles = dict(zip(c.firms["firm_id"], c.firms["role"]))
    assert roles == {"a": "leader", "b": "leader", "c": "backbone", "d": "backbone", "e": "sme",
                     "f": "institution", "g": "institution", "h": "service", "i": "leader"}


def test_full_width_semicolon_and_enumeration_comma_separate_segments(tmp_path: Path) -> None:
    firms = 'firm_id,name,role,segments\na,A,sme,ore；metal\nb,B,leader,metal、parts\nc,C,sme," ore ；parts "\n'
    with pytest.warns(chainnet.DataWarning, match="links unknown"):  # a firm list without links.csv
        c = chainnet.read_cluster(write_cluster_folder(tmp_path / "x", firms=firms, links=None))
    segs = dict(zip(c.firms["firm_id"], c.firms["segments"]))
    assert segs == {"a": ("ore", "metal"), "b": ("metal", "parts"), "c": ("ore", "parts")}


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_separated_csv_are_detected(tmp_path: Path, sep: str) -> None:
    # a European Excel writes ';' (the decimal separator being a comma); segments then use '、'
    firms = FIRMS.replace("metal;parts", "metal、parts").replace(",", sep)
    links = LINKS.replace(",", sep)
    c = chainnet.read_cluster(write_cluster_folder(tmp_path / "x", firms=firms, links=links))
    assert list(c.firms["firm_id"]) == ["a", "b", "c"]
    assert c.firms.set_index("firm_id").at["b", "segments"] == ("metal", "parts")
    assert c.firms.set_index("firm_id").at["a", "output"] == 1.5
    assert sorted(c.links["weight"]) == [1.0, 1.0, 2.5]


def test_wrong_field_count_names_the_delimiter_seen(tmp_path: Path) -> None:
    firms = "firm_id;name;role;segments\na;A;sme;ore\nb;B;sme\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms, links=None))
    assert "firms.csv, row 3: has 3 fields but the header has 4 (fields separated by ';')" in msg


def test_blank_lines_count_in_row_numbers(tmp_path: Path) -> None:
    # line 1 header, 2 blank, 3 firm a, 4 blank, 5 Excel's empty row ',,,', 6 firm b with a bad role
    firms = "firm_id,name,role,segments\n\na,A,sme,ore\n\n,,,\nb,B,boss,metal\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms, links=None))
    assert "firms.csv, row 6, column 'role': unknown role 'boss'" in msg
    assert msg.startswith("1 problem found")  # the blank rows are not firms


def test_blank_lines_in_links_count_too(tmp_path: Path) -> None:
    links = "source,target,kind,weight,year\na,b,supply,2.5,2018\n\n\nb,c,supply,1,2019年\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", links=links))
    assert "links.csv, row 5, column 'year': year must be a whole number: '2019年'" in msg


def test_bad_values_are_echoed(tmp_path: Path) -> None:
    firms = "firm_id,name,name_zh,role,segments,external,output\n" + \
        "a,Alpha,阿,sme,ore,false,约1.5\nb,Beta,贝,leader,metal,no,20\nc,Gamma,伽,sme,parts,maybe,1\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms, links=None))
    assert "firms.csv, row 2, column 'output': output must be a number: '约1.5'" in msg
    assert ("firms.csv, row 4, column 'external': external must be true or false "
            "(also accepted: 1/0, yes/no, 是/否): 'maybe'") in msg


def test_negative_weight_and_unknown_evidence_are_echoed(tmp_path: Path) -> None:
    links = "source,target,weight,evidence\na,b,-2.5,reported\nb,c,1,猜测\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", links=links))
    assert "links.csv, row 2, column 'weight': weight must be > 0: '-2.5'" in msg
    assert "links.csv, row 3, column 'evidence': evidence must be one of reported, modeled: '猜测'" in msg


def test_unknown_segment_lists_the_chain_in_order_and_points_to_templates_show(tmp_path: Path) -> None:
    firms = FIRMS.replace("sme,ore,false", "sme,oar,false")
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms))
    # the mini chain runs ore -> metal -> parts (alphabetical would be metal, ore, parts)
    assert ("firms.csv, row 2, column 'segments': unknown segment id 'oar'; the template's segments, "
            "upstream to downstream, are: ore, metal, parts; see `chainnet templates show ") in msg
    assert "mini.toml`" in msg


def test_builtin_template_hint_names_its_id(tmp_path: Path) -> None:
    folder = write_cluster_folder(tmp_path / "x", firms=FIRMS.replace("sme,ore,false", "sme,oar,false"), links=None)
    text = (folder / "cluster.toml").read_text(encoding="utf-8").replace('template = "mini.toml"', 'template = "copper"')
    (folder / "cluster.toml").write_text(text, encoding="utf-8")
    msg = problems_of(folder)
    assert "see `chainnet templates show copper`" in msg
    copper = chainnet.load_template("copper")
    assert ", ".join(copper.order[:3]) in msg


def _firms_workbook(path: Path, rows: list[tuple]) -> Path:
    c = chainnet.load_dataset("demo_copper")
    chainnet.write_cluster(c, path)
    wb = openpyxl.load_workbook(path)
    wb["links"].delete_rows(2, wb["links"].max_row)
    ws = wb["firms"]
    ws.delete_rows(2, ws.max_row)
    for r, row in rows:
        for j, v in enumerate(row, start=1):
            ws.cell(row=r, column=j, value=v)
    wb.save(path)
    return path


def test_sheet_rows_are_the_rows_excel_shows_and_stray_cells_are_ignored(tmp_path: Path) -> None:
    c = chainnet.load_dataset("demo_copper")
    good = c.firms.iloc[0]
    seg = good["segments"][0]
    # header row 1; row 2 blank; row 3 a firm; row 5 a firm with a bad role; a note in row 9
    p = _firms_workbook(tmp_path / "w.xlsx", [
        (3, (good["firm_id"], good["name"], good["role"], seg)),
        (5, ("zz_new", "New firm", "boss", seg)),
        (9, ("Source: field survey 2023",)),
    ])
    wb = openpyxl.load_workbook(p)
    wb["firms"].cell(row=3, column=30, value="checked")  # far right, no header above
    wb.save(p)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        msg = problems_of(p)
    assert "w.xlsx sheet 'firms', row 5, column 'role': unknown role 'boss'" in msg
    assert msg.startswith("1 problem found")  # the note in A9 is not read as a firm
    stray = [str(w.message) for w in caught if issubclass(w.category, chainnet.DataWarning)]
    assert any("AD3" in s and "A9" in s for s in stray), stray
