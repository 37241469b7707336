"""Small truths a reader notices (issue 18, section 4): each test derives the fact independently."""

from __future__ import annotations

import inspect
import itertools
import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner

import chainnet
from chainnet import Cluster
from chainnet.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def make(firms: list[tuple], links: list[tuple] = (), **meta) -> Cluster:
    """A copper cluster from (firm_id, role, segments, external[, founded]) rows and supply links."""
    rows = [{"firm_id": f[0], "name": f"Firm {f[0]}", "role": f[1], "segments": f[2], "external": f[3],
             "founded": f[4] if len(f) > 4 else None} for f in firms]
    lk = pd.DataFrame([{"source": a, "target": b} for a, b in links], columns=["source", "target"])
    return Cluster.from_frames(pd.DataFrame(rows), lk,
                               meta={"id": "t", "name": "T", "template": "copper", "year": 2022, **meta})


# -- the report's opening line adds up -------------------------------------------------------------
def test_opening_line_counts_add_up(tmp_path):
    from chainnet.report import analyze

    firms = ([("l1", "leader", "smelting", False), ("b1", "backbone", "cathode", False)]
             + [(f"s{i}", "sme", "rod", False) for i in range(3)]
             + [("x1", "sme", "ore", True), ("x2", "backbone", "pcb", True)]
             + [("u1", "institution", "", False), ("u2", "institution", "", False), ("v1", "service", "", False)])
    c = make(firms, [("l1", "b1"), ("b1", "s0"), ("b1", "s1"), ("x1", "l1")])
    for lang in ("en", "zh"):
        out = analyze(c, tmp_path / lang, lang=lang, formats=("md",), candidates=[], null_models=0)
        md = (out / "report.md").read_text(encoding="utf-8")
        first = next(ln for ln in md.splitlines() if ln and not ln.startswith("#"))
        head = first.split("）")[0] if lang == "zh" else first.split(")")[0]
        nums = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", head)]
        total, parts = nums[0], nums[1:]
        # counted here from the firms table: 5 local firms, 2 external, 2 institutions, 1 service
        assert total == len(firms) == 10
        assert parts == [5, 2, 2, 1] and sum(parts) == total, first


# -- audit --top: per gap, as --help says ---------------------------------------------------------------
def test_audit_top_is_per_gap_in_all():
    from chainnet.analysis.completeness import audit

    c = chainnet.load_dataset("demo_copper")
    pools = [chainnet.load_dataset("tongling_copper")]
    for top in (1, 2, 5):
        cand = audit(c, candidates=pools, top=top).candidates
        per_gap = cand.groupby("gap").size()
        assert len(per_gap) and per_gap.max() <= top
        assert (cand.groupby("gap")["rank"].max() == per_gap).all()
    # a strengthen gap with second sources both elsewhere and local shows both kinds within --top
    cand = audit(c, candidates=pools, top=5).candidates
    by = cand[cand["type"] == "strengthen"].groupby(["gap", "origin"]).size().unstack(fill_value=0)
    assert len(by) and (by.sum(axis=1) == 5).all()
    assert (by["local"] >= 1).all() and (by["local"] >= 5 - by["elsewhere"]).all()
    assert ((by["elsewhere"] >= 3) | (by["local"] == 5 - by["elsewhere"])).all()  # elsewhere first, 3 of 5
    r = run("audit", "demo_copper", "--candidates", "tongling_copper", "--top", "2", "--format", "json")
    assert r.exit_code == 0, r.output
    got = pd.DataFrame(json.loads(r.output)["candidates"])
    assert got.groupby("gap").size().max() <= 2
    assert "per gap, in all" in " ".join(run("audit", "--help").output.split())


# -- the timeline keeps a regular step --------------------------------------------------------------------
def test_report_timeline_never_skips_one_year_in_the_middle():
    from chainnet.analysis.timeline import default_years
    from chainnet.report import TIMELINE_MAX_YEARS, timeline_years

    # two firms founded in 2010, then one a year to 2022: the default years are 2010..2022 (13)
    firms = [("a0", "leader", "smelting", False, 2010), ("a1", "sme", "rod", False, 2010)]
    firms += [(f"f{y}", "sme", "rod", False, y) for y in range(2011, 2023)]
    c = make(firms, [("a0", "a1")])
    assert default_years(c) == list(range(2010, 2023))
    years = timeline_years(c)
    steps = [b - a for a, b in itertools.pairwise(years)]
    assert years[0] == 2010 and years[-1] == 2022 and len(years) <= TIMELINE_MAX_YEARS
    assert len(set(steps[:-1])) == 1 and steps[-1] <= steps[0]  # one step, the last one maybe shorter
    assert 2016 in years  # the year the old spread dropped: 2010 + 3 steps of 2
    # a history that fits shows every year
    c = make(firms[:8], [("a0", "a1")], year=2016)
    assert timeline_years(c) == list(range(2010, 2017))


# -- Cluster.graph(): the local firms of METRICS.md -------------------------------------------------------
def test_graph_holds_the_local_firms_by_default():
    c = chainnet.load_dataset("demo_copper")
    f = c.firms
    local = set(f.loc[~f["external"].astype(bool) & f["role"].isin(["leader", "backbone", "sme"]), "firm_id"])
    G = c.graph()
    assert set(G.nodes) == local
    assert "lab_a" in set(f.loc[f["role"] == "institution", "firm_id"]) and "lab_a" not in G
    # R&D and cooperation ties are the bodies' ties: they come in with those kinds
    assert "lab_a" in c.graph(kinds="rd") and "lab_a" in c.graph(kinds="all")
    assert "lab_a" in c.graph(bodies=True) and "lab_a" not in c.graph(kinds="rd", bodies=False)
    everything = c.graph(kinds="all", external=True)
    assert set(everything.nodes) == set(f["firm_id"]) and everything.number_of_edges() == len(c.links)


# -- generate: gaps only where asked ----------------------------------------------------------------------
def test_generate_makes_no_gap_unless_asked_and_says_so():
    from chainnet.analysis.completeness import audit
    from chainnet.generate import generate

    g = generate(["copper"], firms=300, seed=3)
    assert g.truth["gaps"] == [] and audit(g.cluster, top=0).gaps.empty
    g = generate(["copper"], firms=300, seed=3, missing=["hvac"])
    assert [x["segment"] for x in g.truth["gaps"]] == ["hvac"]
    help_text = " ".join(run("generate", "--help").output.split())
    assert "known gaps" not in help_text and "none by default" in help_text


# -- profile: a table that fits a terminal ------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_profile_table_width_is_sensible_and_keeps_every_word(lang):
    from chainnet.analysis.profile import profile
    from chainnet.commands._common import width
    from chainnet.commands.profile import profile_text

    for name in ("tongling_copper", "shenzhen_battery", "jilin_carbon_fibre"):
        p = profile(chainnet.load_dataset(name))
        text = profile_text(p, lang=lang)
        assert max(width(ln) for ln in text.splitlines()) <= 125, name
        flat = "".join(text.split())
        for row in p.summary_table(lang).itertuples(index=False):
            for cell in row[:3]:  # wrapped onto continuation lines, never cut: every character, in order
                chars = iter(flat)
                assert all(ch in chars for ch in "".join(str(cell).split())), (name, cell)


# -- compare and the report: the same random networks -------------------------------------------------------
def test_compare_and_report_z_scores_use_the_same_null_models(tmp_path):
    from chainnet.analysis.compare import compare
    from chainnet.analysis.structure import structure
    from chainnet.commands.compare import compare_cmd
    from chainnet.report import analyze, compute

    default = {p.name: p.default for p in compare_cmd.params}["null_models"]
    assert default == inspect.signature(analyze).parameters["null_models"].default \
        == inspect.signature(compute).parameters["null_models"].default \
        == inspect.signature(compare).parameters["null_models"].default \
        == inspect.signature(structure).parameters["null_models"].default
    c = chainnet.load_dataset("demo_copper")
    row = compare([c]).table.iloc[0]
    z = structure(c).significance.set_index("figure")["z"]
    for k in ("modularity", "transitivity"):
        assert row[f"z_{k}"] == pytest.approx(z[k], nan_ok=True)
    r = run("compare", "demo_copper", "demo_copper")
    assert r.exit_code == 0, r.output
    assert f"random networks: {default} per cluster" in r.output


def test_analyze_progress_says_how_many_random_networks_are_drawn(monkeypatch) -> None:
    # the link budget caps the random networks: the progress line says the count the z-scores rest
    # on (here forced to 3 by a budget of 3 networks' links), and the count that was asked for
    import chainnet.analysis.structure as st
    from chainnet.analysis import _sparse
    from chainnet.report.compute import compute

    c = chainnet.load_dataset("demo_copper")
    m = _sparse.supply_graph(c).m
    monkeypatch.setattr(st, "NULL_BUDGET", 3 * m)
    lines: list[str] = []
    result = compute(c, lang="en", null_models=20, progress=lines.append)
    assert result.structure.null_model["null_models"] == 3
    assert result.structure.null_model["null_models_requested"] == 20
    assert any("(3 random networks; 20 requested" in line for line in lines), lines
    lines.clear()
    compute(c, lang="zh", null_models=2, progress=lines.append)
    assert any("（2 个随机网络）" in line for line in lines), lines
