"""``report.docx``: a :class:`~chainnet.report.document.Document` as a Word file (python-docx).

What a report author needs to hand the file on: real heading styles (Heading 1-3, so Word's
navigation pane and a table of contents work), Word tables with a bold header row repeated on
every page, the figures at the resolution they were drawn (``--dpi``) sized to the text width
with numbered captions (Caption style and a ``SEQ`` field, so Word can build a list of figures),
East Asian fonts named on every style (宋体 / 黑体, so Word and WPS render Chinese without
substitution), page numbers in the footer, A4 paper and the document language. The file is
byte-identical for the same report: no clock is read (``SOURCE_DATE_EPOCH`` sets the creation
time when given).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._errors import ChainnetError
from .document import Document, Figure, Heading, Paragraph, Table
from .docx_layout import (
    CELL_MARGIN_TWIPS,
    CELL_PAD,
    HALF_EM,
    TABLE_PT,
    column_wants,
    column_widths,
    landscape_blocks,
    table_height,
)
from .render_md import _text

#: Latin and East Asian font of the body text and of the headings
BODY_FONTS = ("Times New Roman", "SimSun")
HEADING_FONTS = ("Arial", "SimHei")
#: caption label (also the ``SEQ`` field's identifier, as Word names it in each language)
FIGURE_LABEL = {"en": "Figure", "zh": "图"}
LANG_TAG = {"en": "en-US", "zh": "zh-CN"}
#: A4 in millimetres and the margins
PAGE_MM = (210.0, 297.0)
MARGIN_MM = (25.0, 22.0)  # left/right, top/bottom
BODY_PT = {"en": 11.0, "zh": 10.5}  # zh: 五号
HEADING_PT = {1: 16.0, 2: 14.0, 3: 12.0}  # 三号, 四号, 小四
#: a figure never takes more than this share of the text height (its caption goes below)
FIGURE_MAX_HEIGHT = 0.82
#: the fixed zip timestamp when no SOURCE_DATE_EPOCH is set (the earliest a zip can hold)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: characters XML 1.0 cannot hold (python-docx refuses them): control characters from user data
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: a table of this many columns or more whose body text does not fit a portrait page, and a figure
#: this much wider than tall, go on a landscape page
WIDE_TABLE_COLUMNS = 8
WIDE_FIGURE_ASPECT = 1.8
#: a table is kept on one page when its estimated height is at most this share of the text height
#: (a longer one would leave a large blank at the foot of the page before it)
KEEP_TOGETHER_SHARE = 0.4
_NUMBER = re.compile(r"^[-+−]?(\d[\d,]*)?(\.\d+)?\s*%?$")


def _clean(text: Any) -> str:
    """A value as text Word can hold: one line, control characters removed."""
    return _NOT_XML.sub("", _text(text))


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _set_fonts(rpr: Any, latin: str, east_asia: str) -> None:
    """Name the Latin and East Asian fonts on a run-properties element (theme fonts removed: they win in Word)."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(_qn(attr), None)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:cs", latin), ("w:eastAsia", east_asia)):
        fonts.set(_qn(attr), name)


def _set_lang(rpr: Any) -> None:
    el = rpr.find(_qn("w:lang"))
    if el is None:
        from docx.oxml import OxmlElement

        el = OxmlElement("w:lang")
        rpr.append(el)
    # Latin text is English in both reports (a Chinese tag on it lets LibreOffice break words anywhere)
    el.set(_qn("w:val"), "en-US")
    el.set(_qn("w:eastAsia"), "zh-CN")


def _setup_styles(d: Any, lang: str) -> None:
    """Fonts, sizes and spacing of Normal, the headings, the caption and the table text."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    styles = d.styles
    defaults = styles.element.find(_qn("w:docDefaults")).find(_qn("w:rPrDefault")).find(_qn("w:rPr"))
    _set_fonts(defaults, *BODY_FONTS)
    _set_lang(defaults)
    normal = styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr(), *BODY_FONTS)
    normal.font.size = Pt(BODY_PT[lang])
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.25
    body = styles["Body Text"]
    body.paragraph_format.space_after = Pt(6)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if lang == "zh":  # 首行缩进两字符
        body.paragraph_format.first_line_indent = Pt(2 * BODY_PT[lang])
    for level, size in HEADING_PT.items():
        h = styles[f"Heading {level}"]
        _set_fonts(h.element.get_or_add_rPr(), *HEADING_FONTS)
        h.font.size, h.font.bold = Pt(size), True
        h.font.color.rgb = RGBColor(0, 0, 0)
        h.paragraph_format.space_before = Pt(18 if level == 1 else 12)
        h.paragraph_format.space_after = Pt(6)
        linked = styles.element.get_by_id(f"Heading{level}Char")  # the character style Word links to it
        if linked is not None:
            _set_fonts(linked.get_or_add_rPr(), *HEADING_FONTS)
    cap = styles["Caption"]
    _set_fonts(cap.element.get_or_add_rPr(), *HEADING_FONTS)
    cap.font.size, cap.font.bold = Pt(TABLE_PT + 1), False
    cap.font.color.rgb = RGBColor(0, 0, 0)
    cap.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cap.paragraph_format.space_after = Pt(12)
    cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(TABLE_PT)
    cell.paragraph_format.space_after = Pt(0)
    cell.paragraph_format.line_spacing = 1.0
    cell.paragraph_format.first_line_indent = Pt(0)
    # theme fonts resolve East Asian text by this language; the template says Japanese
    theme_lang = d.settings.element.find(_qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(_qn("w:val"), "en-US")
        theme_lang.set(_qn("w:eastAsia"), "zh-CN")


def _setup_page(s: Any, *, landscape: bool = False) -> None:
    """A section on A4, portrait or landscape, with the margins."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    w, h = (PAGE_MM[1], PAGE_MM[0]) if landscape else PAGE_MM
    s.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    s.page_width, s.page_height = Mm(w), Mm(h)
    s.left_margin = s.right_margin = Mm(MARGIN_MM[0])
    s.top_margin = s.bottom_margin = Mm(MARGIN_MM[1])
    s.header_distance = s.footer_distance = Mm(12)


def _field(paragraph: Any, instruction: str, shown: str) -> None:
    """A Word field (``PAGE``, ``SEQ Figure``) with the value shown until Word updates it."""
    from docx.oxml import OxmlElement

    def run_with(child: Any) -> None:
        r = paragraph.add_run()
        r._r.append(child)

    begin, sep, end = (OxmlElement("w:fldChar") for _ in range(3))
    begin.set(_qn("w:fldCharType"), "begin")
    sep.set(_qn("w:fldCharType"), "separate")
    end.set(_qn("w:fldCharType"), "end")
    instr = OxmlElement("w:instrText")
    instr.set(_qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(begin)
    run_with(instr)
    run_with(sep)
    paragraph.add_run(shown)
    run_with(end)


def _footer(d: Any, lang: str) -> None:
    """'第 N 页 / 共 M 页' or 'Page N of M', centred, from PAGE and NUMPAGES fields."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = d.sections[0].footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    parts = (("第 ", " 页 / 共 ", " 页") if lang == "zh" else ("Page ", " of ", ""))
    p.add_run(parts[0])
    _field(p, "PAGE", "1")
    p.add_run(parts[1])
    _field(p, "NUMPAGES", "1")
    if parts[2]:
        p.add_run(parts[2])


def _text_size(d: Any) -> tuple[int, int]:
    """Width and height of the text area of the current (last) section in EMU."""
    s = d.sections[-1]
    return (s.page_width - s.left_margin - s.right_margin, s.page_height - s.top_margin - s.bottom_margin)


def _cell_text(cell: Any, text: str, *, style_id: str, bold: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = cell.paragraphs[0]
    p._p.get_or_add_pPr().style = style_id  # by id: python-docx looks a style object up among all styles
    if text:
        p.add_run(text).bold = bold or None
    if not bold and text and _NUMBER.match(text) and any(ch.isdigit() for ch in text):
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement

    shd = OxmlElement("w:shd")
    shd.set(_qn("w:val"), "clear")
    shd.set(_qn("w:color"), "auto")
    shd.set(_qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _cells(block: Table) -> tuple[list[str], list[list[str]]]:
    df = block.df
    return [_clean(c) for c in df.columns], [[_clean(v) for v in row] for row in df.itertuples(index=False)]


def _cell_margins(table: Any) -> None:
    """Narrow left and right cell margins (``CELL_MARGIN_TWIPS``): more room for text in a dense table."""
    from docx.oxml import OxmlElement

    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(_qn("w:w"), str(CELL_MARGIN_TWIPS))
        el.set(_qn("w:type"), "dxa")
        mar.append(el)
    tblpr = table._tbl.tblPr
    look = tblpr.find(_qn("w:tblLook"))
    if look is not None:  # tblCellMar comes before tblLook in the schema's order
        look.addprevious(mar)
    else:
        tblpr.append(mar)


def _table(d: Any, block: Table) -> None:
    """A Word table: bold shaded header row repeated on every page, rows never split, widths fitted."""
    from docx.oxml import OxmlElement
    from docx.shared import Emu

    columns, rows = _cells(block)
    width, height = _text_size(d)
    widths = column_widths(columns, rows, total=width, unit=HALF_EM, pad=CELL_PAD)
    table = d.add_table(rows=1 + len(rows), cols=len(columns))
    table.style = d.styles["Table Grid"]
    table.autofit = False  # a fixed layout: Word keeps the widths below instead of fitting to content
    _cell_margins(table)
    style_id = d.styles["Table Text"].style_id
    together = table_height([columns, *rows], widths) <= KEEP_TOGETHER_SHARE * height
    for k, (row, texts) in enumerate(zip(table.rows, [columns, *rows])):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))
        if k == 0:
            trpr.append(OxmlElement("w:tblHeader"))
        for cell, text, w in zip(row.cells, texts, widths):
            cell.width = Emu(int(w))
            _cell_text(cell, text, style_id=style_id, bold=k == 0)
            if k < len(rows) and (k == 0 or together):  # the header always stays with a row; a short table whole
                cell.paragraphs[0].paragraph_format.keep_with_next = True
            if k == 0:
                _shade(cell, "D9D9D9")
    for col, w in zip(table._tbl.tblGrid.findall(_qn("w:gridCol")), widths):
        col.set(_qn("w:w"), str(int(w) // 635))
    d.add_paragraph(style=d.styles["Table Text"])  # a little space after the table (and keeps two tables apart)


def _figure(d: Any, block: Figure, folder: Path, number: int, lang: str) -> None:
    """The figure at the text width (or lower, for a tall one), then '图N …' / 'Figure N …' in Caption style."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.image.image import Image
    from docx.shared import Emu

    path = folder / "figures" / f"{block.name}.png"
    img = Image.from_file(str(path))
    width, height = _text_size(d)
    w = width
    if w * img.px_height / img.px_width > FIGURE_MAX_HEIGHT * height:
        w = int(FIGURE_MAX_HEIGHT * height * img.px_width / img.px_height)
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = True
    p.paragraph_format.first_line_indent = Emu(0)
    p.paragraph_format.line_spacing = 1.0
    shape = p.add_run().add_picture(str(path), width=Emu(w), height=Emu(int(w * img.px_height / img.px_width)))
    shape._inline.docPr.set("descr", _clean(block.caption))
    cap = d.add_paragraph(style="Caption")
    label = FIGURE_LABEL[lang]
    cap.add_run(label if lang == "zh" else f"{label} ")
    _field(cap, f"SEQ {label} \\* ARABIC", str(number))
    cap.add_run(" " + _clean(block.caption))


def _core_properties(d: Any, doc: Document, lang: str) -> None:
    """Title, language, author and, only from SOURCE_DATE_EPOCH, the creation time (no clock is read)."""
    from .._version import __version__

    cp = d.core_properties
    cp.title = _clean(doc.title)
    cp.language = LANG_TAG[lang]
    cp.author = cp.last_modified_by = "chainnet"
    cp.comments = f"chainnet {__version__}"
    cp.subject = cp.keywords = cp.category = ""
    cp.revision = 1
    stamp = _source_date()
    el = cp._element
    for tag in ("dcterms:created", "dcterms:modified"):
        node = el.find(_qn(tag))
        if node is not None:
            el.remove(node)
    if stamp is not None:
        cp.created = cp.modified = stamp.replace(tzinfo=None)


def _source_date() -> datetime | None:
    """The time in ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention), or None."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw.isdigit():
        return None
    return datetime.fromtimestamp(int(raw), UTC)


#: docProps/app.xml: python-docx's template says "Microsoft Macintosh Word", one page and no words
_APP_XML = (b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            b"<Application>chainnet</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
            b"<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
            b"<HyperlinksChanged>false</HyperlinksChanged></Properties>")
_THUMBNAIL = "docProps/thumbnail.jpeg"
_THUMBNAIL_REL = re.compile(rb"<Relationship [^>]*Target=\"docProps/thumbnail\.jpeg\"\s*/>")


def _repack(data: bytes) -> bytes:
    """The same package with every zip entry dated alike (python-docx stamps them with the clock), without
    the template's thumbnail (a picture of some other document) and with neutral application properties."""
    stamp = _source_date()
    when = max(_ZIP_EPOCH, stamp.timetuple()[:6]) if stamp else _ZIP_EPOCH
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == _THUMBNAIL:
                continue
            content = src.read(info)
            if info.filename == "_rels/.rels":
                content = _THUMBNAIL_REL.sub(b"", content)
            elif info.filename == "docProps/app.xml":
                content = _APP_XML
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            # PNGs are compressed already: stored as they are (deflating them again only costs time)
            entry.compress_type = zipfile.ZIP_STORED if info.filename.endswith(".png") else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def _is_wide(block: Any, folder: Path) -> bool:
    """Whether a table or figure reads better on a landscape page (see WIDE_TABLE_COLUMNS, WIDE_FIGURE_ASPECT)."""
    if isinstance(block, Table) and len(block.df.columns) >= WIDE_TABLE_COLUMNS:
        columns, rows = _cells(block)
        portrait = (PAGE_MM[0] - 2 * MARGIN_MM[0]) * 36000
        _, _, body = column_wants(columns, rows)
        return sum(body) * HALF_EM + len(columns) * CELL_PAD > portrait
    if isinstance(block, Figure):
        from docx.image.image import Image

        img = Image.from_file(str(folder / "figures" / f"{block.name}.png"))
        return img.px_width >= WIDE_FIGURE_ASPECT * img.px_height
    return False


def render_docx(doc: Document, folder: Path) -> bytes:
    """The report as a .docx file's bytes; figures are read from ``folder/figures/<name>.png``.

    Wide tables and figures (with their headings) get landscape pages; everything else is A4 portrait.
    """
    try:
        import docx
    except ImportError as e:  # a declared dependency, but an environment may lack it
        raise ChainnetError("the 'python-docx' package, which writes report.docx, is not installed; run: "
                            "pip install python-docx (or leave docx out of --formats)") from e
    from docx.enum.section import WD_SECTION

    folder = Path(folder)
    missing = [str(folder / "figures" / f"{b.name}.png") for b in doc.blocks
               if isinstance(b, Figure) and not (folder / "figures" / f"{b.name}.png").is_file()]
    if missing:
        raise ChainnetError(f"report.docx embeds the figures, but {', '.join(missing)} "
                            f"{'is' if len(missing) == 1 else 'are'} missing: draw them first (compute(..., figures_dir=...))")
    lang = doc.lang if doc.lang in LANG_TAG else "en"
    d = docx.Document()
    _setup_styles(d, lang)
    _setup_page(d.sections[0])
    _footer(d, lang)
    _core_properties(d, doc, lang)
    body = d.styles["Body Text"]
    landscape = landscape_blocks(doc.blocks, [_is_wide(b, folder) for b in doc.blocks])
    figures, current = 0, False
    blocks = doc.blocks
    for k, (b, wide) in enumerate(zip(blocks, landscape)):
        if wide != current:  # a section break: the footer (page numbers) carries on
            _setup_page(d.add_section(WD_SECTION.NEW_PAGE) if k else d.sections[0], landscape=wide)
            current = wide
        if isinstance(b, Heading):
            d.add_paragraph(_clean(b.text), style=f"Heading {min(max(b.level, 1), 3)}")
        elif isinstance(b, Paragraph):
            p = d.add_paragraph(_NOT_XML.sub("", b.text), style=body)
            if k + 1 < len(blocks) and isinstance(blocks[k + 1], Table):  # a table's lead-in stays with it
                p.paragraph_format.keep_with_next = True
        elif isinstance(b, Table):
            _table(d, b)
        elif isinstance(b, Figure):
            figures += 1
            _figure(d, b, folder, figures, lang)
    buf = io.BytesIO()
    d.save(buf)
    return _repack(buf.getvalue())


def write_docx(doc: Document, folder: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Write ``report.docx`` (:func:`render_docx`) to ``path``; return the path."""
    out = Path(path)
    out.write_bytes(render_docx(doc, Path(folder)))
    return out


__all__ = ["render_docx", "write_docx"]
