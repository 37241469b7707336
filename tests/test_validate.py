"""Every bad-input case of SCHEMA.md: the message names the file, the row and the column."""

from __future__ import annotations

from pathlib import Path

import hypothesis
import numpy as np
import pandas as pd
import pytest
from hypothesis import strategies as st

import chainnet
from chainnet import ValidationError
from tests.conftest import CLUSTER_TOML, FIRMS, LINKS, MINI_TEMPLATE, write_cluster_folder


def problems_of(folder: Path) -> str:
    with pytest.raises(ValidationError) as exc:
        chainnet.read_cluster(folder)
    return str(exc.value)


def test_valid_mini_cluster_reads(mini_folder: Path) -> None:
    c = chainnet.read_cluster(mini_folder)
    assert len(c.firms) == 3 and len(c.links) == 3
    assert c.firms.set_index("firm_id").at["c", "external"]  # '是' means true
    assert not c.firms.set_index("firm_id").at["b", "external"]  # 'no' means false


def test_duplicate_firm_id(tmp_path: Path) -> None:
    firms = FIRMS + "b,Beta again,,sme,ore,false,1\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms))
    # b is on data rows 2 and 4 -> file rows 3 and 5 (header is row 1)
    assert "firms.csv, rows 3, 5, column 'firm_id': duplicate firm_id 'b'" in msg


def test_link_to_unknown_firm(tmp_path: Path) -> None:
    links = LINKS + "a,zzz,supply,1,\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", links=links))
    assert "links.csv, row 5, column 'target': unknown firm 'zzz'" in msg


def test_unknown_role_kind_and_segment_reported_together(tmp_path: Path) -> None:
    firms = FIRMS.replace("a,Alpha Mining,阿尔法矿业,sme,ore", "a,Alpha Mining,阿尔法矿业,boss,oar")
    links = LINKS.replace("a,c,cooperation", "a,c,friendship")
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms, links=links))
    assert msg.startswith("3 problems found")
    assert "firms.csv, row 2, column 'role': unknown role 'boss'" in msg
    assert "firms.csv, row 2, column 'segments': unknown segment id 'oar'" in msg
    assert "links.csv, row 4, column 'kind': unknown kind 'friendship'" in msg


@pytest.mark.parametrize("value, expect", [("-2", "weight must be > 0"), ("lots", "weight must be a number"),
                                           ("0", "weight must be > 0")])
def test_bad_weight(tmp_path: Path, value: str, expect: str) -> None:
    links = LINKS.replace("b,c,supply,1,", f"b,c,supply,{value},")
    msg = problems_of(write_cluster_folder(tmp_path / "x", links=links))
    assert f"links.csv, row 3, column 'weight': {expect}" in msg


@pytest.mark.parametrize("value, expect", [("-1", "output must be >= 0"), ("a lot", "output must be a number")])
def test_bad_output(tmp_path: Path, value: str, expect: str) -> None:
    firms = FIRMS.replace("sme,parts,是,0.25", f"sme,parts,是,{value}")
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms))
    assert f"firms.csv, row 4, column 'output': {expect}" in msg


def test_self_loop_supply_link(tmp_path: Path) -> None:
    links = LINKS + "b,b,supply,1,\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", links=links))
    assert "links.csv, row 5, column 'target': a supply link from a firm to itself" in msg


def test_self_loop_of_another_kind_is_allowed(tmp_path: Path) -> None:
    c = chainnet.read_cluster(write_cluster_folder(tmp_path / "x", links=LINKS + "b,b,ownership,1,\n"))
    assert len(c.links) == 4


def test_template_with_cycle(tmp_path: Path) -> None:
    tpl = MINI_TEMPLATE + '\n[[flow]]\nfrom = "parts"\nto = "ore"\n'
    msg = problems_of(write_cluster_folder(tmp_path / "x", template=tpl))
    # the three flows (table rows 1, 2, 3 of [[flow]]) make the cycle
    assert "mini.toml, rows 1, 2, 3, column 'flow': flows form a cycle" in msg


def test_template_flow_to_unknown_segment(tmp_path: Path) -> None:
    tpl = MINI_TEMPLATE + '\n[[flow]]\nfrom = "metal"\nto = "wire"\n'
    msg = problems_of(write_cluster_folder(tmp_path / "x", template=tpl))
    assert "mini.toml, row 3, column 'flow.to': flow metal->wire names unknown segment 'wire'" in msg


def test_empty_firms_table(tmp_path: Path) -> None:
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms="firm_id,name,role,segments\n", links=None))
    assert "firms.csv: the firms table is empty" in msg


def test_missing_required_column(tmp_path: Path) -> None:
    firms = "firm_id,name,segments\na,A,ore\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms, links=None))
    assert "firms.csv, column 'role': required column 'role' is missing" in msg


def test_invalid_csv_shape_names_every_bad_row(tmp_path: Path) -> None:
    firms = FIRMS + "d,Delta,,sme,ore,false,1,extra,fields\ne,Eps,,sme,ore,false,1,x,y\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms))
    assert "firms.csv, row 5: has 9 fields but the header has 7" in msg
    assert "firms.csv, row 6: has 9 fields but the header has 7" in msg


def test_invalid_toml(tmp_path: Path) -> None:
    msg = problems_of(write_cluster_folder(tmp_path / "x", toml=CLUSTER_TOML + "\nname = = 3\n"))
    assert "cluster.toml: not valid TOML" in msg and "line" in msg


def test_invalid_xlsx(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"this is not a zip file")
    with pytest.raises(ValidationError, match=r"bad.xlsx: not a valid .xlsx workbook"):
        chainnet.read_cluster(bad)


def test_undecodable_encoding(tmp_path: Path) -> None:
    folder = write_cluster_folder(tmp_path / "x")
    (folder / "firms.csv").write_bytes(FIRMS.encode("utf-8") + b"\xff\xfe\xfa\xfb\x80\x81\n")
    msg = problems_of(folder)
    assert "firms.csv: cannot decode the text" in msg and "UTF-8" in msg


def test_latin1_text_is_refused_not_misread_as_chinese(tmp_path: Path) -> None:
    firms = "firm_id,name,role,segments\na,Société Générale Métaux,sme,ore\nb,Café Müller Côté,sme,metal\n"
    folder = write_cluster_folder(tmp_path / "x", firms=firms, links=None, encoding="cp1252")
    assert "cannot decode the text" in problems_of(folder)


def test_every_problem_of_every_file_at_once(tmp_path: Path) -> None:
    firms = FIRMS + "a,dup,,sme,ore,false,-3\n"
    links = LINKS + "a,ghost,supply,-1,\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms, links=links))
    for part in ("duplicate firm_id 'a'", "output must be >= 0", "unknown firm 'ghost'", "weight must be > 0"):
        assert part in msg


def test_bad_metadata(tmp_path: Path) -> None:
    toml = CLUSTER_TOML.replace('id = "mini_cluster"', 'id = "Mini Cluster!"').replace("year = 2020", 'year = "soon"')
    msg = problems_of(write_cluster_folder(tmp_path / "x", toml=toml))
    assert "cluster.toml, column 'id'" in msg and "cluster.toml, column 'year'" in msg


def test_unknown_template_id(tmp_path: Path) -> None:
    toml = CLUSTER_TOML.replace('template = "mini.toml"', 'template = "unobtainium"')
    msg = problems_of(write_cluster_folder(tmp_path / "x", toml=toml))
    assert "unknown template 'unobtainium'" in msg and "copper" in msg


def test_segment_from_must_be_a_segment_of_the_seller(tmp_path: Path) -> None:
    links = "source,target,kind,weight,segment_from,segment_to\na,b,supply,1,parts,metal\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", links=links))
    assert "links.csv, row 2, column 'segment_from': segment_from is not one of the source firm's segments" in msg


def test_undeclared_source_key(tmp_path: Path) -> None:
    firms = "firm_id,name,role,segments,evidence,source\na,A,sme,ore,reported,nowhere\n"
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms, links=None))
    assert "firms.csv, row 2, column 'source': source key is not declared" in msg


def test_duplicate_links_are_merged_with_a_warning(tmp_path: Path) -> None:
    links = LINKS + "a,b,supply,1.5,2015\n"
    with pytest.warns(chainnet.DataWarning, match="1 duplicate link rows"):
        c = chainnet.read_cluster(write_cluster_folder(tmp_path / "x", links=links))
    ab = c.links[(c.links.source == "a") & (c.links.target == "b")]
    assert len(ab) == 1
    assert ab["weight"].iloc[0] == 4.0  # 2.5 + 1.5
    assert ab["year"].iloc[0] == 2015  # earliest year


def test_failed_read_changes_no_input_file(tmp_path: Path) -> None:
    folder = write_cluster_folder(tmp_path / "x", links=LINKS + "a,ghost,supply,1,\n")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    problems_of(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_long_lists_of_bad_rows_are_summarised(tmp_path: Path) -> None:
    firms = "firm_id,name,role,segments,output\n" + "".join(f"f{i},F{i},sme,ore,-1\n" for i in range(30))
    msg = problems_of(write_cluster_folder(tmp_path / "x", firms=firms, links=None))
    # 30 bad rows: 20 listed (rows 2..21) and the other 10 counted
    assert "rows 2, 3, 4" in msg and "21 and 10 more" in msg


# -- numbers parsed once per distinct cell (chainnet._values._to_float) -------------------------
_CELLS = ["1", "2.5", "1e3", "-0", "inf", "-inf", "nan", "NaN", "x", "2019年", " 3", "0x1F", "1_000", "1,5",
          "9007199254740993", "1e15", "1.0000000000000002", "5e-324", "+4", "", ".5", "5.", "１２",
          "1.23456789012345678901", None]


@hypothesis.given(cells=st.lists(st.sampled_from(_CELLS), min_size=1, max_size=40), times=st.integers(1, 6),
                  dtype=st.sampled_from(["string", "str", "object"]))
@hypothesis.settings(max_examples=150, deadline=None)
def test_numbers_parsed_per_distinct_cell_equal_pandas(cells, times, dtype) -> None:
    from chainnet._values import _to_float

    s = pd.Series(cells * times, dtype=dtype)
    ref = pd.to_numeric(s, errors="coerce").astype(float).to_numpy()
    assert np.array_equal(_to_float(s).to_numpy(), ref, equal_nan=True)
