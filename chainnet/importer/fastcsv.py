"""Reading a large registry CSV with pyarrow, keeping the spreadsheet row of every record.

The importer's reference reader is Python's ``csv`` module: it gives each record's line
number, also for records whose quoted cells span lines. :func:`read_table` gives the same
records and row numbers about ten times faster, and only when it can prove they are the same;
otherwise it returns None and the caller uses the ``csv`` module:

* every record must sit on one line (the number of non-empty lines equals the number of
  records pyarrow parsed), so a record's row is its line;
* every line holding a quote character is parsed again by the ``csv`` module and must give the
  same cells (lines without quotes are split on the delimiter alone by either reader);
* all records have as many cells as the first (pyarrow refuses ragged files), and the text has
  no NUL character and no line ending in a lone carriage return.

Rows whose cells are all blank are dropped, as the ``csv`` path drops them.

>>> t, rows = read_table(b'name,code\\n"A, Ltd",3251\\n\\n,\\nB,\\n', ",")
>>> t.values.tolist(), rows.tolist()
([['name', 'code'], ['A, Ltd', '3251'], ['B', '']], [1, 2, 5])
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd

#: A superset of the characters Python's ``str.isspace`` accepts (RE2 syntax): a row that does
#: not fully match is certainly not blank; one that does is checked with ``str.isspace``.
_SPACE_RE2 = r"^[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]*$"


def _lines(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Start and end offsets of every line (``\n`` or ``\r\n`` endings) and the 1-based numbers of
    the non-empty ones; None when a line ends in a lone ``\r`` (a line end for the csv module)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10)
    cr = np.flatnonzero(buf == 13)
    if len(cr) and not np.isin(cr + 1, nl).all():
        return None
    starts = np.concatenate([[0], nl + 1])
    ends = np.concatenate([nl, [len(buf)]])
    ends = ends - np.isin(ends - 1, cr)  # without the \r of \r\n
    return starts, ends, np.flatnonzero(ends > starts) + 1


def read_table(data: bytes, delimiter: str) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Non-blank records of UTF-8 CSV ``data`` as a table of text (object columns ``0..w-1``) and their rows.

    None when the fast reader cannot be shown to agree with the ``csv`` module (see the module notes).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    if not data or b"\x00" in data:
        return None
    lines = _lines(data)
    if lines is None or not len(lines[2]):
        return None
    starts, ends, rows = lines
    first = rows[0] - 1  # width from the first non-empty line, read by the csv module
    width = len(next(csv.reader([data[starts[first]:ends[first]].decode("utf-8")], delimiter=delimiter), []))
    if width < 1:
        return None
    names = [f"f{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=[],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                 check_utf8=False))
    except pa.ArrowException:
        return None
    if table.num_rows != len(rows):  # a record spans lines: row numbers need the csv module
        return None
    cols = [table.column(i).combine_chunks().cast(pa.string()) for i in range(width)]
    if b'"' in data and not _quoted_lines_agree(data, lines, cols, delimiter):
        return None
    joined = pc.binary_join_element_wise(*cols, "") if width > 1 else cols[0]
    blank = pc.match_substring_regex(joined, _SPACE_RE2).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(blank):
        s = joined[int(i)].as_py()
        blank[i] = s == "" or s.isspace()
    keep = ~blank
    out = pd.DataFrame({j: c.to_numpy(zero_copy_only=False)[keep] for j, c in enumerate(cols)}, dtype=object)
    return out, rows[keep].astype(np.int64)


def _quoted_lines_agree(data: bytes, lines: tuple[np.ndarray, np.ndarray, np.ndarray], cols: list,
                        delimiter: str) -> bool:
    """Whether the csv module reads every line holding a quote character as pyarrow did."""
    import pyarrow as pa

    starts, ends, rows = lines
    quotes = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 34)
    line = np.unique(np.searchsorted(starts, quotes, side="right"))  # 1-based numbers of lines with quotes
    record = pa.array(np.searchsorted(rows, line))
    texts = [data[a:b].decode("utf-8") for a, b in zip(starts[line - 1].tolist(), ends[line - 1].tolist())]
    parsed = list(csv.reader(texts, delimiter=delimiter))
    mine = zip(*[c.take(record).to_pylist() for c in cols])
    return len(parsed) == len(texts) and all(list(a) == b for a, b in zip(mine, parsed))


__all__ = ["read_table"]
