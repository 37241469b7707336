"""``chainnet batch``: a real Dask scheduler, isolation of failures, resume, outputs equal to one-by-one runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import chainnet
from chainnet.analysis.centrality import leaders
from chainnet.analysis.completeness import audit
from chainnet.batch import run_batch
from chainnet.cli import main


@pytest.fixture(scope="module")
def clusters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four tiny clusters: the demo (hand-checked figures below) and three generated ones."""
    root = tmp_path_factory.mktemp("clusters")
    shutil.copytree(chainnet.datasets.path("demo_copper"), root / "a_demo")
    for i, (tpl, structure) in enumerate([("copper", "marshallian"), ("steel", "hub_and_spoke"),
                                          ("aluminium", "satellite")]):
        g = chainnet.generate(tpl, firms=60 + 20 * i, structure=structure, seed=i, id=f"synth_{i}",
                              missing=[], weak=[])
        chainnet.write_cluster(g.cluster, root / f"b_synth_{i}", to="folder")
    return root


@pytest.fixture(scope="module")
def scheduler() -> str:
    """A real dask.distributed LocalCluster: scheduler and 2 worker processes on the loopback interface."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def _alone(path: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Figures, segments and gaps of one cluster run alone through the library."""
    c = chainnet.read_cluster(path)
    a = audit(c, top=0)
    return {**a.completeness, **leaders(c).figures}, a.segments, a.gaps


def head_index(ws: object, name: str) -> int:
    return [c.value for c in ws[1]].index(name) + 1


def _same(x: object, y: object) -> bool:
    return (pd.isna(x) and pd.isna(y)) if (x is None or y is None or pd.isna(x) or pd.isna(y)) else x == y


def test_batch_through_a_dask_scheduler_equals_clusters_run_alone(clusters: Path, scheduler: str,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["batch", str(clusters), "-o", str(out), "--scheduler", scheduler])
    assert res.exit_code == 0, res.output
    assert f"on {scheduler}" in res.output and "4/4 clusters  0 failed" in res.output
    table = pd.read_parquet(out / "clusters.parquet")
    paths = sorted(str(p) for p in clusters.iterdir())
    assert table["path"].tolist() == paths  # same order as the folder listing
    segs, gaps = pd.read_parquet(out / "segments.parquet"), pd.read_parquet(out / "gaps.parquet")
    for p in paths:
        figures, seg, gap = _alone(Path(p))
        row = table.set_index("path").loc[p]
        for k, v in figures.items():
            assert _same(row[k], v), (p, k)
        mine = segs[segs["path"] == p].reset_index(drop=True)
        assert mine["segment"].tolist() == seg["segment"].tolist()
        assert mine["status"].tolist() == seg["status"].tolist()
        assert mine["firms"].tolist() == seg["firms"].tolist()
        g = gaps[gaps["path"] == p].reset_index(drop=True)
        assert g["id"].tolist() == gap["id"].tolist() and g["type"].tolist() == gap["type"].tolist()
        assert g["impact"].tolist() == gap["impact"].tolist()
        assert g["rank"].tolist() == list(range(1, len(gap) + 1))
    # by hand from the demo's firms.csv: present cathode, rod, foil; weak ore, smelting, wire, strip, ccl, pcb,
    # cable; the other 8 of the 18 copper segments missing; 13 firms = 11 local + battery_x (external) + a lab
    demo = table.set_index("cluster").loc["demo_copper"]
    assert (demo["segments_present"], demo["segments_weak"], demo["segments_missing"]) == (3, 7, 8)
    assert (demo["firms"], demo["local_firms"], demo["external_firms"], demo["links"]) == (13, 11, 1, 14)
    assert pd.read_csv(out / "errors.csv").empty
    # the same batch in one process, without Dask, writes the same bytes (xlsx included)
    serial = tmp_path / "serial"
    run_batch([clusters], serial, scheduler="serial")
    for name in ("clusters.parquet", "segments.parquet", "gaps.parquet", "errors.csv", "summary.xlsx", "summary.md"):
        assert (out / name).read_bytes() == (serial / name).read_bytes(), name


def test_one_corrupt_cluster_lands_in_errors_and_the_rest_complete(clusters: Path, scheduler: str,
                                                                   tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(clusters, src)
    links = src / "b_synth_1" / "links.csv"
    lines = links.read_text(encoding="utf-8").splitlines()
    lines[2] = "nobody," + lines[2].split(",", 1)[1]  # row 3 names a firm that does not exist
    links.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["batch", str(src), "-o", str(out), "--scheduler", scheduler])
    assert res.exit_code == 1
    assert "3 clusters analysed" in res.output and "1 failed" in res.output
    errors = pd.read_csv(out / "errors.csv")
    assert errors["path"].tolist() == [str(src / "b_synth_1")]
    assert errors.loc[0, "error_type"] == "ValidationError"
    assert "links.csv" in errors.loc[0, "error"] and "row 3" in errors.loc[0, "error"]
    assert pd.read_parquet(out / "clusters.parquet")["cluster"].tolist() == ["demo_copper", "synth_0", "synth_2"]
    assert "b_synth_1" in (out / "summary.md").read_text(encoding="utf-8")


def test_default_local_dask_cluster(clusters: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = run_batch([clusters / "a_demo", clusters / "b_synth_0"], out, workers=2)
    assert r.scheduler == "local" and len(r.clusters) == 2 and r.errors.empty
    alone = _alone(clusters / "b_synth_0")[0]
    assert r.clusters.loc[1, "index"] == alone["index"]
    assert r.clusters.loc[1, "leader_reach"] == alone["leader_reach"]


def test_resume_skips_unchanged_and_redoes_a_changed_cluster(clusters: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(clusters, src)
    out = tmp_path / "out"
    first = run_batch([src], out, scheduler="serial")
    assert len(first.computed) == 4
    with pytest.raises(chainnet.ChainnetError, match="--resume"):
        run_batch([src], out, scheduler="serial")
    # one more local SME in the demo, in the missing segment 'tube' -> 14 firms, 7 segments missing
    firms = src / "a_demo" / "firms.csv"
    rows = firms.read_text(encoding="utf-8").splitlines()
    n = len(rows[0].split(","))
    rows.append(",".join(["sme_new", "SME new", "", "sme", "tube", "false"] + [""] * (n - 6)))
    firms.write_text("\n".join(rows) + "\n", encoding="utf-8")
    again = run_batch([src], out, scheduler="serial", resume=True)
    assert again.computed == [str(src / "a_demo")]
    assert sorted(again.skipped) == sorted(str(src / f"b_synth_{i}") for i in range(3))
    table = pd.read_parquet(out / "clusters.parquet")
    assert table.loc[0, ["firms", "segments_missing"]].tolist() == [14, 7]
    assert table.drop(index=0).reset_index(drop=True).equals(first.clusters.drop(index=0).reset_index(drop=True))
    third = run_batch([src], out, scheduler="serial", resume=True)
    assert third.computed == [] and len(third.skipped) == 4


def test_refuses_a_folder_it_did_not_write(clusters: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    res = CliRunner().invoke(main, ["batch", str(clusters / "a_demo"), "-o", str(out), "--scheduler", "serial"])
    assert res.exit_code == 1 and "not written by chainnet batch" in res.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    res = CliRunner().invoke(main, ["batch", str(tmp_path / "nowhere"), "-o", str(tmp_path / "o2")])
    assert res.exit_code == 1 and "no such file" in res.output and not (tmp_path / "o2").exists()


def test_summary_xlsx_is_formatted_and_keeps_text_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    src = tmp_path / "c"
    shutil.copytree(chainnet.datasets.path("demo_copper"), src)
    toml = src / "cluster.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text("\n".join('name = "=1+1 cluster"' if ln.startswith("name ") else ln
                              for ln in text.splitlines()) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    run_batch([src], out, scheduler="serial", lang="zh")
    wb = load_workbook(out / "summary.xlsx")
    assert wb.sheetnames == ["集群", "环节", "缺口", "失败"]
    ws = wb["集群"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    col = [c.value for c in ws[1]].index("name") + 1
    cell = ws.cell(row=2, column=col)
    assert cell.value == "=1+1 cluster" and cell.data_type == "s"
    index = ws.cell(row=2, column=head_index(ws, "index")).value
    assert index == pd.read_parquet(out / "clusters.parquet").loc[0, "index"]  # the float exactly, all 17 digits
    assert index == pytest.approx((13 / 21 + 23 / 44 + 5 / 12) / 3, abs=1e-15)  # METRICS: the mean of the three
    head = [c.value for c in ws[1]]
    assert ws.column_dimensions["A"].width == 60  # the path is longer than the cap of 60
    assert ws.column_dimensions[chr(ord("A") + head.index("year"))].width == 8  # 'year' / '2020' + 2 = 6, raised to the workbook writer's minimum of 8
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "完整度最高的集群" in md and "| index | 1 | 0.519 |" in md


def test_compare_reads_a_batch_folder(clusters: Path, tmp_path: Path) -> None:
    from chainnet.analysis.compare import distances, most_similar

    out = tmp_path / "out"
    run_batch([clusters], out, scheduler="serial", analyses="audit,similarity")
    labels = ["demo_copper", "synth_0", "synth_1", "synth_2"]
    ref = distances({lab: chainnet.read_cluster(p) for lab, p in zip(labels, sorted(clusters.iterdir()))})
    got = distances(out)
    for m in ref:
        pd.testing.assert_frame_equal(got[m], ref[m])
    demo = chainnet.read_cluster(clusters / "a_demo")
    near = most_similar(demo, out, k=2)
    others = {lab: chainnet.read_cluster(p) for lab, p in zip(labels[1:], sorted(clusters.iterdir())[1:])}
    pd.testing.assert_frame_equal(near, most_similar(demo, others, k=2))
    res = CliRunner().invoke(main, ["compare", str(out), "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0].startswith("path,cluster,")
    assert len(res.output.splitlines()) == 5


def test_generate_batch_is_varied_reproducible_and_its_gaps_are_found(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["generate", "--batch", "4", "--firms", "150", "--firms-max", "250", "--seed", "3"]
    assert runner.invoke(main, [*args, "-o", str(tmp_path / "g1")]).exit_code == 0
    assert runner.invoke(main, [*args, "-o", str(tmp_path / "g2")]).exit_code == 0
    t1 = (tmp_path / "g1" / "truth.json").read_text(encoding="utf-8")
    assert t1 == (tmp_path / "g2" / "truth.json").read_text(encoding="utf-8")
    for f in ("firms.csv", "links.csv"):
        assert (tmp_path / "g1" / "synthetic_0002" / f).read_bytes() == (tmp_path / "g2" / "synthetic_0002" / f).read_bytes()
    truth = pd.read_json(tmp_path / "g1" / "truth.json")
    sizes = [p["firms"] for p in truth["parameters"]]
    assert all(150 <= n <= 250 for n in sizes) and len(set(sizes)) > 1
    assert len({(tuple(p["template"]), p["structure"]) for p in truth["parameters"]}) > 1
    out = tmp_path / "out"
    run_batch([tmp_path / "g1"], out, scheduler="serial", analyses="audit")
    gaps = pd.read_parquet(out / "gaps.parquet")
    for r in truth.itertuples():
        expected = {(g["type"], g["segment"] or f"{g['from']}->{g['to']}") for g in r.gaps}
        found = gaps[gaps["cluster"] == r.id]
        assert set(zip(found["type"], found["id"])) == expected, r.id


def test_usage_errors_and_an_unreachable_scheduler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import chainnet._batch_dask as bd

    res = CliRunner().invoke(main, ["batch", "demo_copper", "-o", str(tmp_path / "o"), "--analyses", "audit,speed"])
    assert res.exit_code == 2 and "speed" in res.output
    res = CliRunner().invoke(main, ["batch", "demo_copper", "-o", str(tmp_path / "o"), "--force", "--resume"])
    assert res.exit_code == 2
    monkeypatch.setattr(bd, "CONNECT_TIMEOUT", 1)
    with pytest.raises(chainnet.ChainnetError, match="cannot reach the Dask scheduler"):
        run_batch(["demo_copper"], tmp_path / "o", scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "o").exists()


def test_waits_for_workers_and_says_when_too_few_join(scheduler: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import chainnet._batch_dask as bd

    monkeypatch.setattr(bd, "CONNECT_TIMEOUT", 1)
    with pytest.raises(chainnet.ChainnetError, match="has 2 worker"):
        run_batch(["demo_copper"], tmp_path / "o", scheduler=scheduler, workers=3)
    r = run_batch(["demo_copper"], tmp_path / "o", scheduler=scheduler, workers=2)
    assert r.scheduler == scheduler and r.clusters.loc[0, "segments_missing"] == 8


def test_force_replaces_a_batch_and_moves_other_files_aside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_batch(["demo_copper"], out, scheduler="serial")
    run_batch(["demo_copper"], out, scheduler="serial", force=True, analyses="audit")
    assert "leader_dominance" not in pd.read_parquet(out / "clusters.parquet").columns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # the old batch is gone, no temp left
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.warns(chainnet.DataWarning, match="now in"):
        run_batch(["demo_copper"], mine, scheduler="serial", force=True)
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("mine.replaced-")]
    assert len(aside) == 1 and (aside[0] / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert (mine / "clusters.parquet").is_file()
