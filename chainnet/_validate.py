"""Normalise raw firm and link tables to chainnet's canonical columns, collecting every problem.

All checks are vectorised (pandas), so a table of millions of rows validates in seconds.
Row numbers in problems are 1-based with the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _values
from ._codes import arrow as _arrow
from ._codes import codes_in, in_pairs, index_in, owned_pairs, unknown_segments
from ._errors import Problem

ROLES = ("leader", "backbone", "sme", "institution", "service")
FIRM_ROLES = ("leader", "backbone", "sme")
KINDS = ("supply", "cooperation", "rd", "ownership", "service")
EVIDENCE = ("reported", "modeled")
TRUE = {"true", "1", "yes", "y", "t", "是", "1.0"}
FALSE = {"false", "0", "no", "n", "f", "否", "0.0"}
ID_RE = re.compile(r"^[a-z0-9_]+$")
#: roles as Chinese users write them (SCHEMA.md "Chinese input habits"), read as the canonical role
ROLE_ALIASES = {
    "龙头": "leader", "龙头企业": "leader", "链主": "leader", "链主企业": "leader",
    "骨干": "backbone", "骨干企业": "backbone",
    "中小企业": "sme", "中小": "sme", "中小型企业": "sme",
    "科研机构": "institution", "高校": "institution", "科研院所": "institution", "研究机构": "institution",
    "大学": "institution",
    "服务机构": "service", "服务": "service", "中介机构": "service", "金融机构": "service",
}
#: separators of a segment list: ';', the full-width '；' and the enumeration comma '、'
SEGMENT_SEPARATORS = re.compile("[;；、]")
#: the column of each file whose cells also get the strict text check (no tab or line break)
_STRICT_TEXT = {"firm_id", "name", "name_zh", "role", "segments", "source", "target", "kind",
                "segment_from", "segment_to", "evidence", "source_key", "region"}

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
    """Problems of one table; ``rows`` maps table positions to the rows a spreadsheet shows."""

    def __init__(self, file: str, rows: np.ndarray | None = None):
        self.file = file
        self.rows = rows
        self.problems: list[Problem] = []

    def add(self, message: str, column: str | None = None, mask: Any = None) -> None:
        rows: tuple[int, ...] = ()
        if mask is not None:
            idx = np.flatnonzero(np.asarray(mask, dtype=bool))
            if idx.size == 0:
                return
            nums = self.rows[idx] if self.rows is not None else idx + 2
            rows = tuple(int(i) for i in nums)
        self.problems.append(Problem(self.file, message, rows, column))


class RowNumbers:
    """The spreadsheet row of each table row, as a reader keeps it in ``DataFrame.attrs['rows']``.

    pandas deep-copies ``attrs`` into every frame or column derived from a table (``__finalize__``),
    so a plain array of 5,000,000 row numbers was copied a few hundred times while a links table
    was checked (14 s at 10^6 links). The numbers are read-only and shared instead.

    >>> import copy
    >>> r = RowNumbers([2, 3, 5])
    >>> copy.deepcopy(r) is r, len(r), r.array.flags.writeable
    (True, 3, False)
    """

    __slots__ = ("array",)

    def __init__(self, rows: Any) -> None:
        self.array = np.array(rows, dtype=np.int64)
        self.array.flags.writeable = False

    def __len__(self) -> int:
        return len(self.array)

    def __deepcopy__(self, memo: dict) -> RowNumbers:
        return self

    def __repr__(self) -> str:
        return f"RowNumbers({self.array!r})"


def sheet_rows(raw: pd.DataFrame) -> np.ndarray | None:
    """The spreadsheet row of each table row, as a reader recorded it in ``attrs['rows']``.

    Readers that skip blank lines record where each remaining row was (header = row 1), so
    messages name the row a person sees; tables built in code number rows 2, 3, ...
    """
    rows = raw.attrs.get("rows")
    if isinstance(rows, RowNumbers):
        rows = rows.array
    if rows is None or len(rows) != len(raw):
        return None
    return np.asarray(rows, dtype=np.int64)


def isin(s: pd.Series, values: Any) -> np.ndarray:
    """``s.isin(values)`` as a numpy bool array, vectorised in pyarrow for arrow-backed strings."""
    arr = _arrow(s)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        ref = _arrow(values) if isinstance(values, pd.Series) else None
        vs = ref.cast(arr.type) if ref is not None else pa.array([str(v) for v in values], type=arr.type)
        return pc.is_in(arr, value_set=vs).to_numpy(zero_copy_only=False).astype(bool)
    return s.isin(values).to_numpy()


def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or pd.api.types.is_string_dtype(s.dtype)


def _clean_text(s: pd.Series) -> pd.Series:
    """Stripped text with blanks as NA (one vectorised pass; fast with pyarrow strings)."""
    if s.dtype == object:
        s = s.astype("str")
    if isinstance(s.array, pd.arrays.ArrowStringArray):
        return _values.strip_arrow(s)
    out = s.str.strip()
    return out.mask(out == "")


def _blank(s: pd.Series) -> pd.Series:
    if _is_text(s):
        return _clean_text(s).isna()
    return s.isna()


def _as_str(s: pd.Series) -> pd.Series:
    return _clean_text(s) if _is_text(s) else _clean_text(s.astype("str").mask(s.isna()))


def _as_bool(s: pd.Series, default: bool) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
        return s.astype(bool), pd.Series(False, index=s.index)
    text = _clean_text(s.astype("str").mask(s.isna()) if not _is_text(s) else s)
    blank = text.isna()
    low = text.str.lower()
    t, f = low.isin(TRUE), low.isin(FALSE)
    return (t | (blank & default)).astype(bool), ~(t | f | blank)


def _as_segments(s: pd.Series) -> pd.Series:
    split = SEGMENT_SEPARATORS.split

    def one(v: Any) -> tuple[str, ...]:
        if isinstance(v, (list, tuple, np.ndarray)):
            parts = [str(x).strip() for x in v]
        elif v is None or (isinstance(v, float) and v != v):
            return ()
        else:
            parts = split(str(v))
        return tuple(p for p in (x.strip() for x in parts) if p)

    vals = s.to_numpy(dtype=object)
    out = np.empty(len(vals), dtype=object)
    if isinstance(s.array, pd.arrays.ArrowStringArray):  # every cell present is a string
        text = s.notna().to_numpy(dtype=bool)
    else:
        text = np.fromiter((isinstance(v, str) for v in vals), dtype=bool, count=len(vals))
    if text.any():
        # a cluster repeats few distinct segment lists: split each distinct string once
        codes, uniq = pd.factorize(vals[text])
        parsed = np.empty(len(uniq), dtype=object)
        for i, v in enumerate(uniq):
            parsed[i] = one(v)
        out[text] = parsed[codes]
    for i in np.flatnonzero(~text):
        out[i] = one(vals[i])
    return pd.Series(out, index=s.index, dtype=object)


def _coerce(raw: pd.DataFrame, spec: dict[str, str], col: _Collector) -> pd.DataFrame:
    """Typed canonical columns (missing ones filled with NA), extras kept; bad cells recorded."""
    out = {}
    n = len(raw)
    empty = {"str": lambda: pd.Series(np.nan, index=raw.index, dtype="str"),
             "segments": lambda: pd.Series([()] * n, index=raw.index, dtype=object),
             "float": lambda: pd.Series(np.nan, index=raw.index, dtype=float),
             "int": lambda: pd.Series(pd.NA, index=raw.index, dtype="Int64"),
             "bool": lambda: pd.Series(False, index=raw.index, dtype=bool)}
    for name, kind in spec.items():
        if name not in raw.columns:  # an absent optional column: typed and empty, nothing to check
            out[name] = empty[kind]()
            continue
        s = raw[name]
        if kind in ("str", "segments"):
            bad = _values.bad_text(s, strict=name in _STRICT_TEXT)
            _values.add_by_value(col.add, f"{name} holds a control character (shown escaped)", name, bad, s)
            s = s.mask(bad) if bad.any() and s.dtype == object else s  # a lone surrogate breaks str()
        if kind == "str":
            out[name] = _as_str(s)
        elif kind == "segments":
            out[name] = _as_segments(s)
        elif kind in ("float", "int"):
            limits = _values.LIMITS.get(name, (-1e15, 1e15))
            out[name], not_number, out_of_range = _values.parse_numbers(s, kind=kind, limits=limits)
            what = "a whole number" if kind == "int" else "a number"
            _values.add_by_value(col.add, f"{name} must be {what}", name, not_number, s)
            _values.add_by_value(col.add, _values.range_message(name, limits), name, out_of_range, s)
        elif kind == "bool":
            out[name], bad = _as_bool(s, default=False)
            _values.add_by_value(col.add, f"{name} must be true or false (also accepted: 1/0, yes/no, 是/否)",
                                 name, bad, s)
    df = pd.DataFrame(out, index=raw.index)
    for extra in raw.columns:
        if extra not in spec and not str(extra).startswith("Unnamed:"):
            s = raw[extra]
            if not isinstance(s, pd.Series):  # two columns of one name: the first is kept
                s = s.iloc[:, 0]
            _check_extra(s, str(extra), col)
            df[extra] = s
    return df.reset_index(drop=True)


def _check_extra(s: pd.Series, name: str, col: _Collector) -> None:
    """A user's own column: any text without control characters, any number finite."""
    bad = _values.bad_text(s, strict=False)
    _values.add_by_value(col.add, f"{name} holds a control character (shown escaped)", name, bad, s)
    if pd.api.types.is_float_dtype(s.dtype):
        x = s.to_numpy(dtype=float, na_value=np.nan)
        _values.add_by_value(col.add, f"{name} must be a finite number", name, np.isinf(x), s)
    elif s.dtype == object:
        inf = s.map(lambda x: isinstance(x, float) and x in (float("inf"), float("-inf"))).to_numpy(dtype=bool)
        _values.add_by_value(col.add, f"{name} must be a finite number", name, inf, s)


def _missing_columns(raw: pd.DataFrame, required: tuple[str, ...], col: _Collector) -> bool:
    """Report missing required columns, and columns named twice (which of the two is meant is unknown)."""
    twice = pd.unique(raw.columns[raw.columns.duplicated()])
    for c in twice:
        col.add(f"the column {str(c)!r} appears more than once; keep one", str(c))
    if len(twice):
        return True
    missing = [c for c in required if c not in raw.columns]
    for c in missing:
        col.add(f"required column '{c}' is missing (columns found: {', '.join(map(str, raw.columns)) or 'none'})", c)
    return bool(missing)


def normalise_firms(raw: pd.DataFrame, *, file: str, segment_ids: Collection[str] | None,
                    source_keys: set[str] | None = None,
                    template_ids: Sequence[str] = ()) -> tuple[pd.DataFrame, list[Problem]]:
    """Canonical firms table from raw input; ``segment_ids`` None skips segment checks.

    ``segment_ids`` in chain order (they are listed so in messages) and ``template_ids``
    (named in the hint ``chainnet templates show ID``) only shape the messages.
    """
    col = _Collector(file, sheet_rows(raw))
    raw = raw.reset_index(drop=True)
    if len(raw) == 0:
        col.add("the firms table is empty; a cluster needs at least one firm")
    if _missing_columns(raw, REQUIRED_FIRM, col) or len(raw) == 0:
        return pd.DataFrame(columns=list(FIRM_COLUMNS)), col.problems
    df = _coerce(raw, FIRM_COLUMNS, col)
    col.add("firm_id is empty; every firm needs a unique id", "firm_id", df["firm_id"].isna())
    codes, _ = pd.factorize(df["firm_id"])
    dup = (codes >= 0) & (np.bincount(codes[codes >= 0], minlength=1)[np.maximum(codes, 0)] > 1)
    for fid in pd.unique(df.loc[dup, "firm_id"])[:50]:
        col.add(f"duplicate firm_id {fid!r}; firm ids must be unique", "firm_id",
                (df["firm_id"] == fid).fillna(False).to_numpy())
    col.add("name is empty; give every firm a display name", "name", df["name"].isna())
    df["role"] = _canonical_roles(df["role"])
    bad_role = ~isin(df["role"], ROLES)
    for r in pd.unique(df.loc[bad_role, "role"].fillna(""))[:20]:
        mask = bad_role & (df["role"].fillna("") == r)
        col.add(f"unknown role {r!r}; use one of {', '.join(ROLES)}", "role", mask)
    no_seg = isin(df["role"], FIRM_ROLES) & (df["segments"].map(len) == 0).to_numpy()
    col.add("firms (leader, backbone, sme) need at least one segment id; separate several with ';'",
            "segments", no_seg)
    if segment_ids is not None:
        for seg, rows in unknown_segments(df["segments"], segment_ids)[:30]:
            col.add(f"unknown segment id {seg!r}; {_segment_hint(segment_ids, template_ids)}",
                    "segments", rows)
    for name in ("output", "employees"):
        _values.add_by_value(col.add, f"{name} must be >= 0", name, (df[name] < 0).fillna(False).to_numpy(),
                             df[name])
    col.add("exited is before founded", "exited", (df["exited"] < df["founded"]).fillna(False).to_numpy())
    df["evidence"] = _values.lower(df["evidence"]).fillna("modeled")
    _values.add_by_value(col.add, f"evidence must be one of {', '.join(EVIDENCE)}", "evidence",
                         ~isin(df["evidence"], EVIDENCE), df["evidence"])
    if source_keys is not None:
        unknown_src = df["source"].notna().to_numpy() & ~isin(df["source"], source_keys)
        _values.add_by_value(col.add, "source key is not declared in the cluster's [[sources]]; add it there or "
                             "fix the key", "source", unknown_src, df["source"])
    return df, col.problems


def normalise_links(raw: pd.DataFrame, firms: pd.DataFrame, *, file: str, segment_ids: Collection[str] | None,
                    source_keys: set[str] | None = None,
                    codes: dict[str, np.ndarray] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Canonical links table from raw input, checked against the (normalised) firms.

    ``codes``, when given, receives the position of each link's ``source`` and ``target`` among
    the unique firm ids (-1 where unknown), so :func:`merge_duplicate_links` need not hash the
    ids of millions of links again.
    """
    col = _Collector(file, sheet_rows(raw))
    raw = raw.reset_index(drop=True)
    if "source" in raw.columns and "source_key" not in raw.columns and "source.1" in raw.columns:
        raw = raw.rename(columns={"source.1": "source_key"})  # a second 'source' column = provenance
    if _missing_columns(raw, REQUIRED_LINK, col):
        return pd.DataFrame(columns=list(LINK_COLUMNS)), col.problems
    df = _coerce(raw, LINK_COLUMNS, col)
    ids = firms["firm_id"].drop_duplicates() if len(df) else firms["firm_id"]
    code = {}
    for end in ("source", "target"):
        col.add(f"{end} is empty; give the firm_id of the {'seller' if end == 'source' else 'buyer'}",
                end, df[end].isna())
        code[end] = index_in(df[end], ids)
        unknown = pd.Series(df[end].notna().to_numpy() & (code[end] < 0), index=df.index)
        for fid in pd.unique(df.loc[unknown, end])[:30]:
            col.add(f"unknown firm {fid!r}; it is not a firm_id in the firms table", end,
                    (unknown & (df[end] == fid)).to_numpy())
        if unknown.sum() and len(pd.unique(df.loc[unknown, end])) > 30:
            col.add("more unknown firm ids than listed above", end, unknown)
    df["kind"] = _values.lower(df["kind"]).fillna("supply")
    bad_kind = ~isin(df["kind"], KINDS)
    for k in pd.unique(df.loc[bad_kind, "kind"])[:20]:
        col.add(f"unknown kind {k!r}; use one of {', '.join(KINDS)}", "kind", (bad_kind & (df["kind"] == k)).to_numpy())
    col.add("a supply link from a firm to itself (self-loop); remove the row", "target",
            (code["source"] == code["target"]) & (code["source"] >= 0) & (df["kind"] == "supply").to_numpy())
    _values.add_by_value(col.add, "weight must be > 0", "weight", (df["weight"] <= 0).fillna(False).to_numpy(),
                         df["weight"])
    df["weight"] = df["weight"].fillna(1.0)
    col.add("until is before year", "until", (df["until"] < df["year"]).fillna(False).to_numpy())
    df["evidence"] = _values.lower(df["evidence"]).fillna("modeled")
    _values.add_by_value(col.add, f"evidence must be one of {', '.join(EVIDENCE)}", "evidence",
                         ~isin(df["evidence"], EVIDENCE), df["evidence"])
    if source_keys is not None:
        _values.add_by_value(col.add, "source_key is not declared in the cluster's [[sources]]", "source_key",
                             df["source_key"].notna().to_numpy() & ~isin(df["source_key"], source_keys),
                             df["source_key"])
    if segment_ids is not None:
        owned = None  # (firm, segment) pairs, built only when a link names a segment
        seg_list = list(dict.fromkeys(segment_ids))
        for side, end in (("segment_from", "source"), ("segment_to", "target")):
            given = df[side].notna().to_numpy()
            if not given.any():
                continue
            if owned is None:
                owned = owned_pairs(firms, ids, seg_list)
            seg = codes_in(df[side], pd.Series(seg_list, dtype=df[side].dtype))
            unknown = given & (seg < 0)
            col.add(f"{side} is not a segment id of the template", side, unknown)
            # pairs packed as firm * segments + segment: two integer arrays, no (firm, segment) index
            known = ~unknown & (code[end] >= 0)
            has = np.zeros(len(df), dtype=bool)
            has[known] = in_pairs(code[end][known] * len(seg_list) + seg[known], owned,
                                   len(ids) * len(seg_list))
            col.add(f"{side} is not one of the {end} firm's segments", side, given & known & ~has)
    if codes is not None:
        codes.update(code)
    return df, col.problems


def merge_duplicate_links(df: pd.DataFrame, *,
                          ends: dict[str, np.ndarray] | None = None) -> tuple[pd.DataFrame, int]:
    """Merge rows with the same source, target and kind: weights added, earliest year, latest until.

    ``ends``: integer codes of ``source`` and ``target`` (equal codes exactly where the ids are
    equal, all >= 0), as :func:`normalise_links` fills them; without them the ids are factorized.
    """
    key = ["source", "target", "kind"]
    if len(df) == 0:
        return df, 0
    if ends is not None and all(len(ends.get(c, ())) == len(df) and (ends[c] >= 0).all() for c in key[:2]):
        codes = [np.asarray(ends[c], dtype=np.int64) for c in key[:2]]
    else:
        codes = [pd.factorize(df[c])[0].astype(np.int64) for c in key[:2]]
    codes.append(pd.factorize(df["kind"])[0].astype(np.int64))
    packed = (codes[0] * (codes[1].max() + 1) + codes[1]) * (codes[2].max() + 1) + codes[2]
    dup = pd.Series(packed).duplicated(keep=False).to_numpy()
    if not dup.any():
        return df, 0
    part = df[dup]
    agg = {c: "first" for c in df.columns if c not in key}
    agg.update(weight="sum", year="min", until="max")
    merged = part.groupby(key, sort=False, as_index=False).agg(agg)[df.columns]
    merged = merged.astype(df.dtypes.to_dict())
    out = pd.concat([df[~dup], merged], ignore_index=True)
    return out, int(dup.sum() - len(merged))


#: Values of ``links`` in cluster.toml: are the cluster's supply ties known (default) or not surveyed yet?
LINKS_DECLARATIONS = ("known", "unknown")


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
    for key in ("name", "name_zh", "region"):
        val = meta.get(key)
        if key != "name" and val is not None and not isinstance(val, str):
            col.add(f"{key} must be a string, not {type(val).__name__}", key)
        elif isinstance(val, str) and _values.bad_text(pd.Series([val], dtype=object), strict=True)[0]:
            col.add(f"{key} holds a control character (shown escaped): {val!r}", key)
    if "template" not in meta and "templates" not in meta:
        col.add("give the reference chain: template = \"copper\" (a built-in id or a path to a .toml file)",
                "template")
    tpl, tpls = meta.get("template"), meta.get("templates")
    if tpl is not None and "templates" not in meta and not isinstance(tpl, str):
        col.add(f"template must be a string (a built-in id or a path), not {type(tpl).__name__}", "template")
    if tpls is not None and (not isinstance(tpls, list) or not all(isinstance(t, str) for t in tpls)):
        col.add("templates must be a list of strings (built-in ids or paths)", "templates")
    year = meta.get("year")
    lo, hi = _values.YEAR_RANGE
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        col.add(f"year must be a whole number: {year!r}", "year")
    elif year is not None and not lo <= year <= hi:
        col.add(f"year must be from {lo} to {hi}: {year!r}", "year")
    links = meta.get("links")
    if links is not None and links not in LINKS_DECLARATIONS:
        col.add(f"links must be \"known\" or \"unknown\", not {links!r} (\"unknown\": the firm list has no "
                "tie data yet; see docs/data-format.md)", "links")
    sources = meta.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, dict) and "key" in s for s in sources):
        col.add("each [[sources]] entry needs a 'key' (and a 'cite')", "sources")
    return col.problems


def _canonical_roles(role: pd.Series) -> pd.Series:
    """Roles lower-cased, Chinese role words (龙头, 骨干, ...) replaced by the canonical role."""
    role = _values.lower(role)
    alias = isin(role, ROLE_ALIASES)
    if alias.any():
        role = role.where(~alias, role.map(ROLE_ALIASES))
    return role


def _segment_hint(segment_ids: Collection[str], template_ids: Sequence[str], k: int = 40) -> str:
    s = list(dict.fromkeys(segment_ids)) if not isinstance(segment_ids, (set, frozenset)) else sorted(segment_ids)
    listed = ", ".join(s[:k]) + (f" ... ({len(s)} in all)" if len(s) > k else "")
    hint = f"the template's segments, upstream to downstream, are: {listed}"
    if template_ids:
        hint += "; see " + " and ".join(f"`chainnet templates show {t}`" for t in template_ids)
    return hint


def credit_code_problems(df: pd.DataFrame, *, file: str) -> list[Problem]:
    """Credit codes (optional ``credit_code`` column) failing the GB 32100-2015 check; for warnings."""
    if "credit_code" not in df.columns:
        return []
    from .creditcode import normalise_many, problem, valid_mask

    col = _Collector(file)
    codes = normalise_many(df["credit_code"].to_numpy(dtype=object).tolist())
    ok = valid_mask(codes)
    why = [None if good or not c else problem(c) for c, good in zip(codes, ok)]
    for msg in sorted({w for w in why if w}):
        col.add(f"credit code {msg}", "credit_code", np.array([w == msg for w in why]))
    return col.problems

