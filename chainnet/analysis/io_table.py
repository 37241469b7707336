"""Upstreamness of the industries of an input-output table (Antràs, Chor, Fally & Hillberry 2012).

The table is a CSV (or DataFrame) whose first column ``industry`` names each industry, then one
column per industry in the same order (row i, column j: industry i's output used by industry j),
then ``output`` and the optional ``exports``, ``imports`` and ``inventory_change``. The
denominator is output adjusted for trade and inventories: output - exports + imports -
inventory_change. ``docs/position.md`` gives the formula and a worked example.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError

IO_OPTIONAL = ("exports", "imports", "inventory_change")


def upstreamness_io(table: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Upstreamness of the industries of an input-output table (Antràs et al. 2012).

    Parameters
    ----------
    table : a CSV file (or a DataFrame of the same shape) whose first column ``industry`` names
        each industry, then one column per industry in the same order (row i, column j = value
        of industry i's output used as input by industry j), then ``output`` (gross output of i)
        and optionally ``exports``, ``imports`` (both >= 0) and ``inventory_change``.

    Returns
    -------
    DataFrame with columns ``industry`` and ``upstreamness``, in the table's order.

    Notes
    -----
    ``Δ_ij = Z_ij / (Y_i - X_i + M_i - N_i)`` (output minus exports plus imports minus
    inventory change) and ``U = (I - Δ)^-1 1``. Every problem of the file is reported at once
    with its row (header = row 1) and column.

    Examples
    --------
    >>> t = pd.DataFrame({"industry": ["a", "b"], "a": [0, 0], "b": [50, 0], "output": [100, 80]})
    >>> upstreamness_io(t)["upstreamness"].tolist()  # a sells half its output to b
    [1.5, 1.0]
    """
    if isinstance(table, pd.DataFrame):
        label = "the input-output table"
        raw = table.copy()
        raw.columns = [str(c).strip() for c in raw.columns]
        raw = raw.astype(object).where(raw.notna(), "")
    else:
        from ..io import read_csv_table

        path = Path(table)
        label = path.name
        raw = read_csv_table(path, label=label)
        raw.columns = [str(c).strip() for c in raw.columns]
    names, Z, adj = _io_parse(raw, label)
    with np.errstate(divide="ignore", invalid="ignore"):
        D = Z / adj[:, None]
    rho = float(np.max(np.abs(np.linalg.eigvals(D)))) if len(names) else 0.0
    if rho >= 1 - 1e-12:
        rs = D.sum(axis=1)
        over = [f"{names[i]} ({rs[i]:.3f})" for i in np.argsort(-rs)[:5] if rs[i] >= 1 - 1e-12]
        raise ValidationError([Problem(label, f"the system I - Δ is singular (the largest eigenvalue of Δ is "
                                              f"{rho:.4f}, it must be below 1): some industries use all of their "
                                              "adjusted output (output - exports + imports - inventory_change) as "
                                              "inputs of each other" + (f"; row sums of Δ: {', '.join(over)}"
                                                                         if over else "")
                                              + ". Check output, exports, imports and inventory_change of these rows",
                                       column="output")], subject=label)
    U = np.linalg.solve(np.eye(len(names)) - D, np.ones(len(names)))
    return pd.DataFrame({"industry": names, "upstreamness": U})


def _io_parse(raw: pd.DataFrame, label: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Check the table's shape and numbers, collecting every problem; return names, Z and adjusted output."""
    problems: list[Problem] = []
    cols = list(raw.columns)

    def bad(msg: str, rows: tuple[int, ...] = (), column: str | None = None) -> None:
        problems.append(Problem(label, msg, rows, column))

    if not cols or cols[0] != "industry":
        bad(f"the first column must be 'industry' (it is {cols[0]!r} here)" if cols else "the table has no columns",
            column=cols[0] if cols else None)
        raise ValidationError(problems, subject=label)
    if "output" not in cols:
        bad("no 'output' column: after the industry columns give each industry's gross output in a column 'output'")
        raise ValidationError(problems, subject=label)
    names = [str(x).strip() for x in raw["industry"]]
    k = cols.index("output")
    ind_cols = cols[1:k]
    extra = cols[k + 1:]
    for c in extra:
        if c not in IO_OPTIONAL:
            bad(f"unexpected column {c!r} after 'output'; allowed there: {', '.join(IO_OPTIONAL)}", column=c)
    for i, nm in enumerate(names):
        if not nm:
            bad("industry name is empty", (i + 2,), "industry")
    dup = pd.Series(names)[pd.Series(names).duplicated()].unique()
    for d in dup:
        bad(f"industry {d!r} appears more than once", tuple(int(i) + 2 for i in np.flatnonzero(np.array(names) == d)),
            "industry")
    if len(ind_cols) != len(names) or any(a != b for a, b in zip(ind_cols, names)):
        if len(ind_cols) != len(names):
            msg = (f"there are {len(names)} industry rows but {len(ind_cols)} industry columns between 'industry' and "
                   "'output'; the columns must name the same industries as the rows, in the same order")
        else:
            j = next(i for i, (a, b) in enumerate(zip(ind_cols, names)) if a != b)
            msg = (f"column {j + 2} is {ind_cols[j]!r} but row {j + 2} is industry {names[j]!r}; the columns between "
                   "'industry' and 'output' must name the same industries as the rows, in the same order")
        same = len(ind_cols) == len(names)
        bad(msg, (1, j + 2) if same else (1,), ind_cols[j] if same else None)
    if not len(names):
        bad("the table has no industry rows")

    def number(c: str, *, min0: bool, required: bool) -> np.ndarray:
        s = raw[c].astype(str).str.strip()
        blank = s.eq("") | s.str.lower().isin(["nan", "none"])
        vals = pd.to_numeric(s.where(~blank, None), errors="coerce").to_numpy(dtype=float)
        wrong = ~blank.to_numpy() & ~np.isfinite(vals)
        if wrong.any():
            shown = ", ".join(repr(v) for v in s[wrong].head(3))
            bad(f"not a number: {shown}", tuple(int(i) + 2 for i in np.flatnonzero(wrong)), c)
        if required and blank.any():
            bad("empty cell; write 0 for none", tuple(int(i) + 2 for i in np.flatnonzero(blank.to_numpy())), c)
        vals = np.where(np.isfinite(vals), vals, 0.0)
        if min0 and (vals < 0).any():
            bad("negative value; values here must be >= 0", tuple(int(i) + 2 for i in np.flatnonzero(vals < 0)), c)
        return vals

    Z = np.column_stack([number(c, min0=True, required=True) for c in ind_cols] or [np.zeros(len(names))])
    out = number("output", min0=True, required=True)
    opt = {c: (number(c, min0=c != "inventory_change", required=False) if c in extra else np.zeros(len(names)))
           for c in IO_OPTIONAL}
    if problems:
        raise ValidationError(problems, subject=label)
    adj = out - opt["exports"] + opt["imports"] - opt["inventory_change"]
    nonpos = np.flatnonzero(adj <= 0)
    if len(nonpos):
        shown = "; ".join(f"{names[i]}: {adj[i]:g}" for i in nonpos[:5])
        bad(f"adjusted output (output - exports + imports - inventory_change) must be positive ({shown}); "
            "check these rows' output and trade", tuple(int(i) + 2 for i in nonpos), "output")
        raise ValidationError(problems, subject=label)
    return names, Z, adj


__all__ = ["IO_OPTIONAL", "upstreamness_io"]
