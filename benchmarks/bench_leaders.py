"""Benchmark leader centrality and cluster structure on large synthetic clusters.

The synthetic cluster follows the copper template: every firm works in one segment, and supply
links follow the template's flows between firms drawn with probability proportional to a
heavy-tailed (Pareto) fitness, so partner counts are heavy-tailed as in real supplier networks.
A few percent of links run between random firms in either direction (returns, toll processing),
which gives the graph cycles and so a strongly connected core. The largest firms by fitness are
leaders, the next 5% backbone firms, the rest SMEs; 1% of firms are outside the cluster.

Usage::

    python benchmarks/bench_leaders.py                  # 100,000 firms (~500k links)
    python benchmarks/bench_leaders.py --big            # also 1,000,000 firms (~5M links)
    python benchmarks/bench_leaders.py --big --record   # append the timings to benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import chainnet
from chainnet._errors import DataWarning
from chainnet.analysis.centrality import leaders
from chainnet.analysis.structure import structure

RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## leaders and structure"


def synthetic_cluster(n_firms: int, *, links_per_firm: float = 5.0, cross_share: float = 0.03,
                      seed: int = 0) -> chainnet.Cluster:
    """A copper cluster of ``n_firms`` firms and about ``links_per_firm * n_firms`` supply links."""
    rng = np.random.default_rng(seed)
    tpl = chainnet.load_template("copper")
    segs = list(tpl.segments["id"])
    seg = rng.integers(0, len(segs), n_firms)
    fitness = rng.pareto(1.5, n_firms) + 1.0
    members = [np.flatnonzero(seg == k) for k in range(len(segs))]
    cums = [np.cumsum(fitness[m]) for m in members]
    pos = {s: i for i, s in enumerate(segs)}
    flows = tpl.flows
    n_links = int(links_per_firm * n_firms)
    share = flows["weight"].to_numpy(float) / flows["weight"].sum()
    src, tgt = [], []
    for (a, b), k in zip(zip(flows["from"].map(pos), flows["to"].map(pos)),
                         rng.multinomial(int(n_links * (1 - cross_share)), share)):
        src.append(members[a][np.searchsorted(cums[a], rng.random(k) * cums[a][-1])])
        tgt.append(members[b][np.searchsorted(cums[b], rng.random(k) * cums[b][-1])])
    k = int(n_links * cross_share)
    allcum = np.cumsum(fitness)
    src.append(np.searchsorted(allcum, rng.random(k) * allcum[-1]))
    tgt.append(rng.integers(0, n_firms, k))
    s, t = np.concatenate(src), np.concatenate(tgt)
    code = np.unique(s.astype(np.int64) * n_firms + t)
    s, t = code // n_firms, code % n_firms
    keep = s != t
    s, t = s[keep], t[keep]
    order = np.argsort(-fitness, kind="stable")
    role = np.full(n_firms, "sme", dtype=object)
    n_lead = max(3, min(20, n_firms // 5000))
    role[order[n_lead:n_lead + n_firms // 20]] = "backbone"
    role[order[:n_lead]] = "leader"
    external = rng.random(n_firms) < 0.01
    external[order[:n_lead]] = False
    ids = np.char.add("f", np.char.zfill(np.arange(n_firms).astype(str), 7)).astype(object)
    firms = pd.DataFrame({"firm_id": ids, "name": ids, "role": role, "segments": np.asarray(segs, dtype=object)[seg],
                          "external": external,
                          "output": np.round(fitness * rng.lognormal(0, 0.5, n_firms), 2)})
    links = pd.DataFrame({"source": ids[s], "target": ids[t], "kind": "supply",
                          "weight": np.round(rng.lognormal(0, 1, len(s)) + 0.01, 3)})
    meta = {"id": f"synthetic_{n_firms}", "name": f"Synthetic copper cluster, {n_firms:,} firms", "template": "copper"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return chainnet.Cluster.from_frames(firms, links, meta=meta)


def _timed(label: str, f: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    t = time.perf_counter()
    out = f(*args, **kw)
    dt = time.perf_counter() - t
    print(f"  {label}: {dt:,.1f} s", flush=True)
    return out, dt


def run(n: int, *, null_models: int) -> dict:
    print(f"{n:,} firms", flush=True)
    c, t_build = _timed("build + validate", synthetic_cluster, n)
    r, t_lead = _timed("leaders()", leaders, c)
    s, t_struct = _timed(f"structure(null_models={null_models})", structure, c, null_models=null_models)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"  local firms {len(r.firms):,}, local supply links {s.figures['n_links']:,}, "
          f"betweenness {r.betweenness_method}, type {s.typology['type']}, peak memory {peak:.1f} GB", flush=True)
    return {"firms": n, "local": len(r.firms), "links": len(c.links), "local_links": s.figures["n_links"],
            "build": t_build, "leaders": t_lead, "structure": t_struct, "null_models": null_models,
            "betweenness": r.betweenness_method, "peak_gb": peak, "type": s.typology["type"]}


def record(rows: list[dict]) -> None:
    """Write the section "leaders and structure" of RESULTS.md, keeping every other section."""
    lines = [SECTION, "",
             f"`python benchmarks/bench_leaders.py` on {platform.machine()}, Python {platform.python_version()}, "
             f"{time.strftime('%Y-%m-%d')}; synthetic copper clusters (seed 0), timings in seconds, one run each.",
             "", "| firms | local firms | links | local supply links | build + validate | leaders() | structure() "
             "| null models | betweenness | peak memory (GB) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    lines += [f"| {r['firms']:,} | {r['local']:,} | {r['links']:,} | {r['local_links']:,} | {r['build']:.1f} | "
              f"{r['leaders']:.1f} | {r['structure']:.1f} | {r['null_models']} | {r['betweenness']} | "
              f"{r['peak_gb']:.1f} |" for r in rows]
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    head, found, tail = text.partition(SECTION)
    rest = ""
    if found:
        nxt = tail.find("\n## ")
        rest = tail[nxt + 1:] if nxt >= 0 else ""
    new = head.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n" + ("\n" + rest if rest else "")
    RESULTS.write_text(new, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000], help="cluster sizes (firms)")
    ap.add_argument("--big", action="store_true", help="also run 1,000,000 firms (~5M links; minutes)")
    ap.add_argument("--null-models", type=int, default=20, help="random networks below 1M firms")
    ap.add_argument("--big-null-models", type=int, default=2, help="random networks at 1M firms")
    ap.add_argument("--record", action="store_true", help="write the results to benchmarks/RESULTS.md")
    args = ap.parse_args()
    rows = [run(n, null_models=args.null_models) for n in args.sizes]
    if args.big:
        rows.append(run(1_000_000, null_models=args.big_null_models))
    if args.record:
        record(rows)


if __name__ == "__main__":
    main()
