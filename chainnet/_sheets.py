"""Read the sheets of an ``.xlsx`` workbook as tables, defensively.

A workbook's own ``<dimension>`` record is ignored (a stale one hides rows, a forged one
makes reading take minutes); rows, cells and the decompressed size are capped; whatever the
XML parser raises on a corrupt workbook is a data error. Each table keeps, in
``attrs['rows']``, the sheet row of every data row (header = row 1, blank rows counted), so
messages name the row a person sees. Cells outside the table (no header above them, or a
lone note below a blank row) are ignored with a warning.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import ChainnetError, DataWarning, Problem, ValidationError
from ._validate import RowNumbers

#: Excel's own limit; a sheet claiming more rows is refused
MAX_SHEET_ROWS = 1_048_576
#: cells read over all sheets (about 3 million firms or links of 10 columns)
MAX_CELLS = 30_000_000
#: total decompressed size of the workbook's parts, in bytes
MAX_UNCOMPRESSED = 2 * 2**30
#: how many stray cells a warning names
_STRAY_LISTED = 10


def _error(label: str, message: str) -> ValidationError:
    return ValidationError([Problem(label, message)], subject=label)


def read_sheets(path: Path, *, label: str, wanted: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """The ``wanted`` sheets present in the workbook (every sheet when None), each as a table of the
    cells' own values, in workbook order."""
    try:
        with zipfile.ZipFile(path) as z:
            size = sum(i.file_size for i in z.infolist())
    except FileNotFoundError:
        raise _error(label, f"file not found: {path}") from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _error(label, f"not a valid .xlsx workbook ({exc}); save it from Excel as .xlsx") from None
    if size > MAX_UNCOMPRESSED:
        raise _error(label, f"the workbook unpacks to {size:,} bytes, more than the {MAX_UNCOMPRESSED:,} read; "
                            "split it or save the tables as CSV")
    try:
        return _read(path, label, wanted)
    except ChainnetError:
        raise
    except Exception as exc:  # whatever a corrupt workbook makes openpyxl raise is a data error
        why = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise _error(label, f"not a valid .xlsx workbook ({why}); save it from Excel as .xlsx") from None


def sheet_titles(path: Path) -> list[str]:
    """The workbook's sheet names in order (read from its index, without loading any cell)."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
        with open(path, "rb") as fh:
            wb = openpyxl.load_workbook(fh, read_only=True)
            try:
                return list(wb.sheetnames)
            finally:
                wb.close()


def _read(path: Path, label: str, wanted: tuple[str, ...] | None) -> dict[str, pd.DataFrame]:
    import openpyxl

    with warnings.catch_warnings():
        # openpyxl warns about features it drops (drop-down lists, styles); none holds data
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
        # our own handle, so that a workbook openpyxl fails on half-way is still closed
        with open(path, "rb") as fh:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            try:
                out, budget = {}, [MAX_CELLS]
                for ws in wb.worksheets:
                    if (wanted is None or ws.title in wanted) and hasattr(ws, "reset_dimensions"):
                        ws.reset_dimensions()  # never trust the stored <dimension>
                        out[ws.title] = _table(ws, f"{label} sheet '{ws.title}'", budget)
                return out
            finally:
                wb.close()


def _table(ws: Any, label: str, budget: list[int]) -> pd.DataFrame:
    rows = ws.iter_rows(values_only=True)
    header = list(next(rows, ()))
    while header and _empty(header[-1]):
        header.pop()
    cols = _column_names(header)
    width = len(cols)
    named = [i for i, h in enumerate(header) if not _empty(h)]
    body: list[tuple[Any, ...]] = []
    numbers: list[int] = []
    stray: list[str] = []
    seen_blank = False
    for r, row in enumerate(rows, start=2):
        if r > MAX_SHEET_ROWS:
            raise _error(label, f"has more than {MAX_SHEET_ROWS:,} rows (Excel's limit); the file is damaged")
        budget[0] -= len(row)
        if budget[0] < 0:
            raise _error(label, f"has more than {MAX_CELLS:,} cells; split the workbook or save the tables as CSV")
        cells = tuple(row[:width]) + (None,) * (width - len(row))
        outside = [i for i, c in enumerate(row) if not _empty(c) and (i >= width or i not in named)]
        filled = sum(1 for i in named if not _empty(cells[i]))
        if outside:
            stray += [f"{_col_letter(i)}{r}" for i in outside]
        if filled == 0:
            seen_blank = True
            continue
        if seen_blank and filled == 1 and len(named) >= 3:  # a lone note below the table
            stray += [f"{_col_letter(i)}{r}" for i in named if not _empty(cells[i])]
            continue
        body.append(cells)
        numbers.append(r)
    if stray:
        more = f" and {len(stray) - _STRAY_LISTED} more" if len(stray) > _STRAY_LISTED else ""
        warnings.warn(f"{label}: cells outside the table were ignored: {', '.join(stray[:_STRAY_LISTED])}{more} "
                      "(a cell with no column header above it, or a lone note below a blank row)",
                      DataWarning, stacklevel=4)
    df = pd.DataFrame(body, columns=cols, dtype=object)
    df = df[[c for i, c in enumerate(cols) if i in named]] if len(named) < width else df
    df.attrs["rows"] = RowNumbers(numbers)
    return df


def _column_names(header: list[Any]) -> list[str]:
    """Header cells as names; blank ones numbered, repeated ones given '.1', '.2' as pandas does."""
    out: list[str] = []
    count: dict[str, int] = {}
    for i, h in enumerate(header):
        name = f"Unnamed: {i}" if _empty(h) else str(h).strip()
        if name in count:
            count[name] += 1
            name = f"{name}.{count[name]}"
        else:
            count[name] = 0
        out.append(name)
    return out


def _empty(c: Any) -> bool:
    return c is None or (isinstance(c, str) and not c.strip())


def _col_letter(i: int) -> str:
    s, n = "", i + 1
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s
