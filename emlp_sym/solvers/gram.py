"""The Gram operator of a set of symmetry constraints, whose null space is the fixed space.

For a tensor representation on R^n (n = Π d_i, coordinates row-major in the axes), each Lie
algebra generator gives a constraint ``D = Σ_i I ⊗ .. ⊗ A_i ⊗ .. ⊗ I`` (a Kronecker sum) and
each discrete generator ``D = h_1 ⊗ ... ⊗ h_k − I`` (a Kronecker product minus I). A vector is
fixed by the group iff D x = 0 for every constraint, i.e. iff G x = 0 for the Hermitian
positive semi-definite

    G = Σ_a D_aᴴ D_a,

which :class:`GramOperator` applies matrix-free (through :mod:`.kronecker`), in NumPy or, on
JAX arrays and tracers, in JAX. All numerics are float64 / complex128.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import jax
import numpy as np

from emlp_sym.errors import ShapeError
from emlp_sym.solvers.kronecker import kron_apply, kron_sum_apply, square_dims

__all__ = ["GramOperator", "gram_operator"]


def _adjoint(M: np.ndarray) -> np.ndarray:
    return M.conj().T if np.iscomplexobj(M) else M.T


def _as_matrix(M) -> np.ndarray:
    """M as a float64 array, or complex128 when it has complex entries (SymPy accepted)."""
    M = np.asarray(M)
    if M.dtype == object:
        try:
            return M.astype(np.float64)
        except TypeError:  # SymPy's I and friends
            return M.astype(np.complex128)
    return M.astype(np.complex128) if np.iscomplexobj(M) else M.astype(np.float64)


class GramOperator:
    """X ↦ Σ_a D_aᴴ D_a X for Kronecker-sum (Lie) and Kronecker-product-minus-I terms.

    The operator is Hermitian positive semi-definite and its null space is exactly the set
    of X fixed by every term. Calling it on a NumPy array computes in NumPy (float64 /
    complex128); calling it on a JAX array or tracer stays in JAX (so it can be jitted).

    Attributes:
        lie_terms, discrete_terms: tuples of per-axis NumPy matrices.
        dims: the axis sizes (None when there are no terms).
        n: Π dims (None when there are no terms).
        dtype: complex128 if any matrix is complex, else float64.

    >>> import numpy as np
    >>> A = np.array([[0.0, -1.0], [1.0, 0.0]])  # so(2) on V ⊗ V: Kronecker sum
    >>> G = GramOperator([[A, A]], [])
    >>> G.n, G.dtype
    (4, dtype('float64'))
    >>> identity = np.eye(2).reshape(4)  # δ_ij is rotation invariant
    >>> np.allclose(G(identity), 0)
    True
    """

    def __init__(self, lie_terms: Sequence[Sequence], discrete_terms: Sequence[Sequence]):
        self.lie_terms = tuple(tuple(_as_matrix(M) for M in t) for t in lie_terms)
        self.discrete_terms = tuple(tuple(_as_matrix(M) for M in t) for t in discrete_terms)
        dims = {square_dims(t) for t in self.lie_terms + self.discrete_terms}
        if len(dims) > 1:
            raise ShapeError(f"terms act on different tensor shapes: {sorted(dims)}")
        self.dims = dims.pop() if dims else None
        self.n = math.prod(self.dims) if self.dims is not None else None
        mats = [M for t in self.lie_terms + self.discrete_terms for M in t]
        self.dtype = np.dtype(
            np.complex128 if any(np.iscomplexobj(M) for M in mats) else np.float64
        )
        self._lie_adj = tuple(tuple(_adjoint(M) for M in t) for t in self.lie_terms)
        self._disc_adj = tuple(tuple(_adjoint(M) for M in t) for t in self.discrete_terms)

    def apply(self, X):
        """G X for X of shape (n,) or (n, k), NumPy or JAX (no dtype conversion)."""
        out = None
        for mats, adj in zip(self.lie_terms, self._lie_adj, strict=True):
            term = kron_sum_apply(adj, kron_sum_apply(mats, X))
            out = term if out is None else out + term
        for mats, adj in zip(self.discrete_terms, self._disc_adj, strict=True):
            Y = kron_apply(mats, X) - X
            term = kron_apply(adj, Y) - Y
            out = term if out is None else out + term
        if out is None:
            out = X * 0
        return out

    def __call__(self, X):
        """G X; a NumPy input is promoted to float64 / complex128 first."""
        if isinstance(X, np.ndarray) or not isinstance(X, jax.Array | jax.core.Tracer):
            X = np.asarray(X)
            X = X.astype(np.result_type(X.dtype, self.dtype, np.float64), copy=False)
        return self.apply(X)

    def norm_bound(self) -> float:
        """A guaranteed upper bound on ‖G‖₂ (hence on its largest eigenvalue)."""
        total = 0.0
        for mats in self.lie_terms:
            total += sum(np.linalg.norm(M, 2) for M in mats) ** 2
        for mats in self.discrete_terms:
            total += (math.prod(np.linalg.norm(M, 2) for M in mats) + 1.0) ** 2
        return float(total)


def gram_operator(
    lie_terms: Sequence[Sequence], discrete_terms: Sequence[Sequence]
) -> GramOperator:
    """The operator X ↦ Σ_a D_aᴴ D_a X whose null space is the fixed space.

    Args:
        lie_terms: for each Lie algebra generator, its per-axis matrices
            (D = Kronecker sum; a dual axis uses ``-A.T``, an untouched axis a zero matrix).
        discrete_terms: for each discrete generator, its per-axis matrices
            (D = Kronecker product − I; a dual axis uses ``inv(h).T``, an untouched axis I).

    >>> import numpy as np
    >>> swap = np.array([[0.0, 1.0], [1.0, 0.0]])  # S(2) acting on one vector
    >>> G = gram_operator([], [[swap]])
    >>> G(np.array([1.0, 1.0])), G(np.array([1.0, -1.0]))
    (array([0., 0.]), array([ 4., -4.]))
    """
    return GramOperator(lie_terms, discrete_terms)
