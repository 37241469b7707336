"""``review.xlsx``: what the import decided for every input firm and why, and reading edits back.

Sheets: ``decisions`` (one row per input firm), ``unplaced`` (firms no segment matched) and
``segments`` (the template's segments with their codes and words). The ``segments`` and ``role``
columns of ``decisions`` may be edited; ``rule_segments`` and ``rule_role`` keep what the rules
said, so an edit is recognised on re-import as a manual choice.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from ..template import Template
from .gbt4754 import TITLES

DECISION_COLUMNS = ("row", "firm_id", "name", "credit_code", "industry_code", "segments", "role", "external",
                    "basis", "confidence", "placed", "note", "rule_segments", "rule_role", "merged_rows",
                    "products", "scope")
EDITABLE = ("segments", "role")
_NOTES = {
    "en": {"no_match": "no code or product word of the template matched", "trade": "trade firm (section F)",
           "code_disagrees": "products name other segments than the industry code; products win",
           "code_over_scope": "scope words and industry code disagree; code wins",
           "code_ambiguous": "industry code fits several segments and no word decided",
           "manual": "set by hand", "institution": "institution", "service": "service body",
           "merged": "rows with the same credit code merged"},
    "zh": {"no_match": "行业代码和产品词均未匹配本模板", "trade": "批发零售（F门类）企业",
           "code_disagrees": "主营产品与行业代码指向不同环节，以产品为准",
           "code_over_scope": "经营范围与行业代码不一致，以代码为准",
           "code_ambiguous": "行业代码对应多个环节，无产品词可定", "manual": "人工指定",
           "institution": "科研机构", "service": "服务机构", "merged": "信用代码相同的行已合并"},
}


def note_text(codes: str, lang: str) -> str:
    """Render ``;``-separated note codes in ``lang``."""
    table = _NOTES.get(lang, _NOTES["en"])
    return "; ".join(table.get(c, c) for c in codes.split(";") if c)


def segment_table(template: Template) -> pd.DataFrame:
    """The template's segments with their codes (and class titles) and keywords, upstream first."""
    seg = template.segments.set_index("id")
    rows = []
    for s in template.order:
        codes = seg.at[s, "codes"]
        rows.append({"segment": s, "name": seg.at[s, "name"], "name_zh": seg.at[s, "name_zh"] or "",
                     "stage": seg.at[s, "stage"],
                     "codes": "; ".join(f"{c} {TITLES.get(c, '')}".strip() for c in codes),
                     "keywords": "; ".join(seg.at[s, "keywords"])})
    return pd.DataFrame(rows)


def write_review(path: Path, decisions: pd.DataFrame, template: Template, *, lang: str = "en") -> None:
    """Write the three sheets; every text cell is stored as text (inline string), never as a formula."""
    dec = decisions.copy()
    idx, notes = pd.factorize(dec["note"].astype(object).fillna(""))
    dec["note"] = np.array([note_text(n, lang) for n in notes], dtype=object)[idx] if len(dec) else dec["note"]
    unplaced = dec.loc[~dec["placed"].astype(bool) & dec["role"].isin(["leader", "backbone", "sme"]),
                       ["row", "firm_id", "name", "industry_code", "products", "scope", "note"]]
    write_xlsx(path, [("decisions", dec), ("unplaced", unplaced), ("segments", segment_table(template))])


_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _column_cells(values: pd.Series) -> np.ndarray:
    """The ``<c>`` elements of one column, each distinct value rendered once (columns repeat a lot)."""
    idx, uniques = pd.factorize(pd.Series(values.to_numpy(dtype=object), dtype=object), use_na_sentinel=True)
    uniques = list(uniques)
    if uniques and all(type(v) is str for v in uniques):
        joined = "\n".join(uniques)  # one scan of the whole column decides whether any value needs escaping
        if not _BAD_XML.search(joined) and not any(ch in joined for ch in "&<>"):
            cells = [f'<c t="inlineStr"><is><t xml:space="preserve">{t}</t></is></c>' for t in uniques]
            return np.array([*cells, "<c/>"], dtype=object)[idx]
    return np.array([*_cells(uniques), "<c/>"], dtype=object)[idx]


_TEXT_OPEN, _TEXT_CLOSE = '<c t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>"
#: _BAD_XML for the regex engine behind pyarrow (RE2)
_BAD_XML_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"


def _arrow_cells(values: pd.Series):
    """The ``<c>`` elements of one column as a pyarrow string array, built without a Python loop.

    Text columns (strings and blanks), whole numbers and booleans are rendered in pyarrow; other
    columns (floats, mixed cells) go through :func:`_column_cells`. Same bytes either way.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) and not values.hasnans:
        return pc.if_else(pa.array(values.to_numpy(dtype=bool)), '<c t="b"><v>1</v></c>', '<c t="b"><v>0</v></c>')
    if pd.api.types.is_integer_dtype(dtype) and not values.hasnans:
        num = pc.cast(pa.array(values.to_numpy(dtype=np.int64)), pa.string())
        return pc.binary_join_element_wise("<c><v>", num, "</v></c>", "")
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        vals = values.to_numpy(dtype=object)
        try:
            if len(pd.unique(vals[:2000])) < 1000:  # a column of repeated values: each distinct one encoded once
                idx, uniques = pd.factorize(vals, use_na_sentinel=True)
                text = pa.array(uniques, type=pa.string(), from_pandas=True).take(pa.array(idx, mask=idx < 0))
            else:
                text = pa.array(vals, type=pa.string(), from_pandas=True)
        except (pa.ArrowException, UnicodeError):  # numbers or dates among the text, or a lone surrogate
            text = None
        if text is not None:
            if pc.any(pc.match_substring_regex(text, _BAD_XML_RE2)).as_py():
                text = pc.replace_substring_regex(text, _BAD_XML_RE2, "")
            for ch, ent in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
                if pc.any(pc.match_substring(text, ch)).as_py():
                    text = pc.replace_substring(text, ch, ent)
            return pc.binary_join_element_wise(_TEXT_OPEN, text, _TEXT_CLOSE, "").fill_null("<c/>")
    return pa.array(_column_cells(values).tolist(), type=pa.string())


def _write_rows(f: Any, df: pd.DataFrame) -> None:
    """Write the rows of ``df`` as ``<row>`` elements: joined and encoded in pyarrow, chunk by chunk."""
    import pyarrow.compute as pc

    for lo in range(0, len(df), 50_000):
        part = df.iloc[lo:lo + 50_000]
        rows = pc.binary_join_element_wise("<row>", *[_arrow_cells(part.iloc[:, c]) for c in range(part.shape[1])],
                                           "</row>", "")
        _, offsets, data = rows.buffers()
        bounds = np.frombuffer(offsets, dtype=np.int32)[rows.offset:rows.offset + len(rows) + 1]
        f.write(memoryview(data)[int(bounds[0]):int(bounds[-1])])  # the UTF-8 bytes of all the rows, in order


def _cells(values: list[Any]) -> list[str]:
    out = []
    for v in values:
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            out.append("<c/>")
        elif isinstance(v, (bool, np.bool_)):
            out.append(f'<c t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, (int, float, np.integer, np.floating)):
            out.append(f"<c><v>{v!r}</v></c>" if isinstance(v, float) else f"<c><v>{int(v)}</v></c>")
        else:
            t = str(v)
            if _BAD_XML.search(t):
                t = _BAD_XML.sub("", t)
            t = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            out.append(f'<c t="inlineStr"><is><t xml:space="preserve">{t}</t></is></c>')
    return out


def write_xlsx(path: Path, sheets: list[tuple[str, pd.DataFrame]]) -> None:
    """A minimal .xlsx (SpreadsheetML) writer: inline strings, numbers, booleans, streamed per chunk.

    openpyxl takes about half a millisecond per row for these sheets; a million-row review
    would take minutes. Text is written as inline strings, so nothing is ever a formula.
    """
    import zipfile

    n = len(sheets)
    types = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                   'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                   '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                   'main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                   f'officedocument.spreadsheetml.styles+xml"/>{types}</Types>')
        z.writestr("_rels/.rels", _XML_HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                   '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        sheet_tags = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
                             for i, (name, _) in enumerate(sheets, start=1))
        z.writestr("xl/workbook.xml", f"{_XML_HEAD}<workbook {_NS} {_RNS}><sheets>{sheet_tags}</sheets></workbook>")
        rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
        rels += (f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 'relationships/styles" Target="styles.xml"/>')
        z.writestr("xl/_rels/workbook.xml.rels", _XML_HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships">{rels}</Relationships>')
        z.writestr("xl/styles.xml", f'{_XML_HEAD}<styleSheet {_NS}><fonts count="1"><font><sz val="11"/>'
                   '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
                   '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/>'
                   '<top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
                   'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
                   'borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
                   'builtinId="0"/></cellStyles></styleSheet>')
        for i, (_, df) in enumerate(sheets, start=1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w") as f:
                f.write(f"{_XML_HEAD}<worksheet {_NS}><sheetData>".encode())
                f.write(("<row>" + "".join(_cells(list(df.columns))) + "</row>").encode())
                _write_rows(f, df)
                f.write(b"</sheetData></worksheet>")


def read_review(path: Path, *, segment_ids: set[str]) -> pd.DataFrame:
    """Manual choices in a review workbook: ``firm_id, name, segments, role`` of edited rows.

    A row is manual when its ``segments`` or ``role`` differ from ``rule_segments``/``rule_role``
    or its basis already says ``manual``. Unknown segment ids or roles are errors (with row).
    """
    label = Path(path).name
    sheets = read_workbook(Path(path), label=label, wanted=("decisions",))
    if "decisions" not in sheets:
        raise ValidationError([Problem(label, f"sheet 'decisions' is missing (sheets found: "
                                              f"{', '.join(sheet_names(Path(path)))})")], subject=label)
    df = sheets["decisions"]
    need = [c for c in ("firm_id", "name", *EDITABLE, "rule_segments", "rule_role") if c not in df.columns]
    if need:
        raise ValidationError([Problem(f"{label} sheet 'decisions'", f"column '{c}' is missing", (), c) for c in need],
                              subject=label)
    return manual_rows(df, file=f"{label} sheet 'decisions'", segment_ids=segment_ids)


def sheet_names(path: Path) -> list[str]:
    """Names of the sheets of a workbook that :func:`read_workbook` has read without error."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_workbook(path: Path, *, label: str, wanted: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """Sheets ``wanted`` (default: the first sheet) of a workbook as tables; a damaged file is a data error."""
    from .._sheets import read_sheets

    if wanted is None:
        read_sheets(path, label=label, wanted=())  # checks the file before openpyxl opens it again
        wanted = tuple(sheet_names(path)[:1])
    return read_sheets(path, label=label, wanted=wanted)


def _text(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()


def split_segments(v: object) -> tuple[str, ...]:
    """``a;b``, ``a；b`` or ``a、b`` as a tuple of ids."""
    text = _text(v).replace("；", ";").replace("、", ";").replace(",", ";")
    return tuple(s.strip() for s in text.split(";") if s.strip())


def manual_rows(df: pd.DataFrame, *, file: str, segment_ids: set[str],
                rule: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows of ``df`` whose segments/role were set by hand (compared with ``rule`` or the rule_* columns)."""
    from .._validate import ROLE_ALIASES, ROLES

    problems, out = [], []
    rule_map = {} if rule is None else {str(r.firm_id): r for r in rule.itertuples(index=False)}
    for i, r in enumerate(df.to_dict("records"), start=2):
        fid, segs, role = _text(r.get("firm_id")), split_segments(r.get("segments")), _text(r.get("role")).lower()
        role = ROLE_ALIASES.get(role, role)
        if rule is None:
            rsegs, rrole = split_segments(r.get("rule_segments")), _text(r.get("rule_role")).lower()
        elif fid in rule_map:
            rsegs, rrole = split_segments(rule_map[fid].segments), _text(rule_map[fid].role).lower()
        else:
            continue
        manual = "manual" in _text(r.get("basis")).split(";")
        if not manual and set(segs) == set(rsegs) and role == rrole:
            continue
        bad = [s for s in segs if s not in segment_ids]
        if bad:
            problems.append(Problem(file, f"unknown segment id(s) {', '.join(bad)}; the template's segments are "
                                          f"{', '.join(sorted(segment_ids))}", (i,), "segments"))
        if role not in ROLES:
            problems.append(Problem(file, f"unknown role {role!r}; use one of {', '.join(ROLES)}", (i,), "role"))
        out.append({"firm_id": fid, "name": _text(r.get("name")), "segments": segs, "role": role})
    if problems:
        raise ValidationError(problems, subject=file)
    return pd.DataFrame(out, columns=["firm_id", "name", "segments", "role"])
