"""report.docx: opened back with python-docx, every fact checked against the Document it was written from.

A hand-made Document (known headings, a table with known cells, figures of known pixel sizes)
gives exact expectations: EMU sizes worked out from A4 and the margins by hand. Two real reports
(Tongling in Chinese, the demo cluster in English) are checked block by block, and one is turned
into a PDF by LibreOffice where it is installed.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import pandas as pd
import pytest
from click.testing import CliRunner
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from PIL import Image

import chainnet
from chainnet._errors import ChainnetError
from chainnet.cli import main
from chainnet.report import REPORT_FORMATS, Document, Figure, Heading, Paragraph, Table, compute
from chainnet.report.docx_layout import column_widths
from chainnet.report.render_docx import render_docx, write_docx

# Word stores page sizes in twips (1/1440 inch, 635 EMU): A4 is 11906 x 16838 twips, a 25 mm margin
# 1417 twips (25 / 25.4 * 1440 = 1417.3), a 22 mm margin 1247 twips (1247.2)
TW = 635
A4 = (11906 * TW, 16838 * TW)
PORTRAIT_TEXT = (11906 - 2 * 1417) * TW
LANDSCAPE_TEXT = (16838 - 2 * 1417) * TW
PORTRAIT_HEIGHT = (16838 - 2 * 1247) * TW


def _png(path: Path, size: tuple[int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (30, 120, 200)).save(path)


#: a name from user data that would be a formula, markup or a field code elsewhere: text in Word
HOSTILE = '=HYPERLINK("http://example.invalid") <b>x</b> { PAGE } `y`'


def _handmade(folder: Path, lang: str) -> Document:
    """Title, lead, a table, a normal, a wide (3:1) and a tall (1:3) figure."""
    _png(folder / "figures" / "a.png", (400, 300))
    _png(folder / "figures" / "wide.png", (900, 300))
    _png(folder / "figures" / "tall.png", (300, 900))
    zh = lang == "zh"
    df = pd.DataFrame({"企业" if zh else "firm": ["链主企业A", HOSTILE], "share": ["13.1%", 0.5],
                       "note": ["x\x07y", float("nan")]})
    return Document(lang, [
        Heading(1, "铜陵 报告" if zh else "Copper report"),
        Paragraph("首段\x00文字" if zh else "Lead\x00 text"),
        Heading(2, "概要" if zh else "Summary"),
        Table(df),
        Figure("a", "甲图" if zh else "A"),
        Heading(2, "宽图" if zh else "Wide"),
        Figure("wide", "乙图" if zh else "B"),
        Heading(3, "细节" if zh else "Details"),
        Paragraph("末段" if zh else "Last"),
        Figure("tall", "丙图" if zh else "C"),
    ])


def _write(doc: Document, folder: Path) -> Any:
    path = write_docx(doc, folder, folder / "report.docx")
    return docx.Document(str(path))


def _headings(d: Any) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith("Heading")]


def _captions(d: Any) -> list[Any]:
    return [p for p in d.paragraphs if p.style.name == "Caption"]


def _instructions(element: Any) -> list[str]:
    return [t.text.strip() for t in element.iter(qn("w:instrText"))]


def _tables_by_section(d: Any) -> list[tuple[Any, int]]:
    """(table element, text width of the section holding it), in document order."""
    body = d.element.body
    found, pending = [], []
    for child in body.iterchildren():
        if child.tag == qn("w:tbl"):
            pending.append(child)
        sect = child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") if child.tag == qn("w:p") else None
        if child.tag == qn("w:sectPr"):
            sect = child
        if sect is not None:
            size, mar = sect.find(qn("w:pgSz")), sect.find(qn("w:pgMar"))
            width = (int(size.get(qn("w:w"))) - int(mar.get(qn("w:left"))) - int(mar.get(qn("w:right")))) * 635
            found += [(t, width) for t in pending]
            pending = []
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_handmade_document(tmp_path: Path, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    zh = lang == "zh"
    d = _write(_handmade(tmp_path, lang), tmp_path)
    # headings: Word's own heading styles, in the Document's order
    assert _headings(d) == [("Heading 1", "铜陵 报告" if zh else "Copper report"),
                            ("Heading 2", "概要" if zh else "Summary"), ("Heading 2", "宽图" if zh else "Wide"),
                            ("Heading 3", "细节" if zh else "Details")]
    assert [p.text for p in d.paragraphs if p.style.name == "Body Text"] == (
        ["首段文字", "末段"] if zh else ["Lead text", "Last"])  # a NUL from the data is dropped, not fatal
    # the table: header row bold, repeated on each page; cells as shown; numbers right-aligned
    (table,) = d.tables
    head, *body = table.rows
    assert [c.text for c in head.cells] == ["企业" if zh else "firm", "share", "note"]
    assert [[c.text for c in r.cells] for r in body] == [["链主企业A", "13.1%", "xy"], [HOSTILE, "0.5", ""]]
    assert head._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(r.bold for c in head.cells for r in c.paragraphs[0].runs)
    assert body[0].cells[1].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert body[0].cells[0].paragraphs[0].alignment is None
    # figures: text width, aspect kept; the wide one on a landscape page, the tall one fits the height
    shapes = d.inline_shapes
    assert len(shapes) == 3
    assert (shapes[0].width, shapes[0].height) == (PORTRAIT_TEXT, PORTRAIT_TEXT * 3 // 4)
    assert (shapes[1].width, shapes[1].height) == (LANDSCAPE_TEXT, LANDSCAPE_TEXT // 3)
    assert shapes[2].height == pytest.approx(0.82 * PORTRAIT_HEIGHT, abs=3)
    assert shapes[2].width == pytest.approx(0.82 * PORTRAIT_HEIGHT / 3, abs=3)
    assert [s.orientation for s in d.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    assert [(s.page_width, s.page_height) for s in d.sections] == [A4, A4[::-1], A4]
    # captions: Caption style, numbered 1, 2, 3 by a SEQ field Word can renumber
    caps = _captions(d)
    assert [p.text for p in caps] == (["图1 甲图", "图2 乙图", "图3 丙图"] if zh else
                                      ["Figure 1 A", "Figure 2 B", "Figure 3 C"])
    assert all(_instructions(p._p) == [f"SEQ {'图' if zh else 'Figure'} \\* ARABIC"] for p in caps)
    # the wide figure's heading went with it to the landscape page: the section break precedes the heading
    paras = d.paragraphs
    wide_heading = next(i for i, p in enumerate(paras) if p.text == ("宽图" if zh else "Wide"))
    assert paras[wide_heading - 1]._p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
    # East Asian fonts named on the styles (theme fonts, which would win in Word, removed)
    for name, east in (("Normal", "SimSun"), ("Heading 1", "SimHei"), ("Heading 2", "SimHei"),
                       ("Heading 3", "SimHei"), ("Caption", "SimHei")):
        fonts = d.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == east
        assert fonts.get(qn("w:asciiTheme")) is None and fonts.get(qn("w:eastAsiaTheme")) is None
    defaults = d.styles.element.find(qn("w:docDefaults")).find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "SimSun"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    # page numbers: PAGE (and NUMPAGES) fields in the footer every section shares
    footer = d.sections[0].footer
    assert _instructions(footer._element) == ["PAGE", "NUMPAGES"]
    assert len(_instructions(d.element.body)) == 3  # the three captions' SEQ: no field from the data
    assert footer.paragraphs[0].text == ("第 1 页 / 共 1 页" if zh else "Page 1 of 1")
    assert all(s.footer.is_linked_to_previous for s in d.sections[1:])
    # core properties: title and language; no clock read
    cp = d.core_properties
    assert (cp.title, cp.language) == ("铜陵 报告" if zh else "Copper report", "zh-CN" if zh else "en-US")
    assert cp.created is None and cp.author == "chainnet"


def test_same_document_same_bytes_and_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _handmade(tmp_path, "zh")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = render_docx(doc, tmp_path)
    assert render_docx(doc, tmp_path) == first
    (tmp_path / "a.docx").write_bytes(first)
    with zipfile.ZipFile(tmp_path / "a.docx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        # not the template's thumbnail (a picture of another document) nor its "Microsoft Macintosh Word"
        assert "docProps/thumbnail.jpeg" not in z.namelist() and b"thumbnail" not in z.read("_rels/.rels")
        assert b"<Application>chainnet</Application>" in z.read("docProps/app.xml")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    d = _write(doc, tmp_path)
    assert d.core_properties.created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert {i.date_time for i in zipfile.ZipFile(tmp_path / "report.docx").infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_missing_python_docx_is_a_chainnet_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "docx", None)  # `import docx` now raises ImportError
    with pytest.raises(ChainnetError, match="pip install python-docx"):
        render_docx(Document("en", [Heading(1, "T")]), tmp_path)


def test_a_missing_figure_is_named(tmp_path: Path) -> None:
    doc = _handmade(tmp_path, "en")
    (tmp_path / "figures" / "wide.png").unlink()
    with pytest.raises(ChainnetError, match=r"figures/wide\.png is missing"):
        write_docx(doc, tmp_path, tmp_path / "report.docx")
    assert not (tmp_path / "report.docx").exists()


def test_column_widths_fit_the_text_width() -> None:
    # wants 2 and 4 half-ems: fits, given as wanted
    assert column_widths(["a", "b"], [["xx", "yyyy"]], total=100, unit=1, pad=0) == [2.0, 4.0]
    # CJK counts double: "链主" wants 4, plus a pad of 1 per column
    assert column_widths(["链主", "x"], [["a", "b"]], total=100, unit=1, pad=1) == [5.0, 2.0]
    # too wide: each column gets its need (8 and 10), the spare 12 goes by text beyond the need (32 : 0)
    assert column_widths(["a", "b"], [["x " * 20, "y" * 10]], total=30, unit=1, pad=0) == [20.0, 10.0]
    # needs (16 each, the longest unbreakable words capped at 16) above the total: scaled down to it
    widths = column_widths(["a", "b"], [["x" * 30, "y" * 30]], total=20, unit=1, pad=0)
    assert widths == [10.0, 10.0] and math.isclose(sum(widths), 20)


def test_short_tables_stay_on_one_page_long_ones_flow(tmp_path: Path) -> None:
    short = pd.DataFrame({"a": ["x", "y", "z"], "b": [1, 2, 3]})
    long = pd.DataFrame({"a": [f"row {k}" for k in range(60)], "b": range(60)})  # 61 lines: > 40% of a page
    d = _write(Document("en", [Heading(1, "T"), Table(short), Table(long)]), tmp_path)
    keep = [[r.cells[0].paragraphs[0].paragraph_format.keep_with_next for r in t.rows] for t in d.tables]
    assert keep[0] == [True, True, True, None]  # every row held to the next, the last ends the table
    assert keep[1] == [True] + [None] * 60  # only the header is held to the first row
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for t in d.tables for r in t.rows)


# -- two real reports: every block of the Document found in the Word file --------------------------------
REAL = [("tongling_copper", "zh"), ("demo_copper", "en")]


@pytest.fixture(scope="module", params=REAL, ids=[f"{d}-{lang}" for d, lang in REAL])
def real(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Document, Path]:
    dataset, lang = request.param
    folder = tmp_path_factory.mktemp(f"{dataset}_{lang}")
    a = compute(chainnet.load_dataset(dataset), lang=lang, candidates=[], null_models=0,
                figures_dir=folder / "figures", dpi=40)
    return dataset, a.doc, write_docx(a.doc, folder, folder / "report.docx")


def _shown(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def test_real_report_matches_its_document(real: tuple[str, Document, Path]) -> None:
    _, doc, path = real
    d = docx.Document(str(path))
    blocks = doc.blocks
    assert _headings(d) == [(f"Heading {b.level}", b.text) for b in blocks if isinstance(b, Heading)]
    tables = [b.df for b in blocks if isinstance(b, Table)]
    assert len(d.tables) == len(tables) > 5
    for word, df in zip(d.tables, tables):
        rows = [[c.text for c in r.cells] for r in word.rows]
        assert rows[0] == [str(c) for c in df.columns]
        assert rows[1:] == [[_shown(v) for v in row] for row in df.itertuples(index=False)]
    figures = [b for b in blocks if isinstance(b, Figure)]
    assert len(d.inline_shapes) == len(figures) >= 3
    label = "图{} " if doc.lang == "zh" else "Figure {} "
    assert [p.text for p in _captions(d)] == [label.format(i) + f.caption for i, f in enumerate(figures, 1)]
    # no table wider than the text of its page (portrait, or landscape for the wide ones)
    by_section = _tables_by_section(d)
    assert len(by_section) == len(tables)
    for tbl, width in by_section:
        grid = sum(int(c.get(qn("w:w"))) for c in tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol")))
        assert grid * 635 <= width + 635 * len(tbl.find(qn("w:tblGrid")))
    assert all(0 < shape.width <= LANDSCAPE_TEXT for shape in d.inline_shapes)


def test_chinese_word_report_has_no_english_words(real: tuple[str, Document, Path]) -> None:
    from tests.test_report_language import allowed_words, english_leaks

    dataset, doc, path = real
    if doc.lang != "zh":
        pytest.skip("the English report is English")
    d = docx.Document(str(path))
    text = [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]
    text += [p.text for p in d.sections[0].footer.paragraphs] + [d.core_properties.title]
    assert english_leaks("\n".join(text), allowed_words(chainnet.load_dataset(dataset))) == []


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
def test_libreoffice_turns_the_report_into_pages(real: tuple[str, Document, Path], tmp_path: Path) -> None:
    _, doc, path = real
    profile = tmp_path / "lo_profile"  # a private profile: parallel runs do not share a lock
    out = tmp_path / "pdf"
    r = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out), str(path)], capture_output=True, text=True, timeout=300, check=False)
    pdf = out / "report.pdf"
    assert pdf.is_file(), r.stderr
    pages = len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf.read_bytes()))
    assert pages > 1
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's text is not checked")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=120,
                          check=True).stdout
    headings = [b.text for b in doc.blocks if isinstance(b, Heading) and b.level == 2]
    assert headings and all(h in text for h in headings[:3]), headings[:3]  # Chinese ones in the zh report
    if doc.lang == "zh":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in headings[0])
    # the footer's fields became numbers: "第 N 页 / 共 M 页" (or "Page N of M") with M the number of pages
    footer = r"第 (\d+) 页 / 共 (\d+) 页" if doc.lang == "zh" else r"Page (\d+) of (\d+)"
    found = re.findall(footer, text)
    assert {int(total) for _, total in found} == {pages}
    assert sorted(int(n) for n, _ in found) == list(range(1, pages + 1))


# -- the command: --formats (and --format) choose the files ---------------------------------------------
def test_formats_option_writes_only_the_word_report(mini_folder: Path, tmp_path: Path) -> None:
    assert REPORT_FORMATS == ("md", "html", "xlsx", "docx")
    out = tmp_path / "rep"
    r = CliRunner().invoke(main, ["analyze", str(mini_folder), "-o", str(out), "--formats", "docx", "--null-models",
                                  "0", "--dpi", "30", "--candidates", "demo_copper", "-q"])
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} == {"report.docx", "results.json", "firms.parquet", "links.parquet", "figures",
                                                 ".chainnet-output"}
    assert _headings(docx.Document(str(out / "report.docx")))[0][0] == "Heading 1"
    for option in ("--formats", "--format"):
        r = CliRunner().invoke(main, ["analyze", str(mini_folder), "-o", str(tmp_path / option), option, "md,pdf"])
        assert r.exit_code == 2 and "pdf" in r.output and "--formats" in r.output
        assert not (tmp_path / option).exists()
