"""``report.xlsx`` read back with openpyxl: the facts a reader relies on, checked cell by cell.

Expected numbers are counted here from the cluster's own tables (local firms, covered segments,
leaders), never taken from the analysis that wrote the workbook.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

import chainnet
from chainnet import _xlsx
from chainnet._messages import t
from chainnet.generate import generate
from chainnet.report.compute import compute
from chainnet.report.render_xlsx import write_workbook

CJK = re.compile(r"[\u4e00-\u9fff]")
ROLES = ("leader", "backbone", "sme", "institution", "service")


def _local(cluster: chainnet.Cluster) -> pd.DataFrame:
    """Local firms by METRICS.md: not external, role leader, backbone or SME (counted here, independently)."""
    f = cluster.firms
    return f[~f["external"].astype(bool) & f["role"].isin(["leader", "backbone", "sme"])]


@pytest.fixture(scope="module")
def tongling() -> chainnet.Cluster:
    return chainnet.load_dataset("tongling_copper")


@pytest.fixture(scope="module", params=["en", "zh"])
def book(request: pytest.FixtureRequest, tongling: chainnet.Cluster,
         tmp_path_factory: pytest.TempPathFactory) -> tuple[str, openpyxl.Workbook]:
    lang = request.param
    path = tmp_path_factory.mktemp(f"xlsx-{lang}") / "report.xlsx"
    write_workbook(compute(tongling, lang=lang, null_models=2), path)
    return lang, openpyxl.load_workbook(path)


def _table_rows(ws) -> int:
    """Data rows of the sheet's first table: the rows below the header up to the first empty row."""
    n = 0
    for row in ws.iter_rows(min_row=2, values_only=True):
        if all(v is None for v in row):
            break
        n += 1
    return n


def _headers(ws) -> list[str]:
    return [c.value for c in ws[1] if c.value is not None]


def _summary_rows(ws) -> dict[str, openpyxl.cell.Cell]:
    return {ws.cell(row=i, column=1).value: ws.cell(row=i, column=2) for i in range(2, _table_rows(ws) + 2)}


def test_every_sheet_has_its_header_frozen_and_a_filter_over_the_table(book) -> None:
    _, wb = book
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        width = len(_headers(ws))
        assert ws.auto_filter.ref == f"A1:{get_column_letter(width)}{_table_rows(ws) + 1}", ws.title


def test_summary_shares_are_numbers_in_percent_format_equal_to_counts_made_here(book, tongling) -> None:
    lang, wb = book
    rows = _summary_rows(wb.worksheets[0])
    local = _local(tongling)
    segs = tongling.firm_segments[tongling.firm_segments["firm_id"].isin(local["firm_id"])]["segment"]
    weights = tongling.templates[0].segments.set_index("id")["weight"]
    coverage = weights[weights.index.isin(set(segs))].sum() / weights.sum()
    cell = rows[t("segment_coverage", lang)]
    assert isinstance(cell.value, float) and "%" in cell.number_format
    assert cell.value == pytest.approx(coverage, abs=1e-12)
    assert coverage == pytest.approx(41 / 42)  # hvac (weight 1 of 42) is the one segment no local firm makes
    firms = rows[t("local_firms", lang)]
    assert firms.value == len(local) == 226 and "%" not in firms.number_format
    assert rows[t("all_firms", lang)].value == len(tongling.firms)
    assert rows[t("xl.leader_count", lang)].value == int((local["role"] == "leader").sum())
    for key in ("link_coverage", "path_completeness", "index", "leader_dominance", "degree_centralization"):
        c = rows[t(key, lang)]
        assert isinstance(c.value, (int, float)) and 0 <= c.value <= 1 and c.number_format == "0.0%", key


def test_summary_lists_every_other_sheet_with_a_link_and_a_description(book) -> None:
    lang, wb = book
    ws = wb.worksheets[0]
    start = next(i for i in range(1, ws.max_row + 1) if ws.cell(row=i, column=1).value == t("xl.sheet", lang))
    listed = {}
    for i in range(start + 1, ws.max_row + 1):
        name = ws.cell(row=i, column=1)
        if name.value is None:
            break
        assert name.hyperlink is not None and name.hyperlink.location == f"'{name.value}'!A1"
        listed[name.value] = ws.cell(row=i, column=2).value
    assert list(listed) == wb.sheetnames[1:]
    assert all(isinstance(d, str) and len(d) > 4 for d in listed.values())


def test_sheet_names_and_headers_are_in_the_reports_language(book) -> None:
    lang, wb = book
    if lang == "zh":
        assert wb.sheetnames[:3] == ["摘要", "链条完整度", "上下游衔接"] and "龙头企业" in wb.sheetnames
        for ws in wb.worksheets:
            assert CJK.search(ws.title), ws.title
            assert [h for h in _headers(ws) if not CJK.search(h) and h not in ("PageRank", "#")] == [], ws.title
    else:
        assert wb.sheetnames[:3] == ["Summary", "Chain completeness", "Flows"] and "Leaders" in wb.sheetnames
        assert not any(CJK.search(h) for ws in wb.worksheets for h in _headers(ws))


def test_no_header_or_label_is_a_flattened_key(book) -> None:
    _, wb = book
    for ws in wb.worksheets:  # two columns under one header would be one column lost
        assert len(set(_headers(ws))) == len(_headers(ws)) == ws.max_column or ws.title in ("Summary", "摘要"), ws.title
    texts = [h for ws in wb.worksheets for h in _headers(ws)]
    texts += [c.value for c in wb.worksheets[0]["A"] if isinstance(c.value, str)]
    texts += [c.value for c in wb[t("xl.structure", book[0])]["A"]
              if isinstance(c.value, str)]
    flat = [s for s in texts if re.search(r"\.\d+\.|^[a-z_]+\.[a-z_]+|[a-z]+_[a-z_]+", s)]
    assert flat == []


def test_role_words_are_the_catalogues_on_every_sheet(book) -> None:
    lang, wb = book
    words = {t(r, lang) for r in ROLES}
    seen: set[str] = set()
    for ws in wb.worksheets:
        heads = _headers(ws)
        for key in ("role", "inferred_role"):
            if t(key, lang) in heads:
                j = heads.index(t(key, lang)) + 1
                seen |= {ws.cell(row=i, column=j).value for i in range(2, _table_rows(ws) + 2)} - {None}
    assert seen and seen <= words
    assert t("sme", lang) in seen and "sme" not in seen


def test_leaders_sheet_lists_the_leaders_and_firm_centrality_every_local_firm(book, tongling) -> None:
    lang, wb = book
    local = _local(tongling)
    ws = wb[t("xl.leaders", lang)]
    j = _headers(ws).index(t("firm_id", lang)) + 1
    ids = {ws.cell(row=i, column=j).value for i in range(2, _table_rows(ws) + 2)}
    assert ids == set(local.loc[local["role"] == "leader", "firm_id"])
    share = ws.cell(row=2, column=_headers(ws).index(t("weight_share", lang)) + 1)
    assert isinstance(share.value, float) and "%" in share.number_format
    assert _table_rows(wb[t("xl.firm_centrality", lang)]) == len(local)


def test_structure_is_tables_with_real_columns(book, tongling) -> None:
    lang, wb = book
    bow = wb[t("xl.bowtie", lang)]
    assert _headers(bow) == [t("xl.part", lang), t("firms", lang), t("xl.share", lang)]
    n = _table_rows(bow)
    sizes = [bow.cell(row=i, column=2).value for i in range(2, n + 2)]
    shares = [bow.cell(row=i, column=3) for i in range(2, n + 2)]
    # the parts split the local firms of the supply network: sizes add up and each share is size / total
    assert sum(sizes) == len(_local(tongling))
    for size, cell in zip(sizes, shares, strict=True):
        assert cell.value == pytest.approx(size / sum(sizes)) and cell.number_format == "0.0%"
    com = wb[t("xl.communities", lang)]
    assert t("xl.main_segment", lang) in _headers(com) and _table_rows(com) >= 2
    assert len(_headers(com)) == 10  # community, firms, share, 3 role counts, main segment, links inside, 2 lists
    st = wb[t("xl.structure", lang)]
    assert _headers(st) == [t(k, lang) for k in ("figure", "value", "null_mean", "z")]
    z = [st.cell(row=i, column=4).value for i in range(2, _table_rows(st) + 2)]
    assert any(isinstance(v, float) for v in z)


def test_per_firm_sheets_are_capped_with_a_note(tmp_path: Path) -> None:
    cluster = generate("copper", firms=150, seed=3).cluster
    n_local = len(_local(cluster))
    assert n_local > 40
    path = tmp_path / "report.xlsx"
    write_workbook(compute(cluster, lang="en", null_models=0), path, cap=40)
    wb = openpyxl.load_workbook(path)
    ws = wb["Firm centrality"]
    assert _table_rows(ws) == 40 and ws.auto_filter.ref.endswith("41")
    pr = [ws.cell(row=i, column=_headers(ws).index("PageRank") + 1).value for i in range(2, 42)]
    assert pr == sorted(pr, reverse=True)  # the top 40 by the sheet's main measure
    note = ws.cell(row=43, column=1).value
    assert f"first 40 of {n_local:,} rows" in note and "firms.parquet" in note
    listed = {c.value: ws2.value for c, ws2 in zip(wb["Summary"]["A"], wb["Summary"]["B"], strict=True)}
    assert f"(first 40 of {n_local:,})" in listed["Firm centrality"]
    assert _table_rows(wb["Flows"]) <= 40


def test_a_cjk_column_is_about_twice_as_wide_as_a_latin_one_of_the_same_length(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    _xlsx.write_workbook({"s": pd.DataFrame({"zh": ["铜陵有色金属集团股份"], "en": ["Tongling N"]})}, path,
                         fit_widths=True)
    ws = openpyxl.load_workbook(path)["s"]
    zh, en = ws.column_dimensions["A"].width, ws.column_dimensions["B"].width
    assert (zh - 2) == 2 * (en - 2) == 20  # 10 wide characters, 10 narrow ones, plus a margin of 2 each


def test_a_streamed_sheet_states_its_size(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    sheet = _xlsx.Sheet(pd.DataFrame({"a": range(5), "b": ["x"] * 5}), notes=["n"],
                        contents=pd.DataFrame({"c": [1, 2], "d": [3, 4], "e": [5, 6]}))
    _xlsx.write_workbook({"s": sheet}, path)
    ws = openpyxl.load_workbook(path, read_only=True)["s"]
    assert (ws.max_row, ws.max_column) == (1 + 5 + 1 + 1 + 1 + 1 + 2, 3)  # header, rows, gap, note, gap, header, rows
    assert [r[0] for r in ws.iter_rows(values_only=True)][-3:] == ["c", 1, 2]


def test_numbers_keep_full_precision_and_text_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    x = 0.1 + 0.2
    _xlsx.write_workbook({"s": _xlsx.Sheet(pd.DataFrame({"v": [x], "f": ["=1+1"]}), formats={"v": "0.0%"})}, path)
    ws = openpyxl.load_workbook(path)["s"]
    assert ws["A2"].value == x and ws["A2"].number_format == "0.0%"
    assert ws["B2"].value == "=1+1" and ws["B2"].data_type == "s"


def test_a_segment_is_named_the_same_way_on_every_sheet(book, tongling) -> None:
    lang, wb = book
    seg = tongling.templates[0].segments
    names = set(seg["name_zh"].where(seg["name_zh"].notna(), seg["name"]) if lang == "zh" else seg["name"])
    checked = 0
    for sheet, cols in (("xl.flows", ("from", "to")), ("xl.firms_by_segment", ("segment",)),
                        ("xl.candidates", ("segment",)), ("xl.communities", ("xl.main_segment",))):
        ws = wb[t(sheet, lang)]
        heads = _headers(ws)
        for col in cols:
            j = heads.index(t(col, lang)) + 1
            values = {ws.cell(row=i, column=j).value for i in range(2, _table_rows(ws) + 2)}
            assert values <= names, (sheet, col, values - names)
            checked += len(values)
    assert checked > 20


def test_a_firm_list_summary_says_not_measured_and_keeps_counts_whole(tmp_path: Path) -> None:
    cluster = chainnet.load_dataset("jilin_carbon_fibre")  # links unknown
    path = tmp_path / "report.xlsx"
    write_workbook(compute(cluster, lang="zh", null_models=0), path)
    rows = _summary_rows(openpyxl.load_workbook(path)["摘要"])
    assert rows[t("local_firms", "zh")].value == len(_local(cluster))
    assert isinstance(rows[t("local_firms", "zh")].value, int)
    assert rows[t("link_coverage", "zh")].value == "未测算"
    assert rows[t("leader_dominance", "zh")].value == "未测算"
    assert "%" in rows[t("segment_coverage", "zh")].number_format


def test_every_sheet_prints_one_page_wide(book) -> None:
    # printed or turned into a PDF, a sheet fits the page width (a wide one in landscape) and
    # repeats its header; before, LibreOffice printed the Tongling workbook on 118 pages, a column each
    from chainnet._xlsx import PORTRAIT_WIDTH

    _lang, wb = book
    for ws in wb.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        total = sum(d.width for d in ws.column_dimensions.values() if d.width)
        assert ws.page_setup.orientation == ("landscape" if total > PORTRAIT_WIDTH else "portrait"), ws.title
