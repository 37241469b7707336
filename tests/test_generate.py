"""The synthetic cluster generator: guarantees on gaps, determinism, sizes, structures, CLI."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainnet
from chainnet.analysis.completeness import audit
from chainnet.cli import main
from chainnet.generate import STRUCTURES, generate
from chainnet.model import Cluster, assert_same_cluster

COPPER_GAPS = {"missing": ["hvac", "ore"], "broken": ["scrap->rod", "foil->ccl"], "weak": ["tube", "pcb"]}


def chain_status(c: Cluster) -> tuple[dict[str, str], dict[str, str]]:
    """Segment and flow statuses computed straight from METRICS.md, independently of chainnet.analysis.

    A flow counts as realised by a supply link between local holders of its two segments whatever
    the link's segment_from/segment_to say (the stricter reading), plus in-house holders.
    """
    loc = c.firms[c.local_mask]
    held = {f: set(s) for f, s in zip(loc["firm_id"], loc["segments"])}
    holders: dict[str, set[str]] = {}
    for f, segs in held.items():
        for s in segs:
            holders.setdefault(s, set()).add(f)
    sup = c.links[(c.links["kind"] == "supply") & c.links["source"].isin(held) & c.links["target"].isin(held)]
    pairs = list(zip(sup["source"], sup["target"]))
    seg_status, flow_status = {}, {}
    for t in c.templates:
        for s in t.segment_ids:
            n = len(holders.get(s, ()))
            seg_status[s] = "missing" if n == 0 else "weak" if n == 1 else "present"
        for a, b in zip(t.flows["from"], t.flows["to"]):
            if "missing" in (seg_status[a], seg_status[b]):
                flow_status[f"{a}->{b}"] = "missing"
                continue
            real = {(f, g) for f, g in pairs if a in held[f] and b in held[g]}
            real |= {(f, f) for f in holders[a] & holders[b]}
            flow_status[f"{a}->{b}"] = "broken" if not real else "weak" if len(real) == 1 else "present"
    return seg_status, flow_status


def assert_truth_holds(g: chainnet.generate.GeneratedCluster) -> None:
    seg, flow = chain_status(g.cluster)
    t = g.truth
    for s, status in seg.items():
        assert status == ("missing" if s in t["missing"] else "weak" if s in t["weak"] else "present"), (s, status)
    for f, status in flow.items():
        a, b = f.split("->")
        if a in t["missing"] or b in t["missing"]:
            assert status == "missing", f
        else:
            assert status == ("broken" if f in t["broken"] else "weak" if f in t["weak_flows"] else "present"), \
                (f, status)


# -- guarantees ----------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), firms=st.integers(90, 400), structure=st.sampled_from(STRUCTURES),
       external=st.sampled_from([0.0, 0.05, 0.2]), leaders=st.integers(0, 6))
def test_gaps_are_exactly_the_ones_built_in(seed: int, firms: int, structure: str, external: float,
                                            leaders: int) -> None:
    g = generate("copper", firms=firms, seed=seed, structure=structure, external_share=external, leaders=leaders,
                 links_per_firm=3, **COPPER_GAPS)
    assert_truth_holds(g)
    assert g.truth["weak_flows"] == []
    assert g.truth["missing_external"] == ([] if external == 0 else ["hvac", "ore"])


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_gaps_hold_on_several_templates(seed: int) -> None:
    g = generate(["steel", "petrochemical"], firms=400, seed=seed, structure="state_anchored",
                 missing=["iron_ore", "rubber"], broken=["coke->sinter"], weak=["special"])
    assert_truth_holds(g)
    types = {(x["type"], x["segment"] or f"{x['from']}->{x['to']}") for x in g.truth["gaps"]}
    assert types == {("extend", "iron_ore"), ("fill", "rubber"), ("connect", "coke->sinter"), ("strengthen", "special")}


def test_two_adjacent_weak_segments_make_a_weak_flow() -> None:
    g = generate("copper", firms=150, weak=["ccl", "pcb"], seed=3)
    assert g.truth["weak_flows"] == ["ccl->pcb"]
    assert_truth_holds(g)


def test_expected_gap_types_follow_metrics() -> None:
    # hvac: only upstream segments are covered -> extend; wire: rod upstream, enamelled wire
    # and cable downstream covered -> fill (a hole inside the chain)
    g = generate("copper", firms=200, missing=["hvac", "wire"], seed=0)
    kinds = {x["segment"]: x["type"] for x in g.truth["gaps"]}
    assert kinds == {"hvac": "extend", "wire": "fill"}


def test_audit_recovers_the_ground_truth_on_many_seeds() -> None:
    for seed in range(12):
        structure = STRUCTURES[seed % 4]
        g = generate("copper", firms=160, seed=seed, structure=structure, **COPPER_GAPS)
        gaps = audit(g.cluster).gaps
        found = {(k, s if isinstance(s, str) else f"{a}->{b}")
                 for k, s, a, b in zip(gaps["type"], gaps["segment"], gaps["from"], gaps["to"])}
        expected = {(x["type"], x["segment"] or f"{x['from']}->{x['to']}") for x in g.truth["gaps"]}
        assert found == expected, (seed, structure)
        assert expected == {("extend", "hvac"), ("extend", "ore"), ("connect", "scrap->rod"),
                            ("connect", "foil->ccl"), ("strengthen", "tube"), ("strengthen", "pcb")}


# -- determinism, sizes, tables -------------------------------------------------------------------
def test_same_seed_same_cluster_other_seed_other_cluster() -> None:
    a = generate("copper", firms=150, seed=11, **COPPER_GAPS)
    b = generate("copper", firms=150, seed=11, **COPPER_GAPS)
    assert_same_cluster(a.cluster, b.cluster)
    assert a.truth == b.truth
    c = generate("copper", firms=150, seed=12, **COPPER_GAPS)
    assert not a.cluster.links.equals(c.cluster.links)


def test_sizes() -> None:
    g = generate("copper", firms=1000, leaders=4, backbone_share=0.2, external_share=0.1, institutions=7,
                 services=3, links_per_firm=4, seed=5)
    f = g.cluster.firms
    assert len(f) == 1000 + 7 + 3
    assert int(f["external"].sum()) == 100
    roles = f.loc[~f["external"], "role"].value_counts().to_dict()
    # 900 local firms: 4 leaders, round(0.2 * 896) = 179 backbone firms, the other 717 SMEs
    assert roles == {"sme": 717, "backbone": 179, "leader": 4, "institution": 7, "service": 3}
    assert len(g.cluster.links) == 4000
    assert not g.cluster.links.duplicated(["source", "target", "kind"]).any()
    assert g.truth["counts"]["links"] == 4000 and g.truth["roles"]["institution"] == 7
    assert g.truth["leaders"] == list(f.loc[f["role"].eq("leader") & ~f["external"], "firm_id"])


def test_tables_are_canonical_like_from_frames() -> None:
    g = generate(["aluminium", "polyurethane"], firms=300, seed=2, missing=["bauxite"], weak=["tdi"],
                 broken=["scrap->alloy"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = Cluster.from_frames(g.cluster.firms, g.cluster.links, meta=g.cluster.meta,
                                    templates=g.cluster.templates)
    assert_same_cluster(g.cluster, again)
    assert list(g.cluster.firms.columns) == list(again.firms.columns)
    assert g.cluster.firms.dtypes.to_dict() == again.firms.dtypes.to_dict()
    assert g.cluster.links.dtypes.to_dict() == again.links.dtypes.to_dict()
    assert g.cluster.meta["templates"] == ["aluminium", "polyurethane"] and "template" not in g.cluster.meta
    validated = generate(["aluminium", "polyurethane"], firms=300, seed=2, missing=["bauxite"], weak=["tdi"],
                         broken=["scrap->alloy"], validate=True)
    assert_same_cluster(g.cluster, validated.cluster)


def test_round_trips_through_a_folder(tmp_path: Path) -> None:
    g = generate("li_battery", firms=200, seed=9, missing=["lithium_ore"])
    back = chainnet.read_cluster(chainnet.write_cluster(g.cluster, tmp_path / "c"))
    assert_same_cluster(g.cluster, back)


def test_links_follow_template_flows_and_names_are_generic() -> None:
    g = generate("copper", firms=300, seed=4)
    t = g.cluster.template
    flows = set(zip(t.flows["from"], t.flows["to"]))
    sup = g.cluster.links[g.cluster.links["kind"] == "supply"]
    assert set(zip(sup["segment_from"], sup["segment_to"])) <= flows
    held = dict(zip(g.cluster.firms["firm_id"], g.cluster.firms["segments"]))
    assert all(a in held[s] and b in held[d] for s, d, a, b in
               zip(sup["source"], sup["target"], sup["segment_from"], sup["segment_to"]))
    assert g.cluster.firms["name"].str.endswith("modeled)").all()
    assert g.cluster.firms["name_zh"].str.contains("模拟").all()
    assert (g.cluster.firms["evidence"] == "modeled").all() and (g.cluster.links["evidence"] == "modeled").all()
    other = g.cluster.links[g.cluster.links["kind"] != "supply"]
    assert set(other["kind"]) <= {"cooperation", "rd", "service", "ownership"} and len(other) > 0
    assert other["segment_from"].isna().all()


def test_degrees_are_heavy_tailed() -> None:
    g = generate("copper", firms=5000, seed=1, structure="marshallian")
    sup = g.cluster.links[g.cluster.links["kind"] == "supply"]
    deg = pd.concat([sup["source"], sup["target"]]).value_counts()
    assert deg.max() > 15 * deg.median()


def _leader_share(g: chainnet.generate.GeneratedCluster) -> float:
    f = g.cluster.firms
    lead = set(f.loc[(f["role"] == "leader") & ~f["external"], "firm_id"])
    sup = g.cluster.links[g.cluster.links["kind"] == "supply"]
    return float((sup["source"].isin(lead) | sup["target"].isin(lead)).mean())


def _external_share_of_ties(g: chainnet.generate.GeneratedCluster) -> float:
    ext = set(g.cluster.firms.loc[g.cluster.firms["external"], "firm_id"])
    sup = g.cluster.links[g.cluster.links["kind"] == "supply"]
    return float((sup["source"].isin(ext) | sup["target"].isin(ext)).mean())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_structures_differ_as_the_typology_says(seed: int) -> None:
    g = {s: generate("copper", firms=2000, seed=seed, structure=s) for s in STRUCTURES}
    assert _leader_share(g["hub_and_spoke"]) > 2 * _leader_share(g["marshallian"])
    assert _external_share_of_ties(g["satellite"]) > 2 * _external_share_of_ties(g["hub_and_spoke"])
    own = g["satellite"].cluster.links.query("kind == 'ownership'")
    ext = set(g["satellite"].cluster.firms.loc[g["satellite"].cluster.firms["external"], "firm_id"])
    assert len(own) > 0 and own["source"].isin(ext).all()  # outside parents own local branch plants
    anchor = g["state_anchored"].truth["leaders"][0]
    rd = g["state_anchored"].cluster.links.query("kind == 'rd'")
    n_inst = g["state_anchored"].truth["roles"]["institution"]
    assert rd.loc[rd["target"] == anchor, "source"].nunique() >= 0.8 * n_inst  # the anchor works with most institutes
    assert len(g["hub_and_spoke"].cluster.firms.at[0, "segments"]) >= 2  # leaders vertically integrated
    m = g["marshallian"].cluster.links
    assert (m["kind"] == "cooperation").mean() > (g["hub_and_spoke"].cluster.links["kind"] == "cooperation").mean()


# -- given firms -----------------------------------------------------------------------------------
GIVEN = pd.DataFrame({
    "firm_id": ["big_smelter", "foil_maker"], "name": ["Big Smelter", "Foil Maker"], "role": ["leader", "backbone"],
    "segments": ["smelting;cathode", "foil"], "evidence": ["reported", "reported"], "source": ["paper", "paper"],
    "note": ["stated in the paper", None],
})


def test_given_firms_are_kept_and_linked() -> None:
    g = generate("copper", firms=200, leaders=1, seed=3, given=GIVEN, missing=["hvac"], weak=["foil"],
                 meta={"sources": [{"key": "paper", "cite": "A paper"}]}, validate=True)
    f = g.cluster.firms.set_index("firm_id")
    assert f.at["big_smelter", "segments"] == ("smelting", "cathode") and f.at["big_smelter", "evidence"] == "reported"
    assert f.at["big_smelter", "note"] == "stated in the paper"
    assert g.truth["leaders"] == ["big_smelter"]  # leaders=1 is met by the given leader
    assert "note" in g.cluster.firms.columns and g.cluster.firms["note"].isna().sum() == len(f) - 1
    assert_truth_holds(g)  # foil is weak: the given foil maker is its one local firm
    sup = g.cluster.links[g.cluster.links["kind"] == "supply"]
    assert (sup["source"] == "big_smelter").any() and (sup["target"] == "foil_maker").any()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"missing": ["foil"]}, "holds missing segment 'foil'"),
    ({"broken": ["smelting->cathode"]}, "holds both ends of broken flow smelting->cathode"),
])
def test_given_firms_must_not_contradict_the_gaps(kwargs: dict, message: str) -> None:
    with pytest.raises(chainnet.ChainnetError, match=message):
        generate("copper", firms=200, given=GIVEN, **kwargs)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"missing": ["gold"]}, "missing segment 'gold' is not in the template"),
    ({"broken": ["ore->pcb"]}, "broken flow ore->pcb is not a flow"),
    ({"broken": ["ore to smelting"]}, "must be written 'from->to'"),
    ({"missing": ["ore"], "broken": ["ore->smelting"]}, "has a missing segment"),
    ({"missing": ["ore"], "weak": ["ore"]}, "cannot be both missing and weak"),
    ({"firms": 20}, "firms=20 is too small"),
    ({"structure": "cluster"}, "unknown structure 'cluster'"),
    ({"external_share": 1.0}, "external_share must be >= 0 and < 1"),
])
def test_bad_arguments_say_what_to_fix(kwargs: dict, message: str) -> None:
    with pytest.raises(chainnet.ChainnetError, match=message):
        generate("copper", **{"firms": 200, **kwargs})


# -- command line ----------------------------------------------------------------------------------
def test_cli_generate_writes_the_cluster_and_prints_the_truth(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    r = CliRunner().invoke(main, ["generate", "--template", "copper", "--firms", "150", "--seed", "4",
                                  "--missing", "hvac,ore", "--broken", "scrap->rod", "--weak", "tube",
                                  "--structure", "marshallian", "-o", str(out)])
    assert r.exit_code == 0, r.output
    truth = json.loads(r.stdout)
    assert truth["missing"] == ["hvac", "ore"] and truth["broken"] == ["scrap->rod"] and truth["weak"] == ["tube"]
    assert truth["structure"] == "marshallian" and truth["parameters"]["seed"] == 4
    assert f"wrote {out}" in r.stderr
    c = chainnet.read_cluster(out)
    assert_same_cluster(c, generate("copper", firms=150, seed=4, missing=["hvac", "ore"], broken=["scrap->rod"],
                                    weak=["tube"], structure="marshallian").cluster)
    again = CliRunner().invoke(main, ["generate", "--template", "copper", "-o", str(out)])
    assert again.exit_code == 1 and "already exists" in again.stderr
    forced = CliRunner().invoke(main, ["generate", "--template", "copper", "-o", str(out), "--force"])
    assert forced.exit_code == 0 and chainnet.read_cluster(out).meta["id"] == "synthetic_copper_0"
    book = CliRunner().invoke(main, ["generate", "--template", "copper", "--id", "wb", "-o", str(tmp_path / "s.xlsx")])
    assert book.exit_code == 0 and chainnet.read_cluster(tmp_path / "s.xlsx").meta["id"] == "wb"


def test_cli_generate_reports_bad_gaps(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["generate", "--template", "copper", "--missing", "gold", "-o", str(tmp_path / "x")])
    assert r.exit_code == 1
    assert "missing segment 'gold' is not in the template" in r.stderr
    assert not (tmp_path / "x").exists()


def test_cli_generate_shows_progress_for_large_clusters(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["generate", "--template", "nano_materials", "--firms", "100000",
                                  "--links-per-firm", "1", "-o", str(tmp_path / "big")])
    assert r.exit_code == 0, r.output
    assert "firms: 101,500" in r.stderr and "links: 100,000" in r.stderr and "wrote" in r.stderr
    assert json.loads(r.stdout)["counts"]["links"] == 100_000
    assert np.isclose(chainnet.read_cluster(tmp_path / "big").firms["external"].mean(), 10_000 / 101_500)
