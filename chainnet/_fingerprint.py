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

Arrow arrays are immutable (an edit of an Arrow-backed column gives the column a new array), so
the digest of an Arrow column is remembered per array object for as long as that object lives:
the caches of a cluster and of its year snapshots look up their keys dozens of times in one
``chainnet analyze``, and hashing the same id strings again was about 1 s of 40 at 10^5 firms.
"""

from __future__ import annotations

import hashlib
import weakref
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
        h.update(_arrow_digest(to_arrow()))
        return
    h.update(pd.util.hash_pandas_object(s, index=False).to_numpy())


#: id of a live Arrow array -> (weak reference to it, digest of its buffers); an entry leaves
#: with its array (the id may then be reused by another object, which the reference tells apart)
_ARROW_DIGESTS: dict[int, tuple[weakref.ref, bytes]] = {}


def _arrow_digest(chunked) -> bytes:
    """The digest of an Arrow (chunked) array's offsets, lengths and buffers, computed once per array object.

    >>> import pyarrow as pa
    >>> a, b = pa.chunked_array([["x", "y"]]), pa.chunked_array([["x", "z"]])
    >>> _arrow_digest(a) == _arrow_digest(pa.chunked_array([["x", "y"]])), _arrow_digest(a) == _arrow_digest(b)
    (True, False)
    """
    key = id(chunked)
    hit = _ARROW_DIGESTS.get(key)
    if hit is not None and hit[0]() is chunked:
        return hit[1]
    h = hashlib.blake2b(digest_size=16)
    for chunk in getattr(chunked, "chunks", [chunked]):
        h.update(f"{chunk.offset},{len(chunk)};".encode())
        for buf in chunk.buffers():
            h.update(b"." if buf is None else buf)
    digest = h.digest()
    try:
        ref = weakref.ref(chunked, lambda _, key=key: _forget(key))
    except TypeError:  # an array type without weak references: hashed on every call
        return digest
    _ARROW_DIGESTS[key] = (ref, digest)
    return digest


def _forget(key: int) -> None:
    entry = _ARROW_DIGESTS.get(key)
    if entry is not None and entry[0]() is None:
        del _ARROW_DIGESTS[key]
