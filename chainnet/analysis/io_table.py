"""Upstreamness of the industries of an input-output table (Antràs, Chor, Fally & Hillberry 2012).

The table is read by :func:`chainnet._io_table.read_io_table`: a CSV or xlsx file (or a DataFrame)
with the sector labels in the first column, the square intermediate-use block, and named columns
for gross output (``output``/``总产出``), ``exports``/``出口``, ``imports``/``进口`` and
``inventory_change``/``存货增加``/``存货变动`` (or ``net_exports``/``净出口``); the layout of China's
official tables is read as published. Negative cells (scrap and second-hand goods, re-exports,
inventory draw-downs) are accepted with one warning. ``docs/position.md`` gives the formula.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from .._errors import ChainnetError, DataWarning, Problem, ValidationError
from .._io_table import IOTable, read_io_table
from ._upstreamness import DIRECT_MAX, solve_upstreamness

IO_OPTIONAL = ("exports", "imports", "inventory_change")
#: The row identity must fit this much better with imports taken as negative numbers before their sign is reversed.
_SIGN_EVIDENCE = 0.1


def upstreamness_io(table: str | Path | pd.DataFrame, *, columns: dict[str, str] | None = None,
                    sheet: str | None = None) -> pd.DataFrame:
    """Upstreamness of the industries of an input-output table (Antràs et al. 2012).

    Parameters
    ----------
    table : a .csv or .xlsx file, or a DataFrame whose column names are the header row: sector
        labels in the first column, then one column per sector in the same order (row i,
        column j = value of industry i's output used as input by industry j), then named
        columns: ``output`` (gross output of i; required) and optionally ``exports``,
        ``imports``, ``inventory_change`` or ``net_exports``, in English or as China's official
        tables name them (总产出, 出口, 进口, 存货增加/存货变动, 净出口). Other columns after the
        block (totals, final-use columns) and total or value-added rows are ignored.
    columns : headers of roles named otherwise, e.g. ``{"output": "Total output"}``
    sheet : sheet of an .xlsx file (default: the first with an output column)

    Returns
    -------
    DataFrame with columns ``industry`` and ``upstreamness``, in the table's order;
    ``attrs["io_table"]`` records the header row, the columns used and ignored, and notes.

    Raises
    ------
    ValidationError
        With every problem of the file (row as a spreadsheet shows it, column), including an
        industry whose adjusted output ``output - exports + imports - inventory_change`` is zero
        or negative, and a table whose series ``1 + Δ1 + Δ²1 + …`` does not converge.

    Warns
    -----
    DataWarning
        Once, listing how many cells are negative (intermediate use, output, exports, imports,
        inventory change), and when the imports are recorded as negative numbers and their sign
        is reversed.

    Notes
    -----
    ``Δ_ij = Z_ij / (Y_i - X_i + M_i - N_i)`` and ``U = (I - Δ)^-1 1``, summed as the series
    ``1 + Δ1 + Δ²1 + …``.

    Examples
    --------
    >>> t = pd.DataFrame({"industry": ["a", "b"], "a": [0, 0], "b": [50, 0], "output": [100, 80]})
    >>> upstreamness_io(t)["upstreamness"].tolist()  # a sells half its output to b
    [1.5, 1.0]
    """
    t = read_io_table(table, columns=columns, sheet=sheet)
    notes: list[str] = []
    v = dict(t.values)
    n = len(t.names)
    if "imports" in v and _imports_recorded_negative(t):
        v["imports"] = -v["imports"]
        notes.append(f"imports ({t.columns['imports']!r}) are recorded as negative numbers: the row identity "
                     "output = intermediate use + final use + imports (+ other) holds with them as given, so their "
                     "sign was reversed")
        warnings.warn(f"{t.label}: {notes[-1]}", DataWarning, stacklevel=2)
    _warn_negative(t, v)
    zero = np.zeros(n)
    if "net_exports" in v and "exports" not in v:  # X - M given as one column (imports then only checked)
        trade = v["net_exports"]
        formula = "output - net_exports - inventory_change"
    else:
        trade = v.get("exports", zero) - v.get("imports", zero)
        formula = "output - exports + imports - inventory_change"
    adj = v["output"] - trade - v.get("inventory_change", zero)
    nonpos = np.flatnonzero(adj <= 0)
    if len(nonpos):
        shown = "; ".join(f"{t.names[i]}: {adj[i]:g}" for i in nonpos[:5])
        raise ValidationError([Problem(t.label, f"adjusted output ({formula}) must be positive ({shown}); upstreamness "
                                                "divides by it. Check these rows' output, trade and inventory change",
                                       tuple(int(r) for r in t.rows[nonpos]), t.columns["output"])], subject=t.label)
    D = t.Z / adj[:, None]
    try:
        solved = solve_upstreamness(D, method="series")
    except ChainnetError as exc:
        _diagnose(t, D)
        raise ValidationError([Problem(t.label, str(exc))], subject=t.label) from None
    if solved.unbounded.any():  # closed loops of a non-negative table: the spectral radius is 1 or more
        _diagnose(t, D)
    out = pd.DataFrame({"industry": t.names, "upstreamness": solved.values})
    out.attrs["io_table"] = {"file": t.label, "header_row": t.header_row, "industries": n, "columns": dict(t.columns),
                             "ignored_columns": list(t.ignored), "adjusted_output": formula,
                             "solver": solved.method, "notes": notes}
    return out


def _imports_recorded_negative(t: IOTable) -> bool:
    """Whether imports are written with a minus sign (as in China's 1997 table): the row identity
    output = intermediate use + final use - imports (+ other) fits far better with imports negated.
    Without a final-use total the identity cannot be checked and imports are taken as given."""
    m = t.values["imports"]
    if "final_use" not in t.values or not (m < 0).any() or (m > 0).any():
        return False
    inter = t.values.get("intermediate_use", t.Z.sum(axis=1))
    rest = t.values["output"] - inter - t.values["final_use"] - t.values.get("other", 0.0)
    as_given = np.abs(rest + m).sum()  # Y = inter + final - M + other with M as written
    negated = np.abs(rest - m).sum()  # Y = inter + final + M + other: M is already negative
    return bool(negated < _SIGN_EVIDENCE * as_given)


def _warn_negative(t: IOTable, v: dict[str, np.ndarray]) -> None:
    """One warning counting the negative cells; real tables have them (scrap and second-hand goods,
    re-exports, inventory draw-downs, non-comparable imports)."""
    counts = {"intermediate-use cells": int((t.Z < 0).sum())}
    counts.update({t.columns[r]: int((v[r] < 0).sum()) for r in ("output", "exports", "imports", "inventory_change",
                                                                  "net_exports") if r in v})
    parts = [f"{k}: {c:,}" for k, c in counts.items() if c]
    if parts:
        warnings.warn(f"{t.label}: negative values accepted ({'; '.join(parts)}); real tables have them "
                      "(scrap and second-hand goods, re-exports, inventory draw-downs). Upstreamness is computed "
                      "as long as every adjusted output is positive and the series converges", DataWarning,
                      stacklevel=3)


def _diagnose(t: IOTable, D: np.ndarray) -> NoReturn:
    """Raise, saying why the series 1 + Δ1 + Δ²1 + … does not converge (spectral radius >= 1) and
    naming the industries; called only once it has failed."""
    n = len(t.names)
    rho = float(np.max(np.abs(np.linalg.eigvals(D)))) if n <= DIRECT_MAX else float("nan")
    rs = np.abs(D).sum(axis=1)
    over = [i for i in np.argsort(-rs, kind="stable")[:5] if rs[i] >= 1 - 1e-12]
    singular = n <= DIRECT_MAX and abs(np.linalg.det(np.eye(n) - D)) < 1e-12
    msg = (("the system I - Δ is singular" if singular else "the series U = 1 + Δ1 + Δ²1 + … does not converge")
           + (f" (the largest eigenvalue modulus of Δ is {rho:.4f}; it must be below 1)" if rho == rho else "")
           + ": some industries use as much "
           "as or more than their adjusted output (output - exports + imports - inventory_change) as inputs of each "
           "other")
    if over:
        msg += "; intermediate use / adjusted output: " + ", ".join(f"{t.names[i]} ({rs[i]:.3f})" for i in over)
    msg += ". Check output, exports, imports and inventory_change of these rows"
    raise ValidationError([Problem(t.label, msg, tuple(int(t.rows[i]) for i in over), t.columns["output"])],
                          subject=t.label)


__all__ = ["IO_OPTIONAL", "upstreamness_io"]
