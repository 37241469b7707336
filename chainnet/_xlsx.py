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
import math
from collections.abc import Iterator, Mapping
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


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | Path, *, file: str | None = None,
                   freeze_header: bool = False, fit_widths: bool = False, autofilter: bool = False,
                   fixed_timestamps: bool = False) -> None:
    """Write one sheet per table: a bold header row, then the rows, strings as text, never formulas.

    Parameters
    ----------
    sheets : sheet name -> table (names are cut to Excel's 31 characters)
    path : the workbook file to write
    file : name used in error messages (default: the file name of ``path``)
    freeze_header : keep the header row in view while scrolling
    fit_widths : size each column to its longest text among the first 200 rows (wide CJK
        characters count double), between 8 and 60 characters
    autofilter : put Excel's filter buttons on the header row
    fixed_timestamps : stamp a fixed date instead of the save time, so the same tables give the
        same bytes (openpyxl writes the time into the document properties and the zip entries)
    """
    import openpyxl
    from openpyxl.styles import Font

    path = Path(path)
    file = file or path.name
    check_sheets(sheets, file=file)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wb.calculation.fullCalcOnLoad = False  # nothing to compute: data only
    bold = Font(bold=True)
    for name, df in sheets.items():
        ws = wb.create_sheet(title=str(name)[:MAX_SHEET_NAME])
        label = f"{file} sheet '{ws.title}'"
        cols = [str(c) for c in df.columns]
        for j, c in enumerate(cols, start=1):
            _put(ws, 1, j, c, label, cols).font = bold
        for i, row in enumerate(df.itertuples(index=False, name=None), start=2):
            for j, v in enumerate(row, start=1):
                _put(ws, i, j, v, label, cols)
        if freeze_header:
            ws.freeze_panes = "A2"
        if fit_widths:
            _fit_widths(ws, df)
        if autofilter and len(cols):
            from openpyxl.utils import get_column_letter

            ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(df) + 1}"
    with _exact_floats():
        wb.save(path)
    if fixed_timestamps:
        _fix_timestamps(path)


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


def _put(ws: Any, row: int, column: int, value: Any, label: str, cols: list[str]) -> Any:
    """Store ``value`` in a cell as Excel data: text stays text, never a formula or an error value."""
    from openpyxl.utils.exceptions import IllegalCharacterError

    value = _plain(value)
    cell = ws.cell(row=row, column=column)
    if value is None:
        return cell
    try:
        cell.value = value
    except IllegalCharacterError:
        shown = value.encode("unicode_escape").decode("ascii")[:80]
        raise ValidationError([Problem(label, f"contains a control character Excel cannot store: {shown!r}",
                                       (row,), cols[column - 1])], subject=label) from None
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl made '=...' a formula and '#N/A' an error value
    return cell


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


def _fit_widths(ws: Any, df: pd.DataFrame) -> None:
    from openpyxl.utils import get_column_letter

    for i, col in enumerate(df.columns, start=1):
        sample = [str(col)] + [str(v) for v in df[col].head(200)]
        width = min(60, max(8, max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in s) for s in sample) + 2))
        ws.column_dimensions[get_column_letter(i)].width = width


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


__all__ = ["MAX_COLUMNS", "MAX_ROWS", "MAX_TEXT", "check_sheets", "write_workbook"]
