"""Benchmark generating, writing, reading back and validating large synthetic clusters.

For each size (default 100,000 and 1,000,000 firms, 5 links per firm) it times:

- ``generate``: :func:`chainnet.generate.generate` (copper template, hub-and-spoke, fixed seed);
- ``write``: :func:`chainnet.write_cluster` to a folder (TOML + CSV);
- ``read + validate``: :func:`chainnet.read_cluster` on that folder, which decodes the CSV files
  and validates every row (this is the "loads and validates" figure), split into ``read CSV``
  (decoding and parsing only) and ``validate`` (:meth:`Cluster.from_frames` on the parsed tables).

and prints a Markdown table. Sizes up to 100,000 firms are also checked for a lossless round
trip (the cluster read back equals the generated one).

Run:  python benchmarks/bench_generate.py [--firms 100000 1000000] [--links-per-firm 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import chainnet
from chainnet import DataWarning
from chainnet.generate import generate
from chainnet.io import read_csv_table, read_toml
from chainnet.model import Cluster, assert_same_cluster

SEED = 7


class _Clock:
    """Wall and CPU seconds of a block (CPU counts every thread of this process)."""

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:.1f} ({self.cpu:.1f})"


def bench(n_firms: int, links_per_firm: float, root: Path) -> dict[str, object]:
    out: dict[str, object] = {"firms": n_firms}
    with _Clock() as out["generate"]:
        g = generate("copper", firms=n_firms, links_per_firm=links_per_firm, seed=SEED,
                     missing=["hvac"], broken=["scrap->rod"], weak=["semiconductor"])
    out["rows_firms"], out["rows_links"] = len(g.cluster.firms), len(g.cluster.links)
    folder = root / f"synthetic_{n_firms}"
    with _Clock() as out["write"]:
        chainnet.write_cluster(g.cluster, folder, overwrite=True)
    out["mb"] = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        with _Clock() as out["read_validate"]:
            back = chainnet.read_cluster(folder)
        with _Clock() as out["read_csv"]:
            meta = read_toml(folder / "cluster.toml")
            firms = read_csv_table(folder / "firms.csv")
            links = read_csv_table(folder / "links.csv")
        with _Clock() as out["validate"]:
            Cluster.from_frames(firms, links, meta=meta, base=folder)
    if n_firms <= 100_000:
        assert_same_cluster(g.cluster, back)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--firms", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--links-per-firm", type=float, default=5.0)
    p.add_argument("--keep", type=Path, help="write the clusters here and keep them (default: a temporary folder)")
    args = p.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="chainnet-bench-"))
    try:
        rows = [bench(n, args.links_per_firm, root) for n in args.firms]
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(f"python {platform.python_version()}, chainnet {chainnet.__version__}, {platform.machine()}; "
          "seconds, wall (CPU)\n")
    print("| firms | rows (firms / links) | generate | write folder | MB on disk | read + validate "
          "| of which read CSV | of which validate |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['firms']:,} | {r['rows_firms']:,} / {r['rows_links']:,} | {r['generate']} | {r['write']} "
              f"| {r['mb']:.0f} | {r['read_validate']} | {r['read_csv']} | {r['validate']} |")


if __name__ == "__main__":
    main()
