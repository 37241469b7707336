"""Running the batch's tasks on Dask (``dask.distributed``): a local cluster or a given scheduler.

Kept apart from :mod:`chainnet.batch` so that only this module imports Dask, and the one place
that knows how futures are submitted and gathered is small enough to read at a glance.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from ._batch_task import analyse_cluster
from ._errors import ChainnetError

#: Seconds to wait for a scheduler to answer, and for the asked number of workers to join.
CONNECT_TIMEOUT = 30


def run_on_dask(pending: list[str], analyses: tuple[str, ...], hashes: dict[str, str], *, scheduler: str | None,
                workers: int | None, info: dict[str, str | None], on_start: Callable[[], None],
                on_result: Callable[[dict[str, Any]], None]) -> None:
    """Submit one task per path, call ``on_result`` with each result as it completes.

    ``info`` receives the scheduler address and the dashboard link (None when no dashboard runs).
    A task whose worker died (``KilledWorker``, e.g. out of memory) or that raised inside Dask
    comes back as an error row like any other failure.
    """
    from dask.distributed import as_completed

    with _client(scheduler, workers) as client:
        info["scheduler"] = client.scheduler.address if scheduler else "local"
        info["dashboard"] = _dashboard(client) if scheduler or _has_bokeh() else None
        on_start()
        # one token per run: two batches on a shared scheduler never share (or steal) each other's keys
        run = uuid.uuid4().hex[:8]
        futures = {client.submit(analyse_cluster, p, analyses, hashes[p], key=f"chainnet-batch-{run}-{i}",
                                 retries=0): p for i, p in enumerate(pending)}
        for fut in as_completed(list(futures)):
            path = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # a dead worker or Dask error fails this cluster only
                res = {"path": path, "cluster": None, "segments": [], "gaps": [], "seconds": float("nan"), "cpu_seconds": float("nan"),
                       "error": {"path": path, "cluster": None, "error_type": type(exc).__name__,
                                 "error": f"the Dask task failed: {exc}"}}
            fut.release()
            on_result(res)


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A Dask client on a new local cluster (``scheduler=None``) or connected to ``scheduler``."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise ChainnetError(f"cannot reach the Dask scheduler at {scheduler}: {exc}. Start one with "
                                "`dask scheduler` (and workers with `dask worker ADDRESS`), or leave out "
                                "--scheduler to run on this machine") from None
        try:
            if workers:
                try:
                    client.wait_for_workers(workers, timeout=CONNECT_TIMEOUT)
                except (OSError, TimeoutError):
                    have = len(client.scheduler_info().get("workers", {}))
                    raise ChainnetError(f"the Dask scheduler at {scheduler} has {have} worker(s); --workers asked "
                                        f"for {workers} and they did not join within {CONNECT_TIMEOUT} s") from None
            yield client
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    # port 0: any free port, so two batches (or another Dask) on one machine never collide
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        yield client


def _has_bokeh() -> bool:
    """The Dask dashboard's pages need bokeh; without it the local one serves nothing worth announcing."""
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def _dashboard(client: Any) -> str | None:
    """The dashboard link when the scheduler serves one (it lists a ``dashboard`` service)."""
    try:
        services = client.scheduler_info().get("services", {})
        return client.dashboard_link if "dashboard" in services else None
    except Exception:  # no dashboard is worth no error
        return None
