"""Benchmark chain position and resilience on large synthetic clusters.

The cluster is ``chainnet.generate.generate("copper", firms=N, seed=1).cluster`` (hub-and-spoke,
about 90% local firms, 5 links per firm of which ~88% supply). Timed: the local supply graph,
firm upstreamness, the full position analysis (trophic levels and chain checks included), the
full resilience analysis (four strategies, 10 random runs, 20 steps, single points of failure),
single points of failure on a variant with two weak segments (so that there are candidates to
price), and a what-if audit removing the first leader.

Usage::

    python benchmarks/bench_resilience.py                  # 100,000 firms
    python benchmarks/bench_resilience.py --big            # also 1,000,000 firms
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
from collections.abc import Callable
from typing import Any

from chainnet.analysis import _sparse
from chainnet.analysis.position import position, upstreamness
from chainnet.analysis.resilience import resilience, single_points_of_failure, whatif
from chainnet.generate import generate


def _timed(label: str, f: Callable[..., Any], *args: Any, **kw: Any) -> tuple[Any, float, float]:
    t, c = time.perf_counter(), time.process_time()
    out = f(*args, **kw)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"  {label}: {wall:,.1f} s wall, {cpu:,.1f} s CPU", flush=True)
    return out, wall, cpu


def run(n: int, *, runs: int, steps: int) -> dict[str, Any]:
    print(f"{n:,} firms (generate copper, seed 1)", flush=True)
    c = generate("copper", firms=n, seed=1).cluster
    out: dict[str, Any] = {"firms": n, "links": len(c.links)}
    g, out["graph"], _ = _timed("supply graph", _sparse.supply_graph, c)
    out["local"], out["local_links"] = g.n, g.m
    u, out["upstreamness"], _ = _timed("upstreamness()", upstreamness, c)
    p, out["position"], out["position_cpu"] = _timed("position()", position, c)
    print(f"    solver {p.settings['solver']}, F0 {p.figures['trophic_incoherence']:.3f}, "
          f"firms to check {p.figures['firms_to_check']:,}, against {p.figures['against_links']:,}", flush=True)
    out["solver"] = p.settings["solver"]
    phases: dict[str, float] = {}
    start = time.perf_counter()
    last = [start]

    def say(msg: str) -> None:
        now = time.perf_counter()
        phases[msg] = now - last[0]
        last[0] = now

    r, out["resilience"], out["resilience_cpu"] = _timed(f"resilience(runs={runs}, steps={steps})", resilience, c,
                                                         runs=runs, steps=steps, progress=say)
    out["betweenness"] = r.settings["betweenness"]
    _, out["t_betweenness"], _ = _timed("  of which betweenness (timed again alone)", _sparse.betweenness, g, seed=0)
    rnd = [v for k, v in phases.items() if k.startswith("random removal")]
    out["t_random_run"] = sum(rnd) / len(rnd) if rnd else float("nan")
    out["t_degree"] = phases.get("degree removal done", float("nan"))
    print(f"    betweenness {r.settings['betweenness']}; per deterministic strategy ~{out['t_degree']:.1f} s, "
          f"per random run ~{out['t_random_run']:.1f} s; AUC lwcc: "
          + ", ".join(f"{a.strategy} {a.auc:.3f}" for a in r.auc[r.auc["measure"] == "lwcc"].itertuples()),
          flush=True)
    out["auc"] = {a.strategy: a.auc for a in r.auc[r.auc["measure"] == "lwcc"].itertuples()}
    weak = generate("copper", firms=n, seed=1, weak=["tube", "wire"]).cluster
    s, out["spof"], _ = _timed("single_points_of_failure() with 2 weak segments", single_points_of_failure, weak)
    out["spof_n"] = len(s)
    lead = c.firms.loc[c.firms["role"] == "leader", "firm_id"].iloc[0]
    w, out["whatif"], _ = _timed(f"whatif(remove={lead})", whatif, c, [lead])
    out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"    single points {len(s)}; what-if index change {w.change['index']:+.4f}; "
          f"peak memory {out['peak_gb']:.1f} GB", flush=True)
    del u
    return out


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table (for benchmarks/RESULTS.md)."""
    lines = [f"Machine: {platform.machine()}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}.", "",
             "| firms | local firms / supply links | graph | upstreamness() | position() | resilience() "
             "| of which betweenness | per random run | single points (2 weak segs) | whatif() | peak GB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['firms']:,} | {r['local']:,} / {r['local_links']:,} | {r['graph']:.1f} | {r['upstreamness']:.1f} | "
              f"{r['position']:.1f} | {r['resilience']:.1f} | {r['t_betweenness']:.1f} | {r['t_random_run']:.1f} | "
              f"{r['spof']:.1f} ({r['spof_n']} firms) | {r['whatif']:.1f} | {r['peak_gb']:.1f} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000], help="cluster sizes (firms)")
    ap.add_argument("--big", action="store_true", help="also run 1,000,000 firms")
    ap.add_argument("--runs", type=int, default=10, help="random removal runs")
    ap.add_argument("--steps", type=int, default=20, help="removal steps")
    args = ap.parse_args()
    sizes = list(args.sizes) + ([1_000_000] if args.big else [])
    rows = [run(n, runs=args.runs, steps=args.steps) for n in sizes]
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
