"""Independent steps of one analysis on the machine's other cores, with the same results.

A step started with :func:`start` runs in a *forked* child process while the caller goes on; its
result comes back (pickled through a pipe) when the caller asks for it with :meth:`Job.result`.
The child is a copy of the caller at the moment of the fork, so the cluster, its graphs and its
caches are shared copy-on-write and nothing is pickled on the way in. Every step handed to
:func:`start` is deterministic (its seed is an argument), so the result is the same whichever
process computes it; the tests compare both ways.

When no worker is free, the step waits (*pending*) until a child finishes and frees one, or
until the caller asks for its result first and computes it itself: :func:`gather` does that, so
the caller works on pending steps while the children work on theirs. At most :func:`workers`
processes compute at once (the caller counts as one; a child never starts children of its own).
Steps run in the caller, at once, when

- the platform has no safe ``fork`` (only Linux is used; macOS and Windows run inline);
- the caller says the step is too small to be worth a process (``parallel=False``);
- ``CHAINNET_WORKERS=1`` (or ``0``) is set, or the process may use one core only;
- the caller is not the main thread, or is a daemonic process (a Dask worker of ``chainnet
  batch`` runs its analyses in one process each: the batch already uses the cores).

When the child fails (an exception, or the process died, e.g. killed for memory), the step is
run again in the caller, so an error surfaces with its real traceback and a lost child costs time,
never a result.

>>> def square(x):
...     return x * x
>>> job = start(square, 7, parallel=True)
>>> job.result(), job.result()
(49, 49)
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: the environment variable that caps the processes computing at once (1 or 0: no child process)
WORKERS_ENV = "CHAINNET_WORKERS"

def workers() -> int:
    """How many processes may compute at once: ``CHAINNET_WORKERS`` when set, else the cores this
    process may run on; 1 in a child, and where ``fork`` is not used (not Linux).

    >>> import os
    >>> os.environ[WORKERS_ENV] = "1"
    >>> workers()
    1
    >>> del os.environ[WORKERS_ENV]
    """
    if _in_child or not sys.platform.startswith("linux") or not _may_fork():
        return 1
    if _limit is not None:
        return _limit
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            warnings.warn(f"{WORKERS_ENV}={raw!r} is not a whole number; using one process", stacklevel=2)
            return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - every Linux has sched_getaffinity
        return max(1, os.cpu_count() or 1)


def _may_fork() -> bool:
    """Only the main thread of a process that may have children forks (not a thread of a batch
    scheduler, whose other threads share this module's bookkeeping; not a daemonic process, e.g.
    a Dask worker, which multiprocessing forbids to have children)."""
    import multiprocessing
    import threading

    return threading.current_thread() is threading.main_thread() and not multiprocessing.current_process().daemon


@contextmanager
def limited(n: int | None) -> Iterator[None]:
    """Within the block, at most ``n`` processes compute at once (``None``: as :func:`workers` says
    without it; 1: everything in this process). ``chainnet analyze --workers N`` uses it.

    >>> with limited(1):
    ...     workers()
    1
    """
    global _limit
    if n is not None and n < 1:
        raise ValueError(f"workers={n}: use 1 or more")
    before, _limit = _limit, n
    try:
        yield
    finally:
        _limit = before


class Job:
    """A step handed to :func:`start`: :meth:`result` gives its value (computed once, then kept).

    A job is *running* in a child, *pending* (waiting for a free worker; the caller computes it
    when it asks for the result first) or *done*.
    """

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        self._call = (fn, args, kwargs)
        self._proc: Any = None
        self._conn: Any = None
        self._done = False
        self._value: Any = None

    @property
    def in_child(self) -> bool:
        """Whether a child process is computing the step now."""
        return self._proc is not None

    def _run_here(self) -> Any:
        if self in _pending:
            _pending.remove(self)
        fn, args, kwargs = self._call
        self._value = fn(*args, **kwargs)
        self._done, self._call = True, None  # let go of the arguments (e.g. a random network's graph)
        return self._value

    def _fork(self) -> None:
        global _running
        import multiprocessing

        _pending.remove(self)
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        fn, args, kwargs = self._call
        proc = ctx.Process(target=_child, args=(send, fn, args, kwargs), daemon=True)
        # the parent's objects move to the collector's permanent generation for the fork, so that
        # the child's garbage collections do not write to (and so copy) the pages they live on
        gc.freeze()
        try:
            with warnings.catch_warnings():  # Python 3.12+ warns about fork beside native (BLAS) threads
                warnings.simplefilter("ignore", DeprecationWarning)
                proc.start()
        finally:
            gc.unfreeze()
        send.close()
        self._proc, self._conn = proc, recv
        _running.append(self)

    def _collect(self) -> None:
        """Wait for the child and keep its value (or compute the step here if the child failed)."""
        try:
            data = self._conn.recv_bytes()
        except (EOFError, OSError):
            data = None  # the child died before sending anything
        finally:
            self._conn.close()
            self._proc.join()
            self._proc = None
            _running.remove(self)
        outcome = pickle.loads(data) if data is not None else ("failed", None)
        if outcome[0] == "ok":
            self._value, self._done, self._call = outcome[1], True, None
        else:
            self._run_here()  # the same deterministic step: the same error, raised here

    def _finished(self) -> bool:
        return self._proc is not None and (self._conn.poll() or not self._proc.is_alive())

    def result(self) -> Any:
        """The step's value: waits for the child, or computes a pending step here."""
        if not self._done:
            if self._proc is not None:
                self._collect()
            else:
                self._run_here()
            _pump()
        return self._value


_running: list[Job] = []  # children started by this process and not yet collected
_pending: list[Job] = []  # steps waiting for a free worker, oldest first
_in_child = False  # True in a forked child: it computes alone
_limit: int | None = None  # set by limited()


def _free() -> bool:
    return len(_running) + 1 < workers()


def _pump() -> None:
    """Collect the children that finished and hand pending steps to the workers now free."""
    for job in [j for j in _running if j._finished()]:
        job._collect()
    while _pending and _free():
        _pending[0]._fork()


def start(fn: Callable[..., Any], /, *args: Any, parallel: bool = True, **kwargs: Any) -> Job:
    """Hand ``fn(*args, **kwargs)`` to a forked child when a worker is free, else keep it pending
    (a later free worker or the caller computes it, whichever comes first); see the module docstring.

    ``parallel=False`` computes it here at once (for steps too small to be worth a process).
    """
    job = Job(fn, args, kwargs)
    if not parallel or workers() < 2:
        job._run_here()
        return job
    _pending.append(job)
    _pump()
    return job


def gather(jobs: list[Job]) -> list[Any]:
    """The values of ``jobs`` in their order, computing the pending ones here while the children
    compute theirs (so no core waits while a step is left)."""
    _pump()
    for job in jobs:
        if not job._done and job._proc is None:
            job._run_here()
            _pump()
    return [job.result() for job in jobs]


def _child(conn: Any, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    global _in_child
    _in_child = True
    _running.clear()
    _pending.clear()
    try:
        data = pickle.dumps(("ok", fn(*args, **kwargs)), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:  # the caller computes the step again and raises the error there
        data = pickle.dumps(("failed", None))
    try:
        conn.send_bytes(data)
    finally:
        conn.close()
