"""Memory of a process and its worker processes, as the benchmarks measure it.

The proportional set size (PSS, ``/proc/PID/smaps_rollup``) splits a page shared by several
processes between them, so the sum over a process and the workers it forked counts the shared
cluster once (a sum of RSS would count it in every worker). Where ``smaps_rollup`` is missing the
RSS is used.

Reading ``smaps_rollup`` walks the page tables of the process and holds its memory map's lock
meanwhile: at 10^5 firms a sample of ``chainnet analyze`` (two processes of ~0.5 GB of small Python
objects) costs tens of milliseconds, and sampling every 100 ms took 14 s of kernel time over a
41 s run and slowed the measured command by about 15% (34.7 s unsampled). The samplers therefore
wait :func:`pause` after each sample: at least 0.1 s, and long enough that sampling takes at most
:data:`DUTY` of one core.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

#: the largest share of one core the memory sampling may take
DUTY = 0.05
#: the shortest wait between two samples, in seconds
MIN_PAUSE = 0.1


def pause(cost: float) -> float:
    """Seconds to wait after a sample that took ``cost`` seconds, so that sampling takes at most
    :data:`DUTY` of a core (and never less than :data:`MIN_PAUSE`).

    >>> pause(0.001), round(pause(0.02), 3)
    (0.1, 0.38)
    """
    return max(MIN_PAUSE, cost * (1 / DUTY - 1))


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
