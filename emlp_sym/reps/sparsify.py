"""A sparse basis of the same space: the reduced column echelon form of a basis.

The reference library's ``sparsify_basis(Q)`` searches, by gradient descent from a random
start, for an orthogonal mixing ``Q W`` with mostly 0 and ±1 entries, and may fail silently.
Here the basis is brought to its reduced column echelon form ``S``: each column has a 1 in
a "pivot" row where every other column has 0, found by Gauss-Jordan elimination with
partial pivoting. ``S`` depends only on the span of ``Q`` (it is a canonical form of the
column space), so it is deterministic and spans exactly the space ``Q`` spans. For
permutation groups (orbit bases) the result is the 0/1 orbit indicators; for SO(3) on
``V**3`` it is the Levi-Civita symbol, as the reference prints.
"""

from __future__ import annotations

import numpy as np
import sympy

from emlp_sym.errors import ShapeError

__all__ = ["sparsify_basis"]


def sparsify_basis(Q, lr: float | None = None, *, tol: float = 1e-7):
    """A basis of the column space of ``Q`` with as many exact zeros as elimination gives.

    Args:
        Q: a basis, ``(n, r)``: a NumPy/JAX array, a structured basis from
            ``rep.equivariant_basis()``, or a ``sympy.Matrix`` (then the result is exact).
        lr: the reference's learning rate, accepted for its signature and unused (nothing
            is optimized here).
        tol: entries below ``tol`` times the largest entry of ``Q`` count as zero (float
            bases carry solver round-off, at most 1e-6 relative for Krylov bases).

    Returns:
        ``(n, r)`` float64 NumPy array (a ``sympy.Matrix`` for a SymPy input) in reduced column
        echelon form: column ``k`` is 1 at its pivot row ``p_k`` (``p_0 < p_1 < ...``) and every
        other column is 0 there; entries below the tolerance are exactly 0, and entries within
        it of an integer are that integer.

    >>> import numpy as np
    >>> sparsify_basis(np.array([[1.0, 1.0], [1.0, -1.0], [2.0, 0.0]]))
    array([[1., 0.],
           [0., 1.],
           [1., 1.]])
    """
    if isinstance(Q, sympy.MatrixBase):
        rows = Q.T.rref()[0]
        rank = sum(1 for i in range(rows.rows) if any(rows.row(i)))
        return rows[:rank, :].T
    A = np.asarray(Q)
    if A.ndim != 2:
        raise ShapeError(f"sparsify_basis expects a basis of shape (n, r), got {A.shape}")
    if np.iscomplexobj(A):
        A = A.astype(np.complex128)
    else:
        A = A.astype(np.float64)
    rows = A.T.copy()  # one basis vector per row: Gauss-Jordan on rows
    r, n = rows.shape
    if r == 0 or n == 0:
        return rows.T
    cutoff = tol * max(float(np.abs(rows).max()), np.finfo(float).tiny)
    pivot_row = 0
    for col in range(n):
        if pivot_row == r:
            break
        k = pivot_row + int(np.argmax(np.abs(rows[pivot_row:, col])))
        if abs(rows[k, col]) <= cutoff:
            continue
        rows[[pivot_row, k]] = rows[[k, pivot_row]]
        rows[pivot_row] /= rows[pivot_row, col]
        others = np.arange(r) != pivot_row
        rows[others] -= np.outer(rows[others, col], rows[pivot_row])
        rows[others, col] = 0.0
        pivot_row += 1
    rows = rows[:pivot_row]  # a rank-deficient input keeps its rank
    rows[np.abs(rows) <= tol * np.abs(rows).max(axis=1, keepdims=True)] = 0
    # elimination round-off: 0.9999999999999994 is the 1 of an exact basis
    near_integer = np.abs(rows - np.round(rows)) <= tol
    rows[near_integer] = np.round(rows[near_integer])
    return rows.T
