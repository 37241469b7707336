"""Many clusters at once on Dask: :func:`run_batch` behind ``chainnet batch``.

Each cluster is one Dask task (:func:`chainnet._batch_task.analyse_cluster`, a pure top-level
function returning plain rows), so the same code runs on a laptop's cores (a local Dask cluster,
the default) or on a cluster of machines (``scheduler="tcp://host:8786"``). A cluster that fails
becomes a row of ``errors.csv`` and never stops the batch. With ``resume=True`` the clusters of
an earlier run whose files have the same content hash (and that ran the same analyses) are kept
and only new or changed ones are computed.

Output (schemas in ``docs/batch.md``): ``clusters.parquet``, ``segments.parquet``,
``gaps.parquet``, ``errors.csv``, ``summary.xlsx``, ``summary.md``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import _batch_out
from ._batch_task import (
    ANALYSES,
    DEFAULT_ANALYSES,
    ERROR_COLUMNS,
    GAP_COLUMNS,
    SEGMENT_COLUMNS,
    TEXT_COLUMNS,
    analyse_cluster,
    columns,
    content_hash,
)
from ._errors import ChainnetError

__all__ = ["ANALYSES", "DEFAULT_ANALYSES", "BatchProgress", "BatchResult", "discover", "parse_analyses", "run_batch"]

#: File suffixes read as one cluster when found in a folder of clusters.
_CLUSTER_FILES = (".xlsx", ".graphml", ".gexf")


@dataclass(frozen=True)
class BatchProgress:
    """Where a running batch stands (passed to the ``progress`` callback after every cluster)."""

    done: int
    total: int
    failed: int
    skipped: int
    elapsed: float
    dashboard: str | None = None
    scheduler: str | None = None

    @property
    def eta(self) -> float | None:
        """Seconds left at the pace so far (None before the first computed cluster)."""
        computed = self.done - self.skipped
        left = self.total - self.done
        return None if computed <= 0 else self.elapsed / computed * left


@dataclass(frozen=True, eq=False)
class BatchResult:
    """What :func:`run_batch` did.

    Attributes
    ----------
    out : the output folder
    clusters, segments, gaps, errors : the tables written (clusters.parquet ... errors.csv)
    computed : paths computed in this run; ``skipped``: paths kept from the earlier run (resume)
    seconds, cpu_seconds : wall and CPU time per computed cluster (inside the task), by path
    elapsed : wall time of the whole batch
    scheduler : ``"serial"``, ``"local"`` or the address of the Dask scheduler used
    dashboard : the Dask dashboard address, when one ran
    """

    out: Path
    clusters: pd.DataFrame
    segments: pd.DataFrame
    gaps: pd.DataFrame
    errors: pd.DataFrame
    computed: list[str]
    skipped: list[str]
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    elapsed: float = 0.0
    scheduler: str = "local"
    dashboard: str | None = None

    def __repr__(self) -> str:
        return (f"<BatchResult {self.out}: {len(self.clusters)} clusters, {len(self.errors)} failed, "
                f"{len(self.skipped)} kept from an earlier run>")


def parse_analyses(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """Analyses from ``"audit,leaders"`` or a list, in canonical order; ``None`` gives the default ones.

    >>> parse_analyses("leaders, audit")
    ('audit', 'leaders')
    """
    if text is None:
        return DEFAULT_ANALYSES
    items = [x.strip() for x in (text.split(",") if isinstance(text, str) else text) if x.strip()]
    bad = [x for x in items if x not in ANALYSES]
    if bad or not items:
        raise ChainnetError(f"analyses {', '.join(bad) or '(none)'}: choose from {', '.join(ANALYSES)}")
    return tuple(a for a in ANALYSES if a in items)


def discover(paths: Sequence[str | os.PathLike], *, recursive: bool = False,
             skip: Iterable[str | os.PathLike] = ()) -> list[str]:
    """The clusters named by ``paths``, in the order given (a folder's clusters sorted by name).

    A path is a cluster when it is a folder holding ``cluster.toml``, an .xlsx/.graphml/.gexf/.json
    file, or a bundled dataset id. Any other folder is a folder of clusters: its subfolders with a
    ``cluster.toml`` and its .xlsx/.graphml/.gexf files; with ``recursive`` the search goes down
    through the subfolders that are not clusters themselves. Every path that names nothing is
    reported at once.
    """
    from . import datasets

    skip_set = {Path(s).resolve() for s in skip}
    found: list[str] = []
    problems: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir() and not (p / "cluster.toml").is_file():
            inner = _scan(p, recursive=recursive, skip=skip_set)
            if not inner:
                hint = "" if recursive else " (use --recursive to search its subfolders)"
                problems.append(f"{p}: holds no cluster (folder with cluster.toml, .xlsx, .graphml or .gexf){hint}")
            found += inner
        elif p.is_dir() or (p.is_file() and p.suffix.lower() in (*_CLUSTER_FILES, ".json")):
            found.append(str(p))
        elif not p.exists() and str(raw) in datasets.available():
            found.append(str(raw))
        elif p.exists():
            problems.append(f"{p}: not a cluster (give a cluster folder, .xlsx, .graphml, .gexf or .json file)")
        else:
            problems.append(f"{p}: no such file or folder, and not a bundled dataset id")
    if problems:
        raise ChainnetError("cannot start the batch:\n" + "\n".join(f"  - {m}" for m in problems))
    seen: set[str] = set()
    unique = [x for x in found if not (x in seen or seen.add(x))]
    if not unique:
        raise ChainnetError("no cluster to run")
    return unique


def _scan(folder: Path, *, recursive: bool, skip: set[Path]) -> list[str]:
    out: list[str] = []
    for child in sorted(folder.iterdir(), key=lambda x: x.name):
        if child.name.startswith((".", "~$")) or child.resolve() in skip:
            continue
        if child.is_dir():
            if (child / "cluster.toml").is_file():
                out.append(str(child))
            elif recursive:
                out += _scan(child, recursive=True, skip=skip)
        elif child.suffix.lower() in _CLUSTER_FILES:
            out.append(str(child))
    return out


def run_batch(paths: Sequence[str | os.PathLike], out: str | os.PathLike, *, scheduler: str | None = None,
              workers: int | None = None, analyses: str | Iterable[str] | None = None, lang: str = "en",
              resume: bool = False, force: bool = False, recursive: bool = False,
              progress: Callable[[BatchProgress], None] | None = None) -> BatchResult:
    """Run the chosen analyses on every cluster of ``paths`` with Dask and write the tables to ``out``.

    Parameters
    ----------
    paths : clusters and folders of clusters (see :func:`discover`)
    out : output folder; written beside itself and swapped in by rename when complete
    scheduler : ``None`` (a local Dask cluster of ``workers`` processes, one thread each, sized to
        the machine by default), the address of a running Dask scheduler (``tcp://host:8786``), or
        ``"serial"`` (this process, no Dask: for debugging and timing)
    workers : worker processes of the local cluster (default: the machine's cores); with a
        ``scheduler`` address the batch waits until that many workers have joined
    analyses : ``"audit,leaders"`` or a list; any of :data:`ANALYSES` (default :data:`DEFAULT_ANALYSES`)
    lang : language of ``summary.md`` and of the headings of ``summary.xlsx`` (``"en"`` or ``"zh"``)
    resume : keep the clusters an earlier batch in ``out`` finished whose content hash and
        analyses are unchanged; compute the rest (new, changed, or failed before)
    force : replace ``out`` even when it holds an earlier batch or files chainnet did not write
        (those are moved aside, never deleted)
    recursive : search folders of clusters through their subfolders
    progress : called with a :class:`BatchProgress` at the start and after every cluster

    Returns
    -------
    BatchResult

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "batch"
    >>> r = run_batch(["demo_copper"], out, scheduler="serial")
    >>> r.clusters[["cluster", "firms", "segments_weak"]].to_dict("records")
    [{'cluster': 'demo_copper', 'firms': 13, 'segments_weak': 7}]
    >>> sorted(p.name for p in out.iterdir())[:3]
    ['.chainnet-batch', 'clusters.parquet', 'errors.csv']
    """
    if lang not in ("en", "zh"):
        raise ChainnetError(f"lang={lang!r}: use 'en' or 'zh'")
    if workers is not None and workers < 1:
        raise ChainnetError(f"workers={workers} must be at least 1")
    chosen = parse_analyses(analyses)
    out = Path(out)
    _batch_out.check_target(out, resume=resume, force=force)
    todo = discover(paths, recursive=recursive, skip=[out])
    hashes = {p: content_hash(p) for p in todo}
    previous = _batch_out.read_previous(out) if resume else None
    kept = _kept(previous, hashes, chosen)
    start = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    state = {"done": len(kept), "failed": 0}
    info: dict[str, str | None] = {"dashboard": None, "scheduler": scheduler or "local"}

    def report() -> None:
        if progress is not None:
            progress(BatchProgress(done=state["done"], total=len(todo), failed=state["failed"], skipped=len(kept),
                                   elapsed=time.perf_counter() - start, dashboard=info["dashboard"],
                                   scheduler=info["scheduler"]))

    def finished(res: dict[str, Any]) -> None:
        results[res["path"]] = res
        state["done"] += 1
        state["failed"] += res["error"] is not None
        report()

    pending = [p for p in todo if p not in kept]
    if scheduler == "serial" or not pending:  # nothing to compute: no Dask cluster to start
        report()
        for p in pending:
            finished(analyse_cluster(p, chosen, hashes[p]))
    else:
        from ._batch_dask import run_on_dask

        run_on_dask(pending, chosen, hashes, scheduler=scheduler, workers=workers, info=info,
                    on_start=report, on_result=finished)
    tables = _assemble(todo, chosen, results, kept, previous)
    written = _batch_out.write_all(out, tables, lang=lang, analyses=chosen, resume=resume, force=force)
    return BatchResult(out=written, **tables, computed=pending, skipped=list(kept),
                       seconds={p: r["seconds"] for p, r in results.items()},
                       cpu_seconds={p: r["cpu_seconds"] for p, r in results.items()}, elapsed=time.perf_counter() - start,
                       scheduler=info["scheduler"] or "local", dashboard=info["dashboard"])


def _kept(previous: dict[str, pd.DataFrame] | None, hashes: dict[str, str], chosen: tuple[str, ...]) -> set[str]:
    """Paths whose earlier result can be reused: same content hash, same analyses, not failed."""
    if previous is None or previous["clusters"].empty:
        return set()
    prev = previous["clusters"]
    same = prev[(prev["analyses"] == ",".join(chosen))]
    old = dict(zip(same["path"].astype(str), same["content_hash"].astype(str)))
    return {p for p, h in hashes.items() if old.get(p) == h}


def _assemble(todo: list[str], chosen: tuple[str, ...], results: dict[str, dict[str, Any]], kept: set[str],
              previous: dict[str, pd.DataFrame] | None) -> dict[str, pd.DataFrame]:
    """The four tables in the order of ``todo``: fresh rows, or the earlier run's rows for kept paths."""
    cols = columns(chosen)
    parts: dict[str, list[pd.DataFrame]] = {"clusters": [], "segments": [], "gaps": [], "errors": []}
    spec = {"clusters": cols, "segments": list(SEGMENT_COLUMNS), "gaps": list(GAP_COLUMNS),
            "errors": list(ERROR_COLUMNS)}
    for p in todo:
        if p in kept:
            assert previous is not None
            for name in ("clusters", "segments", "gaps"):
                df = previous[name]
                parts[name].append(df[df["path"].astype(str) == p].reindex(columns=spec[name]))
            continue
        r = results[p]
        if r["error"] is not None:
            parts["errors"].append(pd.DataFrame([r["error"]], columns=spec["errors"]))
            continue
        parts["clusters"].append(pd.DataFrame([r["cluster"]], columns=cols))
        parts["segments"].append(pd.DataFrame(r["segments"], columns=spec["segments"]))
        parts["gaps"].append(pd.DataFrame(r["gaps"], columns=spec["gaps"]))
    return {name: _concat(frames, spec[name]) for name, frames in parts.items()}


def _concat(frames: list[pd.DataFrame], cols: list[str]) -> pd.DataFrame:
    """Rows stacked with types inferred; a figure column that is null everywhere stays numeric (float)."""
    frames = [f.astype(object) for f in frames if len(f)]
    df = pd.concat(frames, ignore_index=True).infer_objects() if frames else pd.DataFrame(columns=cols)
    for c in df.columns:
        if df[c].isna().all():
            df[c] = df[c].astype("string" if c in TEXT_COLUMNS or c in ERROR_COLUMNS else "float64")
    return df
