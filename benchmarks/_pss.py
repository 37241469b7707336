"""Memory of a process and its worker processes, as the benchmarks measure it.

The proportional set size (PSS, ``/proc/PID/smaps_rollup``) splits a page shared by several
processes between them, so the sum over a process and the workers it forked counts the shared
cluster once (a sum of RSS would count it in every worker). Where ``smaps_rollup`` is missing the
RSS is used.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any


def pss(proc: Any) -> int:
    """PSS of one ``psutil.Process`` in bytes (its RSS where the kernel does not report PSS)."""
    with suppress(OSError), open(f"/proc/{proc.pid}/smaps_rollup", "rb") as f:
        for line in f:
            if line.startswith(b"Pss:"):
                return int(line.split()[1]) * 1024
    return proc.memory_info().rss


def tree_pss(proc: Any) -> int:
    """PSS of ``proc`` and of all its descendants (chainnet's worker processes), summed."""
    total = pss(proc)
    for child in proc.children(recursive=True):
        with suppress(Exception):  # the worker may have ended meanwhile
            total += pss(child)
    return total
