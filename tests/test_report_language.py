"""The Chinese report speaks Chinese; the English report shows no internal column names.

The allow-list of Latin-letter words in a Chinese rendering is derived from the cluster's own data
(ids, proper names, citations: they stay as written) plus a short list of units, formula symbols
and file names. Any other English word is a leak of an untranslated header, value or sentence.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

import chainnet
from chainnet._messages import MESSAGES, TERMS, msg, t
from chainnet._validate import KINDS
from chainnet.analysis.specialisation import ECONOMY_FIELDS
from chainnet.cli import main

#: Units, formula symbols, method names and abbreviations a Chinese text may show as they are.
SYMBOLS = {"chainnet", "PageRank", "CNY", "HHI", "CR4", "LQ", "LU", "GMRES", "Leiden", "Louvain", "igraph", "z", "k",
           "AUC", "SME", "SMEs", "toml", "xlsx", "csv", "json", "md", "html", "png", "svg", "economy", "facts",
           "national_share", "founded", "exited", "year", "until", "above_scale", "output", "employees",
           "F0", "Spearman", "max", "R", "Schneider", "global_rank", "Freeman", "Borgatti", "Everett", "Traag",
           "Blondel", "et", "al", "x", "null", "MB"}
#: Column names, values and settings of the data format (SCHEMA.md) a message may quote.
SCHEMA_WORDS = {"external", "kind", "true", "false", "links", "unknown", "global_rank", "export_share", *KINDS,
                *ECONOMY_FIELDS}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _words(text: str) -> set[str]:
    return set(WORD.findall(text))


def allowed_words(cluster: chainnet.Cluster) -> set[str]:
    """Words a Chinese rendering of ``cluster`` may contain: taken from the data, never from output."""
    f = cluster.firms
    ok = set(SYMBOLS) | set(ECONOMY_FIELDS) | set(f.columns) | set(cluster.links.columns)
    ok |= _words(" ".join(f["firm_id"])) | {cluster.id} | {tp.id for tp in cluster.templates}
    for tp in cluster.templates:
        ok |= set(tp.segment_ids) | _words(" ".join(str(z) for z in tp.segments["name_zh"].dropna()))
    # Chinese names may hold Latin letters (LED, PCB); firms without a Chinese name keep their own
    ok |= _words(" ".join(f["name_zh"].dropna().astype(str)))
    ok |= _words(" ".join(f.loc[f["name_zh"].isna(), "name"].astype(str)))
    # citations, fact labels and the cluster's own metadata are quoted as written
    ok |= _words(json.dumps(cluster.meta, ensure_ascii=False, default=str))
    return ok


def english_leaks(text: str, allowed: set[str]) -> list[str]:
    """Latin-letter words of ``text`` that are not allowed (file names and figure paths removed)."""
    text = html.unescape(text)  # Markdown carries '->' of a flow id as '-&gt;'
    # file names, figure paths, the version, and an identifier cut short by a table cell (…)
    text = re.sub(r"\(figures/[a-z_]+\.png\)|(?:[\w.-]+/)*[\w.-]+\.(?:xlsx|toml|csv|png|svg|html|md|json|parquet)\b|`[^`]*`|\w+…|--[a-z-]+", " ", text)
    text = text.replace(chainnet.__version__, " ")
    return sorted(w for w in _words(text) if w not in allowed)


class _Text(HTMLParser):
    """The text a reader sees on a page (no CSS, no attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip = tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _xlsx_text(path: Path) -> tuple[str, list[str]]:
    """All cell text of a workbook, and its header cells."""
    wb = openpyxl.load_workbook(path, read_only=True)
    cells, headers = [], []
    for ws in wb.worksheets:
        for i, row in enumerate(ws.iter_rows(values_only=True)):
            vals = [v for v in row if isinstance(v, str)]  # numbers are not words (1e-05)
            cells += vals
            headers += vals if i == 0 else []
    wb.close()
    return "\n".join(cells), headers


def _report(tmp_path: Path, dataset: str, lang: str) -> Path:
    out = tmp_path / f"{dataset}-{lang}"
    r = CliRunner().invoke(main, ["analyze", dataset, "-o", str(out), "--lang", lang, "--null-models", "2",
                                  "--candidates", "demo_copper", "--dpi", "30"])
    assert r.exit_code == 0, r.output
    return out


# one cluster with ties, candidates and a timeline; one firm list whose links are unknown
@pytest.mark.parametrize("dataset", ["tongling_copper", "jilin_carbon_fibre"])
def test_chinese_report_has_no_english_words(tmp_path: Path, dataset: str) -> None:
    out = _report(tmp_path, dataset, "zh")
    allowed = allowed_words(chainnet.load_dataset(dataset))
    page = _Text()
    page.feed((out / "report.html").read_text("utf-8"))
    texts = {"report.md": (out / "report.md").read_text("utf-8"), "report.html": "\n".join(page.parts),
             "report.xlsx": _xlsx_text(out / "report.xlsx")[0]}
    for name, text in texts.items():
        assert english_leaks(text, allowed) == [], name
    assert t("leader", "zh") in texts["report.md"] or dataset == "jilin_carbon_fibre"


def test_chinese_progress_messages(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["analyze", "demo_copper", "-o", str(tmp_path / "r"), "--lang", "zh",
                                  "--null-models", "0", "--format", "md", "--dpi", "30"])
    assert r.exit_code == 0, r.output
    lines = [x for x in r.stderr.splitlines() if x.startswith("chainnet:")]
    assert len(lines) >= 8
    allowed = allowed_words(chainnet.load_dataset("demo_copper")) | {"open"}
    assert english_leaks("\n".join(x.removeprefix("chainnet:") for x in lines), allowed - {"open"}) == []


#: Column names of the analyses' tables that must never reach a reader as headers.
INTERNAL = {"template", "cluster", "name_zh", "why_zh", "note_zh", "reason_zh", "lwcc", "core_share", "null_sd",
            "null_mean", "firm_id", "out_degree", "in_degree", "inferred_role", "weight_share", "auc_lo", "auc_hi",
            "index_drop", "trophic_level", "segments_reached", "local_firms"}


def _md_headers(md: str) -> list[str]:
    """Header cells of every Markdown table (the row above each ``|---|`` line)."""
    lines = md.splitlines()
    return [c.strip().replace("\\_", "_") for i, x in enumerate(lines[1:], 1) if x.startswith("|---")
            for c in lines[i - 1].strip("|").split("|")]


def test_english_report_shows_readable_headers(tmp_path: Path) -> None:
    out = _report(tmp_path, "tongling_copper", "en")
    md = (out / "report.md").read_text("utf-8")
    _, xlsx_headers = _xlsx_text(out / "report.xlsx")
    headers = _md_headers(md) + xlsx_headers
    assert len(headers) > 50
    assert [h for h in headers if h in INTERNAL or re.fullmatch(r"[a-z]+_[a-z_]+", h)] == []
    for key in ("lwcc", "core_share", "null_sd", "why_zh"):
        assert key not in md.replace("\\_", "_")


def test_catalogue_has_both_languages_and_one_leader_term() -> None:
    for table in (TERMS, MESSAGES):
        for key, (en, zh) in table.items():
            assert en and zh, key
    # the Chinese side of every message speaks Chinese (no English word outside its parameters)
    for code, (_, zh) in MESSAGES.items():
        bare = re.sub(r"\{[^}]*\}", "", zh)
        assert english_leaks(bare, SYMBOLS | SCHEMA_WORDS) == [], code
    leader = t("leader", "zh")
    assert leader == "龙头/链主"
    assert msg("role.weak_leader_none", "zh").count(leader) == 1


def _figure_texts(fig: Any) -> list[str]:
    texts = [x.get_text() for x in fig.texts]
    for ax in fig.axes:
        texts += [x.get_text() for x in ax.texts] + [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [x.get_text() for x in ax.get_xticklabels() + ax.get_yticklabels()]
        if ax.get_legend() is not None:
            texts += [x.get_text() for x in ax.get_legend().get_texts()] + [ax.get_legend().get_title().get_text()]
    return texts


@pytest.mark.parametrize("dataset", ["tongling_copper", "jilin_carbon_fibre", "yantai_structural"])
def test_chinese_chain_map_has_no_english_words(dataset: str) -> None:
    import matplotlib.pyplot as plt

    from chainnet.analysis.completeness import audit
    from chainnet.viz import chain_map

    c = chainnet.load_dataset(dataset)
    fig, _ = chain_map(c, lang="zh", audit=audit(c))
    texts = _figure_texts(fig)
    plt.close(fig)
    assert sum(len(x) for x in texts) > 100  # the map is labelled
    assert english_leaks("\n".join(texts), allowed_words(c)) == []
    assert t("upstream", "zh") in texts  # the stage bands are labelled in Chinese


ZH_COMMANDS = ("audit", "leaders", "structure", "position", "resilience", "profile", "timeline")


@pytest.mark.parametrize("dataset", ["tongling_copper", "jilin_carbon_fibre"])
def test_chinese_command_outputs_have_no_english_words(dataset: str) -> None:
    allowed = allowed_words(chainnet.load_dataset(dataset))
    for cmd in ZH_COMMANDS:
        r = CliRunner().invoke(main, [cmd, dataset, "--lang", "zh"])
        assert r.exit_code == 0, (cmd, r.output)
        assert len(r.output) > 100, cmd
        assert english_leaks(r.output, allowed) == [], cmd


@pytest.mark.parametrize("dataset", ["shenzhen_battery", "jilin_carbon_fibre"])
def test_chinese_profile_summary_has_no_english_words(dataset: str) -> None:
    """Counts above 999 print with separators (1,210): notes must come from the catalogue, not be
    translated by matching the English text."""
    from chainnet.analysis.profile import profile

    c = chainnet.load_dataset(dataset)
    table = profile(c).summary_table("zh")
    text = "\n".join(str(v) for v in table.to_numpy().ravel())
    assert english_leaks(text, allowed_words(c)) == []
