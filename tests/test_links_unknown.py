"""A firm list without tie data (links = "unknown"): no 断链 claims, a survey list, null link figures.

Hand-worked case on the line template of completeness_cases (segment weights a1 b2 c1 d2 e1 f1 g1 x1,
sum 10; flows a->b 2, b->c 1, c->d 1, d->e 2, e->f 2, f->g 2, sum 10):

    u1 leader   a;b   (makes a->b in-house)
    u2 sme      b
    u3 backbone c
    u4 sme      c
    u5 sme      e
    u6 sme      f
    u7 sme      x
    x9 external d     (external supply of d)

covered a b c e f x = 1+2+1+1+1+1 = 7 of 10 -> segment coverage 0.7.
a->b realised in-house by u1 (one pair: weak); b->c and e->f have both ends covered but no
tie data: unknown; c->d, d->e, f->g touch a missing segment: missing.
link_coverage_min = w(a->b) / 10 = 0.2.
Survey: e->f pairs 1 x 1 = 1, weight share 2/10; b->c pairs 2 x 2 = 4, share 1/10 -> e->f first.
Gaps (impact = rise of segment coverage): d is missing with covered segments up (a, b, c) and down
(e, f): fill, +2/10; g missing, covered only upstream: extend, +1/10; weak segments a (u1 gone: a
uncovered, b still has u2), e, f, x: strengthen, each -1/10. No connect gap, no weak-flow gap.
"""

from __future__ import annotations

import json
import warnings
from fractions import Fraction as Fr
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from pytest import approx

import chainnet
from chainnet import Cluster, DataWarning, ValidationError
from chainnet.analysis.centrality import leaders
from chainnet.analysis.completeness import audit, completeness
from chainnet.cli import main
from chainnet.model import assert_same_cluster

from .completeness_cases import line_template
from .conftest import CLUSTER_TOML, write_cluster_folder

NOTE = "links unknown: link figures not measured"
FIRMS = pd.DataFrame([
    ("u1", "U1 Leader", "leader", "a;b", False),
    ("u2", "U2", "sme", "b", False),
    ("u3", "U3", "backbone", "c", False),
    ("u4", "U4", "sme", "c", False),
    ("u5", "U5", "sme", "e", False),
    ("u6", "U6", "sme", "f", False),
    ("u7", "U7", "sme", "x", False),
    ("x9", "X9 Outside", "sme", "d", True),
], columns=["firm_id", "name", "role", "segments", "external"])


def firm_list(links: str = "unknown", firms: pd.DataFrame = FIRMS, **meta: object) -> Cluster:
    return Cluster.from_frames(firms, None, meta={"id": "firm_list", "name": "Firm list", "template": "line",
                                                  "links": links, **meta}, templates=[line_template()])


def test_completeness_figures_by_hand() -> None:
    c = firm_list()
    assert not c.links_known
    assert completeness(c) == {"segment_coverage": approx(Fr(7, 10)), "link_coverage": None,
                               "path_completeness": None, "index": None, "link_coverage_min": approx(Fr(2, 10))}


def test_flow_statuses_survey_and_gaps_by_hand() -> None:
    a = audit(firm_list())
    status = dict(zip(a.flows["from"] + "->" + a.flows["to"], a.flows["status"]))
    assert status == {"a->b": "weak", "b->c": "unknown", "c->d": "missing", "d->e": "missing",
                      "e->f": "unknown", "f->g": "missing"}
    seg = dict(zip(a.segments["segment"], a.segments["status"]))
    assert seg == {"a": "weak", "b": "present", "c": "present", "d": "missing", "e": "weak", "f": "weak",
                   "g": "missing", "x": "weak"}
    assert a.survey[["from", "to", "pairs"]].to_dict("records") == [
        {"from": "e", "to": "f", "pairs": 1}, {"from": "b", "to": "c", "pairs": 4}]
    assert list(a.survey["link_share"]) == approx([0.2, 0.1])
    gaps = a.gaps[["type", "id", "impact"]].to_dict("records")
    assert [(g["type"], g["id"]) for g in gaps] == [("fill", "d"), ("extend", "g"), ("strengthen", "a"),
                                                    ("strengthen", "e"), ("strengthen", "f"), ("strengthen", "x")]
    assert [g["impact"] for g in gaps] == approx([0.2, 0.1, 0.1, 0.1, 0.1, 0.1])
    assert a.summary["flows"] == {"present": 0, "weak": 1, "broken": 0, "missing": 3, "unknown": 2}
    assert a.summary["gaps"]["connect"] == 0
    assert "segment coverage would fall by 10.0 points" in a.gaps.set_index("id").at["a", "reason"]


def test_survey_ties_rank_by_fewest_pairs() -> None:
    # y1 b; y2, y3 c; y4, y5 d: b->c (weight 1) pairs 1 x 2 = 2, c->d (weight 1) pairs 2 x 2 = 4;
    # a and e are not covered, so a->b and d->e are missing. Segment coverage (2+1+2)/10.
    firms = pd.DataFrame({"firm_id": ["y1", "y2", "y3", "y4", "y5"], "name": list("ABCDE"),
                          "role": ["sme"] * 5, "segments": ["b", "c", "c", "d", "d"]})
    a = audit(firm_list(firms=firms))
    assert a.survey[["from", "to", "pairs"]].to_dict("records") == [
        {"from": "b", "to": "c", "pairs": 2}, {"from": "c", "to": "d", "pairs": 4}]
    assert a.completeness["segment_coverage"] == approx(0.5) and a.completeness["link_coverage_min"] == 0.0


def test_declared_known_without_links_keeps_broken_flows() -> None:
    # the same firms with links = "known": b->c and e->f are broken; link coverage 2/10; sinks g (not
    # covered) and x (source and sink, covered): path 1/2; index (7/10 + 2/10 + 1/2) / 3
    a = audit(firm_list("known"))
    assert a.completeness == {"segment_coverage": approx(0.7), "link_coverage": approx(0.2),
                              "path_completeness": approx(0.5), "index": approx(Fr(14, 30))}
    assert set(a.flows.loc[a.flows["status"] == "broken", "from"]) == {"b", "e"}
    assert {"b->c", "e->f"} <= set(a.gaps.loc[a.gaps["type"] == "connect", "id"])
    assert a.survey.empty and a.to_dict()["survey"] == [] and a.to_dict()["links"] == "known"


def test_audit_json_keys() -> None:
    d = json.loads(json.dumps(audit(firm_list()).to_dict()))
    comp = d["completeness"]
    assert comp["link_coverage"] is None and comp["path_completeness"] is None and comp["index"] is None
    assert comp["link_coverage_min"] == approx(0.2)
    assert [f["status"] for f in d["flows"] if f["from"] in ("b", "e")] == ["unknown", "unknown"]
    assert [{k: s[k] for k in ("from", "to", "pairs")} for s in d["survey"]] == [
        {"from": "e", "to": "f", "pairs": 1}, {"from": "b", "to": "c", "pairs": 4}]
    assert d["links"] == "unknown"


def test_leader_figures_are_null_with_the_reason() -> None:
    r = leaders(firm_list())
    assert r.figures == dict.fromkeys(("leader_dominance", "sme_attachment", "leader_reach",
                                       "degree_centralization", "leader_dependence"))
    d = r.to_dict()
    assert d["reason"] == NOTE and d["reason_zh"] == "企业间关联未知：未测算关联指标"
    assert all(f["pagerank"] is None and f["betweenness"] is None for f in d["firms"])
    assert list(r.leaders["firm_id"]) == ["u1"] and r.leaders.at[0, "completeness_lost"] is None
    assert r.mismatches.empty  # no tie data: no role is flagged for lacking partners


# -- reading and writing the declaration ---------------------------------------------------------------
FOLDER_FIRMS = "firm_id,name,role,segments\na,A,sme,ore\nb,B,leader,metal\n"


@pytest.mark.parametrize("links", [None, "source,target\n"])
def test_no_or_empty_links_file_is_read_as_unknown_with_a_warning(tmp_path: Path, links: str | None) -> None:
    folder = write_cluster_folder(tmp_path / "c", firms=FOLDER_FIRMS, links=links)
    with pytest.warns(DataWarning, match=r'links unknown.*links = "unknown" in cluster.toml.*links = "known"'):
        c = chainnet.read_cluster(folder)
    assert not c.links_known and c.meta["links"] == "unknown"
    assert audit(c).flows.set_index("from").at["ore", "status"] == "unknown"


def declared(decl: str) -> str:
    """conftest's cluster.toml with ``links = decl`` among the top-level keys."""
    return CLUSTER_TOML.replace("[[sources]]", f'links = "{decl}"\n\n[[sources]]', 1)


def test_declared_links_give_no_warning(tmp_path: Path) -> None:
    for decl, known in (("known", True), ("unknown", False)):
        folder = write_cluster_folder(tmp_path / decl, toml=declared(decl), firms=FOLDER_FIRMS, links=None)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            c = chainnet.read_cluster(folder)
        assert c.links_known is known
        status = audit(c).flows.set_index("from").at["ore", "status"]
        assert status == ("broken" if known else "unknown")


def test_unknown_with_link_rows_or_a_bad_value_is_an_error_on_cluster_toml(tmp_path: Path) -> None:
    folder = write_cluster_folder(tmp_path / "c", toml=declared("unknown"))
    with pytest.raises(ValidationError) as e:
        chainnet.read_cluster(folder)
    assert "cluster.toml, column 'links'" in str(e.value) and "links.csv has 3 link rows" in str(e.value)
    folder = write_cluster_folder(tmp_path / "d", toml=declared("maybe"))
    with pytest.raises(ValidationError, match="links must be \"known\" or \"unknown\", not 'maybe'"):
        chainnet.read_cluster(folder)


@pytest.mark.parametrize("fmt", ["folder", "xlsx", "graphml", "gexf", "json"])
@pytest.mark.parametrize("decl", ["unknown", "known"])
def test_declaration_round_trips_through_every_writer(tmp_path: Path, fmt: str, decl: str) -> None:
    c = firm_list(decl)
    suffix = {"folder": "", "xlsx": ".xlsx", "graphml": ".graphml", "gexf": ".gexf", "json": ".json"}[fmt]
    path = chainnet.write_cluster(c, tmp_path / f"out{suffix}", to=fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # declared: no warning on reading back
        back = chainnet.read_cluster(path)
    assert back.meta["links"] == decl and back.links_known is (decl == "known")
    # a custom template is written next to a folder and referenced by file name; all else is equal
    assert_same_cluster(c, Cluster({**back.meta, "template": c.meta["template"]}, back.firms, back.links,
                                   back.templates))


def test_bundled_firm_list_has_no_broken_flow() -> None:
    c = chainnet.load_dataset("jilin_carbon_fibre")
    a = audit(c)
    assert not c.links_known and "broken" not in set(a.flows["status"]) and a.summary["gaps"]["connect"] == 0
    # every unknown flow is in the survey, with holders(from) x holders(to) pairs counted from firms.csv
    local = set(c.firms.loc[c.local_mask, "firm_id"])
    fs = c.firm_segments
    n = fs[fs["firm_id"].isin(local)].groupby("segment").size()
    assert len(a.survey) == (a.flows["status"] == "unknown").sum() > 0
    for src, dst, pairs in zip(a.survey["from"], a.survey["to"], a.survey["pairs"]):
        assert pairs == n[src] * n[dst]


# -- commands --------------------------------------------------------------------------------------------
def test_cli_audit_says_links_unknown_and_lists_the_survey() -> None:
    r = CliRunner().invoke(main, ["audit", "jilin_carbon_fibre"])
    assert r.exit_code == 0, r.output
    assert NOTE in r.output and "Ties to survey (links unknown), ranked" in r.output
    assert "broken" not in r.output and "connect" not in r.output
    r = CliRunner().invoke(main, ["audit", "jilin_carbon_fibre", "--lang", "zh"])
    assert "企业间关联未知：未测算关联指标" in r.output and "断链" not in r.output.split("\n", 3)[3]
    r = CliRunner().invoke(main, ["audit", "jilin_carbon_fibre", "--format", "json"])
    d = json.loads(r.output)
    assert d["completeness"]["index"] is None and isinstance(d["completeness"]["link_coverage_min"], float)
    assert d["survey"] and set(d["survey"][0]) >= {"from", "to", "pairs"}
    r = CliRunner().invoke(main, ["audit", "jilin_carbon_fibre", "--format", "csv", "--table", "survey"])
    assert r.output.splitlines()[0] == "from,to,pairs,template,weight,link_share"


@pytest.mark.parametrize("command", ["structure", "position", "resilience"])
def test_cli_link_commands_say_not_measured_and_exit_0(command: str) -> None:
    r = CliRunner().invoke(main, [command, "jilin_carbon_fibre"])
    assert r.exit_code == 0, r.output
    assert NOTE in r.output and "0.000" not in r.output
    r = CliRunner().invoke(main, [command, "jilin_carbon_fibre", "--format", "json"])
    assert json.loads(r.output) == {"cluster": "jilin_carbon_fibre", "links": "unknown", "reason": NOTE,
                                    "reason_zh": "企业间关联未知：未测算关联指标"}


@pytest.mark.parametrize("args", [["leaders", "jilin_carbon_fibre"], ["whatif", "jilin_carbon_fibre", "--remove", "f01"],
                                  ["timeline", "jilin_carbon_fibre", "--years", "2020:2021"],
                                  ["compare", "jilin_carbon_fibre", "demo_copper", "--null-models", "0"]])
def test_cli_other_commands_say_links_unknown(args: list[str]) -> None:
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert NOTE in r.output


def test_cli_validate_and_plot_say_links_unknown(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["validate", "jilin_carbon_fibre"])
    assert r.exit_code == 0 and r.output.rstrip().endswith(NOTE)
    out = tmp_path / "n.png"
    r = CliRunner().invoke(main, ["plot", "jilin_carbon_fibre", "--kind", "network", "-o", str(out)])
    assert r.exit_code == 1 and NOTE in r.output and not out.exists()


# -- figure and report -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "label"), [("en", "tie unknown (to survey)"), ("zh", "关联未知（待调查核实）")])
def test_chain_map_draws_unknown_flows_grey_dash_dot_with_a_legend_entry(lang: str, label: str) -> None:
    from matplotlib.colors import to_rgba

    from chainnet.viz import _style as st
    from chainnet.viz import chain_map

    fig, ax = chain_map(firm_list(), lang=lang)
    flows = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("chainmap.flow.line.")}
    for a, b in (("b", "c"), ("e", "f")):
        p = flows[f"chainmap.flow.line.{a}.{b}"]
        assert p.get_linestyle() in ("-.", "dashdot")
        assert to_rgba(p.get_edgecolor()) == to_rgba(st.FLOW_STYLES["unknown"][0])
    assert flows["chainmap.flow.line.a.b"].get_linestyle() in ("-", "solid")  # in-house: realized
    legend = [t.get_text() for leg in (fig.legends or [ax.get_legend()]) for t in leg.get_texts()]
    assert label in legend and not any("断链" in x or "broken" in x for x in legend)
    subtitle = " ".join(t.get_text() for t in fig.texts + ax.texts)
    assert st.WORDS[lang]["links_unknown"] in subtitle
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_report_leads_its_gaps_with_the_survey_and_skips_tie_analyses() -> None:
    from chainnet.report import compute, render_markdown

    an = compute(firm_list(year=2020), null_models=0)
    md = render_markdown(an.doc)
    assert NOTE in md and "Ties to survey (links unknown), ranked" in md
    assert md.index("Ties to survey") < md.index("Gaps: what to fill")
    assert "| broken |" not in md and "| connect" not in md and "| 0.000 |" not in md  # no 断链 row, no zeros
    d = an.to_dict()
    for key in ("structure", "position", "resilience"):
        assert d[key] == {"links": "unknown", "reason": NOTE, "reason_zh": "企业间关联未知：未测算关联指标"}
    assert list(an.sheets["survey"].iloc[:, 3]) == [1, 4]  # firm pairs, in survey order
