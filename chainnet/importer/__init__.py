"""Import a registry firm list (企业名录, 规上企业名录) into a cluster: :func:`import_firms`.

The importer reads a CSV or XLSX export, recognises its columns, checks credit codes, places
each firm in the template's segments by industry code and product words, gives it a role by
name, industry section and size, and returns the cluster plus one decision row per input firm
saying what was decided and why. :meth:`ImportResult.write` writes the cluster folder and
``review.xlsx``. See docs/import.md.

>>> import pandas as pd, chainnet
>>> table = pd.DataFrame({"企业名称": ["甲铜箔有限公司", "乙研究院"], "主营产品": ["电解铜箔", ""]})
>>> r = chainnet.import_firms(table, template="copper")
>>> r.cluster.firms[["name", "role", "segments", "basis"]].values.tolist()
[['甲铜箔有限公司', 'sme', ('foil',), 'products:电解铜箔;size'], ['乙研究院', 'institution', (), 'name']]
"""

from __future__ import annotations

import io as _io
import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import creditcode
from .._errors import ChainnetError, DataWarning, Problem, ValidationError
from .._version import __version__
from ..model import Cluster
from ..template import Template, load_template
from .bulk import place_all, with_role_basis
from .classify import Matcher
from .columns import ColumnMap, parse_map, recognise, unit_factor
from .csvout import write_folder
from .gbt4754 import parse_industry
from .manual import apply_file_choices, apply_leaders, apply_manual
from .review import DECISION_COLUMNS, manual_rows, read_review, read_workbook, write_review

#: Default backbone threshold: 2000万元 = 0.2 亿元 main-business revenue, the national threshold of
#: 规模以上工业企业 (National Bureau of Statistics, from 2011).
BACKBONE_REVENUE = 0.2
#: Where revenue is unknown: 300 employees, the lower bound of a medium industrial enterprise in
#: 工信部联企业〔2011〕300号 (中小企业划型标准规定).
BACKBONE_EMPLOYEES = 300
WRITTEN = ("cluster.toml", "firms.csv", "links.csv", "review.xlsx")
_NA_TOKENS = {"", "-", "--", "—", "/", "无", "暂无", "不详", "未知", "n/a", "na", "nan", "none", "null"}
_NUM_RE = re.compile(r"^\s*([-+]?[0-9][0-9,]*(?:\.[0-9]+)?|[-+]?\.[0-9]+)\s*(亿元|万元|千元|元|亿|万)?\s*$")
_CELL_UNIT = {"亿元": 1.0, "亿": 1.0, "万元": 1e-4, "万": 1e-4, "千元": 1e-5, "元": 1e-8}


@dataclass
class ImportResult:
    """A cluster built from a firm list, with the decision taken for every input firm.

    Attributes
    ----------
    cluster : the cluster (placed firms, institutions and services; unplaced firms are left out)
    decisions : one row per input firm: segments, role, external, basis, confidence, note ...
    template : the template firms were placed in
    """

    cluster: Cluster
    decisions: pd.DataFrame
    template: Template
    lang: str = "en"
    notes: list[str] = field(default_factory=list)

    @property
    def unplaced(self) -> pd.DataFrame:
        """Firms (not institutions or services) that no segment matched; they are not in the cluster."""
        d = self.decisions
        return d[~d["placed"] & d["role"].isin(["leader", "backbone", "sme"])]

    @property
    def figures(self) -> dict[str, int]:
        d = self.decisions
        return {"input_firms": len(d), "firms": len(self.cluster.firms), "placed": int(d["placed"].sum()),
                "unplaced": len(self.unplaced), "manual": int(d["basis"].str.contains("manual").sum())}

    def write(self, out: str | os.PathLike, *, force: bool = False) -> Path:
        """Write the cluster folder and ``review.xlsx`` into ``out``; see :func:`write_import`."""
        return write_import(self, out, force=force)

    def __repr__(self) -> str:
        f = self.figures
        return (f"<ImportResult {self.cluster.meta.get('id')!r}: {f['input_firms']} input firms, "
                f"{f['firms']} in the cluster, {f['unplaced']} unplaced, template {self.template.id}>")


def example_export(kind: str = "csv") -> Path:
    """Path of the example registry export shipped with chainnet (fictional copper firms, ``evidence = modeled``).

    ``kind`` is ``csv`` (GBK, as Chinese Excel saves CSV), ``xlsx`` or ``answers`` (its answer key).

    >>> example_export().name
    'copper_registry_export.csv'
    """
    from ..datasets import data_dir

    names = {"csv": "copper_registry_export.csv", "xlsx": "copper_registry_export.xlsx",
             "answers": "copper_registry_answers.csv"}
    if kind not in names:
        raise ChainnetError(f"example kind must be one of {', '.join(names)}, not {kind!r}")
    path = data_dir() / "registry_examples" / names[kind]
    if not path.is_file():
        raise ChainnetError(f"the example export is not installed ({path} is missing); reinstall chainnet")
    return path


# -- reading the export ----------------------------------------------------------------------
def _read_rows(path: Path, sheet: str | None) -> tuple[list[list[Any]], list[int], str]:
    """Non-empty rows of the file with their spreadsheet row numbers, and a label for messages."""
    label = path.name
    if not path.exists():
        raise ChainnetError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import zipfile

        import openpyxl

        try:
            with warnings.catch_warnings():  # openpyxl notes the drop-down lists and styles it drops
                warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
                wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ValidationError([Problem(label, f"not a valid .xlsx workbook ({exc}); save it from Excel as .xlsx")],
                                  subject=label) from None
        try:
            if sheet is not None and sheet not in wb.sheetnames:
                raise ChainnetError(f"{label}: no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
            ws = wb[sheet] if sheet else wb.worksheets[0]
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # a stale <dimension> would silently drop rows
            label = f"{label} sheet '{ws.title}'"
            rows, nums = [], []
            for i, r in enumerate(ws.iter_rows(values_only=True), start=1):
                if any(c is not None and str(c).strip() for c in r):
                    rows.append(list(r))
                    nums.append(i)
        finally:
            wb.close()
        return rows, nums, label
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        raise ChainnetError(f"{path}: import reads .csv or .xlsx files (Excel: save as .xlsx or CSV UTF-8)")
    if sheet is not None:
        raise ChainnetError(f"--sheet {sheet!r} applies to .xlsx files; {label} is a CSV file")
    import csv

    from ..io import decode_text

    text, _ = decode_text(path.read_bytes(), file=label)
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
    rows, nums = [], []
    try:
        for row in reader:
            if "".join(row).strip():  # a row of blank cells is skipped
                rows.append(row)
                nums.append(reader.line_num)
    except csv.Error as exc:
        raise ValidationError([Problem(label, f"not valid CSV: {exc}", (reader.line_num,))], subject=label) from None
    return rows, nums, label


def _frame(rows: list[list[Any]], nums: list[int], label: str,
           overrides: dict[str, str]) -> tuple[pd.DataFrame, ColumnMap, np.ndarray]:
    """Find the header row (a title line above it is skipped) and build the table."""
    if not rows:
        raise ValidationError([Problem(label, "the file is empty; it needs a header row and one row per firm")],
                              subject=label)
    start = 0
    for i, r in enumerate(rows[:10]):
        cols = [str(c).strip() if c is not None else "" for c in r]
        try:
            if "name" in recognise(cols, overrides=overrides, file=label).fields:
                start = i
                break
        except ChainnetError:
            continue
    header = [str(c).strip() if c is not None and str(c).strip() else f"Unnamed: {j}" for j, c in enumerate(rows[start])]
    seen: dict[str, int] = {}
    for j, h in enumerate(header):  # duplicate headers get .1, .2 as pandas does
        if h in seen:
            seen[h] += 1
            header[j] = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
    body = rows[start + 1:]
    width = len(header)
    long = [nums[start + 1 + i] for i, r in enumerate(body)
            if len(r) > width and any(c is not None and str(c).strip() for c in r[width:])]
    if long:
        raise ValidationError([Problem(label, f"has more fields than the header ({width}); check for an unquoted "
                                              "comma", tuple(long))], subject=label)
    body = [r if len(r) == width else (r + [None] * width)[:width] for r in body]  # short rows padded
    df = pd.DataFrame(body, columns=header, dtype=object)
    cmap = recognise(header, overrides=overrides, file=label)
    if "name" not in cmap.fields:
        raise ValidationError([Problem(label, "no column with firm names (企业名称, 公司名称, 名称, name ...); columns "
                                              f"found: {', '.join(h for h in header if not h.startswith('Unnamed'))}. "
                                              "Name it with --map COLUMN=name", (nums[start],))], subject=label)
    if not len(df):
        raise ValidationError([Problem(label, "the file has a header but no firm rows")], subject=label)
    return df, cmap, np.asarray(nums[start + 1:], dtype=np.int64)


def _text(s: pd.Series) -> pd.Series:
    """Cells as stripped text, blanks as '' (numbers as written: 3251.0 -> '3251')."""
    vals = s.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(vals, skipna=False) == "string":  # a CSV column: no numbers or dates to render
        return pd.Series([v.strip() for v in vals], index=s.index, dtype=object)
    out = [v.strip() if isinstance(v, str) else "" if v is None or (isinstance(v, float) and v != v)
           else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in vals]
    return pd.Series(out, index=s.index, dtype=object)


def _numbers(s: pd.Series, factor: float, rows: np.ndarray, *, label: str, column: str,
             notes: list[str]) -> pd.Series:
    """Numbers in a money or count column times ``factor``; units written in cells win."""
    vals = s.to_numpy(dtype=object)
    fast = pd.to_numeric(pd.Series(vals, dtype=object), errors="coerce").to_numpy(dtype=float)
    out = fast * factor
    bad = []
    for i in np.flatnonzero(np.isnan(fast)):
        v = vals[i]
        t = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
        if t.lower() in _NA_TOKENS:
            continue
        m = _NUM_RE.match(t.replace("，", ","))
        if m is None:
            bad.append(int(rows[i]))
            continue
        f = _CELL_UNIT[m.group(2)] if m.group(2) and factor != 1.0 else factor
        out[i] = float(m.group(1).replace(",", "")) * f
    if bad:
        warnings.warn(Problem(label, "not a number; left blank", tuple(bad), column).render(), DataWarning, stacklevel=3)
    return pd.Series(out, index=s.index)


def _years(s: pd.Series) -> pd.Series:
    def one(v: Any) -> Any:
        if hasattr(v, "year"):
            return int(v.year)
        m = re.search(r"(1[89][0-9]{2}|20[0-9]{2})", "" if v is None else str(v))
        return int(m.group(1)) if m else pd.NA

    idx, uni = pd.factorize(pd.Series(s.to_numpy(dtype=object), dtype=object), use_na_sentinel=False)
    years = pd.array([one(v) for v in uni], dtype="Int64")  # once per distinct date
    return pd.Series(years.take(idx) if len(uni) else pd.array([], dtype="Int64"), index=s.index, dtype="Int64")


# -- the import ------------------------------------------------------------------------------
def import_firms(source: str | os.PathLike | pd.DataFrame, *, template: str | Template, sheet: str | None = None,
                 region: str | None = None, leaders: list[str] | tuple[str, ...] = (),
                 backbone_revenue: float = BACKBONE_REVENUE, backbone_employees: int = BACKBONE_EMPLOYEES,
                 column_map: list[str] | dict[str, str] | None = None, id: str | None = None,
                 name: str | None = None, year: int | None = None, links: str | os.PathLike | None = None,
                 review: str | os.PathLike | None = None, previous: str | os.PathLike | None = None,
                 evidence: str = "reported", lang: str = "en") -> ImportResult:
    """Build a cluster from a registry firm list, placing firms in ``template``'s segments.

    Parameters
    ----------
    source : a ``.csv`` (UTF-8 or GBK/GB18030) or ``.xlsx`` file, or a DataFrame with its columns
    template : built-in template id or path of the chain firms are placed in
    sheet : sheet of an ``.xlsx`` file (default: the first)
    region : the cluster's area; firms whose region and address do not contain it (any of several
        comma-separated names) are ``external``
    leaders : names, Chinese names or credit codes of the leader firms (leaders are never guessed)
    backbone_revenue : revenue (亿元) from which a firm is backbone (default 0.2 = 2000万元)
    backbone_employees : employees from which a firm is backbone when its revenue is unknown
    column_map : ``["COLUMN=FIELD", ...]`` overriding the column recognition
    id, name, year : cluster metadata (id defaults to the file name, made an identifier)
    links : a CSV/XLSX of ties with ``source``, ``target`` given as names, credit codes or firm ids
    review : an edited ``review.xlsx``; its manual segments and roles win
    previous : an earlier import folder; segments and roles edited by hand in its ``firms.csv`` win
    evidence : ``reported`` (the registry states the firms) or ``modeled`` (fictional examples)
    lang : language of the notes in ``review.xlsx`` (``en`` or ``zh``)

    Returns
    -------
    ImportResult with ``cluster``, ``decisions`` and ``write(out)``.
    """
    tpl = load_template(template) if not isinstance(template, Template) else template
    if evidence not in ("reported", "modeled"):
        raise ChainnetError(f"evidence must be 'reported' or 'modeled', not {evidence!r}")
    overrides = parse_map(column_map)
    if isinstance(source, pd.DataFrame):
        label = "table"
        rows = [list(source.columns), *source.astype(object).values.tolist()]
        nums = list(range(1, len(rows) + 1))
        src_path = None
    else:
        src_path = Path(source)
        rows, nums, label = _read_rows(src_path, sheet)
    df, cmap, rownum = _frame(rows, nums, label, overrides)
    notes: list[str] = []
    col = cmap.fields

    texts: dict[str, pd.Series] = {}

    def get(fieldname: str) -> pd.Series:
        if fieldname not in texts:
            texts[fieldname] = (_text(df[col[fieldname]]) if fieldname in col
                                else pd.Series([""] * len(df), index=df.index, dtype=object))
        return texts[fieldname]

    names = get("name")
    blank = (names == "").to_numpy()
    if blank.any():
        warnings.warn(Problem(label, "no firm name; the row is skipped", tuple(int(r) for r in rownum[blank]),
                              col["name"]).render(), DataWarning, stacklevel=2)
        df, rownum, names = df[~blank].reset_index(drop=True), rownum[~blank], names[~blank].reset_index(drop=True)
        texts = {k: v[~blank].reset_index(drop=True) for k, v in texts.items()}
    t = pd.DataFrame({"row": rownum, "name": pd.Series(names.to_numpy(), dtype=object)})
    # text columns are kept as object arrays: pandas would otherwise convert each to Arrow strings
    # and back (about 10 s for a million rows)

    def obj(values: Any) -> pd.Series:
        return pd.Series(values, index=t.index, dtype=object)


    # credit codes: normalise, verify, merge duplicates of valid codes
    codes = creditcode.normalise_many(get("credit_code").tolist())
    t["credit_code"] = obj(codes)
    given = (t["credit_code"] != "").to_numpy()
    valid = creditcode.valid_mask(codes)
    why = np.array([creditcode.problem(c) if g and not ok else None for c, g, ok in zip(codes, given, valid)],
                   dtype=object)
    for msg in sorted({w for w in why if w}):
        rows_bad = tuple(int(r) for r, w in zip(t["row"], why) if w == msg)
        warnings.warn(Problem(label, f"credit code {msg}; the firm is kept", rows_bad, col.get("credit_code")).render(),
                      DataWarning, stacklevel=2)

    # fields
    ind_raw = get("industry_code").where(get("industry_code") != "", get("industry"))
    uniq = {u: parse_industry(u) for u in pd.unique(ind_raw)}
    t["industry_code"] = obj(ind_raw.map(uniq).to_numpy())
    unparsed = (ind_raw != "").to_numpy() & t["industry_code"].isna().to_numpy()
    if unparsed.any():
        c_ind = col.get("industry_code") or col.get("industry")
        warnings.warn(Problem(label, "industry not recognised as a GB/T 4754-2017 code or class name; placed by "
                                     "words only", tuple(int(r) for r in t["row"][unparsed]), c_ind).render(),
                      DataWarning, stacklevel=2)
    t["products"] = obj(get("products").to_numpy())
    t["scope"] = obj(get("scope").to_numpy())
    if "revenue" in col:
        factor = unit_factor(col["revenue"])
        if factor is None:
            factor = 1e-4
            warnings.warn(f"{label}, column '{col['revenue']}': no unit in the header; revenue read as 万元 "
                          "(write the unit, e.g. 营业收入(万元), or 亿元/元)", DataWarning, stacklevel=2)
        t["output"] = _numbers(df[col["revenue"]], factor, rownum, label=label, column=col["revenue"], notes=notes).to_numpy()
    else:
        t["output"] = np.nan
    t["employees"] = (_numbers(df[col["employees"]], 1.0, rownum, label=label, column=col["employees"], notes=notes)
                      .round().astype("Int64").to_numpy() if "employees" in col else pd.array([pd.NA] * len(t), dtype="Int64"))
    t["founded"] = _years(df[col["founded"]]).to_numpy() if "founded" in col else pd.array([pd.NA] * len(t), dtype="Int64")
    t["region"] = obj(get("region").to_numpy())
    t["address"] = obj(get("address").to_numpy())
    t["evidence"] = obj(get("evidence").str.lower().where(get("evidence") != "", evidence).to_numpy())
    extras = {c: df[c].to_numpy(dtype=object) for c in cmap.extras}
    if "capital" in col:
        extras["registered_capital"] = get("capital").to_numpy()
    if "industry" in col:
        extras["industry"] = get("industry").to_numpy()
    for c, v in extras.items():
        t[c] = obj(v)
    for fld in ("segments", "role"):  # a pre-classified list: kept aside, merged with duplicates like the rest
        if fld in col:
            t[f"_given_{fld}"] = obj(get(fld).to_numpy())

    # duplicates of a valid credit code are one firm: first row kept, blanks filled from later rows
    t["merged_rows"] = obj([""] * len(t))
    if valid.any():
        vc = pd.Series(t["credit_code"].where(valid))
        dup = vc.notna() & vc.duplicated(keep=False)
        if dup.any():
            keep_idx = []
            for code, grp in t[dup.to_numpy()].groupby("credit_code", sort=False):
                first = grp.index[0]
                for c in t.columns:
                    if c in ("row", "merged_rows"):
                        continue
                    vals = grp[c]
                    filled = vals[vals.map(lambda x: x is not None and x is not pd.NA and x == x and x != "")]
                    if len(filled):
                        t.at[first, c] = filled.iloc[0]
                t.at[first, "merged_rows"] = ";".join(str(r) for r in grp["row"])
                keep_idx.append(first)
                warnings.warn(f"{label}, rows {', '.join(str(r) for r in grp['row'])}, column "
                              f"'{col.get('credit_code')}': same credit code {code}; merged into one firm",
                              DataWarning, stacklevel=2)
            drop = dup.to_numpy() & ~t.index.isin(keep_idx)
            t = t[~drop].reset_index(drop=True)
            valid = valid[~drop]
    t["firm_id"] = obj(np.where(valid, t["credit_code"].to_numpy(), ["r" + str(r) for r in t["row"].tolist()]))
    if "firm_id" in col:
        given_id = _text(df[col["firm_id"]]).reindex(range(len(t))) if len(t) == len(df) else None
        if given_id is not None and (given_id != "").all() and given_id.is_unique:
            t["firm_id"] = obj(given_id.to_numpy())

    # placement and roles (the rules of classify.Matcher.place and body_kind, over all rows at once)
    p = place_all(Matcher(tpl), codes=[c if isinstance(c, str) else None for c in t["industry_code"].tolist()],
                  products=t["products"].tolist(), scopes=t["scope"].tolist(), names=t["name"].tolist())
    seg, kind, kbasis = p["segments"], np.array(p["kind"], dtype=object), np.array(p["kind_basis"], dtype=object)
    has_kind = kind != ""
    out_v = t["output"].to_numpy(dtype=float)
    emp = pd.array(t["employees"], dtype="Int64")
    emp_v = emp.to_numpy(dtype=float, na_value=np.nan)
    big = np.where(~np.isnan(out_v), out_v >= backbone_revenue, ~np.isnan(emp_v) & (emp_v >= backbone_employees))
    role = np.where(has_kind, kind, np.where(big, "backbone", "sme"))
    extra = np.where(has_kind, kbasis, "size")
    basis = with_role_basis(p["basis"], extra)
    has_seg = np.fromiter((bool(x) for x in seg), dtype=bool, count=len(seg))
    conf = np.where(has_kind & ~has_seg, np.where(kbasis == "name", 0.9, 0.7), np.asarray(p["confidence"], dtype=float))
    note, placed = p["note"], (has_seg | has_kind).tolist()
    role = role.tolist()
    t["segments"], t["role"], t["basis"], t["note"] = obj(seg), obj(role), obj(basis), obj(note)
    t["confidence"], t["placed"] = conf, placed
    t["rule_segments"] = obj([";".join(s) for s in seg])
    t["rule_role"] = obj(role)
    if "segments" in col or "role" in col:  # a pre-classified list: its filled cells are manual choices
        apply_file_choices(t, segments=t["_given_segments"] if "segments" in col else None,
                           roles=t["_given_role"] if "role" in col else None, role_basis=extra.tolist(),
                           template=tpl, label=label, columns=col)
    apply_leaders(t, leaders, label)

    # region: firms whose region/address do not name it are outside the boundary
    t["external"] = False
    if region:
        names_r = [x.strip() for x in re.split(r"[,，;；]", region) if x.strip()]
        where = (t["region"] + " " + t["address"]).str.strip()
        w_idx, w_uni = pd.factorize(where)
        inside = np.array([any(x in w for x in names_r) for w in w_uni], dtype=bool)[w_idx]
        t["external"] = ((where != "") & ~inside).to_numpy()

    # manual choices win: an edited review.xlsx, then hand edits in an earlier output folder
    seg_ids = set(tpl.segment_ids)
    manual = []
    if previous is not None:
        manual.append(_previous_edits(Path(previous), seg_ids))
    if review is not None:
        manual.append(read_review(Path(review), segment_ids=seg_ids))
    for m in manual:
        apply_manual(t, m, label)

    firms = _firms_table(t, extras)
    meta = _meta(src_path, label, tpl, id=id, name=name, year=year, region=region, links=links,
                 leaders=leaders, backbone_revenue=backbone_revenue, backbone_employees=backbone_employees)
    if not len(firms):
        raise ChainnetError(f"{label}: no firm could be placed in template {tpl.id!r} and none is an institution "
                            f"or service, so there is no cluster. Check --template and the columns found "
                            f"({', '.join(f'{k}={v}' for k, v in col.items())})")
    link_df = _links(Path(links), firms, t) if links is not None else None
    with warnings.catch_warnings():  # credit codes were already reported with the input's rows
        warnings.filterwarnings("ignore", message=r".*credit code", category=DataWarning)
        cluster = Cluster.from_frames(firms, link_df, meta=meta, templates=[tpl],
                                      files=("cluster.toml", "firms.csv", "links.csv"))
    decisions = t[list(DECISION_COLUMNS)].copy()
    decisions["segments"] = pd.Series([";".join(s) for s in t["segments"]], index=decisions.index, dtype=object)
    return ImportResult(cluster, decisions.reset_index(drop=True), tpl, lang=lang, notes=notes)


def _previous_edits(folder: Path, seg_ids: set[str]) -> pd.DataFrame:
    """Hand edits in an earlier import: firms.csv rows whose segments/role differ from its review.xlsx."""
    from ..io import read_csv_table

    empty = pd.DataFrame(columns=["firm_id", "name", "segments", "role"])
    if not (folder / "firms.csv").exists() or not (folder / "review.xlsx").exists():
        return empty
    firms = read_csv_table(folder / "firms.csv")
    dec = read_workbook(folder / "review.xlsx", label=f"{folder.name}/review.xlsx", wanted=("decisions",)).get("decisions")
    if dec is None or "firm_id" not in firms.columns:
        return empty
    rule = pd.DataFrame({"firm_id": dec["firm_id"].astype(str), "segments": dec["segments"], "role": dec["role"]})
    out = manual_rows(firms, file=f"{folder.name}/firms.csv", segment_ids=seg_ids, rule=rule)
    gone = set(dec.loc[dec["placed"].astype(bool), "firm_id"].astype(str)) - set(firms["firm_id"])
    removed = pd.DataFrame({"firm_id": sorted(gone), "name": "", "segments": [()] * len(gone), "role": "sme"})
    return pd.concat([out, removed], ignore_index=True) if len(removed) else out


def _firms_table(t: pd.DataFrame, extras: dict[str, Any]) -> pd.DataFrame:
    keep = t["placed"].to_numpy(dtype=bool) & ~(t["role"].isin(["leader", "backbone", "sme"]).to_numpy()
                                                 & (t["segments"].map(len) == 0).to_numpy())
    f = t[keep]
    out = pd.DataFrame({
        "firm_id": f["firm_id"], "name": f["name"], "role": f["role"],
        "segments": [";".join(s) for s in f["segments"]], "external": f["external"],
        "output": f["output"], "employees": f["employees"], "founded": f["founded"],
        "region": f["region"].replace("", np.nan), "evidence": f["evidence"],
        "source": np.where(f["evidence"] == "reported", "registry", None),
        "credit_code": f["credit_code"].replace("", np.nan), "industry_code": f["industry_code"], "basis": f["basis"],
        "address": f["address"].replace("", np.nan),
    })
    for c in extras:
        if c not in out.columns:
            out[c] = f[c]
    for c in out.columns:  # text (or nothing) as pandas strings: the cluster's checks run vectorised on them
        if out[c].dtype == object and pd.api.types.infer_dtype(out[c], skipna=True) in ("string", "empty"):
            out[c] = out[c].astype("str")
    return out.reset_index(drop=True)


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return s if s and s[0].isalpha() else f"import_{s}".strip("_")


def _meta(path: Path | None, label: str, tpl: Template, **kw: Any) -> dict[str, Any]:
    stem = path.stem if path is not None else "imported"
    meta: dict[str, Any] = {"schema": "chainnet/1", "id": kw["id"] or _slug(stem), "name": kw["name"] or stem}
    if kw["region"]:
        meta["region"] = kw["region"]
    if kw["year"] is not None:
        meta["year"] = int(kw["year"])
    from ..template import _BUILTIN_DIR

    builtin = tpl.path is None or tpl.path.parent == _BUILTIN_DIR
    meta["template"] = tpl.id if builtin else str(tpl.path)
    meta["links"] = "known" if kw["links"] is not None else "unknown"
    meta["sources"] = [{"key": "registry", "cite": f"Firm list {label}",
                        "note": "Firms as listed in the registry export; segments and roles assigned by chainnet "
                                "import rules (basis column, review.xlsx)."}]
    meta["import"] = {"file": label, "template": tpl.id, "backbone_revenue": float(kw["backbone_revenue"]),
                      "backbone_employees": int(kw["backbone_employees"]), "leaders": list(kw["leaders"]),
                      "chainnet": __version__}
    return meta


def _links(path: Path, firms: pd.DataFrame, t: pd.DataFrame) -> pd.DataFrame:
    """A ties table whose ends are names, credit codes or firm ids, with ends turned into firm ids."""
    from ..io import read_csv_table

    label = path.name
    if path.suffix.lower() == ".xlsx":
        df = next(iter(read_workbook(path, label=label).values()))
    else:
        df = read_csv_table(path)
    df.columns = [str(c).strip().lower() for c in df.columns]
    problems = [Problem(label, f"required column '{c}' is missing (columns found: {', '.join(df.columns)})", (), c)
                for c in ("source", "target") if c not in df.columns]
    if problems:
        raise ValidationError(problems, subject=label)
    lookup = {}
    for fid, nm, cc in zip(firms["firm_id"], firms["name"], firms["credit_code"].fillna("")):
        lookup[fid] = fid
        lookup.setdefault(nm, fid)
        if cc:
            lookup.setdefault(cc, fid)
    unplaced = set(t.loc[~t["firm_id"].isin(firms["firm_id"]), "name"]) | set(
        t.loc[~t["firm_id"].isin(firms["firm_id"]), "firm_id"])
    df = df.copy()
    for end in ("source", "target"):
        vals = df[end].map(lambda v: "" if v is None else str(v).strip())
        ids = vals.map(lambda v: lookup.get(v, lookup.get(creditcode.normalise(v))))
        for i in np.flatnonzero(ids.isna().to_numpy()):
            why = ("that firm was not placed in the chain (see review.xlsx, sheet unplaced)"
                   if vals.iloc[i] in unplaced else "no firm with that name, credit code or id")
            problems.append(Problem(label, f"{vals.iloc[i]!r}: {why}", (int(i) + 2,), end))
        df[end] = ids
    if problems:
        raise ValidationError(problems, subject=label)
    return df


# -- writing ---------------------------------------------------------------------------------
def write_import(result: ImportResult, out: str | os.PathLike, *, force: bool = False) -> Path:
    """Write ``out/`` (cluster.toml, firms.csv, links.csv) and ``out/review.xlsx``.

    Everything is written to a temporary folder beside ``out`` and moved into place at the end.
    A non-empty ``out`` is replaced only with ``force``, and only if it holds nothing but files
    chainnet import writes (its cluster.toml has an ``[import]`` table).
    """
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise ChainnetError(f"{out} exists and is not a folder; choose another output folder")
        entries = [p.name for p in out.iterdir()]
        if entries and not force:
            raise ChainnetError(f"{out} is not empty; choose an empty or new folder, or use --force to replace an "
                                "earlier import there")
        foreign = [e for e in entries if e not in WRITTEN and not (e.startswith("template_") and e.endswith(".toml"))]
        if entries and (foreign or not _is_import(out)):
            raise ChainnetError(f"{out} holds files chainnet import did not write ({', '.join(sorted(foreign)) or 'cluster.toml without [import]'}); "
                                "it is not replaced even with --force")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".chainnet-import-", dir=out.parent))
    try:
        staged = tmp / "out"
        write_folder(result.cluster, staged)  # as io.write_cluster writes a folder, with firms.csv rendered in pyarrow
        write_review(staged / "review.xlsx", result.decisions, result.template, lang=result.lang)
        if out.exists():
            old = tmp / "old"
            os.replace(out, old)
        os.replace(staged, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _is_import(folder: Path) -> bool:
    import tomllib

    try:
        return "import" in tomllib.loads((folder / "cluster.toml").read_text(encoding="utf-8-sig"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False


__all__ = ["BACKBONE_EMPLOYEES", "BACKBONE_REVENUE", "ImportResult", "example_export", "import_firms", "write_import"]
