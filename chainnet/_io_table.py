"""Read an input-output table laid out as statistics offices publish it (CSV or xlsx).

The layout (``docs/position.md`` shows it): title or unit rows may come first; the **header**
starts at the first row with an output column (``output`` or ``总产出``) and may span a few rows
(group headings merged above the sector names and codes) down to the first sector row. Column 1 holds the sector labels
(or column 1 the codes and column 2 the names, when column 1 is headed ``代码``/``code``). Then
comes the square **intermediate-use block**: one column per sector, headed with the same labels
as the rows and in the same order (a header may also be the row label's leading code, ``01`` for
``01 农林牧渔产品和服务``). The block ends at the first total or final-use column
(``中间使用合计``, ``最终消费支出``, ``出口`` ...). After it, columns are recognised by name
(:data:`ROLE_NAMES`) and every other column is ignored. Rows after the header are the sectors in
the block's order; total and value-added rows (``中间投入合计``, ``增加值``, ``总投入`` ...) and blank
rows are skipped. Row numbers in messages are those a spreadsheet shows (header = its own row).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import Problem, ValidationError

#: Column names recognised after the intermediate-use block, English first (compared without
#: spaces, case or full-width forms). ``final_use``, ``intermediate_use`` and ``other`` only serve to
#: check the sign of ``imports`` against the row identity.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "output": ("output", "总产出", "总产出合计"),
    "exports": ("exports", "出口"),
    "imports": ("imports", "进口"),
    "inventory_change": ("inventory_change", "存货增加", "存货变动", "存货净增加"),
    "net_exports": ("net_exports", "净出口"),
    "final_use": ("final_use", "最终使用合计"),
    "intermediate_use": ("intermediate_use", "中间使用合计"),
    "other": ("other", "其他", "其它"),
}
#: Parts of a column header that mark a total or final-use column (end of the block).
_TOTAL_COLUMN_PARTS = ("合计", "总计", "最终", "消费", "资本形成", "存货", "出口", "进口", "误差")
_TOTAL_COLUMN_EN = {"total", "intermediateuse", "finaluse", "finaldemand", "totaluse", "householdconsumption",
                    "governmentconsumption", "grossfixedcapitalformation", "grosscapitalformation",
                    "statisticaldiscrepancy"}
#: Parts of a row label that mark a total or value-added row (skipped).
_TOTAL_ROW_PARTS = ("合计", "总计", "总投入", "增加值", "中间投入", "最初投入", "劳动者报酬", "生产税", "固定资产折旧",
                    "营业盈余", "valueadded")
_TOTAL_ROW_EN = {"compensationofemployees", "operatingsurplus", "consumptionoffixedcapital", "depreciation",
                 "nettaxesonproduction", "taxeslesssubsidiesonproduction"}
_CODE_HEADERS = {"代码", "部门代码", "code", "sectorcode"}
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d*)?$")
_CODE = re.compile(r"^(\d{1,4})(?![\d.])")
_MAX_HEADER_SEARCH = 50
#: Header rows at most (group headings, sector names, codes).
_MAX_HEADER_ROWS = 5


@dataclass(frozen=True)
class IOTable:
    """The numbers of an input-output table.

    Attributes
    ----------
    label : file (and sheet) name used in messages
    names : sector labels, in the table's order
    rows : the spreadsheet row of each sector
    Z : intermediate use, ``Z[i, j]`` = sector i's output used by sector j
    values : one array per role found (``output``, ``exports`` ...), blank cells as 0
    columns : the header of each role found
    header_row : the spreadsheet row of the header
    ignored : headers of the columns after the block that were not used
    """

    label: str
    names: list[str]
    rows: np.ndarray
    Z: np.ndarray
    values: dict[str, np.ndarray]
    columns: dict[str, str]
    header_row: int
    ignored: list[str] = field(default_factory=list)


def norm(text: str) -> str:
    """A header or label compared without spaces, case or full-width forms.

    >>> norm(" 总 产出 "), norm("Inventory_Change"), norm("（出口）")
    ('总产出', 'inventory_change', '(出口)')
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def read_io_table(table: str | Path | pd.DataFrame, *, columns: dict[str, str] | None = None,
                  sheet: str | None = None) -> IOTable:
    """Read and check an input-output table, collecting every problem before raising.

    Parameters
    ----------
    table : a .csv or .xlsx file, or a DataFrame whose column names are the header row
    columns : header of a role when it is named otherwise, e.g. ``{"output": "Total output"}``
    sheet : the sheet of an .xlsx file (default: the first with an output column)

    Returns
    -------
    IOTable

    Examples
    --------
    >>> t = read_io_table(pd.DataFrame({"部门": ["01 农业", "02 工业", "增加值"], "01": [1, 2, 3], "02": [4, 5, 6],
    ...                                 "中间使用合计": [5, 7, 9], "出口": [1, 0, ""], "总产出": [10, 20, ""]}))
    >>> t.names, t.Z.tolist(), t.values["output"].tolist(), t.columns["exports"]
    (['01 农业', '02 工业'], [[1.0, 4.0], [2.0, 5.0]], [10.0, 20.0], '出口')
    """
    columns = dict(columns or {})
    bad_roles = sorted(set(columns) - set(ROLE_NAMES))
    if bad_roles:
        raise ValidationError([Problem("--io-columns", f"unknown column role {', '.join(map(repr, bad_roles))}; "
                                                       f"roles: {', '.join(ROLE_NAMES)}")], subject="--io-columns")
    label, grid = _grid(table, sheet=sheet, columns=columns)
    return _parse(grid, label, columns)


# -- the grid of cells -------------------------------------------------------------------------------
def _grid(table: str | Path | pd.DataFrame, *, sheet: str | None, columns: dict[str, str]) -> tuple[str, list[list[str]]]:
    """The table as rows of text cells; list index + 1 = the spreadsheet row."""
    if isinstance(table, pd.DataFrame):
        cols = []
        for j in range(table.shape[1]):  # by position: headers may repeat
            col = table.iloc[:, j]
            if pd.api.types.is_float_dtype(col) or pd.api.types.is_integer_dtype(col):  # fast: a whole column
                text = col.to_numpy().astype(str).astype(object)
                text[col.isna().to_numpy()] = ""
                cols.append(text)
            else:
                cols.append(np.array([_text(v) for v in col], dtype=object))
        body = np.column_stack(cols).tolist() if cols else []
        return "the input-output table", [[_text(c) for c in table.columns], *body]
    path = Path(table)
    if not path.is_file():
        raise ValidationError([Problem(path.name, f"file not found: {path}")], subject=path.name)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_grid(path, sheet=sheet, columns=columns)
    if path.suffix.lower() in (".xls", ".et", ".ods"):
        raise ValidationError([Problem(path.name, f"{path.suffix} workbooks are not read: open the file in Excel, WPS "
                                                  "or LibreOffice and save it as .xlsx (or the sheet as CSV)")],
                              subject=path.name)
    from .io import decode_text

    text, _ = decode_text(path.read_bytes(), file=path.name)
    if not text.strip():
        raise ValidationError([Problem(path.name, "the file is empty")], subject=path.name)
    return path.name, _csv_rows(text)


def _csv_rows(text: str) -> list[list[str]]:
    """CSV rows with ',', ';' or tab as the delimiter, whichever splits the most lines alike."""
    lines = text.splitlines()
    best, best_score = ",", (0, 0)
    for d in (",", ";", "\t"):
        counts = Counter(len(r) for r in csv.reader(lines, delimiter=d) if any(c.strip() for c in r))
        width, n = max(counts.items(), key=lambda kv: (kv[1], kv[0])) if counts else (0, 0)
        if width > 1 and (n, width) > best_score:
            best, best_score = d, (n, width)
    return [list(r) for r in csv.reader(lines, delimiter=best)]


def _xlsx_grid(path: Path, *, sheet: str | None, columns: dict[str, str]) -> tuple[str, list[list[str]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a broken or foreign file: say so, no traceback
        raise ValidationError([Problem(path.name, f"cannot read the workbook: {exc}")], subject=path.name) from None
    try:
        names = wb.sheetnames
        if sheet is not None and sheet not in names:
            raise ValidationError([Problem(path.name, f"no sheet {sheet!r}; the sheets are {', '.join(names)}")],
                                  subject=path.name)
        outputs = _role_names("output", columns)
        for ws in [wb[sheet]] if sheet is not None else wb.worksheets:
            grid = [[_text(c) for c in r] for r in ws.iter_rows(min_row=1, values_only=True)]
            if sheet is not None or any(norm(c) in outputs for r in grid[:_MAX_HEADER_SEARCH] for c in r):
                return f"{path.name} sheet '{ws.title}'", grid
        return path.name, []
    finally:
        wb.close()


def _text(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v).strip()


# -- the layout -----------------------------------------------------------------------------------
def _role_names(role: str, columns: dict[str, str]) -> set[str]:
    return {norm(columns[role])} if role in columns else {norm(x) for x in ROLE_NAMES[role]}


def _role_of(header: str, columns: dict[str, str]) -> str | None:
    h = norm(header)
    for role in ROLE_NAMES:
        if h in _role_names(role, columns):
            return role
    return None


def _ends_block(header: str, columns: dict[str, str]) -> bool:
    h = norm(header)
    return (not h or _role_of(header, columns) is not None or any(p in h for p in _TOTAL_COLUMN_PARTS)
            or h in _TOTAL_COLUMN_EN or h.startswith("total"))


def _skipped_row(label: str) -> bool:
    h = norm(label)
    return any(p in h for p in _TOTAL_ROW_PARTS) or h in _TOTAL_ROW_EN or h.startswith("total")


def _same_sector(row_label: str, header: str) -> bool:
    """Whether a row label and a column header name the same sector: equal, the same leading
    code, or the same name once codes are set aside.

    >>> _same_sector("01 农林牧渔产品和服务", "1"), _same_sector("01 农业", "农业"), _same_sector("01 农业", "02 农业")
    (True, True, False)
    """
    a, b = norm(row_label), norm(header)
    if a == b:
        return True
    ca, cb = _CODE.match(a), _CODE.match(b)
    if ca and cb:
        return int(ca.group(1)) == int(cb.group(1))  # a code read from xlsx as 1 is '01'
    rest_a, rest_b = a[ca.end():] if ca else a, b[cb.end():] if cb else b  # the names without their codes
    return bool(rest_a) and rest_a == rest_b


def _parse(grid: list[list[str]], label: str, columns: dict[str, str]) -> IOTable:
    problems: list[Problem] = []

    def bad(msg: str, rows: tuple[int, ...] = (), column: str | None = None) -> None:
        problems.append(Problem(label, msg, rows, column))

    outputs = _role_names("output", columns)
    h = next((i for i, r in enumerate(grid[:_MAX_HEADER_SEARCH]) if any(norm(c) in outputs for c in r)), None)
    if h is None:
        named = repr(columns["output"]) if "output" in columns else "'output' or '总产出'"
        bad(f"no output column: the header row must have a column {named} holding each sector's gross output "
            "(name another header with --io-columns output=NAME)")
        raise ValidationError(problems, subject=label)
    width = max(len(r) for r in grid)
    grid = [[c.strip() for c in r] + [""] * (width - len(r)) for r in grid]
    two = width > 2 and (any(norm(grid[r][0]) in _CODE_HEADERS for r in range(h, min(h + _MAX_HEADER_ROWS, len(grid))))
                         or _holds_text(grid[h + 1:], 1))
    start = 2 if two else 1
    zone = _header_zone(grid, h, start)
    stack = [[grid[r][j] for r in zone if grid[r][j]] for j in range(width)]  # a column's header cells, top down
    header = [cells[-1] if cells else "" for cells in stack]
    end = next((j for j in range(start, width)
                if not stack[j] or any(_ends_block(c, columns) for c in stack[j])), width)
    block = header[start:end]
    found: dict[str, int] = {}
    ignored = []
    for j in range(end, width):
        role = next((r for r in (_role_of(c, columns) for c in reversed(stack[j])) if r), None)
        if role is None:
            if header[j]:
                ignored.append(header[j])
        elif role in found:
            bad(f"two {role} columns ({header[found[role]]!r} and {header[j]!r}); keep one or name the one to use "
                f"with --io-columns {role}=NAME", (zone[-1] + 1,), header[j])
        else:
            found[role] = j
    if not block:
        bad("no sector columns: after the label column the header must name one column per sector, before the "
            "total and final-use columns", (h + 1,))
    # sector rows: every non-blank row after the header that is not a total or value-added row
    rows, names = [], []
    for i in range(zone[-1] + 1, len(grid)):
        r = grid[i]
        if not any(r):
            continue
        name = " ".join(c for c in r[:start] if c)
        if name and _skipped_row(name):
            continue
        if not name:
            bad("a row with numbers but no sector label", (i + 1,), header[0] or None)
            continue
        rows.append(i)
        names.append(name)
    _check_labels(names, rows, stack[start:end], start, zone[-1], bad)
    if not names and block:
        bad("the table has no sector rows")
    if problems:
        raise ValidationError(problems, subject=label)

    def cells(j: int) -> list[str]:
        return [grid[i][j] for i in rows]

    Z = _plain_numbers([grid[i][start:end] for i in rows])
    if Z is None:  # something to report: go column by column
        Z = np.column_stack([_numbers(cells(start + k), rows, block[k], required=True, bad=bad)
                             for k in range(len(block))])
    values = {role: _numbers(cells(j), rows, header[j], required=role == "output", bad=bad)
              for role, j in found.items()}
    if problems:
        raise ValidationError(problems, subject=label)
    return IOTable(label=label, names=names, rows=np.array(rows) + 1, Z=Z, values=values,
                   columns={role: header[j] for role, j in found.items()}, header_row=h + 1, ignored=ignored)


def _check_labels(names: list[str], rows: list[int], block: list[list[str]], start: int, h: int,
                  bad: Callable[..., None]) -> None:
    """Sector rows and block columns (each a list of header cells) must name the same sectors in the
    same order, each once."""
    seen: dict[str, int] = {}
    for name, i in zip(names, rows):
        key = norm(name)
        if key in seen:
            bad(f"sector {name!r} appears more than once", (seen[key] + 1, i + 1))
        seen.setdefault(key, i)
    if len(names) != len(block):
        extra = (f"; rows without a column start at row {rows[len(block)] + 1} ({names[len(block)]!r})"
                 if len(names) > len(block) else "")
        bad(f"there are {len(names)} industry rows but {len(block)} industry columns before the first total or "
            f"final-use column; the columns must name the same sectors as the rows, in the same order{extra}",
            (h + 1,))
        return
    for k, (name, cells) in enumerate(zip(names, block)):
        if not any(_same_sector(name, c) for c in cells):
            bad(f"column {start + k + 1} is {cells[-1]!r} but row {rows[k] + 1} is industry {name!r}; the sector "
                "columns must name the same sectors as the rows, in the same order", (h + 1, rows[k] + 1), cells[-1])
            return


def _header_zone(grid: list[list[str]], h: int, start: int) -> list[int]:
    """The header rows: from the output row ``h`` down to the row before the first sector, found as
    the first row whose label matches a header cell of the first sector column (tables with two or
    three header rows: group headings such as 中间使用 above the sector names and codes)."""
    for r in range(h + 1, min(h + _MAX_HEADER_ROWS + 1, len(grid))):
        name = " ".join(c for c in grid[r][:start] if c)
        if name and (_skipped_row(name) or any(grid[k][start] and _same_sector(name, grid[k][start])
                                                for k in range(h, r))):
            return list(range(h, r))
    return [h]


def _holds_text(rows: list[list[str]], j: int) -> bool:
    """Whether column ``j`` holds mostly text (sector names beside a code column), not numbers."""
    cells = [r[j] for r in rows if r[j]]
    text = sum(pd.isna(pd.to_numeric(c.replace(",", ""), errors="coerce")) for c in cells)
    return bool(cells) and text > len(cells) / 2


def _plain_numbers(cells: list[list[str]]) -> np.ndarray | None:
    """The block as floats when every cell is a plain finite number (the fast path of large
    tables); None when any cell needs a closer look."""
    try:
        Z = np.array(cells, dtype=float)
    except ValueError:
        return None
    return Z if Z.size and np.isfinite(Z).all() else None


def _numbers(cells: list[str], rows: list[int], column: str, *, required: bool, bad: Callable[..., None]) -> np.ndarray:
    """Numbers of one column; blank cells are 0 where allowed. Full-width digits, '−' and thousands
    separators (1,234.5) are read."""
    s = pd.Series([unicodedata.normalize("NFKC", c).replace("\u2212", "-") for c in cells], dtype=object)
    s = s.where(~s.str.match(_THOUSANDS), s.str.replace(",", "", regex=False))
    blank = s.eq("") | s.str.lower().isin(["nan", "none"])
    vals = pd.to_numeric(s.where(~blank, None), errors="coerce").to_numpy(dtype=float)
    wrong = ~blank.to_numpy() & ~np.isfinite(vals)
    at = np.array(rows) + 1
    if wrong.any():
        shown = ", ".join(repr(v) for v in s[wrong].head(3))
        bad(f"not a number: {shown}", tuple(int(r) for r in at[wrong]), column)
    if required and blank.any():
        bad("empty cell; write 0 for none", tuple(int(r) for r in at[blank.to_numpy()]), column)
    return np.where(np.isfinite(vals), vals, 0.0)


__all__ = ["ROLE_NAMES", "IOTable", "norm", "read_io_table"]
