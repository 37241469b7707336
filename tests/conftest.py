"""Shared fixtures: tiny cluster folders written on the fly."""

from __future__ import annotations

from pathlib import Path

import pytest

MINI_TEMPLATE = """
schema = "chainnet/1"
id = "mini"
name = "Mini chain"
name_zh = "迷你链"

[[segment]]
id = "ore"
name = "Ore"
name_zh = "矿"
stage = "upstream"

[[segment]]
id = "metal"
name = "Metal"
name_zh = "金属"
stage = "midstream"

[[segment]]
id = "parts"
name = "Parts"
name_zh = "零件"
stage = "downstream"

[[flow]]
from = "ore"
to = "metal"

[[flow]]
from = "metal"
to = "parts"
"""

# the same three-segment chain as a template mapping (for Template.from_dict), English and Chinese names
MINI = {"schema": "chainnet/1", "id": "mini", "name": "Mini",
        "segment": [{"id": "ore", "name": "Ore", "stage": "upstream"},
                    {"id": "metal", "name": "Metal", "stage": "midstream"},
                    {"id": "parts", "name": "Parts", "stage": "downstream"}],
        "flow": [{"from": "ore", "to": "metal"}, {"from": "metal", "to": "parts"}]}
MINI_ZH = {**MINI, "segment": [{**s, "name_zh": z} for s, z in zip(MINI["segment"], ["矿石", "金属", "零件"])]}

CLUSTER_TOML = """
schema = "chainnet/1"
id = "mini_cluster"
name = "Mini cluster"
name_zh = "迷你集群"
year = 2020
template = "mini.toml"

[[sources]]
key = "test"
cite = "Made up for the tests"
"""

FIRMS = """firm_id,name,name_zh,role,segments,external,output
a,Alpha Mining,阿尔法矿业,sme,ore,false,1.5
b,Beta Metals,贝塔金属,leader,metal;parts,no,20
c,Gamma Parts,伽马零件,sme,parts,是,0.25
"""

LINKS = """source,target,kind,weight,year
a,b,supply,2.5,2018
b,c,supply,1,2019
a,c,cooperation,1,
"""


def write_cluster_folder(root: Path, *, toml: str = CLUSTER_TOML, firms: str = FIRMS, links: str | None = LINKS,
                         template: str = MINI_TEMPLATE, encoding: str = "utf-8") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cluster.toml").write_text(toml, encoding="utf-8")
    (root / "mini.toml").write_text(template, encoding="utf-8")
    (root / "firms.csv").write_bytes(firms.encode(encoding))
    if links is not None:
        (root / "links.csv").write_bytes(links.encode(encoding))
    return root


@pytest.fixture
def mini_folder(tmp_path: Path) -> Path:
    return write_cluster_folder(tmp_path / "mini")
