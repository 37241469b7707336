"""End to end: `chainnet analyze` on every bundled dataset in both languages."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import chainnet
from chainnet._messages import t
from chainnet.cli import main
from chainnet.report import FIGURE_KINDS

LINK_FIGURE_KINDS = ("leaders", "network", "bowtie", "degree")
#: report.xlsx's sheets (catalogue keys xl.<key>, named in the report's language); survey only when links
#: are unknown, communities and bow-tie only when they are known
SHEETS = ["summary", "segments", "flows", "gaps", "survey", "candidates", "leaders", "firm_centrality",
          "firms_by_segment", "structure", "communities", "bowtie", "profile", "position", "resilience",
          "single_points"]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[dict[str, str]] = []
        self.tags: list[str] = []
        self.external: list[str] = []
        self.iframes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if tag == "img":
            self.imgs.append(a)
        if tag == "iframe":
            self.iframes.append(a.get("class", ""))
        for key in ("src", "href"):
            if a.get(key, "").startswith(("http:", "https:", "//")):
                self.external.append(a[key])


# Three runs by default: a one-chain cluster with a timeline in Chinese, a two-chain cluster in
# English and a firm list whose links are unknown in Chinese. The others (every bundled dataset in both languages) run under the `slow`
# marker, which plain `pytest` (and CI) includes and `pytest -m "not slow"` skips.
QUICK = {("tongling_copper", "zh"), ("yantai_structural", "en"), ("jilin_carbon_fibre", "zh")}
RUNS = [pytest.param(d, lang, id=f"{d}-{lang}", marks=() if (d, lang) in QUICK else pytest.mark.slow)
        for d in chainnet.available_datasets() for lang in ("en", "zh")]


def test_quick_runs_are_bundled_datasets() -> None:
    assert {d for d, _ in QUICK} <= set(chainnet.available_datasets())
    assert len(RUNS) == 2 * len(chainnet.available_datasets())


@pytest.mark.parametrize(("dataset", "lang"), RUNS)
def test_analyze_every_dataset(tmp_path: Path, dataset: str, lang: str) -> None:
    out = tmp_path / "report"
    r = CliRunner().invoke(main, ["analyze", dataset, "-o", str(out), "--lang", lang, "--null-models", "2",
                                  "--candidates", "demo_copper", "--dpi", "40", "--quiet"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == str(out)
    names = {p.name for p in out.iterdir()}
    assert names == {"report.md", "report.html", "report.xlsx", "report.docx", "results.json", "firms.parquet",
                     "links.parquet", "figures",
                     ".chainnet-output"}
    known = chainnet.load_dataset(dataset).links_known
    # a firm list (links unknown) gets no figure drawn from ties: they would be empty
    kinds = FIGURE_KINDS if known else tuple(k for k in FIGURE_KINDS if k not in LINK_FIGURE_KINDS)
    for kind in kinds:
        assert (out / "figures" / f"{kind}.png").stat().st_size > 1000
        assert (out / "figures" / f"{kind}.svg").read_text("utf-8").lstrip().startswith("<?xml")

    res = json.loads((out / "results.json").read_text("utf-8"))
    assert {"chainnet_version", "cluster", "audit", "leaders", "structure", "profile", "position", "resilience", "timeline",
            "figures", "tables"} <= set(res)
    assert res["tables"]["firms"] == "firms.parquet" and res["tables"]["links"] == "links.parquet"
    wb = openpyxl.load_workbook(out / "report.xlsx", read_only=True)
    keys = [k for k in SHEETS if k not in (("survey",) if known else ("communities", "bowtie"))]
    keys += ["timeline"] if res["timeline"] else []
    assert wb.sheetnames == [t(f"xl.{k}", lang) for k in keys]
    wb.close()
    assert set(kinds) | ({"profile", "resilience"} if known else {"profile"}) <= set(res["figures"])
    if res["timeline"]:
        assert "timeline" in res["figures"] and len(res["timeline"]) >= 2
    assert set(res["audit"]["completeness"]) == {"segment_coverage", "link_coverage", "path_completeness", "index",
                                                 *(() if known else ("link_coverage_min",))}
    for key in ("leader_dominance", "sme_attachment", "leader_reach", "degree_centralization", "leader_dependence",
                "firms"):
        assert key in res["leaders"]
    assert res["cluster"]["id"] == dataset

    page = _Page()
    page.feed((out / "report.html").read_text("utf-8"))
    assert page.tags[:1] == ["html"] and "table" in page.tags
    assert sorted(i["data-figure"] for i in page.imgs) == sorted(res["figures"])  # every figure, embedded
    assert all(i["src"].startswith("data:image/png;base64,") for i in page.imgs)
    assert page.external == []  # opens offline
    assert "chainnet-map" in page.iframes  # the interactive chain map, embedded (srcdoc) before the static figure

    md = (out / "report.md").read_text("utf-8")
    for kind in res["figures"]:
        assert f"(figures/{kind}.png)" in md
    if lang == "zh":
        assert "产业链完整度" in md
        assert any(word in md for word in ("补链", "延链", "断链", "强链"))


def test_analyze_without_path_uses_tongling_and_refuses_non_empty_output(tmp_path: Path) -> None:
    out = tmp_path / "r"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    r = CliRunner().invoke(main, ["analyze", "-o", str(out), "--null-models", "0"])
    assert r.exit_code == 1 and "not empty" in r.output
    assert (out / "keep.txt").read_text() == "mine"  # nothing lost


def test_analyze_failure_leaves_no_half_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    rep = importlib.import_module("chainnet.report.compute")  # the module (the package exports the function)

    def broken(*args, **kwargs):
        raise chainnet.ChainnetError("figure failed")

    monkeypatch.setattr(rep, "_draw", broken)  # drawing and saving a figure
    r = CliRunner().invoke(main, ["analyze", "demo_copper", "-o", str(tmp_path / "r"), "-q"])
    assert r.exit_code == 1 and "figure failed" in r.output
    assert list(tmp_path.iterdir()) == []  # neither the report nor a temporary folder


def test_analyze_usage_errors_exit_2(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["analyze", "demo_copper", "-o", str(tmp_path / "r"), "--format", "pdf"])
    assert r.exit_code == 2
    assert CliRunner().invoke(main, ["analyze", "demo_copper"]).exit_code == 2  # -o is required


def test_progress_goes_to_stderr_and_quiet_silences_it(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["analyze", "demo_copper", "-o", str(tmp_path / "a"), "--null-models", "0",
                                  "--format", "md"])
    assert r.exit_code == 0 and "auditing the chain" in r.stderr and r.stdout.strip() == str(tmp_path / "a")
    r = CliRunner().invoke(main, ["analyze", "demo_copper", "-o", str(tmp_path / "b"), "--null-models", "0",
                                  "--format", "md", "-q"])
    assert r.exit_code == 0 and r.stderr == ""
    assert not (tmp_path / "b" / "report.html").exists() and (tmp_path / "b" / "report.md").exists()


def test_analyze_and_the_resilience_command_give_the_same_numbers() -> None:
    """The report runs resilience with the command's defaults (runs, steps, seed): same curves, same AUC."""
    from chainnet.report import compute

    c = chainnet.load_dataset("tongling_copper")
    rep = compute(c, null_models=0, seed=0)
    r = CliRunner().invoke(main, ["resilience", "tongling_copper", "--format", "json"])
    assert r.exit_code == 0, r.output
    cli = json.loads(r.stdout)
    assert cli["settings"]["runs"] == rep.resilience.settings["runs"]
    assert cli["auc"] == rep.resilience.to_dict()["auc"]
    assert cli["robustness"] == rep.resilience.to_dict()["robustness"]
    # the random order's band comes from several runs: a report with other runs would differ here
    assert any(row["auc_lo"] is not None for row in cli["auc"])
