"""`chainnet audit`: exit codes, JSON contract, CSV tables, Chinese output."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from chainnet import write_cluster
from chainnet.cli import main
from tests.completeness_cases import fused_cluster, line_cluster


def run(*args: str) -> object:
    return CliRunner().invoke(main, ["audit", *args])


@pytest.fixture(scope="module")
def line_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_cluster(line_cluster(), tmp_path_factory.mktemp("cli") / "line_demo")


def test_table_output_english():
    r = run("demo_copper")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == ("Chain completeness audit: Demo copper cluster (small, fully modeled) (demo_copper), "
                        "template copper")
    # 13/21, 23/44, 5/12 and their mean (worked out in test_completeness.test_demo_dataset_by_hand)
    assert lines[1:5] == ["segment coverage     61.9%", "link coverage        52.3%",
                          "path completeness    41.7%", "completeness index   51.9%"]
    for heading in ("Segments (upstream to downstream)", "Flows", "Gaps (largest impact first)"):
        assert heading in lines
    seg = lines.index("Segments (upstream to downstream)")
    first = lines[seg + 3].split()
    assert first[0] == "ore" and first[-5:] == ["upstream", "1", "weak", "1", "—"]
    battery = next(ln for ln in lines if ln.startswith("battery "))
    assert battery.split()[-6:] == ["downstream", "1", "missing", "0", "yes", "—"]
    assert "strip           foil            0.5     broken   0" in lines


def test_table_output_chinese(line_folder):
    r = run(str(line_folder), "--lang", "zh")
    assert r.exit_code == 0, r.output
    out = r.output
    assert out.startswith("产业链完整度审计")
    for word in ("环节覆盖率", "完整度指数", "本地配套率", "齐全", "薄弱", "缺失", "断开", "中游丁"):
        assert word in out, word
    gaps = out[out.index("补链 / 延链 / 断链 / 强链清单"):].splitlines()
    # the gap order of the line cluster (see test_completeness.LINE_GAPS), in Chinese
    kinds = [ln.split()[1] for ln in gaps[3:10]]
    assert kinds == ["强链", "补链", "延链", "断链", "强链", "强链", "强链"]
    assert gaps[4].split()[2] == "中游丁" and gaps[4].split()[3] == "16.7"
    assert "下游戊→下游己" in gaps[6]


def test_json_contract(line_folder):
    r = run(str(line_folder), "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert {"cluster", "template", "completeness", "segments", "flows", "gaps", "per_template"} <= set(d)
    assert d["completeness"]["index"] == pytest.approx(0.5)
    assert [g["type"] for g in d["gaps"]] == ["strengthen", "fill", "extend", "connect", "strengthen",
                                              "strengthen", "strengthen"]
    assert {s["segment"]: s["local_sourcing"] for s in d["segments"]}["a"] is None
    assert "中游丁" in r.output  # ensure_ascii=False


def test_csv_tables(line_folder):
    r = run(str(line_folder), "--format", "csv")
    assert r.exit_code == 0
    gaps = pd.read_csv(io.StringIO(r.output))
    assert list(gaps["id"]) == ["x", "d", "g", "e->f", "b->c", "c", "e"]
    r = run(str(line_folder), "--format", "csv", "--table", "segments")
    seg = pd.read_csv(io.StringIO(r.output))
    assert list(seg["segment"]) == list("abcdefgx") and list(seg["firms"]) == [2, 2, 1, 0, 1, 2, 0, 1]


def test_only_one_table(line_folder):
    r = run(str(line_folder), "--table", "flows")
    assert r.exit_code == 0
    assert r.output.splitlines()[0] == "Flows" and "Gaps" not in r.output


def test_candidates_option(line_folder, tmp_path):
    firms = tmp_path / "firms.csv"
    firms.write_text("firm_id,name,role,segments,output\nz,Zed Materials,leader,d,5\n", encoding="utf-8")
    r = run(str(line_folder), "--candidates", str(firms), "--candidates", "demo_copper", "--format", "json")
    assert r.exit_code == 0, r.output
    cands = json.loads(r.output)["candidates"]
    assert [c["firm_id"] for c in cands if c["gap"] == "fill:d"] == ["z"]
    r = run(str(line_folder), "--candidates", str(firms))
    assert "Candidates" in r.output and "Zed Materials" in r.output


def test_errors_and_usage():
    assert run("demo_copper", "--format", "json", "--table", "gaps").exit_code == 2
    assert run("demo_copper", "--format", "xml").exit_code == 2
    assert run("demo_copper", "--top", "-1").exit_code == 2
    r = run("demo_copper", "--template", "no_such_chain")
    assert r.exit_code == 1 and "unknown template" in r.output
    r = run("no/such/cluster")
    assert r.exit_code == 1 and "Error:" in r.output
    r = run("demo_copper", "--candidates", "no_such_dataset")
    assert r.exit_code == 1


def test_multi_template_table(tmp_path):
    folder = write_cluster(fused_cluster(), tmp_path / "fused")
    r = run(str(folder), "--table", "gaps")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[1].split()[:3] == ["#", "template", "type"]
    # overall impacts 17/36, 16/36, 16/36, 13/36, 10/36 (test_completeness) in points
    assert [ln.split()[1:4] for ln in lines[3:]] == [["t2", "extend", "s"], ["t1", "strengthen", "p"],
                                                    ["t2", "strengthen", "r"], ["t1", "strengthen", "q"],
                                                    ["t1", "strengthen", "p->q"]]
    assert [ln.split()[4] for ln in lines[3:]] == ["47.2", "44.4", "44.4", "36.1", "27.8"]
