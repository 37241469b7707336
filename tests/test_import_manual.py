"""chainnet import of a pre-classified firm list (segments/role columns), and the shipped example.

Expected values are worked by hand from the copper template (segment ids and names, chain order
ore, scrap, smelting, cathode, rod, ...) and the role rule (backbone from 2000万元 = 0.2 亿元).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from chainnet import DataWarning, ValidationError
from chainnet.cli import main
from chainnet.importer import example_export, import_firms

HEADER = "企业名称,主营产品,营业收入(万元),产业链环节,角色"
ROWS = [
    "甲铜箔有限公司,电解铜箔,100,,龙头",           # row 2: rules place it (foil); the role is the analyst's
    "乙铜业有限公司,阴极铜,5000,铜箔；cathode,",    # row 3: segments chosen by hand (a name and an id)
    "丙有限公司,,100,电线电缆,骨干",               # row 4: nothing for the rules; both chosen by hand
    "丁研究院,,,,",                              # row 5: no choice: an institution by its name
    "戊有限公司,电解铜箔,100,,服务机构",            # row 6: role only
    "己有限公司,,,铜杆,链主",                      # row 7: Chinese segment name and 链主
]


def write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def decisions(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        r = import_firms(path, template="copper")
    return r, r.decisions.set_index("name")


def test_filled_cells_are_manual_choices_and_blank_cells_leave_the_rules(tmp_path: Path) -> None:
    r, d = decisions(write(tmp_path / "pre.csv", ROWS))
    got = {n: (d.at[n, "segments"], d.at[n, "role"], d.at[n, "basis"]) for n in d.index}
    assert got == {
        "甲铜箔有限公司": ("foil", "leader", "products:电解铜箔;manual"),
        "乙铜业有限公司": ("cathode;foil", "backbone", "manual;size"),   # 5000万元 = 0.5 亿元 >= 0.2
        "丙有限公司": ("cable", "backbone", "manual"),
        "丁研究院": ("", "institution", "name"),
        "戊有限公司": ("foil", "service", "products:电解铜箔;manual"),
        "己有限公司": ("rod", "leader", "manual"),
    }
    assert d.at["乙铜业有限公司", "confidence"] == 1.0 and d.at["乙铜业有限公司", "note"] == "manual"
    assert d.at["乙铜业有限公司", "rule_segments"] == "cathode"   # what the rules said is kept for review
    firms = r.cluster.firms.set_index("name")
    assert firms.at["乙铜业有限公司", "segments"] == ("cathode", "foil")
    assert firms.at["己有限公司", "role"] == "leader"
    assert set(firms.index) == set(d.index)


def test_english_headers_and_role_ids(tmp_path: Path) -> None:
    src = write(tmp_path / "pre.csv", ["Alpha Co,,,Copper tube,SME", "Beta Co,,,hvac;tube,institution"],
                header="name,products,revenue (10k CNY),segments,role")
    _, d = decisions(src)
    assert (d.at["Alpha Co", "segments"], d.at["Alpha Co", "role"]) == ("tube", "sme")
    assert (d.at["Beta Co", "segments"], d.at["Beta Co", "role"]) == ("tube;hvac", "institution")


def test_unknown_segments_and_roles_are_all_reported_with_row_and_column(tmp_path: Path) -> None:
    rows = list(ROWS)
    rows[0] = "甲铜箔有限公司,电解铜箔,100,铜X,龙头"        # row 2
    rows[1] = "乙铜业有限公司,阴极铜,5000,,boss"           # row 3
    rows[2] = "丙有限公司,,100,foo、foil,骨干"            # row 4
    src = write(tmp_path / "bad.csv", rows)
    with pytest.raises(ValidationError) as e:
        decisions(src)
    msg = str(e.value)
    assert "row 2, column '产业链环节': unknown segment 铜X" in msg
    assert "row 4, column '产业链环节': unknown segment foo" in msg
    assert "row 3, column '角色': unknown role 'boss'" in msg
    assert "ore, scrap, smelting, cathode, rod, wire" in msg  # the template's segments in chain order
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["import", str(src), "--template", "copper", "-o", str(out)])
    assert res.exit_code == 1 and "unknown segment 铜X" in res.output and "Traceback" not in res.output
    assert not out.exists()


def test_example_flag_imports_the_shipped_export(tmp_path: Path) -> None:
    path = example_export()
    assert path.is_file() and path.parent.name == "registry_examples"
    out = tmp_path / "qinghe"
    res = CliRunner().invoke(main, ["import", "--example", "--template", "copper", "--region", "青禾",
                                    "--leaders", "青禾有色金属集团有限公司", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert str(path) in res.output
    firms = pd.read_csv(out / "firms.csv")
    assert (firms["evidence"] == "modeled").all()          # its firms are fictional
    assert (out / "review.xlsx").exists()
    # its answer key (written by hand): the firms of other cities are external with --region 青禾
    answers = pd.read_csv(example_export("answers"), dtype=str, keep_default_na=False)
    external = dict(zip(answers["企业名称"], answers["expected_external"] == "true"))
    assert sum(external.values()) == 8                     # rows 72-79, as the README says
    assert all(bool(x) == external[n] for n, x in zip(firms["name"], firms["external"]))
    assert firms.set_index("name").at["青禾有色金属集团有限公司", "role"] == "leader"


@pytest.mark.parametrize("args", [["--example", "x.csv"], []])
def test_example_or_file_is_a_usage_error_otherwise(args: list[str], tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["import", *args, "--template", "copper", "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "FILE" in res.output


def test_the_example_export_is_package_data() -> None:
    import configparser
    import fnmatch

    root = Path(__file__).resolve().parents[1]
    cfg = configparser.ConfigParser()
    cfg.read(root / "setup.cfg")
    patterns = cfg["options.package_data"]["chainnet._datasets"].replace(",", " ").split()
    folder = root / "datasets" / "registry_examples"
    for f in folder.iterdir():
        if f.is_file() and not f.name.startswith("."):
            rel = f"registry_examples/{f.name}"
            assert any(fnmatch.fnmatch(rel, p) for p in patterns), f"{rel} is not shipped in the wheel"



def test_links_from_a_workbook_name_firms_by_name(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ties"  # the first sheet is read, whatever its name
    ws.append(["source", "target", "kind"])
    ws.append(["乙铜业有限公司", "甲铜箔有限公司", "supply"])
    wb.save(tmp_path / "links.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        r = import_firms(write(tmp_path / "pre.csv", ROWS), template="copper", links=tmp_path / "links.xlsx")
    ids = dict(zip(r.cluster.firms["name"], r.cluster.firms["firm_id"]))
    links = r.cluster.links
    assert (links["source"].tolist(), links["target"].tolist()) == ([ids["乙铜业有限公司"]], [ids["甲铜箔有限公司"]])
