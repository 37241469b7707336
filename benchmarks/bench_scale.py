"""chainnet at scale, side by side with a hand-written pandas + python-igraph script (issue 15).

One run of this file measures, on the same generated copper cluster and in one process run:

1. **script**: the metric set a researcher would write by hand with pandas and python-igraph:
   read the CSVs, weak components and the bow-tie, PageRank, betweenness from 100 pivots,
   k-core, Leiden communities, segment counts and realised segment pairs, and 13 removal
   curves (role, degree, betweenness, 10 random orders) of 20 steps each;
2. **library**: ``read_cluster`` + ``audit`` + ``leaders`` + ``structure`` + ``resilience``
   with their defaults (which compute more: role checks, completeness what-ifs at every step,
   single points of failure, null-model z-scores, the full removal curves);
3. **analyze**: ``chainnet analyze`` end to end (report, workbook, figures, results.json), in
   a child process so that its peak memory is its own.

Each row gives wall time, CPU time (user + sys of this process and of the worker processes
chainnet started, or of the ``analyze`` child and its workers) and peak memory during the step:
the sum over the process and its children of their proportional set size (PSS, so pages a
forked worker shares with its parent count once), sampled every 100 ms or less often (sampling at most 5% of a core: benchmarks/_pss.py) with psutil when it is
installed (otherwise the process's ``ru_maxrss``). The cluster of each size is generated once
into ``--cache`` and reused. ``CHAINNET_WORKERS=1`` in the environment measures chainnet in one
process.

Usage::

    python benchmarks/bench_scale.py                           # 100,000 firms
    python benchmarks/bench_scale.py --firms 100000 --firms 1000000
    python benchmarks/bench_scale.py --firms 1000000 --skip-analyze --extra
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _pss import pause, tree_pss  # benchmarks/_pss.py, beside this script

LOCAL_ROLES = ("leader", "backbone", "sme")


# -- measuring ------------------------------------------------------------------------------------
class _PeakRSS:
    """Peak memory of a process and its children (chainnet's worker processes) while a step runs.

    Sampled every 100 ms or less often (benchmarks/_pss.py: at most 5% of a core) as the sum of each process's proportional set size (PSS, from
    ``/proc/PID/smaps_rollup``): pages a forked worker still shares with its parent count once,
    split between them, so the sum is the memory the processes really hold (a sum of RSS would
    count the shared cluster twice). Where ``smaps_rollup`` is missing, the RSS sum (psutil) is
    used; without psutil, the process's ``ru_maxrss``.
    """

    def __init__(self, pid: int | None = None) -> None:
        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil is optional
            self.proc = None
        else:
            self.proc = psutil.Process(pid or os.getpid())
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        if self.proc is None:
            return 0
        try:
            return tree_pss(self.proc)
        except Exception:  # the process may have ended
            return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            t0 = time.perf_counter()
            self.peak = max(self.peak, self._rss())
            self._stop.wait(pause(time.perf_counter() - t0))  # at most 5% of a core (benchmarks/_pss.py)

    def __enter__(self) -> _PeakRSS:
        self.peak = self._rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())
        if self.proc is None:
            self.peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _children_cpu() -> float:
    """CPU seconds (user + sys) of this process's children that have ended (chainnet's workers)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


@contextmanager
def timed(rows: list[dict[str, Any]], size: int, what: str) -> Iterator[dict[str, Any]]:
    """Time a step in this process: wall, CPU (all threads, and the worker processes it started)
    and peak memory; append a row to ``rows``."""
    gc.collect()
    row: dict[str, Any] = {"firms": size, "what": what}
    print(f"[bench] {size:,} firms: {what} ...", file=sys.stderr, flush=True)
    w0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
    with _PeakRSS() as mem:
        yield row
    row.update(wall=time.perf_counter() - w0, cpu=time.process_time() - c0 + _children_cpu() - k0,
               peak_gb=mem.peak / 1e9)
    rows.append(row)
    print(f"[bench]   {row['wall']:.1f} s wall, {row['cpu']:.1f} s CPU, peak {row['peak_gb']:.2f} GB",
          file=sys.stderr, flush=True)


# -- the cluster ----------------------------------------------------------------------------------
def cluster_folder(firms: int, *, seed: int, cache: Path) -> Path:
    """The generated copper cluster of ``firms`` firms (written once into ``cache``, then reused)."""
    folder = cache / f"copper_{firms}_seed{seed}"
    if (folder / "links.csv").exists() and (folder / "cluster.toml").exists():
        return folder
    from chainnet.generate import generate
    from chainnet.io import write_cluster

    print(f"[bench] generating {firms:,} firms into {folder}", file=sys.stderr, flush=True)
    g = generate("copper", firms=firms, seed=seed)
    write_cluster(g.cluster, folder, overwrite=True)
    return folder


# -- 1. the hand-written script -------------------------------------------------------------------
def hand_written(folder: Path, *, pivots: int = 100, steps: int = 20, runs: int = 10, seed: int = 0) -> dict[str, Any]:
    """The metric set written directly with pandas and python-igraph (what chainnet is measured against)."""
    import igraph as ig

    firms = pd.read_csv(folder / "firms.csv", dtype=str, keep_default_na=False, engine="pyarrow")
    links = pd.read_csv(folder / "links.csv", dtype={"source": str, "target": str, "kind": str}, engine="pyarrow")
    local = firms[(firms["external"].str.lower() != "true") & firms["role"].isin(LOCAL_ROLES)].reset_index(drop=True)
    n = len(local)
    idx = pd.Index(local["firm_id"])
    sup = links[links["kind"] == "supply"]
    s, t = idx.get_indexer(sup["source"]), idx.get_indexer(sup["target"])
    keep = (s >= 0) & (t >= 0)
    s, t, w = s[keep], t[keep], sup["weight"].to_numpy(float)[keep]
    G = ig.Graph(n=n, edges=list(zip(s.tolist(), t.tolist())), directed=True, edge_attrs={"weight": w.tolist()})
    out: dict[str, Any] = {"n": n, "m": len(s)}
    # components and bow-tie
    weak = G.connected_components(mode="weak")
    out["lwcc"] = max(weak.sizes()) / n
    strong = G.connected_components(mode="strong")
    core_id = int(np.argmax(strong.sizes()))
    core = np.asarray(strong.membership) == core_id
    v = int(np.flatnonzero(core)[0])
    inn = np.zeros(n, bool)
    inn[G.subcomponent(v, mode="in")] = True
    outp = np.zeros(n, bool)
    outp[G.subcomponent(v, mode="out")] = True
    out["bowtie"] = {"core": int(core.sum()), "in": int((inn & ~core).sum()), "out": int((outp & ~core).sum())}
    # centralities
    pr = np.asarray(G.pagerank(damping=0.85, weights="weight"))
    U = G.as_undirected(mode="collapse")
    rng = np.random.default_rng(seed)
    src = sorted(rng.choice(n, size=pivots, replace=False).tolist())
    btw = np.asarray(U.betweenness(directed=False, sources=src))
    core_number = np.asarray(U.coreness())
    random_state = __import__("random").Random(seed)
    ig.set_random_number_generator(random_state)
    leiden = U.community_leiden(objective_function="modularity", n_iterations=2)
    ig.set_random_number_generator(__import__("random"))
    out.update(pagerank_max=float(pr.max()), kcore_max=int(core_number.max()), communities=len(leiden),
               modularity=U.modularity(leiden.membership))
    # segment counts and realised segment pairs
    seg = local[["firm_id", "segments"]].assign(segment=local["segments"].str.split(";")).explode("segment")
    out["segments"] = seg["segment"].value_counts().to_dict()
    loc_links = sup[keep]
    pairs = (loc_links[["source", "target"]]
             .merge(seg[["firm_id", "segment"]].rename(columns={"firm_id": "source", "segment": "a"}), on="source")
             .merge(seg[["firm_id", "segment"]].rename(columns={"firm_id": "target", "segment": "b"}), on="target"))
    out["segment_pairs"] = len(pairs[["a", "b"]].drop_duplicates())
    # 13 removal curves of 20 steps: largest weakly connected share after each step
    deg = np.asarray(U.degree())
    role_rank = local["role"].map({r: i for i, r in enumerate(LOCAL_ROLES)}).to_numpy()
    orders = {"role": np.lexsort((-deg, role_rank)), "degree": np.argsort(-deg, kind="stable"),
              "betweenness": np.argsort(-btw, kind="stable")}
    orders.update({f"random{r}": rng.permutation(n) for r in range(runs)})
    ks = np.round(np.linspace(0, n, steps + 1)).astype(int)
    curves = {}
    for name, order in orders.items():
        alive = np.ones(n, bool)
        curve = []
        for k in ks:
            alive[order[:k]] = False
            if k >= n:
                curve.append(0.0)
                continue
            sub = U.induced_subgraph(np.flatnonzero(alive).tolist())
            curve.append(max(sub.connected_components().sizes()) / n)
        curves[name] = curve
    out["curves"] = curves
    return out


# -- 2. the library -------------------------------------------------------------------------------
def library(folder: Path, rows: list[dict[str, Any]], size: int, *, extra: bool = True) -> None:
    """read_cluster + audit + leaders + structure + resilience, defaults: one row per call and a total row.

    With ``extra``, ``structure(c, null_models=0)`` is timed as well (not part of the total): the
    same figures without the random networks, which the script does not compute.
    """
    import chainnet
    from chainnet.analysis.centrality import leaders
    from chainnet.analysis.resilience import resilience
    from chainnet.analysis.structure import structure

    first = len(rows)

    def say(msg: str) -> None:
        print(f"[chainnet] {msg}", file=sys.stderr, flush=True)

    result: dict[str, Any] = {}
    with timed(rows, size, "  read_cluster"):
        c = chainnet.read_cluster(folder)
    with timed(rows, size, "  audit"):
        result["index"] = chainnet.audit(c).completeness["index"]
    with timed(rows, size, "  leaders"):
        result["leader_dominance"] = leaders(c, progress=say).leader_dominance
    with timed(rows, size, "  structure"):
        st = structure(c, progress=say)
        result.update(modularity=st.figures["modularity"], nulls=st.null_model["null_models"])
    with timed(rows, size, "  resilience"):
        rs = resilience(c, progress=say)
        result["auc_lwcc"] = rs.auc.loc[rs.auc["measure"] == "lwcc", ["strategy", "auc"]].to_dict("records")
    steps = rows[first:]
    rows.append({"firms": size, "what": "library (read + audit + leaders + structure + resilience)",
                 "wall": sum(r["wall"] for r in steps), "cpu": sum(r["cpu"] for r in steps),
                 "peak_gb": max(r["peak_gb"] for r in steps), "result": result})
    if extra:
        with timed(rows, size, "  (structure without random networks, not in the total)"):
            structure(c, null_models=0)


# -- 3. chainnet analyze --------------------------------------------------------------------------
def analyze(folder: Path, out: Path, rows: list[dict[str, Any]], size: int) -> None:
    """``chainnet analyze`` in a child process: wall, the child's CPU and its peak RSS."""
    gc.collect()
    print(f"[bench] {size:,} firms: chainnet analyze ...", file=sys.stderr, flush=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                       os.environ.get("PYTHONPATH", "")]))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "chainnet", "analyze", str(folder), "-o", str(out), "--force"],
                            env=env, stdout=subprocess.DEVNULL)
    with _PeakRSS(proc.pid) as mem:
        rc = proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    row = {"firms": size, "what": "chainnet analyze (child process)", "wall": time.perf_counter() - w0,
           "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
           "peak_gb": mem.peak / 1e9, "rc": rc}
    if rc:
        row["what"] += f" FAILED (exit {rc})"
    for name in ("results.json", "firms.parquet", "links.parquet", "report.html", "report.md", "report.xlsx"):
        path = out / name
        row[name.replace(".", "_") + "_mb"] = path.stat().st_size / 1e6 if path.exists() else None
    rows.append(row)
    print(f"[bench]   {row['wall']:.1f} s wall, {row['cpu']:.1f} s CPU, peak {row['peak_gb']:.2f} GB",
          file=sys.stderr, flush=True)


# -- main -----------------------------------------------------------------------------------------
def run(sizes: list[int], *, seed: int, cache: Path, skip_analyze: bool, extra: bool,
        library_first: bool = False) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for size in sizes:
        folder = cluster_folder(size, seed=seed, cache=cache)
        if library_first:
            library(folder, rows, size, extra=extra)
        with timed(rows, size, "script (pandas + igraph)") as r:
            r["result"] = hand_written(folder)
        if not library_first:
            library(folder, rows, size, extra=extra)
        if not skip_analyze:
            analyze(folder, cache / f"report_{size}", rows, size)
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--firms", type=int, action="append", help="cluster size (repeat; default 100000)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1, as in issue 15)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/chainnet_bench_scale"),
                    help="folder for the generated clusters and reports (reused between runs)")
    ap.add_argument("--skip-analyze", action="store_true", help="do not run `chainnet analyze`")
    ap.add_argument("--extra", action="store_true", help="also time structure() without random networks")
    ap.add_argument("--library-first", action="store_true",
                    help="run the library before the script (on a loaded machine its numbers come first)")
    args = ap.parse_args()
    sizes = args.firms or [100_000]
    args.cache.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    print(f"# {platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores, "
          f"load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    df = run(sizes, seed=args.seed, cache=args.cache, skip_analyze=args.skip_analyze, extra=args.extra,
             library_first=args.library_first)
    load = os.getloadavg()
    print(f"# load average at end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    script = df[df["what"].str.startswith("script")].set_index("firms")["wall"]
    script_cpu = df[df["what"].str.startswith("script")].set_index("firms")["cpu"]
    df["ratio"] = [w / script[f] for f, w in zip(df["firms"], df["wall"])]
    df["cpu_ratio"] = [c / script_cpu[f] for f, c in zip(df["firms"], df["cpu"])]
    sizes_mb = [c for c in df.columns if c.endswith("_mb")]
    cols = [c for c in ("firms", "what", "wall", "cpu", "peak_gb", "ratio", "cpu_ratio", *sizes_mb) if c in df]
    print(df[cols].to_markdown(index=False, floatfmt=".2f") if _has_tabulate() else df[cols].to_string(index=False))
    for _, r in df.iterrows():
        if isinstance(r.get("result"), dict):
            res = {k: v for k, v in r["result"].items() if k not in ("curves", "segments")}
            print(f"# {r['firms']:,} {r['what']}: {res}")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
