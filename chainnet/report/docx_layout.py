"""The layout arithmetic of ``report.docx`` (no python-docx here): column widths that fit the page,
the height a table will take, and which blocks go on landscape pages.

Widths are counted in half-ems of the 9 pt table text: a CJK character takes two, a Latin one one.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from .document import Heading, Paragraph

TABLE_PT = 9.0  # 小五
#: one half-em of table text (9 pt, with 10% to spare for bold and wide glyphs), in EMU
HALF_EM = int(TABLE_PT / 2 * 1.1 * 12700)
#: left and right cell margin in twips (1 mm, Word's "narrow"; its default is 1.9 mm)
CELL_MARGIN_TWIPS = 57
#: what the margins and a border take from a column's width, in EMU
CELL_PAD = 2 * CELL_MARGIN_TWIPS * 635 + 12700
#: height of a line of table text (9 pt, single spacing, CJK glyphs are the tallest) in EMU
LINE = int(12.5 * 12700)


def display_width(text: str) -> int:
    """Width of ``text`` in half-em units: CJK and other wide characters count 2, the rest 1.

    >>> display_width("ab链主")
    6
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _longest_token(text: str) -> int:
    """Width of the longest piece a line cannot break inside (a Latin word; a CJK character breaks anywhere)."""
    best = 0
    for word in re.split(r"[\s/\-]+", text):
        run = 0
        for ch in word:
            if unicodedata.east_asian_width(ch) in "WF":
                best, run = max(best, run, 2), 0
            else:
                run += 1
        best = max(best, run)
    return best


def column_wants(columns: list[str], rows: list[list[str]], cap: int = 40) -> tuple[list[int], list[int], list[int]]:
    """Per column, in half-ems: the width it wants (longest text, header included, at most ``cap``), the
    width it needs (longest unbreakable word, at least 4 CJK characters' worth, at most 16) and the
    width its body cells want (without the header, which may wrap)."""
    cells = [[str(c)] + [r[k] for r in rows] for k, c in enumerate(columns)]
    want = [min(cap, max(display_width(t) for t in col)) for col in cells]
    body = [min(cap, max((display_width(t) for t in col[1:]), default=0)) for col in cells]
    need = [min(w, max(8, min(16, max(_longest_token(t) for t in col)))) for col, w in zip(cells, want)]
    return want, need, body


def column_widths(columns: list[str], rows: list[list[str]], *, total: float, unit: float, pad: float,
                  cap: int = 40) -> list[float]:
    """Widths of a table's columns (in the unit of ``total``) that fit the text width ``total``.

    Each column wants its longest text (header included, CJK counted double, at most ``cap``
    half-ems of ``unit`` each; longer text wraps) and needs its longest unbreakable word (at least
    four CJK characters' worth, at most 16 half-ems), plus ``pad`` for the cell margins. A table
    that wants no more than ``total`` gets what it wants. A wider one gives every column its need
    and shares the rest by how much text each column holds beyond its need (up to four times
    ``cap``), so a column of long notes gets more. One whose needs exceed ``total`` is scaled down
    (its longest words then break inside).

    >>> column_widths(["a", "b"], [["xx", "yyyy"]], total=100, unit=1, pad=0)
    [2.0, 4.0]
    >>> column_widths(["a", "b"], [["x " * 20, "y" * 10]], total=20, unit=1, pad=0)
    [10.0, 10.0]
    >>> column_widths(["a", "b"], [["x " * 20, "y" * 10]], total=30, unit=1, pad=0)
    [20.0, 10.0]
    >>> column_widths(["a", "b", "c"], [["x " * 20, "y " * 20, "z " * 60]], total=112, unit=1, pad=0)
    [24.0, 24.0, 64.0]
    """
    want, need, _ = column_wants(columns, rows, cap)
    long, _, _ = column_wants(columns, rows, 4 * cap)  # how much text each column really holds
    want = [w * unit + pad for w in want]
    need = [n * unit + pad for n in need]
    if sum(want) <= total:
        return [float(w) for w in want]
    if sum(need) >= total:
        return [total * n / sum(need) for n in need]
    spare, extra = total - sum(need), [max(0.0, x * unit + pad - n) for x, n in zip(long, need)]
    return [n + spare * e / sum(extra) for n, e in zip(need, extra)]


def table_height(rows: list[list[str]], widths: list[float]) -> int:
    """Estimated height (EMU) of table rows set in columns of ``widths`` (EMU): each row as tall as its
    cell of most wrapped lines.

    >>> table_height([["ab", "c"], ["x" * 30, ""]], [CELL_PAD + 10 * HALF_EM] * 2) == 4 * LINE
    True
    """
    lines = 0
    for row in rows:
        lines += max((max(1, math.ceil(display_width(t) * HALF_EM / max(1.0, w - CELL_PAD)))
                      for t, w in zip(row, widths)), default=1)
    return lines * LINE


def landscape_blocks(blocks: list[Any], wide: list[bool]) -> list[bool]:
    """Which blocks go on landscape pages: each wide block with the headings just before it (so a
    heading never stays behind at the foot of a portrait page) and the notes just after it.

    >>> landscape_blocks([Heading(2, "a"), Paragraph("p"), Heading(3, "b"), "a wide table", Paragraph("more"),
    ...                   Heading(2, "c")], [False, False, False, True, False, False])
    [False, False, True, True, True, False]
    """
    out = list(wide)
    for i, w in enumerate(wide):
        if not w:
            continue
        j = i
        while j > 0 and isinstance(blocks[j - 1], Heading):
            j -= 1
            out[j] = True
        j = i
        while j + 1 < len(blocks) and isinstance(blocks[j + 1], Paragraph):
            j += 1
            out[j] = True
    return out


__all__ = ["CELL_MARGIN_TWIPS", "CELL_PAD", "HALF_EM", "LINE", "TABLE_PT", "column_wants", "column_widths",
           "display_width", "landscape_blocks", "table_height"]
