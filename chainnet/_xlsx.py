"""The one way chainnet writes Excel workbooks (``report.xlsx`` and ``export --to xlsx``).

Data are never formulas: every string is written as a text cell, so a firm named
``=HYPERLINK("http://...")`` or ``=cmd|' /C calc'!A0`` stays that text in Excel (openpyxl alone
would turn any string starting with ``=`` into a live formula, and ``#N/A`` into an error
value), and it reads back exactly. The workbook does not ask Excel to recalculate on opening.
Floats are written exactly (shortest repr), so a workbook round-trips bit for bit. Sheets that
Excel cannot hold (more than 1,048,576 rows or 16,384 columns, a text over 32,767 characters)
are refused with a :class:`ValidationError` before anything is written.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import Problem, ValidationError

#: Excel's limits per sheet (rows include the header row) and per cell.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_TEXT = 32_767
#: Excel's limit on the length of a sheet name.
MAX_SHEET_NAME = 31


def check_sheets(sheets: Mapping[str, pd.DataFrame], *, file: str) -> None:
    """Raise a :class:`ValidationError` listing every sheet or cell Excel cannot hold.

    >>> check_sheets({"firms": pd.DataFrame({"name": ["a" * 40_000]})}, file="x.xlsx")
    Traceback (most recent call last):
    ...
    chainnet._errors.ValidationError: 1 problem found in x.xlsx:
      - x.xlsx sheet 'firms', row 2, column 'name': has 40,000 characters; an Excel cell holds at most 32,767...
    """
    problems = []
    for name, df in sheets.items():
        label = f"{file} sheet '{name}'"
        if len(df) + 1 > MAX_ROWS:
            problems.append(Problem(label, f"needs {len(df) + 1:,} rows with the header; an Excel sheet holds at most "
                                           f"{MAX_ROWS:,}: write a folder (CSV), GraphML, GEXF or JSON instead"))
            continue
        if df.shape[1] > MAX_COLUMNS:
            problems.append(Problem(label, f"has {df.shape[1]:,} columns; an Excel sheet holds at most {MAX_COLUMNS:,}"))
            continue
        for col in df.columns:
            if pd.api.types.is_numeric_dtype(df[col].dtype):
                continue
            lengths = df[col].map(lambda v: len(v) if isinstance(v, str) else 0).to_numpy()
            rows = tuple(int(i) + 2 for i in np.flatnonzero(lengths > MAX_TEXT))
            if rows:
                problems.append(Problem(label, f"has {int(lengths.max()):,} characters; an Excel cell holds at most "
                                               f"{MAX_TEXT:,}: write a folder (CSV) or JSON instead", rows, str(col)))
    if problems:
        raise ValidationError(problems, subject=file)


@dataclass(frozen=True)
class Sheet:
    """A table with its presentation, for :func:`write_workbook`.

    Parameters
    ----------
    table : the table (its columns become the header row)
    formats : column -> Excel number format (``'0.0%'``, ``'#,##0'`` ...) for its numbers, or a
        sequence with one format (or None) per row
    notes : lines written below the table after an empty row, outside the filter (what was left
        out and where the full table is)
    contents : a second table below the first (and below the notes), e.g. a list of contents
    links : sheet names, one per row of ``contents`` (or None): the first cell of that row becomes an
        internal hyperlink to the sheet
    """

    table: pd.DataFrame
    formats: Mapping[str, str | Sequence[str | None]] = field(default_factory=dict)
    notes: Sequence[str] = ()
    contents: pd.DataFrame | None = None
    links: Sequence[str | None] = ()


def write_workbook(sheets: Mapping[str, pd.DataFrame | Sheet], path: str | Path, *, file: str | None = None,
                   freeze_header: bool = False, fit_widths: bool = False, autofilter: bool = False,
                   fixed_timestamps: bool = False) -> None:
    """Write one sheet per table: a bold header row, then the rows, strings as text, never formulas.

    The workbook is streamed (openpyxl's write-only mode): rows go to disk as they are made, so
    memory and time stay proportional to the cells written, and nothing appears at ``path`` unless
    every sheet was written.

    Parameters
    ----------
    sheets : sheet name -> table or :class:`Sheet` (names are cut to Excel's 31 characters)
    path : the workbook file to write
    file : name used in error messages (default: the file name of ``path``)
    freeze_header : keep the header row in view while scrolling
    fit_widths : size each column to its longest shown text among the header and the first 500
        rows (East Asian wide and fullwidth characters count double), between 8 and 60 characters
    autofilter : put Excel's filter buttons on the header row, covering the table
    fixed_timestamps : stamp a fixed date instead of the save time, so the same tables give the
        same bytes (openpyxl writes the time into the document properties and the zip entries)
    """
    import openpyxl

    path = Path(path)
    file = file or path.name
    specs = {str(name)[:MAX_SHEET_NAME]: s if isinstance(s, Sheet) else Sheet(s) for name, s in sheets.items()}
    check_sheets({name: s.table for name, s in specs.items()}, file=file)
    wb = openpyxl.Workbook(write_only=True)
    wb.calculation.fullCalcOnLoad = False  # nothing to compute: data only
    with _exact_floats():  # write-only sheets write their cells as rows are appended
        for name, spec in specs.items():
            ws = wb.create_sheet(title=name)
            _write_sheet(ws, spec, f"{file} sheet '{ws.title}'", freeze_header=freeze_header,
                         fit_widths=fit_widths, autofilter=autofilter)
        wb.save(path)
    if fixed_timestamps:
        _fix_timestamps(path)


#: Column width units (about a character each) that fit across a portrait A4 page at 100 %.
PORTRAIT_WIDTH = 95


def _print_setup(ws: Any, width: float) -> None:
    """Printed (or turned into a PDF) the sheet fits the page width: A4, landscape when wider than
    :data:`PORTRAIT_WIDTH`, as many pages down as needed, the header row repeated on every page."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.orientation = "landscape" if width > PORTRAIT_WIDTH else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"


def _write_sheet(ws: Any, spec: Sheet, label: str, *, freeze_header: bool, fit_widths: bool,
                 autofilter: bool) -> None:
    """Stream one sheet: its layout first (write-only sheets take it before the first row), then the rows."""
    from openpyxl.utils import get_column_letter

    df = spec.table
    cols = [str(c) for c in df.columns]
    formats = [_column_formats(spec.formats.get(c), len(df)) for c in df.columns]
    columns = [_plain_column(df[c]) for c in df.columns]
    if freeze_header:
        ws.freeze_panes = "A2"
    if fit_widths:
        widths = [_width([c, *_sample(vals, fmts)]) for c, vals, fmts in zip(cols, columns, formats, strict=True)]
        if spec.contents is not None:
            more = [_width([str(c), *map(str, spec.contents[c].head(500))]) for c in spec.contents.columns]
            widths = [max(a, b) for a, b in itertools.zip_longest(widths, more, fillvalue=8)]
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = w
        _print_setup(ws, sum(widths))
    if autofilter and cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(df) + 1}"
    # the sheet's size up front (a streamed sheet has none), so readers that trust it see every row
    rows = len(df) + 1 + (len(spec.notes) + 1 if spec.notes else 0)
    rows += len(spec.contents) + 2 if spec.contents is not None else 0
    width = max(len(cols), 0 if spec.contents is None else spec.contents.shape[1], 1)
    ws.calculate_dimension = lambda: f"A1:{get_column_letter(width)}{rows}"
    _append(ws, _header(ws, cols), label, cols, 1)
    for i in range(len(df)):
        _append(ws, [_cell(ws, col[i], fmt[i] if fmt else None) for col, fmt in zip(columns, formats, strict=True)],
                label, cols, i + 2)
    row = len(df) + 2
    if spec.notes:
        ws.append([])
        row += 1
        for line in spec.notes:
            _append(ws, [_cell(ws, line, None)], label, cols, row)
            row += 1
    if spec.contents is not None:
        ws.append([])
        row += 1
        more = [str(c) for c in spec.contents.columns]
        _append(ws, _header(ws, more), label, more, row)
        links = list(spec.links) + [None] * len(spec.contents)
        for k, values in enumerate(spec.contents.itertuples(index=False, name=None)):
            row += 1
            cells = [_cell(ws, _plain(v), None) for v in values]
            if links[k] is not None and cells:
                cells[0] = _link(ws, values[0], links[k])
            _append(ws, cells, label, more, row)


def _header(ws: Any, cols: list[str]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cells = []
    for c in cols:
        cell = WriteOnlyCell(ws, c)
        cell.data_type = "s"
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _link(ws: Any, text: Any, sheet: str) -> Any:
    """A cell showing ``text`` that jumps to cell A1 of ``sheet`` (an internal hyperlink, no formula)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    cell = WriteOnlyCell(ws, str(text))
    cell.data_type = "s"
    quoted = sheet.replace("'", "''")
    cell.hyperlink = Hyperlink(ref="", location=f"'{quoted}'!A1", display=str(text))
    cell.font = Font(color="0563C1", underline="single")
    return cell


def _append(ws: Any, cells: list[Any], label: str, cols: list[str], row: int) -> None:
    """Append a row; a control character Excel cannot store is a :class:`ValidationError` naming its cell."""
    from openpyxl.utils.exceptions import IllegalCharacterError

    try:
        ws.append(cells)
    except IllegalCharacterError:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        for j, v in enumerate(cells):
            v = getattr(v, "value", v)
            if isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v):
                shown = v.encode("unicode_escape").decode("ascii")[:80]
                raise ValidationError([Problem(label, f"contains a control character Excel cannot store: {shown!r}",
                                               (row,), cols[j] if j < len(cols) else None)], subject=label) from None
        raise


def _cell(ws: Any, value: Any, fmt: str | None) -> Any:
    """``value`` as openpyxl takes it: plain values as they are, text that openpyxl would read as a
    formula or error value, and numbers with a format, as a cell."""
    if value is None:
        return None
    if isinstance(value, str):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ERROR_CODES

        if not value.startswith("=") and value not in ERROR_CODES:
            return value

        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"  # openpyxl made '=...' a formula and '#N/A' an error value
        return cell
    if fmt is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value)
    cell.number_format = fmt
    return cell


def _column_formats(fmt: str | Sequence[str | None] | None, n: int) -> Sequence[str | None] | None:
    if fmt is None:
        return None
    if isinstance(fmt, str):
        return [fmt] * n
    fmts = list(fmt)
    if len(fmts) != n:
        raise ValueError(f"{len(fmts)} row formats for a table of {n} rows")
    return fmts


def _plain_column(s: pd.Series) -> list[Any]:
    """A column as values openpyxl stores as data (see :func:`_plain`), numeric columns in one pass."""
    if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
        return [_plain(v) for v in s.tolist()]  # the same values as iterating, without a scalar per cell
    if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
        return s.astype("int64").tolist()
    return [_plain(v) for v in s.tolist()]


def _sample(values: list[Any], fmts: Sequence[str | None] | None) -> list[str]:
    """The text Excel shows for the first 500 values of a column (numbers in their format)."""
    n = min(len(values), 500)
    return [_shown(values[i], fmts[i] if fmts else None) for i in range(n)]


def _shown(value: Any, fmt: str | None) -> str:
    """About the text Excel shows for ``value`` in number format ``fmt`` (for column widths).

    >>> _shown(0.97619, "0.0%"), _shown(1234.5, "#,##0.00"), _shown(0.5, None), _shown(None, None)
    ('97.6%', '1,234.50', '0.5', '')
    """
    if value is None:
        return ""
    if fmt is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    body = fmt.rstrip("%")
    decimals = len(body.split(".")[1]) if "." in body else 0
    comma = "," if "," in body else ""
    if "E" in body:
        return f"{value:.{decimals}E}"
    if fmt.endswith("%"):
        return f"{100 * value:{comma}.{decimals}f}%"
    return f"{value:{comma}.{decimals}f}"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a fixed-width font: East Asian wide and fullwidth characters count two.

    >>> display_width("copper"), display_width("铜陵铜业"), display_width("ＡＢ")
    (6, 8, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _width(texts: list[str]) -> int:
    """A column width (in characters) for ``texts``: the widest plus a margin, between 8 and 60."""
    return min(60, max(8, max((display_width(s) for s in texts), default=0) + 2))


def _fix_timestamps(path: Path) -> None:
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    fixed = b"2000-01-01T00:00:00Z"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + fixed + rb"\g<2>", data)
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def _plain(value: Any) -> Any:
    """A value openpyxl stores as data: None for missing, Python numbers, text for the rest."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if math.isnan(x):
            return None
        return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, set)):
        return ";".join(map(str, value))
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value if hasattr(value, "isoformat") else str(value)


@contextlib.contextmanager
def _exact_floats() -> Iterator[None]:
    """openpyxl writes floats with 16 significant digits ('%.16g'), which changes some doubles.

    Excel and openpyxl read 17 digits fine, so for our own writes floats use repr (the
    shortest exact form) and a workbook round-trips bit for bit.
    """
    from openpyxl.cell import _writer

    original = _writer.safe_string

    def exact(value: Any) -> str:
        if isinstance(value, float) and math.isfinite(value):
            return repr(value)
        return original(value)

    _writer.safe_string = exact
    try:
        yield
    finally:
        _writer.safe_string = original


__all__ = ["MAX_COLUMNS", "MAX_ROWS", "MAX_TEXT", "Sheet", "check_sheets", "display_width", "write_workbook"]
