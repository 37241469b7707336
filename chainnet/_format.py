"""How chainnet writes a number for a reader: one formatter per kind of figure, used by the CLI,
the figures and the report alike, so one measure reads the same everywhere.

Shares in [0, 1] (coverage, leader dominance, degree centralization, ...) are written as
percentages with one decimal: 0.335 -> ``33.5%``.
"""

from __future__ import annotations

import math
from typing import Any

#: Decimals of a share written as a percentage.
SHARE_DIGITS = 1
#: What a missing figure (None or NaN) is written as.
NOT_MEASURED = "—"


def is_missing(x: Any) -> bool:
    """True for None, NaN and pandas' NA."""
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return str(x) == "<NA>"


def share(x: Any, *, digits: int = SHARE_DIGITS, none: str = NOT_MEASURED) -> str:
    """A share in [0, 1] as a percentage.

    >>> share(0.3349), share(1.0), share(None)
    ('33.5%', '100.0%', '—')
    """
    if is_missing(x):
        return none
    return f"{float(x) * 100:.{digits}f}%"
