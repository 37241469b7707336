"""``report.xlsx``: the report's tables as one workbook (chainnet._xlsx: header frozen, text never a formula)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """``report.xlsx``: one sheet per list, header frozen, columns sized; text never a formula."""
    from .._xlsx import write_workbook as write

    write(sheets, path, file="report.xlsx", freeze_header=True, fit_widths=True)

