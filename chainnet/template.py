"""Reference industry chains (templates): segments and the flows expected between them."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from ._errors import Problem, TemplateError, ValidationError
from ._files import MAX_TOML_BYTES, inside, parse_toml, read_bounded
from ._values import has_control_characters

SCHEMA = "chainnet/1"
STAGES = ("upstream", "midstream", "downstream")
ID_RE = re.compile(r"^[a-z0-9_]+$")
_BUILTIN_DIR = Path(__file__).parent / "templates"
SEGMENT_COLUMNS = ("id", "name", "name_zh", "stage", "weight", "codes", "keywords")
_CODE_RE = re.compile(r"^[0-9]{3,4}$")


@dataclass(frozen=True, eq=False)
class Template:
    """A reference industry chain: segments (stages of the chain) and flows between them.

    Parameters
    ----------
    id, name, name_zh, note : identification and a note on what the chain is based on
    segments : DataFrame with columns ``id, name, name_zh, stage, weight, codes, keywords`` in file
        order; ``codes`` (GB/T 4754-2017 classes or groups) and ``keywords`` (product words) are tuples
        of strings, used by :func:`chainnet.import_firms` to place firms
    flows : DataFrame with columns ``from, to, weight``
    path : the file the template was read from, if any

    Examples
    --------
    >>> t = Template.from_dict({"id": "mini", "name": "Mini",
    ...     "segment": [{"id": "a", "name": "A", "stage": "upstream"},
    ...                 {"id": "b", "name": "B", "stage": "downstream"}],
    ...     "flow": [{"from": "a", "to": "b"}]})
    >>> t.sources, t.sinks
    (['a'], ['b'])
    """

    id: str
    name: str
    segments: pd.DataFrame
    flows: pd.DataFrame
    name_zh: str | None = None
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any], *, file: str = "template", path: Path | None = None) -> Template:
        """Build and validate a template from the parsed TOML mapping; all problems are raised at once."""
        problems: list[Problem] = []

        def bad(message: str, column: str | None = None, rows: tuple[int, ...] = ()) -> None:
            problems.append(Problem(file, message, rows, column))

        schema = data.get("schema", SCHEMA)
        if schema != SCHEMA:
            bad(f"schema is {schema!r}; this version of chainnet reads {SCHEMA!r}", "schema")
        tid = data.get("id")
        if not isinstance(tid, str) or not ID_RE.match(tid):
            bad(f"id {tid!r} must be a string of lowercase letters, digits and '_'", "id")
        if not isinstance(data.get("name"), str):
            bad("name (a string) is required", "name")
        for key in ("name_zh", "note"):
            if data.get(key) is not None and not isinstance(data.get(key), str):
                bad(f"{key} must be a string", key)
        for key in ("name", "name_zh"):
            if isinstance(data.get(key), str) and has_control_characters(data[key]):
                bad(f"{key} holds a control character (shown escaped): {data[key]!r}", key)
        segs = data.get("segment", [])
        flows = data.get("flow", [])
        if not isinstance(segs, list) or not segs:
            bad("a template needs at least one [[segment]] table", "segment")
            segs = []
        if not isinstance(flows, list):
            bad("[[flow]] must be an array of tables", "flow")
            flows = []
        if not all(isinstance(s, dict) for s in segs):
            bad("each [[segment]] must be a table (id, name, stage, ...)", "segment")
            segs = [s for s in segs if isinstance(s, dict)]
        if not all(isinstance(f, dict) for f in flows):
            bad("each [[flow]] must be a table (from, to, weight)", "flow")
            flows = [f for f in flows if isinstance(f, dict)]
        seg_rows, seen = [], set()
        for i, s in enumerate(segs, start=1):
            where = (i,)
            sid = s.get("id")
            if not isinstance(sid, str) or not ID_RE.match(sid):
                bad(f"segment id {sid!r} must be lowercase letters, digits and '_'", "segment.id", where)
            elif sid in seen:
                bad(f"duplicate segment id {sid!r}; segment ids must be unique", "segment.id", where)
            seen.add(sid)
            stage = s.get("stage")
            if stage not in STAGES:
                bad(f"stage {stage!r} of segment {sid!r} must be one of {', '.join(STAGES)}", "segment.stage", where)
            w = _weight(s.get("weight", 1.0))
            if w is None:
                bad(f"weight {s.get('weight')!r} of segment {sid!r} must be a number >= 0", "segment.weight", where)
            for key in ("name", "name_zh"):
                val = s.get(key, sid if key == "name" else None)
                if not isinstance(val, (str, type(None))):
                    bad(f"{key} of segment {sid!r} must be a string", f"segment.{key}", where)
                elif isinstance(val, str) and has_control_characters(val):
                    bad(f"{key} of segment {sid!r} holds a control character (shown escaped): {val!r}",
                        f"segment.{key}", where)
            codes = _codes(s.get("codes", []))
            if codes is None:
                bad(f"codes of segment {sid!r} must be a list of GB/T 4754-2017 class (4 digits) or group "
                    "(3 digits) codes written as strings, e.g. [\"3251\", \"381\"]", "segment.codes", where)
            words = _words(s.get("keywords", []))
            if words is None:
                bad(f"keywords of segment {sid!r} must be a list of non-empty strings", "segment.keywords", where)
            seg_rows.append({"id": sid, "name": s.get("name", sid), "name_zh": s.get("name_zh"),
                             "stage": stage, "weight": w if w is not None else 1.0,
                             "codes": codes or (), "keywords": words or ()})
        flow_rows = []
        for i, f in enumerate(flows, start=1):
            a, b = f.get("from"), f.get("to")
            for key, v in (("from", a), ("to", b)):
                if not isinstance(v, str) or v not in seen:
                    bad(f"flow {a}->{b} names unknown segment {v!r}; declare it as a [[segment]]",
                        f"flow.{key}", (i,))
            if a == b and a is not None:
                bad(f"flow {a}->{b} goes from a segment to itself", "flow", (i,))
            w = _weight(f.get("weight", 1.0))
            if w is None:
                bad(f"weight {f.get('weight')!r} of flow {a}->{b} must be a number >= 0", "flow.weight", (i,))
            flow_rows.append({"from": a, "to": b, "weight": w if w is not None else 1.0})
        if not problems:
            g = nx.DiGraph((r["from"], r["to"]) for r in flow_rows)
            if not nx.is_directed_acyclic_graph(g):
                cyc = nx.find_cycle(g)
                rows = tuple(i for i, r in enumerate(flow_rows, start=1) if (r["from"], r["to"]) in set(cyc))
                path = " -> ".join([a for a, _ in cyc] + [cyc[0][0]])
                bad(f"flows form a cycle ({path}); flows must run upstream to downstream, remove one of them",
                    "flow", rows)
        if problems:
            raise ValidationError(problems, subject=f"template {file}")
        known = {"schema", "id", "name", "name_zh", "note", "segment", "flow"}
        seg_df = pd.DataFrame(seg_rows, columns=list(SEGMENT_COLUMNS))
        flow_df = pd.DataFrame(flow_rows, columns=["from", "to", "weight"])
        flow_df = flow_df.drop_duplicates(["from", "to"]).reset_index(drop=True)
        return cls(id=tid, name=data["name"], name_zh=data.get("name_zh"), note=data.get("note"),
                   segments=seg_df, flows=flow_df, path=path,
                   extra={k: v for k, v in data.items() if k not in known})

    @classmethod
    def from_toml(cls, text: str, *, file: str = "template.toml", path: Path | None = None) -> Template:
        """Parse TOML text into a validated template."""
        if not isinstance(text, str):
            raise ValidationError([Problem(file, "a template must be TOML text")], subject=file)
        return cls.from_dict(parse_toml(text, label=file), file=file, path=path)

    # -- views --------------------------------------------------------------------------
    @property
    def segment_ids(self) -> list[str]:
        return list(self.segments["id"])

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The flow DAG; nodes carry segment attributes, edges carry ``weight``."""
        g = nx.DiGraph(id=self.id, name=self.name)
        for row in self.segments.itertuples(index=False):
            g.add_node(row.id, name=row.name, name_zh=row.name_zh, stage=row.stage, weight=row.weight)
        g.add_weighted_edges_from(self.flows[["from", "to", "weight"]].itertuples(index=False, name=None))
        return g

    @property
    def sources(self) -> list[str]:
        """Segments with no incoming flow, in file order."""
        return [s for s in self.segment_ids if self.graph.in_degree(s) == 0]

    @property
    def sinks(self) -> list[str]:
        """Segments with no outgoing flow, in file order."""
        return [s for s in self.segment_ids if self.graph.out_degree(s) == 0]

    @cached_property
    def order(self) -> list[str]:
        """Segments upstream to downstream (topological order, ties broken by file order)."""
        rank = {s: i for i, s in enumerate(self.segment_ids)}
        return list(nx.lexicographical_topological_sort(self.graph, key=rank.__getitem__))

    def upstream_of(self, segment: str) -> set[str]:
        """Every segment from which a chain of flows leads to ``segment``."""
        return nx.ancestors(self.graph, segment)

    def downstream_of(self, segment: str) -> set[str]:
        """Every segment reached from ``segment`` by a chain of flows."""
        return nx.descendants(self.graph, segment)

    def label(self, segment: str, lang: str = "en") -> str:
        """Display name of a segment in ``lang`` (``en`` or ``zh``), falling back to English."""
        row = self.segments.loc[self.segments["id"] == segment].iloc[0]
        if lang == "zh" and isinstance(row["name_zh"], str):
            return row["name_zh"]
        return row["name"]

    def to_dict(self) -> dict[str, Any]:
        """The template as the TOML mapping it was read from (inverse of :meth:`from_dict`)."""
        out: dict[str, Any] = {"schema": SCHEMA, "id": self.id, "name": self.name}
        for k in ("name_zh", "note"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        out.update(self.extra)
        out["segment"] = [{k: list(v) if isinstance(v, tuple) else v for k, v in r.items()
                           if v is not None and v != () and not (isinstance(v, float) and v != v)}
                          for r in self.segments.to_dict("records")]
        out["flow"] = self.flows.to_dict("records")
        return out

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(self.to_dict())

    def __repr__(self) -> str:
        return f"<Template {self.id!r}: {len(self.segments)} segments, {len(self.flows)} flows>"


def _codes(value: Any) -> tuple[str, ...] | None:
    """GB/T 4754-2017 codes as a tuple of 3-4 digit strings, or None when malformed."""
    if not isinstance(value, list) or not all(isinstance(c, str) and _CODE_RE.match(c.strip()) for c in value):
        return None
    return tuple(dict.fromkeys(c.strip() for c in value))


def _words(value: Any) -> tuple[str, ...] | None:
    """Keywords as a tuple of non-empty stripped strings, or None when malformed."""
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        return None
    return tuple(dict.fromkeys(w.strip() for w in value))


def _weight(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return None
    return float(value)


@functools.cache
def _builtin(tid: str) -> Template:
    """Built-in templates are parsed once per process (they are read-only package data)."""
    p = _BUILTIN_DIR / f"{tid}.toml"
    return Template.from_toml(p.read_text(encoding="utf-8"), file=p.name, path=p)


def builtin_templates() -> list[str]:
    """Ids of the built-in templates, sorted.

    >>> "copper" in builtin_templates()
    True
    """
    return sorted(p.stem for p in _BUILTIN_DIR.glob("*.toml"))


def load_template(id_or_path: str | Path, *, base: Path | None = None) -> Template:
    """Load a template by built-in id or by path.

    Parameters
    ----------
    id_or_path : a built-in template id, or the path of a template TOML file
    base : the folder of the data file that names the template. Given, the path resolves
        against it and must stay inside its folder tree (a cluster folder cannot make
        chainnet read files elsewhere); without it (a path a user typed) any path is read.
        Only regular files of at most ``MAX_TOML_BYTES`` are read.

    >>> load_template("copper").id
    'copper'
    """
    if isinstance(id_or_path, Template):
        return id_or_path
    text = str(id_or_path)
    if ID_RE.match(text) and not text.endswith("toml"):
        p = _BUILTIN_DIR / f"{text}.toml"
        if not p.exists():
            raise TemplateError(f"unknown template {text!r}; built-in templates: "
                                f"{', '.join(builtin_templates())} (or give a path to a .toml file)")
        return _builtin(text)
    p = Path(text)
    if base is not None:
        confined = inside(p, base)
        if confined is None:
            raise TemplateError(f"template path {text!r} leads outside the cluster's folder; put the template "
                                "file in the cluster's folder (or a subfolder) and name it relative to it")
        p = confined
    try:
        exists = p.exists()
    except (OSError, ValueError):  # a NUL byte or an over-long name
        exists = False
    if not exists:
        raise TemplateError(f"template file {str(p)!r} does not exist")
    label = p.name if p.parent == _BUILTIN_DIR else str(p)
    data = read_bounded(p, label=label, limit=MAX_TOML_BYTES)
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError([Problem(p.name, "TOML files must be UTF-8; re-save the file as UTF-8")],
                              subject=label) from None
    return Template.from_toml(raw, file=label, path=p)
