"""The one upstreamness solver: ``U = (I - Δ)^-1 1`` for firms (sparse, up to millions) and industries.

:func:`chainnet.analysis.position.position` (firms of a cluster) and
:func:`chainnet.analysis.io_table.upstreamness_io` (industries of an input-output table) both build
their share matrix ``Δ`` and call :func:`solve_upstreamness`; ``docs/position.md`` gives the formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse import linalg as spla

from .._errors import ChainnetError
from .._messages import Text
from . import _sparse

#: Below this many nodes the linear systems are solved directly (exact); above it iteratively.
DIRECT_MAX = 2000
#: A node's output leaks out of the network (to final use or outside) when the share exceeds this.
LEAK_EPS = 1e-12
#: Neumann steps before GMRES takes over (method "auto" on large systems).
_NEUMANN_BEFORE_GMRES = 2000
#: The series is declared divergent once a value exceeds this many production stages.
_DIVERGED = 1e12
METHODS = ("auto", "series")


@dataclass(frozen=True)
class Solved:
    """Upstreamness from a share matrix: ``values`` (NaN where unbounded), ``unbounded`` mask, method."""

    values: np.ndarray
    unbounded: np.ndarray
    method: str


def solve_upstreamness(delta: sp.sparray | np.ndarray, *, method: str = "auto", tol: float = 1e-12,
                       max_iter: int = 100_000) -> Solved:
    """Solve ``U = 1 + Δ U``, i.e. ``U = (I - Δ)^-1 1 = 1 + Δ1 + Δ²1 + …``.

    For a non-negative ``Δ`` (rows sum to at most 1, as for firms) the inverse exists when, from
    every node, a chain of positive shares leads to a node that sells part of its output outside
    (row sum below 1). Nodes from which no such chain exists form closed loops that trade
    everything among themselves: their upstreamness, and that of every node selling into them, is
    unbounded. Those nodes get NaN and are flagged in ``unbounded`` (found by reachability, no
    division by zero). A ``Δ`` with negative entries (real input-output tables) has no such
    structure: nothing is flagged and the series must converge.

    Parameters
    ----------
    delta : n x n shares, ``delta[i, j]`` = share of i's output used by j (may be negative)
    method : ``"auto"``: exact (LU) up to ``DIRECT_MAX`` nodes, else the Neumann series continued by
        GMRES when it converges slowly (firm networks of up to millions of firms);
        ``"series"``: the Neumann series only, at any size (input-output tables)
    tol : relative accuracy of the iterative solution (largest change of a step over the largest value)
    max_iter : Neumann steps before giving up

    Returns
    -------
    Solved

    Raises
    ------
    ChainnetError
        When the series does not converge (the spectral radius of ``Δ`` is 1 or more) or GMRES fails.

    Examples
    --------
    >>> d = np.array([[0, 0.5, 0], [0, 0, 1.0], [0, 0, 0]])  # a sells half to b, b all to c
    >>> solve_upstreamness(d).values.tolist()  # c = 1, b = 1 + c = 2, a = 1 + 0.5 b = 2
    [2.0, 2.0, 1.0]
    >>> solve_upstreamness(np.array([[0, 1.0], [1.0, 0]])).unbounded.tolist()  # a closed loop
    [True, True]
    >>> s = solve_upstreamness(np.array([[0, 0.5], [-0.2, 0]]), method="series")  # a negative share
    >>> s.values.round(12).tolist()  # U_a = 1 + 0.5 U_b, U_b = 1 - 0.2 U_a -> U_a = 1.5 / 1.1
    [1.363636363636, 0.727272727273]
    """
    if method not in METHODS:
        raise ChainnetError(f"method={method!r} must be one of {', '.join(METHODS)}")
    D = sp.csr_array(delta, dtype=float)
    n = D.shape[0]
    if D.shape != (n, n):
        raise ChainnetError(f"the share matrix must be square, not {D.shape[0]} x {D.shape[1]}")
    D.eliminate_zeros()
    if (D.data < 0).any():
        unbounded = np.zeros(n, dtype=bool)
    else:
        leak = 1.0 - np.asarray(D.sum(axis=1)).ravel()
        unbounded = _unbounded(D, leak > LEAK_EPS)
    U = np.full(n, np.nan)
    ok = np.flatnonzero(~unbounded)
    if not len(ok):
        return Solved(U, unbounded, Text.of("solver.none"))
    Dk = (D[ok][:, ok] if unbounded.any() else D).tocsr()
    if method == "series":
        U[ok], steps = _series(Dk, tol=tol, max_iter=max_iter)
        return Solved(U, unbounded, Text.of("solver.series", n=steps))
    if len(ok) <= DIRECT_MAX:
        U[ok] = np.linalg.solve(np.eye(len(ok)) - Dk.toarray(), np.ones(len(ok)))
        return Solved(U, unbounded, Text.of("solver.direct"))
    U[ok], how = _iterate(Dk, tol=tol, max_iter=max_iter)
    return Solved(U, unbounded, how)


def _unbounded(D: sp.csr_array, leaky: np.ndarray) -> np.ndarray:
    """Nodes with no chain of shares to a leaky node, and every node that sells into them."""
    n = D.shape[0]
    everything = np.ones(n, dtype=bool)
    DT = D.T.tocsr()
    reaches_leak = _sparse.reach(DT, leaky, everything)  # nodes with a path to a leaky node
    trapped = ~reaches_leak
    if not trapped.any():
        return trapped
    return _sparse.reach(DT, trapped, everything)


def _series(D: sp.csr_array, *, tol: float, max_iter: int) -> tuple[np.ndarray, int]:
    """The Neumann series U = Σ_k Δ^k 1 (every term adds the nodes one more stage away), summed
    until a term is below ``tol`` of the sum; raises when it does not converge."""
    one = np.ones(D.shape[0])
    x = one.copy()
    change = np.inf
    for k in range(1, max_iter + 1):
        nxt = one + D @ x
        change = float(np.abs(nxt - x).max())
        x = nxt
        top = float(np.abs(x).max())
        if change <= tol * top:
            return x, k
        if not np.isfinite(top) or top > _DIVERGED:
            break
    raise ChainnetError(f"upstreamness is not defined: the series U = 1 + Δ1 + Δ²1 + … does not converge "
                        f"(after {k:,} steps the last term is still {change:.3g}); the spectral radius of Δ "
                        "must be below 1")


def _iterate(D: sp.csr_array, *, tol: float, max_iter: int) -> tuple[np.ndarray, str]:
    """Neumann series from U = 1; GMRES from there when it has not converged in 2,000 steps."""
    n = D.shape[0]
    one = np.ones(n)
    x = one.copy()
    for k in range(1, min(max_iter, _NEUMANN_BEFORE_GMRES) + 1):
        nxt = one + D @ x
        change = float(np.abs(nxt - x).max())
        x = nxt
        if change <= tol * float(x.max()):
            return x, Text.of("solver.series", n=k)
    M = sp.identity(n, format="csr") - D
    y, info = spla.gmres(M, one, x0=x, rtol=tol, restart=100, maxiter=max_iter)
    resid = float(np.abs(M @ y - one).max())
    if info != 0 or not np.isfinite(y).all() or resid > 1e-6 * max(float(np.abs(y).max()), 1.0):
        raise ChainnetError(f"upstreamness did not converge (residual {resid:.2e}): some firms sell almost "
                            "everything to each other in loops; give their output, or set final_use above 0")
    return y, Text.of("solver.gmres")


__all__ = ["DIRECT_MAX", "LEAK_EPS", "METHODS", "Solved", "solve_upstreamness"]
