"""Read and write clusters: folders (TOML + CSV), Excel workbooks, GraphML, GEXF, node-link JSON.

Readers collect every problem of every file and raise one :class:`ValidationError`; writers
build the whole output in a temporary location and move it into place only when it is
complete, so an error never leaves half a file behind.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io as _io
import json
import os
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from . import _validate as v
from ._errors import ChainnetError, DataWarning, Problem, ValidationError
from .model import Cluster
from .template import _BUILTIN_DIR, Template

FORMATS = ("folder", "xlsx", "graphml", "gexf", "json")
_SUFFIX = {".xlsx": "xlsx", ".graphml": "graphml", ".gexf": "gexf", ".json": "json"}
_GB_FAMILY = {"gb18030", "gbk", "gb2312", "hz", "cp936"}


# -- encodings -----------------------------------------------------------------------------
def decode_text(data: bytes, *, file: str) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM), UTF-16 (with BOM) or GB18030/GBK.

    GB18030 decodes many byte strings, so it is accepted only when the text reads as
    Chinese: most of its Han characters are common ones (GB2312 level 1 and 2). Anything
    else is refused with the encoding a charset detector guesses, never decoded silently wrong.

    >>> decode_text("名称".encode("gbk"), file="x.csv")
    ('名称', 'gb18030')
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _undecodable(file, data, f"starts with a UTF-8 mark but byte {exc.start} is not UTF-8") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise _undecodable(file, data, "it is neither UTF-8 nor GB18030/GBK") from None
    if _reads_as_chinese(text):
        return text, "gb18030"
    raise _undecodable(file, data, "it is not UTF-8, and read as GB18030 it gives rare characters, not Chinese text")


def _reads_as_chinese(text: str, sample: int = 4000) -> bool:
    han = [c for c in text[: sample * 20] if "\u3400" <= c <= "\u9fff"][:sample]
    if not han:
        return False
    common = 0
    for c in han:
        try:
            b = c.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 0xB0 <= b[0] <= 0xF7
    return common / len(han) >= 0.6


def _undecodable(file: str, data: bytes, why: str) -> ValidationError:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    guess = f" (a charset detector guesses {best.encoding})" if best is not None else ""
    return ValidationError([Problem(file, f"cannot decode the text: {why}{guess}. Save it as UTF-8 "
                                          "(Excel: 'CSV UTF-8') or GB18030")], subject=file)


# -- CSV -------------------------------------------------------------------------------------
def read_csv_table(path: Path, *, label: str | None = None) -> pd.DataFrame:
    """A CSV file as a table of strings (blank cells as ''), with encoding detection."""
    label = label or path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError([Problem(label, f"file not found: {path}")], subject=label) from None
    text, enc = decode_text(data, file=label)
    if not text.strip():
        raise ValidationError([Problem(label, "the file is empty; it needs a header row")], subject=label)
    raw = data[3:] if enc == "utf-8-sig" else data if enc == "utf-8" else text.encode("utf-8")
    try:  # pyarrow's reader is multi-threaded: 5 million links parse in a few seconds
        df = pd.read_csv(_io.BytesIO(raw), engine="pyarrow", dtype=str, keep_default_na=False)
    except Exception:
        try:
            df = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, csv.Error) as exc:
            raise ValidationError(_csv_shape_problems(text, label) or [Problem(label, f"not valid CSV: {exc}")],
                                  subject=label) from None
        shape = _csv_shape_problems(text, label)
        if shape:
            raise ValidationError(shape, subject=label) from None
    df.columns = [_canon_col(c) for c in df.columns]
    return df


def _canon_col(c: Any) -> str:
    s = str(c).strip()
    known = set(v.FIRM_COLUMNS) | set(v.LINK_COLUMNS)
    return s.lower() if s.lower() in known else s


def _csv_shape_problems(text: str, label: str) -> list[Problem]:
    rows = csv.reader(_io.StringIO(text))
    header = next(rows, [])
    out = []
    for i, row in enumerate(rows, start=2):
        if row and len(row) != len(header):
            out.append(Problem(label, f"has {len(row)} fields but the header has {len(header)}; "
                                      "check for an unquoted comma or a missing value", (i,)))
    return out


# -- folders ---------------------------------------------------------------------------------
def read_toml(path: Path, *, label: str | None = None) -> dict[str, Any]:
    label = label or path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError([Problem(label, f"file not found: {path}")], subject=label) from None
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ValidationError([Problem(label, "TOML files must be UTF-8; re-save the file as UTF-8")],
                              subject=label) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([Problem(label, f"not valid TOML: {exc}")], subject=label) from None


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
    try:
        return Cluster.from_frames(tables["firms"], tables["links"], meta=meta, base=path,
                                   files=("cluster.toml", "firms.csv", "links.csv"))
    except ValidationError as exc:
        raise ValidationError(exc.problems, subject=str(path)) from None


# -- Excel -----------------------------------------------------------------------------------
def read_xlsx(path: Path) -> Cluster:
    """Read a workbook with sheets ``meta`` (key, value), ``firms``, ``links`` and optionally ``sources``."""
    label = path.name
    try:
        sheets = _sheets(path)
    except FileNotFoundError:
        raise ValidationError([Problem(label, f"file not found: {path}")], subject=label) from None
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise ValidationError([Problem(label, f"not a valid .xlsx workbook ({exc}); save it from Excel as .xlsx")],
                              subject=label) from None
    missing = [s for s in ("meta", "firms") if s not in sheets]
    if missing:
        raise ValidationError([Problem(label, f"sheet '{s}' is missing (sheets found: {', '.join(sheets)})")
                               for s in missing], subject=label)
    meta = _meta_from_sheet(sheets)
    templates = None
    if "templates" in sheets:
        tsheet = sheets["templates"]
        try:
            templates = [Template.from_toml(text, file=f"{label} sheet 'templates' ({tid})")
                         for tid, text in zip(tsheet["id"], tsheet["toml"])]
        except KeyError:
            raise ValidationError([Problem(f"{label} sheet 'templates'", "needs the columns 'id' and 'toml'")],
                                  subject=label) from None
    firms = sheets["firms"]
    links = sheets.get("links", pd.DataFrame(columns=["source", "target"]))
    for df in (firms, links):
        df.columns = [_canon_col(c) for c in df.columns]
    try:
        return Cluster.from_frames(firms, links, meta=meta, base=path.parent, templates=templates,
                                   files=(f"{label} sheet 'meta'", f"{label} sheet 'firms'", f"{label} sheet 'links'"))
    except ValidationError as exc:
        raise ValidationError(exc.problems, subject=label) from None


def _sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet as a table of the cells' own values (openpyxl keeps floats exact, text as text)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        out = {}
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, ())
            cols = [str(h).strip() if h is not None else f"Unnamed: {i}" for i, h in enumerate(header)]
            body = [r for r in rows if any(c is not None for c in r)]
            out[ws.title] = pd.DataFrame(body, columns=cols, dtype=object)
        return out
    finally:
        wb.close()


def _meta_from_sheet(sheets: dict[str, pd.DataFrame]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    table = sheets["meta"]
    for row in table.itertuples(index=False):
        if len(row) < 2 or row[0] is None or row[1] is None:
            continue
        key, val = str(row[0]).strip(), row[1]
        if key == "templates" and isinstance(val, str):
            val = [s.strip() for s in val.split(";") if s.strip()]
        elif isinstance(val, str) and val[:1] in "[{":
            with contextlib.suppress(json.JSONDecodeError):
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
    G = cluster.graph(kinds="all", external=True)
    for _, d in G.nodes(data=True):
        if "segments" in d:
            d["segments"] = ";".join(d["segments"])
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
            G.graph.update(json.loads(desc.text))
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
        return nx.node_link_graph(json.loads(p.read_text(encoding="utf-8")), edges="edges")

    return _read_graph(path, load)


def _read_graph(path: Path, load: Callable[[Path], nx.Graph]) -> Cluster:
    label = path.name
    if not path.exists():
        raise ValidationError([Problem(label, f"file not found: {path}")], subject=label)
    try:
        G = load(path)
    except (ET.ParseError, json.JSONDecodeError, nx.NetworkXError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError([Problem(label, f"cannot read this {path.suffix} file: {exc}")], subject=label) from None
    try:
        return Cluster.from_graph(G)
    except ValidationError as exc:
        raise ValidationError(exc.problems, subject=label) from None


# -- dispatch --------------------------------------------------------------------------------
def read_cluster(path: str | os.PathLike) -> Cluster:
    """Read a cluster from a folder, an ``.xlsx`` workbook, a graph file, or a bundled dataset id.

    >>> read_cluster("demo_copper")
    <Cluster 'demo_copper': ...>
    """
    p = Path(path)
    if p.is_dir():
        return read_folder(p)
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
    for t, ref in zip(cluster.templates, old):
        if _is_builtin(t):
            refs.append(t.id)
            continue
        name = Path(ref).name if isinstance(ref, str) and ref.endswith(".toml") else f"template_{t.id}.toml"
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
    data = nx.node_link_data(cluster.graph(kinds="all", external=True), edges="edges")
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
