"""The wheel must carry every package and data file the code uses."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_package_is_listed_in_setup_cfg() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "chainnet").rglob("__init__.py")}
    assert found <= listed, f"add to setup.cfg [options] packages: {sorted(found - listed)}"


def test_every_data_folder_matches_package_data() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    data = cfg["options.package_data"]["chainnet"]
    for folder, suffix in (("templates", "toml"), ("profiles", "toml")):
        if (ROOT / "chainnet" / folder).exists():
            assert f"{folder}/*.{suffix}" in data


def test_every_web_file_of_the_interactive_map_ships() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    patterns = [p.strip() for p in cfg["options.package_data"]["chainnet.viz"].split(",")]
    web = sorted((ROOT / "chainnet" / "viz" / "web").iterdir())
    assert {"map.html", "map.js", "map.css", "sigma.min.js", "graphology.umd.min.js", "VENDORED.md"} <= {p.name for p in web}
    for p in web:
        assert any(p.relative_to(ROOT / "chainnet" / "viz").match(pat) for pat in patterns), f"{p.name} not in package_data"
