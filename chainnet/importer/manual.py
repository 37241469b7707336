"""Choices made by hand: ``segments``/``role`` columns of the input, ``--leaders``, edited reviews.

A manual choice always wins over the rules and is recorded as ``manual`` in ``basis``:

* an input file that already has a ``segments`` and/or ``role`` column (环节, 产业链环节, 角色 ...;
  a list an analyst pre-classified): a filled cell is the analyst's choice for that firm, a blank
  cell leaves the decision to the rules. Segments may be written as ids or as the template's
  segment names (English or Chinese), several separated by ``;``, ``；``, ``、`` or ``,``; roles as
  ids or the Chinese role words of firms.csv (龙头, 链主, 骨干, 中小企业, 科研机构, 高校, 服务机构 ...);
* ``--leaders``: named firms are leaders;
* an edited ``review.xlsx`` (``--review``) or hand edits in an earlier output (``--force``).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from .. import creditcode
from .._errors import ChainnetError, DataWarning, Problem, ValidationError
from .._validate import ROLE_ALIASES, ROLES, _segment_hint
from ..template import Template
from .review import split_segments

_BRACKETS = re.compile(r"\s*[（(][^）)]*[）)]")


def segment_lookup(template: Template) -> dict[str, str]:
    """Segment id, English name (lower case) and Chinese name -> segment id.

    >>> from chainnet.template import load_template
    >>> lk = segment_lookup(load_template("copper"))
    >>> lk["foil"], lk["铜箔"], lk["铜箔（电解铜箔、压延铜箔）"], lk["copper foil"]
    ('foil', 'foil', 'foil', 'foil')
    """
    out: dict[str, str] = {}
    seg = template.segments
    for sid, nm, zh in zip(seg["id"], seg["name"], seg["name_zh"]):
        for name in (zh, nm.lower() if isinstance(nm, str) else nm):
            if isinstance(name, str) and name.strip():
                out.setdefault(name.strip(), sid)
                out.setdefault(_BRACKETS.sub("", name).strip(), sid)  # 铜箔（电解铜箔、压延铜箔） is also 铜箔
    out.update({s: s for s in seg["id"]})  # an id always means itself
    return out


def role_of(text: str) -> str:
    """A role id from an id (any case) or a Chinese role word; unknown text is returned as is."""
    t = text.strip()
    return ROLE_ALIASES.get(t, t.lower())


def apply_file_choices(t: pd.DataFrame, *, segments: pd.Series | None, roles: pd.Series | None,
                       role_basis: list[str], template: Template, label: str,
                       columns: dict[str, str]) -> None:
    """Filled ``segments``/``role`` cells of the input win over the rules (in place on ``t``).

    ``segments``/``roles`` are the cells as text (blank = no choice), row-aligned with ``t``;
    ``role_basis`` is what the role rule recorded per row (``size``, ``name``, ``code:7320``).
    Unknown segments or roles are errors naming the spreadsheet row and column, all at once.
    """
    lookup = segment_lookup(template)
    rank = {s: i for i, s in enumerate(template.segment_ids)}  # segments listed upstream first, as the rules do
    problems: list[Problem] = []
    n = len(t)
    seg_given = np.zeros(n, dtype=bool) if segments is None else (segments != "").to_numpy()
    role_given = np.zeros(n, dtype=bool) if roles is None else (roles != "").to_numpy()
    rows = t["row"].to_numpy()
    seg_vals: dict[str, tuple[tuple[str, ...], str]] = {}  # cell text -> (segment ids, unknown parts)
    if segments is not None and seg_given.any():
        bad_rows: dict[str, list[int]] = {}
        for i in np.flatnonzero(seg_given):
            text = segments.iat[i]
            if text not in seg_vals:
                parts = split_segments(text)
                found = [lookup.get(p, lookup.get(p.lower())) for p in parts]
                bad = ", ".join(p for p, f in zip(parts, found) if f is None)
                seg_vals[text] = (tuple(sorted({f for f in found if f}, key=rank.__getitem__)), bad)
            if seg_vals[text][1]:
                bad_rows.setdefault(seg_vals[text][1], []).append(int(rows[i]))
        hint = _segment_hint(template.order, [template.id])
        for bad, where in bad_rows.items():
            problems.append(Problem(label, f"unknown segment {bad}; write segment ids or names; {hint}", tuple(where),
                                    columns["segments"]))
    role_vals: dict[str, str] = {}
    if roles is not None and role_given.any():
        bad_roles: dict[str, list[int]] = {}
        for i in np.flatnonzero(role_given):
            text = roles.iat[i]
            r = role_vals.setdefault(text, role_of(text))
            if r not in ROLES:
                bad_roles.setdefault(text, []).append(int(rows[i]))
        for text, where in bad_roles.items():
            problems.append(Problem(label, f"unknown role {text!r}; use one of {', '.join(ROLES)} or 龙头/链主, 骨干, "
                                           "中小企业, 科研机构/高校, 服务机构", tuple(where), columns["role"]))
    if problems:
        raise ValidationError(problems, subject=label)
    for i in np.flatnonzero(seg_given | role_given).tolist():
        if seg_given[i]:
            t.at[i, "segments"] = seg_vals[segments.iat[i]][0]
            kept = [] if role_given[i] else [role_basis[i]]
            t.at[i, "basis"] = ";".join(["manual", *kept])
            t.at[i, "confidence"], t.at[i, "note"] = 1.0, "manual"
        else:  # the role only: the placement's basis stays, the role rule's gives way
            rule = [b for b in t.at[i, "basis"].split(";") if b and b != role_basis[i]]
            t.at[i, "basis"] = ";".join([*rule, "manual"])
        if role_given[i]:
            t.at[i, "role"] = role_vals[roles.iat[i]]
        t.at[i, "placed"] = bool(t.at[i, "segments"]) or t.at[i, "role"] in ("institution", "service")


def apply_leaders(t: pd.DataFrame, leaders: list[str] | tuple[str, ...], label: str) -> None:
    """Firms named (or coded) in ``--leaders`` are leaders; a name not in the file is an error."""
    missing = []
    for want in leaders:
        code = creditcode.normalise(want)
        hit = ((t["name"] == want.strip()) | (t["credit_code"] == code) | (t["firm_id"] == want.strip())).to_numpy()
        if not hit.any():
            missing.append(want)
            continue
        for i in np.flatnonzero(hit):
            t.at[i, "role"] = "leader"
            t.at[i, "basis"] = ";".join([b for b in t.at[i, "basis"].split(";") if b not in ("size", "name", "manual")]
                                        + ["manual"])
            if not t.at[i, "segments"]:
                t.at[i, "placed"] = False
                warnings.warn(f"{label}, row {t.at[i, 'row']}: leader {want!r} is not placed in any segment; set its "
                              "segments in review.xlsx and re-import with --review", DataWarning, stacklevel=3)
    if missing:
        raise ChainnetError(f"--leaders: no firm named or coded {', '.join(repr(m) for m in missing)} in {label}; "
                            "give the name exactly as in the file, or the credit code")


def apply_manual(t: pd.DataFrame, m: pd.DataFrame, label: str) -> None:
    """Choices read from an edited review or an earlier output's firms.csv win (in place on ``t``)."""
    by_id = {f: i for i, f in enumerate(t["firm_id"])}
    by_name = {n: i for i, n in enumerate(t["name"])}
    lost = []
    for r in m.itertuples(index=False):
        i = by_id.get(r.firm_id, by_name.get(r.name))
        if i is None:
            lost.append(r.name or r.firm_id)
            continue
        t.at[i, "segments"] = tuple(r.segments)
        t.at[i, "role"] = r.role
        t.at[i, "basis"] = "manual"
        t.at[i, "confidence"] = 1.0
        t.at[i, "note"] = "manual"
        t.at[i, "placed"] = bool(r.segments) or r.role in ("institution", "service")
    if lost:
        warnings.warn(f"{label}: manual choices for {len(lost)} firm(s) not in this file were dropped: "
                      f"{', '.join(lost[:10])}", DataWarning, stacklevel=3)
