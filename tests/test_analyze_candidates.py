"""``chainnet analyze`` reads the other bundled datasets (its default candidate pool) only when the
audit has a segment gap to rank candidates for; with a gap their firms are still ranked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import chainnet
import chainnet.datasets
from chainnet.cli import main


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = chainnet.datasets.load

    def counting(name: str) -> chainnet.Cluster:
        seen.append(name)
        return real(name)

    monkeypatch.setattr(chainnet.datasets, "load", counting)
    return seen


def _analyze(path: str, out: Path) -> dict:
    r = CliRunner().invoke(main, ["analyze", path, "-o", str(out), "--formats", "md", "--null-models", "0", "-q"])
    assert r.exit_code == 0, r.output
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_no_gap_reads_no_other_dataset(tmp_path: Path, loads: list[str]) -> None:
    g = chainnet.generate("copper", firms=300, seed=2)
    assert g.truth["gaps"] == []  # a complete chain: nothing to attract firms for
    chainnet.write_cluster(g.cluster, tmp_path / "c")
    res = _analyze(str(tmp_path / "c"), tmp_path / "r")
    assert loads == []
    assert res["audit"]["gaps"] == [] and res["audit"]["candidates"] == []


def test_gaps_rank_firms_of_the_other_datasets(tmp_path: Path, loads: list[str]) -> None:
    res = _analyze("demo_copper", tmp_path / "r")
    others = [d for d in chainnet.datasets.available() if d != "demo_copper"]
    assert loads == ["demo_copper", *others]  # the cluster, then each other dataset once
    origins = {c["origin"] for c in res["audit"]["candidates"]}
    assert "elsewhere" in origins  # firms of another cluster are among the candidates
