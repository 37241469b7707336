"""Progress of a command on stderr: each slow step with its size, in the command's language.

Steps that take more than a few seconds on a large cluster (reading a big input, an analysis,
drawing a figure) are announced as ``[  12.3s] message`` on stderr; small inputs stay silent, so
the output of everyday runs is unchanged, and ``--quiet`` silences everything. The messages are
catalogue entries ``prog.*`` (:mod:`chainnet._messages_tables`); the library's own step messages
(PageRank of n firms, random network k of n ...) are passed through as they come.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from .._messages import msg
from ..model import Cluster
from ._common import load

#: Clusters with at least this many local firms report their steps.
PROGRESS_MIN_FIRMS = 5000
#: Inputs at least this large on disk (MB) report that they are being read (10^5 firms: ~40 MB).
PROGRESS_MIN_MB = 5.0

QUIET_OPTION = click.option("-q", "--quiet", is_flag=True,
                            help="No progress messages on stderr (large clusters report their slow steps).")


class Progress:
    """Progress printer of one command run.

    Parameters
    ----------
    quiet : print nothing
    lang : language of the messages
    """

    def __init__(self, *, quiet: bool = False, lang: str = "en") -> None:
        self.quiet, self.lang = quiet, lang
        self.start = time.perf_counter()
        self.big = False

    def echo(self, text: str) -> None:
        """Print ``text`` with the seconds since the command started."""
        if not self.quiet:
            click.echo(f"[{time.perf_counter() - self.start:6.1f}s] {text}", err=True)

    def __call__(self, code: str, cluster: Cluster | None = None, **params: Any) -> None:
        """Announce catalogue step ``code`` when the cluster is large; with ``cluster``, the
        message's ``firms`` and ``links`` are its local firms and local supply links."""
        if not self.big:
            return
        if cluster is not None:
            params = {**size(cluster), **params}
        self.echo(msg(code, self.lang, **params))

    def load(self, path: str) -> Cluster:
        """Read a cluster, announcing it when the input is large on disk, then its size."""
        mb = disk_mb(path)
        if mb >= PROGRESS_MIN_MB:
            self.echo(msg("prog.read_size", self.lang, path=path, mb=mb))
        c = load(path)
        self.watch(c)
        self("prog.loaded", firms=int(c.local_mask.sum()), links=len(c.links))
        return c

    def watch(self, c: Cluster) -> None:
        """Report the steps of ``c`` when it has at least :data:`PROGRESS_MIN_FIRMS` local firms."""
        self.big = self.big or int(c.local_mask.sum()) >= PROGRESS_MIN_FIRMS

    @property
    def library(self) -> Callable[[str], None] | None:
        """A callback for the library's ``progress=`` (None when nothing is to be printed)."""
        return self.echo if self.big and not self.quiet else None


def size(c: Cluster) -> dict[str, int]:
    """The size parameters of a step's message: local firms and local supply links."""
    local = c.firms.loc[c.local_mask, "firm_id"].astype(str).to_numpy(dtype=object)
    sup = c.links[c.links["kind"] == "supply"]
    n, m = len(local), len(sup)
    # one hashing pass over ids and link ends (Series.isin hashes the ids again for each column)
    codes, uniq = pd.factorize(np.concatenate([local, sup["source"].astype(str).to_numpy(dtype=object),
                                               sup["target"].astype(str).to_numpy(dtype=object)]))
    is_local = np.zeros(len(uniq), dtype=bool)
    is_local[codes[:n]] = True
    both = is_local[codes[n:n + m]] & is_local[codes[n + m:]]
    return {"firms": len(set(local)), "links": int(both.sum())}


def disk_mb(path: str) -> float:
    """Megabytes of an input on disk: a file, or the files of a cluster folder (0 for a dataset id)."""
    p = Path(path)
    try:
        if p.is_file():
            return p.stat().st_size / 1e6
        if p.is_dir():
            return sum(f.stat().st_size for f in p.iterdir() if f.is_file()) / 1e6
    except OSError:
        return 0.0
    return 0.0
