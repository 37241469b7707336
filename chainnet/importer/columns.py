"""Recognise the columns of a registry export (企业名录) by their Chinese or English headers.

Each recognised column is given a *field* (``name``, ``credit_code``, ``industry`` ...). Money
columns carry their unit in the header (``营业收入(万元)``); :func:`unit_factor` turns it into the
factor to 亿元 (100 million CNY), the unit of chainnet's ``output``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .._errors import ChainnetError

#: Header names per field, compared after :func:`header_key` (NFKC, lower case, no spaces or units).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("企业名称", "公司名称", "名称", "单位名称", "单位详细名称", "企业名", "机构名称", "纳税人名称",
             "name", "company", "companyname", "firm", "firmname", "enterprise", "enterprisename"),
    "credit_code": ("统一社会信用代码", "信用代码", "社会信用代码", "统一信用代码", "统一代码",
                    "creditcode", "credit_code", "unifiedsocialcreditcode", "uscc"),
    "industry": ("所属行业", "行业", "国民经济行业", "国民经济行业分类", "行业分类", "所属国民经济行业",
                 "行业类别", "国标行业", "industry", "sector"),
    "industry_code": ("行业代码", "国标行业代码", "国民经济行业代码", "行业分类代码", "所属行业代码", "行业小类代码",
                      "industrycode", "industry_code", "gbt4754", "gb/t4754"),
    "scope": ("经营范围", "营业范围", "businessscope", "scope"),
    "products": ("主营产品", "主要产品", "主导产品", "产品", "主要产品名称", "主营业务", "products", "mainproducts",
                 "product"),
    "revenue": ("营业收入", "主营业务收入", "营业额", "销售收入", "年营业收入", "营收", "工业总产值", "产值",
                "revenue", "operatingrevenue", "sales", "turnover", "output"),
    "employees": ("从业人员", "从业人数", "参保人数", "员工人数", "职工人数", "员工数", "人数", "从业人员期末人数",
                  "年末从业人员", "employees", "staff", "headcount"),
    "capital": ("注册资本", "注册资金", "registeredcapital", "capital"),
    "founded": ("成立日期", "成立时间", "注册日期", "成立年份", "成立年度", "开业日期", "founded", "established",
                "foundingdate", "incorporationdate", "dateofestablishment"),
    "address": ("地址", "注册地址", "住所", "企业地址", "通讯地址", "经营地址", "详细地址", "address"),
    "region": ("所属区县", "区县", "县区", "所属地区", "地区", "所属区域", "区域", "行政区划", "所在地", "所在区县",
               "region", "district", "county"),
    "role": ("role", "角色", "企业角色"),
    "segments": ("segments", "环节", "产业链环节"),
    "external": ("external", "区外", "是否区外"),
    "evidence": ("evidence",),
    "firm_id": ("firm_id", "firmid", "id", "编号"),
    "name_zh": ("name_zh",),
}
FIELDS = tuple(SYNONYMS)
_UNITS = (("亿元", 1.0), ("千万元", 0.1), ("百万元", 0.01), ("万元", 1e-4), ("千元", 1e-5), ("元", 1e-8),
          ("100millioncny", 1.0), ("10kcny", 1e-4), ("10thousandcny", 1e-4), ("cny", 1e-8), ("yuan", 1e-8))


def header_key(header: object) -> str:
    """Header text reduced for matching: NFKC, lower case, no spaces, no bracketed unit.

    >>> header_key(" 营业收入（万元） "), header_key("Company Name")
    ('营业收入', 'companyname')
    """
    s = unicodedata.normalize("NFKC", str(header)).strip().lower()
    s = re.sub(r"[(\[].*?[)\]]", "", s)
    return re.sub(r"[\s_\-:/]+", "", s)


_KEY = {header_key(k): f for f, words in SYNONYMS.items() for k in words}


def unit_factor(header: object) -> float | None:
    """Factor from the money unit written in a header to 亿元, or None when no unit is written.

    >>> unit_factor("营业收入(万元)"), unit_factor("revenue (CNY)"), unit_factor("营业收入")
    (0.0001, 1e-08, None)
    """
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(header)).lower())
    for unit, factor in _UNITS:
        if unit in s:
            return factor
    return None


@dataclass
class ColumnMap:
    """Which input column holds which field, and the columns kept as attributes."""

    fields: dict[str, str] = field(default_factory=dict)
    extras: list[str] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        return self.fields.get(name)


def parse_map(items: list[str] | tuple[str, ...] | dict[str, str] | None) -> dict[str, str]:
    """``["营业额=revenue", ...]`` as ``{column: field}``; fields are checked."""
    if not items:
        return {}
    pairs = items.items() if isinstance(items, dict) else []
    if not isinstance(items, dict):
        out = []
        for item in items:
            if "=" not in item:
                raise ChainnetError(f"--map {item!r}: write COLUMN=FIELD, e.g. --map '营业额(万元)=revenue'")
            col, fld = item.rsplit("=", 1)
            out.append((col, fld))
        pairs = out
    result = {}
    for col, fld in pairs:
        fld = fld.strip()
        if fld not in FIELDS and fld != "ignore":
            raise ChainnetError(f"--map {col}={fld}: unknown field {fld!r}; fields: {', '.join(FIELDS)}, ignore")
        result[col.strip()] = fld
    return result


def recognise(columns: list[str], *, overrides: dict[str, str] | None = None, file: str = "input") -> ColumnMap:
    """Map input columns to fields: ``overrides`` first, then the synonyms; the first match wins.

    >>> m = recognise(["企业名称", "统一社会信用代码", "营业收入(万元)", "备注"])
    >>> m.fields
    {'name': '企业名称', 'credit_code': '统一社会信用代码', 'revenue': '营业收入(万元)'}
    >>> m.extras
    ['备注']
    """
    overrides = dict(overrides or {})
    stripped = {str(c).strip(): c for c in columns}
    unknown = [c for c in overrides if c not in stripped]
    if unknown:
        raise ChainnetError(f"{file}: --map names column(s) {', '.join(repr(c) for c in unknown)} that the file "
                            f"does not have (columns found: {', '.join(map(str, columns))})")
    out = ColumnMap()
    taken = set()
    for col, fld in overrides.items():
        if fld != "ignore":
            out.fields[fld] = stripped[col]
        taken.add(stripped[col])
    for c in columns:
        if c in taken:
            continue
        fld = _KEY.get(header_key(c))
        if fld is not None and fld not in out.fields:
            out.fields[fld] = c
        elif not str(c).startswith("Unnamed:"):
            out.extras.append(c)
    return out
