"""The core object: a :class:`Cluster` of firms and links, audited against chain templates.

A cluster keeps its data as two plain tables (``firms``, ``links``) plus metadata, and hands
out networkx graphs on demand. :meth:`Cluster.graph` and :meth:`Cluster.from_graph` are
inverses, so nothing is lost going from tables to graphs and back.
"""

from __future__ import annotations

import contextlib
import copy
import json
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from . import _validate as v
from ._errors import ChainnetError, DataWarning, Problem, TemplateError, ValidationError
from .template import Template, load_template

LOCAL_ROLES = v.FIRM_ROLES


class Cluster:
    """An industrial cluster: metadata, a firms table, a links table and its chain template(s).

    Build one with :func:`chainnet.read_cluster`, :func:`chainnet.load_dataset` or
    :meth:`Cluster.from_frames`; every constructor validates the data first.

    Examples
    --------
    >>> import pandas as pd
    >>> firms = pd.DataFrame({"firm_id": ["a", "b"], "name": ["Mine", "Smelter"],
    ...                       "role": ["sme", "leader"], "segments": ["ore", "smelting"]})
    >>> links = pd.DataFrame({"source": ["a"], "target": ["b"], "weight": [2.5]})
    >>> c = Cluster.from_frames(firms, links, meta={"id": "demo", "name": "Demo", "template": "copper"})
    >>> c
    <Cluster 'demo': 2 firms, 1 links, template copper>
    >>> G = c.graph()
    >>> G.edges["a", "b"]["weight"]
    2.5
    """

    def __init__(self, meta: dict[str, Any], firms: pd.DataFrame, links: pd.DataFrame,
                 templates: list[Template]):
        self.meta = meta
        self.firms = firms
        self.links = links
        self.templates = templates

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_frames(cls, firms: pd.DataFrame, links: pd.DataFrame | None = None, *,
                    meta: dict[str, Any] | None = None, templates: Iterable[Template | str] | None = None,
                    base: Path | None = None, files: tuple[str, str, str] = ("meta", "firms", "links"),
                    ) -> Cluster:
        """Validate raw tables and build a cluster; every problem is reported in one ValidationError.

        Parameters
        ----------
        firms, links : the tables as in firms.csv and links.csv (strings or typed values)
        meta : the cluster.toml mapping; ``template``/``templates`` name the chain(s)
        templates : Template objects or ids/paths overriding those named in ``meta``
        base : folder that relative template paths in ``meta`` resolve against
        files : names used in messages for the meta, firms and links inputs
        """
        meta = dict(meta or {})
        meta.setdefault("schema", "chainnet/1")
        problems = v.check_meta(meta, file=files[0])
        tpls: list[Template] = []
        try:
            tpls = resolve_templates(meta, templates, base=base)
        except ValidationError as exc:
            problems.extend(exc.problems)
        except TemplateError as exc:
            problems.append(Problem(files[0], str(exc), (), "template"))
        seg_ids = list(dict.fromkeys(s for t in tpls for s in t.order)) if tpls else None
        keys = {s["key"] for s in meta.get("sources", []) if isinstance(s, dict) and "key" in s}
        fdf, fp = v.normalise_firms(firms, file=files[1], segment_ids=seg_ids, source_keys=keys,
                                    template_ids=[_show_ref(t) for t in tpls])
        problems += fp
        if links is None:
            links = pd.DataFrame(columns=["source", "target"])
        ends: dict[str, np.ndarray] = {}
        ldf, lp = (v.normalise_links(links, fdf, file=files[2], segment_ids=seg_ids, source_keys=keys, codes=ends)
                   if len(fdf) else (pd.DataFrame(columns=list(v.LINK_COLUMNS)), []))
        problems += lp
        if meta.get("links") == "unknown" and len(ldf):
            problems.append(Problem(files[0], f"links = \"unknown\" but {files[2]} has {len(ldf)} link rows; remove "
                                    "the declaration (links are then known) or the link rows", (), "links"))
        if problems:
            raise ValidationError(problems, subject=meta.get("id") if isinstance(meta.get("id"), str) else None)
        if not len(ldf) and "links" not in meta:
            # built from tables in code: no rows means no ties (files follow SCHEMA's default, see
            # io.declare_links); said explicitly so every writer keeps the meaning
            meta["links"] = "known"
        for p in v.credit_code_problems(fdf, file=files[1]):
            warnings.warn(p.render(), DataWarning, stacklevel=2)
        ldf, merged = v.merge_duplicate_links(ldf, ends=ends)
        if merged:
            warnings.warn(f"{files[2]}: {merged} duplicate link rows (same source, target and kind) were "
                          "merged, weights added", DataWarning, stacklevel=2)
        if tpls:
            meta = _with_template_refs(meta, tpls)
        return cls(meta, fdf, ldf, tpls)

    @classmethod
    def from_graph(cls, G: nx.Graph, *, templates: Iterable[Template | str] | None = None,
                   base: Path | None = None) -> Cluster:
        """Inverse of :meth:`graph`: a cluster from a graph made by chainnet (or shaped like one).

        Node attributes become firm columns (``segments`` as a list or ';'-string), edge
        attributes link columns; a MultiDiGraph's edge keys are link kinds. ``G.graph`` holds
        the metadata, as :meth:`graph` writes it. ``base``: the folder of the file the graph
        was read from; a template path in the metadata must lie inside it.
        """
        if not G.is_directed():
            raise ValidationError([Problem("graph", "the graph is undirected, so which firm supplies which is "
                                                    "unknown; chainnet reads directed graphs only (GraphML "
                                                    "edgedefault=\"directed\", GEXF defaultedgetype=\"directed\")")])
        meta = _meta_from_graph_attrs(dict(G.graph))
        firms = pd.DataFrame([{"firm_id": n, **d} for n, d in G.nodes(data=True)])
        if G.is_multigraph():
            rows = [{"source": a, "target": b, "kind": d.get("kind", k), **d} for a, b, k, d in G.edges(keys=True, data=True)]
        else:
            rows = [{"source": a, "target": b, **d} for a, b, d in G.edges(data=True)]
        links = pd.DataFrame(rows, columns=None if rows else ["source", "target"])
        for df, key in ((firms, "firm_columns"), (links, "link_columns")):
            for c in _json_list(G.graph, key):
                if isinstance(c, str) and c not in df.columns:
                    df[c] = np.nan
        if templates is None and "template_toml" in G.graph:
            templates = [Template.from_toml(t, file="template embedded in the graph")
                         for t in _json_list(G.graph, "template_toml")]
        return cls.from_frames(firms, links, meta=meta, templates=templates, base=base,
                               files=("graph attributes", "graph nodes", "graph edges"))

    # -- basic views --------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.meta["id"]

    @property
    def name(self) -> str:
        return self.meta["name"]

    @property
    def links_known(self) -> bool:
        """False when the cluster declares ``links = "unknown"``: a firm list without tie data.

        Link figures (link coverage, path completeness, the index, leader shares) are then not
        measured; see docs/completeness.md.
        """
        return self.meta.get("links", "known") != "unknown"

    @property
    def template(self) -> Template:
        """The cluster's (first) template; see :attr:`templates` for multi-chain clusters."""
        if not self.templates:
            raise ChainnetError(f"cluster {self.id!r} has no template")
        return self.templates[0]

    @property
    def local_mask(self) -> np.ndarray:
        """Boolean array over firms: local firms in the METRICS sense (not external, role leader/backbone/sme)."""
        return (~self.firms["external"].to_numpy(dtype=bool)) & self.firms["role"].isin(LOCAL_ROLES).to_numpy()

    @property
    def firm_segments(self) -> pd.DataFrame:
        """One row per (firm, segment) a firm operates in, with the firm's role and ``external`` flag.

        Computed on each access (not cached), so it follows in-place edits of :attr:`firms`.
        """
        f = self.firms[["firm_id", "role", "external", "segments"]].explode("segments").dropna(subset=["segments"])
        return f.rename(columns={"segments": "segment"}).reset_index(drop=True)

    def __repr__(self) -> str:
        tpl = "+".join(t.id for t in self.templates) or "none"
        return f"<Cluster {self.meta.get('id')!r}: {len(self.firms):,} firms, {len(self.links):,} links, template {tpl}>"

    def summary(self) -> dict[str, Any]:
        """Counts a person checks first: firms (local/external, by role), links by kind, segments."""
        local = self.local_mask
        return {
            "id": self.meta.get("id"), "name": self.meta.get("name"),
            "firms": len(self.firms), "local_firms": int(local.sum()),
            "external_firms": int(self.firms["external"].sum()),
            "roles": {k: int(n) for k, n in self.firms["role"].value_counts().items()},
            "links": len(self.links),
            "link_kinds": {k: int(n) for k, n in self.links["kind"].value_counts().items()},
            "templates": [t.id for t in self.templates],
            "segments": int(sum(len(t.segments) for t in self.templates)),
        }

    # -- graphs ---------------------------------------------------------------------------
    def graph(self, *, kinds: str | Iterable[str] = "supply", external: bool = False,
              bodies: bool | None = None) -> nx.DiGraph:
        """The cluster as a networkx graph; by default the local supply graph of METRICS.md.

        Parameters
        ----------
        kinds : link kinds to include: ``"supply"`` (default), a list of kinds, or ``"all"``.
            One kind gives a DiGraph; several give a MultiDiGraph keyed by kind.
        external : include firms outside the cluster boundary (``external = true``)
        bodies : include institutions and services (role ``institution`` or ``service``); default:
            only when ``kinds`` holds a kind other than ``supply`` (cooperation and R&D ties are
            theirs). The default supply graph thus holds the local firms of METRICS.md only
            (leaders, backbone firms and SMEs inside the boundary), not bodies as isolated nodes.

        Nodes are firm ids with the firm's columns as attributes (``segments`` as a list;
        missing values are left out); ``G.graph`` holds the metadata.
        ``graph(kinds="all", external=True)`` holds everything and is the inverse of
        :meth:`from_graph`.
        """
        kinds_t = v.KINDS if kinds == "all" else ((kinds,) if isinstance(kinds, str) else tuple(kinds))
        unknown = set(kinds_t) - set(v.KINDS)
        if unknown:
            raise ChainnetError(f"unknown link kind(s) {sorted(unknown)}; use {', '.join(v.KINDS)} or 'all'")
        if bodies is None:
            bodies = bool(set(kinds_t) - {"supply"})
        keep = np.ones(len(self.firms), dtype=bool)
        if not external:
            keep &= ~self.firms["external"].to_numpy(dtype=bool)
        if not bodies:
            keep &= self.firms["role"].isin(LOCAL_ROLES).to_numpy()
        firms = self.firms[keep]
        links = self.links[self.links["kind"].isin(kinds_t)]
        ids = set(firms["firm_id"])
        if not (external and bodies):
            links = links[links["source"].isin(ids) & links["target"].isin(ids)]
        G: nx.DiGraph = nx.MultiDiGraph() if len(kinds_t) > 1 else nx.DiGraph()
        G.graph.update(_meta_to_graph_attrs(self.meta, self.templates))
        G.graph["firm_columns"] = json.dumps(list(self.firms.columns), ensure_ascii=False)
        G.graph["link_columns"] = json.dumps(list(self.links.columns), ensure_ascii=False)
        G.add_nodes_from(zip(firms["firm_id"], _records(firms.drop(columns="firm_id"), lists=("segments",))))
        edges = _records(links.drop(columns=["source", "target"]))
        if G.is_multigraph():
            G.add_edges_from(zip(links["source"], links["target"], links["kind"], edges))
        else:
            G.add_edges_from(zip(links["source"], links["target"], edges))
        return G

    def snapshot(self, year: int) -> Cluster:
        """The cluster as it stood in ``year``.

        A firm is present when ``founded`` is unknown or <= year, and ``exited`` is unknown or
        > year (``exited`` is the year it left). A link is present when ``year`` is unknown or
        <= year, ``until`` (its last year) is unknown or >= year, and both its firms are present.
        The metadata's ``year`` becomes ``year``.

        >>> import chainnet
        >>> c = chainnet.load_dataset("demo_copper")
        >>> len(c.snapshot(2010).firms), len(c.snapshot(1990).firms)
        (6, 1)
        """
        if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
            raise ChainnetError(f"year must be a whole number, not {year!r}")
        f = self.firms
        keep = (f["founded"].isna() | (f["founded"] <= year)) & (f["exited"].isna() | (f["exited"] > year))
        firms = f[keep.to_numpy(dtype=bool)]
        ln = self.links
        lk = (ln["year"].isna() | (ln["year"] <= year)) & (ln["until"].isna() | (ln["until"] >= year))
        ids = firms["firm_id"]
        lk = lk.to_numpy(dtype=bool) & v.isin(ln["source"], ids) & v.isin(ln["target"], ids)
        meta = {**self.meta, "year": int(year)}
        return Cluster(meta, firms.reset_index(drop=True), ln[lk].reset_index(drop=True), self.templates)

    def years(self) -> list[int]:
        """Every year in which a firm or link starts or ends, sorted (for timelines)."""
        cols = [self.firms["founded"], self.firms["exited"], self.links["year"], self.links["until"]]
        vals = pd.concat([c.dropna().astype("int64") for c in cols], ignore_index=True)
        return sorted(int(x) for x in vals.unique())

    def copy(self) -> Cluster:
        return Cluster(copy.deepcopy(self.meta), self.firms.copy(), self.links.copy(), list(self.templates))

    def with_tables(self, firms: pd.DataFrame | None = None, links: pd.DataFrame | None = None) -> Cluster:
        """A new cluster sharing metadata and templates, with already-canonical tables replaced.

        Analysis code uses it for what-ifs (e.g. a firm removed); the tables are not re-validated.
        """
        return Cluster(self.meta, self.firms if firms is None else firms.reset_index(drop=True),
                       self.links if links is None else links.reset_index(drop=True), self.templates)

    def without_firms(self, firm_ids: Iterable[str]) -> Cluster:
        """The cluster with these firms and every link touching them removed."""
        drop = set(firm_ids)
        keep = ~self.links["source"].isin(drop) & ~self.links["target"].isin(drop)
        return self.with_tables(self.firms[~self.firms["firm_id"].isin(drop)], self.links[keep])

    def equals(self, other: Cluster) -> bool:
        """Same metadata, same template ids and equal tables (row order ignored).

        Plain comparisons, no ``assert``, so the answer is the same under ``python -O``.
        """
        return not _cluster_differences(self, other)


def resolve_templates(meta: dict[str, Any], templates: Iterable[Template | str] | None,
                      *, base: Path | None = None) -> list[Template]:
    """Templates for a cluster: given explicitly, or named by ``template``/``templates`` in meta."""
    if templates is None:
        names = meta.get("templates", meta.get("template"))
        if names is None:
            return []
        templates = [names] if isinstance(names, str) else names
        if not isinstance(templates, list) or not all(isinstance(t, str) for t in templates):
            return []  # check_meta reports the wrong type
    return [t if isinstance(t, Template) else load_template(t, base=base) for t in templates]


def _show_ref(t: Template) -> str:
    """How a user names a template to `chainnet templates show`: its id if built in, else its file."""
    builtin = t.path is None or (t.path.parent.name == "templates" and t.path.parent.parent.name == "chainnet")
    return t.id if builtin else str(t.path)


def _with_template_refs(meta: dict[str, Any], tpls: list[Template]) -> dict[str, Any]:
    meta = dict(meta)
    if "templates" in meta or len(tpls) > 1:
        meta.pop("template", None)
        refs = meta.get("templates")
        meta["templates"] = list(refs) if isinstance(refs, list) and len(refs) == len(tpls) else [t.id for t in tpls]
    elif not isinstance(meta.get("template"), str):
        meta["template"] = tpls[0].id
    return meta


def _records(df: pd.DataFrame, lists: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Row dicts without missing values; numpy scalars become Python scalars; tuples become lists."""
    cols = list(df.columns)
    arrays = []
    for c in cols:
        s = df[c]
        if str(s.dtype) == "Int64":
            arrays.append([None if x is pd.NA else int(x) for x in s.to_numpy(dtype=object)])
        else:
            arrays.append(s.to_numpy(dtype=object))
    out = []
    for row in zip(*arrays) if cols else [() for _ in range(len(df))]:
        d = {}
        for c, x in zip(cols, row):
            if x is None or x is pd.NA or (isinstance(x, float) and x != x):
                continue
            if isinstance(x, np.generic):
                x = x.item()
            if c in lists:
                x = list(x)
            d[c] = x
        out.append(d)
    return out


def _meta_to_graph_attrs(meta: dict[str, Any], templates: list[Template]) -> dict[str, Any]:
    """Graph-level attributes: scalars kept, structured values (sources, template lists) as JSON."""
    attrs, encoded = {}, []
    for k, val in meta.items():
        if isinstance(val, (str, int, float, bool)):
            attrs[k] = val
        else:
            attrs[k] = json.dumps(val, ensure_ascii=False)
            encoded.append(k)
    # which values are JSON, so that a text such as "[2020]" comes back as text
    attrs["json_keys"] = json.dumps(encoded)
    builtin = {t.id for t in templates if t.path is not None and t.path.parent.name == "templates"
               and t.path.parent.parent.name == "chainnet"}
    custom = [t for t in templates if t.id not in builtin]
    if custom:
        attrs["template_toml"] = json.dumps([t.to_toml() for t in templates], ensure_ascii=False)
    return attrs


_GRAPH_ONLY = ("template_toml", "firm_columns", "link_columns", "json_keys")


def _json_list(attrs: dict[str, Any], key: str) -> list[Any]:
    """A graph attribute chainnet writes as a JSON list, read back or refused with a clear message."""
    raw = attrs.get(key, "[]")
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, list):
        raise ValidationError([Problem("graph attributes", f"'{key}' must be a JSON list, as chainnet writes it",
                                       (), key)])
    return value


def json_keys(attrs: dict[str, Any]) -> set[str] | None:
    """The metadata keys a writer stored as JSON, or None for files without that record (older files)."""
    raw = attrs.get("json_keys")
    if not isinstance(raw, str):
        return None
    with contextlib.suppress(ValueError, RecursionError):
        keys = json.loads(raw)
        if isinstance(keys, list):
            return {k for k in keys if isinstance(k, str)}
    return None


def _meta_from_graph_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    meta = {}
    encoded = json_keys(attrs)
    for k, val in attrs.items():
        if k in _GRAPH_ONLY:
            continue
        if isinstance(val, str) and val[:1] in "[{" and (encoded is None or k in encoded):
            with contextlib.suppress(ValueError, RecursionError):
                val = json.loads(val)
        meta[k] = val
    return meta


def _cluster_differences(a: Cluster, b: Cluster) -> list[str]:
    """What differs between two clusters (row order ignored): empty when they hold the same data."""
    if not isinstance(b, Cluster):
        return [f"not a Cluster: {type(b).__name__}"]
    out = []
    if a.meta != b.meta:
        out.append(f"meta: {a.meta!r} != {b.meta!r}")
    if [t.id for t in a.templates] != [t.id for t in b.templates]:
        out.append(f"templates: {[t.id for t in a.templates]} != {[t.id for t in b.templates]}")
    for name, key in (("firms", ["firm_id"]), ("links", ["source", "target", "kind"])):
        x = getattr(a, name).sort_values(key).reset_index(drop=True)
        y = getattr(b, name).sort_values(key).reset_index(drop=True)
        if sorted(x.columns) != sorted(y.columns):
            out.append(f"{name} columns: {list(x.columns)} != {list(y.columns)}")
            continue
        if len(x) != len(y):
            out.append(f"{name}: {len(x)} rows != {len(y)} rows")
            continue
        out += [f"{name}: column {c!r} differs" for c in x.columns if not _same_values(x[c], y[c])]
    return out


def _same_values(x: pd.Series, y: pd.Series) -> bool:
    """Equal missing-value positions and exactly equal values elsewhere; dtypes may differ (Int64 vs int64)."""
    na_x, na_y = x.isna().to_numpy(dtype=bool), y.isna().to_numpy(dtype=bool)
    if not np.array_equal(na_x, na_y):
        return False
    a, b = x.to_numpy(dtype=object)[~na_x], y.to_numpy(dtype=object)[~na_y]
    return bool(np.all(np.equal(a, b))) if len(a) else True


def assert_same_cluster(a: Cluster, b: Cluster) -> None:
    """Raise ``AssertionError`` naming what differs unless two clusters hold the same data (round-trip tests)."""
    problems = _cluster_differences(a, b)
    if problems:
        raise AssertionError("\n".join(problems))
