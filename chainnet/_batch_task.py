"""The per-cluster task of :mod:`chainnet.batch`: read one cluster, run the chosen analyses, return plain rows.

Everything here is a pure top-level function of picklable arguments returning plain Python
values (dicts of str, int, float, None), so Dask can ship it to a worker process on any machine
and the results travel back cheaply. A bad cluster never raises out of :func:`analyse_cluster`:
the error comes back as a row.
"""

from __future__ import annotations

import hashlib
import math
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

from ._errors import ChainnetError, DataWarning

#: Every analysis ``chainnet batch`` can run, in the order their columns appear.
ANALYSES = ("audit", "leaders", "structure", "profile", "position", "resilience", "similarity")
#: The fast ones, run by default: both take well under a second on a 5,000-firm cluster.
DEFAULT_ANALYSES = ("audit", "leaders")

#: Columns of clusters.parquet every cluster has, before the figures of the analyses.
BASE_COLUMNS = ("path", "cluster", "name", "name_zh", "region", "year", "templates", "firms", "local_firms",
                "external_firms", "links", "content_hash", "analyses", "warnings")
#: Headline figures per analysis (columns of clusters.parquet, in this order).
FIGURE_COLUMNS: dict[str, tuple[str, ...]] = {
    "audit": ("segment_coverage", "link_coverage", "path_completeness", "index", "link_coverage_min",
              "local_sourcing", "segments_present", "segments_weak", "segments_missing", "flows_present",
              "flows_weak", "flows_broken", "flows_missing", "flows_unknown", "gaps_fill", "gaps_extend",
              "gaps_connect", "gaps_strengthen"),
    "leaders": ("leader_dominance", "sme_attachment", "leader_reach", "degree_centralization", "leader_dependence"),
    "structure": ("density", "reciprocity", "core_share", "modularity", "assortativity", "transitivity",
                  "average_clustering", "max_kcore", "n_communities", "structure_type", "structure_pattern"),
    "profile": ("hhi", "cr4", "lifecycle_stage", "worldclass_overall"),
    "position": ("trophic_incoherence", "step_correlation", "along_share", "against_links", "unbounded_firms",
                 "firms_to_check"),
    "resilience": ("robustness_role", "robustness_degree", "robustness_betweenness", "robustness_random",
                   "single_points"),
    "similarity": ("signature",),
}
#: Columns of clusters.parquet holding text (every other figure column is numeric).
TEXT_COLUMNS = ("path", "cluster", "name", "name_zh", "region", "templates", "content_hash", "analyses", "warnings",
                "structure_type", "structure_pattern", "lifecycle_stage", "signature")
SEGMENT_COLUMNS = ("path", "cluster", "template", "segment", "name", "name_zh", "stage", "weight", "status", "firms",
                   "external_supply", "local_sourcing")
GAP_COLUMNS = ("path", "cluster", "rank", "template", "type", "id", "segment", "from", "to", "impact", "reason")
ERROR_COLUMNS = ("path", "cluster", "error_type", "error")


def content_hash(path: str) -> str:
    """SHA-256 of a cluster's files: every file of a cluster folder (names and bytes), or the one file.

    A bundled dataset id hashes its dataset folder. Two clusters with the same bytes have the
    same hash wherever they lie, so ``--resume`` notices any edit and nothing else.
    """
    p = Path(path)
    if not p.exists():
        from . import datasets

        if path in datasets.available():
            p = datasets.path(path)
    h = hashlib.sha256()
    if p.is_dir():
        for f in sorted(x for x in p.rglob("*") if x.is_file()):
            h.update(f.relative_to(p).as_posix().encode() + b"\0")
            h.update(f.read_bytes() + b"\0")
    elif p.is_file():
        h.update(p.read_bytes())
    else:
        h.update(f"missing:{path}".encode())
    return h.hexdigest()


def analyse_cluster(path: str, analyses: tuple[str, ...], digest: str) -> dict[str, Any]:
    """Read the cluster at ``path``, run ``analyses``, return its rows (the Dask task).

    Returns
    -------
    dict
        ``cluster`` (one row for clusters.parquet), ``segments`` and ``gaps`` (lists of rows),
        ``error`` (None, or a row for errors.csv; then the other entries are empty),
        ``seconds`` and ``cpu_seconds`` (wall and CPU time of the task; not written to the tables,
        which stay the same from run to run).
    """
    start, cpu = time.perf_counter(), time.process_time()
    out: dict[str, Any] = {"path": path, "cluster": None, "segments": [], "gaps": [], "error": None}
    cid = None
    try:
        from .io import read_cluster

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            c = read_cluster(path)
            cid = str(c.meta.get("id", ""))
            row, segs, gaps = cluster_rows(c, analyses)
        row.update(path=path, content_hash=digest, analyses=",".join(analyses),
                   warnings="; ".join(dict.fromkeys(str(w.message) for w in caught
                                                    if issubclass(w.category, DataWarning))) or None)
        out["cluster"] = {k: row.get(k) for k in columns(analyses)}
        out["segments"] = [{"path": path, **r} for r in segs]
        out["gaps"] = [{"path": path, **r} for r in gaps]
    except ChainnetError as exc:
        out["error"] = {"path": path, "cluster": cid, "error_type": type(exc).__name__, "error": str(exc)}
    except Exception as exc:  # a bug on one cluster's data must not stop the batch
        last = traceback.extract_tb(exc.__traceback__)[-1]
        out["error"] = {"path": path, "cluster": cid, "error_type": type(exc).__name__,
                        "error": f"{exc} (at {Path(last.filename).name}:{last.lineno}; please report it)"}
    out["seconds"] = time.perf_counter() - start
    out["cpu_seconds"] = time.process_time() - cpu
    return out


def columns(analyses: tuple[str, ...]) -> list[str]:
    """The columns of clusters.parquet for these analyses."""
    return [*BASE_COLUMNS, *(c for a in ANALYSES if a in analyses for c in FIGURE_COLUMNS[a])]


def cluster_rows(c: Any, analyses: tuple[str, ...]) -> tuple[dict[str, Any], list[dict], list[dict]]:
    """One cluster's row of figures, its segment rows and its gap rows (``path`` left out)."""
    s = c.summary()
    cid = s["id"]
    row: dict[str, Any] = {
        "cluster": cid, "name": c.meta.get("name"), "name_zh": c.meta.get("name_zh"), "region": c.meta.get("region"),
        "year": c.meta.get("year"), "templates": "+".join(s["templates"]), "firms": s["firms"],
        "local_firms": s["local_firms"], "external_firms": s["external_firms"], "links": s["links"]}
    segs: list[dict] = []
    gaps: list[dict] = []
    if "audit" in analyses:
        a = _audit(c)
        row.update(_audit_figures(a))
        segs = [{"cluster": cid, **{k: _plain(r.get(k)) for k in SEGMENT_COLUMNS[2:]}}
                for r in a.segments.to_dict("records")]
        gaps = [{"cluster": cid, "rank": i, **{k: _plain(r.get(k)) for k in GAP_COLUMNS[3:]}}
                for i, r in enumerate(a.gaps.to_dict("records"), 1)]
    if "leaders" in analyses:
        from .analysis.centrality import leaders

        row.update(leaders(c).figures)
    if "structure" in analyses:
        from .analysis.structure import structure

        st = structure(c, null_models=0)
        row.update({k: st.figures.get(k) for k in FIGURE_COLUMNS["structure"][:-2]},
                   structure_type=st.typology["type"], structure_pattern=st.typology["pattern"])
    if "profile" in analyses:
        from .analysis.profile import profile

        p = profile(c)
        row.update(hhi=p.concentration.figures.get("hhi"), cr4=p.concentration.figures.get("cr4"),
                   lifecycle_stage=p.lifecycle.stage, worldclass_overall=p.worldclass.overall)
    if "position" in analyses:
        from .analysis.position import position

        row.update({k: position(c).figures.get(k) for k in FIGURE_COLUMNS["position"]})
    if "resilience" in analyses:
        from .analysis.resilience import resilience

        r = resilience(c)
        row.update({f"robustness_{k}": v for k, v in r.robustness.items()}, single_points=len(r.single_points))
    if "similarity" in analyses:
        from .analysis.batch_compare import signature_json

        row["signature"] = signature_json(c)
    return {k: _plain(v) for k, v in row.items()}, segs, gaps


def _audit(c: Any) -> Any:
    from .analysis.completeness import audit

    return audit(c, top=0)


def _audit_figures(a: Any) -> dict[str, Any]:
    s = a.summary
    fig = {k: a.completeness.get(k) for k in FIGURE_COLUMNS["audit"][:5]}
    fig["local_sourcing"] = a.local_sourcing
    fig.update({f"segments_{k}": s["segments"].get(k, 0) for k in ("present", "weak", "missing")})
    fig.update({f"flows_{k}": s["flows"].get(k, 0) for k in ("present", "weak", "broken", "missing", "unknown")})
    fig.update({f"gaps_{k}": s["gaps"].get(k, 0) for k in ("fill", "extend", "connect", "strengthen")})
    return fig


def _plain(v: Any) -> Any:
    """A plain Python value: numpy scalars unwrapped, NaN/NA as None, sequences joined with ';'."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict, str)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple, set)):
        return ";".join(str(x) for x in v)
    try:
        import pandas as pd

        if v is pd.NA:
            return None
    except ImportError:  # pragma: no cover
        pass
    return v
