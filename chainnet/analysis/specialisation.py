"""Specialisation (专业化) of a cluster, from economy figures in cluster.toml and firm outputs.

Two measures from the founding paper's section on specialisation (Zeng et al. 2022, §2.1(1)):
**micro specialisation** = cluster output / the regional economy, **macro specialisation** =
cluster output / national (or world) output of the industry; beside them the location quotients.
``docs/profile.md`` gives every formula and the optional ``[economy]`` table of ``cluster.toml``
that feeds them.

A missing input never raises: the figure is None and a note says which field to add.

>>> import chainnet
>>> s = specialisation(chainnet.load_dataset("yantai_structural"))
>>> s.figures["micro"] is None, economy_inputs(chainnet.load_dataset("yantai_structural"))["cluster_employment"].value
(True, 100000.0)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._json import clean, records
from ._result import Result

if TYPE_CHECKING:
    from ..model import Cluster

#: Optional figures of the ``[economy]`` table: field -> (unit, meaning). Money in 亿元 (100 million CNY).
ECONOMY_FIELDS: dict[str, tuple[str, str]] = {
    "cluster_output": ("亿元", "annual output (revenue) of the cluster's industry in its region"),
    "regional_gdp": ("亿元", "GDP of the cluster's region (city, county or park)"),
    "regional_industry_output": ("亿元", "gross industrial output of the region, all industries"),
    "national_gdp": ("亿元", "national GDP (pairs with regional_gdp in the output location quotient)"),
    "national_total_industry_output": ("亿元", "gross industrial output of the country, all industries "
                                              "(pairs with regional_industry_output)"),
    "national_industry_output": ("亿元", "national output of the cluster's industry"),
    "world_industry_output": ("亿元", "world output of the cluster's industry"),
    "cluster_employment": ("persons", "jobs in the cluster's industry in its region"),
    "regional_employment": ("persons", "jobs in the region, all industries"),
    "national_industry_employment": ("persons", "national jobs in the cluster's industry"),
    "national_employment": ("persons", "national jobs, all industries"),
    "export_share": ("share", "share of the cluster's output sold abroad (0-1)"),
    "land_price_growth": ("share per year", "annual growth of industrial land prices in the region (0.05 = 5%)"),
    "wage_growth": ("share per year", "annual growth of average wages in the region (0.05 = 5%)"),
}
#: Fields that may be negative (growth rates); every other field must be >= 0.
SIGNED_FIELDS = ("land_price_growth", "wage_growth")
#: ``[facts]`` names (before an optional ``_<year>``) read as economy fields, with the units they must carry.
FACT_ALIASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cluster_output": (("output",), ("100 million cny", "亿元")),
    "cluster_employment": (("jobs", "employment"), ("jobs", "persons", "people", "人")),
}


@dataclass(frozen=True)
class Input:
    """One economy figure as found: its value, where it came from and anything to know about it."""

    value: float | None
    source: str | None = None
    note: str = ""


# -- economy figures ----------------------------------------------------------------------------
def economy_inputs(cluster: Cluster) -> dict[str, Input]:
    """The economy figures of a cluster, each from the first place that has it.

    Order: the ``[economy]`` table of ``cluster.toml`` (a number, or a table with ``value``; a
    workbook may use meta keys ``economy.<field>``), then ``[facts]`` entries with the field's
    name or a known alias (``output`` for cluster_output, ``jobs`` for cluster_employment; an
    ``_<year>`` suffix allowed, the cluster's year preferred), then, for cluster output and
    employment only, the sum over local firms of ``output`` / ``employees``.

    >>> import chainnet
    >>> inp = economy_inputs(chainnet.load_dataset("yantai_structural"))
    >>> inp["cluster_output"].value, inp["cluster_output"].source
    (1500.0, 'facts.output_2020')
    >>> inp["regional_gdp"].value is None
    True
    """
    meta = cluster.meta
    table = meta.get("economy") if isinstance(meta.get("economy"), dict) else {}
    table = {**{k.split(".", 1)[1]: v for k, v in meta.items() if isinstance(k, str) and k.startswith("economy.")},
             **table}
    facts = meta.get("facts") if isinstance(meta.get("facts"), dict) else {}
    year = meta.get("year") if isinstance(meta.get("year"), int) else None
    out: dict[str, Input] = {}
    for name in ECONOMY_FIELDS:
        got = _from_economy(name, table.get(name)) if name in table else None
        if got is None or got.value is None:
            fact = _from_facts(name, facts, year)
            if fact is not None:
                got = Input(fact.value, fact.source, "; ".join(x for x in (got.note if got else "", fact.note) if x))
        if (got is None or got.value is None) and name in ("cluster_output", "cluster_employment"):
            summed = _firm_sum(cluster, "output" if name == "cluster_output" else "employees")
            if summed.value is not None:
                got = Input(summed.value, summed.source,
                            "; ".join(x for x in (got.note if got else "", summed.note) if x))
        out[name] = got or Input(None)
    return out


def _from_economy(name: str, raw: Any) -> Input:
    value = raw.get("value") if isinstance(raw, dict) else raw
    unit = ECONOMY_FIELDS[name][0]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return Input(None, None, f"[economy] {name} = {value!r} is not a number ({unit}); ignored")
    if value < 0 and name not in SIGNED_FIELDS:
        return Input(None, None, f"[economy] {name} = {value!r} is negative; ignored")
    note = ""
    if isinstance(raw, dict) and raw.get("source"):
        note = f"source {raw['source']}"
    return Input(float(value), "economy", note)


def _from_facts(name: str, facts: dict[str, Any], year: int | None) -> Input | None:
    names, units = FACT_ALIASES.get(name, ((), ()))
    pattern = re.compile(rf"^({'|'.join(re.escape(n) for n in (name, *names))})(_(\d{{4}}))?$")
    found = []
    for key, f in facts.items():
        m = pattern.match(str(key))
        if not m or not isinstance(f, dict):
            continue
        value = f.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if units and not any(u in str(f.get("unit", "")).lower() for u in units):
            continue
        fy = f.get("year", int(m.group(3)) if m.group(3) else None)
        found.append((key, float(value), fy if isinstance(fy, int) else None, f))
    if not found:
        return None
    # the cluster's year first, then an undated figure, then the latest year
    found.sort(key=lambda r: (r[2] != year if year is not None else True, r[2] is not None, -(r[2] or 0)))
    key, value, fy, f = found[0]
    bits = []
    if f.get("qualifier"):
        bits.append(f"reported as {f['qualifier']} {value:g}")
    if fy is not None and year is not None and fy != year:
        bits.append(f"figure for {fy}, cluster year {year}")
    if f.get("source"):
        bits.append(f"source {f['source']}")
    return Input(value, f"facts.{key}", "; ".join(bits))


def _firm_sum(cluster: Cluster, column: str) -> Input:
    local = cluster.firms[cluster.local_mask]
    if column not in local or not len(local):
        return Input(None)
    vals = pd.to_numeric(local[column], errors="coerce").astype(float)
    known = int(vals.notna().sum())
    if known == 0:
        return Input(None)
    note = "" if known == len(local) else \
        f"a lower bound: {len(local) - known} of {len(local)} local firms have no {column}"
    return Input(float(vals.sum()), f"firms.{column} (sum over {known} local firms)", note)


# -- specialisation --------------------------------------------------------------------------
SPECIALISATION_FIGURES = ("micro", "micro_employment", "macro_national", "macro_world", "lq_output",
                          "lq_employment")


@dataclass(frozen=True, eq=False, repr=False)
class Specialisation(Result):
    """Specialisation of one cluster.

    Attributes
    ----------
    cluster_id : the cluster's id
    figures : ``micro``, ``micro_employment``, ``macro_national``, ``macro_world``, ``lq_output``,
        ``lq_employment``; None where an input is missing
    table : one row per figure: ``indicator``, ``value``, ``formula``, ``basis`` (the inputs used
        and where they came from), ``note`` (which field to add when the value is missing)
    inputs : one row per economy field: ``field``, ``value``, ``unit``, ``source``, ``note``
    reported_shares : national shares of single products reported in ``[facts]`` (e.g.
        rare-earth magnets 40%), kept as reported: they are not the whole cluster's share
    """

    cluster_id: str
    figures: dict[str, float | None]
    table: pd.DataFrame
    inputs: pd.DataFrame
    reported_shares: list[dict[str, Any]] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """``table`` (one row per figure) and ``inputs``."""
        return {"table": self.table, "inputs": self.inputs}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the figures, the per-figure table, the inputs and reported product shares."""
        return {"cluster": self.cluster_id, **clean(self.figures), "table": records(self.table),
                "inputs": records(self.inputs), "reported_shares": clean(self.reported_shares)}


def specialisation(cluster: Cluster) -> Specialisation:
    """Micro and macro specialisation and location quotients of a cluster.

    * micro = cluster_output / regional_gdp (or / regional_industry_output)
    * micro_employment = cluster_employment / regional_employment
    * macro_national = cluster_output / national_industry_output (else a reported
      ``[facts] national_share``)
    * macro_world = cluster_output / world_industry_output
    * lq_output = (cluster_output / regional_gdp) / (national_industry_output / national_gdp), or
      the same with regional_industry_output and national_total_industry_output
    * lq_employment = (cluster_employment / regional_employment) /
      (national_industry_employment / national_employment)

    Parameters
    ----------
    cluster : the cluster; figures come from :func:`economy_inputs`

    Returns
    -------
    Specialisation

    Examples
    --------
    >>> import chainnet
    >>> s = specialisation(chainnet.load_dataset("shenzhen_battery"))
    >>> s.figures["macro_national"], s.figures["micro"] is None
    (0.7, True)
    >>> s.table.set_index("indicator").at["micro", "note"]
    'add [economy] regional_gdp (亿元) or regional_industry_output (亿元) to cluster.toml'
    """
    inp = economy_inputs(cluster)
    rows: list[dict[str, Any]] = []

    def val(name: str) -> float | None:
        return inp[name].value

    def basis(*names: str) -> str:
        return "; ".join(f"{n} = {_fmt(inp[n].value)} ({inp[n].source}{', ' + inp[n].note if inp[n].note else ''})"
                         for n in names)

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b is not None and b > 0 else None

    def add(ind: str, value: float | None, formula: str, used: tuple[str, ...], missing_note: str) -> None:
        ok = value is not None
        rows.append({"indicator": ind, "value": value, "formula": formula, "basis": basis(*used) if ok else "",
                     "note": "" if ok else missing_note})

    out, emp = val("cluster_output"), val("cluster_employment")
    need_out = "add [economy] cluster_output (亿元) to cluster.toml, or firm outputs to firms.csv"
    need_emp = "add [economy] cluster_employment (persons) to cluster.toml, or firm employees to firms.csv"

    def need(*parts: str) -> str:
        return "; ".join(p for p in parts if p)

    # micro specialisation: GDP first, gross industrial output second
    den = "regional_gdp" if val("regional_gdp") else "regional_industry_output"
    add("micro", ratio(out, val(den)), f"cluster_output / {den}", ("cluster_output", den),
        need(need_out if out is None else "",
             "" if val(den) else
             "add [economy] regional_gdp (亿元) or regional_industry_output (亿元) to cluster.toml"))
    add("micro_employment", ratio(emp, val("regional_employment")), "cluster_employment / regional_employment",
        ("cluster_employment", "regional_employment"),
        need(need_emp if emp is None else "",
             "" if val("regional_employment") else "add [economy] regional_employment (persons) to cluster.toml"))
    macro = ratio(out, val("national_industry_output"))
    reported = _reported_national_share(cluster.meta) if macro is None else None
    if reported is not None:
        rows.append({"indicator": "macro_national", "value": reported.value,
                     "formula": "reported cluster share of national output", "basis":
                     f"{reported.source}{', ' + reported.note if reported.note else ''}", "note": ""})
    else:
        add("macro_national", macro, "cluster_output / national_industry_output",
            ("cluster_output", "national_industry_output"),
            need(need_out if out is None else "", "" if val("national_industry_output") else
                 "add [economy] national_industry_output (亿元) to cluster.toml (or a [facts.national_share] share)"))
    add("macro_world", ratio(out, val("world_industry_output")), "cluster_output / world_industry_output",
        ("cluster_output", "world_industry_output"),
        need(need_out if out is None else "",
             "" if val("world_industry_output") else "add [economy] world_industry_output (亿元) to cluster.toml"))
    pair = ("regional_gdp", "national_gdp") if val("regional_gdp") and val("national_gdp") else \
        ("regional_industry_output", "national_total_industry_output")
    lq = ratio(ratio(out, val(pair[0])), ratio(val("national_industry_output"), val(pair[1])))
    add("lq_output", lq, f"(cluster_output / {pair[0]}) / (national_industry_output / {pair[1]})",
        ("cluster_output", pair[0], "national_industry_output", pair[1]),
        need(need_out if out is None else "", _missing_fields(inp, ("national_industry_output",)),
             "" if val(pair[0]) and val(pair[1]) else
             "add [economy] regional_gdp and national_gdp (亿元), or regional_industry_output and "
             "national_total_industry_output (亿元)"))
    lq_e = ratio(ratio(emp, val("regional_employment")),
                 ratio(val("national_industry_employment"), val("national_employment")))
    emp_fields = ("regional_employment", "national_industry_employment", "national_employment")
    add("lq_employment", lq_e, "(cluster_employment / regional_employment) / "
        "(national_industry_employment / national_employment)", ("cluster_employment", *emp_fields),
        need(need_emp if emp is None else "", _missing_fields(inp, emp_fields)))
    table = pd.DataFrame(rows, columns=["indicator", "value", "formula", "basis", "note"])
    figures = dict(zip(table["indicator"], (None if v is None or v != v else float(v) for v in table["value"])))
    inputs = pd.DataFrame([{"field": k, "value": i.value, "unit": ECONOMY_FIELDS[k][0], "source": i.source,
                            "note": i.note} for k, i in inp.items()])
    return Specialisation(cluster_id=cluster.meta.get("id", ""), figures=figures, table=table, inputs=inputs,
                          reported_shares=_product_shares(cluster.meta))


def _missing_fields(inp: dict[str, Input], names: tuple[str, ...]) -> str:
    miss = [n for n in names if inp[n].value is None]
    if not miss:
        return ""
    return "add [economy] " + ", ".join(f"{n} ({ECONOMY_FIELDS[n][0]})" for n in miss) + " to cluster.toml"


def _reported_national_share(meta: dict[str, Any]) -> Input | None:
    facts = meta.get("facts") if isinstance(meta.get("facts"), dict) else {}
    year = meta.get("year") if isinstance(meta.get("year"), int) else None
    hits = []
    for key, f in facts.items():
        if re.match(r"^national_share(_\d{4})?$", str(key)) and isinstance(f, dict) \
                and isinstance(f.get("value"), (int, float)) and not isinstance(f.get("value"), bool):
            hits.append((key, f))
    if not hits:
        return None
    hits.sort(key=lambda kf: (kf[1].get("year") != year, kf[1].get("year") is None, -(kf[1].get("year") or 0)))
    key, f = hits[0]
    bits = [f"reported as {f['qualifier']} {f['value']:g}"] if f.get("qualifier") else []
    if f.get("source"):
        bits.append(f"source {f['source']}")
    return Input(float(f["value"]), f"facts.{key}", "; ".join(bits))


def _product_shares(meta: dict[str, Any]) -> list[dict[str, Any]]:
    facts = meta.get("facts") if isinstance(meta.get("facts"), dict) else {}
    out = []
    for key, f in facts.items():
        m = re.match(r"^national_share_(?!\d{4}$)(.+)$", str(key))
        if m and isinstance(f, dict) and isinstance(f.get("value"), (int, float)):
            out.append({"product": m.group(1), "share": float(f["value"]), "fact": key,
                        "source": f.get("source"), "note": f.get("note")})
    return out


def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:,.4g}" if abs(x) < 1e6 else f"{x:,.0f}"
