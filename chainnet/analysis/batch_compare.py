"""Similarity over a ``chainnet batch`` output folder, without reloading the clusters.

``chainnet batch --analyses ...,similarity`` stores each cluster's topology
:class:`~chainnet.analysis.similarity.Signature` (computed exactly as :func:`compare.distances`
computes it: seed 0, 10 random networks, 10 swap rounds per link) as JSON in the ``signature``
column of ``clusters.parquet``. The functions here read it back, so the distance matrices and
"clusters most like mine" run over hundreds of clusters in seconds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ChainnetError
from ..model import Cluster
from .similarity import MEASURES, Signature, pair_distances, segment_level

#: Settings of the signatures ``chainnet batch`` stores (the defaults of :func:`compare.distances`).
SIGNATURE_SETTINGS = {"seed": 0, "null_models": 10, "swaps_per_link": 10}


def signature_json(cluster: Cluster) -> str:
    """A cluster's signature as a JSON string (what the batch stores).

    >>> import chainnet
    >>> s = signature_from_json(signature_json(chainnet.load_dataset("demo_copper")))
    >>> s.label, s.degrees.tolist()[-1]
    ('demo_copper', 5)
    """
    from .compare import signature

    s = signature(cluster, **SIGNATURE_SETTINGS)
    return json.dumps({
        "label": s.label, "degrees": s.degrees.tolist(), "triads": s.triads,
        "spectrum": None if s.spectrum is None else s.spectrum.tolist(),
        "spectrum_cdf": None if s.spectrum_cdf is None else s.spectrum_cdf.tolist(),
        "mix_segments": s.mix_segments, "mix_stages": s.mix_stages, "templates": list(s.templates),
        "settings": s.settings}, allow_nan=False)


def signature_from_json(text: str, *, label: str | None = None) -> Signature:
    """The inverse of :func:`signature_json` (``label`` replaces the stored one)."""
    d = json.loads(text)
    return Signature(label=label or d["label"], degrees=np.asarray(d["degrees"], dtype=np.int64), triads=d["triads"],
                     spectrum=None if d["spectrum"] is None else np.asarray(d["spectrum"], dtype=float),
                     spectrum_cdf=None if d["spectrum_cdf"] is None else np.asarray(d["spectrum_cdf"], dtype=float),
                     mix_segments=d["mix_segments"], mix_stages=d["mix_stages"], templates=tuple(d["templates"]),
                     settings=d["settings"])


def is_batch_folder(path: Any) -> bool:
    """True when ``path`` is a folder written by ``chainnet batch`` (it holds ``clusters.parquet``)."""
    return isinstance(path, (str, os.PathLike)) and (Path(path) / "clusters.parquet").is_file()


def read_batch(path: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``clusters.parquet`` and ``segments.parquet`` of a batch folder, as DataFrames."""
    p = Path(path)
    if not is_batch_folder(p):
        raise ChainnetError(f"{p}: not a chainnet batch folder (no clusters.parquet); run `chainnet batch` first")
    seg = p / "segments.parquet"
    return pd.read_parquet(p / "clusters.parquet"), (pd.read_parquet(seg) if seg.is_file() else pd.DataFrame())


def batch_signatures(path: str | os.PathLike) -> list[Signature]:
    """Every stored signature of a batch folder, labelled by cluster id (``id#k`` when ids repeat)."""
    table, _ = read_batch(path)
    if "signature" not in table.columns or table["signature"].isna().all():
        raise ChainnetError(f"{path}: the batch holds no topology signatures; rerun it with "
                            "--analyses audit,leaders,similarity (add similarity to the analyses you want)")
    ids = table["cluster"].astype(str).tolist()
    seen: dict[str, int] = {}
    labels = []
    for i in ids:
        seen[i] = seen.get(i, 0) + 1
        labels.append(i if ids.count(i) == 1 else f"{i}#{seen[i]}")
    return [signature_from_json(s, label=lab) for lab, s in zip(labels, table["signature"]) if isinstance(s, str)]


def batch_distances(path: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """Distance matrices (one per measure and ``combined``) between every cluster of a batch folder."""
    from .compare import _matrices

    sigs = batch_signatures(path)
    return _matrices([s.label for s in sigs], sigs)


def batch_most_similar(cluster: Cluster | str, path: str | os.PathLike, k: int = 3, *,
                       measure: str = "combined") -> pd.DataFrame:
    """The ``k`` clusters of a batch folder most like ``cluster`` (a Cluster, or the label of one in the batch).

    The batch's clusters with ``cluster``'s own id are left out (it is not its own neighbour).
    """
    from .compare import signature

    sigs = batch_signatures(path)
    if isinstance(cluster, Cluster):
        me = signature(cluster, **SIGNATURE_SETTINGS)
        own = str(cluster.meta.get("id", ""))
        others = [s for s in sigs if s.label != own and not s.label.startswith(f"{own}#")]
    else:
        hits = [s for s in sigs if s.label == cluster]
        if not hits:
            raise ChainnetError(f"{cluster!r} is not a cluster of the batch in {path}")
        me = hits[0]
        others = [s for s in sigs if s.label != cluster]
    level = segment_level([me, *others])
    rows = [{"cluster": s.label, **pair_distances(me, s, level=level)} for s in others]
    df = pd.DataFrame(rows, columns=["cluster", *MEASURES, "combined"])
    df = df.assign(_key=df[measure].fillna(np.inf)).sort_values(["_key", "cluster"], kind="stable")
    return df.drop(columns="_key").head(k).reset_index(drop=True)
