"""A cluster's profile: specialisation, concentration, life-cycle stage and world-class gaps in one result.

:func:`profile` runs :func:`~chainnet.analysis.specialisation.specialisation`,
:func:`~chainnet.analysis.specialisation.concentration`,
:func:`~chainnet.analysis.lifecycle.lifecycle` and :func:`~chainnet.analysis.worldclass.worldclass`
and keeps their results side by side; :meth:`Profile.summary_table` is the short table a report
shows, :meth:`Profile.table` the long one a CSV holds. ``docs/profile.md`` explains every figure.

>>> import chainnet
>>> p = profile(chainnet.load_dataset("demo_copper"))
>>> p.lifecycle.stage, sorted(p.worldclass.scores)[:2]
('formation', ['agglomeration', 'chain_ecosystem'])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._errors import ChainnetError
from .._messages import t, words
from ._result import Result
from .concentration import Concentration, concentration
from .lifecycle import STAGE_ZH, Lifecycle, LifecycleRules, lifecycle
from .specialisation import Specialisation, specialisation
from .worldclass import DIMENSION_NAMES, INDICATORS, Benchmark, WorldClass, worldclass

if TYPE_CHECKING:
    from ..model import Cluster

#: Column headers of :meth:`Profile.summary_table` by language.
SUMMARY_COLUMNS = {"en": ("section", "figure", "value", "note"), "zh": ("类别", "指标", "数值", "说明")}


@dataclass(frozen=True, eq=False, repr=False)
class Profile(Result):
    """Specialisation, concentration, life cycle and world-class gaps of one cluster.

    Attributes
    ----------
    cluster_id, cluster_name, cluster_name_zh : the cluster
    year : the cluster's snapshot year
    specialisation, concentration, lifecycle, worldclass : the four results
    """

    cluster_id: str
    cluster_name: str
    cluster_name_zh: str | None
    year: int | None
    specialisation: Specialisation
    concentration: Concentration
    lifecycle: Lifecycle
    worldclass: WorldClass

    @property
    def figures(self) -> dict[str, float | None]:
        """Headline numbers: specialisation and concentration figures, the life-cycle confidence and
        the world-class overall score."""
        return {**self.specialisation.figures, **self.concentration.figures,
                "lifecycle_confidence": self.lifecycle.confidence, "worldclass_overall": self.worldclass.overall}

    def tables(self) -> dict[str, pd.DataFrame]:
        """``profile`` (:meth:`table`), ``summary`` (:meth:`summary_table`) and each part's tables."""
        return {"profile": self.table(), "summary": self.summary_table(),
                **{f"specialisation_{k}": v for k, v in self.specialisation.tables().items()},
                **{f"concentration_{k}": v for k, v in self.concentration.tables().items()},
                **{f"lifecycle_{k}": v for k, v in self.lifecycle.tables().items()},
                **{f"worldclass_{k}": v for k, v in self.worldclass.tables().items()}}

    def _brief(self) -> str:
        o = self.worldclass.overall
        return (f"stage {self.lifecycle.stage}, world-class {'n/a' if o is None else f'{o:.0f}/100'}, "
                f"HHI {'n/a' if self.concentration.hhi is None else f'{self.concentration.hhi:.3f}'}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with one entry per part (each part's own ``to_dict``)."""
        return {"cluster": self.cluster_id, "name": self.cluster_name, "name_zh": self.cluster_name_zh,
                "year": self.year, "specialisation": self.specialisation.to_dict(),
                "concentration": self.concentration.to_dict(), "lifecycle": self.lifecycle.to_dict(),
                "worldclass": self.worldclass.to_dict()}

    def table(self) -> pd.DataFrame:
        """Every figure as one long table: ``section, indicator, value, score, basis`` (for CSV)."""
        rows: list[dict[str, Any]] = [
            {"section": "specialisation", "indicator": r.indicator, "value": r.value, "score": None,
             "basis": r.basis or r.note} for r in self.specialisation.table.itertuples()]
        c = self.concentration
        for k, v in c.figures.items():
            basis = c.small_firm_basis if k == "small_firm_share" else f"{c.basis} of {c.n_known} local firms"
            rows.append({"section": "concentration", "indicator": k, "value": v, "score": None,
                         "basis": basis if v is not None else "; ".join(c.notes)})
        lc = self.lifecycle
        rows.append({"section": "lifecycle", "indicator": "stage", "value": lc.stage, "score": lc.confidence,
                     "basis": "; ".join(lc.reasons) or "; ".join(lc.notes)})
        rows += [{"section": "lifecycle", "indicator": f"score.{s}", "value": v, "score": None,
                  "basis": f"{lc.evaluable[s]:.0%} of its condition weight checked"} for s, v in lc.scores.items()]
        rows += [{"section": "lifecycle", "indicator": k, "value": v if not isinstance(v, list) else ";".join(v),
                  "score": None, "basis": ""} for k, v in lc.indicators.items()]
        w = self.worldclass
        rows += [{"section": "worldclass", "indicator": f"dimension.{r.dimension}", "value": None,
                  "score": r.score, "basis": f"{r.available} of {r.total} indicators"}
                 for r in w.dimensions.itertuples()]
        rows.append({"section": "worldclass", "indicator": "overall", "value": None, "score": w.overall,
                     "basis": f"benchmark {w.benchmark.id}"})
        rows += [{"section": "worldclass", "indicator": r.indicator, "value": r.value, "score": r.score,
                  "basis": r.basis} for r in w.indicators.itertuples()]
        return pd.DataFrame(rows, columns=["section", "indicator", "value", "score", "basis"])

    def summary_table(self, lang: str = "en") -> pd.DataFrame:
        """The headline figures in ``lang`` (``"en"`` or ``"zh"``): one row per figure, with a note
        saying where a figure came from or which data would give it.

        Columns are ``section, figure, value, note`` (``类别, 指标, 数值, 说明`` in Chinese).

        >>> import chainnet
        >>> t = profile(chainnet.load_dataset("demo_copper")).summary_table("zh")
        >>> list(t.columns), t.iloc[0, 0]
        (['类别', '指标', '数值', '说明'], '专业化')
        """
        if lang not in SUMMARY_COLUMNS:
            raise ChainnetError(f"lang={lang!r} is not supported; use 'en' or 'zh'")
        w = words("profile_summary", lang)
        zh = lang == "zh"
        rows: list[tuple[str, str, str, str]] = []
        sp = self.specialisation.table.set_index("indicator")
        for k in ("micro", "micro_employment", "macro_national", "macro_world", "lq_output", "lq_employment"):
            v = self.specialisation.figures.get(k)
            txt = w["none"] if v is None else (f"{v:.2f}" if k.startswith("lq") else _pct(v))
            note = sp.at[k, "basis"] if v is not None else sp.at[k, "note"]
            rows.append((w["specialisation"], w[k], txt, _short(note)))
        rows += [(w["specialisation"], f"{w['shares']}: {s['product'].replace('_', ' ')}", _pct(s["share"]),
                  f"{w['reported']} ({s['source']})" if s.get("source") else w["reported"])
                 for s in self.specialisation.reported_shares]
        c = self.concentration
        basis = (t(f"basis_{c.basis}", "zh") if c.basis else "") if zh else (c.basis or "output")
        hhi = w["none"] if c.hhi is None else f"{c.hhi:.3f} ({c.hhi_10000:,.0f})"
        note = "; ".join((c.notes_zh if zh else c.notes)[:1])
        rows += [(w["concentration"], w["hhi"].format(basis=basis), hhi, note),
                 (w["concentration"], w["top1"], _pct(c.top1), ""),
                 (w["concentration"], w["cr4"], _pct(c.cr4), ""),
                 (w["concentration"], w["small"], _pct(c.small_firm_share), c.small_firm_basis or "")]
        lc = self.lifecycle
        stage = STAGE_ZH[lc.stage] if zh else lc.stage
        years = f"{lc.years[0]}–{lc.years[-1]}" if len(lc.years) > 1 else (str(lc.years[0]) if lc.years else "")
        rows.append((w["lifecycle"], w["stage"], f"{stage} ({w['conf'].format(c=lc.confidence)})",
                     years + ("; " + lc.notes[0] if lc.notes and not zh else "")))
        if lc.reasons:
            rows.append((w["lifecycle"], w["because"], "；".join(lc.reasons_zh) if zh else "; ".join(lc.reasons), ""))
        wc = self.worldclass
        for r in wc.dimensions.itertuples():
            name = DIMENSION_NAMES[r.dimension][1 if zh else 0]
            val = w["none"] if r.score is None or r.score != r.score else f"{r.score:.0f}/100"
            rows.append((w["worldclass"], name, val, w["of"].format(a=r.available, b=r.total)))
        rows.append((w["worldclass"], w["overall"], w["none"] if wc.overall is None else f"{wc.overall:.0f}/100", ""))
        b = wc.benchmark
        rows.append((w["worldclass"], w["benchmark"], (b.name_zh or b.name) if zh else b.name,
                     (b.note_zh or b.note) if zh else b.note))
        if zh:
            rows = [(a, b, v, n if r[1] == w["benchmark"] else _zh_note(n)) for r in rows for a, b, v, n in [r]]
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS[lang]))


def profile(cluster: Cluster, benchmark: str | Path | dict[str, Any] | Benchmark | None = None, *,
            years: list[int] | None = None, rules: LifecycleRules | None = None) -> Profile:
    """Profile a cluster: specialisation, concentration, life-cycle stage and world-class gap scores.

    Parameters
    ----------
    cluster : the cluster
    benchmark : benchmark profile for the world-class scores: a TOML path, a mapping, a
        :class:`~chainnet.analysis.worldclass.Benchmark`, or None for the bundled illustrative default
    years : years compared by the life-cycle classifier (default: the last ``rules.window`` years)
    rules : life-cycle thresholds (default :class:`~chainnet.analysis.lifecycle.LifecycleRules`)

    Returns
    -------
    Profile

    Examples
    --------
    >>> import chainnet
    >>> p = profile(chainnet.load_dataset("demo_copper"))
    >>> round(p.concentration.hhi, 3), p.specialisation.figures["micro"] is None
    (0.371, True)
    """
    spec = specialisation(cluster)
    conc = concentration(cluster)
    return Profile(cluster_id=cluster.meta.get("id", ""), cluster_name=cluster.meta.get("name", ""),
                   cluster_name_zh=cluster.meta.get("name_zh"),
                   year=cluster.meta.get("year") if isinstance(cluster.meta.get("year"), int) else None,
                   specialisation=spec, concentration=conc, lifecycle=lifecycle(cluster, years, rules=rules),
                   worldclass=worldclass(cluster, benchmark, spec=spec, conc=conc))


_ZH_PATTERNS = (
    (r"(\d+) of (\d+) local firms have no (\w+) and are left out of the shares", r"本地企业\2家中\1家缺少\3数据，未计入份额"),
    (r"a lower bound: (\d+) of (\d+) local firms have no (\w+)", r"为下限：本地企业\2家中\1家缺少\3数据"),
    (r"firms\.(\w+) \(sum over (\d+) local firms\)", r"\2家本地企业\1之和"),
    (r"output < ([\d.]+) 亿元 \((\d+) local firms with output\)", r"产值低于\1亿元（\2家有产值数据的本地企业）"),
    (r"above_scale column \((\d+) local firms\)", r"above_scale列（\1家本地企业）"),
    (r"reported as (over|nearly|about) ", r"报道为\1 "),
    (r"\bsource ", "来源 "), (r"\badd ", "请补充"), (r" to cluster\.toml", "（cluster.toml）"),
    (r" to firms\.csv", "（firms.csv）"), (r" ?\(persons\)", "（人）"), (r" ?\(亿元\)", "（亿元）"),
    (r" \(or a \[facts\.national_share\] share\)", "（或[facts.national_share]占比）"), (r"; ", "；"), (r" and ", "和"),
    (r" or ", " 或 "), (r", ", "、"), (r"\bover\b", "超过"), (r"\bnearly\b", "近"), (r"\babout\b", "约"),
)


def _zh_note(text: str) -> str:
    """chainnet's own English notes with their recurring phrases in Chinese (field names stay as they are).

    >>> _zh_note("add [economy] regional_employment (persons) to cluster.toml")
    '请补充[economy] regional_employment（人）（cluster.toml）'
    """
    import re

    for pat, rep in _ZH_PATTERNS:
        text = re.sub(pat, rep, text)
    return text


def _pct(x: float | None) -> str:
    return "—" if x is None or x != x else f"{x * 100:.1f}%"


def _short(text: Any, k: int = 160) -> str:
    s = "" if text is None or text != text else str(text)
    return s if len(s) <= k else s[:k - 1] + "…"


__all__ = ["INDICATORS", "Profile", "profile"]
