"""The human-readable side of a batch: ``summary.xlsx`` (the tables, formatted) and ``summary.md``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

#: Figures summarised in summary.md when present (the headline of each analysis).
HEADLINE = ("index", "segment_coverage", "link_coverage", "path_completeness", "local_sourcing",
            "leader_dominance", "sme_attachment", "leader_reach", "degree_centralization", "leader_dependence",
            "density", "modularity", "transitivity", "hhi", "cr4", "worldclass_overall", "trophic_incoherence",
            "along_share", "robustness_role", "robustness_random", "single_points")
_SHEETS = {"en": {"clusters": "clusters", "segments": "segments", "gaps": "gaps", "errors": "errors"},
           "zh": {"clusters": "集群", "segments": "环节", "gaps": "缺口", "errors": "失败"}}
_WORDS = {
    "en": {"title": "Batch summary", "clusters": "clusters", "ok": "analysed", "failed": "failed",
           "dist": "Distribution of each headline figure", "head": ("figure", "n", "min", "p25", "median", "p75",
                                                                    "max", "mean"),
           "most": "Most complete clusters (completeness index)", "least": "Least complete clusters",
           "rank": ("#", "cluster", "name", "index"), "errors": "Failed clusters (see errors.csv)",
           "err_head": ("path", "error")},
    "zh": {"title": "批量分析摘要", "clusters": "个集群", "ok": "完成", "failed": "失败",
           "dist": "各项主要指标的分布", "head": ("指标", "数量", "最小值", "下四分位", "中位数", "上四分位", "最大值",
                                               "均值"),
           "most": "完整度最高的集群（完整度指数）", "least": "完整度最低的集群", "rank": ("序号", "集群", "名称", "指数"),
           "errors": "失败的集群（详见 errors.csv）", "err_head": ("路径", "错误")},
}
_TOP = 5


def summary_markdown(tables: dict[str, pd.DataFrame], *, lang: str, analyses: tuple[str, ...]) -> str:
    """A short Markdown summary: counts, the distribution of each headline figure, the most and least
    complete clusters and the failures (first line of each error)."""
    w = _WORDS[lang]
    c, e = tables["clusters"], tables["errors"]
    total = len(c) + len(e)
    lines = [f"# {w['title']}", "",
             f"{total} {w['clusters']}: {len(c)} {w['ok']}, {len(e)} {w['failed']}. "
             f"analyses: {', '.join(analyses)}.", ""]
    rows = []
    for k in HEADLINE:
        if k in c.columns:
            x = pd.to_numeric(c[k], errors="coerce").dropna().astype(float)
            if len(x):
                q = x.quantile([0.25, 0.5, 0.75]).tolist()
                rows.append((k, str(len(x)), *(_fmt(v) for v in (x.min(), q[0], q[1], q[2], x.max(), x.mean()))))
    if rows:
        lines += [f"## {w['dist']}", "", *_md_table(w["head"], rows), ""]
    if "index" in c.columns:
        ranked = c.assign(rank_value=pd.to_numeric(c["index"], errors="coerce")).dropna(subset=["rank_value"])
        ranked = ranked.sort_values(["rank_value", "cluster", "path"], ascending=[False, True, True], kind="stable")
        for title, part in ((w["most"], ranked.head(_TOP)), (w["least"], ranked.iloc[::-1].head(_TOP))):
            if len(part):
                body = [(str(i), str(r.cluster), _cell(r.name), _fmt(r.rank_value)) for i, r in
                        enumerate(part.itertuples(index=False), 1)]
                lines += [f"## {title}", "", *_md_table(w["rank"], body), ""]
    if len(e):
        body = [(_cell(r.path), _cell(str(r.error).splitlines()[0])) for r in e.itertuples(index=False)]
        lines += [f"## {w['errors']}", "", *_md_table(w["err_head"], body), ""]
    return "\n".join(lines)


def _fmt(v: float) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


def _cell(v: Any) -> str:
    s = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
    return s.replace("|", "\\|").replace("\n", " ")


def _md_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|",
            *("| " + " | ".join(r) + " |" for r in rows)]


def write_xlsx(path: Path, tables: dict[str, pd.DataFrame], *, lang: str) -> None:
    """The four tables as sheets: frozen header row, autofilter, widths fitted to the content, and
    every text cell stored as text (a name starting with ``=`` never becomes a formula)."""
    from ._xlsx import write_workbook

    sheets = {sheet: tables[key].drop(columns=["signature"], errors="ignore")  # JSON for machines, not a sheet
              for key, sheet in _SHEETS[lang].items()}
    write_workbook(sheets, path, freeze_header=True, fit_widths=True, autofilter=True, fixed_timestamps=True)
