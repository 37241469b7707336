"""Read and write clusters: folders (TOML + CSV), Excel workbooks, GraphML, GEXF, node-link JSON.

Readers collect every problem of every file and raise one :class:`ValidationError`; writers
build the whole output in a temporary location and move it into place only when it is
complete, so an error never leaves half a file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from . import _validate as v
from ._csv import _canon_col, decode_text, read_csv_table
from ._errors import ChainnetError, DataWarning, Problem, ValidationError
from ._files import parse_json, parse_toml, read_bounded
from ._sheets import read_sheets
from .model import Cluster, json_keys
from .template import _BUILTIN_DIR, Template

FORMATS = ("folder", "xlsx", "graphml", "gexf", "json")
_SUFFIX = {".xlsx": "xlsx", ".graphml": "graphml", ".gexf": "gexf", ".json": "json"}


# -- folders ---------------------------------------------------------------------------------
def read_toml(path: Path, *, label: str | None = None) -> dict[str, Any]:
    label = label or path.name
    raw = read_bounded(path, label=label)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError([Problem(label, "TOML files must be UTF-8; re-save the file as UTF-8")],
                              subject=label) from None
    return parse_toml(text, label=label)


def declare_links(meta: dict[str, Any], links: pd.DataFrame, *, where: str,
                  declare_in: str) -> tuple[dict[str, Any], str | None]:
    """The SCHEMA default for ``links``: a cluster read from files without any link rows and without
    a declaration is a firm list whose ties are unknown (METRICS.md).

    Returns ``meta`` (a new dict when the default applied) and the warning to give once the
    cluster has been read (None when the declaration was given or links exist).
    """
    if "links" in meta or len(links):
        return meta, None
    return {**meta, "links": "unknown"}, (
        f"{where} has no link rows: the cluster's ties are read as unknown (links unknown: link figures not "
        f"measured). Declare links = \"unknown\" in {declare_in} to confirm, or links = \"known\" if the "
        "cluster truly has no ties")


def _warn_links(message: str | None) -> None:
    if message:
        warnings.warn(message, DataWarning, stacklevel=3)


def read_folder(path: Path) -> Cluster:
    """Read a cluster folder: ``cluster.toml``, ``firms.csv`` and ``links.csv`` (links optional)."""
    problems: list[Problem] = []
    meta: dict[str, Any] = {}
    tables: dict[str, pd.DataFrame] = {}
    try:
        meta = read_toml(path / "cluster.toml")
    except ValidationError as exc:
        problems += exc.problems
    for name in ("firms", "links"):
        f = path / f"{name}.csv"
        if name == "links" and not f.exists():
            tables[name] = pd.DataFrame(columns=["source", "target"])
            continue
        try:
            tables[name] = read_csv_table(f)
        except ValidationError as exc:
            problems += exc.problems
    if problems:
        raise ValidationError(problems, subject=str(path))
    meta, note = declare_links(meta, tables["links"], where=f"{path}: links.csv", declare_in="cluster.toml")
    try:
        cluster = Cluster.from_frames(tables["firms"], tables["links"], meta=meta, base=path,
                                      files=("cluster.toml", "firms.csv", "links.csv"))
    except ValidationError as exc:
        raise ValidationError(exc.problems, subject=str(path)) from None
    _warn_links(note)
    return cluster


# -- Excel -----------------------------------------------------------------------------------
def read_xlsx(path: Path) -> Cluster:
    """Read a workbook with sheets ``meta`` (key, value), ``firms``, ``links`` and optionally ``sources``."""
    label = path.name
    sheets = read_sheets(path, label=label, wanted=("meta", "firms", "links", "sources", "templates"))
    missing = [s for s in ("meta", "firms") if s not in sheets]
    if missing:
        from ._sheets import sheet_titles

        found = ", ".join(sheet_titles(path)) or "none"
        raise ValidationError([Problem(label, f"sheet '{s}' is missing (sheets found: {found}); a cluster workbook "
                                              "has the sheets meta, firms and links (see docs/data-format.md); a firm list goes "
                                              "through `chainnet import`")
                               for s in missing], subject=label)
    meta = _meta_from_sheet(sheets)
    templates = None
    if "templates" in sheets:
        tsheet = sheets["templates"]
        try:
            templates = [Template.from_toml(text, file=f"{label} sheet 'templates' ({tid})")
                         for tid, text in zip(tsheet["id"], tsheet["toml"]) if tid is not None or text is not None]
        except KeyError:
            raise ValidationError([Problem(f"{label} sheet 'templates'", "needs the columns 'id' and 'toml'")],
                                  subject=label) from None
    firms = sheets["firms"]
    links = sheets.get("links", pd.DataFrame(columns=["source", "target"]))
    for df in (firms, links):
        df.columns = [_canon_col(c) for c in df.columns]
    meta, note = declare_links(meta, links, where=f"{label}: sheet 'links'", declare_in="the 'meta' sheet (key links)")
    try:
        cluster = Cluster.from_frames(firms, links, meta=meta, base=path.parent, templates=templates,
                                      files=(f"{label} sheet 'meta'", f"{label} sheet 'firms'", f"{label} sheet 'links'"))
    except ValidationError as exc:
        raise ValidationError(exc.problems, subject=label) from None
    _warn_links(note)
    return cluster


def _meta_from_sheet(sheets: dict[str, pd.DataFrame]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    table = sheets["meta"]
    rows = [(str(r[0]).strip(), r[1]) for r in table.itertuples(index=False)
            if len(r) >= 2 and r[0] is not None and r[1] is not None]
    encoded = json_keys(dict(rows))
    for key, val in rows:
        if key == "json_keys":
            continue
        if key == "templates" and isinstance(val, str):
            val = [s.strip() for s in val.split(";") if s.strip()]
        elif isinstance(val, str) and val[:1] in "[{" and (encoded is None or key in encoded):
            with contextlib.suppress(ValueError, RecursionError):
                val = json.loads(val)
        elif isinstance(val, float) and val.is_integer() and key == "year":
            val = int(val)
        meta[key] = val
    if "sources" in sheets:
        src = sheets["sources"]
        meta["sources"] = [{k: v for k, v in r.items() if v is not None} for r in src.to_dict("records")]
    return meta


# -- graph formats ---------------------------------------------------------------------------
def _flat_graph(cluster: Cluster) -> nx.MultiDiGraph:
    """All firms and links with list attributes joined by ';' (GraphML/GEXF have no lists)."""
    G = _escaped_graph(cluster)
    for _, d in G.nodes(data=True):
        if "segments" in d:
            d["segments"] = ";".join(d["segments"])
    return G


# attribute names the graph formats use for themselves (node/edge id, GEXF label, multigraph key,
# dynamics): a user's own column of that name is written as '~name' and read back as 'name'
_RESERVED_ATTRS = {"id", "label", "key", "networkx_key", "pid", "start", "end", "spells", "viz",
                   "source", "target", "weight", "kind"}


def _escaped_graph(cluster: Cluster) -> nx.MultiDiGraph:
    G = cluster.graph(kinds="all", external=True)
    for items, canonical in ((G.nodes(data=True), v.FIRM_COLUMNS), (G.edges(data=True), v.LINK_COLUMNS)):
        for *_, d in items:
            for k in [k for k in d if k not in canonical and (k in _RESERVED_ATTRS or k.startswith("~"))]:
                d["~" + k] = d.pop(k)
    return G


def _unescape_attrs(G: nx.Graph) -> nx.Graph:
    """Inverse of the writers' escaping: '~name' attributes back to 'name'."""
    for items in (G.nodes(data=True), G.edges(data=True)):
        for *_, d in items:
            for k in [k for k in d if isinstance(k, str) and k.startswith("~")]:
                d[k[1:]] = d.pop(k)
    return G


def read_graphml(path: Path) -> Cluster:
    def load(p: Path) -> nx.Graph:
        G = nx.read_graphml(p, force_multigraph=True)
        G.graph.pop("node_default", None)
        G.graph.pop("edge_default", None)
        if "id" not in G.graph:  # networkx writes the graph id as <graph id=...>, not as data
            for _, el in ET.iterparse(p, events=("start",)):
                if el.tag.endswith("}graph") or el.tag == "graph":
                    if el.get("id"):
                        G.graph["id"] = el.get("id")
                    break
        return G

    return _read_graph(path, load)


def read_gexf(path: Path) -> Cluster:
    def load(p: Path) -> nx.Graph:
        G = nx.read_gexf(p)
        desc = ET.parse(p).getroot().find("{*}meta/{*}description")
        if desc is not None and desc.text:
            meta = parse_json(desc.text, label=f"{p.name} <meta><description>")
            if not isinstance(meta, dict):
                raise ValidationError([Problem(p.name, "<meta><description> must hold a JSON object (the "
                                                       "cluster's metadata, as chainnet export writes it)")])
            G.graph.update(meta)
        for k in ("mode", "edge_default", "node_default"):
            G.graph.pop(k, None)
        for _, d in G.nodes(data=True):
            d.pop("label", None)
        for *_, d in G.edges(data=True):
            d.pop("id", None)
        return G

    return _read_graph(path, load)


def read_json(path: Path) -> Cluster:
    def load(p: Path) -> nx.Graph:
        data = parse_json(p.read_bytes(), label=p.name)
        if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
            raise ValidationError([Problem(p.name, "a cluster .json file is a JSON object with 'nodes' and 'edges' "
                                                   "lists (node-link format, as chainnet export writes it)")],
                                  subject=p.name)
        return nx.node_link_graph(data, edges="edges")

    return _read_graph(path, load)


def _read_graph(path: Path, load: Callable[[Path], nx.Graph]) -> Cluster:
    label = path.name
    if not path.exists():
        raise ValidationError([Problem(label, f"file not found: {path}")], subject=label)
    try:
        G = load(path)
    except ChainnetError:
        raise
    except Exception as exc:  # whatever a malformed file makes the parser raise is a data error
        why = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        raise ValidationError([Problem(label, f"cannot read this {path.suffix} file: {why}")], subject=label) from None
    meta, note = declare_links(dict(G.graph), pd.DataFrame(index=range(G.number_of_edges())),
                               where=f"{label}: the graph's edges", declare_in="the graph attribute 'links'")
    G.graph.update(meta)
    try:
        cluster = Cluster.from_graph(_unescape_attrs(G), base=path.parent)
    except ValidationError as exc:
        raise ValidationError(exc.problems, subject=label) from None
    _warn_links(note)
    return cluster


# -- dispatch --------------------------------------------------------------------------------
def read_cluster(path: str | os.PathLike) -> Cluster:
    """Read a cluster from a folder, an ``.xlsx`` workbook, a graph file, or a bundled dataset id.

    >>> read_cluster("demo_copper")
    <Cluster 'demo_copper': ...>
    """
    p = Path(path)
    if p.is_dir():
        return read_folder(p)
    if p.exists() and not p.is_file():
        raise ChainnetError(f"{p}: is not a regular file (a device, pipe or socket); give a cluster folder or file")
    if p.suffix.lower() in _SUFFIX and p.exists():
        fmt = _SUFFIX[p.suffix.lower()]
        return {"xlsx": read_xlsx, "graphml": read_graphml, "gexf": read_gexf, "json": read_json}[fmt](p)
    if p.name == "cluster.toml" and p.exists():
        return read_folder(p.parent)
    from .datasets import available, load

    if not p.exists() and str(path) in available():
        return load(str(path))
    if p.exists():
        raise ChainnetError(f"{p}: cannot read a '{p.suffix}' file as a cluster; give a cluster folder, an .xlsx "
                            "workbook, a .graphml/.gexf/.json file or a bundled dataset id")
    raise ChainnetError(f"{path}: no such file or folder, and not a bundled dataset id "
                        f"(bundled: {', '.join(available()) or 'none'})")


def output_format(out: str | os.PathLike, to: str | None = None) -> str:
    """The format :func:`write_cluster` writes ``out`` in: ``to``, else from the suffix, else ``folder``.

    >>> output_format("demo.gexf"), output_format("demo"), output_format("x", to="json")
    ('gexf', 'folder', 'json')
    """
    fmt = to or _SUFFIX.get(Path(out).suffix.lower(), "folder")
    if fmt not in FORMATS:
        raise ChainnetError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


def write_cluster(cluster: Cluster, out: str | os.PathLike, *, to: str | None = None,
                  overwrite: bool = False) -> Path:
    """Write a cluster as ``folder``, ``xlsx``, ``graphml``, ``gexf`` or ``json`` (default: from the suffix).

    The output is written beside ``out`` and swapped in only when complete; an existing output
    is replaced only with ``overwrite``, and a folder only when chainnet wrote it or it is empty
    (see :mod:`chainnet._output`).
    """
    from ._output import staged_output

    out = Path(out)
    fmt = output_format(out, to)
    kind = "folder" if fmt == "folder" else "file"
    if fmt == "xlsx":
        from ._xlsx import check_sheets

        check_sheets(_xlsx_sheets(cluster), file=out.name)  # before anything is written
    with staged_output(out, kind=kind, force=overwrite) as staged:
        {"folder": _write_folder, "xlsx": _write_xlsx, "graphml": _write_graphml,
         "gexf": _write_gexf, "json": _write_json}[fmt](cluster, staged)
    return out


def _table_for_text(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    if "segments" in df.columns:
        df["segments"] = [";".join(s) for s in df["segments"]]
    for c in df.columns:
        if pd.api.types.is_bool_dtype(df[c].dtype):
            df[c] = df[c].map({True: "true", False: "false"})
    return df


def _is_builtin(t: Template) -> bool:
    return t.path is not None and t.path.parent == _BUILTIN_DIR


def _template_refs(cluster: Cluster, folder: Path) -> dict[str, Any]:
    """Metadata whose template references point at files written next to the cluster."""
    meta = dict(cluster.meta)
    key = "templates" if "templates" in meta else "template"
    old = meta.get(key)
    old = old if isinstance(old, list) else [old] * len(cluster.templates)
    refs = []
    taken = {"cluster.toml", "firms.csv", "links.csv"}  # a template never overwrites these or another
    for t, ref in zip(cluster.templates, old):
        if _is_builtin(t):
            refs.append(t.id)
            continue
        name = Path(ref).name if isinstance(ref, str) and ref.endswith(".toml") else f"template_{t.id}.toml"
        n = 1
        while name.lower() in taken:
            n += 1
            name = f"template_{t.id}.toml" if n == 2 else f"template_{t.id}_{n}.toml"
        taken.add(name.lower())
        (folder / name).write_text(t.to_toml(), encoding="utf-8")
        refs.append(name)
    if refs:
        meta[key] = refs if key == "templates" else refs[0]
    return meta


def _write_folder(cluster: Cluster, folder: Path) -> None:
    import tomli_w

    folder.mkdir(exist_ok=True)
    meta = _template_refs(cluster, folder)
    (folder / "cluster.toml").write_text(tomli_w.dumps(meta), encoding="utf-8")
    _table_for_text(cluster.firms).to_csv(folder / "firms.csv", index=False, encoding="utf-8")
    _table_for_text(cluster.links).to_csv(folder / "links.csv", index=False, encoding="utf-8")


def _xlsx_sheets(cluster: Cluster) -> dict[str, pd.DataFrame]:
    """The sheets of a cluster workbook: meta (key, value), sources, firms, links, templates."""
    meta = dict(cluster.meta)
    sources = meta.pop("sources", [])
    rows = [(k, ";".join(val) if k == "templates" else
             (json.dumps(val, ensure_ascii=False) if isinstance(val, (list, dict)) else val))
            for k, val in meta.items()]
    # which values are JSON, so that a text such as "[2020]" is read back as text
    rows.append(("json_keys", json.dumps([k for k, val in meta.items()
                                          if k != "templates" and isinstance(val, (list, dict))])))
    sheets = {"meta": pd.DataFrame(rows, columns=["key", "value"])}
    if sources:
        sheets["sources"] = pd.DataFrame(sources)
    for name in ("firms", "links"):
        df = getattr(cluster, name).copy()
        if "segments" in df.columns:
            df["segments"] = [";".join(s) for s in df["segments"]]
        sheets[name] = df
    custom = [(t.id, t.to_toml()) for t in cluster.templates if not _is_builtin(t)]
    if custom:  # the workbook carries its own chain so it opens anywhere
        sheets["templates"] = pd.DataFrame(custom, columns=["id", "toml"])
    return sheets


def _write_xlsx(cluster: Cluster, path: Path) -> None:
    from ._xlsx import write_workbook

    write_workbook(_xlsx_sheets(cluster), path)


def _write_graphml(cluster: Cluster, path: Path) -> None:
    nx.write_graphml(_flat_graph(cluster), path)


def _write_gexf(cluster: Cluster, path: Path) -> None:
    G = _flat_graph(cluster)
    meta = dict(G.graph)
    G.graph.clear()
    text = "\n".join(nx.generate_gexf(G))
    root = ET.fromstring(text)
    m = root.find("{*}meta")
    m.attrib.pop("lastmodifieddate", None)  # keeps output identical for identical input
    ET.SubElement(m, "description").text = json.dumps(meta, ensure_ascii=False)
    ET.register_namespace("", "http://www.gexf.net/1.2draft")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _write_json(cluster: Cluster, path: Path) -> None:
    data = nx.node_link_data(_escaped_graph(cluster), edges="edges")
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def read_template(path: str | os.PathLike) -> Template:
    """Read a template TOML file (see :func:`chainnet.load_template` for built-in ids)."""
    from .template import load_template

    return load_template(Path(path))


__all__ = [
    "FORMATS",
    "DataWarning",
    "decode_text",
    "read_cluster",
    "read_folder",
    "read_gexf",
    "read_graphml",
    "read_json",
    "read_template",
    "read_xlsx",
    "write_cluster",
]
