"""A cheap content key for table columns, so caches notice in-place edits of a cluster's tables.

``Cluster.firms`` and ``Cluster.links`` are public, mutable DataFrames: after
``c.firms.loc[i, "external"] = True`` the frame is the same object with other content, so a cache
keyed on object identity serves stale results. Hashing the values row by row
(:func:`pandas.util.hash_pandas_object`) is correct but costs about as much as the graph it would
save (7 s for 5 million links). This key hashes the column *buffers* instead: numpy columns as
raw bytes, Arrow-backed string columns (pandas' default ``str`` dtype with pyarrow) as their
offset and data buffers, anything else (object columns such as ``segments`` tuples) with
``hash_pandas_object``. On 1,000,000 firms and 5,000,000 links the key costs about 5% of building
the supply graph and a tenth of row-wise hashing (``benchmarks/bench_cache_key.py``; numbers in
``benchmarks/RESULTS.md``).

A key mismatch only costs a rebuild, so the key may be conservative (an Arrow buffer shared with
rows outside a slice is hashed whole); it must never match when the content differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd


def fingerprint(df: pd.DataFrame, columns: Iterable[str]) -> str:
    """A digest of ``len(df)`` and the values of ``columns`` (absent columns count as absent).

    >>> df = pd.DataFrame({"a": ["x", "y"], "b": [1.0, 2.0]})
    >>> k = fingerprint(df, ["a", "b"])
    >>> df.loc[1, "b"] = 3.0
    >>> fingerprint(df, ["a", "b"]) == k
    False
    """
    h = hashlib.blake2b(digest_size=16)
    h.update(str(len(df)).encode())
    for col in columns:
        h.update(f"|{col}:".encode())
        if col not in df.columns:
            h.update(b"-")
            continue
        s = df[col]
        h.update(str(s.dtype).encode())
        _update(h, s)
    return h.hexdigest()


def _update(h: hashlib.blake2b, s: pd.Series) -> None:
    arr = s.array
    if isinstance(s.dtype, np.dtype) and s.dtype != object:
        h.update(np.ascontiguousarray(s.to_numpy()).view(np.uint8))
        return
    to_arrow = getattr(arr, "__arrow_array__", None)
    if to_arrow is not None:
        chunked = to_arrow()
        for chunk in getattr(chunked, "chunks", [chunked]):
            h.update(f"{chunk.offset},{len(chunk)};".encode())
            for buf in chunk.buffers():
                h.update(b"." if buf is None else buf)
        return
    h.update(pd.util.hash_pandas_object(s, index=False).to_numpy())
