"""Every analysis result has one shape (issue 17, item 1; STYLE.md convention 16).

One parametrized test runs every analysis on the bundled ``demo_copper`` (and, where two clusters
are needed, ``tongling_copper``) and checks the common members: ``cluster_id``, ``figures``,
``tables()``, ``to_dict()``, ``to_text(lang=)`` and a one-line ``repr``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import chainnet
from chainnet import ChainnetError
from chainnet.analysis.concentration import concentration
from chainnet.analysis.lifecycle import lifecycle
from chainnet.analysis.specialisation import specialisation
from chainnet.analysis.worldclass import worldclass


@pytest.fixture(scope="module")
def demo() -> chainnet.Cluster:
    return chainnet.load_dataset("demo_copper")


@pytest.fixture(scope="module")
def tongling() -> chainnet.Cluster:
    return chainnet.load_dataset("tongling_copper")


# name -> (how to run it, the class it returns, the cluster id the result must name)
ANALYSES: dict[str, tuple[Callable[[chainnet.Cluster, chainnet.Cluster], Any], type, str]] = {
    "audit": (lambda c, o: chainnet.audit(c), chainnet.Audit, "demo_copper"),
    "leaders": (lambda c, o: chainnet.leaders(c), chainnet.LeaderResult, "demo_copper"),
    "structure": (lambda c, o: chainnet.structure(c, null_models=3), chainnet.StructureResult, "demo_copper"),
    "position": (lambda c, o: chainnet.position(c), chainnet.PositionResult, "demo_copper"),
    "resilience": (lambda c, o: chainnet.resilience(c, runs=2, steps=5), chainnet.ResilienceResult, "demo_copper"),
    "whatif": (lambda c, o: chainnet.whatif(c, [c.firms["firm_id"].iloc[0]]), chainnet.WhatIf, "demo_copper"),
    "profile": (lambda c, o: chainnet.profile(c), chainnet.Profile, "demo_copper"),
    "specialisation": (lambda c, o: specialisation(c), chainnet.Specialisation, "demo_copper"),
    "concentration": (lambda c, o: concentration(c), chainnet.Concentration, "demo_copper"),
    "lifecycle": (lambda c, o: lifecycle(c), chainnet.Lifecycle, "demo_copper"),
    "worldclass": (lambda c, o: worldclass(c), chainnet.WorldClass, "demo_copper"),
    "timeline": (lambda c, o: chainnet.timeline_result(c), chainnet.Timeline, "demo_copper"),
    "diff": (lambda c, o: chainnet.diff(c.snapshot(2010), c), chainnet.Diff,
             "demo_copper@2010->demo_copper@2020"),  # demo_copper/cluster.toml: year = 2020
    "compare": (lambda c, o: chainnet.compare([c, o], null_models=2), chainnet.Comparison,
                "demo_copper+tongling_copper"),
}


def _is_number(v: Any) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_every_result_has_the_common_shape(name: str, demo: chainnet.Cluster, tongling: chainnet.Cluster) -> None:
    run, cls, cluster_id = ANALYSES[name]
    r = run(demo, tongling)
    assert type(r) is cls
    assert cls.__name__ in chainnet.__all__ and getattr(chainnet, cls.__name__) is cls  # exported
    assert isinstance(r, chainnet.AnalysisResult)

    assert r.cluster_id == cluster_id

    # figures: headline numbers, plain Python (JSON-ready) values; Diff holds a, b and change per figure
    figures = r.figures
    assert isinstance(figures, dict) and figures
    for k, v in figures.items():
        assert isinstance(k, str)
        assert _is_number(v) or (isinstance(v, dict) and all(_is_number(x) for x in v.values())), (k, v)
    json.dumps(figures, allow_nan=False)

    tables = r.tables()
    assert isinstance(tables, dict) and tables
    assert all(isinstance(k, str) and isinstance(v, pd.DataFrame) for k, v in tables.items())

    d = r.to_dict()
    assert isinstance(d, dict)
    text = json.dumps(d, allow_nan=False, ensure_ascii=False)
    assert json.loads(text) == d  # nothing a JSON round trip changes (no tuples, numpy scalars, NaN)
    # a table that to_dict also lists holds the same number of rows in both
    for k, df in tables.items():
        if isinstance(d.get(k), list):
            assert len(d[k]) == len(df), k

    rep = repr(r)
    assert "\n" not in rep and len(rep) <= 120, rep
    assert rep.startswith(f"<{cls.__name__} ") and rep.endswith(">")

    for lang in ("en", "zh"):
        out = r.to_text(lang=lang)
        lines = out.splitlines()
        assert lines[0] == rep
        assert len(lines) == 1 + 1 + len(figures) + 1 + len(tables)  # repr, heading, figures, heading, tables
    assert "主要指标:" in r.to_text(lang="zh")
    with pytest.raises(ChainnetError, match="lang='fr'"):
        r.to_text(lang="fr")


def test_audit_keeps_its_old_attribute_names(demo: chainnet.Cluster) -> None:
    a = chainnet.audit(demo)
    assert a.cluster == a.cluster_id == "demo_copper"
    # figures = the completeness dict plus local sourcing, the same numbers to_dict writes
    d = a.to_dict()
    assert a.figures == {**d["completeness"], "local_sourcing": a.local_sourcing}
    assert list(a.tables()) == ["segments", "flows", "gaps", "candidates"]


def test_whatif_figures_follow_from_the_two_audits(demo: chainnet.Cluster) -> None:
    leader = demo.firms.loc[demo.firms["role"] == "leader", "firm_id"].iloc[0]
    w = chainnet.whatif(demo, [leader])
    before = chainnet.audit(demo).completeness["index"]
    after = chainnet.audit(demo.without_firms([leader])).completeness["index"]
    assert w.figures["index_before"] == pytest.approx(before)
    assert w.figures["index_after"] == pytest.approx(after)
    assert w.figures["index_change"] == pytest.approx(after - before)


def test_comparison_figures_are_the_extreme_off_diagonal_distances(demo: chainnet.Cluster,
                                                                     tongling: chainnet.Cluster) -> None:
    cmp = chainnet.compare([demo, tongling, demo.snapshot(2012)], null_models=2)
    d = cmp.distances["combined"]
    off = [d.iat[i, j] for i in range(3) for j in range(3) if i != j]
    assert cmp.figures == {"clusters": 3, "min_combined": pytest.approx(min(off)),
                           "max_combined": pytest.approx(max(off))}


def test_long_reprs_are_cut_to_one_line() -> None:
    from chainnet.analysis._result import one_line

    assert one_line("<A\n b>") == "<A b>"
    cut = one_line("<Comparison of 40 clusters: " + ", ".join(f"cluster_{i}" for i in range(40)) + ">")
    assert len(cut) == 120 and cut.endswith("…>")


# command line -> the library call it must agree with (same options, the command's defaults)
JSON_COMMANDS: dict[str, tuple[list[str], Callable[[chainnet.Cluster], Any]]] = {
    "audit": (["audit", "demo_copper"], lambda c: chainnet.audit(c)),
    "leaders": (["leaders", "demo_copper"], lambda c: chainnet.leaders(c)),
    "structure": (["structure", "demo_copper"], lambda c: chainnet.structure(c)),
    "position": (["position", "demo_copper"], lambda c: chainnet.position(c)),
    "resilience": (["resilience", "demo_copper", "--runs", "3"], lambda c: chainnet.resilience(c, runs=3)),
    "whatif": (["whatif", "demo_copper", "--remove", "smelter_a"], lambda c: chainnet.whatif(c, ["smelter_a"])),
    "profile": (["profile", "demo_copper"], lambda c: chainnet.profile(c)),
    "timeline": (["timeline", "demo_copper"], lambda c: chainnet.timeline_result(c)),
    "diff": (["diff", "demo_copper", "--years", "2010", "2020"],
             lambda c: chainnet.diff(c.snapshot(2010), c.snapshot(2020))),
}


@pytest.mark.parametrize("name", sorted(JSON_COMMANDS))
def test_to_dict_is_what_the_command_prints_as_json(name: str, demo: chainnet.Cluster) -> None:
    from click.testing import CliRunner

    from chainnet.cli import main

    args, run = JSON_COMMANDS[name]
    r = CliRunner().invoke(main, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == json.loads(json.dumps(run(demo).to_dict()))
