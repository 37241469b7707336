"""The example registry export in datasets/registry_examples/ rebuilds identically and has its flaws
exactly where its README says (rows counted as a spreadsheet shows them, header = row 1)."""

from __future__ import annotations

import csv
import importlib.util
import io
import unicodedata
import zipfile
from pathlib import Path
from xml.etree.ElementTree import canonicalize

import openpyxl
import pytest

from chainnet.template import load_template

FOLDER = Path(__file__).resolve().parent.parent / "datasets" / "registry_examples"
FILES = ["copper_registry_export.csv", "copper_registry_export.xlsx", "copper_registry_answers.csv"]
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def valid(code: str) -> bool:
    """GB 32100-2015 check after NFKC normalisation and removal of spaces."""
    code = unicodedata.normalize("NFKC", code).replace(" ", "")
    if len(code) != 18 or any(c not in CHARSET for c in code):
        return False
    total = sum(CHARSET.index(c) * w for c, w in zip(code, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31] == code[17]


@pytest.fixture(scope="module")
def export() -> list[list[str]]:
    raw = (FOLDER / "copper_registry_export.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")                       # it really is GBK, as Chinese Excel writes it
    return [[], *csv.reader(io.StringIO(raw.decode("gbk")))]   # list index = spreadsheet row


def row(export: list[list[str]], n: int) -> dict[str, str]:
    return dict(zip(export[1], export[n]))


def _parts(path: Path) -> dict[str, str | bytes]:
    """The parts of an .xlsx, XML in canonical form (C14N 2.0).

    openpyxl serialises the same XML tree differently with and without lxml installed (``<a/>`` or
    ``<a />``, ``&#20225;`` or UTF-8), so the zip bytes depend on the environment; the tree does not.
    """
    with zipfile.ZipFile(path) as z:
        return {n: canonicalize(z.read(n).decode("utf-8")) if n.endswith((".xml", ".rels")) else z.read(n)
                for n in z.namelist()}


def test_rebuild_is_identical(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_example", FOLDER / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(tmp_path)
    for name in FILES:
        if name.endswith(".xlsx"):
            assert _parts(tmp_path / name) == _parts(FOLDER / name), name
        else:
            assert (tmp_path / name).read_bytes() == (FOLDER / name).read_bytes(), name


def test_hand_worked_check_character(export: list[list[str]]) -> None:
    # worked by hand in the README: weighted sum 1308, 1308 mod 31 = 6, 31 - 6 = 25 -> 'R'
    assert row(export, 2)["统一社会信用代码"] == "91349903442323229R"
    assert valid("91349903442323229R") and not valid("913499034423232290")


def test_flaws_are_where_the_readme_says(export: list[list[str]]) -> None:
    assert len(export) - 1 == 79
    codes = {n: row(export, n)["统一社会信用代码"] for n in range(2, 80)}
    assert codes[20] == "９１３４９９０２ ＭＡＹＦＧＢＵＴ８Ｙ" and valid(codes[20])
    assert codes[23] == "91349971MAM69R1CX3" and not valid(codes[23]) and valid(codes[23][:17] + "U")
    assert codes[36] == codes[37] == ""
    assert codes[6] == codes[59] == "913499716515947891"
    assert row(export, 6)["企业名称"] == row(export, 59)["企业名称"]
    flawed = {20, 23, 36, 37}
    assert all(valid(c) for n, c in codes.items() if n not in flawed)
    assert len({c for n, c in codes.items() if n not in flawed}) == 79 - 1 - len(flawed) - 1   # 6 and 59 share
    for n, staff in ((27, "85"), (31, "140")):
        assert row(export, n)["营业收入(万元)"] == "" and row(export, n)["参保人数"] == staff


def test_xlsx_holds_the_same_table_as_text_and_numbers(export: list[list[str]]) -> None:
    sheet = openpyxl.load_workbook(FOLDER / "copper_registry_export.xlsx").worksheets[0]
    cells = list(sheet.iter_rows(values_only=True))
    assert len(cells) == 79
    for n, values in enumerate(cells, start=1):
        assert ["" if v is None else str(v) for v in values] == export[n], n
    assert sheet["C18"].value == "0911" and sheet["C18"].data_type == "s"      # code keeps its leading zero
    assert sheet["G2"].data_type == "n"


def test_answers_match_the_export_and_the_template(export: list[list[str]]) -> None:
    segments = set(load_template("copper").segments["id"])
    with open(FOLDER / "copper_registry_answers.csv", encoding="utf-8", newline="") as f:
        answers = list(csv.DictReader(f))
    assert [int(a["row"]) for a in answers] == list(range(2, 80))
    for a in answers:
        r = row(export, int(a["row"]))
        assert a["企业名称"] == r["企业名称"]
        assert set(filter(None, a["expected_segments"].split(";"))) <= segments
        assert (a["expected_external"] == "true") == (not r["注册地址"].startswith("青禾市"))
        if a["expected_role_hint"]:
            assert a["expected_segments"] == ""
    assert sum(a["expected_external"] == "true" for a in answers) == 8
