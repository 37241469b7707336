"""Read CSV tables: encoding detection, delimiter detection, blank rows counted in row numbers.

Every table comes back as strings (blank cells as ''), with the spreadsheet row of each data
row in ``attrs['rows']`` (header = row 1), so validation messages name the row a person sees.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io as _io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _validate as v
from . import _values
from ._errors import Problem, ValidationError
from ._files import read_bounded


# -- encodings -----------------------------------------------------------------------------
def decode_text(data: bytes, *, file: str) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM), UTF-16 (with BOM) or GB18030/GBK.

    GB18030 decodes many byte strings, so it is accepted only when the text reads as
    Chinese: most of its Han characters are common ones (GB2312 level 1 and 2). Anything
    else is refused with the encoding a charset detector guesses, never decoded silently wrong.

    >>> decode_text("名称".encode("gbk"), file="x.csv")
    ('名称', 'gb18030')
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _undecodable(file, data, f"starts with a UTF-8 mark but byte {exc.start} is not UTF-8") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise _undecodable(file, data, "it is neither UTF-8 nor GB18030/GBK") from None
    if _reads_as_chinese(text):
        return text, "gb18030"
    raise _undecodable(file, data, "it is not UTF-8, and read as GB18030 it gives rare characters, not Chinese text")


def _reads_as_chinese(text: str, sample: int = 4000) -> bool:
    han = [c for c in text[: sample * 20] if "\u3400" <= c <= "\u9fff"][:sample]
    if not han:
        return False
    common = 0
    for c in han:
        try:
            b = c.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 0xB0 <= b[0] <= 0xF7
    return common / len(han) >= 0.6


def _undecodable(file: str, data: bytes, why: str) -> ValidationError:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    guess = f" (a charset detector guesses {best.encoding})" if best is not None else ""
    return ValidationError([Problem(file, f"cannot decode the text: {why}{guess}. Save it as UTF-8 "
                                          "(Excel: 'CSV UTF-8') or GB18030")], subject=file)


# -- CSV -------------------------------------------------------------------------------------
def read_csv_table(path: Path, *, label: str | None = None) -> pd.DataFrame:
    """A CSV file as a table of strings (blank cells as ''), with encoding detection."""
    label = label or path.name
    data = read_bounded(path, label=label, limit=None)  # a folder or a FIFO named firms.csv: a clear error
    text, enc = decode_text(data, file=label)
    if not text or text.isspace():  # what `not text.strip()` says, without copying 400 MB of text
        raise ValidationError([Problem(label, "the file is empty; it needs a header row")], subject=label)
    raw = data[3:] if enc == "utf-8-sig" else data if enc == "utf-8" else text.encode("utf-8")
    sep = _delimiter(text)
    df = None
    end = len(raw)  # the text without its final line breaks, as bounds for the searches (no copy)
    while end and raw[end - 1] in b"\r\n":
        end -= 1
    if not (_EMPTY_FIRST_LINE.match(raw, 0, end) or _EMPTY_LINE.search(raw, 0, end)):
        # pyarrow's reader is multi-threaded: 5 million links parse in a few seconds; it drops
        # empty lines, so it is used only where there are none to count
        with contextlib.suppress(Exception):
            df = pd.read_csv(_io.BytesIO(raw), engine="pyarrow", sep=sep, dtype=str, keep_default_na=False)
    if df is None:
        try:
            df = pd.read_csv(_io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                             skip_blank_lines=False)
        except (pd.errors.ParserError, csv.Error, ValueError) as exc:
            raise ValidationError(_csv_shape_problems(text, label, sep) or [Problem(label, f"not valid CSV: {exc}")],
                                  subject=label) from None
        shape = _csv_shape_problems(text, label, sep)
        if shape:
            raise ValidationError(shape, subject=label) from None
    df.columns = [_canon_col(c) for c in df.columns]
    return _drop_blank_rows(df)


# an empty or whitespace-only line inside the file (a blank row a person sees)
# (two patterns, not one with "(?:^|\n)": a literal first byte lets re skip ahead, ten times faster
# on a 28 MB links file)
_EMPTY_LINE = re.compile(rb"\n[ \t]*\r?\n")
_EMPTY_FIRST_LINE = re.compile(rb"[ \t]*\r?\n")


def _delimiter(text: str) -> str:
    """The delimiter of the header line: ',' when it has a comma, else ';' or tab if it has them.

    Excel saves 'CSV' with ';' where the decimal separator is a comma (much of Europe) and
    some Chinese tools export tab-separated text; both are read as written.
    """
    text = text.lstrip("\ufeff")
    nl = text.find("\n")  # the first line, without splitting (copying) the rest of the file
    header = text if nl < 0 else text[:nl]
    if "," in header:
        return ","
    counts = {d: header.count(d) for d in (";", "\t", "；")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _drop_blank_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The table without blank rows, each kept row's spreadsheet row (header = 1) in ``attrs['rows']``.

    Blank rows (empty lines, or only separators as Excel writes an empty row: ``,,,``) are
    not data, but they count when a person looks for row 12, so the numbering keeps them.
    """
    if len(df.columns) == 0 or len(df) == 0:
        df.attrs["rows"] = v.RowNumbers(np.arange(2, len(df) + 2))
        return df
    first = df.iloc[:, 0]
    if isinstance(first.array, pd.arrays.ArrowStringArray):  # strip only where needed (see strip_arrow)
        candidate = np.array(_values.strip_arrow(first).isna(), dtype=bool)
    else:
        candidate = np.array(first.isna() | (first.str.strip() == ""), dtype=bool)
    if candidate.any():
        idx = np.flatnonzero(candidate)
        part = df.iloc[idx]
        blank = np.ones(len(idx), dtype=bool)
        for c in range(len(df.columns)):
            s = part.iloc[:, c]
            blank &= (s.isna() | (s.str.strip() == "")).to_numpy(dtype=bool)
        candidate[idx[~blank]] = False
    keep = ~candidate
    out = df[keep].reset_index(drop=True) if candidate.any() else df
    out.attrs["rows"] = v.RowNumbers(np.flatnonzero(keep) + 2)
    return out


def _canon_col(c: Any) -> str:
    s = str(c).strip()
    known = set(v.FIRM_COLUMNS) | set(v.LINK_COLUMNS)
    return s.lower() if s.lower() in known else s


def _csv_shape_problems(text: str, label: str, sep: str = ",") -> list[Problem]:
    shown = {",": "comma", ";": "';'", "\t": "tab", "；": "'；'"}[sep]
    out = []
    try:
        with _csv_field_limit(len(text) + 1):
            rows = csv.reader(_io.StringIO(text), delimiter=sep)
            header = next(rows, [])
            # records counted as a spreadsheet counts rows (a quoted line break stays in its row)
            out = [Problem(label, f"has {len(row)} fields but the header has {len(header)} (fields separated "
                                  f"by {shown}); check for an unquoted {shown} or a missing value", (i,))
                   for i, row in enumerate(rows, start=2)
                   if row and len(row) != len(header) and any(c.strip() for c in row)]
    except csv.Error as exc:
        return [Problem(label, f"not valid CSV: {exc}")]
    return out


@contextlib.contextmanager
def _csv_field_limit(n: int) -> Iterator[None]:
    """Let Python's csv module read fields up to ``n`` characters (its default stops at 128 KB)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, min(n, 2**31 - 1)))
    try:
        yield
    finally:
        csv.field_size_limit(old)
