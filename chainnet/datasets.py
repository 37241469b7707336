"""Bundled datasets: clusters shipped with chainnet, loadable by id.

>>> "demo_copper" in available()
True
>>> load("demo_copper").template.id
'copper'
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from ._errors import DatasetError
from .model import Cluster


def data_dir() -> Path:
    """Folder holding the bundled datasets (inside the installed package, or the repository's ``datasets/``)."""
    packaged = Path(__file__).parent / "_datasets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "datasets"


def available() -> list[str]:
    """Ids of the bundled datasets, sorted."""
    root = data_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "cluster.toml").is_file())


def path(name: str) -> Path:
    """Folder of a bundled dataset."""
    if name not in available():
        raise DatasetError(f"unknown dataset {name!r}; bundled datasets: {', '.join(available())}")
    return data_dir() / name


def load(name: str) -> Cluster:
    """Load a bundled dataset by id."""
    from .io import read_folder

    return read_folder(path(name))


def info() -> list[dict]:
    """One row per bundled dataset: id, name, region, year, templates, firm and link counts."""
    rows = []
    for name in available():
        folder = data_dir() / name
        meta = tomllib.loads((folder / "cluster.toml").read_text(encoding="utf-8-sig"))
        tpl = meta.get("templates", meta.get("template"))
        with open(folder / "firms.csv", encoding="utf-8-sig") as f:
            n_firms = sum(1 for _ in f) - 1
        links = folder / "links.csv"
        n_links = 0
        if links.exists():
            with open(links, encoding="utf-8-sig") as f:
                n_links = sum(1 for _ in f) - 1
        rows.append({"id": name, "name": meta.get("name"), "name_zh": meta.get("name_zh"),
                     "region": meta.get("region"), "year": meta.get("year"),
                     "templates": tpl if isinstance(tpl, list) else [tpl],
                     "firms": n_firms, "links": n_links})
    return rows
