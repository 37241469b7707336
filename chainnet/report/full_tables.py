"""The full per-firm and per-link tables of a report: ``firms.parquet`` and ``links.parquet``.

``results.json`` keeps summaries and top-N tables so it stays small at any size; every firm and
every link, with every per-firm measure the report computed, goes beside it as Parquet, which
pandas, pyarrow and DuckDB read directly. The columns are documented in ``docs/report.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model import Cluster

#: Columns of ``firms.parquet`` taken from the cluster's firm table, in this order (those present).
FIRM_COLUMNS = ("firm_id", "name", "name_zh", "role", "segments", "external", "local", "output", "employees",
                "founded", "exited", "region", "evidence", "source")
#: Per-firm measures of :func:`chainnet.leaders` (``score`` is written as ``role_score``).
LEADER_COLUMNS = ("out_degree", "in_degree", "out_weight", "in_weight", "partners", "pagerank", "betweenness",
                  "kcore", "score", "inferred_role", "role_consistent")
#: Per-firm results of :func:`chainnet.structure` (its ``kcore`` is the leaders' one: same graph, same number).
STRUCTURE_COLUMNS = ("bowtie", "community", "core_periphery")
#: Per-firm results of :func:`chainnet.position` (``consistent`` is written as ``position_consistent``).
POSITION_COLUMNS = ("sales", "local_sales", "outside_sales", "upstreamness", "trophic_level", "stage", "chain_step",
                    "against_links", "consistent")
#: Columns of ``links.parquet`` taken from the cluster's link table, in this order (those present).
LINK_COLUMNS = ("source", "target", "kind", "weight", "segment_from", "segment_to", "year", "until", "evidence",
                "source_key")
_RENAME = {"score": "role_score", "consistent": "position_consistent"}


def _joined(values: pd.Series) -> pd.Series:
    """List cells as ``;``-separated text (the data contract's form of ``segments``); missing stays missing."""
    return pd.Series([";".join(map(str, v)) if isinstance(v, (list, tuple, np.ndarray)) else v
                      for v in values.to_numpy(dtype=object)], index=values.index, dtype="string")


def _measures(base: pd.DataFrame, table: pd.DataFrame | None, cols: tuple[str, ...]) -> pd.DataFrame:
    """``base`` with ``cols`` of ``table`` joined on ``firm_id`` (missing for firms ``table`` lacks)."""
    if table is None:
        return base
    keep = [c for c in cols if c in table.columns and c not in base.columns]
    part = table[["firm_id", *keep]].drop_duplicates("firm_id")
    if "bowtie" in part.columns:
        part = part.assign(bowtie=part["bowtie"].astype("string"))
    out = base.merge(part, on="firm_id", how="left", validate="one_to_one")
    # firms the table lacks are missing: integers and flags keep their type as nullable columns
    for c in keep:
        kind = part[c].dtype.kind
        if kind in "iu":
            out[c] = out[c].astype("Int64")
        elif kind == "b":
            out[c] = out[c].astype("boolean")
    return out


def firm_table(cluster: Cluster, *, leaders: Any = None, structure: Any = None, position: Any = None,
               resilience: Any = None) -> pd.DataFrame:
    """One row per firm of ``cluster`` (its order): ids, names, role, segments, local flag and every
    per-firm measure of the given results (a measure is missing for a firm it does not cover, e.g.
    external firms have no PageRank).

    Parameters
    ----------
    cluster : the cluster
    leaders, structure, position, resilience : the results whose per-firm columns to add (None: left out)

    Returns
    -------
    DataFrame with the columns of :data:`FIRM_COLUMNS`, then the measures (``single_point``:
    the firm is one of the resilience's single points of failure).

    Examples
    --------
    >>> import chainnet
    >>> c = chainnet.load_dataset("demo_copper")
    >>> t = firm_table(c, leaders=chainnet.leaders(c))
    >>> len(t) == len(c.firms), t.loc[t["firm_id"] == "smelter_a", "segments"].item()
    (True, 'smelting;cathode')
    """
    f = cluster.firms
    base = pd.DataFrame({c: f[c] for c in FIRM_COLUMNS if c in f.columns and c != "local"})
    base["segments"] = _joined(f["segments"])
    base.insert(list(base.columns).index("external") + 1 if "external" in base.columns else len(base.columns),
                "local", np.asarray(cluster.local_mask, dtype=bool))
    out = _measures(base, None if leaders is None else leaders.firms, LEADER_COLUMNS)
    out = _measures(out, None if structure is None else structure.firms, STRUCTURE_COLUMNS)
    out = _measures(out, None if position is None else position.firms, POSITION_COLUMNS)
    if resilience is not None:
        out["single_point"] = out["firm_id"].isin(set(resilience.single_points["firm_id"]))
    return out.rename(columns=_RENAME).reset_index(drop=True)


def link_table(cluster: Cluster, *, position: Any = None) -> pd.DataFrame:
    """One row per link of ``cluster`` (its order): source, target, type (``kind``), weight, segments,
    years, evidence and, with a ``position`` result, ``against_chain`` (a supply link running
    against the reference chain, see :func:`chainnet.position`).

    Examples
    --------
    >>> import chainnet
    >>> c = chainnet.load_dataset("demo_copper")
    >>> t = link_table(c)
    >>> len(t) == len(c.links), list(t.columns[:4])
    (True, ['source', 'target', 'kind', 'weight'])
    """
    ln = cluster.links
    out = pd.DataFrame({c: ln[c] for c in LINK_COLUMNS if c in ln.columns})
    if position is not None:
        ag = position.against
        against = pd.MultiIndex.from_arrays([ag["source"].astype(str), ag["target"].astype(str)])
        pairs = pd.MultiIndex.from_arrays([out["source"].astype(str), out["target"].astype(str)])
        out["against_chain"] = (out["kind"] == "supply").to_numpy() & pairs.isin(against)
    return out.reset_index(drop=True)


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """``df`` as a Parquet file, the same bytes for the same table (no index, no timestamps)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression="zstd", write_statistics=True)
