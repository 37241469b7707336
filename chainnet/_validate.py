"""Normalise raw firm and link tables to chainnet's canonical columns, collecting every problem.

All checks are vectorised (pandas), so a table of millions of rows validates in seconds.
Row numbers in problems are 1-based with the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ._errors import Problem

ROLES = ("leader", "backbone", "sme", "institution", "service")
FIRM_ROLES = ("leader", "backbone", "sme")
KINDS = ("supply", "cooperation", "rd", "ownership", "service")
EVIDENCE = ("reported", "modeled")
TRUE = {"true", "1", "yes", "y", "t", "是", "1.0"}
FALSE = {"false", "0", "no", "n", "f", "否", "0.0"}
ID_RE = re.compile(r"^[a-z0-9_]+$")

# canonical column order and kind; extra user columns follow, kept as given
FIRM_COLUMNS = {
    "firm_id": "str", "name": "str", "role": "str", "segments": "segments", "name_zh": "str",
    "external": "bool", "output": "float", "employees": "int", "founded": "int", "exited": "int",
    "region": "str", "evidence": "str", "source": "str",
}
LINK_COLUMNS = {
    "source": "str", "target": "str", "kind": "str", "weight": "float", "segment_from": "str",
    "segment_to": "str", "year": "int", "until": "int", "evidence": "str", "source_key": "str",
}
REQUIRED_FIRM = ("firm_id", "name", "role", "segments")
REQUIRED_LINK = ("source", "target")


class _Collector:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, message: str, column: str | None = None, mask: Any = None) -> None:
        rows: tuple[int, ...] = ()
        if mask is not None:
            idx = np.flatnonzero(np.asarray(mask, dtype=bool))
            if idx.size == 0:
                return
            rows = tuple(int(i) + 2 for i in idx)
        self.problems.append(Problem(self.file, message, rows, column))


def _blank(s: pd.Series) -> pd.Series:
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        return s.isna() | (s.astype("str").str.strip() == "")
    return s.isna()


def _as_str(s: pd.Series) -> pd.Series:
    blank = _blank(s)
    out = s.astype("str").str.strip()
    return out.where(~blank, other=np.nan).astype("str")


def _as_float(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Floats and the mask of non-blank values that are not numbers."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(float), pd.Series(False, index=s.index)
    blank = _blank(s)
    raw = s.astype("str").str.strip() if not pd.api.types.is_numeric_dtype(s.dtype) else s
    out = pd.to_numeric(raw, errors="coerce").astype(float)
    out = out.where(~blank)
    return out, (~blank) & out.isna()


def _as_int(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    f, bad = _as_float(s)
    frac = f.notna() & (f != np.round(f))
    return f.where(~frac).round().astype("Int64"), bad | frac


def _as_bool(s: pd.Series, default: bool) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
        return s.astype(bool), pd.Series(False, index=s.index)
    blank = _blank(s)
    low = s.astype("str").str.strip().str.lower()
    t, f = low.isin(TRUE), low.isin(FALSE)
    return (t | (blank & default)).astype(bool), ~(t | f | blank)


def _as_segments(s: pd.Series) -> pd.Series:
    def one(v: Any) -> tuple[str, ...]:
        if isinstance(v, (list, tuple, np.ndarray)):
            parts = [str(x).strip() for x in v]
        elif v is None or (isinstance(v, float) and v != v):
            return ()
        else:
            parts = str(v).split(";")
        return tuple(p for p in (x.strip() for x in parts) if p)

    return pd.Series([one(v) for v in s.to_numpy(dtype=object)], index=s.index, dtype=object)


def _coerce(raw: pd.DataFrame, spec: dict[str, str], col: _Collector) -> pd.DataFrame:
    """Typed canonical columns (missing ones filled with NA), extras kept; bad cells recorded."""
    out = {}
    n = len(raw)
    for name, kind in spec.items():
        if name not in raw.columns:
            s = pd.Series([np.nan] * n, index=raw.index, dtype=object)
        else:
            s = raw[name]
        if kind == "str":
            out[name] = _as_str(s)
        elif kind == "segments":
            out[name] = _as_segments(s)
        elif kind == "float":
            out[name], bad = _as_float(s)
            col.add(f"{name} must be a number", name, bad)
        elif kind == "int":
            out[name], bad = _as_int(s)
            col.add(f"{name} must be a whole number", name, bad)
        elif kind == "bool":
            out[name], bad = _as_bool(s, default=False)
            col.add(f"{name} must be true or false (also accepted: 1/0, yes/no, 是/否)", name, bad)
    df = pd.DataFrame(out, index=raw.index)
    for extra in raw.columns:
        if extra not in spec and not str(extra).startswith("Unnamed:"):
            df[extra] = raw[extra]
    return df.reset_index(drop=True)


def _missing_columns(raw: pd.DataFrame, required: tuple[str, ...], col: _Collector) -> bool:
    missing = [c for c in required if c not in raw.columns]
    for c in missing:
        col.add(f"required column '{c}' is missing (columns found: {', '.join(map(str, raw.columns)) or 'none'})", c)
    return bool(missing)


def normalise_firms(raw: pd.DataFrame, *, file: str, segment_ids: set[str] | None,
                    source_keys: set[str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Canonical firms table from raw input; ``segment_ids`` None skips segment checks."""
    col = _Collector(file)
    raw = raw.reset_index(drop=True)
    if len(raw) == 0:
        col.add("the firms table is empty; a cluster needs at least one firm")
    if _missing_columns(raw, REQUIRED_FIRM, col) or len(raw) == 0:
        return pd.DataFrame(columns=list(FIRM_COLUMNS)), col.problems
    df = _coerce(raw, FIRM_COLUMNS, col)
    col.add("firm_id is empty; every firm needs a unique id", "firm_id", df["firm_id"].isna())
    dup = df["firm_id"].notna() & df["firm_id"].duplicated(keep=False)
    for fid in pd.unique(df.loc[dup, "firm_id"])[:50]:
        col.add(f"duplicate firm_id {fid!r}; firm ids must be unique", "firm_id", (df["firm_id"] == fid).to_numpy())
    col.add("name is empty; give every firm a display name", "name", df["name"].isna())
    df["role"] = df["role"].str.lower()
    bad_role = ~df["role"].isin(ROLES)
    for r in pd.unique(df.loc[bad_role, "role"].fillna(""))[:20]:
        mask = bad_role & (df["role"].fillna("") == r)
        col.add(f"unknown role {r!r}; use one of {', '.join(ROLES)}", "role", mask)
    no_seg = df["role"].isin(FIRM_ROLES) & (df["segments"].map(len) == 0)
    col.add("firms (leader, backbone, sme) need at least one segment id; separate several with ';'",
            "segments", no_seg)
    if segment_ids is not None:
        exploded = df["segments"].explode().dropna()
        unknown = exploded[~exploded.isin(segment_ids)]
        for seg in pd.unique(unknown)[:30]:
            rows = np.zeros(len(df), dtype=bool)
            rows[unknown.index[unknown == seg]] = True
            col.add(f"unknown segment id {seg!r}; the template's segments are: {_few(segment_ids)}",
                    "segments", rows)
    for name in ("output", "employees"):
        col.add(f"{name} must be >= 0", name, (df[name] < 0).fillna(False).to_numpy())
    col.add("exited is before founded", "exited", (df["exited"] < df["founded"]).fillna(False).to_numpy())
    df["evidence"] = df["evidence"].str.lower().fillna("modeled")
    col.add(f"evidence must be one of {', '.join(EVIDENCE)}", "evidence", ~df["evidence"].isin(EVIDENCE))
    if source_keys is not None:
        unknown_src = df["source"].notna() & ~df["source"].isin(source_keys)
        col.add("source key is not declared in the cluster's [[sources]]; add it there or fix the key",
                "source", unknown_src)
    return df, col.problems


def normalise_links(raw: pd.DataFrame, firms: pd.DataFrame, *, file: str, segment_ids: set[str] | None,
                    source_keys: set[str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Canonical links table from raw input, checked against the (normalised) firms."""
    col = _Collector(file)
    raw = raw.reset_index(drop=True)
    if "source" in raw.columns and "source_key" not in raw.columns and "source.1" in raw.columns:
        raw = raw.rename(columns={"source.1": "source_key"})  # a second 'source' column = provenance
    if _missing_columns(raw, REQUIRED_LINK, col):
        return pd.DataFrame(columns=list(LINK_COLUMNS)), col.problems
    df = _coerce(raw, LINK_COLUMNS, col)
    ids = firms["firm_id"]
    for end in ("source", "target"):
        col.add(f"{end} is empty; give the firm_id of the {'seller' if end == 'source' else 'buyer'}",
                end, df[end].isna())
        unknown = df[end].notna() & ~df[end].isin(ids)
        for fid in pd.unique(df.loc[unknown, end])[:30]:
            col.add(f"unknown firm {fid!r}; it is not a firm_id in the firms table", end,
                    (unknown & (df[end] == fid)).to_numpy())
        if unknown.sum() and len(pd.unique(df.loc[unknown, end])) > 30:
            col.add("more unknown firm ids than listed above", end, unknown)
    df["kind"] = df["kind"].str.lower().fillna("supply")
    bad_kind = ~df["kind"].isin(KINDS)
    for k in pd.unique(df.loc[bad_kind, "kind"])[:20]:
        col.add(f"unknown kind {k!r}; use one of {', '.join(KINDS)}", "kind", (bad_kind & (df["kind"] == k)).to_numpy())
    col.add("a supply link from a firm to itself (self-loop); remove the row", "target",
            ((df["source"] == df["target"]) & (df["kind"] == "supply")).fillna(False).to_numpy())
    col.add("weight must be > 0", "weight", (df["weight"] <= 0).fillna(False).to_numpy())
    df["weight"] = df["weight"].fillna(1.0)
    col.add("until is before year", "until", (df["until"] < df["year"]).fillna(False).to_numpy())
    df["evidence"] = df["evidence"].str.lower().fillna("modeled")
    col.add(f"evidence must be one of {', '.join(EVIDENCE)}", "evidence", ~df["evidence"].isin(EVIDENCE))
    if source_keys is not None:
        col.add("source_key is not declared in the cluster's [[sources]]", "source_key",
                df["source_key"].notna() & ~df["source_key"].isin(source_keys))
    if segment_ids is not None:
        pairs = firms[["firm_id", "segments"]].explode("segments").dropna()
        owned = pd.MultiIndex.from_frame(pairs)
        for side, end in (("segment_from", "source"), ("segment_to", "target")):
            given = df[side].notna()
            if not given.any():
                continue
            unknown = given & ~df[side].isin(segment_ids)
            col.add(f"{side} is not a segment id of the template", side, unknown)
            has = pd.MultiIndex.from_arrays([df[end], df[side]]).isin(owned)
            col.add(f"{side} is not one of the {end} firm's segments", side,
                    (given & ~unknown & ~has & df[end].isin(ids)).to_numpy())
    return df, col.problems


def merge_duplicate_links(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Merge rows with the same source, target and kind: weights added, earliest year, latest until."""
    key = ["source", "target", "kind"]
    dup = df.duplicated(key, keep=False)
    if not dup.any():
        return df, 0
    part = df[dup]
    agg = {c: "first" for c in df.columns if c not in key}
    agg.update(weight="sum", year="min", until="max")
    merged = part.groupby(key, sort=False, as_index=False).agg(agg)[df.columns]
    merged = merged.astype(df.dtypes.to_dict())
    out = pd.concat([df[~dup], merged], ignore_index=True)
    return out, int(dup.sum() - len(merged))


def check_meta(meta: dict[str, Any], *, file: str) -> list[Problem]:
    """Problems in a cluster's metadata (cluster.toml or the meta sheet)."""
    col = _Collector(file)
    schema = meta.get("schema", "chainnet/1")
    if schema != "chainnet/1":
        col.add(f"schema is {schema!r}; this version of chainnet reads 'chainnet/1'", "schema")
    cid = meta.get("id")
    if not isinstance(cid, str) or not ID_RE.match(cid):
        col.add(f"id {cid!r} must be lowercase letters, digits and '_' (e.g. 'tongling_copper')", "id")
    if not isinstance(meta.get("name"), str) or not meta.get("name"):
        col.add("name (a string) is required", "name")
    if "template" not in meta and "templates" not in meta:
        col.add("give the reference chain: template = \"copper\" (a built-in id or a path to a .toml file)",
                "template")
    year = meta.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        col.add(f"year {year!r} must be a whole number", "year")
    sources = meta.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, dict) and "key" in s for s in sources):
        col.add("each [[sources]] entry needs a 'key' (and a 'cite')", "sources")
    return col.problems


def _few(ids: set[str], k: int = 12) -> str:
    s = sorted(ids)
    return ", ".join(s[:k]) + (f" ... ({len(s)} in all)" if len(s) > k else "")
