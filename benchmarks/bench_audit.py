"""Benchmark the chain-completeness audit on a synthetic 100,000-firm copper cluster.

Builds the cluster with numpy (fixed seed): firms spread over the copper template's segments
(some vertically integrated across a flow, a few external, institutions and service firms),
about 500,000 supply links drawn along the template's flows, half of them naming
``segment_from``/``segment_to``. Two segments are made weak and two missing, and strip->motor
is left unlinked, so the audit has gaps of every kind to price. Then it times ``completeness`` and ``audit`` (with gap impacts
and candidates) and prints a Markdown table.

Run:  python benchmarks/bench_audit.py [--firms 100000] [--links 500000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
import pandas as pd

import chainnet
from chainnet import Cluster, DataWarning, load_template
from chainnet.analysis.completeness import audit, completeness, prepare

SEED = 20260101


def synthetic_cluster(n_firms: int, n_links: int, *, seed: int = SEED) -> Cluster:
    """A copper cluster of ``n_firms`` firms and about ``n_links`` supply links (vectorised)."""
    rng = np.random.default_rng(seed)
    t = load_template("copper")
    seg = t.segments["id"].to_numpy()
    flows = t.flows
    role = rng.choice(["leader", "backbone", "sme", "institution", "service"], size=n_firms,
                      p=[0.002, 0.05, 0.908, 0.02, 0.02])
    external = rng.random(n_firms) < 0.05
    w = t.segments["weight"].to_numpy(dtype=float)
    first = rng.choice(seg.size, size=n_firms, p=w / w.sum())
    # make two segments weak (one firm each) and two missing, so every gap type is priced
    pos = {s: i for i, s in enumerate(seg)}
    for s in ("semiconductor", "tube", "hvac", "scrap"):
        first[first == pos[s]] = pos["cathode"]
    first[0], first[1] = pos["hvac"], pos["scrap"]
    role[:2], external[:2] = "sme", False
    # 15% vertically integrated: also one segment downstream of the first (one flow away)
    fa = flows["from"].map(pos).to_numpy()
    fb = flows["to"].map(pos).to_numpy()
    second = np.full(n_firms, -1)
    integrated = rng.random(n_firms) < 0.15
    for a in np.unique(fa):
        idx = np.flatnonzero(integrated & (first == a))
        outs = fb[fa == a]
        outs = outs[~np.isin(outs, [pos["semiconductor"], pos["tube"], pos["hvac"], pos["scrap"]])]
        if a == pos["strip"]:
            outs = outs[outs != pos["motor"]]
        if outs.size:
            second[idx] = rng.choice(outs, size=idx.size)
    no_seg = np.isin(role, ["institution", "service"])
    seg_text = np.where(second >= 0, np.char.add(np.char.add(seg[first].astype(str), ";"),
                                                  seg[np.maximum(second, 0)].astype(str)), seg[first].astype(str))
    seg_text = np.where(no_seg, "", seg_text)
    firm_id = np.char.add("f", np.arange(n_firms).astype(str))
    firms = pd.DataFrame({"firm_id": firm_id, "name": np.char.add("Firm ", np.arange(n_firms).astype(str)),
                          "role": role, "segments": seg_text, "external": external,
                          "output": np.round(rng.lognormal(1.0, 1.2, n_firms), 2)})
    # links along flows: sellers among firms whose first segment is a, buyers among b
    has_seg = ~no_seg
    members = {i: np.flatnonzero(has_seg & (first == i)) for i in range(seg.size)}
    fw = flows["weight"].to_numpy(dtype=float).copy()
    usable = np.array([members[a].size > 0 and members[b].size > 0 for a, b in zip(fa, fb)])
    fw[~usable | ((fa == pos["strip"]) & (fb == pos["motor"]))] = 0  # strip->motor left broken
    counts = rng.multinomial(int(n_links * 1.1), fw / fw.sum())
    parts = []
    for k, n in enumerate(counts):
        src, tgt = members[fa[k]], members[fb[k]]
        if n == 0:
            continue
        parts.append(pd.DataFrame({"s": rng.choice(src, n), "t": rng.choice(tgt, n), "k": k}))
    edges = pd.concat(parts, ignore_index=True)
    edges = edges[edges["s"] != edges["t"]].drop_duplicates(["s", "t"]).head(n_links)
    named = rng.random(len(edges)) < 0.5
    links = pd.DataFrame({
        "source": firm_id[edges["s"]], "target": firm_id[edges["t"]], "kind": "supply",
        "weight": np.round(rng.lognormal(0.0, 1.0, len(edges)) + 0.01, 3),
        "segment_from": np.where(named, seg[fa[edges["k"]]], None),
        "segment_to": np.where(named, seg[fb[edges["k"]]], None)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return Cluster.from_frames(firms, links, meta={"id": "synthetic_copper", "name": "Synthetic copper",
                                                       "template": "copper"})


def timed(f, repeat: int) -> tuple[tuple[float, float], object]:
    """Best of ``repeat`` runs as (wall-clock, process CPU) seconds, and the last result.

    CPU time is reported too because wall time on a shared machine includes waiting for a core.
    """
    wall, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = f()
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    return (wall, cpu), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--links", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    t0 = time.perf_counter()
    c = synthetic_cluster(args.firms, args.links)
    build = time.perf_counter() - t0
    leaders = list(c.firms.loc[c.firms["role"] == "leader", "firm_id"])
    demo = chainnet.load_dataset("demo_copper")
    t_comp, comp = timed(lambda: completeness(c), args.repeat)
    t_wo, _ = timed(lambda: completeness(c, without=leaders), args.repeat)
    t_rebuild, _ = timed(lambda: completeness(c.without_firms(leaders)), args.repeat)
    t_audit, a = timed(lambda: audit(c), args.repeat)
    t_cand, _ = timed(lambda: audit(c, candidates=[demo]), args.repeat)
    t_prep, p = timed(lambda: prepare(c), args.repeat)
    t_loop, _ = timed(lambda: [p.completeness(without=[f]) for f in leaders], 1)
    s = c.summary()
    print(f"cluster: {s['firms']:,} firms ({s['local_firms']:,} local), {s['links']:,} links; "
          f"built and validated in {build:.1f} s")
    print(f"index {comp['index']:.4f}; gaps {a.summary['gaps']}")
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, pandas {pd.__version__}, "
          f"numpy {np.__version__}; best of {args.repeat}\n")
    print(f"load average before the run: {load}\n")
    print("| call | wall s | CPU s |\n|---|---|---|")
    per = (t_loop[0] / max(len(leaders), 1), t_loop[1] / max(len(leaders), 1))
    for label, (w, cpu) in (("completeness(c)", t_comp), (f"completeness(c, without={len(leaders)} leaders)", t_wo),
                            (f"completeness(c.without_firms({len(leaders)} leaders))", t_rebuild),
                            (f"audit(c) ({len(a.gaps)} gaps priced)", t_audit),
                            ("audit(c, candidates=[demo_copper])", t_cand), ("p = prepare(c)", t_prep),
                            ("p.completeness(without=[leader]), per leader", per)):
        print(f"| `{label}` | {w:.3f} | {cpu:.3f} |")


if __name__ == "__main__":
    main()
