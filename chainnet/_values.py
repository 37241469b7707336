"""The one number and text validator every reader uses (firms, links; vectorised, pandas/numpy).

Numbers must be finite, not subnormal and inside a sane range; years lie in
:data:`YEAR_RANGE`; text (ids, names, any string cell) holds no control characters, which
would crash the XML and workbook writers long after the computation. A bad cell is reported
with its row and column and the offending value echoed (``repr``, so control characters
show escaped).

>>> import pandas as pd
>>> years, not_number, out_of_range = parse_numbers(pd.Series(["2019", "2019年", "1e400"]),
...                                                kind="int", limits=YEAR_RANGE)
>>> not_number.tolist(), out_of_range.tolist()
([False, True, False], [False, False, True])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

#: years before or after this range are refused (whole numbers, both ends included)
YEAR_RANGE = (1800, 2200)
#: largest accepted magnitudes; far beyond any real firm, far below what breaks arithmetic
LIMITS: dict[str, tuple[float, float]] = {
    # sizes (the sign is checked separately, with its own message)
    "output": (-1e12, 1e12),      # 亿元; world GDP is about 1e7 亿元
    "employees": (-1e8, 1e8),     # the largest employers have a few million
    "weight": (-1e15, 1e15),      # any unit a user may choose for a tie
    "founded": YEAR_RANGE, "exited": YEAR_RANGE, "year": YEAR_RANGE, "until": YEAR_RANGE,
}
#: how many distinct bad values are named one by one before the rest are counted together
MAX_VALUES_LISTED = 10

# C0 controls except tab/newline/carriage return, DEL, C1 controls, surrogates, U+FFFE/U+FFFF:
# none can be written to XML (GraphML/GEXF/xlsx) or UTF-8
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# in ids and names a tab or line break is a mistake too (it breaks tables and reports)
_BAD_NAME = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_TINY = np.finfo(float).tiny

AddProblem = Callable[[str, str, Any], None]


def parse_numbers(s: pd.Series, *, kind: str = "float",
                  limits: tuple[float, float] = (-1e15, 1e15)) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Typed numbers, the mask of cells that are not numbers and the mask of numbers out of range.

    Not numbers: text such as ``2019年`` or ``nan``, and for ``kind="int"`` fractions. Out of
    range: ``inf``, numbers outside ``limits`` (checked before any conversion, so ``1e23``
    never overflows an integer) and subnormal numbers (``5e-324``). Bad cells come back as
    missing values.
    """
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        f = s.astype(float)
        bad_text = np.zeros(len(s), dtype=bool)
    else:
        if s.dtype == object:  # cells of any type; str() would choke on a lone surrogate
            text = s.map(lambda x: (x.strip() or None) if isinstance(x, str) else x)
        elif isinstance(s.array, pd.arrays.ArrowStringArray):
            text = strip_arrow(s)
        else:
            text = s.str.strip()
            text = text.mask(text == "")
        f = _to_float(text)
        bad_text = (text.notna() & f.isna()).to_numpy()
    x = f.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        given = ~np.isnan(x)
        finite = given & np.isfinite(x)
        out = (given & ~finite) | (finite & ((x < limits[0]) | (x > limits[1])))
        out |= finite & (x != 0) & (np.abs(x) < _TINY)
        not_number = bad_text.copy()
        if kind == "int":
            not_number |= finite & ~out & (x != np.round(x))
    x = np.where(not_number | out, np.nan, x)
    if kind == "int":
        return pd.Series(x, index=s.index).round().astype("Int64"), not_number, out
    return pd.Series(x, index=s.index, dtype=float), not_number, out


def _to_float(text: pd.Series) -> pd.Series:
    """``pd.to_numeric(text, errors="coerce")`` as floats; a column of few distinct cells (years,
    weights with a few decimals) is parsed once per distinct cell: the same numbers, since each
    cell is parsed alone and the numbers checked here (|x| <= 1e15) are floats exactly either way.

    >>> _to_float(pd.Series(["2019", "2019", None, "x", "1.5"] * 3, dtype="string")).tolist()[:5]
    [2019.0, 2019.0, nan, nan, 1.5]
    """
    codes, uniques = pd.factorize(text)
    if len(uniques) == 0:  # an empty column (e.g. 'until' of ties still running): nothing to parse
        return pd.Series(np.nan, index=text.index, dtype=float)
    if len(uniques) * 4 > len(text):  # mostly distinct: parse them all
        return pd.to_numeric(text, errors="coerce").astype(float)
    parsed = pd.to_numeric(pd.Series(uniques, dtype=text.dtype), errors="coerce").astype(float).to_numpy()
    return pd.Series(np.where(codes >= 0, parsed[np.maximum(codes, 0)], np.nan), index=text.index, dtype=float)


def strip_arrow(s: pd.Series) -> pd.Series:
    """``s.str.strip()`` with blanks as missing values, for an Arrow string column.

    The same pyarrow kernel pandas' ``str.strip`` calls (``utf8_trim_whitespace``), run only
    when a cell may need it: one whose first or last byte is a space, a control byte or part
    of a non-ASCII character (which may be a Unicode space) is trimmed on its own first. Blank
    cells become missing by clearing their validity bits, without rewriting the text.

    >>> strip_arrow(pd.Series([" a ", "", None, "b", "铜\u3000"], dtype="str")).tolist()
    ['a', nan, nan, 'b', '铜']
    """
    import pyarrow as pa

    arr = pa.chunked_array(pa.array(s.array))
    chunks = [_strip_chunk(c) for c in arr.chunks]
    out = pa.chunked_array(chunks, type=arr.type) if chunks else arr
    return pd.Series(pd.array(out, dtype=s.dtype), index=s.index, name=s.name)


def _strip_chunk(chunk: Any) -> Any:
    """One Arrow string array trimmed, blanks as nulls (see :func:`strip_arrow`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    buffers = chunk.buffers()
    plain = (chunk.offset == 0 and len(buffers) == 3 and buffers[1] is not None
             and (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)))
    if plain:
        n = len(chunk)
        wide = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(buffers[1], dtype=wide)[: n + 1]
        data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.empty(0, np.uint8)
        length = np.diff(offsets)
        full = np.flatnonzero(length > 0)
        first, last = data[offsets[full]], data[offsets[full + 1] - 1]
        odd = full[(first <= 0x20) | (first >= 0x7F) | (last <= 0x20) | (last >= 0x7F)]
        if odd.size:
            part = chunk.take(pa.array(odd))
            plain = pc.equal(pc.binary_length(pc.utf8_trim_whitespace(part)), pc.binary_length(part)).to_numpy(
                zero_copy_only=False).all()
    if not plain:  # something to trim (or an array laid out otherwise): the kernels on every cell
        out = pc.utf8_trim_whitespace(chunk)
        return pc.if_else(pc.equal(out, ""), pa.scalar(None, out.type), out)
    blank = length == 0
    if not blank.any():
        return chunk
    valid = ~blank
    if buffers[0] is not None:
        valid &= np.unpackbits(np.frombuffer(buffers[0], dtype=np.uint8), count=n, bitorder="little").astype(bool)
    bits = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(chunk.type, n, [bits, buffers[1], buffers[2]])


def lower(s: pd.Series) -> pd.Series:
    """``s.str.lower()``; an Arrow column whose bytes hold no capital and nothing beyond ASCII
    (kinds, evidence, roles as files usually give them) is returned as it is, without a pass
    that rewrites millions of cells unchanged.

    >>> lower(pd.Series(["Supply", "rd", None], dtype="str")).tolist()
    ['supply', 'rd', nan]
    """
    if isinstance(s.array, pd.arrays.ArrowStringArray):
        import pyarrow as pa

        chunks = pa.chunked_array(pa.array(s.array)).chunks
        if all(len(c.buffers()) == 3 and _lowercase_ascii(c.buffers()[2]) for c in chunks):
            return s
    return s.str.lower()


def _lowercase_ascii(data: Any) -> bool:
    """Whether these UTF-8 bytes hold neither a capital A-Z nor any non-ASCII character."""
    if data is None:
        return True
    b = np.frombuffer(data, dtype=np.uint8)
    return not ((b >= 0x80).any() or ((b >= 0x41) & (b <= 0x5A)).any())


def range_message(name: str, limits: tuple[float, float]) -> str:
    """What a number out of range is told, e.g. ``year must be from 1800 to 2200``."""
    lo, hi = limits
    if (lo, hi) == YEAR_RANGE:
        return f"{name} must be from {lo} to {hi}"
    return f"{name} must be a finite number no larger than {hi:g} in size"


def bad_text(s: pd.Series, *, strict: bool) -> np.ndarray:
    """Mask of text cells holding control characters (``strict``: tab and line breaks too)."""
    rx = _BAD_NAME if strict else _BAD_TEXT
    if s.dtype == object:  # cells of any type (workbooks, graphs): only strings can hold them
        search = rx.search
        return s.map(lambda x: isinstance(x, str) and search(x) is not None).to_numpy(dtype=bool)
    if not pd.api.types.is_string_dtype(s.dtype):
        return np.zeros(len(s), dtype=bool)
    if _utf8_clean(s, strict=strict):
        return np.zeros(len(s), dtype=bool)
    # UTF-8 strings cannot hold surrogates, and the regex engine behind them refuses them
    pattern = rx.pattern.replace("\ud800-\udfff", "")
    return s.str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool)


def _utf8_clean(s: pd.Series, *, strict: bool) -> bool:
    """True when the UTF-8 bytes behind an Arrow string column cannot encode a character of
    :data:`_BAD_TEXT` (``strict``: :data:`_BAD_NAME`); False when they may, or are not at hand.

    A byte scan (numpy, a few passes over the column's bytes) instead of a regex per cell: in
    UTF-8 a byte below 0x80 is always an ASCII character, C1 controls are 0xC2 0x80-0x9F and
    U+FFFE/U+FFFF are 0xEF 0xBF 0xBE/0xBF. Bytes of cells outside the column's slice can only
    make the answer False, and the regex then decides.

    >>> _utf8_clean(pd.Series(["a\\tb", "铜（模拟）"], dtype="str"), strict=False)
    True
    >>> _utf8_clean(pd.Series(["a\\tb"], dtype="str"), strict=True)
    False
    """
    if not isinstance(s.array, pd.arrays.ArrowStringArray):
        return False
    import pyarrow as pa

    arr = pa.chunked_array(pa.array(s.array))
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return False
    for chunk in arr.chunks:
        data = chunk.buffers()[2]
        if data is None:
            continue
        b = np.frombuffer(data, dtype=np.uint8)
        low = np.flatnonzero(b < 0x20)
        if low.size and (strict or not np.isin(b[low], (0x09, 0x0A, 0x0D)).all()):
            return False
        if (b == 0x7F).any():
            return False
        lead = np.flatnonzero(b[:-1] == 0xC2)
        if lead.size and (b[lead + 1] < 0xA0).any():  # after 0xC2 comes 0x80-0xBF; C1 is 0x80-0x9F
            return False
        lead = np.flatnonzero(b[:-2] == 0xEF)
        if lead.size and ((b[lead + 1] == 0xBF) & (b[lead + 2] >= 0xBE)).any():
            return False
    return True


def has_control_characters(text: str) -> bool:
    """Whether one name holds a control character (tab and line breaks included).

    >>> has_control_characters("铜矿采选"), has_control_characters("Ore\x1b[31m")
    (False, True)
    """
    return _BAD_NAME.search(text) is not None


def add_by_value(add: AddProblem, message: str, column: str, mask: np.ndarray, shown: pd.Series) -> None:
    """One problem per distinct bad value (``message: 'value'``), the first few by name, the rest counted."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    values = shown.to_numpy(dtype=object)
    bad_vals = pd.unique(pd.Series(values[mask], dtype=object).map(_show))
    keyed = pd.Series(values, dtype=object).map(_show).to_numpy(dtype=object)
    named = np.zeros(len(mask), dtype=bool)
    for val in bad_vals[:MAX_VALUES_LISTED]:
        rows = mask & (keyed == val)
        named |= rows
        add(f"{message}: {val}", column, rows)
    if len(bad_vals) > MAX_VALUES_LISTED:
        add(f"{message} ({len(bad_vals) - MAX_VALUES_LISTED} more distinct values)", column, mask & ~named)


def _show(x: Any) -> str:
    """A cell as a person should see it in a message: quoted, control characters escaped."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:
        return repr(str(int(x)))
    text = str(x)
    return repr(text if len(text) <= 60 else text[:57] + "...")
