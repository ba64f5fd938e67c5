"""Kronecker products and sums of per-axis matrices, applied without forming them.

A tensor representation acts on ``R^n``, ``n = Π d_i``, through per-axis ``d_i × d_i``
matrices ``M_i``: a discrete generator as the Kronecker product ``M_1 ⊗ ... ⊗ M_k`` and a Lie
algebra generator as the Kronecker sum ``Σ_i I ⊗ .. ⊗ M_i ⊗ .. ⊗ I``. Both are applied here
axis by axis: an ``(n, k)`` block is reshaped to ``(Π d_<i, d_i, Π d_>i · k)`` and ``M_i``
acts on the middle axis, so the cost is ``O(n k Σ d_i)`` rather than ``O(n² k)``. The first
axis is outermost, as in ``np.kron``; coordinates are row-major in ``(i_1, ..., i_m)``.

NumPy in, NumPy out (float64 stays float64 whatever JAX's x64 setting); JAX arrays or
tracers in, JAX out, so the functions can be traced by ``jax.jit``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from emlp_sym.errors import ShapeError

__all__ = ["kron_apply", "kron_sum_apply", "square_dims"]


# A per-axis matrix with at most this many nonzeros per row on average is applied as a sum
# of scaled slices (XLA fuses these into one pass, several times faster than a dot with a
# tiny matrix); denser ones go through einsum.
_SPARSE_ROW_NNZ = 4


def _concrete(M) -> np.ndarray | None:
    """M as a NumPy array if its values are known now (not a JAX tracer), else None."""
    if isinstance(M, jax.core.Tracer):
        return None
    return np.asarray(M)


def _use_numpy(mats, X) -> bool:
    return isinstance(X, np.ndarray) and all(_concrete(M) is not None for M in mats)


def _apply_axis(M, Xr, xp):
    """M applied to axis 1 of Xr (shape (L, d, R)), as ``einsum('ab,lbr->lar')``."""
    Mc = _concrete(M)
    d = Xr.shape[1]
    if Mc is not None and np.count_nonzero(Mc) <= _SPARSE_ROW_NNZ * d:
        rows = []
        for a in range(d):
            acc = None
            for b in np.flatnonzero(Mc[a]):
                coef = Mc[a, b].item()
                term = Xr[:, b, :] if coef == 1 else Xr[:, b, :] * coef
                acc = term if acc is None else acc + term
            if acc is None:
                dt = xp.result_type(Xr.dtype, np.complex64) if np.iscomplexobj(Mc) else Xr.dtype
                acc = xp.zeros(Xr[:, 0, :].shape, dt)
            rows.append(acc)
        return xp.stack(rows, axis=1)
    M = Mc if Mc is not None and xp is np else xp.asarray(M)
    return xp.matmul(M, Xr)  # broadcasts over L: (d, d) @ (L, d, R)


def square_dims(mats) -> tuple[int, ...]:
    """The sizes d_i of square per-axis matrices; ShapeError (a ValueError) for a non-square one.

    >>> import numpy as np
    >>> square_dims([np.eye(2), np.eye(3)])
    (2, 3)
    """
    dims = []
    for M in mats:
        if M.ndim != 2 or M.shape[0] != M.shape[1]:
            raise ShapeError(f"per-axis matrices must be square, got shape {M.shape}")
        dims.append(int(M.shape[0]))
    return tuple(dims)


def _as_arrays(mats) -> list:
    return [M if hasattr(M, "ndim") else np.asarray(M) for M in mats]


class _Block:
    """X as an (n, k) block, with the axis sizes and array module of a Kronecker application."""

    def __init__(self, mats, X):
        self.mats = _as_arrays(mats)
        self.xp = np if _use_numpy(self.mats, X) else jnp
        self.dims = square_dims(self.mats)
        self.n = math.prod(self.dims)
        if X.shape[0] != self.n:
            raise ShapeError(f"X has {X.shape[0]} rows, the Kronecker factors act on {self.n}")
        self.X = X.reshape(self.n, -1)
        self.k = self.X.shape[1]

    def apply_axis(self, i: int, Y):
        """mats[i] applied to axis i of the (n, k) block Y; returns an (n, k) block."""
        d = self.dims
        Yr = Y.reshape(math.prod(d[:i]), d[i], math.prod(d[i + 1 :]) * self.k)
        return _apply_axis(self.mats[i], Yr, self.xp).reshape(self.n, self.k)


def kron_sum_apply(mats: Sequence, X):
    """Apply the Kronecker sum ``Σ_i I ⊗ .. ⊗ mats[i] ⊗ .. ⊗ I`` to X without forming it.

    Args:
        mats: square matrices d_i × d_i, one per tensor axis (first axis outermost, as in
            ``np.kron``); NumPy, JAX, or JAX tracers; real or complex.
        X: shape (n,) or (n, k) with n = Π d_i.

    Returns:
        An array of X's shape. NumPy in, NumPy out (computed in NumPy, so float64 stays
        float64 whatever JAX's x64 setting); otherwise a JAX array, and the function can be
        traced by ``jax.jit``. Zero matrices (axes the generator does not touch) are skipped.

    >>> import numpy as np
    >>> A, B = np.array([[0.0, -1.0], [1.0, 0.0]]), np.diag([1.0, 2.0, 3.0])
    >>> X = np.arange(6.0)
    >>> dense = np.kron(A, np.eye(3)) + np.kron(np.eye(2), B)
    >>> np.allclose(kron_sum_apply([A, B], X), dense @ X)
    True
    """
    B = _Block(mats, X)
    out = None
    for i, M in enumerate(B.mats):
        Mc = _concrete(M)
        if Mc is not None and not np.any(Mc):
            continue
        term = B.apply_axis(i, B.X)
        out = term if out is None else out + term
    if out is None:
        out = B.xp.zeros_like(B.X)
    return out.reshape(X.shape)


def kron_apply(mats: Sequence, X):
    """Apply the Kronecker product ``mats[0] ⊗ mats[1] ⊗ ...`` to X without forming it.

    Same conventions as :func:`kron_sum_apply`; identity factors are skipped.

    >>> import numpy as np
    >>> A, B = np.array([[0.0, 1.0], [1.0, 0.0]]), np.diag([1.0, 2.0, 3.0])
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> np.allclose(kron_apply([A, B], X), np.kron(A, B) @ X)
    True
    """
    B = _Block(mats, X)
    out = B.X
    for i, M in enumerate(B.mats):
        Mc = _concrete(M)
        if Mc is not None and np.array_equal(Mc, np.eye(B.dims[i])):
            continue
        out = B.apply_axis(i, out)
    return out.reshape(X.shape)
