"""``report.xlsx``: the report's tables as one formatted workbook (layout: :mod:`.workbook`; writer: chainnet._xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .workbook import ROW_CAP, report_sheets


def write_workbook(result: Any, path: Path, *, cap: int = ROW_CAP) -> None:
    """Write ``report.xlsx``: a summary with contents first, then one sheet per table.

    Every table sheet has its header row frozen, filter buttons over the table and columns sized to
    their content; numbers stay numbers with a display format (shares as percentages); text is never
    a formula.

    Parameters
    ----------
    result : an :class:`chainnet.report.Analysis` (what :func:`chainnet.report.compute` returns); a
        plain ``{sheet name: table}`` dict is written as it is, with the same sheet layout
    path : the workbook file
    cap : at most this many rows per sheet (see :func:`chainnet.report.workbook.report_sheets`)
    """
    from .._xlsx import write_workbook as write

    sheets: dict[str, Any] = dict(result) if isinstance(result, dict) else report_sheets(result, cap=cap)
    if isinstance(result, dict):
        sheets = {k: v for k, v in sheets.items() if isinstance(v, pd.DataFrame)}
    write(sheets, path, file=Path(path).name, freeze_header=True, fit_widths=True, autofilter=True)
