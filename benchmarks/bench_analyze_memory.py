"""Where ``chainnet analyze`` holds its memory: peak and closing memory of every progress step (issue 15).

Runs :func:`chainnet.report.analyze` on a cluster folder the way the ``chainnet analyze`` command
does (every report format, the bundled datasets as candidates), with a thread sampling the
process's memory every 0.1 s or less often (at most 5% of a core): the proportional set size (PSS) of the process and of its worker
processes summed, so pages a forked worker shares with its parent count once. Each line gives a
step (the progress message that opened it), the wall time at its end, the highest memory sampled
during the step and the memory when the next step began. Wrap it in ``/usr/bin/time -v`` for the whole run's peak, CPU and
wall time ("Maximum resident set size").

Usage::

    python benchmarks/bench_analyze_memory.py /tmp/chainnet_bench_scale/copper_100000_seed1 /tmp/report
    /usr/bin/time -v python benchmarks/bench_analyze_memory.py CLUSTER OUT --log steps.txt
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _pss import MIN_PAUSE, pause, tree_pss  # noqa: E402 - benchmarks/_pss.py, beside this script


class StepMemory:
    """Highest RSS per progress step, sampled by a background thread."""

    def __init__(self, out):
        import psutil

        self._proc = psutil.Process()
        self._out = out
        self._lock = threading.Lock()
        self._step, self._peak, self._t0 = "start", 0, time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _total(self) -> int:
        """This process and its worker processes (chainnet._parallel), PSS summed."""
        return tree_pss(self._proc)

    def _sample(self) -> None:
        wait = MIN_PAUSE
        while not self._stop.wait(wait):
            t0 = time.perf_counter()
            rss = self._total()
            wait = pause(time.perf_counter() - t0)  # at most 5% of a core (benchmarks/_pss.py)
            with self._lock:
                self._peak = max(self._peak, rss)

    def step(self, message: str) -> None:
        """Close the current step (print its line) and open the step ``message``."""
        rss = self._total()
        with self._lock:
            peak = max(self._peak, rss)
            print(f"{time.perf_counter() - self._t0:8.1f} s  peak {peak / 1e9:5.2f} GB  end {rss / 1e9:5.2f} GB  "
                  f"{self._step}", file=self._out, flush=True)
            self._step, self._peak = message, rss
        print(f"chainnet: {message} ...", file=sys.stderr, flush=True)

    def close(self) -> None:
        """Close the last step and stop sampling."""
        self.step("(end)")
        self._stop.set()
        self._thread.join()


def main() -> None:
    """Read the cluster, run ``analyze`` and print the steps' memory."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cluster", help="cluster folder (or anything `chainnet analyze` reads)")
    ap.add_argument("out", help="report folder to write (replaced if chainnet wrote it)")
    ap.add_argument("--log", help="write the step lines here instead of stdout")
    args = ap.parse_args()
    import chainnet.datasets as datasets
    from chainnet.commands._common import load
    from chainnet.commands.analyze import _Bundled
    from chainnet.report import analyze

    out = open(args.log, "w", encoding="utf-8") if args.log else sys.stdout  # noqa: SIM115
    mem = StepMemory(out)
    mem.step(f"reading {args.cluster}")
    c = load(args.cluster)
    candidates = _Bundled([d for d in datasets.available() if d != c.id])
    analyze(c, args.out, candidates=candidates, force=True, progress=mem.step)
    mem.close()
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
