"""Benchmark ``chainnet batch``: one process against a local Dask cluster, on N generated clusters.

Generates N varied synthetic clusters of 1,000-5,000 firms (``chainnet generate --batch``: random
template, structure and gaps; fixed seed) into a temporary folder, then runs the default analyses
(audit, leaders) on all of them twice:

1. in this one process (``scheduler="serial"``, no Dask);
2. on a ``dask.distributed`` LocalCluster of ``--workers`` processes with one thread each
   (started beforehand, so its start-up time is reported apart), through its scheduler address.

It reports the wall time of each, the speed-up, the time per cluster (inside the task), the
scheduler overhead per task measured two ways (N empty tasks through the same scheduler; and the
Dask run's worker-seconds not spent inside a task, per task), and checks that both runs wrote the
same clusters.parquet. Prints a Markdown table.

Run:  python benchmarks/bench_batch.py [--n 300] [--workers 2] [--firms-min 1000] [--firms-max 5000]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from chainnet import write_cluster
from chainnet._batch_task import analyse_cluster
from chainnet._generate_batch import generate_batch
from chainnet.batch import parse_analyses, run_batch


def _noop(i: int) -> int:
    return i


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=300, help="clusters (default 300)")
    ap.add_argument("--workers", type=int, default=2, help="Dask worker processes (default 2)")
    ap.add_argument("--firms-min", type=int, default=1000)
    ap.add_argument("--firms-max", type=int, default=5000)
    ap.add_argument("--analyses", default="audit,leaders")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from dask.distributed import Client, LocalCluster

    root = Path(tempfile.mkdtemp(prefix="bench_batch-"))
    try:
        load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        t0 = time.perf_counter()
        firms = []
        for g in generate_batch(args.n, firms=(args.firms_min, args.firms_max), seed=args.seed):
            write_cluster(g.cluster, root / "clusters" / g.cluster.meta["id"], to="folder")
            firms.append(len(g.cluster.firms))
        t_gen = time.perf_counter() - t0
        paths = [root / "clusters"]

        warm = (analyse_cluster, "demo_copper", parse_analyses(args.analyses), "-")  # first-use imports, not timed
        warm[0](*warm[1:])
        t0 = time.perf_counter()
        serial = run_batch(paths, root / "serial", scheduler="serial", analyses=args.analyses)
        t_serial = time.perf_counter() - t0

        t0 = time.perf_counter()
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            t_start = time.perf_counter() - t0
            client.run(*warm)  # the same warm-up in every worker
            t0 = time.perf_counter()
            futs = client.map(_noop, range(args.n), pure=False)
            client.gather(futs)
            t_noop = time.perf_counter() - t0
            del futs
            t0 = time.perf_counter()
            dask = run_batch(paths, root / "dask", scheduler=cluster.scheduler_address, analyses=args.analyses)
            t_dask = time.perf_counter() - t0

        load_end = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        same = serial.clusters.equals(dask.clusters) and serial.gaps.equals(dask.gaps)
        s_task = list(serial.seconds.values())
        d_task = list(dask.seconds.values())
        overhead = (t_dask * args.workers - sum(d_task)) / args.n
        print(f"# chainnet batch: {args.n} clusters of {min(firms):,}-{max(firms):,} firms "
              f"(mean {statistics.mean(firms):,.0f}), analyses {args.analyses}")
        print(f"{platform.machine()}, Python {platform.python_version()}, pandas {pd.__version__}, "
              f"{os.cpu_count()} cores, load average {load_start:.1f} at the start and {load_end:.1f} at the end; "
              f"generating took {t_gen:.1f} s\n")
        s_cpu, d_cpu = list(serial.cpu_seconds.values()), list(dask.cpu_seconds.values())
        print("| run | wall s | per cluster wall s (in task, mean / median / max) | per cluster CPU s (mean) |")
        print("|---|---|---|---|")
        print(f"| one process | {t_serial:.1f} | {statistics.mean(s_task):.3f} / {statistics.median(s_task):.3f} / "
              f"{max(s_task):.3f} | {statistics.mean(s_cpu):.3f} |")
        print(f"| local Dask, {args.workers} workers x 1 thread | {t_dask:.1f} | {statistics.mean(d_task):.3f} / "
              f"{statistics.median(d_task):.3f} / {max(d_task):.3f} | {statistics.mean(d_cpu):.3f} |")
        print(f"\nspeed-up {t_serial / t_dask:.2f}x (ideal {args.workers}x); LocalCluster start-up {t_start:.1f} s "
              "(not in the Dask wall time)")
        print(f"scheduler overhead per task: {t_noop / args.n * 1000:.1f} ms (N empty tasks), "
              f"{overhead * 1000:.1f} ms (worker-seconds outside tasks in the batch, per task; includes the idle "
              "tail while the last tasks finish)")
        print(f"both runs wrote the same clusters and gaps tables: {same}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
