"""The pyarrow CSV path of the importer reads exactly what the csv module reads, rows included, or steps aside."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

import chainnet
from chainnet.importer.fastcsv import read_table


def reference(data: bytes, delimiter: str = ",") -> tuple[list[list[str]], list[int]]:
    """The csv module's non-blank records and the line each ends on (header = row 1)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter)
    rows, nums = [], []
    for r in reader:
        if "".join(r).strip():
            rows.append(r)
            nums.append(reader.line_num)
    return rows, nums


AGREE = [
    b"a,b\n1,2\n",
    b'name,code\n"A, Ltd",3251\n\n,\n"say ""hi""",\n',
    b'a,b\n"ab"c,d\nx"y,z\n"x" ,y\n',               # quotes where the csv module is lenient
    "a,b\r\nc,d\r\n\r\n \t, \u3000\r\ne,f".encode(),  # CRLF, a blank line, a whitespace row, no final newline
    "企业名称,行业代码\n甲铜箔有限公司,3251\n\u2028,\x1c\n乙,\n".encode(),
    b"\n\ntitle,\nname,code\nx,1\n",                  # blank lines before a title row
]


@pytest.mark.parametrize("data", AGREE)
def test_same_records_and_rows_as_the_csv_module(data: bytes) -> None:
    got = read_table(data, ",")
    assert got is not None
    rows, nums = reference(data)
    assert got[0].values.tolist() == rows
    assert got[1].tolist() == nums


@pytest.mark.parametrize("data", [
    b'a,b\n"two\nlines",x\n',   # a record over two lines: its row needs the csv module
    b"a,b\nc\rd,e\n",           # a lone carriage return ends a line for the csv module
    b"a,b\nc\n",                # ragged
    b"a,b\nc,d,e\n",
    b"a,b\nc\x00,d\n",          # NUL
    b"",
])
def test_steps_aside_when_it_cannot_prove_the_same_reading(data: bytes) -> None:
    assert read_table(data, ",") is None


def test_random_quoted_files_agree() -> None:
    rng = random.Random(7)
    pieces = ["a", "铜箔", " ", "", ",", '"', "x y", "\u3000", "\t"]
    for _ in range(200):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator=rng.choice(["\n", "\r\n"]))
        for _ in range(rng.randint(1, 8)):
            w.writerow(["".join(rng.choice(pieces) for _ in range(rng.randint(0, 3))) for _ in range(3)])
        data = buf.getvalue().encode()
        got = read_table(data, ",")
        if got is not None:
            rows, nums = reference(data)
            assert (got[0].values.tolist(), got[1].tolist()) == (rows, nums), data


def test_tab_separated() -> None:
    data = "名称\t代码\n甲,乙\t3251\n".encode()
    got = read_table(data, "\t")
    assert got[0].values.tolist() == [["名称", "代码"], ["甲,乙", "3251"]]


def test_import_rows_are_the_same_with_a_record_over_two_lines(tmp_path: Path) -> None:
    """A multi-line cell sends the file to the csv module; row numbers in decisions stay right."""
    one = "企业名称,主营产品,经营范围\n甲铜箔有限公司,电解铜箔,技术服务 货物进出口\n乙公司,漆包线,\n"
    two = '企业名称,主营产品,经营范围\n甲铜箔有限公司,电解铜箔,"技术服务\n货物进出口"\n乙公司,漆包线,\n'
    (tmp_path / "one.csv").write_text(one, encoding="utf-8")
    (tmp_path / "two.csv").write_text(two, encoding="utf-8")
    a = chainnet.import_firms(tmp_path / "one.csv", template="copper").decisions
    b = chainnet.import_firms(tmp_path / "two.csv", template="copper").decisions
    assert a["row"].tolist() == [2, 3]
    assert b["row"].tolist() == [3, 4]   # the first record ends on line 3
    assert b["segments"].tolist() == a["segments"].tolist() == ["foil", "enamelled_wire"]
