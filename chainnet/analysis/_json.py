"""Turn analysis results into JSON-ready Python values: NaN becomes None, numpy scalars become Python ones."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def clean(x: Any) -> Any:
    """A JSON-ready copy of ``x``: dicts, lists and tuples recursively; NaN, NA and inf become None.

    >>> clean({"a": float("nan"), "b": (np.int64(2), np.float64(0.5))})
    {'a': None, 'b': [2, 0.5]}
    """
    if isinstance(x, dict):
        return {str(k): clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [clean(v) for v in x]
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``df`` as JSON-ready dicts (column order kept)."""
    cols = list(df.columns)
    arrays = [df[c].to_numpy(dtype=object) for c in cols]
    return [{c: clean(v) for c, v in zip(cols, row)} for row in zip(*arrays)]
