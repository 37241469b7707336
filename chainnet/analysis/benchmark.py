"""Benchmark profiles: the world-class reference each indicator of the gap profile is scored against.

A benchmark is a TOML file with one ``[indicators.<id>]`` table per indicator: ``target`` (the
world-class reference value, scored 100), ``floor`` (scored 0), ``direction`` (``higher``,
``lower`` or ``band``) and ``weight``; a ``note`` must say what the targets are based on. The
bundled ``chainnet/profiles/default.toml`` holds illustrative targets set by the chainnet
developers, not measured values. ``docs/profile.md`` describes the format.

>>> b = load_benchmark()
>>> b.indicators["small_firm_share"].direction, b.indicators["small_firm_share"].score(0.55)
('lower', 50.0)
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ChainnetError

DIMENSIONS = ("global_value_chain", "endogenous_innovation", "chain_ecosystem", "agglomeration")
DIMENSION_NAMES = {
    "global_value_chain": ("Global value chain", "全球价值链"),
    "endogenous_innovation": ("Endogenous innovation", "内生创新"),
    "chain_ecosystem": ("Chain ecosystem", "产业链生态"),
    "agglomeration": ("Agglomeration effects", "集聚效应"),
}
#: Every indicator chainnet can measure, with its dimension and Chinese name.
INDICATORS: dict[str, tuple[str, str, str]] = {
    "external_link_share": ("global_value_chain", "external supply share", "对外供应联系占比"),
    "export_share": ("global_value_chain", "export share", "出口占比"),
    "global_top10_firms": ("global_value_chain", "firms in the world top 10", "全球前十企业数"),
    "world_market_share": ("global_value_chain", "world market share", "全球市场份额"),
    "institutions_per_100_firms": ("endogenous_innovation", "institutions per 100 firms", "每百家企业科研机构数"),
    "rd_ties_per_firm": ("endogenous_innovation", "R&D ties per firm", "企均研发合作数"),
    "rd_local_share": ("endogenous_innovation", "local share of R&D ties", "本地科研机构合作占比"),
    "research_supported_segments": ("endogenous_innovation", "segments with research support", "有科研支撑的环节占比"),
    "completeness": ("chain_ecosystem", "completeness index", "完整度指数"),
    "local_sourcing": ("chain_ecosystem", "local sourcing rate", "本地配套率"),
    "leader_dependence": ("chain_ecosystem", "leader dependence", "龙头依赖度"),
    "sme_attachment": ("chain_ecosystem", "SME attachment", "中小企业配套率"),
    "location_quotient": ("agglomeration", "location quotient", "区位商"),
    "national_share": ("agglomeration", "national share", "全国占比"),
    "output_hhi": ("agglomeration", "output HHI", "产值赫芬达尔指数"),
    "small_firm_share": ("agglomeration", "share of small firms", "规下企业占比"),
    "land_price_growth": ("agglomeration", "land price growth", "地价增速"),
    "wage_growth": ("agglomeration", "wage growth", "工资增速"),
}
DIRECTIONS = ("higher", "lower", "band")
DEFAULT_BENCHMARK = Path(__file__).resolve().parent.parent / "profiles" / "default.toml"


@dataclass(frozen=True)
class BenchmarkIndicator:
    """One indicator of a benchmark: world-class ``target`` (100), ``floor`` (0), direction, weight."""

    id: str
    dimension: str
    direction: str
    target: float | tuple[float, float]
    floor: float | tuple[float, float]
    weight: float = 1.0
    note: str = ""

    def score(self, value: float | None) -> float | None:
        """The value's score in [0, 100] (None for None); see :func:`score_value`."""
        return score_value(value, self.direction, self.target, self.floor)


@dataclass(frozen=True)
class Benchmark:
    """A benchmark profile: what each indicator scores against, and what the targets are based on."""

    id: str
    name: str
    note: str
    indicators: dict[str, BenchmarkIndicator]
    dimensions: dict[str, float]
    name_zh: str | None = None
    note_zh: str | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "name_zh": self.name_zh, "note": self.note,
                "note_zh": self.note_zh, "path": self.path, "dimensions": dict(self.dimensions),
                "indicators": {k: {"dimension": i.dimension, "direction": i.direction,
                                   "target": list(i.target) if isinstance(i.target, tuple) else i.target,
                                   "floor": list(i.floor) if isinstance(i.floor, tuple) else i.floor,
                                   "weight": i.weight, "note": i.note} for k, i in self.indicators.items()}}


def score_value(value: float | None, direction: str, target: float | tuple[float, float],
                floor: float | tuple[float, float]) -> float | None:
    """Score of ``value`` against a target and floor: 100 at the target, 0 at the floor, linear, clipped.

    ``higher`` and ``lower`` use the same line through (floor, 0) and (target, 100); ``band``
    scores 100 inside ``target = (low, high)`` and falls to 0 at ``floor = (low, high)``.

    >>> score_value(0.5, "higher", 0.9, 0.3)          # (0.5 - 0.3) / (0.9 - 0.3) = 1/3
    33.33333333333333
    >>> round(score_value(0.6, "lower", 0.3, 0.8), 9)  # (0.6 - 0.8) / (0.3 - 0.8) = 0.4
    40.0
    >>> round(score_value(0.5, "band", (0.1, 0.35), (0.0, 0.7)), 6)   # (0.7 - 0.5) / (0.7 - 0.35)
    57.142857
    >>> score_value(0.2, "band", (0.1, 0.35), (0.0, 0.7))
    100.0
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    v = float(value)
    if direction == "band":
        (lo, hi), (flo, fhi) = target, floor  # type: ignore[misc]
        if lo <= v <= hi:
            return 100.0
        if v < lo:
            frac = (v - flo) / (lo - flo) if lo > flo else 0.0
        else:
            frac = (fhi - v) / (fhi - hi) if fhi > hi else 0.0
    else:
        frac = (v - float(floor)) / (float(target) - float(floor))  # type: ignore[arg-type]
    return float(np.clip(frac, 0.0, 1.0) * 100.0)


def load_benchmark(benchmark: str | Path | dict[str, Any] | Benchmark | None = None) -> Benchmark:
    """A benchmark profile: the bundled default (None or ``"default"``), a TOML path, or a mapping.

    A file with ``extends = "default"`` starts from the default profile and changes only the
    entries it gives (per indicator, per field). Every problem is reported at once.

    >>> b = load_benchmark()
    >>> b.id, b.indicators["completeness"].target
    ('default', 0.9)
    >>> "not measured" in b.note.lower()
    True
    """
    if isinstance(benchmark, Benchmark):
        return benchmark
    if benchmark is None or benchmark == "default":
        return _parse(_read(DEFAULT_BENCHMARK), str(DEFAULT_BENCHMARK.name), path=str(DEFAULT_BENCHMARK))
    if isinstance(benchmark, dict):
        return _parse(dict(benchmark), "benchmark")
    p = Path(benchmark)
    if not p.is_file():
        raise ChainnetError(f"benchmark file {p} does not exist; give a .toml file (see docs/profile.md) or "
                            "leave --benchmark out for the bundled default")
    return _parse(_read(p), p.name, path=str(p))


def _read(p: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ChainnetError(f"{p.name}: TOML files must be UTF-8; re-save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ChainnetError(f"{p.name}: not valid TOML: {exc}") from None


def _parse(raw: dict[str, Any], file: str, *, path: str | None = None) -> Benchmark:
    problems: list[str] = []
    ext = raw.get("extends")
    if ext is not None:
        if ext != "default":
            problems.append(f"extends = {ext!r}: only \"default\" can be extended")
        else:
            base = _read(DEFAULT_BENCHMARK)
            inds = {k: dict(v) for k, v in base["indicators"].items()}
            for k, v in (raw.get("indicators") or {}).items():
                inds[k] = {**inds.get(k, {}), **(v if isinstance(v, dict) else {})}
            raw = {**base, "note": "", "note_zh": None, **{k: v for k, v in raw.items() if k != "extends"},
                   "indicators": inds, "dimensions": {**base["dimensions"], **(raw.get("dimensions") or {})}}
    problems += [f"'{key}' (a string) is required" + ("; the note must say what the targets are based on"
                                                      if key == "note" else "")
                 for key in ("id", "name", "note") if not isinstance(raw.get(key), str) or not raw[key].strip()]
    dims = raw.get("dimensions") or dict.fromkeys(DIMENSIONS, 1.0)
    if not isinstance(dims, dict):
        problems.append("[dimensions] must be a table of dimension = weight")
        dims = {}
    for d, w in dims.items():
        if d not in DIMENSIONS:
            problems.append(f"[dimensions] {d}: unknown dimension; use {', '.join(DIMENSIONS)}")
        elif not _is_num(w) or w < 0:
            problems.append(f"[dimensions] {d} = {w!r}: a weight must be a number >= 0")
    inds: dict[str, BenchmarkIndicator] = {}
    table = raw.get("indicators")
    if not isinstance(table, dict) or not table:
        problems.append("[indicators.<id>] tables are required (one per indicator to score)")
        table = {}
    for iid, spec in table.items():
        where = f"[indicators.{iid}]"
        if iid not in INDICATORS:
            problems.append(f"{where}: unknown indicator; known: {', '.join(INDICATORS)}")
            continue
        if not isinstance(spec, dict):
            problems.append(f"{where} must be a table")
            continue
        ind, errs = _indicator(iid, spec, where)
        problems += errs
        if ind is not None:
            inds[iid] = ind
    if problems:
        raise ChainnetError(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in benchmark {file}:\n"
                            + "\n".join(f"  - {p}" for p in problems))
    return Benchmark(id=raw["id"], name=raw["name"], note=raw["note"].strip(), indicators=inds,
                     dimensions={d: float(dims.get(d, 1.0)) for d in DIMENSIONS}, name_zh=raw.get("name_zh"),
                     note_zh=(raw.get("note_zh") or None), path=path)


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _indicator(iid: str, spec: dict[str, Any], where: str) -> tuple[BenchmarkIndicator | None, list[str]]:
    errs: list[str] = []
    dim = spec.get("dimension", INDICATORS[iid][0])
    if dim != INDICATORS[iid][0]:
        errs.append(f"{where}: dimension {dim!r}; this indicator belongs to {INDICATORS[iid][0]}")
    direction = spec.get("direction")
    target, floor, weight = spec.get("target"), spec.get("floor"), spec.get("weight", 1.0)
    if direction not in DIRECTIONS:
        errs.append(f"{where}: direction {direction!r}; use higher, lower or band")
        return None, errs
    if not _is_num(weight) or weight < 0:
        errs.append(f"{where}: weight {weight!r} must be a number >= 0")
    if direction == "band":
        pairs = [x for x in (target, floor) if isinstance(x, list) and len(x) == 2 and all(_is_num(v) for v in x)]
        if len(pairs) != 2:
            errs.append(f"{where}: a band needs target = [low, high] and floor = [low, high] (numbers)")
        elif not (floor[0] <= target[0] <= target[1] <= floor[1]):  # type: ignore[index]
            errs.append(f"{where}: a band needs floor low <= target low <= target high <= floor high, got "
                        f"target {target}, floor {floor}")
        if errs:
            return None, errs
        return BenchmarkIndicator(iid, dim, direction, (float(target[0]), float(target[1])),  # type: ignore[index]
                                  (float(floor[0]), float(floor[1])), float(weight),  # type: ignore[index]
                                  str(spec.get("note", ""))), errs
    if not _is_num(target) or not _is_num(floor):
        errs.append(f"{where}: target and floor must be numbers (got {target!r}, {floor!r})")
    elif direction == "higher" and not target > floor:
        errs.append(f"{where}: direction higher needs target > floor (got target {target}, floor {floor})")
    elif direction == "lower" and not target < floor:
        errs.append(f"{where}: direction lower needs target < floor (got target {target}, floor {floor})")
    if errs:
        return None, errs
    return BenchmarkIndicator(iid, dim, direction, float(target), float(floor), float(weight),
                              str(spec.get("note", ""))), errs
