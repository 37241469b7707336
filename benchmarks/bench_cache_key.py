"""Benchmark the content key that keeps the supply-graph cache honest after in-place edits.

Compares, on tables the size of a 1,000,000-firm cluster with 5,000,000 links, the key
:func:`chainnet._fingerprint.fingerprint` (column buffers hashed with BLAKE2b), row-wise hashing
with :func:`pandas.util.hash_pandas_object`, and building the supply graph the key protects.

Usage::

    python benchmarks/bench_cache_key.py               # 1,000,000 firms, 5,000,000 links
    python benchmarks/bench_cache_key.py --firms 100000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from chainnet._fingerprint import fingerprint
from chainnet.analysis._sparse import _FIRM_COLUMNS, _LINK_COLUMNS, build_supply_graph


def tables(n: int, m: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = pd.Series([f"f{i:07d}" for i in range(n)], dtype="str")
    firms = pd.DataFrame({"firm_id": ids, "role": pd.Series(rng.choice(["sme", "backbone", "leader"], n), dtype="str"),
                          "external": rng.random(n) < 0.1})
    links = pd.DataFrame({"source": ids.iloc[rng.integers(0, n, m)].reset_index(drop=True),
                          "target": ids.iloc[rng.integers(0, n, m)].reset_index(drop=True),
                          "kind": pd.Series(rng.choice(["supply", "rd"], m, p=[0.9, 0.1]), dtype="str"),
                          "weight": rng.random(m)})
    return firms, links


def timed(label: str, f: Callable[[], Any]) -> None:
    t0 = time.perf_counter()
    f()
    print(f"{label:<45} {time.perf_counter() - t0:7.3f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=1_000_000)
    args = ap.parse_args()
    firms, links = tables(args.firms, 5 * args.firms)
    local = (~firms["external"].to_numpy()) & firms["role"].isin(["sme", "backbone", "leader"]).to_numpy()
    timed("fingerprint(firms)", lambda: fingerprint(firms, _FIRM_COLUMNS))
    timed("fingerprint(links)", lambda: fingerprint(links, _LINK_COLUMNS))
    timed("hash_pandas_object(links), row-wise", lambda: pd.util.hash_pandas_object(links[list(_LINK_COLUMNS)],
                                                                                     index=False).sum())
    timed("build_supply_graph (what the key protects)", lambda: build_supply_graph(firms, links, local))


if __name__ == "__main__":
    main()
